//! The Amazon S3 backend (any S3-compatible server with `AWS_ENDPOINT_URL`). Uploads longer
//! than `PART_SIZE` are multipart uploads (`upload.rs`); small ones are a single PUT.
//! Downloads and ranges stream from GetObject.

use std::{collections::BTreeMap, time::Duration};

use anyhow::Context;
use aws_sdk_s3::{
    Client,
    config::{Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation, http::HttpResponse},
    error::SdkError,
    presigning::PresigningConfig,
};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, TryStreamExt};
use tokio_util::io::ReaderStream;

mod bucket;
mod config;
mod upload;

pub use self::config::S3Config;
use super::{ByteRange, ByteStream, FileMeta, FileName, FileStore, Presigned, StoreError, Stored};

const HEAD_CONCURRENCY: usize = 8;

pub struct S3Store {
    client: Client,
    /// Signs the URLs handed to clients: the same client, or one for `S3_PUBLIC_ENDPOINT_URL`
    /// when clients reach the server by another name than the app does (docker-compose).
    presigner: Client,
    bucket: String,
    prefix: String,
    create_bucket: bool,
}

impl S3Store {
    /// No network I/O: credentials are resolved on the first request.
    pub async fn connect(config: &S3Config) -> Self {
        let S3Config { bucket, prefix, region, endpoint, public_endpoint, force_path_style, credentials, .. } = config;
        // An explicit region keeps the SDK from probing instance metadata at start-up.
        let region = Region::new(region.clone().unwrap_or_else(|| "us-east-1".into()));
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region);
        if let Some(endpoint) = endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(keys) = credentials {
            loader = loader.credentials_provider(Credentials::new(
                &keys.access_key_id,
                keys.secret_access_key.expose(),
                keys.session_token.as_ref().map(|t| t.expose().clone()),
                None,
                "anyport-config",
            ));
        }
        let shared = loader.load().await;
        let client_for = |endpoint: Option<&String>| {
            let mut builder = aws_sdk_s3::config::Builder::from(&shared)
                .force_path_style(*force_path_style)
                // S3-compatible servers do not all accept the SDK's default trailing checksums.
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
            if let Some(endpoint) = endpoint {
                builder = builder.endpoint_url(endpoint);
            }
            Client::from_conf(builder.build())
        };
        let client = client_for(None);
        let presigner = if public_endpoint.is_some() { client_for(public_endpoint.as_ref()) } else { client.clone() };
        Self { client, presigner, bucket: bucket.clone(), prefix: prefix.clone(), create_bucket: config.create_bucket }
    }

    fn key(&self, name: &FileName) -> String {
        format!("{}{}", self.prefix, name.as_str())
    }

    async fn head_key(&self, key: &str) -> Result<Option<FileMeta>, StoreError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some(FileMeta {
                name: key[self.prefix.len()..].to_string(),
                size: out.content_length.unwrap_or_default().max(0) as u64,
                content_type: out.content_type.unwrap_or_else(|| "application/octet-stream".into()),
                etag: unquote(out.e_tag.as_deref()),
                uploaded_at: to_chrono(out.last_modified.as_ref()),
            })),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(sdk_error(e, "HeadObject")),
        }
    }
}

fn unquote(etag: Option<&str>) -> String {
    etag.unwrap_or_default().trim_matches('"').to_string()
}

fn to_chrono(time: Option<&aws_sdk_s3::primitives::DateTime>) -> DateTime<Utc> {
    time.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos())).unwrap_or_default()
}

/// What S3's answer (or its absence) means for the client: network trouble, a timeout or
/// S3 asking us to slow down or come back (503) is an outage (503, retry); any other 5xx is
/// S3 failing (502); everything else is ours (500). The status is read from the response.
fn sdk_error<E>(err: SdkError<E, HttpResponse>, operation: &str) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let text = format!("{operation}: {}", aws_sdk_s3::error::DisplayErrorContext(&err));
    match (&err, status) {
        (SdkError::DispatchFailure(_) | SdkError::TimeoutError(_), _) => StoreError::Unavailable(text),
        (_, Some(503)) => StoreError::Unavailable(text),
        (_, Some(500..=599)) => StoreError::Upstream(text),
        _ => StoreError::Other(anyhow::anyhow!(text)),
    }
}

#[async_trait::async_trait]
impl FileStore for S3Store {
    fn name(&self) -> &'static str {
        "s3"
    }

    async fn put(
        &self,
        name: &FileName,
        content_type: &str,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<Stored, StoreError> {
        let key = self.key(name);
        let existed = self.head_key(&key).await?.is_some();
        self.upload(&key, content_type, body, limit).await?;
        let meta = self.head_key(&key).await?.context("the object vanished right after its upload")?;
        Ok(Stored { meta, replaced: existed })
    }

    async fn get(
        &self,
        name: &FileName,
        range: Option<ByteRange>,
    ) -> Result<Option<(FileMeta, ByteStream<'static>)>, StoreError> {
        let key = self.key(name);
        let mut request = self.client.get_object().bucket(&self.bucket).key(&key);
        if let Some(r) = range {
            request = request.range(format!("bytes={}-{}", r.start, r.end));
        }
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(sdk_error(e, "GetObject")),
        };
        // With a range, Content-Length is the range's: the total is after the slash.
        let size = match out.content_range.as_deref().and_then(|r| r.rsplit('/').next()?.parse().ok()) {
            Some(total) => total,
            None => out.content_length.unwrap_or_default().max(0) as u64,
        };
        let meta = FileMeta {
            name: name.as_str().to_string(),
            size,
            content_type: out.content_type.clone().unwrap_or_else(|| "application/octet-stream".into()),
            etag: unquote(out.e_tag.as_deref()),
            uploaded_at: to_chrono(out.last_modified.as_ref()),
        };
        let stream = ReaderStream::with_capacity(out.body.into_async_read(), 64 * 1024);
        Ok(Some((meta, Box::pin(stream))))
    }

    async fn head(&self, name: &FileName) -> Result<Option<FileMeta>, StoreError> {
        self.head_key(&self.key(name)).await
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>, StoreError> {
        let mut request = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(format!("{}{prefix}", self.prefix))
            .max_keys(limit.min(1000) as i32);
        if let Some(after) = after {
            request = request.start_after(format!("{}{after}", self.prefix));
        }
        let out = request.send().await.map_err(|e| sdk_error(e, "ListObjectsV2"))?;
        let keys: Vec<String> = out.contents.unwrap_or_default().into_iter().filter_map(|o| o.key).collect();
        // The listing has no content types: ask for each, a few at a time.
        let metas: Vec<Option<FileMeta>> =
            futures_util::stream::iter(keys.into_iter().map(|key| async move { self.head_key(&key).await }))
                .buffered(HEAD_CONCURRENCY)
                .try_collect()
                .await?;
        Ok(metas.into_iter().flatten().filter(|m| FileName::parse(&m.name).is_ok()).collect())
    }

    async fn delete(&self, name: &FileName) -> Result<bool, StoreError> {
        let key = self.key(name);
        if self.head_key(&key).await?.is_none() {
            return Ok(false);
        }
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| sdk_error(e, "DeleteObject"))?;
        Ok(true)
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(|e| sdk_error(e, "HeadBucket"))?;
        Ok(())
    }

    async fn prepare(&self) -> Result<Option<String>, StoreError> {
        if !self.create_bucket {
            return Ok(None);
        }
        self.ensure_bucket(bucket::SERVER_START_WAIT).await
    }

    async fn presign_put(
        &self,
        name: &FileName,
        content_type: &str,
        size: Option<u64>,
        expires: Duration,
    ) -> Result<Option<Presigned>, StoreError> {
        let config = PresigningConfig::expires_in(expires).context("presigning expiry")?;
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(self.key(name))
            .content_type(content_type)
            .set_content_length(size.map(|s| s as i64))
            .presigned(config)
            .await
            .map_err(|e| sdk_error(e, "presign PutObject"))?;
        Ok(Some(presigned(request, expires)))
    }

    async fn presign_get(&self, name: &FileName, expires: Duration) -> Result<Option<Presigned>, StoreError> {
        let config = PresigningConfig::expires_in(expires).context("presigning expiry")?;
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(name))
            .response_content_disposition(super::content_disposition(name.as_str()))
            .presigned(config)
            .await
            .map_err(|e| sdk_error(e, "presign GetObject"))?;
        Ok(Some(presigned(request, expires)))
    }
}

fn presigned(request: aws_sdk_s3::presigning::PresignedRequest, expires: Duration) -> Presigned {
    let headers: BTreeMap<String, String> =
        request.headers().map(|(k, v)| (k.to_ascii_lowercase(), v.to_string())).collect();
    Presigned {
        method: if request.method() == "GET" { "GET" } else { "PUT" },
        url: request.uri().to_string(),
        headers,
        expires_at: Some(Utc::now() + expires),
    }
}

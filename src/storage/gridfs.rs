//! The MongoDB GridFS backend (`MONGODB_URI`). Uploads go through the driver's upload stream
//! (aborted on failure, so no orphan chunks); the files document appears only when the upload
//! is complete, and older revisions of the name are removed after it. Downloads and ranges
//! read the chunks collection directly, a few chunks at a time.

use std::{io, time::Duration};

use anyhow::Context;
use axum::body::Bytes;
use chrono::{DateTime, Utc};
use futures_util::{AsyncWriteExt, StreamExt, TryStreamExt};
use mongodb::{
    Client, Collection, Database, IndexModel,
    bson::{Binary, Bson, Document, doc},
    error::{ErrorKind, GridFsErrorKind},
    gridfs::GridFsBucket,
    options::{ClientOptions, GridFsBucketOptions, IndexOptions},
};
use serde::Deserialize;
use tokio::sync::OnceCell;

use super::{
    ByteRange, ByteStream, FileMeta, FileName, FileStore, PART_SIZE, Storage, StoreError, Stored, UploadMeter,
};
use crate::{
    config::{ConfigError, Vars, invalid},
    secret::{Secret, redact_url},
};

/// `MONGODB_URI` (or `MONGO_URI`) and `GRIDFS_BUCKET`.
#[derive(Debug, Clone)]
pub struct GridFsConfig {
    pub uri: Secret<String>,
    pub bucket: String,
}

impl GridFsConfig {
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let uri = vars
            .get("MONGODB_URI")
            .or_else(|| vars.get("MONGO_URI"))
            .ok_or_else(|| invalid("MONGODB_URI", "STORAGE_BACKEND=gridfs needs MONGODB_URI"))?;
        if !uri.starts_with("mongodb://") && !uri.starts_with("mongodb+srv://") {
            return Err(invalid("MONGODB_URI", "expected mongodb:// or mongodb+srv://"));
        }
        Ok(Self { uri: Secret::new(uri), bucket: vars.get("GRIDFS_BUCKET").unwrap_or_else(|| "fs".into()) })
    }

    /// `mongodb://…/db[#bucket]`: the bucket after `#`, `fs` by default.
    pub fn from_url(raw: &str) -> Self {
        let (uri, bucket) = raw.split_once('#').unwrap_or((raw, "fs"));
        Self { uri: Secret::new(uri.to_string()), bucket: bucket.to_string() }
    }

    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![("MONGODB_URI", redact_url(self.uri.expose())), ("GRIDFS_BUCKET", self.bucket.clone())]
    }

    pub async fn open(&self) -> anyhow::Result<Storage> {
        Ok(std::sync::Arc::new(GridFsStore::connect(self.uri.expose(), &self.bucket).await?))
    }
}

const DEFAULT_DATABASE: &str = "anyport";
/// Chunks fetched per round trip: 4 × 255 KiB keeps memory small and round trips few.
const CHUNK_BATCH: u32 = 4;

pub struct GridFsStore {
    db: Database,
    bucket: GridFsBucket,
    files: Collection<FileDoc>,
    chunks: Collection<Chunk>,
    indexes: OnceCell<()>,
}

/// A files-collection document as any GridFS writer leaves it: ours keep the type and ETag in
/// `metadata`; pymongo's and Flask-PyMongo's keep the type in a top-level `contentType`, may
/// lack `md5` (pymongo 4) and write `length` as a 32-bit or 64-bit integer.
#[derive(Deserialize)]
struct FileDoc {
    #[serde(rename = "_id")]
    id: Bson,
    length: Bson,
    #[serde(rename = "chunkSize")]
    chunk_size: Bson,
    #[serde(rename = "uploadDate")]
    upload_date: mongodb::bson::DateTime,
    filename: Option<String>,
    #[serde(default)]
    metadata: Option<Document>,
    #[serde(rename = "contentType", default)]
    content_type: Option<String>,
    #[serde(default)]
    md5: Option<String>,
}

impl FileDoc {
    fn length(&self) -> u64 {
        whole(&self.length)
    }

    fn chunk_size(&self) -> u64 {
        whole(&self.chunk_size).max(1)
    }
}

/// A non-negative integer however the writer encoded it.
fn whole(value: &Bson) -> u64 {
    match value {
        Bson::Int32(n) => u64::try_from(*n).unwrap_or_default(),
        Bson::Int64(n) => u64::try_from(*n).unwrap_or_default(),
        Bson::Double(n) if *n >= 0.0 => *n as u64,
        _ => 0,
    }
}

#[derive(Deserialize)]
struct Chunk {
    n: i64,
    data: Binary,
}

impl GridFsStore {
    /// Parses the URI and builds the client; the driver connects on first use (only a
    /// `mongodb+srv://` URI needs a DNS lookup here).
    pub async fn connect(uri: &str, bucket_name: &str) -> anyhow::Result<Self> {
        let mut options = ClientOptions::parse(uri).await.context("MONGODB_URI is not a valid MongoDB URI")?;
        // Fail fast when the server is down, so requests get a 503 instead of hanging 30 s.
        options.server_selection_timeout.get_or_insert(Duration::from_secs(3));
        options.connect_timeout.get_or_insert(Duration::from_secs(3));
        options.app_name.get_or_insert_with(|| "anyport".into());
        let database = options.default_database.clone().unwrap_or_else(|| DEFAULT_DATABASE.into());
        let client = Client::with_options(options).context("MongoDB client")?;
        let db = client.database(&database);
        let bucket = db.gridfs_bucket(GridFsBucketOptions::builder().bucket_name(bucket_name.to_string()).build());
        Ok(Self {
            files: db.collection(&format!("{bucket_name}.files")),
            chunks: db.collection(&format!("{bucket_name}.chunks")),
            db,
            bucket,
            indexes: OnceCell::new(),
        })
    }

    /// The driver's chunks index is not unique; ours is, so a chunk can never be stored
    /// twice. Created before the driver's first upload, which then finds it and keeps it.
    async fn ensure_indexes(&self) -> Result<(), StoreError> {
        self.indexes
            .get_or_try_init(|| async {
                let unique = IndexOptions::builder().unique(true).build();
                let chunks = IndexModel::builder().keys(doc! { "files_id": 1, "n": 1 }).options(unique).build();
                if let Err(e) = self.chunks.create_index(chunks).await {
                    // 85/86: an equivalent non-unique index already exists (made by another
                    // client); keep working with it.
                    if !matches!(&*e.kind, ErrorKind::Command(c) if c.code == 85 || c.code == 86) {
                        return Err(mongo_error(e, "creating the chunks index"));
                    }
                    tracing::warn!(error = %e, "GridFS chunks index exists without `unique`");
                }
                let files = IndexModel::builder().keys(doc! { "filename": 1, "uploadDate": 1 }).build();
                self.files.create_index(files).await.map_err(|e| mongo_error(e, "creating the files index"))?;
                Ok(())
            })
            .await
            .map(drop)
    }

    async fn newest(&self, name: &str) -> Result<Option<FileDoc>, StoreError> {
        self.files
            .find_one(doc! { "filename": name })
            .sort(doc! { "uploadDate": -1, "_id": -1 })
            .await
            .map_err(|e| mongo_error(e, "finding a file"))
    }

    /// Every revision of `name` except `keep`, removed with their chunks.
    async fn delete_revisions(&self, name: &str, keep: Option<&Bson>) -> Result<u64, StoreError> {
        let mut filter = doc! { "filename": name };
        if let Some(keep) = keep {
            filter.insert("_id", doc! { "$ne": keep.clone() });
        }
        let ids: Vec<Bson> = self
            .files
            .clone_with_type::<Document>()
            .find(filter)
            .projection(doc! { "_id": 1 })
            .await
            .map_err(|e| mongo_error(e, "finding revisions"))?
            .try_filter_map(|mut d| std::future::ready(Ok(d.remove("_id"))))
            .try_collect()
            .await
            .map_err(|e| mongo_error(e, "reading revisions"))?;
        let mut deleted = 0;
        for id in ids {
            match self.bucket.delete(id).await {
                Ok(()) => deleted += 1,
                Err(e) if matches!(*e.kind, ErrorKind::GridFs(_)) => {} // removed concurrently
                Err(e) => return Err(mongo_error(e, "deleting a revision")),
            }
        }
        Ok(deleted)
    }
}

fn meta(file: &FileDoc) -> FileMeta {
    let metadata = file.metadata.as_ref();
    let text = |key: &str| metadata.and_then(|m| m.get_str(key).ok()).map(str::to_string);
    let name = file.filename.clone().unwrap_or_default();
    let content_type = text("contentType")
        .or_else(|| file.content_type.clone())
        .unwrap_or_else(|| mime_guess::from_path(&name).first_raw().unwrap_or("application/octet-stream").to_string());
    // Files uploaded by other tools have no ETag of ours. Their `md5` is the ETag our rule
    // gives a file smaller than a part; otherwise the id, unique per upload, is.
    let etag =
        text("etag").or_else(|| file.md5.clone().filter(|_| file.length() < PART_SIZE as u64)).unwrap_or_else(|| {
            match &file.id {
                Bson::ObjectId(id) => id.to_hex(),
                other => other.to_string(),
            }
        });
    FileMeta {
        name,
        size: file.length(),
        content_type,
        etag,
        uploaded_at: DateTime::<Utc>::from_timestamp_millis(file.upload_date.timestamp_millis()).unwrap_or_default(),
    }
}

/// Network trouble means MongoDB is unavailable (503); anything else is ours.
fn mongo_error(err: mongodb::error::Error, what: &str) -> StoreError {
    let unavailable = matches!(
        *err.kind,
        ErrorKind::ServerSelection { .. } | ErrorKind::Io(_) | ErrorKind::ConnectionPoolCleared { .. }
    );
    if unavailable {
        StoreError::Unavailable(format!("{what}: {err}"))
    } else {
        StoreError::Other(anyhow::Error::new(err).context(what.to_string()))
    }
}

#[async_trait::async_trait]
impl FileStore for GridFsStore {
    fn name(&self) -> &'static str {
        "gridfs"
    }

    async fn put(
        &self,
        name: &FileName,
        content_type: &str,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<Stored, StoreError> {
        self.ensure_indexes().await?;
        let existed = self.newest(name.as_str()).await?.is_some();
        let mut upload = self
            .bucket
            .open_upload_stream(name.as_str())
            .metadata(doc! { "contentType": content_type })
            .await
            .map_err(|e| mongo_error(e, "opening an upload"))?;
        let mut meter = UploadMeter::new(limit);
        let mut body = body;
        let written = async {
            while let Some(chunk) = body.next().await {
                let chunk = meter.accept(chunk)?;
                upload.write_all(&chunk).await.map_err(|e| StoreError::Unavailable(format!("writing chunks: {e}")))?;
            }
            Ok::<_, StoreError>(())
        }
        .await;
        if let Err(e) = written {
            match upload.abort().await {
                // The driver closes the stream (and deletes its chunks) itself after a write error.
                Err(abort) if matches!(&*abort.kind, ErrorKind::GridFs(GridFsErrorKind::UploadStreamClosed)) => {}
                Err(abort) => tracing::error!(error = %abort, "GridFS upload abort failed; its chunks may remain"),
                Ok(()) => {}
            }
            return Err(e);
        }
        upload.close().await.map_err(|e| StoreError::Unavailable(format!("finishing the upload: {e}")))?;
        let id = upload.id().clone();
        let (_, etag) = meter.finish();
        self.files
            .update_one(doc! { "_id": id.clone() }, doc! { "$set": { "metadata.etag": &etag } })
            .await
            .map_err(|e| mongo_error(e, "recording the etag"))?;
        self.delete_revisions(name.as_str(), Some(&id)).await?;
        let stored = self.files.find_one(doc! { "_id": id }).await.map_err(|e| mongo_error(e, "reading back"))?;
        let meta = stored.as_ref().map(meta).context("the file vanished right after its upload")?;
        Ok(Stored { meta, replaced: existed })
    }

    async fn get(
        &self,
        name: &FileName,
        range: Option<ByteRange>,
    ) -> Result<Option<(FileMeta, ByteStream<'static>)>, StoreError> {
        let Some(file) = self.newest(name.as_str()).await? else { return Ok(None) };
        let info = meta(&file);
        if file.length() == 0 {
            return Ok(Some((info, Box::pin(futures_util::stream::empty()))));
        }
        let ByteRange { start, end } = range.unwrap_or(ByteRange { start: 0, end: file.length() - 1 });
        let chunk_size = file.chunk_size();
        let (first, last) = (start / chunk_size, end / chunk_size);
        let cursor = self
            .chunks
            .find(doc! { "files_id": file.id.clone(), "n": { "$gte": first as i64, "$lte": last as i64 } })
            .sort(doc! { "n": 1 })
            .batch_size(CHUNK_BATCH)
            .await
            .map_err(|e| mongo_error(e, "reading chunks"))?;
        let mut expected = first;
        let stream = cursor.map(move |chunk| {
            let chunk = chunk.map_err(io::Error::other)?;
            if chunk.n as u64 != expected {
                return Err(io::Error::other(format!("GridFS chunk {expected} is missing")));
            }
            let offset = expected * chunk_size;
            expected += 1;
            let bytes = chunk.data.bytes;
            let from = start.saturating_sub(offset) as usize;
            let to = ((end + 1 - offset) as usize).min(bytes.len());
            if from > to {
                return Err(io::Error::other(format!("GridFS chunk {} is short", expected - 1)));
            }
            Ok(Bytes::from(bytes).slice(from..to))
        });
        Ok(Some((info, Box::pin(stream))))
    }

    async fn head(&self, name: &FileName) -> Result<Option<FileMeta>, StoreError> {
        Ok(self.newest(name.as_str()).await?.as_ref().map(meta))
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>, StoreError> {
        let mut range = doc! { "$gte": prefix };
        if let Some(after) = after {
            range.insert("$gt", after);
        }
        // Names with the prefix sort together from the prefix on; stop at the first other.
        // Older revisions and names that are not ours are skipped while reading, so a page is
        // only short when the listing has ended.
        let mut cursor = self
            .files
            .find(doc! { "filename": range })
            .sort(doc! { "filename": 1, "uploadDate": -1, "_id": -1 })
            .batch_size((limit + 8).min(1000) as u32)
            .await
            .map_err(|e| mongo_error(e, "listing files"))?;
        let mut out: Vec<FileMeta> = Vec::new();
        while out.len() < limit {
            let Some(file) = cursor.try_next().await.map_err(|e| mongo_error(e, "listing files"))? else { break };
            let info = meta(&file);
            if !info.name.starts_with(prefix) {
                break;
            }
            if out.last().is_none_or(|prev| prev.name != info.name) && FileName::parse(&info.name).is_ok() {
                out.push(info);
            }
        }
        Ok(out)
    }

    async fn delete(&self, name: &FileName) -> Result<bool, StoreError> {
        Ok(self.delete_revisions(name.as_str(), None).await? > 0)
    }

    async fn check(&self) -> Result<(), StoreError> {
        let _: Document = self.db.run_command(doc! { "ping": 1 }).await.map_err(|e| mongo_error(e, "ping"))?;
        Ok(())
    }
}

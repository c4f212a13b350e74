//! The S3 backend's settings: from the environment, from an `s3://` URL (`files copy`), and
//! printed with the secret key redacted.

use anyhow::Context;

use crate::{
    config::{ConfigError, Vars, invalid},
    secret::Secret,
};

#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// Prepended to every file name to make the object key (`uploads/` say).
    pub prefix: String,
    pub region: Option<String>,
    pub endpoint: Option<String>,
    /// The endpoint in presigned URLs, when clients reach the server by another address than
    /// the app (`http://localhost:8333` for a browser, `http://s3:8333` inside compose).
    pub public_endpoint: Option<String>,
    pub force_path_style: bool,
    /// Downloads answer 303 to a presigned GET instead of streaming through the app.
    pub redirect_downloads: bool,
    /// `anyport migrate` creates the bucket when it is missing (a development S3 server).
    pub create_bucket: bool,
    /// Static keys from `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`; otherwise the SDK's
    /// default chain (profile, container or instance role, Lambda's environment).
    pub credentials: Option<S3Credentials>,
}

#[derive(Debug, Clone)]
pub struct S3Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret<String>,
    pub session_token: Option<Secret<String>>,
}

impl S3Config {
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        Ok(Self {
            bucket: vars.get("S3_BUCKET").ok_or_else(|| invalid("S3_BUCKET", "STORAGE_BACKEND=s3 needs S3_BUCKET"))?,
            prefix: vars.get("S3_PREFIX").unwrap_or_default(),
            region: region(vars),
            endpoint: vars.get("AWS_ENDPOINT_URL_S3").or_else(|| vars.get("AWS_ENDPOINT_URL")),
            public_endpoint: vars.get("S3_PUBLIC_ENDPOINT_URL"),
            force_path_style: vars.flag("S3_FORCE_PATH_STYLE", false)?,
            redirect_downloads: vars.flag("S3_REDIRECT_DOWNLOADS", false)?,
            create_bucket: vars.flag("S3_CREATE_BUCKET", false)?,
            credentials: credentials(vars),
        })
    }

    /// `s3://bucket[/prefix/]?endpoint=…&region=…&path_style=true`; what the URL leaves out
    /// (credentials, region, endpoint, path style) comes from the variables the app's own S3
    /// storage reads, so a line written for AWS runs unchanged against an S3-compatible server.
    pub fn from_url(raw: &str, vars: &Vars) -> anyhow::Result<Self> {
        let url = url::Url::parse(raw).with_context(|| format!("{raw}: not a URL"))?;
        let bucket = url.host_str().filter(|b| !b.is_empty()).with_context(|| format!("{raw}: no bucket"))?;
        let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
        let force_path_style = match query("path_style").as_deref() {
            None => vars.flag("S3_FORCE_PATH_STYLE", false)?,
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(other) => anyhow::bail!("{raw}: path_style={other}: use true or false"),
        };
        Ok(Self {
            bucket: bucket.to_string(),
            prefix: url.path().trim_start_matches('/').to_string(),
            region: query("region").or_else(|| region(vars)),
            endpoint: query("endpoint")
                .or_else(|| vars.get("AWS_ENDPOINT_URL_S3"))
                .or_else(|| vars.get("AWS_ENDPOINT_URL")),
            public_endpoint: None,
            force_path_style,
            redirect_downloads: false,
            create_bucket: false,
            credentials: credentials(vars),
        })
    }

    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let keys = self.credentials.as_ref().map_or("(default credential chain)".into(), |c| {
            format!("{} (secret {})", c.access_key_id, c.secret_access_key)
        });
        vec![
            ("S3_BUCKET", self.bucket.clone()),
            ("S3_PREFIX", self.prefix.clone()),
            ("AWS_REGION", self.region.clone().unwrap_or_else(|| "(default us-east-1)".into())),
            ("AWS_ENDPOINT_URL", self.endpoint.clone().unwrap_or_default()),
            ("S3_PUBLIC_ENDPOINT_URL", self.public_endpoint.clone().unwrap_or_default()),
            ("S3_FORCE_PATH_STYLE", self.force_path_style.to_string()),
            ("S3_REDIRECT_DOWNLOADS", self.redirect_downloads.to_string()),
            ("S3_CREATE_BUCKET", self.create_bucket.to_string()),
            ("AWS_ACCESS_KEY_ID", keys),
        ]
    }

    /// No network I/O: credentials are resolved on the first request.
    pub async fn open(&self) -> crate::storage::Storage {
        std::sync::Arc::new(super::S3Store::connect(self).await)
    }
}

fn region(vars: &Vars) -> Option<String> {
    vars.get("AWS_REGION").or_else(|| vars.get("AWS_DEFAULT_REGION"))
}

fn credentials(vars: &Vars) -> Option<S3Credentials> {
    match (vars.get("AWS_ACCESS_KEY_ID"), vars.get("AWS_SECRET_ACCESS_KEY")) {
        (Some(access_key_id), Some(secret)) => Some(S3Credentials {
            access_key_id,
            secret_access_key: Secret::new(secret),
            session_token: vars.get("AWS_SESSION_TOKEN").map(Secret::new),
        }),
        _ => None,
    }
}

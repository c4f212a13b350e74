//! Where uploaded files live: one small streaming trait (`store.rs`), three backends (local
//! directory, MongoDB GridFS, Amazon S3) gated by cargo features, and here the choice among
//! them. Each backend parses, describes and opens its own settings next to its code; a new
//! backend adds its `mod` line, one `StorageConfig` variant and one arm in each match below.

mod etag;
#[cfg(feature = "gridfs")]
mod gridfs;
mod limit;
mod local;
pub mod name;
#[cfg(feature = "s3")]
mod s3;
mod store;

use self::local::LocalConfig;
pub use self::{
    etag::EtagHasher,
    limit::{TooLarge, UploadMeter},
    name::{FileName, InvalidName, UNRESERVED, content_disposition},
    store::{ByteRange, ByteStream, FileMeta, FileStore, PART_SIZE, Presigned, Storage, StoreError, Stored},
};
use crate::{
    config::{ConfigError, Vars, invalid},
    secret::redact_url,
};

#[derive(Debug, Clone)]
pub enum StorageConfig {
    Local(LocalConfig),
    #[cfg(feature = "gridfs")]
    GridFs(gridfs::GridFsConfig),
    #[cfg(feature = "s3")]
    S3(s3::S3Config),
}

/// A backend named by the configuration that this binary was built without.
fn not_compiled(var: &'static str, kind: &str) -> ConfigError {
    invalid(var, format!("this binary was built without the {kind} backend (cargo feature `{kind}`)"))
}

impl StorageConfig {
    /// `STORAGE_BACKEND`, or the backend whose variables are set: `S3_BUCKET` → s3,
    /// `MONGODB_URI`/`MONGO_URI` → gridfs, else local.
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        let backend = match vars.get("STORAGE_BACKEND") {
            Some(b) => b.to_ascii_lowercase(),
            None if vars.get("S3_BUCKET").is_some() => "s3".into(),
            None if vars.get("MONGODB_URI").or_else(|| vars.get("MONGO_URI")).is_some() => "gridfs".into(),
            None => "local".into(),
        };
        match backend.as_str() {
            "local" => Ok(Self::Local(LocalConfig::from_vars(vars))),
            #[cfg(feature = "gridfs")]
            "gridfs" => Ok(Self::GridFs(gridfs::GridFsConfig::from_vars(vars)?)),
            #[cfg(feature = "s3")]
            "s3" => Ok(Self::S3(s3::S3Config::from_vars(vars)?)),
            #[allow(unreachable_patterns)] // only reachable when a backend is compiled out
            kind @ ("gridfs" | "s3") => Err(not_compiled("STORAGE_BACKEND", kind)),
            other => Err(invalid("STORAGE_BACKEND", format!("{other:?}: use local, gridfs or s3"))),
        }
    }

    /// A backend URL for `files copy`: `file:///dir` or `local:dir`; `mongodb://…/db[#bucket]`
    /// or `mongodb+srv://…`; `s3://bucket[/prefix/]?endpoint=…&region=…&path_style=true`.
    /// Settings the URL leaves out (S3 credentials, say) come from `vars`.
    pub fn from_url(raw: &str, vars: &Vars) -> anyhow::Result<Self> {
        if let Some(dir) = raw.strip_prefix("file://").or_else(|| raw.strip_prefix("local:")) {
            return Ok(Self::Local(LocalConfig::from_url(raw, dir)?));
        }
        if raw.starts_with("mongodb://") || raw.starts_with("mongodb+srv://") {
            #[cfg(feature = "gridfs")]
            return Ok(Self::GridFs(gridfs::GridFsConfig::from_url(raw)));
            #[cfg(not(feature = "gridfs"))]
            return Err(not_compiled("--from/--to", "gridfs").into());
        }
        if raw.starts_with("s3://") {
            #[cfg(feature = "s3")]
            return Ok(Self::S3(s3::S3Config::from_url(raw, vars)?));
            #[cfg(not(feature = "s3"))]
            return Err(not_compiled("--from/--to", "s3").into());
        }
        let _ = vars;
        anyhow::bail!("{}: expected file://, local:, mongodb://, mongodb+srv:// or s3://", redact_url(raw))
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Local(_) => "local",
            #[cfg(feature = "gridfs")]
            Self::GridFs(_) => "gridfs",
            #[cfg(feature = "s3")]
            Self::S3(_) => "s3",
        }
    }

    /// `KEY=value` lines of the backend's settings, secrets redacted.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![("STORAGE_BACKEND", self.kind().to_string())];
        lines.extend(match self {
            Self::Local(c) => c.describe(),
            #[cfg(feature = "gridfs")]
            Self::GridFs(c) => c.describe(),
            #[cfg(feature = "s3")]
            Self::S3(c) => c.describe(),
        });
        lines
    }

    /// Whether downloads should be sent to the backend's presigned URLs (`S3_REDIRECT_DOWNLOADS`).
    pub fn redirect_downloads(&self) -> bool {
        match self {
            #[cfg(feature = "s3")]
            Self::S3(c) => c.redirect_downloads,
            _ => false,
        }
    }

    /// Builds the backend without network I/O: connections are made on first use.
    pub async fn open(&self) -> anyhow::Result<Storage> {
        Ok(match self {
            Self::Local(c) => c.open(),
            #[cfg(feature = "gridfs")]
            Self::GridFs(c) => c.open().await?,
            #[cfg(feature = "s3")]
            Self::S3(c) => c.open().await,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        Vars::from_map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn the_backend_is_inferred_from_its_variables() {
        let kind = |pairs: &[(&str, &str)]| StorageConfig::from_vars(&vars(pairs)).map(|c| c.kind());
        assert_eq!(kind(&[]).unwrap(), "local");
        assert_eq!(kind(&[("S3_BUCKET", "b")]).unwrap(), "s3");
        assert_eq!(kind(&[("MONGO_URI", "mongodb://h/db")]).unwrap(), "gridfs");
        assert_eq!(kind(&[("MONGODB_URI", "mongodb://h/db"), ("S3_BUCKET", "b")]).unwrap(), "s3");
        assert_eq!(kind(&[("STORAGE_BACKEND", "local"), ("S3_BUCKET", "b")]).unwrap(), "local");
        assert_eq!(kind(&[("STORAGE_BACKEND", "s3")]).unwrap_err().var, "S3_BUCKET");
        assert_eq!(kind(&[("STORAGE_BACKEND", "ftp")]).unwrap_err().var, "STORAGE_BACKEND");
        assert_eq!(kind(&[("MONGODB_URI", "http://not-mongo")]).unwrap_err().var, "MONGODB_URI");
    }

    #[test]
    fn backend_urls_name_each_backend() {
        let env = vars(&[("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "topsecret")]);
        let kind = |url: &str| StorageConfig::from_url(url, &env).map(|c| c.kind());
        assert_eq!(kind("file:///srv/files").unwrap(), "local");
        assert_eq!(kind("local:data/files").unwrap(), "local");
        assert_eq!(kind("mongodb://u:p@h/db#uploads").unwrap(), "gridfs");
        assert_eq!(kind("s3://bucket/uploads/?endpoint=http://127.0.0.1:9000&path_style=true").unwrap(), "s3");
        assert!(kind("local:").is_err());
        assert!(kind("ftp://x").is_err());
        let s3 = StorageConfig::from_url("s3://b/p/?region=eu-west-1", &env).unwrap();
        let text = format!("{:?} {:?}", s3.describe(), s3);
        assert!(text.contains("AKID") && !text.contains("topsecret"), "{text}");
    }

    #[cfg(feature = "s3")]
    #[test]
    fn an_s3_url_takes_what_it_leaves_out_from_the_s3_variables() {
        let s3 = |url: &str, env: &Vars| match StorageConfig::from_url(url, env).unwrap() {
            StorageConfig::S3(c) => c,
            _ => unreachable!("{url} is an s3 URL"),
        };
        let env = vars(&[("S3_FORCE_PATH_STYLE", "true"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")]);
        let plain = s3("s3://my-bucket/uploads/?region=eu-west-1", &env);
        assert!(plain.force_path_style);
        assert_eq!(plain.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert!(!s3("s3://b/?path_style=false", &env).force_path_style, "the URL wins");
        assert!(!s3("s3://b/", &vars(&[])).force_path_style, "virtual-hosted style by default, as on AWS");
        assert!(StorageConfig::from_url("s3://b/", &vars(&[("S3_FORCE_PATH_STYLE", "maybe")])).is_err());
    }

    #[test]
    fn describe_redacts_credentials_in_uris() {
        let config = StorageConfig::from_vars(&vars(&[("MONGODB_URI", "mongodb://u:hunter2@h/db")])).unwrap();
        let text = format!("{:?} {:?}", config.describe(), config);
        assert!(!text.contains("hunter2"), "{text}");
    }
}

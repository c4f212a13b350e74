//! `anyport files copy --from <backend-url> --to <backend-url>`: moves every file between
//! two storage backends (GridFS on Heroku/Atlas to S3, say), streaming, resumable: files
//! already at the destination with the same size and ETag are skipped.

use anyhow::{Context, bail};

use crate::{
    config::{StorageConfig, Vars},
    secret::{Secret, redact_url},
    storage::{FileName, FileStore},
};

const PAGE: usize = 100;

/// Reads a backend URL:
/// `file:///abs/dir` or `local:rel/dir`; `mongodb://…/db[#bucket]` or `mongodb+srv://…`;
/// `s3://bucket[/prefix/]?endpoint=http://…&region=…&path_style=true`. S3 credentials come
/// from the usual `AWS_*` variables.
pub fn parse_backend_url(raw: &str, vars: &Vars) -> anyhow::Result<StorageConfig> {
    if let Some(path) = raw.strip_prefix("file://").or_else(|| raw.strip_prefix("local:")) {
        if path.is_empty() {
            bail!("{raw}: give a directory, like file:///srv/files or local:data/files");
        }
        return Ok(StorageConfig::Local { dir: path.into() });
    }
    if raw.starts_with("mongodb://") || raw.starts_with("mongodb+srv://") {
        let (uri, bucket) = raw.split_once('#').unwrap_or((raw, "fs"));
        return Ok(StorageConfig::GridFs { uri: Secret::new(uri.to_string()), bucket: bucket.to_string() });
    }
    if raw.starts_with("s3://") {
        let url = url::Url::parse(raw).with_context(|| format!("{raw}: not a URL"))?;
        let bucket = url.host_str().filter(|b| !b.is_empty()).with_context(|| format!("{raw}: no bucket"))?;
        let query = |key: &str| url.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
        let mut pairs = vec![
            ("STORAGE_BACKEND".to_string(), "s3".to_string()),
            ("S3_BUCKET".to_string(), bucket.to_string()),
            ("S3_PREFIX".to_string(), url.path().trim_start_matches('/').to_string()),
        ];
        for (key, var) in
            [("endpoint", "AWS_ENDPOINT_URL"), ("region", "AWS_REGION"), ("path_style", "S3_FORCE_PATH_STYLE")]
        {
            if let Some(value) = query(key) {
                pairs.push((var.to_string(), value));
            }
        }
        for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL"]
        {
            if let Some(value) = vars.get(var).filter(|_| !pairs.iter().any(|(k, _)| k == var)) {
                pairs.push((var.to_string(), value));
            }
        }
        let config = crate::config::Config::from_vars(&Vars::from_map(pairs.into_iter().collect()))?;
        return Ok(config.storage);
    }
    bail!("{}: expected file://, local:, mongodb://, mongodb+srv:// or s3://", redact_url(raw))
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopySummary {
    pub copied: u64,
    pub skipped: u64,
    pub bytes: u64,
}

/// Copies every file from `from` to `to`, one at a time, reporting each through `progress`.
pub async fn copy_all(
    from: &dyn FileStore,
    to: &dyn FileStore,
    mut progress: impl FnMut(&str),
) -> anyhow::Result<CopySummary> {
    let mut summary = CopySummary::default();
    let mut after: Option<String> = None;
    loop {
        let page = from.list("", after.as_deref(), PAGE).await.context("listing the source")?;
        let Some(last) = page.last() else { break };
        after = Some(last.name.clone());
        for meta in page {
            let name = FileName::parse(&meta.name).with_context(|| format!("source file name {:?}", meta.name))?;
            let existing = to.head(&name).await.context("checking the destination")?;
            if existing.is_some_and(|e| e.size == meta.size && e.etag == meta.etag) {
                summary.skipped += 1;
                progress(&format!("skipped {name} (already there, same size and etag)"));
                continue;
            }
            let Some((meta, body)) = from.get(&name, None).await.context("reading the source")? else {
                progress(&format!("skipped {name} (deleted at the source meanwhile)"));
                continue;
            };
            let stored = to
                .put(&name, &meta.content_type, body, u64::MAX)
                .await
                .with_context(|| format!("writing {name} to the destination"))?;
            summary.copied += 1;
            summary.bytes += stored.meta.size;
            progress(&format!("copied {name} ({} bytes)", stored.meta.size));
        }
    }
    Ok(summary)
}

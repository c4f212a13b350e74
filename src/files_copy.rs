//! `anyport files copy --from <backend-url> --to <backend-url>`: moves every file between
//! two storage backends (GridFS on Heroku/Atlas to S3, say), streaming, resumable: files
//! already at the destination with the same size and ETag are skipped. Backend URLs are
//! read by `StorageConfig::from_url`.

use anyhow::Context;

use crate::{
    config::Vars,
    storage::{FileName, FileStore, StorageConfig},
};

const PAGE: usize = 100;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct CopySummary {
    pub copied: u64,
    pub skipped: u64,
    pub bytes: u64,
}

/// Copies every file between the backends two URLs name (`StorageConfig::from_url`; what the
/// URLs leave out, S3 credentials say, comes from the environment): the CLI's `files copy` and
/// the Lambda `files-copy` job.
pub async fn copy_between_urls(from: &str, to: &str, progress: impl FnMut(&str)) -> anyhow::Result<CopySummary> {
    let vars = Vars::from_env();
    let open = async |url: &str| StorageConfig::from_url(url, &vars)?.open().await;
    let source = open(from).await.context("--from")?;
    let target = open(to).await.context("--to")?;
    copy_all(source.as_ref(), target.as_ref(), progress).await
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

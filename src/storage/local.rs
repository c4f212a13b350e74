//! The local-directory backend (the embedded default). Layout under `STORAGE_DIR`:
//! `meta/<MD5 of name, hex>.json` describes a file and names its blob in `blobs/`; uploads
//! stream into `tmp/` first. A replace writes the new blob, then atomically renames the new
//! metadata over the old, then removes the old blob: readers see the old file or the new
//! one, never a mix.

use std::{
    io::SeekFrom,
    path::{Path, PathBuf},
};

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use md5::Digest;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::ReaderStream;

use super::{ByteRange, ByteStream, FileMeta, FileName, FileStore, Storage, StoreError, Stored, UploadMeter};
use crate::config::Vars;

/// `STORAGE_DIR`: the directory that holds the files (created on first use).
#[derive(Debug, Clone)]
pub struct LocalConfig {
    pub dir: PathBuf,
}

impl LocalConfig {
    pub fn from_vars(vars: &Vars) -> Self {
        Self { dir: vars.get("STORAGE_DIR").unwrap_or_else(|| "data/files".into()).into() }
    }

    /// `dir` is what follows `file://` or `local:` in `raw`.
    pub fn from_url(raw: &str, dir: &str) -> anyhow::Result<Self> {
        if dir.is_empty() {
            anyhow::bail!("{raw}: give a directory, like file:///srv/files or local:data/files");
        }
        Ok(Self { dir: dir.into() })
    }

    pub fn describe(&self) -> Vec<(&'static str, String)> {
        vec![("STORAGE_DIR", self.dir.display().to_string())]
    }

    pub fn open(&self) -> Storage {
        std::sync::Arc::new(LocalStore::new(self.dir.clone()))
    }
}

const READ_CHUNK: usize = 64 * 1024;

pub struct LocalStore {
    root: PathBuf,
    /// Serialises the short commit step (metadata swap, old blob removal) so concurrent
    /// uploads of one name cannot strand a blob.
    commit: tokio::sync::Mutex<()>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    name: String,
    size: u64,
    content_type: String,
    etag: String,
    uploaded_at: DateTime<Utc>,
    blob: String,
}

impl Record {
    fn meta(&self) -> FileMeta {
        FileMeta {
            name: self.name.clone(),
            size: self.size,
            content_type: self.content_type.clone(),
            etag: self.etag.clone(),
            uploaded_at: self.uploaded_at,
        }
    }
}

impl LocalStore {
    pub fn new(root: PathBuf) -> Self {
        Self { root, commit: tokio::sync::Mutex::new(()) }
    }

    fn dir(&self, which: &str) -> PathBuf {
        self.root.join(which)
    }

    fn meta_path(&self, name: &FileName) -> PathBuf {
        let key = hex::encode(md5_of(name.as_str()));
        self.dir("meta").join(format!("{key}.json"))
    }

    async fn ensure_dirs(&self) -> Result<(), StoreError> {
        for which in ["meta", "blobs", "tmp"] {
            let dir = self.dir(which);
            tokio::fs::create_dir_all(&dir)
                .await
                .with_context(|| format!("cannot create {}", dir.display()))
                .map_err(|e| StoreError::Unavailable(format!("{e:#}")))?;
        }
        Ok(())
    }

    async fn read_record(&self, path: &Path) -> Result<Option<Record>, StoreError> {
        match tokio::fs::read(path).await {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .with_context(|| format!("corrupt metadata {}", path.display()))
                .map_err(StoreError::Other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::Other(anyhow::Error::new(e).context(format!("reading {}", path.display())))),
        }
    }

    /// Streams the body into `tmp/`, returning the temp path, size and ETag.
    async fn receive(&self, body: ByteStream<'_>, limit: u64) -> Result<(PathBuf, u64, String), StoreError> {
        let tmp = self.dir("tmp").join(uuid::Uuid::new_v4().to_string());
        let result = async {
            let mut file = tokio::fs::File::create(&tmp).await.context("creating the upload file")?;
            let mut meter = UploadMeter::new(limit);
            let mut body = body;
            while let Some(chunk) = body.next().await {
                file.write_all(&meter.accept(chunk)?).await.context("writing the upload file")?;
            }
            file.sync_all().await.context("flushing the upload file")?;
            Ok::<_, StoreError>(meter.finish())
        }
        .await;
        match result {
            Ok((size, etag)) => Ok((tmp, size, etag)),
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                Err(e)
            }
        }
    }
}

fn md5_of(text: &str) -> [u8; 16] {
    // MD5 is enough to spread names over file names; collisions are checked on read.
    md5::Md5::digest(text.as_bytes()).into()
}

fn other(e: std::io::Error, what: &str) -> StoreError {
    StoreError::Other(anyhow::Error::new(e).context(what.to_string()))
}

#[async_trait::async_trait]
impl FileStore for LocalStore {
    fn name(&self) -> &'static str {
        "local"
    }

    async fn put(
        &self,
        name: &FileName,
        content_type: &str,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<Stored, StoreError> {
        self.ensure_dirs().await?;
        let (tmp, size, etag) = self.receive(body, limit).await?;
        let blob = uuid::Uuid::new_v4().to_string();
        let blob_path = self.dir("blobs").join(&blob);
        if let Err(e) = tokio::fs::rename(&tmp, &blob_path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(other(e, "moving the upload into place"));
        }
        let record = Record {
            name: name.as_str().to_string(),
            size,
            content_type: content_type.to_string(),
            etag,
            uploaded_at: Utc::now(),
            blob,
        };
        let meta_path = self.meta_path(name);
        let meta_tmp = self.dir("tmp").join(format!("{}.json", uuid::Uuid::new_v4()));
        let _guard = self.commit.lock().await;
        let previous = self.read_record(&meta_path).await?;
        let written = async {
            tokio::fs::write(&meta_tmp, serde_json::to_vec(&record).expect("record serialises")).await?;
            tokio::fs::rename(&meta_tmp, &meta_path).await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&meta_tmp).await;
            let _ = tokio::fs::remove_file(&blob_path).await;
            return Err(other(e, "writing file metadata"));
        }
        if let Some(old) = &previous {
            let _ = tokio::fs::remove_file(self.dir("blobs").join(&old.blob)).await;
        }
        Ok(Stored { meta: record.meta(), replaced: previous.is_some() })
    }

    async fn get(
        &self,
        name: &FileName,
        range: Option<ByteRange>,
    ) -> Result<Option<(FileMeta, ByteStream<'static>)>, StoreError> {
        // A replace may remove the blob between reading the metadata and opening it: the
        // second look finds the new one.
        for _ in 0..3 {
            let Some(record) = self.read_record(&self.meta_path(name)).await? else { return Ok(None) };
            if record.name != name.as_str() {
                return Ok(None);
            }
            let mut file = match tokio::fs::File::open(self.dir("blobs").join(&record.blob)).await {
                Ok(file) => file,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(other(e, "opening a stored file")),
            };
            let (start, len) = range.map_or((0, record.size), |r| (r.start, r.length()));
            file.seek(SeekFrom::Start(start)).await.map_err(|e| other(e, "seeking a stored file"))?;
            let stream = ReaderStream::with_capacity(file.take(len), READ_CHUNK);
            return Ok(Some((record.meta(), Box::pin(stream))));
        }
        Err(StoreError::Other(anyhow::anyhow!("{name} kept changing while being opened")))
    }

    async fn head(&self, name: &FileName) -> Result<Option<FileMeta>, StoreError> {
        let record = self.read_record(&self.meta_path(name)).await?;
        Ok(record.filter(|r| r.name == name.as_str()).map(|r| r.meta()))
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>, StoreError> {
        let mut entries = match tokio::fs::read_dir(self.dir("meta")).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(other(e, "listing files")),
        };
        let mut found = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(|e| other(e, "listing files"))? {
            if let Some(record) = self.read_record(&entry.path()).await?
                && record.name.starts_with(prefix)
                && after.is_none_or(|a| record.name.as_str() > a)
            {
                found.push(record.meta());
            }
        }
        found.sort_by(|a, b| a.name.cmp(&b.name));
        found.truncate(limit);
        Ok(found)
    }

    async fn delete(&self, name: &FileName) -> Result<bool, StoreError> {
        let meta_path = self.meta_path(name);
        let _guard = self.commit.lock().await;
        let Some(record) = self.read_record(&meta_path).await?.filter(|r| r.name == name.as_str()) else {
            return Ok(false);
        };
        match tokio::fs::remove_file(&meta_path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(other(e, "deleting file metadata")),
        }
        let _ = tokio::fs::remove_file(self.dir("blobs").join(&record.blob)).await;
        Ok(true)
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.ensure_dirs().await?;
        let probe = self.dir("tmp").join(format!(".ready-{}", uuid::Uuid::new_v4()));
        tokio::fs::write(&probe, b"ok")
            .await
            .map_err(|e| StoreError::Unavailable(format!("{} is not writable: {e}", self.root.display())))?;
        let _ = tokio::fs::remove_file(&probe).await;
        Ok(())
    }

    /// Removes what uploads cut off by a killed process left in `tmp/`. A live upload writes
    /// as it receives, so a file untouched for `STALE_UPLOAD_AFTER` belongs to no one, even
    /// with replicas sharing the directory. Creates nothing: a release phase may run on a
    /// read-only filesystem.
    async fn prepare(&self) -> Result<Option<String>, StoreError> {
        let removed = self.remove_stale_uploads(STALE_UPLOAD_AFTER).await.map_err(StoreError::Other)?;
        Ok((removed > 0).then(|| format!("removed {removed} stale upload files from {}", self.dir("tmp").display())))
    }
}

/// Far above any upload's idle time (the upload timeout defaults to an hour).
const STALE_UPLOAD_AFTER: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

impl LocalStore {
    async fn remove_stale_uploads(&self, older_than: std::time::Duration) -> anyhow::Result<u64> {
        let mut removed = 0;
        let mut entries = match tokio::fs::read_dir(self.dir("tmp")).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(anyhow::Error::new(e).context("listing tmp/")),
        };
        while let Some(entry) = entries.next_entry().await.context("listing tmp/")? {
            let idle = entry.metadata().await.ok().and_then(|m| m.modified().ok()).and_then(|t| t.elapsed().ok());
            if idle.is_some_and(|idle| idle > older_than) && tokio::fs::remove_file(entry.path()).await.is_ok() {
                removed += 1;
            }
        }
        Ok(removed)
    }
}

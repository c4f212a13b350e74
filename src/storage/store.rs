//! The storage contract every backend meets: one small streaming trait and the types it
//! speaks in.

use std::{pin::Pin, sync::Arc, time::Duration};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use serde::Serialize;
use utoipa::ToSchema;

use super::{FileName, TooLarge};

/// Bytes flowing in or out of a backend, one chunk at a time: memory stays bounded
/// whatever the file size.
pub type ByteStream<'a> = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send + 'a>>;

/// Upload parts, S3 multipart parts and the unit of the ETag computation.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// What the API says about a stored file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FileMeta {
    pub name: String,
    pub size: u64,
    pub content_type: String,
    /// Changes whenever the content changes; S3-style (MD5, or MD5 of part MD5s `-N`).
    pub etag: String,
    pub uploaded_at: DateTime<Utc>,
}

/// An inclusive byte range already checked against the file size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    pub end: u64,
}

impl ByteRange {
    pub fn length(&self) -> u64 {
        self.end - self.start + 1
    }
}

/// A URL a client can send the bytes to directly.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Presigned {
    pub method: &'static str,
    pub url: String,
    pub headers: std::collections::BTreeMap<String, String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// A completed upload.
#[derive(Debug, Clone)]
pub struct Stored {
    pub meta: FileMeta,
    /// True when a file of that name existed and was swapped for the new one.
    pub replaced: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the upload is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The client's body failed mid-way (disconnect, bad chunked encoding).
    #[error("the upload was interrupted: {0}")]
    Interrupted(std::io::Error),
    /// The service cannot be reached, or asks to be retried later (a 503 of its own).
    #[error("the storage backend is unavailable: {0}")]
    Unavailable(String),
    /// The service answered with a server error of its own: not our fault, nor the client's.
    #[error("the storage backend failed: {0}")]
    Upstream(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl StoreError {
    /// Maps a failure of the incoming stream: our size limit, or the client going away.
    pub fn from_body(err: std::io::Error, limit: u64) -> Self {
        if err.get_ref().is_some_and(|e| e.is::<TooLarge>()) {
            Self::TooLarge { limit }
        } else {
            Self::Interrupted(err)
        }
    }
}

/// The storage contract every backend meets. Names are data, never paths.
#[async_trait::async_trait]
pub trait FileStore: Send + Sync {
    fn name(&self) -> &'static str;

    /// Streams `body` into the store. More than `limit` bytes fails with `TooLarge`; any
    /// failure leaves nothing behind, and a replaced file changes only once the new one is
    /// complete.
    async fn put(
        &self,
        name: &FileName,
        content_type: &str,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<Stored, StoreError>;

    /// The file's metadata and its bytes, all of them or one range.
    async fn get(
        &self,
        name: &FileName,
        range: Option<ByteRange>,
    ) -> Result<Option<(FileMeta, ByteStream<'static>)>, StoreError>;

    async fn head(&self, name: &FileName) -> Result<Option<FileMeta>, StoreError>;

    /// Files whose names start with `prefix`, in name order, after `after`, at most `limit`.
    async fn list(&self, prefix: &str, after: Option<&str>, limit: usize) -> Result<Vec<FileMeta>, StoreError>;

    /// Whether a file was deleted; deleting a missing file is not an error.
    async fn delete(&self, name: &FileName) -> Result<bool, StoreError>;

    /// Whether the backend answers now.
    async fn check(&self) -> Result<(), StoreError>;

    /// Readies the backend's own container where the configuration allows it (S3 with
    /// `S3_CREATE_BUCKET=true` creates its bucket); `anyport migrate` calls it. Says what it did.
    async fn prepare(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    /// A direct-upload URL, for backends that have one (S3).
    async fn presign_put(
        &self,
        _name: &FileName,
        _content_type: &str,
        _size: Option<u64>,
        _expires: Duration,
    ) -> Result<Option<Presigned>, StoreError> {
        Ok(None)
    }

    /// A direct-download URL, for backends that have one (S3).
    async fn presign_get(&self, _name: &FileName, _expires: Duration) -> Result<Option<Presigned>, StoreError> {
        Ok(None)
    }
}

pub type Storage = Arc<dyn FileStore>;

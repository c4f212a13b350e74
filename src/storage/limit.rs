//! Enforces the upload limit while the bytes stream in, so an oversized body is cut off at
//! the limit instead of being read (or stored) whole, and measures what went through.

use std::io;

use super::{EtagHasher, StoreError};

/// The error a limited stream yields once more than its limit has arrived.
#[derive(Debug, thiserror::Error)]
#[error("more than {0} bytes")]
pub struct TooLarge(pub u64);

/// Counts, limits and hashes an upload chunk by chunk, for backends that write as they read.
pub struct UploadMeter {
    limit: u64,
    size: u64,
    /// `None` for a backend whose server computes the ETag (S3): hashing would only cost CPU.
    hasher: Option<EtagHasher>,
}

impl UploadMeter {
    pub fn new(limit: u64) -> Self {
        Self { limit, size: 0, hasher: Some(EtagHasher::default()) }
    }

    /// Counts and limits only; `finish` gives no ETag.
    pub fn counting(limit: u64) -> Self {
        Self { limit, size: 0, hasher: None }
    }

    /// The chunk to store, or why the upload must stop (over the limit, body failed).
    pub fn accept(&mut self, chunk: io::Result<bytes::Bytes>) -> Result<bytes::Bytes, StoreError> {
        let chunk = chunk.map_err(|e| StoreError::from_body(e, self.limit))?;
        self.size = self.size.saturating_add(chunk.len() as u64);
        if self.size > self.limit {
            return Err(StoreError::TooLarge { limit: self.limit });
        }
        if let Some(hasher) = &mut self.hasher {
            hasher.update(&chunk);
        }
        Ok(chunk)
    }

    /// The size and the ETag of everything accepted (empty for a counting meter).
    pub fn finish(self) -> (u64, String) {
        (self.size, self.hasher.map(EtagHasher::finish).unwrap_or_default())
    }
}

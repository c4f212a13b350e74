//! Enforces the upload limit while the bytes stream in, so an oversized body is cut off at
//! the limit instead of being read (or stored) whole.

use std::io;

use futures_util::StreamExt;

use super::ByteStream;

/// The error a limited stream yields once more than its limit has arrived.
#[derive(Debug, thiserror::Error)]
#[error("more than {0} bytes")]
pub struct TooLarge(pub u64);

pub fn limit_stream<'a>(body: ByteStream<'a>, limit: u64) -> ByteStream<'a> {
    let mut seen: u64 = 0;
    Box::pin(body.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len() as u64);
        if seen > limit { Err(io::Error::other(TooLarge(limit))) } else { Ok(chunk) }
    }))
}

//! Uploads to S3: a body that fits in one part is a single PutObject; a longer one is a
//! multipart upload whose next part is read from the client while the previous ones are
//! still being sent, with at most `PARTS_IN_FLIGHT` parts sending at once. Any failure
//! aborts the multipart upload, so no parts are left behind.

use anyhow::Context;
use aws_sdk_s3::{
    primitives::ByteStream as S3Body,
    types::{CompletedMultipartUpload, CompletedPart},
};
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio::task::JoinSet;

use super::{S3Store, sdk_error};
use crate::storage::{ByteStream, PART_SIZE, StoreError, UploadMeter};

/// Parts being sent while the next one is read. An upload holds this many part buffers plus
/// the one being filled (3 × 8 MiB), reused from part to part: sending overlaps reading, and
/// s3s-fs gains little from more parallel parts (`bench/STORAGE.md`).
const PARTS_IN_FLIGHT: usize = 2;

impl S3Store {
    /// Uploads the body as one PUT when it fits in a part, else as a multipart upload.
    pub(super) async fn upload(
        &self,
        key: &str,
        content_type: &str,
        body: ByteStream<'_>,
        limit: u64,
    ) -> Result<(), StoreError> {
        // S3 computes the ETag itself (read back by the HEAD after the upload).
        let mut parts = PartReader { body, meter: UploadMeter::counting(limit), carry: None, spare: None };
        let (first, last) = parts.next_part().await?;
        if last {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_type(content_type)
                .content_length(first.len() as i64)
                .body(S3Body::from(first))
                .send()
                .await
                .map_err(|e| sdk_error(e, "PutObject"))?;
            return Ok(());
        }
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| sdk_error(e, "CreateMultipartUpload"))?;
        let id = created.upload_id.context("CreateMultipartUpload returned no upload id")?;
        let mut sending = JoinSet::new();
        let result = self.send_parts(key, &id, first, &mut parts, &mut sending).await;
        if result.is_err() {
            // No part may land after the abort: stop those still being sent first. Nothing
            // partial may linger (and cost money): abort the upload's parts.
            sending.shutdown().await;
            let aborted =
                self.client.abort_multipart_upload().bucket(&self.bucket).key(key).upload_id(&id).send().await;
            if let Err(e) = aborted {
                tracing::error!(key, upload_id = %id, error = %sdk_error(e, "AbortMultipartUpload"), "multipart upload left behind");
            }
        }
        result
    }

    /// Sends `first` and every following part, then completes the upload.
    async fn send_parts(
        &self,
        key: &str,
        id: &str,
        first: Bytes,
        parts: &mut PartReader<'_>,
        sending: &mut JoinSet<PartResult>,
    ) -> Result<(), StoreError> {
        let mut completed = Vec::new();
        let (mut part, mut last, mut number) = (first, false, 1);
        loop {
            let upload = self.client.upload_part().bucket(&self.bucket).key(key).upload_id(id);
            sending.spawn(send_part(upload, number, part));
            if last {
                break;
            }
            if sending.len() == PARTS_IN_FLIGHT {
                let (done, buffer) = joined(sending.join_next().await)?;
                completed.push(done);
                parts.reuse(buffer);
            }
            (part, last) = parts.next_part().await?;
            number += 1;
        }
        while let Some(done) = sending.join_next().await {
            completed.push(joined(Some(done))?.0);
        }
        completed.sort_by_key(|p| p.part_number);
        let done = CompletedMultipartUpload::builder().set_parts(Some(completed)).build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(id)
            .multipart_upload(done)
            .send()
            .await
            .map_err(|e| sdk_error(e, "CompleteMultipartUpload"))?;
        Ok(())
    }
}

type UploadPart = aws_sdk_s3::operation::upload_part::builders::UploadPartFluentBuilder;

/// Sends one part; hands its buffer back for the next part once the SDK is done with it.
async fn send_part(upload: UploadPart, number: i32, part: Bytes) -> Result<(CompletedPart, Bytes), StoreError> {
    let uploaded = upload
        .part_number(number)
        .content_length(part.len() as i64)
        .body(S3Body::from(part.clone()))
        .send()
        .await
        .map_err(|e| sdk_error(e, "UploadPart"))?;
    Ok((CompletedPart::builder().part_number(number).set_e_tag(uploaded.e_tag).build(), part))
}

type PartResult = Result<(CompletedPart, Bytes), StoreError>;

/// A finished part task's answer (a panicked task is a failed upload, not a lost part).
fn joined(done: Option<Result<PartResult, tokio::task::JoinError>>) -> PartResult {
    done.context("a part was sent but never finished")?.context("sending a part failed")?
}

/// Cuts the body into `PART_SIZE` parts, each in a buffer of its own so that a part being
/// sent is never copied or reallocated.
struct PartReader<'a> {
    body: ByteStream<'a>,
    meter: UploadMeter,
    /// What the last chunk read held beyond the part it completed.
    carry: Option<Bytes>,
    /// The buffer of a part already sent, for the next part. Freeing and allocating 8 MiB per
    /// part instead let glibc keep freed parts in each worker thread's arena: 81 MiB peak RSS
    /// for 1 GiB (`bench/STORAGE.md`).
    spare: Option<BytesMut>,
}

impl PartReader<'_> {
    /// The next part, and whether it is the last. A part is only sent once the byte after it
    /// has arrived (or the body ended), so a body of exactly N parts ends with a full part,
    /// not an empty extra one: the same part count (and ETag) as `EtagHasher` gives every
    /// backend, and a single PUT at exactly `PART_SIZE`.
    async fn next_part(&mut self) -> Result<(Bytes, bool), StoreError> {
        let mut part = self.spare.take().unwrap_or_else(|| BytesMut::with_capacity(PART_SIZE));
        while let Some(mut chunk) = self.next_chunk().await? {
            if part.len() == PART_SIZE {
                self.carry = Some(chunk);
                return Ok((part.freeze(), false));
            }
            if chunk.len() > PART_SIZE - part.len() {
                self.carry = Some(chunk.split_off(PART_SIZE - part.len()));
            }
            part.extend_from_slice(&chunk);
        }
        Ok((part.freeze(), true))
    }

    /// Takes back a sent part's buffer, if nothing else holds it any more.
    fn reuse(&mut self, part: Bytes) {
        if let Ok(mut buffer) = part.try_into_mut() {
            buffer.clear();
            self.spare = Some(buffer);
        }
    }

    async fn next_chunk(&mut self) -> Result<Option<Bytes>, StoreError> {
        if let Some(chunk) = self.carry.take() {
            return Ok(Some(chunk));
        }
        while let Some(chunk) = self.body.next().await {
            let chunk = self.meter.accept(chunk)?;
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts' sizes and last flags, checking that they hold the body in order.
    async fn part_sizes(total: usize, chunk: usize) -> Vec<(usize, bool)> {
        let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();
        let chunks: Vec<std::io::Result<Bytes>> = data.chunks(chunk).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        let mut received = Vec::new();
        let mut reader = PartReader {
            body: Box::pin(futures_util::stream::iter(chunks)),
            meter: UploadMeter::new(u64::MAX),
            carry: None,
            spare: None,
        };
        let mut sizes = Vec::new();
        loop {
            let (part, last) = reader.next_part().await.unwrap();
            sizes.push((part.len(), last));
            received.extend_from_slice(&part);
            if last {
                assert!(received == data, "the parts hold the body, in order");
                return sizes;
            }
            reader.reuse(part);
        }
    }

    #[tokio::test]
    async fn a_body_of_exactly_n_parts_is_cut_into_n_full_parts() {
        for chunk in [1000, 65536, PART_SIZE, PART_SIZE + 1, 3 * PART_SIZE] {
            assert_eq!(part_sizes(0, chunk.max(1)).await, [(0, true)]);
            assert_eq!(part_sizes(PART_SIZE, chunk).await, [(PART_SIZE, true)], "chunk {chunk}");
            assert_eq!(part_sizes(PART_SIZE + 1, chunk).await, [(PART_SIZE, false), (1, true)], "chunk {chunk}");
            assert_eq!(
                part_sizes(2 * PART_SIZE, chunk).await,
                [(PART_SIZE, false), (PART_SIZE, true)],
                "chunk {chunk}"
            );
        }
    }
}

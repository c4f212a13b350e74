//! Downloads: the whole file or one byte range, conditional requests, and redirects to a
//! presigned URL when the policy asks for one or the runtime cannot return the file.

use std::time::Duration;

use axum::{
    body::Body,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use utoipa::IntoParams;

use super::{NameParam, file_not_found};
use crate::{
    AppState,
    error::{ApiError, Problem},
    http::download::{RangeRequest, file_headers, not_modified, quoted_etag, range_request},
    storage::FileMeta,
};

const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(5 * 60);

/// The request headers a download reads.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: `download_file` reads the `HeaderMap`
pub struct DownloadHeaders {
    /// One byte range: `bytes=first-last`, `bytes=first-` or `bytes=-suffix` (206); 416 when it
    /// is malformed, asks for several ranges or lies outside the file. Other units are ignored.
    #[param(rename = "Range", example = "bytes=0-1023")]
    range: Option<String>,
    /// Honour `Range` only while the file still has this (quoted) ETag.
    #[param(rename = "If-Range")]
    if_range: Option<String>,
    /// 304 when one of these ETags (or `*`) is the file's.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
}

/// The request headers `HEAD` reads.
#[derive(IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)] // documentation only: `head_file` reads the `HeaderMap`
pub struct HeadHeaders {
    /// 304 when one of these ETags (or `*`) is the file's.
    #[param(rename = "If-None-Match")]
    if_none_match: Option<String>,
}

#[utoipa::path(get, path = "/files/{*name}", tag = "files", params(NameParam, DownloadHeaders),
    responses((status = 200, description = "the file"), (status = 206, description = "one byte range"),
        (status = 303, description = "redirect to a presigned URL (S3_REDIRECT_DOWNLOADS, or a file too large for the runtime to return)"),
        (status = 304, description = "If-None-Match matched"), (status = 404, body = Problem), (status = 416, body = Problem)))]
pub async fn download_file(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if state.files.redirect_downloads
        && let Some(url) = state.storage.presign_get(&name, DOWNLOAD_URL_TTL).await?
    {
        return Ok(Redirect::to(&url.url).into_response());
    }
    let meta = state.storage.head(&name).await?.ok_or_else(|| file_not_found(&name))?;
    if not_modified(&headers, &meta) {
        return Ok(not_modified_response(&meta));
    }
    let range = match range_request(&headers, &meta) {
        RangeRequest::Unsatisfiable => return Ok(unsatisfiable(&meta)),
        RangeRequest::Full => None,
        RangeRequest::Partial(range) => Some(range),
    };
    let length = range.map_or(meta.size, |r| r.length());
    if state.files.download_too_large(length) {
        // The runtime would fail to return it: say so, and how to get the file anyway.
        if let Some(url) = state.storage.presign_get(&name, DOWNLOAD_URL_TTL).await? {
            return Ok(Redirect::to(&url.url).into_response());
        }
        return Err(ApiError::PayloadTooLarge(format!(
            "{} returns at most {} bytes: download this file in byte ranges (Range: bytes=…)",
            state.files.runtime.name(),
            state.files.response_limit.unwrap_or_default()
        )));
    }
    let (meta, body) = state.storage.get(&name, range).await?.ok_or_else(|| file_not_found(&name))?;
    let mut response = Response::new(Body::from_stream(body));
    response.headers_mut().extend(file_headers(&meta));
    let length = match range {
        Some(r) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let content_range = format!("bytes {}-{}/{}", r.start, r.end, meta.size);
            response.headers_mut().insert(header::CONTENT_RANGE, content_range.parse().expect("ASCII"));
            r.length()
        }
        None => meta.size,
    };
    response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    Ok(response)
}

#[utoipa::path(head, path = "/files/{*name}", tag = "files", params(NameParam, HeadHeaders),
    responses((status = 200, description = "the file's headers"), (status = 304), (status = 404)))]
pub async fn head_file(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let meta = state.storage.head(&name).await?.ok_or_else(|| file_not_found(&name))?;
    if not_modified(&headers, &meta) {
        return Ok(not_modified_response(&meta));
    }
    let mut response = StatusCode::OK.into_response();
    response.headers_mut().extend(file_headers(&meta));
    response.headers_mut().insert(header::CONTENT_LENGTH, meta.size.into());
    Ok(response)
}

fn not_modified_response(meta: &FileMeta) -> Response {
    let etag = quoted_etag(meta);
    (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response()
}

fn unsatisfiable(meta: &FileMeta) -> Response {
    let mut response = ApiError::RangeNotSatisfiable(meta.size).into_response();
    let value = format!("bytes */{}", meta.size);
    response.headers_mut().insert(header::CONTENT_RANGE, value.parse().expect("ASCII"));
    response
}

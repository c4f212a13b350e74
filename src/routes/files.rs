//! `/api/v1/files`: upload (raw PUT or multipart POST), list, download with ranges, delete,
//! and direct-upload URLs. Bodies stream straight into the storage backend.

use std::time::Duration;

use axum::{
    Json, Router,
    body::Body,
    extract::{
        DefaultBodyLimit, FromRequest, FromRequestParts, Multipart, Path, Request, State, multipart::MultipartError,
    },
    http::{HeaderMap, StatusCode, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, ToSchema,
    openapi::{
        ObjectBuilder, Type,
        path::{Parameter, ParameterIn},
        schema::Object,
    },
};

use crate::{
    AppState,
    config::{LAMBDA_PAYLOAD_LIMIT_BYTES, StorageConfig},
    db::pagination::{DEFAULT_LIMIT, MAX_LIMIT},
    error::{ApiError, FieldError, Problem},
    extract::{ApiJson, ApiQuery, path_parameter},
    http::download::{RangeRequest, file_headers, not_modified, quoted_etag, range_request},
    storage::{ByteStream, FileMeta, FileName, Presigned, StoreError, TooLarge, UNRESERVED},
    validate,
};

/// More parts than this in one multipart request is a 413, not a loop over 10 000 files.
pub const MAX_FILES_PER_REQUEST: usize = 100;
const UPLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);
const DOWNLOAD_URL_TTL: Duration = Duration::from_secs(5 * 60);
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

pub fn router(max_upload_bytes: u64) -> Router<AppState> {
    Router::new()
        .route("/files", get(list_files).post(upload_files))
        .route("/files/{name}", get(download_file).head(head_file).put(put_file).delete(delete_file))
        .route("/files/{name}/upload-url", post(create_upload_url))
        // Caps a multipart request as a whole; raw PUT bodies are limited while streaming.
        .layer(DefaultBodyLimit::max(usize::try_from(max_upload_bytes).unwrap_or(usize::MAX)))
}

/// A file name from the path, checked against the naming rules (422 otherwise).
pub struct NameParam(pub FileName);

impl<S: Send + Sync> FromRequestParts<S> for NameParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = |message: String| ApiError::Validation(vec![FieldError::new("name", message)]);
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid("must be valid percent-encoded UTF-8".into()))?;
        FileName::parse(&raw).map(NameParam).map_err(|e| invalid(e.to_string()))
    }
}

impl IntoParams for NameParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(FileName::pattern()));
        let description =
            "The file's name: 1 to 255 bytes of UTF-8, no `/`, `\\`, NUL or control characters, not `.` or `..`.";
        vec![path_parameter("name", description, schema).example(Some("report.pdf".into())).build()]
    }
}

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

/// The raw bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // documentation only: bodies are streamed
pub struct FileBytes(Vec<u8>);

/// A multipart upload: one or more parts named `file`, each with a file name.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // documentation only: `upload_files` streams the parts
pub struct UploadForm {
    #[schema(inline, min_items = 1, max_items = 100)]
    file: Vec<FileBytes>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct FileListParams {
    /// Only names starting with this; at most 255 bytes of UTF-8.
    #[param(max_length = 255)]
    pub prefix: Option<String>,
    /// `next_cursor` from the previous page: an opaque token, so only cursors this API
    /// returned are accepted (422 otherwise). Empty means the first page.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FilePage {
    pub items: Vec<FileMeta>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadedFiles {
    pub items: Vec<FileMeta>,
}

/// Optional details of the upload to come; both are signed into an S3 URL.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadUrlRequest {
    #[schema(schema_with = content_type_schema)]
    pub content_type: Option<String>,
    /// The size in bytes, at most `MAX_UPLOAD_BYTES` (the spec states the configured value).
    #[serde(default, deserialize_with = "whole_number")]
    pub size: Option<u64>,
}

/// JSON has one number type: `5.0` and `5e0` are the integer 5, to JSON Schema as well, so
/// a whole number is accepted however it is written.
fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;
    let Some(number) = Option::<serde_json::Number>::deserialize(deserializer)? else { return Ok(None) };
    if let Some(n) = number.as_u64() {
        return Ok(Some(n));
    }
    match number.as_f64() {
        // The cast is exact: `n` is whole and inside u64's range.
        Some(n) if n.fract() == 0.0 && (0.0..TWO_POW_64).contains(&n) => Ok(Some(n as u64)),
        _ => Err(serde::de::Error::custom(format!("expected a whole number of bytes, got {number}"))),
    }
}

fn file_path(state: &AppState, name: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(name, UNRESERVED);
    format!("{}{}/files/{encoded}", state.config.base_path, super::API_PREFIX)
}

fn too_large(state: &AppState) -> ApiError {
    let limit = state.config.upload_limit();
    if state.config.on_lambda && limit < state.config.max_upload_bytes {
        return ApiError::PayloadTooLarge(format!(
            "AWS Lambda accepts request bodies up to {limit} bytes; for larger files ask \
             POST /api/v1/files/{{name}}/upload-url for a direct upload URL; nothing was stored"
        ));
    }
    StoreError::TooLarge { limit }.into()
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The content type to store: the client's, if it is a plausible media type.
fn content_type_of(value: Option<&str>) -> Result<String, ApiError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(DEFAULT_CONTENT_TYPE.into()) };
    let plausible = value.len() <= 255
        && value.split(';').next().is_some_and(|essence| {
            let mut halves = essence.trim().splitn(2, '/');
            let token = |s: Option<&str>| {
                s.is_some_and(|s| {
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
                })
            };
            token(halves.next()) && token(halves.next())
        })
        && value.is_ascii()
        && !value.chars().any(|c| c.is_ascii_control());
    if plausible { Ok(value.to_string()) } else { Err(ApiError::validation("content_type", "is not a media type")) }
}

/// Exactly what `content_type_of` accepts: empty or blank (the default type), or, once
/// trimmed, `type/subtype` in token characters with optional `;` parameters, printable ASCII,
/// at most 255 characters.
pub fn content_type_pattern() -> String {
    let ws = validate::whitespace_class();
    let token = "[A-Za-z0-9!#$&^_.+-]+";
    let printable = r"[\u0020-\u007E]";
    format!("^[{ws}]*(?:(?={printable}{{1,255}}[{ws}]*$){token}/{token}(?: *;{printable}*)?)?[{ws}]*$")
}

fn content_type_schema() -> Object {
    let description = "A media type like `text/plain; charset=utf-8`; absent, `null` or blank means \
        `application/octet-stream`.";
    validate::string_schema(content_type_pattern(), description, true)
}

#[utoipa::path(get, path = "/api/v1/files", tag = "files", params(FileListParams),
    responses((status = 200, body = FilePage), (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn list_files(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<FileListParams>,
) -> Result<Json<FilePage>, ApiError> {
    let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    let prefix = params.prefix.unwrap_or_default();
    if prefix.len() > crate::storage::name::MAX_NAME_BYTES {
        return Err(ApiError::validation("prefix", "must be at most 255 bytes"));
    }
    let after = match params.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => {
            Some(decode_cursor(c).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this API returned"))?)
        }
    };
    let mut items = state.storage.list(&prefix, after.as_deref(), limit as usize + 1).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|m| URL_SAFE_NO_PAD.encode(format!("name:{}", m.name)))
    } else {
        None
    };
    Ok(Json(FilePage { items, next_cursor }))
}

fn decode_cursor(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    String::from_utf8(bytes).ok()?.strip_prefix("name:").map(str::to_string)
}

/// Stores the raw request body under the name: 201 when new, 200 when it replaced a file.
#[utoipa::path(put, path = "/api/v1/files/{name}", tag = "files", params(NameParam),
    request_body(content = Option<FileBytes>, content_type = "application/octet-stream",
        description = "The file's bytes; no body stores an empty file. Its Content-Type is stored with it."),
    security(("bearer" = [])),
    responses((status = 201, body = FileMeta), (status = 200, body = FileMeta), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_file(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    request: Request,
) -> Result<Response, ApiError> {
    let limit = state.config.upload_limit();
    if declared_length(request.headers()).is_some_and(|len| len > limit) {
        return Err(too_large(&state));
    }
    let content_type = content_type_of(request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()))?;
    let body: ByteStream = Box::pin(request.into_body().into_data_stream().map_err(std::io::Error::other));
    let stored = state.storage.put(&name, &content_type, body, limit).await?;
    let status = if stored.replaced { StatusCode::OK } else { StatusCode::CREATED };
    let location = file_path(&state, name.as_str());
    Ok((status, [(header::LOCATION, location)], Json(stored.meta)).into_response())
}

/// Stores every `file` part of a multipart form. If any part fails, the files this request
/// created are removed again and the request fails as a whole.
#[utoipa::path(post, path = "/api/v1/files", tag = "files", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadedFiles), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn upload_files(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let limit = state.config.upload_limit();
    if declared_length(request.headers()).is_some_and(|len| len > limit) {
        return Err(too_large(&state));
    }
    let mut multipart = Multipart::from_request(request, &state).await.map_err(|_| {
        ApiError::UnsupportedMediaType("expected Content-Type: multipart/form-data with a boundary".into())
    })?;
    let mut stored: Vec<(FileName, FileMeta, bool)> = Vec::new();
    let result = async {
        while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(e, limit))? {
            if field.name() != Some("file") {
                return Err(ApiError::validation("file", "upload files in form parts named `file`"));
            }
            if stored.len() == MAX_FILES_PER_REQUEST {
                return Err(ApiError::PayloadTooLarge(format!("at most {MAX_FILES_PER_REQUEST} files per request")));
            }
            let name = FileName::from_client_filename(field.file_name().unwrap_or_default())
                .map_err(|e| ApiError::validation("filename", e.to_string()))?;
            let content_type = content_type_of(field.content_type())?;
            let body: ByteStream = Box::pin(field.map_err(move |e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    std::io::Error::other(TooLarge(limit))
                } else {
                    std::io::Error::other(e)
                }
            }));
            let done = state.storage.put(&name, &content_type, body, limit).await?;
            stored.push((name, done.meta, done.replaced));
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        for (name, _, replaced) in &stored {
            if !replaced {
                let _ = state.storage.delete(name).await;
            }
        }
        return Err(e);
    }
    if stored.is_empty() {
        return Err(ApiError::validation("file", "the form has no `file` part"));
    }
    let items = stored.into_iter().map(|(_, meta, _)| meta).collect();
    Ok((StatusCode::CREATED, Json(UploadedFiles { items })).into_response())
}

fn multipart_error(err: MultipartError, limit: u64) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        StoreError::TooLarge { limit }.into()
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", err.body_text()))
    }
}

#[utoipa::path(get, path = "/api/v1/files/{name}", tag = "files", params(NameParam, DownloadHeaders),
    responses((status = 200, description = "the file"), (status = 206, description = "one byte range"),
        (status = 302, description = "redirect to a presigned S3 URL (S3_REDIRECT_DOWNLOADS)"),
        (status = 304, description = "If-None-Match matched"), (status = 404, body = Problem), (status = 416, body = Problem)))]
pub async fn download_file(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if matches!(state.config.storage, StorageConfig::S3 { redirect_downloads: true, .. })
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
    if state.config.on_lambda && length > LAMBDA_PAYLOAD_LIMIT_BYTES {
        // Lambda would fail to return it: say so, and how to get the file anyway.
        if let Some(url) = state.storage.presign_get(&name, DOWNLOAD_URL_TTL).await? {
            return Ok(Redirect::to(&url.url).into_response());
        }
        return Err(ApiError::PayloadTooLarge(format!(
            "AWS Lambda returns at most {LAMBDA_PAYLOAD_LIMIT_BYTES} bytes: download this file in byte ranges (Range: bytes=…)"
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

#[utoipa::path(head, path = "/api/v1/files/{name}", tag = "files", params(NameParam, HeadHeaders),
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

fn file_not_found(name: &FileName) -> ApiError {
    ApiError::NotFound(format!("no file named {:?}", name.as_str()))
}

#[utoipa::path(delete, path = "/api/v1/files/{name}", tag = "files", params(NameParam),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_file(State(state): State<AppState>, NameParam(name): NameParam) -> Result<StatusCode, ApiError> {
    if state.storage.delete(&name).await? { Ok(StatusCode::NO_CONTENT) } else { Err(file_not_found(&name)) }
}

/// Where to send the bytes: a presigned S3 PUT (straight to the bucket, past Lambda's 6 MB
/// limit), or this API's own PUT URL on other backends.
#[utoipa::path(post, path = "/api/v1/files/{name}/upload-url", tag = "files", params(NameParam),
    request_body(content = Option<UploadUrlRequest>), security(("bearer" = [])),
    responses((status = 200, body = Presigned), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create_upload_url(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    request: Request,
) -> Result<Json<Presigned>, ApiError> {
    let input = if request.headers().contains_key(header::CONTENT_TYPE) {
        ApiJson::<UploadUrlRequest>::from_request(request, &state).await?.0
    } else {
        UploadUrlRequest::default()
    };
    let content_type = content_type_of(input.content_type.as_deref())?;
    if input.size.is_some_and(|size| size > state.config.max_upload_bytes) {
        return Err(too_large(&state));
    }
    if let Some(presigned) = state.storage.presign_put(&name, &content_type, input.size, UPLOAD_URL_TTL).await? {
        return Ok(Json(presigned));
    }
    Ok(Json(Presigned {
        method: "PUT",
        url: file_path(&state, name.as_str()),
        headers: [("content-type".to_string(), content_type)].into(),
        expires_at: None,
    }))
}

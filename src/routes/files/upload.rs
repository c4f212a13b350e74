//! Uploads: a raw PUT, a multipart POST of several files, and direct-upload URLs.

use std::time::Duration;

use axum::{
    Json,
    extract::{FromRequest, Multipart, Path, Request, State, multipart::MultipartError},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{ToSchema, openapi::schema::Object};

use super::{NameParam, file_path};
use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::ApiJson,
    storage::{ByteStream, FileMeta, FileName, Presigned, StoreError, TooLarge},
    validate,
};

/// More parts than this in one multipart request is a 413, not a loop over 10 000 files.
pub const MAX_FILES_PER_REQUEST: usize = 100;
const UPLOAD_URL_TTL: Duration = Duration::from_secs(15 * 60);
const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

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

/// The 413 for an upload over the policy's limit, saying how to go around a runtime's cap.
fn too_large(state: &AppState) -> ApiError {
    let policy = &state.files;
    if policy.upload_capped_by_runtime {
        return ApiError::PayloadTooLarge(format!(
            "{} accepts request bodies up to {} bytes; for larger files ask \
             POST /api/v1/files/{{name}}/upload-url for a direct upload URL; nothing was stored",
            policy.runtime.name(),
            policy.upload_limit
        ));
    }
    StoreError::TooLarge { limit: policy.upload_limit }.into()
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// The content type to store: the client's, if it is a plausible media type.
/// A client that sends no type, or only `application/octet-stream` (`curl -T`, many upload
/// tools), gets the type the name's extension names; the download headers (attachment,
/// `nosniff`, `sandbox`) keep any type from being rendered by a browser.
fn content_type_of(value: Option<&str>, name: &FileName) -> Result<String, ApiError> {
    let value = value.map(str::trim).filter(|v| !v.is_empty() && !v.eq_ignore_ascii_case(DEFAULT_CONTENT_TYPE));
    let Some(value) = value else {
        return Ok(mime_guess::from_path(name.as_str()).first_raw().unwrap_or(DEFAULT_CONTENT_TYPE).to_string());
    };
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
    let description = "A media type like `text/plain; charset=utf-8`; absent, `null`, blank or \
        `application/octet-stream` means the type the name's extension names, else \
        `application/octet-stream`.";
    validate::string_schema(content_type_pattern(), description, true)
}

/// Stores the raw request body under the name: 201 when new, 200 when it replaced a file.
#[utoipa::path(put, path = "/files/{*name}", tag = "files", params(NameParam),
    request_body(content = Option<FileBytes>, content_type = "application/octet-stream",
        description = "The file's bytes; no body stores an empty file. Its Content-Type is stored with it; none, or application/octet-stream, stores the type its extension names."),
    security(("bearer" = [])),
    responses((status = 201, body = FileMeta), (status = 200, body = FileMeta), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_file(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    request: Request,
) -> Result<Response, ApiError> {
    let limit = state.files.upload_limit;
    if declared_length(request.headers()).is_some_and(|len| len > limit) {
        return Err(too_large(&state));
    }
    let content_type =
        content_type_of(request.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), &name)?;
    let body: ByteStream = Box::pin(request.into_body().into_data_stream().map_err(std::io::Error::other));
    let stored = state.storage.put(&name, &content_type, body, limit).await?;
    let status = if stored.replaced { StatusCode::OK } else { StatusCode::CREATED };
    let location = file_path(&state, name.as_str());
    Ok((status, [(header::LOCATION, location)], Json(stored.meta)).into_response())
}

/// Stores every `file` part of a multipart form, all or none.
#[utoipa::path(post, path = "/files", tag = "files", security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = UploadedFiles), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn upload_files(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let items = store_form(&state, request, "file", PartNames::FromClient).await?;
    Ok((StatusCode::CREATED, Json(UploadedFiles { items })).into_response())
}

/// Where a form's file parts are stored.
pub enum PartNames {
    /// Under the client's file name (its last path component), as many parts as sent.
    FromClient,
    /// Under this name; one part only.
    Fixed(FileName),
}

/// Stores every part named `field` of a multipart form. If any part fails, the files this
/// request created are removed again and the request fails as a whole.
pub async fn store_form(
    state: &AppState,
    request: Request,
    field_name: &'static str,
    names: PartNames,
) -> Result<Vec<FileMeta>, ApiError> {
    let limit = state.files.upload_limit;
    if declared_length(request.headers()).is_some_and(|len| len > limit) {
        return Err(too_large(state));
    }
    let mut multipart = Multipart::from_request(request, state).await.map_err(|_| {
        ApiError::UnsupportedMediaType("expected Content-Type: multipart/form-data with a boundary".into())
    })?;
    let most = match names {
        PartNames::FromClient => MAX_FILES_PER_REQUEST,
        PartNames::Fixed(_) => 1,
    };
    let mut stored: Vec<(FileName, FileMeta, bool)> = Vec::new();
    let result = async {
        while let Some(field) = multipart.next_field().await.map_err(|e| multipart_error(e, limit))? {
            if field.name() != Some(field_name) {
                return Err(ApiError::validation(
                    field_name,
                    format!("upload files in form parts named `{field_name}`"),
                ));
            }
            if stored.len() == most {
                return Err(ApiError::PayloadTooLarge(format!("at most {most} files per request")));
            }
            let name = match &names {
                PartNames::FromClient => FileName::from_client_filename(field.file_name().unwrap_or_default())
                    .map_err(|e| ApiError::validation("filename", e.to_string()))?,
                PartNames::Fixed(name) => name.clone(),
            };
            let content_type = content_type_of(field.content_type(), &name)?;
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
        return Err(ApiError::validation(field_name, format!("the form has no `{field_name}` part")));
    }
    Ok(stored.into_iter().map(|(_, meta, _)| meta).collect())
}

fn multipart_error(err: MultipartError, limit: u64) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        StoreError::TooLarge { limit }.into()
    } else {
        ApiError::BadRequest(format!("malformed multipart body: {}", err.body_text()))
    }
}

/// Where to send the bytes: a presigned S3 PUT (straight to the bucket, past Lambda's 6 MB
/// limit), or this API's own PUT URL on other backends. The declaration the spec documents;
/// requests reach it through `create_upload_url_from_path` (see `files::api`).
#[utoipa::path(post, path = "/files/{name}/upload-url", tag = "files", params(NameParam),
    request_body(content = Option<UploadUrlRequest>), security(("bearer" = [])),
    responses((status = 200, body = Presigned), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn create_upload_url(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    request: Request,
) -> Result<Json<Presigned>, ApiError> {
    upload_url(state, name, request).await
}

/// `POST …/files/<name>/upload-url`, names with folders included: the router cannot match a
/// fixed segment after the rest of a path, so every such request reaches `POST /files/{*name}`,
/// which takes the suffix off and answers as `create_upload_url` (documented there).
pub async fn create_upload_url_from_path(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    request: Request,
) -> Result<Json<Presigned>, ApiError> {
    let Some(raw) = raw.strip_suffix("/upload-url") else {
        return Err(ApiError::MethodNotAllowed(Some(super::FILE_METHODS)));
    };
    let name = FileName::parse(raw).map_err(|e| ApiError::validation("name", e.to_string()))?;
    upload_url(state, name, request).await
}

async fn upload_url(state: AppState, name: FileName, request: Request) -> Result<Json<Presigned>, ApiError> {
    let input = if request.headers().contains_key(header::CONTENT_TYPE) {
        ApiJson::<UploadUrlRequest>::from_request(request, &state).await?.0
    } else {
        UploadUrlRequest::default()
    };
    let content_type = content_type_of(input.content_type.as_deref(), &name)?;
    // A direct upload bypasses the runtime's body cap, not MAX_UPLOAD_BYTES.
    if input.size.is_some_and(|size| size > state.config.max_upload_bytes) {
        return Err(StoreError::TooLarge { limit: state.config.max_upload_bytes }.into());
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

//! `/api/v1/files`: upload (raw PUT or multipart POST), list, download with ranges, delete,
//! and direct-upload URLs. Bodies stream straight into the storage backend; what the runtime
//! allows (upload and response limits, redirects) comes from the state's `FilePolicy`.

mod download;
mod list;
mod upload;

use axum::{
    extract::{DefaultBodyLimit, FromRequestParts, Path, State},
    http::{StatusCode, request::Parts},
    response::IntoResponse,
};
use utoipa::{
    IntoParams,
    openapi::{
        ObjectBuilder, Type,
        path::{Parameter, ParameterIn},
    },
};
use utoipa_axum::{router::OpenApiRouter, routes};

pub use self::{
    download::download_file,
    list::{FileListParams, FilePage},
    upload::{MAX_FILES_PER_REQUEST, PartNames, UploadUrlRequest, UploadedFiles, content_type_pattern, store_form},
};
use crate::{
    AppState,
    error::{ApiError, FieldError, Problem},
    extract::path_parameter,
    storage::{FileName, UNRESERVED},
};

/// Each path's handlers, with the spec taken from their annotations. `max_upload_bytes` caps
/// a multipart request as a whole; raw PUT bodies are limited while streaming.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_files, upload::upload_files))
        .routes(routes!(download::download_file, download::head_file, upload::put_file, delete_file))
        .route("/files/{*name}", axum::routing::post(upload::create_upload_url_from_path))
        .merge(document_only(OpenApiRouter::new().routes(routes!(upload::create_upload_url))))
        .route_layer(axum::middleware::from_fn(allow_per_resource))
}

/// `/files/{*name}` holds two resources (a file, and its `…/upload-url`), so the router's own
/// 405 lists the methods of both: say those of the one asked for. The upload-URL resource
/// takes only POST, and no other method may reach the file handlers with such a path.
async fn allow_per_resource(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let path = request.uri().path().to_owned();
    if !path.starts_with("/files/") {
        return next.run(request).await;
    }
    if path.ends_with(UPLOAD_URL_SUFFIX) && request.method() != axum::http::Method::POST {
        return ApiError::MethodNotAllowed(Some("POST")).into_response();
    }
    let mut response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        response.headers_mut().insert(axum::http::header::ALLOW, axum::http::HeaderValue::from_static(FILE_METHODS));
    }
    response
}

/// The spec of routes that the router cannot hold as written: `…/{name}/upload-url` cannot
/// follow a route that takes the rest of the path, so `POST /files/{*name}` answers it
/// (`create_upload_url_from_path`) and this keeps only the declaration's document.
fn document_only(declared: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(declared.into_openapi())
}

/// The whole-request cap for multipart uploads (raw PUT bodies are counted while streaming).
pub fn body_limit(max_upload_bytes: u64) -> DefaultBodyLimit {
    DefaultBodyLimit::max(usize::try_from(max_upload_bytes).unwrap_or(usize::MAX))
}

/// The methods a file's own path takes.
pub const FILE_METHODS: &str = "GET, HEAD, PUT, DELETE";
/// The path that asks for a direct-upload URL; a file name cannot end with it.
pub const UPLOAD_URL_SUFFIX: &str = "/upload-url";

/// A file name from the path, checked against the naming rules (422 otherwise).
pub struct NameParam(pub FileName);

impl<S: Send + Sync> FromRequestParts<S> for NameParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = |message: String| ApiError::Validation(vec![FieldError::new("name", message)]);
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid("must be valid percent-encoded UTF-8".into()))?;
        // Over HTTP that path is the upload-URL resource (`allow_per_resource`), never a file.
        if raw.ends_with(UPLOAD_URL_SUFFIX) {
            return Err(invalid(format!("cannot end in {UPLOAD_URL_SUFFIX}: that path asks for an upload URL")));
        }
        FileName::parse(&raw).map(NameParam).map_err(|e| invalid(e.to_string()))
    }
}

impl IntoParams for NameParam {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(FileName::pattern()));
        let description = "The file's name: 1 to 255 bytes of UTF-8; `/` separates non-empty folders (`reports/2024/q1.pdf`, \
             sent as is or as `%2F`); no segment `.` or `..`, no `\\`, NUL or control characters.";
        vec![path_parameter("name", description, schema).example(Some("report.pdf".into())).build()]
    }
}

fn file_path(state: &AppState, name: &str) -> String {
    let encoded = percent_encoding::utf8_percent_encode(name, UNRESERVED);
    format!("{}{}/files/{encoded}", state.config.base_path, super::API_PREFIX)
}

fn file_not_found(name: &FileName) -> ApiError {
    ApiError::NotFound(format!("no file named {:?}", name.as_str()))
}

#[utoipa::path(delete, path = "/files/{*name}", tag = "files", params(NameParam),
    security(("bearer" = [])), responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_file(State(state): State<AppState>, NameParam(name): NameParam) -> Result<StatusCode, ApiError> {
    if state.storage.delete(&name).await? { Ok(StatusCode::NO_CONTENT) } else { Err(file_not_found(&name)) }
}

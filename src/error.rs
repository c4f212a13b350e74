//! The one error type at the HTTP boundary: a stable problem+json for the client, the
//! cause kept aside in the response's extensions for the log (written once, by
//! `http::access_log`).

use std::sync::Arc;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";
/// Seconds a client should wait before retrying when a dependency is down.
pub const RETRY_AFTER_SECS: u64 = 5;

/// RFC 9457 problem details.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code and title carry the meaning.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// One invalid input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name, or a dotted path into the JSON body.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid bearer token is needed for this request")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    /// With the methods the resource takes, for `Allow` (axum's own 405s keep theirs).
    #[error("method not allowed on this resource")]
    MethodNotAllowed(Option<&'static str>),
    #[error("the request took too long")]
    Timeout,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The file's size, for `Content-Range: bytes */size`.
    #[error("the requested range is not satisfiable: send one range inside the file's {0} bytes")]
    RangeNotSatisfiable(u64),
    #[error("the request has invalid fields")]
    Validation(Vec<FieldError>),
    /// A dependency (database, storage) is unreachable: the client may retry.
    #[error("{detail}")]
    Unavailable { detail: String, cause: String },
    /// A dependency answered with a server error of its own.
    #[error("{detail}")]
    BadGateway { detail: String, cause: String },
    #[error("internal server error")]
    Internal(#[from] anyhow::Error),
}

/// The cause of an error response, stored in the response extensions for the log.
#[derive(Debug, Clone)]
pub struct ErrorCause(pub Arc<str>);

impl ApiError {
    pub fn validation(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RangeNotSatisfiable(_) => StatusCode::RANGE_NOT_SATISFIABLE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::BadGateway { .. } => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn cause(&self) -> String {
        match self {
            Self::Unavailable { cause, .. } | Self::BadGateway { cause, .. } => cause.clone(),
            Self::Internal(e) => format!("{e:#}"),
            other => other.to_string(),
        }
    }
}

pub fn problem(status: StatusCode, detail: impl Into<String>, errors: Vec<FieldError>) -> Problem {
    Problem {
        kind: "about:blank",
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: detail.into(),
        errors,
    }
}

/// A problem+json response with the given status.
pub fn problem_response(status: StatusCode, detail: impl Into<String>, errors: Vec<FieldError>) -> Response {
    let mut response = (status, Json(problem(status, detail, errors))).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let cause = ErrorCause(self.cause().into());
        let allow = match &self {
            Self::MethodNotAllowed(allow) => *allow,
            _ => None,
        };
        let mut response = match self {
            Self::Validation(errors) => {
                let detail =
                    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
                problem_response(status, detail, errors)
            }
            other => problem_response(status, other.to_string(), Vec::new()),
        };
        let headers = response.headers_mut();
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer realm="anyport""#));
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            StatusCode::METHOD_NOT_ALLOWED if allow.is_some() => {
                headers.insert(header::ALLOW, HeaderValue::from_static(allow.unwrap_or_default()));
            }
            _ => {}
        }
        response.extensions_mut().insert(cause);
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        use sqlx::Error as E;
        match &err {
            E::PoolTimedOut | E::PoolClosed | E::Io(_) | E::Tls(_) | E::Protocol(_) | E::WorkerCrashed => {
                Self::Unavailable {
                    detail: "the database is unavailable; retry shortly".into(),
                    cause: err.to_string(),
                }
            }
            E::Database(db) if db.is_unique_violation() => Self::Conflict("the resource already exists".into()),
            E::Database(db) if is_missing_schema(db.code().as_deref(), db.message()) => Self::Unavailable {
                detail: "the database schema is not ready; retry shortly".into(),
                cause: format!("{err} (run `anyport migrate`)"),
            },
            _ => Self::Internal(anyhow::Error::new(err).context("database query failed")),
        }
    }
}

/// Postgres reports a missing table as 42P01; SQLite only in its message.
pub(crate) fn is_missing_schema(code: Option<&str>, message: &str) -> bool {
    code == Some("42P01") || message.starts_with("no such table")
}

impl From<crate::storage::StoreError> for ApiError {
    fn from(err: crate::storage::StoreError) -> Self {
        use crate::storage::StoreError as E;
        match err {
            E::TooLarge { limit } => Self::PayloadTooLarge(format!(
                "files are limited to {limit} bytes (MAX_UPLOAD_BYTES); nothing was stored"
            )),
            E::Interrupted(e) => Self::BadRequest(format!("the upload was interrupted ({e}); nothing was stored")),
            E::Unavailable(cause) => {
                Self::Unavailable { detail: "file storage is unavailable; retry shortly".into(), cause }
            }
            E::Upstream(cause) => {
                Self::BadGateway { detail: "file storage answered with an error; retry shortly".into(), cause }
            }
            E::Other(e) => Self::Internal(e.context("file storage failed")),
        }
    }
}

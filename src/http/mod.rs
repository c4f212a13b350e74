//! Middleware that wraps every route: request ids, the access log, problem+json for
//! routing errors, the request timeout and the write-token rule.

pub mod access_log;
pub mod auth;
pub mod download;
pub mod drain;
pub mod request_id;

use std::sync::atomic::Ordering;

use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{AppState, error::ApiError};

/// axum answers a wrong method with an empty 405; give it our problem body, keeping `Allow`.
pub async fn method_not_allowed_problem(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(header::CONTENT_TYPE) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut problem = ApiError::MethodNotAllowed(None).into_response();
    if let Some(allow) = allow {
        problem.headers_mut().insert(header::ALLOW, allow);
    }
    problem
}

pub async fn not_found_fallback(req: Request) -> ApiError {
    ApiError::NotFound(format!("no resource at {}", req.uri().path()))
}

/// Bounds the whole request, body included, so a slow client cannot hold a worker forever.
pub async fn with_timeout(limit: std::time::Duration, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}

/// While `MIGRATE_ON_START` is still applying migrations, the API answers 503 rather than
/// querying tables that may not exist yet.
pub async fn schema_gate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.schema_ready.load(Ordering::Acquire) {
        return next.run(req).await;
    }
    ApiError::Unavailable {
        detail: "the database schema is being migrated; retry shortly".into(),
        cause: "request before MIGRATE_ON_START finished".into(),
    }
    .into_response()
}

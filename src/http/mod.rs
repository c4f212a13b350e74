//! Middleware that wraps every route: request ids, the access log, problem+json for
//! routing errors, the request timeout and the write-token rule.

pub mod access_log;
pub mod auth;
pub mod download;
pub mod drain;
pub mod guard;
pub mod request_id;

use axum::{
    extract::Request,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::error::ApiError;

/// axum answers a wrong method with an empty 405; give it our problem body, keeping `Allow`.
/// A plain response map (tower's `MapResponseLayer`): no boxed future per request.
pub fn method_not_allowed_problem(response: Response) -> Response {
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

//! The HTTP resources, one module each, merged into the `/api/v1` router.

pub mod docs;
pub mod files;
pub mod health;
pub mod pages;
pub mod tweets;
pub mod users;
pub mod workers;

use axum::{
    Json, Router,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

use crate::{AppState, error::ApiError};

pub const API_PREFIX: &str = "/api/v1";

/// The database-backed resources.
pub fn records_router() -> Router<AppState> {
    Router::new().merge(tweets::router()).merge(users::router()).merge(workers::router())
}

/// 201 with the new resource and a `Location` that carries `BASE_PATH`.
pub fn created<T: Serialize>(state: &AppState, path: String, body: T) -> Response {
    let location = format!("{}{API_PREFIX}{path}", state.config.base_path);
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

pub fn not_found(what: &str, id: Option<i64>) -> ApiError {
    match id {
        Some(id) => ApiError::NotFound(format!("no {what} with id {id}")),
        None => ApiError::NotFound(format!("no such {what}")),
    }
}

/// A unique violation on one of `fields` becomes a 409 naming the field; anything else
/// keeps its usual mapping.
pub fn conflict_on(err: sqlx::Error, what: &str, fields: &[&str]) -> ApiError {
    match crate::db::unique_violation_field(&err, fields) {
        Some(field) => ApiError::Conflict(format!("a {what} with this {field} already exists")),
        None => err.into(),
    }
}

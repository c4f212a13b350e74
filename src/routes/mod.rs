//! The HTTP resources, one module each. Every documented route is declared once, in `api()`,
//! with its OpenAPI operation taken from the handler's annotation: the published spec is the
//! router's own, so it cannot drift from what is served.

pub mod docs;
pub mod files;
pub mod health;
pub mod pages;
pub mod seed;
pub mod tweets;
pub mod users;
pub mod workers;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;

use crate::{AppState, error::ApiError};

pub const API_PREFIX: &str = "/api/v1";

/// The documented routes in their groups, which `app.rs` wraps in different layers.
pub struct Api {
    /// `/healthz` and `/readyz`, at the root.
    pub health: OpenApiRouter<AppState>,
    /// The database-backed resources, under `API_PREFIX`.
    pub records: OpenApiRouter<AppState>,
    /// The files API, under `API_PREFIX`.
    pub files: OpenApiRouter<AppState>,
    /// With `SEED_ROUTES=true`, the seed apps' routes at the root: database ones, file ones.
    pub seed: Option<(OpenApiRouter<AppState>, OpenApiRouter<AppState>)>,
}

/// Every documented route. A new resource adds one line here.
pub fn api(seed_routes: bool) -> Api {
    Api {
        health: health::api(),
        records: OpenApiRouter::new().merge(tweets::api()).merge(users::api()).merge(workers::api()),
        files: files::api(),
        seed: seed_routes.then(|| (seed::records(), seed::files())),
    }
}

impl Api {
    /// The groups at their paths, as one router carrying its spec.
    pub fn assemble(self) -> OpenApiRouter<AppState> {
        let mut all = OpenApiRouter::new().merge(self.health).nest(API_PREFIX, self.records.merge(self.files));
        if let Some((records, files)) = self.seed {
            all = all.merge(records).merge(files);
        }
        all
    }
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

/// A unique violation on one of `fields` becomes a 409 naming the field; anything else
/// keeps its usual mapping.
pub fn conflict_on(err: sqlx::Error, what: &str, fields: &[&str]) -> ApiError {
    match crate::db::unique_violation_field(&err, fields) {
        Some(field) => ApiError::Conflict(format!("a {what} with this {field} already exists")),
        None => err.into(),
    }
}

//! Liveness (touches nothing) and readiness (checks every dependency).

use std::{sync::atomic::Ordering, time::Duration};

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    AppState,
    error::{PROBLEM_JSON, RETRY_AFTER_SECS},
};

/// Each check gets this long before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    pub status: &'static str,
    pub checks: Checks,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Checks {
    /// `ok`, or why the database is not ready.
    pub database: String,
    /// `ok`, or why the storage backend is not ready.
    pub storage: String,
}

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Ready when the database answers (and its schema is in place) and storage is usable.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let checks = check_all(&state).await;
    if checks.database == "ok" && checks.storage == "ok" {
        return Json(Readiness { status: "ready", checks }).into_response();
    }
    let body = serde_json::json!({
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": format!("not ready: database {}, storage {}", checks.database, checks.storage),
        "checks": checks,
    });
    let headers =
        [(header::CONTENT_TYPE, PROBLEM_JSON.to_string()), (header::RETRY_AFTER, RETRY_AFTER_SECS.to_string())];
    (StatusCode::SERVICE_UNAVAILABLE, headers, body.to_string()).into_response()
}

pub async fn check_all(state: &AppState) -> Checks {
    let database = async {
        if !state.schema_ready.load(Ordering::Acquire) {
            return "migrating".to_string();
        }
        match tokio::time::timeout(CHECK_TIMEOUT, state.db.ping()).await {
            Ok(Ok(())) => "ok".into(),
            Ok(Err(e)) => format!("unavailable: {}", short(&e.to_string())),
            Err(_) => "unavailable: timed out".into(),
        }
    };
    let storage = async {
        match tokio::time::timeout(CHECK_TIMEOUT, state.storage.check()).await {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(e)) => format!("unavailable: {}", short(&e.to_string())),
            Err(_) => "unavailable: timed out".into(),
        }
    };
    let (database, storage) = tokio::join!(database, storage);
    Checks { database, storage }
}

/// Error texts can be long (and should not leak hosts at length); keep the gist.
fn short(text: &str) -> String {
    text.chars().take(120).collect()
}

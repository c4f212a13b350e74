//! Liveness (touches nothing) and readiness (checks every dependency).

use std::{sync::atomic::Ordering, time::Duration};

use axum::{
    Json,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::{Serialize, Serializer};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    AppState,
    error::{PROBLEM_JSON, RETRY_AFTER_SECS},
};

/// Each check gets this long before it counts as failed.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(healthz)).routes(routes!(readyz))
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
    /// `ok`, `migrating`, `unmigrated: <what is missing>` or `unavailable: <why>`.
    #[schema(value_type = String)]
    pub database: CheckStatus,
    /// `ok`, or `unavailable: <why>`.
    #[schema(value_type = String)]
    pub storage: CheckStatus,
}

impl Checks {
    pub fn all_ok(&self) -> bool {
        self.database == CheckStatus::Ok && self.storage == CheckStatus::Ok
    }
}

/// Whether one dependency is ready. On the wire: `ok`, `migrating`, `unmigrated: <what>`,
/// `unavailable: <why>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckStatus {
    Ok,
    /// `MIGRATE_ON_START` is still applying migrations.
    Migrating,
    /// The database answers but lacks migrations (`anyport migrate` has not run).
    Unmigrated(String),
    Unavailable(String),
}

impl CheckStatus {
    fn of<E: std::fmt::Display>(outcome: Result<Result<(), E>, tokio::time::error::Elapsed>) -> Self {
        match outcome {
            Ok(Ok(())) => Self::Ok,
            // Error texts can be long (and should not spell out hosts at length): keep the gist.
            Ok(Err(e)) => Self::Unavailable(e.to_string().chars().take(120).collect()),
            Err(_) => Self::Unavailable("timed out".into()),
        }
    }
}

impl std::fmt::Display for CheckStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok => f.write_str("ok"),
            Self::Migrating => f.write_str("migrating"),
            Self::Unmigrated(why) => write!(f, "unmigrated: {why}"),
            Self::Unavailable(why) => write!(f, "unavailable: {why}"),
        }
    }
}

impl Serialize for CheckStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Ready when the database answers with every migration applied and storage is usable.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = crate::error::Problem)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let checks = check_all(&state).await;
    if checks.all_ok() {
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
            return CheckStatus::Migrating;
        }
        match tokio::time::timeout(CHECK_TIMEOUT, state.db.schema_status()).await {
            Ok(Ok(Err(missing))) => CheckStatus::Unmigrated(missing),
            answered => CheckStatus::of(answered.map(|status| status.map(drop))),
        }
    };
    let storage = async { CheckStatus::of(tokio::time::timeout(CHECK_TIMEOUT, state.storage.check()).await) };
    let (database, storage) = tokio::join!(database, storage);
    Checks { database, storage }
}

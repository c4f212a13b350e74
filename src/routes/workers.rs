//! `/api/v1/workers`: staff with a unique full name and a unique email.

use axum::{Json, Router, extract::State, http::StatusCode, response::Response, routing::get};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{ToSchema, openapi::schema::Object};

use super::{conflict_on, created, not_found};
use crate::{
    AppState,
    db::{
        pagination::{Page, PageParams, PageRequest},
        workers::{self, WorkerRow},
    },
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id},
    validate::{self, Checks, FULLNAME_MAX_CHARS},
};

const UNIQUE: &[&str] = &["fullname", "email"];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/workers", get(list_workers).post(create_worker))
        .route("/workers/{id}", get(get_worker).patch(update_worker).delete(delete_worker))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Worker {
    pub id: i64,
    pub fullname: String,
    pub email: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<WorkerRow> for Worker {
    fn from(row: WorkerRow) -> Self {
        Self { id: row.id, fullname: row.fullname, email: row.email, active: row.active, created_at: row.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWorker {
    #[schema(schema_with = fullname_schema)]
    pub fullname: String,
    #[schema(schema_with = validate::email_schema)]
    pub email: String,
    /// Defaults to true.
    pub active: Option<bool>,
}

/// The fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkerPatch {
    #[schema(schema_with = optional_fullname_schema)]
    pub fullname: Option<String>,
    #[schema(schema_with = validate::optional_email_schema)]
    pub email: Option<String>,
    pub active: Option<bool>,
}

fn fullname(raw: &str) -> Result<String, crate::error::FieldError> {
    validate::name("fullname", raw, FULLNAME_MAX_CHARS)
}

const FULLNAME_DESCRIPTION: &str =
    "1 to 100 characters once leading and trailing whitespace is trimmed; no control characters; unique.";

fn fullname_schema() -> Object {
    validate::string_schema(validate::name_pattern(FULLNAME_MAX_CHARS), FULLNAME_DESCRIPTION, false)
}

fn optional_fullname_schema() -> Object {
    validate::string_schema(validate::name_pattern(FULLNAME_MAX_CHARS), FULLNAME_DESCRIPTION, true)
}

#[utoipa::path(get, path = "/api/v1/workers", tag = "workers", params(PageParams),
    responses((status = 200, body = Page<Worker>), (status = 422, body = Problem)))]
pub async fn list_workers(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<Worker>>, ApiError> {
    let page = PageRequest::try_from(params)?;
    let rows = workers::list(&state.db, page).await?;
    Ok(Json(Page::from_rows(rows, page, |r| r.id, Worker::from)))
}

#[utoipa::path(post, path = "/api/v1/workers", tag = "workers", request_body = NewWorker, security(("bearer" = [])),
    responses((status = 201, body = Worker, headers(("Location" = String))), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_worker(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewWorker>,
) -> Result<Response, ApiError> {
    let (name, email) = match (fullname(&input.fullname), validate::email("email", &input.email)) {
        (Ok(name), Ok(email)) => (name, email),
        (name, email) => return Err(ApiError::Validation(name.err().into_iter().chain(email.err()).collect())),
    };
    let row = workers::insert(&state.db, &name, &email, input.active.unwrap_or(true))
        .await
        .map_err(|e| conflict_on(e, "worker", UNIQUE))?;
    Ok(created(&state, format!("/workers/{}", row.id), Worker::from(row)))
}

#[utoipa::path(get, path = "/api/v1/workers/{id}", tag = "workers", params(Id),
    responses((status = 200, body = Worker), (status = 404, body = Problem)))]
pub async fn get_worker(State(state): State<AppState>, Id(id): Id) -> Result<Json<Worker>, ApiError> {
    let Some(id) = id else { return Err(not_found("worker", id)) };
    let row = workers::find(&state.db, id).await?.ok_or_else(|| not_found("worker", Some(id)))?;
    Ok(Json(row.into()))
}

#[utoipa::path(patch, path = "/api/v1/workers/{id}", tag = "workers", params(Id), request_body = WorkerPatch,
    security(("bearer" = [])),
    responses((status = 200, body = Worker), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_worker(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<WorkerPatch>,
) -> Result<Json<Worker>, ApiError> {
    let mut checks = Checks::default();
    let name = input.fullname.as_deref().and_then(|n| checks.check(fullname(n)));
    let email = input.email.as_deref().and_then(|e| checks.check(validate::email("email", e)));
    checks.finish()?;
    let Some(id) = id else { return Err(not_found("worker", id)) };
    let row = workers::update(&state.db, id, name.as_deref(), email.as_deref(), input.active)
        .await
        .map_err(|e| conflict_on(e, "worker", UNIQUE))?
        .ok_or_else(|| not_found("worker", Some(id)))?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/api/v1/workers/{id}", tag = "workers", params(Id), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_worker(State(state): State<AppState>, Id(id): Id) -> Result<StatusCode, ApiError> {
    match id {
        Some(id) if workers::delete(&state.db, id).await? => Ok(StatusCode::NO_CONTENT),
        _ => Err(not_found("worker", id)),
    }
}

//! `/api/v1/workers`: staff with a unique full name and a unique email.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{ToSchema, openapi::schema::Object};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{conflict_on, created};
use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id, Record},
    pagination::{Page, PageParams, PageRequest},
    validate::{self, Checks, FULLNAME_MAX_CHARS},
};

const UNIQUE: &[&str] = &["fullname", "email"];

mod queries;

use self::queries::WorkerRow;

/// Each path's handlers, with the spec taken from their annotations.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_workers, create_worker)).routes(routes!(
        get_worker,
        update_worker,
        delete_worker
    ))
}

impl Record for Worker {
    const NAME: &'static str = "worker";
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

#[utoipa::path(get, path = "/workers", tag = "workers", params(PageParams),
    responses((status = 200, body = Page<Worker>), (status = 422, body = Problem)))]
pub async fn list_workers(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<Worker>>, ApiError> {
    let page = PageRequest::try_from(params)?;
    let rows = queries::list(&state.db, page).await?;
    Ok(Json(Page::from_rows(rows, page, |r| r.id, Worker::from)))
}

#[utoipa::path(post, path = "/workers", tag = "workers", request_body = NewWorker, security(("bearer" = [])),
    responses((status = 201, body = Worker, headers(("Location" = String))), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_worker(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewWorker>,
) -> Result<Response, ApiError> {
    let (name, email) = match (fullname(&input.fullname), validate::email("email", &input.email)) {
        (Ok(name), Ok(email)) => (name, email),
        (name, email) => return Err(ApiError::Validation(name.err().into_iter().chain(email.err()).collect())),
    };
    let row = queries::insert(&state.db, &name, &email, input.active.unwrap_or(true))
        .await
        .map_err(|e| conflict_on(e, "worker", UNIQUE))?;
    Ok(created(&state, format!("/workers/{}", row.id), Worker::from(row)))
}

#[utoipa::path(get, path = "/workers/{id}", tag = "workers", params(Id<Worker>),
    responses((status = 200, body = Worker), (status = 404, body = Problem)))]
pub async fn get_worker(State(state): State<AppState>, id: Id<Worker>) -> Result<Json<Worker>, ApiError> {
    let row = queries::find(&state.db, id.0).await?.ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(patch, path = "/workers/{id}", tag = "workers", params(Id<Worker>), request_body = WorkerPatch,
    security(("bearer" = [])),
    responses((status = 200, body = Worker), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_worker(
    State(state): State<AppState>,
    id: Id<Worker>,
    ApiJson(input): ApiJson<WorkerPatch>,
) -> Result<Json<Worker>, ApiError> {
    let mut checks = Checks::default();
    let name = input.fullname.as_deref().and_then(|n| checks.check(fullname(n)));
    let email = input.email.as_deref().and_then(|e| checks.check(validate::email("email", e)));
    checks.finish()?;
    let row = queries::update(&state.db, id.0, name.as_deref(), email.as_deref(), input.active)
        .await
        .map_err(|e| conflict_on(e, "worker", UNIQUE))?
        .ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/workers/{id}", tag = "workers", params(Id<Worker>), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_worker(State(state): State<AppState>, id: Id<Worker>) -> Result<StatusCode, ApiError> {
    if queries::delete(&state.db, id.0).await? { Ok(StatusCode::NO_CONTENT) } else { Err(id.not_found()) }
}

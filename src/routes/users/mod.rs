//! `/api/v1/users`: accounts identified by a unique, case-insensitive email.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{conflict_on, created};
use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id, Record},
    pagination::{Page, PageParams, PageRequest},
    validate::{self, Checks},
};

const UNIQUE: &[&str] = &["email"];

mod queries;

use self::queries::UserRow;

/// Each path's handlers, with the spec taken from their annotations.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_users, create_user)).routes(routes!(get_user, update_user, delete_user))
}

impl Record for User {
    const NAME: &'static str = "user";
}

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self { id: row.id, email: row.email, active: row.active, created_at: row.created_at }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(schema_with = validate::email_schema)]
    pub email: String,
    /// Defaults to true.
    pub active: Option<bool>,
}

/// The fields to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    #[schema(schema_with = validate::optional_email_schema)]
    pub email: Option<String>,
    pub active: Option<bool>,
}

#[utoipa::path(get, path = "/users", tag = "users", params(PageParams),
    responses((status = 200, body = Page<User>), (status = 422, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<User>>, ApiError> {
    let page = PageRequest::try_from(params)?;
    let rows = queries::list(&state.db, page).await?;
    Ok(Json(Page::from_rows(rows, page, |r| r.id, User::from)))
}

#[utoipa::path(post, path = "/users", tag = "users", request_body = NewUser, security(("bearer" = [])),
    responses((status = 201, body = User, headers(("Location" = String))), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<Response, ApiError> {
    let email = validate::email("email", &input.email).map_err(|e| ApiError::Validation(vec![e]))?;
    let row = queries::insert(&state.db, &email, input.active.unwrap_or(true))
        .await
        .map_err(|e| conflict_on(e, "user", UNIQUE))?;
    Ok(created(&state, format!("/users/{}", row.id), User::from(row)))
}

#[utoipa::path(get, path = "/users/{id}", tag = "users", params(Id<User>),
    responses((status = 200, body = User), (status = 404, body = Problem)))]
pub async fn get_user(State(state): State<AppState>, id: Id<User>) -> Result<Json<User>, ApiError> {
    let row = queries::find(&state.db, id.0).await?.ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(patch, path = "/users/{id}", tag = "users", params(Id<User>), request_body = UserPatch,
    security(("bearer" = [])),
    responses((status = 200, body = User), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    id: Id<User>,
    ApiJson(input): ApiJson<UserPatch>,
) -> Result<Json<User>, ApiError> {
    let mut checks = Checks::default();
    let email = input.email.as_deref().and_then(|e| checks.check(validate::email("email", e)));
    checks.finish()?;
    let row = queries::update(&state.db, id.0, email.as_deref(), input.active)
        .await
        .map_err(|e| conflict_on(e, "user", UNIQUE))?
        .ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/users/{id}", tag = "users", params(Id<User>), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_user(State(state): State<AppState>, id: Id<User>) -> Result<StatusCode, ApiError> {
    if queries::delete(&state.db, id.0).await? { Ok(StatusCode::NO_CONTENT) } else { Err(id.not_found()) }
}

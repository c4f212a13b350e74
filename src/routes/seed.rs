//! The seed apps' own routes (`SEED_ROUTES=true`), so their clients keep working while they
//! move: thin adapters over the same handlers and storage, in the shapes the seed apps answer
//! (see docs/MIGRATING.md). Off by default, and in the OpenAPI document only when on.

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    files::{self, NameParam, PartNames},
    tweets::{self, NewTweet, Tweet},
};
use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id},
    pagination::{MAX_LIMIT, PageParams},
};

/// The most rows or names a bare array holds: the seed apps had no paging; beyond this, the
/// paged `/api/v1` routes are the way (413 says so).
pub const MAX_ARRAY_ITEMS: usize = 10_000;

/// Routes that read or write the database.
pub fn records() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_tweets_array, create_tweet))
        .routes(routes!(get_tweet, update_tweet, delete_tweet))
        .routes(routes!(db_test))
}

/// Routes that read or write files.
pub fn files() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(upload_to_path, download_upload))
        .routes(routes!(files_json))
        .routes(routes!(upload_page, upload_form))
        .routes(routes!(media))
}

/// twitter-api: every tweet, newest first, as a bare array.
#[utoipa::path(get, path = "/tweets", tag = "seed apps",
    responses((status = 200, body = Vec<Tweet>), (status = 413, body = Problem)))]
pub async fn list_tweets_array(State(state): State<AppState>) -> Result<Json<Vec<Tweet>>, ApiError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let params = PageParams { limit: Some(MAX_LIMIT), cursor: cursor.take() };
        let Json(page) = tweets::list_tweets(State(state.clone()), ApiQuery(params)).await?;
        all.extend(page.items);
        if all.len() > MAX_ARRAY_ITEMS {
            return Err(too_many("/api/v1/tweets"));
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(Json(all)),
        }
    }
}

fn too_many(paged: &str) -> ApiError {
    ApiError::PayloadTooLarge(format!("more than {MAX_ARRAY_ITEMS} items: page through {paged} instead"))
}

/// twitter-api: 201 and the tweet.
#[utoipa::path(post, path = "/tweets", tag = "seed apps", request_body = NewTweet, security(("bearer" = [])),
    responses((status = 201, body = Tweet), (status = 422, body = Problem)))]
pub async fn create_tweet(state: State<AppState>, input: ApiJson<NewTweet>) -> Result<Response, ApiError> {
    tweets::create_tweet(state, input).await
}

#[utoipa::path(get, path = "/tweets/{id}", tag = "seed apps", params(Id<Tweet>),
    responses((status = 200, body = Tweet), (status = 404, body = Problem)))]
pub async fn get_tweet(state: State<AppState>, id: Id<Tweet>) -> Result<Json<Tweet>, ApiError> {
    tweets::get_tweet(state, id).await
}

#[utoipa::path(patch, path = "/tweets/{id}", tag = "seed apps", params(Id<Tweet>), request_body = NewTweet,
    security(("bearer" = [])), responses((status = 200, body = Tweet), (status = 404, body = Problem)))]
pub async fn update_tweet(
    state: State<AppState>,
    id: Id<Tweet>,
    input: ApiJson<NewTweet>,
) -> Result<Json<Tweet>, ApiError> {
    tweets::update_tweet(state, id, input).await
}

#[utoipa::path(delete, path = "/tweets/{id}", tag = "seed apps", params(Id<Tweet>), security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_tweet(state: State<AppState>, id: Id<Tweet>) -> Result<StatusCode, ApiError> {
    tweets::delete_tweet(state, id).await
}

/// security-analytics: its users list is `/users` here.
#[utoipa::path(get, path = "/db_test", tag = "seed apps", responses((status = 308, description = "to /users")))]
pub async fn db_test(State(state): State<AppState>) -> Redirect {
    Redirect::permanent(&format!("{}/users", state.config.base_path))
}

/// security-analytics: stores the form's `the_file` part under the URL's name (folders
/// allowed), its type from the part or the name; 204 and no body.
#[utoipa::path(post, path = "/uploads/{*name}", tag = "seed apps", params(NameParam), security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "one part named `the_file`"),
    responses((status = 204), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_to_path(
    State(state): State<AppState>,
    NameParam(name): NameParam,
    request: Request,
) -> Result<StatusCode, ApiError> {
    files::store_form(&state, request, "the_file", PartNames::Fixed(name)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// security-analytics: the stored file, as `GET /api/v1/files/{name}` serves it.
#[utoipa::path(get, path = "/uploads/{*name}", tag = "seed apps", params(NameParam),
    responses((status = 200, description = "the file"), (status = 404, body = Problem)))]
pub async fn download_upload(
    state: State<AppState>,
    name: NameParam,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    files::download_file(state, name, headers).await
}

/// One entry of `/files.json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeedFile {
    pub filename: String,
}

/// security-analytics: every stored file's name, as a bare array.
#[utoipa::path(get, path = "/files.json", tag = "seed apps",
    responses((status = 200, body = Vec<SeedFile>), (status = 413, body = Problem)))]
pub async fn files_json(State(state): State<AppState>) -> Result<Json<Vec<SeedFile>>, ApiError> {
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = state.storage.list("", after.as_deref(), 1000).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.name.clone());
        all.extend(page.into_iter().map(|m| SeedFile { filename: m.name }));
        if all.len() > MAX_ARRAY_ITEMS {
            return Err(too_many("/api/v1/files"));
        }
    }
    Ok(Json(all))
}

/// flask-on-docker: its upload form is the `/files` page here.
#[utoipa::path(get, path = "/upload", tag = "seed apps", responses((status = 303, description = "to /files")))]
pub async fn upload_page(State(state): State<AppState>) -> Redirect {
    Redirect::to(&format!("{}/files", state.config.base_path))
}

/// flask-on-docker: stores the form's `file` parts under their own names, then shows the
/// files page.
#[utoipa::path(post, path = "/upload", tag = "seed apps", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "parts named `file`"),
    responses((status = 303, description = "stored; to /files"), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload_form(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    files::store_form(&state, request, "file", PartNames::FromClient).await?;
    Ok(Redirect::to(&format!("{}/files", state.config.base_path)).into_response())
}

/// flask-on-docker: a stored file from its media folder.
#[utoipa::path(get, path = "/media/{*name}", tag = "seed apps", params(NameParam),
    responses((status = 200, description = "the file"), (status = 404, body = Problem)))]
pub async fn media(state: State<AppState>, name: NameParam, headers: HeaderMap) -> Result<Response, ApiError> {
    files::download_file(state, name, headers).await
}

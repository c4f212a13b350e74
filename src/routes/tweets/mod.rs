//! `/api/v1/tweets`: short texts, newest first.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{ToSchema, openapi::schema::Object};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::created;
use crate::{
    AppState,
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id, Record},
    pagination::{Page, PageParams, PageRequest},
    validate::{self, TWEET_MAX_CHARS},
};

mod queries;

use self::queries::TweetRow;

/// Each path's handlers, with the spec taken from their annotations.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_tweets, create_tweet)).routes(routes!(
        get_tweet,
        update_tweet,
        delete_tweet
    ))
}

impl Record for Tweet {
    const NAME: &'static str = "tweet";
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Tweet {
    pub id: i64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TweetRow> for Tweet {
    fn from(row: TweetRow) -> Self {
        Self { id: row.id, text: row.text, created_at: row.created_at, updated_at: row.updated_at }
    }
}

/// A new tweet, or a tweet's new text: trimmed, 1 to 280 characters.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTweet {
    #[schema(schema_with = text_schema)]
    pub text: String,
}

fn text_schema() -> Object {
    let description = "1 to 280 characters (not bytes) once leading and trailing whitespace is trimmed; no NUL.";
    validate::string_schema(validate::text_pattern(TWEET_MAX_CHARS), description, false)
}

impl NewTweet {
    fn validated_text(&self) -> Result<String, ApiError> {
        validate::text("text", &self.text, TWEET_MAX_CHARS).map_err(|e| ApiError::Validation(vec![e]))
    }
}

#[utoipa::path(get, path = "/tweets", tag = "tweets", params(PageParams),
    responses((status = 200, body = Page<Tweet>), (status = 422, body = Problem)))]
pub async fn list_tweets(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<Tweet>>, ApiError> {
    let page = PageRequest::try_from(params)?;
    let rows = queries::list(&state.db, page).await?;
    Ok(Json(Page::from_rows(rows, page, |r| r.id, Tweet::from)))
}

#[utoipa::path(post, path = "/tweets", tag = "tweets", request_body = NewTweet,
    security(("bearer" = [])),
    responses((status = 201, body = Tweet, headers(("Location" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_tweet(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewTweet>,
) -> Result<Response, ApiError> {
    let text = input.validated_text()?;
    let row = queries::insert(&state.db, &text).await?;
    Ok(created(&state, format!("/tweets/{}", row.id), Tweet::from(row)))
}

#[utoipa::path(get, path = "/tweets/{id}", tag = "tweets", params(Id<Tweet>),
    responses((status = 200, body = Tweet), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_tweet(State(state): State<AppState>, id: Id<Tweet>) -> Result<Json<Tweet>, ApiError> {
    let row = queries::find(&state.db, id.0).await?.ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(patch, path = "/tweets/{id}", tag = "tweets", params(Id<Tweet>), request_body = NewTweet,
    security(("bearer" = [])),
    responses((status = 200, body = Tweet), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_tweet(
    State(state): State<AppState>,
    id: Id<Tweet>,
    ApiJson(input): ApiJson<NewTweet>,
) -> Result<Json<Tweet>, ApiError> {
    let text = input.validated_text()?;
    let row = queries::update_text(&state.db, id.0, &text).await?.ok_or_else(|| id.not_found())?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/tweets/{id}", tag = "tweets", params(Id<Tweet>),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_tweet(State(state): State<AppState>, id: Id<Tweet>) -> Result<StatusCode, ApiError> {
    if queries::delete(&state.db, id.0).await? { Ok(StatusCode::NO_CONTENT) } else { Err(id.not_found()) }
}

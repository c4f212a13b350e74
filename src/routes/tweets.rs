//! `/api/v1/tweets`: short texts, newest first.

use axum::{Json, Router, extract::State, http::StatusCode, response::Response, routing::get};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{ToSchema, openapi::schema::Object};

use super::{created, not_found};
use crate::{
    AppState,
    db::{
        pagination::{Page, PageParams, PageRequest},
        tweets::{self, TweetRow},
    },
    error::{ApiError, Problem},
    extract::{ApiJson, ApiQuery, Id},
    validate::{self, TWEET_MAX_CHARS},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tweets", get(list_tweets).post(create_tweet))
        .route("/tweets/{id}", get(get_tweet).patch(update_tweet).delete(delete_tweet))
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

#[utoipa::path(get, path = "/api/v1/tweets", tag = "tweets", params(PageParams),
    responses((status = 200, body = Page<Tweet>), (status = 422, body = Problem)))]
pub async fn list_tweets(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<Page<Tweet>>, ApiError> {
    let page = PageRequest::try_from(params)?;
    let rows = tweets::list(&state.db, page).await?;
    Ok(Json(Page::from_rows(rows, page, |r| r.id, Tweet::from)))
}

#[utoipa::path(post, path = "/api/v1/tweets", tag = "tweets", request_body = NewTweet,
    security(("bearer" = [])),
    responses((status = 201, body = Tweet, headers(("Location" = String))), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn create_tweet(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<NewTweet>,
) -> Result<Response, ApiError> {
    let text = input.validated_text()?;
    let row = tweets::insert(&state.db, &text).await?;
    Ok(created(&state, format!("/tweets/{}", row.id), Tweet::from(row)))
}

#[utoipa::path(get, path = "/api/v1/tweets/{id}", tag = "tweets", params(Id),
    responses((status = 200, body = Tweet), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_tweet(State(state): State<AppState>, Id(id): Id) -> Result<Json<Tweet>, ApiError> {
    let Some(id) = id else { return Err(not_found("tweet", id)) };
    let row = tweets::find(&state.db, id).await?.ok_or_else(|| not_found("tweet", Some(id)))?;
    Ok(Json(row.into()))
}

#[utoipa::path(patch, path = "/api/v1/tweets/{id}", tag = "tweets", params(Id), request_body = NewTweet,
    security(("bearer" = [])),
    responses((status = 200, body = Tweet), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_tweet(
    State(state): State<AppState>,
    Id(id): Id,
    ApiJson(input): ApiJson<NewTweet>,
) -> Result<Json<Tweet>, ApiError> {
    let text = input.validated_text()?;
    let Some(id) = id else { return Err(not_found("tweet", id)) };
    let row = tweets::update_text(&state.db, id, &text).await?.ok_or_else(|| not_found("tweet", Some(id)))?;
    Ok(Json(row.into()))
}

#[utoipa::path(delete, path = "/api/v1/tweets/{id}", tag = "tweets", params(Id),
    security(("bearer" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_tweet(State(state): State<AppState>, Id(id): Id) -> Result<StatusCode, ApiError> {
    match id {
        Some(id) if tweets::delete(&state.db, id).await? => Ok(StatusCode::NO_CONTENT),
        _ => Err(not_found("tweet", id)),
    }
}

//! The benchmark's "bare axum" target (`scripts/bench`): the tweets read and create
//! endpoints as plain axum handlers over one sqlx pool (PostgreSQL or SQLite, chosen by
//! `DATABASE_URL` as anyport chooses), with the same SQL, the same JSON, the same pool size
//! and, on SQLite, the same connection options as anyport, and no middleware at all (no
//! request id, logging, auth, timeouts, readiness gate or problem+json mapping). It is the
//! practical upper bound for anyport's layering, not a server anyone should deploy.
//!
//!   DATABASE_URL=postgres://… PORT=8081 cargo run --release --example bare_axum
//!   DATABASE_URL=sqlite://bench.db PORT=8081 cargo run --release --example bare_axum

use std::time::Duration;

use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    routing::get,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::{
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions},
};

#[derive(Clone)]
enum Pool {
    Postgres(PgPool),
    Sqlite(SqlitePool),
}

/// The same query code on either pool, as anyport's `db::on_pool!`.
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Postgres($p) => $body,
            Pool::Sqlite($p) => $body,
        }
    };
}

#[derive(Serialize, sqlx::FromRow)]
struct Tweet {
    id: i64,
    text: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Serialize)]
struct Page {
    items: Vec<Tweet>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct NewTweet {
    text: String,
}

#[derive(Deserialize)]
struct PageParams {
    limit: Option<i64>,
}

type Failure = (StatusCode, &'static str);

fn internal(_: sqlx::Error) -> Failure {
    (StatusCode::SERVICE_UNAVAILABLE, "database error")
}

async fn get_tweet(State(pool): State<Pool>, Path(id): Path<i64>) -> Result<Json<Tweet>, Failure> {
    on_pool!(&pool, pool => {
        sqlx::query_as::<_, Tweet>("SELECT id, text, created_at, updated_at FROM tweets WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
    .map_err(internal)?
    .map(Json)
    .ok_or((StatusCode::NOT_FOUND, "not found"))
}

async fn list_tweets(State(pool): State<Pool>, Query(params): Query<PageParams>) -> Result<Json<Page>, Failure> {
    let limit = params.limit.unwrap_or(20).clamp(1, 100);
    let mut items = on_pool!(&pool, pool => {
        sqlx::query_as::<_, Tweet>(
            "SELECT id, text, created_at, updated_at FROM tweets WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(i64::MAX)
        .bind(limit + 1)
        .fetch_all(pool)
        .await
    })
    .map_err(internal)?;
    let next_cursor = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(|t| URL_SAFE_NO_PAD.encode(format!("id:{}", t.id)))
    } else {
        None
    };
    Ok(Json(Page { items, next_cursor }))
}

async fn create_tweet(
    State(pool): State<Pool>,
    Json(input): Json<NewTweet>,
) -> Result<(StatusCode, Json<Tweet>), Failure> {
    let text = input.text.trim();
    if text.is_empty() || text.chars().count() > 280 {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, "text must be 1 to 280 characters"));
    }
    let now = Utc::now();
    let tweet = on_pool!(&pool, pool => {
        sqlx::query_as::<_, Tweet>(
            "INSERT INTO tweets (text, created_at, updated_at) VALUES ($1, $2, $2) \
             RETURNING id, text, created_at, updated_at",
        )
        .bind(text)
        .bind(now)
        .fetch_one(pool)
        .await
    })
    .map_err(internal)?;
    Ok((StatusCode::CREATED, Json(tweet)))
}

fn pool(url: &str, max_connections: u32) -> anyhow::Result<Pool> {
    if url.starts_with("sqlite:") {
        // anyport's SQLite options (`db::Db::connect_lazy`).
        let options = url
            .parse::<SqliteConnectOptions>()?
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        Ok(Pool::Sqlite(SqlitePoolOptions::new().max_connections(max_connections).connect_lazy_with(options)))
    } else {
        Ok(Pool::Postgres(PgPoolOptions::new().max_connections(max_connections).connect_lazy(url)?))
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let url = std::env::var("DATABASE_URL")?;
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(8081);
    let max_connections = std::env::var("DATABASE_MAX_CONNECTIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(10);
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/v1/tweets", get(list_tweets).post(create_tweet))
        .route("/api/v1/tweets/{id}", get(get_tweet))
        .with_state(pool(&url, max_connections)?);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

//! Queries on the `tweets` table.

use chrono::{DateTime, Utc};

use crate::{
    db::{Db, on_pool},
    pagination::PageRequest,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TweetRow {
    pub id: i64,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(db: &Db, text: &str) -> Result<TweetRow, sqlx::Error> {
    let now = Utc::now();
    on_pool!(db, pool => {
        sqlx::query_as::<_, TweetRow>(
            "INSERT INTO tweets (text, created_at, updated_at) VALUES ($1, $2, $2) \
             RETURNING id, text, created_at, updated_at",
        )
        .bind(text)
        .bind(now)
        .fetch_one(pool)
        .await
    })
}

pub async fn find(db: &Db, id: i64) -> Result<Option<TweetRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, TweetRow>("SELECT id, text, created_at, updated_at FROM tweets WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
}

pub async fn list(db: &Db, page: PageRequest) -> Result<Vec<TweetRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, TweetRow>(
            "SELECT id, text, created_at, updated_at FROM tweets WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(page.before)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await
    })
}

pub async fn update_text(db: &Db, id: i64, text: &str) -> Result<Option<TweetRow>, sqlx::Error> {
    let now = Utc::now();
    on_pool!(db, pool => {
        sqlx::query_as::<_, TweetRow>(
            "UPDATE tweets SET text = $1, updated_at = $2 WHERE id = $3 \
             RETURNING id, text, created_at, updated_at",
        )
        .bind(text)
        .bind(now)
        .bind(id)
        .fetch_optional(pool)
        .await
    })
}

/// Whether a row was deleted.
pub async fn delete(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM tweets WHERE id = $1").bind(id).execute(pool).await.map(|r| r.rows_affected() > 0)
    })
}

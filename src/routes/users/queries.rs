//! Queries on the `users` table.

use chrono::{DateTime, Utc};

use crate::{
    db::{Db, on_pool},
    pagination::PageRequest,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(db: &Db, email: &str, active: bool) -> Result<UserRow, sqlx::Error> {
    let now = Utc::now();
    on_pool!(db, pool => {
        sqlx::query_as::<_, UserRow>(
            "INSERT INTO users (email, active, created_at) VALUES ($1, $2, $3) \
             RETURNING id, email, active, created_at",
        )
        .bind(email)
        .bind(active)
        .bind(now)
        .fetch_one(pool)
        .await
    })
}

pub async fn find(db: &Db, id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, UserRow>("SELECT id, email, active, created_at FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
}

pub async fn list(db: &Db, page: PageRequest) -> Result<Vec<UserRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, UserRow>(
            "SELECT id, email, active, created_at FROM users WHERE id < $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(page.before)
        .bind(page.fetch_limit())
        .fetch_all(pool)
        .await
    })
}

/// Changes the given fields and leaves the others (`None`) as they are.
pub async fn update(
    db: &Db,
    id: i64,
    email: Option<&str>,
    active: Option<bool>,
) -> Result<Option<UserRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, UserRow>(
            "UPDATE users SET email = COALESCE($1, email), active = COALESCE($2, active) WHERE id = $3 \
             RETURNING id, email, active, created_at",
        )
        .bind(email)
        .bind(active)
        .bind(id)
        .fetch_optional(pool)
        .await
    })
}

/// Whether a row was deleted.
pub async fn delete(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query("DELETE FROM users WHERE id = $1").bind(id).execute(pool).await.map(|r| r.rows_affected() > 0)
    })
}

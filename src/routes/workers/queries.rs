//! Queries on the `workers` table.

use chrono::{DateTime, Utc};

use crate::{
    db::{Db, on_pool},
    pagination::PageRequest,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkerRow {
    pub id: i64,
    pub fullname: String,
    pub email: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(db: &Db, fullname: &str, email: &str, active: bool) -> Result<WorkerRow, sqlx::Error> {
    let now = Utc::now();
    on_pool!(db, pool => {
        sqlx::query_as::<_, WorkerRow>(
            "INSERT INTO workers (fullname, email, active, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id, fullname, email, active, created_at",
        )
        .bind(fullname)
        .bind(email)
        .bind(active)
        .bind(now)
        .fetch_one(pool)
        .await
    })
}

pub async fn find(db: &Db, id: i64) -> Result<Option<WorkerRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, WorkerRow>("SELECT id, fullname, email, active, created_at FROM workers WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
    })
}

pub async fn list(db: &Db, page: PageRequest) -> Result<Vec<WorkerRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, WorkerRow>(
            "SELECT id, fullname, email, active, created_at FROM workers WHERE id < $1 ORDER BY id DESC LIMIT $2",
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
    fullname: Option<&str>,
    email: Option<&str>,
    active: Option<bool>,
) -> Result<Option<WorkerRow>, sqlx::Error> {
    on_pool!(db, pool => {
        sqlx::query_as::<_, WorkerRow>(
            "UPDATE workers SET fullname = COALESCE($1, fullname), email = COALESCE($2, email), \
             active = COALESCE($3, active) WHERE id = $4 \
             RETURNING id, fullname, email, active, created_at",
        )
        .bind(fullname)
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
        sqlx::query("DELETE FROM workers WHERE id = $1").bind(id).execute(pool).await.map(|r| r.rows_affected() > 0)
    })
}

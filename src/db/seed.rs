//! Demo data for `anyport seed`; inserting it twice changes nothing.

use chrono::Utc;

use super::{Db, on_pool};

const USERS: &[&str] = &["ada@example.com", "grace@example.com", "linus@example.com"];
const WORKERS: &[(&str, &str)] = &[("Ada Lovelace", "ada@example.com"), ("Grace Hopper", "grace@example.com")];
const TWEETS: &[&str] = &["Hello from anyport!", "Same routes on a container, Lambda and Shuttle."];

/// Inserts the rows that are missing; returns how many were added.
pub async fn seed(db: &Db) -> Result<u64, sqlx::Error> {
    let now = Utc::now();
    let mut added = 0;
    for email in USERS {
        added += on_pool!(db, pool => {
            sqlx::query("INSERT INTO users (email, active, created_at) VALUES ($1, TRUE, $2) ON CONFLICT DO NOTHING")
                .bind(email)
                .bind(now)
                .execute(pool)
                .await?
                .rows_affected()
        });
    }
    for (fullname, email) in WORKERS {
        added += on_pool!(db, pool => {
            sqlx::query(
                "INSERT INTO workers (fullname, email, active, created_at) VALUES ($1, $2, TRUE, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(fullname)
            .bind(email)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
    }
    for text in TWEETS {
        added += on_pool!(db, pool => {
            sqlx::query(
                "INSERT INTO tweets (text, created_at, updated_at) SELECT $1, $2, $2 \
                 WHERE NOT EXISTS (SELECT 1 FROM tweets WHERE text = $1)",
            )
            .bind(text)
            .bind(now)
            .execute(pool)
            .await?
            .rows_affected()
        });
    }
    Ok(added)
}

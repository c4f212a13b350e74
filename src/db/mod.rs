//! The database layer: one pool on PostgreSQL or SQLite, chosen by `DATABASE_URL`, with
//! the same queries on both (see `on_pool!`) and migrations per backend.

pub mod seed;

use std::time::Duration;

use anyhow::Context;

use crate::config::{DatabaseConfig, DatabaseKind};

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("anyport needs at least one database backend: enable the `postgres` or `sqlite` feature");

#[cfg(feature = "postgres")]
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");
#[cfg(feature = "sqlite")]
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// A connection pool. Cloning is cheap (the pools are reference counted).
#[derive(Clone, Debug)]
pub enum Db {
    #[cfg(feature = "postgres")]
    Postgres(sqlx::PgPool),
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::SqlitePool),
}

/// Runs the same query code on whichever pool this is. The body is compiled once per
/// backend, so each gets its own typed driver with no `Any` layer in between.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            #[cfg(feature = "postgres")]
            $crate::db::Db::Postgres($pool) => $body,
            #[cfg(feature = "sqlite")]
            $crate::db::Db::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

impl Db {
    /// Creates the pool without connecting: the server binds and answers liveness checks
    /// while the database is still down, and connects on first use.
    pub fn connect_lazy(config: &DatabaseConfig) -> anyhow::Result<Self> {
        let url = config.url.expose();
        match config.kind {
            #[cfg(feature = "postgres")]
            DatabaseKind::Postgres => {
                let options: sqlx::postgres::PgConnectOptions =
                    url.parse().context("DATABASE_URL is not a valid PostgreSQL URL")?;
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(config.max_connections)
                    .min_connections(0)
                    .acquire_timeout(config.acquire_timeout)
                    .idle_timeout(Duration::from_secs(300))
                    .connect_lazy_with(options);
                Ok(Self::Postgres(pool))
            }
            #[cfg(feature = "sqlite")]
            DatabaseKind::Sqlite => {
                use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
                let options: SqliteConnectOptions = url.parse().context("DATABASE_URL is not a valid SQLite URL")?;
                let options = options
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true);
                create_parent_dir(options.get_filename())?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(config.max_connections)
                    .acquire_timeout(config.acquire_timeout)
                    .connect_lazy_with(options);
                Ok(Self::Sqlite(pool))
            }
            #[allow(unreachable_patterns)]
            kind => anyhow::bail!("this binary was built without the {kind:?} database backend"),
        }
    }

    pub fn kind(&self) -> DatabaseKind {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => DatabaseKind::Postgres,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => DatabaseKind::Sqlite,
        }
    }

    /// Applies the embedded migrations for this backend; safe to run repeatedly.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        on_pool!(self, pool => self.migrations().run(pool).await)?;
        Ok(())
    }

    /// The migrations embedded for this backend.
    fn migrations(&self) -> &'static sqlx::migrate::Migrator {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => &POSTGRES_MIGRATIONS,
            #[cfg(feature = "sqlite")]
            Self::Sqlite(_) => &SQLITE_MIGRATIONS,
        }
    }

    /// Whether every embedded migration has been applied: the outer error is the database's
    /// (unreachable), the inner one says what is missing. A database that answers but has no
    /// schema is not ready: every API route would answer 503.
    pub async fn schema_status(&self) -> Result<Result<(), String>, sqlx::Error> {
        let needed = self.migrations().iter().map(|m| m.version).max().unwrap_or_default();
        let applied: Result<Option<i64>, sqlx::Error> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await
        });
        match applied {
            Ok(Some(version)) if version >= needed => Ok(Ok(())),
            Ok(version) => Ok(Err(format!(
                "schema at migration {}, this binary needs {needed}: run `anyport migrate`",
                version.unwrap_or_default()
            ))),
            Err(sqlx::Error::Database(e)) if crate::error::is_missing_schema(e.code().as_deref(), e.message()) => {
                Ok(Err("no schema: run `anyport migrate`".into()))
            }
            Err(e) => Err(e),
        }
    }

    /// Drops every table of the current schema (ours and the migrations' bookkeeping), for
    /// `anyport reset`; `migrate` then recreates them. Returns the tables dropped.
    pub async fn drop_all_tables(&self) -> Result<Vec<String>, sqlx::Error> {
        match self {
            #[cfg(feature = "postgres")]
            Self::Postgres(pool) => {
                let tables: Vec<String> =
                    sqlx::query_scalar("SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()")
                        .fetch_all(pool)
                        .await?;
                for table in &tables {
                    let drop = format!("DROP TABLE IF EXISTS \"{}\" CASCADE", table.replace('"', "\"\""));
                    sqlx::query(sqlx::AssertSqlSafe(drop)).execute(pool).await?;
                }
                Ok(tables)
            }
            #[cfg(feature = "sqlite")]
            Self::Sqlite(pool) => {
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(pool)
                .await?;
                let mut conn = pool.acquire().await?;
                sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut *conn).await?;
                for table in &tables {
                    let drop = format!("DROP TABLE IF EXISTS \"{}\"", table.replace('"', "\"\""));
                    sqlx::query(sqlx::AssertSqlSafe(drop)).execute(&mut *conn).await?;
                }
                sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                Ok(tables)
            }
        }
    }

    /// A round trip to the database, for readiness.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

#[cfg(feature = "sqlite")]
fn create_parent_dir(file: &std::path::Path) -> anyhow::Result<()> {
    let is_memory = file.as_os_str() == ":memory:" || file.as_os_str().is_empty();
    match file.parent() {
        Some(dir) if !is_memory && !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the SQLite directory {}", dir.display())),
        _ => Ok(()),
    }
}

/// The column a unique violation is about, as far as the database says: Postgres names
/// the constraint (`users_email_key`), SQLite the column (`users.email`).
pub fn unique_violation_field<'a>(err: &sqlx::Error, fields: &[&'a str]) -> Option<&'a str> {
    let sqlx::Error::Database(db) = err else { return None };
    if !db.is_unique_violation() {
        return None;
    }
    let text = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
    fields.iter().copied().find(|f| text.contains(&format!("_{f}_")) || text.contains(&format!(".{f}")))
}

//! anyport: one router for tweets, users and workers, served by several runtimes.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod error;
pub mod extract;
pub mod files_copy;
pub mod http;
pub mod jobs;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod openapi;
pub mod pagination;
pub mod replicas;
pub mod routes;
pub mod runtime;
pub mod secret;
pub mod serve;
pub mod storage;
pub mod telemetry;
pub mod validate;

use std::sync::{Arc, atomic::AtomicBool};

pub use app::router;

use crate::{config::Config, db::Db, runtime::FilePolicy, storage::Storage};

/// What every handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub storage: Storage,
    /// What file routes may do on this runtime (limits, redirects), decided once.
    pub files: FilePolicy,
    /// False only while `MIGRATE_ON_START` is still applying migrations.
    pub schema_ready: Arc<AtomicBool>,
}

impl AppState {
    /// Builds the state without connecting: the database pool and the storage clients
    /// connect on first use.
    pub async fn new(config: Config, schema_ready: bool) -> anyhow::Result<Self> {
        let db = Db::connect_lazy(&config.database)?;
        let storage = config.storage.open().await?;
        let files = config.runtime.file_policy(config.max_upload_bytes, config.storage.redirect_downloads());
        Ok(Self { config: Arc::new(config), db, storage, files, schema_ready: Arc::new(AtomicBool::new(schema_ready)) })
    }
}

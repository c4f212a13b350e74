//! The CLI's commands other than `serve`.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    AppState,
    config::Config,
    jobs::Job,
    routes::health::{CheckStatus, check_all},
};

pub async fn migrate(state: &AppState) -> anyhow::Result<()> {
    state.db.migrate().await.context("migrations failed")?;
    println!("migrations applied ({:?})", state.db.kind());
    if let Some(done) = prepare_storage(state).await? {
        println!("{done}");
    }
    Ok(())
}

/// The storage half of `migrate`: what the backend's settings allow it to create (a bucket).
async fn prepare_storage(state: &AppState) -> anyhow::Result<Option<String>> {
    let storage = state.storage.name();
    state.storage.prepare().await.with_context(|| format!("preparing {storage} storage"))
}

pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let added = crate::db::seed::seed(&state.db).await.context("seeding failed (has `anyport migrate` run?)")?;
    println!("seed: {added} rows added");
    Ok(())
}

pub struct ResetOptions {
    pub yes: bool,
    pub files: bool,
    pub force_production: bool,
}

/// `anyport reset`: drops every table, migrates again, and with `--files` deletes every stored
/// file. Refuses without `--yes`, and in production without `--force-production`.
pub async fn reset(state: &AppState, options: ResetOptions) -> anyhow::Result<()> {
    let target = crate::secret::redact_url(state.config.database.url.expose());
    if state.config.app_env == crate::config::AppEnv::Production && !options.force_production {
        bail!("refusing to reset {target}: APP_ENV=production (add --force-production if you really mean it)");
    }
    if !options.yes {
        let files =
            if options.files { format!(" and every file in {} storage", state.storage.name()) } else { String::new() };
        bail!("this drops every table in {target}{files}; run again with --yes to do it");
    }
    let dropped = state.db.drop_all_tables().await.context("dropping the tables")?;
    state.db.migrate().await.context("migrations failed after dropping the tables")?;
    println!("reset: dropped {} tables ({}), migrations applied", dropped.len(), dropped.join(", "));
    if options.files {
        let deleted = delete_all_files(state.storage.as_ref()).await?;
        println!("reset: deleted {deleted} files from {} storage", state.storage.name());
    }
    Ok(())
}

async fn delete_all_files(storage: &dyn crate::storage::FileStore) -> anyhow::Result<u64> {
    let mut deleted = 0;
    loop {
        let page = storage.list("", None, 100).await.context("listing the files")?;
        if page.is_empty() {
            return Ok(deleted);
        }
        for meta in page {
            let name =
                crate::storage::FileName::parse(&meta.name).with_context(|| format!("file name {:?}", meta.name))?;
            if storage.delete(&name).await.with_context(|| format!("deleting {name}"))? {
                deleted += 1;
            }
        }
    }
}

/// Polls until the database and storage answer, or `timeout` passes: what a script runs
/// before `migrate` (the seed apps' `ready`), so a database without its schema yet counts,
/// with a note. `/readyz` and the Lambda `ready` job also need the schema.
pub async fn ready(state: &AppState, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    loop {
        let checks = check_all(state).await;
        let database_answers = matches!(checks.database, CheckStatus::Ok | CheckStatus::Unmigrated(_));
        if database_answers && checks.storage == CheckStatus::Ok {
            println!("ready: database {}, storage ok", checks.database);
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!("not ready after {}s: database {}, storage {}", timeout.as_secs(), checks.database, checks.storage);
        }
        eprintln!("waiting: database {}, storage {}", checks.database, checks.storage);
        tokio::time::sleep(Duration::from_millis(500).min(deadline - Instant::now())).await;
    }
}

/// A minimal HTTP/1.1 GET of `/healthz` on the local port: no client library, so it works
/// in the smallest image.
pub async fn healthcheck(config: &Config, timeout: Duration) -> anyhow::Result<()> {
    let host = match config.host {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let addr = SocketAddr::new(host, config.port);
    let status = tokio::time::timeout(timeout, get_status(addr))
        .await
        .with_context(|| format!("no answer from {addr} within {}s", timeout.as_secs()))??;
    if status != 200 {
        bail!("GET http://{addr}/healthz answered {status}");
    }
    println!("healthy");
    Ok(())
}

async fn get_status(addr: SocketAddr) -> anyhow::Result<u16> {
    let mut stream = TcpStream::connect(addr).await.with_context(|| format!("cannot connect to {addr}"))?;
    let request = format!(
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nUser-Agent: anyport-healthcheck\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).await?;
    let line = std::str::from_utf8(&head[..n]).unwrap_or_default();
    line.split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .with_context(|| format!("not an HTTP response: {line:?}"))
}

/// `files copy`: streams every file from one backend to another, printing progress.
pub async fn copy_files(from: &str, to: &str) -> anyhow::Result<()> {
    let summary = crate::files_copy::copy_between_urls(from, to, |line| println!("{line}")).await?;
    println!("done: {} copied ({} bytes), {} skipped", summary.copied, summary.bytes, summary.skipped);
    Ok(())
}

/// A job that ran but did not succeed: the dependency is not ready, a copy failed half-way.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct JobFailed(pub String);

/// Runs a job (a Lambda direct invocation or schedule) and answers what happened, as JSON.
pub async fn run_job(job: &Job, state: &AppState) -> Result<serde_json::Value, JobFailed> {
    use serde_json::json;
    let failed = |what: &str, e: anyhow::Error| JobFailed(format!("{what}: {e:#}"));
    match job {
        Job::Migrate {} => {
            state.db.migrate().await.map_err(|e| failed("migrations failed", e))?;
            state.schema_ready.store(true, std::sync::atomic::Ordering::Release);
            let storage = prepare_storage(state).await.map_err(|e| failed("migrate", e))?;
            let mut answer = json!({
                "command": "migrate", "status": "ok", "database": format!("{:?}", state.db.kind()).to_lowercase(),
            });
            // Only a backend that did something (made a bucket) has a line to add.
            if let Some(done) = storage {
                answer["storage"] = done.into();
            }
            Ok(answer)
        }
        Job::Seed {} => {
            let added = crate::db::seed::seed(&state.db)
                .await
                .map_err(|e| failed("seeding failed (has migrate run?)", e.into()))?;
            Ok(json!({ "command": "seed", "status": "ok", "added": added }))
        }
        Job::Ready {} => {
            let checks = check_all(state).await;
            if !checks.all_ok() {
                return Err(JobFailed(format!("not ready: database {}, storage {}", checks.database, checks.storage)));
            }
            Ok(json!({ "command": "ready", "status": "ready", "checks": checks }))
        }
        Job::FilesCopy { from, to } => {
            let summary = crate::files_copy::copy_between_urls(from, to, |line| tracing::info!("{line}"))
                .await
                .map_err(|e| failed("files copy failed", e))?;
            Ok(json!({
                "command": "files-copy", "status": "ok",
                "copied": summary.copied, "skipped": summary.skipped, "bytes": summary.bytes,
            }))
        }
    }
}

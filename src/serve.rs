//! The HTTP runtime: bind `HOST:$PORT` first, connect lazily, drain on SIGTERM or Ctrl-C.

use std::{future::IntoFuture, sync::atomic::Ordering, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{AppState, router};

pub async fn run_http(state: AppState) -> anyhow::Result<()> {
    let config = state.config.clone();
    let listener = TcpListener::bind((config.host, config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{} (check HOST and PORT)", config.host, config.port))?;
    let addr = listener.local_addr()?;
    tracing::info!(url = %format!("http://{addr}{}/", config.base_path), database = ?state.db.kind(), storage = state.storage.name(), "listening");
    if config.migrate_on_start {
        tokio::spawn(migrate_in_background(state.clone()));
    }

    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(async move {
            let _ = stop_rx.changed().await;
        })
        .into_future();
    let mut server = tokio::spawn(server);
    tokio::select! {
        result = &mut server => return result?.context("the HTTP server stopped"),
        () = shutdown_signal() => {}
    }
    tracing::info!(
        timeout_secs = config.shutdown_timeout.as_secs(),
        "shutting down: no new connections, draining in-flight requests"
    );
    let _ = stop_tx.send(true);
    let drained = tokio::time::timeout(config.shutdown_timeout, server).await;
    state.db.close().await;
    match drained {
        Ok(result) => {
            result?.context("the HTTP server failed while draining")?;
            tracing::info!("drained; bye");
            Ok(())
        }
        Err(_) => anyhow::bail!(
            "requests still in flight after SHUTDOWN_TIMEOUT_SECS={}; exiting anyway",
            config.shutdown_timeout.as_secs()
        ),
    }
}

/// Applies migrations without holding up the bind: retries until the database answers,
/// while `/readyz` reports `migrating` and the API answers 503.
async fn migrate_in_background(state: AppState) {
    let mut delay = Duration::from_millis(250);
    loop {
        match state.db.migrate().await {
            Ok(()) => {
                state.schema_ready.store(true, Ordering::Release);
                tracing::info!("migrations applied (MIGRATE_ON_START)");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_in_ms = delay.as_millis() as u64, "migrations failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}

//! The HTTP runtime: bind `HOST:$PORT` first, connect lazily, drain on SIGTERM or Ctrl-C.

use std::{pin::pin, time::Duration};

use anyhow::Context;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    service::TowerToHyperService,
};
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::{AppState, router, runtime::migrate_on_start};

/// Longest request head (request line and headers) read; a longer one gets 431. hyper's
/// default is about 400 KB; proxies in front allow 8 to 64 KB.
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub async fn run_http(state: AppState) -> anyhow::Result<()> {
    let config = state.config.clone();
    let listener = TcpListener::bind((config.host, config.port))
        .await
        .with_context(|| format!("cannot listen on {}:{} (check HOST and PORT)", config.host, config.port))?;
    let addr = listener.local_addr()?;
    tracing::info!(url = %format!("http://{addr}{}/", config.base_path), database = ?state.db.kind(), storage = state.storage.name(), "listening");
    migrate_on_start(&state).await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let (drained_tx, drained_rx) = watch::channel(());
    let app = router(state.clone());
    let accept = tokio::spawn(accept_loop(listener, app, config.header_read_timeout, stop_rx, drained_rx));
    shutdown_signal().await;
    tracing::info!(
        timeout_secs = config.shutdown_timeout.as_secs(),
        "shutting down: no new connections, draining in-flight requests"
    );
    let _ = stop_tx.send(true);
    // The accept loop drops the listener (new connections are refused) and its receiver;
    // each connection holds a receiver until it has finished its in-flight request.
    accept.await.context("the accept loop panicked")?;
    let drained = tokio::time::timeout(config.shutdown_timeout, drained_tx.closed()).await;
    state.db.close().await;
    match drained {
        Ok(()) => {
            tracing::info!("drained; bye");
            Ok(())
        }
        Err(_) => anyhow::bail!(
            "requests still in flight after SHUTDOWN_TIMEOUT_SECS={}; exiting anyway",
            config.shutdown_timeout.as_secs()
        ),
    }
}

/// Accepts connections until `stop` turns true. axum's own `serve` sets no hyper timer, so
/// a client could hold a connection forever by sending its head slowly; this loop serves
/// each connection with a header read timeout and a bounded head size.
async fn accept_loop(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    drained: watch::Receiver<()>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopping(&mut stop) => return,
        };
        tokio::spawn(serve_connection(stream, app.clone(), header_read_timeout, stop.clone(), drained.clone()));
    }
}

async fn serve_connection(
    stream: TcpStream,
    app: Router,
    header_read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    _drained: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(header_read_timeout).max_header_size(MAX_HEAD_BYTES);
    let mut connection = pin!(builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app)));
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            return;
        }
        () = stopping(&mut stop) => {}
    }
    // Finish the request in flight (if any), then close: idle keep-alive connections close now.
    connection.as_mut().graceful_shutdown();
    if let Err(e) = connection.await {
        tracing::debug!(error = %e, "connection ended with an error while draining");
    }
}

/// Resolves once shutdown has begun (or the sender is gone). The read guard `wait_for`
/// returns is not `Send`, so it is dropped here rather than held by a `select!`.
async fn stopping(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
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

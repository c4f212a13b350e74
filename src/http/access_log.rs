//! One log line per request, with its request id, status and latency, and for failures the
//! cause the client never sees. This replaces tower-http's `TraceLayer` and a separate error
//! logger: a span per request plus two events cost about a quarter of the CPU the whole stack
//! adds to a bare handler (`scripts/bench`, perf), and no log line here needs a span.

use std::time::Instant;

use axum::{extract::Request, http::StatusCode, middleware::Next, response::Response};
use tracing::Level;

use super::request_id::RequestId;
use crate::error::ErrorCause;

pub async fn access_log(req: Request, next: Next) -> Response {
    if !tracing::enabled!(Level::WARN) {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().clone();
    // Shares the request's buffer: no copy of the path.
    let uri = req.uri().clone();
    let id = req.extensions().get::<RequestId>().cloned();
    let response = next.run(req).await;
    let path = uri.path();
    let status = response.status().as_u16();
    let latency_ms = started.elapsed().as_secs_f64() * 1e3;
    let request_id = id.as_ref().map_or("", RequestId::as_str);
    match response.extensions().get::<ErrorCause>() {
        // Client mistakes are not errors of ours: their cause only at debug level.
        None => tracing::info!(%method, path, status, latency_ms, request_id, "request"),
        Some(ErrorCause(cause)) => match response.status() {
            StatusCode::SERVICE_UNAVAILABLE => {
                tracing::warn!(%method, path, status, latency_ms, request_id, cause = %cause, "dependency unavailable")
            }
            s if s.is_server_error() => {
                tracing::error!(%method, path, status, latency_ms, request_id, cause = %cause, "request failed")
            }
            _ if tracing::enabled!(Level::DEBUG) => {
                tracing::debug!(%method, path, status, latency_ms, request_id, cause = %cause, "request rejected")
            }
            _ => tracing::info!(%method, path, status, latency_ms, request_id, "request"),
        },
    }
    response
}

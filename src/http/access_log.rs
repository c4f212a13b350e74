//! One log line per request, with its request id, status and latency, and for failures the
//! cause the client never sees. This replaces tower-http's `TraceLayer` and a separate error
//! logger: a span per request plus two events cost about a quarter of the CPU the whole stack
//! adds to a bare handler (`scripts/bench`, perf), and no log line here needs a span.
//!
//! The same layer gives the request its id and echoes it on the response: a layer of its own
//! cost every request one more boxed future and service clone (`bench/README.md`).

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    extract::Request,
    http::{HeaderValue, Method, StatusCode, Uri},
    response::Response,
};
use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::Level;

use super::request_id::{self, X_REQUEST_ID};
use crate::error::ErrorCause;

/// The outermost layer. A plain tower service rather than `from_fn`: every request passes
/// through it, and `from_fn` costs each one a boxed future and a clone of the stack below.
#[derive(Clone, Copy)]
pub struct AccessLogLayer;

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> AccessLog<S> {
        AccessLog(inner)
    }
}

#[derive(Clone)]
pub struct AccessLog<S>(S);

impl<S: Service<Request, Response = Response>> Service<Request> for AccessLog<S> {
    type Response = Response;
    type Error = S::Error;
    type Future = Logged<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let id = request_id::assign(&mut req);
        let line = tracing::enabled!(Level::WARN).then(|| Line {
            started: Instant::now(),
            method: req.method().clone(),
            // Shares the request's buffer: no copy of the path.
            uri: req.uri().clone(),
        });
        Logged { response: self.0.call(req), id: Some(id), line }
    }
}

pin_project! {
    /// The response on its way out: the line is written and the id set when it is ready.
    pub struct Logged<F> {
        #[pin]
        response: F,
        id: Option<HeaderValue>,
        line: Option<Line>,
    }
}

impl<F: Future<Output = Result<Response, E>>, E> Future for Logged<F> {
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.response.poll(cx))?;
        let id = this.id.take().unwrap_or_else(|| HeaderValue::from_static(""));
        if let Some(line) = this.line.take() {
            line.write(&response, &id);
        }
        response.headers_mut().insert(X_REQUEST_ID.clone(), id);
        Poll::Ready(Ok(response))
    }
}

/// What the line needs from the request, kept until the response is there.
struct Line {
    started: Instant,
    method: Method,
    uri: Uri,
}

impl Line {
    fn write(self, response: &Response, id: &HeaderValue) {
        let Line { started, method, uri } = self;
        let path = uri.path();
        let status = response.status().as_u16();
        let latency_ms = started.elapsed().as_secs_f64() * 1e3;
        let request_id = id.to_str().unwrap_or_default();
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
    }
}

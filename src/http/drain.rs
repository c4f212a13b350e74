//! Reading the rest of a request body before an error answer goes out.
//!
//! When a handler answers before reading the whole body (a 401 from the token check, a 503
//! because storage is down, an early 413), hyper can only close the connection. A client
//! still sending then gets a broken pipe, or a TCP reset that discards the answer it had
//! not read yet, instead of the problem+json we sent. Draining a bounded amount first lets
//! ordinary clients see the answer and keeps the connection alive; beyond the bound (a huge
//! or very slow body) we give up and close as before.

use std::{
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::Request,
    http::header,
    response::Response,
};
use futures_util::future::{BoxFuture, Either};
use http_body::{Body as HttpBody, Frame, SizeHint};
use http_body_util::BodyExt;
use tower::{Layer, Service};

/// At most this much of an unread body is read and discarded...
const DRAIN_MAX_BYTES: usize = 1024 * 1024;
/// ...within this long.
const DRAIN_MAX_TIME: Duration = Duration::from_secs(1);

/// A plain tower service rather than `from_fn`: most requests have no body, and those pass
/// straight through without the boxed future and stack clone `from_fn` costs each request.
#[derive(Clone, Copy)]
pub struct DrainBeforeErrorsLayer;

impl<S> Layer<S> for DrainBeforeErrorsLayer {
    type Service = DrainBeforeErrors<S>;

    fn layer(&self, inner: S) -> DrainBeforeErrors<S> {
        DrainBeforeErrors(inner)
    }
}

#[derive(Clone)]
pub struct DrainBeforeErrors<S>(S);

impl<S> Service<Request> for DrainBeforeErrors<S>
where
    S: Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send,
    S::Error: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<S::Future, BoxFuture<'static, Result<Response, S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !has_body(&req) {
            return Either::Left(self.0.call(req));
        }
        // The service that was made ready goes into the future; a clone stays for the next call.
        let clone = self.0.clone();
        let ready = std::mem::replace(&mut self.0, clone);
        Either::Right(Box::pin(call_then_drain(ready, req)))
    }
}

async fn call_then_drain<S: Service<Request, Response = Response>>(
    mut inner: S,
    req: Request,
) -> Result<Response, S::Error> {
    let (parts, body) = req.into_parts();
    let shared = Arc::new(Mutex::new(body));
    let response = inner.call(Request::from_parts(parts, Body::new(SharedBody(shared.clone())))).await?;
    if response.status().is_client_error() || response.status().is_server_error() {
        let rest = std::mem::take(&mut *shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let _ = tokio::time::timeout(DRAIN_MAX_TIME, drain(rest)).await;
    }
    Ok(response)
}

fn has_body(req: &Request) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0")
}

async fn drain(mut body: Body) {
    let mut read = 0;
    while read <= DRAIN_MAX_BYTES {
        match body.frame().await {
            Some(Ok(frame)) => read += frame.data_ref().map_or(0, Bytes::len),
            _ => return,
        }
    }
}

/// The request body, readable by the handler and, afterwards, by `drain_before_errors`.
struct SharedBody(Arc<Mutex<Body>>);

impl HttpBody for SharedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let mut body = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Pin::new(&mut *body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.0.lock().is_ok_and(|body| body.is_end_stream())
    }

    fn size_hint(&self) -> SizeHint {
        self.0.lock().map_or_else(|_| SizeHint::default(), |body| body.size_hint())
    }
}

//! What a group of routes needs before its handler runs: a bound on its time, and for the
//! database-backed routes the schema. One layer rather than two, and a plain tower service
//! rather than `from_fn`: each `from_fn` layer costs every request a boxed future and a clone of
//! the stack below.

use std::{
    future::{Future, Ready, ready},
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    extract::Request,
    response::{IntoResponse, Response},
};
use futures_util::future::Either;
use pin_project_lite::pin_project;
use tokio::time::Timeout;
use tower::{Layer, Service};

use crate::error::ApiError;

#[derive(Clone)]
pub struct RouteGuard {
    /// For routes that query tables: false only while `MIGRATE_ON_START` is still applying
    /// migrations. `None` for routes that need no schema (the files, kept in storage).
    pub schema_ready: Option<Arc<AtomicBool>>,
    /// Bounds the whole request, body included, so a slow client cannot hold a worker forever.
    pub timeout: Duration,
}

impl<S> Layer<S> for RouteGuard {
    type Service = Guarded<S>;

    fn layer(&self, inner: S) -> Guarded<S> {
        Guarded { guard: self.clone(), inner }
    }
}

#[derive(Clone)]
pub struct Guarded<S> {
    guard: RouteGuard,
    inner: S,
}

impl<S: Service<Request, Response = Response>> Service<Request> for Guarded<S> {
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, WithinTimeout<S::Future>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    /// While `MIGRATE_ON_START` is still applying migrations, the API answers 503 rather than
    /// querying tables that may not exist yet; then the request runs within its timeout.
    fn call(&mut self, req: Request) -> Self::Future {
        if self.guard.schema_ready.as_ref().is_some_and(|ready| !ready.load(Ordering::Acquire)) {
            let unavailable = ApiError::Unavailable {
                detail: "the database schema is being migrated; retry shortly".into(),
                cause: "request before MIGRATE_ON_START finished".into(),
            };
            return Either::Left(ready(Ok(unavailable.into_response())));
        }
        Either::Right(WithinTimeout { response: tokio::time::timeout(self.guard.timeout, self.inner.call(req)) })
    }
}

pin_project! {
    /// The response, or the timeout's problem answer when it takes too long.
    pub struct WithinTimeout<F> {
        #[pin]
        response: Timeout<F>,
    }
}

impl<F: Future<Output = Result<Response, E>>, E> Future for WithinTimeout<F> {
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.project()
            .response
            .poll(cx)
            .map(|outcome| outcome.unwrap_or_else(|_| Ok(ApiError::Timeout.into_response())))
    }
}

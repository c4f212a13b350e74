//! The AWS Lambda runtime: the same router behind `lambda_http` (API Gateway REST v1,
//! HTTP API v2, ALB and Function URL events), with the adjustments Lambda needs, and the
//! same handler taking direct invocations and schedules (`invoke.rs`).

pub mod invoke;

use std::time::Duration;

use axum::{
    Router,
    body::Body,
    http::{HeaderMap, HeaderValue, header},
    middleware::map_response,
    response::{IntoResponse, Response},
};
use http_body::Body as _;
use lambda_http::{
    Adapter, Request as LambdaRequest, RequestExt, StreamAdapter, lambda_runtime, request::RequestContext, service_fn,
};
use tower::{ServiceBuilder, util::MapRequest};

use crate::{
    AppState,
    error::ApiError,
    router,
    runtime::{InvokeMode, Runtime, migrate_on_start},
};

/// Serves invocations until the runtime stops the process, buffered or streamed as
/// `LAMBDA_INVOKE_MODE` says. Nothing touches the network before the first invocation,
/// except migrations when `MIGRATE_ON_START=true`.
pub async fn run(state: AppState) -> anyhow::Result<()> {
    migrate_on_start(&state).await?;
    warm_up(&state).await;
    let runtime = state.config.runtime;
    tracing::info!(runtime = runtime.describe(), database = ?state.db.kind(), storage = state.storage.name(), "serving Lambda invocations");
    let served = match runtime {
        Runtime::Lambda(InvokeMode::ResponseStream) => {
            let http = StreamAdapter::from(stream_router(state.clone()));
            lambda_runtime::run(service_fn(move |event| invoke::streaming(state.clone(), http.clone(), event))).await
        }
        _ => {
            let http = Adapter::from(lambda_router(state.clone()));
            lambda_runtime::run(service_fn(move |event| invoke::buffered(state.clone(), http.clone(), event))).await
        }
    };
    served.map_err(|e| anyhow::anyhow!("Lambda runtime: {e}"))
}

/// Longest the init phase waits for the database and storage to answer.
const WARM_UP_TIMEOUT: Duration = Duration::from_millis(1500);

/// Opens the first database connection and resolves storage credentials during init, which
/// Lambda does not bill and which runs before the first request waits; a dependency that is
/// down costs at most `WARM_UP_TIMEOUT` here, and requests then get the usual 503.
async fn warm_up(state: &AppState) {
    let started = std::time::Instant::now();
    let (database, storage) = tokio::join!(
        tokio::time::timeout(WARM_UP_TIMEOUT, state.db.ping()),
        tokio::time::timeout(WARM_UP_TIMEOUT, state.storage.check()),
    );
    let outcome = |ok: bool, timed_out: bool| {
        if ok {
            "ok"
        } else if timed_out {
            "timed out"
        } else {
            "unavailable"
        }
    };
    tracing::info!(
        database = outcome(matches!(database, Ok(Ok(()))), database.is_err()),
        storage = outcome(matches!(storage, Ok(Ok(()))), storage.is_err()),
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "init: connections warmed up"
    );
}

/// The router behind either adapter.
pub type LambdaRouter = MapRequest<Router, fn(LambdaRequest) -> LambdaRequest>;

/// The router as Lambda serves it: stage prefixes removed before routing, Lambda's
/// response rules applied after.
pub fn lambda_router(state: AppState) -> LambdaRouter {
    let app = router(state).layer(map_response(for_lambda));
    ServiceBuilder::new().map_request(strip_stage as fn(LambdaRequest) -> LambdaRequest).service(app)
}

/// The router as streamed responses need it: stages stripped, duplicate headers merged.
/// Bodies pass as bytes (no base64, no text decoding), so nothing is buffered.
pub fn stream_router(state: AppState) -> LambdaRouter {
    let app = router(state).layer(map_response(for_lambda_stream));
    ServiceBuilder::new().map_request(strip_stage as fn(LambdaRequest) -> LambdaRequest).service(app)
}

async fn for_lambda_stream(mut response: Response) -> Response {
    merge_duplicate_headers(response.headers_mut());
    response
}

/// lambda_http puts an API Gateway stage in front of the path (`/prod/api/v1/...`, even
/// when a custom domain hid it). The routes do not know stages: the stage is removed here,
/// whatever `BASE_PATH` says; `BASE_PATH=/prod` puts it back into generated links.
fn strip_stage(mut request: LambdaRequest) -> LambdaRequest {
    // With this set (custom domains), lambda_http leaves the path alone, and so do we.
    if std::env::var_os("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_some() {
        return request;
    }
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.clone(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| !s.is_empty() && s != "$default") else { return request };
    let prefix = format!("/{stage}");
    let path = request.uri().path();
    let rest = match path.strip_prefix(&prefix) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return request,
    };
    let path_and_query = match request.uri().query() {
        Some(query) => format!("{rest}?{query}"),
        None => rest.to_string(),
    };
    let mut parts = request.uri().clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(uri) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = uri;
        }
    }
    request
}

/// lambda_http base64-encodes a body only when its Content-Type is not text, and a body
/// without one is passed as text: every body gets a type. A "text" body that is not UTF-8
/// (a stored file, a latin-1 charset) would be decoded lossily, so it is marked with
/// `Content-Encoding: identity`, which makes lambda_http pass the bytes as they are. API
/// Gateway v2 and Function URLs keep one value per header: duplicates are merged, except
/// Set-Cookie, which lambda_http moves to `cookies`.
async fn for_lambda(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    if body.size_hint().upper() != Some(0) && !parts.headers.contains_key(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    }
    merge_duplicate_headers(&mut parts.headers);
    let text = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).and_then(text_charset);
    let body = match text {
        // Lambda buffers the whole response anyway (6 MB at most).
        Some(charset) if !parts.headers.contains_key(header::CONTENT_ENCODING) => {
            match axum::body::to_bytes(body, usize::MAX).await {
                Ok(bytes) => {
                    if !charset.eq_ignore_ascii_case("utf-8") || std::str::from_utf8(&bytes).is_err() {
                        parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("identity"));
                    }
                    Body::from(bytes)
                }
                Err(e) => return ApiError::Internal(anyhow::anyhow!("reading the response body: {e}")).into_response(),
            }
        }
        _ => body,
    };
    Response::from_parts(parts, body)
}

/// The charset lambda_http would decode this content type with, if it treats it as text.
fn text_charset(content_type: &str) -> Option<String> {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let text = ["text", "application/json", "application/javascript", "application/xml", "application/yaml"]
        .iter()
        .any(|p| essence.starts_with(p))
        || ["+xml", "+yaml", "+json"].iter().any(|s| essence.ends_with(s));
    if !text {
        return None;
    }
    let charset = content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim().eq_ignore_ascii_case("charset").then(|| value.trim().trim_matches('"').to_string())
    });
    Some(charset.unwrap_or_else(|| "utf-8".into()))
}

fn merge_duplicate_headers(headers: &mut HeaderMap) {
    let repeated: Vec<header::HeaderName> = headers
        .keys()
        .filter(|name| **name != header::SET_COOKIE && headers.get_all(*name).iter().count() > 1)
        .cloned()
        .collect();
    for name in repeated {
        let joined = headers
            .get_all(&name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect::<Vec<_>>()
            .join(", ");
        if let Ok(value) = HeaderValue::from_str(&joined) {
            headers.insert(name, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_types_are_recognised_with_their_charset() {
        assert_eq!(text_charset("text/plain").as_deref(), Some("utf-8"));
        assert_eq!(text_charset("application/problem+json").as_deref(), Some("utf-8"));
        assert_eq!(text_charset("text/csv; charset=\"ISO-8859-1\"").as_deref(), Some("ISO-8859-1"));
        assert_eq!(text_charset("image/png"), None);
        assert_eq!(text_charset("application/octet-stream"), None);
    }

    #[test]
    fn duplicate_headers_are_merged_but_cookies_are_not() {
        let mut headers = HeaderMap::new();
        headers.append(header::VARY, HeaderValue::from_static("origin"));
        headers.append(header::VARY, HeaderValue::from_static("accept"));
        headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1"));
        headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2"));
        merge_duplicate_headers(&mut headers);
        assert_eq!(headers.get_all(header::VARY).iter().collect::<Vec<_>>(), ["origin, accept"]);
        assert_eq!(headers.get_all(header::SET_COOKIE).iter().count(), 2);
    }
}

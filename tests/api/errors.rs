//! Client mistakes at the HTTP level: each one a problem+json with the right status.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    for body in ["{", "{\"text\": \"hi\",}", "not json", "{\"text\": \"hi\"} trailing", ""] {
        app.raw(Method::POST, "/api/v1/tweets", "application/json", body).await.problem(400);
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = TestApp::spawn().await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
        let response = app.raw(Method::POST, "/api/v1/tweets", content_type, r#"{"text":"hi"}"#).await;
        response.problem(415);
    }
    let no_type = Request::post("/api/v1/tweets").body(Body::from(r#"{"text":"hi"}"#)).unwrap();
    app.send(no_type).await.problem(415);
    // Parameters and +json types are fine.
    let ok = app.raw(Method::POST, "/api/v1/tweets", "application/json; charset=utf-8", r#"{"text":"hi"}"#).await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

#[tokio::test]
async fn json_over_max_json_bytes_is_413_whether_declared_or_streamed() {
    let app = TestApp::with(&[("MAX_JSON_BYTES", "1024")]).await;
    let big = json!({ "text": "x".repeat(2000) }).to_string();
    app.raw(Method::POST, "/api/v1/tweets", "application/json", big.clone()).await.problem(413);
    if crate::helpers::via_lambda() {
        return; // API Gateway buffers bodies: a chunked body never reaches a Lambda
    }

    // Without Content-Length (chunked), the limit is enforced while reading.
    let chunks = big.into_bytes().chunks(100).map(|c| Ok::<_, std::io::Error>(c.to_vec())).collect::<Vec<_>>();
    let streamed = Request::post("/api/v1/tweets")
        .header("content-type", "application/json")
        .body(Body::from_stream(futures_stream(chunks)))
        .unwrap();
    app.send(streamed).await.problem(413);
    assert!(app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().is_empty());
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures_util::stream::iter(chunks)
}

#[tokio::test]
async fn unknown_routes_are_404_problems() {
    let app = TestApp::spawn().await;
    for path in ["/nope", "/api/v1/nope", "/api/v2/tweets", "/api/v1/tweets/1/extra"] {
        app.get(path).await.problem(404);
    }
}

#[tokio::test]
async fn wrong_methods_are_405_problems_with_allow() {
    let app = TestApp::spawn().await;
    let response = app.json(Method::PUT, "/api/v1/tweets", json!({ "text": "x" })).await;
    response.problem(405);
    let allow = response.header("allow").unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    app.raw(Method::POST, "/api/v1/tweets/1", "application/json", "{}").await.problem(405);
    app.raw(Method::DELETE, "/healthz", "application/json", "").await.problem(405);
}

/// A request whose body never arrives, with `timeout_var` at 1 s: a 408 problem within 5 s.
/// `None` via Lambda, where API Gateway buffers the body before invoking the function.
async fn stalled_body_gets_408(timeout_var: &str, request: axum::http::request::Builder) -> Option<TestApp> {
    if crate::helpers::via_lambda() {
        eprintln!("not applicable: API Gateway buffers the body before invoking a Lambda");
        return None;
    }
    let app = TestApp::with(&[(timeout_var, "1")]).await;
    let never_ends = futures_util::stream::pending::<Result<Vec<u8>, std::io::Error>>();
    let started = std::time::Instant::now();
    app.send(request.body(Body::from_stream(never_ends)).unwrap()).await.problem(408);
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    Some(app)
}

#[tokio::test]
async fn a_body_slower_than_request_timeout_gets_408() {
    let request = Request::post("/api/v1/tweets").header("content-type", "application/json");
    stalled_body_gets_408("REQUEST_TIMEOUT_SECS", request).await;
}

#[tokio::test]
async fn an_upload_slower_than_upload_timeout_gets_408() {
    let request = Request::put("/api/v1/files/stalled.bin").header("content-type", "application/octet-stream");
    if let Some(app) = stalled_body_gets_408("UPLOAD_TIMEOUT_SECS", request).await {
        app.get("/api/v1/files/stalled.bin").await.problem(404);
    }
}

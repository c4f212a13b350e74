//! The Lambda event path: committed event fixtures (derived from the ones aws_lambda_events
//! ships) through `lambda_http::request::from_str` into the Lambda router, and the response
//! through lambda_http's own conversion, which decides text or base64.

use anyport::AppState;
use axum::{
    body::Body,
    http::{HeaderMap, Request, StatusCode},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use http_body_util::BodyExt;
use lambda_http::IntoResponse as _;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::helpers::{TestApp, TestResponse};

pub struct LambdaReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: lambda_http::Body,
}

impl LambdaReply {
    fn bytes(&self) -> Vec<u8> {
        match &self.body {
            lambda_http::Body::Empty => Vec::new(),
            lambda_http::Body::Text(text) => text.clone().into_bytes(),
            lambda_http::Body::Binary(bytes) => bytes.clone(),
            _ => panic!("unexpected body kind"),
        }
    }

    fn json(&self) -> Value {
        assert!(matches!(self.body, lambda_http::Body::Text(_)), "JSON goes back as text, not base64");
        serde_json::from_slice(&self.bytes()).unwrap()
    }
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/lambda/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// One invocation: the event JSON as the runtime would receive it, answered in-process.
pub async fn invoke(state: &AppState, event: &str) -> LambdaReply {
    let request = lambda_http::request::from_str(event).expect("a valid Lambda HTTP event");
    let response = anyport::lambda::lambda_router(state.clone()).oneshot(request).await.unwrap();
    let (parts, body) = response.into_response().await.into_parts();
    LambdaReply { status: parts.status, headers: parts.headers, body }
}

/// An API Gateway HTTP API (v2) event for this request, body base64-encoded.
pub fn v2_event(method: &str, path_and_query: &str, headers: &HeaderMap, body: &[u8]) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut joined = serde_json::Map::new();
    for name in headers.keys() {
        let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        joined.insert(name.to_string(), Value::String(values.join(",")));
    }
    joined.insert("content-length".into(), Value::String(body.len().to_string()));
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "headers": joined,
        "requestContext": {
            "accountId": "123456789012", "apiId": "anyport", "domainName": "anyport.example.com",
            "domainPrefix": "anyport",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test" },
            "requestId": "test", "routeKey": "$default", "stage": "$default",
            "time": "24/Nov/2026:08:00:00 +0000", "timeEpoch": 1795507200000u64
        },
        "body": STANDARD.encode(body), "isBase64Encoded": true
    })
}

/// The contract suite's `send` when `TEST_VIA_LAMBDA=1`.
pub async fn through_lambda(state: &AppState, request: Request<Body>) -> TestResponse {
    let (parts, body) = request.into_parts();
    let bytes = body.collect().await.expect("Lambda bodies are buffered").to_bytes();
    let path = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let event = v2_event(parts.method.as_str(), path, &parts.headers, &bytes);
    let reply = invoke(state, &event.to_string()).await;
    TestResponse { status: reply.status, body: reply.bytes().into(), headers: reply.headers }
}

#[tokio::test]
async fn rest_api_v1_event_with_a_stage_lists_tweets() {
    for base_path in ["", "/prod"] {
        let app = TestApp::with(&[("BASE_PATH", base_path)]).await;
        for i in 0..7 {
            app.create_tweet(&format!("tweet {i}")).await;
        }
        let reply = invoke(&app.state, &fixture("apigw-v1-list-tweets.json")).await;
        assert_eq!(reply.status, StatusCode::OK, "BASE_PATH={base_path:?}");
        let body = reply.json();
        assert_eq!(body["items"].as_array().unwrap().len(), 5, "the query string arrived");
        assert_eq!(body["items"][0]["text"], "tweet 6");
    }
}

#[tokio::test]
async fn http_api_v2_event_creates_a_tweet_with_a_prefixed_location() {
    let app = TestApp::with(&[("BASE_PATH", "/prod")]).await;
    let reply = invoke(&app.state, &fixture("apigw-v2-create-tweet.json")).await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json()["text"], "hello from API Gateway v2");
    let location = reply.headers["location"].to_str().unwrap();
    assert!(location.starts_with("/prod/api/v1/tweets/"), "{location}");
    assert!(reply.headers.contains_key("x-request-id"));
}

#[tokio::test]
async fn stage_in_the_path_is_stripped_before_routing() {
    let app = TestApp::spawn().await;
    app.create_tweet("one").await;
    app.create_tweet("two").await;
    app.create_tweet("three").await;
    let reply = invoke(&app.state, &fixture("apigw-v2-stage-in-path.json")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let body = reply.json();
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    assert!(body["next_cursor"].is_string());
}

#[tokio::test]
async fn alb_and_function_url_events_are_served() {
    let app = TestApp::spawn().await;
    let health = invoke(&app.state, &fixture("alb-get-healthz.json")).await;
    assert_eq!((health.status, health.json()), (StatusCode::OK, json!({ "status": "ok" })));
    let spec = invoke(&app.state, &fixture("function-url-get-openapi.json")).await;
    assert_eq!(spec.status, StatusCode::OK);
    assert!(spec.json()["paths"]["/api/v1/tweets"].is_object());
}

#[tokio::test]
async fn a_base64_multipart_upload_arrives_intact_and_binary_downloads_go_back_base64() {
    let app = TestApp::spawn().await;
    let reply = invoke(&app.state, &fixture("apigw-v2-multipart-base64.json")).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{:?}", String::from_utf8_lossy(&reply.bytes()));
    let expected: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    assert_eq!(reply.json()["items"][0]["size"], 1024);

    let download = v2_event("GET", "/api/v1/files/bytes.bin", &HeaderMap::new(), b"");
    let reply = invoke(&app.state, &download.to_string()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(matches!(reply.body, lambda_http::Body::Binary(_)), "binary content must be base64-encoded");
    assert_eq!(reply.bytes(), expected);
    // Even a file stored as text/plain keeps every byte.
    let stored = app.raw(axum::http::Method::PUT, "/api/v1/files/t.txt", "text/plain", vec![0xff, 0x00, 0xfe]).await;
    assert_eq!(stored.status, StatusCode::CREATED);
    let reply = invoke(&app.state, &v2_event("GET", "/api/v1/files/t.txt", &HeaderMap::new(), b"").to_string()).await;
    assert_eq!(reply.bytes(), [0xff, 0x00, 0xfe]);
}

#[tokio::test]
async fn on_lambda_bodies_over_the_base64_payload_cap_get_413_with_a_way_around() {
    let limit = anyport::runtime::LAMBDA_PAYLOAD_LIMIT_BYTES as usize;
    let app = TestApp::with(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]).await;
    let body = vec![1u8; limit + 1];
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/octet-stream".parse().unwrap());
    let event = v2_event("PUT", "/api/v1/files/big.bin", &headers, &body);
    let reply = invoke(&app.state, &event.to_string()).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.headers["content-type"], "application/problem+json");
    assert!(reply.json()["detail"].as_str().unwrap().contains("upload-url"));
    let ok = v2_event("PUT", "/api/v1/files/small.bin", &headers, &body[..1000]);
    assert_eq!(invoke(&app.state, &ok.to_string()).await.status, StatusCode::CREATED);

    // A file stored another way (upload-url) is too big to return whole, but ranges work.
    let name = anyport::storage::FileName::parse("big.bin").unwrap();
    let stream: anyport::storage::ByteStream =
        Box::pin(futures_util::stream::iter([Ok(axum::body::Bytes::from(body.clone()))]));
    app.state.storage.put(&name, "application/octet-stream", stream, u64::MAX).await.unwrap();
    let whole = invoke(&app.state, &v2_event("GET", "/api/v1/files/big.bin", &HeaderMap::new(), b"").to_string()).await;
    assert_eq!(whole.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(whole.json()["detail"].as_str().unwrap().contains("Range"));
    let mut ranged = HeaderMap::new();
    ranged.insert("range", "bytes=0-999".parse().unwrap());
    let part = invoke(&app.state, &v2_event("GET", "/api/v1/files/big.bin", &ranged, b"").to_string()).await;
    assert_eq!((part.status, part.bytes().len()), (StatusCode::PARTIAL_CONTENT, 1000));
}

#[tokio::test]
async fn errors_through_lambda_are_problem_json_text() {
    let app = TestApp::spawn().await;
    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let invalid = v2_event("POST", "/api/v1/tweets", &headers, br#"{"text":"  "}"#);
    let reply = invoke(&app.state, &invalid.to_string()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reply.json()["errors"][0]["field"], "text");
    let missing = invoke(&app.state, &v2_event("GET", "/api/v1/tweets/42", &HeaderMap::new(), b"").to_string()).await;
    assert_eq!((missing.status, missing.json()["status"].as_u64()), (StatusCode::NOT_FOUND, Some(404)));
}

/// One invocation through lambda_http's streaming adapter, as `LAMBDA_INVOKE_MODE=response_stream`
/// serves it: the prelude (status, headers, cookies) and every streamed byte.
async fn invoke_streaming(state: &AppState, event: &str) -> (lambda_http::lambda_runtime::MetadataPrelude, Vec<u8>) {
    use lambda_http::{Context, LambdaEvent, Service as _, tower::ServiceExt as _};
    let request: lambda_http::request::LambdaRequest = serde_json::from_str(event).expect("a Lambda HTTP event");
    let mut adapter = lambda_http::StreamAdapter::from(anyport::lambda::stream_router(state.clone()));
    let response = adapter.ready().await.unwrap().call(LambdaEvent::new(request, Context::default())).await.unwrap();
    let chunks: Vec<axum::body::Bytes> = futures_util::TryStreamExt::try_collect(response.stream).await.unwrap();
    (response.metadata_prelude, chunks.concat())
}

#[tokio::test]
async fn in_response_stream_mode_files_over_the_buffered_cap_stream_whole_and_json_is_unchanged() {
    let app =
        TestApp::with(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), ("LAMBDA_INVOKE_MODE", "response_stream")]).await;
    let size = anyport::runtime::LAMBDA_PAYLOAD_LIMIT_BYTES as usize + 1_000_001;
    let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let name = anyport::storage::FileName::parse("big.bin").unwrap();
    let stream: anyport::storage::ByteStream =
        Box::pin(futures_util::stream::iter([Ok(axum::body::Bytes::from(bytes.clone()))]));
    app.state.storage.put(&name, "application/octet-stream", stream, u64::MAX).await.unwrap();

    let event = v2_event("GET", "/api/v1/files/big.bin", &HeaderMap::new(), b"").to_string();
    let (prelude, body) = invoke_streaming(&app.state, &event).await;
    assert_eq!(prelude.status_code, StatusCode::OK);
    assert_eq!(prelude.headers["content-length"], size.to_string().as_str());
    assert!(body == bytes, "every byte streamed ({} of {size})", body.len());

    let mut headers = HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let create = v2_event("POST", "/api/v1/tweets", &headers, br#"{"text":"streamed"}"#).to_string();
    let (prelude, body) = invoke_streaming(&app.state, &create).await;
    assert_eq!(prelude.status_code, StatusCode::CREATED);
    assert!(prelude.headers["location"].to_str().unwrap().starts_with("/api/v1/tweets/"));
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["text"], "streamed");
    let missing = v2_event("GET", "/api/v1/tweets/424242", &HeaderMap::new(), b"").to_string();
    let (prelude, body) = invoke_streaming(&app.state, &missing).await;
    assert_eq!(prelude.status_code, StatusCode::NOT_FOUND);
    assert_eq!(prelude.headers["content-type"], "application/problem+json");
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["status"], 404);
}

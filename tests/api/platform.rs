//! Health, docs, auth, request ids, BASE_PATH and outage behaviour of the router.

use std::sync::atomic::Ordering;

use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use serde_json::json;

use crate::helpers::{TestApp, config_from};

#[tokio::test]
async fn healthz_and_readyz_report_ok() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!((health.status, health.json()), (StatusCode::OK, json!({ "status": "ok" })));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json(), json!({ "status": "ready", "checks": { "database": "ok", "storage": "ok" } }));
}

#[tokio::test]
async fn openapi_lists_every_operation_and_docs_are_served_from_the_binary() {
    let app = TestApp::spawn().await;
    let spec = app.get("/openapi.json").await.json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for (path, methods) in [
        ("/api/v1/tweets", &["get", "post"][..]),
        ("/api/v1/tweets/{id}", &["get", "patch", "delete"][..]),
        ("/api/v1/users", &["get", "post"][..]),
        ("/api/v1/users/{id}", &["get", "patch", "delete"][..]),
        ("/api/v1/workers", &["get", "post"][..]),
        ("/api/v1/workers/{id}", &["get", "patch", "delete"][..]),
        ("/healthz", &["get"][..]),
        ("/readyz", &["get"][..]),
    ] {
        for method in methods {
            assert!(spec["paths"][path][method].is_object(), "{method} {path} missing");
        }
    }
    let get_tweet = &spec["paths"]["/api/v1/tweets/{id}"]["get"]["responses"];
    assert!(get_tweet["404"]["content"]["application/problem+json"].is_object(), "errors are problem+json");
    assert!(get_tweet["503"].is_object());
    let create = &spec["paths"]["/api/v1/tweets"]["post"]["responses"];
    for status in ["201", "400", "401", "413", "415", "422"] {
        assert!(create[status].is_object(), "POST /api/v1/tweets documents {status}");
    }
    assert!(spec["paths"]["/healthz"]["get"]["responses"]["503"].is_null(), "liveness never depends on anything");
    let redirect = app.get("/docs").await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.header("location"), Some("docs/"));
    let page = app.get("/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&page.body).contains("swagger"));
    let init = app.get("/docs/swagger-initializer.js").await;
    assert!(String::from_utf8_lossy(&init.body).contains("/openapi.json"));
    assert_eq!(app.get("/docs/swagger-ui.css").await.status, StatusCode::OK);
}

#[tokio::test]
async fn with_api_token_writes_need_the_bearer_token_and_reads_stay_open() {
    let app = TestApp::with(&[("API_TOKEN", "s3cret-token")]).await;
    let body = r#"{"text":"hi"}"#;
    let post = |auth: Option<&str>| {
        let mut request = Request::post("/api/v1/tweets").header("content-type", "application/json");
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        request.body(Body::from(body)).unwrap()
    };
    for auth in [None, Some("Bearer wrong"), Some("Bearer s3cret-toke"), Some("Basic s3cret-token")] {
        let response = app.send(post(auth)).await;
        response.problem(401);
        assert_eq!(response.header("www-authenticate"), Some(r#"Bearer realm="anyport""#));
    }
    assert_eq!(app.send(post(Some("Bearer s3cret-token"))).await.status, StatusCode::CREATED);
    assert_eq!(app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().len(), 1);
    app.delete("/api/v1/tweets/1").await.problem(401);
}

#[tokio::test]
async fn every_response_carries_a_request_id_keeping_a_sane_incoming_one() {
    let app = TestApp::spawn().await;
    let generated = app.get("/healthz").await;
    assert_eq!(generated.header("x-request-id").unwrap().len(), 36);
    let errors = app.get("/nope").await;
    assert!(errors.header("x-request-id").is_some());

    let kept = app.send(Request::get("/healthz").header("x-request-id", "abc-123").body(Body::empty()).unwrap()).await;
    assert_eq!(kept.header("x-request-id"), Some("abc-123"));
    let long = "a".repeat(500);
    let replaced =
        app.send(Request::get("/healthz").header("x-request-id", long.as_str()).body(Body::empty()).unwrap()).await;
    assert_ne!(replaced.header("x-request-id"), Some(long.as_str()));
}

#[tokio::test]
async fn base_path_prefixes_routes_links_and_the_spec_and_bare_paths_still_work() {
    let app = TestApp::with(&[("BASE_PATH", "/prod")]).await;
    let created = app.post_json("/prod/api/v1/tweets", json!({ "text": "staged" })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let location = created.header("location").unwrap().to_string();
    assert!(location.starts_with("/prod/api/v1/tweets/"), "{location}");
    assert_eq!(app.get(&location).await.json()["text"], "staged");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(app.get("/prod/healthz").await.status, StatusCode::OK);
    let spec = app.get("/prod/openapi.json").await.json();
    assert_eq!(spec["servers"][0]["url"], "/prod");
    let init = app.get("/prod/docs/swagger-initializer.js").await;
    assert!(String::from_utf8_lossy(&init.body).contains("/prod/openapi.json"));
}

#[tokio::test]
async fn when_the_database_is_unreachable_the_api_answers_503_with_retry_after_quickly() {
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on port 1: connections are refused at once.
    let config = config_from(vec![
        ("DATABASE_URL".into(), "postgres://app:pw@127.0.0.1:1/app".into()),
        ("DATABASE_ACQUIRE_TIMEOUT_SECS".into(), "1".into()),
        ("STORAGE_DIR".into(), dir.path().display().to_string()),
    ]);
    let helper = TestApp::unmigrated(config, dir).await;
    let started = std::time::Instant::now();
    assert_eq!(helper.get("/healthz").await.status, StatusCode::OK);
    let list = helper.get("/api/v1/tweets").await;
    list.problem(503);
    assert_eq!(list.header("retry-after"), Some("5"));
    assert!(!String::from_utf8_lossy(&list.body).contains("pw"), "no connection details leak");
    let ready = helper.get("/readyz").await;
    ready.problem(503);
    assert!(ready.json()["checks"]["database"].as_str().unwrap().starts_with("unavailable"));
    assert_eq!(ready.json()["checks"]["storage"], "ok");
    assert!(started.elapsed() < std::time::Duration::from_secs(8), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn while_migrations_are_pending_the_api_is_503_and_readyz_says_migrating() {
    let app = TestApp::spawn().await;
    app.state.schema_ready.store(false, Ordering::Release);
    app.get("/api/v1/tweets").await.problem(503);
    assert_eq!(app.get("/readyz").await.json()["checks"]["database"], "migrating");
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    app.state.schema_ready.store(true, Ordering::Release);
    assert_eq!(app.get("/api/v1/tweets").await.status, StatusCode::OK);
}

#[tokio::test]
async fn seed_is_idempotent() {
    let app = TestApp::spawn().await;
    let first = anyport::db::seed::seed(&app.state.db).await.unwrap();
    assert!(first > 0);
    let second = anyport::db::seed::seed(&app.state.db).await.unwrap();
    assert_eq!(second, 0);
    let users = app.get("/api/v1/users").await.json();
    assert_eq!(users["items"].as_array().unwrap().len(), 3);
    assert_eq!(app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get("/api/v1/workers").await.json()["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn migrations_can_run_twice() {
    let app = TestApp::spawn().await;
    app.state.db.migrate().await.unwrap();
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
}

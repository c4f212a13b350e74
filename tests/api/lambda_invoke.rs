//! Direct invocations of the Lambda handler, as `aws lambda invoke --payload` and EventBridge
//! schedules send them: jobs answer JSON, HTTP events keep working through the same handler,
//! and anything else is a function error with a type and a message.

use anyport::{AppState, lambda::invoke};
use lambda_http::{Adapter, Context, LambdaEvent, lambda_runtime::Diagnostic};
use serde_json::{Value, json};

use crate::{
    helpers::{TestApp, config_from, fresh_database_url},
    lambda::fixture,
};

async fn call(state: &AppState, payload: Value) -> Result<Value, Diagnostic> {
    let http = Adapter::from(anyport::lambda::lambda_router(state.clone()));
    invoke::buffered(state.clone(), http, LambdaEvent::new(payload, Context::default())).await
}

/// The app on a fresh database that nothing has migrated, as a newly deployed function.
async fn unmigrated(extra: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let mut vars = vec![
        ("DATABASE_URL".to_string(), fresh_database_url(&dir).await),
        ("STORAGE_DIR".to_string(), dir.path().join("files").display().to_string()),
        ("AWS_LAMBDA_RUNTIME_API".to_string(), "127.0.0.1:9001".to_string()),
    ];
    vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    TestApp::unmigrated(config_from(vars), dir).await
}

fn scheduled_event() -> Value {
    json!({
        "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-12-02T12:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:events:us-east-1:123456789012:rule/nightly"], "detail": {}
    })
}

#[tokio::test]
async fn migrate_seed_and_ready_run_as_direct_invocations_and_http_then_works() {
    let app = unmigrated(&[]).await;
    let before = call(&app.state, serde_json::from_str(&fixture("apigw-v1-list-tweets.json")).unwrap()).await.unwrap();
    assert_eq!(before["statusCode"], 503, "no schema yet: {before}");
    let not_ready = call(&app.state, json!({ "command": "ready" })).await.unwrap_err();
    assert_eq!(not_ready.error_type, "CommandFailed", "a database without its schema is not ready");
    assert!(not_ready.error_message.contains("anyport migrate"), "{}", not_ready.error_message);
    let readyz = app.get("/readyz").await;
    assert_eq!(readyz.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);

    let migrated = call(&app.state, json!({ "command": "migrate" })).await.unwrap();
    assert_eq!(migrated["status"], "ok", "{migrated}");
    // Local storage creates nothing, so the answer has no storage line (not a `null` one).
    assert!(migrated.get("storage").is_none(), "{migrated}");
    let seeded = call(&app.state, json!({ "command": "seed" })).await.unwrap();
    assert!(seeded["added"].as_u64().unwrap() > 0, "{seeded}");
    assert_eq!(call(&app.state, json!({ "command": "seed" })).await.unwrap()["added"], 0, "seeding twice adds nothing");
    let ready = call(&app.state, json!({ "command": "ready" })).await.unwrap();
    assert_eq!(
        ready,
        json!({ "command": "ready", "status": "ready", "checks": { "database": "ok", "storage": "ok" } })
    );

    let after = call(&app.state, serde_json::from_str(&fixture("apigw-v1-list-tweets.json")).unwrap()).await.unwrap();
    assert_eq!(after["statusCode"], 200, "{after}");
    let body: Value = serde_json::from_str(after["body"].as_str().unwrap()).unwrap();
    assert!(!body["items"].as_array().unwrap().is_empty(), "the seeded tweets are listed");
}

#[tokio::test]
async fn files_copy_runs_as_a_direct_invocation() {
    let app = TestApp::spawn().await;
    let (from, to) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let source = anyport::storage::StorageConfig::from_url(
        &format!("file://{}", from.path().display()),
        &anyport::config::Vars::from_map(Default::default()),
    )
    .unwrap()
    .open()
    .await
    .unwrap();
    let name = anyport::storage::FileName::parse("a.txt").unwrap();
    let body: anyport::storage::ByteStream =
        Box::pin(futures_util::stream::iter([Ok(axum::body::Bytes::from_static(b"hello"))]));
    source.put(&name, "text/plain", body, u64::MAX).await.unwrap();
    let job = json!({
        "command": "files-copy",
        "from": format!("file://{}", from.path().display()),
        "to": format!("file://{}", to.path().display()),
    });
    let first = call(&app.state, job.clone()).await.unwrap();
    assert_eq!((first["copied"].as_u64(), first["bytes"].as_u64()), (Some(1), Some(5)), "{first}");
    let again = call(&app.state, job).await.unwrap();
    assert_eq!((again["copied"].as_u64(), again["skipped"].as_u64()), (Some(0), Some(1)), "{again}");
}

#[tokio::test]
async fn a_scheduled_event_runs_the_configured_command_and_is_refused_without_one() {
    let app = unmigrated(&[("LAMBDA_SCHEDULED_COMMAND", "migrate")]).await;
    let result = call(&app.state, scheduled_event()).await.unwrap();
    assert_eq!(result["command"], "migrate");
    let unconfigured = TestApp::with(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]).await;
    let err = call(&unconfigured.state, scheduled_event()).await.unwrap_err();
    assert_eq!(err.error_type, "NoScheduledCommand");
    assert!(err.error_message.contains("LAMBDA_SCHEDULED_COMMAND"));
}

#[tokio::test]
async fn anything_else_is_a_function_error_with_a_type_and_a_message() {
    let app = TestApp::spawn().await;
    for (payload, error_type) in [
        (json!({ "command": "drop-tables" }), "InvalidCommand"),
        (json!({ "command": "files-copy" }), "InvalidCommand"),
        (json!({ "command": "seed", "force": true }), "InvalidCommand"),
        (json!({ "Records": [{ "eventSource": "aws:s3" }] }), "UnsupportedEvent"),
        (json!({}), "UnsupportedEvent"),
        (json!("migrate"), "UnsupportedEvent"),
        (json!([1, 2]), "UnsupportedEvent"),
        (Value::Null, "UnsupportedEvent"),
        (json!({ "httpMethod": 5 }), "InvalidHttpEvent"),
    ] {
        let err = call(&app.state, payload.clone()).await.unwrap_err();
        assert_eq!(err.error_type, error_type, "{payload}: {}", err.error_message);
        assert!(!err.error_message.is_empty());
    }
}

#[tokio::test]
async fn a_job_that_fails_is_a_function_error_not_a_success() {
    // Storage in a directory that cannot be created: `ready` must fail, not answer "ready".
    let file = tempfile::NamedTempFile::new().unwrap();
    let blocked = file.path().join("files");
    let app = TestApp::with(&[("STORAGE_DIR", blocked.to_str().unwrap())]).await;
    let err = call(&app.state, json!({ "command": "ready" })).await.unwrap_err();
    assert_eq!(err.error_type, "CommandFailed");
    assert!(err.error_message.contains("storage unavailable"), "{}", err.error_message);
}

//! Workers: full name and email each unique (409), on the database under test.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

async fn create(app: &TestApp, fullname: &str, email: &str) -> crate::helpers::TestResponse {
    app.post_json("/api/v1/workers", json!({ "fullname": fullname, "email": email })).await
}

#[tokio::test]
async fn create_get_patch_delete_worker() {
    let app = TestApp::spawn().await;
    let response = create(&app, "  Ada Lovelace ", "Ada@Example.com").await;
    assert_eq!(response.status, StatusCode::CREATED);
    let worker = response.json();
    assert_eq!(worker["fullname"], "Ada Lovelace");
    assert_eq!(worker["email"], "ada@example.com");
    assert_eq!(worker["active"], true);
    let path = format!("/api/v1/workers/{}", worker["id"]);
    assert_eq!(response.header("location"), Some(path.as_str()));
    assert_eq!(app.get(&path).await.json(), worker);

    let patched = app.patch_json(&path, json!({ "fullname": "Augusta Ada King", "active": false })).await.json();
    assert_eq!((patched["fullname"].as_str(), patched["active"].as_bool()), (Some("Augusta Ada King"), Some(false)));
    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    app.get(&path).await.problem(404);
}

#[tokio::test]
async fn duplicate_fullname_or_email_is_409_naming_the_field() {
    let app = TestApp::spawn().await;
    assert_eq!(create(&app, "Grace Hopper", "grace@example.com").await.status, StatusCode::CREATED);
    let by_name = create(&app, "Grace Hopper", "other@example.com").await.problem(409);
    assert!(by_name["detail"].as_str().unwrap().contains("fullname"), "{by_name}");
    let by_email = create(&app, "Someone Else", "GRACE@example.com").await.problem(409);
    assert!(by_email["detail"].as_str().unwrap().contains("email"), "{by_email}");

    let other = create(&app, "Linus", "linus@example.com").await.json();
    let path = format!("/api/v1/workers/{}", other["id"]);
    app.patch_json(&path, json!({ "fullname": "Grace Hopper" })).await.problem(409);
    app.patch_json(&path, json!({ "email": "grace@example.com" })).await.problem(409);
    assert_eq!(app.get(&path).await.json(), other);
}

#[tokio::test]
async fn all_invalid_fields_are_reported_at_once() {
    let app = TestApp::spawn().await;
    let problem = create(&app, "   ", "nope").await.problem(422);
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["fullname", "email"]);
    let long = "x".repeat(101);
    create(&app, &long, "ok@example.com").await.problem(422);
    create(&app, "tab\tname", "ok@example.com").await.problem(422);
    assert_eq!(create(&app, &"x".repeat(100), "ok@example.com").await.status, StatusCode::CREATED);
}

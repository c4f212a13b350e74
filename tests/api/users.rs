//! Users: email normalised to lower case and unique (409), on the database under test.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn create_user_lowercases_email_and_defaults_to_active() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/api/v1/users", json!({ "email": "  Ada@Example.COM " })).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let user = response.json();
    assert_eq!(user["email"], "ada@example.com");
    assert_eq!(user["active"], true);
    let id = user["id"].as_i64().unwrap();
    assert_eq!(response.header("location"), Some(format!("/api/v1/users/{id}").as_str()));
    assert_eq!(app.get(&format!("/api/v1/users/{id}")).await.json(), user);
}

#[tokio::test]
async fn the_same_email_in_another_case_is_409() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.post_json("/api/v1/users", json!({ "email": "grace@example.com" })).await.status,
        StatusCode::CREATED
    );
    let problem = app.post_json("/api/v1/users", json!({ "email": "GRACE@example.com" })).await.problem(409);
    assert!(problem["detail"].as_str().unwrap().contains("email"), "{problem}");
    assert_eq!(app.get("/api/v1/users").await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn patch_deactivates_and_changing_to_a_taken_email_is_409() {
    let app = TestApp::spawn().await;
    let a = app.post_json("/api/v1/users", json!({ "email": "a@example.com" })).await.json();
    app.post_json("/api/v1/users", json!({ "email": "b@example.com", "active": false })).await;
    let path = format!("/api/v1/users/{}", a["id"]);

    let patched = app.patch_json(&path, json!({ "active": false })).await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.json()["active"], false);
    assert_eq!(patched.json()["email"], "a@example.com");

    app.patch_json(&path, json!({ "email": "B@example.com" })).await.problem(409);
    assert_eq!(app.get(&path).await.json()["email"], "a@example.com");

    let renamed = app.patch_json(&path, json!({ "email": "A2@Example.com" })).await;
    assert_eq!(renamed.json()["email"], "a2@example.com");
    // An empty patch changes nothing.
    assert_eq!(app.patch_json(&path, json!({})).await.json()["email"], "a2@example.com");
}

#[tokio::test]
async fn invalid_emails_and_unknown_fields_are_422() {
    let app = TestApp::spawn().await;
    for email in ["", "not-an-email", "a@b", "two@@example.com", "sp ace@example.com"] {
        let problem = app.post_json("/api/v1/users", json!({ "email": email })).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "email", "{email:?}");
    }
    app.post_json("/api/v1/users", json!({ "email": "x@example.com", "admin": true })).await.problem(422);
    app.post_json("/api/v1/users", json!({ "email": "x@example.com", "active": "yes" })).await.problem(422);
}

#[tokio::test]
async fn delete_user_then_get_is_404() {
    let app = TestApp::spawn().await;
    let id =
        app.post_json("/api/v1/users", json!({ "email": "gone@example.com" })).await.json()["id"].as_i64().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/users/{id}")).await.status, StatusCode::NO_CONTENT);
    app.get(&format!("/api/v1/users/{id}")).await.problem(404);
    app.delete(&format!("/api/v1/users/{id}")).await.problem(404);
    // The email is free again.
    assert_eq!(
        app.post_json("/api/v1/users", json!({ "email": "gone@example.com" })).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn users_list_paginates() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.post_json("/api/v1/users", json!({ "email": format!("u{i}@example.com") })).await;
    }
    let first = app.get("/api/v1/users?limit=2").await.json();
    assert_eq!(first["items"][0]["email"], "u2@example.com");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app.get(&format!("/api/v1/users?limit=2&cursor={cursor}")).await.json();
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["email"], "u0@example.com");
    assert!(second["next_cursor"].is_null());
}

//! Tweets: the full contract, on the database under test.

use axum::http::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn create_tweet_returns_201_with_location_and_trimmed_text() {
    let app = TestApp::spawn().await;
    let response = app.post_json("/api/v1/tweets", json!({ "text": "  hello world \n" })).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let tweet = response.json();
    let id = tweet["id"].as_i64().unwrap();
    assert_eq!(tweet["text"], "hello world");
    assert_eq!(response.header("location"), Some(format!("/api/v1/tweets/{id}").as_str()));
    let created = tweet["created_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(created).is_ok() && created.ends_with('Z'), "{created}");

    let fetched = app.get(&format!("/api/v1/tweets/{id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.json()["text"], "hello world");
}

#[tokio::test]
async fn patch_changes_text_and_delete_removes_the_tweet() {
    let app = TestApp::spawn().await;
    let id = app.create_tweet("first draft").await;
    let path = format!("/api/v1/tweets/{id}");

    let patched = app.patch_json(&path, json!({ "text": "final" })).await;
    assert_eq!(patched.status, StatusCode::OK);
    assert_eq!(patched.json()["text"], "final");
    assert_eq!(app.get(&path).await.json()["text"], "final");

    assert_eq!(app.delete(&path).await.status, StatusCode::NO_CONTENT);
    app.get(&path).await.problem(404);
    app.delete(&path).await.problem(404);
    app.patch_json(&path, json!({ "text": "ghost" })).await.problem(404);
}

#[tokio::test]
async fn list_is_newest_first_and_cursor_pages_cover_everything_once() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(app.create_tweet(&format!("tweet {i}")).await);
    }
    ids.reverse();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tweets?limit=2&cursor={c}"),
            None => "/api/v1/tweets?limit=2".to_string(),
        };
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        let body = page.json();
        seen.extend(body["items"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()));
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    assert_eq!(pages, 3);

    let default = app.get("/api/v1/tweets").await.json();
    assert_eq!(default["items"].as_array().unwrap().len(), 5);
    assert!(default["next_cursor"].is_null());
}

#[tokio::test]
async fn an_empty_list_has_no_items_and_no_cursor() {
    let app = TestApp::spawn().await;
    let body = app.get("/api/v1/tweets").await.json();
    assert_eq!(body, json!({ "items": [], "next_cursor": null }));
}

#[tokio::test]
async fn text_of_280_characters_is_accepted_and_281_rejected_counting_characters_not_bytes() {
    let app = TestApp::spawn().await;
    for text in ["a".repeat(280), "😀".repeat(280), format!("{}é", "ü".repeat(279))] {
        let response = app.post_json("/api/v1/tweets", json!({ "text": text })).await;
        assert_eq!(response.status, StatusCode::CREATED, "{} chars", text.chars().count());
        assert_eq!(response.json()["text"], text.as_str());
    }
    for text in ["a".repeat(281), "😀".repeat(281)] {
        let problem = app.post_json("/api/v1/tweets", json!({ "text": text })).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "text");
    }
    // Whitespace around 280 characters is trimmed before counting.
    let padded = format!("  {}  ", "b".repeat(280));
    assert_eq!(app.post_json("/api/v1/tweets", json!({ "text": padded })).await.status, StatusCode::CREATED);
}

#[tokio::test]
async fn empty_whitespace_and_nul_texts_are_422_and_store_nothing() {
    let app = TestApp::spawn().await;
    for text in ["", "   ", "\n\t ", "nul\u{0}inside"] {
        let problem = app.post_json("/api/v1/tweets", json!({ "text": text })).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "text", "{text:?}");
    }
    let id = app.create_tweet("keep").await;
    app.patch_json(&format!("/api/v1/tweets/{id}"), json!({ "text": " " })).await.problem(422);
    assert_eq!(app.get(&format!("/api/v1/tweets/{id}")).await.json()["text"], "keep");
    assert_eq!(app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn wrong_field_types_and_missing_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let problem = app.post_json("/api/v1/tweets", json!({ "text": 42 })).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "text");
    let problem = app.post_json("/api/v1/tweets", json!({})).await.problem(422);
    assert!(problem["detail"].as_str().unwrap().contains("text"), "{problem}");
    app.post_json("/api/v1/tweets", json!(["text"])).await.problem(422);
    app.post_json("/api/v1/tweets", json!(null)).await.problem(422);
}

#[tokio::test]
async fn unknown_fields_are_422() {
    let app = TestApp::spawn().await;
    let problem = app.post_json("/api/v1/tweets", json!({ "text": "hi", "author": "me" })).await.problem(422);
    assert_eq!(problem["errors"][0]["field"], "author");
    assert!(app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn ids_that_are_huge_are_404_and_ids_that_are_not_numbers_are_422() {
    let app = TestApp::spawn().await;
    for id in ["9223372036854775807", "9223372036854775808", "99999999999999999999999999", "0"] {
        app.get(&format!("/api/v1/tweets/{id}")).await.problem(404);
        app.delete(&format!("/api/v1/tweets/{id}")).await.problem(404);
        let patch = app.patch_json(&format!("/api/v1/tweets/{id}"), json!({ "text": "x" })).await.problem(404);
        assert_eq!(patch["detail"], format!("no tweet with id {id}"));
    }
    for id in ["abc", "-1", "1.5", "1e3", "%20"] {
        let problem = app.get(&format!("/api/v1/tweets/{id}")).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], "id", "{id}");
    }
}

#[tokio::test]
async fn bad_cursor_and_limit_are_422() {
    let app = TestApp::spawn().await;
    for query in
        ["cursor=garbage!", "cursor=aWQ6eA", "limit=0", "limit=101", "limit=-1", "limit=ten", "limit=99999999999"]
    {
        let problem = app.get(&format!("/api/v1/tweets?{query}")).await.problem(422);
        assert!(!problem["errors"].as_array().unwrap().is_empty(), "{query}: {problem}");
    }
    assert_eq!(app.get("/api/v1/tweets?limit=100").await.status, StatusCode::OK);
    assert_eq!(app.get("/api/v1/tweets?limit=1").await.status, StatusCode::OK);
}

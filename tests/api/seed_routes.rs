//! `SEED_ROUTES=true`: the seed apps' clients call their old routes and get the old shapes,
//! over the same handlers and storage; off by default, and documented only when on.

use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::json;

use crate::helpers::TestApp;

fn form(field: &str, filename: &str, content_type: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut body = format!(
        "--B0undary\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\
         Content-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(b"\r\n--B0undary--\r\n");
    ("multipart/form-data; boundary=B0undary".into(), body)
}

#[tokio::test]
async fn seed_routes_are_off_by_default_and_absent_from_the_spec() {
    let app = TestApp::spawn().await;
    for path in ["/tweets", "/files.json", "/db_test", "/upload", "/media/a.txt", "/uploads/a.txt"] {
        app.get(path).await.problem(404);
    }
    let spec = app.get("/openapi.json").await.json();
    assert!(spec["paths"]["/tweets"].is_null() && spec["paths"]["/files.json"].is_null());
}

#[tokio::test]
async fn twitter_api_clients_get_bare_arrays_and_the_tweet() {
    let app = TestApp::with(&[("SEED_ROUTES", "true")]).await;
    assert_eq!(app.get("/tweets").await.json(), json!([]), "[] when empty");
    let created = app.post_json("/tweets", json!({ "text": "from the old client" })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = created.json()["id"].as_i64().unwrap();
    for i in 0..120 {
        app.create_tweet(&format!("tweet {i}")).await;
    }
    let all = app.get("/tweets").await.json();
    assert_eq!(all.as_array().unwrap().len(), 121, "every tweet, past one page of the paged API");
    assert_eq!(all[0]["text"], "tweet 119", "newest first");
    assert_eq!(app.get(&format!("/tweets/{id}")).await.json()["text"], "from the old client");
    let patched = app.patch_json(&format!("/tweets/{id}"), json!({ "text": "edited" })).await;
    assert_eq!(patched.json()["text"], "edited");
    assert_eq!(app.delete(&format!("/tweets/{id}")).await.status, StatusCode::NO_CONTENT);
    app.get(&format!("/tweets/{id}")).await.problem(404);
    app.post_json("/tweets", json!({ "text": "  " })).await.problem(422);
    let spec = app.get("/openapi.json").await.json();
    assert!(spec["paths"]["/tweets"]["get"].is_object() && spec["paths"]["/uploads/{name}"]["post"].is_object());
}

#[tokio::test]
async fn security_analytics_uploads_to_a_path_list_files_json_and_db_test() {
    let app = TestApp::with(&[("SEED_ROUTES", "true")]).await;
    let (content_type, body) = form("the_file", "whatever.bin", "application/octet-stream", b"%PDF-1.4");
    let stored = app.raw(Method::POST, "/uploads/reports/2024/q1.pdf", &content_type, body).await;
    assert_eq!(stored.status, StatusCode::NO_CONTENT, "{}", String::from_utf8_lossy(&stored.body));
    assert!(stored.body.is_empty());
    let got = app.get("/uploads/reports/2024/q1.pdf").await;
    assert_eq!((got.status, got.header("content-type")), (StatusCode::OK, Some("application/pdf")));
    assert_eq!(&got.body[..], b"%PDF-1.4");
    assert_eq!(app.get("/api/v1/files/reports/2024/q1.pdf").await.status, StatusCode::OK, "the same storage");

    let (content_type, body) = form("file", "x.txt", "text/plain", b"x");
    app.raw(Method::POST, "/uploads/x.txt", &content_type, body).await.problem(422);
    app.raw(Method::POST, "/uploads/..%2Fescape", "multipart/form-data; boundary=B0undary", "").await.problem(422);
    assert_eq!(app.get("/files.json").await.json(), json!([{ "filename": "reports/2024/q1.pdf" }]));

    let redirect = app.get("/db_test").await;
    assert_eq!(redirect.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(redirect.header("location"), Some("/users"));
}

#[tokio::test]
async fn flask_on_docker_uploads_through_upload_and_serves_media() {
    let app = TestApp::with(&[("SEED_ROUTES", "true"), ("API_TOKEN", "tok")]).await;
    let form_page = app.get("/upload").await;
    assert_eq!((form_page.status, form_page.header("location")), (StatusCode::SEE_OTHER, Some("/files")));
    let (content_type, body) = form("file", "C:\\photos\\cat.png", "image/png", b"\x89PNG");
    let anonymous = app.raw(Method::POST, "/upload", &content_type, body.clone()).await;
    anonymous.problem(401);
    let request = Request::post("/upload")
        .header("content-type", content_type)
        .header("authorization", "Bearer tok")
        .body(Body::from(body))
        .unwrap();
    let stored = app.send(request).await;
    assert_eq!((stored.status, stored.header("location")), (StatusCode::SEE_OTHER, Some("/files")));
    let media = app.get("/media/cat.png").await;
    assert_eq!((media.status, media.header("content-type")), (StatusCode::OK, Some("image/png")));
    assert_eq!(&media.body[..], b"\x89PNG");
    assert_eq!(media.header("x-content-type-options"), Some("nosniff"));
    // Only /files has an upload-URL resource: elsewhere such a name is just not a file name.
    app.get("/media/cat.png/upload-url").await.problem(422);
}

//! The OpenAPI document says exactly what the server accepts: each test reads the constraints
//! /openapi.json declares and checks the server's answer on both sides of them. (scripts/fuzz-api
//! checks the same at random with schemathesis; these are the edges.)

use anyport::{routes::files, storage::FileName, validate};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode},
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse};

/// Every character Rust's `str::trim` removes (Unicode White_Space), which the patterns allow
/// around a value.
const ALL_WHITESPACE: &str = "\t\n\u{b}\u{c}\r \u{85}\u{a0}\u{1680}\u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\
    \u{2006}\u{2007}\u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";

async fn spec(app: &TestApp) -> Value {
    app.get("/openapi.json").await.json()
}

/// Every operation as (method, path, operation).
fn operations(spec: &Value) -> Vec<(String, String, &Value)> {
    let mut all = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            all.push((method.clone(), path.clone(), operation));
        }
    }
    all
}

fn parameter<'a>(operation: &'a Value, name: &str) -> &'a Value {
    let parameters = operation["parameters"].as_array().unwrap_or_else(|| panic!("no parameters: {operation}"));
    parameters.iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no parameter {name}: {operation}"))
}

fn property<'a>(spec: &'a Value, schema: &str, name: &str) -> &'a Value {
    &spec["components"]["schemas"][schema]["properties"][name]
}

fn field_errors(response: &TestResponse) -> Vec<String> {
    let problem = response.problem(422);
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn every_path_id_is_declared_a_positive_int64_and_each_such_id_is_a_valid_request() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let with_id: Vec<_> = operations(&spec).into_iter().filter(|(_, path, _)| path.ends_with("/{id}")).collect();
    assert_eq!(with_id.len(), 9);
    for (method, path, operation) in with_id {
        let id = parameter(operation, "id");
        assert_eq!(id["in"], "path");
        assert_eq!(id["schema"], json!({ "type": "integer", "format": "int64", "minimum": 1 }), "{method} {path}");
    }
    for resource in ["tweets", "users", "workers"] {
        // The smallest and the largest declared id: valid requests for nothing.
        for id in ["1", "9223372036854775807"] {
            app.get(&format!("/api/v1/{resource}/{id}")).await.problem(404);
        }
        assert_eq!(field_errors(&app.get(&format!("/api/v1/{resource}/-1")).await), ["id"]);
    }
}

#[tokio::test]
async fn tweet_text_is_declared_by_its_trimming_rule_and_the_server_agrees_at_its_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let text = property(&spec, "NewTweet", "text");
    assert_eq!(text["pattern"], validate::text_pattern(validate::TWEET_MAX_CHARS));
    // Padding is free, so a length limit on the raw string would be wrong.
    assert!(text["maxLength"].is_null() && text["minLength"].is_null(), "{text}");

    let padded = format!("{ALL_WHITESPACE}x{ALL_WHITESPACE}");
    let created = app.post_json("/api/v1/tweets", json!({ "text": padded })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["text"], "x");
    let long = format!("{ALL_WHITESPACE}{}{ALL_WHITESPACE}", "😀".repeat(280));
    assert_eq!(app.post_json("/api/v1/tweets", json!({ "text": long })).await.status, StatusCode::CREATED);
    // Control characters other than NUL are text like any other.
    assert_eq!(app.post_json("/api/v1/tweets", json!({ "text": "a\u{1}\tb" })).await.status, StatusCode::CREATED);
    for text in [ALL_WHITESPACE.to_string(), "😀".repeat(281), "\u{0}".into(), "a\u{0}".into()] {
        let response = app.post_json("/api/v1/tweets", json!({ "text": text })).await;
        assert_eq!(field_errors(&response), ["text"], "{text:?}");
    }
}

#[tokio::test]
async fn fullname_is_declared_by_its_rule_and_the_server_agrees_at_its_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let pattern = validate::name_pattern(validate::FULLNAME_MAX_CHARS);
    assert_eq!(property(&spec, "NewWorker", "fullname")["pattern"], pattern);
    assert_eq!(property(&spec, "NewWorker", "fullname")["type"], "string");
    assert_eq!(property(&spec, "WorkerPatch", "fullname")["pattern"], pattern);
    assert_eq!(property(&spec, "WorkerPatch", "fullname")["type"], json!(["string", "null"]));

    let create = |fullname: String, n: usize| {
        app.post_json("/api/v1/workers", json!({ "fullname": fullname, "email": format!("w{n}@example.com") }))
    };
    // Whitespace that is also a control character (U+0085) is trimmed at the ends; whitespace
    // that is not one (U+00A0) may stand inside.
    let created = create(format!("{ALL_WHITESPACE}Ada\u{a0}Lovelace{ALL_WHITESPACE}"), 1).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.json()["fullname"], "Ada\u{a0}Lovelace");
    assert_eq!(create(format!(" {} ", "é".repeat(100)), 2).await.status, StatusCode::CREATED);
    for (n, fullname) in ["é".repeat(101), "a\tb".into(), "a\u{85}b".into(), "a\u{7f}".into(), ALL_WHITESPACE.into()]
        .into_iter()
        .enumerate()
    {
        assert_eq!(field_errors(&create(fullname.clone(), n + 10).await), ["fullname"], "{fullname:?}");
    }
}

#[tokio::test]
async fn email_is_declared_by_its_rule_and_the_server_agrees_at_its_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    for (schema, kind) in
        [("NewUser", json!("string")), ("UserPatch", json!(["string", "null"])), ("NewWorker", json!("string"))]
            .into_iter()
            .chain([("WorkerPatch", json!(["string", "null"]))])
    {
        let email = property(&spec, schema, "email");
        assert_eq!(email["pattern"], validate::email_pattern(), "{schema}");
        assert_eq!(email["type"], kind, "{schema}");
    }

    let create = |email: String| app.post_json("/api/v1/users", json!({ "email": email }));
    let created = create(format!("{ALL_WHITESPACE}Ada@Example.COM{ALL_WHITESPACE}")).await;
    assert_eq!(created.json()["email"], "ada@example.com");
    let at_limit = format!("{}@example.com", "a".repeat(validate::EMAIL_MAX_BYTES - 12));
    for email in [at_limit.clone(), "ü@exämple.de".into(), ".a..b.@c.d".into(), "a!#%&'*/=?^`{|}~@b.c".into()] {
        assert_eq!(create(email.clone()).await.status, StatusCode::CREATED, "{email}");
    }
    for email in
        [format!("b{at_limit}"), "a@b".into(), "@b.c".into(), "a@.b.c".into(), "a@b..c".into(), "a@b.c.".into()]
            .into_iter()
            .chain(["a b@c.d".into(), "a@b@c.d".into(), "a\u{1}@b.c".into(), "a@b\u{a0}c.d".into()])
    {
        assert_eq!(field_errors(&create(email.clone()).await), ["email"], "{email:?}");
    }
    // `null` in a patch leaves the email as it is.
    let path = format!("/api/v1/users/{}", created.json()["id"]);
    assert_eq!(app.patch_json(&path, json!({ "email": null })).await.json()["email"], "ada@example.com");
}

#[tokio::test]
async fn file_names_are_declared_on_every_files_path_and_the_server_agrees_at_their_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let named: Vec<_> = operations(&spec).into_iter().filter(|(_, path, _)| path.contains("/{name}")).collect();
    assert_eq!(named.len(), 5);
    for (method, path, operation) in named {
        let name = parameter(operation, "name");
        assert_eq!(name["schema"], json!({ "type": "string", "pattern": FileName::pattern() }), "{method} {path}");
    }
    let put = async |raw: String| app.raw(Method::PUT, &format!("/api/v1/files/{raw}"), "text/plain", "x").await;
    for raw in
        ["a".repeat(255), "%C2%A0".into(), ".a".into(), "a..".into(), "%25".into(), "a%2Fb".into(), "x/y/z.txt".into()]
    {
        assert_eq!(put(raw.clone()).await.status, StatusCode::CREATED, "{raw}");
    }
    for raw in ["a".repeat(256), "a%C2%85b".into(), "%7F".into(), "a%2F%2Fb".into(), "a%2F..%2Fb".into()] {
        assert_eq!(field_errors(&put(raw.clone()).await), ["name"], "{raw}");
    }
    // An API Gateway event arrives with its dot segments already resolved.
    if !crate::helpers::via_lambda() {
        for raw in [".", ".."] {
            assert_eq!(field_errors(&put(raw.into()).await), ["name"], "{raw}");
        }
    }
}

#[tokio::test]
async fn downloads_declare_the_headers_they_read() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let get = &spec["paths"]["/api/v1/files/{name}"]["get"];
    for header in ["Range", "If-Range", "If-None-Match"] {
        assert_eq!(parameter(get, header)["in"], "header", "{header}");
    }
    assert_eq!(parameter(&spec["paths"]["/api/v1/files/{name}"]["head"], "If-None-Match")["in"], "header");
    for status in ["200", "206", "304", "404", "416"] {
        assert!(get["responses"][status].is_object(), "GET documents {status}");
    }
}

#[tokio::test]
async fn the_raw_put_body_is_declared_optional_binary_and_no_body_stores_an_empty_file() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let body = &spec["paths"]["/api/v1/files/{name}"]["put"]["requestBody"];
    assert_eq!(body["required"], false);
    assert_eq!(body["content"]["application/octet-stream"]["schema"]["$ref"], "#/components/schemas/FileBytes");
    assert_eq!(spec["components"]["schemas"]["FileBytes"]["format"], "binary");

    let response = app.send(Request::put("/api/v1/files/empty").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let file = response.json();
    assert_eq!((file["size"].as_u64(), file["content_type"].as_str()), (Some(0), Some("application/octet-stream")));
}

fn multipart(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, filename) in parts {
        let head = format!("--B\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\n\r\n");
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(b"bytes\r\n");
    }
    body.extend_from_slice(b"--B--\r\n");
    body
}

#[tokio::test]
async fn a_multipart_upload_is_declared_as_1_to_100_file_parts_and_the_server_agrees() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let body = &spec["paths"]["/api/v1/files"]["post"]["requestBody"];
    assert_eq!(body["required"], true);
    assert_eq!(body["content"]["multipart/form-data"]["schema"]["$ref"], "#/components/schemas/UploadForm");
    let form = &spec["components"]["schemas"]["UploadForm"];
    assert_eq!((&form["required"], &form["additionalProperties"]), (&json!(["file"]), &json!(false)));
    let file = &form["properties"]["file"];
    assert_eq!((&file["type"], &file["items"]["format"]), (&json!("array"), &json!("binary")));
    assert_eq!(
        (file["minItems"].as_u64(), file["maxItems"].as_u64()),
        (Some(1), Some(files::MAX_FILES_PER_REQUEST as u64))
    );

    let post = |parts: Vec<(&str, String)>| {
        let parts: Vec<(&str, &str)> = parts.iter().map(|(f, n)| (*f, n.as_str())).collect();
        app.raw(Method::POST, "/api/v1/files", "multipart/form-data; boundary=B", multipart(&parts))
    };
    let most: Vec<_> = (0..files::MAX_FILES_PER_REQUEST).map(|i| ("file", format!("f{i}.txt"))).collect();
    let stored = post(most.clone()).await;
    assert_eq!(stored.status, StatusCode::CREATED);
    assert_eq!(stored.json()["items"].as_array().unwrap().len(), files::MAX_FILES_PER_REQUEST);
    let mut too_many = most;
    too_many.push(("file", "one-more.txt".into()));
    post(too_many).await.problem(413);
    assert_eq!(field_errors(&post(vec![]).await), ["file"]);
    assert_eq!(field_errors(&post(vec![("other", "x.txt".into())]).await), ["file"]);
}

#[tokio::test]
async fn upload_url_declares_an_optional_body_and_the_configured_size_limit() {
    let app = TestApp::with(&[("MAX_UPLOAD_BYTES", "1000")]).await;
    let spec = spec(&app).await;
    let body = &spec["paths"]["/api/v1/files/{name}/upload-url"]["post"]["requestBody"];
    assert_eq!(body["required"], false);
    // Optional means "may be left out", not "may be null": no body schema admits `null`.
    assert_eq!(
        body["content"]["application/json"]["schema"],
        json!({ "$ref": "#/components/schemas/UploadUrlRequest" })
    );
    for (method, path, operation) in operations(&spec) {
        let text = operation["requestBody"].to_string();
        assert!(!text.contains(r#"{"type":"null"}"#), "{method} {path}: {text}");
    }
    let size = property(&spec, "UploadUrlRequest", "size");
    assert_eq!((size["minimum"].as_u64(), size["maximum"].as_u64()), (Some(0), Some(1000)));

    let url = "/api/v1/files/a.bin/upload-url";
    let ask = |body: Value| app.post_json(url, body);
    // A whole number is one however JSON writes it; JSON Schema's `integer` agrees.
    for size in [json!(0), json!(1000), json!(5.0), json!(1e3)] {
        assert_eq!(ask(json!({ "size": size })).await.status, StatusCode::OK, "{size}");
    }
    ask(json!({ "size": 1001 })).await.problem(413);
    ask(json!({ "size": 1001.0 })).await.problem(413);
    for size in [json!(5.5), json!(-1), json!("5"), json!(18_446_744_073_709_551_616.0)] {
        assert_eq!(field_errors(&ask(json!({ "size": size })).await), ["size"], "{size}");
    }
    app.post_json(url, Value::Null).await.problem(422);
    assert_eq!(app.send(Request::post(url).body(Body::empty()).unwrap()).await.status, StatusCode::OK);
}

#[tokio::test]
async fn upload_url_content_type_is_declared_by_its_rule_and_the_server_agrees_at_its_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let content_type = property(&spec, "UploadUrlRequest", "content_type");
    assert_eq!(content_type["pattern"], files::content_type_pattern());
    assert_eq!(content_type["type"], json!(["string", "null"]));

    let ask =
        |content_type: String| app.post_json("/api/v1/files/a.bin/upload-url", json!({ "content_type": content_type }));
    let longest = format!("a/{}", "b".repeat(253));
    for (given, stored) in [
        (String::new(), "application/octet-stream"),
        (ALL_WHITESPACE.into(), "application/octet-stream"),
        (format!("{ALL_WHITESPACE}text/plain ; charset=\"utf-8\"{ALL_WHITESPACE}"), "text/plain ; charset=\"utf-8\""),
        (format!(" {longest}\u{3000}"), longest.as_str()),
        ("x.y+z/A-1!#$&^_.;".into(), "x.y+z/A-1!#$&^_.;"),
    ] {
        let response = ask(given.clone()).await;
        assert_eq!(response.status, StatusCode::OK, "{given:?}");
        assert_eq!(response.json()["headers"]["content-type"], stored, "{given:?}");
    }
    for given in [format!("{longest}b"), "text".into(), "/plain".into(), "a/b c".into(), "a/b/c".into()]
        .into_iter()
        .chain(["ü/x".into(), "a/b;\u{1}".into(), "a/b; é".into(), "a@b/c".into()])
    {
        assert_eq!(field_errors(&ask(given.clone()).await), ["content_type"], "{given:?}");
    }
}

#[tokio::test]
async fn list_queries_declare_their_bounds_and_the_server_agrees_at_their_edges() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    for list in ["tweets", "users", "workers", "files"] {
        let operation = &spec["paths"][format!("/api/v1/{list}")]["get"];
        assert_eq!(parameter(operation, "cursor")["schema"]["pattern"], "^[A-Za-z0-9_-]*$", "{list}");
        let limit = &parameter(operation, "limit")["schema"];
        assert_eq!((limit["minimum"].as_u64(), limit["maximum"].as_u64()), (Some(1), Some(100)), "{list}");
    }
    let prefix = parameter(&spec["paths"]["/api/v1/files"]["get"], "prefix");
    assert_eq!(prefix["schema"]["maxLength"], 255);

    // The cursors the API hands out use the declared alphabet, and the empty one is page one.
    app.create_tweet("one").await;
    app.create_tweet("two").await;
    let cursor = app.get("/api/v1/tweets?limit=1").await.json()["next_cursor"].as_str().unwrap().to_string();
    assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{cursor}");
    let next = app.get(&format!("/api/v1/tweets?limit=1&cursor={cursor}")).await.json();
    assert_eq!(next["items"][0]["text"], "one");
    assert_eq!(app.get("/api/v1/tweets?cursor=").await.json()["items"].as_array().unwrap().len(), 2);
    assert_eq!(app.get(&format!("/api/v1/files?prefix={}", "a".repeat(255))).await.status, StatusCode::OK);
    assert_eq!(field_errors(&app.get(&format!("/api/v1/files?prefix={}", "a".repeat(256))).await), ["prefix"]);
}

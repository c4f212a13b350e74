//! The files API conformance suite, run unchanged against every storage backend on a real
//! server (local directory, GridFS over the MongoDB wire protocol, S3).

use anyport::storage::{EtagHasher, PART_SIZE};
use axum::{
    body::{Body, Bytes},
    http::{Method, Request, StatusCode},
};
use futures_util::stream;

use crate::{
    helpers::{TestApp, TestResponse},
    storage_env::{Backend, FilesApp},
};

/// GridFS's default chunk size: the interesting boundary for ranges and sizes.
const CHUNK: usize = 255 * 1024;

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + seed as usize * 7 + i / 251) % 256) as u8).collect()
}

fn etag_of(bytes: &[u8]) -> String {
    let mut hasher = EtagHasher::default();
    hasher.update(bytes);
    hasher.finish()
}

fn path(name: &str) -> String {
    format!("/api/v1/files/{}", percent_encoding::utf8_percent_encode(name, anyport::storage::UNRESERVED))
}

async fn put(app: &TestApp, name: &str, bytes: Vec<u8>) -> TestResponse {
    app.raw(Method::PUT, &path(name), "application/octet-stream", bytes).await
}

/// A PUT whose body arrives in chunks with no Content-Length, optionally failing (a client
/// that disconnects) after `fail_after` chunks.
async fn put_streamed(
    app: &TestApp,
    name: &str,
    bytes: &[u8],
    chunk: usize,
    fail_after: Option<usize>,
) -> TestResponse {
    let mut items: Vec<Result<Bytes, std::io::Error>> =
        bytes.chunks(chunk.max(1)).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
    if let Some(n) = fail_after {
        items.truncate(n);
        items.push(Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")));
    }
    let request = Request::put(path(name)).header("content-type", "application/pdf");
    app.send(request.body(Body::from_stream(stream::iter(items))).unwrap()).await
}

async fn get_with(app: &TestApp, name: &str, headers: &[(&str, &str)]) -> TestResponse {
    let mut request = Request::get(path(name));
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

async fn names(app: &TestApp, query: &str) -> (Vec<String>, Option<String>) {
    let body = app.get(&format!("/api/v1/files?{query}")).await.json();
    let names = body["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect();
    (names, body["next_cursor"].as_str().map(str::to_string))
}

async fn assert_absent(files: &FilesApp, name: &str) {
    files.app.get(&path(name)).await.problem(404);
    assert!(!names(&files.app, "").await.0.contains(&name.to_string()), "{name} is listed");
    let strays = files.strays().await;
    assert!(strays.is_empty(), "{:?} left behind: {strays:?}", files.backend);
}

async fn round_trips_empty_tiny_one_chunk_and_multi_chunk_files(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    for (i, len) in [0, 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, PART_SIZE + 5].into_iter().enumerate() {
        let name = format!("size-{len}.bin");
        let bytes = data(len, i as u8);
        let created = put(app, &name, bytes.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{len}: {}", String::from_utf8_lossy(&created.body));
        let meta = created.json();
        assert_eq!(meta["size"], len, "{len}");
        assert_eq!(meta["etag"], etag_of(&bytes), "{len}: the same ETag on every backend");
        assert_eq!(created.header("location"), Some(path(&name).as_str()));

        let got = app.get(&path(&name)).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.body.len(), len);
        assert!(got.body == bytes, "{len} bytes differ");
        assert_eq!(got.header("etag"), Some(format!("\"{}\"", etag_of(&bytes)).as_str()));
        assert_eq!(got.header("content-length"), Some(len.to_string().as_str()));

        let head = app.send(Request::head(path(&name)).body(Body::empty()).unwrap()).await;
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(head.header("content-length"), Some(len.to_string().as_str()));
        assert!(head.body.is_empty());
    }
    // Chunked bodies without a Content-Length stream the same way.
    let bytes = data(2 * CHUNK + 3, 9);
    assert_eq!(put_streamed(app, "streamed.pdf", &bytes, 10_000, None).await.status, StatusCode::CREATED);
    let got = app.get(&path("streamed.pdf")).await;
    assert!(got.body == bytes);
    assert_eq!(got.header("content-type"), Some("application/pdf"));
    assert!(files.strays().await.is_empty());
}

async fn ranges_across_chunk_boundaries_return_exactly_those_bytes(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    let len = 3 * CHUNK + 100;
    let bytes = data(len, 3);
    put(app, "ranged.bin", bytes.clone()).await;
    let cases = [
        ("bytes=0-0", 0, 0),
        ("bytes=261119-261120", CHUNK - 1, CHUNK),
        ("bytes=100-600000", 100, 600_000),
        (&format!("bytes={}-{}", CHUNK, 2 * CHUNK - 1) as &str, CHUNK, 2 * CHUNK - 1),
        ("bytes=-10", len - 10, len - 1),
        ("bytes=700000-", 700_000, len - 1),
        ("bytes=5-99999999", 5, len - 1),
    ];
    for (range, start, end) in cases {
        let response = get_with(app, "ranged.bin", &[("range", range)]).await;
        assert_eq!(response.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(response.header("content-range"), Some(format!("bytes {start}-{end}/{len}").as_str()), "{range}");
        assert!(response.body[..] == bytes[start..=end], "{range}: wrong bytes");
    }
    for range in [format!("bytes={len}-"), "bytes=5-2".into(), "bytes=0-1,5-6".into(), "bytes=x-y".into()] {
        let response = get_with(app, "ranged.bin", &[("range", &range)]).await;
        response.problem(416);
        assert_eq!(response.header("content-range"), Some(format!("bytes */{len}").as_str()), "{range}");
    }
    // If-Range with another version's ETag: the whole (current) file.
    let full = get_with(app, "ranged.bin", &[("range", "bytes=0-9"), ("if-range", "\"stale\"")]).await;
    assert_eq!((full.status, full.body.len()), (StatusCode::OK, len));
}

async fn replacing_answers_200_and_serves_only_the_new_content(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    assert_eq!(put(app, "doc.txt", data(3 * CHUNK, 1)).await.status, StatusCode::CREATED);
    let replaced = put(app, "doc.txt", b"short now".to_vec()).await;
    assert_eq!(replaced.status, StatusCode::OK);
    assert_eq!(replaced.json()["size"], 9);
    assert_eq!(&app.get(&path("doc.txt")).await.body[..], b"short now");
    assert_eq!(names(app, "").await.0, ["doc.txt"]);
    assert!(files.strays().await.is_empty());
    if let Some(chunks) = files.chunk_count().await {
        assert_eq!(chunks, 1, "the old revision's chunks are gone");
    }
}

async fn a_failed_replacement_leaves_the_old_file_intact(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    let original = data(2 * CHUNK + 11, 4);
    put(app, "keep.bin", original.clone()).await;
    let failed = put_streamed(app, "keep.bin", &data(3 * CHUNK, 5), 65536, Some(5)).await;
    failed.problem(400);
    let got = app.get(&path("keep.bin")).await;
    assert!(got.body == original, "the original survives a failed replacement");
    assert_eq!(got.header("etag"), Some(format!("\"{}\"", etag_of(&original)).as_str()));
    assert!(files.strays().await.is_empty(), "{:?}", files.strays().await);
}

async fn deleting_twice_is_204_then_404(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    put(app, "gone.txt", data(CHUNK + 5, 6)).await;
    assert_eq!(app.delete(&path("gone.txt")).await.status, StatusCode::NO_CONTENT);
    app.delete(&path("gone.txt")).await.problem(404);
    assert_absent(&files, "gone.txt").await;
    if let Some(chunks) = files.chunk_count().await {
        assert_eq!(chunks, 0);
    }
}

async fn listing_pages_through_names_in_order_with_a_prefix(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    for name in ["b-2.txt", "a.txt", "b-1.txt", "b-3.txt", "c.txt", "b-4.txt"] {
        put(app, name, name.as_bytes().to_vec()).await;
    }
    let (first, cursor) = names(app, "prefix=b-&limit=3").await;
    assert_eq!(first, ["b-1.txt", "b-2.txt", "b-3.txt"]);
    let (second, cursor) = names(app, &format!("prefix=b-&limit=3&cursor={}", cursor.unwrap())).await;
    assert_eq!(second, ["b-4.txt"]);
    assert!(cursor.is_none());
    let (all, _) = names(app, "limit=100").await;
    assert_eq!(all, ["a.txt", "b-1.txt", "b-2.txt", "b-3.txt", "b-4.txt", "c.txt"]);
    let listed = app.get("/api/v1/files?prefix=a").await.json();
    let item = &listed["items"][0];
    assert_eq!((item["name"].as_str(), item["size"].as_u64()), (Some("a.txt"), Some(5)));
    assert!(item["etag"].is_string() && item["uploaded_at"].is_string() && item["content_type"].is_string());
    for query in ["limit=0", "limit=101", "cursor=%%%", "cursor=Zm9v", "unknown=1"] {
        app.get(&format!("/api/v1/files?{query}")).await.problem(422);
    }
}

async fn unicode_names_work_and_hostile_names_are_422(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    // s3s-fs keeps object metadata in a file named after the base64 of the key, so it cannot
    // store keys much over 140 bytes; real S3 takes 1024. The full 254 bytes elsewhere.
    let long = "é".repeat(if backend == Backend::S3 { 60 } else { 127 });
    for name in ["naïve café ☕.txt", "日本語.pdf", "%2e%2e", "...", "a+b c.txt", &long] {
        let created = put(app, name, name.as_bytes().to_vec()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{name}: {}", String::from_utf8_lossy(&created.body));
        let got = app.get(&path(name)).await;
        assert_eq!(&got.body[..], name.as_bytes(), "{name}");
        let disposition = got.header("content-disposition").unwrap();
        let encoded = percent_encoding::utf8_percent_encode(name, anyport::storage::UNRESERVED).to_string();
        assert!(disposition.starts_with("attachment;") && disposition.contains(&format!("filename*=UTF-8''{encoded}")));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(got.header("content-security-policy"), Some("sandbox"));
    }
    let (listed, _) = names(app, "limit=100").await;
    assert_eq!(listed.len(), 6);
    let long = "a".repeat(256);
    for raw in ["..", ".", "..%2Fx", "a%2F%2Fb", "a%5Cb", "nul%00", "tab%09", &long] {
        let response = app.raw(Method::PUT, &format!("/api/v1/files/{raw}"), "text/plain", "x").await;
        let problem = response.problem(422);
        assert_eq!(problem["errors"][0]["field"], "name", "{raw}");
        app.get(&format!("/api/v1/files/{raw}")).await.problem(422);
    }
    assert_eq!(names(app, "limit=100").await.0.len(), 6, "nothing hostile was stored");
}

async fn an_upload_over_the_limit_is_413_and_stores_nothing(backend: Backend) {
    // Above one S3 part, so the S3 backend must abort a started multipart upload.
    let limit = PART_SIZE + 1024 * 1024;
    let Some(files) = FilesApp::start(backend, &[("MAX_UPLOAD_BYTES", &limit.to_string())]).await else { return };
    let app = &files.app;
    let declared = app.raw(Method::PUT, &path("big.bin"), "application/octet-stream", data(limit + 1, 1)).await;
    declared.problem(413);
    let streamed = put_streamed(app, "big.bin", &data(limit + 2 * 1024 * 1024, 2), 256 * 1024, None).await;
    streamed.problem(413);
    assert_absent(&files, "big.bin").await;
    if let Some(chunks) = files.chunk_count().await {
        assert_eq!(chunks, 0, "no orphan GridFS chunks");
    }
    // Exactly the limit is fine.
    let exact = put_streamed(app, "exact.bin", &data(limit, 3), 300_000, None).await;
    assert_eq!(exact.status, StatusCode::CREATED);
}

async fn an_interrupted_upload_stores_nothing(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    let bytes = data(PART_SIZE + 3 * CHUNK, 7);
    put_streamed(app, "cut.bin", &bytes, 512 * 1024, Some(18)).await.problem(400);
    put_streamed(app, "cut-early.bin", &bytes, 1000, Some(3)).await.problem(400);
    assert_absent(&files, "cut.bin").await;
    assert_absent(&files, "cut-early.bin").await;
    if let Some(chunks) = files.chunk_count().await {
        assert_eq!(chunks, 0, "no orphan GridFS chunks");
    }
}

async fn if_none_match_with_the_current_etag_is_304(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    let etag = format!("\"{}\"", put(app, "cached.txt", b"v1".to_vec()).await.json()["etag"].as_str().unwrap());
    let cached = get_with(app, "cached.txt", &[("if-none-match", &etag)]).await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    assert!(cached.body.is_empty());
    assert_eq!(get_with(app, "cached.txt", &[("if-none-match", "\"other\", W/\"x\"")]).await.status, StatusCode::OK);
    put(app, "cached.txt", b"v2".to_vec()).await;
    let changed = get_with(app, "cached.txt", &[("if-none-match", &etag)]).await;
    assert_eq!((changed.status, &changed.body[..]), (StatusCode::OK, &b"v2"[..]));
}

fn multipart_body(boundary: &str, parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, filename, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: text/plain\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

async fn multipart_uploads_store_every_file_or_none(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[("MAX_UPLOAD_BYTES", "600000")]).await else { return };
    let app = &files.app;
    let content_type = "multipart/form-data; boundary=XyZ";
    let one = data(300_000, 1);
    let body = multipart_body("XyZ", &[("file", "C:\\Users\\me\\one.bin", &one), ("file", "two.txt", b"two")]);
    let response = app.raw(Method::POST, "/api/v1/files", content_type, body).await;
    assert_eq!(response.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&response.body));
    let items = response.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.iter().map(|i| i["name"].as_str().unwrap()).collect::<Vec<_>>(), ["one.bin", "two.txt"]);
    assert!(app.get(&path("one.bin")).await.body == one);

    // The second file takes the request over the limit: the first one is removed again.
    let body = multipart_body("XyZ", &[("file", "three.bin", &one), ("file", "four.bin", &data(400_000, 2))]);
    app.raw(Method::POST, "/api/v1/files", content_type, body).await.problem(413);
    assert_absent(&files, "three.bin").await;
    assert_absent(&files, "four.bin").await;

    let wrong_part = multipart_body("XyZ", &[("upload", "x.txt", b"x")]);
    app.raw(Method::POST, "/api/v1/files", content_type, wrong_part).await.problem(422);
    app.raw(Method::POST, "/api/v1/files", "application/json", "{}").await.problem(415);
    app.raw(Method::POST, "/api/v1/files", content_type, "garbage").await.problem(400);
    assert_eq!(names(app, "").await.0, ["one.bin", "two.txt"]);
}

async fn readiness_checks_the_storage_backend(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let ready = files.app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.json()["checks"]["storage"], "ok");
}

async fn upload_url_points_at_a_working_upload(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[("MAX_UPLOAD_BYTES", "1000")]).await else { return };
    let app = &files.app;
    let json = serde_json::json!({ "content_type": "text/plain", "size": 5 });
    let response = app.post_json(&format!("{}/upload-url", path("note.txt")), json).await;
    assert_eq!(response.status, StatusCode::OK, "{}", String::from_utf8_lossy(&response.body));
    let target = response.json();
    assert_eq!(target["method"], "PUT");
    assert_eq!(target["headers"]["content-type"], "text/plain");
    let url = target["url"].as_str().unwrap();
    if backend == Backend::S3 {
        assert!(url.starts_with("http") && url.contains("X-Amz-Signature"), "{url}");
        assert!(target["expires_at"].is_string());
    } else {
        assert_eq!(url, path("note.txt"));
        assert_eq!(app.raw(Method::PUT, url, "text/plain", "hello").await.status, StatusCode::CREATED);
    }
    let too_big = serde_json::json!({ "size": 1001 });
    app.post_json(&format!("{}/upload-url", path("note.txt")), too_big).await.problem(413);
    let no_body = app.send(Request::post(format!("{}/upload-url", path("x.bin"))).body(Body::empty()).unwrap()).await;
    assert_eq!(no_body.status, StatusCode::OK);
}

async fn a_file_sent_without_a_type_gets_the_type_its_extension_names(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    let untyped = app.send(Request::put(path("report.pdf")).body(Body::from("%PDF-1.7")).unwrap()).await;
    assert_eq!(untyped.json()["content_type"], "application/pdf");
    let octet = app.raw(Method::PUT, &path("notes.txt"), "application/octet-stream", "hi").await;
    assert_eq!(octet.json()["content_type"], "text/plain");
    let declared = app.raw(Method::PUT, &path("data.txt"), "application/x-custom", "x").await;
    assert_eq!(declared.json()["content_type"], "application/x-custom", "a type the client names is kept");
    let unknown = app.send(Request::put(path("blob.zzz9")).body(Body::from("x")).unwrap()).await;
    assert_eq!(unknown.json()["content_type"], "application/octet-stream");
    let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"page.html\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n<script>alert(1)</script>\r\n--XyZ--\r\n"
        .to_vec();
    let form = app.raw(Method::POST, "/api/v1/files", "multipart/form-data; boundary=XyZ", body).await;
    assert_eq!(form.json()["items"][0]["content_type"], "text/html");

    // Served with its type, and as safely as before: never rendered in the app's origin.
    let got = app.get(&path("page.html")).await;
    assert_eq!(got.header("content-type"), Some("text/html"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(got.header("content-security-policy"), Some("sandbox"));
    assert!(got.header("content-disposition").unwrap().starts_with("attachment"));
    assert_eq!(app.get(&path("report.pdf")).await.header("content-type"), Some("application/pdf"));
}

async fn names_with_folders_work_and_names_that_escape_are_422(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    for name in ["reports/2024/q1.pdf", "reports/2024/q2.pdf", "reports/readme.txt", "top.txt", "zeta/deep/x/y.bin"] {
        let stored = app.raw(Method::PUT, &format!("/api/v1/files/{name}"), "text/plain", name.to_string()).await;
        assert_eq!(stored.status, StatusCode::CREATED, "{name}: {}", String::from_utf8_lossy(&stored.body));
        assert_eq!(stored.header("location"), Some(path(name).as_str()));
    }
    // Reached with raw slashes and with %2F alike.
    assert_eq!(&app.get("/api/v1/files/reports/2024/q1.pdf").await.body[..], b"reports/2024/q1.pdf");
    assert_eq!(&app.get(&path("reports/2024/q1.pdf")).await.body[..], b"reports/2024/q1.pdf");

    let level = |query: &str| {
        let query = query.to_string();
        async move {
            let body = app.get(&format!("/api/v1/files?delimiter=/&{query}")).await.json();
            let items: Vec<String> =
                body["items"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().into()).collect();
            let folders: Vec<String> =
                body["folders"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().into()).collect();
            (items, folders, body["next_cursor"].as_str().map(str::to_string))
        }
    };
    assert_eq!(level("").await, (vec!["top.txt".into()], vec!["reports/".into(), "zeta/".into()], None));
    assert_eq!(level("prefix=reports/").await, (vec!["reports/readme.txt".into()], vec!["reports/2024/".into()], None));
    let (items, folders, _) = level("prefix=reports/2024/").await;
    assert_eq!((items.len(), folders.len()), (2, 0));
    // Pages count files and folders together, and a folder cursor resumes past its names.
    let (items, folders, cursor) = level("limit=1").await;
    assert_eq!((items, folders), (vec![], vec!["reports/".to_string()]));
    let (items, folders, cursor) = level(&format!("limit=1&cursor={}", cursor.unwrap())).await;
    assert_eq!((items, folders), (vec!["top.txt".to_string()], vec![]));
    let (items, folders, cursor) = level(&format!("limit=1&cursor={}", cursor.unwrap())).await;
    assert_eq!((items, folders, cursor), (vec![], vec!["zeta/".to_string()], None));
    // Without a delimiter, every name, flat.
    assert_eq!(names(app, "prefix=reports/").await.0.len(), 3);
    app.get("/api/v1/files?delimiter=,").await.problem(422);

    // A direct-upload URL for a name in a folder, and delete.
    let url = app.post_json("/api/v1/files/reports/2025/plan.txt/upload-url", serde_json::json!({})).await;
    assert_eq!(url.status, StatusCode::OK, "{}", String::from_utf8_lossy(&url.body));
    assert!(url.json()["url"].as_str().unwrap().contains("plan.txt"));
    assert_eq!(app.delete("/api/v1/files/zeta/deep/x/y.bin").await.status, StatusCode::NO_CONTENT);
    app.get("/api/v1/files/zeta/deep/x/y.bin").await.problem(404);

    // `…/upload-url` is the upload-URL resource: only POST, and a POST elsewhere names the rest.
    let put = app.raw(Method::PUT, "/api/v1/files/top.txt/upload-url", "text/plain", "x").await;
    put.problem(405);
    assert_eq!(put.header("allow"), Some("POST"));
    let options = app.raw(Method::OPTIONS, "/api/v1/files/top.txt/upload-url", "text/plain", "").await;
    assert_eq!((options.status, options.header("allow")), (StatusCode::METHOD_NOT_ALLOWED, Some("POST")));
    let options = app.raw(Method::OPTIONS, "/api/v1/files/reports/top.txt", "text/plain", "").await;
    assert_eq!(options.header("allow"), Some("GET, HEAD, PUT, DELETE"));
    let post = app.raw(Method::POST, "/api/v1/files/top.txt", "application/octet-stream", "x").await;
    post.problem(405);
    assert_eq!(post.header("allow"), Some("GET, HEAD, PUT, DELETE"));

    // Names designed to leave the store: refused before any backend sees them.
    for hostile in [
        "..%2Fescape.txt",
        "a/../../etc/passwd",
        "%2Fabs.txt",
        "a//b.txt",
        "a%5Cb.txt",
        "a/./b.txt",
        "reports/",
        "%2e%2e/x",
        "a/%00/b",
    ] {
        let response = app.raw(Method::PUT, &format!("/api/v1/files/{hostile}"), "text/plain", "x").await;
        assert_eq!(
            response.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{hostile}: {}",
            String::from_utf8_lossy(&response.body)
        );
    }
    if backend == Backend::Local {
        let outside: Vec<_> = std::fs::read_dir(files.app.files_dir().parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        assert!(!outside.iter().any(|n| n.contains("escape") || n == "etc"), "{outside:?}");
    }
    assert_eq!(names(app, "").await.0.len(), 4, "nothing else stored");
}

async fn sizes_at_part_boundaries_get_the_same_etag_on_every_backend(backend: Backend) {
    let Some(files) = FilesApp::start(backend, &[]).await else { return };
    let app = &files.app;
    for (i, len) in [0, 1, PART_SIZE - 1, PART_SIZE, PART_SIZE + 1, 2 * PART_SIZE].into_iter().enumerate() {
        let bytes = data(len, i as u8);
        // Streamed in 64 KiB chunks with no Content-Length, as a client upload arrives.
        let name = format!("edge-{len}.bin");
        let stored = put_streamed(app, &name, &bytes, 64 * 1024, None).await;
        assert!(stored.status.is_success(), "{len}: {}", String::from_utf8_lossy(&stored.body));
        assert_eq!(stored.json()["etag"], etag_of(&bytes), "{len} bytes: the rule's ETag");
        let expected_parts = if len <= PART_SIZE { None } else { Some(len.div_ceil(PART_SIZE)) };
        let parts = stored.json()["etag"].as_str().unwrap().split_once('-').map(|(_, n)| n.parse::<usize>().unwrap());
        assert_eq!(parts, expected_parts, "{len} bytes");
        assert!(app.get(&path(&name)).await.body == bytes, "{len} bytes read back");
    }
}

macro_rules! for_each_backend {
    ($($test:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test] async fn $test() { super::$test(super::Backend::Local).await })*
        }
        mod gridfs {
            $(#[tokio::test] async fn $test() { super::$test(super::Backend::GridFs).await })*
        }
        mod s3 {
            $(#[tokio::test] async fn $test() { super::$test(super::Backend::S3).await })*
        }
    };
}

for_each_backend!(
    round_trips_empty_tiny_one_chunk_and_multi_chunk_files,
    ranges_across_chunk_boundaries_return_exactly_those_bytes,
    replacing_answers_200_and_serves_only_the_new_content,
    a_failed_replacement_leaves_the_old_file_intact,
    deleting_twice_is_204_then_404,
    listing_pages_through_names_in_order_with_a_prefix,
    unicode_names_work_and_hostile_names_are_422,
    an_upload_over_the_limit_is_413_and_stores_nothing,
    an_interrupted_upload_stores_nothing,
    if_none_match_with_the_current_etag_is_304,
    multipart_uploads_store_every_file_or_none,
    readiness_checks_the_storage_backend,
    upload_url_points_at_a_working_upload,
    a_file_sent_without_a_type_gets_the_type_its_extension_names,
    names_with_folders_work_and_names_that_escape_are_422,
    sizes_at_part_boundaries_get_the_same_etag_on_every_backend,
);

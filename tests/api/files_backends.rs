//! Backend-specific file behaviour: S3 presigned URLs, storage outages, and `files copy`
//! between every pair of backends.

use axum::http::{Method, StatusCode};

use crate::{
    helpers::TestApp,
    storage_env::{Backend, FilesApp, gridfs_vars, s3_vars},
};

/// Changes one character of the signature, as a tampering client would.
fn tamper(url: &str) -> String {
    let at = url.find("X-Amz-Signature=").expect("signed URL") + "X-Amz-Signature=".len();
    let mut bytes = url.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    String::from_utf8(bytes).unwrap()
}

#[tokio::test]
async fn s3_presigned_put_uploads_directly_and_a_tampered_url_is_refused() {
    let Some(files) = FilesApp::start(Backend::S3, &[]).await else { return };
    let app = &files.app;
    let body = serde_json::json!({ "content_type": "text/csv", "size": 11 });
    let target = app.post_json("/api/v1/files/report.csv/upload-url", body).await.json();
    let url = target["url"].as_str().unwrap();
    let http = reqwest::Client::new();

    let forged = http.put(tamper(url)).header("content-type", "text/csv").body("a,b\n1,2\n3,4").send().await.unwrap();
    assert_eq!(forged.status(), 403);
    let wrong_type = http.put(url).header("content-type", "text/html").body("a,b\n1,2\n3,4").send().await.unwrap();
    assert_eq!(wrong_type.status(), 403, "the content type is signed");
    app.get("/api/v1/files/report.csv").await.problem(404);

    let mut request = http.put(url).body("a,b\n1,2\n3,4");
    for (k, v) in target["headers"].as_object().unwrap() {
        request = request.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(request.send().await.unwrap().status(), 200);
    let got = app.get("/api/v1/files/report.csv").await;
    assert_eq!((&got.body[..], got.header("content-type")), (&b"a,b\n1,2\n3,4"[..], Some("text/csv")));
}

#[tokio::test]
async fn presigned_urls_carry_s3_public_endpoint_url_and_work_there() {
    // Clients reach the server by another name than the app: `localhost` here, as a browser
    // on the host reaches compose's `s3` service.
    let Some(endpoint) = crate::storage_env::server_var("TEST_S3_ENDPOINT") else { return };
    let public = endpoint.replace("127.0.0.1", "localhost");
    let Some(files) = FilesApp::start(Backend::S3, &[("S3_PUBLIC_ENDPOINT_URL", public.as_str())]).await else {
        return;
    };
    let app = &files.app;
    let target = app.post_json("/api/v1/files/public.txt/upload-url", serde_json::json!({})).await.json();
    let url = target["url"].as_str().unwrap();
    assert!(url.starts_with(&public), "{url} is not on {public}");
    let mut request = reqwest::Client::new().put(url).body("hello");
    for (k, v) in target["headers"].as_object().unwrap() {
        request = request.header(k.as_str(), v.as_str().unwrap());
    }
    assert_eq!(request.send().await.unwrap().status(), 200, "the signature holds for the public host");
    assert_eq!(&app.get("/api/v1/files/public.txt").await.body[..], b"hello", "the app reads it on its own endpoint");
}

#[tokio::test]
async fn s3_downloads_can_redirect_to_a_presigned_get() {
    let Some(files) = FilesApp::start(Backend::S3, &[("S3_REDIRECT_DOWNLOADS", "true")]).await else { return };
    let app = &files.app;
    app.raw(Method::PUT, "/api/v1/files/big%20file.bin", "application/octet-stream", vec![7u8; 70_000]).await;
    let redirect = app.get("/api/v1/files/big%20file.bin").await;
    assert_eq!(redirect.status, StatusCode::SEE_OTHER);
    let url = redirect.header("location").unwrap().to_string();
    let got = reqwest::get(&url).await.unwrap();
    assert_eq!(got.status(), 200);
    let disposition = got.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.contains("filename*=UTF-8''big%20file.bin"), "{disposition}");
    assert_eq!(got.bytes().await.unwrap().len(), 70_000);
    assert_eq!(reqwest::get(tamper(&url)).await.unwrap().status(), 403);
}

#[tokio::test]
async fn when_storage_is_unreachable_files_get_503_and_readiness_says_so() {
    // Ports where nothing listens: connections are refused at once.
    let cases: Vec<Vec<(String, String)>> = vec![
        vec![(
            "MONGODB_URI".into(),
            "mongodb://127.0.0.1:1/x?directConnection=true&serverSelectionTimeoutMS=500".into(),
        )],
        vec![
            ("STORAGE_BACKEND".into(), "s3".into()),
            ("S3_BUCKET".into(), "nowhere".into()),
            ("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:1".into()),
            ("S3_FORCE_PATH_STYLE".into(), "true".into()),
            ("AWS_ACCESS_KEY_ID".into(), "k".into()),
            ("AWS_SECRET_ACCESS_KEY".into(), "s".into()),
        ],
    ];
    for vars in cases {
        let app = TestApp::with_vars(vars.clone()).await;
        let started = std::time::Instant::now();
        let ready = app.get("/readyz").await;
        ready.problem(503);
        assert!(ready.json()["checks"]["storage"].as_str().unwrap().starts_with("unavailable"), "{vars:?}");
        let list = app.get("/api/v1/files").await;
        list.problem(503);
        assert_eq!(list.header("retry-after"), Some("5"));
        app.raw(Method::PUT, "/api/v1/files/a.txt", "text/plain", "x").await.problem(503);
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{vars:?} took {:?}", started.elapsed());
        assert_eq!(app.get("/api/v1/tweets").await.status, StatusCode::OK, "the database side is unaffected");
    }
}

#[tokio::test]
async fn files_copy_moves_every_file_between_backends_and_skips_what_is_there() {
    let Some((_, gridfs_uri)) = gridfs_vars() else { return };
    let Some(s3) = s3_vars().await else { return };
    let var = |k: &str| s3.iter().find(|(key, _)| key == k).unwrap().1.clone();
    let s3_url = format!("s3://{}/moved/?endpoint={}&path_style=true", var("S3_BUCKET"), var("AWS_ENDPOINT_URL"));
    let local = tempfile::tempdir().unwrap();
    let local_url = format!("file://{}", local.path().display());
    let vars = anyport::config::Vars::from_map(
        [("AWS_ACCESS_KEY_ID", var("AWS_ACCESS_KEY_ID")), ("AWS_SECRET_ACCESS_KEY", var("AWS_SECRET_ACCESS_KEY"))]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    );
    let open = async |url: &str| anyport::storage::StorageConfig::from_url(url, &vars).unwrap().open().await.unwrap();
    let (gridfs, s3, back) = (open(&gridfs_uri).await, open(&s3_url).await, open(&local_url).await);

    let sizes = [0usize, 5, 300_000, anyport::storage::PART_SIZE + 3];
    let mut originals = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        let name = anyport::storage::FileName::parse(&format!("file-{i} ☕.bin")).unwrap();
        let bytes: Vec<u8> = (0..*size).map(|b| (b % 253) as u8 ^ i as u8).collect();
        let body: anyport::storage::ByteStream =
            Box::pin(futures_util::stream::iter([Ok(axum::body::Bytes::from(bytes.clone()))]));
        gridfs.put(&name, "application/x-test", body, u64::MAX).await.unwrap();
        originals.push((name, bytes));
    }

    let mut lines = Vec::new();
    let first =
        anyport::files_copy::copy_all(gridfs.as_ref(), s3.as_ref(), |l| lines.push(l.to_string())).await.unwrap();
    assert_eq!((first.copied, first.skipped), (4, 0), "{lines:?}");
    let again = anyport::files_copy::copy_all(gridfs.as_ref(), s3.as_ref(), |_| {}).await.unwrap();
    assert_eq!((again.copied, again.skipped), (0, 4), "same size and etag on S3 as on GridFS");
    let onward = anyport::files_copy::copy_all(s3.as_ref(), back.as_ref(), |_| {}).await.unwrap();
    assert_eq!(onward.copied, 4);

    for (name, bytes) in &originals {
        let (meta, body) = back.get(name, None).await.unwrap().expect("copied");
        let chunks: Vec<axum::body::Bytes> = futures_util::TryStreamExt::try_collect(body).await.unwrap();
        let copied = chunks.concat();
        assert!(copied == *bytes, "{name}");
        assert_eq!(meta.content_type, "application/x-test");
    }
}

#[test]
fn backend_urls_are_parsed_and_bad_ones_explained() {
    let vars = anyport::config::Vars::from_map(Default::default());
    let parse = |u: &str| anyport::storage::StorageConfig::from_url(u, &vars);
    assert_eq!(parse("file:///srv/files").unwrap().kind(), "local");
    assert_eq!(parse("local:data/files").unwrap().kind(), "local");
    assert_eq!(parse("mongodb+srv://u:p@cluster.example.net/app#uploads").unwrap().kind(), "gridfs");
    assert_eq!(parse("s3://bucket/prefix/?region=eu-west-1").unwrap().kind(), "s3");
    for bad in ["ftp://x", "s3:///nobucket", "file://", "postgres://u:secret@h/db"] {
        let err = parse(bad).unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}

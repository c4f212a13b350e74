//! A storage service that answers with its own server errors: the app is not at fault, so
//! the client gets 502 (the service failed) or 503 (the service asks to be retried), as
//! problem+json, never a 500. The S3 endpoint is a socket that answers every request with
//! the given status and an S3 error document, as S3 does when it fails.

use axum::http::StatusCode;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::helpers::TestApp;

/// An endpoint answering every request with `status` and S3's XML error body.
async fn failing_s3(status: u16, code: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = vec![0u8; 64 * 1024];
                let _ = stream.read(&mut head).await;
                let body = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code>\
                     <Message>injected</Message><RequestId>t</RequestId></Error>"
                );
                let response = format!(
                    "HTTP/1.1 {status} Injected\r\ncontent-type: application/xml\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

async fn app_on(endpoint: &str) -> TestApp {
    TestApp::with(&[
        ("STORAGE_BACKEND", "s3"),
        ("S3_BUCKET", "faulty"),
        ("AWS_ENDPOINT_URL", endpoint),
        ("AWS_REGION", "us-east-1"),
        ("S3_FORCE_PATH_STYLE", "true"),
        ("AWS_ACCESS_KEY_ID", "k"),
        ("AWS_SECRET_ACCESS_KEY", "s"),
    ])
    .await
}

#[tokio::test]
async fn a_storage_service_answering_500_gives_502_problem_json_not_500() {
    let app = app_on(&failing_s3(500, "InternalError").await).await;
    for path in ["/api/v1/files/report.pdf", "/api/v1/files"] {
        let response = app.get(path).await;
        let problem = response.problem(502);
        assert!(problem["detail"].as_str().unwrap().contains("storage"), "{problem}");
        assert!(!problem["detail"].as_str().unwrap().contains("InternalError"), "the cause stays in the log");
    }
    let put = app.raw(axum::http::Method::PUT, "/api/v1/files/a.txt", "text/plain", "hello").await;
    put.problem(502);
}

#[tokio::test]
async fn a_storage_service_answering_503_gives_503_with_retry_after() {
    let app = app_on(&failing_s3(503, "SlowDown").await).await;
    let response = app.get("/api/v1/files/report.pdf").await;
    response.problem(503);
    assert_eq!(response.header("retry-after"), Some("5"));
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.json()["checks"]["storage"].as_str().unwrap().starts_with("unavailable: "));
}

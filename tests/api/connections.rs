//! The HTTP connection handling of the real binary: the bounds on request heads, and error
//! answers that reach a client still sending its body.

use std::time::{Duration, Instant};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::{
    helpers::fresh_database_url,
    process::{Server, get, start_server, wait_for},
};

async fn ready_server(dir: &tempfile::TempDir, extra: &[(&str, &str)]) -> Server {
    let db_url = fresh_database_url(dir).await;
    let mut env = vec![("DATABASE_URL", db_url.as_str()), ("MIGRATE_ON_START", "true"), ("STORAGE_DIR", "files")];
    env.extend_from_slice(extra);
    let server = start_server(dir.path(), &env);
    let addr = server.addr;
    assert!(wait_for(async || get(addr, "/readyz").await.status() == 200, Duration::from_secs(15)).await);
    server
}

/// Reads one response with a Content-Length body; `None` when the server closed first.
async fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_string();
            let length: usize = head
                .lines()
                .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let status = head.split(' ').nth(1)?.parse().ok()?;
                return Some((status, format!("{head}\r\n\r\n{}", String::from_utf8_lossy(&data[end + 4..]))));
            }
        }
        match tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf)).await.ok()? {
            Ok(0) | Err(_) => return None,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

async fn send_head_with(addr: std::net::SocketAddr, header_bytes: usize) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Padding: {}\r\n\r\n", "a".repeat(header_bytes));
    stream.write_all(head.as_bytes()).await.ok()?;
    read_response(&mut stream).await.map(|(status, _)| status)
}

#[tokio::test]
async fn request_heads_up_to_64_kib_are_served_and_longer_ones_get_431() {
    let dir = tempfile::tempdir().unwrap();
    let server = ready_server(&dir, &[]).await;
    assert_eq!(send_head_with(server.addr, 60 * 1024).await, Some(200));
    assert_eq!(send_head_with(server.addr, 70 * 1024).await, Some(431));
    assert_eq!(get(server.addr, "/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_client_sending_its_head_slowly_is_disconnected_after_header_read_timeout_secs() {
    let dir = tempfile::tempdir().unwrap();
    let server = ready_server(&dir, &[("HEADER_READ_TIMEOUT_SECS", "1")]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n").await.unwrap();
    let mut closed = false;
    for _ in 0..30 {
        if stream.write_all(b"X-Slow: 1\r\n").await.is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 1024];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buf)).await {
            closed = true;
            break;
        }
    }
    assert!(closed, "the slow head was still accepted after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(4), "cut off after {:?}", started.elapsed());
    assert_eq!(get(server.addr, "/healthz").await.status(), 200, "other clients are still served");
}

#[tokio::test]
async fn an_error_answered_before_the_body_was_read_reaches_the_client_and_keeps_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let server = ready_server(&dir, &[("API_TOKEN", "s3cret")]).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // No token: the 401 is decided from the head alone, before any of the body is read.
    let body = vec![b'x'; 512 * 1024];
    let head = format!("PUT /api/v1/files/denied.bin HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.expect("the server reads the body rather than resetting the connection");
    let (status, response) = read_response(&mut stream).await.expect("a response, not a closed connection");
    assert_eq!(status, 401, "{response}");
    assert!(response.contains("application/problem+json"), "{response}");

    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n").await.unwrap();
    let (status, _) = read_response(&mut stream).await.expect("the connection stays open for the next request");
    assert_eq!(status, 200);
}

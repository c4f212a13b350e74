//! `TestApp`: the real router on a fresh database per test, driven in-process.

use std::collections::HashMap;

use anyport::{
    AppState,
    config::{Config, Vars},
};
use axum::{
    Router,
    body::{Body, Bytes},
    http::{HeaderMap, Method, Request, StatusCode},
};
use http_body_util::BodyExt;
use serde_json::Value;
use sqlx::{Connection, Executor};
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Holds the SQLite file and stored files until the test ends.
    pub _dir: TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a problem+json with this status and returns its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", String::from_utf8_lossy(&self.body));
        assert_eq!(self.header("content-type"), Some("application/problem+json"));
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], "about:blank");
        assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
        body
    }
}

/// Whether requests go through the Lambda event path (`TEST_VIA_LAMBDA=1`): each one becomes
/// an API Gateway v2 event, parsed by lambda_http, answered by the Lambda router and
/// converted the way lambda_http converts responses.
pub fn via_lambda() -> bool {
    std::env::var("TEST_VIA_LAMBDA").is_ok_and(|v| v == "1")
}

/// Which database the contract suite runs on.
pub fn database_under_test() -> &'static str {
    match std::env::var("TEST_DATABASE").as_deref() {
        Ok("postgres") => "postgres",
        Ok("sqlite") | Err(_) => "sqlite",
        Ok(other) => panic!("TEST_DATABASE={other}: use sqlite or postgres"),
    }
}

/// The admin URL of a PostgreSQL server for tests. Missing: a developer machine skips the
/// test with a note; CI (`CI` set) fails loudly.
pub fn postgres_admin_url() -> Option<String> {
    match std::env::var("TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => panic!("TEST_POSTGRES_URL must be set in CI"),
        _ => {
            eprintln!("skipped: TEST_POSTGRES_URL is not set (see CONTRIBUTING.md)");
            None
        }
    }
}

/// A new, empty PostgreSQL database on the test server; returns its URL.
pub async fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("anyport_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(admin_url).await.expect("connect to TEST_POSTGRES_URL");
    let create = format!(r#"CREATE DATABASE "{name}""#);
    // Concurrent CREATE DATABASE can collide on the template; a retry settles it.
    for attempt in 0.. {
        match conn.execute(sqlx::AssertSqlSafe(create.as_str())).await {
            Ok(_) => break,
            Err(e) if attempt < 5 => {
                eprintln!("CREATE DATABASE retry: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            Err(e) => panic!("CREATE DATABASE failed: {e}"),
        }
    }
    let mut url = url::Url::parse(admin_url).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// A database for one test: a SQLite file in `dir`, or a fresh PostgreSQL database.
pub async fn fresh_database_url(dir: &TempDir) -> String {
    match database_under_test() {
        "postgres" => {
            let admin = postgres_admin_url().expect("TEST_DATABASE=postgres needs TEST_POSTGRES_URL");
            fresh_postgres_database(&admin).await
        }
        _ => format!("sqlite://{}/test.db", dir.path().display()),
    }
}

pub fn config_from(pairs: Vec<(String, String)>) -> Config {
    let map: HashMap<String, String> = pairs.into_iter().collect();
    Config::from_vars(&Vars::from_map(map)).expect("test config is valid")
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::with(&[]).await
    }

    /// A migrated fresh database, files in a temp dir, and these extra variables.
    pub async fn with(vars: &[(&str, &str)]) -> Self {
        Self::with_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()).await
    }

    pub async fn with_vars(vars: Vec<(String, String)>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut pairs = vec![
            ("DATABASE_URL".to_string(), fresh_database_url(&dir).await),
            ("STORAGE_DIR".to_string(), dir.path().join("files").display().to_string()),
        ];
        pairs.extend(vars);
        let app = Self::unmigrated(config_from(pairs), dir).await;
        app.state.db.migrate().await.expect("migrations apply");
        app
    }

    /// The router over this config, without touching the database.
    pub async fn unmigrated(config: Config, dir: TempDir) -> Self {
        let state = AppState::new(config, true).await.unwrap();
        Self { router: anyport::router(state.clone()), state, _dir: dir }
    }

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        if via_lambda() {
            return crate::lambda::through_lambda(&self.state, request).await;
        }
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        TestResponse { status: parts.status, headers: parts.headers, body }
    }

    pub fn files_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("files")
    }

    pub async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).unwrap()).await
    }

    pub async fn delete(&self, path: &str) -> TestResponse {
        self.send(Request::delete(path).body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, path: &str, body: Value) -> TestResponse {
        self.json(Method::POST, path, body).await
    }

    pub async fn patch_json(&self, path: &str, body: Value) -> TestResponse {
        self.json(Method::PATCH, path, body).await
    }

    pub async fn json(&self, method: Method, path: &str, body: Value) -> TestResponse {
        self.raw(method, path, "application/json", body.to_string()).await
    }

    pub async fn raw(&self, method: Method, path: &str, content_type: &str, body: impl Into<Body>) -> TestResponse {
        let request = Request::builder().method(method).uri(path).header("content-type", content_type);
        self.send(request.body(body.into()).unwrap()).await
    }

    /// Creates a tweet and returns its id.
    pub async fn create_tweet(&self, text: &str) -> i64 {
        let response = self.post_json("/api/v1/tweets", serde_json::json!({ "text": text })).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&response.body));
        response.json()["id"].as_i64().unwrap()
    }
}

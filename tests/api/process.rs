//! The real binary as a process on a random port: binding while the database is down,
//! recovering when it returns, draining on SIGTERM, and the ops commands.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

use crate::helpers::{fresh_database_url, fresh_postgres_database, postgres_admin_url};

const BIN: &str = env!("CARGO_BIN_EXE_anyport");

/// The server process; killed when dropped so a failing test leaves nothing behind.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    /// Every JSON log line the server has written to stdout so far.
    pub(crate) log: Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Server {
    /// Waits up to `within` for a log line that `matches`.
    pub(crate) async fn log_line(
        &self,
        matches: impl Fn(&serde_json::Value) -> bool,
        within: Duration,
    ) -> Option<serde_json::Value> {
        let found = || self.log.lock().unwrap().iter().find(|line| matches(line)).cloned();
        wait_for(async || found().is_some(), within).await;
        found()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn command(dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    // A clean environment and a scratch working directory: no developer `.env` leaks in.
    cmd.env_clear().current_dir(dir).env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.envs(env.iter().copied());
    cmd
}

/// Starts `anyport serve` on 127.0.0.1 and a random port, and waits for its `listening` log line.
pub(crate) fn start_server(dir: &std::path::Path, env: &[(&str, &str)]) -> Server {
    let mut cmd = command(dir, env);
    cmd.args(["serve"]).env("PORT", "0").env("HOST", "127.0.0.1").env("LOG_FORMAT", "json");
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start anyport");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let log = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
            if v["message"] == "listening" {
                let _ = tx.send(v["url"].as_str().unwrap_or_default().to_string());
            }
            kept.lock().unwrap().push(v);
        }
    });
    let url = rx.recv_timeout(Duration::from_secs(20)).expect("server logs its URL within 20 s");
    let addr = url.trim_start_matches("http://").trim_end_matches('/').parse().expect("URL has host:port");
    Server { child, addr, log }
}

pub(crate) async fn get(addr: SocketAddr, path: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("http://{addr}{path}")).timeout(Duration::from_secs(10)).send().await.unwrap()
}

pub(crate) async fn wait_for(mut check: impl AsyncFnMut() -> bool, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// A TCP proxy that can refuse and cut connections, to take a real database "down".
struct ChaosProxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    generation: tokio::sync::watch::Sender<u64>,
}

impl ChaosProxy {
    async fn start(target: SocketAddr, up: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(AtomicBool::new(up));
        let (generation, _) = tokio::sync::watch::channel(0u64);
        let (flag, cut) = (state.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !flag.load(Ordering::SeqCst) {
                    continue; // dropped: the client sees the connection closed
                }
                let mut cut = cut.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Self { addr, up: state, generation }
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.generation.send_modify(|g| *g += 1);
        }
    }
}

#[tokio::test]
async fn the_server_binds_while_the_database_is_down_and_recovers_when_it_returns() {
    let Some(admin) = postgres_admin_url() else { return };
    let db_url = fresh_postgres_database(&admin).await;
    let url = url::Url::parse(&db_url).unwrap();
    // A name, not only an address: the compose test profile's server is `postgres`.
    let host_port = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let target: SocketAddr = tokio::net::lookup_host(&host_port).await.unwrap().next().expect("the host resolves");
    // Migrate directly, then point the app at a proxy that starts out down.
    let state =
        anyport::AppState::new(crate::helpers::config_from(vec![("DATABASE_URL".into(), db_url.clone())]), true)
            .await
            .unwrap();
    state.db.migrate().await.unwrap();
    let proxy = ChaosProxy::start(target, false).await;
    let mut proxied = url.clone();
    proxied.set_ip_host(proxy.addr.ip()).unwrap();
    proxied.set_port(Some(proxy.addr.port())).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let server = start_server(
        dir.path(),
        &[("DATABASE_URL", proxied.as_str()), ("DATABASE_ACQUIRE_TIMEOUT_SECS", "1"), ("STORAGE_DIR", "files")],
    );
    assert_eq!(get(server.addr, "/healthz").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(10), "bound in {:?}", started.elapsed());
    let ready = get(server.addr, "/readyz").await;
    assert_eq!(ready.status(), 503);
    let api = get(server.addr, "/api/v1/tweets").await;
    assert_eq!(api.status(), 503);
    assert_eq!(api.headers()["retry-after"], "5");
    assert_eq!(api.headers()["content-type"], "application/problem+json");

    proxy.set_up(true);
    let addr = server.addr;
    assert!(
        wait_for(async || get(addr, "/readyz").await.status() == 200, Duration::from_secs(10)).await,
        "ready again without a restart"
    );
    assert_eq!(get(addr, "/api/v1/tweets").await.status(), 200);

    // Down again with pooled connections open: cut, then back.
    proxy.set_up(false);
    assert!(wait_for(async || get(addr, "/api/v1/tweets").await.status() == 503, Duration::from_secs(10)).await);
    proxy.set_up(true);
    assert!(wait_for(async || get(addr, "/api/v1/tweets").await.status() == 200, Duration::from_secs(10)).await);
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_request_finish_then_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database_url(&dir).await;
    let mut server =
        start_server(dir.path(), &[("DATABASE_URL", &db_url), ("MIGRATE_ON_START", "true"), ("STORAGE_DIR", "files")]);
    let addr = server.addr;
    assert!(wait_for(async || get(addr, "/readyz").await.status() == 200, Duration::from_secs(15)).await);

    // Start a POST and send only half of its body.
    let body = br#"{"text":"written during shutdown"}"#;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/v1/tweets HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(server.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(server.child.try_wait().unwrap().is_none(), "still draining");
    assert!(TcpStream::connect(addr).await.is_err(), "no new connections after SIGTERM");

    stream.write_all(&body[10..]).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut response)).await.unwrap().unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    assert!(response.contains("written during shutdown"));

    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "exited after draining");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0));
    // Every line is written before the process ends: the drained request's, then the last words.
    let last = server.log_line(|line| line["message"] == "drained; bye", Duration::from_secs(5)).await;
    assert!(last.is_some(), "the shutdown's last line reaches stdout");
    let log = server.log.lock().unwrap();
    assert!(log.iter().any(|line| line["message"] == "request" && line["method"] == "POST" && line["status"] == 201));
    assert_eq!(log.last().unwrap()["message"], "drained; bye");
}

#[tokio::test]
async fn each_request_is_logged_while_the_server_runs_not_only_when_it_stops() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path(), &[("STORAGE_DIR", "files")]);
    for n in 0..3 {
        let path = format!("/api/v1/tweets/{}", 1000 + n);
        assert_eq!(get(server.addr, &path).await.status(), 404);
        let line = server.log_line(|line| line["path"] == path.as_str(), Duration::from_secs(2)).await;
        let line = line.unwrap_or_else(|| panic!("no access line for {path} within 2 s of its answer"));
        assert_eq!(line["status"], 404);
        assert!(line["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{line}");
    }
}

#[tokio::test]
async fn healthcheck_command_exits_0_against_a_live_server_and_1_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database_url(&dir).await;
    let server = start_server(dir.path(), &[("DATABASE_URL", &db_url), ("STORAGE_DIR", "files")]);
    let port = server.addr.port().to_string();
    let ok = command(dir.path(), &[("PORT", &port), ("HOST", "127.0.0.1")]).arg("healthcheck").output().unwrap();
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    drop(server);
    let down = command(dir.path(), &[("PORT", &port), ("HOST", "127.0.0.1")]).arg("healthcheck").output().unwrap();
    assert_eq!(down.status.code(), Some(1));
}

#[tokio::test]
async fn ready_command_times_out_with_a_clear_message_when_the_database_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = command(
        dir.path(),
        &[("DATABASE_URL", "postgres://u:pw@127.0.0.1:1/x"), ("DATABASE_ACQUIRE_TIMEOUT_SECS", "1")],
    )
    .args(["ready", "--timeout", "2"])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not ready after 2s: database unavailable"), "{stderr}");
    assert!(!stderr.contains("pw"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(8));
}

#[tokio::test]
async fn on_embedded_defaults_the_first_request_after_binding_finds_the_schema_ready() {
    // The README's first screen: `cargo run` on a fresh SQLite file, then a POST at once.
    // Migrating on start must not turn that first request into a 503.
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let server = start_server(dir.path(), &[]);
        let created = reqwest::Client::new()
            .post(format!("http://{}/api/v1/tweets", server.addr))
            .json(&serde_json::json!({"text": "hello"}))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
        assert!(dir.path().join("data/anyport.db").exists(), "the embedded default database file");
    }
}

#[tokio::test]
async fn migrate_seed_and_ready_commands_work_on_a_fresh_database() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database_url(&dir).await;
    let env = [("DATABASE_URL", db_url.as_str()), ("STORAGE_DIR", "files")];
    for args in [&["migrate"][..], &["migrate"], &["seed"], &["seed"], &["ready", "--timeout", "5"]] {
        let out = command(dir.path(), &env).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let second_seed = command(dir.path(), &env).arg("seed").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&second_seed.stdout).trim(), "seed: 0 rows added");
}

#[tokio::test]
async fn migrate_creates_the_s3_bucket_only_when_asked_to() {
    // docker-compose's dev S3 server starts empty: `S3_CREATE_BUCKET=true` lets `migrate` make
    // the bucket, once; without it a missing bucket stays missing (production buckets are made
    // by their own tooling, with their policies).
    let Some(client) = crate::storage_env::s3_client() else { return };
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database_url(&dir).await;
    let bucket = crate::storage_env::unique("anyport-new-");
    let endpoint = std::env::var("TEST_S3_ENDPOINT").unwrap();
    let (key, secret) = (std::env::var("TEST_S3_ACCESS_KEY").unwrap(), std::env::var("TEST_S3_SECRET_KEY").unwrap());
    let env = |create: &'static str| {
        [
            ("DATABASE_URL", db_url.clone()),
            ("STORAGE_BACKEND", "s3".into()),
            ("S3_BUCKET", bucket.clone()),
            ("AWS_ENDPOINT_URL", endpoint.clone()),
            ("AWS_REGION", "us-east-1".into()),
            ("S3_FORCE_PATH_STYLE", "true".into()),
            ("AWS_ACCESS_KEY_ID", key.clone()),
            ("AWS_SECRET_ACCESS_KEY", secret.clone()),
            ("S3_CREATE_BUCKET", create.into()),
        ]
    };
    let migrate = |create: &'static str| {
        let vars = env(create);
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let out = command(dir.path(), &pairs).arg("migrate").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let bucket_exists = || async { client.head_bucket().bucket(&bucket).send().await.is_ok() };

    assert!(!migrate("false").contains("created"));
    assert!(!bucket_exists().await, "no bucket without S3_CREATE_BUCKET");
    assert!(migrate("true").contains(&format!("bucket {bucket} created")));
    assert!(bucket_exists().await);
    assert!(!migrate("true").contains("created"), "an existing bucket is left as it is");
}

#[tokio::test]
async fn the_readme_files_copy_line_moves_gridfs_files_to_s3_as_typed() {
    // README "Command line": the line that moves files off GridFS, run by bash as a user types it, with
    // `anyport` on PATH and what that user has set: MONGODB_URI, AWS keys, and here AWS_ENDPOINT_URL and
    // S3_FORCE_PATH_STYLE naming the test S3 server instead of AWS (the bucket exists, as on AWS).
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let line = readme.lines().find(|l| l.starts_with("anyport files copy --from ")).expect("README has the line");
    assert!(line.contains("\"$MONGODB_URI\"") && line.contains("s3://my-bucket/uploads/"), "{line}");
    let Some((_, gridfs_uri)) = crate::storage_env::gridfs_vars() else { return };
    let Some(client) = crate::storage_env::s3_client() else { return };
    let _ = client.create_bucket().bucket("my-bucket").send().await; // made by an earlier run, or now

    let gridfs =
        anyport::storage::StorageConfig::from_url(&gridfs_uri, &anyport::config::Vars::from_map(Default::default()))
            .unwrap()
            .open()
            .await
            .unwrap();
    let folder = crate::storage_env::unique("readme-copy-");
    let files = [(format!("{folder}/notes.txt"), b"moved off GridFS".to_vec()), (format!("{folder}/empty"), vec![])];
    for (name, bytes) in &files {
        let body: anyport::storage::ByteStream =
            Box::pin(futures_util::stream::iter([Ok(axum::body::Bytes::from(bytes.clone()))]));
        gridfs.put(&anyport::storage::FileName::parse(name).unwrap(), "text/plain", body, u64::MAX).await.unwrap();
    }

    let bin_dir = std::path::Path::new(BIN).parent().unwrap().to_path_buf();
    let path =
        std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let var = |k: &str| std::env::var(k).unwrap();
    let run = || {
        let out = Command::new("bash")
            .args(["-c", line])
            .env_clear()
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("MONGODB_URI", &gridfs_uri)
            .env("AWS_ACCESS_KEY_ID", var("TEST_S3_ACCESS_KEY"))
            .env("AWS_SECRET_ACCESS_KEY", var("TEST_S3_SECRET_KEY"))
            // A host name, as an S3-compatible server usually has: the SDK addresses buckets by IP path-style
            // itself, by name as `bucket.host` unless told otherwise.
            .env("AWS_ENDPOINT_URL", var("TEST_S3_ENDPOINT").replace("//127.0.0.1:", "//localhost:"))
            .env("S3_FORCE_PATH_STYLE", "true")
            .output()
            .unwrap();
        assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = run();
    assert!(first.contains("done: 2 copied (16 bytes), 0 skipped"), "{first}");
    for (name, bytes) in &files {
        let object = client.get_object().bucket("my-bucket").key(format!("uploads/{name}")).send().await.unwrap();
        assert_eq!(object.body.collect().await.unwrap().into_bytes().as_ref(), bytes.as_slice(), "{name}");
    }
    let again = run();
    assert!(again.contains("done: 0 copied (0 bytes), 2 skipped"), "a re-run skips what is there: {again}");
}

#[tokio::test]
async fn migrate_removes_upload_files_a_killed_process_left_behind() {
    // Replicas share one files volume; a replica killed mid-upload leaves its temp file.
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database_url(&dir).await;
    let files = dir.path().join("files");
    let tmp = files.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let (stale, live) = (tmp.join("cut-off"), tmp.join("still-arriving"));
    std::fs::write(&stale, b"partial").unwrap();
    std::fs::write(&live, b"partial").unwrap();
    let day_ago = std::time::SystemTime::now() - Duration::from_secs(25 * 3600);
    std::fs::File::options().write(true).open(&stale).unwrap().set_modified(day_ago).unwrap();
    let env = [("DATABASE_URL", db_url.as_str()), ("STORAGE_DIR", files.to_str().unwrap())];
    let out = command(dir.path(), &env).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 1 stale upload files"));
    assert!(!stale.exists(), "a day-old temp file belongs to no upload");
    assert!(live.exists(), "a recent one may be an upload in progress on another replica");

    // A release phase on a read-only filesystem with no files directory: nothing to remove, no error.
    let elsewhere = [("DATABASE_URL", db_url.as_str()), ("STORAGE_DIR", "/proc/anyport-files")];
    let out = command(dir.path(), &elsewhere).arg("migrate").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn config_command_redacts_secrets_and_bad_config_names_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), &[("DATABASE_URL", "postgres://app:hunter2@db/app"), ("API_TOKEN", "tok-secret")])
        .arg("config")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(stdout.contains("DATABASE_URL=postgres://app:***@db/app"), "{stdout}");
    assert!(!stdout.contains("hunter2") && !stdout.contains("tok-secret"), "{stdout}");

    let bad = command(dir.path(), &[("PORT", "http")]).arg("serve").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("PORT"));
    let prod = command(dir.path(), &[("APP_ENV", "production")]).arg("serve").output().unwrap();
    assert_eq!(prod.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&prod.stderr).contains("API_TOKEN"));
}

#[tokio::test]
async fn openapi_command_prints_the_spec() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path(), &[]).arg("openapi").output().unwrap();
    let spec: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(spec["paths"]["/api/v1/tweets"]["post"].is_object());
}

#[tokio::test]
async fn reset_asks_for_yes_refuses_production_and_then_drops_and_migrates() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database_url(&dir).await;
    let files = dir.path().join("files");
    let env = [("DATABASE_URL", db_url.as_str()), ("STORAGE_DIR", files.to_str().unwrap())];
    assert!(command(dir.path(), &env).arg("migrate").output().unwrap().status.success());
    assert!(command(dir.path(), &env).arg("seed").output().unwrap().status.success());
    let app = crate::helpers::TestApp::unmigrated(
        crate::helpers::config_from(env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
        tempfile::tempdir().unwrap(),
    )
    .await;
    let put = app.raw(axum::http::Method::PUT, "/api/v1/files/keep.txt", "text/plain", "x").await;
    assert_eq!(put.status, axum::http::StatusCode::CREATED);
    let tweets = || async { app.get("/api/v1/tweets").await.json()["items"].as_array().unwrap().len() };
    assert!(tweets().await > 0);

    let unconfirmed = command(dir.path(), &env).args(["reset", "--files"]).output().unwrap();
    assert!(!unconfirmed.status.success());
    assert!(String::from_utf8_lossy(&unconfirmed.stderr).contains("--yes"));
    let prod_env = [env[0], env[1], ("APP_ENV", "production"), ("API_TOKEN", "t")];
    let prod = command(dir.path(), &prod_env).args(["reset", "--yes"]).output().unwrap();
    assert!(!prod.status.success());
    assert!(String::from_utf8_lossy(&prod.stderr).contains("--force-production"));
    assert!(tweets().await > 0, "nothing was dropped by the refused resets");

    let reset = command(dir.path(), &env).args(["reset", "--yes"]).output().unwrap();
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    assert_eq!(tweets().await, 0, "tables dropped and recreated empty");
    assert_eq!(
        app.get("/api/v1/files/keep.txt").await.status,
        axum::http::StatusCode::OK,
        "files kept without --files"
    );
    let with_files = command(dir.path(), &env).args(["reset", "--yes", "--files"]).output().unwrap();
    assert!(with_files.status.success());
    assert!(String::from_utf8_lossy(&with_files.stdout).contains("deleted 1 files"));
    app.get("/api/v1/files/keep.txt").await.problem(404);
    let post = app.post_json("/api/v1/tweets", serde_json::json!({ "text": "after reset" })).await;
    assert_eq!(post.status, axum::http::StatusCode::CREATED, "the schema is back");
}

//! The storage backends under test, each on a real server: a temp directory, a
//! MongoDB-wire server (`TEST_MONGODB_URI`) and an S3-compatible server (`TEST_S3_*`),
//! with a fresh database or bucket per test.

use aws_sdk_s3::config::{Credentials, Region};
use mongodb::bson::{Bson, Document, doc};

use crate::helpers::TestApp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Local,
    GridFs,
    S3,
}

pub struct FilesApp {
    pub app: TestApp,
    pub backend: Backend,
    target: Target,
}

enum Target {
    Local,
    GridFs { db: mongodb::Database, bucket: String },
    S3 { root: Option<std::path::PathBuf>, bucket: String },
}

/// A server variable, or `None` (skip) on a developer machine; CI must have it.
pub fn server_var(name: &str) -> Option<String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => panic!("{name} must be set in CI (scripts/test-servers.sh)"),
        _ => {
            eprintln!("skipped: {name} is not set (see CONTRIBUTING.md)");
            None
        }
    }
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// The variables that point the app at a fresh GridFS database.
pub fn gridfs_vars() -> Option<(Vec<(String, String)>, String)> {
    let base = server_var("TEST_MONGODB_URI")?;
    let mut url = url::Url::parse(&base).expect("TEST_MONGODB_URI is a URL");
    let db = unique("anyport_t_");
    url.set_path(&format!("/{db}"));
    Some((vec![("MONGODB_URI".into(), url.to_string()), ("GRIDFS_BUCKET".into(), "fs".into())], url.to_string()))
}

/// An S3 client with the test server's credentials.
pub fn s3_client() -> Option<aws_sdk_s3::Client> {
    let endpoint = server_var("TEST_S3_ENDPOINT")?;
    let creds = Credentials::new(
        std::env::var("TEST_S3_ACCESS_KEY").unwrap_or_default(),
        std::env::var("TEST_S3_SECRET_KEY").unwrap_or_default(),
        None,
        None,
        "test",
    );
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(creds)
        .force_path_style(true)
        .build();
    Some(aws_sdk_s3::Client::from_conf(config))
}

/// The variables that point the app at a fresh bucket on the test S3 server.
pub async fn s3_vars() -> Option<Vec<(String, String)>> {
    let client = s3_client()?;
    let bucket = unique("anyport-t-");
    client.create_bucket().bucket(&bucket).send().await.expect("create test bucket");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    Some(vec![
        ("STORAGE_BACKEND".into(), "s3".into()),
        ("S3_BUCKET".into(), bucket),
        ("AWS_ENDPOINT_URL".into(), var("TEST_S3_ENDPOINT")),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("S3_FORCE_PATH_STYLE".into(), "true".into()),
        ("AWS_ACCESS_KEY_ID".into(), var("TEST_S3_ACCESS_KEY")),
        ("AWS_SECRET_ACCESS_KEY".into(), var("TEST_S3_SECRET_KEY")),
    ])
}

impl FilesApp {
    /// The app on this backend, or `None` when its server is not configured here.
    pub async fn start(backend: Backend, extra: &[(&str, &str)]) -> Option<Self> {
        let (mut vars, target) = match backend {
            Backend::Local => (vec![("STORAGE_BACKEND".into(), "local".into())], Target::Local),
            Backend::GridFs => {
                let (vars, uri) = gridfs_vars()?;
                let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
                let db = client.default_database().expect("URI names the database");
                (vars, Target::GridFs { db, bucket: "fs".into() })
            }
            Backend::S3 => {
                let root = std::env::var("TEST_S3_ROOT").ok().map(Into::into);
                let vars = s3_vars().await?;
                let bucket = vars.iter().find(|(k, _)| k == "S3_BUCKET").map(|(_, v)| v.clone()).unwrap();
                (vars, Target::S3 { root, bucket })
            }
        };
        vars.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Some(Self { app: TestApp::with_vars(vars).await, backend, target })
    }

    /// Anything an upload left behind that no file owns: temp files and unreferenced blobs,
    /// GridFS chunks without a files document, S3 multipart upload state.
    pub async fn strays(&self) -> Vec<String> {
        match &self.target {
            Target::Local => {
                let dir = self.app.files_dir();
                let names = |sub: &str| -> Vec<String> {
                    std::fs::read_dir(dir.join(sub))
                        .map(|entries| {
                            entries.filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned())).collect()
                        })
                        .unwrap_or_default()
                };
                let mut strays: Vec<String> = names("tmp").into_iter().map(|n| format!("tmp/{n}")).collect();
                let (blobs, metas) = (names("blobs").len(), names("meta").len());
                if blobs != metas {
                    strays.push(format!("{blobs} blobs for {metas} files"));
                }
                strays
            }
            Target::GridFs { db, bucket } => {
                let files = db.collection::<Document>(&format!("{bucket}.files"));
                let chunks = db.collection::<Document>(&format!("{bucket}.chunks"));
                let ids: Vec<Bson> = files.distinct("_id", doc! {}).await.unwrap();
                let orphans = chunks.count_documents(doc! { "files_id": { "$nin": ids } }).await.unwrap();
                if orphans == 0 { Vec::new() } else { vec![format!("{orphans} orphan chunks")] }
            }
            Target::S3 { root, bucket } => {
                // s3s-fs has no ListMultipartUploads; it keeps an open upload's state in
                // `.bucket-<base64 bucket>.object-<base64 key>.upload-<id>.metadata.json`,
                // removed by AbortMultipartUpload and CompleteMultipartUpload.
                let Some(root) = root else { return Vec::new() };
                use base64::Engine;
                let ours = format!(".bucket-{}.", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bucket));
                walk(root).into_iter().filter(|p| p.contains(&ours) && p.contains(".upload-")).collect()
            }
        }
    }

    pub async fn chunk_count(&self) -> Option<u64> {
        match &self.target {
            Target::GridFs { db, bucket } => {
                Some(db.collection::<Document>(&format!("{bucket}.chunks")).count_documents(doc! {}).await.unwrap())
            }
            _ => None,
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        out.push(path.display().to_string());
        if path.is_dir() {
            out.extend(walk(&path));
        }
    }
    out
}

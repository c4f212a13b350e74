//! Buckets written by the seed apps' own stack (pymongo's GridFS, as Flask-PyMongo uses it):
//! the type in a top-level `contentType`, no `md5`, several revisions of one name. Written
//! with pymongo itself against the MongoDB-wire test server, then served by anyport.

use axum::http::{Method, StatusCode};
use mongodb::bson::{Document, doc};

use crate::{
    helpers::TestApp,
    storage_env::{gridfs_vars, server_var},
};

/// Runs `script` with pymongo, `db` bound to the test database.
fn pymongo(uri: &str, script: &str) {
    let Some(python) = server_var("TEST_PYMONGO_PYTHON") else { return };
    let program = format!(
        "import gridfs, pymongo\nclient = pymongo.MongoClient({uri:?})\ndb = client.get_default_database()\n\
         fs = gridfs.GridFS(db)\n{script}\n"
    );
    let out = std::process::Command::new(python).arg("-c").arg(&program).output().expect("run python");
    assert!(out.status.success(), "pymongo script failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test]
async fn a_pymongo_bucket_is_listed_once_per_name_served_with_its_type_and_replaced_whole() {
    let Some((vars, uri)) = gridfs_vars() else { return };
    if server_var("TEST_PYMONGO_PYTHON").is_none() {
        return;
    }
    pymongo(
        &uri,
        r#"
fs.put(b"%PDF-1.4 legacy", filename="legacy.pdf", contentType="application/pdf")
fs.put(b"no type given", filename="notes.md")
for i in range(3):
    fs.put(("revision %d" % i).encode(), filename="report.txt", contentType="text/plain")
for i in range(12):
    fs.put(("many %d" % i).encode(), filename="many.txt", contentType="text/plain")
fs.put(b"x", filename="bad\\name.txt")
"#,
    );
    let app = TestApp::with_vars(vars).await;

    // Pages of 2 are never cut short by the 14 older revisions or the name we refuse.
    let (mut names, mut cursor) = (Vec::new(), String::new());
    loop {
        let page = app.get(&format!("/api/v1/files?limit=2&cursor={cursor}")).await.json();
        let items = page["items"].as_array().unwrap().clone();
        names.extend(items.iter().map(|f| f["name"].as_str().unwrap().to_string()));
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert_eq!(items.len(), 2, "only the last page may be short: {page}");
                cursor = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(names, ["legacy.pdf", "many.txt", "notes.md", "report.txt"]);

    let legacy = app.get("/api/v1/files/legacy.pdf").await;
    assert_eq!((legacy.status, legacy.header("content-type")), (StatusCode::OK, Some("application/pdf")));
    assert_eq!(&legacy.body[..], b"%PDF-1.4 legacy");
    assert_eq!(app.get("/api/v1/files/notes.md").await.header("content-type"), Some("text/markdown"));
    let report = app.get("/api/v1/files/report.txt").await;
    assert_eq!(&report.body[..], b"revision 2", "the newest revision wins");
    let listed = app.get("/api/v1/files?prefix=report").await.json();
    assert_eq!(listed["items"][0]["size"], 10);

    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    let db = client.default_database().unwrap();
    let (files, chunks) = (db.collection::<Document>("fs.files"), db.collection::<Document>("fs.chunks"));
    let replaced = app.raw(Method::PUT, "/api/v1/files/report.txt", "text/plain", "fresh").await;
    assert_eq!(replaced.status, StatusCode::OK, "a replacement of an existing name");
    assert_eq!(
        files.count_documents(doc! { "filename": "report.txt" }).await.unwrap(),
        1,
        "every old revision removed"
    );
    assert_eq!(&app.get("/api/v1/files/report.txt").await.body[..], b"fresh");

    app.delete("/api/v1/files/many.txt").await;
    assert_eq!(files.count_documents(doc! { "filename": "many.txt" }).await.unwrap(), 0);
    let ids: Vec<mongodb::bson::Bson> = files.distinct("_id", doc! {}).await.unwrap();
    assert_eq!(chunks.count_documents(doc! { "files_id": { "$nin": ids } }).await.unwrap(), 0, "no orphan chunks");
    app.get("/api/v1/files/many.txt").await.problem(404);

    // files copy takes each name once, with its type.
    let source = anyport::storage::StorageConfig::from_url(&uri, &anyport::config::Vars::from_map(Default::default()))
        .unwrap()
        .open()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let target = anyport::storage::StorageConfig::from_url(
        &format!("file://{}", dir.path().display()),
        &anyport::config::Vars::from_map(Default::default()),
    )
    .unwrap()
    .open()
    .await
    .unwrap();
    let summary = anyport::files_copy::copy_all(source.as_ref(), target.as_ref(), |_| {}).await.unwrap();
    assert_eq!(summary.copied, 3, "legacy.pdf, notes.md, report.txt");
    let copied = target.head(&anyport::storage::FileName::parse("legacy.pdf").unwrap()).await.unwrap().unwrap();
    assert_eq!(copied.content_type, "application/pdf");
}

//! The pages people use in a browser: home, the file manager and the users list. Plain HTML
//! with scripts and styles embedded in the binary, served from `/assets/` (no inline script,
//! so a strict Content-Security-Policy holds), and links that carry `BASE_PATH`.

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};

use crate::{
    AppState,
    config::DatabaseKind,
    error::problem_response,
    routes::health::{CheckStatus, check_all},
};

const VERSION: &str = env!("CARGO_PKG_VERSION");
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// Embedded assets: name, content type, bytes.
const ASSETS: &[(&str, &str, &str)] = &[
    ("app.css", "text/css; charset=utf-8", include_str!("../../assets/app.css")),
    ("common.js", "text/javascript; charset=utf-8", include_str!("../../assets/common.js")),
    ("files.js", "text/javascript; charset=utf-8", include_str!("../../assets/files.js")),
    ("users.js", "text/javascript; charset=utf-8", include_str!("../../assets/users.js")),
];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/files", get(files_page))
        .route("/users", get(users_page))
        .route("/assets/{name}", get(asset))
}

/// Text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

struct Page<'a> {
    title: &'a str,
    current: &'a str,
    body: String,
    scripts: &'a [&'a str],
}

fn render(state: &AppState, page: Page<'_>) -> Response {
    let base = escape(&state.config.base_path);
    let nav = [("/", "Home"), ("/files", "Files"), ("/users", "Users"), ("/docs/", "API docs")]
        .iter()
        .map(|(href, label)| {
            let current = if *href == page.current { r#" aria-current="page""# } else { "" };
            format!(r#"<a href="{base}{href}"{current}>{label}</a>"#)
        })
        .collect::<String>();
    let scripts = page
        .scripts
        .iter()
        .map(|s| format!(r#"<script src="{base}/assets/{s}?v={VERSION}" defer></script>"#))
        .collect::<String>();
    let html = format!(
        r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · anyport</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{base}/assets/app.css?v={VERSION}">
{scripts}
</head>
<body data-base="{base}" data-storage="{storage}">
<a class="sr-only" href="#main">Skip to content</a>
<header><span class="brand">anyport</span><nav aria-label="Main">{nav}</nav></header>
<main id="main">
<h1>{title}</h1>
{body}
</main>
<div id="live" class="sr-only" role="status" aria-live="polite"></div>
<dialog id="token-dialog" aria-labelledby="token-title">
<form method="dialog">
<h2 id="token-title">Write token needed</h2>
<p>This server needs its API token for changes. It is kept in this browser tab only.</p>
<label for="token-input">API token<input id="token-input" type="password" autocomplete="off"></label>
<p><button value="save">Save</button> <button value="cancel" class="secondary" formnovalidate>Cancel</button></p>
</form>
</dialog>
</body>
</html>
"##,
        title = escape(page.title),
        storage = state.storage.name(),
        body = page.body,
    );
    let mut response = Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn home(State(state): State<AppState>) -> Response {
    let checks = check_all(&state).await;
    let database = match state.db.kind() {
        DatabaseKind::Postgres => "PostgreSQL",
        DatabaseKind::Sqlite => "SQLite",
    };
    let status = |check: &CheckStatus| {
        if *check == CheckStatus::Ok {
            r#"<span class="status-ok">ready</span>"#.to_string()
        } else {
            format!(r#"<span class="status-bad">not ready: {}</span>"#, escape(&check.to_string()))
        }
    };
    let base = escape(&state.config.base_path);
    let body = format!(
        r#"<section aria-labelledby="about">
<h2 id="about">This server</h2>
<dl class="facts">
<dt>Version</dt><dd>{VERSION}</dd>
<dt>Database</dt><dd>{database} — {db_status}</dd>
<dt>File storage</dt><dd>{storage} — {storage_status}</dd>
</dl>
</section>
<section aria-labelledby="links">
<h2 id="links">Go to</h2>
<ul>
<li><a href="{base}/files">Files</a>: upload, download and delete files</li>
<li><a href="{base}/users">Users</a>: the users table</li>
<li><a href="{base}/docs/">API docs</a> (Swagger UI) and the <a href="{base}/openapi.json">OpenAPI document</a></li>
<li><a href="{base}/readyz">CheckStatus</a> and <a href="{base}/healthz">liveness</a> checks</li>
</ul>
</section>"#,
        db_status = status(&checks.database),
        storage = state.storage.name(),
        storage_status = status(&checks.storage),
    );
    render(&state, Page { title: "Home", current: "/", body, scripts: &[] })
}

async fn files_page(State(state): State<AppState>) -> Response {
    let limit = state.files.upload_limit;
    let body = format!(
        r#"<section aria-labelledby="upload-title">
<h2 id="upload-title">Upload</h2>
<div id="drop" class="drop">
<label for="file-input">Choose files, or drop them here (up to {limit_text} each)
<input id="file-input" type="file" multiple></label>
</div>
<p id="error" class="error" role="alert"></p>
<ul id="uploads" class="uploads" aria-label="Uploads"></ul>
</section>
<section aria-labelledby="list-title">
<h2 id="list-title">Files</h2>
<p id="folder-path" class="folder-path" aria-label="Folder"></p>
<table>
<thead><tr><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Type</th><th scope="col">Uploaded</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody id="file-rows"></tbody>
</table>
<p><button id="first-page" class="secondary" disabled>First page</button> <button id="next-page" class="secondary" disabled>Next page</button></p>
</section>"#,
        limit_text = human_bytes(limit),
    );
    render(&state, Page { title: "Files", current: "/files", body, scripts: &["common.js", "files.js"] })
}

async fn users_page(State(state): State<AppState>) -> Response {
    let body = r#"<section aria-labelledby="new-title">
<h2 id="new-title">New user</h2>
<form id="new-user" class="inline">
<label for="email">Email<input id="email" type="email" required autocomplete="off"></label>
<button type="submit">Create</button>
</form>
<p id="error" class="error" role="alert"></p>
</section>
<section aria-labelledby="list-title">
<h2 id="list-title">Users</h2>
<table>
<thead><tr><th scope="col">Id</th><th scope="col">Email</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
<tbody id="user-rows"></tbody>
</table>
<p><button id="first-page" class="secondary" disabled>First page</button> <button id="next-page" class="secondary" disabled>Next page</button></p>
</section>"#
        .to_string();
    render(&state, Page { title: "Users", current: "/users", body, scripts: &["common.js", "users.js"] })
}

/// Assets are versioned by the `?v=` in their URLs, so they may be cached for a year.
async fn asset(Path(name): Path<String>) -> Response {
    match ASSETS.iter().find(|(n, _, _)| *n == name) {
        Some((_, content_type, body)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            *body,
        )
            .into_response(),
        None => problem_response(StatusCode::NOT_FOUND, format!("no asset named {name:?}"), Vec::new()),
    }
}

fn human_bytes(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB && n.is_multiple_of(MIB) { format!("{} MiB", n / MIB) } else { format!("{n} bytes") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}

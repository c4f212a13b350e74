//! `/openapi.json` and the Swagger UI at `/docs/`, served from assets in the binary.

use std::sync::Arc;

use axum::{
    Router,
    extract::Path,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use utoipa_swagger_ui::Config;

use crate::{AppState, error::problem_response};

/// Serves `spec`, the document of the router it is merged into.
pub fn router(base_path: &str, spec: &utoipa::openapi::OpenApi) -> Router<AppState> {
    let spec = spec.to_json().expect("the OpenAPI document serialises");
    let config = Arc::new(Config::new([format!("{base_path}/openapi.json")]));
    let asset = move |path: Option<Path<String>>| {
        let config = config.clone();
        async move { swagger_asset(path.map(|Path(p)| p).unwrap_or_default(), config) }
    };
    Router::new()
        .route("/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], spec) }))
        // Relative, so that it stays right under any BASE_PATH.
        .route("/docs", get(|| async { Redirect::permanent("docs/") }))
        .route("/docs/", get(asset.clone()))
        .route("/docs/{*rest}", get(asset))
}

fn swagger_asset(path: String, config: Arc<Config<'static>>) -> Response {
    match utoipa_swagger_ui::serve(&path, config) {
        Ok(Some(file)) => {
            let headers =
                [(header::CONTENT_TYPE, file.content_type), (header::CACHE_CONTROL, "public, max-age=3600".into())];
            (StatusCode::OK, headers, file.bytes.into_owned()).into_response()
        }
        Ok(None) => problem_response(StatusCode::NOT_FOUND, "no such documentation asset", Vec::new()),
        Err(e) => crate::error::ApiError::Internal(anyhow::anyhow!("swagger ui: {e}")).into_response(),
    }
}

//! The one place where the routes are assembled and wrapped in their layers.

use axum::{
    Router,
    http::{HeaderValue, Method, header},
};
use tower::{
    ServiceBuilder,
    util::{MapResponseLayer, option_layer},
};
use tower_http::{
    cors::{AllowOrigin, CorsLayer},
    validate_request::ValidateRequestHeaderLayer,
};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    AppState,
    http::{self, auth, guard::RouteGuard, request_id},
    openapi, routes,
};

/// The whole application. Every runtime (HTTP server, Lambda, Shuttle, tests) serves this.
pub fn router(state: AppState) -> Router {
    let config = &state.config;
    let (request_timeout, upload_timeout) = (config.request_timeout, config.upload_timeout);
    let records_guard = RouteGuard { schema_ready: Some(state.schema_ready.clone()), timeout: request_timeout };
    let files_guard = RouteGuard { schema_ready: None, timeout: upload_timeout };
    let records = |group: OpenApiRouter<AppState>| group.route_layer(records_guard.clone());
    let files = |group: OpenApiRouter<AppState>| {
        group.layer(routes::files::body_limit(config.max_upload_bytes)).route_layer(files_guard.clone())
    };
    let mut api = routes::api(config.seed_routes);
    api.records = records(api.records);
    api.files = files(api.files);
    api.seed = api.seed.map(|(seed_records, seed_files)| (records(seed_records), files(seed_files)));
    let (api, spec) = api.assemble().split_for_parts();
    let spec = openapi::finish(spec, config);
    let routes = Router::new()
        .merge(api)
        .merge(routes::docs::router(&config.base_path, &spec))
        .merge(routes::pages::router())
        .fallback(http::not_found_fallback)
        .with_state(state.clone());
    // Outermost first. They wrap the router once: `Router::layer` would wrap every route in
    // its own copy of the stack, which each request would clone whole, layer by layer
    // (`bench/README.md`).
    let layers = ServiceBuilder::new()
        .layer(http::access_log::AccessLogLayer)
        .layer(option_layer(cors(&state.config.cors_allowed_origins)))
        .layer(http::drain::DrainBeforeErrorsLayer)
        .layer(MapResponseLayer::new(http::method_not_allowed_problem))
        .layer(ValidateRequestHeaderLayer::custom(auth::RequireTokenForWrites(state.config.clone())));
    let app = Router::new().fallback_service(layers.service(routes));
    let base = &state.config.base_path;
    if base.is_empty() {
        app
    } else {
        // Prefixed paths (an API Gateway stage, an ingress prefix) and bare ones (probes
        // that hit the container directly) both reach the same routes.
        Router::new().nest_service(base, app.clone()).fallback_service(app)
    }
}

/// CORS only when origins are configured: otherwise browsers get the same-origin default.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    let layer = CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, request_id::X_REQUEST_ID.clone()])
        .expose_headers([header::LOCATION, header::ETAG, request_id::X_REQUEST_ID.clone()]);
    Some(layer)
}

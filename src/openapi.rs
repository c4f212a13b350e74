//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Server,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use crate::routes::{files, health, tweets, users, workers};

#[derive(OpenApi)]
#[openapi(
    info(title = "anyport", description = "Tweets, users, workers and files: one API on containers, Lambda and Shuttle."),
    paths(
        health::healthz, health::readyz,
        tweets::list_tweets, tweets::create_tweet, tweets::get_tweet, tweets::update_tweet, tweets::delete_tweet,
        users::list_users, users::create_user, users::get_user, users::update_user, users::delete_user,
        workers::list_workers, workers::create_worker, workers::get_worker, workers::update_worker, workers::delete_worker,
        files::list_files, files::put_file, files::upload_files, files::download_file, files::head_file, files::delete_file,
        files::create_upload_url,
    ),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags((name = "tweets"), (name = "users"), (name = "workers"), (name = "files"), (name = "health")),
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The spec, with the server URL carrying `BASE_PATH` so clients and Swagger UI call
/// the right place behind a stage or ingress prefix.
pub fn spec(base_path: &str) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let server = if base_path.is_empty() { "/" } else { base_path };
    doc.servers = Some(vec![Server::new(server)]);
    doc
}

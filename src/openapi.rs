//! The OpenAPI 3.1 document: the paths come from the routes as declared (`routes::api`), and
//! are completed here with what is said once for all of them (security, problem+json errors,
//! the server URL, the configured limits).

use utoipa::{
    Modify, OpenApi,
    openapi::{
        Content, Ref, RefOr, Required, ResponseBuilder, Schema, Server, Type,
        schema::SchemaType,
        security::{Http, HttpAuthScheme, SecurityScheme},
    },
};

use crate::{config::Config, error::PROBLEM_JSON, routes};

/// What the document says besides its paths.
#[derive(OpenApi)]
#[openapi(
    info(title = "anyport", description = "Tweets, users, workers and files: one API on containers, Lambda and Shuttle."),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
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

/// A body typed `Option<T>` may be left out; utoipa spells that as "`T` or `null`", but a
/// JSON `null` body is no more acceptable than any other non-object. Keep `T`, not required.
struct OptionalBodies;

impl Modify for OptionalBodies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let is_null = |schema: &RefOr<Schema>| matches!(schema, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
        for item in openapi.paths.paths.values_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.head, &mut item.patch];
            for body in operations.into_iter().flatten().filter_map(|o| o.request_body.as_mut()) {
                if body.required == Some(Required::True) {
                    continue;
                }
                for content in body.content.values_mut() {
                    if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema
                        && let [a, b] = one_of.items.as_slice()
                        && (is_null(a) || is_null(b))
                    {
                        content.schema = Some(if is_null(a) { b.clone() } else { a.clone() });
                    }
                }
                body.required = Some(Required::False);
            }
        }
    }
}

/// Every error is problem+json, and every operation can meet the generic errors (a body
/// that is malformed, too large or of the wrong type; a missing token; a dependency down):
/// documented here once instead of on each handler.
struct ProblemResponses;

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let operations =
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.head, &mut item.patch];
            for operation in operations.into_iter().flatten() {
                for response in operation.responses.responses.values_mut() {
                    if let RefOr::T(response) = response
                        && let Some(content) = response.content.shift_remove("application/json")
                    {
                        let problem =
                            matches!(&content.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem"));
                        response
                            .content
                            .insert(if problem { PROBLEM_JSON } else { "application/json" }.into(), content);
                    }
                }
                let mut generic = Vec::new();
                if path != "/healthz" {
                    generic.push(("503", "A dependency (database, storage) is unavailable; retry after Retry-After"));
                }
                if operation.request_body.is_some() {
                    generic.extend([
                        ("400", "Malformed body"),
                        ("408", "The request took longer than its timeout"),
                        ("413", "Body over its limit"),
                        ("415", "Wrong Content-Type"),
                        ("422", "Invalid fields"),
                    ]);
                }
                if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                    generic.push(("422", "Invalid path or query parameter"));
                }
                if operation.security.is_some() {
                    generic.push(("401", "A valid bearer token is needed (when API_TOKEN is set)"));
                }
                for (status, description) in generic {
                    operation.responses.responses.entry(status.to_string()).or_insert_with(|| {
                        let content = Content::new(Some(Ref::from_schema_name("Problem")));
                        RefOr::T(ResponseBuilder::new().description(description).content(PROBLEM_JSON, content).build())
                    });
                }
            }
        }
    }
}

/// The published document for this configuration, from the declaration the router serves;
/// `anyport openapi` prints it without building any state.
pub fn spec(config: &Config) -> utoipa::openapi::OpenApi {
    finish(routes::api(config.seed_routes).assemble().into_openapi(), config)
}

/// Completes the routes' own document: the server URL carries `BASE_PATH` so clients and
/// Swagger UI call the right place behind a stage or ingress prefix, and the configured
/// upload limit is the largest `size` an upload URL can be asked for.
pub fn finish(paths: utoipa::openapi::OpenApi, config: &Config) -> utoipa::openapi::OpenApi {
    let (base_path, max_upload_bytes) = (config.base_path.as_str(), config.max_upload_bytes);
    let mut doc = ApiDoc::openapi();
    doc.merge(paths);
    // The router takes the rest of the path as a file name (`{*name}`, folders included);
    // OpenAPI spells a path parameter `{name}`.
    doc.paths.paths =
        std::mem::take(&mut doc.paths.paths).into_iter().map(|(path, item)| (path.replace("{*", "{"), item)).collect();
    for modifier in [&BearerAuth as &dyn Modify, &OptionalBodies, &ProblemResponses] {
        modifier.modify(&mut doc);
    }
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    let server = if base_path.is_empty() { "/" } else { base_path };
    doc.servers = Some(vec![Server::new(server)]);
    let upload_url_size = doc.components.as_mut().and_then(|c| match c.schemas.get_mut("UploadUrlRequest") {
        Some(RefOr::T(Schema::Object(request))) => request.properties.get_mut("size"),
        _ => None,
    });
    match upload_url_size {
        Some(RefOr::T(Schema::Object(size))) => size.maximum = Some(max_upload_bytes.into()),
        _ => unreachable!("UploadUrlRequest has a `size` property"),
    }
    doc
}

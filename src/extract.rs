//! Our own extractors, so every bad body, query or path gets a problem+json, never axum's
//! plain-text rejections.

use axum::{
    body::Body,
    extract::{FromRequest, FromRequestParts, Path, Query, Request, rejection::QueryRejection},
    http::{header, request::Parts},
};
use std::marker::PhantomData;

use serde::de::DeserializeOwned;
use utoipa::{
    IntoParams,
    openapi::{
        KnownFormat, ObjectBuilder, Required, SchemaFormat, Type,
        path::{Parameter, ParameterBuilder, ParameterIn},
    },
};

use crate::{
    AppState,
    error::{ApiError, FieldError},
};

/// A JSON body: `application/json` (or `+json`) only, at most `MAX_JSON_BYTES`, unknown
/// fields rejected by the target type. Malformed JSON is 400, JSON of the wrong shape 422.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let limit = state.config.max_json_bytes;
        if !is_json(req.headers()) {
            return Err(ApiError::UnsupportedMediaType("expected Content-Type: application/json".into()));
        }
        let too_large =
            || ApiError::PayloadTooLarge(format!("JSON bodies are limited to {limit} bytes (MAX_JSON_BYTES)"));
        let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large());
        }
        let bytes = read_limited(req.into_body(), limit).await?.ok_or_else(too_large)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// The whole body, or `None` when it is longer than `limit`.
async fn read_limited(body: Body, limit: usize) -> Result<Option<axum::body::Bytes>, ApiError> {
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if is_length_limit(&e) => Ok(None),
        Err(e) => Err(ApiError::BadRequest(format!("could not read the request body: {e}"))),
    }
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Syntax errors are 400; a body that is not an object, or fields that do not fit, 422.
/// Parsing to a `Value` first stops serde from accepting an array for a struct.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| malformed(&e))?;
    if !value.is_object() {
        return Err(ApiError::validation("body", "must be a JSON object"));
    }
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "body".to_string() } else { path };
        ApiError::Validation(vec![FieldError::new(field, strip_position(&err.into_inner().to_string()))])
    })
}

fn malformed(err: &serde_json::Error) -> ApiError {
    ApiError::BadRequest(format!("malformed JSON: {err}"))
}

/// serde_json appends "at line 1 column 12" to data errors; the field name says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A query string that does not fit its type is a 422 naming the problem.
#[derive(FromRequestParts)]
#[from_request(via(Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let message = rejection.body_text();
        let message = message.strip_prefix("Failed to deserialize query string: ").unwrap_or(&message);
        ApiError::Validation(vec![FieldError::new("query", message)])
    }
}

/// A kind of record kept in the database, named in its 404s.
pub trait Record {
    const NAME: &'static str;
}

/// A record's id from the path. Any run of digits is an id, and one that cannot exist (0, or
/// too large for an id) answers 404 here, like any other missing record; anything else is a
/// 422.
pub struct Id<R>(pub i64, PhantomData<fn() -> R>);

impl<R: Record> Id<R> {
    /// The 404 for this id.
    pub fn not_found(&self) -> ApiError {
        not_found::<R>(&self.0.to_string())
    }
}

fn not_found<R: Record>(id: &str) -> ApiError {
    ApiError::NotFound(format!("no {} with id {id}", R::NAME))
}

/// Documents `{id}` as what the extractor takes: a positive 64-bit integer (0 and numbers
/// too large for an id are valid requests for something that does not exist: 404).
impl<R> IntoParams for Id<R> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let schema = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(1));
        vec![path_parameter("id", "The resource's id, a positive integer.", schema).build()]
    }
}

/// A required path parameter with its description and schema, for hand-written `IntoParams`.
pub fn path_parameter(name: &str, description: &str, schema: ObjectBuilder) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Path)
        .required(Required::True)
        .description(Some(description))
        .schema(Some(schema))
}

impl<S: Send + Sync, R: Record> FromRequestParts<S> for Id<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::validation("id", "must be a positive integer"))?;
        match parse_id(&raw)? {
            Some(id) => Ok(Self(id, PhantomData)),
            None => Err(not_found::<R>(&raw)),
        }
    }
}

/// `Some(id)` for an id that can exist, `None` for digits that cannot name a record.
fn parse_id(raw: &str) -> Result<Option<i64>, ApiError> {
    if raw.is_empty() || raw.len() > 64 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::validation("id", "must be a positive integer"));
    }
    Ok(raw.parse::<i64>().ok().filter(|id| *id > 0))
}

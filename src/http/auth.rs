//! The write-token rule: with `API_TOKEN` set, every request that can change something needs
//! `Authorization: Bearer <token>`. Reads stay open.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::{config::Config, error::ApiError};

/// Its state is the configuration alone: cloned for every request, one `Arc` costs less than
/// the whole `AppState`.
pub async fn require_token_for_writes(State(config): State<Arc<Config>>, req: Request, next: Next) -> Response {
    if let Some(token) = &config.api_token
        && !is_read(req.method())
        && !bearer_matches(req.headers(), token.expose())
    {
        return ApiError::Unauthorized.into_response();
    }
    next.run(req).await
}

fn is_read(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares in constant time, so response timing does not reveal how much of a guess was right.
fn bearer_matches(headers: &HeaderMap, token: &str) -> bool {
    let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let Some((scheme, given)) = value.trim().split_once(' ') else { return false };
    scheme.eq_ignore_ascii_case("bearer") && bool::from(given.trim().as_bytes().ct_eq(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, value.parse().unwrap());
        h
    }

    #[test]
    fn only_the_exact_bearer_token_matches() {
        assert!(bearer_matches(&headers("Bearer s3cret"), "s3cret"));
        assert!(bearer_matches(&headers("bearer s3cret"), "s3cret"));
        assert!(!bearer_matches(&headers("Bearer s3cre"), "s3cret"));
        assert!(!bearer_matches(&headers("Bearer s3cretX"), "s3cret"));
        assert!(!bearer_matches(&headers("Basic s3cret"), "s3cret"));
        assert!(!bearer_matches(&HeaderMap::new(), "s3cret"));
    }
}

//! The write-token rule: with `API_TOKEN` set, every request that can change something needs
//! `Authorization: Bearer <token>`. Reads stay open.

use std::sync::Arc;

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, header},
    response::{IntoResponse, Response},
};

use subtle::ConstantTimeEq;
use tower_http::validate_request::ValidateRequest;

use crate::{config::Config, error::ApiError};

/// A tower-http request validator rather than `from_fn`: it runs on every request, and
/// `from_fn` costs each one a boxed future and a clone of the stack below.
#[derive(Clone)]
pub struct RequireTokenForWrites(pub Arc<Config>);

impl<B> ValidateRequest<B> for RequireTokenForWrites {
    type ResponseBody = Body;

    fn validate(&mut self, req: &mut Request<B>) -> Result<(), Response> {
        match &self.0.api_token {
            Some(token) if !is_read(req.method()) && !bearer_matches(req.headers(), token.expose()) => {
                Err(ApiError::Unauthorized.into_response())
            }
            _ => Ok(()),
        }
    }
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

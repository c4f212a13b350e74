//! `x-request-id`: kept from the client when it is sane, generated otherwise. The access log
//! (`http::access_log`) assigns it, writes it in the request's line and echoes it on the response.

use axum::{
    extract::Request,
    http::{HeaderName, HeaderValue},
};

pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
const MAX_LEN: usize = 128;

/// The request's id: the client's when it is sane, a new one otherwise. It is also set on the
/// request's headers, for anything the request is passed on to.
pub fn assign(req: &mut Request) -> HeaderValue {
    let id = req.headers().get(&X_REQUEST_ID).filter(|v| acceptable(v)).cloned().unwrap_or_else(new_id);
    req.headers_mut().insert(X_REQUEST_ID.clone(), id.clone());
    id
}

/// A random UUID, formatted on the stack: the header value is its only allocation.
fn new_id() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(id).expect("a UUID is a valid header")
}

/// An incoming id goes into our logs: only short, printable, unambiguous ones are kept.
fn acceptable(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_LEN
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

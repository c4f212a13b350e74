//! Keyset pagination, newest first: an opaque cursor holding the last id seen.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
const CURSOR_PREFIX: &str = "id:";

/// `?limit=&cursor=` for list endpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page: an opaque token, so only cursors this API
    /// returned are accepted (422 otherwise). Empty means the first page.
    #[param(pattern = r"^[A-Za-z0-9_-]*$")]
    pub cursor: Option<String>,
}

/// A validated page request: rows with `id < before`, at most `limit` of them.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub before: i64,
    pub limit: u32,
}

impl PageRequest {
    /// Rows to fetch: one more than the page, to know whether another page follows.
    pub fn fetch_limit(&self) -> i64 {
        i64::from(self.limit) + 1
    }
}

impl TryFrom<PageParams> for PageRequest {
    type Error = ApiError;

    fn try_from(params: PageParams) -> Result<Self, ApiError> {
        let limit = params.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::validation("limit", format!("must be between 1 and {MAX_LIMIT}")));
        }
        let before = match params.cursor.as_deref() {
            None | Some("") => i64::MAX,
            Some(c) => {
                decode_cursor(c).ok_or_else(|| ApiError::validation("cursor", "is not a cursor this API returned"))?
            }
        };
        Ok(Self { before, limit })
    }
}

/// One page of items and the cursor for the next, `null` on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `fetch_limit` rows ordered by descending id.
    pub fn from_rows<R>(mut rows: Vec<R>, request: PageRequest, id: impl Fn(&R) -> i64, into: impl Fn(R) -> T) -> Self {
        let next_cursor = if rows.len() > request.limit as usize {
            rows.truncate(request.limit as usize);
            rows.last().map(|r| encode_cursor(id(r)))
        } else {
            None
        };
        Self { items: rows.into_iter().map(into).collect(), next_cursor }
    }
}

fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_PREFIX}{id}"))
}

fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    text.strip_prefix(CURSOR_PREFIX)?.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42)), Some(42));
        for bad in ["", "!!", "aWQ6", "aWQ6LTE", "eHh4"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }

    #[test]
    fn limit_outside_1_to_100_is_rejected() {
        for limit in [0, 101] {
            let err = PageRequest::try_from(PageParams { limit: Some(limit), cursor: None }).unwrap_err();
            assert_eq!(err.status(), 422);
        }
        let ok = PageRequest::try_from(PageParams { limit: None, cursor: None }).unwrap();
        assert_eq!((ok.limit, ok.before), (20, i64::MAX));
    }
}

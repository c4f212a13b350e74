//! Keyset pagination: a page size and an opaque cursor holding the last key seen (an id for
//! the records, newest first; a name for files, in name order).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

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
        let limit = page_limit(params.limit)?;
        let before = Cursor::<i64>::parse(params.cursor.as_deref())?.unwrap_or(i64::MAX);
        Ok(Self { before, limit })
    }
}

/// `limit` checked against 1..=`MAX_LIMIT`, `DEFAULT_LIMIT` when absent.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::validation("limit", format!("must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit)
}

/// What a cursor can hold: the last key of a page.
pub trait CursorKey: Sized {
    /// Written into the cursor, so that a cursor of one kind of list is refused by another.
    const KIND: &'static str;
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

impl CursorKey for i64 {
    const KIND: &'static str = "id";

    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok().filter(|id| *id > 0)
    }
}

impl CursorKey for String {
    const KIND: &'static str = "name";

    fn to_text(&self) -> String {
        self.clone()
    }

    fn from_text(text: &str) -> Option<Self> {
        Some(text.to_string())
    }
}

/// The one cursor format: URL-safe base64 of `<kind>:<key>`.
pub struct Cursor<K>(pub K);

impl<K: CursorKey> Cursor<K> {
    pub fn encode(key: &K) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", K::KIND, key.to_text()))
    }

    fn decode(cursor: &str) -> Option<K> {
        let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        K::from_text(text.strip_prefix(K::KIND)?.strip_prefix(':')?)
    }

    /// The key of a `cursor` query parameter: `None` for the first page (absent or empty),
    /// 422 for anything this API did not hand out.
    pub fn parse(cursor: Option<&str>) -> Result<Option<K>, ApiError> {
        match cursor.filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(c) => Self::decode(c)
                .map(Some)
                .ok_or_else(|| ApiError::validation("cursor", "is not a cursor this API returned")),
        }
    }
}

/// Cuts `rows` (fetched with one extra) to `limit`, with the cursor of the next page if there
/// is one.
pub fn paginate<R, K: CursorKey>(mut rows: Vec<R>, limit: u32, key: impl Fn(&R) -> K) -> (Vec<R>, Option<String>) {
    if rows.len() <= limit as usize {
        return (rows, None);
    }
    rows.truncate(limit as usize);
    let next = rows.last().map(|r| Cursor::encode(&key(r)));
    (rows, next)
}

/// One page of items and the cursor for the next, `null` on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `fetch_limit` rows ordered by descending id.
    pub fn from_rows<R>(rows: Vec<R>, request: PageRequest, id: impl Fn(&R) -> i64, into: impl Fn(R) -> T) -> Self {
        let (rows, next_cursor) = paginate(rows, request.limit, id);
        Self { items: rows.into_iter().map(into).collect(), next_cursor }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(Cursor::<i64>::parse(Some(&Cursor::encode(&42))).unwrap(), Some(42));
        let name = "reports/2024 q1.pdf".to_string();
        assert_eq!(Cursor::<String>::parse(Some(&Cursor::encode(&name))).unwrap(), Some(name.clone()));
        assert_eq!(Cursor::<i64>::parse(Some("")).unwrap(), None);
        for bad in ["!!", "aWQ6", "aWQ6LTE", "eHh4", &Cursor::encode(&name)] {
            assert_eq!(Cursor::<i64>::parse(Some(bad)).unwrap_err().status(), 422, "{bad}");
        }
        assert!(Cursor::<String>::parse(Some(&Cursor::encode(&7))).is_err(), "an id cursor is not a name cursor");
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

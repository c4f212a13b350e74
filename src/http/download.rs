//! What a file download needs from HTTP: conditional requests (`If-None-Match`), single
//! byte ranges (`Range`, `If-Range`) and the headers that make stored content safe to serve.

use axum::http::{HeaderMap, HeaderValue, header};

use crate::storage::{ByteRange, FileMeta, content_disposition};

/// What a `Range` header asks of a file of a known size.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    Full,
    Partial(ByteRange),
    /// 416: the range is malformed, asks for several ranges, or lies outside the file.
    Unsatisfiable,
}

pub fn quoted_etag(meta: &FileMeta) -> String {
    format!("\"{}\"", meta.etag)
}

/// Whether `If-None-Match` names this file's ETag (weak comparison, `*` matches all).
pub fn not_modified(headers: &HeaderMap, meta: &FileMeta) -> bool {
    let etag = quoted_etag(meta);
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate.trim_start_matches("W/") == etag
        },
    )
}

/// Reads `Range` (ignoring it when `If-Range` names another version), for one range only.
pub fn range_request(headers: &HeaderMap, meta: &FileMeta) -> RangeRequest {
    let Some(range) = headers.get(header::RANGE) else { return RangeRequest::Full };
    if let Some(if_range) = headers.get(header::IF_RANGE)
        && if_range.to_str().ok() != Some(quoted_etag(meta).as_str())
    {
        return RangeRequest::Full;
    }
    let Some(spec) = range.to_str().ok().and_then(|r| r.trim().strip_prefix("bytes=")) else {
        // Units we do not know are ignored, as RFC 9110 says.
        return RangeRequest::Full;
    };
    parse_single_range(spec, meta.size).map_or(RangeRequest::Unsatisfiable, RangeRequest::Partial)
}

fn parse_single_range(spec: &str, size: u64) -> Option<ByteRange> {
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (first, last) = spec.trim().split_once('-')?;
    let number =
        |s: &str| if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) { None } else { s.parse::<u64>().ok() };
    let (start, end) = match (first, last) {
        ("", suffix) => {
            let n = number(suffix)?;
            if n == 0 {
                return None;
            }
            (size.saturating_sub(n), size - 1)
        }
        (start, "") => (number(start)?, size - 1),
        (start, end) => (number(start)?, number(end)?.min(size - 1)),
    };
    (start <= end && start < size).then_some(ByteRange { start, end })
}

/// Headers every download carries: it is an attachment, never sniffed or run as a page.
pub fn file_headers(meta: &FileMeta) -> Vec<(header::HeaderName, HeaderValue)> {
    let value =
        |s: &str| HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    vec![
        (header::ETAG, value(&quoted_etag(meta))),
        (header::CONTENT_TYPE, value(&meta.content_type)),
        (header::ACCEPT_RANGES, HeaderValue::from_static("bytes")),
        (header::LAST_MODIFIED, value(&meta.uploaded_at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())),
        (header::CONTENT_DISPOSITION, value(&content_disposition(&meta.name))),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox")),
        (header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str, size: u64) -> Option<(u64, u64)> {
        parse_single_range(spec, size).map(|r| (r.start, r.end))
    }

    #[test]
    fn single_ranges_are_parsed_and_clamped() {
        assert_eq!(range("0-0", 10), Some((0, 0)));
        assert_eq!(range("2-5", 10), Some((2, 5)));
        assert_eq!(range("2-", 10), Some((2, 9)));
        assert_eq!(range("-3", 10), Some((7, 9)));
        assert_eq!(range("-30", 10), Some((0, 9)));
        assert_eq!(range("5-100", 10), Some((5, 9)));
    }

    #[test]
    fn bad_or_multiple_ranges_are_unsatisfiable() {
        for spec in ["10-", "10-12", "5-2", "-0", "a-b", "-", "0-1,3-4", "1--2", " - 5", "0-0x"] {
            assert_eq!(range(spec, 10), None, "{spec}");
        }
        assert_eq!(range("0-0", 0), None);
    }
}

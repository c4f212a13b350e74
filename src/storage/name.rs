//! File names are data, never paths: 1 to 255 bytes of UTF-8, where `/` separates non-empty
//! folder segments (`reports/2024/q1.pdf`, as S3 keys and GridFS names hold them), no segment
//! is `.` or `..`, and there is no `\`, NUL or control character. Backends never turn a name
//! into a filesystem path (the local one stores it under a hash).

use std::fmt;

pub const MAX_NAME_BYTES: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidName(pub &'static str);

impl FileName {
    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        if raw.is_empty() {
            return Err(InvalidName("must not be empty"));
        }
        if raw.len() > MAX_NAME_BYTES {
            return Err(InvalidName("must be at most 255 bytes"));
        }
        if raw.contains('\\') {
            return Err(InvalidName("must not contain \\ (use / between folders)"));
        }
        for segment in raw.split('/') {
            match segment {
                "" => return Err(InvalidName("must not start or end with /, nor contain //")),
                "." | ".." => return Err(InvalidName("must not have . or .. as a name or folder")),
                _ => {}
            }
        }
        if raw.chars().any(char::is_control) {
            return Err(InvalidName("must not contain NUL or control characters"));
        }
        Ok(Self(raw.to_string()))
    }

    /// The last path component of a browser-supplied upload name (some send `C:\dir\a.txt`),
    /// then the usual rules.
    pub fn from_client_filename(raw: &str) -> Result<Self, InvalidName> {
        let base = raw.rsplit(['/', '\\']).next().unwrap_or_default().trim();
        Self::parse(base)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The rules of `parse` as a regex, for the OpenAPI document's file-name parameter. It
    /// counts characters where `parse` counts bytes (no JSON Schema keyword counts bytes); for
    /// ASCII names they agree. A path ending in `/upload-url` is the upload-URL resource, not a
    /// file, so the parameter excludes it.
    pub fn pattern() -> String {
        let control = crate::validate::control_class();
        let segment = format!(r"(?!\.\.?(?:/|$))[^/\\{control}]+");
        format!(r"^(?=[^\\{control}]{{1,{MAX_NAME_BYTES}}}$)(?!.*/upload-url$){segment}(?:/{segment})*$")
    }

    /// The folder right below `prefix` that holds `name`, with its trailing `/` (prefix `a/`:
    /// `a/b/c.txt` → `a/b/`); `None` when the name sits directly under the prefix.
    pub fn folder_of(name: &str, prefix: &str) -> Option<String> {
        let rest = name.strip_prefix(prefix)?;
        rest.find('/').map(|i| format!("{prefix}{}", &rest[..=i]))
    }
}

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_rejected() {
        let long = "a".repeat(256);
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "a/../b",
            "a/./b",
            "a/..",
            "/a",
            "a/",
            "a//b",
            "a\\b",
            "nul\0",
            "tab\there",
            "line\nbreak",
            "\u{7f}",
            "a/\u{1}/b",
            long.as_str(),
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn ordinary_and_unicode_names_are_kept_as_they_are() {
        for good in [
            "a.txt",
            "%2e%2e",
            "...",
            ".hidden",
            "naïve café ☕.pdf",
            "日本語",
            &"é".repeat(127),
            "reports/2024/q1.pdf",
            "a/.../b",
            ".config/x",
        ] {
            assert_eq!(FileName::parse(good).unwrap().as_str(), good);
        }
        assert_eq!(FileName::parse(&"a".repeat(255)).unwrap().as_str().len(), 255);
    }

    #[test]
    fn client_filenames_lose_their_directories() {
        assert_eq!(FileName::from_client_filename("C:\\Users\\me\\report.pdf").unwrap().as_str(), "report.pdf");
        assert_eq!(FileName::from_client_filename("../../etc/passwd").unwrap().as_str(), "passwd");
        assert!(FileName::from_client_filename("dir/").is_err());
    }
}

/// Characters left as they are in a URL path segment or an RFC 8187 value: RFC 3986's
/// unreserved set.
pub const UNRESERVED: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// `attachment` with an ASCII fallback and the exact name as RFC 6266 `filename*`, so the
/// browser saves the file instead of rendering it on our origin.
pub fn content_disposition(name: &str) -> String {
    let fallback: String =
        name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    let encoded = percent_encoding::utf8_percent_encode(name, UNRESERVED);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod disposition_tests {
    use super::content_disposition;

    #[test]
    fn disposition_keeps_the_exact_name_in_filename_star() {
        assert_eq!(
            content_disposition("naïve \"x\".txt"),
            "attachment; filename=\"na_ve _x_.txt\"; filename*=UTF-8''na%C3%AFve%20%22x%22.txt"
        );
    }
}

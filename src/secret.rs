//! A value that must never be printed: Debug and Display show a placeholder.

use std::fmt;

/// Wraps a secret (a password, a token, a URL with credentials) so that logging or
/// printing the config cannot leak it. Read it only where it is used, with `expose`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl<T> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A URL with its password (and any password-like query parameters) replaced by `***`,
/// for printing a connection string in logs and in `anyport config`.
pub fn redact_url(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw) else {
        return if raw.contains('@') { "***".into() } else { raw.into() };
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    let sensitive = |k: &str| {
        let k = k.to_ascii_lowercase();
        k.contains("password") || k.contains("secret") || k.contains("token") || k == "sslkey"
    };
    if url.query_pairs().any(|(k, _)| sensitive(&k)) {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if sensitive(&k) { "***".into() } else { v.into_owned() };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2".to_string());
        assert!(!format!("{s:?}{s}").contains("hunter2"));
    }

    #[test]
    fn redact_url_hides_password_and_keeps_the_rest() {
        let r = redact_url("postgres://app:s3cr%40t@db.example.com:5432/app?sslmode=require");
        assert_eq!(r, "postgres://app:***@db.example.com:5432/app?sslmode=require");
        let r = redact_url("mongodb://h/db?authSource=admin&password=x");
        assert!(!r.contains("password=x"), "{r}");
        assert_eq!(redact_url("sqlite://data/anyport.db"), "sqlite://data/anyport.db");
    }
}

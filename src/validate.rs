//! Field rules shared by the resources: trimming, lengths in characters, email shape.

use crate::error::FieldError;

pub const TWEET_MAX_CHARS: usize = 280;
pub const FULLNAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_BYTES: usize = 254;

/// Trimmed text of 1..=`max` characters (Unicode scalar values, not bytes). NUL is
/// refused because PostgreSQL cannot store it in a text column.
pub fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = raw.trim();
    let chars = value.chars().count();
    if chars == 0 {
        return Err(FieldError::new(field, "must not be empty or only whitespace"));
    }
    if chars > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters (got {chars})")));
    }
    if value.contains('\0') {
        return Err(FieldError::new(field, "must not contain NUL characters"));
    }
    Ok(value.to_string())
}

/// A single-line name: like `text`, and without control characters.
pub fn name(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = text(field, raw, max)?;
    if value.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(value)
}

/// An email address, trimmed and lower-cased so that uniqueness ignores case.
pub fn email(field: &str, raw: &str) -> Result<String, FieldError> {
    let value = raw.trim().to_lowercase();
    let invalid = || FieldError::new(field, "must be an email address like name@example.com");
    if value.len() > EMAIL_MAX_BYTES {
        return Err(FieldError::new(field, format!("must be at most {EMAIL_MAX_BYTES} bytes")));
    }
    let (local, domain) = value.split_once('@').ok_or_else(invalid)?;
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || c == '@';
    let domain_ok =
        domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains("..");
    if local.is_empty()
        || !domain_ok
        || value.chars().filter(|c| *c == '@').count() != 1
        || value.chars().any(|c| bad_char(c) && c != '@')
    {
        return Err(invalid());
    }
    Ok(value)
}

/// Collects field results into one list of errors, so a client sees every problem at once.
#[derive(Default)]
pub struct Checks(Vec<FieldError>);

impl Checks {
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.0.push(e)).ok()
    }

    pub fn finish(self) -> Result<(), crate::error::ApiError> {
        if self.0.is_empty() { Ok(()) } else { Err(crate::error::ApiError::Validation(self.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_counts_characters_not_bytes() {
        let emoji_280 = "😀".repeat(280);
        assert_eq!(text("text", &emoji_280, 280).unwrap().chars().count(), 280);
        assert!(text("text", &"😀".repeat(281), 280).is_err());
        assert_eq!(text("text", "  hi \n", 280).unwrap(), "hi");
        assert!(text("text", " \t\n ", 280).is_err());
        assert!(text("text", "a\0b", 280).is_err());
    }

    #[test]
    fn email_is_normalised_and_checked() {
        assert_eq!(email("email", "  Ada@Example.COM ").unwrap(), "ada@example.com");
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "a@b@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
        assert!(email("email", &format!("{}@example.com", "a".repeat(250))).is_err());
    }
}

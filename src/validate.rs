//! Field rules shared by the resources: trimming, lengths in characters, email shape; and the
//! same rules as OpenAPI schemas, so that the spec says exactly what the server accepts.

use utoipa::openapi::{
    ObjectBuilder, Type,
    schema::{Object, SchemaType},
};

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

/// What `char::is_whitespace` (Unicode White_Space, what `str::trim` removes) matches.
const WHITESPACE: &[(char, char)] = &[
    ('\t', '\r'),
    (' ', ' '),
    ('\u{85}', '\u{85}'),
    ('\u{a0}', '\u{a0}'),
    ('\u{1680}', '\u{1680}'),
    ('\u{2000}', '\u{200a}'),
    ('\u{2028}', '\u{2029}'),
    ('\u{202f}', '\u{202f}'),
    ('\u{205f}', '\u{205f}'),
    ('\u{3000}', '\u{3000}'),
];
/// What `char::is_control` (Unicode Cc) matches.
const CONTROL: &[(char, char)] = &[('\0', '\u{1f}'), ('\u{7f}', '\u{9f}')];

/// The inside of a regex character class holding these ranges, in `\uXXXX` escapes that
/// ECMA-262 (the dialect of JSON Schema), Python and Rust regexes all read the same way.
fn class(ranges: &[(char, char)]) -> String {
    let escape = |c: char| format!("\\u{:04X}", u32::from(c));
    ranges.iter().map(|&(a, b)| if a == b { escape(a) } else { format!("{}-{}", escape(a), escape(b)) }).collect()
}

/// Whitespace, for a regex character class.
pub fn whitespace_class() -> String {
    class(WHITESPACE)
}

/// Control characters, for a regex character class.
pub fn control_class() -> String {
    class(CONTROL)
}

/// The raw strings that trim to 1..=`max` characters (`max` ≥ 1) whose ends are not in
/// `[ws{edge_bars}]` and whose other characters are not in `[{inner_bars}]`. Leading and
/// trailing whitespace is free.
fn trimmed_pattern(max: usize, edge_bars: &str, inner_bars: &str) -> String {
    let ws = whitespace_class();
    let edge = format!("[^{ws}{edge_bars}]");
    let more = if max >= 2 { format!("(?:[^{inner_bars}]{{0,{}}}{edge})?", max - 2) } else { String::new() };
    format!("^[{ws}]*{edge}{more}[{ws}]*$")
}

/// Exactly the strings `text(_, _, max)` accepts: 1 to `max` characters once trimmed, no NUL.
pub fn text_pattern(max: usize) -> String {
    trimmed_pattern(max, "\\u0000", "\\u0000")
}

/// Exactly the strings `name(_, _, max)` accepts: `text`, without control characters.
pub fn name_pattern(max: usize) -> String {
    let control = control_class();
    trimmed_pattern(max, &control, &control)
}

/// The strings `email` accepts: once trimmed, one `@` after a non-empty local part, a domain
/// of dot-separated non-empty labels, no whitespace or control characters, at most
/// `EMAIL_MAX_BYTES` characters. (The server counts UTF-8 bytes, which no JSON Schema
/// keyword can; for ASCII addresses the two agree.)
pub fn email_pattern() -> String {
    let (ws, control) = (whitespace_class(), control_class());
    let label = format!("[^@.{ws}{control}]+");
    format!("^[{ws}]*(?=[^{ws}]{{1,{EMAIL_MAX_BYTES}}}[{ws}]*$)[^@{ws}{control}]+@(?:{label}\\.)+{label}[{ws}]*$")
}

/// A string schema (nullable when the field may be `null`) with a pattern and a description.
pub fn string_schema(pattern: String, description: &str, nullable: bool) -> Object {
    let kind =
        if nullable { SchemaType::from_iter([Type::String, Type::Null]) } else { SchemaType::Type(Type::String) };
    ObjectBuilder::new().schema_type(kind).pattern(Some(pattern)).description(Some(description)).build()
}

const EMAIL_DESCRIPTION: &str = "An address like name@example.com, at most 254 bytes once trimmed; stored \
    trimmed and lower-cased, unique regardless of case.";

/// The schema of a required `email` field.
pub fn email_schema() -> Object {
    string_schema(email_pattern(), EMAIL_DESCRIPTION, false)
}

/// The schema of an `email` field that may be left out or `null` (unchanged).
pub fn optional_email_schema() -> Object {
    string_schema(email_pattern(), EMAIL_DESCRIPTION, true)
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

    fn in_ranges(ranges: &[(char, char)], c: char) -> bool {
        ranges.iter().any(|&(a, b)| (a..=b).contains(&c))
    }

    #[test]
    fn the_schema_classes_are_exactly_rusts_whitespace_and_control_characters() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(in_ranges(WHITESPACE, c), c.is_whitespace(), "{c:?}");
            assert_eq!(in_ranges(CONTROL, c), c.is_control(), "{c:?}");
        }
        assert_eq!(control_class(), "\\u0000-\\u001F\\u007F-\\u009F");
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

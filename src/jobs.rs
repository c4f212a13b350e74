//! The management jobs a Lambda direct invocation or an EventBridge schedule can ask for; they
//! run through `commands::run_job`.

use crate::secret::redact_url;

/// A management job a Lambda direct invocation (or an EventBridge schedule) can run:
/// `{"command":"migrate"}`, `{"command":"seed"}`, `{"command":"ready"}`,
/// `{"command":"files-copy","from":"<backend URL>","to":"<backend URL>"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case", deny_unknown_fields)]
// Empty braces: serde ignores unknown fields on unit variants of an internally tagged enum.
pub enum Job {
    Migrate {},
    Seed {},
    Ready {},
    FilesCopy { from: String, to: String },
}

impl Job {
    /// `migrate`, `seed` or `ready`, or a whole job as JSON (`files-copy` needs its URLs):
    /// the forms `LAMBDA_SCHEDULED_COMMAND` takes.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let json =
            if text.starts_with('{') { text.to_string() } else { serde_json::json!({ "command": text }).to_string() };
        serde_json::from_str(&json).map_err(|e| format!("{text:?}: {e}"))
    }

    /// The job for logs and `anyport config`, credentials in URLs redacted.
    pub fn describe(&self) -> String {
        match self {
            Self::Migrate {} => "migrate".into(),
            Self::Seed {} => "seed".into(),
            Self::Ready {} => "ready".into(),
            Self::FilesCopy { from, to } => format!("files-copy {} -> {}", redact_url(from), redact_url(to)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_parse_from_a_name_or_json_and_refuse_anything_else() {
        assert_eq!(Job::parse("migrate"), Ok(Job::Migrate {}));
        assert_eq!(Job::parse(" ready "), Ok(Job::Ready {}));
        assert_eq!(
            Job::parse(r#"{"command":"files-copy","from":"local:a","to":"local:b"}"#),
            Ok(Job::FilesCopy { from: "local:a".into(), to: "local:b".into() })
        );
        let copy = Job::parse(r#"{"command":"files-copy","from":"mongodb://u:hunter2@h/db","to":"local:b"}"#).unwrap();
        assert!(!copy.describe().contains("hunter2"), "{}", copy.describe());
        for bad in ["drop-tables", "files-copy", r#"{"command":"seed","extra":1}"#, "", "{"] {
            assert!(Job::parse(bad).is_err(), "{bad}");
        }
    }
}

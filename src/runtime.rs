//! Which runtime serves the router, decided once at start, and what that means for the routes:
//! the file policy (upload and response limits, download redirects) and when migrations run.
//! Routes read the policy from the state; none of them asks which runtime or backend it is on.

use std::{sync::atomic::Ordering, time::Duration};

use crate::{
    AppState,
    config::{ConfigError, Vars, invalid},
};

/// The largest body that fits AWS Lambda's 6 MB synchronous payload once API Gateway has
/// base64-encoded it (with room for the event's headers). Larger uploads go straight to S3
/// through `upload-url`; larger buffered downloads through a presigned URL or byte ranges.
pub const LAMBDA_PAYLOAD_LIMIT_BYTES: u64 = 4_400_000;
/// Lambda's cap on a streamed response (Function URLs and REST APIs in `RESPONSE_STREAM` mode).
pub const LAMBDA_STREAM_LIMIT_BYTES: u64 = 200 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// The HTTP server on `HOST:$PORT`.
    Http,
    /// AWS Lambda through lambda_http.
    Lambda(InvokeMode),
}

/// How Lambda returns responses (`LAMBDA_INVOKE_MODE`, the name AWS's Lambda Web Adapter uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvokeMode {
    /// The whole response in one payload (API Gateway, ALB, HTTP API v2).
    Buffered,
    /// Streamed (Function URLs and REST APIs configured for `RESPONSE_STREAM`).
    ResponseStream,
}

/// A runtime asked for on the command line (`serve --runtime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RuntimeArg {
    Http,
    Lambda,
}

impl Runtime {
    /// The one decision: the command line wins; otherwise Lambda when its Runtime API is set.
    pub fn choose(requested: Option<RuntimeArg>, vars: &Vars) -> Result<Self, ConfigError> {
        let lambda = match requested {
            Some(arg) => arg == RuntimeArg::Lambda,
            None => vars.get("AWS_LAMBDA_RUNTIME_API").is_some(),
        };
        if !lambda {
            return Ok(Self::Http);
        }
        let mode = match vars.get("LAMBDA_INVOKE_MODE").map(|m| m.to_ascii_lowercase()).as_deref() {
            None | Some("buffered") => InvokeMode::Buffered,
            Some("response_stream") => InvokeMode::ResponseStream,
            Some(other) => {
                return Err(invalid("LAMBDA_INVOKE_MODE", format!("{other:?}: use buffered or response_stream")));
            }
        };
        Ok(Self::Lambda(mode))
    }

    pub fn is_lambda(self) -> bool {
        matches!(self, Self::Lambda(_))
    }

    /// For messages: what cannot take or return a body.
    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "this server",
            Self::Lambda(_) => "AWS Lambda",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Lambda(InvokeMode::Buffered) => "lambda (buffered)",
            Self::Lambda(InvokeMode::ResponseStream) => "lambda (response_stream)",
        }
    }

    /// What file routes may do here. `max_upload_bytes` is the configured limit; a runtime
    /// can only lower it.
    pub fn file_policy(self, max_upload_bytes: u64, redirect_downloads: bool) -> FilePolicy {
        let (cap, response_limit) = match self {
            Self::Http => (None, None),
            Self::Lambda(InvokeMode::Buffered) => (Some(LAMBDA_PAYLOAD_LIMIT_BYTES), Some(LAMBDA_PAYLOAD_LIMIT_BYTES)),
            Self::Lambda(InvokeMode::ResponseStream) => {
                (Some(LAMBDA_PAYLOAD_LIMIT_BYTES), Some(LAMBDA_STREAM_LIMIT_BYTES))
            }
        };
        let upload_limit = cap.map_or(max_upload_bytes, |cap| cap.min(max_upload_bytes));
        FilePolicy {
            upload_limit,
            upload_capped_by_runtime: upload_limit < max_upload_bytes,
            response_limit,
            redirect_downloads,
            runtime: self,
        }
    }
}

/// The runtime's limits on file traffic, kept in the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilePolicy {
    /// The largest upload body accepted: `MAX_UPLOAD_BYTES`, lowered by the runtime's cap.
    pub upload_limit: u64,
    /// The runtime, not `MAX_UPLOAD_BYTES`, set `upload_limit`: a 413 should say how to go
    /// around it (a direct upload URL).
    pub upload_capped_by_runtime: bool,
    /// The largest response body the runtime can return; `None`: no limit.
    pub response_limit: Option<u64>,
    /// Send downloads to a presigned URL whenever the backend can make one.
    pub redirect_downloads: bool,
    pub runtime: Runtime,
}

impl FilePolicy {
    /// Whether a download of `length` bytes must go around the app (a presigned URL, or
    /// byte ranges when the backend has none).
    pub fn download_too_large(&self, length: u64) -> bool {
        self.response_limit.is_some_and(|limit| length > limit)
    }
}

/// How long the HTTP server, already bound, holds back its first answers while the first
/// migration runs. Within it a request waits in the listen queue instead of getting 503 (the
/// README's first `curl` right after `cargo run`: SQLite migrates in milliseconds, but a busy
/// disk can stretch that); past it a database that is still down or slow cannot keep
/// `/healthz` silent for long, and the API answers 503 until the retries succeed.
pub const FIRST_MIGRATION_WAIT: Duration = Duration::from_secs(5);

/// Applies migrations when `MIGRATE_ON_START` says so, the way this runtime needs: the HTTP
/// server has already bound, waits up to [`FIRST_MIGRATION_WAIT`] for the first attempt and
/// otherwise goes on migrating in the background, retrying until the database answers
/// (`/readyz` says `migrating`, the API 503), so a slow database cannot make the platform
/// kill a server that never bound; Lambda migrates once during init, before the first
/// invocation, since a frozen sandbox runs no background work.
pub async fn migrate_on_start(state: &AppState) -> anyhow::Result<()> {
    if !state.config.migrate_on_start {
        return Ok(());
    }
    match state.config.runtime {
        Runtime::Http => {
            // Detached, not cancelled, when the wait runs out: a migration dropped halfway
            // could leave its lock or a half-applied step behind.
            let mut migrating = tokio::spawn(migrate_until_done(state.clone()));
            if tokio::time::timeout(FIRST_MIGRATION_WAIT, &mut migrating).await.is_err() {
                tracing::warn!(
                    waited_secs = FIRST_MIGRATION_WAIT.as_secs(),
                    "migrations not done yet; serving, the API answers 503 until they are"
                );
            }
            Ok(())
        }
        Runtime::Lambda(_) => {
            state.db.migrate().await?;
            state.schema_ready.store(true, Ordering::Release);
            tracing::info!("migrations applied (MIGRATE_ON_START)");
            Ok(())
        }
    }
}

async fn migrate_until_done(state: AppState) {
    let mut delay = Duration::from_millis(250);
    loop {
        match state.db.migrate().await {
            Ok(()) => {
                state.schema_ready.store(true, Ordering::Release);
                tracing::info!("migrations applied (MIGRATE_ON_START)");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), retry_in_ms = delay.as_millis() as u64, "migrations failed; retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        Vars::from_map(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<HashMap<_, _>>())
    }

    const MAX: u64 = 100 * 1024 * 1024;

    #[test]
    fn every_way_of_choosing_lambda_gets_lambdas_limits() {
        let by_env = Runtime::choose(None, &vars(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")])).unwrap();
        let by_flag = Runtime::choose(Some(RuntimeArg::Lambda), &vars(&[])).unwrap();
        for runtime in [by_env, by_flag] {
            assert_eq!(runtime, Runtime::Lambda(InvokeMode::Buffered));
            let policy = runtime.file_policy(MAX, false);
            assert_eq!(policy.upload_limit, LAMBDA_PAYLOAD_LIMIT_BYTES);
            assert!(policy.upload_capped_by_runtime);
            assert!(policy.download_too_large(LAMBDA_PAYLOAD_LIMIT_BYTES + 1));
        }
        let streaming =
            Runtime::choose(Some(RuntimeArg::Lambda), &vars(&[("LAMBDA_INVOKE_MODE", "RESPONSE_STREAM")])).unwrap();
        let policy = streaming.file_policy(MAX, false);
        assert_eq!(policy.upload_limit, LAMBDA_PAYLOAD_LIMIT_BYTES, "requests are still capped at 6 MB");
        assert!(!policy.download_too_large(LAMBDA_STREAM_LIMIT_BYTES));
        assert!(policy.download_too_large(LAMBDA_STREAM_LIMIT_BYTES + 1));
    }

    #[test]
    fn http_has_only_the_configured_limit_even_with_a_lambda_environment() {
        let runtime =
            Runtime::choose(Some(RuntimeArg::Http), &vars(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")])).unwrap();
        let policy = runtime.file_policy(MAX, false);
        assert_eq!((policy.upload_limit, policy.upload_capped_by_runtime, policy.response_limit), (MAX, false, None));
        assert!(!policy.download_too_large(u64::MAX));
        assert_eq!(Runtime::Lambda(InvokeMode::Buffered).file_policy(1000, false).upload_limit, 1000);
    }

    #[test]
    fn an_unknown_invoke_mode_names_its_variable() {
        let err = Runtime::choose(Some(RuntimeArg::Lambda), &vars(&[("LAMBDA_INVOKE_MODE", "stream")])).unwrap_err();
        assert_eq!(err.var, "LAMBDA_INVOKE_MODE");
    }
}

//! Typed configuration, read once from the environment (and `.env`) and validated at startup.

use std::{collections::HashMap, net::IpAddr, time::Duration};

use crate::{
    jobs::Job,
    runtime::{Runtime, RuntimeArg},
    secret::{Secret, redact_url},
    storage::StorageConfig,
};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/anyport.db";
const MIB: u64 = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    Postgres,
    Sqlite,
}

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    pub url: Secret<String>,
    pub kind: DatabaseKind,
    pub max_connections: u32,
    /// How long a request waits for a connection before it gets 503: short, so that an
    /// outage is reported quickly instead of piling up requests.
    pub acquire_timeout: Duration,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub app_env: AppEnv,
    pub log_format: LogFormat,
    pub database: DatabaseConfig,
    pub migrate_on_start: bool,
    pub storage: StorageConfig,
    /// Accept a SQLite file or local files where they are lost on restart (`ALLOW_EPHEMERAL_STORAGE`).
    pub allow_ephemeral_storage: bool,
    pub max_upload_bytes: u64,
    pub max_json_bytes: usize,
    pub api_token: Option<Secret<String>>,
    pub allow_anonymous_writes: bool,
    /// Normalised: empty, or `/segment[/segment…]` without a trailing slash.
    pub base_path: String,
    pub cors_allowed_origins: Vec<String>,
    pub shutdown_timeout: Duration,
    pub request_timeout: Duration,
    /// How long a connection may take to send a request's head, and how long an idle
    /// keep-alive connection stays open (hyper uses one timer for both).
    pub header_read_timeout: Duration,
    /// Bounds file uploads, which legitimately take longer than other requests.
    pub upload_timeout: Duration,
    /// What serves the router: chosen once, from `serve --runtime` or the environment.
    pub runtime: Runtime,
    /// The job an EventBridge scheduled event runs on Lambda (`LAMBDA_SCHEDULED_COMMAND`).
    pub scheduled_job: Option<Job>,
    /// Serve the seed apps' routes too (`SEED_ROUTES`).
    pub seed_routes: bool,
}

/// A configuration mistake, naming the variable so the operator knows what to fix.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {var}: {message}")]
pub struct ConfigError {
    pub var: &'static str,
    pub message: String,
}

pub(crate) fn invalid(var: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { var, message: message.into() }
}

/// Where variables come from: the process environment in production, a map in tests.
pub enum Vars {
    Process,
    Map(HashMap<String, String>),
}

impl Vars {
    pub fn from_env() -> Self {
        Self::Process
    }

    pub fn from_map(map: HashMap<String, String>) -> Self {
        Self::Map(map)
    }

    fn raw(&self, var: &str) -> Option<String> {
        match self {
            Self::Process => std::env::var(var).ok(),
            Self::Map(map) => map.get(var).cloned(),
        }
    }

    /// The value, with surrounding whitespace removed; empty counts as unset.
    pub fn get(&self, var: &str) -> Option<String> {
        self.raw(var).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn parse<T: std::str::FromStr>(&self, var: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(var) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|e| invalid(var, format!("{v:?}: {e}"))),
        }
    }

    pub(crate) fn flag(&self, var: &'static str, default: bool) -> Result<bool, ConfigError> {
        match self.get(var).map(|v| v.to_ascii_lowercase()) {
            None => Ok(default),
            Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
            Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
            Some(v) => Err(invalid(var, format!("{v:?} is not a boolean (true/false)"))),
        }
    }

    fn secs(&self, var: &'static str, default: u64) -> Result<Duration, ConfigError> {
        let secs: u64 = self.parse(var, default)?;
        if secs == 0 {
            return Err(invalid(var, "must be at least 1 second"));
        }
        Ok(Duration::from_secs(secs))
    }
}

impl Config {
    /// Loads `.env` when present (never overriding real environment variables), then reads
    /// the environment. `runtime` is what the command line asked for, if anything.
    pub fn load(runtime: Option<RuntimeArg>) -> Result<Self, ConfigError> {
        let _ = dotenvy::dotenv();
        Self::from_vars_for(&Vars::from_env(), runtime)
    }

    /// The configuration, with the runtime chosen from the environment.
    pub fn from_vars(vars: &Vars) -> Result<Self, ConfigError> {
        Self::from_vars_for(vars, None)
    }

    pub fn from_vars_for(vars: &Vars, runtime: Option<RuntimeArg>) -> Result<Self, ConfigError> {
        let app_env = match vars.get("APP_ENV").as_deref() {
            None | Some("development" | "dev" | "test") => AppEnv::Development,
            Some("production" | "prod") => AppEnv::Production,
            Some(other) => return Err(invalid("APP_ENV", format!("{other:?}: use development or production"))),
        };
        let log_format = match vars.get("LOG_FORMAT").as_deref() {
            None if app_env == AppEnv::Production => LogFormat::Json,
            None | Some("pretty" | "text") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(invalid("LOG_FORMAT", format!("{other:?}: use pretty or json"))),
        };
        let runtime = Runtime::choose(runtime, vars)?;
        let database = database_config(vars, runtime.is_lambda())?;
        let migrate_on_start = vars.flag("MIGRATE_ON_START", database.kind == DatabaseKind::Sqlite)?;
        let api_token = vars.get("API_TOKEN").map(Secret::new);
        let allow_anonymous_writes = vars.flag("ALLOW_ANONYMOUS_WRITES", false)?;
        if app_env == AppEnv::Production && api_token.is_none() && !allow_anonymous_writes {
            return Err(invalid(
                "API_TOKEN",
                "APP_ENV=production needs API_TOKEN for writes (or ALLOW_ANONYMOUS_WRITES=true to accept anonymous writes)",
            ));
        }
        let storage = StorageConfig::from_vars(vars)?;
        let allow_ephemeral_storage = vars.flag("ALLOW_EPHEMERAL_STORAGE", false)?;
        if app_env == AppEnv::Production && !allow_ephemeral_storage {
            refuse_ephemeral_disk(vars, runtime, &database, &storage)?;
        }
        let max_upload_bytes: u64 = vars.parse("MAX_UPLOAD_BYTES", 100 * MIB)?;
        if max_upload_bytes == 0 {
            return Err(invalid("MAX_UPLOAD_BYTES", "must be at least 1"));
        }
        let max_json_bytes: usize = vars.parse("MAX_JSON_BYTES", 64 * 1024)?;
        if !(64..=16 * MIB as usize).contains(&max_json_bytes) {
            return Err(invalid("MAX_JSON_BYTES", "must be between 64 and 16777216"));
        }
        Ok(Self {
            host: vars.parse("HOST", IpAddr::from([0, 0, 0, 0]))?,
            port: vars.parse("PORT", 8080)?,
            app_env,
            log_format,
            database,
            migrate_on_start,
            storage,
            allow_ephemeral_storage,
            max_upload_bytes,
            max_json_bytes,
            api_token,
            allow_anonymous_writes,
            base_path: base_path(vars.get("BASE_PATH"))?,
            cors_allowed_origins: cors_origins(vars.get("CORS_ALLOWED_ORIGINS"))?,
            shutdown_timeout: vars.secs("SHUTDOWN_TIMEOUT_SECS", 25)?,
            request_timeout: vars.secs("REQUEST_TIMEOUT_SECS", 30)?,
            // Longer than the 60 s idle timeout of AWS load balancers and nginx's upstream
            // keep-alive, so that they, not we, close idle connections (no reuse races).
            header_read_timeout: vars.secs("HEADER_READ_TIMEOUT_SECS", 65)?,
            upload_timeout: vars.secs("UPLOAD_TIMEOUT_SECS", 3600)?,
            runtime,
            seed_routes: vars.flag("SEED_ROUTES", false)?,
            scheduled_job: match vars.get("LAMBDA_SCHEDULED_COMMAND") {
                None => None,
                Some(text) => Some(Job::parse(&text).map_err(|e| {
                    invalid(
                        "LAMBDA_SCHEDULED_COMMAND",
                        format!("{e}; use migrate, seed, ready or a files-copy job as JSON"),
                    )
                })?),
            },
        })
    }

    /// The effective configuration as `KEY=value` lines, secrets redacted.
    pub fn describe(&self) -> Vec<(&'static str, String)> {
        let mut lines = vec![
            ("RUNTIME", self.runtime.describe().to_string()),
            ("HOST", self.host.to_string()),
            ("PORT", self.port.to_string()),
            ("APP_ENV", format!("{:?}", self.app_env).to_lowercase()),
            ("LOG_FORMAT", format!("{:?}", self.log_format).to_lowercase()),
            ("DATABASE_URL", redact_url(self.database.url.expose())),
            ("DATABASE_MAX_CONNECTIONS", self.database.max_connections.to_string()),
            ("DATABASE_ACQUIRE_TIMEOUT_SECS", self.database.acquire_timeout.as_secs().to_string()),
            ("MIGRATE_ON_START", self.migrate_on_start.to_string()),
        ];
        lines.extend(self.storage.describe());
        lines.extend([
            ("MAX_UPLOAD_BYTES", self.max_upload_bytes.to_string()),
            ("MAX_JSON_BYTES", self.max_json_bytes.to_string()),
            ("API_TOKEN", self.api_token.as_ref().map_or("(unset)".into(), |t| t.to_string())),
            ("ALLOW_ANONYMOUS_WRITES", self.allow_anonymous_writes.to_string()),
            ("BASE_PATH", self.base_path.clone()),
            ("CORS_ALLOWED_ORIGINS", self.cors_allowed_origins.join(",")),
            ("SHUTDOWN_TIMEOUT_SECS", self.shutdown_timeout.as_secs().to_string()),
            ("REQUEST_TIMEOUT_SECS", self.request_timeout.as_secs().to_string()),
            ("HEADER_READ_TIMEOUT_SECS", self.header_read_timeout.as_secs().to_string()),
            ("UPLOAD_TIMEOUT_SECS", self.upload_timeout.as_secs().to_string()),
            ("SEED_ROUTES", self.seed_routes.to_string()),
            ("LAMBDA_SCHEDULED_COMMAND", self.scheduled_job.as_ref().map_or(String::new(), Job::describe)),
        ]);
        lines
    }
}

fn database_config(vars: &Vars, on_lambda: bool) -> Result<DatabaseConfig, ConfigError> {
    let url = match (vars.get("DATABASE_URL"), vars.get("DB_HOST")) {
        (Some(url), _) => url,
        (None, Some(host)) => postgres_url_from_parts(vars, &host)?,
        (None, None) => DEFAULT_DATABASE_URL.to_string(),
    };
    let kind = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        DatabaseKind::Postgres
    } else if url.starts_with("sqlite:") {
        DatabaseKind::Sqlite
    } else {
        return Err(invalid(
            "DATABASE_URL",
            format!("{}: expected postgres://, postgresql:// or sqlite:", redact_url(&url)),
        ));
    };
    let compiled = match kind {
        DatabaseKind::Postgres => cfg!(feature = "postgres"),
        DatabaseKind::Sqlite => cfg!(feature = "sqlite"),
    };
    if !compiled {
        return Err(invalid(
            "DATABASE_URL",
            format!("this binary was built without the {kind:?} backend (cargo feature)").to_lowercase(),
        ));
    }
    let max_connections: u32 = vars.parse("DATABASE_MAX_CONNECTIONS", if on_lambda { 2 } else { 10 })?;
    if !(1..=1000).contains(&max_connections) {
        return Err(invalid("DATABASE_MAX_CONNECTIONS", "must be between 1 and 1000"));
    }
    Ok(DatabaseConfig {
        url: Secret::new(url),
        kind,
        max_connections,
        acquire_timeout: vars.secs("DATABASE_ACQUIRE_TIMEOUT_SECS", 3)?,
    })
}

fn postgres_url_from_parts(vars: &Vars, host: &str) -> Result<String, ConfigError> {
    let mut url = url::Url::parse("postgres://localhost").expect("static URL parses");
    url.set_host(Some(host)).map_err(|e| invalid("DB_HOST", e.to_string()))?;
    let port: u16 = vars.parse("DB_PORT", 5432)?;
    let _ = url.set_port(Some(port));
    let user = vars.get("DB_USER").unwrap_or_else(|| "postgres".into());
    let _ = url.set_username(&user);
    if let Some(pass) = vars.get("DB_PASS") {
        let _ = url.set_password(Some(&pass));
    }
    url.set_path(&vars.get("DB_NAME").unwrap_or_else(|| "anyport".into()));
    Ok(url.to_string())
}

/// The platform, if any, whose disk is per instance and lost on restart or redeploy.
fn ephemeral_platform(vars: &Vars, runtime: Runtime) -> Option<&'static str> {
    if vars.get("DYNO").is_some() {
        Some("Heroku (DYNO is set)")
    } else if runtime.is_lambda() || vars.get("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        Some("AWS Lambda")
    } else if vars.get("K_SERVICE").is_some() {
        Some("Cloud Run (K_SERVICE is set)")
    } else {
        None
    }
}

/// In production on such a platform, a SQLite file or local file storage would lose data
/// (the security-analytics seed app lost its uploads on Heroku this way): refuse to start.
fn refuse_ephemeral_disk(
    vars: &Vars,
    runtime: Runtime,
    database: &DatabaseConfig,
    storage: &StorageConfig,
) -> Result<(), ConfigError> {
    let Some(platform) = ephemeral_platform(vars, runtime) else { return Ok(()) };
    if database.kind == DatabaseKind::Sqlite {
        return Err(invalid(
            "DATABASE_URL",
            format!(
                "{platform} gives each instance its own disk, lost on restart: a SQLite file there loses data; \
                 set DATABASE_URL to PostgreSQL (or ALLOW_EPHEMERAL_STORAGE=true to accept the loss)"
            ),
        ));
    }
    if storage.kind() == "local" {
        return Err(invalid(
            "STORAGE_BACKEND",
            format!(
                "{platform} gives each instance its own disk, lost on restart: uploaded files there are lost; \
                 set S3_BUCKET or MONGODB_URI (or ALLOW_EPHEMERAL_STORAGE=true to accept the loss)"
            ),
        ));
    }
    Ok(())
}

fn base_path(raw: Option<String>) -> Result<String, ConfigError> {
    let Some(raw) = raw else { return Ok(String::new()) };
    let trimmed = raw.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let valid_segment = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    match trimmed.strip_prefix('/') {
        Some(rest) if rest.split('/').all(valid_segment) => Ok(trimmed.to_string()),
        _ => Err(invalid("BASE_PATH", format!("{raw:?}: expected /segment[/segment…] of letters, digits, - . _ ~"))),
    }
}

fn cors_origins(raw: Option<String>) -> Result<Vec<String>, ConfigError> {
    let Some(raw) = raw else { return Ok(Vec::new()) };
    raw.split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(|o| {
            let url = url::Url::parse(o).map_err(|e| invalid("CORS_ALLOWED_ORIGINS", format!("{o:?}: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.path() != "/" {
                return Err(invalid("CORS_ALLOWED_ORIGINS", format!("{o:?}: expected scheme://host[:port]")));
            }
            Ok(o.trim_end_matches('/').to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_vars(&Vars::from_map(map))
    }

    #[test]
    fn defaults_run_on_embedded_sqlite_and_local_files() {
        let c = config(&[]).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.host.to_string(), "0.0.0.0");
        assert_eq!(c.database.url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(c.database.kind, DatabaseKind::Sqlite);
        assert!(c.migrate_on_start);
        assert!(matches!(&c.storage, StorageConfig::Local(local) if local.dir.as_os_str() == "data/files"));
        assert_eq!(c.runtime, Runtime::Http);
        assert_eq!(c.max_json_bytes, 65536);
        assert_eq!(c.shutdown_timeout, Duration::from_secs(25));
    }

    #[test]
    fn database_url_is_built_from_db_parts_with_escaping() {
        let c = config(&[("DB_HOST", "db"), ("DB_USER", "app"), ("DB_PASS", "p@ss/w"), ("DB_NAME", "tweets")]).unwrap();
        assert_eq!(c.database.url.expose(), "postgres://app:p%40ss%2Fw@db:5432/tweets");
        assert_eq!(c.database.kind, DatabaseKind::Postgres);
        assert!(!c.migrate_on_start, "Postgres migrates in a release phase, not on start");
    }

    #[test]
    fn production_without_token_refuses_to_start_unless_allowed() {
        let err = config(&[("APP_ENV", "production")]).unwrap_err();
        assert_eq!(err.var, "API_TOKEN");
        assert!(config(&[("APP_ENV", "production"), ("ALLOW_ANONYMOUS_WRITES", "true")]).is_ok());
        let c = config(&[("APP_ENV", "production"), ("API_TOKEN", "t")]).unwrap();
        assert_eq!(c.log_format, LogFormat::Json);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("PORT", "eighty"),
            ("DATABASE_URL", "mysql://x"),
            ("BASE_PATH", "prod"),
            ("CORS_ALLOWED_ORIGINS", "not a url"),
            ("MIGRATE_ON_START", "maybe"),
            ("SHUTDOWN_TIMEOUT_SECS", "0"),
            ("STORAGE_BACKEND", "ftp"),
            ("MONGODB_URI", "http://not-mongo"),
            ("LAMBDA_SCHEDULED_COMMAND", "drop-everything"),
        ] {
            let err = config(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var, "{err}");
        }
    }

    #[test]
    fn base_path_is_normalised() {
        assert_eq!(config(&[("BASE_PATH", "/prod/")]).unwrap().base_path, "/prod");
        assert_eq!(config(&[("BASE_PATH", "/")]).unwrap().base_path, "");
    }

    #[test]
    fn production_on_an_ephemeral_disk_refuses_sqlite_and_local_files_unless_allowed() {
        let prod = [("APP_ENV", "production"), ("API_TOKEN", "t")];
        let pg = ("DATABASE_URL", "postgres://u@h/d");
        for platform in [("DYNO", "web.1"), ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"), ("K_SERVICE", "anyport")] {
            let err = config(&[prod[0], prod[1], platform]).unwrap_err();
            assert_eq!(err.var, "DATABASE_URL", "{platform:?}: {err}");
            let err = config(&[prod[0], prod[1], platform, pg]).unwrap_err();
            assert_eq!(err.var, "STORAGE_BACKEND", "{platform:?}: {err}");
            assert!(err.message.contains("ALLOW_EPHEMERAL_STORAGE"), "{err}");
            assert!(config(&[prod[0], prod[1], platform, pg, ("S3_BUCKET", "b")]).is_ok());
            assert!(config(&[prod[0], prod[1], platform, ("ALLOW_EPHEMERAL_STORAGE", "true")]).is_ok());
            assert!(config(&[platform]).is_ok(), "development keeps the embedded defaults");
        }
        assert!(config(&prod).is_ok(), "a plain server's disk is the operator's to keep");
    }

    #[test]
    fn lambda_defaults_to_a_small_pool() {
        let c = config(&[("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")]).unwrap();
        assert_eq!(c.database.max_connections, 2);
        let by_flag = Config::from_vars_for(&Vars::from_map(HashMap::new()), Some(RuntimeArg::Lambda)).unwrap();
        assert_eq!(by_flag.database.max_connections, 2, "serve --runtime lambda is Lambda too");
    }

    #[test]
    fn describe_redacts_secrets() {
        let c = config(&[("DATABASE_URL", "postgres://u:topsecret@h/d"), ("API_TOKEN", "tok123")]).unwrap();
        let text = format!("{:?}", c.describe());
        assert!(!text.contains("topsecret") && !text.contains("tok123"), "{text}");
    }
}

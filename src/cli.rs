//! The command line: the binary is its own ops toolkit.

use clap::{Parser, Subcommand};

use crate::runtime::RuntimeArg;

#[derive(Debug, Parser)]
#[command(name = "anyport", version, about = "Tweets, users and files API: one router, many runtimes.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The runtime the command line asks for, if any.
    pub fn runtime(&self) -> Option<RuntimeArg> {
        match &self.command {
            Some(Command::Serve { runtime }) => *runtime,
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default command).
    Serve {
        /// Which runtime serves the router; by default Lambda when AWS_LAMBDA_RUNTIME_API
        /// is set, else HTTP.
        #[arg(long, value_enum)]
        runtime: Option<RuntimeArg>,
    },
    /// Apply database migrations, then exit.
    Migrate,
    /// Insert demo rows that are missing (safe to run repeatedly).
    Seed,
    /// Drop every table and migrate again (and, with --files, delete every stored file).
    Reset {
        /// Confirm: nothing is dropped without it.
        #[arg(long)]
        yes: bool,
        /// Also delete every stored file.
        #[arg(long)]
        files: bool,
        /// Allow it with APP_ENV=production.
        #[arg(long)]
        force_production: bool,
    },
    /// Wait until the database and storage answer; non-zero exit on timeout.
    Ready {
        /// Seconds to wait before giving up.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// GET /healthz on the local port; exit code for a container HEALTHCHECK.
    Healthcheck {
        /// Seconds to wait for the answer.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Print the effective configuration, secrets redacted.
    Config,
    /// Work on stored files.
    Files {
        #[command(subcommand)]
        command: FilesCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// Copy every file between two backends, skipping files already there (same size and etag).
    Copy {
        /// Source: file:///dir, local:dir, mongodb://host/db[#bucket], s3://bucket[/prefix/]?endpoint=&region=&path_style=
        #[arg(long)]
        from: String,
        /// Destination, in the same forms.
        #[arg(long)]
        to: String,
    },
}

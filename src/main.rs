//! Entrypoint: parse the command line, load the configuration, dispatch.

use std::{process::ExitCode, time::Duration};

use anyport::{
    AppState,
    cli::{Cli, Command, FilesCommand},
    commands,
    config::Config,
    replicas,
    runtime::Runtime,
    telemetry,
};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.runtime()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("anyport: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("anyport: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve { runtime: None }), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("anyport: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Openapi => {
            println!("{}", anyport::openapi::spec(&config).to_pretty_json()?);
            Ok(())
        }
        Command::Config => {
            for (key, value) in config.describe() {
                println!("{key}={value}");
            }
            Ok(())
        }
        Command::Healthcheck { timeout } => commands::healthcheck(&config, Duration::from_secs(timeout)).await,
        Command::Serve { .. } => {
            telemetry::init(config.log_format);
            if config.runtime == Runtime::Http {
                for warning in replicas::check(&config, &replicas::Host::current())? {
                    tracing::warn!(%warning, "data not shared by replicas");
                }
            }
            let schema_ready = !config.migrate_on_start;
            let state = AppState::new(config, schema_ready).await?;
            match state.config.runtime {
                Runtime::Http => anyport::serve::run_http(state).await,
                Runtime::Lambda(_) => run_lambda(state).await,
            }
        }
        Command::Files { command: FilesCommand::Copy { from, to } } => commands::copy_files(&from, &to).await,
        Command::Migrate => commands::migrate(&AppState::new(config, true).await?).await,
        Command::Seed => commands::seed(&AppState::new(config, true).await?).await,
        Command::Reset { yes, files, force_production } => {
            commands::reset(
                &AppState::new(config, true).await?,
                commands::ResetOptions { yes, files, force_production },
            )
            .await
        }
        Command::Ready { timeout } => {
            commands::ready(&AppState::new(config, true).await?, Duration::from_secs(timeout)).await
        }
    }
}

#[cfg(feature = "lambda")]
async fn run_lambda(state: AppState) -> anyhow::Result<()> {
    anyport::lambda::run(state).await
}

#[cfg(not(feature = "lambda"))]
async fn run_lambda(_: AppState) -> anyhow::Result<()> {
    anyhow::bail!("this binary was built without the `lambda` feature; use --runtime http")
}

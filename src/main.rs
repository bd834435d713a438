//! The `hindsight` binary: parses the command line, loads settings, dispatches to `cli::*`.

use std::process::ExitCode;

// A profile of the read benchmark showed about a sixth of the time in glibc's malloc and free;
// mimalloc is made for many small, short-lived allocations like GraphQL values.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;

use hindsight::cli::{self, Cli, Command};
use hindsight::config::{self, Overrides, Settings};
use hindsight::{graphql, telemetry};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if cli.command.is_offline() && cli.common.given().is_empty() {
        return finish(match &cli.command {
            Command::Schema => {
                print!("{}", graphql::sdl());
                Ok(())
            }
            Command::Backtest {
                reports,
                format,
                map,
                time_zone,
                links,
                k,
            } => cli::backtest::run(
                &cli::reader::Reading::new(*format, map, *time_zone),
                reports,
                links,
                k,
            ),
            _ => Ok(()),
        });
    }
    let flags = match cli.settings_flags() {
        Ok(flags) => flags,
        Err(e) => {
            eprintln!("hindsight: {e}");
            return ExitCode::from(2);
        }
    };
    let listen = match &cli.command {
        Command::Serve { listen, .. } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        listen,
        data_dir: flags.settings.data_dir,
        database_url: flags.database_url,
        log_format: flags.settings.log_format,
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = match Settings::load(flags.settings.config.as_deref(), &env, &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hindsight: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let ignored = config::ignored_env(&env);
    if !ignored.is_empty() {
        tracing::warn!(
            variables = %ignored.join(", "),
            "ignoring HINDSIGHT_* environment variables that name no setting (a Kubernetes Service named hindsight sets some)"
        );
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hindsight: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    finish(runtime.block_on(run(cli.command, settings)))
}

fn finish(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("hindsight: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve { .. } => cli::serve::run(settings).await,
        Command::Migrate { .. } => {
            cli::open_database(&settings).await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Token {
            sub,
            name,
            email,
            roles,
            ttl,
            ..
        } => cli::token::run(&settings, &sub, &name, email.as_deref(), &roles, ttl),
        Command::Reindex { .. } => cli::reindex::run(&settings).await,
        Command::Backup { file, .. } => cli::backup::run(&settings, &file),
        Command::Restore { file, .. } => cli::restore::run(&settings, &file),
        Command::Import {
            format,
            map,
            service,
            time_zone,
            file,
            ..
        } => {
            cli::import::run(
                &settings,
                &cli::reader::Reading::new(format, &map, time_zone),
                &service,
                &file,
            )
            .await
        }
        Command::Schema | Command::Backtest { .. } => Ok(()),
    }
}

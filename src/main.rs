//! The `hindsight` command: serve, migrate, token, schema.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use hindsight::auth::OrgRole;
use hindsight::config::{Overrides, Settings};
use hindsight::{app, graphql, store, telemetry};

#[derive(Parser)]
#[command(
    name = "hindsight",
    version,
    about = "Incident management over GraphQL, with a knowledge base that learns"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// Settings every command resolves the same way: defaults < file < env < these flags.
#[derive(Args)]
struct Common {
    /// TOML configuration file.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the SQLite database, index and generated secret live [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// `postgres://...` selects PostgreSQL [default: SQLite in the data folder].
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
    /// `human` or `json`.
    #[arg(long, global = true, value_name = "FORMAT")]
    log_format: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print a signed development token (HS256, with the server's secret).
    Token {
        /// The user id (`sub` claim); `viewer { id }` returns it.
        #[arg(long)]
        sub: String,
        /// The display name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
        /// admin, manager, specialist, communicator or viewer; repeat for several.
        #[arg(long = "role", value_name = "ROLE")]
        roles: Vec<String>,
        /// Lifetime, e.g. 30m, 8h, 7d.
        #[arg(long, default_value = "8h", value_parser = humantime::parse_duration)]
        ttl: Duration,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Schema = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        listen,
        data_dir: cli.common.data_dir.clone(),
        database_url: cli.common.database_url.clone(),
        log_format: cli.common.log_format.clone(),
    };
    let env: Vec<(String, String)> = std::env::vars().collect();
    let settings = match Settings::load(cli.common.config.as_deref(), &env, &overrides) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("hindsight: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hindsight: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(run(cli.command, settings));
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
        Command::Serve { .. } => serve(settings).await,
        Command::Migrate => {
            std::fs::create_dir_all(&settings.data_dir).map_err(|e| format!("data folder: {e}"))?;
            let db = store::Db::connect(&settings.database_url())
                .await
                .map_err(|e| format!("database: {e}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("migration failed: {e}"))?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Token {
            sub,
            name,
            email,
            roles,
            ttl,
        } => {
            if let Some(unknown) = roles.iter().find(|r| OrgRole::from_claim(r).is_none()) {
                return Err(format!(
                    "unknown role `{unknown}`; roles are admin, manager, specialist, communicator and viewer"
                ));
            }
            let keys = app::keys(&settings).map_err(|e| e.to_string())?;
            let issuer = keys.issuer.ok_or(
                "no HS256 secret: this server verifies tokens from your identity provider (auth.public_keys); get a token there",
            )?;
            let token = issuer
                .issue(&sub, &name, email.as_deref(), &roles, ttl)
                .map_err(|e| format!("cannot sign the token: {e}"))?;
            println!("{token}");
            Ok(())
        }
        Command::Schema => Ok(()),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let app = app::build(&settings).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| format!("listen: cannot bind {}: {e}", settings.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        "hindsight is ready: GraphiQL at http://{addr}/graphql; get a token with `hindsight token --sub you --name \"Your Name\" --role admin` and send it as `Authorization: Bearer <token>`"
    );
    axum::serve(listener, app.router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    app.services.db.close().await.map_err(|e| e.to_string())?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

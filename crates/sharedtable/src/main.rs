//! The `sharedtable` command: serve, demo, migrate, import, export, report.

use clap::{Parser, Subcommand};
use sharedtable::config::{DbArgs, ListenArgs};
use sharedtable::{db, AppState};

#[derive(Parser)]
#[command(name = "sharedtable", version, about = "Run Next Gen sector partnerships and see what a network of them achieved")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and JSON API.
    Serve {
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SHAREDTABLE_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    let db = db::connect(&cli.db.database_url).await?;
    match cli.command {
        Command::Serve { listen } => sharedtable::serve(AppState { db }, &listen.listen).await?,
        Command::Migrate => println!("database {} is up to date", cli.db.database_url),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

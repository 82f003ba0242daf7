//! Settings shared by every command. Each flag is also an environment variable.

use clap::Args;

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DbArgs {
    /// Database URL: `sqlite://PATH` (created if absent) or `sqlite::memory:`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://sharedtable.db", global = true)]
    pub database_url: String,
}

/// Where to listen.
#[derive(Debug, Clone, Args)]
pub struct ListenArgs {
    /// Address and port to serve on.
    #[arg(long, env = "SHAREDTABLE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
}

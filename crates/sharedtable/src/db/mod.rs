//! Database access: the connection pool, migrations, the transaction helper and the record id
//! type. The embedded default is SQLite (`sqlite://sharedtable.db`), created if absent.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};
use uuid::Uuid;

pub mod backup;

/// The pool every module shares.
pub type Db = SqlitePool;
/// A transaction on [`Db`].
pub type Tx<'a> = sqlx::Transaction<'a, Sqlite>;

/// Migrations for SQLite, embedded at compile time from `migrations/sqlite`.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Open (creating if absent) the database at `url` and apply pending migrations.
///
/// `url` is `sqlite://PATH` (relative to the working directory) or `sqlite::memory:`. WAL
/// journaling, foreign keys on, `synchronous = NORMAL` (safe with WAL), 5 s busy timeout.
///
/// Errors: an unsupported scheme, a file that cannot be opened, or a failed migration.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    if !url.starts_with("sqlite:") {
        anyhow::bail!("DATABASE_URL '{}' is not supported yet: use sqlite://PATH", url.split('@').next_back().unwrap_or(url));
    }
    let memory = url.contains(":memory:");
    let opts = SqliteConnectOptions::from_str(url)
        .with_context(|| format!("DATABASE_URL '{url}' is not a SQLite URL"))?
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(if memory { SqliteJournalMode::Memory } else { SqliteJournalMode::Wal })
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        // One in-memory database is private to its connection, so keep exactly one.
        .max_connections(if memory { 1 } else { 8 })
        .min_connections(if memory { 1 } else { 0 })
        .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
        .max_lifetime(if memory { None } else { Some(Duration::from_secs(1800)) })
        .connect_with(opts)
        .await
        .with_context(|| format!("opening database {url}"))?;
    MIGRATOR.run(&pool).await.context("applying migrations")?;
    Ok(pool)
}

/// A record id: a UUID (version 7 for new rows, so ids sort by creation time), stored as
/// hyphenated lowercase text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Uuid)]
pub struct Id(pub Uuid);

impl Id {
    /// A new UUIDv7 from the current time.
    pub fn new() -> Id {
        Id(Uuid::now_v7())
    }
    /// The all-zero id (tests only).
    pub fn nil() -> Id {
        Id(Uuid::nil())
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for Id {
    type Err = String;
    fn from_str(s: &str) -> Result<Id, String> {
        Uuid::parse_str(s.trim()).map(Id).map_err(|_| format!("'{s}' is not an id (UUID)"))
    }
}

impl sqlx::Type<Sqlite> for Id {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <String as sqlx::Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <String as sqlx::Type<Sqlite>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Sqlite> for Id {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let s = <&str as sqlx::Decode<Sqlite>>::decode(value)?;
        Ok(Id(Uuid::parse_str(s)?))
    }
}

impl<'q> sqlx::Encode<'q, Sqlite> for Id {
    fn encode_by_ref(
        &self,
        buf: &mut Vec<sqlx::sqlite::SqliteArgumentValue<'q>>,
    ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
        <String as sqlx::Encode<Sqlite>>::encode(self.to_string(), buf)
    }
}

/// Now, in UTC, truncated to whole microseconds so that stored text and exported JSON agree.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let n = chrono::Utc::now();
    n - chrono::Duration::nanoseconds((n.timestamp_subsec_nanos() % 1000) as i64)
}

/// The stored text form of a timestamp: RFC 3339, microseconds, `Z`.
pub fn timestamp_text(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Begin a transaction that will write, taking SQLite's write lock at once (`BEGIN IMMEDIATE`),
/// so two writers wait for each other (up to the 5 s busy timeout) instead of one failing with
/// "database is locked" when a read-then-write transaction tries to upgrade its lock.
pub async fn begin_write(db: &Db) -> Result<Tx<'static>, sqlx::Error> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// Commit a transaction that changed data, raising the data generation by one in the same
/// transaction, so every cached page rendered before it is known to be stale. Every write of the
/// store ends here.
pub async fn commit(mut tx: Tx<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE data_generation SET generation = generation + 1 WHERE id = 1").execute(&mut *tx).await?;
    tx.commit().await
}

/// The current data generation (see [`commit`]).
pub async fn generation(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1").fetch_one(db).await
}

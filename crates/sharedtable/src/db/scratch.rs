//! Throwaway databases for tests and benchmarks, on the backend the environment chooses.
//!
//! Without `SHAREDTABLE_TEST_DATABASE_URL`, a [`Scratch`] is a SQLite file in a fresh temporary
//! directory. With it set to a PostgreSQL URL (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), a [`Scratch`] is a fresh schema `st_<time>_<random>`
//! of that database, and its URL selects the schema for every connection
//! (`options=-c search_path=...`), so the app, its migrations and any command started with the
//! URL work inside it and nowhere else. The schema is dropped when the `Scratch` is dropped;
//! schemas of runs that died before dropping theirs are swept once they are six hours old.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use sqlx::{Connection, Executor, PgConnection};

use super::{connect, redact, Db, Dialect};

/// The environment variable naming the PostgreSQL database tests run on.
pub const TEST_DATABASE_URL_VAR: &str = "SHAREDTABLE_TEST_DATABASE_URL";

/// Scratch schemas older than this are taken for leftovers of runs that died, and dropped.
const LEFTOVER_AGE: Duration = Duration::from_secs(6 * 3600);

/// A fresh, empty database (not migrated until [`Scratch::connect`] or a command opens it), and
/// a temporary directory for the files a test writes.
pub struct Scratch {
    /// The `DATABASE_URL` of this database.
    pub url: String,
    pub dialect: Dialect,
    dir: tempfile::TempDir,
    /// (server URL, schema) of a PostgreSQL scratch schema, dropped on drop.
    schema: Option<(String, String)>,
}

/// The PostgreSQL URL tests should run on, if one is set (and not empty).
pub fn test_database_url() -> Option<String> {
    std::env::var(TEST_DATABASE_URL_VAR).ok().filter(|u| !u.trim().is_empty())
}

impl Scratch {
    /// A fresh database on the backend of `SHAREDTABLE_TEST_DATABASE_URL` (SQLite when unset).
    /// Errors: the variable names something other than PostgreSQL, or its server cannot be
    /// reached or refuses to create a schema.
    pub async fn new() -> anyhow::Result<Scratch> {
        match test_database_url() {
            None => Scratch::sqlite(),
            Some(url) => {
                if Dialect::of_url(&url)? != Dialect::Postgres {
                    anyhow::bail!("{TEST_DATABASE_URL_VAR} must name a PostgreSQL database (postgres://...), not '{}'", redact(&url));
                }
                Scratch::postgres(&url).await
            }
        }
    }

    /// A fresh SQLite file, whatever the environment says.
    pub fn sqlite() -> anyhow::Result<Scratch> {
        let dir = tempfile::tempdir().context("creating a temporary directory")?;
        let url = format!("sqlite://{}", dir.path().join("scratch.db").display());
        Ok(Scratch { url, dialect: Dialect::Sqlite, dir, schema: None })
    }

    /// A fresh schema in the PostgreSQL database of `server_url`.
    pub async fn postgres(server_url: &str) -> anyhow::Result<Scratch> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let dir = tempfile::tempdir().context("creating a temporary directory")?;
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let salt = uuid::Uuid::now_v7().simple().to_string();
        let schema = format!("st_{now}_{}_{}", &salt[salt.len() - 10..], SEQ.fetch_add(1, Ordering::Relaxed));
        let mut admin = PgConnection::connect(server_url).await.with_context(|| format!("connecting to {}", redact(server_url)))?;
        sweep_leftovers(&mut admin, now).await;
        admin.execute(format!("CREATE SCHEMA {schema}").as_str()).await.with_context(|| format!("creating schema {schema}"))?;
        admin.close().await.ok();
        let sep = if server_url.contains('?') { '&' } else { '?' };
        let url = format!("{server_url}{sep}options=-c%20search_path%3D{schema}");
        Ok(Scratch { url, dialect: Dialect::Postgres, dir, schema: Some((server_url.to_string(), schema)) })
    }

    /// Whether this is a PostgreSQL schema.
    pub fn is_postgres(&self) -> bool {
        self.dialect == Dialect::Postgres
    }

    /// Open (and migrate) the database, as the app does.
    pub async fn connect(&self) -> anyhow::Result<Db> {
        connect(&self.url).await
    }

    /// A temporary directory that lives as long as this database (for files a test writes).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

/// Drop scratch schemas left by runs that died (older than [`LEFTOVER_AGE`]). Best effort:
/// another run may be dropping the same schema.
async fn sweep_leftovers(admin: &mut PgConnection, now: u64) {
    let Ok(names) = sqlx::query_scalar::<_, String>("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'st\\_%'").fetch_all(&mut *admin).await else {
        return;
    };
    for name in names {
        let created = name.split('_').nth(1).and_then(|t| t.parse::<u64>().ok());
        if created.is_some_and(|t| t + LEFTOVER_AGE.as_secs() < now) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            let _ = admin.execute(format!("DROP SCHEMA IF EXISTS {name} CASCADE").as_str()).await;
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let Some((server, schema)) = self.schema.take() else { return };
        // Drop may run inside an async runtime that is shutting down: do the work on a thread
        // of its own with a runtime of its own, and wait for it.
        let worker = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&server).await {
                    // A connection of the test's pool still inside a transaction would hold its
                    // locks: wait for it a while, then leave the schema to the sweep.
                    let _ = admin.execute("SET lock_timeout = '10s'").await;
                    if let Err(e) = admin.execute(format!("DROP SCHEMA IF EXISTS {schema} CASCADE").as_str()).await {
                        eprintln!("note: could not drop test schema {schema}: {e}");
                    }
                    admin.close().await.ok();
                }
            });
        });
        let _ = worker.join();
    }
}

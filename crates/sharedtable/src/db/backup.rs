//! Backup and restore of a SQLite database file.
//!
//! [`backup`] copies a live database while other processes (the server, an import) keep
//! writing: SQLite's `VACUUM INTO` builds the copy inside one read transaction, so it is a
//! consistent snapshot of the last commit before it began, WAL frames included
//! (<https://www.sqlite.org/lang_vacuum.html#vacuuminto>). The copy is written to a temporary file
//! beside the destination, checked with `PRAGMA integrity_check`, synced and only then renamed to
//! its final name, so a crash never leaves half a backup under that name.
//!
//! [`restore`] puts a backup in place of a database. The server must be stopped first: a restore
//! refuses a database that another connection holds open (see [`RestoreError::InUse`]). The
//! backup is copied beside the target, checked (a SQLite file that passes `integrity_check`, with
//! the migrations table of Shared Table and no migration this binary does not know), synced, the
//! target's stale `-wal` and `-shm` files are removed and the copy is renamed over the target.
//!
//! PostgreSQL deployments use `pg_dump` / `pg_restore` instead (README, "Backups").

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};

/// What a backup or a restore holds: every table with its row count, and the data generation
/// (see [`crate::db::generation`]) of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contents {
    /// (table name, rows), in name order; SQLite's own tables and `_sqlx_migrations` left out.
    pub tables: Vec<(String, i64)>,
    /// The data generation, `None` for a database without the `data_generation` table.
    pub generation: Option<i64>,
    /// The newest migration applied to it (a version of [`crate::db::SQLITE_MIGRATOR`]).
    pub migration: Option<i64>,
}

impl Contents {
    /// Rows of every table together.
    pub fn total_rows(&self) -> i64 {
        self.tables.iter().map(|(_, n)| n).sum()
    }
}

/// What [`backup`] wrote.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    /// The backup file (the `--to` path).
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    pub contents: Contents,
}

/// What [`restore`] put in place.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    /// The database file that was replaced (or created).
    pub path: PathBuf,
    /// Rows the replaced database held (0 when there was none).
    pub replaced_rows: i64,
    pub contents: Contents,
}

/// Why a backup was not made (nothing is left under the destination's name).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("backup needs a SQLite database file: DATABASE_URL '{0}' is not one")]
    NotAFile(String),
    #[error("{advice} (DATABASE_URL '{0}' is a PostgreSQL database)", advice = POSTGRES_ADVICE)]
    Postgres(String),
    #[error("database {0} does not exist: there is nothing to back up")]
    NoDatabase(PathBuf),
    #[error("{0} already exists; give --force to replace it")]
    Exists(PathBuf),
    #[error("{0} is the database itself; write the backup to another file")]
    SameFile(PathBuf),
    #[error("the copy failed its integrity check ({0}); the database itself may be damaged")]
    Integrity(String),
    #[error("cannot write {path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("backup of {path} failed: {error}")]
    Sql { path: PathBuf, error: sqlx::Error },
}

/// Why a restore was refused or failed (the target is left as it was).
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("restore needs a SQLite database file: DATABASE_URL '{0}' is not one")]
    NotAFile(String),
    #[error("{advice} (DATABASE_URL '{0}' is a PostgreSQL database)", advice = POSTGRES_ADVICE)]
    Postgres(String),
    #[error("cannot read the backup {path}: {error}")]
    Unreadable { path: PathBuf, error: std::io::Error },
    #[error("{0} is not a SQLite database")]
    NotSqlite(PathBuf),
    #[error("{0} is not a Shared Table backup: it has no _sqlx_migrations table")]
    NotSharedTable(PathBuf),
    #[error("{path} was written by a newer Shared Table: migration {version} is unknown to this binary")]
    TooNew { path: PathBuf, version: i64 },
    #[error("{path} fails its integrity check: {report}")]
    Integrity { path: PathBuf, report: String },
    #[error("database {path} already holds {rows} rows; give --force to replace them with the backup")]
    NotEmpty { path: PathBuf, rows: i64 },
    #[error("database {0} cannot be read as a SQLite database; give --force to replace it with the backup")]
    TargetDamaged(PathBuf),
    #[error("database {0} is in use (a server or another command has it open); stop it before restoring")]
    InUse(PathBuf),
    #[error("cannot write {path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("restore into {path} failed: {error}")]
    Sql { path: PathBuf, error: sqlx::Error },
}

/// What `backup` and `restore` say to a PostgreSQL deployment.
pub const POSTGRES_ADVICE: &str = "backup and restore copy a SQLite database file; back up PostgreSQL with its own tools instead: \
`pg_dump --format=custom --file=table.dump \"$DATABASE_URL\"` while the server runs, and `pg_restore --single-transaction --exit-on-error --no-owner` \
into an empty database (README, \"Backups\")";

/// The database file a `sqlite:` URL names; `None` for another scheme or an in-memory database.
pub fn database_path(url: &str) -> Option<PathBuf> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let opts = SqliteConnectOptions::from_str(url).ok()?;
    Some(opts.get_filename().to_path_buf())
}

/// The directory a file is in (`.` for a bare file name).
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A temporary file beside `path` (same directory, so the final rename is atomic), removed when
/// dropped unless persisted.
fn temp_beside(path: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "sharedtable".into());
    tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".partial").tempfile_in(parent_dir(path))
}

/// Flush a file's data to disk, then the directory entry naming it.
fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    // Directories can be opened and synced on Unix; elsewhere renames are durable on their own.
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The SQLite primary result code of an error (`SQLITE_BUSY` = 5, `SQLITE_NOTADB` = 26, ...).
fn sqlite_code(e: &sqlx::Error) -> Option<i64> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i64>().ok().map(|c| c & 0xff)
}

/// Open one connection to an existing file (never creating it), with a short busy timeout.
async fn open_file(path: &Path, busy: Duration) -> Result<SqliteConnection, sqlx::Error> {
    SqliteConnectOptions::new().filename(path).create_if_missing(false).busy_timeout(busy).connect().await
}

/// `PRAGMA integrity_check`: `Ok(())` when SQLite answers `ok`, else its report (lines joined
/// with `; `, at most 10).
async fn integrity(conn: &mut SqliteConnection) -> Result<Result<(), String>, sqlx::Error> {
    let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check(10)").fetch_all(&mut *conn).await?;
    Ok(if lines.len() == 1 && lines[0] == "ok" { Ok(()) } else { Err(lines.join("; ")) })
}

/// Every table with its rows, the data generation and the newest migration of an open database.
pub async fn contents(conn: &mut SqliteConnection) -> Result<Contents, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let rows: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""))).fetch_one(&mut *conn).await?;
        tables.push((name, rows));
    }
    let generation = if tables.iter().any(|(t, _)| t == "data_generation") {
        sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1").fetch_optional(&mut *conn).await?
    } else {
        None
    };
    let migration = if has_table(conn, "_sqlx_migrations").await? {
        sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations").fetch_one(&mut *conn).await?
    } else {
        None
    };
    Ok(Contents { tables, generation, migration })
}

async fn has_table(conn: &mut SqliteConnection, name: &str) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?").bind(name).fetch_one(&mut *conn).await?;
    Ok(n > 0)
}

/// Copy the live database of `database_url` to `to`: a consistent snapshot (`VACUUM INTO`, one
/// read transaction, WAL-safe) taken while other connections keep writing; they wait for no
/// lock, and the copy holds every transaction committed before it began and none after.
///
/// An existing `to` is refused unless `force`. The copy is written to a temporary file in `to`'s
/// directory, checked with `PRAGMA integrity_check`, synced, then renamed to `to`.
///
/// Errors: [`BackupError`]: not a SQLite file URL, no database, `to` exists, the copy fails its
/// integrity check, a file cannot be written, or SQLite fails.
pub async fn backup(database_url: &str, to: &Path, force: bool) -> Result<BackupSummary, BackupError> {
    if super::Dialect::of_url(database_url).ok() == Some(super::Dialect::Postgres) {
        return Err(BackupError::Postgres(super::redact(database_url)));
    }
    let source = database_path(database_url).ok_or_else(|| BackupError::NotAFile(super::redact(database_url)))?;
    if !source.is_file() {
        return Err(BackupError::NoDatabase(source));
    }
    if to.exists() {
        if !force {
            return Err(BackupError::Exists(to.to_path_buf()));
        }
        if std::fs::canonicalize(to).ok() == std::fs::canonicalize(&source).ok() {
            return Err(BackupError::SameFile(to.to_path_buf()));
        }
    }
    let io = |error: std::io::Error| BackupError::Io { path: to.to_path_buf(), error };
    let sql = |e: sqlx::Error| BackupError::Sql { path: source.clone(), error: e };
    let temp = temp_beside(to).map_err(io)?;
    let temp_path = temp.path().to_path_buf();
    {
        let mut conn = open_file(&source, Duration::from_secs(5)).await.map_err(sql)?;
        // The target may exist only if empty: the temporary file is.
        sqlx::query("VACUUM INTO ?").bind(temp_path.to_string_lossy().into_owned()).execute(&mut conn).await.map_err(sql)?;
        conn.close().await.map_err(sql)?;
    }
    let contents = {
        let check = |e: sqlx::Error| BackupError::Sql { path: temp_path.clone(), error: e };
        let mut conn = open_file(&temp_path, Duration::from_secs(5)).await.map_err(check)?;
        if let Err(report) = integrity(&mut conn).await.map_err(check)? {
            return Err(BackupError::Integrity(report));
        }
        let c = contents(&mut conn).await.map_err(check)?;
        conn.close().await.map_err(check)?;
        c
    };
    sync_file(&temp_path).map_err(io)?;
    let bytes = std::fs::metadata(&temp_path).map_err(io)?.len();
    if force {
        temp.persist(to).map_err(|e| io(e.error))?;
    } else {
        // Refuses a file that appeared at `to` meanwhile.
        temp.persist_noclobber(to).map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => BackupError::Exists(to.to_path_buf()),
            _ => io(e.error),
        })?;
    }
    sync_dir(&parent_dir(to)).map_err(io)?;
    Ok(BackupSummary { path: to.to_path_buf(), bytes, contents })
}

/// Check a copy of a backup: a SQLite file passing `integrity_check`, with Shared Table's
/// migrations table and no migration unknown to [`crate::db::SQLITE_MIGRATOR`]. `shown` names the backup
/// in messages. Leaves the copy a single file (rollback journal, no `-wal`).
async fn check_backup(copy: &Path, shown: &Path) -> Result<Contents, RestoreError> {
    let not_sqlite = |e: sqlx::Error| match sqlite_code(&e) {
        Some(26) | Some(11) => RestoreError::NotSqlite(shown.to_path_buf()),
        _ => RestoreError::Sql { path: shown.to_path_buf(), error: e },
    };
    let opts = SqliteConnectOptions::new()
        .filename(copy)
        .create_if_missing(false)
        .journal_mode(SqliteJournalMode::Delete)
        .busy_timeout(Duration::from_secs(5));
    let mut conn = opts.connect().await.map_err(not_sqlite)?;
    if let Err(report) = integrity(&mut conn).await.map_err(not_sqlite)? {
        return Err(RestoreError::Integrity { path: shown.to_path_buf(), report });
    }
    if !has_table(&mut conn, "_sqlx_migrations").await.map_err(not_sqlite)? {
        return Err(RestoreError::NotSharedTable(shown.to_path_buf()));
    }
    let known: BTreeSet<i64> = crate::db::SQLITE_MIGRATOR.iter().map(|m| m.version).collect();
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version").fetch_all(&mut conn).await.map_err(not_sqlite)?;
    if let Some(v) = applied.iter().find(|v| !known.contains(v)) {
        return Err(RestoreError::TooNew { path: shown.to_path_buf(), version: *v });
    }
    let c = contents(&mut conn).await.map_err(not_sqlite)?;
    conn.close().await.map_err(not_sqlite)?;
    Ok(c)
}

/// Rows the target holds, and whether another connection has it open. Switching the target out
/// of WAL mode needs every other connection closed (an idle server keeps its connections open and
/// holds a shared lock), so a server still running is caught even when it is not writing.
async fn check_target(target: &Path) -> Result<i64, RestoreError> {
    let sql = |e: sqlx::Error| match sqlite_code(&e) {
        Some(5) | Some(6) => RestoreError::InUse(target.to_path_buf()),
        Some(26) | Some(11) => RestoreError::TargetDamaged(target.to_path_buf()),
        _ => RestoreError::Sql { path: target.to_path_buf(), error: e },
    };
    let mut conn = open_file(target, Duration::from_millis(200)).await.map_err(sql)?;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode = DELETE").fetch_one(&mut conn).await.map_err(sql)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(RestoreError::InUse(target.to_path_buf()));
    }
    // A write lock too: refused while any other connection is in a transaction.
    sqlx::query("BEGIN IMMEDIATE").execute(&mut conn).await.map_err(sql)?;
    let c = contents(&mut conn).await.map_err(sql)?;
    sqlx::query("ROLLBACK").execute(&mut conn).await.map_err(sql)?;
    conn.close().await.map_err(sql)?;
    let generation_row = i64::from(c.tables.iter().any(|(t, _)| t == "data_generation"));
    // The one row of data_generation is not data.
    Ok(c.total_rows() - generation_row)
}

/// Replace the database of `database_url` with the backup `from`. The server must be stopped.
///
/// Steps: copy `from` to a temporary file beside the target and check the copy (see
/// [`RestoreError`]); refuse a target that is open elsewhere, and one that holds rows or cannot
/// be read as a SQLite database unless `force`;
/// sync the copy, remove the target's `-wal` and `-shm` files (a stale WAL must never be applied
/// to the restored file) and rename the copy over the target. A backup with fewer migrations
/// than this binary is migrated at the next start.
///
/// Errors: [`RestoreError`]; on any error the target is unchanged.
pub async fn restore(database_url: &str, from: &Path, force: bool) -> Result<RestoreSummary, RestoreError> {
    if super::Dialect::of_url(database_url).ok() == Some(super::Dialect::Postgres) {
        return Err(RestoreError::Postgres(super::redact(database_url)));
    }
    let target = database_path(database_url).ok_or_else(|| RestoreError::NotAFile(super::redact(database_url)))?;
    let io = |error: std::io::Error| RestoreError::Io { path: target.clone(), error };
    if !from.is_file() {
        let error = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        return Err(RestoreError::Unreadable { path: from.to_path_buf(), error });
    }
    let temp = temp_beside(&target).map_err(io)?;
    std::fs::copy(from, temp.path()).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => RestoreError::Unreadable { path: from.to_path_buf(), error },
        _ => io(error),
    })?;
    let contents = check_backup(temp.path(), from).await?;
    let replaced_rows = match target.exists() {
        false => 0,
        true => match check_target(&target).await {
            Ok(rows) => rows,
            // A damaged database is what a restore is for; whether it is in use cannot be told.
            Err(RestoreError::TargetDamaged(_)) if force => 0,
            Err(e) => return Err(e),
        },
    };
    if replaced_rows > 0 && !force {
        return Err(RestoreError::NotEmpty { path: target.clone(), rows: replaced_rows });
    }
    // The restored file keeps the permissions of the one it replaces (the temporary file is
    // private to its owner, which suits a new database).
    if let Ok(meta) = std::fs::metadata(&target) {
        std::fs::set_permissions(temp.path(), meta.permissions()).map_err(io)?;
    }
    sync_file(temp.path()).map_err(io)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = target.clone().into_os_string();
        side.push(suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    temp.persist(&target).map_err(|e| io(e.error))?;
    sync_dir(&parent_dir(&target)).map_err(io)?;
    Ok(RestoreSummary { path: target, replaced_rows, contents })
}

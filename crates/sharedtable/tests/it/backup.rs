//! `sharedtable backup` and `sharedtable restore`, run as the built binary against a live
//! database that the test's own server keeps writing to.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use sharedtable::db;
use sharedtable::network::entity::TABLES;
use sqlx::{ConnectOptions, Connection};

use crate::support;

/// Run the binary against `db_url`; (success, stdout, stderr).
async fn run(db_url: &str, args: &[&str]) -> (bool, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .env_remove("DATABASE_URL")
        .args(["--database-url", db_url])
        .args(args)
        .output()
        .await
        .expect("the binary runs");
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn url_of(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// One connection to a file, without creating or migrating it.
async fn open(path: &Path) -> sqlx::SqliteConnection {
    sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(false).connect().await.expect("opens")
}

async fn integrity_check(path: &Path) -> Vec<String> {
    let mut c = open(path).await;
    let r = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&mut c).await.unwrap();
    c.close().await.unwrap();
    r
}

/// Rows of every record table (network tables, freight tables and the audit log).
async fn record_rows(path: &Path) -> i64 {
    let mut c = open(path).await;
    let mut n = 0i64;
    let freight = [
        "freight_settings",
        "freight_shipments",
        "freight_plans",
        "freight_plan_observations",
        "users",
        "user_roles",
        "sessions",
        "access_tokens",
        "invitations",
        "password_resets",
        "sign_in_failures",
        "partnership_publication",
        "audit_log",
    ];
    for t in TABLES.iter().chain(freight.iter()) {
        let k: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {t}")).fetch_one(&mut c).await.unwrap();
        n += k;
    }
    c.close().await.unwrap();
    n
}

/// Files in `dir` whose name ends with `.partial` (left-over temporary files).
fn partial_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().ends_with(".partial")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writes_go_on_restores_every_row_committed_before_it() {
    if support::sqlite_only("a_backup_taken_while_writes_go_on_restores_every_row_committed_before_it", "backup copies a SQLite file; PostgreSQL uses pg_dump") {
        return;
    }
    let app = support::spawn().await;
    support::load_bundled(&app).await;
    // A writer creating organizations through the API, one transaction each, remembering the id
    // of every create that was answered 201 (committed).
    let committed: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (client, url, committed, stop) = (app.client.clone(), app.url("/api/v1/organizations"), committed.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let resp = client.post(&url).json(&json!({"name": format!("Backup Writer {i}"), "kind": "business"})).send().await.unwrap();
                assert_eq!(resp.status(), reqwest::StatusCode::CREATED);
                let body: serde_json::Value = resp.json().await.unwrap();
                committed.lock().unwrap().push(body["id"].as_str().unwrap().to_string());
                i += 1;
            }
        })
    };
    while committed.lock().unwrap().len() < 30 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before: Vec<String> = committed.lock().unwrap().clone();
    let backup = app.dir().join("live.backup");
    let (ok, out, err) = run(&app.db_url, &["backup", "--to", backup.to_str().unwrap()]).await;
    let after = committed.lock().unwrap().len();
    // Let the writer go on a little after the backup, then stop it.
    while committed.lock().unwrap().len() < after + 10 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(ok, "{out}{err}");
    assert!(after > before.len(), "writes went on while the backup ran ({} before, {after} after)", before.len());
    assert!(out.starts_with(&format!("Backed up {} to {} (", app.db_url, backup.display())), "{out}");
    assert!(out.contains("; integrity check: ok.\n"), "{out}");
    assert!(out.contains("\n    partnerships: 47\n"), "{out}");
    assert!(partial_files(app.dir()).is_empty());

    // Restore into a fresh path: every organization committed before the backup began is there,
    // and nothing committed after it ended.
    let fresh = tempfile::tempdir().unwrap();
    let target = fresh.path().join("restored.db");
    let (ok, out, err) = run(&url_of(&target), &["restore", "--from", backup.to_str().unwrap()]).await;
    assert!(ok, "{out}{err}");
    assert!(out.starts_with(&format!("Restored {} into {}; integrity check: ok.\n", backup.display(), target.display())), "{out}");
    assert_eq!(integrity_check(&target).await, ["ok"]);
    let restored = db::connect(&url_of(&target)).await.unwrap();
    let ids: std::collections::HashSet<String> =
        sqlx::query_scalar("SELECT id FROM organizations WHERE name LIKE 'Backup Writer %'").fetch_all(&restored).await.unwrap().into_iter().collect();
    let missing: Vec<&String> = before.iter().filter(|id| !ids.contains(*id)).collect();
    assert!(missing.is_empty(), "{} committed rows missing from the backup", missing.len());
    let everything: Vec<String> = committed.lock().unwrap().clone();
    // The writer has at most one create in flight: committed, its answer not yet counted.
    assert!(ids.len() >= before.len() && ids.len() <= after + 1, "{} rows in the backup, {} before, {after} after", ids.len(), before.len());
    assert!(ids.iter().all(|id| everything.contains(id)), "only rows the writer committed");
    assert!(everything.len() > ids.len(), "rows written after the backup are not in it");
    // The restored database serves: the bundled network is there and the generation counts on.
    let partnerships: i64 = sqlx::query_scalar("SELECT count(*) FROM partnerships").fetch_one(&restored).await.unwrap();
    assert_eq!(partnerships, 47);
    let printed_generation = out.lines().nth(1).and_then(|l| l.split("data generation ").nth(1)).and_then(|g| g.split(',').next()).unwrap().to_string();
    assert_eq!(db::generation(&restored).await.unwrap().to_string(), printed_generation);
}

#[tokio::test]
async fn backup_and_restore_refuse_with_exact_messages() {
    if support::sqlite_only("backup_and_restore_refuse_with_exact_messages", "backup and restore copy a SQLite file; PostgreSQL uses pg_dump and pg_restore") {
        return;
    }
    let app = support::spawn().await;
    support::load_bundled(&app).await;
    let dir = app.dir();
    let backup = dir.join("a.backup");
    let (ok, _, err) = run(&app.db_url, &["backup", "--to", backup.to_str().unwrap()]).await;
    assert!(ok, "{err}");

    // An existing backup file is not overwritten without --force.
    let (ok, _, err) = run(&app.db_url, &["backup", "--to", backup.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: {} already exists; give --force to replace it\n", backup.display()));
    let (ok, _, err) = run(&app.db_url, &["backup", "--force", "--to", backup.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    // No database, nothing to back up (and none is created).
    let absent = dir.join("absent.db");
    let (ok, _, err) = run(&url_of(&absent), &["backup", "--to", dir.join("b.backup").to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: database {} does not exist: there is nothing to back up\n", absent.display()));
    assert!(!absent.exists());

    // The running app holds its database open: restoring over it is refused.
    let live = support::spawn().await;
    let live_path = sharedtable::db::backup::database_path(&live.db_url).unwrap();
    let (ok, _, err) = run(&live.db_url, &["restore", "--from", backup.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: database {} is in use (a server or another command has it open); stop it before restoring\n", live_path.display()));

    // A database with rows is replaced only with --force.
    let target = dir.join("target.db");
    let (ok, _, err) = run(&url_of(&target), &["restore", "--from", backup.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    let rows = record_rows(&target).await;
    assert!(rows > 47 + 24, "{rows}");
    let (ok, _, err) = run(&url_of(&target), &["restore", "--from", backup.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: database {} already holds {rows} rows; give --force to replace them with the backup\n", target.display()));
    let (ok, out, err) = run(&url_of(&target), &["restore", "--force", "--from", backup.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    assert!(out.starts_with(&format!("Restored {} into {}, replacing {rows} rows; integrity check: ok.\n", backup.display(), target.display())), "{out}");

    // Files that are not Shared Table backups; the target stays as it was.
    let garbage = dir.join("garbage.backup");
    std::fs::write(&garbage, b"this is not a database at all, just some text bytes\n".repeat(100)).unwrap();
    let tiny = dir.join("tiny.backup");
    std::fs::write(&tiny, [0xffu8, 0, 7, 42]).unwrap();
    for f in [&garbage, &tiny] {
        let (ok, _, err) = run(&url_of(&target), &["restore", "--force", "--from", f.to_str().unwrap()]).await;
        assert!(!ok);
        assert_eq!(err, format!("error: {} is not a SQLite database\n", f.display()));
    }
    let other = dir.join("other.sqlite");
    let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&other).create_if_missing(true).connect().await.unwrap();
    sqlx::query("CREATE TABLE notes (text TEXT)").execute(&mut c).await.unwrap();
    c.close().await.unwrap();
    let (ok, _, err) = run(&url_of(&target), &["restore", "--force", "--from", other.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: {} is not a Shared Table backup: it has no _sqlx_migrations table\n", other.display()));
    // A backup from a newer version of Shared Table.
    let newer = dir.join("newer.backup");
    std::fs::copy(&backup, &newer).unwrap();
    let mut c = open(&newer).await;
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101000000, 'future', 1, x'00', 0)")
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let (ok, _, err) = run(&url_of(&target), &["restore", "--force", "--from", newer.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: {} was written by a newer Shared Table: migration 99990101000000 is unknown to this binary\n", newer.display()));
    let missing = dir.join("missing.backup");
    let (ok, _, err) = run(&url_of(&target), &["restore", "--from", missing.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: cannot read the backup {}: no such file\n", missing.display()));

    assert_eq!(record_rows(&target).await, rows, "refused restores leave the target as it was");
    // A backup is never written over the database itself.
    let (ok, _, err) = run(&url_of(&target), &["backup", "--force", "--to", target.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: {} is the database itself; write the backup to another file\n", target.display()));

    // A damaged database is replaced only with --force, and its stale WAL goes with it.
    let damaged = dir.join("damaged.db");
    std::fs::write(&damaged, b"what is left of a database after a bad disk\n".repeat(50)).unwrap();
    std::fs::write(dir.join("damaged.db-wal"), b"stale write-ahead log").unwrap();
    let (ok, _, err) = run(&url_of(&damaged), &["restore", "--from", backup.to_str().unwrap()]).await;
    assert!(!ok);
    assert_eq!(err, format!("error: database {} cannot be read as a SQLite database; give --force to replace it with the backup\n", damaged.display()));
    let (ok, _, err) = run(&url_of(&damaged), &["restore", "--force", "--from", backup.to_str().unwrap()]).await;
    assert!(ok, "{err}");
    assert!(!dir.join("damaged.db-wal").exists());
    assert_eq!(record_rows(&damaged).await, rows);
    assert_eq!(integrity_check(&damaged).await, ["ok"]);

    assert_eq!(integrity_check(&target).await, ["ok"]);
    assert!(partial_files(dir).is_empty(), "no temporary file is left behind");
}

/// On a PostgreSQL database, backup and restore refuse at once and point at pg_dump and
/// pg_restore, without printing the password (the refusal needs no server).
#[tokio::test]
async fn backup_and_restore_of_postgres_point_at_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("table.backup");
    for command in ["backup --to", "restore --from"] {
        let mut args: Vec<&str> = command.split(' ').collect();
        args.push(file.to_str().unwrap());
        let (ok, out, err) = run("postgres://table:secret@127.0.0.1:1/table", &args).await;
        assert!(!ok && out.is_empty(), "{command}: {out}");
        assert!(err.starts_with("error: backup and restore copy a SQLite database file; back up PostgreSQL with its own tools instead: `pg_dump --format=custom"), "{err}");
        assert!(err.contains("pg_restore --single-transaction") && err.contains("(README, \"Backups\")"), "{err}");
        assert!(err.contains("(DATABASE_URL 'postgres://table:***@127.0.0.1:1/table' is a PostgreSQL database)") && !err.contains("secret"), "{err}");
        assert!(!file.exists());
    }
}

/// A SQLite database made before migration 0009 (flags declared BOOLEAN, as 0006 released them)
/// opens with this binary: 0006 keeps its checksum, 0009 re-declares the flags INTEGER and keeps
/// every value, and the app reads them.
#[tokio::test]
async fn a_database_from_before_migration_0009_keeps_its_flags() {
    const P1: &str = "0192f0a0-0000-7000-8000-000000000001";
    if support::sqlite_only("a_database_from_before_migration_0009_keeps_its_flags", "it builds a SQLite file at migration 0008") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut c = sqlx::sqlite::SqliteConnectOptions::new().filename(&path).create_if_missing(true).connect().await.unwrap();
        let mut old = sqlx::migrate::Migrator::DEFAULT;
        old.migrations = db::SQLITE_MIGRATOR.migrations.iter().filter(|m| m.version <= 8).cloned().collect::<Vec<_>>().into();
        old.run(&mut c).await.expect("migrations 1 to 8 apply");
        let t = "2026-11-01T00:00:00Z";
        sqlx::query("INSERT INTO partnerships (id, slug, name, sector_label, region_name, created_at, updated_at) VALUES (?, 'p-one', 'P One', 'Manufacturing', 'Somewhere', ?, ?)").bind(P1).bind(t).bind(t).execute(&mut c).await.unwrap();
        for (id, email, admin, disabled) in [("0192f0a0-0000-7000-8000-000000000011", "admin@example.org", true, false), ("0192f0a0-0000-7000-8000-000000000012", "gone@example.org", false, true)] {
            sqlx::query("INSERT INTO users (id, email, display_name, network_admin, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(id).bind(email).bind(email).bind(admin).bind(disabled).bind(t).bind(t).execute(&mut c).await.unwrap();
        }
        sqlx::query("INSERT INTO invitations (id, token_hash, email, network_admin, created_at, expires_at) VALUES ('i1', 'h1', 'new@example.org', TRUE, ?, ?)").bind(t).bind(t).execute(&mut c).await.unwrap();
        sqlx::query("INSERT INTO partnership_publication (partnership_id, page, impact, wins, updated_at) VALUES (?, TRUE, FALSE, TRUE, ?)").bind(P1).bind(t).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    }
    let pool = db::connect(&url_of(&path)).await.expect("the old database migrates");
    let admin = sharedtable::auth::store::user_by_email(&pool, "admin@example.org").await.unwrap().unwrap();
    assert!(admin.network_admin && !admin.disabled);
    let gone = sharedtable::auth::store::user_by_email(&pool, "gone@example.org").await.unwrap().unwrap();
    assert!(!gone.network_admin && gone.disabled);
    let partnership = db::Id(uuid::Uuid::parse_str(P1).unwrap());
    let shown = sharedtable::auth::store::publication(&pool, partnership).await.unwrap();
    assert_eq!((shown.page, shown.impact, shown.wins), (true, false, true));
    pool.close().await;
    let mut c = open(&path).await;
    let invitation: (String, i64) = sqlx::query_as("SELECT typeof(network_admin), network_admin FROM invitations WHERE id = 'i1'").fetch_one(&mut c).await.unwrap();
    assert_eq!(invitation, ("integer".to_string(), 1));
    let publication: (i64, i64, i64) = sqlx::query_as("SELECT page, impact, wins FROM partnership_publication WHERE partnership_id = ?").bind(P1).fetch_one(&mut c).await.unwrap();
    assert_eq!(publication, (1, 0, 1));
    let mut declared: Vec<(String, String)> = Vec::new();
    for table in ["users", "invitations", "partnership_publication"] {
        let cols: Vec<(String, String)> = sqlx::query_as("SELECT name, type FROM pragma_table_info(?)").bind(table).fetch_all(&mut c).await.unwrap();
        declared.extend(cols.into_iter().filter(|(n, _)| ["network_admin", "disabled", "page", "impact", "wins"].contains(&n.as_str())).map(|(n, t)| (format!("{table}.{n}"), t)));
    }
    declared.sort();
    assert_eq!(
        declared,
        ["invitations.network_admin", "partnership_publication.impact", "partnership_publication.page", "partnership_publication.wins", "users.disabled", "users.network_admin"]
            .map(|n| (n.to_string(), "INTEGER".to_string()))
            .to_vec()
    );
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(&mut c).await.unwrap();
    assert_eq!(applied, db::SQLITE_MIGRATOR.migrations.len() as i64);
}

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
    let backup = app.dir.path().join("live.backup");
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
    assert!(partial_files(app.dir.path()).is_empty());

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
    let app = support::spawn().await;
    support::load_bundled(&app).await;
    let dir = app.dir.path();
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
    let live_path = live.dir.path().join("test.db");
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

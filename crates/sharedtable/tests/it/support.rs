//! Test support: spawn the real app on 127.0.0.1:0 with its own fresh database: a SQLite file,
//! or, when `SHAREDTABLE_TEST_DATABASE_URL` names a PostgreSQL database, a fresh schema of it
//! (dropped when the test ends; see `sharedtable::db::scratch`).

#![allow(dead_code)]

use sharedtable::db::scratch::Scratch;
use sharedtable::db::{self, Db};
use sharedtable::{build_app, AppState};

/// A running app: its base URL (no trailing slash), its database, and the scratch database (with
/// a temporary directory) behind it.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The `DATABASE_URL` of the app's database (for commands run against it).
    pub db_url: String,
    /// A client acting as a network admin (a write-scope personal access token).
    pub client: reqwest::Client,
    /// A client with no credentials: an anonymous visitor.
    pub anon: reqwest::Client,
    /// The admin's bearer token.
    pub admin_token: String,
    pub scratch: Scratch,
}

impl TestApp {
    /// Absolute URL of a path such as `/api/v1/partnerships`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
    /// A temporary directory for the files a test writes, removed with the app.
    pub fn dir(&self) -> &std::path::Path {
        self.scratch.dir()
    }
}

/// A fresh, empty database on the backend under test (not yet migrated).
pub async fn scratch() -> Scratch {
    Scratch::new().await.expect("a fresh test database (is SHAREDTABLE_TEST_DATABASE_URL's server running?)")
}

/// True, after printing why, when the tests run on PostgreSQL and the calling test is about
/// SQLite only (its file, its backup): the caller returns at once.
pub fn sqlite_only(test: &str, reason: &str) -> bool {
    if sharedtable::db::scratch::test_database_url().is_some() {
        // Straight to standard error: the test harness keeps a passing test's `eprintln!` to itself.
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "skipped on PostgreSQL: {test}: {reason}");
        return true;
    }
    false
}

/// Serve the app over `db` on an ephemeral port; its base URL.
pub async fn serve(db: Db) -> String {
    serve_with(db, sharedtable::web::Settings::default()).await
}

/// Serve the app over `db` with these site settings on an ephemeral port; its base URL.
pub async fn serve_with(db: Db, settings: sharedtable::web::Settings) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let app = build_app(AppState::new(db).with_settings(settings));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    format!("http://{addr}")
}

/// Start the app with an empty (migrated) database.
pub async fn spawn() -> TestApp {
    spawn_with(sharedtable::web::Settings::default()).await
}

/// Start the app with an empty (migrated) database and these site settings (public URL, mail).
pub async fn spawn_with(settings: sharedtable::web::Settings) -> TestApp {
    let scratch = scratch().await;
    let db = scratch.connect().await.expect("database");
    let base = serve_with(db.clone(), settings).await;
    let admin = sharedtable::auth::store::create_user(&db, "admin@example.org", "Test Admin", Some("admin password 123"), true).await.expect("admin");
    let (_, admin_token) = sharedtable::auth::store::create_access_token(&db, admin, "tests", sharedtable::auth::Scope::Write).await.expect("token");
    let client = client_with_token(&admin_token);
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { base, db, db_url: scratch.url.clone(), client, anon, admin_token, scratch }
}

/// A client that sends `Authorization: Bearer TOKEN` and does not follow redirects.
pub fn client_with_token(token: &str) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {token}").parse().unwrap());
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).default_headers(headers).build().unwrap()
}

/// Load the bundled real network (47 partnerships, 24 wins) into the app's database, without the
/// illustrative demo.
pub async fn load_bundled(app: &TestApp) {
    sharedtable::network::store::bulk::load_bundled(&app.db, false).await.expect("bundled network loads");
}

/// Rows of `table`.
pub async fn count(db: &Db, table: &str) -> i64 {
    db::query_scalar(db, &format!("SELECT count(*) FROM {table}")).fetch_one(db).await.unwrap()
}

/// The problem document of a response, checking status and content type
/// (`application/problem+json`, RFC 9457).
pub async fn problem(resp: reqwest::Response, status: reqwest::StatusCode) -> serde_json::Value {
    assert_eq!(resp.status(), status);
    assert_eq!(resp.headers()[reqwest::header::CONTENT_TYPE], "application/problem+json");
    let p: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(p["status"], status.as_u16());
    p
}

/// The (field, message) pairs of a problem.
pub fn errors(p: &serde_json::Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| (e["field"].as_str().unwrap().to_string(), e["message"].as_str().unwrap().to_string())).collect())
        .unwrap_or_default()
}

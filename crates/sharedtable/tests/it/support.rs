//! Test support: spawn the real app on 127.0.0.1:0 with its own fresh SQLite database.

#![allow(dead_code)]

use sharedtable::db::{self, Db};
use sharedtable::{build_app, AppState};

/// A running app: its base URL (no trailing slash), its database, and the temp dir holding it.
pub struct TestApp {
    pub base: String,
    pub db: Db,
    pub db_url: String,
    pub dir: tempfile::TempDir,
    /// A client acting as a network admin (a write-scope personal access token).
    pub client: reqwest::Client,
    /// A client with no credentials: an anonymous visitor.
    pub anon: reqwest::Client,
    /// The admin's bearer token.
    pub admin_token: String,
}

impl TestApp {
    /// Absolute URL of a path such as `/api/v1/partnerships`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

/// Start the app with an empty (migrated) database.
pub async fn spawn() -> TestApp {
    spawn_with(sharedtable::web::Settings::default()).await
}

/// Start the app with an empty (migrated) database and these site settings (public URL, mail).
pub async fn spawn_with(settings: sharedtable::web::Settings) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_url = format!("sqlite://{}", dir.path().join("test.db").display());
    let db = db::connect(&db_url).await.expect("database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let app = build_app(AppState::new(db.clone()).with_settings(settings));
    tokio::spawn(async move {
        axum::serve(listener, app).await.ok();
    });
    let admin = sharedtable::auth::store::create_user(&db, "admin@example.org", "Test Admin", Some("admin password 123"), true).await.expect("admin");
    let (_, admin_token) = sharedtable::auth::store::create_access_token(&db, admin, "tests", sharedtable::auth::Scope::Write).await.expect("token");
    let client = client_with_token(&admin_token);
    let anon = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    TestApp { base: format!("http://{addr}"), db, db_url, dir, client, anon, admin_token }
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

//! Shared web parts: the error type (HTML page or problem+json), the page layout, pagination,
//! the CSV download, the map and chart renderers, and the app state handed to every handler.

pub mod chart;
pub mod csv;
pub mod cache;
pub mod error;
pub mod layout;
pub mod map;
pub mod pagination;

pub use error::{Error, FieldErrors, Problem};

use crate::db::Db;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// Rendered network pages, kept while the data is unchanged (see [`cache`]).
    pub cache: std::sync::Arc<cache::PageCache>,
    /// Site settings: public address, mail (see [`Settings`]).
    pub settings: std::sync::Arc<Settings>,
}

/// Settings of a running site, from the command line or environment.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The address people reach the site at, e.g. `https://table.example.org`, used in emailed
    /// links; when it starts with `https://`, cookies are `Secure`. `None`: links are made from
    /// the request's `Host`.
    pub public_url: Option<String>,
    /// Where invitation and password-reset emails go out; `None`: the links are written to the
    /// server log instead, and the admin page says so.
    pub smtp: Option<crate::auth::mail::SmtpSettings>,
    /// Whether to take the client address from `X-Forwarded-For` (only behind a reverse proxy
    /// that sets it), for sign-in throttling.
    pub trust_proxy: bool,
}

impl AppState {
    /// State over a database, with an empty page cache.
    pub fn new(db: Db) -> AppState {
        AppState { db, cache: Default::default(), settings: Default::default() }
    }
    /// The same state with these site settings.
    pub fn with_settings(mut self, settings: Settings) -> AppState {
        self.settings = std::sync::Arc::new(settings);
        self
    }
}

/// Largest request body accepted, in bytes (forms, JSON and uploads): 10 MiB.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// Escape text for XML/HTML text and attribute values (`& < > " '`), for SVG built in Rust.
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A site link: `path` with the query `pairs` (URL-encoded), leaving out pairs whose value is
/// empty; just `path` when none remain. E.g. `link("/partnerships", &[("state", "AZ")])` is
/// `/partnerships?state=AZ`.
pub fn link(path: &str, pairs: &[(&str, &str)]) -> String {
    let kept: Vec<(&str, &str)> = pairs.iter().copied().filter(|(_, v)| !v.is_empty()).collect();
    if kept.is_empty() {
        return path.to_string();
    }
    match serde_urlencoded::to_string(&kept) {
        Ok(q) => format!("{path}?{q}"),
        Err(_) => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_and_escapes() {
        assert_eq!(link("/partnerships", &[("state", "AZ"), ("sector", ""), ("q", "a&b c")]), "/partnerships?state=AZ&q=a%26b+c");
        assert_eq!(link("/", &[("state", "")]), "/");
        assert_eq!(escape_xml(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}

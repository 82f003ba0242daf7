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
}

impl AppState {
    /// State over a database, with an empty page cache.
    pub fn new(db: Db) -> AppState {
        AppState { db, cache: Default::default() }
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

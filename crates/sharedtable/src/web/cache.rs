//! Cache of rendered read-only responses, kept while the data they were rendered from is
//! unchanged.
//!
//! Network pages (overview, directory, partnership pages, report) aggregate many rows, and are
//! read far more often than the data changes. A response to an anonymous `GET` of such a page is
//! kept with the data generation it was rendered at (see `db::commit`: every committed change,
//! by this process or another one such as a CLI import, raises the generation). A request is
//! answered from the cache only when the generation it was rendered at is still the current one,
//! which costs one single-row query; otherwise the handler runs and the new response replaces it.
//! Cached responses carry a weak `ETag` of the generation, so a browser that sends it back gets a
//! `304 Not Modified`.
//!
//! Only anonymous requests (no `Cookie`, no `Authorization`) are cached, so pages that will vary
//! with the viewer once accounts exist are never served to someone else.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Most responses kept; when full, entries of older generations are dropped first, then all.
pub const MAX_ENTRIES: usize = 4096;
/// Largest response body kept, in bytes (8 MiB); larger ones are served but not kept.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

struct Entry {
    generation: i64,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The cache: request target (path and query, plus whether problem+json was wanted) -> response.
#[derive(Default)]
pub struct PageCache {
    entries: Mutex<HashMap<String, std::sync::Arc<Entry>>>,
}

impl PageCache {
    fn get(&self, key: &str, generation: i64) -> Option<std::sync::Arc<Entry>> {
        let map = self.entries.lock().ok()?;
        map.get(key).filter(|e| e.generation == generation).cloned()
    }

    fn put(&self, key: String, entry: Entry) {
        let Ok(mut map) = self.entries.lock() else { return };
        if map.len() >= MAX_ENTRIES {
            let current = entry.generation;
            map.retain(|_, e| e.generation == current);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(key, std::sync::Arc::new(entry));
    }

    /// Number of responses kept (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.entries.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Is this a read of a network page or API list that may be cached?
fn cacheable(req: &Request) -> bool {
    if req.method() != Method::GET || req.headers().contains_key(header::COOKIE) || req.headers().contains_key(header::AUTHORIZATION) {
        return false;
    }
    let path = req.uri().path();
    let page = path == "/" || path == "/report" || path.starts_with("/partnerships") || path.starts_with("/organizations") || path.starts_with("/api/v1/");
    page && !(path.ends_with("/new") || path.ends_with("/edit") || path.ends_with("/delete"))
}

fn etag(generation: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("W/\"g{generation}\"")).unwrap_or(HeaderValue::from_static("W/\"g\""))
}

fn respond(entry: &Entry, if_none_match: Option<&HeaderValue>) -> Response {
    let tag = etag(entry.generation);
    if if_none_match.is_some_and(|v| v.as_bytes() == tag.as_bytes()) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    let mut resp = Response::new(Body::from(entry.body.clone()));
    *resp.status_mut() = entry.status;
    *resp.headers_mut() = entry.headers.clone();
    resp
}

/// Middleware: answer cacheable reads from the cache while the data generation is unchanged.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !cacheable(&req) {
        return next.run(req).await;
    }
    let Ok(generation) = crate::db::generation(&state.db).await else {
        return next.run(req).await;
    };
    let wants_json = super::error::WANTS_JSON.try_with(|j| *j).unwrap_or(false);
    let key = format!("{}|{}", if wants_json { "json" } else { "html" }, req.uri());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(entry) = state.cache.get(&key, generation) {
        return respond(&entry, if_none_match.as_ref());
    }
    let resp = next.run(req).await;
    // Keep only complete successful responses without their own validator (records served with
    // their version as ETag keep that one and are not cached here).
    // Responses marked `Cache-Control: no-store` (a freight plan still being computed) are
    // never kept: they change without a data change.
    let no_store = resp.headers().get(header::CACHE_CONTROL).is_some_and(|v| v.as_bytes().windows(8).any(|w| w == b"no-store"));
    if resp.status() != StatusCode::OK || resp.headers().contains_key(header::ETAG) || no_store {
        return resp;
    }
    // A body that may be larger than a cache entry is served as it is, not kept: buffering it
    // with the limit would consume it and leave nothing to send.
    if axum::body::HttpBody::size_hint(resp.body()).upper().is_none_or(|n| n > MAX_BODY_BYTES as u64) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large to buffer").into_response();
    };
    parts.headers.insert(header::ETAG, etag(generation));
    let entry = Entry { generation, status: parts.status, headers: parts.headers.clone(), body: bytes.clone() };
    state.cache.put(key, entry);
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(generation: i64) -> Entry {
        Entry { generation, status: StatusCode::OK, headers: HeaderMap::new(), body: Bytes::from_static(b"x") }
    }

    #[test]
    fn entries_are_valid_only_for_their_generation() {
        let c = PageCache::default();
        c.put("html|/".into(), entry(3));
        assert!(c.get("html|/", 3).is_some());
        assert!(c.get("html|/", 4).is_none());
        assert!(c.get("json|/", 3).is_none());
    }

    #[test]
    fn a_full_cache_drops_older_generations_first() {
        let c = PageCache::default();
        for i in 0..MAX_ENTRIES - 1 {
            c.put(format!("html|/{i}"), entry(1));
        }
        c.put("html|/kept".into(), entry(2));
        assert_eq!(c.len(), MAX_ENTRIES);
        c.put("html|/new".into(), entry(2));
        assert_eq!(c.len(), 2, "generation-1 entries dropped, both generation-2 entries kept");
    }
}

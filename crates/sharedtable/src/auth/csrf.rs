//! Cross-site request forgery protection for browser sessions (OWASP CSRF Prevention Cheat
//! Sheet, synchronizer token pattern).
//!
//! Each session has a random CSRF token, stored with it. Every form of the site carries it in a
//! hidden field named [`FIELD`] (see [`super::csrf_field`]); scripts may send it in the
//! [`HEADER`] header instead. A `POST`, `PUT`, `PATCH` or `DELETE` made with a session cookie is
//! refused (403) unless the token it carries equals its session's. Requests with a personal
//! access token are not checked (a browser never adds that header by itself), and anonymous
//! requests carry no session to ride on; the same-origin check in `lib.rs` still applies to
//! every request.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, Method};

use super::Viewer;
use crate::web::{Error, MAX_BODY_BYTES};

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
/// The request header that may carry the token instead.
pub const HEADER: &str = "x-csrf-token";

/// Whether `method` changes state.
pub fn is_unsafe(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH | Method::DELETE)
}

/// Let `req` through when it needs no token or carries the right one; the body, if it had to be
/// read, is put back. Errors: 403 naming what was missing or wrong; 413 for a body over the limit.
pub async fn check(viewer: &Viewer, req: Request) -> Result<Request, Error> {
    let Some(expected) = viewer.csrf_token() else { return Ok(req) };
    if !is_unsafe(req.method()) {
        return Ok(req);
    }
    if let Some(sent) = req.headers().get(HEADER) {
        return if constant_time_eq(sent.as_bytes(), expected.as_bytes()) { Ok(req) } else { Err(refused("the X-CSRF-Token header does not match this session")) };
    }
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES).await.map_err(|_| Error::PayloadTooLarge(MAX_BODY_BYTES))?;
    let sent = token_in_body(&content_type, &bytes).await;
    match sent {
        Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Some(_) => Err(refused("the form's security token does not match this session (the page may be from an earlier sign-in)")),
        None => Err(refused("the form carries no security token")),
    }
}

fn refused(why: &str) -> Error {
    Error::Forbidden(format!("{why}; reload the page and send the form again"))
}

/// The value of [`FIELD`] in a urlencoded or multipart body.
async fn token_in_body(content_type: &str, bytes: &Bytes) -> Option<String> {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/x-www-form-urlencoded" {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(bytes).ok()?;
        return pairs.into_iter().find(|(k, _)| k == FIELD).map(|(_, v)| v);
    }
    if mime == "multipart/form-data" {
        let boundary = multer::parse_boundary(content_type).ok()?;
        let data = bytes.clone();
        let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(data) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        while let Ok(Some(field)) = multipart.next_field().await {
            if field.name() == Some(FIELD) {
                return field.text().await.ok();
            }
        }
    }
    None
}

/// Compare two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn finds_the_token_in_forms_and_multipart_bodies() {
        let form = Bytes::from_static(b"name=x&csrf_token=abc%2B1");
        assert_eq!(token_in_body("application/x-www-form-urlencoded", &form).await.as_deref(), Some("abc+1"));
        let multi = Bytes::from_static(b"--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\na,b\r\n--XX--\r\n");
        assert_eq!(token_in_body("multipart/form-data; boundary=XX", &multi).await.as_deref(), Some("tok"));
        assert_eq!(token_in_body("application/json", &form).await, None);
        assert!(constant_time_eq(b"abc", b"abc") && !constant_time_eq(b"abc", b"abd") && !constant_time_eq(b"ab", b"abc"));
    }
}

//! The account pages: sign-in and sign-out (and, through `routes`, every other account route).

use std::net::SocketAddr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::{secret, session_token, store};
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error};

/// The account routes and their access rules.
pub fn routes() -> Routes {
    Routes::new()
        .add("/sign-in", &[(Method::GET, Rule::Public), (Method::POST, Rule::Public)], get(sign_in_form).post(sign_in))
        .add("/sign-out", &[(Method::POST, Rule::Public)], post(sign_out))
}

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    email: String,
    next: String,
    problem: Option<String>,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

/// A local path to go back to after signing in: only paths on this site (`/...`, not `//host`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") && !n.contains(['\r', '\n']) => n.to_string(),
        _ => "/".to_string(),
    }
}

async fn sign_in_form(Query(q): Query<NextQuery>) -> Response {
    render_with_status(StatusCode::OK, &SignInPage { email: String::new(), next: safe_next(q.next.as_deref()), problem: None })
}

#[derive(Deserialize)]
struct SignInForm {
    email: String,
    password: String,
    next: Option<String>,
    #[allow(dead_code)]
    csrf_token: Option<String>,
}

/// The client's address for throttling: the TCP peer, or behind a trusted reverse proxy the first
/// address of `X-Forwarded-For`; "unknown" when neither is known (tests).
pub fn client_address(state: &AppState, headers: &HeaderMap, ext: &Extensions) -> String {
    if state.settings.trust_proxy {
        if let Some(first) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()).and_then(|v| v.split(',').next()) {
            return first.trim().to_string();
        }
    }
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string()).unwrap_or_else(|| "unknown".into())
}

async fn sign_in(State(state): State<AppState>, headers: HeaderMap, ext: Extensions, body: Bytes) -> Result<Response, Error> {
    let form: SignInForm = serde_urlencoded::from_bytes(&body).map_err(|e| Error::BadRequest(format!("the sign-in form could not be read: {e}")))?;
    let next = safe_next(form.next.as_deref());
    let again = |status: StatusCode, problem: String| render_with_status(status, &SignInPage { email: form.email.clone(), next: next.clone(), problem: Some(problem) });
    let address = client_address(&state, &headers, &ext);
    let (account_key, address_key) = store::throttle_subjects(&form.email, &address);
    if let Some(minutes) = store::throttled(&state.db, &account_key, &address_key).await? {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins for this account or from this network. Wait {minutes} minute(s) and try again, or reset your password."),
        ));
    }
    let found = store::password_hash(&state.db, &form.email).await?;
    // Verify against a dummy hash when there is no account, so both answers take as long.
    let ok = match &found {
        Some((_, hash)) => secret::verify_password(&form.password, hash),
        None => {
            secret::verify_password(&form.password, secret::dummy_hash());
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        store::record_failure(&state.db, &account_key, &address_key).await?;
        return Ok(again(StatusCode::UNAUTHORIZED, "The email address or the password is not right.".into()));
    };
    store::clear_failures(&state.db, &account_key).await?;
    let token = store::create_session(&state.db, user, session_token(&headers).as_deref()).await?;
    let mut resp = Redirect::to(&next).into_response();
    resp.headers_mut().append(header::SET_COOKIE, super::session_cookie(&token, super::is_https(&state, &headers)));
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

async fn sign_out(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, Error> {
    if let Some(token) = session_token(&headers) {
        store::end_session(&state.db, &token).await?;
    }
    let mut resp = Redirect::to("/").into_response();
    resp.headers_mut().append(header::SET_COOKIE, super::clear_session_cookie(super::is_https(&state, &headers)));
    Ok(resp)
}

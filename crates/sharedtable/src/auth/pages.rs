//! The account pages: sign-in and sign-out here; through [`routes`], every other account route
//! (the account page and tokens in `account.rs`, people, invitations and publication in
//! `people.rs` and `invitations.rs`, the admin page in `admin.rs`, password resets in `reset.rs`,
//! `/api/v1/me` in `api.rs`). The helpers every account form shares live here too.

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
use crate::web::{AppState, Error, FieldErrors};

/// The account routes and their access rules.
pub fn routes() -> Routes {
    Routes::new()
        .add("/sign-in", &[(Method::GET, Rule::Public), (Method::POST, Rule::Public)], get(sign_in_form).post(sign_in))
        .add("/sign-out", &[(Method::POST, Rule::Public)], post(sign_out))
        .merge(super::account::routes())
        .merge(super::people::routes())
        .merge(super::invitations::routes())
        .merge(super::admin::routes())
        .merge(super::reset::routes())
        .merge(super::api::routes())
}

/// Read an urlencoded form body into `T` (unknown fields, such as the CSRF token, are ignored).
/// Errors: 400 naming `what` and why it could not be read.
pub fn read_form<T: serde::de::DeserializeOwned>(what: &str, body: &Bytes) -> Result<T, Error> {
    serde_urlencoded::from_bytes(body).map_err(|e| Error::BadRequest(format!("{what} could not be read: {e}")))
}

/// The address links in emails start with: the public URL when set, else the request's `Host`
/// (`https://` when [`super::is_https`] says the request came over https). No trailing slash.
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(u) = &state.settings.public_url {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| !h.is_empty()).unwrap_or("localhost");
    let scheme = if super::is_https(state, headers) { "https" } else { "http" };
    format!("{scheme}://{host}")
}

/// Field problems of a store call renamed for a form, e.g. the store's `password` is the form's
/// `new_password`; other fields keep their names.
pub fn rename_fields(errors: FieldErrors, renames: &[(&str, &str)]) -> FieldErrors {
    let mut out = FieldErrors::default();
    for (f, m) in errors.iter() {
        let name = renames.iter().find(|(from, _)| *from == f).map(|(_, to)| *to).unwrap_or(f);
        out.add(name, m);
    }
    out
}

/// A stored RFC 3339 timestamp as people read it: `2026-03-01 14:05 UTC` (the text as stored
/// when it is not RFC 3339).
pub fn when(ts: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(ts) {
        Ok(t) => t.with_timezone(&chrono::Utc).format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => ts.to_string(),
    }
}

pub use crate::web::layout::no_store;

/// A `303 See Other` to `to`.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// What the person who made a link is told about its delivery.
#[derive(Debug, Clone)]
pub struct LinkDelivery {
    /// In words: "emailed to ...", "written to the server log ...", or why sending failed.
    pub said: String,
    /// The link itself, when the person should pass it on (no SMTP, or sending failed).
    pub link: Option<String>,
}

/// Send an invitation link and say how it went. Without SMTP the link is logged and also shown
/// to its maker (a convener or admin) so they can pass it on; when sending fails, the error is
/// logged and the link shown likewise.
pub async fn deliver_invitation(state: &AppState, to: &str, subject: &str, body: &str, link: &str) -> LinkDelivery {
    match super::mail::send_link(state.settings.smtp.as_ref(), to, subject, body, link).await {
        Ok(super::mail::Delivery::Emailed) => LinkDelivery { said: format!("The link was emailed to {to}."), link: None },
        Ok(super::mail::Delivery::Logged) => LinkDelivery {
            said: "No mail server is set (SHAREDTABLE_SMTP_URL), so the link was written to the server log. Pass it on to the person yourself:".into(),
            link: Some(link.to_string()),
        },
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "sending an invitation link failed");
            LinkDelivery { said: format!("The email could not be sent ({e}). The invitation stands: pass the link on yourself:"), link: Some(link.to_string()) }
        }
    }
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
/// Browsers drop tabs and line breaks from a `Location` and read `\` as `/`, so `/<TAB>/host`
/// or `/\host` would leave the site: a path with a backslash or a control character is refused.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains(|c: char| c == '\\' || c.is_control()) => n.to_string(),
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

/// The client's address for throttling: the TCP peer, or behind a trusted reverse proxy the last
/// address of `X-Forwarded-For`, the one that proxy added; "unknown" when neither is known (tests).
///
/// Not the first: a proxy such as nginx with `$proxy_add_x_forwarded_for` keeps the header the
/// client sent and appends the address it saw, so every earlier entry is whatever the client
/// chose, and counting by it would let one client guess passwords from any number of "addresses"
/// (or use up another person's address).
pub fn client_address(state: &AppState, headers: &HeaderMap, ext: &Extensions) -> String {
    if state.settings.trust_proxy {
        let mut added_by_proxy = None;
        for value in headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()) {
            added_by_proxy = value.split(',').map(str::trim).filter(|a| !a.is_empty()).fold(added_by_proxy, |_, a| Some(a));
        }
        if let Some(address) = added_by_proxy {
            return address.to_string();
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

/// The label of an account form's field, for messages that name it ("New password is too
/// short"); an unknown field name is shown as it is.
pub fn field_label(field: &str) -> String {
    match field {
        "email" | "admin_email" => "Email address",
        "display_name" => "Your name",
        "password" => "Password",
        "password_confirm" => "Password again",
        "current_password" => "Current password",
        "new_password" => "New password",
        "confirm_password" => "New password again",
        "label" => "What the token is for",
        "scope" => "Scope",
        "role" => "Role",
        "partnership" => "Partnership",
        other => other,
    }
    .to_string()
}

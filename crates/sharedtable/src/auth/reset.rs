//! Password resets (OWASP Forgot Password Cheat Sheet):
//!
//! - `/password-reset`: asks for the email address and always answers the same ("if an account
//!   has this address, a link is on its way"), so the page never tells who has an account. The
//!   link `{site}/password-reset/{token}` is emailed, or written to the server log without SMTP
//!   (never shown on the page). Requests are limited per typed address and per client address
//!   with the sign-in throttle's table and limits ([`store::MAX_FAILURES_PER_ACCOUNT`] per
//!   address typed and [`store::MAX_FAILURES_PER_ADDRESS`] per client in
//!   [`store::THROTTLE_MINUTES`] minutes), under subjects of their own, so asking for links never
//!   locks anyone out of signing in.
//! - `/password-reset/{token}`: the new password, typed twice. Using the link ends every session
//!   of the account and lifts its sign-in lockout; the person then signs in.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, Extensions, HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::invitations::link_problem;
use super::pages::{client_address, no_store, read_form, rename_fields, site_base};
use super::secret::{self, digest};
use super::store::{self, RESET_HOURS};
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error, FieldErrors};

/// The password reset routes (public).
pub fn routes() -> Routes {
    let public = [(Method::GET, Rule::Public), (Method::POST, Rule::Public)];
    Routes::new()
        .add("/password-reset", &public, get(request_form).post(request))
        .add("/password-reset/{token}", &public, get(reset_form).post(reset))
}

#[derive(Template)]
#[template(path = "auth/reset_request.html")]
struct RequestPage {
    email: String,
    errors: FieldErrors,
    /// After a request: the same words whether or not an account has the address.
    sent: bool,
    problem: Option<String>,
}

async fn request_form() -> Response {
    render_with_status(StatusCode::OK, &RequestPage { email: String::new(), errors: FieldErrors::default(), sent: false, problem: None })
}

#[derive(Deserialize)]
struct RequestForm {
    #[serde(default)]
    email: String,
}

/// The throttle subjects of reset requests: digests of `reset-account:EMAIL` and
/// `reset-address:IP` (kept apart from the sign-in subjects).
fn reset_subjects(email: &str, address: &str) -> (String, String) {
    (digest(&format!("reset-account:{}", email.trim().to_lowercase())), digest(&format!("reset-address:{address}")))
}

async fn request(State(state): State<AppState>, headers: HeaderMap, ext: Extensions, body: Bytes) -> Result<Response, Error> {
    let form: RequestForm = read_form("the password reset form", &body)?;
    let page = |status: StatusCode, errors: FieldErrors, sent: bool, problem: Option<String>| {
        render_with_status(status, &RequestPage { email: form.email.clone(), errors, sent, problem })
    };
    let email = match store::normalize_email("email", &form.email) {
        Ok(e) => e,
        Err(Error::Validation(fe)) => return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, fe, false, None)),
        Err(e) => return Err(e),
    };
    let address = client_address(&state, &headers, &ext);
    let (account_key, address_key) = reset_subjects(&email, &address);
    if let Some(minutes) = store::throttled(&state.db, &account_key, &address_key).await? {
        let why = format!("Too many reset links were asked for this address or from this network. Wait {minutes} minute(s), then ask again; a link already sent still works for {RESET_HOURS} hour after it was sent.");
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, FieldErrors::default(), false, Some(why)));
    }
    store::record_failure(&state.db, &account_key, &address_key).await?;
    if let Some(token) = store::create_reset(&state.db, &email).await? {
        let link = format!("{}/password-reset/{token}", site_base(&state, &headers));
        let body = format!(
            "Someone, hopefully you, asked to reset the password of your Shared Table account.\n\nOpen this link within {RESET_HOURS} hour to choose a new password. It works once. If you did not ask, ignore this message: your password stays as it is."
        );
        // The page says the same thing whatever happens here, so a failure is only logged.
        if let Err(e) = super::mail::send_link(state.settings.smtp.as_ref(), &email, "Reset your Shared Table password", &body, &link).await {
            tracing::error!(error = %format!("{e:#}"), "sending a password reset link failed");
        }
    }
    Ok(page(StatusCode::OK, FieldErrors::default(), true, None))
}

#[derive(Template)]
#[template(path = "auth/reset_form.html")]
struct ResetPage {
    token: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "auth/reset_done.html")]
struct ResetDonePage {}

const LINK_TITLE: &str = "This password reset link cannot be used";

async fn reset_form(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Error> {
    match store::check_reset(&state.db, &token).await {
        Ok(_) => Ok(no_store(render_with_status(StatusCode::OK, &ResetPage { token, errors: FieldErrors::default() }))),
        Err(e) => link_problem(LINK_TITLE, e),
    }
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

async fn reset(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Response, Error> {
    let form: ResetForm = read_form("the new password form", &body)?;
    if let Err(e) = store::check_reset(&state.db, &token).await {
        return link_problem(LINK_TITLE, e);
    }
    let again = |errors: FieldErrors| no_store(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &ResetPage { token: token.clone(), errors }));
    if let Some(p) = secret::password_problem(&form.password) {
        return Ok(again(FieldErrors::one("password", p)));
    }
    if form.password != form.password_confirm {
        return Ok(again(FieldErrors::one("password_confirm", "does not match the password: type the same password twice")));
    }
    let user = match store::use_reset(&state.db, &token, &form.password).await {
        Ok(user) => user,
        Err(Error::Validation(fe)) => return Ok(again(rename_fields(fe, &[]))),
        Err(e @ (Error::NotFound(_) | Error::Conflict(_))) => return link_problem(LINK_TITLE, e),
        Err(e) => return Err(e),
    };
    // Whoever holds the mailbox has shown it: lift the account's sign-in lockout.
    if let Some(u) = store::user_by_id(&state.db, user).await? {
        store::clear_failures(&state.db, &store::throttle_subjects(&u.email, "").0).await?;
    }
    let mut resp = no_store(render_with_status(StatusCode::OK, &ResetDonePage {}));
    resp.headers_mut().append(header::SET_COOKIE, super::clear_session_cookie(super::is_https(&state, &headers)));
    Ok(resp)
}

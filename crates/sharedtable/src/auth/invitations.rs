//! Invitations: making one (for the people and admin pages), and `/invitations/{token}`, where
//! the person invited accepts it. A new email address makes an account (name and password, typed
//! twice); an address that has an account needs its password. Accepting signs the person in and
//! takes them to the partnership (or, for a network admin, to the admin page). A link that was
//! used, expired or never existed gets a page that says which (409 / 404).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, Extensions, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::pages::{client_address, deliver_invitation, no_store, read_form, see_other, site_base, when, LinkDelivery};
use super::store::{self, Invitation, INVITATION_DAYS};
use super::{session_token, viewer, Role};
use crate::db::Id;
use crate::network::store::forms::partnership_of;
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error, FieldErrors};

/// The invitation acceptance routes (public: the link is the credential).
pub fn routes() -> Routes {
    Routes::new().add("/invitations/{token}", &[(Method::GET, Rule::Public), (Method::POST, Rule::Public)], get(invitation_page).post(accept))
}

/// What an invitation grants.
#[derive(Debug, Clone)]
pub enum Grant {
    /// A role in one partnership (`name` for the messages).
    Partnership { id: Id, name: String, role: Role },
    /// Network admin.
    NetworkAdmin,
}

impl Grant {
    /// In words: "convener of Mohave Makers" or "network admin".
    pub fn describe(&self) -> String {
        match self {
            Grant::Partnership { name, role, .. } => format!("{} of {name}", role.label()),
            Grant::NetworkAdmin => "network admin of this Shared Table".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "auth/invited.html")]
struct InvitedPage {
    email: String,
    what: String,
    expires: String,
    delivery: LinkDelivery,
    back: String,
}

/// Make an invitation for `email` granting `grant`, send its link (`{site}/invitations/{token}`)
/// and answer with the page that says how it went (`Cache-Control: no-store`, as it may show
/// the link). `back` is the page to return to. Errors: 422 naming `email` (the caller shows its
/// form again).
pub async fn send_invitation(state: &AppState, headers: &HeaderMap, email: &str, grant: Grant, back: &str) -> Result<Response, Error> {
    let to = store::normalize_email("email", email)?;
    let v = viewer();
    let inviter = v.account.as_ref().map(|a| a.display_name.clone()).unwrap_or_else(|| "A network admin".into());
    let store_grant = match &grant {
        Grant::Partnership { id, role, .. } => Some((*id, *role)),
        Grant::NetworkAdmin => None,
    };
    let (_, token) = store::create_invitation(&state.db, &to, store_grant, v.user_id()).await?;
    let link = format!("{}/invitations/{token}", site_base(state, headers));
    let what = grant.describe();
    let subject = match &grant {
        Grant::Partnership { name, .. } => format!("Invitation to {name} on Shared Table"),
        Grant::NetworkAdmin => "Invitation to be a network admin on Shared Table".into(),
    };
    let body = format!(
        "{inviter} invites you to Shared Table as {what}.\n\nOpen this link within {INVITATION_DAYS} days to accept: you choose your password there (or give it, if you have an account already). The link works once."
    );
    let delivery = deliver_invitation(state, &to, &subject, &body, &link).await;
    let expires = match store::invitation(&state.db, &token).await {
        Ok(inv) => when(&inv.expires_at),
        Err(_) => format!("in {INVITATION_DAYS} days"),
    };
    let page = InvitedPage { email: to, what, expires, delivery, back: back.to_string() };
    Ok(no_store(render_with_status(StatusCode::OK, &page)))
}

#[derive(Template)]
#[template(path = "auth/link_problem.html")]
struct LinkProblemPage {
    title: String,
    detail: String,
    status: u16,
}

/// The page for a link that cannot be used: unknown (404), used or expired (409). Other errors
/// are returned as they are.
pub fn link_problem(title: &str, e: Error) -> Result<Response, Error> {
    match e {
        Error::NotFound(what) => {
            let page = LinkProblemPage { title: title.into(), detail: format!("No {what} was found."), status: 404 };
            Ok(render_with_status(StatusCode::NOT_FOUND, &page))
        }
        Error::Conflict(why) => {
            let mut detail = why;
            if let Some(first) = detail.get(..1) {
                detail = format!("{}{}.", first.to_uppercase(), &detail[1..]);
            }
            Ok(render_with_status(StatusCode::CONFLICT, &LinkProblemPage { title: title.into(), detail, status: 409 }))
        }
        other => Err(other),
    }
}

#[derive(Template)]
#[template(path = "auth/invitation.html")]
struct InvitationPage {
    token: String,
    email: String,
    what: String,
    expires: String,
    existing: bool,
    errors: FieldErrors,
    problem: Option<String>,
    display_name: String,
}

fn describe(inv: &Invitation) -> String {
    match (&inv.partnership, inv.role) {
        (Some((_, name)), Some(role)) => format!("{} of {name}", role.label()),
        _ => "network admin of this Shared Table".into(),
    }
}

fn invitation_page_for(token: &str, inv: &Invitation, status: StatusCode, errors: FieldErrors, problem: Option<String>, display_name: &str) -> Response {
    let page = InvitationPage {
        token: token.to_string(),
        email: inv.email.clone(),
        what: describe(inv),
        expires: when(&inv.expires_at),
        existing: inv.existing_user,
        errors,
        problem,
        display_name: display_name.to_string(),
    };
    // The page's address holds the link's secret: do not keep it.
    no_store(render_with_status(status, &page))
}

const LINK_TITLE: &str = "This invitation link cannot be used";

async fn invitation_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response, Error> {
    match store::invitation(&state.db, &token).await {
        Ok(inv) => Ok(invitation_page_for(&token, &inv, StatusCode::OK, FieldErrors::default(), None, "")),
        Err(e) => link_problem(LINK_TITLE, e),
    }
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

/// Accept the invitation, then sign the person in (a new session, replacing the browser's) and
/// send them to the partnership page, or the admin page for a network-admin invitation.
async fn accept(State(state): State<AppState>, Path(token): Path<String>, headers: HeaderMap, ext: Extensions, body: Bytes) -> Result<Response, Error> {
    let form: AcceptForm = read_form("the invitation form", &body)?;
    let inv = match store::invitation(&state.db, &token).await {
        Ok(inv) => inv,
        Err(e) => return link_problem(LINK_TITLE, e),
    };
    let again = |status: StatusCode, errors: FieldErrors, problem: Option<String>| invitation_page_for(&token, &inv, status, errors, problem, &form.display_name);
    let address = client_address(&state, &headers, &ext);
    let (account_key, address_key) = store::throttle_subjects(&inv.email, &address);
    if inv.existing_user {
        if store::user_by_email(&state.db, &inv.email).await?.is_some_and(|u| u.disabled) {
            return link_problem(LINK_TITLE, Error::Conflict("the account with this email address is disabled; ask a network admin to enable it".into()));
        }
        // Giving an existing account's password here is a sign-in: it counts towards the throttle.
        if let Some(minutes) = store::throttled(&state.db, &account_key, &address_key).await? {
            let why = format!("Too many wrong passwords for this account. Wait {minutes} minute(s) and try again, or reset your password.");
            return Ok(again(StatusCode::TOO_MANY_REQUESTS, FieldErrors::default(), Some(why)));
        }
    } else {
        let mut errors = FieldErrors::default();
        let name = form.display_name.trim();
        if name.is_empty() || name.chars().count() > 120 {
            errors.add("display_name", "give the name others will see (1 to 120 characters)");
        } else if name.chars().any(char::is_control) {
            errors.add("display_name", "must not contain control characters (NUL, tab, line breaks, ...)");
        }
        if let Some(p) = super::secret::password_problem(&form.password) {
            errors.add("password", p);
        } else if form.password != form.password_confirm {
            errors.add("password_confirm", "does not match the password: type the same password twice");
        }
        if !errors.is_empty() {
            return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, errors, None));
        }
    }
    let user = match store::accept_invitation(&state.db, &token, &form.display_name, &form.password).await {
        Ok(user) => user,
        Err(Error::Validation(fe)) => {
            if inv.existing_user && fe.get("password").is_some() {
                store::record_failure(&state.db, &account_key, &address_key).await?;
            }
            return Ok(again(StatusCode::UNPROCESSABLE_ENTITY, fe, None));
        }
        Err(e @ (Error::NotFound(_) | Error::Conflict(_))) => return link_problem(LINK_TITLE, e),
        Err(e) => return Err(e),
    };
    store::clear_failures(&state.db, &account_key).await?;
    let to = match &inv.partnership {
        Some((p, _)) => match partnership_of(&state.db, "partnerships", *p).await? {
            Some(p) => format!("/partnerships/{}", p.slug),
            None => "/account".into(),
        },
        None => "/admin".into(),
    };
    let session = store::create_session(&state.db, user, session_token(&headers).as_deref()).await?;
    let mut resp = see_other(&to);
    resp.headers_mut().append(header::SET_COOKIE, super::session_cookie(&session, super::is_https(&state, &headers)));
    Ok(no_store(resp.into_response()))
}

//! The signed-in user's own page, `/account`: their name and email address (shown only here, to
//! them), their roles by partnership, changing their password, and their personal access tokens
//! (list, create, revoke). A new token is shown once, on a page the browser must not keep.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::pages::{client_address, no_store, read_form, rename_fields, see_other, when};
use super::store::{self, AccessToken};
use super::{secret, Account, Scope, Via};
use crate::db::Id;
use crate::network::store::forms::partnership_of;
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error, FieldErrors};

/// The routes of the account page.
pub fn routes() -> Routes {
    Routes::new()
        .get("/account", Rule::SignedIn, get(account_page))
        .add("/account/password", &[(Method::POST, Rule::SignedIn)], post(change_password))
        .add("/account/tokens", &[(Method::POST, Rule::SignedIn)], post(create_token))
        .add("/account/tokens/{id}/revoke", &[(Method::POST, Rule::SignedIn)], post(revoke_token))
}

/// A role of the user, linked to its partnership.
pub struct RoleLink {
    pub href: String,
    pub partnership: String,
    pub role: &'static str,
    /// The partnership's people page (every role holder may see it).
    pub people_href: String,
}

/// A token as the account page lists it.
pub struct TokenRow {
    pub id: Id,
    pub label: String,
    pub scope: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

impl From<AccessToken> for TokenRow {
    fn from(t: AccessToken) -> Self {
        TokenRow {
            id: t.id,
            label: t.label,
            scope: t.scope,
            created: when(&t.created_at),
            last_used: t.last_used_at.as_deref().map(when),
            revoked: t.revoked_at.as_deref().map(when),
        }
    }
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    name: String,
    email: String,
    network_admin: bool,
    roles: Vec<RoleLink>,
    tokens: Vec<TokenRow>,
    errors: FieldErrors,
    /// What just happened, e.g. "Your password is changed."
    notice: Option<String>,
    /// A refusal that is not about one field (too many wrong passwords).
    problem: Option<String>,
    /// The token form's label and scope, kept when it comes back with problems.
    token_label: String,
    scope: String,
}

#[derive(Template)]
#[template(path = "auth/token_created.html")]
struct TokenCreatedPage {
    label: String,
    scope: String,
    token: String,
}

/// The signed-in account of the current request (the route rule guarantees one).
fn me() -> Result<Account, Error> {
    super::viewer().account.clone().ok_or_else(|| Error::Unauthorized("sign in first".into()))
}

/// The form values the account page keeps when it comes back with problems.
#[derive(Default)]
struct Shown {
    errors: FieldErrors,
    notice: Option<String>,
    problem: Option<String>,
    label: String,
    scope: String,
}

async fn render_account(state: &AppState, status: StatusCode, shown: Shown) -> Result<Response, Error> {
    let acc = me()?;
    let user = store::user_by_id(&state.db, acc.user_id).await?.ok_or_else(|| Error::NotFound("your account".into()))?;
    let mut roles = Vec::new();
    for (pid, role) in &acc.roles {
        if let Some(p) = partnership_of(&state.db, "partnerships", *pid).await? {
            roles.push(RoleLink { href: format!("/partnerships/{}", p.slug), people_href: format!("/partnerships/{}/people", p.slug), partnership: p.name, role: role.label() });
        }
    }
    roles.sort_by_key(|r| r.partnership.to_lowercase());
    let tokens = store::access_tokens(&state.db, acc.user_id).await?.into_iter().map(TokenRow::from).collect();
    let page = AccountPage {
        name: user.display_name,
        email: user.email,
        network_admin: user.network_admin,
        roles,
        tokens,
        errors: shown.errors,
        notice: shown.notice,
        problem: shown.problem,
        token_label: shown.label,
        scope: if shown.scope.is_empty() { "read".into() } else { shown.scope },
    };
    // The page names the user's email address: never keep it in a shared cache.
    Ok(no_store(render_with_status(status, &page)))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn account_page(State(state): State<AppState>, Query(q): Query<DoneQuery>) -> Result<Response, Error> {
    let notice = match q.done.as_deref() {
        Some("password") => Some("Your password is changed. Your other sessions (other browsers and devices) were signed out.".to_string()),
        Some("revoked") => Some("The token is revoked: requests that send it are now refused (401).".to_string()),
        _ => None,
    };
    render_account(&state, StatusCode::OK, Shown { notice, ..Default::default() }).await
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
}

/// Change the password: the current one must be right (wrong ones count towards the sign-in
/// throttle, so a left-open session cannot be used to guess it), the new one typed twice. Every
/// other session of the user ends; this one stays.
async fn change_password(State(state): State<AppState>, headers: HeaderMap, ext: Extensions, body: Bytes) -> Result<Response, Error> {
    let form: PasswordForm = read_form("the password form", &body)?;
    let acc = me()?;
    let user = store::user_by_id(&state.db, acc.user_id).await?.ok_or_else(|| Error::NotFound("your account".into()))?;
    let address = client_address(&state, &headers, &ext);
    let (account_key, address_key) = store::throttle_subjects(&user.email, &address);
    if let Some(minutes) = store::throttled(&state.db, &account_key, &address_key).await? {
        let problem = format!("Too many wrong passwords for this account. Wait {minutes} minute(s) and try again.");
        return render_account(&state, StatusCode::TOO_MANY_REQUESTS, Shown { problem: Some(problem), ..Default::default() }).await;
    }
    let mut errors = FieldErrors::default();
    let right = match store::password_hash(&state.db, &user.email).await? {
        Some((_, hash)) => secret::verify_password(&form.current_password, &hash),
        None => false,
    };
    if !right {
        store::record_failure(&state.db, &account_key, &address_key).await?;
        errors.add("current_password", "is not your current password");
    }
    if let Some(p) = secret::password_problem(&form.new_password) {
        errors.add("new_password", p);
    } else if form.new_password != form.confirm_password {
        errors.add("confirm_password", "does not match the new password: type the same password twice");
    }
    if !errors.is_empty() {
        return render_account(&state, StatusCode::UNPROCESSABLE_ENTITY, Shown { errors, ..Default::default() }).await;
    }
    let keep = match &acc.via {
        Via::Session { session, .. } => Some(session.as_str()),
        Via::Token { .. } => None,
    };
    match store::set_password(&state.db, acc.user_id, &form.new_password, keep).await {
        Ok(()) => {}
        Err(Error::Validation(fe)) => {
            let errors = rename_fields(fe, &[("password", "new_password")]);
            return render_account(&state, StatusCode::UNPROCESSABLE_ENTITY, Shown { errors, ..Default::default() }).await;
        }
        Err(e) => return Err(e),
    }
    store::clear_failures(&state.db, &account_key).await?;
    Ok(see_other("/account?done=password"))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    scope: String,
}

/// Create a personal access token and show it once (`Cache-Control: no-store`).
async fn create_token(State(state): State<AppState>, body: Bytes) -> Result<Response, Error> {
    let form: TokenForm = read_form("the token form", &body)?;
    let acc = me()?;
    let shown = |errors: FieldErrors| Shown { errors, label: form.label.clone(), scope: form.scope.clone(), ..Default::default() };
    let mut errors = FieldErrors::default();
    let scope = Scope::parse(&form.scope);
    if scope.is_none() {
        errors.add("scope", "choose read (GET requests only) or write (everything your account may do)");
    }
    if form.label.trim().is_empty() || form.label.trim().chars().count() > 100 {
        errors.add("label", "is required: 1 to 100 characters naming what the token is for, e.g. \"quarterly export script\"");
    } else if form.label.chars().any(char::is_control) {
        errors.add("label", "must not contain control characters (NUL, tab, line breaks, ...)");
    }
    let Some(scope) = scope.filter(|_| errors.is_empty()) else {
        return render_account(&state, StatusCode::UNPROCESSABLE_ENTITY, shown(errors)).await;
    };
    let token = match store::create_access_token(&state.db, acc.user_id, &form.label, scope).await {
        Ok((_, token)) => token,
        Err(Error::Validation(fe)) => return render_account(&state, StatusCode::UNPROCESSABLE_ENTITY, shown(fe)).await,
        Err(e) => return Err(e),
    };
    let page = TokenCreatedPage { label: form.label.trim().to_string(), scope: scope.as_str().to_string(), token };
    Ok(no_store(render_with_status(StatusCode::OK, &page)))
}

async fn revoke_token(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let id: Id = id.parse().map_err(|e| Error::invalid_parameter("id", e))?;
    let acc = me()?;
    store::revoke_access_token(&state.db, acc.user_id, id).await?;
    Ok(see_other("/account?done=revoked"))
}

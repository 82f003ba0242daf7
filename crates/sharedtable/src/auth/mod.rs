//! Accounts, sessions, roles and personal access tokens: who is asking, and what they may do.
//!
//! Every request passes [`authenticate`], which finds the [`Viewer`]: anonymous, a browser
//! session (cookie [`SESSION_COOKIE`]), or an API client with a personal access token
//! (`Authorization: Bearer st_pat_...`). The viewer is put in the request's extensions and in a
//! task-local ([`viewer`]), so handlers and templates can ask without threading it through.
//! [`access`] then decides, route by route, whether the viewer may use the route; handlers filter
//! what lists show by [`access::Visibility`].
//!
//! Roles (`user_roles`): network level, `network_admin` (a flag on the user); per partnership,
//! one of [`Role`]. Sessions expire after [`SESSION_IDLE_MINUTES`] without a request and
//! [`SESSION_MAX_HOURS`] after sign-in, whichever comes first.

pub mod access;
pub mod account;
pub mod admin;
pub mod api;
pub mod csrf;
pub mod invitations;
pub mod mail;
pub mod pages;
pub mod people;
pub mod reset;
pub mod secret;
pub mod store;
pub mod threat_model;

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::db::Id;
use crate::web::{AppState, Error};

/// The account tables whose changes the audit log records, each with a record of it in words:
/// roles in partnerships, publication choices, and accounts' admin and disabled flags. Entries
/// name people by display name, never by email address.
pub const AUDITED_TABLES: &[(&str, &str)] = &[("user_roles", "role"), ("partnership_publication", "publication choice"), ("users", "account")];

/// The session cookie's name. Its value is a random token (see [`secret::new_token`]); the
/// database keeps only its SHA-256.
pub const SESSION_COOKIE: &str = "st_session";
/// Minutes without a request after which a session ends (OWASP Session Management Cheat Sheet:
/// idle timeouts of 15–30 minutes for low-risk applications; we allow a working meeting's
/// length, 2 hours).
pub const SESSION_IDLE_MINUTES: i64 = 120;
/// Hours after sign-in after which a session ends whatever its use (absolute timeout).
pub const SESSION_MAX_HOURS: i64 = 24;
/// A session's `last_seen_at` is written at most this often, in seconds, so reading pages does
/// not write to the database on every request.
pub const SESSION_TOUCH_SECONDS: i64 = 60;
/// The prefix of personal access tokens.
pub const TOKEN_PREFIX: &str = "st_pat_";

/// A role in one partnership (issue 3). Stored as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the partnership: everything in it, including inviting people and choosing what is
    /// public.
    Convener,
    /// A business champion: edits the action plan, meetings, measures and wins.
    Champion,
    /// Leads an action team: edits the action plan, meetings, measures and wins.
    ActionTeamLead,
    /// A public partner supporting the partnership: reads everything in it, edits what they made.
    SupportPartner,
    /// A member: reads everything in the partnership, edits what they made.
    Member,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 5] = [Role::Convener, Role::Champion, Role::ActionTeamLead, Role::SupportPartner, Role::Member];

    /// The stored and URL name, e.g. `action_team_lead`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Convener => "convener",
            Role::Champion => "champion",
            Role::ActionTeamLead => "action_team_lead",
            Role::SupportPartner => "support_partner",
            Role::Member => "member",
        }
    }

    /// The role in words, e.g. "action team lead".
    pub fn label(self) -> &'static str {
        match self {
            Role::Convener => "convener",
            Role::Champion => "business champion",
            Role::ActionTeamLead => "action team lead",
            Role::SupportPartner => "support partner",
            Role::Member => "member",
        }
    }

    /// Parse a stored name; `None` for anything else.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Whether this role may edit the action plan, meetings, measures and wins of anyone.
    pub fn edits_plan(self) -> bool {
        matches!(self, Role::Convener | Role::Champion | Role::ActionTeamLead)
    }
}

/// What a personal access token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// `GET` and `HEAD` only.
    Read,
    /// Everything the token's user may do.
    Write,
}

impl Scope {
    /// `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
    /// Parse `read` or `write`.
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// How a signed-in viewer proved who they are.
#[derive(Debug, Clone, PartialEq)]
pub enum Via {
    /// A browser session; state-changing requests must carry this CSRF token.
    Session {
        /// The hash of the session token (its key in `sessions`).
        session: String,
        /// The session's CSRF token, put in every form.
        csrf_token: String,
    },
    /// A personal access token.
    Token {
        /// The token's id in `access_tokens`.
        id: Id,
        scope: Scope,
    },
}

/// A signed-in user, as a request sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub user_id: Id,
    /// The name shown on pages and in the audit log (never the email address).
    pub display_name: String,
    pub network_admin: bool,
    /// Partnership id -> the user's role there.
    pub roles: BTreeMap<Id, Role>,
    pub via: Via,
}

/// Who is asking: anonymous (`account: None`) or a signed-in user.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Viewer {
    pub account: Option<Account>,
}

impl Viewer {
    /// An anonymous visitor.
    pub fn anonymous() -> Viewer {
        Viewer { account: None }
    }
    /// Whether someone is signed in.
    pub fn signed_in(&self) -> bool {
        self.account.is_some()
    }
    /// Whether the viewer is a network admin.
    pub fn is_network_admin(&self) -> bool {
        self.account.as_ref().is_some_and(|a| a.network_admin)
    }
    /// The viewer's role in partnership `p`, if any.
    pub fn role_in(&self, p: Id) -> Option<Role> {
        self.account.as_ref().and_then(|a| a.roles.get(&p).copied())
    }
    /// Whether the viewer reads everything of partnership `p` (a role there, or network admin).
    pub fn reads_all_of(&self, p: Id) -> bool {
        self.is_network_admin() || self.role_in(p).is_some()
    }
    /// Whether the viewer runs partnership `p` (its convener, or a network admin).
    pub fn manages(&self, p: Id) -> bool {
        self.is_network_admin() || self.role_in(p) == Some(Role::Convener)
    }
    /// Whether the viewer edits anyone's action plan, meetings, measures and wins in `p`.
    pub fn edits_plan_of(&self, p: Id) -> bool {
        self.is_network_admin() || self.role_in(p).is_some_and(Role::edits_plan)
    }
    /// The signed-in user's id.
    pub fn user_id(&self) -> Option<Id> {
        self.account.as_ref().map(|a| a.user_id)
    }
    /// The CSRF token of the viewer's session; `None` for anonymous visitors and tokens.
    pub fn csrf_token(&self) -> Option<&str> {
        match &self.account.as_ref()?.via {
            Via::Session { csrf_token, .. } => Some(csrf_token),
            Via::Token { .. } => None,
        }
    }
    /// Whether a request by this viewer may change data at all: signed in, and not through a
    /// read-only token.
    pub fn may_write(&self) -> bool {
        match &self.account {
            None => false,
            Some(a) => !matches!(a.via, Via::Token { scope: Scope::Read, .. }),
        }
    }
}

tokio::task_local! {
    /// The viewer of the request being handled (set by [`authenticate`]).
    static VIEWER: Arc<Viewer>;
}

/// The viewer of the current request; anonymous outside a request (CLI, background jobs).
pub fn viewer() -> Arc<Viewer> {
    VIEWER.try_with(Arc::clone).unwrap_or_else(|_| Arc::new(Viewer::anonymous()))
}

/// Run `f` as `viewer` (for tests and for code that acts on behalf of a user outside a request).
pub async fn as_viewer<F: std::future::Future>(viewer: Viewer, f: F) -> F::Output {
    VIEWER.scope(Arc::new(viewer), f).await
}

/// The hidden form field carrying the CSRF token of the current session, for templates:
/// `{{ crate::auth::csrf_field()|safe }}`. Empty for anonymous visitors.
pub fn csrf_field() -> String {
    match viewer().csrf_token() {
        Some(t) => format!(r#"<input type="hidden" name="{}" value="{}">"#, csrf::FIELD, crate::web::escape_xml(t)),
        None => String::new(),
    }
}

/// The signed-in part of the navigation bar for templates: the user's name, a link to their
/// account and a sign-out button; or a sign-in link.
pub fn nav_html() -> String {
    let v = viewer();
    match &v.account {
        None => r#"<a href="/sign-in">Sign in</a>"#.to_string(),
        Some(a) => format!(
            r#"<a href="/account">{}</a>{}<form class="inline-form nav-form" method="post" action="/sign-out">{}<button type="submit" class="link">Sign out</button></form>"#,
            crate::web::escape_xml(&a.display_name),
            if a.network_admin { r#"<a href="/admin">Admin</a>"# } else { "" },
            csrf_field()
        ),
    }
}

/// Whether responses to this request should set `Secure` cookies: the site's public address is
/// https, or a reverse proxy says the request came over https (`X-Forwarded-Proto: https`).
pub fn is_https(state: &AppState, headers: &HeaderMap) -> bool {
    state.settings.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
        || headers.get("x-forwarded-proto").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// The `Set-Cookie` value that holds a session token.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let s = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" });
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("st_session=; Path=/; Max-Age=0"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("st_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("st_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// The session token in a `Cookie` header, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then(|| v.to_string())
    })
}

/// The bearer token of an `Authorization` header: `Ok(None)` when there is none, an error when
/// the header is there but is not `Bearer TOKEN`.
fn bearer_token(headers: &HeaderMap) -> Result<Option<String>, Error> {
    let Some(v) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let s = v.to_str().map_err(|_| Error::Unauthorized("the Authorization header is not readable text".into()))?;
    match s.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(Some(token.trim().to_string())),
        _ => Err(Error::Unauthorized("the Authorization header must be `Bearer <personal access token>`".into())),
    }
}

/// Middleware: find the viewer of every request (see the module doc), refuse a state-changing
/// browser request without its session's CSRF token ([`csrf`]), and run the rest of the request
/// with the viewer in the task-local and as the audit log's actor.
///
/// Errors: 401 for a bearer token that is unknown, revoked or whose user is disabled (never a
/// silent fall back to anonymous); 403 for a missing or wrong CSRF token. An expired or unknown
/// session cookie makes the request anonymous and removes the cookie.
pub async fn authenticate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut clear_cookie = false;
    let viewer = match bearer_token(req.headers()) {
        Err(e) => return e.into_response(),
        Ok(Some(token)) => match store::token_account(&state.db, &token).await {
            Ok(Some(account)) => Viewer { account: Some(account) },
            Ok(None) => {
                return Error::Unauthorized("the access token is not valid: it is unknown, revoked, or its user is disabled".into()).into_response()
            }
            Err(e) => return e.into_response(),
        },
        Ok(None) => match session_token(req.headers()) {
            None => Viewer::anonymous(),
            Some(token) => match store::session_account(&state.db, &token).await {
                Ok(Some(account)) => Viewer { account: Some(account) },
                Ok(None) => {
                    clear_cookie = true;
                    Viewer::anonymous()
                }
                Err(e) => return e.into_response(),
            },
        },
    };
    let secure = is_https(&state, req.headers());
    let req = match csrf::check(&viewer, req).await {
        Ok(req) => req,
        Err(e) => return e.into_response(),
    };
    let actor = match &viewer.account {
        Some(a) => crate::audit::AuditActor::user(a.user_id, &a.display_name),
        None => crate::audit::AuditActor::anonymous(),
    };
    let viewer = Arc::new(viewer);
    let mut req = req;
    req.extensions_mut().insert(Arc::clone(&viewer));
    let mut resp = VIEWER.scope(viewer, crate::audit::with_actor(actor, next.run(req))).await;
    if clear_cookie && !resp.headers().contains_key(header::SET_COOKIE) {
        resp.headers_mut().append(header::SET_COOKIE, clear_session_cookie(secure));
    }
    resp
}

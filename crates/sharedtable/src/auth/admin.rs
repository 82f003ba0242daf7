//! The network admin's page, `/admin`: every account (name, email address, admin, disabled,
//! roles), inviting a network admin or anyone to any partnership with a role, making and
//! unmaking admins, disabling and enabling accounts (never one's own: an admin cannot lock
//! themselves out), and whether invitation and reset links are emailed or written to the log.
//! Partnerships are added on the `/partnerships/new` form.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::invitations::{send_invitation, Grant};
use super::pages::{no_store, read_form, rename_fields, see_other, when};
use super::{store, viewer, Role};
use crate::db::Id;
use crate::network::model::PartnershipFields;
use crate::network::store::views::partnership_by_slug;
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error, FieldErrors};

/// The admin routes (network admins only).
pub fn routes() -> Routes {
    let admin_post = [(Method::POST, Rule::NetworkAdmin)];
    Routes::new()
        .get("/admin", Rule::NetworkAdmin, get(admin_page))
        .add("/admin/invite-admin", &admin_post, post(invite_admin))
        .add("/admin/invite", &admin_post, post(invite_to_partnership))
        .add("/admin/users/{id}", &admin_post, post(change_user))
        .add("/admin/invitations/{id}/withdraw", &admin_post, post(withdraw))
}

/// A role of a user, linked to its partnership.
pub struct RoleCell {
    pub href: String,
    pub partnership: String,
    pub role: &'static str,
}

/// A user as the admin page lists them.
pub struct UserRow {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub admin: bool,
    pub disabled: bool,
    pub has_password: bool,
    pub since: String,
    pub roles: Vec<RoleCell>,
    pub is_me: bool,
}

/// A partnership offered by the invitation form: (slug, name).
pub struct Choice {
    pub slug: String,
    pub name: String,
}

/// An open network-admin invitation.
pub struct AdminInvitation {
    pub id: Id,
    pub email: String,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "auth/admin.html")]
struct AdminPage {
    smtp_set: bool,
    public_url: Option<String>,
    users: Vec<UserRow>,
    partnerships: Vec<Choice>,
    invitations: Vec<AdminInvitation>,
    errors: FieldErrors,
    notice: Option<String>,
    problem: Option<String>,
    admin_email: String,
    email: String,
    partnership: String,
    role: String,
}

#[derive(Default)]
struct Shown {
    errors: FieldErrors,
    notice: Option<String>,
    problem: Option<String>,
    admin_email: String,
    email: String,
    partnership: String,
    role: String,
}

async fn render_admin(state: &AppState, status: StatusCode, shown: Shown) -> Result<Response, Error> {
    let me = viewer().user_id();
    let slugs: HashMap<Id, (String, String)> =
        crate::network::store::all::<PartnershipFields>(&state.db).await?.into_iter().map(|p| (p.id(), (p.fields.slug, p.fields.name))).collect();
    let mut roles: HashMap<Id, Vec<RoleCell>> = HashMap::new();
    for (user, p, role) in store::all_roles(&state.db).await? {
        if let Some((slug, name)) = slugs.get(&p) {
            roles.entry(user).or_default().push(RoleCell { href: format!("/partnerships/{slug}"), partnership: name.clone(), role: role.label() });
        }
    }
    let users = store::users(&state.db)
        .await?
        .into_iter()
        .map(|u| {
            let mut r = roles.remove(&u.id).unwrap_or_default();
            r.sort_by_key(|c| c.partnership.to_lowercase());
            UserRow { is_me: Some(u.id) == me, id: u.id, name: u.display_name, email: u.email, admin: u.network_admin, disabled: u.disabled, has_password: u.has_password, since: when(&u.created_at), roles: r }
        })
        .collect();
    let mut partnerships: Vec<Choice> = slugs.into_values().map(|(slug, name)| Choice { slug, name }).collect();
    partnerships.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then_with(|| a.slug.cmp(&b.slug)));
    let invitations = store::open_invitations(&state.db, None).await?.into_iter().map(|(id, email, _, expires)| AdminInvitation { id, email, expires: when(&expires) }).collect();
    let page = AdminPage {
        smtp_set: state.settings.smtp.is_some(),
        public_url: state.settings.public_url.clone(),
        users,
        partnerships,
        invitations,
        errors: shown.errors,
        notice: shown.notice,
        problem: shown.problem,
        admin_email: shown.admin_email,
        email: shown.email,
        partnership: shown.partnership,
        role: if shown.role.is_empty() { Role::Convener.as_str().into() } else { shown.role },
    };
    // The page lists email addresses: never keep it in a shared cache.
    Ok(no_store(render_with_status(status, &page)))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn admin_page(State(state): State<AppState>, Query(q): Query<DoneQuery>) -> Result<Response, Error> {
    let notice = match q.done.as_deref() {
        Some("admin") => Some("The account is now a network admin.".to_string()),
        Some("unadmin") => Some("The account is no longer a network admin.".to_string()),
        Some("disabled") => Some("The account is disabled: its sessions ended and its tokens no longer work.".to_string()),
        Some("enabled") => Some("The account is enabled again.".to_string()),
        Some("withdrawn") => Some("The invitation is withdrawn: its link no longer works.".to_string()),
        _ => None,
    };
    render_admin(&state, StatusCode::OK, Shown { notice, ..Default::default() }).await
}

#[derive(Deserialize)]
struct AdminInviteForm {
    #[serde(default)]
    admin_email: String,
}

async fn invite_admin(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, Error> {
    let form: AdminInviteForm = read_form("the admin invitation form", &body)?;
    match send_invitation(&state, &headers, &form.admin_email, Grant::NetworkAdmin, "/admin").await {
        Err(Error::Validation(fe)) => {
            let errors = rename_fields(fe, &[("email", "admin_email")]);
            render_admin(&state, StatusCode::UNPROCESSABLE_ENTITY, Shown { errors, admin_email: form.admin_email, ..Default::default() }).await
        }
        other => other,
    }
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    partnership: String,
    #[serde(default)]
    role: String,
}

async fn invite_to_partnership(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, Error> {
    let form: InviteForm = read_form("the invitation form", &body)?;
    let mut errors = FieldErrors::default();
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "choose one of the roles offered");
    }
    let p = if form.partnership.trim().is_empty() {
        errors.add("partnership", "choose the partnership to invite to");
        None
    } else {
        match partnership_by_slug(&state.db, form.partnership.trim()).await {
            Ok(p) => Some(p),
            Err(Error::NotFound(_)) => {
                errors.add("partnership", "is not a partnership of this network");
                None
            }
            Err(e) => return Err(e),
        }
    };
    let again = |errors: FieldErrors| Shown { errors, email: form.email.clone(), partnership: form.partnership.clone(), role: form.role.clone(), ..Default::default() };
    let (Some(p), Some(role), true) = (p, role, errors.is_empty()) else {
        return render_admin(&state, StatusCode::UNPROCESSABLE_ENTITY, again(errors)).await;
    };
    let grant = Grant::Partnership { id: p.id(), name: p.fields.name.clone(), role };
    match send_invitation(&state, &headers, &form.email, grant, "/admin").await {
        Err(Error::Validation(fe)) => render_admin(&state, StatusCode::UNPROCESSABLE_ENTITY, again(fe)).await,
        other => other,
    }
}

#[derive(Deserialize)]
struct UserAction {
    #[serde(default)]
    action: String,
}

/// Make or unmake an admin, disable or enable an account. An admin may not unmake or disable
/// themselves (409), so the network always keeps the admin who is acting.
async fn change_user(State(state): State<AppState>, Path(id): Path<String>, body: Bytes) -> Result<Response, Error> {
    let form: UserAction = read_form("the account form", &body)?;
    let id: Id = id.parse().map_err(|e| Error::invalid_parameter("id", e))?;
    let user = store::user_by_id(&state.db, id).await?.ok_or_else(|| Error::NotFound(format!("account {id}")))?;
    let (admin, disabled, done) = match form.action.as_str() {
        "make_admin" => (true, user.disabled, "admin"),
        "unmake_admin" => (false, user.disabled, "unadmin"),
        "disable" => (user.network_admin, true, "disabled"),
        "enable" => (user.network_admin, false, "enabled"),
        other => return Err(Error::BadRequest(format!("action '{other}' is not one of make_admin, unmake_admin, disable, enable"))),
    };
    if Some(id) == viewer().user_id() && (!admin || disabled) {
        let problem = "You cannot take away your own admin rights or disable your own account: ask another network admin.".to_string();
        return render_admin(&state, StatusCode::CONFLICT, Shown { problem: Some(problem), ..Default::default() }).await;
    }
    store::set_user_flags(&state.db, id, admin, disabled).await?;
    Ok(see_other(&format!("/admin?done={done}")))
}

async fn withdraw(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let id: Id = id.parse().map_err(|e| Error::invalid_parameter("id", e))?;
    store::withdraw_invitation(&state.db, id, None).await?;
    Ok(see_other("/admin?done=withdrawn"))
}

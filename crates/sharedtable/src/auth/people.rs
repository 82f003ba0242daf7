//! A partnership's people and what it publishes:
//!
//! - `/partnerships/{slug}/people`: everyone with a role there and their role, for anyone with a
//!   role there (and network admins); its conveners also see the invitation form and the open
//!   invitations, and change or take away roles (the store refuses to leave the partnership
//!   without a convener);
//! - `/partnerships/{slug}/publication`: its conveners choose what visitors without a role see
//!   (the page, the impact figures, the wins). Contact details are never public.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::access::{Routes, Rule};
use super::invitations::{send_invitation, Grant};
use super::pages::{read_form, see_other, when};
use super::store::{self, Publication};
use super::{viewer, Role};
use crate::db::Id;
use crate::network::store::views::partnership_by_slug;
use crate::web::layout::render_with_status;
use crate::web::{AppState, Error, FieldErrors};

/// The routes of the people and publication pages.
pub fn routes() -> Routes {
    let convener_post = [(Method::POST, Rule::PartnershipConvener)];
    Routes::new()
        .get("/partnerships/{slug}/people", Rule::PartnershipMember, get(people_page))
        .add("/partnerships/{slug}/people/invite", &convener_post, post(invite))
        .add("/partnerships/{slug}/people/{user}/role", &convener_post, post(change_role))
        .add("/partnerships/{slug}/people/{user}/remove", &convener_post, post(remove))
        .add("/partnerships/{slug}/invitations/{id}/withdraw", &convener_post, post(withdraw))
        .add(
            "/partnerships/{slug}/publication",
            &[(Method::GET, Rule::PartnershipConvener), (Method::POST, Rule::PartnershipConvener)],
            get(publication_form).post(save_publication),
        )
}

/// The links to a partnership's people and publication pages that the current viewer may use,
/// as (href, label), for the partnership page: the people page for anyone with a role there,
/// the publication page for its conveners (network admins see both).
pub fn manage_links(partnership: &Id, slug: &str) -> Vec<(String, &'static str)> {
    let v = viewer();
    let mut links = Vec::new();
    let partnership = *partnership;
    if v.reads_all_of(partnership) {
        links.push((format!("/partnerships/{slug}/people"), "People and roles"));
    }
    if v.manages(partnership) {
        links.push((format!("/partnerships/{slug}/publication"), "What is public"));
    }
    links
}

/// The partnership a page is about.
pub struct PartnershipRef {
    pub id: Id,
    pub slug: String,
    pub name: String,
}

async fn partnership(state: &AppState, slug: &str) -> Result<PartnershipRef, Error> {
    let p = partnership_by_slug(&state.db, slug).await?;
    Ok(PartnershipRef { id: p.id(), slug: p.fields.slug.clone(), name: p.fields.name.clone() })
}

/// A role holder as the people page lists them.
pub struct HolderRow {
    pub user_id: Id,
    pub name: String,
    pub role: Role,
    pub since: String,
    pub is_me: bool,
}

/// An open invitation as the people page lists it (for conveners).
pub struct InvitationRow {
    pub id: Id,
    /// The address the invitation was made for (the convener typed it).
    pub email: String,
    pub role: &'static str,
    pub expires: String,
}

#[derive(Template)]
#[template(path = "auth/people.html")]
struct PeoplePage {
    p: PartnershipRef,
    holders: Vec<HolderRow>,
    manages: bool,
    invitations: Vec<InvitationRow>,
    publication: Publication,
    errors: FieldErrors,
    notice: Option<String>,
    problem: Option<String>,
    invite_email: String,
    invite_role: String,
}

/// What the people page shows besides the lists.
#[derive(Default)]
struct Shown {
    errors: FieldErrors,
    notice: Option<String>,
    problem: Option<String>,
    invite_email: String,
    invite_role: String,
}

async fn render_people(state: &AppState, p: PartnershipRef, status: StatusCode, shown: Shown) -> Result<Response, Error> {
    let v = viewer();
    let me = v.user_id();
    let manages = v.manages(p.id);
    let holders = store::role_holders(&state.db, p.id)
        .await?
        .into_iter()
        .map(|h| HolderRow { is_me: Some(h.user_id) == me, user_id: h.user_id, name: h.display_name, role: h.role, since: when(&h.granted_at) })
        .collect();
    let invitations = if manages {
        store::open_invitations(&state.db, Some(p.id))
            .await?
            .into_iter()
            .map(|(id, email, role, expires)| InvitationRow { id, email, role: role.map(Role::label).unwrap_or("network admin"), expires: when(&expires) })
            .collect()
    } else {
        vec![]
    };
    let publication = store::publication(&state.db, p.id).await?;
    let page = PeoplePage {
        p,
        holders,
        manages,
        invitations,
        publication,
        errors: shown.errors,
        notice: shown.notice,
        problem: shown.problem,
        invite_email: shown.invite_email,
        invite_role: if shown.invite_role.is_empty() { Role::Member.as_str().into() } else { shown.invite_role },
    };
    Ok(render_with_status(status, &page))
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

async fn people_page(State(state): State<AppState>, Path(slug): Path<String>, Query(q): Query<DoneQuery>) -> Result<Response, Error> {
    let p = partnership(&state, &slug).await?;
    let notice = match q.done.as_deref() {
        Some("role") => Some("The role is changed.".to_string()),
        Some("removed") => Some("The role is taken away: that person no longer sees what this partnership has not made public.".to_string()),
        Some("withdrawn") => Some("The invitation is withdrawn: its link no longer works.".to_string()),
        _ => None,
    };
    render_people(&state, p, StatusCode::OK, Shown { notice, ..Default::default() }).await
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// Invite someone to a role here: the link is emailed, or (without SMTP) logged and shown.
async fn invite(State(state): State<AppState>, Path(slug): Path<String>, headers: HeaderMap, body: Bytes) -> Result<Response, Error> {
    let form: InviteForm = read_form("the invitation form", &body)?;
    let p = partnership(&state, &slug).await?;
    let again = |errors: FieldErrors| Shown { errors, invite_email: form.email.clone(), invite_role: form.role.clone(), ..Default::default() };
    let Some(role) = Role::parse(&form.role) else {
        let errors = FieldErrors::one("role", "choose one of the roles offered");
        return render_people(&state, p, StatusCode::UNPROCESSABLE_ENTITY, again(errors)).await;
    };
    let back = format!("/partnerships/{}/people", p.slug);
    let grant = Grant::Partnership { id: p.id, name: p.name.clone(), role };
    match send_invitation(&state, &headers, &form.email, grant, &back).await {
        Err(Error::Validation(fe)) => render_people(&state, p, StatusCode::UNPROCESSABLE_ENTITY, again(fe)).await,
        other => other,
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

fn parse_user(raw: &str) -> Result<Id, Error> {
    raw.parse().map_err(|e| Error::invalid_parameter("user", e))
}

async fn change_role(State(state): State<AppState>, Path((slug, user)): Path<(String, String)>, body: Bytes) -> Result<Response, Error> {
    let form: RoleForm = read_form("the role form", &body)?;
    let user = parse_user(&user)?;
    let p = partnership(&state, &slug).await?;
    let Some(role) = Role::parse(&form.role) else {
        let errors = FieldErrors::one("role", "choose one of the roles offered");
        return render_people(&state, p, StatusCode::UNPROCESSABLE_ENTITY, Shown { errors, ..Default::default() }).await;
    };
    match store::change_role(&state.db, user, p.id, role).await {
        Ok(()) => {}
        Err(Error::Conflict(why)) => return render_people(&state, p, StatusCode::CONFLICT, Shown { problem: Some(why), ..Default::default() }).await,
        Err(e) => return Err(e),
    }
    // A convener who made themselves something else may no longer manage this page.
    let still_manages = viewer().is_network_admin() || Some(user) != viewer().user_id() || role == Role::Convener;
    Ok(see_other(&if still_manages { format!("/partnerships/{}/people?done=role", p.slug) } else { format!("/partnerships/{}/people", p.slug) }))
}

async fn remove(State(state): State<AppState>, Path((slug, user)): Path<(String, String)>) -> Result<Response, Error> {
    let user = parse_user(&user)?;
    let p = partnership(&state, &slug).await?;
    match store::remove_role(&state.db, user, p.id).await {
        Ok(()) => {}
        Err(Error::Conflict(why)) => return render_people(&state, p, StatusCode::CONFLICT, Shown { problem: Some(why), ..Default::default() }).await,
        Err(e) => return Err(e),
    }
    if Some(user) == viewer().user_id() && !viewer().is_network_admin() {
        // They took their own role away: the people page is no longer theirs to see.
        return Ok(see_other(&format!("/partnerships/{}", p.slug)));
    }
    Ok(see_other(&format!("/partnerships/{}/people?done=removed", p.slug)))
}

async fn withdraw(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>) -> Result<Response, Error> {
    let id: Id = id.parse().map_err(|e| Error::invalid_parameter("id", e))?;
    let p = partnership(&state, &slug).await?;
    store::withdraw_invitation(&state.db, id, Some(p.id)).await?;
    Ok(see_other(&format!("/partnerships/{}/people?done=withdrawn", p.slug)))
}

// ---------------------------------------------------------------------------------------------
// Publication

#[derive(Template)]
#[template(path = "auth/publication.html")]
struct PublicationPage {
    p: PartnershipRef,
    publication: Publication,
    notice: Option<String>,
}

async fn publication_form(State(state): State<AppState>, Path(slug): Path<String>, Query(q): Query<DoneQuery>) -> Result<Response, Error> {
    let p = partnership(&state, &slug).await?;
    let publication = store::publication(&state.db, p.id).await?;
    let notice = (q.done.as_deref() == Some("saved")).then(|| "Saved. Visitors without a role here now see what is ticked below.".to_string());
    Ok(render_with_status(StatusCode::OK, &PublicationPage { p, publication, notice }))
}

/// The publication form as sent: an unticked box sends nothing, so the form also carries a
/// hidden `submitted`; a body without it is not this form (nothing is saved).
#[derive(Deserialize)]
struct PublicationForm {
    submitted: Option<String>,
    page: Option<String>,
    impact: Option<String>,
    wins: Option<String>,
}

fn ticked(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|s| !s.is_empty() && s != "0")
}

async fn save_publication(State(state): State<AppState>, Path(slug): Path<String>, body: Bytes) -> Result<Response, Error> {
    let form: PublicationForm = read_form("the publication form", &body)?;
    if form.submitted.is_none() {
        return Err(Error::BadRequest("the publication form was not sent whole (its field `submitted` is missing): nothing was saved; reload the page and save again".into()));
    }
    let p = partnership(&state, &slug).await?;
    let choice = Publication { page: ticked(&form.page), impact: ticked(&form.impact), wins: ticked(&form.wins) };
    store::set_publication(&state.db, p.id, choice).await?;
    Ok(see_other(&format!("/partnerships/{}/publication?done=saved", p.slug)))
}

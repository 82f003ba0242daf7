//! The `/security` page: the threat model in words a convener or state staff member can check —
//! roles, what is public, what is personal data, what is never stored — and the access rule of
//! every route, read from the same table the server enforces (so the page cannot drift from it).

use askama::Template;
use axum::response::Response;
use axum::routing::get;

use super::access::{Part, Routes, Rule};
use super::Role;
use crate::web::layout::render;

/// The page's route.
pub fn routes() -> Routes {
    Routes::new().get("/security", Rule::Public, get(page))
}

impl Rule {
    /// Who may use a route with this rule, in words.
    pub fn describe(&self) -> String {
        let part = |p: &Part| match p {
            Part::Page => "page",
            Part::Impact => "impact figures",
            Part::Wins => "wins",
            Part::Contacts => "contacts",
        };
        match self {
            Rule::Public => "anyone (each viewer sees only what they may)".into(),
            Rule::SignedIn => "anyone signed in".into(),
            Rule::NetworkAdmin => "network admins".into(),
            Rule::Published(p) => format!("anyone when the partnership publishes its {}; else its members and network admins", part(p)),
            Rule::PartnershipMember => "anyone with a role in the partnership; network admins".into(),
            Rule::PartnershipPlanEditor => "the partnership's conveners, champions and action team leads; network admins".into(),
            Rule::PartnershipConvener => "the partnership's conveners; network admins".into(),
            Rule::RecordRead(t) if *t == "people" => "members of the contact's partnership; network admins (contact details never)".into(),
            Rule::RecordRead(t) if *t == "organizations" => "anyone".into(),
            Rule::RecordRead(_) => "anyone when the record's partnership publishes it; else its members and network admins".into(),
            Rule::RecordWrite(t) => match *t {
                "partnerships" => "its conveners (delete: network admins)".into(),
                "organizations" => "whoever created it; network admins".into(),
                "memberships" | "people" => "the partnership's conveners, and whoever created it; network admins".into(),
                _ => "the partnership's conveners, champions and action team leads, and whoever created it; network admins".into(),
            },
            Rule::RecordCreate(t) if *t == "partnerships" => "network admins".into(),
            Rule::RecordCreate(_) => "anyone with a role in the partnership the record belongs to (memberships and contacts: its conveners); network admins".into(),
        }
    }
}

/// One row of the route table.
struct RouteRow {
    method: String,
    path: String,
    who: String,
}

#[derive(Template)]
#[template(path = "about/security.html")]
struct SecurityPage {
    roles: Vec<(&'static str, &'static str, &'static str)>,
    routes: Vec<RouteRow>,
}

async fn page() -> Response {
    let mut routes: Vec<RouteRow> =
        crate::route_rules().into_iter().map(|r| RouteRow { method: r.method.to_string(), who: r.rule.describe(), path: r.path }).collect();
    routes.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    let roles = Role::ALL
        .iter()
        .map(|r| {
            let (reads, changes) = match r {
                Role::Convener => ("everything of the partnership", "everything of the partnership: records, members' roles, invitations, what is public, freight settings and plan approval"),
                Role::Champion | Role::ActionTeamLead => ("everything of the partnership", "the action plan, meetings, measures, wins, freight shipments and plans"),
                Role::SupportPartner | Role::Member => ("everything of the partnership", "what they created"),
            };
            (r.label(), reads, changes)
        })
        .collect();
    render(&SecurityPage { roles, routes })
}

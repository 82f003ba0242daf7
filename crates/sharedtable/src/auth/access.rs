//! Who may use which route, and what lists show to whom.
//!
//! Every route is registered through [`Routes`] with one [`Rule`] per method; [`enforce`] looks
//! the rule up by the matched path and method before the handler runs, and refuses a route that
//! has none (fail closed). Anonymous visitors who are refused get 401 (problem+json) or, on a page,
//! a redirect to the sign-in page; signed-in users without the right get 403. The same holds for
//! a partnership that has not published its page: lists leave it out as if it did not exist,
//! but its own address asks a visitor to sign in (its members follow links to it) and tells a
//! signed-in outsider 403, so its address, not its content, shows that it exists.
//!
//! What lists show is decided by [`Visibility`]: network admins see everything; a user with a
//! role in a partnership sees everything of that partnership; everyone else sees what each
//! partnership published ([`super::store::Publication`]). Contact details are never public.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{MatchedPath, RawPathParams, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;

use super::store::{self, Publication};
use super::{Role, Viewer};
use crate::db::{self, Backend, Db, Id};
use crate::network::store::forms::parent_of;
use crate::web::{AppState, Error};

/// A part of a partnership that it may publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// Profile, members, action plan, meetings, health check.
    Page,
    /// Measures and observations.
    Impact,
    /// Wins.
    Wins,
    /// Contact people: never public.
    Contacts,
}

impl Part {
    /// Whether `p` publishes this part.
    pub fn published_in(self, p: &Publication) -> bool {
        match self {
            Part::Page => p.page,
            Part::Impact => p.page && p.impact,
            Part::Wins => p.page && p.wins,
            Part::Contacts => false,
        }
    }
}

/// What a kind of record belongs to, for access: the part it is published with, and the SQL
/// expression (over the table aliased `t`) giving its partnership id (its own column, or its
/// parent's, see [`parent_of`]). `None` for organizations, which belong to the network.
pub fn record_scope(table: &str) -> Option<(Part, String)> {
    let part = match table {
        "partnerships" | "memberships" | "meetings" | "meeting_attendance" | "priorities" | "action_teams" | "action_team_members" | "initiatives" | "milestones" => Part::Page,
        "measures" | "observations" => Part::Impact,
        "wins" | "win_observations" => Part::Wins,
        "people" => Part::Contacts,
        _ => return None,
    };
    let expr = match (table, parent_of(table)) {
        ("partnerships", _) => "t.id".to_string(),
        (_, Some((column, parent))) => format!("(SELECT x.partnership_id FROM {parent} x WHERE x.id = t.{column})"),
        (_, None) => "t.partnership_id".to_string(),
    };
    Some((part, expr))
}

/// The partnership a new record of kind `F` would belong to: its own `partnership_id`, or its
/// parent's. `None` for network-level records (organizations, people without a partnership) and
/// for a parent that does not exist (the store then refuses the record, naming the field).
pub async fn new_record_partnership<F: crate::network::entity::Entity>(db: &Db, fields: &F) -> Result<Option<Id>, Error> {
    if let Some(p) = fields.partnership_id() {
        return Ok(Some(p));
    }
    let Some((column, parent)) = parent_of(F::TABLE) else { return Ok(None) };
    let json = serde_json::to_value(fields).map_err(|e| Error::Internal(e.into()))?;
    let Some(parent_id) = json[column].as_str().and_then(|s| s.parse::<Id>().ok()) else { return Ok(None) };
    let p: Option<Id> = db::query_scalar(db, &format!("SELECT partnership_id FROM {parent} WHERE id = ?")).bind(parent_id).fetch_optional(db).await?;
    Ok(p)
}

/// Refuse (403) a new record of kind `F` that the current viewer may not create (see
/// [`may_create`]); the route's rule has already made sure someone is signed in.
pub async fn authorize_new<F: crate::network::entity::Entity>(db: &Db, fields: &F) -> Result<(), Error> {
    let p = new_record_partnership(db, fields).await?;
    let viewer = super::viewer();
    if may_create(&viewer, F::TABLE, p) {
        return Ok(());
    }
    Err(Error::Forbidden(match (F::TABLE, p) {
        ("partnerships", _) => "only network admins may add partnerships".to_string(),
        ("memberships" | "people", Some(_)) => format!("only the partnership's conveners may add a {}", F::SINGULAR),
        (_, Some(_)) => format!("you have no role in the partnership this {} would belong to", F::SINGULAR),
        (_, None) => format!("only people with a role in a partnership may add a {}", F::SINGULAR),
    }))
}

/// Which partnerships' parts a viewer sees.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// Sees everything (network admin).
    pub everything: bool,
    /// Partnerships the viewer has a role in: everything of them is seen.
    pub member_of: BTreeSet<Id>,
    /// Publication choices that differ from "everything published".
    pub choices: HashMap<Id, Publication>,
}

impl Visibility {
    /// The visibility of `viewer`, reading the publication choices.
    pub async fn of(db: &Db, viewer: &Viewer) -> Result<Visibility, Error> {
        if viewer.is_network_admin() {
            return Ok(Visibility { everything: true, ..Default::default() });
        }
        let member_of = viewer.account.as_ref().map(|a| a.roles.keys().copied().collect()).unwrap_or_default();
        Ok(Visibility { everything: false, member_of, choices: store::publications(db).await? })
    }

    /// The visibility of the current request's viewer.
    pub async fn current(db: &Db) -> Result<Visibility, Error> {
        Visibility::of(db, &super::viewer()).await
    }

    /// Whether the viewer sees `part` of partnership `p`.
    pub fn sees(&self, p: Id, part: Part) -> bool {
        self.everything || self.member_of.contains(&p) || part.published_in(&self.choices.get(&p).copied().unwrap_or_default())
    }

    /// Partnerships whose `part` the viewer does not see, among those with a choice on file
    /// (every other partnership publishes everything but contacts). Not meaningful for
    /// [`Part::Contacts`]; use [`Visibility::contacts_of`].
    pub fn hidden(&self, part: Part) -> Vec<Id> {
        if self.everything {
            return vec![];
        }
        let mut v: Vec<Id> = self.choices.iter().filter(|(p, c)| !self.member_of.contains(p) && !part.published_in(c)).map(|(p, _)| *p).collect();
        v.sort();
        v
    }

    /// `None` when every contact is seen (network admin), else the partnerships whose contacts are.
    pub fn contacts_of(&self) -> Option<Vec<Id>> {
        (!self.everything).then(|| self.member_of.iter().copied().collect())
    }

    /// An SQL condition (over the table aliased `t` of kind `table`) keeping only the rows the
    /// viewer sees, in dialect `d`, and the one value it binds (a JSON array of ids, see
    /// [`db::Dialect::json_values`]). `None` when nothing needs to be left out.
    pub fn sql_condition(&self, d: db::Dialect, table: &str) -> Option<(String, String)> {
        let (part, expr) = record_scope(table)?;
        if self.everything {
            return None;
        }
        let json = |ids: Vec<Id>| serde_json::to_string(&ids.iter().map(|i| i.to_string()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into());
        if part == Part::Contacts {
            let ids = self.contacts_of().unwrap_or_default();
            return Some((format!("{expr} IN ({})", d.json_values("?")), json(ids)));
        }
        let hidden = self.hidden(part);
        if hidden.is_empty() {
            return None;
        }
        Some((format!("({expr} IS NULL OR {expr} NOT IN ({}))", d.json_values("?")), json(hidden)))
    }
}

/// The slugs of partnerships whose `part` `vis` does not see.
pub async fn hidden_slugs(db: &Db, vis: &Visibility, part: Part) -> Result<std::collections::HashSet<String>, Error> {
    let hidden = vis.hidden(part);
    if hidden.is_empty() {
        return Ok(Default::default());
    }
    let json = serde_json::to_string(&hidden.iter().map(|i| i.to_string()).collect::<Vec<_>>()).map_err(|e| Error::Internal(e.into()))?;
    let sql = format!("SELECT slug FROM partnerships WHERE id IN ({})", db.dialect().json_values("?"));
    let slugs: Vec<String> = db::query_scalar(db, &sql).bind(json).fetch_all(db).await?;
    Ok(slugs.into_iter().collect())
}

/// Who may use a route with a given method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone; the handler shows each viewer only what they may see.
    Public,
    /// Anyone signed in (their own account pages).
    SignedIn,
    /// Network admins only.
    NetworkAdmin,
    /// The `part` of the partnership named in the path (`{slug}`, or `{id}` under
    /// `/api/v1/partnerships/`): anyone when it is published, else its role holders and admins.
    Published(Part),
    /// Anyone with a role in the partnership named in the path, and network admins.
    PartnershipMember,
    /// Its conveners, champions and action team leads, and network admins.
    PartnershipPlanEditor,
    /// Its conveners and network admins.
    PartnershipConvener,
    /// Read the record `{id}` of `table` (the rule of its partnership's part).
    RecordRead(&'static str),
    /// Change or delete the record `{id}` of `table` (see [`may_change_record`]).
    RecordWrite(&'static str),
    /// Create a record of `table`: signed in with a role somewhere, or a network admin (for
    /// partnerships: network admins only). The handler checks the new record's own partnership
    /// with [`may_create`].
    RecordCreate(&'static str),
}

/// One route's rule, as registered.
#[derive(Debug, Clone)]
pub struct RouteRule {
    pub method: Method,
    /// The path as registered, e.g. `/partnerships/{slug}/freight`.
    pub path: String,
    pub rule: Rule,
}

/// A router under construction with the access rule of every route it holds.
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    /// No routes.
    pub fn new() -> Routes {
        Routes { router: Router::new(), rules: Vec::new() }
    }
    /// Add `path` served by `handler`, with the rule of each method it answers. Every method
    /// `handler` answers must be in `rules`, or [`enforce`] refuses it.
    pub fn add(mut self, path: &str, rules: &[(Method, Rule)], handler: MethodRouter<AppState>) -> Routes {
        self.router = self.router.route(path, handler);
        self.rules.extend(rules.iter().map(|(m, r)| RouteRule { method: m.clone(), path: path.to_string(), rule: *r }));
        self
    }
    /// `add` for a route that answers `GET` only.
    pub fn get(self, path: &str, rule: Rule, handler: MethodRouter<AppState>) -> Routes {
        self.add(path, &[(Method::GET, rule)], handler)
    }
    /// Both sets of routes.
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.rules.extend(other.rules);
        self
    }
    /// The router and the rules.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}

/// The rules of a router, by (method, registered path). `HEAD` follows `GET`.
#[derive(Debug, Default)]
pub struct RuleTable(HashMap<(Method, String), Rule>);

impl RuleTable {
    /// Index `rules`.
    pub fn new(rules: &[RouteRule]) -> RuleTable {
        RuleTable(rules.iter().map(|r| ((r.method.clone(), r.path.clone()), r.rule)).collect())
    }
    fn get(&self, method: &Method, path: &str) -> Option<Rule> {
        let m = if method == Method::HEAD { Method::GET } else { method.clone() };
        self.0.get(&(m, path.to_string())).copied()
    }
}

/// Middleware (added with `route_layer`, so it sees the matched path): apply the route's rule.
pub async fn enforce(State((state, table)): State<(AppState, Arc<RuleTable>)>, matched: Option<MatchedPath>, params: RawPathParams, req: Request, next: Next) -> Response {
    let Some(matched) = matched else { return next.run(req).await };
    let Some(rule) = table.get(req.method(), matched.as_str()) else {
        // A route without a rule is refused, so that forgetting one cannot open anything.
        return Error::Forbidden(format!("{} {} has no access rule", req.method(), matched.as_str())).into_response();
    };
    let viewer = super::viewer();
    if super::csrf::is_unsafe(req.method()) && viewer.signed_in() && !viewer.may_write() {
        return Error::Forbidden("this access token is read-only (scope read): make a token with scope write to change data".into()).into_response();
    }
    let params: Vec<(String, String)> = params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    match decide(&state.db, &viewer, rule, req.method(), matched.as_str(), &params).await {
        Ok(Decision::Allow) => next.run(req).await,
        Ok(Decision::NotFound(what)) => Error::NotFound(what).into_response(),
        Ok(Decision::Deny(why)) => deny(&viewer, &req, why),
        Err(e) => e.into_response(),
    }
}

/// What [`decide`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Allow,
    /// Refused: 401/sign-in for anonymous visitors, 403 for signed-in users; the reason in words.
    Deny(String),
    /// What the path names does not exist.
    NotFound(String),
}

fn deny(viewer: &Viewer, req: &Request, why: String) -> Response {
    if viewer.signed_in() {
        return Error::Forbidden(why).into_response();
    }
    let is_page = !req.uri().path().starts_with("/api/") && req.method() == Method::GET;
    if is_page {
        let back = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let to = crate::web::link("/sign-in", &[("next", back)]);
        let mut resp = (StatusCode::SEE_OTHER, "sign in to see this page").into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
        return resp;
    }
    Error::Unauthorized(format!("sign in (or send a personal access token) first: {why}")).into_response()
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// The partnership a path names: `{slug}`, or `{id}` of a path under `/api/v1/partnerships/`.
async fn path_partnership(db: &Db, path: &str, params: &[(String, String)]) -> Result<Option<Id>, Error> {
    if let Some(slug) = param(params, "slug") {
        let id: Option<Id> = db::query_scalar(db, "SELECT id FROM partnerships WHERE slug = ?").bind(slug).fetch_optional(db).await?;
        return Ok(id);
    }
    if path.starts_with("/api/v1/partnerships/{id}") {
        if let Some(raw) = param(params, "id") {
            // The API names a partnership by id or, for convenience, by slug.
            let found: Option<Id> = match raw.parse::<Id>() {
                Ok(id) => db::query_scalar(db, "SELECT id FROM partnerships WHERE id = ?").bind(id).fetch_optional(db).await?,
                Err(_) => db::query_scalar(db, "SELECT id FROM partnerships WHERE slug = ?").bind(raw).fetch_optional(db).await?,
            };
            return Ok(found);
        }
    }
    Err(Error::Internal(anyhow::anyhow!("the access rule of {path} needs a partnership in the path")))
}

/// The partnership a record belongs to (`Ok(None)` for network-level records such as
/// organizations, and for people without a partnership), or 404 when there is no such record.
pub async fn record_partnership(db: &Db, table: &str, id: Id) -> Result<Option<Id>, Error> {
    let expr = record_scope(table).map(|(_, e)| e).unwrap_or_else(|| "NULL".into());
    // `table` comes from the registered routes, never from the request.
    let row: Option<Option<Id>> = db::query_scalar(db, &format!("SELECT {expr} FROM {table} t WHERE t.id = ?")).bind(id).fetch_optional(db).await?;
    row.ok_or_else(|| Error::NotFound(format!("{} {id}", singular(table))))
}

/// Who created a record, from the audit log (`None` when it came from an import or before
/// accounts existed).
pub async fn creator_of(db: &Db, table: &str, id: Id) -> Result<Option<Id>, Error> {
    let row: Option<Option<Id>> = db::query_scalar(db, "SELECT actor_user_id FROM audit_log WHERE entity_table = ? AND entity_id = ? AND action = 'create' ORDER BY at, id LIMIT 1")
        .bind(table)
        .bind(id.to_string())
        .fetch_optional(db)
        .await?;
    Ok(row.flatten())
}

/// Whether `viewer` may change or delete a record of `table` in partnership `partnership`
/// (`None`: a network-level record) that `creator` made:
/// - network admins: anything;
/// - partnerships: their conveners (deleting one: network admins only);
/// - organizations and contact people without a partnership: whoever created them;
/// - memberships and contact people: the partnership's conveners, and whoever created them;
/// - everything else (action plan, meetings, measures, observations, wins): conveners,
///   champions and action team leads, and any role holder for what they created.
pub fn may_change_record(viewer: &Viewer, table: &str, partnership: Option<Id>, creator: Option<Id>, deleting: bool) -> bool {
    if viewer.is_network_admin() {
        return true;
    }
    let Some(me) = viewer.user_id() else { return false };
    let made_it = creator == Some(me);
    match (table, partnership) {
        ("partnerships", Some(p)) => !deleting && viewer.manages(p),
        (_, None) => made_it,
        ("memberships" | "people", Some(p)) => viewer.manages(p) || (made_it && viewer.role_in(p).is_some()),
        (_, Some(p)) => viewer.edits_plan_of(p) || (made_it && viewer.role_in(p).is_some()),
    }
}

/// Whether `viewer` may create a record of `table` in `partnership` (`None`: a network-level
/// record): partnerships, and contact people of no partnership, by network admins;
/// organizations by anyone with a role somewhere; memberships and contact people by conveners;
/// everything else by any role holder there.
pub fn may_create(viewer: &Viewer, table: &str, partnership: Option<Id>) -> bool {
    if viewer.is_network_admin() {
        return true;
    }
    let has_any_role = viewer.account.as_ref().is_some_and(|a| !a.roles.is_empty());
    match (table, partnership) {
        ("partnerships", _) | ("people", None) => false,
        (_, None) => has_any_role,
        ("memberships" | "people", Some(p)) => viewer.manages(p),
        (_, Some(p)) => viewer.role_in(p).is_some(),
    }
}

/// Decide `rule` for `viewer` on a route whose registered path is `path` with `params`.
pub async fn decide(db: &Db, viewer: &Viewer, rule: Rule, method: &Method, path: &str, params: &[(String, String)]) -> Result<Decision, Error> {
    use Decision::*;
    // A partnership the path names that does not exist: the handler answers (404, or 400 for a
    // malformed id) in its own words; there is nothing to protect.
    macro_rules! partnership_or_handler {
        () => {
            match path_partnership(db, path, params).await? {
                Some(p) => p,
                None => return Ok(Decision::Allow),
            }
        };
    }
    Ok(match rule {
        Rule::Public => Allow,
        Rule::SignedIn => if viewer.signed_in() { Allow } else { Deny("this page is for signed-in users".into()) },
        Rule::NetworkAdmin => if viewer.is_network_admin() { Allow } else { Deny("only network admins may do this".into()) },
        Rule::Published(part) => {
            let p = partnership_or_handler!();
            if viewer.reads_all_of(p) || part.published_in(&store::publication(db, p).await?) {
                Allow
            } else {
                Deny("this partnership has not made this public; its members and network admins can see it".into())
            }
        }
        Rule::PartnershipMember => {
            let p = partnership_or_handler!();
            if viewer.reads_all_of(p) { Allow } else { Deny("only people with a role in this partnership may see this".into()) }
        }
        Rule::PartnershipPlanEditor => {
            let p = partnership_or_handler!();
            if viewer.edits_plan_of(p) { Allow } else { Deny("only this partnership's conveners, champions and action team leads may do this".into()) }
        }
        Rule::PartnershipConvener => {
            let p = partnership_or_handler!();
            if viewer.manages(p) { Allow } else { Deny("only this partnership's conveners may do this".into()) }
        }
        Rule::RecordRead(table) => {
            let id = record_id(params)?;
            let p = record_partnership(db, table, id).await?;
            let Some((part, _)) = record_scope(table) else { return Ok(Allow) };
            let seen = match p {
                Some(p) => viewer.reads_all_of(p) || part.published_in(&store::publication(db, p).await?),
                None => viewer.is_network_admin() || (part != Part::Contacts) || creator_of(db, table, id).await?.is_some_and(|c| Some(c) == viewer.user_id()),
            };
            if seen { Allow } else { Deny(format!("this {} is not public", singular(table))) }
        }
        Rule::RecordWrite(table) => {
            if !viewer.signed_in() {
                return Ok(Deny("sign in to change records".into()));
            }
            let id = record_id(params)?;
            let p = record_partnership(db, table, id).await?;
            let creator = creator_of(db, table, id).await?;
            let deleting = method == Method::DELETE || path.ends_with("/delete");
            if may_change_record(viewer, table, p, creator, deleting) {
                Allow
            } else {
                Deny(format!("you may not change this {}", singular(table)))
            }
        }
        Rule::RecordCreate(table) => {
            let ok = viewer.is_network_admin() || (table != "partnerships" && viewer.account.as_ref().is_some_and(|a| !a.roles.is_empty()));
            if ok { Allow } else if table == "partnerships" { Deny("only network admins may add partnerships".into()) } else { Deny("only people with a role in a partnership may add records".into()) }
        }
    })
}

fn record_id(params: &[(String, String)]) -> Result<Id, Error> {
    let raw = param(params, "id").ok_or_else(|| Error::Internal(anyhow::anyhow!("a record rule on a path without {{id}}")))?;
    raw.parse::<Id>().map_err(|e| Error::InvalidParameters(crate::web::FieldErrors::one("id", e)))
}

/// A table's name for one of its records in messages: `priorities` is "priority", `people`
/// "contact person".
pub fn singular(table: &str) -> String {
    match table {
        "priorities" => "priority".into(),
        "people" => "contact person".into(),
        "meeting_attendance" => "attendance".into(),
        t => t.trim_end_matches('s').replace('_', " "),
    }
}

/// Add to the OpenAPI document what access control answers, from the same rules [`enforce`]
/// applies: each API operation's security requirement (the `bearerAuth` scheme of
/// [`super::api::document`], which must run first; optional, `{}` first, where anonymous visitors
/// may be let in: public routes and what partnerships publish), and its 401 and 403 responses. A
/// route whose rule can refuse anyone gets 401 (anonymous) and 403 (signed in without the right);
/// every route that changes state gets 403 as well (a read-scope token, or a change sent from
/// another web site).
pub fn document(doc: &mut utoipa::openapi::OpenApi, rules: &[RouteRule]) {
    use utoipa::openapi::security::SecurityRequirement;
    let bearer = || SecurityRequirement::new(super::api::BEARER_AUTH, Vec::<String>::new());
    for r in rules.iter().filter(|r| r.path.starts_with("/api/")) {
        let Some(item) = doc.paths.paths.get_mut(&r.path) else { continue };
        let op = match r.method {
            Method::GET => item.get.as_mut(),
            Method::POST => item.post.as_mut(),
            Method::PUT => item.put.as_mut(),
            Method::DELETE => item.delete.as_mut(),
            Method::PATCH => item.patch.as_mut(),
            _ => None,
        };
        let Some(op) = op else { continue };
        let changes = super::csrf::is_unsafe(&r.method);
        let anonymous_may = matches!(r.rule, Rule::Public | Rule::Published(_) | Rule::RecordRead(_));
        op.security = Some(if anonymous_may { vec![SecurityRequirement::default(), bearer()] } else { vec![bearer()] });
        let responses = &mut op.responses.responses;
        if r.rule != Rule::Public {
            // An operation's own words (e.g. /me's) are kept.
            responses.entry("401".into()).or_insert_with(|| {
                crate::network::api::problem_response("Not signed in, or the token is unknown, revoked or its account disabled: send a valid personal access token (Authorization: Bearer st_pat_...).").into()
            });
        }
        if r.rule != Rule::Public || changes {
            let why = match (r.rule != Rule::Public, changes) {
                (true, true) => "Refused: the account has no right to this (the reason is named), the token has scope read, or the change was sent from another web site.",
                (true, false) => "Refused: the account has no right to this; the reason is named.",
                _ => "Refused: the token has scope read, or the change was sent from another web site.",
            };
            responses.entry("403".into()).or_insert_with(|| crate::network::api::problem_response(why).into());
        }
    }
}

/// `Role` names for pages: every role with its label.
pub fn role_choices() -> Vec<(&'static str, &'static str)> {
    Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect()
}

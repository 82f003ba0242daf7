//! The audit log: who changed what, when, and the values before and after.
//!
//! Every change of a record (create, update, delete through the network store, observations
//! other modules record, freight shipments, settings and plans, people's roles in partnerships,
//! publication choices, accounts' admin and disabled flags) and every import writes one
//! entry into `audit_log` inside the SAME transaction as the change, so a change that is rolled
//! back leaves no entry and an entry never describes a change that did not happen. An import of
//! many rows writes one entry per partnership it touched (with the files and the rows per table),
//! not one per row.
//!
//! - **Who**: the [`AuditActor`] of the running task, set with [`with_actor`] (the web layer wraps
//!   each request, the command line each command); [`current_actor`] falls back to `system`.
//!   The actor's name is a display name, never an email address or a phone number.
//! - **What**: the record's table and id, the partnership it belongs to (resolved through the
//!   parent for child records such as milestones, attendance and observations), and its fields
//!   before and after as JSON. Contact details (`email`, `phone`: [`CONTACT_COLUMNS`]) never enter
//!   the log: their values are replaced by [`ON_FILE`] or [`CHANGED`].
//! - **Append-only**: no route edits or deletes entries, and the database refuses `UPDATE` and
//!   `DELETE` on `audit_log` (triggers of migration 0007).
//!
//! Pages: `GET /partnerships/{slug}/audit` (the log of one partnership) and `GET /audit` (every
//! entry), newest first, 50 a page, filtered by `table`. API: `GET
//! /api/v1/partnerships/{id}/audit` (id or slug) with `page`, `per_page` and `table`. Who may see
//! them is decided by the access rules of the web layer, not here.

use std::collections::HashMap;
use std::future::Future;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;

use crate::auth::access::{Routes, Rule};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use sqlx::any::AnyArguments;
use sqlx::Arguments;
use utoipa::openapi::path::{OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{HttpMethod, KnownFormat, OpenApi, PathItem, Required};

use crate::db::{self, Conn, Db, DbText, Id};
use crate::network::api::{json_response, link_header, problem_response, query_pairs, schema_ref, string_schema, PREFIX};
use crate::network::model::{Partnership, PartnershipFields};
use crate::network::store::PageRequest;
use crate::web::layout::render;
use crate::web::pagination::{self, Pagination, DEFAULT_PER_PAGE};
use crate::web::{AppState, Error, FieldErrors};

pub use crate::network::bulk::CONTACT_COLUMNS;

// ---------------------------------------------------------------------------------------------
// Who

/// Who made a change: the signed-in user (their id and display name), or a named program such as
/// `command line (sharedtable import)` or `system`. The name is shown in the log as written; it
/// is never an email address or a phone number (contact details are never logged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AuditActor {
    /// The user's id, when a signed-in user made the change. No foreign key: deleting the user
    /// leaves their entries in the log.
    pub user_id: Option<Id>,
    /// The user's display name, or the program's name.
    pub name: String,
}

impl AuditActor {
    /// The server itself (jobs, recovery at start), and any change made outside a [`with_actor`]
    /// scope.
    pub fn system() -> AuditActor {
        AuditActor { user_id: None, name: "system".into() }
    }

    /// A web request by someone not signed in (the access rules let them change almost nothing;
    /// named so that such an entry never passes for the system's).
    pub fn anonymous() -> AuditActor {
        AuditActor { user_id: None, name: "anonymous visitor".into() }
    }

    /// A command of the command line, e.g. `command_line("sharedtable import")` is named
    /// `command line (sharedtable import)`.
    pub fn command_line(command: &str) -> AuditActor {
        AuditActor { user_id: None, name: format!("command line ({command})") }
    }

    /// A signed-in user with their display name. A name that looks like an email address (it
    /// holds an `@`) or is empty is not logged: the entry says `user <id>` instead.
    pub fn user(id: Id, display_name: &str) -> AuditActor {
        let name = display_name.trim();
        let name = if name.is_empty() || name.contains('@') { format!("user {id}") } else { name.to_string() };
        AuditActor { user_id: Some(id), name }
    }
}

tokio::task_local! {
    /// The actor of the running request or command (see [`with_actor`]).
    static ACTOR: AuditActor;
}

/// Run `f` with `actor` as the author of every change it makes (the web layer wraps each
/// request, the command line each command). A task spawned inside does not inherit the actor:
/// its changes are the `system`'s unless it is wrapped too.
pub async fn with_actor<F: Future>(actor: AuditActor, f: F) -> F::Output {
    ACTOR.scope(actor, f).await
}

/// The actor of the running task, or [`AuditActor::system`] outside any [`with_actor`] scope.
pub fn current_actor() -> AuditActor {
    ACTOR.try_with(Clone::clone).unwrap_or_else(|_| AuditActor::system())
}

// ---------------------------------------------------------------------------------------------
// What

/// What was done to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    /// Many rows at once from files; the entry holds the files and the rows per table.
    Import,
    /// A freight plan approved: its figures were recorded as observations.
    Approve,
}

impl Action {
    /// The stored word: `create`, `update`, `delete`, `import` or `approve`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Import => "import",
            Action::Approve => "approve",
        }
    }
}

/// One change to record (see [`record`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub action: Action,
    /// The table of the record changed (e.g. `meetings`, `freight_shipments`), or
    /// [`IMPORT_TABLE`] for an import.
    pub table: String,
    /// The record changed; for an import, the id shared by every entry of that import.
    pub entity_id: Option<Id>,
    /// The partnership the record belongs to; `None` for records of no partnership
    /// (organizations, people of none) and for an import's rows of no partnership.
    pub partnership_id: Option<Id>,
    /// The record's fields before the change (`None` for a create), as a JSON object.
    pub before: Option<Value>,
    /// The record's fields after the change (`None` for a delete), as a JSON object.
    pub after: Option<Value>,
    /// One line in words, e.g. `Changed meeting 'Launch (2024-05-01)'`.
    pub summary: String,
}

/// The `entity_table` of import entries.
pub const IMPORT_TABLE: &str = "import";
/// What a contact detail that is stored reads as in the log.
pub const ON_FILE: &str = "(on file)";
/// What a contact detail that a change set or replaced reads as in the log (after the change).
pub const CHANGED: &str = "(changed)";

/// Replace contact details ([`CONTACT_COLUMNS`], at any depth of the objects) by markers, never
/// their values: in `before`, [`ON_FILE`] for a stored value; in `after`, [`CHANGED`] when the
/// value differs from `before` (set or replaced), [`ON_FILE`] when it is the same (or when there
/// is no `before`: a create). An absent or null value stays null, so that clearing a contact
/// shows as `(on file)` to empty.
pub fn redact(before: Option<&mut Value>, after: Option<&mut Value>) {
    let had_before = before.is_some();
    redact_pair(before, after, had_before);
}

fn redact_pair(before: Option<&mut Value>, after: Option<&mut Value>, had_before: bool) {
    let mut keys: Vec<String> = Vec::new();
    for v in [before.as_deref(), after.as_deref()].into_iter().flatten() {
        if let Value::Object(m) = v {
            keys.extend(m.keys().filter(|k| !keys.contains(k)).cloned().collect::<Vec<_>>());
        }
    }
    let (mut b, mut a) = (before, after);
    for key in keys {
        let bv = b.as_deref_mut().and_then(|v| v.as_object_mut()).and_then(|m| m.get_mut(&key));
        let av = a.as_deref_mut().and_then(|v| v.as_object_mut()).and_then(|m| m.get_mut(&key));
        if CONTACT_COLUMNS.contains(&key.as_str()) {
            let differs = bv.as_deref().unwrap_or(&Value::Null) != av.as_deref().unwrap_or(&Value::Null);
            if let Some(v) = bv {
                if !v.is_null() {
                    *v = Value::String(ON_FILE.into());
                }
            }
            if let Some(v) = av {
                if !v.is_null() {
                    *v = Value::String(if had_before && differs { CHANGED } else { ON_FILE }.into());
                }
            }
        } else if bv.as_deref().is_some_and(Value::is_object) || av.as_deref().is_some_and(Value::is_object) {
            redact_pair(bv, av, had_before);
        } else {
            for v in [bv, av].into_iter().flatten() {
                if let Value::Array(items) = v {
                    for item in items {
                        redact_pair(None, Some(item), false);
                    }
                }
            }
        }
    }
}

/// Write one entry for `change` in the caller's open transaction, authored by
/// [`current_actor`], at [`db::now`]. Contact details are redacted first ([`redact`]). Errors:
/// the database (the caller's transaction then fails as a whole).
pub async fn record(conn: &mut Conn, change: Change) -> Result<(), Error> {
    let Change { action, table, entity_id, partnership_id, mut before, mut after, summary } = change;
    redact(before.as_mut(), after.as_mut());
    let actor = current_actor();
    let text = |v: Option<Value>| v.map(|v| v.to_string());
    db::query(conn, 
        "INSERT INTO audit_log (id, at, actor_user_id, actor_name, action, entity_table, entity_id, partnership_id, before_json, after_json, summary)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(Id::new())
    .bind(db::timestamp_text(&db::now()))
    .bind(actor.user_id)
    .bind(&actor.name)
    .bind(action.as_str())
    .bind(&table)
    .bind(entity_id)
    .bind(partnership_id)
    .bind(text(before))
    .bind(text(after))
    .bind(&summary)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Reading

/// One entry of the log as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Entry {
    pub id: Id,
    /// When the change was committed's transaction wrote it (UTC, microseconds).
    #[sqlx(try_from = "DbText")]
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Id>,
    pub actor_name: String,
    /// `create`, `update`, `delete`, `import` or `approve`.
    pub action: String,
    pub entity_table: String,
    pub entity_id: Option<Id>,
    pub partnership_id: Option<Id>,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub summary: String,
}

impl Entry {
    fn parsed(text: &Option<String>) -> Option<Value> {
        text.as_deref().and_then(|t| serde_json::from_str(t).ok())
    }
    /// The fields before the change, if any.
    pub fn before(&self) -> Option<Value> {
        Self::parsed(&self.before_json)
    }
    /// The fields after the change, if any.
    pub fn after(&self) -> Option<Value> {
        Self::parsed(&self.after_json)
    }
    /// The fields the change set, changed or cleared (see [`changes`]).
    pub fn changes(&self) -> Vec<FieldChange> {
        changes(self.before().as_ref(), self.after().as_ref())
    }
    /// The time as people read it: ISO 8601 in UTC to the second, e.g. `2026-03-02T08:00:05Z`.
    pub fn at_text(&self) -> String {
        self.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
    /// As the API returns it.
    pub fn to_json(&self) -> Value {
        let changes: Vec<Value> = self.changes().into_iter().map(|c| json!({"field": c.field, "before": c.before, "after": c.after})).collect();
        json!({
            "id": self.id,
            "at": db::timestamp_text(&self.at),
            "actor": {"user_id": self.actor_user_id, "name": self.actor_name},
            "action": self.action,
            "entity_table": self.entity_table,
            "entity_id": self.entity_id,
            "partnership_id": self.partnership_id,
            "summary": self.summary,
            "before": self.before(),
            "after": self.after(),
            "changes": changes,
        })
    }
}

/// One field a change set, changed or cleared. Nested objects are named with dots
/// (`pickup.city`); `Null` stands for absent.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub before: Value,
    pub after: Value,
}

impl FieldChange {
    /// The value before in words (`None` when there was none).
    pub fn before_text(&self) -> Option<String> {
        value_text(&self.before)
    }
    /// The value after in words (`None` when there is none).
    pub fn after_text(&self) -> Option<String> {
        value_text(&self.after)
    }
}

/// A value as the page shows it: text as written, a list of words joined with commas, other
/// values as JSON; `None` for null.
fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Array(items) if items.iter().all(|i| i.is_string() || i.is_number()) => {
            Some(items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect::<Vec<_>>().join(", "))
        }
        other => Some(other.to_string()),
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, x) in m {
                let name = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&name, x, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// The fields that differ between `before` and `after` (JSON objects; nested objects compared
/// field by field and named with dots), in the order of `after`'s fields then `before`'s. A
/// create lists every field it set; a delete every field the record had.
pub fn changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let (mut b, mut a) = (Vec::new(), Vec::new());
    if let Some(v) = before {
        flatten("", v, &mut b);
    }
    if let Some(v) = after {
        flatten("", v, &mut a);
    }
    let mut names: Vec<&String> = a.iter().map(|(k, _)| k).collect();
    names.extend(b.iter().map(|(k, _)| k).filter(|k| !a.iter().any(|(n, _)| n == *k)));
    let get = |list: &Vec<(String, Value)>, name: &str| list.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or(Value::Null);
    names
        .into_iter()
        .filter_map(|name| {
            let (bv, av) = (get(&b, name), get(&a, name));
            (bv != av).then(|| FieldChange { field: name.clone(), before: bv, after: av })
        })
        .collect()
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Only entries of this partnership.
    pub partnership: Option<Id>,
    /// Only entries of this table ([`IMPORT_TABLE`] for imports).
    pub table: Option<String>,
}

fn where_clause(filter: &Filter, args: &mut AnyArguments<'_>) -> Result<String, Error> {
    let ie = |e: sqlx::error::BoxDynError| Error::Internal(anyhow::anyhow!("{e}"));
    let mut clauses = Vec::new();
    if let Some(p) = filter.partnership {
        clauses.push("partnership_id = ?");
        args.add(p).map_err(ie)?;
    }
    if let Some(t) = &filter.table {
        clauses.push("entity_table = ?");
        args.add(t.clone()).map_err(ie)?;
    }
    Ok(if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) })
}

/// A page of entries matching `filter`, newest first, and how many match in all.
pub async fn list(db: &Db, filter: &Filter, page: PageRequest) -> Result<(Vec<Entry>, i64), Error> {
    let mut args = AnyArguments::default();
    let wc = where_clause(filter, &mut args)?;
    let total: i64 = db::query_scalar_with(db, &format!("SELECT count(*) FROM audit_log{wc}"), args).fetch_one(db).await?;
    let mut args = AnyArguments::default();
    let wc = where_clause(filter, &mut args)?;
    let ie = |e: sqlx::error::BoxDynError| Error::Internal(anyhow::anyhow!("{e}"));
    args.add(page.per_page as i64).map_err(ie)?;
    args.add((page.page.saturating_sub(1) as i64) * page.per_page as i64).map_err(ie)?;
    let sql = format!(
        "SELECT id, at, actor_user_id, actor_name, action, entity_table, entity_id, partnership_id, before_json, after_json, summary
         FROM audit_log{wc} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?"
    );
    let rows = db::query_as_with::<Entry>(db, &sql, args).fetch_all(db).await?;
    Ok((rows, total))
}

/// The tables a log may be filtered on, as (table, label): every network table, the freight
/// tables, and imports.
pub fn tables() -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = crate::network::entity::TABLES.iter().map(|t| (*t, capitalize(&t.replace('_', " ")))).collect();
    out.extend(crate::freight::AUDITED_TABLES.iter().map(|(t, _)| (*t, capitalize(&t.replace('_', " ")))));
    out.extend(crate::auth::AUDITED_TABLES.iter().map(|(t, kind)| (*t, capitalize(&format!("{kind}s")))));
    out.push((IMPORT_TABLE, "Imports (many records at once)".into()));
    out
}

/// A record of `table` in words (`meeting`, `shipment`), or the table's name.
fn kind_of(table: &str) -> String {
    if let Some(info) = crate::network::entity::table_info(table) {
        return info.singular.to_string();
    }
    if let Some((_, kind)) = crate::freight::AUDITED_TABLES.iter().chain(crate::auth::AUDITED_TABLES).find(|(t, _)| *t == table) {
        return kind.to_string();
    }
    if table == IMPORT_TABLE {
        return "import".into();
    }
    table.replace('_', " ")
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Pages and API

/// The audit log's routes: the page of a partnership's log, the network-wide page and the JSON
/// list of a partnership's log. All read-only: no route changes or deletes entries.
///
/// Access: a partnership's log is read by its conveners and network admins; the whole network's
/// by network admins. No route changes the log.
pub fn routes() -> Routes {
    Routes::new()
        .get("/audit", Rule::NetworkAdmin, get(network_page))
        .get("/partnerships/{slug}/audit", Rule::PartnershipConvener, get(partnership_page))
        .get(&format!("{PREFIX}/partnerships/{{id}}/audit"), Rule::PartnershipConvener, get(partnership_api))
}

/// Query of the pages: `table`, `page`, `per_page`.
#[derive(Debug, Default, serde::Deserialize)]
struct PageQuery {
    table: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

/// A `table` filter value: empty is none; otherwise one of [`tables`]. Errors name `table`.
fn parse_table(raw: Option<&str>) -> Result<Option<String>, Error> {
    match raw.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => match tables().into_iter().find(|(name, _)| *name == t) {
            Some((name, _)) => Ok(Some(name.to_string())),
            None => Err(Error::invalid_parameter(
                "table",
                format!("'{t}' is not a table of the log; use one of {}", tables().iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")),
            )),
        },
    }
}

/// One option of the table filter.
struct TableOption {
    value: &'static str,
    label: String,
    selected: bool,
}

/// One field of an entry's before/after table.
struct DiffRow {
    field: String,
    before: Option<String>,
    after: Option<String>,
}

/// One entry as the page shows it.
struct EntryView {
    at: String,
    at_full: String,
    actor: String,
    action: String,
    kind: String,
    summary: String,
    /// Where the record is shown, when it still exists.
    href: Option<String>,
    /// The record no longer exists (deleted since, or by this change).
    gone: bool,
    /// On the network-wide page: the partnership's name and page (`None` for a deleted one).
    partnership: Option<(String, Option<String>)>,
    diff: Vec<DiffRow>,
}

#[derive(Template)]
#[template(path = "audit/log.html")]
struct LogPage {
    title: String,
    /// The partnership of the log (`None` on the network-wide page).
    partnership: Option<(String, String)>,
    action_path: String,
    options: Vec<TableOption>,
    /// A table filter is applied.
    filtered: bool,
    entries: Vec<EntryView>,
    pagination: Pagination,
}

/// Partnerships by id, as the entries of one page need them (`None` when deleted).
async fn partnerships_of(db: &Db, entries: &[Entry]) -> Result<HashMap<Id, Option<Partnership>>, Error> {
    let mut out = HashMap::new();
    for id in entries.iter().filter_map(|e| e.partnership_id) {
        if out.contains_key(&id) {
            continue;
        }
        let p = match crate::network::store::get::<PartnershipFields>(db, id).await {
            Ok(p) => Some(p),
            Err(Error::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        out.insert(id, p);
    }
    Ok(out)
}

/// Where the record of `entry` is shown, when it still exists: a network record's page or edit
/// form, a freight record's page. `None` for imports and records that no longer exist.
async fn record_href(db: &Db, entry: &Entry, partnership: Option<&Partnership>) -> Result<Option<String>, Error> {
    let Some(id) = entry.entity_id else { return Ok(None) };
    let table = entry.entity_table.as_str();
    if crate::network::entity::table_info(table).is_some() {
        return crate::network::store::forms::record_href(db, table, id).await;
    }
    match (table, partnership) {
        ("user_roles", Some(p)) => Ok(Some(format!("/partnerships/{}/people", p.fields.slug))),
        ("partnership_publication", Some(p)) => Ok(Some(format!("/partnerships/{}/publication", p.fields.slug))),
        ("users", _) => Ok(Some("/admin".into())),
        (_, Some(p)) => crate::freight::record_href(db, table, id, &p.fields.slug).await,
        (_, None) => Ok(None),
    }
}

async fn views(db: &Db, entries: Vec<Entry>, network_wide: bool) -> Result<Vec<EntryView>, Error> {
    let partnerships = partnerships_of(db, &entries).await?;
    let mut out = Vec::with_capacity(entries.len());
    for e in entries {
        let p = e.partnership_id.and_then(|id| partnerships.get(&id).cloned().flatten());
        let href = record_href(db, &e, p.as_ref()).await?;
        let diff = e.changes().into_iter().map(|c| DiffRow { before: c.before_text(), after: c.after_text(), field: c.field }).collect();
        let partnership = match (network_wide, e.partnership_id) {
            (true, Some(id)) => Some(match &p {
                Some(p) => (p.fields.name.clone(), Some(format!("/partnerships/{}", p.fields.slug))),
                None => (format!("partnership {id} (deleted)"), None),
            }),
            _ => None,
        };
        out.push(EntryView {
            at: e.at_text(),
            at_full: db::timestamp_text(&e.at),
            actor: e.actor_name.clone(),
            action: e.action.clone(),
            kind: kind_of(&e.entity_table),
            summary: e.summary.clone(),
            gone: e.entity_id.is_some() && href.is_none(),
            href,
            partnership,
            diff,
        });
    }
    Ok(out)
}

async fn render_log(db: &Db, raw: Option<&str>, partnership: Option<Partnership>) -> Result<Response, Error> {
    let query: PageQuery = serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| Error::BadRequest(format!("the query string cannot be read: {e}")))?;
    let table = parse_table(query.table.as_deref())?;
    let req = pagination::parse(query.page.as_deref(), query.per_page.as_deref(), DEFAULT_PER_PAGE)?;
    let filter = Filter { partnership: partnership.as_ref().map(|p| p.id()), table: table.clone() };
    let (entries, total) = list(db, &filter, req).await?;
    let action_path = match &partnership {
        Some(p) => format!("/partnerships/{}/audit", p.fields.slug),
        None => "/audit".to_string(),
    };
    let keep: Vec<(&str, &str)> = table.as_deref().map(|t| vec![("table", t)]).unwrap_or_default();
    let page = LogPage {
        title: match &partnership {
            Some(p) => format!("Change log of {}", p.fields.name),
            None => "Change log of the network".into(),
        },
        pagination: Pagination::new(req, total, &action_path, &keep),
        options: tables().into_iter().map(|(value, label)| TableOption { value, label, selected: table.as_deref() == Some(value) }).collect(),
        filtered: table.is_some(),
        entries: views(db, entries, partnership.is_none()).await?,
        partnership: partnership.map(|p| (p.fields.name, p.fields.slug)),
        action_path,
    };
    Ok(render(&page))
}

async fn partnership_page(State(state): State<AppState>, Path(slug): Path<String>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let p = crate::network::store::views::partnership_by_slug(&state.db, &slug).await?;
    render_log(&state.db, raw.as_deref(), Some(p)).await
}

async fn network_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    render_log(&state.db, raw.as_deref(), None).await
}

/// A partnership by id or slug. Errors: `NotFound`.
async fn partnership_by_key(db: &Db, key: &str) -> Result<Partnership, Error> {
    match key.parse::<Id>() {
        Ok(id) => crate::network::store::get::<PartnershipFields>(db, id).await,
        Err(_) => crate::network::store::views::partnership_by_slug(db, key).await,
    }
}

async fn partnership_api(State(state): State<AppState>, Path(key): Path<String>, uri: Uri) -> Result<Response, Error> {
    let pairs = query_pairs(&uri)?;
    let mut errs = FieldErrors::default();
    let mut page = PageRequest { page: 1, per_page: crate::network::api::DEFAULT_PER_PAGE };
    let mut table = None;
    for (k, v) in &pairs {
        match k.as_str() {
            "page" => match v.parse::<u32>() {
                Ok(n) if n >= 1 => page.page = n,
                _ => errs.add("page", format!("'{v}' is not a page number: use a whole number from 1")),
            },
            "per_page" => match v.parse::<u32>() {
                Ok(n) if (1..=PageRequest::MAX_PER_PAGE).contains(&n) => page.per_page = n,
                _ => errs.add("per_page", format!("'{v}' is not a page size: use a whole number from 1 to {}", PageRequest::MAX_PER_PAGE)),
            },
            "table" => match parse_table(Some(v)) {
                Ok(t) => table = t,
                Err(Error::InvalidParameters(fe)) => {
                    for (f, m) in fe.iter() {
                        errs.add(f, m);
                    }
                }
                Err(e) => return Err(e),
            },
            other => errs.add(other, "is not a parameter of the audit log; use page, per_page, table"),
        }
    }
    if !errs.is_empty() {
        return Err(Error::InvalidParameters(errs));
    }
    let p = partnership_by_key(&state.db, &key).await?;
    let (entries, total) = list(&state.db, &Filter { partnership: Some(p.id()), table }, page).await?;
    let items: Vec<Value> = entries.iter().map(Entry::to_json).collect();
    let mut resp = Json(json!({"items": items, "page": page.page, "per_page": page.per_page, "total": total})).into_response();
    if let Ok(v) = HeaderValue::from_str(&link_header(uri.path(), &pairs, page, total)) {
        resp.headers_mut().insert(header::LINK, v);
    }
    Ok(resp)
}

/// Add the audit log's path and schemas to the OpenAPI document.
pub fn document(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    let uuid = || string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
    // `before` and `after` are JSON objects or null; a field's value in `changes` is any JSON value
    // (text, number, boolean, a nested object, or null).
    let object_or_null = || ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::Object, Type::Null]));
    let any_value = || ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::AnyValue);
    let nullable_uuid = || ObjectBuilder::new().schema_type(utoipa::openapi::schema::SchemaType::from_iter([Type::String, Type::Null])).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)));
    components.schemas.insert(
        "AuditEntry".into(),
        ObjectBuilder::new()
            .description(Some(
                "One change: who, when, which record, and its fields before and after. Contact details (email, phone) are never \
                 in the log: their values read \"(on file)\" or \"(changed)\".",
            ))
            .property("id", uuid())
            .property("at", string_schema().format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))).description(Some("When, UTC.")))
            .property(
                "actor",
                ObjectBuilder::new()
                    .property("user_id", nullable_uuid().description(Some("The signed-in user; null for the command line or the system.")))
                    .property("name", string_schema().description(Some("The user's display name or the program's name.")))
                    .required("name"),
            )
            .property("action", string_schema().enum_values(Some(["create", "update", "delete", "import", "approve"])))
            .property("entity_table", string_schema().description(Some("The record's table, or \"import\" for an import of many rows.")))
            .property("entity_id", nullable_uuid().description(Some("The record; for an import, the id its entries share.")))
            .property("partnership_id", nullable_uuid())
            .property("summary", string_schema())
            .property("before", object_or_null().description(Some("The fields before the change; null for a create or an import.")))
            .property("after", object_or_null().description(Some("The fields after the change; null for a delete. An import: its files and rows per table.")))
            .property(
                "changes",
                ArrayBuilder::new().items(
                    ObjectBuilder::new()
                        .description(Some("A field that differs; nested fields are named with dots (pickup.city)."))
                        .property("field", string_schema())
                        .property("before", any_value().description(Some("The value before: any JSON value; null when there was none.")))
                        .property("after", any_value().description(Some("The value after: any JSON value; null when cleared.")))
                        .required("field"),
                ),
            )
            .required("id")
            .required("at")
            .required("actor")
            .required("action")
            .required("entity_table")
            .required("summary")
            .required("changes")
            .into(),
    );
    components.schemas.insert(
        "AuditPage".into(),
        ObjectBuilder::new()
            .description(Some("A page of the audit log, newest first."))
            .property("items", ArrayBuilder::new().items(schema_ref("AuditEntry")))
            .property("page", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)))
            .property("per_page", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(PageRequest::MAX_PER_PAGE)))
            .property("total", ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
            .required("items")
            .required("page")
            .required("per_page")
            .required("total")
            .into(),
    );
    let op = OperationBuilder::new()
        .tag("audit")
        .operation_id(Some("get_partnership_audit"))
        .summary(Some("The audit log of a partnership, newest first"))
        .description(Some(
            "Every change of the partnership's records (and of records belonging to them: milestones, attendance, observations, \
             freight shipments and plans), with who made it, when, and the values before and after; imports as one entry with \
             their files and rows per table. Read-only: the log cannot be changed.",
        ))
        .parameter(
            ParameterBuilder::new()
                .name("id")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some("The partnership's id (a UUID) or slug."))
                .schema(Some(string_schema())),
        )
        .parameter(
            ParameterBuilder::new()
                .name("page")
                .parameter_in(ParameterIn::Query)
                .description(Some("Page number, from 1."))
                .schema(Some(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(u32::MAX)).default(Some(json!(1))))),
        )
        .parameter(
            ParameterBuilder::new().name("per_page").parameter_in(ParameterIn::Query).description(Some("Entries per page, 1 to 500.")).schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(1))
                    .maximum(Some(PageRequest::MAX_PER_PAGE))
                    .default(Some(json!(crate::network::api::DEFAULT_PER_PAGE))),
            )),
        )
        .parameter(
            ParameterBuilder::new()
                .name("table")
                .parameter_in(ParameterIn::Query)
                .description(Some("Only entries of this table (\"import\" for imports); empty for every table."))
                .schema(Some(string_schema().enum_values(Some(std::iter::once("").chain(tables().into_iter().map(|(t, _)| t)))))),
        )
        .response(
            "200",
            json_response("A page of entries.", schema_ref("AuditPage")).header(
                "Link",
                utoipa::openapi::HeaderBuilder::new().schema(Some(string_schema())).description(Some("RFC 8288 links: first, prev, next, last.")).build(),
            ),
        )
        .response("400", problem_response("An unknown parameter or a wrong value; each is named."))
        .response("404", problem_response("No such partnership."));
    doc.paths.paths.insert(format!("{PREFIX}/partnerships/{{id}}/audit"), PathItem::new(HttpMethod::Get, op));
    doc.tags.get_or_insert_with(Vec::new).push(TagBuilder::new().name("audit").description(Some("The audit log (read-only)")).build());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_details_become_markers_never_values() {
        // update: email replaced, phone unchanged, title changed
        let mut before = json!({"full_name": "Ada", "email": "ada@example.org", "phone": "555-0100", "title": "Owner"});
        let mut after = json!({"full_name": "Ada", "email": "ada@new.example.org", "phone": "555-0100", "title": "CEO"});
        redact(Some(&mut before), Some(&mut after));
        assert_eq!(before, json!({"full_name": "Ada", "email": "(on file)", "phone": "(on file)", "title": "Owner"}));
        assert_eq!(after, json!({"full_name": "Ada", "email": "(changed)", "phone": "(on file)", "title": "CEO"}));
        let diff = changes(Some(&before), Some(&after));
        assert_eq!(
            diff,
            vec![
                FieldChange { field: "email".into(), before: json!("(on file)"), after: json!("(changed)") },
                FieldChange { field: "title".into(), before: json!("Owner"), after: json!("CEO") },
            ]
        );
        // create: a stored contact is on file; a missing one stays null
        let mut created = json!({"full_name": "Bo", "email": "bo@example.org", "phone": null});
        redact(None, Some(&mut created));
        assert_eq!(created, json!({"full_name": "Bo", "email": "(on file)", "phone": null}));
        // cleared: on file before, null after; set from nothing: changed
        let mut before = json!({"email": "x@example.org", "phone": null});
        let mut after = json!({"email": null, "phone": "555-0199"});
        redact(Some(&mut before), Some(&mut after));
        assert_eq!((before, after), (json!({"email": "(on file)", "phone": null}), json!({"email": null, "phone": "(changed)"})));
        // at any depth, and inside arrays
        let mut nested = json!({"rows": [{"email": "a@b.c"}], "person": {"phone": "1"}});
        redact(None, Some(&mut nested));
        assert_eq!(nested, json!({"rows": [{"email": "(on file)"}], "person": {"phone": "(on file)"}}));
        assert!(!nested.to_string().contains('@'));
    }

    #[test]
    fn every_personal_form_field_is_a_redacted_column() {
        use crate::network::form_spec::Editable;
        macro_rules! check {
            ($t:ty) => {
                for spec in <$t>::FORM.iter().filter(|s| s.personal) {
                    assert!(CONTACT_COLUMNS.contains(&spec.name), "{} is personal but not redacted in the audit log", spec.name);
                }
            };
        }
        crate::for_each_entity!(check);
    }

    #[test]
    fn changes_list_differing_fields_flat_in_order() {
        let before = json!({"reference": "A-1", "pickup": {"city": "Kingman", "state": "AZ"}, "pallets": 4, "notes": null});
        let after = json!({"reference": "A-1", "pickup": {"city": "Bullhead City", "state": "AZ"}, "pallets": 6, "notes": "fragile"});
        let c = changes(Some(&before), Some(&after));
        let fields: Vec<&str> = c.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["pickup.city", "pallets", "notes"]);
        assert_eq!((c[1].before_text(), c[1].after_text()), (Some("4".into()), Some("6".into())));
        assert_eq!((c[2].before_text(), c[2].after_text()), (None, Some("fragile".into())));
        // a create lists what it set (not nulls); a delete what the record had
        let created = changes(None, Some(&json!({"name": "X", "codes": ["31-33", "332710"], "website": null})));
        assert_eq!(created.len(), 2);
        assert_eq!(created[1].after_text().as_deref(), Some("31-33, 332710"));
        let deleted = changes(Some(&json!({"name": "X"})), None);
        assert_eq!((deleted[0].before_text(), deleted[0].after_text()), (Some("X".into()), None));
    }

    #[tokio::test]
    async fn the_actor_is_the_scope_s_or_the_system() {
        assert_eq!(current_actor(), AuditActor::system());
        let ada = AuditActor::user(Id::nil(), "Ada Lovelace");
        let inside = with_actor(ada.clone(), async { current_actor() }).await;
        assert_eq!(inside, ada);
        // nested scopes: the inner one wins, the outer one comes back
        let cli = AuditActor::command_line("sharedtable import");
        assert_eq!(cli.name, "command line (sharedtable import)");
        let (inner, outer) = with_actor(ada.clone(), async { (with_actor(cli.clone(), async { current_actor() }).await, current_actor()) }).await;
        assert_eq!((inner, outer), (cli, ada));
        // a spawned task does not inherit the scope
        let spawned = with_actor(AuditActor::user(Id::nil(), "Bo"), async { tokio::spawn(async { current_actor() }).await.unwrap() }).await;
        assert_eq!(spawned, AuditActor::system());
        // an email address is never used as a name
        assert_eq!(AuditActor::user(Id::nil(), "ada@example.org").name, format!("user {}", Id::nil()));
    }
}

//! Queries the edit forms and the API need beyond one record: the choices of a related-record
//! select, the partnership a record belongs to (for redirects and scoping), what a delete would
//! take with it, a meeting saved together with its attendance, and observations other modules
//! record on a partnership's measures.

use sqlx::Row;

use super::{delete_in, insert_in, update_in};
use crate::db::{self, Backend, Conn, Db, Dialect, Flag, Id};
use crate::network::entity::{table_info, table_infos};
use crate::network::model::{
    AttendanceFields, Direction, Meeting, MeetingFields, MeasureCategory, MeasureFields, Meta, ObservationFields, OrgKind, PartialDate, Record,
};
use crate::web::{Error, FieldErrors};

/// The partnership a record belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnershipRef {
    pub id: Id,
    pub slug: String,
    pub name: String,
}

/// For a table whose rows reach their partnership through a parent row: (column, parent table).
/// The column and table of a record's parent, for kinds of records whose partnership is their
/// parent's (`meeting_attendance` -> (`meeting_id`, `meetings`), ...).
pub fn parent_of(table: &str) -> Option<(&'static str, &'static str)> {
    match table {
        "meeting_attendance" => Some(("meeting_id", "meetings")),
        "action_team_members" => Some(("action_team_id", "action_teams")),
        "milestones" => Some(("initiative_id", "initiatives")),
        "observations" => Some(("measure_id", "measures")),
        "win_observations" => Some(("win_id", "wins")),
        _ => None,
    }
}

fn has_partnership_column(table: &str) -> bool {
    table_info(table).is_some_and(|t| t.columns.contains(&"partnership_id"))
}

/// The partnership of record `id` of `table`: itself for a partnership, its `partnership_id`, or
/// its parent's (an attendance row's meeting, a milestone's initiative, ...). `None` for
/// organizations, people without a partnership, and records that do not exist.
pub async fn partnership_of(db: &Db, table: &str, id: Id) -> Result<Option<PartnershipRef>, Error> {
    let from = if table == "partnerships" {
        "partnerships p WHERE p.id = ?".to_string()
    } else if has_partnership_column(table) {
        format!("{table} t JOIN partnerships p ON p.id = t.partnership_id WHERE t.id = ?")
    } else if let Some((column, parent)) = parent_of(table) {
        format!("{table} t JOIN {parent} x ON x.id = t.{column} JOIN partnerships p ON p.id = x.partnership_id WHERE t.id = ?")
    } else {
        return Ok(None);
    };
    let row = db::query(db, &format!("SELECT p.id, p.slug, p.name FROM {from}")).bind(id).fetch_optional(db).await?;
    Ok(match row {
        Some(r) => Some(PartnershipRef { id: r.try_get(0)?, slug: r.try_get(1)?, name: r.try_get(2)? }),
        None => None,
    })
}

/// Where record `id` of the network table `table` is shown, when it exists: a partnership's or an
/// organization's page, the edit form of any other record. `None` for a record that no longer
/// exists and for a table that is not the network's.
pub async fn record_href(db: &Db, table: &str, id: Id) -> Result<Option<String>, Error> {
    let Some(info) = table_info(table) else { return Ok(None) };
    if info.table == "partnerships" {
        let slug: Option<String> = db::query_scalar(db, "SELECT slug FROM partnerships WHERE id = ?").bind(id).fetch_optional(db).await?;
        return Ok(slug.map(|s| format!("/partnerships/{s}")));
    }
    let found: Option<i64> = db::query_scalar(db, &format!("SELECT 1 FROM {} WHERE id = ?", info.table)).bind(id).fetch_optional(db).await?;
    Ok(found.map(|_| match info.table {
        "organizations" => format!("/organizations/{id}"),
        t => format!("/{t}/{id}/edit"),
    }))
}

/// How a select shows each kind of record that other records refer to, and the order.
/// Illustrative records say so in their label (an option cannot carry a badge).
fn label_sql(table: &str) -> Option<(&'static str, &'static str)> {
    Some(match table {
        "partnerships" => ("t.name || CASE WHEN t.illustrative THEN ' (illustrative)' ELSE '' END", "t.name COLLATE NOCASE"),
        "organizations" => (
            "t.name || coalesce(' (' || t.city || ', ' || t.state || ')', '') || CASE WHEN t.illustrative THEN ' (illustrative)' ELSE '' END",
            "t.name COLLATE NOCASE",
        ),
        "meetings" => ("t.held_on || ' · ' || t.title", "t.held_on DESC"),
        "priorities" => ("t.rank || '. ' || t.title", "t.rank"),
        "action_teams" => ("t.name", "t.name COLLATE NOCASE"),
        "initiatives" => ("t.title", "t.title COLLATE NOCASE"),
        "measures" => ("t.name || ' (' || t.unit || ')'", "t.name COLLATE NOCASE"),
        "wins" => ("t.title || CASE WHEN t.illustrative THEN ' (illustrative)' ELSE '' END", "t.title COLLATE NOCASE"),
        "observations" => (
            "x.name || ': ' || t.actual || ' ' || x.unit || ' for ' || t.period || CASE WHEN t.illustrative THEN ' (illustrative)' ELSE '' END",
            "x.name COLLATE NOCASE, t.period",
        ),
        _ => return None,
    })
}

/// The records of `table` a select offers, as (id, label). With `partnership`, only that
/// partnership's records (partnerships and organizations are never narrowed); without it,
/// every record, its label led by its partnership's name. A viewer who is not a network admin is
/// offered only partnerships they have a role in and those partnerships' records (forms add
/// records to one's own partnerships), so a select never names what they may not see.
pub async fn choices(db: &Db, table: &str, partnership: Option<Id>) -> Result<Vec<(Id, String)>, Error> {
    let (label, order) = label_sql(table).ok_or_else(|| Error::Internal(anyhow::anyhow!("no choices for table {table}")))?;
    let (join, pcol) = match parent_of(table) {
        Some((column, parent)) => (format!(" JOIN {parent} x ON x.id = t.{column}"), Some("x.partnership_id")),
        None if table == "partnerships" => (String::new(), Some("t.id")),
        None if has_partnership_column(table) => (String::new(), Some("t.partnership_id")),
        None => (String::new(), None),
    };
    let viewer = crate::auth::viewer();
    let mine: Option<String> = (!viewer.is_network_admin()).then(|| {
        let ids: Vec<String> = viewer.account.as_ref().map(|a| a.roles.keys().map(|i| i.to_string()).collect()).unwrap_or_default();
        serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
    });
    let scope = |pcol: &str| if mine.is_some() { format!(" AND {pcol} IN ({})", db.dialect().json_values("?")) } else { String::new() };
    let sql = match (pcol, partnership) {
        (Some(pcol), Some(_)) if table != "partnerships" => {
            format!("SELECT t.id, {label} FROM {table} t{join} WHERE {pcol} = ?{} ORDER BY {order}, t.id", scope(pcol))
        }
        (Some("t.id"), _) => format!("SELECT t.id, {label} FROM {table} t WHERE 1 = 1{} ORDER BY {order}, t.id", scope("t.id")),
        (Some(pcol), _) => format!(
            "SELECT t.id, p.name || ' · ' || {label} FROM {table} t{join} JOIN partnerships p ON p.id = {pcol} WHERE 1 = 1{} ORDER BY p.name COLLATE NOCASE, {order}, t.id",
            scope(pcol)
        ),
        (None, _) => format!("SELECT t.id, {label} FROM {table} t ORDER BY {order}, t.id"),
    };
    let mut q = db::query_as::<(Id, String)>(db, &sql);
    if let (Some(pcol), Some(p)) = (pcol, partnership) {
        if pcol != "t.id" {
            q = q.bind(p);
        }
    }
    if let (Some(_), Some(m)) = (pcol, mine) {
        q = q.bind(m);
    }
    Ok(q.fetch_all(db).await?)
}

/// An organization offered on a meeting's attendance list.
#[derive(Debug, Clone, PartialEq)]
pub struct OrgChoice {
    pub id: Id,
    pub name: String,
    pub kind: OrgKind,
    /// An invented example organization.
    pub illustrative: bool,
}

/// Organizations that are or were members of a partnership, by name.
pub async fn member_organizations(db: &Db, partnership: Id) -> Result<Vec<OrgChoice>, Error> {
    let rows: Vec<(Id, String, OrgKind, Flag)> = db::query_as(
        db,
        "SELECT o.id, o.name, o.kind, o.illustrative FROM organizations o \
         WHERE o.id IN (SELECT m.organization_id FROM memberships m WHERE m.partnership_id = ?) ORDER BY o.name COLLATE NOCASE, o.id",
    )
    .bind(partnership)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, name, kind, illustrative)| OrgChoice { id, name, kind, illustrative: illustrative.0 }).collect())
}

/// Organizations recorded as attending a meeting, by name.
pub async fn attendees(db: &Db, meeting: Id) -> Result<Vec<OrgChoice>, Error> {
    let rows: Vec<(Id, String, OrgKind, Flag)> = db::query_as(
        db,
        "SELECT o.id, o.name, o.kind, o.illustrative FROM organizations o JOIN meeting_attendance a ON a.organization_id = o.id \
         WHERE a.meeting_id = ? ORDER BY o.name COLLATE NOCASE, o.id",
    )
    .bind(meeting)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(id, name, kind, illustrative)| OrgChoice { id, name, kind, illustrative: illustrative.0 }).collect())
}

/// Create (`id` `None`) or update a meeting and make its attendance exactly `attending`, in one
/// transaction: attendance rows of organizations no longer listed are deleted, new ones are
/// inserted (each checked like any record). An organization that does not exist is an error on
/// `attendees`. `if_version` works as in [`super::update`].
pub async fn save_meeting(db: &Db, id: Option<Id>, if_version: Option<i64>, fields: MeetingFields, attending: &[Id]) -> Result<Meeting, Error> {
    let mut tx = db::begin_write(db).await?;
    let record = match id {
        Some(id) => update_in(&mut tx, id, if_version, fields).await?,
        None => {
            let now = db::now();
            let meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
            insert_in(&mut tx, &meta, &fields).await?;
            Record { meta, fields }
        }
    };
    let meeting = record.id();
    let rows: Vec<(Id, Id)> = db::query_as(&tx, "SELECT id, organization_id FROM meeting_attendance WHERE meeting_id = ?").bind(meeting).fetch_all(&mut *tx).await?;
    let current: Vec<Id> = rows.iter().map(|(_, org)| *org).collect();
    for (row, _) in rows.iter().filter(|(_, org)| !attending.contains(org)) {
        delete_in::<AttendanceFields>(&mut tx, *row, None).await?;
    }
    let mut added = Vec::new();
    for org in attending.iter().filter(|o| !current.contains(o)) {
        if added.contains(org) {
            continue;
        }
        added.push(*org);
        let now = db::now();
        let meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
        match insert_in(&mut tx, &meta, &AttendanceFields { meeting_id: meeting, organization_id: *org }).await {
            Ok(()) => {}
            Err(Error::Validation(errs)) => {
                let mut out = FieldErrors::default();
                for (_, message) in errs.iter() {
                    out.add("attendees", message);
                }
                return Err(Error::Validation(out));
            }
            Err(e) => return Err(e),
        }
    }
    db::commit(tx).await?;
    Ok(record)
}

/// Records that refer to the record about to be deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Dependent {
    pub table: &'static str,
    pub singular: &'static str,
    pub count: i64,
    /// `true` when the schema deletes them with it (`ON DELETE CASCADE`); `false` when they stay
    /// and lose the reference (`ON DELETE SET NULL`).
    pub deleted: bool,
}

/// What deleting record `id` of `table` would delete or detach, by table (direct references
/// only; what belongs to those goes with them).
pub async fn dependents(db: &Db, table: &str, id: Id) -> Result<Vec<Dependent>, Error> {
    let mut out = Vec::new();
    for info in table_infos() {
        for r in info.refs.iter().filter(|r| r.table == table) {
            let count: i64 = db::query_scalar(db, &format!("SELECT count(*) FROM {} WHERE {} = ?", info.table, r.column)).bind(id).fetch_one(db).await?;
            if count == 0 {
                continue;
            }
            // What the schema does on delete, as the database itself tells it.
            let sql = match db.dialect() {
                Dialect::Sqlite => "SELECT on_delete FROM pragma_foreign_key_list(?) WHERE \"from\" = ?",
                Dialect::Postgres => {
                    "SELECT CAST(rc.delete_rule AS text) FROM information_schema.key_column_usage k
                     JOIN information_schema.referential_constraints rc ON rc.constraint_schema = k.constraint_schema AND rc.constraint_name = k.constraint_name
                     WHERE k.table_schema = current_schema() AND k.table_name = ? AND k.column_name = ?"
                }
            };
            let on_delete: Option<String> = db::query_scalar(db, sql).bind(info.table).bind(r.column).fetch_optional(db).await?;
            out.push(Dependent { table: info.table, singular: info.singular, count, deleted: on_delete.as_deref() == Some("CASCADE") });
        }
    }
    Ok(out)
}

/// A measure another module records values of: found by its name within the partnership
/// (ignoring case), created with these fields when the partnership has none of that name.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureSpec {
    pub name: String,
    pub unit: String,
    pub direction: Direction,
    pub category: MeasureCategory,
    pub description: Option<String>,
}

/// A value another module records on a measure (see [`record_observation_in`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedValue {
    /// The period the value is for.
    pub period: PartialDate,
    /// In the measure's unit.
    pub actual: f64,
    /// Where the value comes from, in words.
    pub source_note: Option<String>,
    pub source_url: Option<String>,
    /// The value was computed from invented example records (e.g. a freight plan of the demo's
    /// illustrative members): the observation is `illustrative`, badged and left out of network
    /// figures by default.
    pub illustrative: bool,
}

/// Record one observation of a partnership's measure inside an open transaction, for a module
/// that produces figures (e.g. freight savings): the measure named `spec.name` is found, or
/// created from `spec`; the observation is checked and inserted like any record. Returns the
/// observation's id. Errors: the record checks of measures and observations (`Validation`).
pub async fn record_observation_in(conn: &mut Conn, partnership: Id, spec: &MeasureSpec, value: RecordedValue) -> Result<Id, Error> {
    let existing: Option<Id> = db::query_scalar(conn, "SELECT id FROM measures WHERE partnership_id = ? AND name = ? COLLATE NOCASE ORDER BY id LIMIT 1")
        .bind(partnership)
        .bind(spec.name.trim())
        .fetch_optional(&mut *conn)
        .await?;
    let measure = match existing {
        Some(id) => id,
        None => {
            let now = db::now();
            let meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
            let fields = MeasureFields {
                partnership_id: partnership,
                initiative_id: None,
                name: spec.name.clone(),
                unit: spec.unit.clone(),
                direction: spec.direction,
                category: spec.category,
                description: spec.description.clone(),
            };
            insert_in(conn, &meta, &fields).await?;
            meta.id
        }
    };
    let now = db::now();
    let meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
    let RecordedValue { period, actual, source_note, source_url, illustrative } = value;
    let obs = ObservationFields { measure_id: measure, period, actual, target: None, source_note, source_url, illustrative };
    insert_in(conn, &meta, &obs).await?;
    Ok(meta.id)
}

//! All SQL of the network module lives under `store/`. This file: generic create/read/update/delete
//! for every [`Entity`]. `views.rs`: the read queries of pages, health check and report. `bulk.rs`:
//! import and export. `forms.rs`: what the edit forms and the API need beyond one record (choices
//! of related records, the partnership a record belongs to, meeting attendance).
//!
//! Every change runs in one transaction: validation of the fields, reference checks (the row
//! referred to exists and, where required, belongs to the same partnership), the rule that an
//! action team's business lead is a business, and the write itself.

pub mod bulk;
pub mod views;

use serde_json::Value;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};

pub mod forms;

use super::entity::{validate, Entity};
use super::model::{Meta, OrgKind, PartnershipFields, Record, TeamRole};
use crate::audit::{self, Action};
use crate::db::{self, Conn, Db, Flag, Id};
use crate::web::{Error, FieldErrors};

/// A page of a list: 1-based page number and page size.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    /// Largest page size a client may ask for.
    pub const MAX_PER_PAGE: u32 = 500;
    fn offset(&self) -> i64 {
        (self.page.saturating_sub(1) as i64) * self.per_page as i64
    }
}

/// Equality filters (`column = value`) and an optional case-insensitive search on the entity's
/// search column. Columns must come from [`Entity::FILTERS`]; the caller checks that.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub equals: Vec<(&'static str, String)>,
    pub search: Option<String>,
    /// An SQL condition over the table aliased `t` and the one value it binds, keeping only the
    /// rows the viewer may see (`auth::access::Visibility::sql_condition`).
    pub visible: Option<(String, String)>,
}

/// Bind one field value taken from a record's JSON form. A null goes as [`db::NULL`], which
/// every backend assigns to a column of any type.
fn bind_value(args: &mut AnyArguments<'_>, v: &Value) -> Result<(), sqlx::error::BoxDynError> {
    match v {
        Value::Null => args.add(db::NULL),
        Value::Bool(b) => args.add(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => args.add(i),
            None => args.add(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => args.add(s.clone()),
        other => args.add(other.to_string()),
    }
}

fn field_values<F: Entity>(fields: &F) -> Result<Vec<Value>, Error> {
    let Value::Object(map) = serde_json::to_value(fields).map_err(|e| Error::Internal(e.into()))? else {
        return Err(Error::Internal(anyhow::anyhow!("{} fields are not an object", F::TABLE)));
    };
    Ok(F::COLUMNS.iter().map(|c| map.get(*c).cloned().unwrap_or(Value::Null)).collect())
}

fn select_sql<F: Entity>() -> String {
    format!("SELECT id, version, created_at, updated_at, {} FROM {}", F::COLUMNS.join(", "), F::TABLE)
}

/// One record by id. Errors: `NotFound` naming the kind of record.
pub async fn get<F: Entity>(db: &Db, id: Id) -> Result<Record<F>, Error> {
    let sql = format!("{} WHERE id = ?", select_sql::<F>());
    db::query_as::<Record<F>>(db, &sql)
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("{} {id}", F::SINGULAR)))
}

fn where_clause<F: Entity>(filter: &ListFilter, args: &mut AnyArguments<'_>) -> Result<String, Error> {
    let mut clauses = Vec::new();
    for (col, val) in &filter.equals {
        clauses.push(format!("{col} = ?"));
        let v = if *col == "illustrative" {
            Value::Bool(matches!(val.as_str(), "true" | "1" | "yes"))
        } else {
            Value::String(val.clone())
        };
        bind_value(args, &v).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    }
    if let (Some(q), Some(col)) = (&filter.search, F::SEARCH) {
        clauses.push(format!("instr(lower({col}), ?) > 0"));
        args.add(db::search_needle(q)).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    }
    if let Some((condition, value)) = &filter.visible {
        clauses.push(condition.clone());
        args.add(value.clone()).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    }
    Ok(if clauses.is_empty() { String::new() } else { format!(" WHERE {}", clauses.join(" AND ")) })
}

/// A page of records matching `filter`, in [`Entity::ORDER`], and the total number matching.
pub async fn list<F: Entity>(db: &Db, filter: &ListFilter, page: PageRequest) -> Result<(Vec<Record<F>>, i64), Error> {
    let mut args = AnyArguments::default();
    let wc = where_clause::<F>(filter, &mut args)?;
    let total: i64 = db::query_scalar_with(db, &format!("SELECT count(*) FROM {} t{wc}", F::TABLE), args).fetch_one(db).await?;
    let mut args = AnyArguments::default();
    let wc = where_clause::<F>(filter, &mut args)?;
    args.add(page.per_page as i64).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    args.add(page.offset()).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let sql = format!("{} t{wc} ORDER BY {} LIMIT ? OFFSET ?", select_sql::<F>(), F::ORDER);
    let rows = db::query_as_with::<Record<F>>(db, &sql, args).fetch_all(db).await?;
    Ok((rows, total))
}

/// Every record of a kind, in id order (export).
pub async fn all<F: Entity>(db: &Db) -> Result<Vec<Record<F>>, Error> {
    let sql = format!("{} ORDER BY id", select_sql::<F>());
    Ok(db::query_as::<Record<F>>(db, &sql).fetch_all(db).await?)
}

/// Every record of a kind whose `column` equals `id`, in [`Entity::ORDER`].
pub async fn children<F: Entity>(db: &Db, column: &str, id: Id) -> Result<Vec<Record<F>>, Error> {
    debug_assert!(F::COLUMNS.contains(&column));
    let sql = format!("{} WHERE {column} = ? ORDER BY {}", select_sql::<F>(), F::ORDER);
    Ok(db::query_as::<Record<F>>(db, &sql).bind(id).fetch_all(db).await?)
}

/// Check everything about `fields` that needs the database: each reference exists (and belongs to
/// the same partnership where the entity says so), and an action team's business lead is a
/// business. Adds one message per problem.
async fn check_references<F: Entity>(conn: &mut Conn, fields: &F, errs: &mut FieldErrors) -> Result<(), Error> {
    let values = field_values(fields)?;
    for rf in F::REFS {
        let idx = F::COLUMNS.iter().position(|c| *c == rf.column).unwrap_or(0);
        let Some(id) = values[idx].as_str() else { continue };
        let has_partnership = !matches!(rf.table, "partnerships" | "organizations" | "meeting_attendance" | "action_team_members" | "milestones" | "observations" | "win_observations");
        let sql = if has_partnership {
            format!("SELECT partnership_id FROM {} WHERE id = ?", rf.table)
        } else {
            format!("SELECT NULL FROM {} WHERE id = ?", rf.table)
        };
        let row = db::query(conn, &sql).bind(id).fetch_optional(&mut *conn).await?;
        match row {
            None => errs.add(rf.column, format!("no {} with id {id}", crate::auth::access::singular(rf.table))),
            Some(row) if rf.same_partnership => {
                let theirs: Option<String> = row.try_get(0).ok();
                let ours = fields.partnership_id().map(|p| p.to_string());
                if theirs.is_some() && ours.is_some() && theirs != ours {
                    errs.add(rf.column, format!("{id} belongs to another partnership"));
                }
            }
            Some(_) => {}
        }
    }
    // A win's evidence must be an observation of a measure of the win's own partnership.
    if F::TABLE == "win_observations" {
        let win_idx = F::COLUMNS.iter().position(|c| *c == "win_id").unwrap_or(0);
        let obs_idx = F::COLUMNS.iter().position(|c| *c == "observation_id").unwrap_or(0);
        if let (Some(win), Some(obs)) = (values[win_idx].as_str(), values[obs_idx].as_str()) {
            let same: Option<Flag> = db::query_scalar(
                conn,
                "SELECT w.partnership_id = m.partnership_id FROM wins w, observations o JOIN measures m ON m.id = o.measure_id WHERE w.id = ? AND o.id = ?",
            )
            .bind(win)
            .bind(obs)
            .fetch_optional(&mut *conn)
            .await?;
            if same == Some(Flag(false)) {
                errs.add("observation_id", format!("{obs} is an observation of another partnership's measure"));
            }
        }
    }
    // An action team's business lead must be a business (or an industry association).
    if F::TABLE == "action_team_members" {
        let role_idx = F::COLUMNS.iter().position(|c| *c == "role").unwrap_or(0);
        let org_idx = F::COLUMNS.iter().position(|c| *c == "organization_id").unwrap_or(0);
        if values[role_idx].as_str() == Some(TeamRole::BusinessLead.as_str()) {
            if let Some(org) = values[org_idx].as_str() {
                let kind: Option<String> =
                    db::query_scalar(conn, "SELECT kind FROM organizations WHERE id = ?").bind(org).fetch_optional(&mut *conn).await?;
                if let Some(kind) = kind.as_deref().and_then(OrgKind::parse) {
                    if !kind.is_industry() {
                        errs.add("organization_id", format!("a business lead must be a business, not a {}", kind.label().to_lowercase()));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Map a constraint failure (either backend) to a field message where it names a column.
fn constraint_error<F: Entity>(e: sqlx::Error) -> Error {
    if let Some(v) = db::unique_violation(&e) {
        let mut errs = FieldErrors::default();
        let col = if v.constraint.as_deref() == Some("partnerships_name_uq") { "name" } else { v.columns.first().map(String::as_str).unwrap_or("id") };
        let what = if v.columns.len() > 1 {
            format!("this {} already exists", F::SINGULAR)
        } else {
            format!("another {} already has this {}", F::SINGULAR, col.replace('_', " "))
        };
        errs.add(col, what);
        return Error::Validation(errs);
    }
    if db::is_foreign_key_violation(&e) {
        return Error::Conflict(format!("this {} is referred to by other records", F::SINGULAR));
    }
    Error::from(e)
}

/// Insert a record inside an open transaction, after validation and reference checks, and record
/// it in the audit log (same transaction). `meta` gives the id, version and timestamps (import
/// keeps them; new records get fresh ones).
pub async fn insert_in<F: Entity>(conn: &mut Conn, meta: &Meta, fields: &F) -> Result<(), Error> {
    insert_without_audit_in(conn, meta, fields).await?;
    let owners = owners(conn, meta.id, None, Some(fields)).await?;
    audit_change(conn, Action::Create, meta.id, owners, None, Some(fields)).await
}

/// [`insert_in`] without its audit entry: for imports, which record one entry for all their rows
/// (see `bulk::import`). Anything else uses [`insert_in`].
pub async fn insert_without_audit_in<F: Entity>(conn: &mut Conn, meta: &Meta, fields: &F) -> Result<(), Error> {
    let mut errs = validate(fields);
    check_references(conn, fields, &mut errs).await?;
    errs.into_result()?;
    let values = field_values(fields)?;
    let mut args = AnyArguments::default();
    let ie = |e| Error::Internal(anyhow::anyhow!("{e}"));
    args.add(meta.id).map_err(ie)?;
    args.add(meta.version).map_err(ie)?;
    args.add(db::timestamp_text(&meta.created_at)).map_err(ie)?;
    args.add(db::timestamp_text(&meta.updated_at)).map_err(ie)?;
    for v in &values {
        bind_value(&mut args, v).map_err(ie)?;
    }
    let placeholders = vec!["?"; F::COLUMNS.len() + 4].join(", ");
    let sql = format!("INSERT INTO {} (id, version, created_at, updated_at, {}) VALUES ({placeholders})", F::TABLE, F::COLUMNS.join(", "));
    // A refused row (a duplicate) leaves the transaction usable, so an import can name every problem.
    let statement = db::query_with(conn, &sql, args);
    db::execute_guarded(conn, statement).await.map_err(constraint_error::<F>)?;
    Ok(())
}

/// The partnership record `id` with `fields` belongs to: itself for a partnership, its
/// `partnership_id`, or its parent's (an attendance row's meeting, a milestone's initiative, an
/// observation's measure, ...), read in the open transaction. `None` for organizations and
/// people of no partnership.
async fn owner<F: Entity>(conn: &mut Conn, id: Id, fields: &F) -> Result<Option<Id>, Error> {
    if F::TABLE == PartnershipFields::TABLE {
        return Ok(Some(id));
    }
    if let Some(p) = fields.partnership_id() {
        return Ok(Some(p));
    }
    let Some((column, parent)) = forms::parent_of(F::TABLE) else { return Ok(None) };
    let values = field_values(fields)?;
    let Some(parent_id) = F::COLUMNS.iter().position(|c| *c == column).and_then(|i| values[i].as_str().map(str::to_string)) else {
        return Ok(None);
    };
    Ok(db::query_scalar(conn, &format!("SELECT partnership_id FROM {parent} WHERE id = ?")).bind(parent_id).fetch_optional(&mut *conn).await?)
}

/// The partnerships whose logs show a change of record `id`: the owner before and the owner
/// after (the same one unless a person moved to another partnership), or one `None` when it
/// belongs to none.
async fn owners<F: Entity>(conn: &mut Conn, id: Id, before: Option<&F>, after: Option<&F>) -> Result<Vec<Option<Id>>, Error> {
    let mut out = Vec::new();
    for f in [after, before].into_iter().flatten() {
        let o = owner(conn, id, f).await?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    if out.len() > 1 {
        out.retain(Option::is_some);
    }
    Ok(out)
}

/// The fields of a record as the audit log keeps them: a JSON object of its columns.
fn audit_json<F: Entity>(fields: &F) -> Result<Value, Error> {
    serde_json::to_value(fields).map_err(|e| Error::Internal(e.into()))
}

/// Record a change of record `id` in the audit log (one entry per partnership in `owners`), in
/// the open transaction.
async fn audit_change<F: Entity>(
    conn: &mut Conn,
    action: Action,
    id: Id,
    owners: Vec<Option<Id>>,
    before: Option<&F>,
    after: Option<&F>,
) -> Result<(), Error> {
    let name = after.or(before).map(|f| f.display_name()).unwrap_or_default();
    let verb = match action {
        Action::Create => "Created",
        Action::Update => "Changed",
        Action::Delete => "Deleted",
        Action::Import => "Imported",
        Action::Approve => "Approved",
    };
    let summary = format!("{verb} {} '{name}'", F::SINGULAR);
    let before = before.map(audit_json).transpose()?;
    let after = after.map(audit_json).transpose()?;
    for partnership_id in owners {
        let change = audit::Change {
            action,
            table: F::TABLE.to_string(),
            entity_id: Some(id),
            partnership_id,
            before: before.clone(),
            after: after.clone(),
            summary: summary.clone(),
        };
        audit::record(conn, change).await?;
    }
    Ok(())
}

/// Create a new record with a fresh UUIDv7, version 1, in its own transaction.
pub async fn create<F: Entity>(db: &Db, fields: F) -> Result<Record<F>, Error> {
    let now = db::now();
    let meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
    let mut tx = db::begin_write(db).await?;
    insert_in(&mut tx, &meta, &fields).await?;
    db::commit(tx).await?;
    Ok(Record { meta, fields })
}

/// Replace the fields of a record, in its own transaction. When `if_version` is given and the
/// stored version differs, nothing is written and the error is `PreconditionFailed` (someone
/// else changed it).
pub async fn update<F: Entity>(db: &Db, id: Id, if_version: Option<i64>, fields: F) -> Result<Record<F>, Error> {
    let mut tx = db::begin_write(db).await?;
    let record = update_in(&mut tx, id, if_version, fields).await?;
    db::commit(tx).await?;
    Ok(record)
}

/// [`update`] inside an open transaction, so a change can span several records.
pub async fn update_in<F: Entity>(conn: &mut Conn, id: Id, if_version: Option<i64>, fields: F) -> Result<Record<F>, Error> {
    let sql = format!("{} WHERE id = ?", select_sql::<F>());
    let before: Option<Record<F>> = db::query_as(conn, &sql).bind(id).fetch_optional(&mut *conn).await?;
    let Some(before) = before else {
        return Err(Error::NotFound(format!("{} {id}", F::SINGULAR)));
    };
    let (version, created_at) = (before.meta.version, before.meta.created_at);
    if let Some(expected) = if_version {
        if expected != version {
            return Err(Error::PreconditionFailed(format!(
                "this {} was changed by someone else (now version {version}, you edited version {expected}); reload it and apply your change again",
                F::SINGULAR
            )));
        }
    }
    let mut errs = validate(&fields);
    if !F::FIXED.is_empty() {
        let values = field_values(&fields)?;
        let sql = format!("SELECT {} FROM {} WHERE id = ?", F::FIXED.join(", "), F::TABLE);
        let row = db::query(conn, &sql).bind(id).fetch_one(&mut *conn).await?;
        for (i, col) in F::FIXED.iter().enumerate() {
            let stored: Option<String> = row.try_get(i)?;
            let idx = F::COLUMNS.iter().position(|c| c == col).unwrap_or(0);
            if values[idx].as_str() != stored.as_deref() {
                errs.add(col, format!("cannot be changed once the {} exists; create a new one there instead", F::SINGULAR));
            }
        }
    }
    check_references(conn, &fields, &mut errs).await?;
    errs.into_result()?;
    let meta = Meta { id, version: version + 1, created_at, updated_at: db::now() };
    let values = field_values(&fields)?;
    let mut args = AnyArguments::default();
    let ie = |e| Error::Internal(anyhow::anyhow!("{e}"));
    args.add(meta.version).map_err(ie)?;
    args.add(db::timestamp_text(&meta.updated_at)).map_err(ie)?;
    for v in &values {
        bind_value(&mut args, v).map_err(ie)?;
    }
    args.add(id).map_err(ie)?;
    let sets: Vec<String> = F::COLUMNS.iter().map(|c| format!("{c} = ?")).collect();
    let sql = format!("UPDATE {} SET version = ?, updated_at = ?, {} WHERE id = ?", F::TABLE, sets.join(", "));
    db::query_with(conn, &sql, args).execute(&mut *conn).await.map_err(constraint_error::<F>)?;
    let owners = owners(conn, id, Some(&before.fields), Some(&fields)).await?;
    audit_change(conn, Action::Update, id, owners, Some(&before.fields), Some(&fields)).await?;
    Ok(Record { meta, fields })
}

/// Delete a record (and, by the schema's cascades, what belongs to it), in its own transaction.
/// With `if_version`, a changed record is not deleted (`PreconditionFailed`).
pub async fn delete<F: Entity>(db: &Db, id: Id, if_version: Option<i64>) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    delete_in::<F>(&mut tx, id, if_version).await?;
    db::commit(tx).await?;
    Ok(())
}

/// [`delete`] inside an open transaction; the audit entry keeps the record's fields as they were.
/// Errors: `NotFound`, `PreconditionFailed`, `Conflict` when other records still refer to it.
pub async fn delete_in<F: Entity>(conn: &mut Conn, id: Id, if_version: Option<i64>) -> Result<(), Error> {
    let sql = format!("{} WHERE id = ?", select_sql::<F>());
    let before: Option<Record<F>> = db::query_as(conn, &sql).bind(id).fetch_optional(&mut *conn).await?;
    let Some(before) = before else {
        return Err(Error::NotFound(format!("{} {id}", F::SINGULAR)));
    };
    if let Some(expected) = if_version {
        if expected != before.meta.version {
            return Err(Error::PreconditionFailed(format!("this {} was changed by someone else since you read it", F::SINGULAR)));
        }
    }
    // The owner is read before the row (and perhaps its parent) is gone.
    let owners = owners(conn, id, Some(&before.fields), None).await?;
    db::query(conn, &format!("DELETE FROM {} WHERE id = ?", F::TABLE)).bind(id).execute(&mut *conn).await.map_err(constraint_error::<F>)?;
    audit_change(conn, Action::Delete, id, owners, Some(&before.fields), None).await
}

/// Is the database empty of partnerships (first start)?
pub async fn is_empty(db: &Db) -> Result<bool, Error> {
    let n: i64 = db::query_scalar(db, "SELECT count(*) FROM partnerships").fetch_one(db).await?;
    Ok(n == 0)
}

/// Delete every row of every network table (used before a full import into the same database),
/// with one audit entry per table that had rows (how many; not the rows themselves).
pub async fn clear_all(conn: &mut Conn) -> Result<(), Error> {
    for t in super::entity::TABLES.iter().rev() {
        let n = db::query(conn, &format!("DELETE FROM {t}")).execute(&mut *conn).await?.rows_affected();
        if n > 0 {
            let change = audit::Change {
                action: Action::Delete,
                table: t.to_string(),
                entity_id: None,
                partnership_id: None,
                before: Some(serde_json::json!({"rows": n})),
                after: None,
                summary: format!("Deleted every row of {} ({n} rows)", t.replace('_', " ")),
            };
            audit::record(conn, change).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::model::*;
    use sqlx::types::Json;

    fn fields(name: &str) -> PartnershipFields {
        PartnershipFields {
            slug: slugify(name),
            name: name.into(),
            sector_label: "Manufacturing".into(),
            naics_codes: Json(vec!["31-33".into()]),
            region_name: "Mohave County".into(),
            region_counties: Json(vec!["04015".into()]),
            region_states: Json(vec!["AZ".into()]),
            launched: Some(PartialDate::parse("2017-05").unwrap()),
            stage: Some(Stage::Implementing),
            stage_reported: None,
            website: None,
            source_urls: Json(vec!["https://example.org/a".into()]),
            illustrative: false,
        }
    }

    #[tokio::test]
    async fn create_read_update_delete_with_versions() {
        let scratch = db::scratch::Scratch::new().await.unwrap();
        let db = scratch.connect().await.unwrap();
        let p = create(&db, fields("Alpha Makers")).await.unwrap();
        let got: Partnership = get(&db, p.id()).await.unwrap();
        assert_eq!(got, p);
        // duplicate name (ignoring case) is a field error on `name`
        let err = create(&db, PartnershipFields { slug: "other".into(), ..fields("ALPHA makers") }).await.unwrap_err();
        match err {
            Error::Validation(fe) => assert_eq!(fe.iter().next().unwrap(), ("name", "another partnership already has this name")),
            other => panic!("{other:?}"),
        }
        let mut f = p.fields.clone();
        f.region_counties = Json(vec!["04015".into(), "04025".into()]);
        let updated = update(&db, p.id(), Some(1), f.clone()).await.unwrap();
        assert_eq!(updated.meta.version, 2);
        let stale = update(&db, p.id(), Some(1), f).await.unwrap_err();
        assert!(matches!(stale, Error::PreconditionFailed(_)), "{stale:?}");
        let (rows, total) = list::<PartnershipFields>(&db, &ListFilter { search: Some("alpha".into()), ..Default::default() }, PageRequest { page: 1, per_page: 10 }).await.unwrap();
        assert_eq!((rows.len(), total), (1, 1));
        assert_eq!(rows[0].fields.region_counties.0, vec!["04015", "04025"]);
        // a membership referring to a missing organization is refused with the field named
        let m = MembershipFields { partnership_id: p.id(), organization_id: Id::new(), role: MembershipRole::Convener, started: None, ended: None };
        match create(&db, m).await.unwrap_err() {
            Error::Validation(fe) => assert_eq!(fe.iter().next().unwrap().0, "organization_id"),
            other => panic!("{other:?}"),
        }
        delete::<PartnershipFields>(&db, p.id(), Some(2)).await.unwrap();
        assert!(matches!(get::<PartnershipFields>(&db, p.id()).await, Err(Error::NotFound(_))));
    }

    #[tokio::test]
    async fn clearing_every_table_is_logged_by_table() {
        let scratch = db::scratch::Scratch::new().await.unwrap();
        let db = scratch.connect().await.unwrap();
        create(&db, fields("Alpha Makers")).await.unwrap();
        create(&db, fields("Beta Makers")).await.unwrap();
        let mut tx = db::begin_write(&db).await.unwrap();
        clear_all(&mut tx).await.unwrap();
        db::commit(tx).await.unwrap();
        let rows: Vec<(String, String, Option<String>, String)> =
            db::query_as(&db, "SELECT action, entity_table, before_json, summary FROM audit_log ORDER BY at, id").fetch_all(&db).await.unwrap();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[2], ("delete".into(), "partnerships".into(), Some(r#"{"rows":2}"#.into()), "Deleted every row of partnerships (2 rows)".into()));
    }
}

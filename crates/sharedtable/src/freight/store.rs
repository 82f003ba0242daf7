//! All SQL of the freight module: settings, shipments, plans and the plan-observation links.
//! Every change is one transaction ending in [`db::commit`], which raises the data generation
//! so cached pages are known to be stale; a plan job's progress ticks are the one exception
//! (they are not data, and pages of plans in progress are never cached).
//!
//! Every change also writes its audit entry in the same transaction ([`crate::audit::record`]):
//! shipments created, changed and deleted (fields before and after), an import of shipments
//! (one entry: the file and the rows), settings saved, a plan asked for, finished or failed, and
//! approved. A job's start (queued to running) and progress are bookkeeping, not logged.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use sqlx::types::Json;

use serde_json::Value;

use super::model::*;
use crate::audit::{self, Action, Change};
use crate::db::{self, Conn, Db, DbText, Flag, Id};
use crate::web::{Error, FieldErrors};

// ---------------------------------------------------------------------------------------------
// Settings

const SETTINGS_SELECT: &str = "SELECT fleet, max_driving_minutes, max_duty_minutes, travel_kind, circuity, average_speed_mph, matrix_csv, going_alone,
    allocation_method, max_seconds, seed, version FROM freight_settings WHERE partnership_id = ?";

#[derive(sqlx::FromRow)]
struct SettingsRow {
    #[sqlx(try_from = "DbText")]
    fleet: Json<Vec<VehicleSetting>>,
    max_driving_minutes: i64,
    max_duty_minutes: i64,
    travel_kind: String,
    circuity: f64,
    average_speed_mph: f64,
    matrix_csv: Option<String>,
    #[sqlx(try_from = "DbText")]
    going_alone: Json<serde_json::Value>,
    allocation_method: String,
    max_seconds: f64,
    seed: i64,
    version: i64,
}

/// A partnership's saved settings and their version, or `None` when it has saved none.
pub async fn settings(db: &Db, partnership: Id) -> Result<Option<(Settings, i64)>, Error> {
    let row: Option<SettingsRow> = db::query_as(db, SETTINGS_SELECT).bind(partnership).fetch_optional(db).await?;
    Ok(row.map(SettingsRow::into_settings))
}

impl SettingsRow {
    fn into_settings(self) -> (Settings, i64) {
        let r = self;
        (
            Settings {
                fleet: r.fleet.0,
                max_driving_minutes: r.max_driving_minutes.max(0) as u32,
                max_duty_minutes: r.max_duty_minutes.max(0) as u32,
                travel_kind: TravelKind::parse(&r.travel_kind).unwrap_or(TravelKind::GreatCircle),
                circuity: r.circuity,
                average_speed_mph: r.average_speed_mph,
                matrix_csv: r.matrix_csv,
                going_alone: r.going_alone.0,
                allocation_method: SplitMethod::parse(&r.allocation_method).unwrap_or(SplitMethod::Shapley),
                max_seconds: r.max_seconds,
                seed: r.seed as u64,
            },
            r.version,
        )
    }
}

/// A 32-bit FNV-1a fingerprint of `text`, to tell two uploads apart in the audit log.
fn fingerprint(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Settings as the audit log keeps them: every field, the uploaded matrix (up to 10 MiB) replaced
/// by its size and fingerprint, e.g. `(uploaded matrix: 412 lines, fingerprint 1a2b3c4d)`.
fn settings_audit_json(s: &Settings) -> Value {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let (Some(map), Some(csv)) = (v.as_object_mut(), &s.matrix_csv) {
        map.insert("matrix_csv".into(), Value::String(format!("(uploaded matrix: {} lines, fingerprint {:08x})", csv.lines().count(), fingerprint(csv))));
    }
    v
}

/// Save a partnership's settings (already checked). With `if_version`, settings changed since
/// are not overwritten (`PreconditionFailed`). Returns the new version.
pub async fn save_settings(db: &Db, partnership: Id, if_version: Option<i64>, s: &Settings) -> Result<i64, Error> {
    let mut tx = db::begin_write(db).await?;
    let version = save_settings_in(&mut tx, partnership, if_version, s).await?;
    db::commit(tx).await?;
    Ok(version)
}

/// [`save_settings`] inside the caller's transaction (the demo loader saves its fleet with its
/// members and shipments, all or nothing).
pub async fn save_settings_in(tx: &mut Conn, partnership: Id, if_version: Option<i64>, s: &Settings) -> Result<i64, Error> {
    let before: Option<(Settings, i64)> =
        db::query_as::<SettingsRow>(&tx, SETTINGS_SELECT).bind(partnership).fetch_optional(&mut *tx).await?.map(SettingsRow::into_settings);
    let current = before.as_ref().map(|(_, v)| *v);
    if let (Some(expected), Some(now)) = (if_version, current) {
        if expected != now {
            return Err(Error::PreconditionFailed(format!(
                "the freight settings were changed by someone else (now version {now}, you edited version {expected}); reload them and apply your change again"
            )));
        }
    }
    let version = current.map(|v| v + 1).unwrap_or(1);
    let now = db::timestamp_text(&db::now());
    let fleet = serde_json::to_string(&s.fleet).map_err(|e| Error::Internal(e.into()))?;
    let going_alone = serde_json::to_string(&s.going_alone).map_err(|e| Error::Internal(e.into()))?;
    db::query(
        tx,
        "INSERT INTO freight_settings (partnership_id, fleet, max_driving_minutes, max_duty_minutes, travel_kind, circuity, average_speed_mph,
            matrix_csv, going_alone, allocation_method, max_seconds, seed, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (partnership_id) DO UPDATE SET fleet = excluded.fleet, max_driving_minutes = excluded.max_driving_minutes,
            max_duty_minutes = excluded.max_duty_minutes, travel_kind = excluded.travel_kind, circuity = excluded.circuity,
            average_speed_mph = excluded.average_speed_mph, matrix_csv = excluded.matrix_csv, going_alone = excluded.going_alone,
            allocation_method = excluded.allocation_method, max_seconds = excluded.max_seconds, seed = excluded.seed,
            version = excluded.version, updated_at = excluded.updated_at",
    )
    .bind(partnership)
    .bind(fleet)
    .bind(s.max_driving_minutes as i64)
    .bind(s.max_duty_minutes as i64)
    .bind(s.travel_kind.as_str())
    .bind(s.circuity)
    .bind(s.average_speed_mph)
    .bind(&s.matrix_csv)
    .bind(going_alone)
    .bind(s.allocation_method.as_str())
    .bind(s.max_seconds)
    .bind(s.seed as i64)
    .bind(version)
    .bind(&now)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let (action, summary) = if before.is_some() { (Action::Update, "Changed the freight settings") } else { (Action::Create, "Saved the freight settings") };
    let change = Change {
        action,
        table: "freight_settings".into(),
        entity_id: Some(partnership),
        partnership_id: Some(partnership),
        before: before.map(|(b, _)| settings_audit_json(&b)),
        after: Some(settings_audit_json(s)),
        summary: summary.into(),
    };
    audit::record(tx, change).await?;
    Ok(version)
}

// ---------------------------------------------------------------------------------------------
// Shipments

/// A stored shipment without its member's name.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredShipment {
    pub id: Id,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub fields: ShipmentFields,
}

#[derive(sqlx::FromRow)]
struct ShipmentRow {
    id: Id,
    version: i64,
    #[sqlx(try_from = "DbText")]
    created_at: DateTime<Utc>,
    #[sqlx(try_from = "DbText")]
    updated_at: DateTime<Utc>,
    partnership_id: Id,
    organization_id: Id,
    reference: String,
    pickup_city: String,
    pickup_state: String,
    pickup_latitude: f64,
    pickup_longitude: f64,
    delivery_city: String,
    delivery_state: String,
    delivery_latitude: f64,
    delivery_longitude: f64,
    pallets: i64,
    weight_lb: i64,
    pickup_earliest: String,
    pickup_latest: String,
    delivery_earliest: String,
    delivery_latest: String,
    pickup_service_minutes: i64,
    delivery_service_minutes: i64,
    notes: Option<String>,
}

/// A stored local time (written by [`local_text`], so it parses).
fn time(text: &str) -> NaiveDateTime {
    parse_local(text).unwrap_or_default()
}

impl From<ShipmentRow> for StoredShipment {
    fn from(r: ShipmentRow) -> Self {
        StoredShipment {
            id: r.id,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
            fields: ShipmentFields {
                partnership_id: r.partnership_id,
                organization_id: r.organization_id,
                reference: r.reference,
                pickup: Town { city: r.pickup_city, state: r.pickup_state, latitude: r.pickup_latitude, longitude: r.pickup_longitude },
                delivery: Town { city: r.delivery_city, state: r.delivery_state, latitude: r.delivery_latitude, longitude: r.delivery_longitude },
                pallets: r.pallets.max(0) as u32,
                weight_lb: r.weight_lb.max(0) as u32,
                pickup_earliest: time(&r.pickup_earliest),
                pickup_latest: time(&r.pickup_latest),
                delivery_earliest: time(&r.delivery_earliest),
                delivery_latest: time(&r.delivery_latest),
                pickup_service_minutes: r.pickup_service_minutes.max(0) as u32,
                delivery_service_minutes: r.delivery_service_minutes.max(0) as u32,
                notes: r.notes,
            },
        }
    }
}

const SHIPMENT_SELECT: &str = "SELECT id, version, created_at, updated_at, partnership_id, organization_id, reference, pickup_city, pickup_state,
    pickup_latitude, pickup_longitude, delivery_city, delivery_state, delivery_latitude, delivery_longitude, pallets, weight_lb,
    pickup_earliest, pickup_latest, delivery_earliest, delivery_latest, pickup_service_minutes, delivery_service_minutes, notes
    FROM freight_shipments";

/// Every shipment of a partnership, by pickup time then reference.
pub async fn shipments(db: &Db, partnership: Id) -> Result<Vec<StoredShipment>, Error> {
    let rows: Vec<ShipmentRow> = db::query_as(db, &format!("{SHIPMENT_SELECT} WHERE partnership_id = ? ORDER BY pickup_earliest, reference, id"))
        .bind(partnership)
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// One shipment. Errors: `NotFound`.
pub async fn shipment(db: &Db, id: Id) -> Result<StoredShipment, Error> {
    let row: Option<ShipmentRow> = db::query_as(db, &format!("{SHIPMENT_SELECT} WHERE id = ?")).bind(id).fetch_optional(db).await?;
    row.map(Into::into).ok_or_else(|| Error::NotFound(format!("shipment {id}")))
}

/// Whether shipment `id` exists.
pub async fn shipment_exists(db: &Db, id: Id) -> Result<bool, Error> {
    let found: Option<i64> = db::query_scalar(db, "SELECT 1 FROM freight_shipments WHERE id = ?").bind(id).fetch_optional(db).await?;
    Ok(found.is_some())
}

/// One shipment read in an open transaction, if it exists.
async fn shipment_in(conn: &mut Conn, id: Id) -> Result<Option<StoredShipment>, Error> {
    let row: Option<ShipmentRow> = db::query_as(conn, &format!("{SHIPMENT_SELECT} WHERE id = ?")).bind(id).fetch_optional(&mut *conn).await?;
    Ok(row.map(Into::into))
}

/// Record a change of one shipment in the audit log, in the open transaction.
async fn audit_shipment(conn: &mut Conn, action: Action, id: Id, before: Option<&ShipmentFields>, after: Option<&ShipmentFields>) -> Result<(), Error> {
    let Some(any) = after.or(before) else { return Ok(()) };
    let verb = match action {
        Action::Create => "Created",
        Action::Delete => "Deleted",
        _ => "Changed",
    };
    let json = |f: &ShipmentFields| serde_json::to_value(f).map_err(|e| Error::Internal(e.into()));
    let change = Change {
        action,
        table: "freight_shipments".into(),
        entity_id: Some(id),
        partnership_id: Some(any.partnership_id),
        before: before.map(json).transpose()?,
        after: after.map(json).transpose()?,
        summary: format!("{verb} shipment '{}'", any.reference),
    };
    audit::record(conn, change).await
}

fn duplicate_reference(e: sqlx::Error, reference: &str) -> Error {
    if db::unique_violation(&e).is_some() {
        let mut fe = FieldErrors::default();
        fe.add("reference", format!("another shipment of this partnership already has the reference '{reference}'"));
        return Error::Validation(fe);
    }
    Error::from(e)
}

/// Bind a shipment's columns from `organization_id` to `notes`, in the order the INSERT and the
/// UPDATE of shipments both list them.
fn bind_shipment_columns<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    f: &'q ShipmentFields,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    query
    .bind(f.organization_id)
    .bind(&f.reference)
    .bind(&f.pickup.city)
    .bind(&f.pickup.state)
    .bind(f.pickup.latitude)
    .bind(f.pickup.longitude)
    .bind(&f.delivery.city)
    .bind(&f.delivery.state)
    .bind(f.delivery.latitude)
    .bind(f.delivery.longitude)
    .bind(f.pallets as i64)
    .bind(f.weight_lb as i64)
    .bind(local_text(f.pickup_earliest))
    .bind(local_text(f.pickup_latest))
    .bind(local_text(f.delivery_earliest))
    .bind(local_text(f.delivery_latest))
    .bind(f.pickup_service_minutes as i64)
    .bind(f.delivery_service_minutes as i64)
    .bind(&f.notes)
}

async fn insert_shipment(conn: &mut Conn, id: Id, now: &str, f: &ShipmentFields) -> Result<(), Error> {
    let query = db::query(
        conn,
        "INSERT INTO freight_shipments (id, version, created_at, updated_at, partnership_id, organization_id, reference, pickup_city, pickup_state,
            pickup_latitude, pickup_longitude, delivery_city, delivery_state, delivery_latitude, delivery_longitude, pallets, weight_lb,
            pickup_earliest, pickup_latest, delivery_earliest, delivery_latest, pickup_service_minutes, delivery_service_minutes, notes)
         VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(now)
    .bind(now)
    .bind(f.partnership_id);
    bind_shipment_columns(query, f)
    .execute(&mut *conn)
    .await
    .map_err(|e| duplicate_reference(e, &f.reference))?;
    Ok(())
}

/// Create a shipment (already parsed and checked) in its own transaction.
pub async fn create_shipment(db: &Db, fields: ShipmentFields) -> Result<StoredShipment, Error> {
    let id = Id::new();
    let mut tx = db::begin_write(db).await?;
    let now = db::now();
    insert_shipment(&mut tx, id, &db::timestamp_text(&now), &fields).await?;
    audit_shipment(&mut tx, Action::Create, id, None, Some(&fields)).await?;
    db::commit(tx).await?;
    Ok(StoredShipment { id, version: 1, created_at: now, updated_at: now, fields })
}

/// Replace a shipment's fields. With `if_version`, a shipment changed since is not overwritten
/// (`PreconditionFailed`). A shipment cannot move to another partnership.
pub async fn update_shipment(db: &Db, id: Id, if_version: Option<i64>, fields: ShipmentFields) -> Result<StoredShipment, Error> {
    let mut tx = db::begin_write(db).await?;
    let Some(before) = shipment_in(&mut tx, id).await? else {
        return Err(Error::NotFound(format!("shipment {id}")));
    };
    let (version, partnership, created_at) = (before.version, before.fields.partnership_id, before.created_at);
    if let Some(expected) = if_version.filter(|v| *v != version) {
        return Err(Error::PreconditionFailed(format!(
            "this shipment was changed by someone else (now version {version}, you edited version {expected}); reload it and apply your change again"
        )));
    }
    if partnership != fields.partnership_id {
        return Err(Error::NotFound(format!("shipment {id} of this partnership")));
    }
    let now = db::now();
    let f = &fields;
    let query = db::query(
        &tx,
        "UPDATE freight_shipments SET version = ?, updated_at = ?, organization_id = ?, reference = ?, pickup_city = ?, pickup_state = ?,
            pickup_latitude = ?, pickup_longitude = ?, delivery_city = ?, delivery_state = ?, delivery_latitude = ?, delivery_longitude = ?,
            pallets = ?, weight_lb = ?, pickup_earliest = ?, pickup_latest = ?, delivery_earliest = ?, delivery_latest = ?,
            pickup_service_minutes = ?, delivery_service_minutes = ?, notes = ? WHERE id = ?",
    )
    .bind(version + 1)
    .bind(db::timestamp_text(&now));
    bind_shipment_columns(query, f)
    .bind(id)
    .execute(&mut *tx)
    .await
    .map_err(|e| duplicate_reference(e, &f.reference))?;
    audit_shipment(&mut tx, Action::Update, id, Some(&before.fields), Some(f)).await?;
    db::commit(tx).await?;
    Ok(StoredShipment { id, version: version + 1, created_at, updated_at: now, fields })
}

/// Delete a shipment. With `if_version`, a shipment changed since is not deleted.
pub async fn delete_shipment(db: &Db, id: Id, if_version: Option<i64>) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let Some(before) = shipment_in(&mut tx, id).await? else {
        return Err(Error::NotFound(format!("shipment {id}")));
    };
    if if_version.is_some_and(|v| v != before.version) {
        return Err(Error::PreconditionFailed("this shipment was changed by someone else since you read it".into()));
    }
    db::query(&tx, "DELETE FROM freight_shipments WHERE id = ?").bind(id).execute(&mut *tx).await?;
    audit_shipment(&mut tx, Action::Delete, id, Some(&before.fields), None).await?;
    db::commit(tx).await?;
    Ok(())
}

/// The references already used in a partnership.
pub async fn references(db: &Db, partnership: Id) -> Result<Vec<String>, Error> {
    Ok(db::query_scalar(db, "SELECT reference FROM freight_shipments WHERE partnership_id = ?").bind(partnership).fetch_all(db).await?)
}

/// Insert many shipments of `partnership` (already parsed and checked, references distinct), read
/// from the file `file`, in one transaction: all or none, with one audit entry for the import
/// (the file and the rows written), not one per shipment. Returns how many were written.
pub async fn insert_shipments(db: &Db, partnership: Id, file: &str, shipments: &[ShipmentFields]) -> Result<usize, Error> {
    let mut tx = db::begin_write(db).await?;
    insert_shipments_in(&mut tx, shipments).await?;
    let n = shipments.len();
    let change = Change {
        action: Action::Import,
        table: "freight_shipments".into(),
        entity_id: Some(Id::new()),
        partnership_id: Some(partnership),
        before: None,
        after: Some(serde_json::json!({"files": [file], "rows": {"freight_shipments": n}})),
        summary: format!("Imported {n} shipment{} from {file}", if n == 1 { "" } else { "s" }),
    };
    audit::record(&mut tx, change).await?;
    db::commit(tx).await?;
    Ok(n)
}

/// [`insert_shipments`] inside an open transaction, without an audit entry: the caller records
/// the import (see `demo::load`).
pub async fn insert_shipments_in(conn: &mut Conn, shipments: &[ShipmentFields]) -> Result<(), Error> {
    let now = db::timestamp_text(&db::now());
    for s in shipments {
        insert_shipment(conn, Id::new(), &now, s).await?;
    }
    Ok(())
}

/// Number of shipments of a partnership.
pub async fn shipment_count(db: &Db, partnership: Id) -> Result<i64, Error> {
    Ok(db::query_scalar(db, "SELECT count(*) FROM freight_shipments WHERE partnership_id = ?").bind(partnership).fetch_one(db).await?)
}

// ---------------------------------------------------------------------------------------------
// Plans

/// A plan job as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlanRow {
    pub id: Id,
    pub partnership_id: Id,
    #[sqlx(try_from = "DbText")]
    pub week_start: NaiveDate,
    pub status: String,
    pub progress: f64,
    #[sqlx(try_from = "DbText")]
    pub request: Json<serde_json::Value>,
    #[sqlx(try_from = "DbText")]
    pub result: Option<Json<serde_json::Value>>,
    pub error: Option<String>,
    #[sqlx(try_from = "DbText")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "DbText")]
    pub started_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "DbText")]
    pub finished_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "DbText")]
    pub approved_at: Option<DateTime<Utc>>,
    pub version: i64,
}

impl PlanRow {
    /// The status word as a [`PlanStatus`] (an unknown word reads as failed).
    pub fn status(&self) -> PlanStatus {
        PlanStatus::parse(&self.status).unwrap_or(PlanStatus::Failed)
    }
}

const PLAN_SELECT: &str =
    "SELECT id, partnership_id, week_start, status, progress, request, result, error, created_at, started_at, finished_at, approved_at, version FROM freight_plans";

/// Create a queued plan job with the request it will plan. One job per partnership at a time,
/// and at most [`MAX_RUNNING_JOBS`](super::jobs::MAX_RUNNING_JOBS) over the server: checked
/// and written in one write transaction, so requests at the same moment cannot both pass.
/// Errors: `Conflict` naming the partnership's job still queued or running; `TooManyRequests`
/// when the server is computing its most jobs already.
pub async fn create_plan(db: &Db, partnership: Id, week_start: NaiveDate, request: &serde_json::Value) -> Result<PlanRow, Error> {
    let id = Id::new();
    let mut tx = db::begin_write(db).await?;
    let busy: Option<(Id, String, f64)> =
        db::query_as(&tx, "SELECT id, status, progress FROM freight_plans WHERE partnership_id = ? AND status IN ('queued', 'running') ORDER BY created_at LIMIT 1")
            .bind(partnership)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((other, status, progress)) = busy {
        return Err(Error::Conflict(format!(
            "plan {other} of this partnership is still {status} ({:.0}% done); one plan of a partnership is computed at a time: wait for it to finish, then plan again",
            (progress * 100.0).clamp(0.0, 100.0)
        )));
    }
    let running: i64 = db::query_scalar(&tx, "SELECT count(*) FROM freight_plans WHERE status IN ('queued', 'running')").fetch_one(&mut *tx).await?;
    if running >= super::jobs::MAX_RUNNING_JOBS {
        return Err(Error::TooManyRequests(format!(
            "the server is already computing {running} plans of other partnerships (at most {} at once); try again in a minute",
            super::jobs::MAX_RUNNING_JOBS
        )));
    }
    let now = db::timestamp_text(&db::now());
    db::query(&tx, "INSERT INTO freight_plans (id, partnership_id, week_start, status, progress, request, created_at, updated_at) VALUES (?, ?, ?, 'queued', 0, ?, ?, ?)")
        .bind(id)
        .bind(partnership)
        .bind(week_start.to_string())
        .bind(request.to_string())
        .bind(&now)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: Action::Create,
        table: "freight_plans".into(),
        entity_id: Some(id),
        partnership_id: Some(partnership),
        before: None,
        after: Some(serde_json::json!({"week_start": week_start.to_string(), "status": "queued"})),
        summary: format!("Asked for a plan of the week of {week_start}"),
    };
    audit::record(&mut tx, change).await?;
    db::commit(tx).await?;
    plan(db, id).await
}

/// One plan job. Errors: `NotFound`.
pub async fn plan(db: &Db, id: Id) -> Result<PlanRow, Error> {
    db::query_as(db, &format!("{PLAN_SELECT} WHERE id = ?")).bind(id).fetch_optional(db).await?.ok_or_else(|| Error::NotFound(format!("plan {id}")))
}

/// A partnership's plans, newest first.
pub async fn plans(db: &Db, partnership: Id) -> Result<Vec<PlanRow>, Error> {
    Ok(db::query_as(db, &format!("{PLAN_SELECT} WHERE partnership_id = ? ORDER BY created_at DESC, id DESC LIMIT 50")).bind(partnership).fetch_all(db).await?)
}

/// Mark a job running.
pub async fn start_plan(db: &Db, id: Id) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    db::query(&tx, "UPDATE freight_plans SET status = 'running', started_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND status = 'queued'")
        .bind(db::timestamp_text(&db::now()))
        .bind(db::timestamp_text(&db::now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    db::commit(tx).await?;
    Ok(())
}

/// Record a running job's progress (0 to 1) and that its server is still working on it
/// (`updated_at`, the job's heartbeat, see [`fail_abandoned`]). Not a data change: the
/// generation is left alone (pages of plans in progress are not cached).
pub async fn set_progress(db: &Db, id: Id, progress: f64) -> Result<(), Error> {
    db::query(db, "UPDATE freight_plans SET progress = ?, updated_at = ? WHERE id = ? AND status = 'running'")
        .bind(progress.clamp(0.0, 1.0))
        .bind(db::timestamp_text(&db::now()))
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Finish a job with its result.
pub async fn finish_plan(db: &Db, id: Id, result: &serde_json::Value) -> Result<(), Error> {
    end_plan(db, id, Ok(result)).await
}

/// Fail a job, saying why.
pub async fn fail_plan(db: &Db, id: Id, reason: &str) -> Result<(), Error> {
    end_plan(db, id, Err(reason)).await
}

/// End a job: `done` with its result (progress 1), or `failed` with the reason; stamps
/// `finished_at` and bumps the version, in one committed transaction.
async fn end_plan(db: &Db, id: Id, outcome: Result<&serde_json::Value, &str>) -> Result<(), Error> {
    let mut tx = db::begin_write(db).await?;
    let before: Option<(String, Id, String)> =
        db::query_as(&tx, "SELECT status, partnership_id, week_start FROM freight_plans WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let now = db::timestamp_text(&db::now());
    let query = match outcome {
        Ok(result) => db::query(&tx, "UPDATE freight_plans SET status = 'done', progress = 1, result = ?, finished_at = ?, updated_at = ?, version = version + 1 WHERE id = ?")
            .bind(result.to_string()),
        Err(reason) => db::query(&tx, "UPDATE freight_plans SET status = 'failed', error = ?, finished_at = ?, updated_at = ?, version = version + 1 WHERE id = ?")
            .bind(reason.to_string()),
    };
    query.bind(&now).bind(&now).bind(id).execute(&mut *tx).await?;
    if let Some((status, partnership, week)) = before {
        let (after, summary) = match outcome {
            Ok(_) => (serde_json::json!({"status": "done"}), format!("The plan of the week of {week} is done")),
            Err(reason) => (serde_json::json!({"status": "failed", "error": reason}), format!("The plan of the week of {week} failed")),
        };
        let change = Change {
            action: Action::Update,
            table: "freight_plans".into(),
            entity_id: Some(id),
            partnership_id: Some(partnership),
            before: Some(serde_json::json!({"status": status})),
            after: Some(after),
            summary,
        };
        audit::record(&mut tx, change).await?;
    }
    db::commit(tx).await?;
    Ok(())
}

/// Why a plan left queued or running by a server that stopped failed.
const ABANDONED: &str = "the server stopped before this plan finished; plan the week again";

/// Mark every job left queued or running by a server that stopped as failed, with the reason:
/// those whose `updated_at` (raised at least every [`HEARTBEAT`](super::jobs::HEARTBEAT) while a
/// server works on the job) is older than `silent_for`. Jobs of other servers still at work on
/// the same database are left alone. Returns how many were marked.
pub async fn fail_abandoned(db: &Db, silent_for: std::time::Duration) -> Result<u64, Error> {
    let mut tx = db::begin_write(db).await?;
    let now = db::now();
    let cutoff = db::timestamp_text(&(now - chrono::Duration::from_std(silent_for).unwrap_or(chrono::Duration::zero())));
    let now = db::timestamp_text(&now);
    let abandoned: Vec<(Id, String, Id, String)> = db::query_as(
        &tx,
        "SELECT id, status, partnership_id, week_start FROM freight_plans WHERE status IN ('queued', 'running') AND updated_at <= ? ORDER BY id",
    )
    .bind(&cutoff)
    .fetch_all(&mut *tx)
    .await?;
    let n = db::query(
        &tx,
        "UPDATE freight_plans SET status = 'failed', error = ?, finished_at = ?, updated_at = ?, version = version + 1
         WHERE status IN ('queued', 'running') AND updated_at <= ?",
    )
    .bind(ABANDONED)
    .bind(&now)
    .bind(&now)
    .bind(&cutoff)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    for (id, status, partnership, week) in abandoned {
        let change = Change {
            action: Action::Update,
            table: "freight_plans".into(),
            entity_id: Some(id),
            partnership_id: Some(partnership),
            before: Some(serde_json::json!({"status": status})),
            after: Some(serde_json::json!({"status": "failed", "error": ABANDONED})),
            summary: format!("The plan of the week of {week} failed: the server stopped before it finished"),
        };
        audit::record(&mut tx, change).await?;
    }
    db::commit(tx).await?;
    Ok(n)
}

/// One observation recorded for an approved plan, with the measure it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanObservation {
    /// `cost_saved`, `miles_avoided` or `co2_avoided`.
    pub measure: &'static str,
    pub spec: crate::network::store::forms::MeasureSpec,
    pub actual: f64,
    pub source_note: String,
    pub source_url: String,
    /// Planned from shipments of invented example members (or in an invented partnership): the
    /// observation is recorded `illustrative`.
    pub illustrative: bool,
}

/// Whether a plan's figures are invented: the partnership is illustrative or any of `members`
/// (organization ids of the plan's shipments) is an illustrative organization.
pub async fn plan_is_illustrative(db: &Db, partnership: Id, members: &[Id]) -> Result<bool, Error> {
    let ids: Vec<String> = members.iter().map(|m| m.to_string()).collect();
    let ids = serde_json::to_string(&ids).map_err(|e| Error::Internal(e.into()))?;
    let sql = format!(
        "SELECT coalesce((SELECT illustrative FROM partnerships WHERE id = ?), FALSE)
             OR EXISTS (SELECT 1 FROM organizations WHERE illustrative AND id IN ({}))",
        db::Backend::dialect(db).json_values("?")
    );
    let found: Flag = db::query_scalar(db, &sql).bind(partnership).bind(ids).fetch_one(db).await?;
    Ok(found.0)
}

/// Approve a done plan in one transaction: record each observation on the partnership's
/// measures through the network module, link them to the plan, and mark it approved. Errors:
/// `Conflict` when the plan is not done (or is already approved).
pub async fn approve_plan(db: &Db, id: Id, period: crate::network::model::PartialDate, observations: &[PlanObservation]) -> Result<Vec<Id>, Error> {
    let mut tx = db::begin_write(db).await?;
    let row: Option<(String, Id, String)> =
        db::query_as(&tx, "SELECT status, partnership_id, week_start FROM freight_plans WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let Some((status, partnership, week)) = row else {
        return Err(Error::NotFound(format!("plan {id}")));
    };
    match status.as_str() {
        "done" => {}
        "approved" => return Err(Error::Conflict("this plan is already approved; its observations are recorded".into())),
        other => return Err(Error::Conflict(format!("only a finished plan can be approved; this one is {other}"))),
    }
    // One approved plan per week: approving a second plan of the same week would record the
    // week's savings twice.
    let already: Option<(Id, String)> = db::query_as(
        &tx,
        "SELECT id, approved_at FROM freight_plans WHERE partnership_id = ? AND status = 'approved' AND id <> ?
           AND week_start = (SELECT week_start FROM freight_plans WHERE id = ?)",
    )
    .bind(partnership)
    .bind(id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((other, at)) = already {
        return Err(Error::Conflict(format!(
            "plan {other} of the same week was approved at {at} and its figures are recorded; a week is recorded once, so this plan cannot be approved too"
        )));
    }
    let mut ids = Vec::new();
    for o in observations {
        let value = crate::network::store::forms::RecordedValue {
            period: period.clone(),
            actual: o.actual,
            source_note: Some(o.source_note.clone()),
            source_url: Some(o.source_url.clone()),
            illustrative: o.illustrative,
        };
        let obs = crate::network::store::forms::record_observation_in(&mut tx, partnership, &o.spec, value).await?;
        db::query(&tx, "INSERT INTO freight_plan_observations (plan_id, observation_id, measure) VALUES (?, ?, ?)")
            .bind(id)
            .bind(obs)
            .bind(o.measure)
            .execute(&mut *tx)
            .await?;
        ids.push(obs);
    }
    let now = db::timestamp_text(&db::now());
    db::query(&tx, "UPDATE freight_plans SET status = 'approved', approved_at = ?, updated_at = ?, version = version + 1 WHERE id = ?")
        .bind(&now)
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        action: Action::Approve,
        table: "freight_plans".into(),
        entity_id: Some(id),
        partnership_id: Some(partnership),
        before: Some(serde_json::json!({"status": "done"})),
        after: Some(serde_json::json!({"status": "approved", "observations": ids})),
        summary: format!("Approved the plan of the week of {week}: {} figures recorded as observations", ids.len()),
    };
    audit::record(&mut tx, change).await?;
    db::commit(tx).await?;
    Ok(ids)
}

/// The observations an approved plan recorded: (measure word, observation id).
pub async fn plan_observations(db: &Db, plan: Id) -> Result<Vec<(String, Id)>, Error> {
    Ok(db::query_as(db, "SELECT measure, observation_id FROM freight_plan_observations WHERE plan_id = ? ORDER BY measure").bind(plan).fetch_all(db).await?)
}

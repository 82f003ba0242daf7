//! The freight pages of a partnership (templates in `templates/freight/`):
//!
//! - `GET /partnerships/{slug}/freight`: the shipments board (member, route, pallets, weight,
//!   windows), the import form, the plan form and the plans made so far.
//! - `GET|POST .../freight/shipments/new`, `.../shipments/{id}/edit`, `.../shipments/{id}/delete`:
//!   the shipment forms, in the network forms' style (inline errors and a summary, a hidden
//!   version so a stale form is a clear conflict).
//! - `POST .../freight/import`: a CSV or XLSX file (multipart part `file`): all rows or none; a
//!   rejected file lists every problem as `FILE row N column C: reason`.
//! - `GET|POST .../freight/settings`: fleet, driver limits, travel, going-alone model, split method.
//! - `POST .../freight/plans` (field `week`, a Monday): starts a plan job and goes to its page.
//! - `GET .../freight/plans/{plan}`: progress while the job runs (the page refreshes itself
//!   every 2 s with a `<meta http-equiv="refresh">`, and is never cached); then the route map,
//!   each route stop by stop, unassigned shipments with reasons, cost against going alone, the
//!   split by member; `?print=1` is the printable view. `.../plans/{plan}/routes.csv` and
//!   `.../plans/{plan}/plan.json` export it. `POST .../plans/{plan}/approve` records the
//!   plan's figures on the partnership's measures.

use askama::Template;
use axum::body::Bytes;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use crate::auth::access::{Routes, Rule};
use chrono::NaiveDate;
use serde::Deserialize;

use super::alone_form::{GoingAloneInput, GoingAloneView};
use super::model::*;
use super::store::{self, PlanRow};
use super::{context, jobs, shipments, Context};
use crate::db::Id;
use crate::network::bulk::{RowError, Source};
use crate::network::form_spec::sentence;
use crate::network::forms::{DeletePage, FieldView, FormPage, OptionView};
use crate::network::store::forms::PartnershipRef;
use crate::web::error::body_error;
use crate::web::layout::{render, render_with_status};
use crate::web::{AppState, Error, FieldErrors};

/// The freight page routes.
///
/// Access: the board, plans and settings are read by anyone with a role in the partnership;
/// shipments and plans are changed by its conveners, champions and action team leads; the fleet
/// and cost settings, and approving a plan (which records impact), by its conveners.
pub fn routes() -> Routes {
    let b = "/partnerships/{slug}/freight";
    let (read, edit, convene) = (Rule::PartnershipMember, Rule::PartnershipPlanEditor, Rule::PartnershipConvener);
    Routes::new()
        .get(b, read, get(board))
        .add(&format!("{b}/shipments/new"), &[(Method::GET, edit), (Method::POST, edit)], get(new_shipment).post(create_shipment))
        .add(&format!("{b}/shipments/{{id}}/edit"), &[(Method::GET, edit), (Method::POST, edit)], get(edit_shipment).post(update_shipment))
        .add(&format!("{b}/shipments/{{id}}/delete"), &[(Method::GET, edit), (Method::POST, edit)], get(confirm_delete).post(delete_shipment))
        .add(&format!("{b}/import"), &[(Method::POST, edit)], post(import_file))
        .add(&format!("{b}/settings"), &[(Method::GET, read), (Method::POST, convene)], get(settings_form).post(save_settings))
        .add(&format!("{b}/plans"), &[(Method::POST, edit)], post(start_plan))
        .get(&format!("{b}/plans/{{plan}}"), read, get(plan_page))
        .get(&format!("{b}/plans/{{plan}}/routes.csv"), read, get(plan_csv))
        .get(&format!("{b}/plans/{{plan}}/plan.json"), read, get(plan_json))
        .add(&format!("{b}/plans/{{plan}}/approve"), &[(Method::POST, convene)], post(approve))
}

/// A response that must never be served from the page cache (a plan in progress).
pub use crate::web::layout::no_store;

fn parse_id(raw: &str, what: &str) -> Result<Id, Error> {
    raw.parse().map_err(|_| Error::NotFound(format!("{what} '{raw}'")))
}

fn form_pairs(body: Result<Bytes, BytesRejection>) -> Result<Vec<(String, String)>, Error> {
    let bytes = body.map_err(|e| body_error("the form", e))?;
    serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))
}

fn pair<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
}

// ---------------------------------------------------------------------------------------------
// The board

/// A shipment as the board lists it.
pub struct ShipmentRow {
    pub id: Id,
    pub reference: String,
    pub member: String,
    pub illustrative: bool,
    pub route: String,
    pub pallets: u32,
    pub weight: String,
    pub pickup: String,
    pub delivery: String,
}

/// A plan as the board lists it.
pub struct PlanListRow {
    pub href: String,
    pub week: String,
    pub status: &'static str,
    pub created: String,
    pub savings: Option<String>,
}

/// A week that can be planned: its Monday and how many shipments are picked up in it.
pub struct WeekOption {
    pub value: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "freight/board.html")]
struct BoardPage {
    p: PartnershipRef,
    illustrative: bool,
    base: String,
    rows: Vec<ShipmentRow>,
    total_pallets: u32,
    total_weight: String,
    weeks: Vec<WeekOption>,
    plans: Vec<PlanListRow>,
    fleet: Vec<String>,
    /// A rejected import: the file and every problem.
    rejected: Option<String>,
    problems: Vec<String>,
    imported: Option<usize>,
    plan_errors: Vec<String>,
    no_members: bool,
    /// The viewer changes shipments and plans here (a convener, champion or action team lead,
    /// or a network admin, not through a read-only token): show the forms and edit links.
    editor: bool,
}

fn partnership_ref(ctx: &Context) -> PartnershipRef {
    PartnershipRef { id: ctx.partnership.id(), slug: ctx.partnership.fields.slug.clone(), name: ctx.partnership.fields.name.clone() }
}

fn plan_list_row(ctx: &Context, p: &PlanRow) -> PlanListRow {
    let savings = p.result.as_ref().and_then(|r| serde_json::from_value::<PlanResult>(r.0.clone()).ok()).map(|r| dollars(r.savings_cents));
    PlanListRow {
        href: format!("{}/plans/{}", ctx.base_path(), p.id),
        week: format!("Week of {}", p.week_start.format("%a %-d %b %Y")),
        status: p.status().label(),
        created: p.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        savings,
    }
}

async fn board_page(state: &AppState, ctx: &Context) -> Result<BoardPage, Error> {
    let list = shipments(&state.db, ctx).await?;
    let mut weeks: Vec<(NaiveDate, usize)> = Vec::new();
    for s in &list {
        let w = week_monday(s.fields.pickup_earliest);
        match weeks.iter_mut().find(|(d, _)| *d == w) {
            Some((_, n)) => *n += 1,
            None => weeks.push((w, 1)),
        }
    }
    weeks.sort();
    let rows: Vec<ShipmentRow> = list
        .iter()
        .map(|s| ShipmentRow {
            id: s.id,
            reference: s.fields.reference.clone(),
            member: s.member_name.clone(),
            illustrative: s.member_illustrative,
            route: format!("{} → {}", s.fields.pickup.label(), s.fields.delivery.label()),
            pallets: s.fields.pallets,
            weight: fmt_int(s.fields.weight_lb as i64),
            pickup: format!("{} – {}", local_words(s.fields.pickup_earliest), local_words(s.fields.pickup_latest)),
            delivery: format!("{} – {}", local_words(s.fields.delivery_earliest), local_words(s.fields.delivery_latest)),
        })
        .collect();
    let plans = store::plans(&state.db, ctx.partnership.id()).await?;
    Ok(BoardPage {
        p: partnership_ref(ctx),
        illustrative: ctx.partnership.fields.illustrative || list.iter().any(|s| s.member_illustrative),
        base: ctx.base_path(),
        total_pallets: list.iter().map(|s| s.fields.pallets).sum(),
        total_weight: fmt_int(list.iter().map(|s| s.fields.weight_lb as i64).sum()),
        rows,
        weeks: weeks
            .into_iter()
            .map(|(d, n)| WeekOption { value: d.to_string(), label: format!("Week of {} ({n} shipment{})", d.format("%a %-d %b %Y"), if n == 1 { "" } else { "s" }) })
            .collect(),
        plans: plans.iter().map(|p| plan_list_row(ctx, p)).collect(),
        fleet: ctx
            .settings
            .fleet
            .iter()
            .map(|v| format!("{} × {} ({} pallets, {} lb) at {}", v.count, v.name, v.capacity_pallets, fmt_int(v.capacity_lb as i64), v.depot().label()))
            .collect(),
        rejected: None,
        problems: vec![],
        imported: None,
        plan_errors: vec![],
        no_members: ctx.members.is_empty(),
        editor: { let v = crate::auth::viewer(); v.may_write() && v.edits_plan_of(ctx.partnership.id()) },
    })
}

async fn board(State(state): State<AppState>, Path(slug): Path<String>, Query(q): Query<BoardQuery>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let mut page = board_page(&state, &ctx).await?;
    page.imported = q.imported;
    Ok(render(&page))
}

#[derive(Deserialize)]
struct BoardQuery {
    imported: Option<usize>,
}

// ---------------------------------------------------------------------------------------------
// Shipment forms (the network form template)

/// (name, label, hint, kind, inputmode) of each input of the shipment form.
const SHIPMENT_FORM: &[(&str, &str, &str, &str, &str)] = &[
    ("member", "Member", "The member organization that ships it.", "select", ""),
    ("reference", "Reference", "The member's own order or shipment number; unique on the board.", "text", ""),
    ("pickup_city", "Pickup city", "A US city or town of 1,000 people or more.", "text", ""),
    ("pickup_state", "Pickup state", "USPS code, e.g. AZ.", "text", ""),
    ("delivery_city", "Delivery city", "A US city or town of 1,000 people or more.", "text", ""),
    ("delivery_state", "Delivery state", "USPS code, e.g. NV.", "text", ""),
    ("pallets", "Pallets", "Standard 48 × 40 in pallet positions, at least 1.", "number", "numeric"),
    ("weight_lb", "Weight (lb)", "Gross weight in pounds.", "number", "numeric"),
    ("pickup_earliest", "Pickup from", "Local time, YYYY-MM-DDTHH:MM, e.g. 2026-03-02T08:00.", "date", ""),
    ("pickup_latest", "Pickup until", "Local time the pickup window closes.", "date", ""),
    ("delivery_earliest", "Delivery from", "Local time the delivery window opens.", "date", ""),
    ("delivery_latest", "Delivery until", "Local time the delivery window closes.", "date", ""),
    ("pickup_service_minutes", "Loading time (minutes)", "Blank for 30.", "number", "numeric"),
    ("delivery_service_minutes", "Unloading time (minutes)", "Blank for 30.", "number", "numeric"),
    ("notes", "Notes", "Anything the dispatcher should know.", "textarea", ""),
];

fn shipment_fields(ctx: &Context, input: &ShipmentInput, errors: &FieldErrors) -> Vec<FieldView> {
    SHIPMENT_FORM
        .iter()
        .map(|(name, label, hint, kind, inputmode)| {
            let id = format!("f-{name}");
            let error = errors.get(name).map(|m| sentence(label, m));
            let mut described = vec![];
            if !hint.is_empty() {
                described.push(format!("{id}-hint"));
            }
            if error.is_some() {
                described.push(format!("{id}-error"));
            }
            let value = input.get(name).to_string();
            let options = if *name == "member" {
                let mut o = vec![OptionView { value: String::new(), label: "Choose a member".into(), selected: value.is_empty() }];
                o.extend(ctx.members.iter().map(|m| OptionView {
                    value: m.id.to_string(),
                    label: if m.illustrative { format!("{} (illustrative)", m.name) } else { m.name.clone() },
                    selected: m.id.to_string() == value,
                }));
                o
            } else {
                vec![]
            };
            FieldView {
                name,
                id,
                label,
                hint,
                kind,
                inputmode,
                value,
                checked: false,
                options,
                error,
                described_by: described.join(" "),
                on_file: false,
                clear_name: String::new(),
                clear_checked: false,
            }
        })
        .collect()
}

fn shipment_form(ctx: &Context, id: Option<Id>, version: Option<i64>, input: &ShipmentInput, errors: &FieldErrors, conflict: Option<(String, String)>) -> FormPage {
    let base = ctx.base_path();
    let summary = SHIPMENT_FORM
        .iter()
        .filter_map(|(name, label, ..)| errors.get(name).map(|m| (format!("#f-{name}"), sentence(label, m))))
        .collect();
    FormPage {
        title: if id.is_some() { format!("Edit shipment {}", input.reference) } else { "New shipment".into() },
        illustrative: ctx.partnership.fields.illustrative,
        singular: "shipment",
        action: match id {
            Some(id) => format!("{base}/shipments/{id}/edit"),
            None => format!("{base}/shipments/new"),
        },
        partnership: Some(partnership_ref(ctx)),
        version,
        conflict,
        summary,
        fields: shipment_fields(ctx, input, errors),
        checklist: None,
        submit: "Save shipment".into(),
        cancel_url: base.clone(),
        delete_url: id.map(|id| format!("{base}/shipments/{id}/delete")),
    }
}

fn input_from_pairs(pairs: &[(String, String)]) -> ShipmentInput {
    let mut input = ShipmentInput::default();
    for (k, v) in pairs {
        input.set(k, v);
    }
    input
}

async fn new_shipment(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    Ok(render(&shipment_form(&ctx, None, None, &ShipmentInput::default(), &FieldErrors::default(), None)))
}

async fn create_shipment(State(state): State<AppState>, Path(slug): Path<String>, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let input = input_from_pairs(&form_pairs(body)?);
    let fields = match parse_shipment(ctx.partnership.id(), &input, &ctx.member_choices(), ctx.fleet_limits().as_ref()) {
        Ok(f) => f,
        Err(errs) => return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shipment_form(&ctx, None, None, &input, &errs, None))),
    };
    match store::create_shipment(&state.db, fields).await {
        Ok(_) => Ok(Redirect::to(&ctx.base_path()).into_response()),
        Err(Error::Validation(errs)) => Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shipment_form(&ctx, None, None, &input, &errs, None))),
        Err(e) => Err(e),
    }
}

async fn load_shipment(state: &AppState, ctx: &Context, raw: &str) -> Result<store::StoredShipment, Error> {
    let id = parse_id(raw, "shipment")?;
    let s = store::shipment(&state.db, id).await?;
    if s.fields.partnership_id != ctx.partnership.id() {
        return Err(Error::NotFound(format!("shipment {id} of this partnership")));
    }
    Ok(s)
}

async fn edit_shipment(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let s = load_shipment(&state, &ctx, &id).await?;
    Ok(render(&shipment_form(&ctx, Some(s.id), Some(s.version), &ShipmentInput::from_fields(&s.fields), &FieldErrors::default(), None)))
}

async fn update_shipment(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let s = load_shipment(&state, &ctx, &id).await?;
    let pairs = form_pairs(body)?;
    let version = pair(&pairs, "version").parse::<i64>().ok();
    let input = input_from_pairs(&pairs);
    let fields = match parse_shipment(ctx.partnership.id(), &input, &ctx.member_choices(), ctx.fleet_limits().as_ref()) {
        Ok(f) => f,
        Err(errs) => return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shipment_form(&ctx, Some(s.id), version, &input, &errs, None))),
    };
    match store::update_shipment(&state.db, s.id, version, fields).await {
        Ok(_) => Ok(Redirect::to(&ctx.base_path()).into_response()),
        Err(Error::Validation(errs)) => Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &shipment_form(&ctx, Some(s.id), version, &input, &errs, None))),
        Err(Error::PreconditionFailed(m)) => {
            let reload = format!("{}/shipments/{}/edit", ctx.base_path(), s.id);
            Ok(render_with_status(StatusCode::CONFLICT, &shipment_form(&ctx, Some(s.id), version, &input, &FieldErrors::default(), Some((m, reload)))))
        }
        Err(e) => Err(e),
    }
}

fn delete_page(ctx: &Context, s: &store::StoredShipment, conflict: Option<String>) -> DeletePage {
    DeletePage {
        title: format!("Delete shipment {}", s.fields.reference),
        illustrative: ctx.partnership.fields.illustrative,
        singular: "shipment",
        name: format!("{} ({} → {})", s.fields.reference, s.fields.pickup.label(), s.fields.delivery.label()),
        action: format!("{}/shipments/{}/delete", ctx.base_path(), s.id),
        version: s.version,
        partnership: Some(partnership_ref(ctx)),
        dependents: vec![],
        conflict,
        cancel_url: ctx.base_path(),
    }
}

async fn confirm_delete(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let s = load_shipment(&state, &ctx, &id).await?;
    Ok(render(&delete_page(&ctx, &s, None)))
}

async fn delete_shipment(State(state): State<AppState>, Path((slug, id)): Path<(String, String)>, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let s = load_shipment(&state, &ctx, &id).await?;
    let pairs = form_pairs(body)?;
    let version = pair(&pairs, "version").parse::<i64>().ok();
    match store::delete_shipment(&state.db, s.id, version).await {
        Ok(()) => Ok(Redirect::to(&ctx.base_path()).into_response()),
        Err(Error::PreconditionFailed(m)) => {
            let current = store::shipment(&state.db, s.id).await?;
            Ok(render_with_status(StatusCode::CONFLICT, &delete_page(&ctx, &current, Some(m))))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Import

/// Read the `file` part of a multipart form (the name messages give the file, its bytes).
pub async fn file_part(multipart: Result<Multipart, MultipartRejection>) -> Result<Option<(String, Bytes)>, Error> {
    let mut multipart = multipart.map_err(|e| Error::UnsupportedMediaType(format!("send the file as multipart/form-data ({})", e.body_text())))?;
    let mut found = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| Error::BadRequest(format!("the form could not be read: {}", e.body_text())))? {
        if field.name() == Some("file") {
            let name = field.file_name().map(|n| n.rsplit(['/', '\\']).next().unwrap_or("").trim().to_string()).filter(|n| !n.is_empty());
            let bytes = field.bytes().await.map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { Error::PayloadTooLarge(crate::web::MAX_BODY_BYTES) } else { Error::BadRequest(e.body_text()) })?;
            if name.is_some() || !bytes.is_empty() {
                found = Some((name.unwrap_or_else(|| "upload.csv".into()), bytes));
            }
        }
    }
    Ok(found)
}

async fn import_file(State(state): State<AppState>, Path(slug): Path<String>, multipart: Result<Multipart, MultipartRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let file = file_part(multipart).await?;
    let mut page = board_page(&state, &ctx).await?;
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        page.rejected = Some("no file".into());
        page.problems = vec!["Choose a CSV or XLSX file of shipments to import.".into()];
        return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    match super::import::import(&state.db, &ctx, Source::bytes(&name, bytes)).await? {
        Ok(n) => Ok(Redirect::to(&format!("{}?imported={n}", ctx.base_path())).into_response()),
        Err(problems) => {
            page.rejected = Some(name);
            page.problems = problems.iter().map(RowError::to_string).collect();
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings

/// One fleet row of the settings form.
pub struct VehicleRow {
    pub index: usize,
    pub v: VehicleSetting,
    pub blank: bool,
}

impl VehicleRow {
    /// The dollar inputs' text (`38.87`, `1,200.00`): cost per route, per mile, per hour.
    pub fn fixed_cost(&self) -> String {
        dollars_input(self.v.fixed_cost_cents)
    }
    pub fn cost_per_mile(&self) -> String {
        dollars_input(self.v.cost_per_mile_cents)
    }
    pub fn cost_per_hour(&self) -> String {
        dollars_input(self.v.cost_per_hour_cents)
    }
}

/// One problem in the settings page's error summary: a link to its input when there is one.
pub struct SummaryItem {
    pub href: Option<String>,
    pub text: String,
}

/// Top-level settings fields whose input has the id `f-{field}`.
const SETTINGS_INPUTS: &[&str] = &["max_driving_minutes", "max_duty_minutes", "travel_kind", "circuity", "average_speed_mph", "matrix_csv", "allocation_method", "max_seconds", "seed"];

#[derive(Template)]
#[template(path = "freight/settings.html")]
struct SettingsPage {
    p: PartnershipRef,
    base: String,
    s: Settings,
    version: Option<i64>,
    rows: Vec<VehicleRow>,
    ga: GoingAloneView,
    methods: Vec<OptionView>,
    errors: Vec<SummaryItem>,
    saved: bool,
    /// The viewer changes these settings (the partnership's convener or a network admin, not
    /// through a read-only token): show the save button; others read them.
    may_save: bool,
}

fn settings_page(ctx: &Context, s: Settings, going_alone: &GoingAloneInput, note: Option<String>, errors: &FieldErrors, saved: bool) -> SettingsPage {
    let mut rows: Vec<VehicleRow> = s.fleet.iter().cloned().enumerate().map(|(index, v)| VehicleRow { index, v, blank: false }).collect();
    let n = rows.len();
    rows.push(VehicleRow {
        index: n,
        v: VehicleSetting {
            name: String::new(),
            capacity_pallets: 0,
            capacity_lb: 0,
            count: 0,
            depot_city: String::new(),
            depot_state: String::new(),
            depot_latitude: 0.0,
            depot_longitude: 0.0,
            fixed_cost_cents: 0,
            cost_per_mile_cents: 0,
            cost_per_hour_cents: 0,
        },
        blank: true,
    });
    let ga = going_alone.view(errors, note);
    let summary = errors
        .iter()
        .map(|(f, m)| match ga.shown.iter().find(|(k, ..)| k == f) {
            Some((_, id, label)) => SummaryItem { href: Some(format!("#{id}")), text: sentence(label, m) },
            None => SummaryItem { href: SETTINGS_INPUTS.contains(&f).then(|| format!("#f-{f}")), text: format!("{f}: {m}") },
        })
        .collect();
    SettingsPage {
        p: partnership_ref(ctx),
        base: ctx.base_path(),
        methods: SplitMethod::ALL.iter().map(|m| OptionView { value: m.as_str().into(), label: m.label().into(), selected: *m == s.allocation_method }).collect(),
        version: ctx.settings_version,
        rows,
        ga,
        s,
        errors: summary,
        saved,
        may_save: { let v = crate::auth::viewer(); v.may_write() && v.manages(ctx.partnership.id()) },
    }
}

async fn settings_form(State(state): State<AppState>, Path(slug): Path<String>, Query(q): Query<SavedQuery>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let (going_alone, note) = GoingAloneInput::from_saved(&ctx.settings.going_alone);
    Ok(render(&settings_page(&ctx, ctx.settings.clone(), &going_alone, note, &FieldErrors::default(), q.saved.is_some())))
}

#[derive(Deserialize)]
struct SavedQuery {
    saved: Option<String>,
}

/// Read the settings form: text fields, fleet rows `fleet_N_field`, and an optional matrix file.
async fn read_settings_form(multipart: Result<Multipart, MultipartRejection>) -> Result<Vec<(String, String)>, Error> {
    let mut multipart = multipart.map_err(|e| Error::UnsupportedMediaType(format!("send the settings form as multipart/form-data ({})", e.body_text())))?;
    let mut pairs = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(|e| Error::BadRequest(format!("the form could not be read: {}", e.body_text())))? {
        let name = field.name().unwrap_or("").to_string();
        let text = field.text().await.map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { Error::PayloadTooLarge(crate::web::MAX_BODY_BYTES) } else { Error::BadRequest(e.body_text()) })?;
        pairs.push((name, text));
    }
    Ok(pairs)
}

/// Settings from the form's fields: every number that cannot be read is named.
/// The going-alone model is read from its own inputs ([`GoingAloneInput::from_form`]), and
/// returned as typed so a refused form is shown back unchanged.
fn settings_from_pairs(current: &Settings, pairs: &[(String, String)], errs: &mut FieldErrors) -> (Settings, GoingAloneInput) {
    let get = |n: &str| pair(pairs, n).trim().to_string();
    fn num<T: std::str::FromStr + Default>(errs: &mut FieldErrors, field: &str, text: &str, what: &str) -> T {
        match text.replace(',', "").trim().parse::<T>() {
            Ok(v) => v,
            Err(_) => {
                errs.add(field, format!("'{text}' is not {what}"));
                T::default()
            }
        }
    }
    let mut fleet = Vec::new();
    for i in 0..100 {
        let f = |n: &str| format!("fleet_{i}_{n}");
        if !pairs.iter().any(|(k, _)| k.starts_with(&format!("fleet_{i}_"))) {
            break;
        }
        let name = get(&f("name"));
        if name.is_empty() {
            continue;
        }
        let dollars_to_cents = |errs: &mut FieldErrors, n: &str| -> i64 {
            parse_dollars(&get(&f(n))).unwrap_or_else(|m| {
                errs.add(&format!("fleet[{i}].{n}"), m);
                0
            })
        };
        fleet.push(VehicleSetting {
            name,
            capacity_pallets: num(errs, &format!("fleet[{i}].capacity_pallets"), &get(&f("capacity_pallets")), "a whole number of pallets"),
            capacity_lb: num(errs, &format!("fleet[{i}].capacity_lb"), &get(&f("capacity_lb")), "a whole number of pounds"),
            count: num(errs, &format!("fleet[{i}].count"), &get(&f("count")), "a whole number of trucks"),
            depot_city: get(&f("depot_city")),
            depot_state: get(&f("depot_state")),
            depot_latitude: 0.0,
            depot_longitude: 0.0,
            fixed_cost_cents: dollars_to_cents(errs, "fixed_cost"),
            cost_per_mile_cents: dollars_to_cents(errs, "cost_per_mile"),
            cost_per_hour_cents: dollars_to_cents(errs, "cost_per_hour"),
        });
    }
    let matrix_upload = get("matrix_file");
    let matrix_text = if matrix_upload.is_empty() { get("matrix_csv") } else { matrix_upload };
    let going_alone_input = GoingAloneInput::from_form(get, |prefix| pairs.iter().any(|(k, _)| k.starts_with(prefix)));
    let going_alone = match going_alone_input.to_model(errs).map(|m| serde_json::to_value(&m)) {
        Some(Ok(v)) => v,
        Some(Err(e)) => {
            errs.add("going_alone", format!("could not be written as JSON: {e}"));
            current.going_alone.clone()
        }
        // The problems are named; the settings are not saved.
        None => current.going_alone.clone(),
    };
    let s = Settings {
        fleet,
        max_driving_minutes: num(errs, "max_driving_minutes", &get("max_driving_minutes"), "a whole number of minutes"),
        max_duty_minutes: num(errs, "max_duty_minutes", &get("max_duty_minutes"), "a whole number of minutes"),
        travel_kind: TravelKind::parse(&get("travel_kind")).unwrap_or_else(|| {
            errs.add("travel_kind", "choose great-circle estimates or a matrix");
            current.travel_kind
        }),
        circuity: num(errs, "circuity", &get("circuity"), "a number such as 1.2"),
        average_speed_mph: num(errs, "average_speed_mph", &get("average_speed_mph"), "a speed in miles per hour"),
        matrix_csv: Some(matrix_text).filter(|m| !m.trim().is_empty()),
        going_alone,
        allocation_method: SplitMethod::parse(&get("allocation_method")).unwrap_or_else(|| {
            errs.add("allocation_method", "choose how savings are split");
            current.allocation_method
        }),
        max_seconds: num(errs, "max_seconds", &get("max_seconds"), "a number of seconds"),
        seed: num(errs, "seed", &get("seed"), "a whole number"),
    };
    (s, going_alone_input)
}

async fn save_settings(State(state): State<AppState>, Path(slug): Path<String>, multipart: Result<Multipart, MultipartRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let pairs = read_settings_form(multipart).await?;
    let mut errs = FieldErrors::default();
    let (mut s, going_alone) = settings_from_pairs(&ctx.settings, &pairs, &mut errs);
    if errs.is_empty() {
        errs = jobs::check_settings(&mut s);
    }
    if !errs.is_empty() {
        return Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_page(&ctx, s, &going_alone, None, &errs, false)));
    }
    let version = pair(&pairs, "version").parse::<i64>().ok();
    match store::save_settings(&state.db, ctx.partnership.id(), version, &s).await {
        Ok(_) => Ok(Redirect::to(&format!("{}/settings?saved=1", ctx.base_path())).into_response()),
        Err(Error::PreconditionFailed(m)) => {
            let mut e = FieldErrors::default();
            e.add("version", m);
            Ok(render_with_status(StatusCode::CONFLICT, &settings_page(&ctx, s, &going_alone, None, &e, false)))
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Plans

async fn start_plan(State(state): State<AppState>, Path(slug): Path<String>, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let pairs = form_pairs(body)?;
    let week = pair(&pairs, "week").trim().to_string();
    let week = if week.is_empty() { None } else { Some(NaiveDate::parse_from_str(&week, "%Y-%m-%d").map_err(|_| Error::BadRequest(format!("week '{week}' is not a date YYYY-MM-DD")))?) };
    match jobs::start(&state, &ctx, week).await {
        Ok(plan) => Ok(Redirect::to(&format!("{}/plans/{}", ctx.base_path(), plan.id)).into_response()),
        Err(Error::Validation(errs)) => {
            let mut page = board_page(&state, &ctx).await?;
            page.plan_errors = errs.iter().map(|(f, m)| if f.is_empty() { m.to_string() } else { format!("{f}: {m}") }).collect();
            Ok(render_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        // Another plan of the partnership still running, or the server busy: said on the board.
        Err(e @ (Error::Conflict(_) | Error::TooManyRequests(_))) => {
            let mut page = board_page(&state, &ctx).await?;
            page.plan_errors = vec![e.to_string()];
            Ok(render_with_status(e.status(), &page))
        }
        Err(e) => Err(e),
    }
}

/// One stop of a route as the page shows it.
pub struct StopView {
    pub what: String,
    pub place: String,
    pub arrival: String,
    pub departure: String,
    pub load: String,
}

/// One route as the page shows it.
pub struct RouteView {
    pub title: String,
    pub summary: String,
    pub stops: Vec<StopView>,
}

/// A shipment's going-alone cost as the page shows it.
pub struct AloneView {
    pub reference: String,
    pub member: String,
    pub method: String,
    pub cost: String,
    pub explanation: String,
    pub pooled: bool,
}

/// A member's share as the page shows it.
pub struct ShareView {
    pub member: String,
    pub shipments: usize,
    pub alone: String,
    pub pays: String,
    pub saves: String,
    pub percent: String,
}

#[derive(Template)]
#[template(path = "freight/plan.html")]
struct PlanPage {
    p: PartnershipRef,
    base: String,
    plan_href: String,
    print: bool,
    illustrative: bool,
    week: String,
    status: PlanStatus,
    status_label: &'static str,
    progress_percent: u32,
    error: Option<String>,
    shipment_count: usize,
    routes: Vec<RouteView>,
    unassigned: Vec<(String, String)>,
    map_svg: String,
    alone: Vec<AloneView>,
    totals: Vec<(String, String)>,
    method: String,
    shares: Vec<ShareView>,
    sampling_note: Option<String>,
    guarantees: Vec<String>,
    violations: Vec<String>,
    emission_note: String,
    observations: Vec<(String, String)>,
    /// The viewer approves plans here (its convener or a network admin, not through a
    /// read-only token): show the approve form.
    may_approve: bool,
}

#[derive(Deserialize)]
struct PrintQuery {
    print: Option<String>,
}

async fn load_plan(state: &AppState, ctx: &Context, raw: &str) -> Result<(PlanRow, PlanSnapshot, Option<PlanResult>), Error> {
    let id = parse_id(raw, "plan")?;
    let row = store::plan(&state.db, id).await?;
    if row.partnership_id != ctx.partnership.id() {
        return Err(Error::NotFound(format!("plan {id} of this partnership")));
    }
    let snap: PlanSnapshot = serde_json::from_value(row.request.0.clone()).map_err(|e| Error::Internal(anyhow::anyhow!("plan {id} request: {e}")))?;
    let result = match &row.result {
        Some(r) => Some(serde_json::from_value::<PlanResult>(r.0.clone()).map_err(|e| Error::Internal(anyhow::anyhow!("plan {id} result: {e}")))?),
        None => None,
    };
    Ok((row, snap, result))
}

fn stop_word(kind: freight_engine::StopKind) -> &'static str {
    match kind {
        freight_engine::StopKind::Departure => "Leave the yard",
        freight_engine::StopKind::Pickup => "Pick up",
        freight_engine::StopKind::Delivery => "Deliver",
        freight_engine::StopKind::Return => "Back at the yard",
    }
}

/// The routes of a plan as page rows.
pub fn route_views(snap: &PlanSnapshot, plan: &freight_engine::Plan) -> Vec<RouteView> {
    plan.routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let vehicle = snap.request.fleet.get(r.vehicle_type).map(|v| v.name.clone()).unwrap_or_else(|| "truck".into());
            RouteView {
                title: format!("Route {}: {} no. {}", i + 1, vehicle, r.vehicle_number + 1),
                summary: format!(
                    "{} mi, {:.1} h driving, {:.1} h on duty, {}",
                    fmt_int(r.miles.round() as i64),
                    r.driving_minutes / 60.0,
                    r.duty_minutes / 60.0,
                    dollars(r.cost_cents)
                ),
                stops: r
                    .stops
                    .iter()
                    .map(|s| {
                        let who = s.shipment_id.as_deref().map(|id| match snap.shipment(id) {
                            Some(sr) => format!(" {} ({})", sr.reference, sr.member_name),
                            None => format!(" {id}"),
                        });
                        StopView {
                            what: format!("{}{}", stop_word(s.kind), who.unwrap_or_default()),
                            place: s.place.name.clone(),
                            arrival: local_words(snap.local(s.arrival_minute)),
                            departure: local_words(snap.local(s.departure_minute)),
                            load: format!("{} pallets, {} lb", s.load_pallets, fmt_int(s.load_lb as i64)),
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

async fn plan_page(State(state): State<AppState>, Path((slug, plan)): Path<(String, String)>, Query(q): Query<PrintQuery>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let (row, snap, result) = load_plan(&state, &ctx, &plan).await?;
    let status = row.status();
    let base = ctx.base_path();
    let member = |id: Id| snap.shipments.iter().find(|s| s.member_id == id).map(|s| s.member_name.clone()).unwrap_or_else(|| ctx.member_name(id));
    let mut page = PlanPage {
        may_approve: { let v = crate::auth::viewer(); v.may_write() && v.manages(ctx.partnership.id()) },
        p: partnership_ref(&ctx),
        plan_href: format!("{base}/plans/{}", row.id),
        base,
        print: q.print.is_some(),
        illustrative: snap.illustrative() || ctx.partnership.fields.illustrative,
        week: format!("Week of {}", snap.week_start.format("%A %-d %B %Y")),
        status,
        status_label: status.label(),
        progress_percent: (row.progress * 100.0).round().clamp(0.0, 100.0) as u32,
        error: row.error.clone(),
        shipment_count: snap.shipments.len(),
        routes: vec![],
        unassigned: vec![],
        map_svg: String::new(),
        alone: vec![],
        totals: vec![],
        method: String::new(),
        shares: vec![],
        sampling_note: None,
        guarantees: vec![],
        violations: vec![],
        emission_note: String::new(),
        observations: vec![],
    };
    if let Some(r) = &result {
        page.routes = route_views(&snap, &r.plan);
        page.unassigned = r
            .plan
            .unassigned
            .iter()
            .map(|u| (snap.shipment(&u.shipment_id).map(|s| format!("{} ({})", s.reference, s.member_name)).unwrap_or_else(|| u.shipment_id.clone()), u.reason.clone()))
            .collect();
        page.map_svg = jobs::map_svg(&snap, &r.plan);
        page.alone = r
            .going_alone
            .iter()
            .map(|a| AloneView {
                reference: a.reference.clone(),
                member: member(a.member_id),
                method: if a.method == "dedicated" { "Truck of its own".into() } else { "Less than truckload (LTL)".into() },
                cost: dollars(a.cost_cents),
                explanation: a.explanation.clone(),
                pooled: a.pooled,
            })
            .collect();
        let pct = if r.alone_cents > 0 { format!(" ({:.1}%)", r.savings_cents as f64 * 100.0 / r.alone_cents as f64) } else { String::new() };
        page.totals = vec![
            ("Going alone (pooled shipments)".into(), dollars(r.alone_cents)),
            ("Pooled routes".into(), dollars(r.pooled_cents)),
            ("Saved by pooling".into(), format!("{}{pct}", dollars(r.savings_cents))),
            ("Truck miles going alone".into(), fmt_int(r.alone_truck_miles.round() as i64)),
            ("Truck miles pooled".into(), fmt_int(r.pooled_truck_miles.round() as i64)),
            ("Truck miles avoided".into(), fmt_int(r.truck_miles_avoided.round() as i64)),
            ("CO2 avoided".into(), format!("{} kg", fmt_int(r.co2_avoided_kg.round() as i64))),
        ];
        page.emission_note = format!("CO2 at {} kg per truck mile: {}.", r.co2_kg_per_mile, r.emission_factor_source);
        if r.truck_miles_avoided < 0.0 {
            page.emission_note.push_str(
                " Negative miles avoided mean the pooled trucks drive more than going alone would: they start and end at the yard, \
                 while a carrier's truck of its own is counted with its loaded miles plus the industry's average 16.3% empty miles, \
                 and an LTL shipment with its share of a full trailer. Pooling can still save money, as it does when the cost line above is positive.",
            );
        }
        page.method = r.allocation.method.label().to_string();
        page.shares = r
            .allocation
            .shares
            .iter()
            .map(|s| ShareView {
                member: s.member_name.clone(),
                shipments: s.shipments,
                alone: dollars(s.alone_cents),
                pays: dollars(s.pays_cents),
                saves: dollars(s.saves_cents),
                percent: if s.alone_cents > 0 { format!("{:.1}%", s.saves_cents as f64 * 100.0 / s.alone_cents as f64) } else { "–".into() },
            })
            .collect();
        page.sampling_note = r.allocation.sampling_note.clone();
        page.guarantees = r.allocation.guarantees.clone();
        page.violations = r.allocation.violations.clone();
    }
    if status == PlanStatus::Approved {
        page.observations = store::plan_observations(&state.db, row.id)
            .await?
            .into_iter()
            .map(|(m, id)| (jobs::measure_label(&m).to_string(), format!("/observations/{id}/edit")))
            .collect();
    }
    let resp = render(&page);
    Ok(if status.in_progress() { no_store(resp) } else { resp })
}

async fn plan_csv(State(state): State<AppState>, Path((slug, plan)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let (row, snap, result) = load_plan(&state, &ctx, &plan).await?;
    let Some(r) = result else {
        return Err(Error::Conflict(format!("plan {} has no routes yet: it is {}", row.id, row.status().as_str())));
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (i, route) in r.plan.routes.iter().enumerate() {
        let vehicle = snap.request.fleet.get(route.vehicle_type).map(|v| v.name.clone()).unwrap_or_default();
        for (j, s) in route.stops.iter().enumerate() {
            let sr = s.shipment_id.as_deref().and_then(|id| snap.shipment(id));
            rows.push(vec![
                (i + 1).to_string(),
                vehicle.clone(),
                (route.vehicle_number + 1).to_string(),
                (j + 1).to_string(),
                format!("{:?}", s.kind).to_lowercase(),
                sr.map(|x| x.reference.clone()).unwrap_or_default(),
                sr.map(|x| x.member_name.clone()).unwrap_or_default(),
                s.place.name.clone(),
                local_text(snap.local(s.arrival_minute)),
                local_text(snap.local(s.departure_minute)),
                s.load_pallets.to_string(),
                s.load_lb.to_string(),
                String::new(),
            ]);
        }
    }
    // Shipments no route carries still have to be booked: one row each, with the reason.
    for u in &r.plan.unassigned {
        let sr = snap.shipment(&u.shipment_id);
        rows.push(vec![
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "unassigned".into(),
            sr.map(|x| x.reference.clone()).unwrap_or_else(|| u.shipment_id.clone()),
            sr.map(|x| x.member_name.clone()).unwrap_or_default(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            u.reason.clone(),
        ]);
    }
    crate::web::csv::response(
        &format!("freight-plan-{}.csv", snap.week_start),
        &["route", "vehicle", "vehicle_number", "stop", "kind", "reference", "member", "place", "arrival", "departure", "load_pallets", "load_lb", "unassigned_reason"],
        rows,
    )
}

async fn plan_json(State(state): State<AppState>, Path((slug, plan)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let (row, _, _) = load_plan(&state, &ctx, &plan).await?;
    let doc = super::api::plan_document(&ctx, &row)?;
    let body = serde_json::to_vec_pretty(&doc).map_err(|e| Error::Internal(e.into()))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"freight-plan-{}.json\"", row.week_start)).map_err(|e| Error::Internal(e.into()))?;
    let resp = ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json")), (header::CONTENT_DISPOSITION, disposition)], body).into_response();
    Ok(if row.status().in_progress() { no_store(resp) } else { resp })
}

async fn approve(State(state): State<AppState>, Path((slug, plan)): Path<(String, String)>) -> Result<Response, Error> {
    let ctx = context(&state.db, &slug).await?;
    let (row, _, _) = load_plan(&state, &ctx, &plan).await?;
    jobs::approve(&state.db, &ctx, row.id).await?;
    Ok(Redirect::to(&format!("{}/plans/{}", ctx.base_path(), row.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_form_names_each_unreadable_number() {
        let current = jobs::default_settings();
        let pairs: Vec<(String, String)> = [
            ("fleet_0_name", "Van"),
            ("fleet_0_capacity_pallets", "26"),
            ("fleet_0_capacity_lb", "lots"),
            ("fleet_0_count", "2"),
            ("fleet_0_depot_city", "Kingman"),
            ("fleet_0_depot_state", "AZ"),
            ("fleet_0_fixed_cost", "0"),
            ("fleet_0_cost_per_mile", "1.30"),
            ("fleet_0_cost_per_hour", "38.87"),
            ("fleet_1_name", ""),
            ("max_driving_minutes", "660"),
            ("max_duty_minutes", "840"),
            ("travel_kind", "great_circle"),
            ("circuity", "1.2"),
            ("average_speed_mph", "50"),
            ("ltl_band_0_up_to_miles", "250"),
            ("ltl_band_0_dollars_per_cwt", "28.40"),
            ("ltl_band_1_up_to_miles", ""),
            ("ltl_band_1_dollars_per_cwt", ""),
            ("ltl_beyond_dollars_per_cwt", "79.90"),
            ("ltl_minimum_charge", "185"),
            ("fuel_surcharge_percent", "28"),
            ("dedicated_min_pallets", "12"),
            ("dedicated_min_weight_lb", "15,000"),
            ("dedicated_dollars_per_mile", "2.44"),
            ("dedicated_empty_miles_percent", "0"),
            ("dedicated_deadhead_percent", "16.3"),
            ("dedicated_minimum_charge", "450.00"),
            ("allocation_method", "shapley"),
            ("max_seconds", "5"),
            ("seed", "1"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let mut errs = FieldErrors::default();
        let (s, _) = settings_from_pairs(&current, &pairs, &mut errs);
        assert_eq!(errs.iter().collect::<Vec<_>>(), [("fleet[0].capacity_lb", "'lots' is not a whole number of pounds")]);
        assert_eq!(s.fleet.len(), 1, "a row without a name is left out");
        assert_eq!((s.fleet[0].cost_per_mile_cents, s.fleet[0].cost_per_hour_cents), (130, 3887));
        assert_eq!(s.going_alone["ltl_bands"], serde_json::json!([{"up_to_miles": 250, "cents_per_cwt": 2840}, {"up_to_miles": null, "cents_per_cwt": 7990}]));
        assert_eq!(s.going_alone["dedicated_min_weight_lb"], serde_json::json!(15_000));
    }
}

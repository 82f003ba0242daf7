//! Server-rendered forms to create, edit and delete every kind of record, generic over
//! [`Editable`] (the field descriptions live in `form_spec.rs`):
//!
//! - `GET /{table}/new` (the query may prefill fields, e.g. `?partnership_id=...`), `POST` saves;
//! - `GET /{table}/{id}/edit`, `POST` saves; a hidden `version` makes a stale form a clear
//!   conflict ("someone else changed this"), never a silent overwrite;
//! - `GET /{table}/{id}/delete` asks for confirmation and says what goes with the record; `POST`
//!   deletes.
//!
//! On a problem the form comes back (422) with what was typed, each message beside its input and
//! a summary at the top linking to the inputs. After a save the browser goes (303) to the
//! record's partnership page, or the organization page for organizations. A meeting's form also
//! records which member organizations attended, saved with the meeting in one transaction. No
//! JavaScript is needed.

use std::future::Future;
use std::str::FromStr;

use askama::Template;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use crate::auth::access::{Routes, Rule};

use super::entity::Entity;
use super::form_spec::{clear_name, form_values, new_form_values, parse_form, sentence, Editable, FormValues, Widget};
use super::model::{MeetingFields, Record};
use super::store::{self, forms as fstore, forms::PartnershipRef};
use crate::db::{Db, Id};
use crate::web::layout::{render, render_with_status};
use crate::web::error::body_error;
use crate::web::{AppState, Error, FieldErrors};

/// Hidden input every form carries, so a redraw knows the check boxes were submitted (an
/// unticked box sends nothing).
const SUBMITTED: &str = "submitted";

/// Every form route, for every kind of record.
pub fn routes() -> Routes {
    let mut router = Routes::new();
    macro_rules! add {
        ($t:ty) => {
            router = router.merge(entity_routes::<$t>());
        };
    }
    crate::for_each_entity!(add);
    router
}

fn entity_routes<F: FormHooks>() -> Routes {
    let t = F::TABLE;
    let create_rule = [(Method::GET, Rule::RecordCreate(t)), (Method::POST, Rule::RecordCreate(t))];
    let write_rule = [(Method::GET, Rule::RecordWrite(t)), (Method::POST, Rule::RecordWrite(t))];
    Routes::new()
        .add(&format!("/{t}/new"), &create_rule, get(new_form::<F>).post(create::<F>))
        .add(&format!("/{t}/{{id}}/edit"), &write_rule, get(edit_form::<F>).post(update::<F>))
        .add(&format!("/{t}/{{id}}/delete"), &write_rule, get(confirm_delete::<F>).post(delete::<F>))
}

/// A list of check boxes saved together with a record (a meeting's attendance).
#[derive(Debug, Clone)]
pub struct Checklist {
    /// Form name of every box; each box's value is an id.
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: String,
    /// (id, label) of each box.
    pub options: Vec<(Id, String)>,
}

/// What a kind of record's form does beyond its fields. Only meetings add anything (their
/// attendance); the defaults save the record alone.
pub trait FormHooks: Editable {
    /// Form name and legend of the record's check box list, if it has one.
    const CHECKLIST: Option<(&'static str, &'static str)> = None;

    /// The check box list for the record `record` (none for a new one) of `partnership`.
    fn checklist(_db: &Db, _record: Option<Id>, _partnership: Option<Id>) -> impl Future<Output = Result<Option<Checklist>, Error>> + Send {
        async { Ok(None) }
    }

    /// Create (`id` `None`) or update the record, with the ids ticked on its check box list.
    fn save(db: &Db, id: Option<Id>, if_version: Option<i64>, fields: Self, _checked: Vec<Id>) -> impl Future<Output = Result<Record<Self>, Error>> + Send {
        async move {
            match id {
                None => store::create(db, fields).await,
                Some(id) => store::update(db, id, if_version, fields).await,
            }
        }
    }
}

macro_rules! no_hooks {
    ($($t:ident),+) => { $(impl FormHooks for super::model::$t {})+ };
}
no_hooks!(
    PartnershipFields,
    OrganizationFields,
    MembershipFields,
    PersonFields,
    AttendanceFields,
    PriorityFields,
    ActionTeamFields,
    TeamMemberFields,
    InitiativeFields,
    MilestoneFields,
    MeasureFields,
    ObservationFields,
    WinFields,
    WinObservationFields
);

impl FormHooks for MeetingFields {
    const CHECKLIST: Option<(&'static str, &'static str)> = Some(("attendees", "Organizations that attended"));

    /// The partnership's member organizations (past and present), plus any organization
    /// recorded as attending that is not a member, so saving never drops it unseen.
    async fn checklist(db: &Db, record: Option<Id>, partnership: Option<Id>) -> Result<Option<Checklist>, Error> {
        let mut options: Vec<(Id, String)> = Vec::new();
        if let Some(p) = partnership {
            for o in fstore::member_organizations(db, p).await? {
                options.push((o.id, format!("{} ({})", o.name, o.kind.label())));
            }
        }
        if let Some(m) = record {
            for o in fstore::attendees(db, m).await? {
                if !options.iter().any(|(id, _)| *id == o.id) {
                    options.push((o.id, format!("{} ({}, not a member)", o.name, o.kind.label())));
                }
            }
        }
        let hint = if partnership.is_none() {
            "Choose the partnership and save; the partnership's member organizations are then listed here to tick.".to_string()
        } else if options.is_empty() {
            "The partnership has no member organizations yet: add memberships first.".to_string()
        } else {
            "Tick every organization that attended. The business-led indicator compares businesses with public partners at the last three meetings.".to_string()
        };
        let (name, legend) = Self::CHECKLIST.unwrap_or(("attendees", "Organizations that attended"));
        Ok(Some(Checklist { name, legend, hint, options }))
    }

    async fn save(db: &Db, id: Option<Id>, if_version: Option<i64>, fields: Self, checked: Vec<Id>) -> Result<Record<Self>, Error> {
        fstore::save_meeting(db, id, if_version, fields, &checked).await
    }
}

// ---------------------------------------------------------------------------------------------
// Views

/// One `<option>`.
pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input as the template draws it.
pub struct FieldView {
    pub name: &'static str,
    /// The element id, `f-<name>`.
    pub id: String,
    pub label: &'static str,
    pub hint: &'static str,
    /// `text`, `textarea`, `date`, `day`, `number`, `checkbox` or `select`.
    pub kind: &'static str,
    /// `inputmode` of a text input (`decimal`, `numeric`, `url`), empty for none.
    pub inputmode: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<OptionView>,
    pub error: Option<String>,
    /// Ids of the hint and error, for `aria-describedby`.
    pub described_by: String,
    /// A personal field with a value on file (never shown).
    pub on_file: bool,
    pub clear_name: String,
    pub clear_checked: bool,
}

/// One box of the check box list.
pub struct CheckView {
    pub id: String,
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// The check box list as the template draws it.
pub struct ChecklistView {
    pub name: &'static str,
    pub legend: &'static str,
    pub hint: String,
    pub boxes: Vec<CheckView>,
    pub error: Option<String>,
}

/// The create/edit form page of every module (`network/form.html`).
#[derive(Template)]
#[template(path = "network/form.html")]
pub(crate) struct FormPage {
    pub(crate) title: String,
    /// The record being edited is an invented example.
    pub(crate) illustrative: bool,
    pub(crate) singular: &'static str,
    pub(crate) action: String,
    pub(crate) partnership: Option<PartnershipRef>,
    pub(crate) version: Option<i64>,
    /// Why the form could not be saved because the record changed; with the reload link.
    pub(crate) conflict: Option<(String, String)>,
    pub(crate) summary: Vec<(String, String)>,
    pub(crate) fields: Vec<FieldView>,
    pub(crate) checklist: Option<ChecklistView>,
    pub(crate) submit: String,
    pub(crate) cancel_url: String,
    pub(crate) delete_url: Option<String>,
}

/// The "delete this record?" page of every module (`network/delete.html`).
#[derive(Template)]
#[template(path = "network/delete.html")]
pub(crate) struct DeletePage {
    pub(crate) title: String,
    pub(crate) illustrative: bool,
    pub(crate) singular: &'static str,
    pub(crate) name: String,
    pub(crate) action: String,
    pub(crate) version: i64,
    pub(crate) partnership: Option<PartnershipRef>,
    /// (count and words, deleted with it?) of each kind of record that refers to it.
    pub(crate) dependents: Vec<(String, bool)>,
    pub(crate) conflict: Option<String>,
    pub(crate) cancel_url: String,
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn parse_path_id(path: Result<Path<String>, PathRejection>) -> Result<Id, Error> {
    let Path(raw) = path.map_err(|e| Error::invalid_parameter("id", e.body_text()))?;
    Id::from_str(&raw).map_err(|m| Error::invalid_parameter("id", m))
}

/// Read an `application/x-www-form-urlencoded` body. Errors: 415 for another content type, 413
/// over the size limit, 400 for a body that cannot be read.
fn form_body(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<FormValues, Error> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        return Err(Error::UnsupportedMediaType(format!("send the form as application/x-www-form-urlencoded (got '{ct}')")));
    }
    let bytes = body.map_err(|e| body_error("the form", e))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
    Ok(FormValues(pairs))
}

fn query_values(uri: &Uri) -> FormValues {
    FormValues(serde_urlencoded::from_str(uri.query().unwrap_or("")).unwrap_or_default())
}

/// The partnership the form is about: the one its fields name (directly, or through the
/// record they refer to), else the stored record's.
async fn context_partnership<F: Editable>(db: &Db, values: &FormValues, record: Option<Id>) -> Result<Option<PartnershipRef>, Error> {
    if F::TABLE == "partnerships" {
        return match record {
            Some(id) => fstore::partnership_of(db, "partnerships", id).await,
            None => Ok(None),
        };
    }
    for spec in F::FORM {
        let Widget::Related(table) = spec.widget else { continue };
        if table == "organizations" {
            continue;
        }
        if let Some(id) = values.get(spec.name).and_then(|v| Id::from_str(v).ok()) {
            if let Some(p) = fstore::partnership_of(db, table, id).await? {
                return Ok(Some(p));
            }
        }
    }
    match record {
        Some(id) => fstore::partnership_of(db, F::TABLE, id).await,
        None => Ok(None),
    }
}

/// The page a record is shown on: its partnership's page, an organization's own page, or for a
/// person without a partnership their organization's page.
async fn record_page<F: Editable>(db: &Db, record: &Record<F>) -> Result<String, Error> {
    if F::TABLE == "organizations" {
        return Ok(format!("/organizations/{}", record.id()));
    }
    if let Some(p) = fstore::partnership_of(db, F::TABLE, record.id()).await? {
        return Ok(format!("/partnerships/{}", p.slug));
    }
    let json = serde_json::to_value(&record.fields).unwrap_or_default();
    Ok(match json.get("organization_id").and_then(|v| v.as_str()) {
        Some(org) => format!("/organizations/{org}"),
        None => "/".to_string(),
    })
}

/// Is the record an invented example (its `illustrative` field, where it has one)?
fn is_illustrative<F: Editable>(fields: &F) -> bool {
    serde_json::to_value(fields).ok().and_then(|v| v.get("illustrative").and_then(|b| b.as_bool())).unwrap_or(false)
}

/// Where "Cancel" goes when there is no record page yet.
fn fallback_page<F: Entity>(partnership: &Option<PartnershipRef>) -> String {
    match (partnership, F::TABLE) {
        (Some(p), _) => format!("/partnerships/{}", p.slug),
        (None, "organizations") => "/organizations".into(),
        (None, _) => "/partnerships".into(),
    }
}

/// Build the views of every field: the typed (or stored) text, the choices of selects (related
/// records narrowed to the form's partnership), and each message beside its input.
async fn field_views<F: Editable>(
    db: &Db,
    values: &FormValues,
    errors: &FieldErrors,
    partnership: Option<Id>,
    stored: Option<&F>,
) -> Result<Vec<FieldView>, Error> {
    let stored_json = stored.and_then(|s| serde_json::to_value(s).ok());
    let mut out = Vec::new();
    for spec in F::FORM {
        let id = format!("f-{}", spec.name);
        let value = values.get(spec.name).unwrap_or("").to_string();
        let mut options = Vec::new();
        match spec.widget {
            Widget::Choice(c) => {
                options.push(OptionView { value: String::new(), label: if spec.required { "Choose…".into() } else { "Not recorded".into() }, selected: value.is_empty() });
                for (w, label) in c() {
                    options.push(OptionView { value: w.to_string(), label: label.to_string(), selected: value == w });
                }
            }
            Widget::Related(table) => {
                let scope = if matches!(table, "partnerships" | "organizations") { None } else { partnership };
                options.push(OptionView { value: String::new(), label: if spec.required { "Choose…".into() } else { "None".into() }, selected: value.is_empty() });
                for (rid, label) in fstore::choices(db, table, scope).await? {
                    let v = rid.to_string();
                    let selected = v == value.trim();
                    options.push(OptionView { value: v, label, selected });
                }
            }
            _ => {}
        }
        if matches!(spec.widget, Widget::Choice(_) | Widget::Related(_)) && !value.trim().is_empty() && !options.iter().any(|o| o.selected) {
            options.push(OptionView { value: value.clone(), label: format!("{value} (not among the choices)"), selected: true });
        }
        let error = errors.get(spec.name).map(|m| sentence(spec.label, m));
        let mut described = Vec::new();
        if !spec.hint.is_empty() {
            described.push(format!("{id}-hint"));
        }
        if error.is_some() {
            described.push(format!("{id}-error"));
        }
        let on_file = spec.personal && stored_json.as_ref().is_some_and(|s| !s[spec.name].is_null());
        out.push(FieldView {
            name: spec.name,
            label: spec.label,
            hint: spec.hint,
            kind: spec.widget.kind(),
            inputmode: match spec.widget {
                Widget::Number => "decimal",
                Widget::Integer => "numeric",
                Widget::Url => "url",
                _ => "",
            },
            checked: !value.is_empty() && matches!(spec.widget, Widget::Checkbox),
            value,
            options,
            error,
            described_by: described.join(" "),
            on_file,
            clear_name: clear_name(spec.name),
            clear_checked: values.get(&clear_name(spec.name)).is_some(),
            id,
        });
    }
    Ok(out)
}

fn checklist_view(list: Checklist, ticked: &[String], error: Option<String>) -> ChecklistView {
    let boxes = list
        .options
        .into_iter()
        .enumerate()
        .map(|(i, (id, label))| {
            let value = id.to_string();
            CheckView { id: format!("f-{}-{i}", list.name), checked: ticked.contains(&value), value, label }
        })
        .collect();
    ChecklistView { name: list.name, legend: list.legend, hint: list.hint, boxes, error }
}

/// The error summary: each message with a link to its input, in the form's order.
fn summary<F: FormHooks>(errors: &FieldErrors) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for spec in F::FORM {
        for (field, message) in errors.iter().filter(|(f, _)| *f == spec.name) {
            out.push((format!("#f-{field}"), sentence(spec.label, message)));
        }
    }
    for (field, message) in errors.iter().filter(|(f, _)| F::spec(f).is_none()) {
        match F::CHECKLIST {
            Some((name, legend)) if name == field => out.push((format!("#f-{field}"), sentence(legend, message))),
            _ => out.push(("#form".to_string(), sentence(&field.replace('_', " "), message))),
        }
    }
    out
}

/// What drawing a form needs besides the record kind.
struct FormState<'a, F: Editable> {
    values: &'a FormValues,
    errors: &'a FieldErrors,
    /// The record being edited, if any.
    record: Option<&'a Record<F>>,
    /// The version the form carries (the one the person started editing).
    version: Option<i64>,
    conflict: Option<String>,
}

async fn draw<F: FormHooks>(db: &Db, st: FormState<'_, F>) -> Result<FormPage, Error> {
    let record_id = st.record.map(|r| r.id());
    let partnership = context_partnership::<F>(db, st.values, record_id).await?;
    // A new form's address may name any partnership (`?partnership_id=`, or a record of it): do
    // not show the name and link of one whose page the viewer may not see.
    let vis = crate::auth::access::Visibility::current(db).await?;
    let partnership = partnership.filter(|p| vis.sees(p.id, crate::auth::access::Part::Page));
    let pid = partnership.as_ref().map(|p| p.id);
    let fields = field_views::<F>(db, st.values, st.errors, pid, st.record.map(|r| &r.fields)).await?;
    let checklist = match F::checklist(db, record_id, pid).await? {
        Some(list) => {
            let ticked: Vec<String> = match (F::CHECKLIST, st.values.get(SUBMITTED)) {
                (Some((name, _)), Some(_)) => st.values.all(name).into_iter().map(str::to_string).collect(),
                (Some(_), None) => match record_id {
                    Some(m) => fstore::attendees(db, m).await?.into_iter().map(|o| o.id.to_string()).collect(),
                    None => vec![],
                },
                (None, _) => vec![],
            };
            let error = F::CHECKLIST.and_then(|(n, _)| st.errors.get(n)).map(|m| sentence(list.legend, m));
            Some(checklist_view(list, &ticked, error))
        }
        None => None,
    };
    let (title, action, submit, delete_url) = match st.record {
        Some(r) => (
            format!("Edit {}: {}", F::SINGULAR, r.fields.display_name()),
            format!("/{}/{}/edit", F::TABLE, r.id()),
            format!("Save {}", F::SINGULAR),
            Some(format!("/{}/{}/delete", F::TABLE, r.id())),
        ),
        None => (format!("New {}", F::SINGULAR), format!("/{}/new", F::TABLE), format!("Create {}", F::SINGULAR), None),
    };
    let cancel_url = match st.record {
        Some(r) => record_page(db, r).await?,
        None => fallback_page::<F>(&partnership),
    };
    let conflict = st.conflict.map(|c| (c, format!("/{}/{}/edit", F::TABLE, record_id.map(|i| i.to_string()).unwrap_or_default())));
    Ok(FormPage {
        title,
        illustrative: st.record.is_some_and(|r| is_illustrative(&r.fields)),
        singular: F::SINGULAR,
        action,
        partnership,
        version: st.version,
        conflict,
        summary: summary::<F>(st.errors),
        fields,
        checklist,
        submit,
        cancel_url,
        delete_url,
    })
}

/// The ids ticked on the record's check box list; a malformed one is an error on the list.
fn ticked_ids<F: FormHooks>(values: &FormValues, errors: &mut FieldErrors) -> Vec<Id> {
    let Some((name, _)) = F::CHECKLIST else { return vec![] };
    let mut ids = Vec::new();
    for raw in values.all(name) {
        match Id::from_str(raw) {
            Ok(id) => ids.push(id),
            Err(m) => errors.add(name, m),
        }
    }
    ids
}

// ---------------------------------------------------------------------------------------------
// Handlers

async fn new_form<F: FormHooks>(State(state): State<AppState>, uri: Uri) -> Result<Response, Error> {
    let values = new_form_values::<F>(&query_values(&uri));
    let page = draw::<F>(&state.db, FormState { values: &values, errors: &FieldErrors::default(), record: None, version: None, conflict: None }).await?;
    Ok(render(&page))
}

async fn edit_form<F: FormHooks>(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> Result<Response, Error> {
    let id = parse_path_id(path)?;
    let record = store::get::<F>(&state.db, id).await?;
    let values = form_values(&record.fields);
    let page = draw::<F>(
        &state.db,
        FormState { values: &values, errors: &FieldErrors::default(), record: Some(&record), version: Some(record.meta.version), conflict: None },
    )
    .await?;
    Ok(render(&page))
}

/// Save a submitted form; on any problem draw it again with the problems. `record` is the
/// stored record when editing.
async fn submit<F: FormHooks>(db: &Db, values: FormValues, record: Option<Record<F>>) -> Result<Response, Error> {
    let version = match &record {
        Some(_) => Some(
            values
                .get("version")
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| Error::BadRequest("the form carries no version of the record; open the edit form again".into()))?,
        ),
        None => None,
    };
    let redraw = |errors: FieldErrors, conflict: Option<String>, status: StatusCode| {
        let values = &values;
        let record = record.as_ref();
        async move {
            let page = draw::<F>(db, FormState { values, errors: &errors, record, version, conflict }).await?;
            Ok::<Response, Error>(render_with_status(status, &page))
        }
    };
    if let (Some(r), Some(v)) = (&record, version) {
        if r.meta.version != v {
            let msg = format!(
                "Someone else changed this {} after you opened the form (you started from version {v}; it is now version {}).",
                F::SINGULAR,
                r.meta.version
            );
            return redraw(FieldErrors::default(), Some(msg), StatusCode::CONFLICT).await;
        }
    }
    let mut errors = FieldErrors::default();
    let ticked = ticked_ids::<F>(&values, &mut errors);
    let fields = match parse_form::<F>(&values, record.as_ref().map(|r| &r.fields)) {
        Ok(fields) if errors.is_empty() => fields,
        Ok(_) => return redraw(errors, None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(more) => {
            errors.extend(more);
            return redraw(errors, None, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    if record.is_none() {
        crate::auth::access::authorize_new(db, &fields).await?;
    }
    match F::save(db, record.as_ref().map(|r| r.id()), version, fields, ticked).await {
        Ok(saved) => Ok(Redirect::to(&record_page(db, &saved).await?).into_response()),
        Err(Error::Validation(errors)) => redraw(errors, None, StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(Error::PreconditionFailed(_)) => {
            let msg = format!("Someone else changed this {} while you were saving it.", F::SINGULAR);
            redraw(FieldErrors::default(), Some(msg), StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}

async fn create<F: FormHooks>(State(state): State<AppState>, headers: HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Response, Error> {
    let values = form_body(&headers, body)?;
    submit::<F>(&state.db, values, None).await
}

async fn update<F: FormHooks>(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let id = parse_path_id(path)?;
    let values = form_body(&headers, body)?;
    let record = store::get::<F>(&state.db, id).await?;
    submit::<F>(&state.db, values, Some(record)).await
}

async fn delete_page<F: FormHooks>(db: &Db, record: &Record<F>, version: i64, conflict: Option<String>) -> Result<DeletePage, Error> {
    let partnership = if F::TABLE == "partnerships" { None } else { fstore::partnership_of(db, F::TABLE, record.id()).await? };
    let dependents = fstore::dependents(db, F::TABLE, record.id())
        .await?
        .into_iter()
        .map(|d| {
            let words = if d.count == 1 { d.singular.to_string() } else { d.table.replace('_', " ") };
            (format!("{} {words}", d.count), d.deleted)
        })
        .collect();
    Ok(DeletePage {
        title: format!("Delete {}: {}", F::SINGULAR, record.fields.display_name()),
        illustrative: is_illustrative(&record.fields),
        singular: F::SINGULAR,
        name: record.fields.display_name(),
        action: format!("/{}/{}/delete", F::TABLE, record.id()),
        version,
        cancel_url: record_page(db, record).await?,
        partnership,
        dependents,
        conflict,
    })
}

async fn confirm_delete<F: FormHooks>(State(state): State<AppState>, path: Result<Path<String>, PathRejection>) -> Result<Response, Error> {
    let id = parse_path_id(path)?;
    let record = store::get::<F>(&state.db, id).await?;
    let page = delete_page(&state.db, &record, record.meta.version, None).await?;
    Ok(render(&page))
}

async fn delete<F: FormHooks>(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let id = parse_path_id(path)?;
    let values = form_body(&headers, body)?;
    let version = values
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| Error::BadRequest("the form carries no version of the record; open the delete page again".into()))?;
    let record = store::get::<F>(&state.db, id).await?;
    // Where to go afterwards, found while the record still exists.
    let after = match F::TABLE {
        "partnerships" => "/partnerships".to_string(),
        "organizations" => "/organizations".to_string(),
        _ => record_page(&state.db, &record).await?,
    };
    let conflict = |now: i64| {
        format!(
            "Someone else changed this {} after you opened this page (you saw version {version}; it is now version {now}). Nothing was deleted: check the record below and confirm again.",
            F::SINGULAR
        )
    };
    if record.meta.version != version {
        let page = delete_page(&state.db, &record, record.meta.version, Some(conflict(record.meta.version))).await?;
        let mut resp = render(&page);
        *resp.status_mut() = StatusCode::CONFLICT;
        return Ok(resp);
    }
    match store::delete::<F>(&state.db, id, Some(version)).await {
        Ok(()) => Ok(Redirect::to(&after).into_response()),
        Err(Error::PreconditionFailed(_)) => {
            let record = store::get::<F>(&state.db, id).await?;
            let page = delete_page(&state.db, &record, record.meta.version, Some(conflict(record.meta.version))).await?;
            let mut resp = render(&page);
            *resp.status_mut() = StatusCode::CONFLICT;
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

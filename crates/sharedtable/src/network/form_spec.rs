//! How each kind of record is edited: for every field its label, hint and widget, and the rules
//! that turn what a person typed (a form) or sent (JSON) into the record's fields. Pure: no I/O.
//!
//! The same description drives the HTML forms (`forms.rs`), the JSON API's input checks and list
//! filters (`api.rs`), and the OpenAPI document, so a new kind of record needs one description.

use std::str::FromStr;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::entity::{validate, Entity};
use super::model::*;
use crate::codes;
use crate::db::Id;
use crate::web::FieldErrors;

/// The choices of a select: (stored word, label people read), in display order.
pub type Choices = fn() -> Vec<(&'static str, &'static str)>;

/// A comma-separated list of codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeList {
    /// 2022 NAICS codes, e.g. `31-33, 332710`.
    Naics,
    /// 5-digit county FIPS codes, e.g. `04015`.
    County,
    /// USPS state codes, e.g. `AZ, NV` (typed in any case, stored upper case).
    State,
}

/// How a field is typed in and what JSON value it holds.
#[derive(Clone, Copy)]
pub enum Widget {
    /// One line of text (JSON string).
    Text,
    /// Several lines of text (JSON string).
    TextArea,
    /// A web address (JSON string).
    Url,
    /// A date at year, month or day precision: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (JSON string).
    PartialDate,
    /// A calendar day `YYYY-MM-DD` (JSON string).
    Day,
    /// A whole number (JSON integer).
    Integer,
    /// A decimal number (JSON number).
    Number,
    /// Yes or no (JSON boolean).
    Checkbox,
    /// One word of a closed list (JSON string).
    Choice(Choices),
    /// The id of a record of the named table (JSON string, a UUID).
    Related(&'static str),
    /// Codes separated by commas (JSON array of strings).
    Codes(CodeList),
    /// One entry per line, e.g. web addresses (JSON array of strings).
    Lines,
}

impl Widget {
    /// The template's name for the widget: `text`, `textarea`, `date`, `day`, `number`,
    /// `checkbox`, `select` or `list`.
    pub fn kind(&self) -> &'static str {
        match self {
            Widget::Text | Widget::Url | Widget::Codes(_) => "text",
            Widget::TextArea | Widget::Lines => "textarea",
            Widget::PartialDate => "date",
            Widget::Day => "day",
            Widget::Integer | Widget::Number => "number",
            Widget::Checkbox => "checkbox",
            Widget::Choice(_) | Widget::Related(_) => "select",
        }
    }
    fn is_text(&self) -> bool {
        matches!(self, Widget::Text | Widget::TextArea | Widget::Url)
    }
}

/// One editable field of a kind of record.
#[derive(Clone, Copy)]
pub struct FieldSpec {
    /// The field (and column, and form input) name.
    pub name: &'static str,
    /// What people read beside the input.
    pub label: &'static str,
    /// Help shown under the label: format, example, what happens when left empty.
    pub hint: &'static str,
    pub widget: Widget,
    /// The field is not optional in the record (`Option<..>` fields are not required). Empty
    /// text of a required text field is left to the record's validation ("is required"), so a
    /// field such as a partnership's slug can still be derived when empty.
    pub required: bool,
    /// Personal data (a person's email or phone): never shown back on a page or by the API;
    /// leaving it empty when editing keeps what is stored.
    pub personal: bool,
    /// Value a new form starts with.
    pub default: Option<&'static str>,
}

impl FieldSpec {
    const fn new(name: &'static str, label: &'static str, widget: Widget) -> FieldSpec {
        FieldSpec { name, label, hint: "", widget, required: false, personal: false, default: None }
    }
    const fn req(self) -> FieldSpec {
        FieldSpec { required: true, ..self }
    }
    const fn hint(self, hint: &'static str) -> FieldSpec {
        FieldSpec { hint, ..self }
    }
    const fn personal(self) -> FieldSpec {
        FieldSpec { personal: true, ..self }
    }
    const fn default(self, value: &'static str) -> FieldSpec {
        FieldSpec { default: Some(value), ..self }
    }
}

/// The choices of a word list type (see `model::word_list!`).
macro_rules! words {
    ($t:ty) => {{
        fn choices() -> Vec<(&'static str, &'static str)> {
            <$t>::ALL.iter().map(|v| (v.as_str(), v.label())).collect()
        }
        choices as Choices
    }};
}

fn state_choices() -> Vec<(&'static str, &'static str)> {
    codes::STATES.iter().map(|s| (s.usps.as_str(), s.name.as_str())).collect()
}

const fn f(name: &'static str, label: &'static str, widget: Widget) -> FieldSpec {
    FieldSpec::new(name, label, widget)
}

const DATE_HINT: &str = "YYYY, YYYY-MM or YYYY-MM-DD, at the precision known (e.g. 2018 or 2018-05).";
const URL_HINT: &str = "A web address starting with https:// or http://.";

/// A kind of record that people edit through the forms and the JSON API.
pub trait Editable: Entity {
    /// Every editable field, in the order the form shows them. Covers [`Entity::COLUMNS`]
    /// exactly (checked by a test).
    const FORM: &'static [FieldSpec];

    /// Fill in what can be derived from other fields and report what cannot. Runs on every
    /// create and update, from a form or the API, before validation.
    fn complete(&mut self, _errs: &mut FieldErrors) {}

    /// The field description of `name`, if it is one of this kind's fields.
    fn spec(name: &str) -> Option<&'static FieldSpec> {
        Self::FORM.iter().find(|s| s.name == name)
    }
}

impl Editable for PartnershipFields {
    const FORM: &'static [FieldSpec] = &[
        f("name", "Name", Widget::Text).req().hint("The name the partnership goes by. No two partnerships may share a name."),
        f("slug", "Web address name", Widget::Text)
            .req()
            .hint("Lowercase letters, digits and hyphens, used in the page address /partnerships/<name>. Leave empty to make it from the name."),
        f("sector_label", "Sector", Widget::Text).req().hint("The industry in the partnership's own words, e.g. Manufacturing."),
        f("naics_codes", "NAICS codes", Widget::Codes(CodeList::Naics))
            .hint("2022 NAICS codes of the sector, separated by commas, e.g. 31-33 or 622110, 623110."),
        f("region_name", "Region", Widget::Text).req().hint("The labor market region as its partners name it, e.g. Kingman / Mohave County."),
        f("region_counties", "Counties", Widget::Codes(CodeList::County))
            .hint("5-digit county FIPS codes separated by commas, e.g. 04015 for Mohave County, AZ. Leave empty when not known."),
        f("region_states", "States", Widget::Codes(CodeList::State)).hint("USPS codes of the region's states, separated by commas, e.g. AZ, NV."),
        f("launched", "Launched", Widget::PartialDate).hint(DATE_HINT),
        f("stage", "Stage", Widget::Choice(words!(Stage))).hint("Leave as not recorded when no source says."),
        f("stage_reported", "Stage in the partnership's words", Widget::Text).hint("The status word the source uses, e.g. Planning."),
        f("website", "Website", Widget::Url).hint(URL_HINT),
        f("source_urls", "Sources", Widget::Lines).hint("Where the facts about this partnership come from: one web address per line."),
        f("illustrative", "Illustrative (an invented example)", Widget::Checkbox)
            .hint("Illustrative records are badged everywhere and left out of network figures by default."),
    ];

    /// An empty slug is made from the name ([`slugify`]). With no name either, the slug is
    /// left to the name: the name's own "is required" is the one message, and nothing is saved.
    fn complete(&mut self, _errs: &mut FieldErrors) {
        if self.slug.trim().is_empty() {
            self.slug = if self.name.trim().is_empty() { "unnamed".into() } else { slugify(&self.name) };
        }
    }
}

impl Editable for OrganizationFields {
    const FORM: &'static [FieldSpec] = &[
        f("name", "Name", Widget::Text).req(),
        f("kind", "Kind", Widget::Choice(words!(OrgKind))).req().hint("Businesses lead; the other kinds are public partners."),
        f("naics_code", "NAICS code", Widget::Text).hint("For businesses: the 2022 NAICS code of what it makes or does, e.g. 332710."),
        f("city", "City", Widget::Text).hint("With the state, places the organization on the map."),
        f("state", "State", Widget::Choice(state_choices)),
        f("latitude", "Latitude", Widget::Number).hint(
            "WGS84 degrees, e.g. 35.19. Leave latitude and longitude empty to fill them in from the city and state (GeoNames gazetteer of places with 1,000 people or more).",
        ),
        f("longitude", "Longitude", Widget::Number).hint("WGS84 degrees, e.g. -114.05 (west is negative)."),
        f("employee_count", "Employees", Widget::Integer).hint("Number of employees, when known."),
        f("website", "Website", Widget::Url).hint(URL_HINT),
        f("illustrative", "Illustrative (an invented example)", Widget::Checkbox),
    ];

    /// Without coordinates, a city and state are geocoded with the bundled gazetteer
    /// ([`codes::geocode`]); a city the gazetteer does not know is an error on `city`.
    fn complete(&mut self, errs: &mut FieldErrors) {
        if self.latitude.is_some() || self.longitude.is_some() {
            return;
        }
        let (Some(city), Some(state)) = (&self.city, &self.state) else { return };
        if codes::state_by_usps(state).is_none() {
            return; // validation names the state
        }
        match codes::geocode(city, state) {
            Some(place) => {
                self.latitude = Some(place.latitude);
                self.longitude = Some(place.longitude);
            }
            None => errs.add(
                "city",
                format!("'{city}' is not a place in {state} that the gazetteer knows (places of 1,000 people or more): check the spelling, or give latitude and longitude"),
            ),
        }
    }
}

impl Editable for MembershipFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("organization_id", "Organization", Widget::Related("organizations")).req(),
        f("role", "Role", Widget::Choice(words!(MembershipRole))).req().default("industry_member"),
        f("started", "Started", Widget::PartialDate).hint(DATE_HINT),
        f("ended", "Ended", Widget::PartialDate).hint("Leave empty while the organization is a member."),
    ];
}

impl Editable for PersonFields {
    const FORM: &'static [FieldSpec] = &[
        f("full_name", "Full name", Widget::Text).req(),
        f("title", "Job title", Widget::Text),
        f("organization_id", "Organization", Widget::Related("organizations")).req(),
        f("partnership_id", "Partnership", Widget::Related("partnerships")).hint("The partnership this person is a contact for, if any."),
        f("email", "Email", Widget::Text)
            .personal()
            .hint("Personal data: never shown on pages or returned by the API. When editing, leave empty to keep what is on file."),
        f("phone", "Phone", Widget::Text)
            .personal()
            .hint("Personal data: never shown on pages or returned by the API. When editing, leave empty to keep what is on file."),
    ];
}

impl Editable for MeetingFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("title", "Title", Widget::Text).req(),
        f("held_on", "Held on", Widget::Day).req().hint("The day of the meeting, YYYY-MM-DD."),
        f("kind", "Kind", Widget::Choice(words!(MeetingKind))).req().default("partnership"),
        f("notes", "Notes", Widget::TextArea),
    ];
}

impl Editable for AttendanceFields {
    const FORM: &'static [FieldSpec] = &[
        f("meeting_id", "Meeting", Widget::Related("meetings")).req(),
        f("organization_id", "Organization", Widget::Related("organizations")).req(),
    ];
}

impl Editable for PriorityFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("title", "Title", Widget::Text).req(),
        f("rank", "Rank", Widget::Integer).req().default("1").hint("1 is the most important; 1 to 100."),
        f("status", "Status", Widget::Choice(words!(PriorityStatus))).req().default("active"),
        f("set_at_meeting_id", "Set at meeting", Widget::Related("meetings"))
            .hint("The meeting where business leaders set it; the health check looks for industry champions there."),
        f("description", "Description", Widget::TextArea),
    ];
}

impl Editable for ActionTeamFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("priority_id", "Priority", Widget::Related("priorities")).req().hint("The priority this team works on; it must be of the same partnership."),
        f("name", "Name", Widget::Text).req(),
        f("description", "Description", Widget::TextArea),
    ];
}

impl Editable for TeamMemberFields {
    const FORM: &'static [FieldSpec] = &[
        f("action_team_id", "Action team", Widget::Related("action_teams")).req(),
        f("organization_id", "Organization", Widget::Related("organizations")).req(),
        f("role", "Role", Widget::Choice(words!(TeamRole))).req().default("member").hint("A business lead must be a business."),
    ];
}

impl Editable for InitiativeFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("action_team_id", "Action team", Widget::Related("action_teams")).hint("Leave empty when no team is named."),
        f("title", "Title", Widget::Text).req(),
        f("kind", "Kind", Widget::Choice(words!(InitiativeKind))).req(),
        f("status", "Status", Widget::Choice(words!(InitiativeStatus))).req().default("proposed"),
        f("started", "Started", Widget::PartialDate).hint(DATE_HINT),
        f("ended", "Ended", Widget::PartialDate).hint(DATE_HINT),
        f("description", "Description", Widget::TextArea),
    ];
}

impl Editable for MilestoneFields {
    const FORM: &'static [FieldSpec] = &[
        f("initiative_id", "Initiative", Widget::Related("initiatives")).req(),
        f("title", "Title", Widget::Text).req(),
        f("due", "Due", Widget::PartialDate).hint(DATE_HINT),
        f("completed", "Completed", Widget::PartialDate).hint("When it was done; leave empty while open."),
    ];
}

impl Editable for MeasureFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("initiative_id", "Initiative", Widget::Related("initiatives")).hint("Leave empty for a measure of the whole partnership."),
        f("name", "Name", Widget::Text).req(),
        f("unit", "Unit", Widget::Text).req().hint("The unit of every value, e.g. people, USD, percent."),
        f("direction", "Better when", Widget::Choice(words!(Direction))).req().default("increase"),
        f("category", "Category", Widget::Choice(words!(MeasureCategory))).req(),
        f("description", "Description", Widget::TextArea),
    ];
}

impl Editable for ObservationFields {
    const FORM: &'static [FieldSpec] = &[
        f("measure_id", "Measure", Widget::Related("measures")).req(),
        f("period", "Period", Widget::PartialDate).req().hint(DATE_HINT),
        f("actual", "Actual value", Widget::Number).req().hint("In the measure's unit."),
        f("target", "Target", Widget::Number).hint("In the measure's unit; leave empty when there is none."),
        f("source_note", "Source", Widget::Text).hint("Where the value comes from, in words."),
        f("source_url", "Source address", Widget::Url).hint(URL_HINT),
        f("illustrative", "Illustrative (an invented example)", Widget::Checkbox),
    ];
}

impl Editable for WinFields {
    const FORM: &'static [FieldSpec] = &[
        f("partnership_id", "Partnership", Widget::Related("partnerships")).req(),
        f("initiative_id", "Initiative", Widget::Related("initiatives")).hint("The initiative that produced it, if known."),
        f("title", "Title", Widget::Text).req(),
        f("achieved", "Achieved", Widget::PartialDate).hint(DATE_HINT),
        f("initiative_kind", "Kind", Widget::Choice(words!(InitiativeKind))).req(),
        f("figures", "Figures", Widget::Text).hint("As reported: key=value pairs separated by ;, e.g. companies=30; students=120."),
        f("narrative", "Narrative", Widget::TextArea),
        f("source_url", "Source address", Widget::Url).hint(URL_HINT),
        f("illustrative", "Illustrative (an invented example)", Widget::Checkbox),
    ];
}

impl Editable for WinObservationFields {
    const FORM: &'static [FieldSpec] = &[
        f("win_id", "Win", Widget::Related("wins")).req(),
        f("observation_id", "Observation", Widget::Related("observations")).req().hint("The measure value that evidences the win."),
    ];
}

/// Submitted form values in order; a name may repeat (check boxes of one list).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormValues(pub Vec<(String, String)>);

impl FormValues {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
    /// Set `name` to one value, replacing any.
    pub fn set(&mut self, name: &str, value: String) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value));
    }
}

/// The name of the check box that clears a personal field when editing.
pub fn clear_name(field: &str) -> String {
    format!("clear_{field}")
}

fn split_codes(raw: &str, list: CodeList) -> Vec<String> {
    raw.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| if list == CodeList::State { s.to_uppercase() } else { s.to_string() })
        .collect()
}

/// A stand-in of the right JSON type for a field whose text could not be read, so the rest of
/// the record can still be checked and every problem reported at once.
fn placeholder(spec: &FieldSpec) -> Value {
    match spec.widget {
        Widget::PartialDate => Value::from("2000"),
        Widget::Day => Value::from("2000-01-01"),
        Widget::Integer => Value::from(1),
        Widget::Number => Value::from(0.0),
        Widget::Choice(c) => Value::from(c().first().map(|(w, _)| *w).unwrap_or_default()),
        Widget::Related(_) => Value::from(Id::nil().to_string()),
        Widget::Checkbox => Value::Bool(false),
        Widget::Codes(_) | Widget::Lines => Value::Array(vec![]),
        Widget::Text | Widget::TextArea | Widget::Url if spec.required => Value::from(""),
        Widget::Text | Widget::TextArea | Widget::Url => Value::Null,
    }
}

/// Read one field's text into its JSON value. `Ok(Null)` for an empty optional field; `Err`
/// with the message for text that is not what the widget expects.
fn read_text(spec: &FieldSpec, raw: &str) -> Result<Value, String> {
    let t = raw.trim();
    if spec.widget.is_text() {
        return Ok(if t.is_empty() && !spec.required { Value::Null } else { Value::from(t) });
    }
    match spec.widget {
        Widget::Checkbox => return Ok(Value::Bool(!t.is_empty())),
        Widget::Codes(list) => return Ok(Value::from(split_codes(t, list))),
        Widget::Lines => return Ok(Value::from(t.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>())),
        _ => {}
    }
    if t.is_empty() {
        return if spec.required { Err("is required".into()) } else { Ok(Value::Null) };
    }
    match spec.widget {
        Widget::PartialDate => PartialDate::parse(t).map(|d| Value::from(d.as_str())),
        Widget::Day => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Value::from(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| format!("'{t}' is not a date: write YYYY-MM-DD")),
        Widget::Integer => t.parse::<i64>().map(Value::from).map_err(|_| format!("'{t}' is not a whole number")),
        Widget::Number => match t.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(Value::from(n)),
            _ => Err(format!("'{t}' is not a number")),
        },
        Widget::Choice(c) => {
            if c().iter().any(|(w, _)| *w == t) {
                Ok(Value::from(t))
            } else {
                Err(format!("'{t}' is not one of the choices"))
            }
        }
        Widget::Related(_) => Id::from_str(t).map(|id| Value::from(id.to_string())),
        _ => Ok(Value::from(t)),
    }
}

/// Turn submitted form values into a record's fields, completed ([`Editable::complete`]) and
/// validated. `stored` is the record being edited: an empty personal field keeps its stored
/// value unless its clear box is ticked. Errors: every problem found, one per field at most,
/// named by the form input.
pub fn parse_form<F: Editable>(values: &FormValues, stored: Option<&F>) -> Result<F, FieldErrors> {
    let stored_json = stored.and_then(|s| serde_json::to_value(s).ok());
    let mut errs = FieldErrors::default();
    let mut map = Map::new();
    for spec in F::FORM {
        let raw = values.get(spec.name).unwrap_or("");
        if spec.personal && raw.trim().is_empty() {
            if let Some(stored) = &stored_json {
                let keep = values.get(&clear_name(spec.name)).is_none();
                map.insert(spec.name.into(), if keep { stored[spec.name].clone() } else { Value::Null });
                continue;
            }
        }
        match read_text(spec, raw) {
            Ok(v) => {
                map.insert(spec.name.into(), v);
            }
            Err(message) => {
                errs.add(spec.name, message);
                map.insert(spec.name.into(), placeholder(spec));
            }
        }
    }
    let mut fields: F = match serde_json::from_value(Value::Object(map)) {
        Ok(fields) => fields,
        Err(e) => {
            errs.add(F::FORM.first().map(|s| s.name).unwrap_or("form"), e.to_string());
            return Err(errs);
        }
    };
    finish(&mut fields, errs)?;
    Ok(fields)
}

/// Complete and validate fields read from a form or JSON; `errs` holds what reading found.
/// Further messages about a field that could not be read are dropped: they would be about its
/// stand-in value, not what the person typed.
fn finish<F: Editable>(fields: &mut F, mut errs: FieldErrors) -> Result<(), FieldErrors> {
    let unread: Vec<String> = errs.iter().map(|(f, _)| f.to_string()).collect();
    let mut more = FieldErrors::default();
    fields.complete(&mut more);
    more.extend(validate(fields));
    for (field, message) in more.iter() {
        if !unread.iter().any(|f| f == field) {
            errs.add(field, message);
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// The text each input shows for stored fields. Personal fields are left empty.
pub fn form_values<F: Editable>(fields: &F) -> FormValues {
    let json = serde_json::to_value(fields).unwrap_or(Value::Null);
    let mut out = FormValues::default();
    for spec in F::FORM {
        let text = if spec.personal { String::new() } else { value_text(spec, &json[spec.name]) };
        out.0.push((spec.name.to_string(), text));
    }
    out
}

fn value_text(spec: &FieldSpec, v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "1".into() } else { String::new() },
        Value::Number(n) => n.to_string(),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().map(|i| i.as_str().map(str::to_string).unwrap_or_else(|| i.to_string())).collect();
            texts.join(if matches!(spec.widget, Widget::Lines) { "\n" } else { ", " })
        }
        Value::Object(_) => v.to_string(),
    }
}

/// The values a new form starts with: each field's default, then the query's values for
/// fields of this kind (e.g. `?partnership_id=...`).
pub fn new_form_values<F: Editable>(query: &FormValues) -> FormValues {
    let mut out = FormValues::default();
    for spec in F::FORM {
        let v = query.get(spec.name).or(spec.default).unwrap_or("");
        out.0.push((spec.name.to_string(), v.to_string()));
    }
    out
}

/// Names the server sets itself; a body that sends them is told so.
const META_FIELDS: &[&str] = &["id", "version", "created_at", "updated_at"];

/// Turn a JSON object sent to the API into a record's fields, completed and validated.
///
/// Rules: every key must be a field of the kind (the server's own `id`, `version`,
/// `created_at`, `updated_at` are refused with a reason); an absent optional field is `null`, an
/// absent text field is empty, an absent check box is `false`, an absent list is empty, any other
/// absent field is required. `stored` is the record being replaced: an absent personal field keeps
/// its stored value (the API never returns it, so a client cannot send it back). Errors name the
/// field and the reason.
pub fn parse_json<F: Editable>(mut map: Map<String, Value>, stored: Option<&F>) -> Result<F, FieldErrors> {
    let mut errs = FieldErrors::default();
    let known: Vec<&str> = F::FORM.iter().map(|s| s.name).collect();
    for key in map.keys() {
        if META_FIELDS.contains(&key.as_str()) {
            errs.add(key, "is set by the server; leave it out of the body (send the version in If-Match)");
        } else if !known.contains(&key.as_str()) {
            errs.add(key, format!("is not a field of a {}; the fields are: {}", F::SINGULAR, known.join(", ")));
        }
    }
    for key in META_FIELDS {
        map.remove(*key);
    }
    map.retain(|k, _| known.contains(&k.as_str()));
    let stored_json = stored.and_then(|s| serde_json::to_value(s).ok());
    for spec in F::FORM {
        let value = match map.get(spec.name) {
            Some(v) => v.clone(),
            None if spec.personal && stored_json.is_some() => stored_json.as_ref().map(|s| s[spec.name].clone()).unwrap_or(Value::Null),
            None if spec.widget.is_text() && spec.required => Value::from(""),
            None if matches!(spec.widget, Widget::Checkbox) => Value::Bool(false),
            None if matches!(spec.widget, Widget::Codes(_) | Widget::Lines) => Value::Array(vec![]),
            None if !spec.required => Value::Null,
            None => {
                errs.add(spec.name, "is required");
                placeholder(spec)
            }
        };
        let value = match check_json(spec, &value) {
            Ok(()) => value,
            Err(message) => {
                errs.add(spec.name, message);
                placeholder(spec)
            }
        };
        map.insert(spec.name.to_string(), value);
    }
    let mut fields: F = match serde_path_to_error::deserialize(Value::Object(map)) {
        Ok(fields) => fields,
        Err(e) => {
            let field = e
                .path()
                .iter()
                .find_map(|seg| match seg {
                    serde_path_to_error::Segment::Map { key } => Some(key.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "body".to_string());
            if errs.get(&field).is_none() {
                errs.add(&field, e.into_inner().to_string());
            }
            return Err(errs);
        }
    };
    finish(&mut fields, errs)?;
    Ok(fields)
}

/// Checks of one JSON value that give clearer messages than the decoder would.
fn check_json(spec: &FieldSpec, v: &Value) -> Result<(), String> {
    if v.is_null() {
        return if spec.required { Err("is required (not null)".into()) } else { Ok(()) };
    }
    match spec.widget {
        Widget::Related(_) => match v.as_str() {
            Some(s) => Id::from_str(s).map(|_| ()),
            None => Err(format!("must be an id (a UUID as text), not {v}")),
        },
        Widget::Choice(c) => match v.as_str() {
            Some(s) if c().iter().any(|(w, _)| *w == s) => Ok(()),
            _ => Err(format!("{v} is not one of: {}", c().iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", "))),
        },
        Widget::PartialDate => match v.as_str() {
            Some(s) => PartialDate::parse(s).map(|_| ()),
            None => Err(format!("must be a date as text (YYYY, YYYY-MM or YYYY-MM-DD), not {v}")),
        },
        Widget::Day => match v.as_str().map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d")) {
            Some(Ok(_)) => Ok(()),
            _ => Err(format!("{v} is not a date: write \"YYYY-MM-DD\"")),
        },
        Widget::Integer if !(v.is_i64() || v.is_u64()) => Err(format!("must be a whole number, not {v}")),
        Widget::Number if !v.is_number() => Err(format!("must be a number, not {v}")),
        Widget::Checkbox if !v.is_boolean() => Err(format!("must be true or false, not {v}")),
        Widget::Codes(_) | Widget::Lines if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) => {
            Err(format!("must be a list of text values, not {v}"))
        }
        Widget::Text | Widget::TextArea | Widget::Url if !v.is_string() => Err(format!("must be text, not {v}")),
        _ => Ok(()),
    }
}

/// Check a list filter's value (`?column=value`) against the field's widget; the message says
/// what is expected.
pub fn check_filter(spec: &FieldSpec, raw: &str) -> Result<(), String> {
    match spec.widget {
        Widget::Related(_) => Id::from_str(raw).map(|_| ()),
        Widget::Choice(c) => {
            if c().iter().any(|(w, _)| *w == raw) {
                Ok(())
            } else {
                Err(format!("'{raw}' is not one of: {}", c().iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", ")))
            }
        }
        Widget::Checkbox => match raw {
            "true" | "false" | "1" | "0" | "yes" | "no" => Ok(()),
            _ => Err(format!("'{raw}' is not true or false")),
        },
        Widget::PartialDate => PartialDate::parse(raw).map(|_| ()),
        _ => Ok(()),
    }
}

/// A field message as a sentence beside its input or in the summary: "Name is required",
/// "NAICS codes: '999999' is not a 2022 NAICS code".
pub fn sentence(label: &str, message: &str) -> String {
    const CONTINUES: &[&str] = &["is ", "are ", "must ", "cannot ", "ends ", "has ", "belongs "];
    if CONTINUES.iter().any(|w| message.starts_with(w)) {
        format!("{label} {message}")
    } else {
        format!("{label}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! check_covers_columns {
        ($t:ty) => {{
            let mut form: Vec<&str> = <$t as Editable>::FORM.iter().map(|s| s.name).collect();
            let mut cols: Vec<&str> = <$t as Entity>::COLUMNS.to_vec();
            form.sort();
            cols.sort();
            assert_eq!(form, cols, "form of {}", <$t as Entity>::TABLE);
            for flt in <$t as Entity>::FILTERS {
                assert!(<$t as Editable>::spec(flt).is_some(), "filter {flt} of {}", <$t as Entity>::TABLE);
            }
            for r in <$t as Entity>::REFS {
                match <$t as Editable>::spec(r.column).map(|s| s.widget) {
                    Some(Widget::Related(t)) => assert_eq!(t, r.table),
                    _ => panic!("{} of {} is not a related select", r.column, <$t as Entity>::TABLE),
                }
            }
        }};
    }

    #[test]
    fn every_form_covers_its_columns_filters_and_references() {
        crate::for_each_entity!(check_covers_columns);
    }

    fn values(pairs: &[(&str, &str)]) -> FormValues {
        FormValues(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_partnership_form_reads_codes_dates_and_derives_the_slug() {
        let v = values(&[
            ("name", "Mohave Makers"),
            ("slug", ""),
            ("sector_label", "Manufacturing"),
            ("naics_codes", "31-33, 332710"),
            ("region_name", "Mohave County"),
            ("region_counties", "04015"),
            ("region_states", "az"),
            ("launched", "2017-05"),
            ("stage", "implementing"),
            ("source_urls", "https://a.example/x\n\n https://b.example/y "),
            ("illustrative", "1"),
        ]);
        let p: PartnershipFields = parse_form(&v, None).unwrap();
        assert_eq!(p.slug, "mohave-makers");
        assert_eq!(p.naics_codes.0, vec!["31-33", "332710"]);
        assert_eq!(p.region_states.0, vec!["AZ"]);
        assert_eq!(p.launched.as_ref().map(|d| d.as_str()), Some("2017-05"));
        assert_eq!(p.stage, Some(Stage::Implementing));
        assert_eq!(p.stage_reported, None);
        assert_eq!(p.source_urls.0, vec!["https://a.example/x", "https://b.example/y"]);
        assert!(p.illustrative);
        // and back into the text the form shows
        let shown = form_values(&p);
        assert_eq!(shown.get("naics_codes"), Some("31-33, 332710"));
        assert_eq!(shown.get("source_urls"), Some("https://a.example/x\nhttps://b.example/y"));
        assert_eq!(shown.get("illustrative"), Some("1"));
        assert_eq!(parse_form::<PartnershipFields>(&shown, None).unwrap(), p);
    }

    #[test]
    fn every_problem_of_a_form_is_named_once() {
        let v = values(&[
            ("name", ""),
            ("sector_label", "Manufacturing"),
            ("naics_codes", "999999"),
            ("region_name", "Mohave"),
            ("region_states", "AZ"),
            ("launched", "2017-13"),
            ("stage", "thriving"),
        ]);
        let errs = parse_form::<PartnershipFields>(&v, None).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["launched", "stage", "name", "naics_codes"], "{errs:?}");
        assert_eq!(errs.get("launched"), Some("month 13 is not 1 to 12"));
        assert_eq!(errs.get("naics_codes"), Some("'999999' is not a 2022 NAICS code"));
    }

    #[test]
    fn required_selects_and_numbers_say_what_is_wrong() {
        let v = values(&[("partnership_id", ""), ("title", "Hiring"), ("rank", "first"), ("status", "active")]);
        let errs = parse_form::<PriorityFields>(&v, None).unwrap_err();
        assert_eq!(errs.get("partnership_id"), Some("is required"));
        assert_eq!(errs.get("rank"), Some("'first' is not a whole number"));
        assert_eq!(errs.len(), 2, "{errs:?}");
    }

    #[test]
    fn organizations_are_geocoded_or_the_city_is_named() {
        let v = values(&[("name", "Acme"), ("kind", "business"), ("city", "Kingman"), ("state", "AZ")]);
        let o: OrganizationFields = parse_form(&v, None).unwrap();
        assert!((o.latitude.unwrap() - 35.19).abs() < 0.05 && (o.longitude.unwrap() + 114.05).abs() < 0.05, "{o:?}");
        let v = values(&[("name", "Acme"), ("kind", "business"), ("city", "Atlantis"), ("state", "AZ")]);
        let errs = parse_form::<OrganizationFields>(&v, None).unwrap_err();
        assert!(errs.get("city").unwrap().starts_with("'Atlantis' is not a place in AZ"), "{errs:?}");
        // given coordinates are kept and the gazetteer is not asked
        let v = values(&[("name", "Acme"), ("kind", "business"), ("city", "Atlantis"), ("state", "AZ"), ("latitude", "35"), ("longitude", "-114")]);
        let o: OrganizationFields = parse_form(&v, None).unwrap();
        assert_eq!((o.latitude, o.longitude), (Some(35.0), Some(-114.0)));
    }

    #[test]
    fn personal_fields_are_never_shown_and_kept_unless_cleared() {
        let stored = PersonFields {
            organization_id: Id::nil(),
            partnership_id: None,
            full_name: "Ana Ruiz".into(),
            title: None,
            email: Some("ana@example.org".into()),
            phone: Some("555-0100".into()),
        };
        let shown = form_values(&stored);
        assert_eq!(shown.get("email"), Some(""));
        assert_eq!(shown.get("phone"), Some(""));
        let mut v = shown.clone();
        v.0.push(("clear_phone".into(), "1".into()));
        let saved: PersonFields = parse_form(&v, Some(&stored)).unwrap();
        assert_eq!(saved.email.as_deref(), Some("ana@example.org"));
        assert_eq!(saved.phone, None);
        v.set("email", "new@example.org".into());
        assert_eq!(parse_form::<PersonFields>(&v, Some(&stored)).unwrap().email.as_deref(), Some("new@example.org"));
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn json_input_names_unknown_and_mistyped_fields() {
        let errs = parse_json::<MeetingFields>(
            obj(serde_json::json!({"partnership_id": "nope", "held_on": "2024-02-30", "kind": "party", "title": 5, "colour": "red", "id": "x"})),
            None,
        )
        .unwrap_err();
        assert_eq!(errs.get("colour").map(|m| m.starts_with("is not a field of a meeting")), Some(true));
        assert_eq!(errs.get("id").map(|m| m.starts_with("is set by the server")), Some(true));
        assert_eq!(errs.get("partnership_id"), Some("'nope' is not an id (UUID)"));
        assert_eq!(errs.get("held_on"), Some("\"2024-02-30\" is not a date: write \"YYYY-MM-DD\""));
        assert!(errs.get("kind").unwrap().starts_with("\"party\" is not one of: launch, partnership"), "{errs:?}");
        assert_eq!(errs.get("title"), Some("must be text, not 5"));
    }

    #[test]
    fn json_input_fills_absent_optional_fields_and_keeps_personal_data() {
        let org = Id::new();
        let stored = PersonFields {
            organization_id: org,
            partnership_id: None,
            full_name: "Ana".into(),
            title: None,
            email: Some("ana@example.org".into()),
            phone: None,
        };
        let p: PersonFields = parse_json(obj(serde_json::json!({"organization_id": org.to_string(), "full_name": "Ana Ruiz"})), Some(&stored)).unwrap();
        assert_eq!(p.email.as_deref(), Some("ana@example.org"));
        assert_eq!(p.full_name, "Ana Ruiz");
        let p: PersonFields =
            parse_json(obj(serde_json::json!({"organization_id": org.to_string(), "full_name": "Ana", "email": null})), Some(&stored)).unwrap();
        assert_eq!(p.email, None);
        let errs = parse_json::<PersonFields>(obj(serde_json::json!({"full_name": "Ana"})), None).unwrap_err();
        assert_eq!(errs.get("organization_id"), Some("is required"));
    }

    #[test]
    fn sentences_read_naturally() {
        assert_eq!(sentence("Name", "is required"), "Name is required");
        assert_eq!(sentence("NAICS codes", "'9' is not a 2022 NAICS code"), "NAICS codes: '9' is not a 2022 NAICS code");
    }

    #[test]
    fn filters_are_checked_by_widget() {
        let stage = PartnershipFields::spec("stage").unwrap();
        assert!(check_filter(stage, "implementing").is_ok());
        assert!(check_filter(stage, "thriving").unwrap_err().contains("exploring"));
        let pid = MeetingFields::spec("partnership_id").unwrap();
        assert_eq!(check_filter(pid, "42").unwrap_err(), "'42' is not an id (UUID)");
    }
}

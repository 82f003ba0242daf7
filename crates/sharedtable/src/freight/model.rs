//! Domain types of the freight module and their validation (no I/O): shipments as members post
//! them, the partnership's fleet and cost settings, plan jobs and their results.
//!
//! Units are in the names: pallets (standard 48 x 40 in positions), pounds (`_lb`), miles,
//! minutes, and money in integer US cents (`_cents`). Local times are ISO 8601 date-times
//! without an offset (`2026-03-02T08:00`), read on the partnership's local clock; a plan counts
//! minutes from Monday 00:00 of its week.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::codes;
use crate::db::Id;
use crate::web::FieldErrors;

/// The columns of a shipments file (CSV or XLSX), in order; also the field names of the form and
/// of the API's shipment body (`member` is an organization id or name there).
pub const SHIPMENT_COLUMNS: &[&str] = &[
    "member",
    "reference",
    "pickup_city",
    "pickup_state",
    "delivery_city",
    "delivery_state",
    "pallets",
    "weight_lb",
    "pickup_earliest",
    "pickup_latest",
    "delivery_earliest",
    "delivery_latest",
    "pickup_service_minutes",
    "delivery_service_minutes",
    "notes",
];

/// Columns a shipments file must have: the first twelve of [`SHIPMENT_COLUMNS`], `member` to
/// `delivery_latest` (service minutes default to 30, notes to none).
pub const SHIPMENT_REQUIRED: &[&str] = SHIPMENT_COLUMNS.split_at(12).0;

/// Loading or unloading time when none is given, minutes.
pub const DEFAULT_SERVICE_MINUTES: u32 = 30;
/// Longest reference, characters.
pub const MAX_REFERENCE_CHARS: usize = 60;
/// Most pallets one shipment may be entered with (a 53 ft trailer holds 26 standard pallets
/// floor-loaded; doubles stacked give 52).
pub const MAX_SHIPMENT_PALLETS: u32 = 60;
/// Heaviest shipment that can be entered, pounds (80,000 lb is the US federal gross vehicle
/// weight limit, 23 U.S.C. 127, so no legal load on one truck is heavier).
pub const MAX_SHIPMENT_LB: u32 = 80_000;
/// Longest loading or unloading time, minutes.
pub const MAX_SERVICE_MINUTES: u32 = 24 * 60;
/// Earliest and latest years a shipment's times and a plan's week may fall in. Freight is
/// planned for the weeks ahead; the bounds keep date arithmetic (weeks, minutes from Monday)
/// far from the limits of the calendar type, where it would overflow.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

/// A shipment as typed into the form, read from a file row or sent to the API: text, before
/// parsing. Field names are the [`SHIPMENT_COLUMNS`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShipmentInput {
    /// The member organization: its id, or its name as the partnership's member list has it.
    pub member: String,
    pub reference: String,
    pub pickup_city: String,
    pub pickup_state: String,
    pub delivery_city: String,
    pub delivery_state: String,
    pub pallets: String,
    pub weight_lb: String,
    pub pickup_earliest: String,
    pub pickup_latest: String,
    pub delivery_earliest: String,
    pub delivery_latest: String,
    pub pickup_service_minutes: String,
    pub delivery_service_minutes: String,
    pub notes: String,
}

impl ShipmentInput {
    /// Set a field by its column name; `false` when no field has that name.
    pub fn set(&mut self, column: &str, value: &str) -> bool {
        let slot = match column {
            "member" => &mut self.member,
            "reference" => &mut self.reference,
            "pickup_city" => &mut self.pickup_city,
            "pickup_state" => &mut self.pickup_state,
            "delivery_city" => &mut self.delivery_city,
            "delivery_state" => &mut self.delivery_state,
            "pallets" => &mut self.pallets,
            "weight_lb" => &mut self.weight_lb,
            "pickup_earliest" => &mut self.pickup_earliest,
            "pickup_latest" => &mut self.pickup_latest,
            "delivery_earliest" => &mut self.delivery_earliest,
            "delivery_latest" => &mut self.delivery_latest,
            "pickup_service_minutes" => &mut self.pickup_service_minutes,
            "delivery_service_minutes" => &mut self.delivery_service_minutes,
            "notes" => &mut self.notes,
            _ => return false,
        };
        *slot = value.to_string();
        true
    }

    /// The text of a field by its column name ("" for an unknown name).
    pub fn get(&self, column: &str) -> &str {
        match column {
            "member" => &self.member,
            "reference" => &self.reference,
            "pickup_city" => &self.pickup_city,
            "pickup_state" => &self.pickup_state,
            "delivery_city" => &self.delivery_city,
            "delivery_state" => &self.delivery_state,
            "pallets" => &self.pallets,
            "weight_lb" => &self.weight_lb,
            "pickup_earliest" => &self.pickup_earliest,
            "pickup_latest" => &self.pickup_latest,
            "delivery_earliest" => &self.delivery_earliest,
            "delivery_latest" => &self.delivery_latest,
            "pickup_service_minutes" => &self.pickup_service_minutes,
            "delivery_service_minutes" => &self.delivery_service_minutes,
            "notes" => &self.notes,
            _ => "",
        }
    }

    /// The input a stored shipment was made from (for the edit form), the member by id.
    pub fn from_fields(f: &ShipmentFields) -> ShipmentInput {
        ShipmentInput {
            member: f.organization_id.to_string(),
            reference: f.reference.clone(),
            pickup_city: f.pickup.city.clone(),
            pickup_state: f.pickup.state.clone(),
            delivery_city: f.delivery.city.clone(),
            delivery_state: f.delivery.state.clone(),
            pallets: f.pallets.to_string(),
            weight_lb: f.weight_lb.to_string(),
            pickup_earliest: local_text(f.pickup_earliest),
            pickup_latest: local_text(f.pickup_latest),
            delivery_earliest: local_text(f.delivery_earliest),
            delivery_latest: local_text(f.delivery_latest),
            pickup_service_minutes: f.pickup_service_minutes.to_string(),
            delivery_service_minutes: f.delivery_service_minutes.to_string(),
            notes: f.notes.clone().unwrap_or_default(),
        }
    }
}

/// A geocoded place: city and USPS state as written, WGS 84 degrees from the bundled GeoNames
/// gazetteer (`data/geo/us_places.csv`, via [`codes::geocode`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Town {
    pub city: String,
    pub state: String,
    pub latitude: f64,
    pub longitude: f64,
}

impl Town {
    /// `City, ST`: the place's name in plans and the key of a travel matrix row.
    pub fn label(&self) -> String {
        format!("{}, {}", self.city, self.state)
    }
    /// The engine's place.
    pub fn to_place(&self) -> freight_engine::Place {
        freight_engine::Place { name: self.label(), latitude: self.latitude, longitude: self.longitude }
    }
}

/// Geocode `city` in `state` (USPS code, any case). Errors, in words for the field: an empty
/// city or state, a state that is not a USPS code, or a place not in the gazetteer.
pub fn geocode(city: &str, state: &str) -> Result<Town, (bool, String)> {
    let city = city.trim();
    let st = state.trim().to_uppercase();
    if city.is_empty() {
        return Err((true, "is required".into()));
    }
    if st.is_empty() {
        return Err((false, "is required".into()));
    }
    if codes::state_by_usps(&st).is_none() {
        return Err((false, format!("'{}' is not a USPS state code such as AZ", state.trim())));
    }
    match codes::geocode(city, &st) {
        Some(p) => Ok(Town { city: city.to_string(), state: st, latitude: p.latitude, longitude: p.longitude }),
        None => Err((
            true,
            format!("'{city}, {st}' is not a known place: the gazetteer lists US cities and towns of 1,000 people or more (GeoNames); check the spelling or use the nearest town"),
        )),
    }
}

/// The fields of a stored shipment, parsed and checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentFields {
    pub partnership_id: Id,
    /// The member organization that ships it (a member of the partnership).
    pub organization_id: Id,
    /// The member's own reference, unique within the partnership.
    pub reference: String,
    pub pickup: Town,
    pub delivery: Town,
    pub pallets: u32,
    pub weight_lb: u32,
    pub pickup_earliest: NaiveDateTime,
    pub pickup_latest: NaiveDateTime,
    pub delivery_earliest: NaiveDateTime,
    pub delivery_latest: NaiveDateTime,
    pub pickup_service_minutes: u32,
    pub delivery_service_minutes: u32,
    pub notes: Option<String>,
}

/// A stored shipment with its member's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shipment {
    pub id: Id,
    pub version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub member_name: String,
    pub member_illustrative: bool,
    #[serde(flatten)]
    pub fields: ShipmentFields,
}

/// The largest truck of a fleet, for checking that a shipment fits on one.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetLimits {
    pub max_pallets: u32,
    pub max_lb: u32,
    /// Name of the truck type with the most pounds, for messages.
    pub heaviest_name: String,
    pub roomiest_name: String,
}

impl FleetLimits {
    /// The limits of a fleet; `None` for a fleet without trucks.
    pub fn of(fleet: &[VehicleSetting]) -> Option<FleetLimits> {
        let heavy = fleet.iter().filter(|v| v.count > 0).max_by_key(|v| v.capacity_lb)?;
        let roomy = fleet.iter().filter(|v| v.count > 0).max_by_key(|v| v.capacity_pallets)?;
        Some(FleetLimits { max_pallets: roomy.capacity_pallets, max_lb: heavy.capacity_lb, heaviest_name: heavy.name.clone(), roomiest_name: roomy.name.clone() })
    }
}

/// Parse a local date-time: `YYYY-MM-DDTHH:MM` (also with a space for `T`, and with `:SS`).
pub fn parse_local(text: &str) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    for fmt in ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(d);
        }
    }
    Err(format!("'{t}' is not a local date and time: write YYYY-MM-DDTHH:MM, e.g. 2026-03-02T08:00"))
}

/// `Ok` when `d` falls in the years [`MIN_YEAR`] to [`MAX_YEAR`]; else the reason, in words.
pub fn in_years(d: NaiveDate) -> Result<(), String> {
    use chrono::Datelike;
    if (MIN_YEAR..=MAX_YEAR).contains(&d.year()) {
        Ok(())
    } else {
        Err(format!("{d} is not in the years {MIN_YEAR} to {MAX_YEAR}: freight is planned for the weeks ahead"))
    }
}

/// The text form of a local date-time: `YYYY-MM-DDTHH:MM`.
pub fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M").to_string()
}

/// A local time as a page shows it: `Mon 2 Mar 08:00`.
pub fn local_words(t: NaiveDateTime) -> String {
    t.format("%a %-d %b %H:%M").to_string()
}

fn whole(errs: &mut FieldErrors, field: &str, text: &str, min: u32, max: u32, default: Option<u32>, what: &str) -> u32 {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return match default {
            Some(d) => d,
            None => {
                errs.add(field, "is required");
                0
            }
        };
    }
    match t.parse::<i64>() {
        Ok(n) if n < min as i64 => {
            errs.add(field, format!("is {n} {what}; it must be at least {min}"));
            0
        }
        Ok(n) if n > max as i64 => {
            errs.add(field, format!("is {n} {what}; at most {max} can be entered"));
            0
        }
        Ok(n) => n as u32,
        Err(_) => {
            errs.add(field, format!("'{}' is not a whole number of {what}", text.trim()));
            0
        }
    }
}

/// A member a shipment may name: id and name.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberChoice {
    pub id: Id,
    pub name: String,
}

/// Parse and check a shipment. `members` are the partnership's member organizations; `fleet`
/// the limits of its fleet (a shipment no truck can carry is refused). Every problem is named by
/// its field (a [`SHIPMENT_COLUMNS`] name); messages about size name the shipment's reference.
pub fn parse_shipment(partnership_id: Id, input: &ShipmentInput, members: &[MemberChoice], fleet: Option<&FleetLimits>) -> Result<ShipmentFields, FieldErrors> {
    let mut errs = FieldErrors::default();
    let member_text = input.member.trim();
    let organization_id = if member_text.is_empty() {
        errs.add("member", "is required: choose the member organization that ships it");
        None
    } else if let Ok(id) = member_text.parse::<Id>() {
        match members.iter().find(|m| m.id == id) {
            Some(m) => Some(m.id),
            None => {
                errs.add("member", format!("organization {id} is not a member of this partnership"));
                None
            }
        }
    } else {
        let found: Vec<&MemberChoice> = members.iter().filter(|m| m.name.trim().eq_ignore_ascii_case(member_text)).collect();
        match found.as_slice() {
            [one] => Some(one.id),
            [] => {
                errs.add("member", format!("'{member_text}' is not a member of this partnership: add the organization as a member first, or check the spelling"));
                None
            }
            _ => {
                errs.add("member", format!("several members are named '{member_text}': give the organization's id instead"));
                None
            }
        }
    };
    let reference = input.reference.trim().to_string();
    if reference.is_empty() {
        errs.add("reference", "is required: the member's own shipment or order number");
    } else if reference.chars().count() > MAX_REFERENCE_CHARS {
        errs.add("reference", format!("is longer than {MAX_REFERENCE_CHARS} characters"));
    } else if reference.chars().any(char::is_control) {
        errs.add("reference", "must not contain control characters");
    }
    let who = if reference.is_empty() { "this shipment".to_string() } else { format!("shipment {reference}") };
    let mut town = |prefix: &str, city: &str, state: &str| match geocode(city, state) {
        Ok(t) => Some(t),
        Err((on_city, m)) => {
            errs.add(&format!("{prefix}_{}", if on_city { "city" } else { "state" }), m);
            None
        }
    };
    let pickup = town("pickup", &input.pickup_city, &input.pickup_state);
    let delivery = town("delivery", &input.delivery_city, &input.delivery_state);
    let pallets = whole(&mut errs, "pallets", &input.pallets, 1, MAX_SHIPMENT_PALLETS, None, "pallets");
    let weight_lb = whole(&mut errs, "weight_lb", &input.weight_lb, 1, MAX_SHIPMENT_LB, None, "lb");
    if let Some(f) = fleet {
        if weight_lb > f.max_lb {
            errs.add(
                "weight_lb",
                format!("{who} weighs {} lb, more than any truck of the fleet can carry (the largest, {}, carries {} lb)", fmt_int(weight_lb as i64), f.heaviest_name, fmt_int(f.max_lb as i64)),
            );
        }
        if pallets > f.max_pallets {
            errs.add(
                "pallets",
                format!("{who} takes {pallets} pallets, more than any truck of the fleet holds (the largest, {}, holds {})", f.roomiest_name, f.max_pallets),
            );
        }
    }
    let mut time = |field: &str, text: &str| match parse_local(text).and_then(|t| in_years(t.date()).map(|()| t)) {
        Ok(t) => Some(t),
        Err(m) => {
            errs.add(field, m);
            None
        }
    };
    let pe = time("pickup_earliest", &input.pickup_earliest);
    let pl = time("pickup_latest", &input.pickup_latest);
    let de = time("delivery_earliest", &input.delivery_earliest);
    let dl = time("delivery_latest", &input.delivery_latest);
    if let (Some(a), Some(b)) = (pe, pl) {
        if b < a {
            errs.add("pickup_latest", format!("ends ({}) before it starts ({}): the pickup window of {who} closes before it opens", local_text(b), local_text(a)));
        }
    }
    if let (Some(a), Some(b)) = (de, dl) {
        if b < a {
            errs.add("delivery_latest", format!("ends ({}) before it starts ({}): the delivery window of {who} closes before it opens", local_text(b), local_text(a)));
        }
    }
    if let (Some(a), Some(b)) = (pe, dl) {
        if b < a && !errs.iter().any(|(f, _)| f == "delivery_latest") {
            errs.add("delivery_latest", format!("ends ({}) before the pickup window opens ({}): {who} cannot be delivered before it is picked up", local_text(b), local_text(a)));
        }
    }
    if let (Some(a), Some(b)) = (pe, dl) {
        if b - a > Duration::days(14) {
            errs.add("delivery_latest", format!("is more than 14 days after the pickup window opens ({}): a plan covers one week", local_text(a)));
        }
    }
    let pickup_service_minutes = whole(&mut errs, "pickup_service_minutes", &input.pickup_service_minutes, 0, MAX_SERVICE_MINUTES, Some(DEFAULT_SERVICE_MINUTES), "minutes");
    let delivery_service_minutes = whole(&mut errs, "delivery_service_minutes", &input.delivery_service_minutes, 0, MAX_SERVICE_MINUTES, Some(DEFAULT_SERVICE_MINUTES), "minutes");
    let notes = Some(input.notes.trim().to_string()).filter(|n| !n.is_empty());
    if notes.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errs.add("notes", "is longer than 2000 characters");
    }
    match (organization_id, pickup, delivery, pe, pl, de, dl) {
        (Some(organization_id), Some(pickup), Some(delivery), Some(pickup_earliest), Some(pickup_latest), Some(delivery_earliest), Some(delivery_latest)) if errs.is_empty() => {
            Ok(ShipmentFields {
                partnership_id,
                organization_id,
                reference,
                pickup,
                delivery,
                pallets,
                weight_lb,
                pickup_earliest,
                pickup_latest,
                delivery_earliest,
                delivery_latest,
                pickup_service_minutes,
                delivery_service_minutes,
                notes,
            })
        }
        _ => Err(errs),
    }
}

/// A whole number with thousands separators: `45,000`.
pub fn fmt_int(n: i64) -> String {
    crate::network::report::format_number(n as f64)
}

/// Cents as dollars for reading: `$1,234.50` (negative as `-$12.00`).
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}${}.{:02}", fmt_int((c / 100) as i64), c % 100)
}

/// Cents as a form input shows them, dollars with two decimals and thousands separators and no
/// dollar sign: 284000 -> `2,840.00`, 244 -> `2.44`. Exact for every `i64` (no floating point);
/// [`parse_dollars`] reads it back to the same cents.
pub fn dollars_input(cents: i64) -> String {
    freight_engine::baseline::dollars(cents).replacen('$', "", 1)
}

/// A whole number typed with or without thousands separators: `1500`, `1,500`, `15,000` (the
/// separators must group by three). `None` when the text is anything else.
fn digits_grouped(text: &str) -> Option<String> {
    let groups: Vec<&str> = text.split(',').collect();
    let ok_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let first_ok = groups.first().is_some_and(|g| ok_digits(g) && (groups.len() == 1 || g.len() <= 3));
    if first_ok && groups[1..].iter().all(|g| g.len() == 3 && ok_digits(g)) {
        Some(groups.concat())
    } else {
        None
    }
}

/// An amount of money a person typed in dollars, as integer cents, exactly (no floating point):
/// `28.40` -> 2840, `$1,234.50` -> 123450, `7` -> 700, `0.5` -> 50, `.25` -> 25. An optional
/// leading `$`, thousands separators grouping by three, at most two decimals.
///
/// Errors (a reason to follow the field's label, see `sentence`): blank ("is required"), a
/// minus sign ("must not be negative"), more than two decimals, anything else that is not an
/// amount, or more cents than an `i64` holds.
pub fn parse_dollars(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    let not_amount = || format!("'{t}' is not an amount in dollars, e.g. 28.40");
    let body = t.strip_prefix('$').unwrap_or(t).trim_start();
    if body.starts_with('-') || body.starts_with('\u{2212}') || t.starts_with('-') {
        return Err("must not be negative".into());
    }
    let (whole, cents) = match body.split_once('.') {
        Some((w, c)) => (w, c),
        None => (body, ""),
    };
    if !cents.bytes().all(|b| b.is_ascii_digit()) || (whole.is_empty() && cents.is_empty()) {
        return Err(not_amount());
    }
    if cents.len() > 2 {
        return Err(format!("'{t}' has more than two decimals: give dollars and cents, e.g. 28.40"));
    }
    let whole = if whole.is_empty() { "0".to_string() } else { digits_grouped(whole).ok_or_else(not_amount)? };
    let too_large = || format!("'{t}' is too large an amount");
    let dollars: i64 = whole.parse().map_err(|_| too_large())?;
    let cents: i64 = format!("{cents:0<2}").parse().map_err(|_| not_amount())?;
    dollars.checked_mul(100).and_then(|d| d.checked_add(cents)).ok_or_else(too_large)
}

/// A whole number a person typed, with or without thousands separators (`15,000`), of `unit`
/// (e.g. "miles", named in the error). Errors: blank ("is required"), a minus sign, a decimal,
/// or a number beyond `u32`.
pub fn parse_whole(text: &str, unit: &str) -> Result<u32, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    let digits = digits_grouped(t).ok_or_else(|| format!("'{t}' is not a whole number of {unit}"))?;
    digits.parse().map_err(|_| format!("'{t}' is too many {unit}"))
}

/// A percent a person typed, with or without a trailing `%`: `28`, `16.3`, `12.5 %`. Errors:
/// blank ("is required"), not a finite number, negative.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is required".into());
    }
    let n = t.strip_suffix('%').unwrap_or(t).trim();
    // Rust reads "inf" and "NaN" as numbers; a percent is written with digits.
    let v: f64 = if n.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') { n.parse().ok() } else { None }
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("'{t}' is not a percent, e.g. 28 or 16.3"))?;
    if v < 0.0 {
        return Err("must not be negative".into());
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Settings

/// Most kinds of truck a fleet may list.
pub const MAX_FLEET_TYPES: usize = 20;
/// Most trucks of one kind.
pub const MAX_TRUCKS_PER_TYPE: u32 = 100;
/// Most trucks of the whole fleet: the planner builds a shift for every truck on every day of
/// the week, so the fleet's size bounds the memory and time one plan takes.
pub const MAX_FLEET_TRUCKS: u32 = 200;
/// Longest truck name, characters.
pub const MAX_VEHICLE_NAME_CHARS: usize = 60;
/// Largest cost of putting one truck on the road for a route, cents ($100,000).
pub const MAX_FIXED_COST_CENTS: i64 = 10_000_000;
/// Largest cost per mile or per hour, cents ($1,000): far above any real rate (ATRI's 2023
/// operational costs are about $2.27 per mile and $85 per hour), and low enough that no
/// week's costs come near the limits of integer cents.
pub const MAX_RATE_CENTS: i64 = 100_000;
/// Most problems of an uploaded travel matrix that are listed one by one.
pub const MAX_MATRIX_PROBLEMS: usize = 20;

/// One kind of truck of the partnership's fleet, as the settings keep it. Unknown fields are
/// refused (a misspelt field would otherwise be silently ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleSetting {
    /// Short name shown on routes, e.g. "53 ft dry van".
    pub name: String,
    pub capacity_pallets: u32,
    pub capacity_lb: u32,
    /// How many trucks of this kind there are.
    pub count: u32,
    /// The yard every truck of this kind starts from and returns to.
    pub depot_city: String,
    pub depot_state: String,
    /// Filled in from the gazetteer when the settings are saved (ignored on input).
    #[serde(default)]
    pub depot_latitude: f64,
    #[serde(default)]
    pub depot_longitude: f64,
    /// Putting one truck on the road for one route (driver day, tractor), cents.
    pub fixed_cost_cents: i64,
    /// Per mile driven (fuel, tires, maintenance), cents.
    pub cost_per_mile_cents: i64,
    /// Per hour on duty (driver wages and benefits), cents.
    pub cost_per_hour_cents: i64,
}

impl VehicleSetting {
    /// The depot as a geocoded town.
    pub fn depot(&self) -> Town {
        Town { city: self.depot_city.clone(), state: self.depot_state.clone(), latitude: self.depot_latitude, longitude: self.depot_longitude }
    }
    /// The engine's vehicle type.
    pub fn to_engine(&self) -> freight_engine::VehicleType {
        freight_engine::VehicleType {
            name: self.name.clone(),
            capacity_pallets: self.capacity_pallets,
            capacity_lb: self.capacity_lb,
            count: self.count,
            depot: self.depot().to_place(),
            fixed_cost_cents: self.fixed_cost_cents,
            cost_per_mile_cents: self.cost_per_mile_cents,
            cost_per_hour_cents: self.cost_per_hour_cents,
        }
    }
    /// The settings' form of an engine vehicle type whose depot is `depot`.
    pub fn from_engine(v: &freight_engine::VehicleType, depot: &Town) -> VehicleSetting {
        VehicleSetting {
            name: v.name.clone(),
            capacity_pallets: v.capacity_pallets,
            capacity_lb: v.capacity_lb,
            count: v.count,
            depot_city: depot.city.clone(),
            depot_state: depot.state.clone(),
            depot_latitude: depot.latitude,
            depot_longitude: depot.longitude,
            fixed_cost_cents: v.fixed_cost_cents,
            cost_per_mile_cents: v.cost_per_mile_cents,
            cost_per_hour_cents: v.cost_per_hour_cents,
        }
    }
}

/// How travel is estimated: great-circle miles times a circuity factor at an average speed, or
/// an uploaded matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TravelKind {
    GreatCircle,
    Matrix,
}

impl TravelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TravelKind::GreatCircle => "great_circle",
            TravelKind::Matrix => "matrix",
        }
    }
    pub fn parse(s: &str) -> Option<TravelKind> {
        match s.trim() {
            "great_circle" => Some(TravelKind::GreatCircle),
            "matrix" => Some(TravelKind::Matrix),
            _ => None,
        }
    }
}

/// How the savings of pooling are split among members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SplitMethod {
    /// The Shapley value: each member's average marginal cost over the orders members join in.
    Shapley,
    /// The pooled cost split in proportion to each member's going-alone cost.
    ProportionalToStandAlone,
    /// Every member saves the same share of its going-alone cost.
    EqualRelativeSavings,
}

impl SplitMethod {
    pub const ALL: &'static [SplitMethod] = &[SplitMethod::Shapley, SplitMethod::ProportionalToStandAlone, SplitMethod::EqualRelativeSavings];
    pub fn as_str(self) -> &'static str {
        match self {
            SplitMethod::Shapley => "shapley",
            SplitMethod::ProportionalToStandAlone => "proportional_to_stand_alone",
            SplitMethod::EqualRelativeSavings => "equal_relative_savings",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SplitMethod::Shapley => "Shapley value (each member's average added cost)",
            SplitMethod::ProportionalToStandAlone => "In proportion to each member's going-alone cost",
            SplitMethod::EqualRelativeSavings => "Equal share of savings for every member",
        }
    }
    pub fn parse(s: &str) -> Option<SplitMethod> {
        SplitMethod::ALL.iter().copied().find(|m| m.as_str() == s.trim())
    }
}

/// A partnership's freight settings. Unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub fleet: Vec<VehicleSetting>,
    /// Hours-of-service limits, minutes (defaults: 11 h driving in a 14 h duty window, 49 CFR 395.3(a)).
    pub max_driving_minutes: u32,
    pub max_duty_minutes: u32,
    pub travel_kind: TravelKind,
    /// Road miles per great-circle mile (great-circle travel).
    pub circuity: f64,
    /// Average driving speed, miles per hour (great-circle travel).
    pub average_speed_mph: f64,
    /// The uploaded matrix, CSV `from,to,miles,minutes` with places written `City, ST`.
    pub matrix_csv: Option<String>,
    /// The going-alone cost model (LTL and truckload rates) as the economics engine reads it.
    #[schema(value_type = Object)]
    pub going_alone: serde_json::Value,
    pub allocation_method: SplitMethod,
    /// Time budget of one planning run, seconds (0.5 to 300).
    pub max_seconds: f64,
    /// Seed of the search: the same shipments, settings and seed give the same plan.
    pub seed: u64,
}

/// Checks of settings that need no engine: each problem named by its field (`fleet[1].count`).
pub fn check_settings(s: &mut Settings) -> FieldErrors {
    let mut errs = FieldErrors::default();
    if s.fleet.iter().all(|v| v.count == 0) {
        errs.add("fleet", "has no truck: give at least one kind of truck a count of 1 or more");
    }
    if s.fleet.len() > MAX_FLEET_TYPES {
        errs.add("fleet", format!("lists {} kinds of truck; at most {MAX_FLEET_TYPES} can be entered", s.fleet.len()));
        // Each of thousands of rows would be checked and geocoded for nothing.
        return errs;
    }
    let trucks: u64 = s.fleet.iter().map(|v| u64::from(v.count)).sum();
    if trucks > u64::from(MAX_FLEET_TRUCKS) {
        errs.add("fleet", format!("has {trucks} trucks in all; at most {MAX_FLEET_TRUCKS} can be planned with"));
    }
    for (i, v) in s.fleet.iter_mut().enumerate() {
        let f = |name: &str| format!("fleet[{i}].{name}");
        if v.name.trim().is_empty() {
            errs.add(&f("name"), "is required");
        } else if v.name.chars().count() > MAX_VEHICLE_NAME_CHARS {
            errs.add(&f("name"), format!("is longer than {MAX_VEHICLE_NAME_CHARS} characters"));
        } else if v.name.chars().any(char::is_control) {
            errs.add(&f("name"), "must not contain control characters");
        }
        v.name = v.name.trim().to_string();
        if v.capacity_pallets == 0 {
            errs.add(&f("capacity_pallets"), "must be at least 1");
        } else if v.capacity_pallets > MAX_SHIPMENT_PALLETS {
            errs.add(&f("capacity_pallets"), format!("is {} pallets; at most {MAX_SHIPMENT_PALLETS} can be entered", v.capacity_pallets));
        }
        if v.capacity_lb == 0 {
            errs.add(&f("capacity_lb"), "must be at least 1");
        } else if v.capacity_lb > MAX_SHIPMENT_LB {
            errs.add(&f("capacity_lb"), format!("is {} lb; at most {} can be entered (the US federal gross vehicle weight limit)", fmt_int(v.capacity_lb as i64), fmt_int(MAX_SHIPMENT_LB as i64)));
        }
        if v.count > MAX_TRUCKS_PER_TYPE {
            errs.add(&f("count"), format!("is more than {MAX_TRUCKS_PER_TYPE} trucks of one kind"));
        }
        for (name, c, max) in [
            ("fixed_cost_cents", v.fixed_cost_cents, MAX_FIXED_COST_CENTS),
            ("cost_per_mile_cents", v.cost_per_mile_cents, MAX_RATE_CENTS),
            ("cost_per_hour_cents", v.cost_per_hour_cents, MAX_RATE_CENTS),
        ] {
            if c < 0 {
                errs.add(&f(name), "must not be negative");
            } else if c > max {
                errs.add(&f(name), format!("is {}; at most {} can be entered", dollars(c), dollars(max)));
            }
        }
        match geocode(&v.depot_city, &v.depot_state) {
            Ok(t) => {
                v.depot_city = t.city;
                v.depot_state = t.state;
                v.depot_latitude = t.latitude;
                v.depot_longitude = t.longitude;
            }
            Err((on_city, m)) => errs.add(&f(if on_city { "depot_city" } else { "depot_state" }), m),
        }
    }
    if s.max_driving_minutes == 0 || s.max_driving_minutes > 24 * 60 {
        errs.add("max_driving_minutes", "must be from 1 to 1440 minutes");
    }
    if s.max_duty_minutes == 0 || s.max_duty_minutes > 24 * 60 {
        errs.add("max_duty_minutes", "must be from 1 to 1440 minutes");
    } else if s.max_duty_minutes < s.max_driving_minutes {
        errs.add("max_duty_minutes", "must be at least the driving limit: driving is part of the duty time");
    }
    if !(s.circuity.is_finite() && (1.0..=3.0).contains(&s.circuity)) {
        errs.add("circuity", format!("{} is not a circuity factor from 1 to 3 (road miles per straight-line mile)", s.circuity));
    }
    if !(s.average_speed_mph.is_finite() && (5.0..=80.0).contains(&s.average_speed_mph)) {
        errs.add("average_speed_mph", format!("{} is not an average speed from 5 to 80 mph", s.average_speed_mph));
    }
    if s.travel_kind == TravelKind::Matrix && s.matrix_csv.as_deref().is_none_or(|m| m.trim().is_empty()) {
        errs.add("matrix_csv", "is required when travel comes from a matrix: upload the CSV from,to,miles,minutes");
    }
    if !(s.max_seconds.is_finite() && (0.5..=300.0).contains(&s.max_seconds)) {
        errs.add("max_seconds", format!("{} is not a time budget from 0.5 to 300 seconds", s.max_seconds));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Plans

/// Where a plan job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Queued,
    Running,
    Done,
    Failed,
    Approved,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Queued => "queued",
            PlanStatus::Running => "running",
            PlanStatus::Done => "done",
            PlanStatus::Failed => "failed",
            PlanStatus::Approved => "approved",
        }
    }
    pub fn parse(s: &str) -> Option<PlanStatus> {
        [PlanStatus::Queued, PlanStatus::Running, PlanStatus::Done, PlanStatus::Failed, PlanStatus::Approved].into_iter().find(|p| p.as_str() == s)
    }
    /// Still working: the page refreshes itself and is never cached.
    pub fn in_progress(self) -> bool {
        matches!(self, PlanStatus::Queued | PlanStatus::Running)
    }
    pub fn label(self) -> &'static str {
        match self {
            PlanStatus::Queued => "Waiting to start",
            PlanStatus::Running => "Planning",
            PlanStatus::Done => "Planned",
            PlanStatus::Failed => "Failed",
            PlanStatus::Approved => "Approved",
        }
    }
}

/// A shipment as a plan snapshot keeps it: enough to name it on the plan page after the board
/// changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ShipmentRef {
    pub id: Id,
    /// The member's reference; also the shipment's id in the engine's request and plan.
    pub reference: String,
    pub member_id: Id,
    pub member_name: String,
    /// The member is an invented example organization.
    pub illustrative: bool,
}

/// What a plan job plans: the week, the engine's request, the shipments and the settings used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanSnapshot {
    /// Minute 0 of the request is 00:00 local time on this day (a Monday).
    pub week_start: NaiveDate,
    pub request: freight_engine::PlanRequest,
    pub shipments: Vec<ShipmentRef>,
    pub settings: Settings,
}

impl PlanSnapshot {
    /// The local time of a minute of the plan.
    pub fn local(&self, minute: u32) -> NaiveDateTime {
        self.week_start.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::minutes(minute as i64)
    }
    /// The snapshot's shipment with this reference.
    pub fn shipment(&self, reference: &str) -> Option<&ShipmentRef> {
        self.shipments.iter().find(|s| s.reference == reference)
    }
    /// Some member is an invented example organization.
    pub fn illustrative(&self) -> bool {
        self.shipments.iter().any(|s| s.illustrative)
    }
}

/// One shipment's cost going alone, as the economics engine explains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AloneCost {
    pub reference: String,
    pub member_id: Id,
    /// `ltl` or `dedicated` (a truck of its own).
    pub method: String,
    pub cost_cents: i64,
    /// How the cost was worked out, in words (rate, miles, weight, surcharge, minimum).
    pub explanation: String,
    /// Miles from pickup to delivery by the plan's travel model.
    pub loaded_miles: f64,
    /// The shipment rides on one of the plan's routes (else it goes alone anyway).
    pub pooled: bool,
}

/// One member's part of the savings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct MemberShare {
    pub member_id: Id,
    pub member_name: String,
    /// Pooled shipments of the member.
    pub shipments: usize,
    /// What the member's pooled shipments cost going alone, cents.
    pub alone_cents: i64,
    /// The member's share of the pooled cost, cents.
    pub pays_cents: i64,
    /// `alone_cents - pays_cents`.
    pub saves_cents: i64,
}

/// How the pooled cost was split among members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AllocationResult {
    pub method: SplitMethod,
    pub shares: Vec<MemberShare>,
    /// When the split was estimated by sampling (many members), how and with what error.
    pub sampling_note: Option<String>,
    /// What the split guarantees and what was checked, in plain words (from the engine).
    #[serde(default)]
    pub guarantees: Vec<String>,
    /// Fairness checks the split does not pass, in words (e.g. a group of members that would
    /// pay less on its own).
    pub violations: Vec<String>,
}

/// A finished plan: the engine's routes and the economics of pooling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanResult {
    pub plan: freight_engine::Plan,
    /// Every planned shipment going alone, in the snapshot's order.
    pub going_alone: Vec<AloneCost>,
    /// Going-alone cost of the pooled shipments, cents.
    pub alone_cents: i64,
    /// Cost of the plan's routes, cents.
    pub pooled_cents: i64,
    /// `alone_cents - pooled_cents`.
    pub savings_cents: i64,
    /// Truck miles the pooled shipments take going alone (dedicated trucks and their share of
    /// LTL line-haul, as the emissions model counts them).
    pub alone_truck_miles: f64,
    /// Miles driven by the plan's routes.
    pub pooled_truck_miles: f64,
    pub truck_miles_avoided: f64,
    /// Emission factor used, kg CO2 per truck mile.
    pub co2_kg_per_mile: f64,
    pub co2_avoided_kg: f64,
    /// Where the emission factor comes from, in words with the publication.
    pub emission_factor_source: String,
    pub allocation: AllocationResult,
}

/// Monday of the week a local date-time falls in.
pub fn week_monday(t: NaiveDateTime) -> NaiveDate {
    use chrono::Datelike;
    let d = t.date();
    d.checked_sub_days(chrono::Days::new(u64::from(d.weekday().num_days_from_monday()))).unwrap_or(d)
}

/// Minutes from `start` to `t`, at least 0 (and at most `u32::MAX`).
pub fn minutes_from(start: NaiveDateTime, t: NaiveDateTime) -> u32 {
    u32::try_from((t - start).num_minutes().max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ShipmentInput {
        ShipmentInput {
            member: "Acme".into(),
            reference: "KM-1".into(),
            pickup_city: "Kingman".into(),
            pickup_state: "az".into(),
            delivery_city: "Phoenix".into(),
            delivery_state: "AZ".into(),
            pallets: "6".into(),
            weight_lb: "9,000".into(),
            pickup_earliest: "2026-03-02T08:00".into(),
            pickup_latest: "2026-03-02 12:00".into(),
            delivery_earliest: "2026-03-02T12:00".into(),
            delivery_latest: "2026-03-02T18:00:00".into(),
            ..Default::default()
        }
    }

    fn members() -> Vec<MemberChoice> {
        vec![MemberChoice { id: Id::nil(), name: "Acme".into() }]
    }

    fn limits() -> FleetLimits {
        FleetLimits { max_pallets: 26, max_lb: 45_000, heaviest_name: "53 ft dry van".into(), roomiest_name: "53 ft dry van".into() }
    }

    fn errors(i: &ShipmentInput) -> Vec<(String, String)> {
        parse_shipment(Id::nil(), i, &members(), Some(&limits())).unwrap_err().iter().map(|(f, m)| (f.to_string(), m.to_string())).collect()
    }

    #[test]
    fn a_good_shipment_is_geocoded_and_timed() {
        let s = parse_shipment(Id::nil(), &input(), &members(), Some(&limits())).unwrap();
        assert_eq!(s.pickup.state, "AZ");
        assert!((s.pickup.latitude - 35.189).abs() < 0.01);
        assert_eq!(s.weight_lb, 9000);
        assert_eq!(local_text(s.delivery_latest), "2026-03-02T18:00");
        assert_eq!(s.pickup_service_minutes, DEFAULT_SERVICE_MINUTES);
        assert_eq!(week_monday(s.pickup_earliest).to_string(), "2026-03-02");
    }

    #[test]
    fn bad_shipments_name_the_field_and_the_shipment() {
        let mut i = input();
        i.weight_lb = "52000".into();
        assert_eq!(errors(&i), [("weight_lb".to_string(), "shipment KM-1 weighs 52,000 lb, more than any truck of the fleet can carry (the largest, 53 ft dry van, carries 45,000 lb)".to_string())]);
        let mut i = input();
        i.pallets = "0".into();
        assert_eq!(errors(&i), [("pallets".to_string(), "is 0 pallets; it must be at least 1".to_string())]);
        let mut i = input();
        i.pickup_latest = "2026-03-02T07:00".into();
        assert_eq!(
            errors(&i),
            [("pickup_latest".to_string(), "ends (2026-03-02T07:00) before it starts (2026-03-02T08:00): the pickup window of shipment KM-1 closes before it opens".to_string())]
        );
        let mut i = input();
        i.delivery_city = "Atlantis".into();
        assert_eq!(errors(&i)[0].0, "delivery_city");
        assert!(errors(&i)[0].1.starts_with("'Atlantis, AZ' is not a known place"));
        let mut i = input();
        i.member = "Nobody Inc".into();
        assert_eq!(errors(&i)[0].0, "member");
    }

    #[test]
    fn times_outside_the_planning_years_are_refused_and_week_arithmetic_never_panics() {
        let mut i = input();
        i.delivery_latest = "2101-01-01T00:00".into();
        assert_eq!(errors(&i), [("delivery_latest".to_string(), "2101-01-01 is not in the years 2000 to 2100: freight is planned for the weeks ahead".to_string())]);
        assert_eq!(week_monday(NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap()), NaiveDate::MIN);
        let start = NaiveDate::MIN.and_hms_opt(0, 0, 0).unwrap();
        assert_eq!(minutes_from(start, NaiveDate::MAX.and_hms_opt(0, 0, 0).unwrap()), u32::MAX);
        assert_eq!(minutes_from(NaiveDate::MAX.and_hms_opt(0, 0, 0).unwrap(), start), 0);
    }

    #[test]
    fn money_reads_as_dollars() {
        assert_eq!(dollars(123_450), "$1,234.50");
        assert_eq!(dollars(-1200), "-$12.00");
        assert_eq!(dollars(5), "$0.05");
    }

    #[test]
    fn dollars_typed_are_read_as_exact_cents() {
        for (text, cents) in [
            ("28.40", 2840),
            ("$1,234.50", 123_450),
            ("1234.5", 123_450),
            (" 7 ", 700),
            ("0.5", 50),
            (".25", 25),
            ("0.07", 7),
            ("0.29", 29),
            ("1.005e0", -1),
            ("90,071,992,547,409.93", 9_007_199_254_740_993),
        ] {
            if cents < 0 {
                assert!(parse_dollars(text).is_err(), "{text}");
            } else {
                assert_eq!(parse_dollars(text), Ok(cents), "{text}");
                assert_eq!(parse_dollars(&dollars_input(cents)), Ok(cents), "round trip of {cents}");
            }
        }
        assert_eq!(parse_dollars(""), Err("is required".to_string()));
        assert_eq!(parse_dollars("-5"), Err("must not be negative".to_string()));
        assert_eq!(parse_dollars("-$5.00"), Err("must not be negative".to_string()));
        assert_eq!(parse_dollars("28.405"), Err("'28.405' has more than two decimals: give dollars and cents, e.g. 28.40".to_string()));
        assert_eq!(parse_dollars("12,34.00"), Err("'12,34.00' is not an amount in dollars, e.g. 28.40".to_string()));
        assert_eq!(parse_dollars("ten"), Err("'ten' is not an amount in dollars, e.g. 28.40".to_string()));
        assert_eq!(parse_dollars("99999999999999999999"), Err("'99999999999999999999' is too large an amount".to_string()));
        assert_eq!(dollars_input(284_000), "2,840.00");
        assert_eq!(dollars_input(244), "2.44");
    }

    #[test]
    fn whole_numbers_and_percents_typed_are_read_or_named() {
        assert_eq!(parse_whole("15,000", "pounds"), Ok(15_000));
        assert_eq!(parse_whole("250", "miles"), Ok(250));
        assert_eq!(parse_whole("2.5", "miles"), Err("'2.5' is not a whole number of miles".to_string()));
        assert_eq!(parse_whole("1,50", "miles"), Err("'1,50' is not a whole number of miles".to_string()));
        assert_eq!(parse_whole("99999999999", "miles"), Err("'99999999999' is too many miles".to_string()));
        assert_eq!(parse_whole(" ", "miles"), Err("is required".to_string()));
        assert_eq!(parse_percent("28"), Ok(28.0));
        assert_eq!(parse_percent("16.3 %"), Ok(16.3));
        assert_eq!(parse_percent("-1"), Err("must not be negative".to_string()));
        assert_eq!(parse_percent("NaN"), Err("'NaN' is not a percent, e.g. 28 or 16.3".to_string()));
        assert_eq!(parse_percent("inf"), Err("'inf' is not a percent, e.g. 28 or 16.3".to_string()));
    }
}

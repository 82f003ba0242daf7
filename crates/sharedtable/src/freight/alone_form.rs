//! The going-alone cost model ([`GoingAloneModel`]) as a part of the freight settings form, for
//! conveners and business leaders rather than programmers: the LTL distance bands as a table of
//! inputs, and each rate, charge, percent and threshold as its own labelled input.
//!
//! Form fields (multipart text parts of the settings form):
//!
//! - `ltl_band_N_up_to_miles`, `ltl_band_N_dollars_per_cwt` (N = 0, 1, ...): the bounded bands.
//!   A row with both blank is left out (so clearing a row removes its band, and the form's
//!   empty row adds one); the rows are put in order of their miles when every limit reads.
//! - `ltl_beyond_dollars_per_cwt`: the open-ended last band ("beyond the last band").
//! - `ltl_minimum_charge`, `fuel_surcharge_percent`, `dedicated_min_pallets`,
//!   `dedicated_min_weight_lb`, `dedicated_dollars_per_mile`, `dedicated_empty_miles_percent`,
//!   `dedicated_deadhead_percent`, `dedicated_minimum_charge`.
//!
//! Money is typed in dollars and kept as integer cents exactly ([`parse_dollars`]). Every
//! problem is named by the model's own field under `going_alone.` (e.g.
//! `going_alone.ltl_bands[2].up_to_miles`, `going_alone.dedicated_cents_per_mile`), the names
//! [`GoingAloneModel::validate`] and the JSON API use, so a problem the engine finds is shown
//! beside the input it belongs to just as a typing mistake is.

use freight_engine::baseline::{GoingAloneModel, LtlBand};

use super::model::{dollars_input, fmt_int, parse_dollars, parse_percent, parse_whole};
use crate::network::form_spec::sentence;
use crate::web::FieldErrors;

/// Most bounded distance bands the form reads: rows beyond are refused by name, not dropped.
pub const MAX_LTL_BANDS: usize = 50;

/// One scalar field of the model on the form.
struct Scalar {
    /// The form field's name.
    name: &'static str,
    /// The model's field (errors are named `going_alone.{key}`).
    key: &'static str,
    label: &'static str,
    hint: &'static str,
    /// `numeric` (whole numbers) or `decimal`.
    inputmode: &'static str,
    /// The field's value as the form shows it.
    show: fn(&GoingAloneModel) -> String,
    /// Set the field from the text typed, or say why it does not read.
    read: fn(&mut GoingAloneModel, &str) -> Result<(), String>,
}

const LTL_MINIMUM: Scalar = Scalar {
    name: "ltl_minimum_charge",
    key: "ltl_minimum_charge_cents",
    label: "LTL minimum charge ($)",
    hint: "The least an LTL shipment costs, before the fuel surcharge.",
    inputmode: "decimal",
    show: |m| dollars_input(m.ltl_minimum_charge_cents),
    read: |m, t| parse_dollars(t).map(|v| m.ltl_minimum_charge_cents = v),
};
const FUEL: Scalar = Scalar {
    name: "fuel_surcharge_percent",
    key: "fuel_surcharge_percent",
    label: "LTL fuel surcharge (%)",
    hint: "Percent added to the LTL charge (minimum included), as your carriers' diesel-indexed tables give it.",
    inputmode: "decimal",
    show: |m| m.fuel_surcharge_percent.to_string(),
    read: |m, t| parse_percent(t).map(|v| m.fuel_surcharge_percent = v),
};
const MIN_PALLETS: Scalar = Scalar {
    name: "dedicated_min_pallets",
    key: "dedicated_min_pallets",
    label: "A truck of its own from (pallets)",
    hint: "",
    inputmode: "numeric",
    show: |m| fmt_int(m.dedicated_min_pallets.into()),
    read: |m, t| parse_whole(t, "pallets").map(|v| m.dedicated_min_pallets = v),
};
const MIN_LB: Scalar = Scalar {
    name: "dedicated_min_weight_lb",
    key: "dedicated_min_weight_lb",
    label: "A truck of its own from (lb)",
    hint: "",
    inputmode: "numeric",
    show: |m| fmt_int(m.dedicated_min_weight_lb.into()),
    read: |m, t| parse_whole(t, "pounds").map(|v| m.dedicated_min_weight_lb = v),
};
const PER_MILE: Scalar = Scalar {
    name: "dedicated_dollars_per_mile",
    key: "dedicated_cents_per_mile",
    label: "Dedicated truck rate ($ per loaded mile)",
    hint: "What a carrier charges for a truck of its own, per mile with the freight on board, fuel included.",
    inputmode: "decimal",
    show: |m| dollars_input(m.dedicated_cents_per_mile),
    read: |m, t| parse_dollars(t).map(|v| m.dedicated_cents_per_mile = v),
};
const EMPTY: Scalar = Scalar {
    name: "dedicated_empty_miles_percent",
    key: "dedicated_empty_miles_percent",
    label: "Billed empty miles (% of loaded miles)",
    hint: "Empty miles the carrier bills with each dedicated load: 0 when quotes are per loaded mile, 100 for a billed empty return.",
    inputmode: "decimal",
    show: |m| m.dedicated_empty_miles_percent.to_string(),
    read: |m, t| parse_percent(t).map(|v| m.dedicated_empty_miles_percent = v),
};
const DEADHEAD: Scalar = Scalar {
    name: "dedicated_deadhead_percent",
    key: "dedicated_deadhead_percent",
    label: "Carrier deadhead for emissions (% of loaded miles)",
    hint: "Empty miles a carrier drives for each loaded mile, counted for CO2 but not billed. 16.3 is the 2023 truckload average (ATRI).",
    inputmode: "decimal",
    show: |m| m.dedicated_deadhead_percent.to_string(),
    read: |m, t| parse_percent(t).map(|v| m.dedicated_deadhead_percent = v),
};
const DEDICATED_MINIMUM: Scalar = Scalar {
    name: "dedicated_minimum_charge",
    key: "dedicated_minimum_charge_cents",
    label: "Dedicated minimum charge ($)",
    hint: "The least a truck of its own costs, however short the trip.",
    inputmode: "decimal",
    show: |m| dollars_input(m.dedicated_minimum_charge_cents),
    read: |m, t| parse_dollars(t).map(|v| m.dedicated_minimum_charge_cents = v),
};
/// The scalars in the order of the page: LTL (2), the threshold (2), the dedicated truck (4).
const SCALARS: [&Scalar; 8] = [&LTL_MINIMUM, &FUEL, &MIN_PALLETS, &MIN_LB, &PER_MILE, &EMPTY, &DEDICATED_MINIMUM, &DEADHEAD];

/// One bounded distance band as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BandInput {
    pub up_to_miles: String,
    pub dollars_per_cwt: String,
}

/// The going-alone model as typed, each input's text, so a refused form comes back as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoingAloneInput {
    /// The bounded bands, shortest first once they all read.
    pub bands: Vec<BandInput>,
    /// The open-ended last band's rate, dollars per hundredweight.
    pub beyond_dollars_per_cwt: String,
    /// The scalar fields, in the order of `SCALARS`.
    scalars: [String; 8],
    /// Problems of the form as a whole: more rows than [`MAX_LTL_BANDS`].
    too_many_bands: bool,
}

/// One input of the going-alone part of the page, ready for the template.
pub struct InputView {
    pub name: String,
    pub id: String,
    pub label: String,
    pub hint: &'static str,
    pub value: String,
    pub inputmode: &'static str,
    /// The problem, as a sentence starting with the label.
    pub error: Option<String>,
    /// Ids of the hint and error, for `aria-describedby` (may be empty).
    pub described_by: String,
}

/// One row of the band table.
pub struct BandView {
    /// 1-based, for the labels.
    pub number: usize,
    pub up_to: InputView,
    pub rate: InputView,
}

/// The going-alone part of the settings page.
pub struct GoingAloneView {
    /// The bounded bands, then one empty row to add a band.
    pub bands: Vec<BandView>,
    /// The open-ended last band's rate.
    pub beyond: InputView,
    /// The LTL minimum charge and the fuel surcharge.
    pub ltl: Vec<InputView>,
    pub min_pallets: InputView,
    pub min_lb: InputView,
    /// The dedicated truck's rate, billed empty miles, minimum charge and deadhead.
    pub truck: Vec<InputView>,
    /// Problems under `going_alone` that no input shows (e.g. `going_alone.ltl_bands`), as
    /// "field: message".
    pub other_errors: Vec<String>,
    /// Each problem field an input shows: (field, e.g. `going_alone.fuel_surcharge_percent`;
    /// the input's id; its label), for the error summary's links.
    pub shown: Vec<(String, String, String)>,
    /// The saved model could not be read and the defaults are shown (why).
    pub note: Option<String>,
}

/// The HTML id of a form input named `name`.
fn input_id(name: &str) -> String {
    format!("f-{name}")
}

impl GoingAloneInput {
    /// The model's values as the form shows them (money as `2,840.00`, thresholds as `15,000`).
    pub fn from_model(m: &GoingAloneModel) -> GoingAloneInput {
        let (bounded, beyond) = match m.ltl_bands.split_last() {
            Some((last, rest)) => (rest, dollars_input(last.cents_per_cwt)),
            None => (&[][..], String::new()),
        };
        GoingAloneInput {
            bands: bounded
                .iter()
                .map(|b| BandInput { up_to_miles: b.up_to_miles.map(|n| fmt_int(n.into())).unwrap_or_default(), dollars_per_cwt: dollars_input(b.cents_per_cwt) })
                .collect(),
            beyond_dollars_per_cwt: beyond,
            scalars: SCALARS.map(|s| (s.show)(m)),
            too_many_bands: false,
        }
    }

    /// The model as saved (a JSON object the API may have written with only some fields),
    /// and why it could not be read when it cannot (the defaults are shown then).
    pub fn from_saved(value: &serde_json::Value) -> (GoingAloneInput, Option<String>) {
        match serde_json::from_value::<GoingAloneModel>(value.clone()) {
            Ok(m) => (GoingAloneInput::from_model(&m), None),
            Err(e) => (
                GoingAloneInput::from_model(&GoingAloneModel::default()),
                Some(format!("The saved going-alone model could not be read ({e}); the defaults are shown, and saving replaces it.")),
            ),
        }
    }

    /// The inputs of a submitted settings form (`pair` gives a field's text, "" when absent;
    /// `has_prefix` whether any field starts with a prefix). Rows with both boxes blank are
    /// left out; the rest are put in order of their miles when every limit reads.
    pub fn from_form(pair: impl Fn(&str) -> String, has_prefix: impl Fn(&str) -> bool) -> GoingAloneInput {
        let mut bands = Vec::new();
        let mut too_many_bands = false;
        for i in 0.. {
            if !has_prefix(&format!("ltl_band_{i}_")) {
                break;
            }
            if i == MAX_LTL_BANDS {
                too_many_bands = true;
                break;
            }
            let b = BandInput { up_to_miles: pair(&format!("ltl_band_{i}_up_to_miles")).trim().to_string(), dollars_per_cwt: pair(&format!("ltl_band_{i}_dollars_per_cwt")).trim().to_string() };
            if !(b.up_to_miles.is_empty() && b.dollars_per_cwt.is_empty()) {
                bands.push(b);
            }
        }
        let limits: Option<Vec<u32>> = bands.iter().map(|b| parse_whole(&b.up_to_miles, "miles").ok()).collect();
        if let Some(limits) = limits {
            let mut keyed: Vec<(u32, BandInput)> = limits.into_iter().zip(bands).collect();
            keyed.sort_by_key(|(m, _)| *m);
            bands = keyed.into_iter().map(|(_, b)| b).collect();
        }
        GoingAloneInput {
            bands,
            beyond_dollars_per_cwt: pair("ltl_beyond_dollars_per_cwt").trim().to_string(),
            scalars: SCALARS.map(|s| pair(s.name).trim().to_string()),
            too_many_bands,
        }
    }

    /// The model the inputs give, or `None` after naming every input that does not read in
    /// `errs` (under `going_alone.`). The model is not validated here: run
    /// [`GoingAloneModel::validate`] (the settings check does) for the engine's rules.
    pub fn to_model(&self, errs: &mut FieldErrors) -> Option<GoingAloneModel> {
        let before = errs.len();
        if self.too_many_bands {
            errs.add("going_alone.ltl_bands", format!("at most {MAX_LTL_BANDS} distance bands can be entered"));
        }
        let mut note = |field: String, r: Result<i64, String>| {
            r.map_err(|m| errs.add(&format!("going_alone.{field}"), m)).unwrap_or_default()
        };
        let mut ltl_bands: Vec<LtlBand> = Vec::new();
        for (i, b) in self.bands.iter().enumerate() {
            let up_to = note(format!("ltl_bands[{i}].up_to_miles"), parse_whole(&b.up_to_miles, "miles").map(i64::from));
            let rate = note(format!("ltl_bands[{i}].cents_per_cwt"), parse_dollars(&b.dollars_per_cwt));
            ltl_bands.push(LtlBand { up_to_miles: u32::try_from(up_to).ok(), cents_per_cwt: rate });
        }
        let n = self.bands.len();
        let beyond = note(format!("ltl_bands[{n}].cents_per_cwt"), parse_dollars(&self.beyond_dollars_per_cwt));
        ltl_bands.push(LtlBand { up_to_miles: None, cents_per_cwt: beyond });
        let mut m = GoingAloneModel { ltl_bands, ..GoingAloneModel::default() };
        for (s, text) in SCALARS.iter().zip(&self.scalars) {
            if let Err(message) = (s.read)(&mut m, text) {
                errs.add(&format!("going_alone.{}", s.key), message);
            }
        }
        (errs.len() == before).then_some(m)
    }

    /// The going-alone part of the page, with each problem of `errors` beside its input.
    pub fn view(&self, errors: &FieldErrors, note: Option<String>) -> GoingAloneView {
        let mut shown: Vec<(String, String, String)> = Vec::new();
        let mut input = |name: String, key: String, label: String, hint: &'static str, value: String, inputmode: &'static str, check: bool| {
            let id = input_id(&name);
            let field = format!("going_alone.{key}");
            let error = if check { errors.get(&field).map(|m| sentence(&label, m)) } else { None };
            if check {
                shown.push((field, id.clone(), label.clone()));
            }
            let mut described = Vec::new();
            if !hint.is_empty() {
                described.push(format!("{id}-hint"));
            }
            if error.is_some() {
                described.push(format!("{id}-error"));
            }
            InputView { name, id, label, hint, value, inputmode, error, described_by: described.join(" ") }
        };
        let mut bands = Vec::new();
        for (i, b) in self.bands.iter().chain(std::iter::once(&BandInput::default())).enumerate() {
            // The empty row to add a band has no problems of its own (its index is the last band's).
            let check = i < self.bands.len();
            let number = i + 1;
            bands.push(BandView {
                number,
                up_to: input(format!("ltl_band_{i}_up_to_miles"), format!("ltl_bands[{i}].up_to_miles"), format!("Band {number}, up to miles"), "", b.up_to_miles.clone(), "numeric", check),
                rate: input(format!("ltl_band_{i}_dollars_per_cwt"), format!("ltl_bands[{i}].cents_per_cwt"), format!("Band {number}, $ per hundredweight"), "", b.dollars_per_cwt.clone(), "decimal", check),
            });
        }
        let n = self.bands.len();
        let beyond = input(
            "ltl_beyond_dollars_per_cwt".into(),
            format!("ltl_bands[{n}].cents_per_cwt"),
            "Beyond the last band, $ per hundredweight".into(),
            "",
            self.beyond_dollars_per_cwt.clone(),
            "decimal",
            true,
        );
        let [ltl_minimum, fuel, min_pallets, min_lb, per_mile, empty, dedicated_minimum, deadhead]: [InputView; 8] = std::array::from_fn(|i| {
            let s = SCALARS[i];
            input(s.name.into(), s.key.into(), s.label.into(), s.hint, self.scalars[i].clone(), s.inputmode, true)
        });
        let ltl = vec![ltl_minimum, fuel];
        let truck = vec![per_mile, empty, dedicated_minimum, deadhead];
        let other_errors = errors
            .iter()
            .filter(|(f, _)| (*f == "going_alone" || f.starts_with("going_alone.")) && !shown.iter().any(|(s, ..)| s == f))
            .map(|(f, m)| format!("{f}: {m}"))
            .collect();
        GoingAloneView { bands, beyond, ltl, min_pallets, min_lb, truck, other_errors, shown, note }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form fields a browser would send for `input` (each band row, the beyond rate, the
    /// scalars), with `edits` applied.
    fn fields(input: &GoingAloneInput, edits: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, b) in input.bands.iter().chain(std::iter::once(&BandInput::default())).enumerate() {
            out.push((format!("ltl_band_{i}_up_to_miles"), b.up_to_miles.clone()));
            out.push((format!("ltl_band_{i}_dollars_per_cwt"), b.dollars_per_cwt.clone()));
        }
        out.push(("ltl_beyond_dollars_per_cwt".into(), input.beyond_dollars_per_cwt.clone()));
        for (s, v) in SCALARS.iter().zip(&input.scalars) {
            out.push((s.name.into(), v.clone()));
        }
        for (name, value) in edits {
            match out.iter_mut().find(|(n, _)| n == name) {
                Some(f) => f.1 = value.to_string(),
                None => out.push((name.to_string(), value.to_string())),
            }
        }
        out
    }

    fn read(fields: &[(String, String)]) -> GoingAloneInput {
        GoingAloneInput::from_form(
            |n| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone()).unwrap_or_default(),
            |p| fields.iter().any(|(k, _)| k.starts_with(p)),
        )
    }

    #[test]
    fn the_defaults_go_through_the_form_unchanged() {
        let m = GoingAloneModel::default();
        let input = GoingAloneInput::from_model(&m);
        assert_eq!(input.bands[2], BandInput { up_to_miles: "1,000".into(), dollars_per_cwt: "55.80".into() });
        assert_eq!(input.beyond_dollars_per_cwt, "79.90");
        let mut errs = FieldErrors::default();
        assert_eq!(read(&fields(&input, &[])).to_model(&mut errs), Some(m));
        assert!(errs.is_empty());
    }

    #[test]
    fn rows_are_added_removed_and_put_in_order_and_each_bad_value_is_named() {
        let input = GoingAloneInput::from_model(&GoingAloneModel::default());
        let edits = [("ltl_band_0_up_to_miles", ""), ("ltl_band_0_dollars_per_cwt", " "), ("ltl_band_5_up_to_miles", "100"), ("ltl_band_5_dollars_per_cwt", "19.99"), ("dedicated_minimum_charge", "1,000,000.01")];
        let mut errs = FieldErrors::default();
        let m = read(&fields(&input, &edits)).to_model(&mut errs).unwrap();
        let bands: Vec<(Option<u32>, i64)> = m.ltl_bands.iter().map(|b| (b.up_to_miles, b.cents_per_cwt)).collect();
        assert_eq!(bands, [(Some(100), 1999), (Some(500), 4210), (Some(1000), 5580), (Some(1500), 6850), (None, 7990)]);
        assert_eq!(m.dedicated_minimum_charge_cents, 100_000_001);

        let edits = [("ltl_band_1_up_to_miles", "five hundred"), ("ltl_beyond_dollars_per_cwt", ""), ("dedicated_min_weight_lb", "1.5"), ("dedicated_empty_miles_percent", "-3")];
        let typed = read(&fields(&input, &edits));
        let mut errs = FieldErrors::default();
        assert_eq!(typed.to_model(&mut errs), None);
        assert_eq!(
            errs.iter().collect::<Vec<_>>(),
            [
                ("going_alone.ltl_bands[1].up_to_miles", "'five hundred' is not a whole number of miles"),
                ("going_alone.ltl_bands[4].cents_per_cwt", "is required"),
                ("going_alone.dedicated_min_weight_lb", "'1.5' is not a whole number of pounds"),
                ("going_alone.dedicated_empty_miles_percent", "must not be negative"),
            ]
        );
        // Shown beside their inputs, as typed, with the label.
        let v = typed.view(&errs, None);
        assert_eq!(v.bands[1].up_to.value, "five hundred");
        assert_eq!(v.bands[1].up_to.error.as_deref(), Some("Band 2, up to miles: 'five hundred' is not a whole number of miles"));
        assert_eq!(v.bands[1].up_to.described_by, "f-ltl_band_1_up_to_miles-error");
        assert_eq!(v.beyond.error.as_deref(), Some("Beyond the last band, $ per hundredweight is required"));
        assert_eq!(v.min_lb.error.as_deref(), Some("A truck of its own from (lb): '1.5' is not a whole number of pounds"));
        assert_eq!(v.truck[1].error.as_deref(), Some("Billed empty miles (% of loaded miles) must not be negative"));
        assert_eq!(v.bands.len(), 5, "four bands and the empty row");
        assert!(v.bands[4].up_to.error.is_none() && v.other_errors.is_empty());
    }

    #[test]
    fn problems_no_input_shows_are_listed_with_their_field() {
        let mut errs = FieldErrors::default();
        errs.add("going_alone.ltl_bands", "at least one distance band is needed");
        errs.add("fleet", "has no truck");
        let v = GoingAloneInput::from_model(&GoingAloneModel::default()).view(&errs, None);
        assert_eq!(v.other_errors, ["going_alone.ltl_bands: at least one distance band is needed"]);
        let fields: Vec<(String, String)> = (0..=MAX_LTL_BANDS).flat_map(|i| [(format!("ltl_band_{i}_up_to_miles"), format!("{}", i + 1)), (format!("ltl_band_{i}_dollars_per_cwt"), "1".into())]).collect();
        let mut errs = FieldErrors::default();
        assert_eq!(read(&fields).to_model(&mut errs), None);
        assert_eq!(errs.iter().next(), Some(("going_alone.ltl_bands", "at most 50 distance bands can be entered")));
    }
}

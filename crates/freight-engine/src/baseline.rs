//! Going alone: what each shipment would cost its member shipped without the pool, as a
//! less-than-truckload (LTL) shipment priced by hundredweight, or, when it is big enough, as a
//! dedicated truck priced by the loaded mile. The savings of the pool are the sum of these
//! stand-alone costs minus the pooled plan's cost.
//!
//! The model is deliberately simple and every number is a field of [`GoingAloneModel`], so a
//! partnership can put in its members' real quotes. The defaults are **illustrative**: they
//! have the right shape and order of magnitude for US freight in 2024, with sources named on
//! each field, but they are not anyone's tariff. Replace them with your own carriers' quotes
//! before relying on the savings.
//!
//! Money is integer cents. Every rounding is to the nearest cent, halves away from zero, once
//! per line of the explanation (line haul, then fuel surcharge), so the explanation's figures
//! add up exactly to the cost.

use serde::{Deserialize, Serialize};

use crate::model::{InputError, Shipment};

/// One distance band of an LTL tariff: shipments whose tariff miles are at most `up_to_miles`
/// (and more than the previous band's) pay `cents_per_cwt` for each hundredweight (100 lb).
/// The last band has `up_to_miles: None` and covers every longer distance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LtlBand {
    pub up_to_miles: Option<u32>,
    pub cents_per_cwt: i64,
}

/// How a member would ship alone. Every field has a default (`#[serde(default)]`), so a
/// partnership's configuration may name only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoingAloneModel {
    /// LTL rate per hundredweight by distance band, shortest band first, the last open-ended.
    ///
    /// Default (illustrative net rates after the discount a small regular shipper gets, for
    /// freight of a middling class; published base tariffs such as SMC3 CzarLite are higher and
    /// are discounted 60-80% in practice): up to 250 mi $28.40/cwt, 251-500 mi $42.10,
    /// 501-1,000 mi $55.80, 1,001-1,500 mi $68.50, beyond $79.90.
    pub ltl_bands: Vec<LtlBand>,
    /// Least an LTL shipment costs before fuel surcharge, cents. Default $185.00 (illustrative:
    /// LTL carriers' absolute minimum charges are typically between $150 and $250 net).
    pub ltl_minimum_charge_cents: i64,
    /// LTL fuel surcharge, percent of the line-haul charge (minimum included). Default 28%
    /// (illustrative: LTL carriers publish surcharge tables indexed to the US Energy Information
    /// Administration's weekly on-highway diesel price; at the 2024 diesel prices of about
    /// $3.50-$4.00 per gallon those tables gave roughly 25-35%).
    pub fuel_surcharge_percent: f64,
    /// A shipment of at least this many pallets goes as a dedicated truck. Default 12 (about
    /// half of the 26 pallet positions of a 53 ft trailer: LTL carriers quote shipments of
    /// more than about 6 pallets or 12 linear feet separately as "volume" shipments, and beyond
    /// half a trailer a truckload is usually the cheaper quote).
    pub dedicated_min_pallets: u32,
    /// A shipment of at least this many pounds goes as a dedicated truck. Default 15,000 lb
    /// (LTL tariffs usually stop at 10,000-20,000 lb; heavier freight is quoted as volume or
    /// truckload).
    pub dedicated_min_weight_lb: u32,
    /// Dedicated (full truckload) rate per loaded mile, fuel included, cents. Default 244:
    /// DAT Freight & Analytics' national average dry-van contract rate for June 2024, $2.44 per
    /// mile including fuel surcharge (the spot rate paid by brokers to carriers was $2.07; a
    /// shipper booking one load pays more than the broker-to-carrier spot rate).
    pub dedicated_cents_per_mile: i64,
    /// Empty miles billed with each dedicated load, percent of the loaded miles (a carrier
    /// that must send the truck back empty bills the return). Default 0: DAT rates are per
    /// loaded mile and already price the carrier's repositioning in; set it (e.g. 100 for a
    /// billed empty return) when your quotes bill total miles. The same miles count as truck
    /// miles driven for emissions (see `emissions`).
    pub dedicated_empty_miles_percent: f64,
    /// Empty (deadhead) miles a carrier drives for each loaded mile of a dedicated load,
    /// percent, counted as truck miles for emissions but not billed (a per-loaded-mile rate
    /// prices them in). Default 16.3: the average deadhead share of all non-tank truckload
    /// operations in 2023, ATRI, "An Analysis of the Operational Costs of Trucking: 2024
    /// Update". When `dedicated_empty_miles_percent` is larger (a billed empty return), that
    /// share is driven instead.
    pub dedicated_deadhead_percent: f64,
    /// Least a dedicated truck costs, cents. Default $450.00 (illustrative: short truckload
    /// hauls are priced by the half day or day, not by the mile).
    pub dedicated_minimum_charge_cents: i64,
}

impl Default for GoingAloneModel {
    fn default() -> Self {
        let band = |up_to_miles: Option<u32>, cents_per_cwt: i64| LtlBand { up_to_miles, cents_per_cwt };
        GoingAloneModel {
            ltl_bands: vec![band(Some(250), 2840), band(Some(500), 4210), band(Some(1000), 5580), band(Some(1500), 6850), band(None, 7990)],
            ltl_minimum_charge_cents: 18_500,
            fuel_surcharge_percent: 28.0,
            dedicated_min_pallets: 12,
            dedicated_min_weight_lb: 15_000,
            dedicated_cents_per_mile: 244,
            dedicated_empty_miles_percent: 0.0,
            dedicated_deadhead_percent: 16.3,
            dedicated_minimum_charge_cents: 45_000,
        }
    }
}

fn model_error(field: &str, reason: impl Into<String>) -> InputError {
    InputError { shipment_id: None, field: field.to_string(), reason: reason.into() }
}

impl GoingAloneModel {
    /// Check the model: at least one band; band limits strictly increasing and positive; only
    /// the last band open-ended (`up_to_miles: None`) and the last band must be; no negative
    /// rate, charge or percent; percents finite; thresholds at least 1. Every problem is
    /// reported, each naming its field (e.g. `ltl_bands[2].up_to_miles`).
    pub fn validate(&self) -> Result<(), Vec<InputError>> {
        let mut errors = Vec::new();
        if self.ltl_bands.is_empty() {
            errors.push(model_error("ltl_bands", "at least one distance band is needed"));
        }
        let mut previous: Option<u32> = None;
        let last = self.ltl_bands.len().saturating_sub(1);
        for (i, b) in self.ltl_bands.iter().enumerate() {
            let field = format!("ltl_bands[{i}]");
            if b.cents_per_cwt < 0 {
                errors.push(model_error(&format!("{field}.cents_per_cwt"), format!("must not be negative, got {}", b.cents_per_cwt)));
            }
            match (b.up_to_miles, i == last) {
                (None, false) => errors.push(model_error(&format!("{field}.up_to_miles"), "only the last band may be open-ended")),
                (Some(m), true) => errors.push(model_error(
                    &format!("{field}.up_to_miles"),
                    format!("the last band must be open-ended (no up_to_miles) so every distance has a rate; got {m}"),
                )),
                (Some(0), _) => errors.push(model_error(&format!("{field}.up_to_miles"), "must be at least 1 mile")),
                (Some(m), _) => {
                    if let Some(p) = previous {
                        if m <= p {
                            errors.push(model_error(&format!("{field}.up_to_miles"), format!("bands must increase: {m} mi follows {p} mi")));
                        }
                    }
                    previous = Some(m);
                }
                (None, true) => {}
            }
        }
        for (field, v) in [
            ("ltl_minimum_charge_cents", self.ltl_minimum_charge_cents),
            ("dedicated_cents_per_mile", self.dedicated_cents_per_mile),
            ("dedicated_minimum_charge_cents", self.dedicated_minimum_charge_cents),
        ] {
            if v < 0 {
                errors.push(model_error(field, format!("must not be negative, got {v}")));
            }
        }
        for (field, v) in [("fuel_surcharge_percent", self.fuel_surcharge_percent), ("dedicated_empty_miles_percent", self.dedicated_empty_miles_percent), ("dedicated_deadhead_percent", self.dedicated_deadhead_percent)] {
            if !v.is_finite() || v < 0.0 {
                errors.push(model_error(field, format!("must be a finite percent, not negative, got {v}")));
            }
        }
        for (field, v) in [("dedicated_min_pallets", self.dedicated_min_pallets), ("dedicated_min_weight_lb", self.dedicated_min_weight_lb)] {
            if v == 0 {
                errors.push(model_error(field, "must be at least 1 (0 would send every shipment as a dedicated truck)"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Whether a shipment of this size goes as a dedicated truck rather than LTL.
    pub fn is_dedicated(&self, pallets: u32, weight_lb: u32) -> bool {
        pallets >= self.dedicated_min_pallets || weight_lb >= self.dedicated_min_weight_lb
    }
}

/// How a shipment goes when its member ships alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoingAloneMethod {
    /// Less than truckload, priced by hundredweight and distance band.
    Ltl,
    /// A truck of its own, priced by the mile.
    DedicatedTruck,
}

/// The stand-alone price of one shipment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoingAlone {
    pub method: GoingAloneMethod,
    pub cost_cents: i64,
    /// The arithmetic in words, e.g. "1,800 lb = 18.00 cwt × $42.10/cwt (251–500 mi band,
    /// 312 mi) = $757.80; + 28% fuel surcharge $212.18 = $969.98".
    pub explanation: String,
}

/// Cents as dollars with thousands separators: 123456 -> "$1,234.56", -5 -> "-$0.05".
pub fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let a = cents.unsigned_abs();
    format!("{sign}${}.{:02}", thousands(a / 100), a % 100)
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A percent without needless decimals: 28 -> "28", 27.5 -> "27.5".
fn percent(p: f64) -> String {
    let r = (p * 100.0).round() / 100.0;
    if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        let s = format!("{r:.2}");
        s.trim_end_matches('0').to_string()
    }
}

/// Round a non-negative or negative amount of cents held as f64 to whole cents, halves away
/// from zero. Amounts beyond the range of i64 saturate (only reachable with absurd inputs).
fn round_cents(x: f64) -> i64 {
    x.round() as i64
}

/// Price one shipment going alone over `loaded_miles` (road miles from its pickup to its
/// delivery, as the plan's travel model measures them).
///
/// - **Dedicated truck** when `pallets >= dedicated_min_pallets` or
///   `weight_lb >= dedicated_min_weight_lb`: `round(loaded_miles × (1 + empty%/100) ×
///   cents_per_mile)`, at least the dedicated minimum charge. The rate includes fuel.
/// - Otherwise the **cheaper of LTL and a dedicated truck**, as a member asking both for a
///   quote would choose (a mid-size load over a short distance is often cheaper on a truck of
///   its own than by hundredweight). LTL: tariff miles are `loaded_miles` rounded up to a whole
///   mile (as mileage guides do) and pick the band; line haul `= round(weight_lb × cents_per_cwt
///   / 100)` (exact hundredweights, no rounding of the weight up to the next cwt), at least the
///   LTL minimum; then fuel surcharge `= round(line haul × percent / 100)`; cost = line haul +
///   fuel. On a tie, LTL. The explanation gives both quotes.
///
/// Errors (naming the shipment): `loaded_miles` not finite or negative; a model with no band
/// for the distance (run [`GoingAloneModel::validate`] first to catch model errors).
pub fn going_alone(shipment: &Shipment, loaded_miles: f64, model: &GoingAloneModel) -> Result<GoingAlone, InputError> {
    let err = |field: &str, reason: String| InputError { shipment_id: Some(shipment.id.clone()), field: field.to_string(), reason };
    if !loaded_miles.is_finite() || loaded_miles < 0.0 {
        return Err(err("loaded_miles", format!("must be a finite number of miles, not negative, got {loaded_miles}")));
    }
    if model.is_dedicated(shipment.pallets, shipment.weight_lb) {
        let why = if shipment.pallets >= model.dedicated_min_pallets {
            format!("{} pallets (at least {}) go as a dedicated truck", shipment.pallets, model.dedicated_min_pallets)
        } else {
            format!("{} lb (at least {}) goes as a dedicated truck", thousands(shipment.weight_lb.into()), thousands(model.dedicated_min_weight_lb.into()))
        };
        return Ok(dedicated_quote(loaded_miles, model, &why));
    }
    let ltl = ltl_quote(shipment, loaded_miles, model).map_err(|reason| err("loaded_miles", reason))?;
    let truck = dedicated_quote(loaded_miles, model, "a dedicated truck");
    if truck.cost_cents < ltl.cost_cents {
        Ok(GoingAlone {
            method: GoingAloneMethod::DedicatedTruck,
            cost_cents: truck.cost_cents,
            explanation: format!("{}; cheaper than LTL at {} ({})", truck.explanation, dollars(ltl.cost_cents), ltl.explanation),
        })
    } else {
        Ok(GoingAlone {
            method: GoingAloneMethod::Ltl,
            cost_cents: ltl.cost_cents,
            explanation: format!("{}; a dedicated truck would cost {}", ltl.explanation, dollars(truck.cost_cents)),
        })
    }
}

/// The dedicated-truck quote: `round(loaded_miles × (1 + empty%/100) × cents_per_mile)`, at
/// least the dedicated minimum charge; `why` opens the explanation.
fn dedicated_quote(loaded_miles: f64, model: &GoingAloneModel, why: &str) -> GoingAlone {
    {
        let billed_miles = loaded_miles * (1.0 + model.dedicated_empty_miles_percent / 100.0);
        let by_mile = round_cents(billed_miles * model.dedicated_cents_per_mile as f64);
        let mut explanation = if model.dedicated_empty_miles_percent > 0.0 {
            format!(
                "{why}: {:.1} loaded mi + {}% empty = {:.1} mi × {}/mi = {}",
                loaded_miles,
                percent(model.dedicated_empty_miles_percent),
                billed_miles,
                dollars(model.dedicated_cents_per_mile),
                dollars(by_mile)
            )
        } else {
            format!("{why}: {:.1} mi × {}/mi = {}", loaded_miles, dollars(model.dedicated_cents_per_mile), dollars(by_mile))
        };
        let cost_cents = if by_mile < model.dedicated_minimum_charge_cents {
            explanation.push_str(&format!(", below the {} minimum charge, so {}", dollars(model.dedicated_minimum_charge_cents), dollars(model.dedicated_minimum_charge_cents)));
            model.dedicated_minimum_charge_cents
        } else {
            by_mile
        };
        explanation.push_str(" (fuel included)");
        GoingAlone { method: GoingAloneMethod::DedicatedTruck, cost_cents, explanation }
    }
}

/// The LTL quote (see [`going_alone`]); `Err` with the reason when the model has no band for
/// the distance.
fn ltl_quote(shipment: &Shipment, loaded_miles: f64, model: &GoingAloneModel) -> Result<GoingAlone, String> {
    // Whole tariff miles; distances are far below u32::MAX for any real shipment.
    let tariff_miles = loaded_miles.ceil().min(u32::MAX as f64) as u32;
    let mut lower = 0u32;
    let mut chosen = None;
    for b in &model.ltl_bands {
        match b.up_to_miles {
            Some(m) if tariff_miles > m => lower = m,
            _ => {
                chosen = Some(b);
                break;
            }
        }
    }
    let Some(band) = chosen else {
        return Err(format!("the going-alone model has no LTL band for {tariff_miles} mi (the last band must be open-ended)"));
    };
    let band_label = match band.up_to_miles {
        Some(m) if lower == 0 => format!("up to {} mi band", thousands(m.into())),
        Some(m) => format!("{}–{} mi band", thousands(u64::from(lower) + 1), thousands(m.into())),
        None => format!("over {} mi band", thousands(lower.into())),
    };
    let weight = i64::from(shipment.weight_lb);
    let by_weight = (weight * band.cents_per_cwt + 50).div_euclid(100);
    let mut explanation = format!(
        "{} lb = {}.{:02} cwt × {}/cwt ({band_label}, {tariff_miles} mi) = {}",
        thousands(shipment.weight_lb.into()),
        thousands(u64::from(shipment.weight_lb / 100)),
        shipment.weight_lb % 100,
        dollars(band.cents_per_cwt),
        dollars(by_weight)
    );
    let line_haul = if by_weight < model.ltl_minimum_charge_cents {
        explanation.push_str(&format!(", below the {} minimum charge, so {}", dollars(model.ltl_minimum_charge_cents), dollars(model.ltl_minimum_charge_cents)));
        model.ltl_minimum_charge_cents
    } else {
        by_weight
    };
    let fuel = round_cents(line_haul as f64 * model.fuel_surcharge_percent / 100.0);
    let cost_cents = line_haul + fuel;
    explanation.push_str(&format!("; + {}% fuel surcharge {} = {}", percent(model.fuel_surcharge_percent), dollars(fuel), dollars(cost_cents)));
    Ok(GoingAlone { method: GoingAloneMethod::Ltl, cost_cents, explanation })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Place, TimeWindow};

    fn shipment(pallets: u32, weight_lb: u32) -> Shipment {
        let place = |name: &str| Place { name: name.into(), latitude: 35.19, longitude: -114.05 };
        let w = TimeWindow { open_minute: 0, close_minute: 600 };
        Shipment {
            id: "S1".into(),
            member: "Mohave Metal Works".into(),
            pickup: place("Kingman"),
            delivery: place("Phoenix"),
            pallets,
            weight_lb,
            pickup_window: w,
            delivery_window: w,
            pickup_service_minutes: 30,
            delivery_service_minutes: 30,
        }
    }

    #[test]
    fn ltl_by_hundredweight_in_its_band_with_fuel() {
        let m = GoingAloneModel::default();
        let g = going_alone(&shipment(1, 600), 311.4, &m).unwrap();
        assert_eq!(g.method, GoingAloneMethod::Ltl);
        // 6 cwt × $42.10 = $252.60; fuel 28% = $70.728 -> $70.73; total $323.33. A dedicated
        // truck: 311.4 mi × $2.44 = $759.816 -> $759.82.
        assert_eq!(g.cost_cents, 32_333);
        assert_eq!(
            g.explanation,
            "600 lb = 6.00 cwt × $42.10/cwt (251–500 mi band, 312 mi) = $252.60; + 28% fuel surcharge $70.73 = $323.33; a dedicated truck would cost $759.82"
        );
    }

    #[test]
    fn a_mid_size_load_takes_a_dedicated_truck_when_that_is_cheaper() {
        let m = GoingAloneModel::default();
        // LTL: 18 cwt × $42.10 = $757.80 + 28% fuel $212.18 = $969.98; a truck: $759.82.
        let g = going_alone(&shipment(3, 1800), 311.4, &m).unwrap();
        assert_eq!(g.method, GoingAloneMethod::DedicatedTruck);
        assert_eq!(g.cost_cents, 75_982);
        assert_eq!(
            g.explanation,
            "a dedicated truck: 311.4 mi × $2.44/mi = $759.82 (fuel included); cheaper than LTL at $969.98 (1,800 lb = 18.00 cwt × $42.10/cwt (251–500 mi band, 312 mi) = $757.80; + 28% fuel surcharge $212.18 = $969.98)"
        );
    }

    #[test]
    fn band_edges_are_inclusive_and_miles_round_up() {
        let m = GoingAloneModel::default();
        let s = shipment(2, 1000);
        // 250.0 mi is in the first band, 250.01 mi is tariff mile 251, in the second.
        assert_eq!(going_alone(&s, 250.0, &m).unwrap().cost_cents, 28_400 + 7_952);
        assert_eq!(going_alone(&s, 250.01, &m).unwrap().cost_cents, 42_100 + 11_788);
        let far = going_alone(&s, 2400.0, &m).unwrap();
        assert_eq!(far.cost_cents, 79_900 + 22_372);
        assert!(far.explanation.contains("over 1,500 mi band"), "{}", far.explanation);
        assert!(going_alone(&s, 10.0, &m).unwrap().explanation.contains("up to 250 mi band"));
    }

    #[test]
    fn small_shipments_pay_the_minimum_plus_fuel() {
        let m = GoingAloneModel::default();
        // 300 lb × $28.40/cwt = $85.20 < $185.00 minimum; fuel 28% of $185.00 = $51.80.
        let g = going_alone(&shipment(1, 300), 40.0, &m).unwrap();
        assert_eq!(g.cost_cents, 18_500 + 5_180);
        assert_eq!(
            g.explanation,
            "300 lb = 3.00 cwt × $28.40/cwt (up to 250 mi band, 40 mi) = $85.20, below the $185.00 minimum charge, so $185.00; + 28% fuel surcharge $51.80 = $236.80; a dedicated truck would cost $450.00"
        );
        // Odd pounds: 1,234 lb × $28.40 = $350.456 -> $350.46.
        let g = going_alone(&shipment(2, 1234), 100.0, &m).unwrap();
        assert_eq!(g.cost_cents, 35_046 + 9_813);
    }

    #[test]
    fn full_loads_go_as_a_dedicated_truck() {
        let m = GoingAloneModel::default();
        let by_pallets = going_alone(&shipment(14, 9000), 312.0, &m).unwrap();
        assert_eq!(by_pallets.method, GoingAloneMethod::DedicatedTruck);
        assert_eq!(by_pallets.cost_cents, 312 * 244);
        assert_eq!(by_pallets.explanation, "14 pallets (at least 12) go as a dedicated truck: 312.0 mi × $2.44/mi = $761.28 (fuel included)");
        let by_weight = going_alone(&shipment(8, 20_000), 100.0, &m).unwrap();
        assert_eq!(by_weight.method, GoingAloneMethod::DedicatedTruck);
        // 100 mi × $2.44 = $244.00 is below the $450.00 minimum.
        assert_eq!(by_weight.cost_cents, 45_000);
        assert!(by_weight.explanation.starts_with("20,000 lb (at least 15,000) goes as a dedicated truck"), "{}", by_weight.explanation);
        assert!(by_weight.explanation.contains("below the $450.00 minimum charge"));
        // A billed empty return doubles the miles.
        let round_trip = GoingAloneModel { dedicated_empty_miles_percent: 100.0, ..m.clone() };
        let g = going_alone(&shipment(14, 9000), 312.0, &round_trip).unwrap();
        assert_eq!(g.cost_cents, 624 * 244);
        assert!(g.explanation.contains("312.0 loaded mi + 100% empty = 624.0 mi × $2.44/mi = $1,522.56"), "{}", g.explanation);
        // Just under both thresholds both quotes are asked for: 149.99 cwt by LTL costs far more
        // than a truck of its own.
        let under = going_alone(&shipment(11, 14_999), 312.0, &m).unwrap();
        assert_eq!(under.method, GoingAloneMethod::DedicatedTruck);
        assert!(under.explanation.starts_with("a dedicated truck: 312.0 mi × $2.44/mi = $761.28 (fuel included); cheaper than LTL at $8,082.66"), "{}", under.explanation);
    }

    #[test]
    fn bad_miles_name_the_shipment() {
        let m = GoingAloneModel::default();
        for miles in [f64::NAN, -1.0, f64::INFINITY] {
            let e = going_alone(&shipment(1, 100), miles, &m).unwrap_err();
            assert_eq!(e.shipment_id.as_deref(), Some("S1"));
            assert_eq!(e.field, "loaded_miles");
        }
        let no_open_band = GoingAloneModel { ltl_bands: vec![LtlBand { up_to_miles: Some(100), cents_per_cwt: 1000 }], ..m.clone() };
        let e = going_alone(&shipment(1, 100), 150.0, &no_open_band).unwrap_err();
        assert!(e.reason.contains("no LTL band for 150 mi"), "{e}");
    }

    #[test]
    fn validation_reports_every_problem_by_field() {
        assert_eq!(GoingAloneModel::default().validate(), Ok(()));
        let bad = GoingAloneModel {
            ltl_bands: vec![
                LtlBand { up_to_miles: Some(500), cents_per_cwt: 100 },
                LtlBand { up_to_miles: Some(250), cents_per_cwt: -5 },
                LtlBand { up_to_miles: None, cents_per_cwt: 100 },
            ],
            ltl_minimum_charge_cents: -1,
            fuel_surcharge_percent: f64::NAN,
            dedicated_min_pallets: 0,
            ..GoingAloneModel::default()
        };
        let errors = bad.validate().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["ltl_bands[1].cents_per_cwt", "ltl_bands[1].up_to_miles", "ltl_minimum_charge_cents", "fuel_surcharge_percent", "dedicated_min_pallets"]
        );
        assert_eq!(errors[1].reason, "bands must increase: 250 mi follows 500 mi");
        let not_open = GoingAloneModel { ltl_bands: vec![LtlBand { up_to_miles: Some(100), cents_per_cwt: 1 }], ..GoingAloneModel::default() };
        assert!(not_open.validate().unwrap_err()[0].reason.contains("must be open-ended"));
        let open_early = GoingAloneModel {
            ltl_bands: vec![LtlBand { up_to_miles: None, cents_per_cwt: 1 }, LtlBand { up_to_miles: None, cents_per_cwt: 1 }],
            ..GoingAloneModel::default()
        };
        assert_eq!(open_early.validate().unwrap_err()[0].field, "ltl_bands[0].up_to_miles");
        assert_eq!(GoingAloneModel { ltl_bands: vec![], ..GoingAloneModel::default() }.validate().unwrap_err()[0].field, "ltl_bands");
    }

    #[test]
    fn a_partial_configuration_keeps_the_other_defaults() {
        let m: GoingAloneModel = serde_json::from_str(r#"{"fuel_surcharge_percent": 31.5}"#).unwrap();
        assert_eq!(m.fuel_surcharge_percent, 31.5);
        assert_eq!(m.ltl_bands, GoingAloneModel::default().ltl_bands);
        let g = going_alone(&shipment(1, 600), 311.4, &m).unwrap();
        // $252.60 × 31.5% = $79.569 -> $79.57.
        assert_eq!(g.cost_cents, 25_260 + 7_957);
        assert!(g.explanation.contains("+ 31.5% fuel surcharge $79.57"), "{}", g.explanation);
    }

    #[test]
    fn dollars_format() {
        assert_eq!(dollars(0), "$0.00");
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(123_456), "$1,234.56");
        assert_eq!(dollars(-12_000), "-$120.00");
        assert_eq!(dollars(100_000_000), "$1,000,000.00");
    }
}

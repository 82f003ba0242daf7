//! Truck miles and CO2 the pool avoids compared with every member shipping alone.
//!
//! **Emission factor.** [`TRUCK_CO2_KG_PER_MILE`] = 1.298 kg CO2 per vehicle-mile: US EPA
//! Center for Corporate Climate Leadership, *GHG Emission Factors Hub* (2025 edition), Table 8
//! "Scope 3 Category 4: Upstream Transportation and Distribution and Category 9: Downstream
//! Transportation and Distribution", row "Medium- and Heavy-Duty Truck", unit vehicle-mile (CO2
//! only; the same row gives 0.0115 g CH4 and 0.0376 g N2O per vehicle-mile, left out here). It
//! is a fleet average over medium and heavy trucks; a loaded tractor-trailer burns more (at
//! the Hub's 10.21 kg CO2 per gallon of diesel, Table 2, 6.5 mpg is 1.57 kg per mile), so the
//! figure is on the low, conservative side for 53 ft trailers.
//!
//! **Going-alone truck miles** (the honest assumption). A shipment that goes alone as a
//! dedicated truck puts a whole truck on the road for its loaded miles plus empty miles: the
//! larger of the going-alone model's billed empty share (`dedicated_empty_miles_percent`,
//! default 0) and the carrier's deadhead share (`dedicated_deadhead_percent`, default 16.3%,
//! ATRI 2024). A shipment that goes LTL
//! rides in a carrier's trailer with other freight: it is counted as its share of one trailer,
//! `min(1, max(pallets / 26, weight_lb / 45,000))` of its loaded miles (26 pallet positions
//! and about 45,000 lb of payload in a 53 ft dry van). LTL freight actually travels further
//! (city pickup, terminal, line haul, terminal, delivery), so this counts fewer going-alone
//! miles than are really driven and understates the miles avoided: the estimate is
//! conservative. The pooled plan's miles are all its trucks' miles, depot legs included.

use crate::baseline::{GoingAloneMethod, GoingAloneModel};
use crate::model::{InputError, Shipment};

/// CO2 emitted per truck mile, kg (EPA GHG Emission Factors Hub 2025, Table 8, "Medium- and
/// Heavy-Duty Truck", per vehicle-mile; see the module documentation).
pub const TRUCK_CO2_KG_PER_MILE: f64 = 1.298;

/// Where [`TRUCK_CO2_KG_PER_MILE`] comes from, for records and pages.
pub const EMISSION_FACTOR_SOURCE: &str = "US EPA GHG Emission Factors Hub (2025), Table 8, Medium- and Heavy-Duty Truck: 1.298 kg CO2 per vehicle-mile";

/// Pallet positions of a 53 ft dry van (two 48 x 40 in pallets abreast, 13 rows).
pub const TRAILER_PALLET_POSITIONS: u32 = 26;

/// Typical payload of a 53 ft dry van under the 80,000 lb federal gross weight limit
/// (23 U.S.C. 127), pounds.
pub const TRAILER_PAYLOAD_LB: u32 = 45_000;

/// CO2 avoided, kg: `truck_miles_avoided × TRUCK_CO2_KG_PER_MILE`. Negative when the pool
/// drives more truck miles than going alone would.
pub fn co2_avoided_kg(truck_miles_avoided: f64) -> f64 {
    truck_miles_avoided * TRUCK_CO2_KG_PER_MILE
}

/// Truck miles attributed to one shipment going alone over `loaded_miles` (see the module
/// documentation): a dedicated truck's loaded plus empty miles (the larger of the billed empty
/// share and the carrier's deadhead share), or an LTL shipment's share of
/// a trailer times its loaded miles. `method` is the way the shipment was priced going alone
/// ([`crate::baseline::going_alone`]'s choice), so miles and price describe the same trip.
pub fn going_alone_truck_miles(shipment: &Shipment, loaded_miles: f64, method: GoingAloneMethod, model: &GoingAloneModel) -> f64 {
    if method == GoingAloneMethod::DedicatedTruck {
        loaded_miles * (1.0 + model.dedicated_empty_miles_percent.max(model.dedicated_deadhead_percent) / 100.0)
    } else {
        let by_pallets = f64::from(shipment.pallets) / f64::from(TRAILER_PALLET_POSITIONS);
        let by_weight = f64::from(shipment.weight_lb) / f64::from(TRAILER_PAYLOAD_LB);
        loaded_miles * by_pallets.max(by_weight).min(1.0)
    }
}

/// Truck miles avoided by the pool: `Σ going_alone_truck_miles − pooled_plan_miles`, over
/// `(shipment, loaded_miles)` pairs of the shipments the plan carries (leave out unassigned
/// ones: they still go alone either way). Negative when the pool drives more.
///
/// Errors: a loaded distance or the pooled miles not finite or negative, naming the shipment
/// (or field `pooled_plan_miles`).
pub fn truck_miles_avoided(alone: &[(&Shipment, f64)], model: &GoingAloneModel, pooled_plan_miles: f64) -> Result<f64, InputError> {
    if !pooled_plan_miles.is_finite() || pooled_plan_miles < 0.0 {
        return Err(InputError { shipment_id: None, field: "pooled_plan_miles".into(), reason: format!("must be a finite number of miles, not negative, got {pooled_plan_miles}") });
    }
    let mut sum = 0.0;
    for (s, miles) in alone {
        if !miles.is_finite() || *miles < 0.0 {
            return Err(InputError { shipment_id: Some(s.id.clone()), field: "loaded_miles".into(), reason: format!("must be a finite number of miles, not negative, got {miles}") });
        }
        let method = crate::baseline::going_alone(s, *miles, model)?.method;
        sum += going_alone_truck_miles(s, *miles, method, model);
    }
    Ok(sum - pooled_plan_miles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Place, TimeWindow};

    fn shipment(id: &str, pallets: u32, weight_lb: u32) -> Shipment {
        let place = |name: &str| Place { name: name.into(), latitude: 35.19, longitude: -114.05 };
        let w = TimeWindow { open_minute: 0, close_minute: 600 };
        Shipment {
            id: id.into(),
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
    fn ltl_counts_its_trailer_share_and_dedicated_trucks_count_whole() {
        let m = GoingAloneModel::default();
        // 4 pallets of 26 beat 2,000 lb of 45,000: 4/26 of 200 mi.
        assert!((going_alone_truck_miles(&shipment("a", 4, 2_000), 200.0, GoingAloneMethod::Ltl, &m) - 200.0 * 4.0 / 26.0).abs() < 1e-9);
        // Heavy and compact: weight decides, 9,000/45,000 = 0.2.
        assert!((going_alone_truck_miles(&shipment("b", 2, 9_000), 200.0, GoingAloneMethod::Ltl, &m) - 40.0).abs() < 1e-9);
        // A full load is a whole truck plus the carrier's deadhead (16.3%), or billed empty miles
        // when the model has more of them.
        assert!((going_alone_truck_miles(&shipment("c", 14, 9_000), 200.0, GoingAloneMethod::DedicatedTruck, &m) - 232.6).abs() < 1e-9);
        let empty_back = GoingAloneModel { dedicated_empty_miles_percent: 50.0, ..GoingAloneModel::default() };
        assert_eq!(going_alone_truck_miles(&shipment("c", 14, 9_000), 200.0, GoingAloneMethod::DedicatedTruck, &empty_back), 300.0);
    }

    #[test]
    fn miles_and_co2_avoided() {
        let m = GoingAloneModel::default();
        let (a, b, c) = (shipment("a", 13, 10_000), shipment("b", 12, 8_000), shipment("c", 13, 6_500));
        // Three dedicated trucks of 150, 120 and 100 loaded mi alone = 370 mi + 16.3% deadhead =
        // 430.31 mi; pooled 250 mi.
        let avoided = truck_miles_avoided(&[(&a, 150.0), (&b, 120.0), (&c, 100.0)], &m, 250.0).unwrap();
        assert!((avoided - 180.31).abs() < 1e-9, "{avoided}");
        assert!((co2_avoided_kg(avoided) - 180.31 * 1.298).abs() < 1e-9);
        // The pool can drive more than the LTL shares it replaces: negative, said as such.
        let small = shipment("d", 2, 1_000);
        let more = truck_miles_avoided(&[(&small, 130.0)], &m, 100.0).unwrap();
        assert!((more - (10.0 - 100.0)).abs() < 1e-9);
        assert!(co2_avoided_kg(more) < 0.0);
        let e = truck_miles_avoided(&[(&small, f64::NAN)], &m, 100.0).unwrap_err();
        assert_eq!((e.shipment_id.as_deref(), e.field.as_str()), (Some("d"), "loaded_miles"));
        assert_eq!(truck_miles_avoided(&[], &m, -1.0).unwrap_err().field, "pooled_plan_miles");
    }
}

//! The engine's plain input and output types. Units are in the names: miles, minutes, pounds
//! (`_lb`), pallets, and money in integer US cents (`_cents`), never floating-point dollars.
//!
//! Time is counted in whole minutes from the start of the planning horizon (for a week plan:
//! Monday 00:00 local time is minute 0, Friday 17:00 is minute 6,780).

use serde::{Deserialize, Serialize};

/// A named point on the map (a member's plant, a customer's dock, a truck's yard), in WGS 84
/// decimal degrees. `name` is also the key into a user-supplied [`TravelMatrix`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
}

/// A closed interval `[open_minute, close_minute]` of minutes from the horizon's start. Arriving
/// before `open_minute` means waiting; arriving after `close_minute` is not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    pub open_minute: u32,
    pub close_minute: u32,
}

/// One load a member needs moved from `pickup` to `delivery`: a pickup-and-delivery pair that
/// must ride on one truck, picked up first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    /// Caller's id, echoed back in routes and unassigned lists.
    pub id: String,
    /// The member (organization) that ships it; savings are allocated per member.
    pub member: String,
    pub pickup: Place,
    pub delivery: Place,
    /// Standard 48 x 40 in pallet positions the load takes; at least 1.
    pub pallets: u32,
    /// Gross weight in pounds; at least 1.
    pub weight_lb: u32,
    pub pickup_window: TimeWindow,
    pub delivery_window: TimeWindow,
    /// Loading time at the pickup dock, minutes.
    pub pickup_service_minutes: u32,
    /// Unloading time at the delivery dock, minutes.
    pub delivery_service_minutes: u32,
}

/// A kind of truck the partnership can put on the road, `count` of them, each starting and ending
/// its route at `depot`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleType {
    /// Short name shown on routes, e.g. "53 ft dry van".
    pub name: String,
    pub capacity_pallets: u32,
    pub capacity_lb: u32,
    pub count: u32,
    pub depot: Place,
    /// Cost of putting one truck on the road for one route (driver day, tractor), cents.
    pub fixed_cost_cents: i64,
    /// Operating cost per mile driven (fuel, tires, maintenance), cents.
    pub cost_per_mile_cents: i64,
    /// Cost per hour on duty (driver wages and benefits), cents.
    pub cost_per_hour_cents: i64,
}

/// Driver hours-of-service limits applied to every route. Defaults: the US FMCSA
/// property-carrying rules, 49 CFR 395.3(a): at most 11 hours driving within a 14-hour duty
/// window after coming on duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverLimits {
    pub max_driving_minutes: u32,
    pub max_duty_minutes: u32,
}

impl Default for DriverLimits {
    fn default() -> Self {
        DriverLimits { max_driving_minutes: 11 * 60, max_duty_minutes: 14 * 60 }
    }
}

/// Road miles and driving minutes between named places, supplied by the user from any routing
/// engine (CSV `from,to,miles,minutes`). Every ordered pair of distinct places the plan needs must
/// be present; values must be finite and not negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TravelMatrix {
    /// `(from, to, miles, minutes)` rows as given.
    pub rows: Vec<MatrixRow>,
}

/// One row of a [`TravelMatrix`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub from: String,
    pub to: String,
    pub miles: f64,
    pub minutes: f64,
}

/// How travel between two places is estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Travel {
    /// Great-circle (haversine) miles times a road circuity factor, driven at an average speed.
    GreatCircle { circuity: f64, average_speed_mph: f64 },
    /// A user-supplied matrix.
    Matrix(TravelMatrix),
}

/// Everything one planning run needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRequest {
    pub shipments: Vec<Shipment>,
    pub fleet: Vec<VehicleType>,
    pub driver_limits: DriverLimits,
    pub travel: Travel,
    /// Trucks leave the depot at or after `open_minute` and are back by `close_minute`.
    pub horizon: TimeWindow,
    /// Wall-clock budget for the search, seconds (the search may stop earlier when it stalls).
    pub max_seconds: f64,
    /// Seed for the search's random choices. Honest limit: vrp-core 1.25 (rosomaxa 0.9) draws
    /// its random numbers from a per-thread generator that cannot be seeded per run, and the
    /// search runs on several threads against a wall-clock budget, so two runs of the same request
    /// can return different plans of similar cost whatever the seed. The engine's guarantees
    /// (every shipment routed or explained, windows, capacity and driver limits kept, costs
    /// recomputed) hold for every run. The seed is kept so a future solver that can be seeded
    /// honours it without a change to callers.
    pub seed: u64,
}

/// What a stop does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopKind {
    /// Leaving the depot.
    Departure,
    Pickup,
    Delivery,
    /// Back at the depot.
    Return,
}

/// One stop of a route, in visiting order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    pub kind: StopKind,
    /// The shipment picked up or delivered; `None` at the depot.
    pub shipment_id: Option<String>,
    pub place: Place,
    pub arrival_minute: u32,
    pub departure_minute: u32,
    /// Load on the truck after the stop.
    pub load_pallets: u32,
    pub load_lb: u32,
}

/// One truck's day: where it goes and what it costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// Index into [`PlanRequest::fleet`].
    pub vehicle_type: usize,
    /// Which of that type's `count` trucks (0-based).
    pub vehicle_number: u32,
    pub stops: Vec<Stop>,
    pub miles: f64,
    pub driving_minutes: f64,
    /// From leaving the depot to returning, waiting and service included.
    pub duty_minutes: f64,
    /// fixed + per mile + per duty hour, cents.
    pub cost_cents: i64,
}

/// A shipment no plan could carry, with the reason in words a dispatcher understands, e.g.
/// "delivery window closes before the truck can arrive from the pickup: 312 mi needs 6.2 h,
/// window is 4 h".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unassigned {
    pub shipment_id: String,
    pub reason: String,
}

/// The engine's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub routes: Vec<Route>,
    pub unassigned: Vec<Unassigned>,
    pub total_miles: f64,
    pub total_cost_cents: i64,
}

/// A problem with the input, naming the shipment (when there is one) and the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}{field}: {reason}", .shipment_id.as_ref().map(|s| format!("shipment {s}: ")).unwrap_or_default())]
pub struct InputError {
    pub shipment_id: Option<String>,
    pub field: String,
    pub reason: String,
}

/// Driver-based cost of a US truckload driver, cents per hour on duty: ATRI, "An Analysis of the
/// Operational Costs of Trucking: 2024 Update" (June 2024, 2023 data) puts driver wages at
/// $0.779 per mile; driver benefits were $0.188 per mile (the 2025 update reports $0.197 for 2024
/// after a 4.8 % rise: 0.197 / 1.048). $0.967 per mile at ATRI's own mile-to-hour conversion of
/// 40.2 mph (its $90.89 per hour / $2.260 per mile for 2024) is $38.87 per hour.
pub const ATRI_2023_DRIVER_CENTS_PER_HOUR: i64 = 3_887;

/// Vehicle-based cost of a tractor-trailer, cents per mile: ATRI's 2023 total marginal cost of
/// $2.270 per mile (2024 update) less the driver's $0.967 (wages $0.779 + benefits $0.188):
/// fuel ($0.554, the gap between the $2.270 total and the $1.716 non-fuel cost), truck and trailer
/// payments ($0.360), repair and maintenance ($0.202), insurance ($0.099), tires, tolls, permits
/// and licenses; $1.303 rounded to 130 cents.
pub const ATRI_2023_TRACTOR_TRAILER_CENTS_PER_MILE: i64 = 130;

/// Vehicle-based cost of a 26 ft box truck, cents per mile. ATRI surveys tractor-trailer fleets
/// only, so this scales ATRI's fuel line by fuel economy and keeps the rest: single-unit 2-axle
/// 6-tire trucks average 7.4 mpg against 6.0 mpg for combination trucks (US BTS, National
/// Transportation Statistics tables 4-13 and 4-14, from FHWA Highway Statistics table VM-1), so
/// fuel is $0.554 x 6.0 / 7.4 = $0.449 per mile and the total $1.303 - $0.554 + $0.449 = $1.198,
/// rounded to 120 cents. Ownership of a box truck is cheaper than of a tractor and trailer, so
/// this leans high.
pub const BOX_TRUCK_CENTS_PER_MILE: i64 = 120;

impl VehicleType {
    /// A 53 ft dry van behind a tractor, `count` of them based at `depot`.
    ///
    /// Capacity: 26 standard 48 x 40 in pallets floor-loaded (636 in of trailer / 48 in = 13 rows
    /// of 2) and 45,000 lb of payload (the 80,000 lb federal gross weight limit of 23 U.S.C. 127
    /// less about 35,000 lb of tractor and empty trailer).
    ///
    /// Cost: [`ATRI_2023_TRACTOR_TRAILER_CENTS_PER_MILE`] per mile and
    /// [`ATRI_2023_DRIVER_CENTS_PER_HOUR`] per hour on duty. Fixed cost per route 0: ATRI's
    /// marginal costs already spread truck payments and insurance over miles; a partnership that
    /// pays a carrier a per-dispatch fee sets `fixed_cost_cents` to it.
    pub fn dry_van_53ft(depot: Place, count: u32) -> Self {
        VehicleType {
            name: "53 ft dry van".to_string(),
            capacity_pallets: 26,
            capacity_lb: 45_000,
            count,
            depot,
            fixed_cost_cents: 0,
            cost_per_mile_cents: ATRI_2023_TRACTOR_TRAILER_CENTS_PER_MILE,
            cost_per_hour_cents: ATRI_2023_DRIVER_CENTS_PER_HOUR,
        }
    }

    /// A 26 ft straight (box) truck, `count` of them based at `depot`.
    ///
    /// Capacity: 12 standard pallets (26 ft of box holds 6 rows of 2) and 10,000 lb of payload
    /// (the 26,000 lb gross vehicle weight at which a commercial driver's licence becomes
    /// necessary, 49 CFR 383.5, less about 16,000 lb of empty truck; rental fleets list about
    /// 10,000 lb for their 26 ft trucks).
    ///
    /// Cost: [`BOX_TRUCK_CENTS_PER_MILE`] per mile and [`ATRI_2023_DRIVER_CENTS_PER_HOUR`] per
    /// hour on duty; fixed cost per route 0 as for [`VehicleType::dry_van_53ft`].
    pub fn box_truck_26ft(depot: Place, count: u32) -> Self {
        VehicleType {
            name: "26 ft box truck".to_string(),
            capacity_pallets: 12,
            capacity_lb: 10_000,
            count,
            depot,
            fixed_cost_cents: 0,
            cost_per_mile_cents: BOX_TRUCK_CENTS_PER_MILE,
            cost_per_hour_cents: ATRI_2023_DRIVER_CENTS_PER_HOUR,
        }
    }
}

impl Travel {
    /// The default great-circle model: [`crate::travel::DEFAULT_CIRCUITY`] at
    /// [`crate::travel::DEFAULT_AVERAGE_SPEED_MPH`].
    pub fn great_circle_default() -> Self {
        Travel::GreatCircle {
            circuity: crate::travel::DEFAULT_CIRCUITY,
            average_speed_mph: crate::travel::DEFAULT_AVERAGE_SPEED_MPH,
        }
    }
}

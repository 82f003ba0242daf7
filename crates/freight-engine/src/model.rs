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
    /// Seed for the search's random choices: the same request and seed give the same plan.
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

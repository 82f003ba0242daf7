//! Re-evaluating a route or a plan independently of the solver: timing, loads, miles, cost, and
//! the cost of a coalition's part of a plan.
//!
//! A route is one truck's driver day: it leaves its depot, visits pickups and deliveries in the
//! given order and returns to the depot, all within one calendar day of the horizon (minute 0 is
//! 00:00 of the first day; day `d` runs from minute `1440 d` to `1440 (d + 1)`, cut to the
//! horizon). One route per truck per day follows from the hours-of-service rules the engine
//! applies: at most 14 h on duty and then 10 consecutive hours off (49 CFR 395.3(a)(1)-(2)),
//! 24 h in all.
//!
//! Timing is in whole minutes with each leg's driving time rounded up
//! ([`crate::travel::Leg::whole_minutes`]). The truck waits when it arrives before a window opens;
//! it may not arrive after a window closes. The departure from the depot is put off as late as it
//! can be without making any stop later than its window allows (Savelsbergh's forward time
//! slack), so waiting at the first stops turns into a later start and duty time is the least the
//! stop order allows.
//!
//! Cost of a route, cents: `fixed_cost_cents + round(cost_per_mile_cents x miles +
//! cost_per_hour_cents x duty_minutes / 60)`.

use crate::model::{Plan, PlanRequest, Route, Shipment, Stop, StopKind};
use crate::travel::{delivery_index, depot_index, pickup_index, TravelModel};
use std::collections::HashMap;

/// Minutes in a day.
pub const MINUTES_PER_DAY: u32 = 1440;

/// The driver day `day` of the horizon as `(first minute, last minute)`, or `None` when the day
/// does not overlap the horizon (or overlaps it in a single instant).
pub fn day_window(request: &PlanRequest, day: u32) -> Option<(u32, u32)> {
    let lo = request.horizon.open_minute.max(day.saturating_mul(MINUTES_PER_DAY));
    let hi = request.horizon.close_minute.min(day.saturating_add(1).saturating_mul(MINUTES_PER_DAY));
    (lo < hi).then_some((lo, hi))
}

/// The driver days the horizon touches, in order.
pub fn horizon_days(request: &PlanRequest) -> Vec<u32> {
    if request.horizon.close_minute <= request.horizon.open_minute {
        return Vec::new();
    }
    let first = request.horizon.open_minute / MINUTES_PER_DAY;
    let last = (request.horizon.close_minute - 1) / MINUTES_PER_DAY;
    (first..=last).filter(|d| day_window(request, *d).is_some()).collect()
}

/// The driver day a route runs on (the day of its departure from the depot).
pub fn route_day(route: &Route) -> u32 {
    route.stops.first().map(|s| s.departure_minute / MINUTES_PER_DAY).unwrap_or(0)
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// A minute of the horizon in words, e.g. `Tue 14:05` (minute 0 is Monday 00:00; from the eighth
/// day on the week is added: `Mon 08:00 (week 2)`).
pub fn format_minute(minute: i64) -> String {
    let m = minute.max(0);
    let day = m / 1440;
    let name = WEEKDAYS[(day % 7) as usize];
    let hm = format!("{:02}:{:02}", (m % 1440) / 60, m % 60);
    if day >= 7 {
        format!("{name} {hm} (week {})", day / 7 + 1)
    } else {
        format!("{name} {hm}")
    }
}

/// Minutes as hours with one decimal, e.g. `6.2 h`.
pub fn format_hours(minutes: f64) -> String {
    format!("{:.1} h", minutes / 60.0)
}

struct Visit {
    shipment: usize,
    kind: StopKind,
    place: usize,
    open: i64,
    close: i64,
    service: i64,
}

struct Pass {
    arrivals: Vec<i64>,
    starts: Vec<i64>,
    ret: i64,
}

fn forward(travel: &TravelModel, depot: usize, visits: &[Visit], depart: i64) -> Pass {
    let mut t = depart;
    let mut at = depot;
    let mut arrivals = Vec::with_capacity(visits.len());
    let mut starts = Vec::with_capacity(visits.len());
    for v in visits {
        let arrival = t + i64::from(travel.leg(at, v.place).whole_minutes());
        let start = arrival.max(v.open);
        arrivals.push(arrival);
        starts.push(start);
        t = start + v.service;
        at = v.place;
    }
    let ret = t + i64::from(travel.leg(at, depot).whole_minutes());
    Pass { arrivals, starts, ret }
}

/// The outcome of scheduling a stop sequence: the route as driven and every rule it breaks.
struct Evaluated {
    route: Route,
    violations: Vec<String>,
}

fn schedule(
    request: &PlanRequest,
    travel: &TravelModel,
    vehicle_type: usize,
    sequence: &[(usize, StopKind)],
    day: u32,
) -> Result<Evaluated, String> {
    let vt = request
        .fleet
        .get(vehicle_type)
        .ok_or_else(|| format!("vehicle type {vehicle_type} is not in the fleet"))?;
    let (lo, hi) = day_window(request, day).ok_or_else(|| format!("day {day} is outside the horizon"))?;
    if sequence.is_empty() {
        return Err("a route needs at least one shipment".to_string());
    }
    // Structure: every shipment picked up once, then delivered once.
    let mut state: HashMap<usize, StopKind> = HashMap::new();
    let mut visits = Vec::with_capacity(sequence.len());
    for &(s, kind) in sequence {
        let sh = request.shipments.get(s).ok_or_else(|| format!("shipment index {s} is not in the request"))?;
        match (kind, state.get(&s)) {
            (StopKind::Pickup, None) => {
                state.insert(s, StopKind::Pickup);
                visits.push(Visit {
                    shipment: s,
                    kind,
                    place: pickup_index(request, s),
                    open: i64::from(sh.pickup_window.open_minute),
                    close: i64::from(sh.pickup_window.close_minute),
                    service: i64::from(sh.pickup_service_minutes),
                });
            }
            (StopKind::Delivery, Some(StopKind::Pickup)) => {
                state.insert(s, StopKind::Delivery);
                visits.push(Visit {
                    shipment: s,
                    kind,
                    place: delivery_index(request, s),
                    open: i64::from(sh.delivery_window.open_minute),
                    close: i64::from(sh.delivery_window.close_minute),
                    service: i64::from(sh.delivery_service_minutes),
                });
            }
            (StopKind::Delivery, None) => return Err(format!("shipment {} is delivered before it is picked up", sh.id)),
            (StopKind::Pickup, Some(_)) => return Err(format!("shipment {} is picked up twice", sh.id)),
            (StopKind::Delivery, Some(_)) => return Err(format!("shipment {} is delivered twice", sh.id)),
            (StopKind::Departure | StopKind::Return, _) => {
                return Err("depot stops are added by the evaluator; give only pickups and deliveries".to_string())
            }
        }
    }
    if let Some((&s, _)) = state.iter().find(|(_, k)| **k == StopKind::Pickup) {
        return Err(format!("shipment {} is picked up but never delivered", request.shipments[s].id));
    }
    let depot = depot_index(vehicle_type);

    // Earliest departure, then put the departure off by the forward time slack.
    let first = forward(travel, depot, &visits, i64::from(lo));
    let mut total_wait = 0i64;
    let mut slack = i64::MAX;
    for (i, v) in visits.iter().enumerate() {
        // Waiting before this stop's arrival absorbs a later start.
        slack = slack.min(v.close - first.arrivals[i] + total_wait);
        total_wait += first.starts[i] - first.arrivals[i];
    }
    // The return constraint is relaxed by all the waiting on the way.
    slack = slack.min(i64::from(hi) - first.ret + total_wait);
    let shift = slack.min(total_wait).max(0);
    let pass = if shift > 0 { forward(travel, depot, &visits, i64::from(lo) + shift) } else { first };
    let depart = i64::from(lo) + shift;

    let mut violations = Vec::new();
    let mut stops = Vec::with_capacity(visits.len() + 2);
    let depot_place = &vt.depot;
    let as_minute = |m: i64| -> u32 { m.clamp(0, i64::from(u32::MAX)) as u32 };
    stops.push(Stop {
        kind: StopKind::Departure,
        shipment_id: None,
        place: depot_place.clone(),
        arrival_minute: as_minute(depart),
        departure_minute: as_minute(depart),
        load_pallets: 0,
        load_lb: 0,
    });
    let (mut pallets, mut lb) = (0i64, 0i64);
    let mut miles = 0.0;
    let mut driving = 0i64;
    let mut at = depot;
    for (i, v) in visits.iter().enumerate() {
        let sh = &request.shipments[v.shipment];
        let leg = travel.leg(at, v.place);
        miles += leg.miles;
        driving += i64::from(leg.whole_minutes());
        at = v.place;
        let what = if v.kind == StopKind::Pickup { "pickup" } else { "delivery" };
        if pass.arrivals[i] > v.close {
            violations.push(format!(
                "arrives at the {what} of shipment {} at {}, after its window closes at {}",
                sh.id,
                format_minute(pass.arrivals[i]),
                format_minute(v.close)
            ));
        }
        if v.kind == StopKind::Pickup {
            pallets += i64::from(sh.pallets);
            lb += i64::from(sh.weight_lb);
            if pallets > i64::from(vt.capacity_pallets) {
                violations.push(format!(
                    "after the pickup of shipment {} the truck holds {pallets} pallets; a {} takes {}",
                    sh.id, vt.name, vt.capacity_pallets
                ));
            }
            if lb > i64::from(vt.capacity_lb) {
                violations.push(format!(
                    "after the pickup of shipment {} the truck holds {lb} lb; a {} takes {} lb",
                    sh.id, vt.name, vt.capacity_lb
                ));
            }
        } else {
            pallets -= i64::from(sh.pallets);
            lb -= i64::from(sh.weight_lb);
        }
        stops.push(Stop {
            kind: v.kind,
            shipment_id: Some(sh.id.clone()),
            place: if v.kind == StopKind::Pickup { sh.pickup.clone() } else { sh.delivery.clone() },
            arrival_minute: as_minute(pass.arrivals[i]),
            departure_minute: as_minute(pass.starts[i] + v.service),
            load_pallets: pallets.max(0) as u32,
            load_lb: lb.max(0) as u32,
        });
    }
    let back = travel.leg(at, depot);
    miles += back.miles;
    driving += i64::from(back.whole_minutes());
    stops.push(Stop {
        kind: StopKind::Return,
        shipment_id: None,
        place: depot_place.clone(),
        arrival_minute: as_minute(pass.ret),
        departure_minute: as_minute(pass.ret),
        load_pallets: 0,
        load_lb: 0,
    });
    if pass.ret > i64::from(hi) {
        let end = if i64::from(hi) == i64::from(request.horizon.close_minute) {
            "the planning horizon closes"
        } else {
            "the driver day ends"
        };
        violations.push(format!(
            "returns to the depot at {}, after {end} at {}",
            format_minute(pass.ret),
            format_minute(i64::from(hi))
        ));
    }
    let limits = request.driver_limits;
    if driving > i64::from(limits.max_driving_minutes) {
        violations.push(format!(
            "drives {} ({:.0} mi), over the {} driving limit",
            format_hours(driving as f64),
            miles,
            format_hours(f64::from(limits.max_driving_minutes))
        ));
    }
    let duty = pass.ret - depart;
    if duty > i64::from(limits.max_duty_minutes) {
        violations.push(format!(
            "is on duty {}, over the {} duty window",
            format_hours(duty as f64),
            format_hours(f64::from(limits.max_duty_minutes))
        ));
    }
    let cost_cents = route_cost_cents(request, vehicle_type, miles, duty as f64);
    Ok(Evaluated {
        route: Route {
            vehicle_type,
            vehicle_number: 0,
            stops,
            miles,
            driving_minutes: driving as f64,
            duty_minutes: duty as f64,
            cost_cents,
        },
        violations,
    })
}

/// Cost of one route of vehicle type `vehicle_type`, cents: fixed + per mile x `miles` + per hour
/// x `duty_minutes` / 60, the variable part rounded to the nearest cent once. 0 when the vehicle
/// type does not exist.
pub fn route_cost_cents(request: &PlanRequest, vehicle_type: usize, miles: f64, duty_minutes: f64) -> i64 {
    let Some(vt) = request.fleet.get(vehicle_type) else { return 0 };
    let variable = vt.cost_per_mile_cents as f64 * miles + vt.cost_per_hour_cents as f64 * duty_minutes / 60.0;
    vt.fixed_cost_cents + variable.round() as i64
}

/// Schedules `shipment_sequence` (shipment index into `request.shipments`, and `Pickup` or
/// `Delivery`) on one truck of type `vehicle_type` on driver day `day` and checks it.
///
/// `travel` must be built over [`crate::travel::request_places`] of `request`
/// ([`TravelModel::for_request`]). Returns the route (depot departure and return stops added,
/// `vehicle_number` 0) or, when a window, the capacity, the day's end, the driving limit or the
/// duty limit is broken, every broken rule in words joined by "; ". A malformed sequence
/// (delivery before pickup, a shipment twice or never delivered, depot stops given, an unknown
/// index) is also an `Err`.
pub fn evaluate_route_on_day(
    request: &PlanRequest,
    travel: &TravelModel,
    vehicle_type: usize,
    day: u32,
    shipment_sequence: &[(usize, StopKind)],
) -> Result<Route, String> {
    let e = schedule(request, travel, vehicle_type, shipment_sequence, day)?;
    if e.violations.is_empty() {
        Ok(e.route)
    } else {
        Err(e.violations.join("; "))
    }
}

/// Like [`evaluate_route_on_day`] on the first driver day of the horizon on which the sequence is
/// feasible. When no day is, the error is the one for the day on which the first pickup's window
/// opens (or the horizon's first day).
pub fn evaluate_route(
    request: &PlanRequest,
    travel: &TravelModel,
    vehicle_type: usize,
    shipment_sequence: &[(usize, StopKind)],
) -> Result<Route, String> {
    let days = horizon_days(request);
    if days.is_empty() {
        return Err("the planning horizon is empty".to_string());
    }
    let mut errors = Vec::new();
    for &day in &days {
        match evaluate_route_on_day(request, travel, vehicle_type, day, shipment_sequence) {
            Ok(route) => return Ok(route),
            Err(e) => errors.push((day, e)),
        }
    }
    let preferred = shipment_sequence
        .first()
        .and_then(|(s, _)| request.shipments.get(*s))
        .map(|s| s.pickup_window.open_minute / MINUTES_PER_DAY)
        .unwrap_or(days[0]);
    let pick = errors.iter().position(|(d, _)| *d == preferred).unwrap_or(0);
    Err(errors.swap_remove(pick).1)
}

/// Cost, cents, of the plan's own routes keeping only the stops of shipments for which `include`
/// is true, in the same order, on the same truck type and day; routes left with no stops cost
/// nothing. `coalition_cost_cents(r, p, &|_| true)` is `p.total_cost_cents` and
/// `coalition_cost_cents(r, p, &|_| false)` is 0.
///
/// This is how a coalition of members is valued: what the plan's trucks would cost if they
/// carried only the coalition's shipments without re-planning. Assumption: dropping stops never
/// makes a route infeasible. That holds when travel satisfies the triangle inequality (true for
/// the great-circle model: every leg is the same multiple of a metric distance), since each
/// remaining stop is then reached no later than before and the day, driving and duty totals only
/// shrink. A user matrix need not satisfy it; then the reduced route is costed as driven even if a
/// stop is now reached after its window closes (miles and duty of the remaining stops are summed
/// all the same), so the value stays defined.
///
/// Stops naming a shipment id that is not in `request`, and routes whose vehicle type or travel
/// cannot be evaluated, are skipped.
pub fn coalition_cost_cents(request: &PlanRequest, plan: &Plan, include: &dyn Fn(&Shipment) -> bool) -> i64 {
    let Ok(travel) = TravelModel::for_request(request) else { return 0 };
    coalition_cost_with(request, &travel, plan, include)
}

/// [`coalition_cost_cents`] with a travel model already built over
/// [`crate::travel::request_places`] of `request` (for callers that value many coalitions).
pub fn coalition_cost_with(
    request: &PlanRequest,
    travel: &TravelModel,
    plan: &Plan,
    include: &dyn Fn(&Shipment) -> bool,
) -> i64 {
    let index: HashMap<&str, usize> =
        request.shipments.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut total = 0;
    for route in &plan.routes {
        let sequence: Vec<(usize, StopKind)> = route
            .stops
            .iter()
            .filter(|s| matches!(s.kind, StopKind::Pickup | StopKind::Delivery))
            .filter_map(|s| {
                let i = *index.get(s.shipment_id.as_deref()?)?;
                include(&request.shipments[i]).then_some((i, s.kind))
            })
            .collect();
        if sequence.is_empty() {
            continue;
        }
        if let Ok(e) = schedule(request, travel, route.vehicle_type, &sequence, route_day(route)) {
            total += e.route.cost_cents;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;

    fn place(name: &str, lat: f64, lon: f64) -> Place {
        Place { name: name.into(), latitude: lat, longitude: lon }
    }

    fn shipment(id: &str, from: Place, to: Place, pickup: (u32, u32), delivery: (u32, u32)) -> Shipment {
        Shipment {
            id: id.into(),
            member: "m".into(),
            pickup: from,
            delivery: to,
            pallets: 10,
            weight_lb: 10_000,
            pickup_window: TimeWindow { open_minute: pickup.0, close_minute: pickup.1 },
            delivery_window: TimeWindow { open_minute: delivery.0, close_minute: delivery.1 },
            pickup_service_minutes: 30,
            delivery_service_minutes: 30,
        }
    }

    fn request(shipments: Vec<Shipment>) -> PlanRequest {
        PlanRequest {
            shipments,
            fleet: vec![VehicleType::dry_van_53ft(place("Kingman", 35.1894, -114.053), 2)],
            driver_limits: DriverLimits::default(),
            travel: Travel::great_circle_default(),
            horizon: TimeWindow { open_minute: 0, close_minute: 5 * 1440 },
            max_seconds: 1.0,
            seed: 1,
        }
    }

    #[test]
    fn formats_minutes_and_hours() {
        assert_eq!(format_minute(0), "Mon 00:00");
        assert_eq!(format_minute(1440 + 14 * 60 + 5), "Tue 14:05");
        assert_eq!(format_minute(7 * 1440 + 480), "Mon 08:00 (week 2)");
        assert_eq!(format_hours(372.0), "6.2 h");
    }

    #[test]
    fn departure_is_put_off_to_meet_the_first_window() {
        let kingman = place("Kingman", 35.1894, -114.053);
        let havasu = place("Lake Havasu City", 34.4839, -114.3225);
        // Tuesday: pick up at Kingman 08:00-09:00, deliver at Havasu by 12:00.
        let r = request(vec![shipment("a", kingman.clone(), havasu, (1440 + 480, 1440 + 540), (1440 + 480, 1440 + 720))]);
        let t = TravelModel::for_request(&r).unwrap();
        let route = evaluate_route(&r, &t, 0, &[(0, StopKind::Pickup), (0, StopKind::Delivery)]).unwrap();
        assert_eq!(route_day(&route), 1);
        // Pickup is at the depot: leave at 08:00, no waiting.
        assert_eq!(route.stops[0].departure_minute, 1440 + 480);
        assert_eq!(route.stops[1].arrival_minute, 1440 + 480);
        assert_eq!(route.stops[1].departure_minute, 1440 + 510);
        assert_eq!(route.stops[1].load_pallets, 10);
        assert_eq!(route.stops[2].load_pallets, 0);
        let leg = t.leg(1, 2);
        assert_eq!(route.stops[2].arrival_minute, 1440 + 510 + leg.whole_minutes());
        let expected_miles = 2.0 * leg.miles;
        assert!((route.miles - expected_miles).abs() < 1e-9);
        let duty = f64::from(route.stops[3].arrival_minute - route.stops[0].departure_minute);
        assert_eq!(route.duty_minutes, duty);
        assert_eq!(route.cost_cents, (130.0 * expected_miles + 3887.0 * duty / 60.0).round() as i64);
    }

    #[test]
    fn reports_a_late_arrival_and_capacity() {
        let kingman = place("Kingman", 35.1894, -114.053);
        let phoenix = place("Phoenix", 33.4484, -112.074);
        let mut s = shipment("late", kingman.clone(), phoenix.clone(), (480, 540), (480, 600));
        s.pallets = 20;
        let mut s2 = shipment("big", kingman, phoenix, (480, 540), (480, 1200));
        s2.pallets = 10;
        let r = request(vec![s, s2]);
        let t = TravelModel::for_request(&r).unwrap();
        let e = evaluate_route_on_day(
            &r,
            &t,
            0,
            0,
            &[(0, StopKind::Pickup), (1, StopKind::Pickup), (0, StopKind::Delivery), (1, StopKind::Delivery)],
        )
        .unwrap_err();
        assert!(e.contains("holds 30 pallets; a 53 ft dry van takes 26"), "{e}");
        assert!(e.contains("arrives at the delivery of shipment late at Mon"), "{e}");
        assert!(e.contains("after its window closes at Mon 10:00"), "{e}");
    }

    #[test]
    fn malformed_sequences_are_errors() {
        let kingman = place("Kingman", 35.1894, -114.053);
        let phoenix = place("Phoenix", 33.4484, -112.074);
        let r = request(vec![shipment("a", kingman, phoenix, (0, 1440), (0, 1440))]);
        let t = TravelModel::for_request(&r).unwrap();
        assert!(evaluate_route(&r, &t, 0, &[(0, StopKind::Delivery)]).unwrap_err().contains("before it is picked up"));
        assert!(evaluate_route(&r, &t, 0, &[(0, StopKind::Pickup)]).unwrap_err().contains("never delivered"));
        assert!(evaluate_route(&r, &t, 0, &[]).is_err());
    }
}

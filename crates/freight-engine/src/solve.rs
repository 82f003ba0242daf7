//! Planning: a [`PlanRequest`] becomes a vrp-pragmatic problem, is solved by vrp-core's
//! metaheuristic, and the solution becomes a [`Plan`] with timed stops, loads, miles and cost.
//!
//! How the request is put to the library (vrp-pragmatic / vrp-core 1.25):
//! - each shipment is one job with a pickup task and a delivery task, demand `[pallets, lb]`, the
//!   two time windows and the service minutes; the library keeps both on one truck, pickup first;
//! - each truck is a pragmatic vehicle with capacity `[pallets, lb]`, costs
//!   `{fixed, distance, time}` and at most one shift per driver day of the horizon (see
//!   [`crate::evaluate`]), so it runs at most one route a day, from and back to its depot;
//! - hours of service, 14 h duty window: a shift is itself a duty window. For each day the engine
//!   takes the span in which that day's shipments can need a truck (from leaving the depot to
//!   reach the earliest pickup opening, to returning from the latest delivery close); when the
//!   span is no longer than the duty limit every truck's shift is the span, otherwise each truck's
//!   shift is a duty-limit-long window, the trucks of a type staggered evenly from the start of the
//!   span to its end (one truck: the start). The library's own `maxDuration` is not used: in
//!   vrp-core 1.25 it counts waiting from the shift's start before the departure is moved later,
//!   which wrongly refuses routes whose first pickup opens hours after the shift starts. The
//!   evaluator checks duty again (with the departure moved as late as the windows allow);
//! - hours of service, 11 h driving limit: enforced exactly by giving the library, as its
//!   "distance" between two places, the driving time in seconds (whole minutes x 60), and
//!   `maxDistance` = the driving limit in
//!   seconds. Road miles are not lost: the per-mile cost is passed as a cost per driving second
//!   (`cost_per_mile x miles / seconds`, the ratio over the legs of this request; exact for the
//!   great-circle model, where time is proportional to miles, and an average for a user matrix).
//!   The solver's own costs only steer the search: every route is re-evaluated by
//!   [`crate::evaluate`], which computes miles, times and cost from the travel model;
//! - the objectives are, in order, fewest unassigned shipments, then least cost;
//! - the travel matrix is computed here from the [`TravelModel`] (one routing profile, "truck").
//!
//! Before solving, each shipment is tried alone (depot -> pickup -> delivery -> depot on each
//! truck type and day): one that can never be served is reported with the reason and its numbers
//! and not given to the solver. Shipments the solver leaves out get its reason codes in plain
//! words. Every shipment of the request ends up in exactly one route or in `unassigned`.
//!
//! Reproducibility: vrp-core 1.25's random numbers come from a per-thread generator that cannot
//! be seeded per run, and the search runs on several threads against the wall-clock budget, so
//! `PlanRequest::seed` does not make runs repeatable; see its doc.

use crate::evaluate::{
    day_window, evaluate_route, evaluate_route_on_day, format_hours, format_minute, horizon_days,
};
use crate::model::{InputError, Plan, PlanRequest, Route, StopKind, Travel, Unassigned};
use crate::travel::{delivery_index, depot_index, pickup_index, request_places, TravelModel};
use std::collections::{HashMap, HashSet};
use std::io::{BufReader, BufWriter};
use std::sync::Arc;
use std::time::{Duration, Instant};
use vrp_core::prelude::Solver;
use vrp_core::rosomaxa::evolution::TelemetryMode;
use vrp_core::solver::{MaxGenerationTermination, MaxTimeTermination, TargetCompositeTermination, VrpConfigBuilder};
use vrp_core::utils::{DefaultRandom, Environment, Parallelism, TimeQuota};
use vrp_pragmatic::format::problem as api;
use vrp_pragmatic::format::solution::{deserialize_solution, write_pragmatic, PragmaticOutputType};
use vrp_pragmatic::format::Location;

/// Most generations the search runs even when time is left (the library's own default).
pub const MAX_GENERATIONS: usize = 3000;

/// Longest search budget accepted, seconds.
pub const MAX_SECONDS_LIMIT: f64 = 3600.0;

const PROFILE: &str = "truck";

fn input_error(shipment: Option<&str>, field: impl Into<String>, reason: impl Into<String>) -> InputError {
    InputError { shipment_id: shipment.map(str::to_string), field: field.into(), reason: reason.into() }
}

fn check_coordinates(errors: &mut Vec<InputError>, shipment: Option<&str>, prefix: &str, lat: f64, lon: f64) {
    if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
        errors.push(input_error(shipment, format!("{prefix}.latitude"), format!("{lat} is not a latitude (-90 to 90)")));
    }
    if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
        errors.push(input_error(
            shipment,
            format!("{prefix}.longitude"),
            format!("{lon} is not a longitude (-180 to 180)"),
        ));
    }
}

/// Checks a request before planning and returns every problem found, each naming the shipment
/// (when there is one) and the field:
/// - `max_seconds` not a number above 0 or above [`MAX_SECONDS_LIMIT`];
/// - `horizon` that closes at or before it opens; driver limits of 0 minutes, or more driving
///   than duty minutes;
/// - `fleet` empty or with no trucks at all (every `count` 0); per vehicle type
///   (`fleet[i].…`): zero or oversized capacity, negative costs, no cost per mile nor per hour,
///   bad depot coordinates, a depot not in the travel matrix;
/// - travel: circuity below 1, speed not above 0, matrix rows with negative or non-finite values,
///   duplicate pairs, a missing pair of places (field `travel…`);
/// - per shipment: empty or duplicate `id`, empty `member`, `pallets` or `weight_lb` of 0 or more
///   than the largest truck carries, a `pickup_window` or `delivery_window` that closes before it
///   opens, bad `pickup.latitude` etc., a `pickup.name` / `delivery.name` not in the matrix.
pub fn validate(request: &PlanRequest) -> Result<(), Vec<InputError>> {
    let mut errors = Vec::new();
    if !request.max_seconds.is_finite() || request.max_seconds <= 0.0 || request.max_seconds > MAX_SECONDS_LIMIT {
        errors.push(input_error(
            None,
            "max_seconds",
            format!("{} is not allowed: the search budget must be above 0 and at most {MAX_SECONDS_LIMIT} seconds", request.max_seconds),
        ));
    }
    let h = request.horizon;
    if h.close_minute <= h.open_minute {
        errors.push(input_error(
            None,
            "horizon",
            format!(
                "closes at minute {} ({}), not after it opens at minute {} ({})",
                h.close_minute,
                format_minute(i64::from(h.close_minute)),
                h.open_minute,
                format_minute(i64::from(h.open_minute))
            ),
        ));
    }
    let limits = request.driver_limits;
    if limits.max_driving_minutes == 0 {
        errors.push(input_error(None, "driver_limits.max_driving_minutes", "must be at least 1 minute"));
    }
    if limits.max_duty_minutes == 0 {
        errors.push(input_error(None, "driver_limits.max_duty_minutes", "must be at least 1 minute"));
    }
    if limits.max_driving_minutes > limits.max_duty_minutes {
        errors.push(input_error(
            None,
            "driver_limits.max_driving_minutes",
            format!(
                "{} min of driving cannot fit in a {} min duty window",
                limits.max_driving_minutes, limits.max_duty_minutes
            ),
        ));
    }

    // Fleet.
    if request.fleet.is_empty() {
        errors.push(input_error(None, "fleet", "no vehicle types: at least one truck is needed"));
    } else if request.fleet.iter().all(|v| v.count == 0) {
        errors.push(input_error(None, "fleet", "every vehicle type has count 0: at least one truck is needed"));
    }
    let matrix_names: Option<HashSet<&str>> = match &request.travel {
        Travel::Matrix(m) => Some(m.rows.iter().flat_map(|r| [r.from.as_str(), r.to.as_str()]).collect()),
        Travel::GreatCircle { .. } => None,
    };
    let mut unknown_names: HashSet<&str> = HashSet::new();
    for (i, v) in request.fleet.iter().enumerate() {
        let f = |name: &str| format!("fleet[{i}].{name}");
        for (name, value) in [("capacity_pallets", v.capacity_pallets), ("capacity_lb", v.capacity_lb)] {
            if value == 0 {
                errors.push(input_error(None, f(name), "must be at least 1"));
            } else if value > i32::MAX as u32 {
                errors.push(input_error(None, f(name), format!("{value} is implausibly large")));
            }
        }
        for (name, value) in [
            ("fixed_cost_cents", v.fixed_cost_cents),
            ("cost_per_mile_cents", v.cost_per_mile_cents),
            ("cost_per_hour_cents", v.cost_per_hour_cents),
        ] {
            if value < 0 {
                errors.push(input_error(None, f(name), format!("{value} is negative")));
            }
        }
        if v.cost_per_mile_cents == 0 && v.cost_per_hour_cents == 0 {
            errors.push(input_error(
                None,
                f("cost_per_mile_cents"),
                "a truck with no cost per mile and no cost per hour gives the planner nothing to minimize",
            ));
        }
        check_coordinates(&mut errors, None, &f("depot"), v.depot.latitude, v.depot.longitude);
        if let Some(names) = &matrix_names {
            if !names.contains(v.depot.name.as_str()) {
                unknown_names.insert(v.depot.name.as_str());
                errors.push(input_error(
                    None,
                    f("depot.name"),
                    format!("place '{}' is not in the travel matrix", v.depot.name),
                ));
            }
        }
    }
    let max_pallets = request.fleet.iter().filter(|v| v.count > 0).map(|v| v.capacity_pallets).max().unwrap_or(0);
    let max_lb = request.fleet.iter().filter(|v| v.count > 0).map(|v| v.capacity_lb).max().unwrap_or(0);
    let biggest = |key: fn(&crate::model::VehicleType) -> u32| {
        request.fleet.iter().filter(|v| v.count > 0).max_by_key(|v| key(v)).map(|v| v.name.clone()).unwrap_or_default()
    };

    // Shipments.
    let mut seen_ids: HashMap<&str, usize> = HashMap::new();
    for (i, s) in request.shipments.iter().enumerate() {
        let sid = if s.id.is_empty() { format!("#{}", i + 1) } else { s.id.clone() };
        let sid = Some(sid.as_str());
        if s.id.trim().is_empty() {
            errors.push(input_error(sid, "id", "is empty"));
        } else if let Some(first) = seen_ids.get(s.id.as_str()) {
            errors.push(input_error(sid, "id", format!("is also the id of shipment number {}", first + 1)));
        } else {
            seen_ids.insert(s.id.as_str(), i);
        }
        if s.member.trim().is_empty() {
            errors.push(input_error(sid, "member", "is empty: savings are shared per member"));
        }
        if s.pallets == 0 {
            errors.push(input_error(sid, "pallets", "is 0: a shipment takes at least one pallet position"));
        } else if max_pallets > 0 && s.pallets > max_pallets {
            errors.push(input_error(
                sid,
                "pallets",
                format!(
                    "{} pallets is more than any truck carries: the largest, the {}, takes {max_pallets}",
                    s.pallets,
                    biggest(|v| v.capacity_pallets)
                ),
            ));
        }
        if s.weight_lb == 0 {
            errors.push(input_error(sid, "weight_lb", "is 0: give the gross weight in pounds"));
        } else if max_lb > 0 && s.weight_lb > max_lb {
            errors.push(input_error(
                sid,
                "weight_lb",
                format!(
                    "{} lb is heavier than any truck carries: the largest payload, the {}'s, is {max_lb} lb",
                    s.weight_lb,
                    biggest(|v| v.capacity_lb)
                ),
            ));
        }
        for (name, w) in [("pickup_window", s.pickup_window), ("delivery_window", s.delivery_window)] {
            if w.close_minute < w.open_minute {
                errors.push(input_error(
                    sid,
                    name,
                    format!(
                        "closes at minute {} ({}) before it opens at minute {} ({})",
                        w.close_minute,
                        format_minute(i64::from(w.close_minute)),
                        w.open_minute,
                        format_minute(i64::from(w.open_minute))
                    ),
                ));
            }
        }
        for (prefix, p) in [("pickup", &s.pickup), ("delivery", &s.delivery)] {
            check_coordinates(&mut errors, sid, prefix, p.latitude, p.longitude);
            if p.name.trim().is_empty() && matrix_names.is_some() {
                errors.push(input_error(sid, format!("{prefix}.name"), "is empty: the travel matrix is keyed by place name"));
            } else if let Some(names) = &matrix_names {
                if !names.contains(p.name.as_str()) {
                    unknown_names.insert(p.name.as_str());
                    errors.push(input_error(
                        sid,
                        format!("{prefix}.name"),
                        format!("place '{}' is not in the travel matrix", p.name),
                    ));
                }
            }
        }
    }

    // Travel: parameters, matrix rows and missing pairs (unknown places are already named above).
    let coordinates_ok = !errors.iter().any(|e| e.field.ends_with("latitude") || e.field.ends_with("longitude"));
    if coordinates_ok || matches!(request.travel, Travel::Matrix(_)) {
        if let Err(travel_errors) = TravelModel::new(&request.travel, &request_places(request)) {
            errors.extend(travel_errors.into_iter().filter(|e| {
                !unknown_names.iter().any(|n| e.reason == format!("place '{n}' is not in the travel matrix"))
            }));
        }
    } else if let Travel::GreatCircle { .. } = request.travel {
        // Coordinates are wrong: still check the travel parameters, on no places.
        if let Err(travel_errors) = TravelModel::new(&request.travel, &[]) {
            errors.extend(travel_errors);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Why shipment `s` cannot be served by any truck even alone, or `None` when some truck type can
/// carry it on its own on some day of the horizon. The reason gives the numbers, e.g. "delivery
/// window closes before the truck can arrive from the pickup: 312 mi needs 6.2 h, window is
/// 4.0 h".
pub fn why_never_served(request: &PlanRequest, travel: &TravelModel, s: usize) -> Option<String> {
    let sh = &request.shipments[s];
    let fitting: Vec<usize> = request
        .fleet
        .iter()
        .enumerate()
        .filter(|(_, v)| v.count > 0 && v.capacity_pallets >= sh.pallets && v.capacity_lb >= sh.weight_lb)
        .map(|(i, _)| i)
        .collect();
    if fitting.is_empty() {
        let types: Vec<String> = request
            .fleet
            .iter()
            .filter(|v| v.count > 0)
            .map(|v| format!("the {} takes {} pallets and {} lb", v.name, v.capacity_pallets, v.capacity_lb))
            .collect();
        return Some(format!(
            "no truck carries both its {} pallets and {} lb: {}",
            sh.pallets,
            sh.weight_lb,
            types.join("; ")
        ));
    }
    let h = request.horizon;
    let (pw, dw) = (sh.pickup_window, sh.delivery_window);
    if pw.close_minute < h.open_minute {
        return Some(format!(
            "pickup window closes at {}, before the planning horizon opens at {}",
            format_minute(i64::from(pw.close_minute)),
            format_minute(i64::from(h.open_minute))
        ));
    }
    if dw.open_minute >= h.close_minute || pw.open_minute >= h.close_minute {
        let (what, w) = if pw.open_minute >= h.close_minute { ("pickup", pw) } else { ("delivery", dw) };
        return Some(format!(
            "{what} window opens at {}, when the planning horizon has closed ({})",
            format_minute(i64::from(w.open_minute)),
            format_minute(i64::from(h.close_minute))
        ));
    }
    let (p, d) = (pickup_index(request, s), delivery_index(request, s));
    let direct = travel.leg(p, d);
    let earliest_at_delivery =
        i64::from(pw.open_minute) + i64::from(sh.pickup_service_minutes) + i64::from(direct.whole_minutes());
    if earliest_at_delivery > i64::from(dw.close_minute) {
        let window = i64::from(dw.close_minute) - i64::from(pw.open_minute) - i64::from(sh.pickup_service_minutes);
        let loading = if sh.pickup_service_minutes > 0 {
            format!(" after {} min loading", sh.pickup_service_minutes)
        } else {
            String::new()
        };
        return Some(if window < 0 {
            format!(
                "delivery window closes at {}, before the load can leave the pickup (its window opens at {} and loading takes {} min)",
                format_minute(i64::from(dw.close_minute)),
                format_minute(i64::from(pw.open_minute)),
                sh.pickup_service_minutes
            )
        } else {
            format!(
                "delivery window closes before the truck can arrive from the pickup: {:.0} mi needs {}, window is {} (from the pickup window opening{loading} to the delivery window closing)",
                direct.miles,
                format_hours(f64::from(direct.whole_minutes())),
                format_hours(window as f64)
            )
        });
    }
    let limits = request.driver_limits;
    let trip = |vt: usize| {
        let depot = depot_index(vt);
        let legs = [travel.leg(depot, p), direct, travel.leg(d, depot)];
        let minutes: u64 = legs.iter().map(|l| u64::from(l.whole_minutes())).sum();
        let miles: f64 = legs.iter().map(|l| l.miles).sum();
        (minutes, miles, vt)
    };
    let (min_drive, miles, vt) = fitting.iter().map(|&vt| trip(vt)).min_by_key(|t| t.0).unwrap_or((0, 0.0, 0));
    if min_drive > u64::from(limits.max_driving_minutes) {
        return Some(format!(
            "the round trip from the {} depot at {} through pickup and delivery is {:.0} mi, {} of driving; a driver may drive {} a day",
            request.fleet[vt].name,
            request.fleet[vt].depot.name,
            miles,
            format_hours(min_drive as f64),
            format_hours(f64::from(limits.max_driving_minutes))
        ));
    }
    let service = u64::from(sh.pickup_service_minutes) + u64::from(sh.delivery_service_minutes);
    if min_drive + service > u64::from(limits.max_duty_minutes) {
        return Some(format!(
            "the round trip needs at least {} on duty ({} driving {:.0} mi plus {} min loading and unloading); the duty window is {}",
            format_hours((min_drive + service) as f64),
            format_hours(min_drive as f64),
            miles,
            service,
            format_hours(f64::from(limits.max_duty_minutes))
        ));
    }
    let to_pickup = fitting.iter().map(|&vt| travel.leg(depot_index(vt), p)).min_by_key(|l| l.whole_minutes());
    if let Some(leg) = to_pickup {
        if i64::from(h.open_minute) + i64::from(leg.whole_minutes()) > i64::from(pw.close_minute) {
            return Some(format!(
                "pickup window closes at {}, before a truck can arrive from the depot: {:.0} mi needs {} after the horizon opens at {}",
                format_minute(i64::from(pw.close_minute)),
                leg.miles,
                format_hours(f64::from(leg.whole_minutes())),
                format_minute(i64::from(h.open_minute))
            ));
        }
    }
    let sequence = [(s, StopKind::Pickup), (s, StopKind::Delivery)];
    let mut first_error = None;
    for &vt in &fitting {
        match evaluate_route(request, travel, vt, &sequence) {
            Ok(_) => return None,
            Err(e) => {
                first_error.get_or_insert(format!("even alone on a {} it {e}", request.fleet[vt].name));
            }
        }
    }
    first_error
}

fn solver_reason(request: &PlanRequest, codes: &[String]) -> String {
    let limits = request.driver_limits;
    let mut words: Vec<String> = Vec::new();
    for code in codes {
        let w = match code.as_str() {
            "TIME_WINDOW_CONSTRAINT" => {
                "no truck could reach its stops within their windows alongside the shipments it already carries".to_string()
            }
            "CAPACITY_CONSTRAINT" => "every truck that could reach it in time was already too full".to_string(),
            "MAX_DISTANCE_CONSTRAINT" => format!(
                "adding it to any truck's day would take the driver past the {} driving limit",
                format_hours(f64::from(limits.max_driving_minutes))
            ),
            "MAX_DURATION_CONSTRAINT" => format!(
                "adding it to any truck's day would take the driver past the {} duty window",
                format_hours(f64::from(limits.max_duty_minutes))
            ),
            _ => "the search found no truck day with room for it in the time it had".to_string(),
        };
        if !words.contains(&w) {
            words.push(w);
        }
    }
    if words.is_empty() {
        words.push("the search found no truck day with room for it in the time it had".to_string());
    }
    let trucks: u32 = request.fleet.iter().map(|v| v.count).sum();
    format!(
        "a truck of its own could carry it, but {}; the fleet has {trucks} truck{} a day. Another truck or wider windows would let it be planned",
        words.join(", and "),
        if trucks == 1 { "" } else { "s" }
    )
}

fn rfc3339(minute: u32) -> Result<String, String> {
    rfc3339_seconds(i64::from(minute) * 60)
}

fn rfc3339_seconds(seconds: i64) -> Result<String, String> {
    time::OffsetDateTime::from_unix_timestamp(seconds)
        .map_err(|e| e.to_string())?
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| e.to_string())
}

/// The problem in vrp-pragmatic's terms, its routing matrix, and the day of each shift.
struct SolverInput {
    problem: api::Problem,
    matrix: api::Matrix,
    /// The driver day of each vehicle shift index.
    shift_days: Vec<u32>,
}

fn build_problem(
    request: &PlanRequest,
    travel: &TravelModel,
    candidates: &[usize],
    days: &[u32],
) -> Result<SolverInput, String> {
    // Locations the solver sees: the distinct places used by the fleet and the candidates.
    let mut used: Vec<usize> = Vec::new();
    let mut location_of: HashMap<usize, usize> = HashMap::new(); // distinct place -> solver index
    let mut representative: Vec<usize> = Vec::new(); // solver index -> request place index
    let mut add = |place: usize, used: &mut Vec<usize>| {
        let distinct = travel.distinct_place(place);
        let next = location_of.len();
        let idx = *location_of.entry(distinct).or_insert_with(|| {
            representative.push(place);
            next
        });
        used.push(idx);
        idx
    };
    let active: Vec<usize> = (0..request.fleet.len()).filter(|&t| request.fleet[t].count > 0).collect();
    let depot_loc: HashMap<usize, usize> = active.iter().map(|&t| (t, add(depot_index(t), &mut used))).collect();
    let job_loc: Vec<(usize, usize, usize)> = candidates
        .iter()
        .map(|&s| (s, add(pickup_index(request, s), &mut used), add(delivery_index(request, s), &mut used)))
        .collect();
    let n = representative.len();
    let mut seconds = Vec::with_capacity(n * n);
    let (mut sum_miles, mut sum_seconds) = (0.0f64, 0.0f64);
    for &a in &representative {
        for &b in &representative {
            let leg = travel.leg(a, b);
            let secs = i64::from(leg.whole_minutes()) * 60;
            if secs > 0 {
                sum_miles += leg.miles;
                sum_seconds += secs as f64;
            }
            seconds.push(secs);
        }
    }
    let miles_per_second = if sum_seconds > 0.0 { sum_miles / sum_seconds } else { 0.0 };
    let matrix = api::Matrix {
        profile: Some(PROFILE.to_string()),
        timestamp: None,
        travel_times: seconds.clone(),
        distances: seconds,
        error_codes: None,
    };

    let mut jobs = Vec::with_capacity(candidates.len());
    for &(s, p, d) in &job_loc {
        let sh = &request.shipments[s];
        let task = |loc: usize, w: crate::model::TimeWindow, service: u32| -> Result<api::JobTask, String> {
            Ok(api::JobTask {
                places: vec![api::JobPlace {
                    location: Location::Reference { index: loc },
                    duration: f64::from(service) * 60.0,
                    times: Some(vec![vec![rfc3339(w.open_minute)?, rfc3339(w.close_minute)?]]),
                    tag: None,
                }],
                demand: Some(vec![sh.pallets as i32, sh.weight_lb as i32]),
                order: None,
            })
        };
        jobs.push(api::Job {
            id: format!("s{s}"),
            pickups: Some(vec![task(p, sh.pickup_window, sh.pickup_service_minutes)?]),
            deliveries: Some(vec![task(d, sh.delivery_window, sh.delivery_service_minutes)?]),
            replacements: None,
            services: None,
            skills: None,
            value: None,
            group: None,
            compatibility: None,
        });
    }

    let limits = request.driver_limits;
    let duty = i64::from(limits.max_duty_minutes);
    // The span of each driver day in which the candidates can need a truck: from the earliest a
    // truck must leave to reach a pickup at its window's opening, to the latest it can be back
    // from a delivery made at its window's close. Days no candidate can use get no shift.
    let mut spans: Vec<(u32, i64, i64)> = Vec::new();
    for &day in days {
        let Some((lo, hi)) = day_window(request, day) else { continue };
        let (lo, hi) = (i64::from(lo), i64::from(hi));
        let mut span: Option<(i64, i64)> = None;
        for &s in candidates {
            let sh = &request.shipments[s];
            let (pw, dw) = (sh.pickup_window, sh.delivery_window);
            let touches = |o: u32, c: u32| i64::from(o) <= hi && i64::from(c) >= lo;
            if !touches(pw.open_minute, pw.close_minute) || !touches(dw.open_minute, dw.close_minute) {
                continue;
            }
            let (p, d) = (pickup_index(request, s), delivery_index(request, s));
            let to_pickup = active.iter().map(|&t| travel.leg(depot_index(t), p).whole_minutes()).max().unwrap_or(0);
            let back = active.iter().map(|&t| travel.leg(d, depot_index(t)).whole_minutes()).max().unwrap_or(0);
            let first = (i64::from(pw.open_minute).max(lo) - i64::from(to_pickup)).max(lo);
            let last = (i64::from(dw.close_minute).min(hi)
                + i64::from(sh.delivery_service_minutes)
                + i64::from(back))
            .min(hi);
            span = Some(match span {
                None => (first, last),
                Some((a, b)) => (a.min(first), b.max(last)),
            });
        }
        if let Some((a, b)) = span {
            if a < b {
                spans.push((day, a, b));
            }
        }
    }
    let mut vehicles = Vec::new();
    for &t in &active {
        let v = &request.fleet[t];
        let depot = Location::Reference { index: depot_loc[&t] };
        for k in 0..v.count {
            // A truck's shift on a day is one duty window: the whole span when it is no longer
            // than the duty limit, otherwise a duty-limit-long window, the type's trucks
            // staggered from the start to the end of the span.
            let mut shifts = Vec::new();
            for &(_, a, b) in &spans {
                let (from, to) = if b - a <= duty {
                    (a, b)
                } else {
                    let room = b - a - duty;
                    let offset = if v.count > 1 { room * i64::from(k) / i64::from(v.count - 1) } else { 0 };
                    (a + offset, a + offset + duty)
                };
                shifts.push(api::VehicleShift {
                    start: api::ShiftStart { earliest: rfc3339_seconds(from * 60)?, latest: None, location: depot.clone() },
                    // vrp-pragmatic refuses shifts that touch (closed intervals), so a shift ends
                    // one second early.
                    end: Some(api::ShiftEnd {
                        earliest: None,
                        latest: rfc3339_seconds(to * 60 - 1)?,
                        location: depot.clone(),
                    }),
                    breaks: None,
                    reloads: None,
                    recharges: None,
                });
            }
            vehicles.push(api::VehicleType {
                type_id: format!("t{t}_{k}"),
                vehicle_ids: vec![format!("t{t}_{k}")],
                profile: api::VehicleProfile { matrix: PROFILE.to_string(), scale: None },
                costs: api::VehicleCosts {
                    fixed: Some(v.fixed_cost_cents as f64),
                    distance: v.cost_per_mile_cents as f64 * miles_per_second,
                    time: v.cost_per_hour_cents as f64 / 3600.0,
                },
                shifts,
                capacity: vec![v.capacity_pallets as i32, v.capacity_lb as i32],
                skills: None,
                limits: Some(api::VehicleLimits {
                    max_distance: Some(f64::from(limits.max_driving_minutes) * 60.0),
                    max_duration: None,
                    tour_size: None,
                }),
            });
        }
    }
    let problem = api::Problem {
        plan: api::Plan { jobs, relations: None, clustering: None },
        fleet: api::Fleet {
            vehicles,
            profiles: vec![api::MatrixProfile { name: PROFILE.to_string(), speed: None }],
            resources: None,
        },
        objectives: Some(vec![api::Objective::MinimizeUnassigned { breaks: None }, api::Objective::MinimizeCost]),
    };
    Ok(SolverInput { problem, matrix, shift_days: spans.iter().map(|x| x.0).collect() })
}

fn run_solver(input: SolverInput, max_seconds: f64) -> Result<vrp_pragmatic::format::solution::Solution, String> {
    use vrp_pragmatic::format::problem::PragmaticProblem;
    // Note: vrp-pragmatic 1.25's problem reader logs two timing lines to standard output with a
    // logger of its own ("fleet index created in ...", "job index created in ..."); nothing here
    // can silence them.
    let core = Arc::new((input.problem, vec![input.matrix]).read_pragmatic().map_err(|e| e.to_string())?);
    let environment = Arc::new(Environment::new(
        Arc::new(DefaultRandom::default()),
        Some(Arc::new(TimeQuota::new(max_seconds))),
        Parallelism::default(),
        Arc::new(|_: &str| {}),
        false,
    ));
    let mut config = VrpConfigBuilder::new(core.clone())
        .set_environment(environment)
        .set_telemetry_mode(TelemetryMode::None)
        .prebuild()
        .map_err(|e| e.to_string())?
        .with_max_generations(Some(MAX_GENERATIONS))
        .build()
        .map_err(|e| e.to_string())?;
    // The builder takes whole seconds only; put the exact budget in its place.
    config.termination = Box::new(TargetCompositeTermination::new(vec![
        Box::new(MaxTimeTermination::new(max_seconds)),
        Box::new(MaxGenerationTermination::new(MAX_GENERATIONS)),
    ]));
    let solution = Solver::new(core.clone(), config).solve().map_err(|e| e.to_string())?;
    let mut buffer = Vec::new();
    {
        let mut writer = BufWriter::new(&mut buffer);
        write_pragmatic(&core, &solution, PragmaticOutputType::OnlyPragmatic, &mut writer).map_err(|e| e.to_string())?;
    }
    deserialize_solution(BufReader::new(buffer.as_slice())).map_err(|e| e.to_string())
}

/// Plans the request: validates it ([`validate`]; any problem is returned as `Err`), reports the
/// shipments that can never be served, solves the rest with vrp-core within
/// `request.max_seconds`, and re-evaluates every route with [`crate::evaluate`].
///
/// `progress` is called from the calling thread with the fraction (0 to 1) of the time budget
/// used, about ten times a second while the search runs and with 1.0 when it ends (for a progress
/// bar).
///
/// The result: routes sorted by day, vehicle type and truck number, each with its stops, times,
/// loads after each stop, miles, driving and duty minutes and cost; `unassigned` in request order,
/// each with its reason; totals summed over the routes. Every shipment is in exactly one route or
/// in `unassigned`. An `Err` after validation can only come from the routing library failing
/// (field `solver`).
pub fn plan(request: &PlanRequest, progress: &(dyn Fn(f64) + Sync)) -> Result<Plan, Vec<InputError>> {
    validate(request)?;
    let travel = TravelModel::for_request(request)?;
    let days = horizon_days(request);
    let mut unassigned: Vec<(usize, String)> = Vec::new();
    let mut candidates = Vec::new();
    for s in 0..request.shipments.len() {
        match why_never_served(request, &travel, s) {
            Some(reason) => unassigned.push((s, reason)),
            None => candidates.push(s),
        }
    }
    let mut routes: Vec<(u32, Route)> = Vec::new();
    if !candidates.is_empty() {
        let input = build_problem(request, &travel, &candidates, &days)
            .map_err(|e| vec![input_error(None, "solver", format!("cannot describe the problem to the routing library: {e}"))])?;
        let shift_days = input.shift_days.clone();
        let budget = request.max_seconds;
        let started = Instant::now();
        let solution = std::thread::scope(|scope| {
            let handle = scope.spawn(move || run_solver(input, budget));
            while !handle.is_finished() {
                progress((started.elapsed().as_secs_f64() / budget).min(0.99));
                std::thread::sleep(Duration::from_millis(100));
            }
            handle.join()
        });
        let solution = match solution {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(vec![input_error(None, "solver", format!("the routing library failed: {e}"))]),
            Err(_) => return Err(vec![input_error(None, "solver", "the routing library stopped unexpectedly")]),
        };
        let job_shipment = |job_id: &str| job_id.strip_prefix('s').and_then(|x| x.parse::<usize>().ok());
        let mut placed: HashSet<usize> = HashSet::new();
        for tour in &solution.tours {
            let Some((t, k)) = tour
                .vehicle_id
                .strip_prefix('t')
                .and_then(|x| x.split_once('_'))
                .and_then(|(t, k)| Some((t.parse::<usize>().ok()?, k.parse::<u32>().ok()?)))
            else {
                continue;
            };
            let Some(&day) = shift_days.get(tour.shift_index) else { continue };
            let mut sequence = Vec::new();
            for stop in &tour.stops {
                for a in stop.activities() {
                    let kind = match a.activity_type.as_str() {
                        "pickup" => StopKind::Pickup,
                        "delivery" => StopKind::Delivery,
                        _ => continue,
                    };
                    if let Some(s) = job_shipment(&a.job_id) {
                        sequence.push((s, kind));
                    }
                }
            }
            if sequence.is_empty() {
                continue;
            }
            let shipments: Vec<usize> = {
                let mut v: Vec<usize> = sequence.iter().map(|x| x.0).collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            match evaluate_route_on_day(request, &travel, t, day, &sequence) {
                Ok(mut route) => {
                    route.vehicle_number = k;
                    placed.extend(shipments.iter().copied());
                    routes.push((day, route));
                }
                Err(e) => {
                    for s in shipments {
                        if placed.insert(s) {
                            unassigned.push((
                                s,
                                format!("the solver's route for it failed the engine's own check ({e}), so it was left out rather than planned wrongly"),
                            ));
                        }
                    }
                }
            }
        }
        for job in solution.unassigned.iter().flatten() {
            if let Some(s) = job_shipment(&job.job_id) {
                if placed.insert(s) {
                    let codes: Vec<String> = job.reasons.iter().map(|r| r.code.clone()).collect();
                    unassigned.push((s, solver_reason(request, &codes)));
                }
            }
        }
        // Nothing is silently dropped: a candidate the solver returned nowhere is reported.
        for &s in &candidates {
            if placed.insert(s) {
                unassigned.push((s, "the routing library returned it in no route and gave no reason".to_string()));
            }
        }
    }
    progress(1.0);
    routes.sort_by_key(|(day, r)| (*day, r.vehicle_type, r.vehicle_number));
    unassigned.sort_by_key(|u| u.0);
    let routes: Vec<Route> = routes.into_iter().map(|(_, r)| r).collect();
    let total_miles = routes.iter().map(|r| r.miles).sum();
    let total_cost_cents = routes.iter().map(|r| r.cost_cents).sum();
    Ok(Plan {
        routes,
        unassigned: unassigned
            .into_iter()
            .map(|(s, reason)| Unassigned { shipment_id: request.shipments[s].id.clone(), reason })
            .collect(),
        total_miles,
        total_cost_cents,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::coalition_cost_cents;
    use crate::model::*;
    use crate::travel::parse_matrix_csv;
    use std::sync::Mutex;

    const DAY: u32 = 1440;

    fn place(name: &str, lat: f64, lon: f64) -> Place {
        Place { name: name.into(), latitude: lat, longitude: lon }
    }
    fn kingman() -> Place {
        place("Kingman", 35.1894, -114.053)
    }
    fn havasu() -> Place {
        place("Lake Havasu City", 34.4839, -114.3225)
    }
    fn bullhead() -> Place {
        place("Bullhead City", 35.1478, -114.5683)
    }
    fn phoenix() -> Place {
        place("Phoenix", 33.4484, -112.074)
    }
    fn vegas() -> Place {
        place("Las Vegas", 36.1699, -115.1398)
    }
    fn flagstaff() -> Place {
        place("Flagstaff", 35.1981, -111.6513)
    }
    fn los_angeles() -> Place {
        place("Los Angeles", 34.0522, -118.2437)
    }

    #[allow(clippy::too_many_arguments)]
    fn shipment(
        id: &str,
        member: &str,
        from: Place,
        to: Place,
        pallets: u32,
        weight_lb: u32,
        pickup: (u32, u32),
        delivery: (u32, u32),
    ) -> Shipment {
        Shipment {
            id: id.into(),
            member: member.into(),
            pickup: from,
            delivery: to,
            pallets,
            weight_lb,
            pickup_window: TimeWindow { open_minute: pickup.0, close_minute: pickup.1 },
            delivery_window: TimeWindow { open_minute: delivery.0, close_minute: delivery.1 },
            pickup_service_minutes: 30,
            delivery_service_minutes: 30,
        }
    }

    fn h(day: u32, hour: u32) -> u32 {
        day * DAY + hour * 60
    }

    /// Eight shipments around Kingman AZ over a Monday-to-Friday week, trucks based in Kingman.
    fn kingman_week() -> PlanRequest {
        let shipments = vec![
            // Two loads from the same Kingman plant to Phoenix on Tuesday: one truck carries both.
            shipment("kp1", "Mohave Metal", kingman(), phoenix(), 10, 12_000, (h(1, 6), h(1, 10)), (h(1, 9), h(1, 17))),
            shipment("kp2", "Desert Foods", kingman(), phoenix(), 8, 9_000, (h(1, 6), h(1, 10)), (h(1, 9), h(1, 17))),
            shipment("kv", "Mohave Metal", kingman(), vegas(), 6, 7_000, (h(1, 6), h(1, 12)), (h(1, 8), h(1, 18))),
            shipment("bk", "River Plastics", bullhead(), kingman(), 4, 3_000, (h(1, 7), h(1, 14)), (h(1, 8), h(1, 18))),
            shipment("hp", "Havasu Boats", havasu(), phoenix(), 5, 6_000, (h(2, 6), h(2, 12)), (h(2, 9), h(2, 18))),
            shipment("fk", "Desert Foods", flagstaff(), kingman(), 12, 14_000, (h(2, 6), h(2, 12)), (h(2, 8), h(2, 18))),
            shipment("vb", "River Plastics", vegas(), bullhead(), 6, 5_000, (h(3, 6), h(3, 12)), (h(3, 8), h(3, 18))),
            shipment("kh", "Havasu Boats", kingman(), havasu(), 3, 2_000, (h(3, 6), h(3, 12)), (h(3, 8), h(3, 18))),
        ];
        PlanRequest {
            shipments,
            fleet: vec![VehicleType::dry_van_53ft(kingman(), 3), VehicleType::box_truck_26ft(kingman(), 1)],
            driver_limits: DriverLimits::default(),
            travel: Travel::great_circle_default(),
            horizon: TimeWindow { open_minute: 0, close_minute: h(4, 17) },
            max_seconds: 2.0,
            seed: 7,
        }
    }

    fn where_is(plan: &Plan, id: &str) -> (Option<usize>, bool) {
        let route = plan.routes.iter().position(|r| r.stops.iter().any(|s| s.shipment_id.as_deref() == Some(id)));
        let unassigned = plan.unassigned.iter().any(|u| u.shipment_id == id);
        (route, unassigned)
    }

    /// Checks every rule on a plan independently of the engine's evaluator.
    fn check_plan(request: &PlanRequest, plan: &Plan) {
        let travel = TravelModel::for_request(request).unwrap();
        // Every shipment exactly once.
        for s in &request.shipments {
            let in_routes: usize = plan
                .routes
                .iter()
                .map(|r| r.stops.iter().filter(|x| x.shipment_id.as_deref() == Some(&s.id) && x.kind == StopKind::Pickup).count())
                .sum();
            let in_unassigned = plan.unassigned.iter().filter(|u| u.shipment_id == s.id).count();
            assert_eq!(in_routes + in_unassigned, 1, "shipment {} appears {in_routes} + {in_unassigned} times", s.id);
        }
        let mut sum_cost = 0;
        let mut sum_miles = 0.0;
        for r in &plan.routes {
            let vt = &request.fleet[r.vehicle_type];
            assert!(r.vehicle_number < vt.count);
            assert_eq!(r.stops.first().unwrap().kind, StopKind::Departure);
            assert_eq!(r.stops.last().unwrap().kind, StopKind::Return);
            let (mut pallets, mut lb) = (0u32, 0u32);
            let mut picked = HashSet::new();
            let mut miles = 0.0;
            let mut prev: Option<(&Stop, usize)> = None;
            for stop in &r.stops {
                let (idx, window, service) = match stop.kind {
                    StopKind::Departure | StopKind::Return => (depot_index(r.vehicle_type), None, 0),
                    kind => {
                        let i = request.shipments.iter().position(|s| Some(&s.id) == stop.shipment_id.as_ref()).unwrap();
                        let s = &request.shipments[i];
                        if kind == StopKind::Pickup {
                            assert!(picked.insert(i), "picked twice");
                            pallets += s.pallets;
                            lb += s.weight_lb;
                            (pickup_index(request, i), Some(s.pickup_window), s.pickup_service_minutes)
                        } else {
                            assert!(picked.contains(&i), "delivery of {} before its pickup", s.id);
                            pallets -= s.pallets;
                            lb -= s.weight_lb;
                            (delivery_index(request, i), Some(s.delivery_window), s.delivery_service_minutes)
                        }
                    }
                };
                assert_eq!((stop.load_pallets, stop.load_lb), (pallets, lb));
                assert!(pallets <= vt.capacity_pallets && lb <= vt.capacity_lb, "over capacity");
                if let Some(w) = window {
                    assert!(stop.arrival_minute <= w.close_minute, "late at {:?}", stop);
                    assert_eq!(stop.departure_minute, stop.arrival_minute.max(w.open_minute) + service);
                }
                if let Some((p, pidx)) = prev {
                    let leg = travel.leg(pidx, idx);
                    miles += leg.miles;
                    assert_eq!(stop.arrival_minute, p.departure_minute + leg.whole_minutes());
                }
                prev = Some((stop, idx));
            }
            assert_eq!(pallets, 0);
            assert!((miles - r.miles).abs() < 1e-6);
            let start = r.stops[0].departure_minute;
            let end = r.stops.last().unwrap().arrival_minute;
            assert_eq!(start / DAY, (end - 1) / DAY, "route crosses midnight");
            assert!(start >= request.horizon.open_minute && end <= request.horizon.close_minute);
            assert_eq!(r.duty_minutes, f64::from(end - start));
            assert!(r.duty_minutes <= 14.0 * 60.0);
            assert!(r.driving_minutes <= 11.0 * 60.0);
            let cost = vt.fixed_cost_cents
                + (vt.cost_per_mile_cents as f64 * r.miles + vt.cost_per_hour_cents as f64 * r.duty_minutes / 60.0).round()
                    as i64;
            assert_eq!(r.cost_cents, cost);
            sum_cost += r.cost_cents;
            sum_miles += r.miles;
        }
        // One route per truck per day.
        let mut used = HashSet::new();
        for r in &plan.routes {
            assert!(used.insert((r.vehicle_type, r.vehicle_number, r.stops[0].departure_minute / DAY)));
        }
        assert_eq!(plan.total_cost_cents, sum_cost);
        assert!((plan.total_miles - sum_miles).abs() < 1e-6);
    }

    #[test]
    fn kingman_week_pools_two_loads_on_one_truck() {
        let request = kingman_week();
        let calls = Mutex::new(Vec::new());
        let plan = plan(&request, &|f| calls.lock().unwrap().push(f)).unwrap();
        check_plan(&request, &plan);
        assert!(plan.unassigned.is_empty(), "{:?}", plan.unassigned);
        let (a, _) = where_is(&plan, "kp1");
        let (b, _) = where_is(&plan, "kp2");
        assert!(a.is_some() && a == b, "kp1 and kp2 should share a truck: {a:?} {b:?}");
        // Fewer trucks than shipments: pooling happened.
        assert!(plan.routes.len() < request.shipments.len(), "{} routes", plan.routes.len());
        // Coalition values: everyone is the plan, nobody is nothing, one member is in between.
        assert_eq!(coalition_cost_cents(&request, &plan, &|_| true), plan.total_cost_cents);
        assert_eq!(coalition_cost_cents(&request, &plan, &|_| false), 0);
        let one = coalition_cost_cents(&request, &plan, &|s| s.member == "Mohave Metal");
        assert!(one > 0 && one < plan.total_cost_cents, "{one}");
        let calls = calls.into_inner().unwrap();
        assert_eq!(calls.last(), Some(&1.0));
        assert!(calls.iter().all(|f| (0.0..=1.0).contains(f)));
    }

    #[test]
    fn delivery_window_too_short_is_unassigned_with_miles_and_hours() {
        let mut request = kingman_week();
        // Phoenix is ~196 road miles from Kingman (~4 h); the window closes 2.5 h after pickup opens.
        request.shipments.push(shipment(
            "rush",
            "Desert Foods",
            kingman(),
            phoenix(),
            2,
            1_000,
            (h(1, 8), h(1, 9)),
            (h(1, 8), h(1, 10) + 30),
        ));
        request.shipments.push(shipment(
            "coast",
            "Desert Foods",
            kingman(),
            los_angeles(),
            2,
            1_000,
            (h(3, 5), h(3, 8)),
            (h(3, 8), h(3, 20)),
        ));
        request.max_seconds = 1.0;
        let plan = plan(&request, &|_| {}).unwrap();
        check_plan(&request, &plan);
        let travel = TravelModel::for_request(&request).unwrap();
        let leg = travel.leg(pickup_index(&request, 8), delivery_index(&request, 8));
        let rush = plan.unassigned.iter().find(|u| u.shipment_id == "rush").expect("rush is unassigned");
        assert_eq!(
            rush.reason,
            format!(
                "delivery window closes before the truck can arrive from the pickup: {:.0} mi needs {}, window is 2.0 h (from the pickup window opening after 30 min loading to the delivery window closing)",
                leg.miles,
                format_hours(f64::from(leg.whole_minutes()))
            )
        );
        assert!(rush.reason.starts_with("delivery window closes before the truck can arrive from the pickup: 198 mi needs 4.0 h, window is 2.0 h"), "{}", rush.reason);
        let coast = plan.unassigned.iter().find(|u| u.shipment_id == "coast").expect("coast is unassigned");
        assert!(coast.reason.starts_with("the round trip from the 53 ft dry van depot at Kingman"), "{}", coast.reason);
        assert!(coast.reason.ends_with("a driver may drive 11.0 h a day"), "{}", coast.reason);
        assert_eq!(where_is(&plan, "rush").0, None);
    }

    #[test]
    fn fleet_too_small_leaves_a_shipment_unassigned_with_the_solver_reason() {
        // Two Tuesday loads to opposite ends with one truck for the whole week: one must wait.
        let mut request = kingman_week();
        request.shipments = vec![
            shipment("west", "A", kingman(), los_angeles(), 2, 1_000, (h(1, 5), h(1, 6)), (h(1, 11), h(1, 13))),
            shipment("east", "B", kingman(), flagstaff(), 2, 1_000, (h(1, 5), h(1, 6)), (h(1, 7), h(1, 9))),
        ];
        request.fleet = vec![VehicleType::dry_van_53ft(place("Needles", 34.8481, -114.6141), 1)];
        request.driver_limits = DriverLimits { max_driving_minutes: 14 * 60, max_duty_minutes: 16 * 60 };
        request.max_seconds = 0.5;
        let plan = plan(&request, &|_| {}).unwrap();
        check_plan(&request, &plan);
        assert_eq!(plan.routes.len() + plan.unassigned.len(), 2);
        assert_eq!(plan.unassigned.len(), 1, "{:?}", plan.unassigned);
        assert!(
            plan.unassigned[0].reason.starts_with("a truck of its own could carry it, but "),
            "{}",
            plan.unassigned[0].reason
        );
        assert!(plan.unassigned[0].reason.contains("the fleet has 1 truck a day"));
    }

    #[test]
    fn a_day_longer_than_the_duty_window_is_covered_by_staggered_trucks() {
        // Tuesday 05:00 and 20:00 pickups: no single 14 h duty window holds both.
        let mut request = kingman_week();
        request.shipments = vec![
            shipment("early", "A", kingman(), bullhead(), 2, 1_000, (h(1, 5), h(1, 6)), (h(1, 5), h(1, 8))),
            shipment("late", "B", kingman(), bullhead(), 2, 1_000, (h(1, 20), h(1, 21)), (h(1, 20), h(1, 23))),
        ];
        request.fleet = vec![VehicleType::dry_van_53ft(kingman(), 2)];
        request.max_seconds = 0.5;
        let two = plan(&request, &|_| {}).unwrap();
        check_plan(&request, &two);
        assert!(two.unassigned.is_empty(), "{:?}", two.unassigned);
        assert_eq!(two.routes.len(), 2);
        assert_ne!(where_is(&two, "early").0, where_is(&two, "late").0);

        request.fleet[0].count = 1;
        let one = plan(&request, &|_| {}).unwrap();
        check_plan(&request, &one);
        assert_eq!(one.routes.len(), 1);
        assert_eq!(one.unassigned.len(), 1);
        assert_eq!(one.unassigned[0].shipment_id, "late");
    }

    fn error_for<'a>(errors: &'a [InputError], shipment: Option<&str>, field: &str) -> &'a InputError {
        errors
            .iter()
            .find(|e| e.shipment_id.as_deref() == shipment && e.field == field)
            .unwrap_or_else(|| panic!("no error for {shipment:?} {field}: {errors:#?}"))
    }

    #[test]
    fn every_bad_input_is_named() {
        let mut request = kingman_week();
        request.shipments[0].weight_lb = 50_000; // heavier than any truck
        request.shipments[1].pallets = 0;
        request.shipments[2].pickup_window = TimeWindow { open_minute: h(1, 10), close_minute: h(1, 8) };
        request.shipments[3].delivery.latitude = 95.0;
        request.shipments[4].id = "kp1".into(); // duplicate id
        request.shipments[5].pallets = 30;
        request.shipments[6].weight_lb = 0;
        request.horizon = TimeWindow { open_minute: 600, close_minute: 600 };
        request.travel = Travel::GreatCircle { circuity: 1.2, average_speed_mph: 0.0 };
        request.max_seconds = f64::NAN;
        let errors = validate(&request).unwrap_err();
        assert_eq!(
            error_for(&errors, Some("kp1"), "weight_lb").reason,
            "50000 lb is heavier than any truck carries: the largest payload, the 53 ft dry van's, is 45000 lb"
        );
        assert_eq!(
            error_for(&errors, Some("kp2"), "pallets").reason,
            "is 0: a shipment takes at least one pallet position"
        );
        assert_eq!(
            error_for(&errors, Some("kv"), "pickup_window").reason,
            "closes at minute 1920 (Tue 08:00) before it opens at minute 2040 (Tue 10:00)"
        );
        assert_eq!(error_for(&errors, Some("bk"), "delivery.latitude").reason, "95 is not a latitude (-90 to 90)");
        assert_eq!(error_for(&errors, Some("kp1"), "id").reason, "is also the id of shipment number 1");
        assert_eq!(
            error_for(&errors, Some("fk"), "pallets").reason,
            "30 pallets is more than any truck carries: the largest, the 53 ft dry van, takes 26"
        );
        assert_eq!(error_for(&errors, Some("vb"), "weight_lb").reason, "is 0: give the gross weight in pounds");
        assert!(error_for(&errors, None, "horizon").reason.starts_with("closes at minute 600 (Mon 10:00), not after"));
        assert!(error_for(&errors, None, "travel.average_speed_mph").reason.starts_with("0 is not allowed"));
        assert!(error_for(&errors, None, "max_seconds").reason.starts_with("NaN is not allowed"));
        assert_eq!(errors.len(), 10, "{errors:#?}");
        // plan() refuses the same request with the same errors.
        assert_eq!(plan(&request, &|_| {}).unwrap_err(), errors);
    }

    #[test]
    fn empty_fleet_and_bad_circuity_are_named() {
        let mut request = kingman_week();
        request.fleet.iter_mut().for_each(|v| v.count = 0);
        request.travel = Travel::GreatCircle { circuity: -1.0, average_speed_mph: 50.0 };
        request.driver_limits.max_driving_minutes = 15 * 60;
        let errors = validate(&request).unwrap_err();
        assert_eq!(
            error_for(&errors, None, "fleet").reason,
            "every vehicle type has count 0: at least one truck is needed"
        );
        assert!(error_for(&errors, None, "travel.circuity").reason.contains("at least 1"));
        assert_eq!(
            error_for(&errors, None, "driver_limits.max_driving_minutes").reason,
            "900 min of driving cannot fit in a 840 min duty window"
        );
        request.fleet.clear();
        let errors = validate(&request).unwrap_err();
        assert_eq!(error_for(&errors, None, "fleet").reason, "no vehicle types: at least one truck is needed");
    }

    fn small_matrix_request(csv: &str) -> PlanRequest {
        let mut request = kingman_week();
        request.shipments.truncate(2);
        request.shipments.push(shipment(
            "bp",
            "River Plastics",
            bullhead(),
            phoenix(),
            4,
            3_000,
            (h(1, 6), h(1, 12)),
            (h(1, 9), h(1, 18)),
        ));
        request.fleet.truncate(1);
        request.travel = Travel::Matrix(parse_matrix_csv(csv).unwrap());
        request.max_seconds = 0.5;
        request
    }

    const FULL_MATRIX: &str = "from,to,miles,minutes\n\
        Kingman,Phoenix,186,190\nPhoenix,Kingman,186,190\n\
        Kingman,Bullhead City,35,45\nBullhead City,Kingman,35,45\n\
        Bullhead City,Phoenix,215,230\nPhoenix,Bullhead City,215,230\n";

    #[test]
    fn plans_with_a_user_matrix() {
        let request = small_matrix_request(FULL_MATRIX);
        let plan = plan(&request, &|_| {}).unwrap();
        check_plan(&request, &plan);
        assert!(plan.unassigned.is_empty(), "{:?}", plan.unassigned);
        // All three go to Phoenix on Tuesday: one truck, Kingman -> Bullhead -> Phoenix -> Kingman
        // or Kingman pickups first; either way the miles are the matrix's.
        assert_eq!(plan.routes.len(), 1);
        let miles = plan.routes[0].miles;
        assert!([35.0 + 215.0 + 186.0, 35.0 + 35.0 + 186.0 + 186.0].contains(&miles), "{miles}");
        assert_eq!(coalition_cost_cents(&request, &plan, &|_| true), plan.total_cost_cents);
    }

    #[test]
    fn matrix_errors_name_the_pair_the_place_and_the_row() {
        // Missing Phoenix -> Bullhead City.
        let request = small_matrix_request(&FULL_MATRIX.replace("Phoenix,Bullhead City,215,230\n", ""));
        let errors = validate(&request).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].field, "travel matrix");
        assert_eq!(errors[0].reason, "no row from 'Phoenix' to 'Bullhead City'");

        // An unknown place names the shipment and field.
        let mut request = small_matrix_request(FULL_MATRIX);
        request.shipments[2].delivery = place("Tucson", 32.2226, -110.9747);
        let errors = validate(&request).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].shipment_id.as_deref(), Some("bp"));
        assert_eq!(errors[0].field, "delivery.name");
        assert_eq!(errors[0].reason, "place 'Tucson' is not in the travel matrix");

        // A negative value given directly (not through CSV) names the row.
        let mut request = small_matrix_request(FULL_MATRIX);
        if let Travel::Matrix(m) = &mut request.travel {
            m.rows[1].minutes = -5.0;
        }
        let errors = validate(&request).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert_eq!(errors[0].field, "travel matrix row 2");
        assert_eq!(errors[0].reason, "minutes is negative (-5)");
    }

    #[test]
    fn extreme_values_are_reported_not_panicked_on() {
        let mut request = small_matrix_request(FULL_MATRIX);
        request.shipments[0].pickup_service_minutes = u32::MAX;
        request.shipments[0].delivery_service_minutes = u32::MAX;
        request.shipments[1].pickup_window = TimeWindow { open_minute: u32::MAX - 1, close_minute: u32::MAX };
        if let Travel::Matrix(m) = &mut request.travel {
            for r in m.rows.iter_mut().filter(|r| r.from == "Bullhead City") {
                r.minutes = 1e15;
            }
        }
        let plan = plan(&request, &|_| {}).unwrap();
        assert!(plan.routes.is_empty(), "{:?}", plan.routes);
        let reasons: Vec<&str> = plan.unassigned.iter().map(|u| u.reason.as_str()).collect();
        assert_eq!(reasons.len(), 3);
        assert_eq!(
            reasons[0],
            "delivery window closes at Tue 17:00, before the load can leave the pickup (its window opens at Tue 06:00 and loading takes 4294967295 min)"
        );
        assert!(reasons[1].starts_with("pickup window opens at"), "{}", reasons[1]);
        assert!(reasons[2].starts_with("delivery window closes before the truck can arrive"), "{}", reasons[2]);
    }

    #[test]
    fn no_shipments_give_an_empty_plan() {
        let mut request = kingman_week();
        request.shipments.clear();
        let plan = plan(&request, &|_| {}).unwrap();
        assert!(plan.routes.is_empty() && plan.unassigned.is_empty());
        assert_eq!(plan.total_cost_cents, 0);
    }
}

//! Plan jobs and the engine glue: default settings, the checks that need the engine (travel
//! matrix, going-alone model), building a week's [`PlanRequest`] from the board, running the
//! solver in the background with progress saved to the database, the economics of the result
//! (going alone, savings, the split among members, truck miles and CO2 avoided), the route map,
//! and approval (observations recorded through the network module).
//!
//! A job: `POST` creates a `queued` row with the request snapshot and spawns a tokio task; the
//! task marks it `running`, solves and works out the economics on a blocking thread
//! (`spawn_blocking`, so a panic there fails the job with its message) while a second task
//! writes the solver's progress every half second, then saves the result (`done`) or the reason
//! (`failed`). A partnership has one job at a time, and the server at most
//! [`MAX_RUNNING_JOBS`] (409 and 429 otherwise); a plan takes at most [`MAX_PLAN_SHIPMENTS`].
//! While a server computes a job, its progress task raises the row's `updated_at` at least every
//! [`HEARTBEAT`]. A server that stops leaves rows `queued` or `running` whose heartbeat goes
//! silent; [`super::recover_jobs`], run by every server at its start and every
//! [`ABANDONED_AFTER`], marks those silent for that long failed, and leaves alone the jobs other
//! servers on the same database are computing.

use std::sync::{Arc, Mutex};

use chrono::{Duration, NaiveDate};
use freight_engine::allocation::{self, AllocationMethod, MemberCost};
use freight_engine::baseline::{self, GoingAloneMethod, GoingAloneModel};
use freight_engine::travel::{self, TravelModel, DEFAULT_AVERAGE_SPEED_MPH, DEFAULT_CIRCUITY};
use freight_engine::{DriverLimits, Plan, PlanRequest, TimeWindow, Travel, VehicleType};

use super::model::*;
use super::{store, Context};
use crate::db::{Db, Id};
use crate::network::model::{Direction, MeasureCategory, PartialDate};
use crate::network::store::forms::MeasureSpec;
use crate::web::{AppState, Error, FieldErrors};

/// How often a server working on a job says so (the job's `updated_at`), at the least.
pub const HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(5);
/// A queued or running job whose heartbeat has been silent this long was left by a server that
/// stopped: it is marked failed.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// The yard of the default fleet.
pub const DEFAULT_DEPOT: (&str, &str) = ("Kingman", "AZ");
/// Default planning time budget, seconds.
pub const DEFAULT_MAX_SECONDS: f64 = 10.0;
/// Most shipments one plan takes. The planner's travel table holds every pair of distinct
/// places (up to two per shipment plus the depots): 1,000 shipments give at most about 4
/// million pairs, tens of MB; 10,000 shipments of distinct towns would need gigabytes.
pub const MAX_PLAN_SHIPMENTS: usize = 1_000;
/// Most plan jobs computed at once on the server, over all partnerships. Each job's search uses
/// every core for up to its time budget, so more at once would only slow them all down.
pub const MAX_RUNNING_JOBS: i64 = 2;

/// Settings of a partnership that has saved none: two 53 ft dry vans and one 26 ft box truck
/// at a Kingman, AZ yard (capacities and costs from the engine's [`VehicleType::dry_van_53ft`]
/// and [`VehicleType::box_truck_26ft`], with their sources), US hours-of-service limits,
/// great-circle travel at the engine's default circuity and speed, the economics engine's
/// default going-alone model, Shapley split, a 10 s budget.
pub fn default_settings() -> Settings {
    let depot = geocode(DEFAULT_DEPOT.0, DEFAULT_DEPOT.1).unwrap_or(Town { city: "Kingman".into(), state: "AZ".into(), latitude: 35.18944, longitude: -114.05301 });
    let limits = DriverLimits::default();
    Settings {
        fleet: vec![
            VehicleSetting::from_engine(&VehicleType::dry_van_53ft(depot.to_place(), 2), &depot),
            VehicleSetting::from_engine(&VehicleType::box_truck_26ft(depot.to_place(), 1), &depot),
        ],
        max_driving_minutes: limits.max_driving_minutes,
        max_duty_minutes: limits.max_duty_minutes,
        travel_kind: TravelKind::GreatCircle,
        circuity: DEFAULT_CIRCUITY,
        average_speed_mph: DEFAULT_AVERAGE_SPEED_MPH,
        matrix_csv: None,
        going_alone: serde_json::to_value(GoingAloneModel::default()).unwrap_or_default(),
        allocation_method: SplitMethod::Shapley,
        max_seconds: DEFAULT_MAX_SECONDS,
        seed: 1,
    }
}

/// Check settings fully: the plain checks of [`check_settings`](super::model::check_settings),
/// the travel matrix read with the engine's parser (each bad row named under `matrix_csv`), and
/// the going-alone model (each bad field named under `going_alone.`). Geocodes the depots.
pub fn check_settings(s: &mut Settings) -> FieldErrors {
    let mut errs = super::model::check_settings(s);
    if let Some(text) = s.matrix_csv.as_deref().filter(|m| !m.trim().is_empty()) {
        if let Err(problems) = travel::parse_matrix_csv(text) {
            add_matrix_problems(&mut errs, problems.iter().map(|p| p.to_string()).collect());
        }
    }
    match serde_json::from_value::<GoingAloneModel>(s.going_alone.clone()) {
        Ok(m) => {
            // The model reads its fields with defaults, so a misspelt field would be dropped
            // without a word: every field it does not know is named.
            if let Ok(known) = serde_json::to_value(&m) {
                for path in unknown_fields(&s.going_alone, &known, "going_alone") {
                    errs.add(&path, "is not a field of the going-alone model");
                }
            }
            if let Err(problems) = m.validate() {
                for p in problems {
                    errs.add(&format!("going_alone.{}", p.field), p.reason);
                }
            }
        }
        Err(e) => errs.add("going_alone", format!("is not a going-alone model: {e}")),
    }
    errs
}

/// The first [`MAX_MATRIX_PROBLEMS`] problems of a travel matrix under `matrix_csv`, then how
/// many more there are (a file of thousands of bad rows gives a readable answer).
fn add_matrix_problems(errs: &mut FieldErrors, problems: Vec<String>) {
    let n = problems.len();
    for p in problems.into_iter().take(MAX_MATRIX_PROBLEMS) {
        errs.add("matrix_csv", p);
    }
    if n > MAX_MATRIX_PROBLEMS {
        errs.add("matrix_csv", format!("and {} more problems of the same file", n - MAX_MATRIX_PROBLEMS));
    }
}

/// The paths (`prefix.a.b`, `prefix.list[2].c`) of the object fields of `given` that `known` (the same value read
/// and written back by its type) does not have.
fn unknown_fields(given: &serde_json::Value, known: &serde_json::Value, prefix: &str) -> Vec<String> {
    use serde_json::Value;
    let (g, k) = match (given, known) {
        (Value::Object(g), Value::Object(k)) => (g, k),
        (Value::Array(g), Value::Array(k)) => {
            return g.iter().zip(k).enumerate().flat_map(|(i, (gv, kv))| unknown_fields(gv, kv, &format!("{prefix}[{i}]"))).collect();
        }
        _ => return vec![],
    };
    let mut out = Vec::new();
    for (name, v) in g {
        let path = format!("{prefix}.{name}");
        match k.get(name) {
            None => out.push(path),
            Some(kv) => out.extend(unknown_fields(v, kv, &path)),
        }
    }
    out
}

fn travel_of(s: &Settings) -> Result<Travel, FieldErrors> {
    match s.travel_kind {
        TravelKind::GreatCircle => Ok(Travel::GreatCircle { circuity: s.circuity, average_speed_mph: s.average_speed_mph }),
        TravelKind::Matrix => {
            let text = s.matrix_csv.as_deref().unwrap_or("");
            travel::parse_matrix_csv(text).map(Travel::Matrix).map_err(|problems| {
                let mut fe = FieldErrors::default();
                add_matrix_problems(&mut fe, problems.iter().map(|p| p.to_string()).collect());
                fe
            })
        }
    }
}

/// Build the request of one week: the shipments whose pickup window opens in the week starting
/// `week` (a Monday; the first week with shipments when `None`), minute 0 at its Monday 00:00,
/// the horizon the whole week or to the latest delivery window close if later. Errors (field
/// `week`): no shipments that week; a date that is not a Monday; (under `settings`) settings
/// never saved, since the default yard is a placeholder.
pub fn build_snapshot(ctx: &Context, shipments: &[Shipment], week: Option<NaiveDate>) -> Result<PlanSnapshot, FieldErrors> {
    let mut fe = FieldErrors::default();
    if ctx.settings_version.is_none() {
        fe.add(
            "settings",
            format!(
                "this partnership has not saved its fleet yet, and the default fleet's yard is {}, {}: set your own trucks, yard and costs under fleet and cost settings, save them, then plan",
                DEFAULT_DEPOT.0, DEFAULT_DEPOT.1
            ),
        );
        return Err(fe);
    }
    let week = match week {
        Some(w) => w,
        None => match shipments.iter().map(|s| week_monday(s.fields.pickup_earliest)).min() {
            Some(w) => w,
            None => {
                fe.add("week", "there are no shipments on the board to plan: add or import shipments first");
                return Err(fe);
            }
        },
    };
    if in_years(week).is_err() && week.checked_add_days(chrono::Days::new(6)).is_none_or(|d| in_years(d).is_err()) {
        fe.add("week", format!("the week of {week} is not in the years {MIN_YEAR} to {MAX_YEAR}"));
        return Err(fe);
    }
    if week_monday(week.and_hms_opt(0, 0, 0).unwrap_or_default()) != week {
        fe.add("week", format!("{week} is not a Monday: a plan covers a week from Monday 00:00"));
        return Err(fe);
    }
    let start = week.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = start + Duration::days(7);
    let chosen: Vec<&Shipment> = shipments.iter().filter(|s| s.fields.pickup_earliest >= start && s.fields.pickup_earliest < end).collect();
    if chosen.is_empty() {
        fe.add("week", format!("no shipment is picked up in the week of {week}"));
        return Err(fe);
    }
    if chosen.len() > MAX_PLAN_SHIPMENTS {
        fe.add(
            "week",
            format!("{} shipments are picked up in the week of {week}; one plan takes at most {MAX_PLAN_SHIPMENTS} (the planner's travel table grows with the square of the places)", chosen.len()),
        );
        return Err(fe);
    }
    let travel = travel_of(&ctx.settings)?;
    let latest = chosen.iter().map(|s| minutes_from(start, s.fields.delivery_latest)).max().unwrap_or(0);
    let request = PlanRequest {
        shipments: chosen
            .iter()
            .map(|s| freight_engine::Shipment {
                id: s.fields.reference.clone(),
                member: s.fields.organization_id.to_string(),
                pickup: s.fields.pickup.to_place(),
                delivery: s.fields.delivery.to_place(),
                pallets: s.fields.pallets,
                weight_lb: s.fields.weight_lb,
                pickup_window: TimeWindow { open_minute: minutes_from(start, s.fields.pickup_earliest), close_minute: minutes_from(start, s.fields.pickup_latest) },
                delivery_window: TimeWindow { open_minute: minutes_from(start, s.fields.delivery_earliest), close_minute: minutes_from(start, s.fields.delivery_latest) },
                pickup_service_minutes: s.fields.pickup_service_minutes,
                delivery_service_minutes: s.fields.delivery_service_minutes,
            })
            .collect(),
        fleet: ctx.settings.fleet.iter().map(VehicleSetting::to_engine).collect(),
        driver_limits: DriverLimits { max_driving_minutes: ctx.settings.max_driving_minutes, max_duty_minutes: ctx.settings.max_duty_minutes },
        travel,
        horizon: TimeWindow { open_minute: 0, close_minute: latest.max(7 * 24 * 60) },
        max_seconds: ctx.settings.max_seconds,
        seed: ctx.settings.seed,
    };
    Ok(PlanSnapshot {
        week_start: week,
        request,
        shipments: chosen
            .iter()
            .map(|s| ShipmentRef { id: s.id, reference: s.fields.reference.clone(), member_id: s.fields.organization_id, member_name: s.member_name.clone(), illustrative: s.member_illustrative })
            .collect(),
        settings: ctx.settings.clone(),
    })
}

/// Engine input problems as field errors: the field is `shipment REF: field` (or the field alone).
fn input_errors(problems: Vec<freight_engine::InputError>) -> FieldErrors {
    let mut fe = FieldErrors::default();
    for p in problems {
        let field = match &p.shipment_id {
            Some(s) => format!("shipment {s}: {}", p.field),
            None => p.field.clone(),
        };
        fe.add(&field, p.reason);
    }
    fe
}

/// Start planning a week of `ctx`'s partnership: check the request with the engine (every
/// problem named by shipment and field, nothing saved), create the job and spawn it.
pub async fn start(state: &AppState, ctx: &Context, week: Option<NaiveDate>) -> Result<store::PlanRow, Error> {
    let shipments = super::shipments(&state.db, ctx).await?;
    let snap = build_snapshot(ctx, &shipments, week).map_err(Error::Validation)?;
    freight_engine::solve::validate(&snap.request).map_err(|p| Error::Validation(input_errors(p)))?;
    let json = serde_json::to_value(&snap).map_err(|e| Error::Internal(e.into()))?;
    let row = store::create_plan(&state.db, ctx.partnership.id(), snap.week_start, &json).await?;
    let db = state.db.clone();
    let id = row.id;
    tokio::spawn(async move {
        if let Err(e) = run(&db, id, snap).await {
            tracing::error!(plan = %id, error = %format!("{e:#}"), "freight plan job failed");
            let _ = store::fail_plan(&db, id, &failure_reason(&e)).await;
        }
    });
    Ok(row)
}

/// Why a job failed, for its page: the cause of an internal error rather than just its kind.
fn failure_reason(e: &Error) -> String {
    match e {
        Error::Internal(cause) => format!("internal error: {cause}"),
        other => other.to_string(),
    }
}

/// The message of a panic caught from the planning thread.
fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(payload) => payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".into()),
        Err(e) => e.to_string(),
    }
}

/// Run one job to its end (done or failed).
async fn run(db: &Db, id: Id, snap: PlanSnapshot) -> Result<(), Error> {
    store::start_plan(db, id).await?;
    let progress = Arc::new(Mutex::new(0.0f64));
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticker = {
        let (db, progress, done) = (db.clone(), progress.clone(), done.clone());
        tokio::spawn(async move {
            let mut last = -1.0;
            let mut said = std::time::Instant::now();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                let p = progress.lock().map(|p| *p).unwrap_or(0.0);
                // New progress, or the heartbeat that tells other servers this job is alive.
                if p > last || said.elapsed() >= HEARTBEAT {
                    let _ = store::set_progress(&db, id, p.max(0.0) * 0.95).await;
                    last = last.max(p);
                    said = std::time::Instant::now();
                }
            }
        })
    };
    let solved = tokio::task::spawn_blocking(move || {
        let report = |p: f64| {
            if let Ok(mut g) = progress.lock() {
                *g = p;
            }
        };
        // The economics (the split among members evaluates up to 4,096 groups) run on this
        // blocking thread too: they would otherwise hold up the server's request threads, and
        // a panic in them would leave the job `running` for ever.
        freight_engine::solve::plan(&snap.request, &report).map(|plan| economics(&snap, plan).and_then(|r| serde_json::to_value(&r).map_err(|e| e.to_string())))
    })
    .await;
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = ticker.await;
    match solved {
        Err(e) => store::fail_plan(db, id, &format!("the planning stopped on an internal error ({}); plan the week again, and report it if it happens again", panic_message(e))).await,
        Ok(Err(problems)) => {
            let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            store::fail_plan(db, id, &format!("the week cannot be planned: {}", text.join("; "))).await
        }
        Ok(Ok(Ok(result))) => store::finish_plan(db, id, &result).await,
        Ok(Ok(Err(reason))) => store::fail_plan(db, id, &reason).await,
    }
}

/// Take out of `plan` every route that costs more than its shipments would going alone: a pool
/// truck is not worth sending for them. Their shipments become unassigned with the two figures
/// in the reason, and the plan's totals are recomputed. `alone[i]` is shipment `i`'s (loaded
/// miles, going-alone price).
fn drop_routes_dearer_than_going_alone(req: &freight_engine::PlanRequest, plan: &mut Plan, alone: &[(f64, baseline::GoingAlone)]) {
    let index: std::collections::HashMap<&str, usize> = req.shipments.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
    let mut dropped = Vec::new();
    plan.routes.retain(|r| {
        let carried: Vec<&str> =
            r.stops.iter().filter(|s| s.kind == freight_engine::StopKind::Pickup).filter_map(|s| s.shipment_id.as_deref()).collect();
        let alone_cents: i64 = carried.iter().filter_map(|id| index.get(id)).map(|i| alone[*i].1.cost_cents).sum();
        if r.cost_cents <= alone_cents {
            return true;
        }
        let vehicle = req.fleet.get(r.vehicle_type).map(|v| v.name.as_str()).unwrap_or("truck");
        for id in &carried {
            dropped.push(freight_engine::Unassigned {
                shipment_id: id.to_string(),
                reason: format!(
                    "cheaper alone: the {vehicle} route that could carry {} costs {}, and going alone costs {}",
                    if carried.len() == 1 { "it".to_string() } else { format!("it with {}", carried.iter().filter(|o| *o != id).copied().collect::<Vec<_>>().join(", ")) },
                    baseline::dollars(r.cost_cents),
                    baseline::dollars(alone_cents)
                ),
            });
        }
        false
    });
    plan.unassigned.extend(dropped);
    plan.total_cost_cents = plan.routes.iter().map(|r| r.cost_cents).sum();
    plan.total_miles = plan.routes.iter().map(|r| r.miles).sum();
}

/// The economics of a plan (pure): each shipment going alone (by the loaded miles of the plan's
/// travel model), savings of the pooled shipments, the split among members by the settings'
/// method, truck miles and CO2 avoided. Errors: a going-alone model or travel the engine refuses.
pub fn economics(snap: &PlanSnapshot, mut plan: Plan) -> Result<PlanResult, String> {
    let req = &snap.request;
    let model: GoingAloneModel = serde_json::from_value(snap.settings.going_alone.clone()).map_err(|e| format!("the going-alone model cannot be read: {e}"))?;
    let travel = TravelModel::for_request(req).map_err(|p| p.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))?;
    // Each shipment going alone, priced once.
    let mut alone = Vec::with_capacity(req.shipments.len());
    for (i, s) in req.shipments.iter().enumerate() {
        let loaded_miles = travel.leg(travel::pickup_index(req, i), travel::delivery_index(req, i)).miles;
        alone.push((loaded_miles, baseline::going_alone(s, loaded_miles, &model).map_err(|e| e.to_string())?));
    }
    drop_routes_dearer_than_going_alone(req, &mut plan, &alone);
    let unassigned: std::collections::HashSet<&str> = plan.unassigned.iter().map(|u| u.shipment_id.as_str()).collect();
    let mut going_alone = Vec::new();
    let mut alone_truck_miles = 0.0;
    for (s, (loaded_miles, g)) in req.shipments.iter().zip(alone) {
        let pooled = !unassigned.contains(s.id.as_str());
        let member_id: Id = s.member.parse().unwrap_or(Id::nil());
        if pooled {
            alone_truck_miles += freight_engine::emissions::going_alone_truck_miles(s, loaded_miles, g.method, &model);
        }
        going_alone.push(AloneCost {
            reference: s.id.clone(),
            member_id,
            method: match g.method {
                GoingAloneMethod::DedicatedTruck => "dedicated".into(),
                _ => "ltl".into(),
            },
            cost_cents: g.cost_cents,
            explanation: g.explanation,
            loaded_miles,
            pooled,
        });
    }
    let alone_cents: i64 = going_alone.iter().filter(|a| a.pooled).map(|a| a.cost_cents).sum();
    let pooled_cents = plan.total_cost_cents;
    // Members with pooled shipments, in the order they first appear.
    let mut members: Vec<(String, i64, usize)> = Vec::new();
    for a in going_alone.iter().filter(|a| a.pooled) {
        let key = a.member_id.to_string();
        match members.iter_mut().find(|m| m.0 == key) {
            Some(m) => {
                m.1 += a.cost_cents;
                m.2 += 1;
            }
            None => members.push((key, a.cost_cents, 1)),
        }
    }
    // The allocation names members in its notes ("… would pay $20.00 more …"), so it is given
    // their names; a name two members share gets the member's id added to stay unique.
    let name_of = |id: &str| snap.shipments.iter().find(|s| s.member_id.to_string() == id).map(|s| s.member_name.clone()).unwrap_or_else(|| id.to_string());
    let names: Vec<String> = members.iter().map(|(m, _, _)| name_of(m)).collect();
    let labels: Vec<String> =
        members.iter().zip(&names).map(|((m, _, _), n)| if names.iter().filter(|o| *o == n).count() > 1 { format!("{n} ({m})") } else { n.clone() }).collect();
    let costs: Vec<MemberCost> = members.iter().zip(&labels).map(|((_, c, _), l)| MemberCost { member: l.clone(), stand_alone_cents: *c }).collect();
    let coalition = |included: &[bool]| -> i64 {
        let chosen: Vec<&str> = members.iter().zip(included).filter(|(_, inc)| **inc).map(|(m, _)| m.0.as_str()).collect();
        freight_engine::evaluate::coalition_cost_cents(req, &plan, &|s: &freight_engine::Shipment| chosen.contains(&s.member.as_str()) && !unassigned.contains(s.id.as_str()))
    };
    let method = match snap.settings.allocation_method {
        SplitMethod::Shapley => AllocationMethod::Shapley,
        SplitMethod::ProportionalToStandAlone => AllocationMethod::ProportionalToStandAlone,
        SplitMethod::EqualRelativeSavings => AllocationMethod::EqualRelativeSavings,
    };
    let alloc = allocation::allocate(&costs, &coalition, method, snap.settings.seed)
        .map_err(|p| format!("the savings cannot be split: {}", p.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; ")))?;
    let shares = members
        .iter()
        .zip(&names)
        .zip(&alloc.shares)
        .map(|(((m, alone, n), name), share)| MemberShare {
            member_id: m.parse().unwrap_or(Id::nil()),
            member_name: name.clone(),
            shipments: *n,
            alone_cents: *alone,
            pays_cents: share.pays_cents,
            saves_cents: share.savings_cents,
        })
        .collect();
    let sampling_note = alloc.sampling.as_ref().map(|s| {
        format!(
            "Estimated from {} random orders of the members (seed {}): each share is within about {} of the exact Shapley value (largest standard error).",
            s.permutations,
            s.seed,
            freight_engine::baseline::dollars(s.max_standard_error_cents.round() as i64)
        )
    });
    let pooled_truck_miles = plan.total_miles;
    let truck_miles_avoided = alone_truck_miles - pooled_truck_miles;
    let co2_avoided_kg = freight_engine::emissions::co2_avoided_kg(truck_miles_avoided);
    Ok(PlanResult {
        going_alone,
        alone_cents,
        pooled_cents,
        savings_cents: alone_cents - pooled_cents,
        alone_truck_miles,
        pooled_truck_miles,
        truck_miles_avoided,
        co2_kg_per_mile: freight_engine::emissions::TRUCK_CO2_KG_PER_MILE,
        co2_avoided_kg,
        emission_factor_source: freight_engine::emissions::EMISSION_FACTOR_SOURCE.to_string(),
        allocation: AllocationResult {
            method: snap.settings.allocation_method,
            shares,
            sampling_note,
            guarantees: alloc.guarantees,
            violations: alloc.violations,
        },
        plan,
    })
}

/// The weekday of a minute of the plan's week (minute 0 is Monday 00:00).
fn day_name(minute: u32) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][(minute / 1440 % 7) as usize]
}

/// The name of a kind of truck of the plan's fleet.
fn req_vehicle_name(snap: &PlanSnapshot, vehicle_type: usize) -> &str {
    snap.request.fleet.get(vehicle_type).map_or("truck", |v| v.name.as_str())
}

/// The plan's routes drawn over the state outlines (the one map renderer, `web::map`).
pub fn map_svg(snap: &PlanSnapshot, plan: &Plan) -> String {
    let routes: Vec<crate::web::map::MapRoute> = plan
        .routes
        .iter()
        .enumerate()
        .map(|(i, r)| crate::web::map::MapRoute {
            label: format!("Route {}, {}, {}", i + 1, day_name(r.stops.first().map_or(0, |s| s.departure_minute)), req_vehicle_name(snap, r.vehicle_type)),
            colour: None,
            points: r.stops.iter().map(|s| (s.place.longitude, s.place.latitude)).collect(),
        })
        .collect();
    let places: Vec<crate::web::map::MapPlace> = plan
        .routes
        .iter()
        .flat_map(|r| &r.stops)
        .map(|s| crate::web::map::MapPlace { name: s.place.name.clone(), longitude: s.place.longitude, latitude: s.place.latitude })
        .collect();
    crate::web::map::route_map_svg(&routes, &places, &format!("Routes of the week of {}", snap.week_start))
}

/// The measures an approved plan records, by their word in `freight_plan_observations`.
pub fn measure_label(word: &str) -> &'static str {
    match word {
        "cost_saved" => "Freight cost saved",
        "miles_avoided" => "Truck miles avoided",
        "co2_avoided" => "CO2 avoided",
        _ => "measure",
    }
}

fn spec(name: &str, unit: &str, description: &str) -> MeasureSpec {
    MeasureSpec { name: name.into(), unit: unit.into(), direction: Direction::Increase, category: MeasureCategory::EmployersIndustry, description: Some(description.into()) }
}

/// Approve a done plan: record its savings (USD), truck miles avoided (miles) and CO2 avoided
/// (kg CO2) for the plan's week on the partnership's measures of those names (created when
/// missing), each observation's note naming the plan (and, for CO2, the emission factor and its
/// source) and its link the plan page; all in one transaction. A plan with any shipment of an
/// illustrative (invented) member, or of an illustrative partnership, records its observations
/// `illustrative` (badged, left out of network figures by default) and its notes say so. Returns
/// the observation ids. Errors: `Conflict` for a plan that is not done.
pub async fn approve(db: &Db, ctx: &Context, plan: Id) -> Result<Vec<Id>, Error> {
    let row = store::plan(db, plan).await?;
    let status = row.status();
    if status != PlanStatus::Done {
        return Err(Error::Conflict(if status == PlanStatus::Approved {
            "this plan is already approved; its observations are recorded".into()
        } else {
            format!("only a finished plan can be approved; this one is {}", status.as_str())
        }));
    }
    let result: PlanResult = row.result.as_ref().and_then(|r| serde_json::from_value(r.0.clone()).ok()).ok_or_else(|| Error::Conflict("this plan has no result to approve".into()))?;
    let snap: PlanSnapshot = serde_json::from_value(row.request.0.clone()).map_err(|e| Error::Internal(e.into()))?;
    let url = format!("{}/plans/{}", ctx.base_path(), plan);
    // Invented members' shipments (as the snapshot recorded them, or as the organizations are
    // flagged now) make invented figures: the observations are recorded illustrative.
    let members: Vec<Id> = snap.shipments.iter().map(|s| s.member_id).collect();
    let illustrative = snap.illustrative() || store::plan_is_illustrative(db, ctx.partnership.id(), &members).await?;
    let what = format!(
        "freight plan of the week of {} ({} shipments pooled on {} routes){}",
        snap.week_start,
        result.going_alone.iter().filter(|a| a.pooled).count(),
        result.plan.routes.len(),
        if illustrative { "; illustrative: planned from invented example members' shipments, left out of network figures" } else { "" }
    );
    let obs = vec![
        store::PlanObservation {
            measure: "cost_saved",
            spec: spec("Freight cost saved", "USD", "Freight cost members saved by pooling shipments on shared trucks instead of shipping alone (LTL or a truck of their own)."),
            actual: result.savings_cents as f64 / 100.0,
            source_note: format!("{what}: going alone {} less pooled routes {}", dollars(result.alone_cents), dollars(result.pooled_cents)),
            source_url: url.clone(),
            illustrative,
        },
        store::PlanObservation {
            measure: "miles_avoided",
            spec: spec("Truck miles avoided", "miles", "Truck miles not driven because members' shipments shared trucks."),
            actual: (result.truck_miles_avoided * 10.0).round() / 10.0,
            source_note: format!("{what}: {} truck miles going alone less {} pooled", fmt_int(result.alone_truck_miles.round() as i64), fmt_int(result.pooled_truck_miles.round() as i64)),
            source_url: url.clone(),
            illustrative,
        },
        store::PlanObservation {
            measure: "co2_avoided",
            spec: spec("CO2 avoided", "kg CO2", "Carbon dioxide not emitted because of the truck miles avoided."),
            actual: result.co2_avoided_kg.round(),
            source_note: format!(
                "{what}: {} truck miles avoided × {} kg CO2 per truck mile (emission factor: {})",
                fmt_int(result.truck_miles_avoided.round() as i64),
                result.co2_kg_per_mile,
                result.emission_factor_source
            ),
            source_url: url,
            illustrative,
        },
    ];
    store::approve_plan(db, plan, PartialDate::from_date(snap.week_start), &obs).await
}

//! The Li & Lim PDPTW benchmark: reading instance files and solving them by the benchmark's own rules.
//!
//! Format (Li & Lim 2001, as described in the SINTEF TOP benchmark pages): line 1 is `K Q S`
//! (vehicles available, vehicle capacity, speed: 1 in most files, 0 in some, and ignored, as time = distance); every further non-blank line is one
//! node `id x y demand earliest latest service pickup_index delivery_index`, fields separated by
//! any whitespace. Node 0 is the depot, whose window is the planning horizon. A pickup has
//! `pickup_index = 0` and names its delivery in `delivery_index`; a delivery names its pickup in
//! `pickup_index` and carries minus the pickup's demand.
//!
//! Rules of the benchmark (the ones its best-known values are computed under): distance is the
//! Euclidean distance in double precision, unrounded; travel time equals distance; service is spent
//! at the node before leaving; arriving early means waiting; arriving after `latest` is
//! infeasible; the load stays within `[0, Q]`; a pickup and its delivery share a route, pickup
//! first; the objective is fewest vehicles first, then least total distance.

use std::sync::{Arc, Mutex};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use vrp_core::construction::features::create_minimize_tours_feature;
use vrp_core::construction::heuristics::UnassignmentInfo;
use vrp_core::models::common::TimeWindow;
use vrp_core::models::problem::Job as VrpJob;
use vrp_core::models::Goal;
use vrp_core::prelude::*;
use vrp_core::rosomaxa::evolution::TelemetryMode;
use vrp_core::rosomaxa::utils::{Parallelism, Quota, TimeQuota};
use vrp_core::rosomaxa::utils::RandomGen;
use vrp_core::solver::{HeuristicFilterExtraProperty, RefinementContext};

/// One node of a Li & Lim instance, exactly as the file gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LilimNode {
    /// Node id, `0..n` in file order; 0 is the depot.
    pub id: usize,
    /// X coordinate (plane units; distance is Euclidean).
    pub x: f64,
    /// Y coordinate.
    pub y: f64,
    /// Load change at the node: positive at a pickup, minus the pickup's amount at its delivery,
    /// 0 at the depot (capacity units).
    pub demand: i32,
    /// Start of the time window (time units = distance units, speed 1).
    pub earliest: f64,
    /// End of the time window: arriving later is infeasible.
    pub latest: f64,
    /// Service time spent at the node before leaving.
    pub service: f64,
    /// For a delivery, the id of its pickup; 0 otherwise.
    pub pickup_index: usize,
    /// For a pickup, the id of its delivery; 0 otherwise.
    pub delivery_index: usize,
}

impl LilimNode {
    /// Whether the node is a pickup (it names its delivery).
    pub fn is_pickup(&self) -> bool {
        self.id != 0 && self.delivery_index != 0
    }
}

/// A parsed Li & Lim instance. Invariants (checked by [`parse`]): `nodes[i].id == i`, node 0 is the
/// depot, every pickup names a delivery that names it back and carries minus its demand.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LilimInstance {
    /// Number of vehicles available (`K`).
    pub vehicles: usize,
    /// Capacity of each vehicle (`Q`, capacity units).
    pub capacity: i32,
    /// Depot first, then every pickup and delivery node, in id order.
    pub nodes: Vec<LilimNode>,
}

impl LilimInstance {
    /// Euclidean distance between nodes `a` and `b` in double precision, unrounded (also the
    /// travel time: speed 1). Panics only if an id is out of range, which callers rule out.
    pub fn distance(&self, a: usize, b: usize) -> f64 {
        let (p, q) = (&self.nodes[a], &self.nodes[b]);
        (p.x - q.x).hypot(p.y - q.y)
    }

    /// The requests as `(pickup id, delivery id)` pairs, in pickup id order.
    pub fn requests(&self) -> Vec<(usize, usize)> {
        self.nodes.iter().filter(|n| n.is_pickup()).map(|n| (n.id, n.delivery_index)).collect()
    }
}

/// Why an instance file could not be read: the 1-based line, the field (when one is at fault) and
/// the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("line {line}{}: {reason}", field.map(|f| format!(" field {f}")).unwrap_or_default())]
pub struct LilimError {
    /// 1-based line number in the file (blank lines counted).
    pub line: usize,
    /// The field at fault, by its name in the format (`id`, `x`, `latest`, ...), if one is.
    pub field: Option<&'static str>,
    /// What is wrong, with the offending text or numbers.
    pub reason: String,
}

const NODE_FIELDS: [&str; 9] = ["id", "x", "y", "demand", "earliest", "latest", "service", "pickup_index", "delivery_index"];

fn err(line: usize, field: Option<&'static str>, reason: impl Into<String>) -> LilimError {
    LilimError { line, field, reason: reason.into() }
}

fn whole(line: usize, field: &'static str, text: &str) -> Result<i64, LilimError> {
    text.parse::<i64>().map_err(|_| err(line, Some(field), format!("'{text}' is not a whole number")))
}

fn index(line: usize, field: &'static str, text: &str) -> Result<usize, LilimError> {
    let v = whole(line, field, text)?;
    usize::try_from(v).map_err(|_| err(line, Some(field), format!("{v} is negative")))
}

fn real(line: usize, field: &'static str, text: &str) -> Result<f64, LilimError> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(err(line, Some(field), format!("'{text}' is not a number"))),
    }
}

/// Read a Li & Lim instance from the text of its file (TAB or space separated, CRLF or LF line
/// ends, blank lines skipped).
///
/// Errors name the 1-based line and the field: a bad number, a wrong column count (3 on the first
/// line, 9 on node lines), ids not running 0..n in file order, a depot that is not first or carries
/// a demand or a pairing, a window whose `earliest` is after its `latest`, a negative service time,
/// a speed that is not a number, and any pickup and delivery that do not name each other or whose demands
/// are not opposite.
pub fn parse(text: &str) -> Result<LilimInstance, LilimError> {
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l)).filter(|(_, l)| !l.trim().is_empty());
    let Some((hl, header)) = lines.next() else {
        return Err(err(1, None, "the file is empty: expected the line `vehicles capacity speed`"));
    };
    let cols: Vec<&str> = header.split_whitespace().collect();
    if cols.len() != 3 {
        return Err(err(hl, None, format!("expected 3 columns (vehicles capacity speed), found {}", cols.len())));
    }
    let vehicles = index(hl, "vehicles", cols[0])?;
    let capacity = whole(hl, "capacity", cols[1])?;
    let capacity = i32::try_from(capacity).map_err(|_| err(hl, Some("capacity"), format!("{capacity} is out of range")))?;
    if capacity < 0 {
        return Err(err(hl, Some("capacity"), format!("{capacity} is negative")));
    }
    // The speed is read (so a garbled header is caught) and otherwise ignored: the benchmark's
    // rules take travel time = distance whatever it says, and ten of the 100-task files (lc104,
    // lc107, lc108, lr1xx ...) give 0 there.
    let _speed = real(hl, "speed", cols[2])?;

    let mut nodes: Vec<LilimNode> = Vec::new();
    let mut line_of: Vec<usize> = Vec::new();
    for (ln, line) in lines {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() != 9 {
            return Err(err(ln, None, format!("expected 9 columns ({}), found {}", NODE_FIELDS.join(" "), cols.len())));
        }
        let id = index(ln, "id", cols[0])?;
        if id != nodes.len() {
            let why = if nodes.is_empty() { "the depot, node 0, must come first" } else { "ids run 0..n in file order" };
            return Err(err(ln, Some("id"), format!("expected node {} ({why}), found {id}", nodes.len())));
        }
        let demand = whole(ln, "demand", cols[3])?;
        let demand = i32::try_from(demand).map_err(|_| err(ln, Some("demand"), format!("{demand} is out of range")))?;
        let node = LilimNode {
            id,
            x: real(ln, "x", cols[1])?,
            y: real(ln, "y", cols[2])?,
            demand,
            earliest: real(ln, "earliest", cols[4])?,
            latest: real(ln, "latest", cols[5])?,
            service: real(ln, "service", cols[6])?,
            pickup_index: index(ln, "pickup_index", cols[7])?,
            delivery_index: index(ln, "delivery_index", cols[8])?,
        };
        if node.earliest > node.latest {
            return Err(err(ln, Some("latest"), format!("{} is before earliest {}", node.latest, node.earliest)));
        }
        if node.service < 0.0 {
            return Err(err(ln, Some("service"), format!("{} is negative", node.service)));
        }
        if id == 0 {
            if node.demand != 0 || node.pickup_index != 0 || node.delivery_index != 0 {
                return Err(err(ln, None, "node 0 is the depot: its demand, pickup_index and delivery_index must be 0"));
            }
        } else {
            match (node.pickup_index, node.delivery_index) {
                (0, 0) => return Err(err(ln, None, format!("node {id} is neither a pickup nor a delivery (pickup_index and delivery_index are both 0)"))),
                (p, d) if p != 0 && d != 0 => {
                    return Err(err(ln, None, format!("node {id} names both a pickup ({p}) and a delivery ({d}); one of them must be 0")))
                }
                (0, _) if node.demand < 0 => {
                    return Err(err(ln, Some("demand"), format!("pickup {id} has a negative demand {}", node.demand)))
                }
                (_, 0) if node.demand > 0 => {
                    return Err(err(ln, Some("demand"), format!("delivery {id} has a positive demand {}", node.demand)))
                }
                _ => {}
            }
        }
        nodes.push(node);
        line_of.push(ln);
    }
    if nodes.is_empty() {
        return Err(err(hl + 1, None, "no depot line: expected node 0 after the first line"));
    }
    let n = nodes.len();
    for node in nodes.iter().skip(1) {
        let ln = line_of[node.id];
        if node.delivery_index != 0 {
            let d = node.delivery_index;
            let back = nodes.get(d).map(|x| x.pickup_index);
            if d >= n || back != Some(node.id) {
                let found = match back {
                    None => format!("there is no node {d} (ids run 0..{})", n - 1),
                    Some(_) if d == 0 => "node 0 is the depot".to_string(),
                    Some(p) => format!("node {d} names pickup {p}"),
                };
                return Err(err(ln, Some("delivery_index"), format!("unpaired pickup {}: it names delivery {d}, but {found}", node.id)));
            }
            if nodes[d].demand != -node.demand {
                return Err(err(
                    line_of[d],
                    Some("demand"),
                    format!("delivery {d} has demand {}, not minus its pickup {}'s demand {}", nodes[d].demand, node.id, node.demand),
                ));
            }
        } else {
            let p = node.pickup_index;
            let back = nodes.get(p).map(|x| x.delivery_index);
            if p >= n || back != Some(node.id) {
                let found = match back {
                    None => format!("there is no node {p} (ids run 0..{})", n - 1),
                    Some(d) => format!("node {p} names delivery {d}"),
                };
                return Err(err(ln, Some("pickup_index"), format!("unpaired delivery {}: it names pickup {p}, but {found}", node.id)));
            }
        }
    }
    Ok(LilimInstance { vehicles, capacity, nodes })
}

/// A request left out of the solution, with the reason in words and numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LilimUnassigned {
    /// Pickup node id.
    pub pickup: usize,
    /// Delivery node id.
    pub delivery: usize,
    /// Why it is not served.
    pub reason: String,
}

/// A solution in the benchmark's terms. Serializes to
/// `{"vehicles": V, "distance": D, "routes": [[node ids in visiting order, depot left out], ...],
/// "unassigned": [{"pickup": id, "delivery": id, "reason": "..."}]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LilimSolution {
    /// Vehicles used (non-empty routes).
    pub vehicles: usize,
    /// Total distance of all routes, depot to depot, double-precision Euclidean.
    pub distance: f64,
    /// One list of node ids per vehicle used, in visiting order, depot left out.
    pub routes: Vec<Vec<usize>>,
    /// Requests not served, each with its reason.
    pub unassigned: Vec<LilimUnassigned>,
}

/// Why the solver could not run at all (never for a valid instance; reported rather than panicking).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolveError {
    /// The time limit is zero, negative or not a number.
    #[error("the time limit must be a positive number of seconds, not {0}")]
    TimeLimit(f64),
    /// vrp-core refused the problem or found no solution.
    #[error("the routing library failed: {0}")]
    Library(String),
}

/// Why a request cannot be served even alone in a vehicle (depot, pickup, delivery, depot, leaving
/// the depot at its earliest time), or `None` if it can. The reason carries the numbers.
pub fn alone_infeasibility(instance: &LilimInstance, pickup: usize, delivery: usize) -> Option<String> {
    if instance.vehicles == 0 {
        return Some("the instance has no vehicles (K = 0)".to_string());
    }
    let (depot, p, d) = (&instance.nodes[0], &instance.nodes[pickup], &instance.nodes[delivery]);
    if p.demand > instance.capacity {
        return Some(format!("its demand {} exceeds the vehicle capacity {}", p.demand, instance.capacity));
    }
    let at_p = depot.earliest + instance.distance(0, pickup);
    if at_p > p.latest {
        return Some(format!(
            "even straight from the depot at time {} the pickup {pickup} is reached at {at_p:.2}, after its latest time {}",
            depot.earliest, p.latest
        ));
    }
    let at_d = at_p.max(p.earliest) + p.service + instance.distance(pickup, delivery);
    if at_d > d.latest {
        return Some(format!(
            "even straight from its pickup the delivery {delivery} is reached at {at_d:.2} at the earliest, after its latest time {}",
            d.latest
        ));
    }
    let home = at_d.max(d.earliest) + d.service + instance.distance(delivery, 0);
    if home > depot.latest {
        return Some(format!(
            "serving it alone brings the vehicle back to the depot at {home:.2} at the earliest, after the depot's latest time {}",
            depot.latest
        ));
    }
    None
}

/// Violation codes the solver reports for jobs it leaves out.
const TIME_CODE: ViolationCode = ViolationCode(1);
const CAPACITY_CODE: ViolationCode = ViolationCode(2);

/// A random source for the solver seeded by the caller. vrp-core's operators draw mostly through
/// [`Random`]'s methods (seeded here); the few that ask for a raw generator get the library's
/// fixed-seed one. Runs stopped by a time limit on several threads are still not bit-for-bit
/// repeatable.
struct SeededRandom(Mutex<SmallRng>);

impl SeededRandom {
    fn with<T>(&self, f: impl FnOnce(&mut SmallRng) -> T) -> T {
        let mut guard = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

impl Random for SeededRandom {
    fn uniform_int(&self, min: i32, max: i32) -> i32 {
        if min >= max {
            return min;
        }
        self.with(|r| r.gen_range(min..=max))
    }

    fn uniform_real(&self, min: Float, max: Float) -> Float {
        if (min - max).abs() < Float::EPSILON || min > max {
            return min;
        }
        self.with(|r| r.gen_range(min..max))
    }

    fn is_head_not_tails(&self) -> bool {
        self.with(|r| r.gen_bool(0.5))
    }

    fn is_hit(&self, probability: Float) -> bool {
        let p = if probability.is_nan() { 0.0 } else { probability.clamp(0.0, 1.0) };
        self.with(|r| r.gen_bool(p))
    }

    fn weighted(&self, weights: &[usize]) -> usize {
        // Same scheme as rosomaxa's DefaultRandom: the smallest -ln(U)/w wins.
        weights
            .iter()
            .enumerate()
            .map(|(i, &w)| (-self.uniform_real(0.0, 1.0).ln() / w.max(1) as Float, i))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map_or(0, |(_, i)| i)
    }

    fn get_rng(&self) -> RandomGen {
        RandomGen::new_repeatable()
    }
}

/// The settings of one solver run (exposed so that tuning can compare them; [`solve`] uses
/// [`SolverSettings::default`]: every CPU, vrp-scientific's alternative distance goal at 0.1, 4
/// initial solutions, ROSOMAXA population, dynamic heuristic, route elimination with share 0.3;
/// measurements in bench/freight/TUNING.md).
#[derive(Debug, Clone, PartialEq)]
pub struct SolverSettings {
    /// Worker threads for vrp-core's data parallelism (`None`: every CPU).
    pub threads: Option<usize>,
    /// Weight of the alternative distance-only goal that vrp-core's search switches to at times
    /// (vrp-scientific uses 0.1 for Li & Lim); `None` keeps only the hierarchical goal.
    pub alternative_distance_goal: Option<f64>,
    /// Number of initial solutions built before the search (vrp-core's default is 4).
    pub initial_size: usize,
    /// Keep an elitist population of 4 instead of vrp-core's default ROSOMAXA population
    /// (`vrp-cli --search-mode deep`).
    pub elitism: bool,
    /// Use vrp-core's static hyper-heuristic (fixed operator probabilities) instead of its default
    /// dynamic one (operators chosen by observed success; `vrp-cli --heuristic static`).
    pub static_heuristic: bool,
    /// Route elimination: `Some(f)` spends the share `f` of the time on a first solve with the
    /// whole fleet, then repeatedly restarts the search with one vehicle fewer than the best
    /// complete solution, seeded with that solution minus its shortest route (whose requests start
    /// unassigned), each attempt for up to the same share; when an attempt cannot place every
    /// request, the rest of the time polishes the best complete solution. `None`: one solve with
    /// the whole fleet for the whole time.
    pub squeeze: Option<f64>,
}

impl Default for SolverSettings {
    fn default() -> Self {
        Self { threads: None, alternative_distance_goal: Some(0.1), initial_size: 4, elitism: false, static_heuristic: false, squeeze: Some(0.3) }
    }
}

/// Solve an instance by the benchmark's rules within about `max_seconds` of search: fewest vehicles
/// first, then least total distance, every request served if it can be. The search is vrp-core's
/// (hierarchical goal: unassigned, tours, distance) wrapped in route elimination (see
/// [`SolverSettings::squeeze`]).
///
/// Requests that cannot be served even alone are listed in `unassigned` with the numbers that rule
/// them out and are not given to the solver; any request the solver still leaves out (for instance
/// when `K` vehicles are too few) is listed with the constraint that blocked it. `seed` makes the
/// solver's random choices start from a fixed seed (see [`SolverSettings`] for the limits of
/// repeatability). Errors only if `max_seconds` is not a positive number or the library fails.
pub fn solve(instance: &LilimInstance, max_seconds: f64, seed: Option<u64>) -> Result<LilimSolution, SolveError> {
    solve_with(instance, max_seconds, seed, &SolverSettings::default())
}

/// [`solve`] with explicit solver settings.
pub fn solve_with(
    instance: &LilimInstance,
    max_seconds: f64,
    seed: Option<u64>,
    settings: &SolverSettings,
) -> Result<LilimSolution, SolveError> {
    if !(max_seconds.is_finite() && max_seconds > 0.0) {
        return Err(SolveError::TimeLimit(max_seconds));
    }
    let mut unassigned = Vec::new();
    let mut servable = Vec::new();
    for (p, d) in instance.requests() {
        match alone_infeasibility(instance, p, d) {
            Some(reason) => unassigned.push(LilimUnassigned { pickup: p, delivery: d, reason: format!("cannot be served even alone: {reason}") }),
            None => servable.push((p, d)),
        }
    }
    let mut routes: Vec<Vec<usize>> = Vec::new();
    if !servable.is_empty() {
        let (found, left) = match settings.squeeze {
            None => run_solver(instance, &servable, instance.vehicles, max_seconds, seed, settings, None)?,
            Some(share) => squeeze(instance, &servable, max_seconds, share, seed, settings)?,
        };
        routes = found;
        unassigned.extend(left);
    }
    routes.retain(|r| !r.is_empty());
    unassigned.sort_by_key(|u| u.pickup);
    let distance = routes_distance(instance, &routes);
    Ok(LilimSolution { vehicles: routes.len(), distance, routes, unassigned })
}

/// Total depot-to-depot distance of `routes` (double-precision Euclidean, summed route by route in
/// visiting order).
pub fn routes_distance(instance: &LilimInstance, routes: &[Vec<usize>]) -> f64 {
    routes
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| {
            let mut prev = 0;
            let mut sum = 0.0;
            for &n in r {
                sum += instance.distance(prev, n);
                prev = n;
            }
            sum + instance.distance(prev, 0)
        })
        .sum()
}

fn lib_err(e: GenericError) -> SolveError {
    SolveError::Library(e.to_string())
}

type SolverOutcome = (Vec<Vec<usize>>, Vec<LilimUnassigned>);

/// Route elimination around [`run_solver`]; see [`SolverSettings::squeeze`].
fn squeeze(
    instance: &LilimInstance,
    requests: &[(usize, usize)],
    max_seconds: f64,
    share: f64,
    seed: Option<u64>,
    settings: &SolverSettings,
) -> Result<SolverOutcome, SolveError> {
    let start = std::time::Instant::now();
    let remaining = || max_seconds - start.elapsed().as_secs_f64();
    let slice = (max_seconds * share.clamp(0.05, 1.0)).max(0.5);
    let mut best = run_solver(instance, requests, instance.vehicles, slice.min(max_seconds), seed, settings, None)?;
    while best.1.is_empty() && best.0.len() > 1 && remaining() >= 1.0 {
        let fleet = best.0.len() - 1;
        let shortest = best.0.iter().enumerate().min_by_key(|(_, r)| r.len()).map_or(0, |(i, _)| i);
        let seed_routes: Vec<Vec<usize>> = best.0.iter().enumerate().filter(|(i, _)| *i != shortest).map(|(_, r)| r.clone()).collect();
        let attempt = run_solver(instance, requests, fleet, slice.min(remaining()), seed, settings, Some(&seed_routes))?;
        if attempt.1.is_empty() {
            best = attempt;
            continue;
        }
        if remaining() >= 1.0 {
            let fleet = best.0.len();
            best = run_solver(instance, requests, fleet, remaining(), seed, settings, Some(&best.0))?;
        }
        return Ok(best);
    }
    if remaining() >= 1.0 {
        let fleet = if best.1.is_empty() { best.0.len() } else { instance.vehicles };
        best = run_solver(instance, requests, fleet, remaining(), seed, settings, Some(&best.0))?;
    }
    Ok(best)
}

/// One vrp-core search on `requests` with `fleet` vehicles for `max_seconds`, optionally seeded
/// with `initial` routes (node ids; requests not on them start unassigned).
fn run_solver(
    instance: &LilimInstance,
    requests: &[(usize, usize)],
    fleet: usize,
    max_seconds: f64,
    seed: Option<u64>,
    settings: &SolverSettings,
    initial: Option<&[Vec<usize>]>,
) -> Result<SolverOutcome, SolveError> {
    let n = instance.nodes.len();
    // Locations are node ids; one n x n matrix serves as distances and durations (speed 1).
    let matrix: Vec<Float> = (0..n).flat_map(|a| (0..n).map(move |b| (a, b))).map(|(a, b)| instance.distance(a, b)).collect();
    let transport: Arc<dyn TransportCost> = Arc::new(SimpleTransportCost::new(matrix.clone(), matrix).map_err(lib_err)?);
    let silent: InfoLogger = Arc::new(|_: &str| {});

    let single = |id: usize, demand: Demand<SingleDimLoad>| -> Result<_, GenericError> {
        let node = &instance.nodes[id];
        SingleBuilder::default()
            .id(&id.to_string())
            .demand(demand)
            .times(vec![TimeWindow::new(node.earliest, node.latest)])?
            .duration(node.service)?
            .location(id)?
            .build()
    };
    let jobs = requests
        .iter()
        .map(|&(p, d)| {
            let q = instance.nodes[p].demand;
            MultiBuilder::default()
                .id(&p.to_string())
                .add_job(single(p, Demand::pudo_pickup(q))?)
                .add_job(single(d, Demand::pudo_delivery(q))?)
                .build_as_job()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(lib_err)?;
    let depot = &instance.nodes[0];
    let vehicles = (0..fleet)
        .map(|i| {
            VehicleBuilder::default()
                .id(&format!("v{i}"))
                .add_detail(
                    VehicleDetailBuilder::default()
                        .set_start_location(0)
                        .set_start_time(depot.earliest)
                        .set_end_location(0)
                        .set_end_time(depot.latest)
                        .build()?,
                )
                .capacity(SingleDimLoad::new(instance.capacity))
                .build()
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(lib_err)?;

    let features = vec![
        MinimizeUnassignedBuilder::new("min_unassigned").build().map_err(lib_err)?,
        create_minimize_tours_feature("min_tours").map_err(lib_err)?,
        TransportFeatureBuilder::new("min_distance")
            .set_violation_code(TIME_CODE)
            .set_time_constrained(true)
            .set_transport_cost(transport.clone())
            .build_minimize_distance()
            .map_err(lib_err)?,
        CapacityFeatureBuilder::<SingleDimLoad>::new("capacity").set_violation_code(CAPACITY_CODE).build().map_err(lib_err)?,
    ];
    let mut goal = GoalContextBuilder::with_features(&features)
        .map_err(lib_err)?
        .set_main_goal(Goal::subset_of(&features, &["min_unassigned", "min_tours", "min_distance"]).map_err(lib_err)?);
    if let Some(weight) = settings.alternative_distance_goal {
        goal = goal.add_alternative_goal(Goal::subset_of(&features, &["min_unassigned", "min_distance"]).map_err(lib_err)?, weight);
    }
    let goal = goal.build().map_err(lib_err)?;

    // As vrp-scientific does for its formats: departure rescheduling only matters for duration costs.
    let mut extras = Extras::default();
    let filter: vrp_core::solver::HeuristicFilterFn = Arc::new(|name: &str| name != "local_reschedule_departure");
    extras.set_heuristic_filter(Arc::new(filter));

    let problem = Arc::new(
        ProblemBuilder::default()
            .add_jobs(jobs.into_iter())
            .add_vehicles(vehicles.into_iter())
            .with_goal(goal)
            .with_transport_cost(transport)
            .with_extras(extras)
            .with_logger(silent.clone())
            .build()
            .map_err(lib_err)?,
    );

    let random: Arc<dyn Random> = match seed {
        Some(s) => Arc::new(SeededRandom(Mutex::new(SmallRng::seed_from_u64(s)))),
        None => Arc::new(DefaultRandom::default()),
    };
    let parallelism = match settings.threads {
        Some(t) => Parallelism::new_with_cpus(t.max(1)),
        None => Parallelism::default(),
    };
    let quota: Arc<dyn Quota> = Arc::new(TimeQuota::new(max_seconds));
    let environment = Arc::new(Environment::new(random, Some(quota), parallelism, silent, false));
    let whole_seconds = max_seconds.ceil().max(1.0) as usize;
    let mut builder = VrpConfigBuilder::new(problem.clone()).set_environment(environment.clone()).set_telemetry_mode(TelemetryMode::None);
    if settings.static_heuristic {
        builder = builder.set_heuristic(Box::new(vrp_core::solver::get_static_heuristic(problem.clone(), environment.clone())));
    }
    let mut builder = builder
        .prebuild()
        .map_err(lib_err)?
        .with_init_solutions(vec![], Some(settings.initial_size.max(1)))
        .with_max_time(Some(whole_seconds));
    if settings.elitism {
        let selection_size = vrp_core::rosomaxa::get_default_selection_size(environment.as_ref());
        let population: vrp_core::solver::TargetPopulation = Box::new(vrp_core::solver::ElitismPopulation::new(
            problem.goal.clone(),
            environment.random.clone(),
            4,
            selection_size,
        ));
        builder = builder.with_context(RefinementContext::new(problem.clone(), population, TelemetryMode::None, environment.clone()));
    }
    if let Some(routes) = initial {
        let start = seeded_solution(&problem, routes, environment.clone());
        builder = builder.with_init_solutions(vec![start], Some(settings.initial_size.max(1)));
    }
    let config = builder.build().map_err(lib_err)?;
    let solution = Solver::new(problem, config).solve().map_err(lib_err)?;

    let routes = solution
        .routes
        .iter()
        .map(|route| route.tour.all_activities().filter(|a| a.job.is_some()).map(|a| a.place.location).collect::<Vec<usize>>())
        .collect();
    let left = solution
        .unassigned
        .iter()
        .map(|(job, info)| {
            let ids: Vec<usize> = match job {
                VrpJob::Multi(m) => m.jobs.iter().filter_map(|s| s.places.first().and_then(|p| p.location)).collect(),
                VrpJob::Single(s) => s.places.first().and_then(|p| p.location).into_iter().collect(),
            };
            let pickup = ids.first().copied().unwrap_or(0);
            let delivery = ids.get(1).copied().unwrap_or_else(|| instance.nodes.get(pickup).map_or(0, |n| n.delivery_index));
            LilimUnassigned { pickup, delivery, reason: solver_reason(fleet, info) }
        })
        .collect();
    Ok((routes, left))
}

/// A vrp-core starting solution made of `routes` (node ids, each visited by the sub-job at that
/// location); jobs not on them start unassigned. Routes beyond the fleet are left out.
fn seeded_solution(problem: &Arc<Problem>, routes: &[Vec<usize>], environment: Arc<Environment>) -> InsertionContext {
    use std::collections::HashMap;
    use vrp_core::models::common::Schedule;
    use vrp_core::models::solution::{Activity, Place as TourPlace, Registry, Route, Tour};

    let mut by_location: HashMap<usize, Arc<vrp_core::models::problem::Single>> = HashMap::new();
    for job in problem.jobs.all() {
        if let VrpJob::Multi(m) = job {
            for single in &m.jobs {
                if let Some(location) = single.places.first().and_then(|p| p.location) {
                    by_location.insert(location, single.clone());
                }
            }
        }
    }
    let mut registry = Registry::new(&problem.fleet, environment.random.clone());
    let mut tours = Vec::new();
    let mut placed = std::collections::HashSet::new();
    for route in routes {
        let Some(actor) = registry.available().next() else { break };
        let mut tour = Tour::new(&actor);
        for node in route {
            let Some(single) = by_location.get(node) else { continue };
            let Some(place) = single.places.first() else { continue };
            let Some(time) = place.times.first().and_then(|t| t.as_time_window()) else { continue };
            tour.insert_last(Activity {
                place: TourPlace { idx: 0, location: *node, duration: place.duration, time },
                schedule: Schedule::new(0.0, 0.0),
                job: Some(single.clone()),
                commute: None,
            });
            placed.insert(*node);
        }
        registry.use_actor(&actor);
        tours.push(Route { actor, tour });
    }
    let unassigned = problem
        .jobs
        .all()
        .iter()
        .filter(|job| match job {
            VrpJob::Multi(m) => !m.jobs.iter().any(|s| s.places.first().and_then(|p| p.location).is_some_and(|l| placed.contains(&l))),
            VrpJob::Single(_) => true,
        })
        .map(|job| (job.clone(), UnassignmentInfo::Unknown))
        .collect();
    let solution = Solution { cost: Cost::default(), registry, routes: tours, unassigned, telemetry: None };
    InsertionContext::new_from_solution(problem.clone(), (solution, None), environment)
}

fn solver_reason(fleet: usize, info: &UnassignmentInfo) -> String {
    let codes: Vec<ViolationCode> = match info {
        UnassignmentInfo::Simple(code) => vec![*code],
        UnassignmentInfo::Detailed(pairs) => pairs.iter().map(|(_, c)| *c).collect(),
        UnassignmentInfo::Unknown => vec![],
    };
    let mut what = Vec::new();
    if codes.contains(&TIME_CODE) {
        what.push("a time window");
    }
    if codes.contains(&CAPACITY_CODE) {
        what.push("the vehicle capacity");
    }
    let blocked = if what.is_empty() { "no route could take it".to_string() } else { format!("every insertion tried broke {}", what.join(" or ")) };
    format!("servable alone, but the search found no place for it in {fleet} vehicles within the time limit: {blocked}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "2\t10\t1\r\n0\t0\t0\t0\t0\t100\t0\t0\t0\r\n1\t3\t4\t5\t0\t50\t1\t0\t2\r\n2\t6\t8\t-5\t0\t60\t1\t1\t0\r\n\r\n";

    #[test]
    fn parses_tabs_crlf_and_blank_lines() {
        let inst = parse(SMALL).unwrap();
        assert_eq!(inst.vehicles, 2);
        assert_eq!(inst.capacity, 10);
        assert_eq!(inst.nodes.len(), 3);
        assert_eq!(inst.nodes[2].demand, -5);
        assert_eq!(inst.nodes[2].pickup_index, 1);
        assert_eq!(inst.requests(), vec![(1, 2)]);
        assert_eq!(inst.distance(0, 1), 5.0);
        assert_eq!(inst.distance(1, 2), 5.0);
    }

    fn parse_err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn errors_name_line_and_field() {
        assert_eq!(parse_err(""), "line 1: the file is empty: expected the line `vehicles capacity speed`");
        assert_eq!(parse_err("2 10\n"), "line 1: expected 3 columns (vehicles capacity speed), found 2");
        assert_eq!(parse_err("2 ten 1\n"), "line 1 field capacity: 'ten' is not a whole number");
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0\n"),
            "line 2: expected 9 columns (id x y demand earliest latest service pickup_index delivery_index), found 8"
        );
        assert_eq!(parse_err("2 10 1\n0 0 0 0 0 1e0x 0 0 0\n"), "line 2 field latest: '1e0x' is not a number");
        assert_eq!(parse_err("2 10 1\n1 3 4 5 0 50 1 0 2\n"), "line 2 field id: expected node 0 (the depot, node 0, must come first), found 1");
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0 0\n2 3 4 5 0 50 1 0 2\n"),
            "line 3 field id: expected node 1 (ids run 0..n in file order), found 2"
        );
        assert_eq!(
            parse_err("2 10 1\n0 0 0 3 0 100 0 0 0\n"),
            "line 2: node 0 is the depot: its demand, pickup_index and delivery_index must be 0"
        );
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 3\n2 6 8 -5 0 60 1 1 0\n"),
            "line 3 field delivery_index: unpaired pickup 1: it names delivery 3, but there is no node 3 (ids run 0..2)"
        );
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -4 0 60 1 1 0\n"),
            "line 4 field demand: delivery 2 has demand -4, not minus its pickup 1's demand 5"
        );
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n3 6 8 -5 0 60 1 1 0\n"),
            "line 5 field pickup_index: unpaired delivery 3: it names pickup 1, but node 1 names delivery 2"
        );
        assert_eq!(
            parse_err("2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 60 50 1 0 2\n"),
            "line 3 field latest: 50 is before earliest 60"
        );
        assert!(parse("2 10 0\n0 0 0 0 0 100 0 0 0\n").is_ok(), "a speed of 0, as ten of the 100-task files give, is ignored");
    }

    #[test]
    fn solves_a_tiny_instance_exactly() {
        let inst = parse(SMALL).unwrap();
        let sol = solve(&inst, 1.0, Some(7)).unwrap();
        assert_eq!(sol.routes, vec![vec![1, 2]]);
        assert_eq!(sol.vehicles, 1);
        // 0 -> (3,4) -> (6,8) -> 0: 5 + 5 + 10.
        assert!((sol.distance - 20.0).abs() < 1e-9, "{}", sol.distance);
        assert!(sol.unassigned.is_empty());
        let json = serde_json::to_value(&sol).unwrap();
        assert_eq!(json, serde_json::json!({"vehicles": 1, "distance": 20.0, "routes": [[1, 2]], "unassigned": []}));
    }

    #[test]
    fn requests_infeasible_alone_are_listed_with_numbers() {
        // Request 3->4 has demand 12 > capacity 10; request 5->6 cannot reach its delivery in time.
        let text = "2 10 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n\
                    3 1 0 12 0 50 0 0 4\n4 2 0 -12 0 50 0 3 0\n5 10 0 1 0 50 0 0 6\n6 40 0 -1 0 20 0 5 0\n";
        let inst = parse(text).unwrap();
        assert_eq!(alone_infeasibility(&inst, 1, 2), None);
        let sol = solve(&inst, 1.0, Some(1)).unwrap();
        assert_eq!(sol.routes, vec![vec![1, 2]]);
        assert_eq!(sol.unassigned.len(), 2);
        assert_eq!((sol.unassigned[0].pickup, sol.unassigned[0].delivery), (3, 4));
        assert_eq!(sol.unassigned[0].reason, "cannot be served even alone: its demand 12 exceeds the vehicle capacity 10");
        assert_eq!((sol.unassigned[1].pickup, sol.unassigned[1].delivery), (5, 6));
        assert_eq!(
            sol.unassigned[1].reason,
            "cannot be served even alone: even straight from its pickup the delivery 6 is reached at 40.00 at the earliest, after its latest time 20"
        );
    }

    #[test]
    fn a_request_that_fits_alone_but_not_in_the_fleet_is_reported_by_the_solver() {
        // One vehicle; two requests whose windows force both to be served at nearly the same time
        // far apart, so only one fits.
        let text = "1 10 1\n0 0 0 0 0 100 0 0 0\n1 20 0 1 20 21 0 0 2\n2 20 1 -1 21 22 0 1 0\n\
                    3 -20 0 1 20 21 0 0 4\n4 -20 1 -1 21 22 0 3 0\n";
        let inst = parse(text).unwrap();
        let sol = solve(&inst, 1.0, Some(3)).unwrap();
        assert_eq!(sol.vehicles, 1);
        assert_eq!(sol.unassigned.len(), 1, "{sol:?}");
        let u = &sol.unassigned[0];
        assert!(u.pickup == 1 || u.pickup == 3);
        assert_eq!(u.delivery, u.pickup + 1);
        assert!(u.reason.starts_with("servable alone, but the search found no place for it in 1 vehicles within the time limit: "), "{}", u.reason);
    }

    #[test]
    fn rejects_a_non_positive_time_limit() {
        let inst = parse(SMALL).unwrap();
        assert_eq!(solve(&inst, 0.0, None).unwrap_err().to_string(), "the time limit must be a positive number of seconds, not 0");
    }
}

//! An independent checker for Li & Lim solutions: capacity, time windows, pairing, precedence and distance.
//!
//! Written apart from the solver's code path: it reads only the instance's raw node table (never
//! the solver, its matrix or [`crate::lilim::routes_distance`]) and recomputes everything by the
//! benchmark's rules (see [`crate::lilim`]): double-precision Euclidean distance, travel time =
//! distance, waiting allowed, arrival after `latest` infeasible, load within `[0, Q]`, pickup and
//! delivery on one route with the pickup first, every vehicle back at the depot by its `latest`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::lilim::LilimInstance;

/// Slack allowed on time comparisons (time units), for sums of square roots added in another
/// order than the solver's. Far below any meaningful lateness: windows are whole numbers.
pub const TIME_TOLERANCE: f64 = 1e-6;

/// Largest relative difference allowed between the claimed and the recomputed total distance.
pub const DISTANCE_TOLERANCE: f64 = 1e-6;

/// A request the solution says it leaves out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimedUnassigned {
    /// Pickup node id.
    pub pickup: usize,
    /// Delivery node id.
    pub delivery: usize,
    /// The stated reason (not judged).
    #[serde(default)]
    pub reason: String,
}

/// A solution to check, as the `freight solve` JSON gives it
/// (`{"vehicles", "distance", "routes", "unassigned"}`) or as a best-known route file gives it
/// (routes only; `vehicles` and `distance` absent, so not compared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claimed {
    /// Vehicles the solution claims to use.
    #[serde(default)]
    pub vehicles: Option<usize>,
    /// Total distance the solution claims.
    #[serde(default)]
    pub distance: Option<f64>,
    /// Node ids per route in visiting order, depot left out.
    pub routes: Vec<Vec<usize>>,
    /// Requests left out.
    #[serde(default)]
    pub unassigned: Vec<ClaimedUnassigned>,
}

/// The checker's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// True when there is no violation. Unassigned requests are not violations (see `unassigned`).
    pub feasible: bool,
    /// One sentence per violation, naming the route (1-based), node and numbers.
    pub violations: Vec<String>,
    /// Non-empty routes, counted by the checker.
    pub vehicles: usize,
    /// Total distance recomputed by the checker (double-precision Euclidean, depot to depot).
    pub distance: f64,
    /// Requests served (pickup and delivery both on a route).
    pub served: usize,
    /// Requests listed as unassigned.
    pub unassigned: usize,
}

fn euclid(instance: &LilimInstance, a: usize, b: usize) -> f64 {
    let (xa, ya) = (instance.nodes[a].x, instance.nodes[a].y);
    let (xb, yb) = (instance.nodes[b].x, instance.nodes[b].y);
    ((xa - xb) * (xa - xb) + (ya - yb) * (ya - yb)).sqrt()
}

/// Check `claimed` against `instance`. Never panics on bad ids: a node id outside `1..n` is itself
/// reported and left out of the time, load and distance computations.
pub fn check(instance: &LilimInstance, claimed: &Claimed) -> CheckReport {
    let n = instance.nodes.len();
    let depot = &instance.nodes[0];
    let mut v: Vec<String> = Vec::new();
    // Where each node is visited: (route index, position).
    let mut seen: HashMap<usize, (usize, usize)> = HashMap::new();
    let mut total = 0.0;
    let mut used = 0;

    for (r, route) in claimed.routes.iter().enumerate() {
        let k = r + 1;
        if route.is_empty() {
            v.push(format!("route {k} is empty"));
            continue;
        }
        used += 1;
        let mut valid: Vec<usize> = Vec::with_capacity(route.len());
        for (pos, &node) in route.iter().enumerate() {
            if node == 0 || node >= n {
                v.push(format!("route {k} position {}: node {node} is not a customer of the instance (ids 1..{})", pos + 1, n - 1));
                continue;
            }
            if let Some(&(r0, _)) = seen.get(&node) {
                v.push(format!("node {node} is visited twice (routes {} and {k})", r0 + 1));
                continue;
            }
            seen.insert(node, (r, pos));
            valid.push(node);
        }
        // Load, time and distance along the route.
        let (mut load, mut time, mut prev) = (0i64, depot.earliest, 0usize);
        for &node in &valid {
            let nd = &instance.nodes[node];
            let leg = euclid(instance, prev, node);
            total += leg;
            time += leg;
            if time > nd.latest + TIME_TOLERANCE {
                v.push(format!("route {k}: arrives at node {node} at {time:.4}, after its latest time {}", nd.latest));
            }
            time = time.max(nd.earliest) + nd.service;
            load += i64::from(nd.demand);
            if load > i64::from(instance.capacity) {
                v.push(format!("route {k}: load {load} after node {node} exceeds the capacity {}", instance.capacity));
            }
            if load < 0 {
                v.push(format!("route {k}: load {load} after node {node} is below zero"));
            }
            prev = node;
        }
        let leg = euclid(instance, prev, 0);
        total += leg;
        time += leg;
        if time > depot.latest + TIME_TOLERANCE {
            v.push(format!("route {k}: back at the depot at {time:.4}, after its latest time {}", depot.latest));
        }
    }

    // Pairing and precedence, from each pickup's point of view.
    let mut served = 0;
    for node in instance.nodes.iter().skip(1).filter(|x| x.pickup_index == 0) {
        let (p, d) = (node.id, node.delivery_index);
        match (seen.get(&p), seen.get(&d)) {
            (Some(&(rp, pp)), Some(&(rd, pd))) => {
                if rp != rd {
                    v.push(format!("pickup {p} is on route {} but its delivery {d} is on route {}", rp + 1, rd + 1));
                } else if pd < pp {
                    v.push(format!("delivery {d} comes before its pickup {p} on route {}", rp + 1));
                } else {
                    served += 1;
                }
            }
            (Some(&(rp, _)), None) => v.push(format!("pickup {p} is on route {} but its delivery {d} is not visited", rp + 1)),
            (None, Some(&(rd, _))) => v.push(format!("delivery {d} is on route {} but its pickup {p} is not visited", rd + 1)),
            (None, None) => {}
        }
    }

    // Unassigned requests: real pairs, not visited, listed once.
    let mut listed: HashMap<usize, usize> = HashMap::new();
    for (i, u) in claimed.unassigned.iter().enumerate() {
        let is_pair = u.pickup > 0
            && u.pickup < n
            && instance.nodes[u.pickup].pickup_index == 0
            && instance.nodes[u.pickup].delivery_index == u.delivery;
        if !is_pair {
            v.push(format!("unassigned entry {}: {} and {} are not a pickup and its delivery", i + 1, u.pickup, u.delivery));
            continue;
        }
        if listed.insert(u.pickup, i).is_some() {
            v.push(format!("request ({}, {}) is listed as unassigned twice", u.pickup, u.delivery));
        }
        for node in [u.pickup, u.delivery] {
            if let Some(&(r, _)) = seen.get(&node) {
                v.push(format!("request ({}, {}) is listed as unassigned but node {node} is visited on route {}", u.pickup, u.delivery, r + 1));
            }
        }
    }
    for node in instance.nodes.iter().skip(1) {
        let pickup = if node.pickup_index == 0 { node.id } else { node.pickup_index };
        if !seen.contains_key(&node.id) && !listed.contains_key(&pickup) {
            v.push(format!("node {} is neither visited nor listed as unassigned", node.id));
        }
    }

    if used > instance.vehicles {
        v.push(format!("uses {used} vehicles but the instance has {}", instance.vehicles));
    }
    if let Some(claimed_vehicles) = claimed.vehicles {
        if claimed_vehicles != used {
            v.push(format!("claims {claimed_vehicles} vehicles but has {used} non-empty routes"));
        }
    }
    if let Some(d) = claimed.distance {
        if !d.is_finite() || (d - total).abs() > DISTANCE_TOLERANCE * total.max(1.0) {
            v.push(format!("claims distance {d} but the routes measure {total:.6}"));
        }
    }

    CheckReport { feasible: v.is_empty(), violations: v, vehicles: used, distance: total, served, unassigned: listed.len() }
}

/// Read a best-known route file (SINTEF style: header lines, then `Route k : id id ...` per route,
/// depot left out) into a [`Claimed`] with no claimed vehicles or distance.
///
/// Errors name the 1-based line: a route line whose ids are not whole numbers, or a file with no
/// route line.
pub fn parse_route_file(text: &str) -> Result<Claimed, String> {
    let mut routes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if !line.starts_with("Route") {
            continue;
        }
        let Some((_, ids)) = line.split_once(':') else {
            return Err(format!("line {}: expected `Route k : id id ...`, found '{line}'", i + 1));
        };
        let route = ids
            .split_whitespace()
            .map(|t| t.parse::<usize>().map_err(|_| format!("line {}: '{t}' is not a node id", i + 1)))
            .collect::<Result<Vec<_>, _>>()?;
        routes.push(route);
    }
    if routes.is_empty() {
        return Err("no line of the form `Route k : id id ...` found".to_string());
    }
    Ok(Claimed { vehicles: None, distance: None, routes, unassigned: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lilim::parse;

    // Depot at the origin; request 1->2 (5 units), request 3->4 (4 units); capacity 8.
    const INST: &str = "2 8 1\n0 0 0 0 0 100 0 0 0\n1 3 4 5 0 50 1 0 2\n2 6 8 -5 0 60 1 1 0\n3 0 3 4 0 90 0 0 4\n4 0 6 -4 0 90 0 3 0\n";

    fn claimed(routes: Vec<Vec<usize>>) -> Claimed {
        Claimed { vehicles: None, distance: None, routes, unassigned: vec![] }
    }

    #[test]
    fn a_good_solution_passes_with_its_distance() {
        let inst = parse(INST).unwrap();
        let mut c = claimed(vec![vec![1, 2], vec![3, 4]]);
        c.vehicles = Some(2);
        c.distance = Some(20.0 + 12.0);
        let r = check(&inst, &c);
        assert!(r.feasible, "{:?}", r.violations);
        assert_eq!((r.vehicles, r.served, r.unassigned), (2, 2, 0));
        assert!((r.distance - 32.0).abs() < 1e-12);
    }

    #[test]
    fn each_tampering_is_named() {
        let inst = parse(INST).unwrap();
        let v = |c: Claimed| check(&inst, &c).violations;
        assert_eq!(
            v(claimed(vec![vec![2, 1], vec![3, 4]])),
            vec!["route 1: load -5 after node 2 is below zero", "delivery 2 comes before its pickup 1 on route 1"]
        );
        assert_eq!(
            v(claimed(vec![vec![1, 2], vec![3]])),
            vec!["pickup 3 is on route 2 but its delivery 4 is not visited", "node 4 is neither visited nor listed as unassigned"]
        );
        // Both pickups first: load 9 > 8.
        assert_eq!(v(claimed(vec![vec![1, 3, 2, 4]])), vec!["route 1: load 9 after node 3 exceeds the capacity 8"]);
        assert_eq!(
            v(claimed(vec![vec![1, 4], vec![3, 2]])),
            vec![
                "route 2: load -1 after node 2 is below zero",
                "pickup 1 is on route 1 but its delivery 2 is on route 2",
                "pickup 3 is on route 2 but its delivery 4 is on route 1",
            ]
        );
        let mut c = claimed(vec![vec![1, 2], vec![3, 4]]);
        c.distance = Some(32.5);
        assert_eq!(v(c), vec!["claims distance 32.5 but the routes measure 32.000000"]);
        let mut c = claimed(vec![vec![1, 2], vec![3, 4]]);
        c.vehicles = Some(1);
        assert_eq!(v(c), vec!["claims 1 vehicles but has 2 non-empty routes"]);
        assert_eq!(v(claimed(vec![vec![1, 2], vec![3, 4], vec![]])), vec!["route 3 is empty"]);
        assert_eq!(
            v(claimed(vec![vec![1, 2, 7], vec![3, 4, 1]])),
            vec!["route 1 position 3: node 7 is not a customer of the instance (ids 1..4)", "node 1 is visited twice (routes 1 and 2)"]
        );
    }

    #[test]
    fn late_arrival_and_late_return_are_caught() {
        // Node 2's window closes at 12, but 3->4 first takes the vehicle away.
        let inst = parse("1 10 1\n0 0 0 0 0 25 0 0 0\n1 3 4 1 0 50 0 0 2\n2 6 8 -1 0 12 0 1 0\n3 0 3 1 0 90 0 0 4\n4 0 6 -1 0 90 0 3 0\n").unwrap();
        let r = check(&inst, &claimed(vec![vec![1, 3, 4, 2]]));
        assert_eq!(
            r.violations,
            vec![
                "route 1: arrives at node 2 at 17.4868, after its latest time 12",
                "route 1: back at the depot at 27.4868, after its latest time 25",
            ],
        );
        assert!(!r.feasible);
    }

    #[test]
    fn unassigned_requests_are_accounted_for() {
        let inst = parse(INST).unwrap();
        let mut c = claimed(vec![vec![1, 2]]);
        c.unassigned = vec![ClaimedUnassigned { pickup: 3, delivery: 4, reason: "demand".into() }];
        let r = check(&inst, &c);
        assert!(r.feasible, "{:?}", r.violations);
        assert_eq!((r.served, r.unassigned), (1, 1));
        c.unassigned = vec![ClaimedUnassigned { pickup: 1, delivery: 2, reason: String::new() }, ClaimedUnassigned { pickup: 4, delivery: 3, reason: String::new() }];
        assert_eq!(
            check(&inst, &c).violations,
            vec![
                "request (1, 2) is listed as unassigned but node 1 is visited on route 1",
                "request (1, 2) is listed as unassigned but node 2 is visited on route 1",
                "unassigned entry 2: 4 and 3 are not a pickup and its delivery",
                "node 3 is neither visited nor listed as unassigned",
                "node 4 is neither visited nor listed as unassigned",
            ]
        );
    }

    #[test]
    fn route_files_parse_and_bad_ids_are_named() {
        let c = parse_route_file("Instance name : x\nSolution\nRoute 1 : 1 2\r\nRoute 2 : 3 4\n").unwrap();
        assert_eq!(c.routes, vec![vec![1, 2], vec![3, 4]]);
        assert_eq!(parse_route_file("Route 1 : 1 x\n").unwrap_err(), "line 1: 'x' is not a node id");
        assert_eq!(parse_route_file("nothing\n").unwrap_err(), "no line of the form `Route k : id id ...` found");
    }
}

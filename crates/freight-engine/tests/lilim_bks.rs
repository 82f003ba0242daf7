//! The reader and the independent checker against published best-known solutions
//! (data and sources in tests/data/lilim/README.md).

use freight_engine::check::{check, parse_route_file, Claimed, ClaimedUnassigned};
use freight_engine::lilim::{parse, LilimInstance};

fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lilim").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn best_known(instance: &str) -> (usize, f64) {
    let table = data("best_known.csv");
    let row = table.lines().find(|l| l.starts_with(&format!("{instance},"))).unwrap();
    let cols: Vec<&str> = row.split(',').collect();
    (cols[1].parse().unwrap(), cols[2].parse().unwrap())
}

fn load(instance: &str) -> (LilimInstance, Claimed) {
    (parse(&data(&format!("{instance}.txt"))).unwrap(), parse_route_file(&data(&format!("{instance}.sol.txt"))).unwrap())
}

#[test]
fn instances_read_with_their_sizes() {
    let (lc101, _) = load("lc101");
    assert_eq!((lc101.vehicles, lc101.capacity, lc101.nodes.len()), (25, 200, 107));
    assert_eq!(lc101.requests().len(), 53);
    // Line 5 of lc101.txt: `3 42 66 10 65 146 90 0 75`.
    let n3 = &lc101.nodes[3];
    assert_eq!((n3.x, n3.y, n3.demand, n3.earliest, n3.latest, n3.service, n3.pickup_index, n3.delivery_index), (42.0, 66.0, 10, 65.0, 146.0, 90.0, 0, 75));
    let (lrc201, _) = load("lrc201");
    assert_eq!((lrc201.vehicles, lrc201.capacity, lrc201.nodes.len()), (25, 1000, 103));
}

#[test]
fn best_known_solutions_pass_and_match_the_table() {
    for name in ["lc101", "lr101", "lrc201"] {
        let (inst, sol) = load(name);
        let (vehicles, distance) = best_known(name);
        let report = check(&inst, &sol);
        assert!(report.feasible, "{name}: {:?}", report.violations);
        assert_eq!(report.vehicles, vehicles, "{name}");
        assert!((report.distance - distance).abs() < 0.01, "{name}: {} vs {distance}", report.distance);
        assert_eq!((report.served, report.unassigned), (inst.requests().len(), 0));
        // The same with the table's claims attached.
        let claimed = Claimed { vehicles: Some(vehicles), distance: Some(report.distance), ..sol.clone() };
        assert!(check(&inst, &claimed).feasible);
    }
}

#[test]
fn tampered_best_known_solutions_fail_with_the_right_violation() {
    let (inst, sol) = load("lc101");
    let first = sol.routes[0].clone(); // 81 78 104 76 71 70 73 77 79 80
    let one = |violations: Vec<String>, expected: &str| {
        assert!(violations.iter().any(|v| v == expected), "expected '{expected}' in {violations:?}");
    };

    // Pickup moved after its delivery: swap a pair served on route 1.
    let (p, d) = first
        .iter()
        .find_map(|&p| {
            let d = inst.nodes[p].delivery_index;
            (inst.nodes[p].pickup_index == 0 && first.contains(&d)).then_some((p, d))
        })
        .unwrap();
    let mut swapped = sol.clone();
    let (ip, id) = (first.iter().position(|&x| x == p).unwrap(), first.iter().position(|&x| x == d).unwrap());
    swapped.routes[0].swap(ip, id);
    one(check(&inst, &swapped).violations, &format!("delivery {d} comes before its pickup {p} on route 1"));

    // A node dropped.
    let mut dropped = sol.clone();
    let gone = dropped.routes[1].pop().unwrap();
    one(check(&inst, &dropped).violations, &format!("node {gone} is neither visited nor listed as unassigned"));

    // Capacity exceeded: the same instance with a capacity of 10 (lc101's demands are 10 to 40).
    let small = LilimInstance { capacity: 10, ..inst.clone() };
    assert!(check(&small, &sol).violations.iter().any(|v| v.contains("exceeds the capacity 10")));

    // Late arrival: close the window of route 1's last node at time 0, before any arrival.
    let last = *first.last().unwrap();
    let mut tight = inst.clone();
    tight.nodes[last].earliest = 0.0;
    tight.nodes[last].latest = 0.0;
    let report = check(&tight, &sol);
    assert!(report.violations.iter().any(|v| v.starts_with(&format!("route 1: arrives at node {last} at "))), "{:?}", report.violations);

    // Wrong distance claimed.
    let (_, distance) = best_known("lc101");
    let wrong = Claimed { distance: Some(distance + 1.0), ..sol.clone() };
    let report = check(&inst, &wrong);
    assert_eq!(report.violations, vec![format!("claims distance {} but the routes measure {:.6}", distance + 1.0, report.distance)]);

    // A served request claimed as unassigned.
    let dup = Claimed { unassigned: vec![ClaimedUnassigned { pickup: p, delivery: d, reason: String::new() }], ..sol.clone() };
    one(check(&inst, &dup).violations, &format!("request ({p}, {d}) is listed as unassigned but node {p} is visited on route 1"));
}

//! Plans a random but seeded week of shipments around Kingman AZ and prints what it cost and how
//! long it took. Illustrative data, not real shipments.
//!
//! Run: `cargo run --release -p freight-engine --example plan_week -- [shipments] [seconds] [seed]`
//! (defaults 100 shipments, 2 s budget, seed 1). The shipments and fleet depend only on the
//! seed; the plan may differ between runs (see `PlanRequest::seed`).

use freight_engine::evaluate::evaluate_route;
use freight_engine::solve::plan;
use freight_engine::travel::TravelModel;
use freight_engine::{DriverLimits, Place, PlanRequest, Shipment, StopKind, TimeWindow, Travel, VehicleType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::time::Instant;

fn place(name: &str, latitude: f64, longitude: f64) -> Place {
    Place { name: name.to_string(), latitude, longitude }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let count: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    let seconds: f64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(2.0);
    let seed: u64 = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(1);

    // Towns within about 250 road miles of Kingman (city-centre coordinates).
    let towns = [
        place("Kingman", 35.1894, -114.053),
        place("Lake Havasu City", 34.4839, -114.3225),
        place("Bullhead City", 35.1478, -114.5683),
        place("Phoenix", 33.4484, -112.074),
        place("Las Vegas", 36.1699, -115.1398),
        place("Flagstaff", 35.1981, -111.6513),
        place("Prescott", 34.54, -112.4685),
        place("Needles", 34.8481, -114.6141),
        place("Wickenburg", 33.9686, -112.7296),
        place("Barstow", 34.8958, -117.0173),
        place("Henderson", 36.0395, -114.9817),
        place("Williams", 35.2495, -112.191),
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    let members = ["Mohave Metal", "Desert Foods", "River Plastics", "Havasu Boats", "Canyon Cabinets",
        "Route 66 Brewing", "Hualapai Stone", "Sun Valley Feed", "Cerbat Castings", "Golden Valley Glass"];
    let mut shipments = Vec::with_capacity(count);
    for i in 0..count {
        let from = rng.gen_range(0..towns.len());
        let mut to = rng.gen_range(0..towns.len() - 1);
        if to >= from {
            to += 1;
        }
        let day: u32 = rng.gen_range(0..5);
        let open = day * 1440 + rng.gen_range(5..11) * 60;
        let pickup_close = open + rng.gen_range(2..5) * 60;
        let delivery_close = open + rng.gen_range(8..13) * 60;
        let pallets = rng.gen_range(1..=12);
        shipments.push(Shipment {
            id: format!("S{:03}", i + 1),
            member: members[rng.gen_range(0..members.len())].to_string(),
            pickup: towns[from].clone(),
            delivery: towns[to].clone(),
            pallets,
            weight_lb: pallets * rng.gen_range(500..1_300),
            pickup_window: TimeWindow { open_minute: open, close_minute: pickup_close },
            delivery_window: TimeWindow { open_minute: open, close_minute: delivery_close },
            pickup_service_minutes: 30,
            delivery_service_minutes: 30,
        });
    }
    let depot = towns[0].clone();
    let request = PlanRequest {
        shipments,
        fleet: vec![VehicleType::dry_van_53ft(depot.clone(), 8), VehicleType::box_truck_26ft(depot, 4)],
        driver_limits: DriverLimits::default(),
        travel: Travel::great_circle_default(),
        horizon: TimeWindow { open_minute: 0, close_minute: 4 * 1440 + 24 * 60 },
        max_seconds: seconds,
        seed,
    };

    let started = Instant::now();
    let result = match plan(&request, &|_| {}) {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                eprintln!("{e}");
            }
            std::process::exit(2);
        }
    };
    let elapsed = started.elapsed().as_secs_f64();

    // For context: each shipment on a truck of its own (cheapest type that can carry it).
    let travel = match TravelModel::for_request(&request) {
        Ok(t) => t,
        Err(_) => std::process::exit(2),
    };
    let alone_cents: i64 = (0..request.shipments.len())
        .filter(|i| !result.unassigned.iter().any(|u| u.shipment_id == request.shipments[*i].id))
        .filter_map(|i| {
            (0..request.fleet.len())
                .filter_map(|t| evaluate_route(&request, &travel, t, &[(i, StopKind::Pickup), (i, StopKind::Delivery)]).ok())
                .map(|r| r.cost_cents)
                .min()
        })
        .sum();
    let routed = request.shipments.len() - result.unassigned.len();
    println!("command: cargo run --release -p freight-engine --example plan_week -- {count} {seconds} {seed}");
    println!("shipments: {} (seed {seed}), routed {routed}, unassigned {}", request.shipments.len(), result.unassigned.len());
    println!("truck routes (driver days): {}", result.routes.len());
    println!("miles: {:.0}", result.total_miles);
    println!("plan cost: ${:.2}", result.total_cost_cents as f64 / 100.0);
    println!("each routed shipment on its own truck: ${:.2}", alone_cents as f64 / 100.0);
    if alone_cents > 0 {
        println!("plan cost / own-truck baseline (same run): {:.3}", result.total_cost_cents as f64 / alone_cents as f64);
    }
    println!("seconds: {elapsed:.2} (budget {seconds})");
    for u in &result.unassigned {
        println!("unassigned {}: {}", u.shipment_id, u.reason);
    }
}

//! Tuning aid for the Li & Lim benchmark mode: solves instance files with chosen solver settings,
//! checks every result with the independent checker and prints one CSV row per instance.
//!
//! Usage: `cargo run --release -p freight-engine --example lilim_tune -- --seconds 20
//! [--threads T] [--alt W|none] [--init N] [--elitism] [--static] [--squeeze SHARE|none] [--seed S] [--best best_known.csv] FILE...`
//! Columns: `instance,vehicles,distance,best_vehicles,best_distance,gap_pct,feasible,unassigned,seconds`.

use std::collections::HashMap;
use std::time::Instant;

use freight_engine::check::{check, Claimed};
use freight_engine::lilim::{parse, solve_with, SolverSettings};

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let (mut seconds, mut seed, mut settings) = (20.0, None, SolverSettings::default());
    let mut best: HashMap<String, (usize, f64)> = HashMap::new();
    let mut files = Vec::new();
    let value = |a: Option<String>, name: &str| a.ok_or_else(|| format!("{name} needs a value"));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => seconds = value(args.next(), &a)?.parse().map_err(|e| format!("--seconds: {e}"))?,
            "--seed" => seed = Some(value(args.next(), &a)?.parse().map_err(|e| format!("--seed: {e}"))?),
            "--threads" => settings.threads = Some(value(args.next(), &a)?.parse().map_err(|e| format!("--threads: {e}"))?),
            "--elitism" => settings.elitism = true,
            "--static" => settings.static_heuristic = true,
            "--squeeze" => {
                let v = value(args.next(), &a)?;
                settings.squeeze = if v == "none" { None } else { Some(v.parse().map_err(|e| format!("--squeeze: {e}"))?) };
            }
            "--init" => settings.initial_size = value(args.next(), &a)?.parse().map_err(|e| format!("--init: {e}"))?,
            "--alt" => {
                let v = value(args.next(), &a)?;
                settings.alternative_distance_goal = if v == "none" { None } else { Some(v.parse().map_err(|e| format!("--alt: {e}"))?) };
            }
            "--best" => {
                let text = std::fs::read_to_string(value(args.next(), &a)?).map_err(|e| e.to_string())?;
                for line in text.lines().skip(1) {
                    let c: Vec<&str> = line.split(',').collect();
                    if let (Some(name), Some(v), Some(d)) = (c.first(), c.get(1), c.get(2)) {
                        if let (Ok(v), Ok(d)) = (v.parse(), d.parse()) {
                            best.insert(name.to_string(), (v, d));
                        }
                    }
                }
            }
            _ => files.push(a),
        }
    }
    println!("instance,vehicles,distance,best_vehicles,best_distance,gap_pct,feasible,unassigned,seconds");
    for file in files {
        let name = std::path::Path::new(&file).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let inst = parse(&std::fs::read_to_string(&file).map_err(|e| format!("{file}: {e}"))?).map_err(|e| format!("{file} {e}"))?;
        let start = Instant::now();
        let sol = solve_with(&inst, seconds, seed, &settings).map_err(|e| e.to_string())?;
        let took = start.elapsed().as_secs_f64();
        let claimed = Claimed { vehicles: Some(sol.vehicles), distance: Some(sol.distance), routes: sol.routes.clone(), unassigned: vec![] };
        let report = check(&inst, &claimed);
        let (bv, bd) = best.get(&name).copied().unwrap_or((0, f64::NAN));
        let gap = 100.0 * (sol.distance - bd) / bd;
        println!(
            "{name},{},{:.4},{bv},{bd:.4},{gap:.2},{},{},{took:.1}",
            sol.vehicles,
            sol.distance,
            report.feasible && sol.unassigned.is_empty(),
            sol.unassigned.len()
        );
    }
    Ok(())
}

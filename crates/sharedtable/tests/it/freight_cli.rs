//! `sharedtable freight solve` and `freight check` through the built binary, on lc101 (Li & Lim,
//! 53 requests; data and sources in crates/freight-engine/tests/data/lilim/README.md).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lilim(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../freight-engine/tests/data/lilim").join(name)
}

/// Run the binary in `dir` with a database URL pointing into `dir`, so that any attempt to open a
/// database would leave a file behind.
fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .current_dir(dir)
        .env("DATABASE_URL", format!("sqlite://{}", dir.join("never.db").display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn solve_prints_the_json_shape_and_check_accepts_it_without_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let instance = lilim("lc101.txt");
    let instance = instance.to_str().unwrap();
    let out = run(dir.path(), &["freight", "solve", "--lilim", instance, "--seconds", "2", "--seed", "1", "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = v.as_object().unwrap();
    assert_eq!(obj.keys().cloned().collect::<Vec<_>>(), ["vehicles", "distance", "routes", "unassigned"]);
    let routes = v["routes"].as_array().unwrap();
    assert_eq!(v["vehicles"].as_u64().unwrap() as usize, routes.len());
    // lc101: 10 vehicles is the best known and the easy optimum; 25 are available.
    assert!((10..=25).contains(&routes.len()), "{v}");
    let mut ids: Vec<u64> = routes.iter().flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_u64().unwrap())).collect();
    ids.sort_unstable();
    assert_eq!(ids, (1..=106).collect::<Vec<u64>>(), "every node once, depot left out");
    assert_eq!(v["unassigned"], serde_json::json!([]));
    let distance = v["distance"].as_f64().unwrap();
    assert!(distance >= 828.93, "{distance} below the best known 828.9369");

    let sol = dir.path().join("lc101.json");
    std::fs::write(&sol, &out.stdout).unwrap();
    let out = run(dir.path(), &["freight", "check", "--lilim", instance, "--solution", sol.to_str().unwrap(), "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["feasible"], true);
    assert_eq!(report["violations"], serde_json::json!([]));
    assert_eq!(report["served"], 53);
    assert!((report["distance"].as_f64().unwrap() - distance).abs() < 1e-9);
    assert!(!dir.path().join("never.db").exists(), "freight must not open a database");
    assert!(!dir.path().join("sharedtable.db").exists());
}

#[test]
fn check_rejects_a_tampered_solution_and_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let instance = lilim("lc101.txt");
    let instance = instance.to_str().unwrap();
    // The best-known route file passes as it is.
    let bks = lilim("lc101.sol.txt");
    let out = run(dir.path(), &["freight", "check", "--lilim", instance, "--solution", bks.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("feasible: 10 vehicles, distance 828.9369 (recomputed), 53 requests served, 0 unassigned"), "{text}");

    // The same routes with a wrong distance claimed.
    let routes = freight_engine::check::parse_route_file(&std::fs::read_to_string(&bks).unwrap()).unwrap().routes;
    let tampered = dir.path().join("bad.json");
    std::fs::write(&tampered, serde_json::json!({"vehicles": 10, "distance": 800.0, "routes": routes, "unassigned": []}).to_string()).unwrap();
    let out = run(dir.path(), &["freight", "check", "--lilim", instance, "--solution", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("  claims distance 800 but the routes measure 828.936"), "{text}");

    // Unreadable input: exit status 2 with the place named.
    let broken = dir.path().join("broken.txt");
    std::fs::write(&broken, "25\t200\t1\r\n0\t40\t50\t0\t0\t1236\t0\t0\r\n").unwrap();
    let out = run(dir.path(), &["freight", "check", "--lilim", broken.to_str().unwrap(), "--solution", tampered.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{} line 2: expected 9 columns", broken.display())), "{err}");
    let out = run(dir.path(), &["freight", "solve", "--lilim", broken.to_str().unwrap(), "--seconds", "1"]);
    assert_eq!(out.status.code(), Some(2));
    let missing = dir.path().join("missing.json");
    let out = run(dir.path(), &["freight", "check", "--lilim", instance, "--solution", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the solution"));
}

//! Generate a synthetic national-scale network for the benchmark: one CSV file per table with the
//! table's own column order (`id`, the table's columns, `version, created_at, updated_at`, as in
//! the schema, so `sqlite3 .import` can load the same file into the same table), written
//! into a directory, ready for `sharedtable import DIR/*.csv` and for `sqlite3 .import`.
//!
//! Usage: `cargo run --release --example national_network -- OUT_DIR [PARTNERSHIPS] [ORGS] [OBSERVATIONS]`
//! (defaults 2,000 partnerships, 100,000 organizations, 1,000,000 observations).
//!
//! Every value is valid (real NAICS codes, real county FIPS of the partnership's state), and the
//! generator is deterministic (a fixed-seed xorshift), so runs are comparable. Records are marked
//! `illustrative`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use sharedtable::codes;
use sharedtable::network::entity::Entity;
use sharedtable::network::model::*;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A deterministic UUIDv7-shaped id: table number and sequence, so ids sort by table then row.
fn id(table: u16, n: u64) -> String {
    format!("0190a000-{table:04x}-7000-8000-{n:012x}")
}

const TS: &str = "2026-01-01T00:00:00.000000Z";

/// A CSV file for `F`'s table with its columns in the table's own order (the importer reads
/// columns by name; `sqlite3 .import` of the raw baseline by position): `id`, the entity's
/// columns, `version`, `created_at`, `updated_at`, then the columns `added_later` by a later
/// migration (`ALTER TABLE ... ADD COLUMN` puts them last).
fn writer<F: Entity>(dir: &Path, added_later: &[&str]) -> std::io::Result<BufWriter<File>> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(dir.join(format!("{}.csv", F::TABLE)))?);
    let columns: Vec<&str> = F::COLUMNS.iter().copied().filter(|c| !added_later.contains(c)).collect();
    let later: String = added_later.iter().map(|c| format!(",{c}")).collect();
    writeln!(w, "id,{},version,created_at,updated_at{later}", columns.join(","))?;
    Ok(w)
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let dir = Path::new(args.get(1).map(String::as_str).unwrap_or("bench/out/network"));
    let n_part: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(2_000);
    let n_org: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let n_obs: u64 = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    let states: Vec<&codes::State> = codes::STATES.iter().filter(|s| s.usps != "PR").collect();
    let mut counties_by_state: std::collections::HashMap<&str, Vec<&String>> = Default::default();
    for fips in codes::COUNTIES.keys() {
        counties_by_state.entry(&fips[..2]).or_default().push(fips);
    }
    for v in counties_by_state.values_mut() {
        v.sort();
    }
    let sectors = [("Manufacturing", "31-33"), ("Healthcare", "62"), ("Technology", "5415"), ("Construction", "23"), ("Transportation and Logistics", "48-49")];
    let kinds = OrgKind::ALL;

    // partnerships
    let mut w = writer::<PartnershipFields>(dir, &[])?;
    let mut part_state = Vec::new();
    for p in 0..n_part {
        let st = states[rng.below(states.len())];
        let cs = &counties_by_state[st.fips.as_str()];
        let c1 = cs[rng.below(cs.len())];
        let c2 = cs[rng.below(cs.len())];
        let counties = if c1 == c2 { c1.to_string() } else { format!("{};{}", c1.min(c2), c1.max(c2)) };
        let (sector, naics) = sectors[rng.below(sectors.len())];
        let stage = Stage::ALL[rng.below(Stage::ALL.len())].as_str();
        writeln!(
            w,
            "{},synthetic-{p},Synthetic {sector} Partnership {p},{sector},{naics},Synthetic region {p},{counties},{},{},{stage},,,https://example.org/synthetic,true,1,{TS},{TS}",
            id(1, p),
            st.usps,
            2010 + (p % 16)
        )?;
        part_state.push(st.usps.clone());
    }
    w.flush()?;

    // organizations, each a member of one partnership
    let mut w = writer::<OrganizationFields>(dir, &[])?;
    let mut org_kind = Vec::with_capacity(n_org as usize);
    for o in 0..n_org {
        let kind = if o % 3 == 0 { kinds[rng.below(kinds.len())] } else { OrgKind::Business };
        let naics = if kind == OrgKind::Business { sectors[rng.below(sectors.len())].1 } else { "" };
        let st = &part_state[(o % n_part) as usize];
        writeln!(w, "{},Synthetic Organization {o},{},{naics},,{st},,,{},,true,1,{TS},{TS}", id(2, o), kind.as_str(), 5 + o % 500)?;
        org_kind.push(kind);
    }
    w.flush()?;

    let mut w = writer::<MembershipFields>(dir, &[])?;
    for o in 0..n_org {
        let p = o % n_part;
        let kind = org_kind[o as usize];
        let role = if kind.is_industry() {
            if o / n_part < 2 { "industry_champion" } else { "industry_member" }
        } else if o / n_part == 0 {
            "convener"
        } else {
            "support_team"
        };
        writeln!(w, "{},{},{},{role},2020,,1,{TS},{TS}", id(3, o), id(1, p), id(2, o))?;
    }
    w.flush()?;

    // meetings: 12 per partnership, attended by 8 member organizations
    let mut w = writer::<MeetingFields>(dir, &[])?;
    let mut a = writer::<AttendanceFields>(dir, &[])?;
    let mut n_att = 0;
    for p in 0..n_part {
        for m in 0..12u64 {
            let mid = p * 12 + m;
            let kind = if m == 0 { "launch" } else { "partnership" };
            writeln!(w, "{},{},{}-{:02}-15,{kind},Meeting {m},,1,{TS},{TS}", id(4, mid), id(1, p), 2023 + m / 4, 1 + (m % 4) * 3)?;
            for k in 0..8u64 {
                let o = p + n_part * k;
                if o < n_org {
                    writeln!(a, "{},{},{},1,{TS},{TS}", id(5, n_att), id(4, mid), id(2, o))?;
                    n_att += 1;
                }
            }
        }
    }
    w.flush()?;
    a.flush()?;

    // priorities (3), action teams (1 per priority) with a business lead, initiatives (2 per team)
    let mut wp = writer::<PriorityFields>(dir, &[])?;
    let mut wt = writer::<ActionTeamFields>(dir, &[])?;
    let mut wm = writer::<TeamMemberFields>(dir, &[])?;
    let mut wi = writer::<InitiativeFields>(dir, &[])?;
    for p in 0..n_part {
        // first business member of the partnership
        let lead = (0..n_org / n_part).map(|k| p + n_part * k).find(|o| *o < n_org && org_kind[*o as usize] == OrgKind::Business);
        for r in 0..3u64 {
            let pr = p * 3 + r;
            writeln!(wp, "{},{},{},Priority {r},,active,{},1,{TS},{TS}", id(6, pr), id(1, p), r + 1, id(4, p * 12))?;
            writeln!(wt, "{},{},{},Action team {r},,1,{TS},{TS}", id(7, pr), id(1, p), id(6, pr))?;
            if let Some(o) = lead {
                writeln!(wm, "{},{},{},business_lead,1,{TS},{TS}", id(8, pr), id(7, pr), id(2, o))?;
            }
            for i in 0..2u64 {
                let kind = InitiativeKind::ALL[rng.below(InitiativeKind::ALL.len())].as_str();
                writeln!(wi, "{},{},{},Initiative {r}.{i},,{kind},active,2024,,1,{TS},{TS}", id(9, pr * 2 + i), id(1, p), id(7, pr))?;
            }
        }
    }
    for f in [&mut wp, &mut wt, &mut wm, &mut wi] {
        f.flush()?;
    }

    // measures (5 per partnership) and observations spread over them (monthly periods)
    let mut wme = writer::<MeasureFields>(dir, &[])?;
    let n_measures = n_part * 5;
    for m in 0..n_measures {
        let cat = MeasureCategory::ALL[(m % 5) as usize].as_str();
        writeln!(wme, "{},{},,Measure {m},people,increase,{cat},,1,{TS},{TS}", id(10, m), id(1, m / 5))?;
    }
    wme.flush()?;
    let mut wo = writer::<ObservationFields>(dir, &["illustrative"])?;
    let per_measure = n_obs.div_ceil(n_measures);
    let mut n = 0;
    'outer: for m in 0..n_measures {
        for k in 0..per_measure {
            if n == n_obs {
                break 'outer;
            }
            let year = 2000 + k / 12;
            let month = 1 + k % 12;
            writeln!(wo, "{},{},{year}-{month:02},{},{},synthetic,,1,{TS},{TS},false", id(11, n), id(10, m), 10 + rng.below(90), 50)?;
            n += 1;
        }
    }
    wo.flush()?;

    // wins: 3 per partnership, linked to an initiative
    let mut ww = writer::<WinFields>(dir, &[])?;
    for p in 0..n_part {
        for k in 0..3u64 {
            let kind = InitiativeKind::ALL[rng.below(InitiativeKind::ALL.len())].as_str();
            writeln!(ww, "{},{},{},{},Win {k} of partnership {p},,{kind},people=12,https://example.org/win,true,1,{TS},{TS}", id(12, p * 3 + k), id(1, p), id(9, p * 6 + k * 2), 2020 + k)?;
        }
    }
    ww.flush()?;
    eprintln!("wrote {n_part} partnerships, {n_org} organizations, {} meetings, {n_att} attendance rows, {n_measures} measures, {n} observations to {}", n_part * 12, dir.display());
    Ok(())
}

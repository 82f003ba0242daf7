//! Writes the illustrative freight week of the Kingman and Mohave Manufacturing Association:
//! `data/demo/kingman-freight-week.members.csv` (twelve **invented** member manufacturers in
//! real Mohave County towns, each name ending "(illustrative)") and
//! `data/demo/kingman-freight-week.shipments.csv` (about forty shipments over the week of Monday
//! 2 March 2026 to real destinations, in the freight import layout). `sharedtable demo` loads
//! both into the real partnership (see `freight::demo`). The numbers come from a seeded
//! generator, so running it again gives the same bytes:
//!
//! ```sh
//! cargo run --example kingman_freight_week -- data/demo
//! ```
//!
//! Loads: 1 to 10 pallets of 700 to 1,400 lb each (a typical palletized manufactured load); six
//! to nine a weekday, three in four booked into that day's shared run (Phoenix, Las Vegas and
//! their neighbours, see `RUNS`), the rest to any destination. Pickups have a 4 to 6 hour
//! window opening between 06:00 and 09:00; deliveries are the same day, opening 10:00 to 12:00
//! and closing 18:00 to 20:00, except Los Angeles, delivered the next day (07:00-10:00 to
//! 17:00), which a one-day route cannot reach and return from. Every town is in the bundled
//! gazetteer (`data/geo/us_places.csv`).

use std::fmt::Write as _;

/// xorshift64*: a small seeded generator, so the file is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A whole number from `lo` to `hi` inclusive.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % (hi - lo + 1) as u64) as u32
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// (name, 2022 NAICS code, town, employees).
const MEMBERS: &[(&str, &str, &str, u32)] = &[
    ("Hualapai Ridge Metal Works (illustrative)", "332312", "Kingman", 64),
    ("Cerbat Foundry and Castings (illustrative)", "331523", "Kingman", 88),
    ("Route 66 Cabinetry (illustrative)", "337110", "Kingman", 41),
    ("Sacramento Valley Plastics (illustrative)", "326199", "Golden Valley", 57),
    ("Black Mountain Trailer Co. (illustrative)", "336212", "Kingman", 120),
    ("Havasu Marine Components (illustrative)", "336612", "Lake Havasu City", 95),
    ("Lakeside Solar Racking (illustrative)", "332311", "Lake Havasu City", 52),
    ("River Bend Food Packers (illustrative)", "311421", "Bullhead City", 140),
    ("Colorado River Printing (illustrative)", "323111", "Bullhead City", 33),
    ("Mohave Valley Pallet and Crate (illustrative)", "321920", "Mohave Valley", 46),
    ("Dolan Springs Stoneworks (illustrative)", "327991", "Dolan Springs", 22),
    ("Hualapai Mountain Outdoor Gear (illustrative)", "339920", "Golden Valley", 38),
];

/// (city, state, next-day delivery): destinations of the members' customers, listed as often
/// as they are drawn. Most are the two metro markets a Kingman truck reaches and returns from in
/// one driver day (Phoenix, Las Vegas); Los Angeles is there once, as the next-day delivery a
/// one-day route cannot make, so the plan shows what it does with such a load.
const DESTINATIONS: &[(&str, &str, bool)] = &[
    ("Phoenix", "AZ", false),
    ("Phoenix", "AZ", false),
    ("Phoenix", "AZ", false),
    ("Las Vegas", "NV", false),
    ("Las Vegas", "NV", false),
    ("Las Vegas", "NV", false),
    ("Henderson", "NV", false),
    ("North Las Vegas", "NV", false),
    ("Flagstaff", "AZ", false),
    ("Prescott", "AZ", false),
    ("Prescott Valley", "AZ", false),
    ("Laughlin", "NV", false),
    ("Needles", "CA", false),
    ("Barstow", "CA", false),
    ("Los Angeles", "CA", true),
];

/// The association's shared runs, Monday to Friday: the metro markets a shared truck goes to
/// that day. Members book most loads into a run, which is what gives pooling something to pool.
const RUNS: [&[(&str, &str, bool)]; 5] = [
    &[("Phoenix", "AZ", false), ("Las Vegas", "NV", false)],
    &[("Las Vegas", "NV", false), ("Henderson", "NV", false), ("Flagstaff", "AZ", false)],
    &[("Phoenix", "AZ", false), ("Prescott", "AZ", false)],
    &[("Las Vegas", "NV", false), ("North Las Vegas", "NV", false), ("Barstow", "CA", false)],
    &[("Phoenix", "AZ", false), ("Las Vegas", "NV", false)],
];

/// The Monday of the illustrative week.
const WEEK: (i32, u32, u32) = (2026, 3, 2);

fn main() -> std::io::Result<()> {
    let dir = std::env::args().nth(1).unwrap_or_else(|| "data/demo".into());
    let mut rng = Rng(0x4B49_4E47_4D41_4E21); // "KINGMAN!"
    let mut members = String::from("name,kind,naics_code,city,state,employee_count\n");
    for (name, naics, town, employees) in MEMBERS {
        let _ = writeln!(members, "{name},business,{naics},{town},AZ,{employees}");
    }
    let monday = chrono::NaiveDate::from_ymd_opt(WEEK.0, WEEK.1, WEEK.2).expect("a date");
    let mut shipments = String::from(
        "member,reference,pickup_city,pickup_state,delivery_city,delivery_state,pallets,weight_lb,pickup_earliest,pickup_latest,delivery_earliest,delivery_latest,pickup_service_minutes,delivery_service_minutes,notes\n",
    );
    let mut n = 0;
    for day in 0..5u32 {
        let date = monday + chrono::Duration::days(day as i64);
        let today = rng.range(6, 9);
        for _ in 0..today {
            n += 1;
            let (name, _, town, _) = rng.pick(MEMBERS);
            // Three loads in four go to the day's run (members book into it); the rest anywhere.
            let (city, state, next_day) = if rng.range(1, 4) <= 3 { *rng.pick(RUNS[day as usize]) } else { *rng.pick(DESTINATIONS) };
            let pallets = rng.range(1, 10);
            let weight = pallets * rng.range(7, 14) * 100;
            let open = rng.range(6, 9);
            let close = open + rng.range(4, 6);
            let (ddate, dopen, dclose) =
                if next_day { (date + chrono::Duration::days(1), rng.range(7, 10), 17) } else { (date, rng.range(10, 12), rng.range(18, 20)) };
            let at = |d: chrono::NaiveDate, h: u32| format!("{}T{h:02}:00", d.format("%Y-%m-%d"));
            let _ = writeln!(
                shipments,
                "{name},KM-{:03},{town},AZ,{city},{state},{pallets},{weight},{},{},{},{},{},{},",
                n,
                at(date, open),
                at(date, close),
                at(ddate, dopen),
                at(ddate, dclose),
                rng.range(2, 6) * 10,
                rng.range(2, 6) * 10,
            );
        }
    }
    std::fs::write(format!("{dir}/kingman-freight-week.members.csv"), members)?;
    std::fs::write(format!("{dir}/kingman-freight-week.shipments.csv"), shipments)?;
    eprintln!("wrote {} members and {n} shipments to {dir}", MEMBERS.len());
    Ok(())
}

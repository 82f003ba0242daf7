//! Reference code lists bundled with the binary: 2022 NAICS, state FIPS/USPS codes, county FIPS
//! and the GeoNames gazetteer of populated places. Each is parsed once, on first use.
//!
//! Sources (see `data/README.md`):
//! - `data/codes/naics2022.csv`: US Census Bureau, 2022 NAICS (public domain).
//! - `data/codes/states.csv`: US Census Bureau ANSI/FIPS state codes with USPS abbreviations.
//! - `data/geo/counties-albers-10m.json`: US Census Bureau cartographic boundaries via us-atlas 3.0.1;
//!   its geometry ids are the 5-digit county FIPS codes.
//! - `data/geo/us_places.csv`: GeoNames (CC BY 4.0) places with population >= 1,000.

use std::collections::HashMap;
use std::sync::LazyLock;

/// The 2022 NAICS code list: code -> title. Sector ranges appear as `31-33`, `44-45`, `48-49`.
pub static NAICS_2022: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let mut rdr = csv::Reader::from_reader(include_str!("../../../data/codes/naics2022.csv").as_bytes());
    for rec in rdr.records().flatten() {
        map.insert(rec[0].trim().to_string(), rec[1].trim().to_string());
    }
    map
});

/// Title of a 2022 NAICS code, or `None` when the code is not in the 2022 list.
pub fn naics_title(code: &str) -> Option<&'static str> {
    NAICS_2022.get(code).map(String::as_str)
}

/// One US state or territory: 2-digit FIPS code, USPS abbreviation, name.
#[derive(Debug, Clone)]
pub struct State {
    pub fips: String,
    pub usps: String,
    pub name: String,
}

/// States, DC and Puerto Rico in FIPS order.
pub static STATES: LazyLock<Vec<State>> = LazyLock::new(|| {
    let mut rdr = csv::Reader::from_reader(include_str!("../../../data/codes/states.csv").as_bytes());
    rdr.records()
        .flatten()
        .map(|r| State { fips: r[0].to_string(), usps: r[1].to_string(), name: r[2].to_string() })
        .collect()
});

/// Look up a state by its USPS abbreviation (case-sensitive, e.g. `"AZ"`).
pub fn state_by_usps(usps: &str) -> Option<&'static State> {
    STATES.iter().find(|s| s.usps == usps)
}

/// Look up a state by its 2-digit FIPS code (e.g. `"04"`).
pub fn state_by_fips(fips: &str) -> Option<&'static State> {
    STATES.iter().find(|s| s.fips == fips)
}

/// County FIPS (5 digits) -> county name, from the county boundary file's geometry ids.
pub static COUNTIES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let topo: serde_json::Value =
        serde_json::from_str(include_str!("../../../data/geo/counties-albers-10m.json")).unwrap_or_default();
    let mut map = HashMap::new();
    if let Some(geoms) = topo.pointer("/objects/counties/geometries").and_then(|g| g.as_array()) {
        for g in geoms {
            if let (Some(id), Some(name)) = (g["id"].as_str(), g.pointer("/properties/name").and_then(|n| n.as_str())) {
                map.insert(id.to_string(), name.to_string());
            }
        }
    }
    map
});

/// Name of a county with its state, e.g. `"Mohave County, AZ"`, or `None` for an unknown FIPS code.
pub fn county_label(fips: &str) -> Option<String> {
    let name = COUNTIES.get(fips)?;
    let state = state_by_fips(fips.get(..2)?).map(|s| s.usps.as_str()).unwrap_or("");
    Some(format!("{name} County, {state}"))
}

/// A populated place from the gazetteer: WGS84 degrees.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub latitude: f64,
    pub longitude: f64,
    pub population: u64,
}

static PLACES: LazyLock<HashMap<(String, String), Place>> = LazyLock::new(|| {
    let mut map: HashMap<(String, String), Place> = HashMap::new();
    let mut rdr = csv::Reader::from_reader(include_str!("../../../data/geo/us_places.csv").as_bytes());
    for r in rdr.records().flatten() {
        let (Ok(lat), Ok(lon)) = (r[3].parse::<f64>(), r[4].parse::<f64>()) else { continue };
        let population = r[5].parse().unwrap_or(0);
        let key = (r[1].to_lowercase(), r[2].to_string());
        let place = Place { latitude: lat, longitude: lon, population };
        // Where two places share a name in one state, the more populous one wins.
        match map.get(&key) {
            Some(p) if p.population >= population => {}
            _ => {
                map.insert(key, place);
            }
        }
    }
    map
});

/// Geocode a city in a state (USPS code) from the bundled GeoNames gazetteer. Matching ignores
/// case; `None` when the place is not among the places of 1,000 people or more.
pub fn geocode(city: &str, state_usps: &str) -> Option<Place> {
    PLACES.get(&(city.trim().to_lowercase(), state_usps.trim().to_string())).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naics_has_sectors_and_six_digit_codes() {
        assert_eq!(naics_title("31-33"), Some("Manufacturing"));
        assert_eq!(naics_title("622110"), Some("General Medical and Surgical Hospitals"));
        assert_eq!(naics_title("999999"), None);
    }

    #[test]
    fn state_table_matches_the_boundary_file_names() {
        let topo: serde_json::Value =
            serde_json::from_str(include_str!("../../../data/geo/states-albers-10m.json")).unwrap();
        let geoms = topo.pointer("/objects/states/geometries").unwrap().as_array().unwrap();
        assert_eq!(geoms.len(), 51);
        for g in geoms {
            let s = state_by_fips(g["id"].as_str().unwrap()).expect("state fips in table");
            assert_eq!(s.name, g["properties"]["name"].as_str().unwrap());
        }
        assert_eq!(state_by_usps("AZ").unwrap().fips, "04");
    }

    #[test]
    fn counties_and_places() {
        assert_eq!(county_label("04015").as_deref(), Some("Mohave County, AZ"));
        assert!(county_label("99999").is_none());
        let kingman = geocode("Kingman", "AZ").unwrap();
        assert!((kingman.latitude - 35.19).abs() < 0.05, "{kingman:?}");
        assert!((kingman.longitude + 114.05).abs() < 0.05, "{kingman:?}");
        assert!(geocode("Atlantis", "AZ").is_none());
    }
}

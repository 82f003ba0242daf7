//! Travel between places: great-circle miles times a road circuity factor at an average speed, or
//! a user-supplied matrix of road miles and driving minutes (CSV `from,to,miles,minutes` from any
//! routing engine).
//!
//! The engine plans in whole minutes: [`Leg::whole_minutes`] rounds each leg's driving time up to
//! the next minute, and the solver, the route evaluator and the unassigned-shipment checks all use
//! that same rounded figure, so a schedule the solver accepts is exactly the schedule the
//! evaluator recomputes.

use crate::model::{InputError, MatrixRow, PlanRequest, Place, Travel, TravelMatrix};
use std::collections::HashMap;

/// Road circuity factor: road miles per great-circle mile. 1.2 is the factor Ballou, Rahardja
/// and Sakai measured for the United States ("Selected country circuity factors for road travel
/// distance estimation", Transportation Research Part A 36(9), 2002, pp. 843-848: 1.20 for the
/// US); the ratio is higher for very short urban trips and lower for long interstate runs.
pub const DEFAULT_CIRCUITY: f64 = 1.2;

/// Average truck speed over a whole leg, miles per hour. FHWA's Freight Performance Measurement
/// program found average truck operating speeds of 52.8 to 59.2 mph on 25 freight-significant
/// interstates in 2009 (Freight Facts and Figures 2010, table 3-8); 50 mph allows for the local
/// roads, ramps and town streets at both ends of a leg, where trucks go slower.
pub const DEFAULT_AVERAGE_SPEED_MPH: f64 = 50.0;

/// Mean Earth radius in statute miles: the IUGG mean radius R1 = 6,371.0088 km (Moritz,
/// "Geodetic Reference System 1980", Journal of Geodesy 74, 2000) divided by 1.609344 km/mi.
pub const EARTH_MEAN_RADIUS_MILES: f64 = 3958.8;

/// Great-circle distance in miles between two points given in decimal degrees, by the haversine
/// formula (R. W. Sinnott, "Virtues of the Haversine", Sky and Telescope 68(2), 1984, p. 159)
/// on a sphere of radius [`EARTH_MEAN_RADIUS_MILES`].
pub fn haversine_miles(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lon2 - lon1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_MEAN_RADIUS_MILES * a.sqrt().min(1.0).asin()
}

/// One directed trip between two places: road miles and driving minutes (exact, not rounded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Leg {
    pub miles: f64,
    pub minutes: f64,
}

impl Leg {
    /// Driving minutes rounded up to the next whole minute (a hair of floating-point noise above
    /// a whole number does not round up). This is the figure every schedule uses.
    pub fn whole_minutes(&self) -> u32 {
        let m = (self.minutes - 1e-9).ceil();
        if m <= 0.0 {
            0
        } else {
            m as u32
        }
    }
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> InputError {
    InputError { shipment_id: None, field: field.into(), reason: reason.into() }
}

/// Parses a travel matrix from CSV text with the header `from,to,miles,minutes` (columns in any
/// order, names case-insensitive, extra columns ignored). `from` and `to` are place names as used
/// in [`Place::name`]; `miles` is road distance and `minutes` driving time, both finite and not
/// negative. Rows from a place to itself are accepted and ignored by the planner.
///
/// Errors name the row and column in `field`, e.g. `row 7, column miles`, where row 1 is the
/// header and row 2 the first data row (as a spreadsheet numbers them). Every problem is
/// reported, not just the first: missing header columns, empty or unparsable cells, negative or
/// non-finite numbers, and a `(from, to)` pair given twice.
pub fn parse_matrix_csv(text: &str) -> Result<TravelMatrix, Vec<InputError>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![err("row 1", format!("cannot read the header: {e}"))]),
    };
    let mut errors = Vec::new();
    let mut col = HashMap::new();
    for name in ["from", "to", "miles", "minutes"] {
        match headers.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name)) {
            Some(i) => {
                col.insert(name, i);
            }
            None => errors.push(err(
                "row 1",
                format!("the header has no '{name}' column (expected from,to,miles,minutes)"),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                errors.push(err(format!("row {line}"), format!("cannot read the row: {e}")));
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        let cell = |name: &str| record.get(col[name]).unwrap_or("");
        let mut ok = true;
        let mut text_cell = |name: &str, errors: &mut Vec<InputError>| -> String {
            let v = cell(name);
            if v.is_empty() {
                errors.push(err(format!("row {line}, column {name}"), "is empty; a place name is needed"));
                ok = false;
            }
            v.to_string()
        };
        let from = text_cell("from", &mut errors);
        let to = text_cell("to", &mut errors);
        let mut number = |name: &str, errors: &mut Vec<InputError>| -> f64 {
            let v = cell(name);
            let field = format!("row {line}, column {name}");
            if v.is_empty() {
                errors.push(err(field, "is empty; a number is needed"));
                ok = false;
                return 0.0;
            }
            match v.parse::<f64>() {
                Ok(x) if !x.is_finite() => {
                    errors.push(err(field, format!("'{v}' is not a finite number")));
                    ok = false;
                    0.0
                }
                Ok(x) if x < 0.0 => {
                    errors.push(err(field, format!("{v} is negative; travel cannot take less than nothing")));
                    ok = false;
                    0.0
                }
                Ok(x) => x,
                Err(_) => {
                    errors.push(err(field, format!("'{v}' is not a number")));
                    ok = false;
                    0.0
                }
            }
        };
        let miles = number("miles", &mut errors);
        let minutes = number("minutes", &mut errors);
        if !ok {
            continue;
        }
        if let Some(first) = seen.get(&(from.clone(), to.clone())) {
            errors.push(err(
                format!("row {line}, columns from and to"),
                format!("the pair '{from}' to '{to}' is already given on row {first}"),
            ));
            continue;
        }
        seen.insert((from.clone(), to.clone()), line);
        rows.push(MatrixRow { from, to, miles, minutes });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(err("row 2", "the matrix has no rows"));
    }
    if errors.is_empty() {
        Ok(TravelMatrix { rows })
    } else {
        Err(errors)
    }
}

/// The places of a [`PlanRequest`] in the order the engine indexes them: first each vehicle
/// type's depot (index = vehicle type index), then for shipment `i` its pickup at
/// `fleet.len() + 2 i` and its delivery at `fleet.len() + 2 i + 1`.
pub fn request_places(request: &PlanRequest) -> Vec<&Place> {
    let mut places: Vec<&Place> = request.fleet.iter().map(|v| &v.depot).collect();
    for s in &request.shipments {
        places.push(&s.pickup);
        places.push(&s.delivery);
    }
    places
}

/// Index of vehicle type `vehicle_type`'s depot in [`request_places`] order.
pub fn depot_index(vehicle_type: usize) -> usize {
    vehicle_type
}

/// Index of shipment `shipment`'s pickup place in [`request_places`] order.
pub fn pickup_index(request: &PlanRequest, shipment: usize) -> usize {
    request.fleet.len() + 2 * shipment
}

/// Index of shipment `shipment`'s delivery place in [`request_places`] order.
pub fn delivery_index(request: &PlanRequest, shipment: usize) -> usize {
    request.fleet.len() + 2 * shipment + 1
}

/// Legs between a fixed list of places, looked up by position in that list.
///
/// Built by [`TravelModel::new`] from a [`Travel`] and the places (duplicates allowed). With a
/// great-circle model places are the same when their coordinates are; with a matrix, when their
/// names are (the name is the matrix key). Legs between distinct places are precomputed, so
/// [`TravelModel::leg`] is a table look-up.
#[derive(Debug, Clone)]
pub struct TravelModel {
    /// Input position -> distinct place number.
    slot: Vec<usize>,
    /// Number of distinct places.
    distinct: usize,
    /// `distinct x distinct` legs, row-major by origin.
    legs: Vec<Leg>,
}

impl TravelModel {
    /// Builds the model for `places` (indexed by their position in the slice).
    ///
    /// Great circle: circuity must be finite and at least 1 (roads are never shorter than the
    /// straight line) and the speed finite and above 0; miles = haversine miles x circuity,
    /// minutes = miles / speed x 60.
    ///
    /// Matrix: every row must have finite, non-negative miles and minutes and no `(from, to)`
    /// pair may appear twice (errors name `travel matrix row N`, counted from 1); every place
    /// name must appear in the matrix; and every ordered pair of distinct place names must have a
    /// row (each missing pair is named, the first 20 individually and then a count).
    pub fn new(travel: &Travel, places: &[&Place]) -> Result<TravelModel, Vec<InputError>> {
        match travel {
            Travel::GreatCircle { circuity, average_speed_mph } => {
                let mut errors = Vec::new();
                if !circuity.is_finite() || *circuity < 1.0 {
                    errors.push(err(
                        "travel.circuity",
                        format!("{circuity} is not allowed: road miles per straight-line mile must be a number of at least 1 (default {DEFAULT_CIRCUITY})"),
                    ));
                }
                if !average_speed_mph.is_finite() || *average_speed_mph <= 0.0 {
                    errors.push(err(
                        "travel.average_speed_mph",
                        format!("{average_speed_mph} is not allowed: the average speed must be above 0 mph (default {DEFAULT_AVERAGE_SPEED_MPH})"),
                    ));
                }
                for (i, p) in places.iter().enumerate() {
                    if !p.latitude.is_finite() || !p.longitude.is_finite() {
                        errors.push(err(format!("place {} ('{}')", i + 1, p.name), "has no finite coordinates"));
                    }
                }
                if !errors.is_empty() {
                    return Err(errors);
                }
                let mut keys: HashMap<(u64, u64), usize> = HashMap::new();
                let mut reps: Vec<&Place> = Vec::new();
                let slot = places
                    .iter()
                    .map(|p| {
                        *keys.entry((p.latitude.to_bits(), p.longitude.to_bits())).or_insert_with(|| {
                            reps.push(p);
                            reps.len() - 1
                        })
                    })
                    .collect();
                let n = reps.len();
                let mut legs = Vec::with_capacity(n * n);
                for a in &reps {
                    for b in &reps {
                        let miles = haversine_miles(a.latitude, a.longitude, b.latitude, b.longitude) * circuity;
                        legs.push(Leg { miles, minutes: miles / average_speed_mph * 60.0 });
                    }
                }
                Ok(TravelModel { slot, distinct: n, legs })
            }
            Travel::Matrix(matrix) => Self::from_matrix(matrix, places),
        }
    }

    /// Builds the model over [`request_places`] of `request`.
    pub fn for_request(request: &PlanRequest) -> Result<TravelModel, Vec<InputError>> {
        Self::new(&request.travel, &request_places(request))
    }

    fn from_matrix(matrix: &TravelMatrix, places: &[&Place]) -> Result<TravelModel, Vec<InputError>> {
        let mut errors = Vec::new();
        let mut table: HashMap<(&str, &str), (usize, Leg)> = HashMap::new();
        let mut known: std::collections::HashSet<&str> = std::collections::HashSet::new();
        for (i, r) in matrix.rows.iter().enumerate() {
            let field = format!("travel matrix row {}", i + 1);
            let mut ok = true;
            for (name, v) in [("miles", r.miles), ("minutes", r.minutes)] {
                if !v.is_finite() {
                    errors.push(err(field.clone(), format!("{name} is not a finite number")));
                    ok = false;
                } else if v < 0.0 {
                    errors.push(err(field.clone(), format!("{name} is negative ({v})")));
                    ok = false;
                }
            }
            known.insert(r.from.as_str());
            known.insert(r.to.as_str());
            if let Some((first, _)) = table.get(&(r.from.as_str(), r.to.as_str())) {
                errors.push(err(
                    field,
                    format!("the pair '{}' to '{}' is already given on row {}", r.from, r.to, first + 1),
                ));
                continue;
            }
            if ok {
                table.insert((r.from.as_str(), r.to.as_str()), (i, Leg { miles: r.miles, minutes: r.minutes }));
            }
        }
        let mut keys: HashMap<&str, usize> = HashMap::new();
        let mut names: Vec<&str> = Vec::new();
        let slot = places
            .iter()
            .map(|p| {
                *keys.entry(p.name.as_str()).or_insert_with(|| {
                    names.push(p.name.as_str());
                    names.len() - 1
                })
            })
            .collect();
        let mut missing = 0usize;
        for name in &names {
            if !known.contains(name) {
                errors.push(err("travel matrix", format!("place '{name}' is not in the travel matrix")));
            }
        }
        let n = names.len();
        let mut legs = Vec::with_capacity(n * n);
        for a in &names {
            for b in &names {
                if a == b {
                    legs.push(Leg { miles: 0.0, minutes: 0.0 });
                    continue;
                }
                match table.get(&(*a, *b)) {
                    Some((_, leg)) => legs.push(*leg),
                    None => {
                        // A pair whose row was refused above is not reported again as missing.
                        let refused = matrix.rows.iter().any(|r| r.from == *a && r.to == *b);
                        if known.contains(a) && known.contains(b) && !refused {
                            missing += 1;
                            if missing <= 20 {
                                errors.push(err("travel matrix", format!("no row from '{a}' to '{b}'")));
                            }
                        }
                        legs.push(Leg { miles: 0.0, minutes: 0.0 });
                    }
                }
            }
        }
        if missing > 20 {
            errors.push(err(
                "travel matrix",
                format!("{} more ordered pairs of places have no row ({missing} in all)", missing - 20),
            ));
        }
        if errors.is_empty() {
            Ok(TravelModel { slot, distinct: n, legs })
        } else {
            Err(errors)
        }
    }

    /// The leg from place `from` to place `to` (positions in the slice given to
    /// [`TravelModel::new`]); zero between the same place. Panics if an index is out of range
    /// (a programming error, never caused by input).
    pub fn leg(&self, from: usize, to: usize) -> Leg {
        self.legs[self.slot[from] * self.distinct + self.slot[to]]
    }

    /// Number of places the model was built for.
    pub fn len(&self) -> usize {
        self.slot.len()
    }

    /// True when the model was built for no places.
    pub fn is_empty(&self) -> bool {
        self.slot.is_empty()
    }

    /// The distinct-place number of place `index`: two places with the same number are the same
    /// point for travel (same coordinates, or same matrix name).
    pub fn distinct_place(&self, index: usize) -> usize {
        self.slot[index]
    }

    /// Number of distinct places.
    pub fn distinct_places(&self) -> usize {
        self.distinct
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(name: &str, lat: f64, lon: f64) -> Place {
        Place { name: name.into(), latitude: lat, longitude: lon }
    }

    #[test]
    fn haversine_kingman_to_phoenix() {
        // Kingman AZ to Phoenix AZ: 165 straight-line miles (a flat-earth check: 1.741 deg of
        // latitude x 69.09 mi and 1.979 deg of longitude x 69.17 mi x cos 34.3 deg).
        let d = haversine_miles(35.1894, -114.053, 33.4484, -112.074);
        assert!((d - 165.0).abs() < 0.5, "{d}");
        assert_eq!(haversine_miles(35.0, -114.0, 35.0, -114.0), 0.0);
        // A quarter of the way round the equator.
        let q = haversine_miles(0.0, 0.0, 0.0, 90.0);
        assert!((q - EARTH_MEAN_RADIUS_MILES * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
    }

    #[test]
    fn great_circle_model_applies_circuity_and_speed() {
        let k = place("Kingman", 35.1894, -114.053);
        let p = place("Phoenix", 33.4484, -112.074);
        let t = TravelModel::new(&Travel::GreatCircle { circuity: 1.2, average_speed_mph: 50.0 }, &[&k, &p, &k])
            .unwrap();
        let leg = t.leg(0, 1);
        let gc = haversine_miles(35.1894, -114.053, 33.4484, -112.074);
        assert!((leg.miles - gc * 1.2).abs() < 1e-9);
        assert!((leg.minutes - leg.miles / 50.0 * 60.0).abs() < 1e-9);
        assert_eq!(t.leg(0, 2).miles, 0.0);
        assert_eq!(t.distinct_places(), 2);
        assert_eq!(t.leg(2, 1), leg);
    }

    #[test]
    fn bad_great_circle_parameters_are_named() {
        let k = place("Kingman", 35.1894, -114.053);
        let e = TravelModel::new(&Travel::GreatCircle { circuity: 0.0, average_speed_mph: -5.0 }, &[&k]).unwrap_err();
        let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["travel.circuity", "travel.average_speed_mph"]);
    }

    #[test]
    fn whole_minutes_round_up() {
        assert_eq!(Leg { miles: 1.0, minutes: 60.0 }.whole_minutes(), 60);
        assert_eq!(Leg { miles: 1.0, minutes: 60.0000000001 }.whole_minutes(), 60);
        assert_eq!(Leg { miles: 1.0, minutes: 60.2 }.whole_minutes(), 61);
        assert_eq!(Leg { miles: 0.0, minutes: 0.0 }.whole_minutes(), 0);
    }

    #[test]
    fn parses_a_matrix_with_columns_in_any_order() {
        let m = parse_matrix_csv("Minutes,from,to,miles\n200,Kingman,Phoenix,186.5\n201,Phoenix,Kingman,186.9\n")
            .unwrap();
        assert_eq!(m.rows.len(), 2);
        assert_eq!(m.rows[0], MatrixRow { from: "Kingman".into(), to: "Phoenix".into(), miles: 186.5, minutes: 200.0 });
    }

    #[test]
    fn matrix_errors_name_row_and_column() {
        let text = "from,to,miles,minutes\n\
                    A,B,10,12\n\
                    A,C,-3,12\n\
                    B,A,x,12\n\
                    B,C,5,inf\n\
                    ,C,5,6\n\
                    A,B,10,12\n\
                    C,A,4,\n";
        let e = parse_matrix_csv(text).unwrap_err();
        let got: Vec<(String, String)> = e.iter().map(|e| (e.field.clone(), e.reason.clone())).collect();
        assert_eq!(got[0].0, "row 3, column miles");
        assert!(got[0].1.contains("negative"), "{:?}", got[0]);
        assert_eq!(got[1].0, "row 4, column miles");
        assert!(got[1].1.contains("'x' is not a number"));
        assert_eq!(got[2].0, "row 5, column minutes");
        assert!(got[2].1.contains("not a finite number"));
        assert_eq!(got[3].0, "row 6, column from");
        assert_eq!(got[4].0, "row 7, columns from and to");
        assert!(got[4].1.contains("already given on row 2"));
        assert_eq!(got[5].0, "row 8, column minutes");
        assert!(got[5].1.contains("empty"));
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn matrix_header_must_have_all_columns() {
        let e = parse_matrix_csv("from,to,distance,minutes\nA,B,1,2\n").unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "row 1");
        assert!(e[0].reason.contains("'miles'"));
    }

    #[test]
    fn matrix_model_names_missing_pairs_and_unknown_places() {
        let m = parse_matrix_csv("from,to,miles,minutes\nA,B,10,12\nB,A,10,12\nA,C,5,6\n").unwrap();
        let (a, b, c, d) = (place("A", 0.0, 0.0), place("B", 0.0, 1.0), place("C", 1.0, 0.0), place("D", 2.0, 2.0));
        let e = TravelModel::new(&Travel::Matrix(m.clone()), &[&a, &b, &c, &d]).unwrap_err();
        let reasons: Vec<_> = e.iter().map(|e| e.reason.clone()).collect();
        assert_eq!(
            reasons,
            vec![
                "place 'D' is not in the travel matrix".to_string(),
                "no row from 'B' to 'C'".to_string(),
                "no row from 'C' to 'A'".to_string(),
                "no row from 'C' to 'B'".to_string(),
            ]
        );
        let t = TravelModel::new(&Travel::Matrix(m), &[&a, &b, &a]).unwrap();
        assert_eq!(t.leg(0, 1), Leg { miles: 10.0, minutes: 12.0 });
        assert_eq!(t.leg(0, 2), Leg { miles: 0.0, minutes: 0.0 });
    }

    #[test]
    fn matrix_model_rejects_negative_rows_given_directly() {
        let m = TravelMatrix {
            rows: vec![
                MatrixRow { from: "A".into(), to: "B".into(), miles: -1.0, minutes: 2.0 },
                MatrixRow { from: "B".into(), to: "A".into(), miles: 1.0, minutes: f64::NAN },
            ],
        };
        let (a, b) = (place("A", 0.0, 0.0), place("B", 0.0, 1.0));
        let e = TravelModel::new(&Travel::Matrix(m), &[&a, &b]).unwrap_err();
        assert_eq!(e[0].field, "travel matrix row 1");
        assert!(e[0].reason.contains("miles is negative"));
        assert_eq!(e[1].field, "travel matrix row 2");
        assert!(e[1].reason.contains("minutes is not a finite number"));
    }
}

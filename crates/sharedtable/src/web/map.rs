//! The one map renderer: a US state choropleth as inline SVG, drawn on the server.
//!
//! Boundaries: `data/geo/states-albers-10m.json` (US Census Bureau cartographic boundaries via
//! us-atlas 3.0.1), already projected with Albers USA into a 975 x 610 frame. It is TopoJSON
//! with quantized, delta-encoded arcs and a transform; the `topojson` crate parses it and
//! [`decode_arcs`] turns the arcs into frame coordinates. The file is parsed once, on first use.
//!
//! Colours: ColorBrewer "Blues" (Cynthia Brewer, colorbrewer2.org), five classes; states with
//! no count are light grey. Classes are quantiles of the states' positive counts.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::LazyLock;

use super::escape_xml;

/// Width and height of the projected frame of the boundary file, in SVG user units.
pub const FRAME: (u32, u32) = (975, 610);
/// Height added under the frame for the legend.
const LEGEND_HEIGHT: u32 = 50;
/// Fill of states with nothing to count.
pub const EMPTY_FILL: &str = "#eeeeee";
/// Fills of the classes, lightest to darkest (ColorBrewer Blues, 5 classes without the
/// lightest, which is too close to the empty grey).
pub const PALETTE: [&str; 5] = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
/// At most this many classes.
pub const MAX_CLASSES: usize = 5;

/// One state's outline as an SVG path.
#[derive(Debug, Clone)]
pub struct StateShape {
    /// 2-digit FIPS code.
    pub fips: String,
    /// USPS code (e.g. `AZ`).
    pub usps: String,
    pub name: String,
    /// SVG path data in frame coordinates.
    pub d: String,
}

/// The 51 state outlines (50 states and DC), parsed once from the bundled file.
pub static STATE_SHAPES: LazyLock<Vec<StateShape>> = LazyLock::new(|| {
    load_states(include_str!("../../../../data/geo/states-albers-10m.json")).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the bundled state boundaries cannot be read");
        Vec::new()
    })
});

/// Decode TopoJSON arcs into absolute coordinates.
///
/// With a transform (a quantized topology), each arc's first position is an absolute quantized
/// point and each later one a delta from the previous; the real point is
/// `(x * scale[0] + translate[0], y * scale[1] + translate[1])` of the running sum (TopoJSON
/// specification, sections 2.1.2 and 2.2). Without a transform, positions are already absolute.
pub fn decode_arcs(topo: &topojson::Topology) -> Vec<Vec<(f64, f64)>> {
    topo.arcs
        .iter()
        .map(|arc| {
            let (mut x, mut y) = (0.0, 0.0);
            arc.iter()
                .filter(|p| p.len() >= 2)
                .map(|p| match &topo.transform {
                    Some(t) => {
                        x += p[0];
                        y += p[1];
                        (x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1])
                    }
                    None => (p[0], p[1]),
                })
                .collect()
        })
        .collect()
}

/// A ring from arc indexes: index `i` is arc `i`, and `~i` (negative) is arc `i` reversed. Each
/// arc after the first starts where the previous ended, so its first point is dropped. `None`
/// when an index is out of range.
fn ring(arcs: &[Vec<(f64, f64)>], indexes: &[i32]) -> Option<Vec<(f64, f64)>> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (n, &i) in indexes.iter().enumerate() {
        let (idx, reversed) = if i < 0 { ((!i) as usize, true) } else { (i as usize, false) };
        let arc = arcs.get(idx)?;
        let pts: Box<dyn Iterator<Item = &(f64, f64)>> = if reversed { Box::new(arc.iter().rev()) } else { Box::new(arc.iter()) };
        out.extend(pts.skip(if n == 0 { 0 } else { 1 }));
    }
    Some(out)
}

/// Tenths of a unit as compact text: 12.3, -0.5 as "-.5", 4.0 as "4".
fn tenths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    match (a / 10, a % 10) {
        (0, 0) => "0".into(),
        (0, f) => format!("{sign}.{f}"),
        (i, 0) => format!("{sign}{i}"),
        (i, f) => format!("{sign}{i}.{f}"),
    }
}

/// SVG path data of polygons (rings of points): absolute first point, then relative moves
/// rounded to a tenth of a unit, consecutive duplicates dropped.
fn path_data(polygons: &[Vec<Vec<(f64, f64)>>]) -> String {
    let mut d = String::new();
    let mut cur = (0i64, 0i64);
    for ring in polygons.iter().flatten() {
        let pts: Vec<(i64, i64)> = ring.iter().map(|(x, y)| ((x * 10.0).round() as i64, (y * 10.0).round() as i64)).collect();
        let mut pts = pts.into_iter();
        let Some(first) = pts.next() else { continue };
        let _ = write!(d, "m{} {}", tenths(first.0 - cur.0), tenths(first.1 - cur.1));
        let mut last = first;
        d.push('l');
        let mut any = false;
        for p in pts {
            if p == last {
                continue;
            }
            let (dx, dy) = (p.0 - last.0, p.1 - last.1);
            if any {
                d.push(' ');
            }
            let _ = write!(d, "{} {}", tenths(dx), tenths(dy));
            last = p;
            any = true;
        }
        if !any {
            d.pop();
        }
        d.push('z');
        // After `z` the current point is the ring's first point.
        cur = first;
    }
    d
}

/// Parse a TopoJSON topology whose object `states` holds one geometry per state, with the
/// 2-digit FIPS code as `id` and `properties.name`. Errors name what is wrong.
pub fn load_states(json: &str) -> Result<Vec<StateShape>, String> {
    let topo = json
        .parse::<topojson::TopoJson>()
        .map_err(|e| format!("not TopoJSON: {e:?}"))?
        .try_unwrap_topology()
        .ok_or("not a TopoJSON topology")?;
    let arcs = decode_arcs(&topo);
    let states = topo.objects.iter().find(|o| o.name == "states").ok_or("no 'states' object")?;
    let topojson::Value::GeometryCollection(geoms) = &states.geometry.value else {
        return Err("'states' is not a geometry collection".into());
    };
    let mut out = Vec::new();
    for g in geoms {
        let fips = g.id.as_ref().and_then(|v| v.as_str()).ok_or("a state without an id")?.to_string();
        let name = g.properties.as_ref().and_then(|p| p.get("name")).and_then(|n| n.as_str()).unwrap_or("").to_string();
        let polygons: Vec<Vec<Vec<(f64, f64)>>> = match &g.value {
            topojson::Value::Polygon(rings) => vec![rings.iter().map(|r| ring(&arcs, r)).collect::<Option<_>>().ok_or("arc index out of range")?],
            topojson::Value::MultiPolygon(polys) => polys
                .iter()
                .map(|rings| rings.iter().map(|r| ring(&arcs, r)).collect::<Option<Vec<_>>>())
                .collect::<Option<_>>()
                .ok_or("arc index out of range")?,
            _ => return Err(format!("state {fips} is not a polygon")),
        };
        let usps = crate::codes::state_by_fips(&fips).map(|s| s.usps.clone()).ok_or_else(|| format!("unknown state FIPS {fips}"))?;
        out.push(StateShape { fips, usps, name, d: path_data(&polygons) });
    }
    Ok(out)
}

/// Quantile classes of positive counts: inclusive (low, high) ranges, ascending, at most
/// [`MAX_CLASSES`] and never more than the number of distinct values. Class `i` holds values up
/// to the `i/k` quantile of the counts; the first starts at 1.
pub fn classes(counts: &[i64]) -> Vec<(i64, i64)> {
    let mut v: Vec<i64> = counts.iter().copied().filter(|c| *c > 0).collect();
    v.sort_unstable();
    let mut distinct = v.clone();
    distinct.dedup();
    let k = distinct.len().min(MAX_CLASSES);
    let n = v.len();
    let mut uppers: Vec<i64> = (1..=k).map(|i| v[(i * n).div_ceil(k) - 1]).collect();
    uppers.dedup();
    let mut lo = 1;
    uppers
        .into_iter()
        .map(|hi| {
            let r = (lo, hi);
            lo = hi + 1;
            r
        })
        .collect()
}

/// Fill of class `i` of `k`: spread over the palette from lightest to darkest.
fn class_fill(i: usize, k: usize) -> &'static str {
    if k <= 1 {
        PALETTE[PALETTE.len() - 1]
    } else {
        PALETTE[i * (PALETTE.len() - 1) / (k - 1)]
    }
}

/// What the map counts, for titles and labels: e.g. `("partnership", "partnerships")`.
#[derive(Debug, Clone, Copy)]
pub struct Noun<'a> {
    pub one: &'a str,
    pub many: &'a str,
}

impl Noun<'_> {
    fn count(&self, n: i64) -> String {
        match n {
            0 => format!("no {}", self.many),
            1 => format!("1 {}", self.one),
            n => format!("{n} {}", self.many),
        }
    }
}

/// Draw the state choropleth. `counts` maps USPS codes to counts (missing = 0); each state links
/// to `href(usps)`; `label` names the map for assistive technology ("Partnerships by state").
///
/// The SVG has `role="img"`, an `aria-label` that states the figures in words, a `<title>` per
/// state ("Arizona: 2 partnerships"), classes `state c{i}` (class `i` of the legend, or `none`),
/// and a legend under the map.
pub fn state_choropleth(counts: &HashMap<String, i64>, noun: Noun<'_>, label: &str, href: impl Fn(&str) -> String) -> String {
    let shapes = &*STATE_SHAPES;
    let values: Vec<i64> = shapes.iter().map(|s| counts.get(&s.usps).copied().unwrap_or(0)).collect();
    let classes = classes(&values);
    let k = classes.len();
    let with = values.iter().filter(|v| **v > 0).count();
    let top = shapes.iter().zip(&values).filter(|(_, v)| **v > 0).max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.name.cmp(&a.0.name)));
    let mut aria = format!("{label}: {with} of {} states have {}", shapes.len(), noun.many);
    if let Some((s, v)) = top {
        let _ = write!(aria, "; the most are in {} ({})", s.name, v);
    }
    let (w, h) = FRAME;
    let mut svg = String::with_capacity(90_000);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {}" role="img" aria-label="{}" class="choropleth">"#,
        h + LEGEND_HEIGHT,
        escape_xml(&aria)
    );
    svg.push_str(r##"<g stroke="#ffffff" stroke-width="0.75" stroke-linejoin="round">"##);
    for (s, v) in shapes.iter().zip(&values) {
        let class = classes.iter().position(|(lo, hi)| *v >= *lo && *v <= *hi);
        let (cls, fill) = match class {
            Some(i) => (format!("c{i}"), class_fill(i, k)),
            None => ("none".to_string(), EMPTY_FILL),
        };
        let _ = write!(
            svg,
            r#"<a href="{}"><path class="state {cls}" data-state="{}" fill="{fill}" d="{}"><title>{}: {}</title></path></a>"#,
            escape_xml(&href(&s.usps)),
            s.usps,
            s.d,
            escape_xml(&s.name),
            noun.count(*v)
        );
    }
    svg.push_str("</g>");
    // Legend: a swatch and range per class, then "none".
    let _ = write!(svg, r#"<g class="legend" font-size="18" font-family="system-ui, sans-serif" transform="translate(20 {})">"#, h + 10);
    let mut x = 0;
    let mut items: Vec<(String, &str)> =
        classes.iter().enumerate().map(|(i, (lo, hi))| (if lo == hi { lo.to_string() } else { format!("{lo}–{hi}") }, class_fill(i, k))).collect();
    items.insert(0, ("None".to_string(), EMPTY_FILL));
    let caption = format!("{} per state:", capitalize(noun.many));
    let _ = write!(svg, r##"<text x="{x}" y="16" fill="#1b1f24">{}</text>"##, escape_xml(&caption));
    x += 11 * caption.chars().count() as i32 + 12;
    for (text, fill) in items {
        let _ = write!(
            svg,
            r##"<rect x="{x}" y="1" width="26" height="19" fill="{fill}" stroke="#8c959f"/><text x="{}" y="16" fill="#1b1f24">{}</text>"##,
            x + 32,
            escape_xml(&text)
        );
        x += 46 + 11 * text.chars().count() as i32;
    }
    svg.push_str("</g></svg>");
    svg
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noun() -> Noun<'static> {
        Noun { one: "partnership", many: "partnerships" }
    }

    #[test]
    fn all_51_states_parse_into_the_frame() {
        assert_eq!(STATE_SHAPES.len(), 51);
        let az = STATE_SHAPES.iter().find(|s| s.usps == "AZ").unwrap();
        assert_eq!((az.fips.as_str(), az.name.as_str()), ("04", "Arizona"));
        // The first point of every state lies inside the 975 x 610 frame.
        for s in STATE_SHAPES.iter() {
            let mut nums = s.d[1..].split([' ', 'l']).take(2).map(|n| n.parse::<f64>().unwrap());
            let (x, y) = (nums.next().unwrap(), nums.next().unwrap());
            assert!((0.0..=975.0).contains(&x) && (0.0..=610.0).contains(&y), "{} starts at {x},{y}", s.usps);
        }
    }

    #[test]
    fn arcs_decode_deltas_with_the_transform() {
        // The quantized example of the TopoJSON specification (section 1.1).
        let t: topojson::Topology = r#"{"type":"Topology","transform":{"scale":[0.0005000500050005,0.00010001000100010001],"translate":[100,0]},
            "objects":{"x":{"type":"GeometryCollection","geometries":[]}},
            "arcs":[[[4000,0],[1999,9999],[2000,-9999],[2000,9999]]]}"#
            .parse::<topojson::TopoJson>()
            .unwrap()
            .try_unwrap_topology()
            .unwrap();
        let arcs = decode_arcs(&t);
        let expected = [(102.0002, 0.0), (102.9998, 1.0), (103.9999, 0.0), (105.0, 1.0)];
        for (got, want) in arcs[0].iter().zip(expected) {
            assert!((got.0 - want.0).abs() < 1e-3 && (got.1 - want.1).abs() < 1e-3, "{got:?} vs {want:?}");
        }
        // A reversed arc (~0) and the shared point dropped between arcs.
        let r = ring(&[vec![(0.0, 0.0), (1.0, 0.0)], vec![(1.0, 0.0), (1.0, 1.0)]], &[0, 1, !1]).unwrap();
        assert_eq!(r, [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (1.0, 0.0)]);
        assert!(ring(&[], &[3]).is_none());
    }

    #[test]
    fn quantile_classes() {
        assert_eq!(classes(&[0, 1, 2, 5]), [(1, 1), (2, 2), (3, 5)]);
        assert_eq!(classes(&[1, 1, 1, 1, 2]), [(1, 1), (2, 2)]);
        assert_eq!(classes(&[3, 3]), [(1, 3)]);
        assert_eq!(classes(&[0, 0]), []);
        let many: Vec<i64> = (1..=100).collect();
        assert_eq!(classes(&many), [(1, 20), (21, 40), (41, 60), (61, 80), (81, 100)]);
    }

    #[test]
    fn a_state_with_two_gets_its_class_title_and_link() {
        let counts: HashMap<String, i64> = [("AZ".to_string(), 2), ("CO".to_string(), 1), ("CA".to_string(), 5)].into();
        let svg = state_choropleth(&counts, noun(), "Partnerships by state", |s| format!("/partnerships?state={s}&include_illustrative=1"));
        assert_eq!(svg.matches("<path ").count(), 51);
        assert_eq!(svg.matches("<a href=").count(), 51);
        // Classes: 1 -> c0, 2 -> c1, 3-5 -> c2.
        let az = svg.split("<a ").find(|s| s.contains(r#"data-state="AZ""#)).unwrap();
        assert!(az.contains(r#"class="state c1""#), "{az}");
        assert!(az.contains("<title>Arizona: 2 partnerships</title>"), "{az}");
        assert!(az.contains(r#"href="/partnerships?state=AZ&amp;include_illustrative=1""#), "{az}");
        assert!(svg.contains("<title>Colorado: 1 partnership</title>"));
        assert!(svg.contains("<title>Texas: no partnerships</title>"));
        assert!(svg.contains(r#"aria-label="Partnerships by state: 3 of 51 states have partnerships; the most are in California (5)""#));
        assert!(svg.contains(r#"role="img""#));
        // Legend: none, 1, 2, 3-5.
        assert!(svg.contains(">None</text>") && svg.contains(">1</text>") && svg.contains(">2</text>") && svg.contains(">3–5</text>"));
    }

    #[test]
    fn svg_is_well_formed() {
        let svg = state_choropleth(&HashMap::new(), noun(), "Partnerships by state", |s| format!("/p?state={s}"));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        // Every opened element is closed, in order.
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg.as_str();
        while let Some(start) = rest.find('<') {
            let end = rest[start..].find('>').unwrap() + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name));
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap().to_string());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "{stack:?}");
        assert!(svg.len() < 120_000, "the map is {} bytes", svg.len());
    }
}

//! The one map renderer: a US state choropleth and a route map as inline SVG, drawn on the
//! server.
//!
//! Boundaries: `data/geo/states-albers-10m.json` (US Census Bureau cartographic boundaries via
//! us-atlas 3.0.1), already projected with Albers USA into a 975 x 610 frame. It is TopoJSON
//! with quantized, delta-encoded arcs and a transform; the `topojson` crate parses it and
//! [`decode_arcs`] turns the arcs into frame coordinates. The file is parsed once, on first use.
//!
//! Colours: ColorBrewer "Blues" (Cynthia Brewer, colorbrewer2.org), five classes; states with
//! no count are light grey. Classes are quantiles of the states' positive counts.
//!
//! Routes and places (longitude/latitude) are drawn on the same frame with [`albers_usa`], the
//! projection the boundary file was made with, so they line up with the outlines.

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
    /// Bounding box of the outline in frame coordinates: `[min_x, min_y, max_x, max_y]`.
    pub bbox: [f64; 4],
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
        let bbox = polygons.iter().flatten().flatten().fold([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY], |b, (x, y)| {
            [b[0].min(*x), b[1].min(*y), b[2].max(*x), b[3].max(*y)]
        });
        out.push(StateShape { fips, usps, name, d: path_data(&polygons), bbox });
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

/// One conic equal-area (Albers) projection as d3-geo configures it: rotate by
/// `rotate_degrees` of longitude, project with standard parallels `parallels`, scale `k`, and
/// put the raw projection of `center` (given in the rotated frame, as d3's `center` is) at
/// `translate`; points outside `clip` (`[x0, y0, x1, y1]`, inclusive) are not drawn.
struct Albers {
    n: f64,
    c: f64,
    r0: f64,
    rotate: f64,
    k: f64,
    dx: f64,
    dy: f64,
    clip: [f64; 4],
}

impl Albers {
    fn new(rotate_degrees: f64, center: (f64, f64), parallels: (f64, f64), k: f64, translate: (f64, f64), clip: [f64; 4]) -> Albers {
        let (phi0, phi1) = (parallels.0.to_radians(), parallels.1.to_radians());
        let sy0 = phi0.sin();
        let n = (sy0 + phi1.sin()) / 2.0;
        let c = 1.0 + sy0 * (2.0 * n - sy0);
        let r0 = c.sqrt() / n;
        let mut a = Albers { n, c, r0, rotate: rotate_degrees.to_radians(), k, dx: 0.0, dy: 0.0, clip };
        let (px, py) = a.raw(center.0.to_radians(), center.1.to_radians());
        a.dx = translate.0 - k * px;
        a.dy = translate.1 + k * py;
        a
    }

    /// Snyder (1987), equations 14-1 to 14-4, with d3's sign conventions (y up in the raw plane).
    fn raw(&self, lambda: f64, phi: f64) -> (f64, f64) {
        let r = (self.c - 2.0 * self.n * phi.sin()).sqrt() / self.n;
        let x = lambda * self.n;
        (r * x.sin(), self.r0 - r * x.cos())
    }

    fn project(&self, longitude: f64, latitude: f64) -> Option<(f64, f64)> {
        let mut lambda = longitude.to_radians() + self.rotate;
        if lambda.abs() > std::f64::consts::PI {
            lambda -= (lambda / std::f64::consts::TAU).round() * std::f64::consts::TAU;
        }
        let (x, y) = self.raw(lambda, latitude.to_radians());
        let (sx, sy) = (self.dx + self.k * x, self.dy - self.k * y);
        let [x0, y0, x1, y1] = self.clip;
        (sx.is_finite() && sy.is_finite() && x0 <= sx && sx <= x1 && y0 <= sy && sy <= y1).then_some((sx, sy))
    }
}

/// The three parts of Albers USA at scale 1300, translate (487.5, 305).
static ALBERS_USA: LazyLock<[Albers; 3]> = LazyLock::new(|| {
    const K: f64 = 1300.0;
    const X: f64 = 487.5;
    const Y: f64 = 305.0;
    const EPS: f64 = 1e-6;
    [
        Albers::new(96.0, (-0.6, 38.7), (29.5, 45.5), K, (X, Y), [X - 0.455 * K, Y - 0.238 * K, X + 0.455 * K, Y + 0.238 * K]),
        Albers::new(
            154.0,
            (-2.0, 58.5),
            (55.0, 65.0),
            K * 0.35,
            (X - 0.307 * K, Y + 0.201 * K),
            [X - 0.425 * K + EPS, Y + 0.120 * K + EPS, X - 0.214 * K - EPS, Y + 0.234 * K - EPS],
        ),
        Albers::new(
            157.0,
            (-3.0, 19.9),
            (8.0, 18.0),
            K,
            (X - 0.205 * K, Y + 0.212 * K),
            [X - 0.214 * K + EPS, Y + 0.166 * K + EPS, X - 0.115 * K - EPS, Y + 0.234 * K - EPS],
        ),
    ]
});

/// Project WGS 84 longitude/latitude (degrees) into the 975 x 610 frame of the boundary files,
/// as d3-geo's `geoAlbersUsa().scale(1300).translate([487.5, 305])` does (the projection
/// us-atlas used to make `states-albers-10m.json`). `None` when the point falls outside all
/// three insets (e.g. Mexico, Europe), or for non-finite input.
///
/// Three Albers conic equal-area projections (Snyder, *Map Projections: A Working Manual*,
/// USGS Professional Paper 1395, 1987, pp. 98-103, equations 14-1 to 14-4): lower 48 with
/// standard parallels 29.5°N and 45.5°N, rotated to 96°W, centred 0.6° west of that and at
/// 38.7°N; Alaska at 0.35 times the scale, parallels 55°N and 65°N, rotated to 154°W, centre
/// (−2°, 58.5°N); Hawaii with parallels 8°N and 18°N, rotated to 157°W, centre (−3°, 19.9°N).
/// Each inset has its translate and clip rectangle as in d3-geo 3 (`src/projection/albersUsa.js`,
/// documented at d3js.org/d3-geo/conic#geoAlbersUsa); a point is tried in the lower 48 first,
/// then Alaska, then Hawaii, and the first whose clip rectangle holds it wins.
pub fn albers_usa(longitude: f64, latitude: f64) -> Option<(f64, f64)> {
    if !longitude.is_finite() || !latitude.is_finite() {
        return None;
    }
    ALBERS_USA.iter().find_map(|p| p.project(longitude, latitude))
}

/// Route colours: the Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008;
/// distinguishable with the common colour-vision deficiencies), without its yellow (too light
/// on white) and black (used for place labels). Beyond six routes the colours repeat with a
/// dash pattern.
pub const ROUTE_PALETTE: [&str; 6] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

/// One route to draw: its legend label, an optional colour (`#rgb` or `#rrggbb`; anything else
/// is ignored for the palette's), and its stops in visiting order as (longitude, latitude)
/// degrees.
#[derive(Debug, Clone)]
pub struct MapRoute {
    pub label: String,
    pub colour: Option<String>,
    pub points: Vec<(f64, f64)>,
}

/// A named point to mark (a plant, a customer's dock, a depot), WGS 84 degrees.
#[derive(Debug, Clone)]
pub struct MapPlace {
    pub name: String,
    pub longitude: f64,
    pub latitude: f64,
}

fn is_hex_colour(s: &str) -> bool {
    let Some(hex) = s.strip_prefix('#') else { return false };
    matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

/// The frame area the route map shows, `[x, y, width, height]`: the bounding box of the
/// projected points with a margin of 12% of its size (at least 12 units), at least 90 x 60
/// units, widened or heightened to an aspect between 1:1 and 2:1; the whole frame when nothing
/// projects.
pub fn route_view(points: &[(f64, f64)]) -> [f64; 4] {
    if points.is_empty() {
        return [0.0, 0.0, f64::from(FRAME.0), f64::from(FRAME.1)];
    }
    let (mut x0, mut y0, mut x1, mut y1) = (f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (x, y) in points {
        x0 = x0.min(*x);
        y0 = y0.min(*y);
        x1 = x1.max(*x);
        y1 = y1.max(*y);
    }
    let margin = ((x1 - x0).max(y1 - y0) * 0.12).max(12.0);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let mut w = (x1 - x0 + 2.0 * margin).max(90.0);
    let mut h = (y1 - y0 + 2.0 * margin).max(60.0);
    if w < h {
        w = h;
    }
    if w > 2.0 * h {
        h = w / 2.0;
    }
    [cx - w / 2.0, cy - h / 2.0, w, h]
}

/// Draw routes and places over the state outlines, zoomed to what is drawn.
///
/// - State outlines: every state whose outline's bounding box meets the view, light grey.
/// - Each route: one `<path class="route">` through its projected stops, in its colour (or the
///   next of [`ROUTE_PALETTE`], dashed after the palette runs out), with a `<title>` naming it;
///   stops that fall outside Albers USA are left out of the line (which breaks there).
/// - Each place (once per name): a dot with a `<title>` and a label.
/// - A legend under the map: a line sample and the label of each route, "(not on the map)"
///   for a route with no stop inside Albers USA.
///
/// The viewBox is [`route_view`] of the projected stops and places, so a county-sized plan
/// fills the map; sizes (strokes, dots, text) scale with the view so they read the same at any
/// zoom. Only presentation attributes are used (no `style` attributes, which the CSP forbids).
/// `label` names the map for assistive technology (`role="img"`, `aria-label`, `<title>`).
pub fn route_map_svg(routes: &[MapRoute], places: &[MapPlace], label: &str) -> String {
    let projected: Vec<Vec<Option<(f64, f64)>>> = routes.iter().map(|r| r.points.iter().map(|(lon, lat)| albers_usa(*lon, *lat)).collect()).collect();
    let mut seen = std::collections::HashSet::new();
    let places: Vec<(&MapPlace, (f64, f64))> =
        places.iter().filter(|p| seen.insert(p.name.as_str())).filter_map(|p| albers_usa(p.longitude, p.latitude).map(|xy| (p, xy))).collect();
    let all: Vec<(f64, f64)> = projected.iter().flatten().flatten().copied().chain(places.iter().map(|(_, xy)| *xy)).collect();
    let [vx, vy, vw, vh] = route_view(&all);
    // One "pixel" if the map is shown 800 px wide.
    let u = vw / 800.0;
    let row = 20.0 * u;
    let legend_h = row * routes.len() as f64 + 10.0 * u;
    let total_h = vh + legend_h;
    let aria = format!("{label}: {} route{} and {} place{}", routes.len(), if routes.len() == 1 { "" } else { "s" }, places.len(), if places.len() == 1 { "" } else { "s" });
    let mut svg = String::with_capacity(40_000);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{} {} {} {}" role="img" aria-label="{}" class="route-map"><title>{}</title>"#,
        small(vx),
        small(vy),
        small(vw),
        small(total_h),
        escape_xml(&aria),
        escape_xml(label)
    );
    let _ = write!(svg, r##"<rect class="map-background" x="{}" y="{}" width="{}" height="{}" fill="#ffffff"/>"##, small(vx), small(vy), small(vw), small(total_h));
    // State outlines in view.
    let _ = write!(svg, r##"<g class="state-outlines" fill="#f3f4f6" stroke="#9ca3af" stroke-width="{}" stroke-linejoin="round">"##, small(0.8 * u));
    for s in STATE_SHAPES.iter() {
        let [x0, y0, x1, y1] = s.bbox;
        if x1 < vx || x0 > vx + vw || y1 < vy || y0 > vy + vh {
            continue;
        }
        let _ = write!(svg, r#"<path class="state-outline" d="{}"><title>{}</title></path>"#, s.d, escape_xml(&s.name));
    }
    svg.push_str("</g>");
    // Routes.
    let colour_of = |i: usize| -> (String, Option<String>) {
        let dash = if i >= ROUTE_PALETTE.len() { Some(format!("{} {}", small(9.0 * u), small(5.0 * u))) } else { None };
        match routes[i].colour.as_deref().filter(|c| is_hex_colour(c)) {
            Some(c) => (c.to_string(), None),
            None => (ROUTE_PALETTE[i % ROUTE_PALETTE.len()].to_string(), dash),
        }
    };
    let _ = write!(svg, r#"<g class="routes" fill="none" stroke-width="{}" stroke-linejoin="round" stroke-linecap="round">"#, small(3.0 * u));
    for (i, (r, pts)) in routes.iter().zip(&projected).enumerate() {
        if !pts.iter().any(Option::is_some) {
            continue;
        }
        let mut d = String::new();
        let mut pen_down = false;
        for p in pts {
            match p {
                Some((x, y)) => {
                    let _ = write!(d, "{}{} {}", if pen_down { "L" } else { "M" }, small(*x), small(*y));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let (colour, dash) = colour_of(i);
        let dash_attr = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let _ = write!(svg, r#"<path class="route" data-route="{i}" stroke="{}"{dash_attr} d="{d}"><title>{}</title></path>"#, escape_xml(&colour), escape_xml(&r.label));
    }
    svg.push_str("</g>");
    // Places.
    let _ = write!(svg, r##"<g class="places" font-family="system-ui, sans-serif" font-size="{}" fill="#1b1f24">"##, small(13.0 * u));
    for (p, (x, y)) in &places {
        let _ = write!(
            svg,
            r##"<g class="place"><circle cx="{}" cy="{}" r="{}" fill="#1b1f24" stroke="#ffffff" stroke-width="{}"><title>{}</title></circle><text x="{}" y="{}" stroke="#ffffff" stroke-width="{}" paint-order="stroke">{}</text></g>"##,
            small(*x),
            small(*y),
            small(4.0 * u),
            small(1.5 * u),
            escape_xml(&p.name),
            small(x + 7.0 * u),
            small(y + 4.0 * u),
            small(3.0 * u),
            escape_xml(&p.name)
        );
    }
    svg.push_str("</g>");
    // Legend.
    let _ = write!(svg, r##"<g class="route-legend" font-family="system-ui, sans-serif" font-size="{}" fill="#1b1f24">"##, small(13.0 * u));
    // A white band under the map so outlines running past the view do not cross the legend.
    let _ = write!(svg, r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#ffffff" stroke="#9ca3af" stroke-width="{}"/>"##, small(vx), small(vy + vh), small(vw), small(legend_h), small(0.8 * u));
    for (i, r) in routes.iter().enumerate() {
        let y = vy + vh + 10.0 * u + row * i as f64 + row / 2.0;
        let x = vx + 12.0 * u;
        let (colour, dash) = colour_of(i);
        let dash_attr = dash.map(|d| format!(r#" stroke-dasharray="{d}""#)).unwrap_or_default();
        let off = if projected[i].iter().any(Option::is_some) { "" } else { " (not on the map)" };
        let _ = write!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"{dash_attr}/><text x="{}" y="{}">{}{off}</text>"#,
            small(x),
            small(y),
            small(x + 28.0 * u),
            small(y),
            escape_xml(&colour),
            small(3.0 * u),
            small(x + 36.0 * u),
            small(y + 4.5 * u),
            escape_xml(&r.label)
        );
    }
    svg.push_str("</g></svg>");
    svg
}

/// A coordinate or length as text with three decimals, trailing zeros dropped, so county-sized
/// views stay sharp.
fn small(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
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
        assert_well_formed(&svg);
        assert!(svg.len() < 120_000, "the map is {} bytes", svg.len());
    }

    /// Every opened element is closed, in order, and no raw `&`, `<` or `>` sits in text or
    /// attribute values.
    fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            assert!(!rest[..start].contains('>'), "stray > in {}", &rest[..start]);
            let end = rest[start..].find('>').unwrap() + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "stray < in {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name));
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().unwrap().to_string());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "{stack:?}");
        for (i, _) in svg.match_indices('&') {
            let entity = &svg[i..svg[i..].find(';').map_or(svg.len(), |e| i + e + 1)];
            assert!(["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&entity), "bare & at {i}: {entity}");
        }
    }

    /// The state's rings in frame coordinates, decoded again from the bundled file.
    fn rings_of(usps: &str) -> Vec<Vec<(f64, f64)>> {
        let topo = include_str!("../../../../data/geo/states-albers-10m.json").parse::<topojson::TopoJson>().unwrap().try_unwrap_topology().unwrap();
        let arcs = decode_arcs(&topo);
        let states = topo.objects.iter().find(|o| o.name == "states").unwrap();
        let topojson::Value::GeometryCollection(geoms) = &states.geometry.value else { panic!() };
        let fips = &STATE_SHAPES.iter().find(|s| s.usps == usps).unwrap().fips;
        let g = geoms.iter().find(|g| g.id.as_ref().and_then(|v| v.as_str()) == Some(fips.as_str())).unwrap();
        match &g.value {
            topojson::Value::Polygon(rings) => rings.iter().map(|r| ring(&arcs, r).unwrap()).collect(),
            topojson::Value::MultiPolygon(polys) => polys.iter().flatten().map(|r| ring(&arcs, r).unwrap()).collect(),
            _ => panic!("{usps} is not a polygon"),
        }
    }

    /// Even-odd point in polygon over all rings (holes and islands included).
    fn inside(rings: &[Vec<(f64, f64)>], (x, y): (f64, f64)) -> bool {
        let mut odd = false;
        for r in rings {
            for k in 0..r.len() {
                let (a, b) = (r[k], r[(k + 1) % r.len()]);
                if (a.1 > y) != (b.1 > y) && x < a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0) {
                    odd = !odd;
                }
            }
        }
        odd
    }

    #[test]
    fn albers_usa_matches_d3_geo() {
        // Reference: d3-geo 3.1.2, geoAlbersUsa().scale(1300).translate([487.5, 305]), run on
        // these longitude/latitude pairs.
        let cases = [
            ("Kingman AZ", (-114.0530, 35.1894), (168.15069694970367, 354.02194474518103)),
            ("Los Angeles CA", (-118.2437, 34.0522), (86.81213082282801, 363.1188798692003)),
            ("Las Vegas NV", (-115.1398, 36.1699), (153.0438101088459, 328.14314898347607)),
            ("Bangor ME", (-68.7712, 44.8016), (929.6278792460844, 103.3856814407336)),
            ("Miami FL", (-80.1918, 25.7617), (822.7383158297632, 572.5407791128295)),
            ("Seattle WA", (-122.3321, 47.6062), (97.6249669465995, 46.31865922997736)),
            ("Anchorage AK", (-149.9003, 61.2181), (112.277427569713, 544.2779162203778)),
            ("Juneau AK", (-134.4197, 58.3019), (176.93702274402565, 556.0837861629693)),
            ("Nome AK", (-165.4064, 64.5011), (57.89928322035419, 515.2825453264345)),
            ("Honolulu HI", (-157.8583, 21.3069), (266.95994676863154, 549.1903729395863)),
            ("Hilo HI", (-155.0868, 19.7241), (326.2217812567855, 584.8010943009704)),
        ];
        for (name, (lon, lat), (x, y)) in cases {
            let (px, py) = albers_usa(lon, lat).unwrap_or_else(|| panic!("{name} did not project"));
            assert!((px - x).abs() < 1e-6 && (py - y).abs() < 1e-6, "{name}: ({px}, {py}) vs d3 ({x}, {y})");
        }
        // Outside every inset, as d3 answers null.
        assert_eq!(albers_usa(-0.1276, 51.5072), None, "London");
        assert_eq!(albers_usa(-99.1332, 19.4326), None, "Mexico City");
        assert_eq!(albers_usa(f64::NAN, 35.0), None);
    }

    #[test]
    fn cities_fall_inside_their_states_outline() {
        for (usps, (lon, lat)) in [
            ("AZ", (-114.0530, 35.1894)),
            ("CA", (-118.2437, 34.0522)),
            ("NV", (-115.1398, 36.1699)),
            ("AK", (-149.9003, 61.2181)),
            ("HI", (-157.8583, 21.3069)),
            ("ME", (-68.7712, 44.8016)),
            ("FL", (-80.1918, 25.7617)),
        ] {
            let p = albers_usa(lon, lat).unwrap();
            assert!(inside(&rings_of(usps), p), "{usps}: {p:?} is outside its outline");
        }
        // And not inside a neighbour: Kingman is not in Nevada or California.
        let kingman = albers_usa(-114.0530, 35.1894).unwrap();
        assert!(!inside(&rings_of("NV"), kingman) && !inside(&rings_of("CA"), kingman));
    }

    fn mohave_plan() -> (Vec<MapRoute>, Vec<MapPlace>) {
        let kingman = (-114.0530, 35.1894);
        let bullhead = (-114.5686, 35.1478);
        let lake_havasu = (-114.3225, 34.4839);
        let las_vegas = (-115.1398, 36.1699);
        let routes = vec![
            MapRoute { label: "Truck 1: Kingman – Las Vegas".into(), colour: None, points: vec![kingman, las_vegas, kingman] },
            MapRoute { label: "Truck 2: Kingman – Bullhead City – Lake Havasu <loop>".into(), colour: None, points: vec![kingman, bullhead, lake_havasu, kingman] },
        ];
        let place = |name: &str, (longitude, latitude): (f64, f64)| MapPlace { name: name.into(), longitude, latitude };
        let places = vec![
            place("Kingman yard", kingman),
            place("Las Vegas DC", las_vegas),
            place("Bullhead City", bullhead),
            place("Lake Havasu City", lake_havasu),
            place("Kingman yard", kingman),
        ];
        (routes, places)
    }

    fn view_box(svg: &str) -> [f64; 4] {
        let v = svg.split("viewBox=\"").nth(1).unwrap().split('"').next().unwrap();
        let n: Vec<f64> = v.split(' ').map(|x| x.parse().unwrap()).collect();
        [n[0], n[1], n[2], n[3]]
    }

    #[test]
    fn route_map_draws_each_route_zoomed_to_the_plan() {
        let (routes, places) = mohave_plan();
        let svg = route_map_svg(&routes, &places, "Plan routes");
        assert_well_formed(&svg);
        assert_eq!(svg.matches(r#"<path class="route""#).count(), 2);
        assert!(svg.contains(r##"<path class="route" data-route="0" stroke="#0072B2" d="M168.151 354.022L153.044 328.143L168.151 354.022"><title>Truck 1: Kingman – Las Vegas</title></path>"##), "{svg}");
        assert!(svg.contains(r##"data-route="1" stroke="#D55E00""##));
        assert!(svg.contains("<title>Truck 2: Kingman – Bullhead City – Lake Havasu &lt;loop&gt;</title>"));
        // Places once per name, each with a title and a label.
        assert_eq!(svg.matches(r#"<g class="place">"#).count(), 4);
        assert!(svg.contains("<title>Lake Havasu City</title>") && svg.contains(">Lake Havasu City</text>"));
        assert!(svg.contains(r#"role="img" aria-label="Plan routes: 2 routes and 4 places""#));
        assert!(svg.contains("<title>Plan routes</title>"));
        // The view holds every projected point and is county-sized, not the national frame.
        let [x, y, w, h] = view_box(&svg);
        for (lon, lat) in routes.iter().flat_map(|r| r.points.iter()).copied() {
            let (px, py) = albers_usa(lon, lat).unwrap();
            assert!(px > x && px < x + w && py > y && py < y + h, "({px}, {py}) outside {x} {y} {w} {h}");
        }
        assert!(w < 120.0, "a Mohave County plan is {w} units wide");
        // Arizona, Nevada and California are drawn; Maine is far outside the view.
        assert!(svg.contains("<title>Arizona</title>") && svg.contains("<title>Nevada</title>") && svg.contains("<title>California</title>"));
        assert!(!svg.contains("<title>Maine</title>"));
        assert!(svg.len() < 60_000, "{} bytes", svg.len());
        // No style attributes (the CSP forbids them).
        assert!(!svg.contains("style="));
        // Legend: one line sample per route.
        assert_eq!(svg.matches("<line ").count(), 2);
    }

    #[test]
    fn route_map_colours_dashes_and_routes_off_the_map() {
        let mut routes: Vec<MapRoute> = (0..8)
            .map(|i| MapRoute { label: format!("Truck {}", i + 1), colour: None, points: vec![(-114.05, 35.19), (-114.05 + 0.1 * f64::from(i), 35.5)] })
            .collect();
        routes[0].colour = Some("#123abc".into());
        routes[1].colour = Some("red\" onload=\"x".into());
        routes.push(MapRoute { label: "Truck to Mexico City".into(), colour: None, points: vec![(-99.1332, 19.4326)] });
        let svg = route_map_svg(&routes, &[], "Plan routes");
        assert_well_formed(&svg);
        assert!(svg.contains(r##"data-route="0" stroke="#123abc""##));
        // A colour that is not a hex colour is replaced by the palette's.
        assert!(svg.contains(r##"data-route="1" stroke="#D55E00""##) && !svg.contains("onload"));
        // The seventh and eighth routes reuse the palette, dashed.
        assert!(svg.contains(r##"data-route="6" stroke="#0072B2" stroke-dasharray="##), "{svg}");
        assert!(svg.contains(r##"data-route="7" stroke="#D55E00" stroke-dasharray="##));
        assert_eq!(svg.matches(r#"<path class="route""#).count(), 8);
        assert!(svg.contains(">Truck to Mexico City (not on the map)</text>"));
        // Nothing on the map at all: the whole frame.
        let only_off = route_map_svg(&routes[8..], &[], "Plan routes");
        assert_eq!(view_box(&only_off)[..3], [0.0, 0.0, 975.0]);
    }

    #[test]
    fn the_view_has_a_margin_a_minimum_size_and_a_sane_aspect() {
        assert_eq!(route_view(&[(100.0, 100.0)]), [55.0, 70.0, 90.0, 60.0]);
        let v = route_view(&[(0.0, 0.0), (500.0, 10.0)]);
        assert_eq!(v[2], 620.0);
        assert_eq!(v[3], 310.0);
        let tall = route_view(&[(0.0, 0.0), (10.0, 300.0)]);
        assert_eq!(tall[2], tall[3]);
    }
}

//! The impact report of the network, assembled from plain rows (pure: no database, no I/O).
//!
//! Every figure carries the link of what it came from: a directory filter URL for counts of
//! partnerships, a partnership page for each contribution, a win's own source URL. Links are
//! relative to the site (`/partnerships?state=AZ`); [`Report::absolutize`] makes them absolute
//! for a file read away from the site.
//!
//! Load it with [`crate::network::load_report`]; render it with [`to_markdown`] or
//! [`crate::network::pages::report_html`]; it serializes to JSON as is.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{InitiativeKind, MeasureCategory, PartialDate};
use crate::codes;

/// How many states the concentration figure names.
pub const TOP_STATES: usize = 5;

/// Units whose values are rates or scores: adding them up across partnerships means nothing, so
/// their roll-up gives no total. Compared ignoring case and surrounding spaces.
pub const NON_ADDITIVE_UNITS: &[&str] = &["percent", "%", "percentage", "percentage points", "rate", "ratio", "score", "index"];

/// A partnership as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportPartnership {
    pub slug: String,
    pub name: String,
    /// USPS codes of the region's states.
    pub states: Vec<String>,
    pub illustrative: bool,
}

/// A win as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportWin {
    pub partnership_slug: String,
    pub partnership_name: String,
    pub title: String,
    pub kind: InitiativeKind,
    pub achieved: Option<PartialDate>,
    pub source_url: Option<String>,
    pub illustrative: bool,
}

/// The latest observation of a measure.
#[derive(Debug, Clone, PartialEq)]
pub struct LatestObservation {
    pub period: PartialDate,
    pub actual: f64,
    pub source_url: Option<String>,
    /// The observation (or its partnership) is an invented example; only loaded when the
    /// report includes illustrative records.
    pub illustrative: bool,
}

/// A measure of a partnership with its latest observation, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeasure {
    pub partnership_slug: String,
    pub partnership_name: String,
    pub name: String,
    pub unit: String,
    pub category: MeasureCategory,
    pub latest: Option<LatestObservation>,
}

/// Everything the report is built from. Rows are already limited to what the report covers
/// (illustrative rows only when `include_illustrative`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub generated_on: NaiveDate,
    pub include_illustrative: bool,
    pub partnerships: Vec<ReportPartnership>,
    pub wins: Vec<ReportWin>,
    pub measures: Vec<ReportMeasure>,
}

/// A count with the link that lists what was counted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub count: usize,
    pub href: String,
}

/// Partnerships in one state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateFigure {
    pub usps: String,
    pub name: String,
    /// Partnerships whose region includes the state (a multi-state partnership counts in each).
    pub partnerships: usize,
    /// `partnerships` as a percentage of all partnerships in the report, one decimal.
    pub share_percent: f64,
    /// The directory filtered to this state.
    pub href: String,
}

impl StateFigure {
    /// The share as people read it, e.g. `17.0%`.
    pub fn share(&self) -> String {
        format_percent(self.share_percent)
    }
}

/// Where partnerships concentrate: the top states and the share of all partnerships located in
/// at least one of them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concentration {
    /// USPS codes of the top states, most partnerships first (ties by code).
    pub states: Vec<String>,
    /// Distinct partnerships whose region includes at least one of those states.
    pub partnerships: usize,
    /// `partnerships` as a percentage of all partnerships, one decimal.
    pub share_percent: f64,
}

impl Concentration {
    /// The share as people read it, e.g. `78.7%`.
    pub fn share(&self) -> String {
        format_percent(self.share_percent)
    }
}

/// A win as the report cites it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WinRef {
    pub title: String,
    pub partnership_name: String,
    pub partnership_href: String,
    pub achieved: Option<String>,
    /// The win's own source, when recorded.
    pub source_url: Option<String>,
    pub illustrative: bool,
}

/// Wins of one initiative kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindFigure {
    pub kind: InitiativeKind,
    pub label: String,
    pub wins: usize,
    pub items: Vec<WinRef>,
}

/// One measure's part of a roll-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub partnership_name: String,
    pub partnership_href: String,
    pub measure_name: String,
    /// Period of the latest observation; `None` when the measure has no observation.
    pub period: Option<String>,
    pub value: Option<f64>,
    pub source_url: Option<String>,
    /// The latest value is an invented example (badged "Illustrative"); never in a report that
    /// leaves illustrative records out.
    pub illustrative: bool,
}

/// Measures of one category and unit, rolled up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasureRollup {
    pub category: MeasureCategory,
    pub category_label: String,
    /// The unit as first written (units are matched ignoring case and surrounding spaces).
    pub unit: String,
    /// Number of measures.
    pub measures: usize,
    /// Number of measures with at least one observation.
    pub with_values: usize,
    /// Sum of the latest actual value of each measure with values; `None` when the unit is a rate
    /// or score (see [`NON_ADDITIVE_UNITS`]) or no measure has a value.
    pub total: Option<f64>,
    /// Why there is no total, in words, when there is none.
    pub no_total_reason: Option<String>,
    /// Each measure: largest latest value first, measures without a value last.
    pub contributions: Vec<Contribution>,
}

/// The impact report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub generated_on: NaiveDate,
    pub include_illustrative: bool,
    /// All partnerships covered; links to the directory.
    pub partnerships: Figure,
    /// States with at least one partnership.
    pub states_with_partnerships: usize,
    /// Most partnerships first, ties by state name.
    pub by_state: Vec<StateFigure>,
    pub concentration: Concentration,
    /// All wins covered; links to the report's own list of wins by kind.
    pub wins: Figure,
    /// Most wins first, ties by label.
    pub wins_by_kind: Vec<KindFigure>,
    /// By category (framework order), then unit.
    pub measures: Vec<MeasureRollup>,
}

/// A share in percent with one decimal, e.g. `17.0%`, `46.8%`, so shares line up in a column.
pub fn format_percent(v: f64) -> String {
    format!("{v:.1}%")
}

/// A number as people read it: thousands separated by commas, at most two decimals, no
/// trailing zeros ("1,234", "12.5").
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let rounded = (v * 100.0).round() / 100.0;
    let neg = rounded < 0.0;
    let abs = rounded.abs();
    let int = abs.trunc() as u64;
    let frac = ((abs - abs.trunc()) * 100.0).round() as u64;
    let digits = int.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let mut s = if neg { format!("-{grouped}") } else { grouped };
    if frac > 0 {
        let f = format!("{frac:02}");
        s.push('.');
        s.push_str(f.trim_end_matches('0'));
    }
    s
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

fn suffix(include_illustrative: bool) -> &'static str {
    if include_illustrative {
        "include_illustrative=1"
    } else {
        ""
    }
}

fn with_query(path: &str, query: &str, include_illustrative: bool) -> String {
    let parts: Vec<&str> = [query, suffix(include_illustrative)].into_iter().filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// Assemble the report from plain rows.
pub fn build(input: &ReportInput) -> Report {
    let inc = input.include_illustrative;
    let total = input.partnerships.len();
    let partnership_href = |slug: &str| format!("/partnerships/{slug}");

    // Partnerships by state.
    let mut per_state: HashMap<&str, usize> = HashMap::new();
    for p in &input.partnerships {
        let mut seen = HashSet::new();
        for st in &p.states {
            if seen.insert(st.as_str()) {
                *per_state.entry(st.as_str()).or_default() += 1;
            }
        }
    }
    let mut by_state: Vec<StateFigure> = per_state
        .into_iter()
        .map(|(usps, n)| StateFigure {
            usps: usps.to_string(),
            name: codes::state_by_usps(usps).map(|s| s.name.clone()).unwrap_or_else(|| usps.to_string()),
            partnerships: n,
            share_percent: percent(n, total),
            href: with_query("/partnerships", &format!("state={usps}"), inc),
        })
        .collect();
    by_state.sort_by(|a, b| b.partnerships.cmp(&a.partnerships).then_with(|| a.name.cmp(&b.name)));

    let mut top: Vec<&StateFigure> = by_state.iter().collect();
    top.sort_by(|a, b| b.partnerships.cmp(&a.partnerships).then_with(|| a.usps.cmp(&b.usps)));
    let top_states: Vec<String> = top.iter().take(TOP_STATES).map(|s| s.usps.clone()).collect();
    let in_top = input.partnerships.iter().filter(|p| p.states.iter().any(|s| top_states.contains(s))).count();
    let concentration = Concentration { states: top_states, partnerships: in_top, share_percent: percent(in_top, total) };

    // Wins by initiative kind.
    let mut kinds: BTreeMap<InitiativeKind, Vec<WinRef>> = BTreeMap::new();
    for w in &input.wins {
        kinds.entry(w.kind).or_default().push(WinRef {
            title: w.title.clone(),
            partnership_name: w.partnership_name.clone(),
            partnership_href: partnership_href(&w.partnership_slug),
            achieved: w.achieved.as_ref().map(|d| d.to_string()),
            source_url: w.source_url.clone(),
            illustrative: w.illustrative,
        });
    }
    let mut wins_by_kind: Vec<KindFigure> =
        kinds.into_iter().map(|(kind, items)| KindFigure { kind, label: kind.label().to_string(), wins: items.len(), items }).collect();
    wins_by_kind.sort_by(|a, b| b.wins.cmp(&a.wins).then_with(|| a.label.cmp(&b.label)));

    // Measures rolled up per category and unit.
    let mut groups: BTreeMap<(usize, String), MeasureRollup> = BTreeMap::new();
    for m in &input.measures {
        let cat_pos = MeasureCategory::ALL.iter().position(|c| *c == m.category).unwrap_or(usize::MAX);
        let unit_key = m.unit.trim().to_lowercase();
        let g = groups.entry((cat_pos, unit_key)).or_insert_with(|| MeasureRollup {
            category: m.category,
            category_label: m.category.label().to_string(),
            unit: m.unit.trim().to_string(),
            measures: 0,
            with_values: 0,
            total: None,
            no_total_reason: None,
            contributions: vec![],
        });
        g.measures += 1;
        if m.latest.is_some() {
            g.with_values += 1;
        }
        g.contributions.push(Contribution {
            partnership_name: m.partnership_name.clone(),
            partnership_href: partnership_href(&m.partnership_slug),
            measure_name: m.name.clone(),
            period: m.latest.as_ref().map(|l| l.period.to_string()),
            value: m.latest.as_ref().map(|l| l.actual),
            source_url: m.latest.as_ref().and_then(|l| l.source_url.clone()),
            illustrative: m.latest.as_ref().is_some_and(|l| l.illustrative),
        });
    }
    let measures = groups
        .into_iter()
        .map(|((_, unit_key), mut g)| {
            // Largest latest values first, measures without a value last; ties by partnership.
            g.contributions.sort_by(|a, b| {
                b.value
                    .unwrap_or(f64::NEG_INFINITY)
                    .total_cmp(&a.value.unwrap_or(f64::NEG_INFINITY))
                    .then_with(|| a.partnership_name.to_lowercase().cmp(&b.partnership_name.to_lowercase()))
                    .then_with(|| a.measure_name.cmp(&b.measure_name))
            });
            if NON_ADDITIVE_UNITS.contains(&unit_key.as_str()) {
                g.no_total_reason = Some(format!("values in {} are not added up across partnerships", g.unit));
            } else if g.with_values == 0 {
                g.no_total_reason = Some("no measure has a value yet".into());
            } else {
                g.total = Some(g.contributions.iter().filter_map(|c| c.value).sum());
            }
            g
        })
        .collect();

    Report {
        generated_on: input.generated_on,
        include_illustrative: inc,
        partnerships: Figure { count: total, href: with_query("/partnerships", "", inc) },
        states_with_partnerships: by_state.len(),
        by_state,
        concentration,
        wins: Figure { count: input.wins.len(), href: format!("{}#r-wins", with_query("/report", "", inc)) },
        wins_by_kind,
        measures,
    }
}

impl Report {
    /// Prefix every site-relative link with `base_url` (e.g. `https://table.example.org`), for a
    /// report read away from the site. Links that are already absolute are left as they are.
    pub fn absolutize(&mut self, base_url: &str) {
        let base = base_url.trim_end_matches('/');
        let fix = |h: &mut String| {
            if h.starts_with('/') {
                *h = format!("{base}{h}");
            }
        };
        fix(&mut self.partnerships.href);
        fix(&mut self.wins.href);
        for s in &mut self.by_state {
            fix(&mut s.href);
        }
        for k in &mut self.wins_by_kind {
            for w in &mut k.items {
                fix(&mut w.partnership_href);
            }
        }
        for m in &mut self.measures {
            for c in &mut m.contributions {
                fix(&mut c.partnership_href);
                if let Some(u) = &mut c.source_url {
                    fix(u);
                }
            }
        }
    }
}

impl MeasureRollup {
    /// The total as people read it, or `None`.
    pub fn total_text(&self) -> Option<String> {
        self.total.map(format_number)
    }
    /// "1 measure", "3 measures".
    pub fn measures_text(&self) -> String {
        plural(self.measures, "measure", "measures")
    }
}

impl Contribution {
    /// The value as people read it, or "not recorded".
    pub fn value_text(&self) -> String {
        self.value.map(format_number).unwrap_or_else(|| "not recorded".into())
    }
}

/// "1 measure", "3 measures".
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('[', "\\[").replace(']', "\\]").replace('\n', " ")
}

fn md_link(text: &str, href: &str) -> String {
    format!("[{}]({})", md_escape(text), href.replace(' ', "%20").replace(')', "%29"))
}

/// The report as Markdown: the same sections and figures as the page, each linked to its source.
pub fn to_markdown(r: &Report) -> String {
    let mut s = String::new();
    s.push_str("# Impact report\n\n");
    s.push_str(&format!("Generated on {}. ", r.generated_on));
    if r.include_illustrative {
        s.push_str("Includes illustrative (invented) examples.\n\n");
    } else {
        s.push_str("Illustrative examples are left out.\n\n");
    }
    s.push_str("## Partnerships\n\n");
    s.push_str(&format!(
        "- {} in {}\n- {}\n",
        md_link(&plural(r.partnerships.count, "partnership", "partnerships"), &r.partnerships.href),
        plural(r.states_with_partnerships, "state", "states"),
        md_link(&format!("{} reported", plural(r.wins.count, "win", "wins")), &r.wins.href)
    ));
    if !r.concentration.states.is_empty() {
        s.push_str(&format!(
            "- The top {} states ({}) hold {} of {} partnerships ({}).\n",
            r.concentration.states.len(),
            r.concentration.states.join(", "),
            r.concentration.partnerships,
            r.partnerships.count,
            format_percent(r.concentration.share_percent)
        ));
    }
    s.push_str("\n## Partnerships by state\n\n");
    if r.by_state.is_empty() {
        s.push_str("No partnerships recorded.\n");
    } else {
        s.push_str("| State | Partnerships | Share of all |\n|---|---:|---:|\n");
        for st in &r.by_state {
            s.push_str(&format!(
                "| {} | {} | {} |\n",
                md_escape(&st.name),
                md_link(&st.partnerships.to_string(), &st.href),
                format_percent(st.share_percent)
            ));
        }
        s.push_str("\nA partnership whose region spans several states counts in each.\n");
    }
    s.push_str("\n## Wins by kind of initiative\n\n");
    if r.wins_by_kind.is_empty() {
        s.push_str("No wins recorded.\n");
    }
    for k in &r.wins_by_kind {
        s.push_str(&format!("### {} ({})\n\n", md_escape(&k.label), k.wins));
        for w in &k.items {
            let when = w.achieved.as_deref().map(|a| format!(" ({a})")).unwrap_or_default();
            let source = w.source_url.as_deref().map(|u| format!(" · {}", md_link("source", u))).unwrap_or_else(|| " · source not recorded".into());
            let ill = if w.illustrative { " · *Illustrative*" } else { "" };
            s.push_str(&format!("- {}{when}: {}{source}{ill}\n", md_escape(&w.title), md_link(&w.partnership_name, &w.partnership_href)));
        }
        s.push('\n');
    }
    s.push_str("## Measures\n\n");
    if r.measures.is_empty() {
        s.push_str("No measures recorded.\n");
    }
    for m in &r.measures {
        let total = match (&m.total_text(), &m.no_total_reason) {
            (Some(t), _) => format!("total of latest values: {t} {}", md_escape(&m.unit)),
            (None, Some(why)) => format!("no total: {why}"),
            (None, None) => "no total".into(),
        };
        s.push_str(&format!(
            "### {}, {}\n\n{}, {} with values; {total}.\n\n",
            md_escape(&m.category_label),
            md_escape(&m.unit),
            plural(m.measures, "measure", "measures"),
            m.with_values
        ));
        s.push_str("| Partnership | Measure | Period | Latest value | Source |\n|---|---|---|---:|---|\n");
        for c in &m.contributions {
            let ill = if c.illustrative { " *Illustrative*" } else { "" };
            s.push_str(&format!(
                "| {} | {} | {} | {}{ill} | {} |\n",
                md_link(&c.partnership_name, &c.partnership_href),
                md_escape(&c.measure_name),
                c.period.as_deref().unwrap_or("not recorded"),
                c.value_text(),
                c.source_url.as_deref().map(|u| md_link("source", u)).unwrap_or_else(|| "not recorded".into())
            ));
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(slug: &str, states: &[&str]) -> ReportPartnership {
        ReportPartnership { slug: slug.into(), name: slug.to_uppercase(), states: states.iter().map(|s| s.to_string()).collect(), illustrative: false }
    }

    fn measure(slug: &str, name: &str, unit: &str, category: MeasureCategory, latest: Option<(&str, f64)>) -> ReportMeasure {
        ReportMeasure {
            partnership_slug: slug.into(),
            partnership_name: slug.to_uppercase(),
            name: name.into(),
            unit: unit.into(),
            category,
            latest: latest.map(|(period, actual)| LatestObservation {
                period: PartialDate::parse(period).unwrap(),
                actual,
                source_url: Some(format!("https://example.org/{slug}")),
                illustrative: false,
            }),
        }
    }

    fn input() -> ReportInput {
        ReportInput {
            generated_on: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            include_illustrative: false,
            partnerships: vec![p("a", &["AZ"]), p("b", &["AZ", "NV"]), p("c", &["CO"]), p("d", &["CO"]), p("e", &["AZ"])],
            wins: vec![
                ReportWin {
                    partnership_slug: "a".into(),
                    partnership_name: "A".into(),
                    title: "Speakers bureau".into(),
                    kind: InitiativeKind::CareerAwareness,
                    achieved: Some(PartialDate::parse("2019").unwrap()),
                    source_url: Some("https://example.org/win1".into()),
                    illustrative: false,
                },
                ReportWin {
                    partnership_slug: "c".into(),
                    partnership_name: "C".into(),
                    title: "Career camp".into(),
                    kind: InitiativeKind::CareerAwareness,
                    achieved: None,
                    source_url: None,
                    illustrative: false,
                },
                ReportWin {
                    partnership_slug: "d".into(),
                    partnership_name: "D".into(),
                    title: "Welding module".into(),
                    kind: InitiativeKind::Curriculum,
                    achieved: None,
                    source_url: Some("https://example.org/win3".into()),
                    illustrative: false,
                },
            ],
            measures: vec![
                measure("a", "Hires", "people", MeasureCategory::JobseekersWorkers, Some(("2024", 12.0))),
                measure("b", "New hires", "People ", MeasureCategory::JobseekersWorkers, Some(("2024-06", 30.5))),
                measure("c", "Placements", "people", MeasureCategory::JobseekersWorkers, None),
                measure("a", "Retention", "percent", MeasureCategory::JobseekersWorkers, Some(("2024", 80.0))),
                measure("b", "Retention", "percent", MeasureCategory::JobseekersWorkers, Some(("2024", 90.0))),
                measure("d", "Companies engaged", "companies", MeasureCategory::EmployersIndustry, Some(("2023", 1200.0))),
            ],
        }
    }

    #[test]
    fn partnerships_by_state_and_concentration() {
        let r = build(&input());
        assert_eq!(r.partnerships, Figure { count: 5, href: "/partnerships".into() });
        assert_eq!(r.states_with_partnerships, 3);
        let az = &r.by_state[0];
        assert_eq!((az.usps.as_str(), az.name.as_str(), az.partnerships, az.share_percent), ("AZ", "Arizona", 3, 60.0));
        assert_eq!(az.href, "/partnerships?state=AZ");
        assert_eq!((r.by_state[1].usps.as_str(), r.by_state[1].partnerships, r.by_state[1].share_percent), ("CO", 2, 40.0));
        assert_eq!((r.by_state[2].usps.as_str(), r.by_state[2].share_percent), ("NV", 20.0));
        // AZ, CO and NV hold every partnership: 5 of 5 (the AZ/NV one counted once).
        assert_eq!(r.concentration, Concentration { states: vec!["AZ".into(), "CO".into(), "NV".into()], partnerships: 5, share_percent: 100.0 });
    }

    #[test]
    fn concentration_counts_distinct_partnerships_in_the_top_states() {
        let mut i = input();
        i.partnerships = ["AZ", "AZ", "AZ", "CA", "CA", "CO", "NM", "NV", "UT", "WY"].iter().enumerate().map(|(n, s)| p(&format!("p{n}"), &[s])).collect();
        let r = build(&i);
        // Top 5: AZ (3), CA (2), then the ties by code: CO, NM, NV -> 8 of 10.
        assert_eq!(r.concentration.states, ["AZ", "CA", "CO", "NM", "NV"]);
        assert_eq!((r.concentration.partnerships, r.concentration.share_percent), (8, 80.0));
    }

    #[test]
    fn wins_by_kind_link_their_sources() {
        let r = build(&input());
        assert_eq!(r.wins, Figure { count: 3, href: "/report#r-wins".into() });
        assert_eq!(r.wins_by_kind.len(), 2);
        let aware = &r.wins_by_kind[0];
        assert_eq!((aware.kind, aware.label.as_str(), aware.wins), (InitiativeKind::CareerAwareness, "Career awareness", 2));
        assert_eq!(aware.items[0].source_url.as_deref(), Some("https://example.org/win1"));
        assert_eq!(aware.items[0].partnership_href, "/partnerships/a");
        assert_eq!(aware.items[1].source_url, None);
        assert_eq!(r.wins_by_kind[1].label, "Curriculum");
    }

    #[test]
    fn measures_add_up_only_within_one_unit_and_never_rates() {
        let r = build(&input());
        assert_eq!(r.measures.len(), 3);
        let people = &r.measures[0];
        assert_eq!((people.category, people.unit.as_str()), (MeasureCategory::JobseekersWorkers, "people"));
        assert_eq!((people.measures, people.with_values, people.total), (3, 2, Some(42.5)));
        let names: Vec<(&str, String)> = people.contributions.iter().map(|c| (c.partnership_name.as_str(), c.value_text())).collect();
        assert_eq!(names, [("B", "30.5".to_string()), ("A", "12".to_string()), ("C", "not recorded".to_string())]);
        assert_eq!(people.contributions[0].partnership_href, "/partnerships/b");
        assert_eq!(people.contributions[0].source_url.as_deref(), Some("https://example.org/b"));
        let pct = &r.measures[1];
        assert_eq!((pct.unit.as_str(), pct.measures, pct.total), ("percent", 2, None));
        assert_eq!(pct.no_total_reason.as_deref(), Some("values in percent are not added up across partnerships"));
        let companies = &r.measures[2];
        assert_eq!((companies.category, companies.total_text().as_deref()), (MeasureCategory::EmployersIndustry, Some("1,200")));
    }

    #[test]
    fn illustrative_links_carry_the_flag_and_absolutize_prefixes() {
        let mut i = input();
        i.include_illustrative = true;
        let mut r = build(&i);
        assert_eq!(r.by_state[0].href, "/partnerships?state=AZ&include_illustrative=1");
        assert_eq!(r.partnerships.href, "/partnerships?include_illustrative=1");
        r.absolutize("https://table.example.org/");
        assert_eq!(r.by_state[0].href, "https://table.example.org/partnerships?state=AZ&include_illustrative=1");
        assert_eq!(r.wins_by_kind[0].items[0].source_url.as_deref(), Some("https://example.org/win1"));
    }

    #[test]
    fn markdown_has_every_section_with_links() {
        let md = to_markdown(&build(&input()));
        assert!(md.contains("- [5 partnerships](/partnerships) in 3 states"), "{md}");
        assert!(md.contains("| Arizona | [3](/partnerships?state=AZ) | 60.0% |"), "{md}");
        assert!(md.contains("The top 3 states (AZ, CO, NV) hold 5 of 5 partnerships (100.0%)."), "{md}");
        assert!(md.contains("- Speakers bureau (2019): [A](/partnerships/a) · [source](https://example.org/win1)"), "{md}");
        assert!(md.contains("- Career camp: [C](/partnerships/c) · source not recorded"), "{md}");
        assert!(md.contains("3 measures, 2 with values; total of latest values: 42.5 people."), "{md}");
        assert!(md.contains("| [B](/partnerships/b) | New hires | 2024-06 | 30.5 | [source](https://example.org/b) |"), "{md}");
        assert!(md.contains("### Employers and industry, companies\n\n1 measure, 1 with values; total of latest values: 1,200 companies."), "{md}");
        assert!(md.contains("no total: values in percent are not added up across partnerships"), "{md}");
    }

    #[test]
    fn an_illustrative_latest_value_is_badged_in_the_roll_up() {
        let mut i = input();
        i.include_illustrative = true;
        if let Some(l) = i.measures[0].latest.as_mut() {
            l.illustrative = true;
        }
        let r = build(&i);
        let people = &r.measures[0];
        // Asked for, the invented value counts in the total and carries its badge.
        assert_eq!(people.total, Some(42.5));
        let flags: Vec<(&str, bool)> = people.contributions.iter().map(|c| (c.partnership_name.as_str(), c.illustrative)).collect();
        assert_eq!(flags, [("B", false), ("A", true), ("C", false)]);
        let md = to_markdown(&r);
        assert!(md.contains("| [A](/partnerships/a) | Hires | 2024 | 12 *Illustrative* | [source](https://example.org/a) |"), "{md}");
        assert!(md.contains("| [B](/partnerships/b) | New hires | 2024-06 | 30.5 | [source](https://example.org/b) |"), "{md}");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(1234567.0), "1,234,567");
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(-1000.25), "-1,000.25");
        assert_eq!(format_number(0.0), "0");
        assert_eq!(format_number(2.999), "3");
    }
}

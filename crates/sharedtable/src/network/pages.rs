//! The read-side pages of the network: overview, directory (and its CSV), partnership page,
//! organizations, impact report. Handlers parse the query into typed filters, call
//! `store::views`, and render templates in `templates/network/`.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use crate::auth::access::{Part, Routes, Rule, Visibility};
use chrono::NaiveDate;
use serde::Deserialize;

use super::health::{self, HealthSummary, Indicator};
use super::model::*;
use super::report::{format_number, Report};
use super::store::views::{
    self, DirectoryRow, DirectorySort, InitiativeView, MeasureView, MeetingView, MemberRow, NetworkCounts, NetworkFilter, OrgFilter,
    OrgMembershipRow, OrgRow, OrgTeamRow, PriorityView, StageFilter, WinRow,
};
use crate::codes;
use crate::db::Id;
use crate::web::chart::{self, ChartPoint};
use crate::web::map::{self, Noun};
use crate::web::pagination::{self, Pagination, DEFAULT_PER_PAGE};
use crate::web::{self, layout, link, AppState, Error};

/// The read-side page routes.
pub fn routes() -> Routes {
    Routes::new()
        .get("/", Rule::Public, get(overview))
        .get("/partnerships", Rule::Public, get(directory))
        .get("/partnerships.csv", Rule::Public, get(directory_csv))
        .get("/partnerships/{slug}", Rule::Published(Part::Page), get(partnership))
        .get("/organizations", Rule::Public, get(organizations))
        .get("/organizations/{id}", Rule::Public, get(organization))
        .get("/report", Rule::Public, get(report_page))
}

/// Today's date in UTC, the day health checks are made.
fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

// ---------------------------------------------------------------------------------------------
// Query parsing

/// Query parameters of the list pages, as sent; see [`ListQuery::network_filter`].
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
    pub sector: Option<String>,
    pub stage: Option<String>,
    pub kind: Option<String>,
    pub q: Option<String>,
    pub include_illustrative: Option<String>,
    pub sort: Option<String>,
    pub dir: Option<String>,
    pub page: Option<String>,
    pub per_page: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn truthy(v: &Option<String>) -> bool {
    matches!(given(v).map(str::to_lowercase).as_deref(), Some("1" | "true" | "on" | "yes"))
}

fn parse_state(v: &Option<String>) -> Result<Option<String>, Error> {
    match given(v) {
        None => Ok(None),
        Some(s) => {
            let up = s.to_uppercase();
            codes::state_by_usps(&up).map(|_| Some(up)).ok_or_else(|| Error::BadRequest(format!("state '{s}' is not a USPS state code such as AZ")))
        }
    }
}

impl ListQuery {
    /// Read a query string. Errors: a query that is not `key=value` pairs, or a key given twice.
    pub fn parse(raw: Option<&str>) -> Result<ListQuery, Error> {
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|e| Error::BadRequest(format!("the query string cannot be read: {e}")))
    }
    /// The partnership filter for what `vis` lets the viewer see. Errors: an unknown state code or
    /// stage word, named.
    pub fn network_filter_for(&self, vis: &Visibility) -> Result<NetworkFilter, Error> {
        Ok(NetworkFilter { hidden: vis.hidden(Part::Page), hidden_wins: vis.hidden(Part::Wins), ..self.network_filter()? })
    }
    /// The partnership filter, as for a viewer who sees everything. Errors: an unknown state code
    /// or stage word, named.
    pub fn network_filter(&self) -> Result<NetworkFilter, Error> {
        let stage = match given(&self.stage) {
            None => None,
            Some(s) => Some(StageFilter::parse(s).ok_or_else(|| {
                Error::BadRequest(format!("stage '{s}' is not one of {}, not_recorded", Stage::expected()))
            })?),
        };
        Ok(NetworkFilter {
            state: parse_state(&self.state)?,
            sector: given(&self.sector).map(str::to_string),
            stage,
            q: given(&self.q).map(str::to_string),
            include_illustrative: truthy(&self.include_illustrative),
            hidden: vec![],
            hidden_wins: vec![],
        })
    }
    /// The organization filter. Errors: an unknown kind or state, named.
    pub fn org_filter(&self) -> Result<OrgFilter, Error> {
        let kind = match given(&self.kind) {
            None => None,
            Some(k) => Some(OrgKind::parse(k).ok_or_else(|| Error::BadRequest(format!("kind '{k}' is not one of {}", OrgKind::expected())))?),
        };
        Ok(OrgFilter {
            kind,
            state: parse_state(&self.state)?,
            q: given(&self.q).map(str::to_string),
            include_illustrative: truthy(&self.include_illustrative),
        })
    }
    /// The directory sort: column (default name) and whether descending (`dir=desc`).
    pub fn sort(&self) -> Result<(DirectorySort, bool), Error> {
        let sort = match given(&self.sort) {
            None => DirectorySort::Name,
            Some(s) => DirectorySort::parse(s).ok_or_else(|| {
                let words: Vec<&str> = DirectorySort::ALL.iter().map(|s| s.as_str()).collect();
                Error::BadRequest(format!("sort '{s}' is not one of {}", words.join(", ")))
            })?,
        };
        let desc = match given(&self.dir) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => return Err(Error::BadRequest(format!("dir '{d}' is not asc or desc"))),
        };
        Ok((sort, desc))
    }
}

/// The query pairs that reproduce a partnership filter.
fn filter_pairs(f: &NetworkFilter) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(s) = &f.state {
        v.push(("state", s.clone()));
    }
    if let Some(s) = &f.sector {
        v.push(("sector", s.clone()));
    }
    if let Some(s) = f.stage {
        v.push(("stage", s.as_str().to_string()));
    }
    if let Some(q) = &f.q {
        v.push(("q", q.clone()));
    }
    if f.include_illustrative {
        v.push(("include_illustrative", "1".into()));
    }
    v
}

fn pairs_ref<'a>(pairs: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    pairs.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// A link to `path` with the filter `f`, one parameter replaced (or added) by `key = value`.
fn filter_link(path: &str, f: &NetworkFilter, key: &'static str, value: &str) -> String {
    let mut pairs = filter_pairs(f);
    match pairs.iter().position(|(k, _)| *k == key) {
        Some(i) => pairs[i].1 = value.to_string(),
        // Filters first, the illustrative flag last.
        None => {
            let at = pairs.iter().position(|(k, _)| *k == "include_illustrative").unwrap_or(pairs.len());
            pairs.insert(at, (key, value.to_string()));
        }
    }
    link(path, &pairs_ref(&pairs))
}

// ---------------------------------------------------------------------------------------------
// Shared view parts

/// An option of a `<select>`: value, label, selected.
pub struct SelectOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form of the overview and the directory (template `network/_filters.html`).
pub struct FilterForm {
    pub action: &'static str,
    pub q: String,
    pub include_illustrative: bool,
    pub states: Vec<SelectOption>,
    pub sectors: Vec<SelectOption>,
    pub stages: Vec<SelectOption>,
    /// Hidden fields kept when the form is sent (the directory's sort).
    pub hidden: Vec<(&'static str, String)>,
}

async fn filter_form(state: &AppState, action: &'static str, f: &NetworkFilter, hidden: Vec<(&'static str, String)>) -> Result<FilterForm, Error> {
    let sectors = views::sectors(&state.db, f.include_illustrative).await?;
    let mut sector_opts: Vec<SelectOption> = sectors
        .into_iter()
        .map(|s| SelectOption { selected: f.sector.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(&s)), label: s.clone(), value: s })
        .collect();
    if let Some(sel) = &f.sector {
        if !sector_opts.iter().any(|o| o.selected) {
            sector_opts.push(SelectOption { value: sel.clone(), label: sel.clone(), selected: true });
        }
    }
    let mut stages: Vec<SelectOption> = Stage::ALL
        .iter()
        .map(|s| SelectOption { value: s.as_str().into(), label: s.label().into(), selected: f.stage == Some(StageFilter::Is(*s)) })
        .collect();
    stages.push(SelectOption { value: "not_recorded".into(), label: "Not recorded".into(), selected: f.stage == Some(StageFilter::NotRecorded) });
    Ok(FilterForm {
        action,
        q: f.q.clone().unwrap_or_default(),
        include_illustrative: f.include_illustrative,
        states: state_options(f.state.as_deref()),
        sectors: sector_opts,
        stages,
        hidden,
    })
}

fn state_options(selected: Option<&str>) -> Vec<SelectOption> {
    let mut states: Vec<SelectOption> =
        codes::STATES.iter().map(|s| SelectOption { value: s.usps.clone(), label: s.name.clone(), selected: selected == Some(s.usps.as_str()) }).collect();
    states.sort_by(|a, b| a.label.cmp(&b.label));
    states
}

/// A health summary as a list shows it.
pub struct HealthCell {
    pub text: String,
    pub css: &'static str,
}

impl From<HealthSummary> for HealthCell {
    fn from(s: HealthSummary) -> Self {
        HealthCell { text: s.text(), css: s.overall().css() }
    }
}

/// Words for a partial date or "not recorded" is left to templates; this gives the label of an
/// optional stage with the source's own word.
fn stage_note(stage: Option<Stage>, reported: &Option<String>) -> Option<String> {
    match (stage, reported) {
        (Some(s), Some(r)) if !r.eq_ignore_ascii_case(s.label()) => Some(format!("the source says \u{201c}{r}\u{201d}")),
        (None, Some(r)) => Some(format!("the source says \u{201c}{r}\u{201d}, which is not a stage we know")),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Overview

/// A row of a count table with the directory link of what was counted.
pub struct CountRow {
    pub label: String,
    pub count: i64,
    pub href: String,
}

#[derive(Template)]
#[template(path = "network/overview.html")]
struct OverviewPage {
    form: FilterForm,
    counts: NetworkCounts,
    map_svg: String,
    by_state: Vec<CountRow>,
    by_sector: Vec<CountRow>,
    by_stage: Vec<CountRow>,
    wins: Vec<WinRow>,
    directory_href: String,
    include_illustrative: bool,
    filtered: bool,
}

async fn overview(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let query = ListQuery::parse(raw.as_deref())?;
    let f = query.network_filter_for(&Visibility::current(&state.db).await?)?;
    let counts = views::network_counts(&state.db, &f).await?;
    let wins = views::latest_wins(&state.db, &f, 10).await?;
    let per_state: HashMap<String, i64> = counts.by_state.iter().cloned().collect();
    let map_svg = map::state_choropleth(&per_state, Noun { one: "partnership", many: "partnerships" }, "Partnerships by state", |usps| {
        filter_link("/partnerships", &f, "state", usps)
    });
    let by_state = counts
        .by_state
        .iter()
        .map(|(usps, n)| CountRow {
            label: codes::state_by_usps(usps).map(|s| s.name.clone()).unwrap_or_else(|| usps.clone()),
            count: *n,
            href: filter_link("/partnerships", &f, "state", usps),
        })
        .collect();
    let by_sector = counts.by_sector.iter().map(|(s, n)| CountRow { label: s.clone(), count: *n, href: filter_link("/partnerships", &f, "sector", s) }).collect();
    let by_stage = counts
        .by_stage
        .iter()
        .map(|(s, n)| {
            let word = s.map(|s| s.as_str()).unwrap_or("not_recorded");
            CountRow { label: s.map(|s| s.label()).unwrap_or("Not recorded").to_string(), count: *n, href: filter_link("/partnerships", &f, "stage", word) }
        })
        .collect();
    let page = OverviewPage {
        form: filter_form(&state, "/", &f, vec![]).await?,
        directory_href: link("/partnerships", &pairs_ref(&filter_pairs(&f))),
        include_illustrative: f.include_illustrative,
        filtered: f.state.is_some() || f.sector.is_some() || f.stage.is_some() || f.q.is_some(),
        counts,
        map_svg,
        by_state,
        by_sector,
        by_stage,
        wins,
    };
    Ok(layout::render(&page))
}

// ---------------------------------------------------------------------------------------------
// Directory

/// A sortable column header: a link that sorts by it (toggling the direction when it is the
/// current sort) and its `aria-sort` state.
pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    pub aria_sort: &'static str,
    pub arrow: &'static str,
    pub num: bool,
}

/// A directory row as the page shows it.
pub struct DirectoryRowView {
    pub row: DirectoryRow,
    pub conveners: Option<String>,
    pub stage_note: Option<String>,
    pub health: Option<HealthCell>,
}

#[derive(Template)]
#[template(path = "network/directory.html")]
struct DirectoryPage {
    form: FilterForm,
    headers: Vec<SortHeader>,
    rows: Vec<DirectoryRowView>,
    pagination: Pagination,
    csv_href: String,
    include_illustrative: bool,
}

const DIRECTORY_COLUMNS: &[(DirectorySort, &str, bool)] = &[
    (DirectorySort::Name, "Partnership", false),
    (DirectorySort::Region, "Region", false),
    (DirectorySort::Sector, "Sector", false),
    (DirectorySort::Convener, "Convener", false),
    (DirectorySort::Launched, "Launched", false),
    (DirectorySort::Stage, "Stage", false),
    (DirectorySort::Businesses, "Businesses engaged", true),
    (DirectorySort::Champions, "Champions", true),
];

async fn directory(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let query = ListQuery::parse(raw.as_deref())?;
    let f = query.network_filter_for(&Visibility::current(&state.db).await?)?;
    let (sort, desc) = query.sort()?;
    let req = pagination::parse(query.page.as_deref(), query.per_page.as_deref(), DEFAULT_PER_PAGE)?;
    let (rows, total) = views::directory(&state.db, &f, sort, desc, Some(req)).await?;
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let mut health = views::health_summaries(&state.db, &ids, today()).await?;

    let fp = filter_pairs(&f);
    let headers = DIRECTORY_COLUMNS
        .iter()
        .map(|(col, label, num)| {
            let current = *col == sort;
            let next_desc = current && !desc;
            let mut pairs = pairs_ref(&fp);
            pairs.push(("sort", col.as_str()));
            if next_desc {
                pairs.push(("dir", "desc"));
            }
            SortHeader {
                label,
                href: link("/partnerships", &pairs),
                aria_sort: if !current { "none" } else if desc { "descending" } else { "ascending" },
                arrow: if !current { "" } else if desc { " ▼" } else { " ▲" },
                num: *num,
            }
        })
        .collect();
    let sort_pairs: Vec<(&'static str, String)> = {
        let mut v = vec![];
        if sort != DirectorySort::Name {
            v.push(("sort", sort.as_str().to_string()));
        }
        if desc {
            v.push(("dir", "desc".to_string()));
        }
        v
    };
    let mut keep = fp.clone();
    keep.extend(sort_pairs.iter().cloned());
    let pagination = Pagination::new(req, total, "/partnerships", &pairs_ref(&keep));
    let rows = rows
        .into_iter()
        .map(|r| DirectoryRowView {
            conveners: (!r.conveners.is_empty()).then(|| r.conveners.join("; ")),
            stage_note: stage_note(r.stage, &r.stage_reported),
            health: health.remove(&r.id).map(HealthCell::from),
            row: r,
        })
        .collect();
    let page = DirectoryPage {
        form: filter_form(&state, "/partnerships", &f, sort_pairs).await?,
        headers,
        rows,
        pagination,
        csv_href: link("/partnerships.csv", &pairs_ref(&keep)),
        include_illustrative: f.include_illustrative,
    };
    Ok(layout::render(&page))
}

/// Columns of `/partnerships.csv`. Unknown values are empty cells.
pub const DIRECTORY_CSV_HEADER: &[&str] = &[
    "name",
    "slug",
    "region",
    "states",
    "sector",
    "conveners",
    "launched",
    "stage",
    "stage_reported",
    "businesses_engaged",
    "champions",
    "health",
    "illustrative",
];

async fn directory_csv(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let query = ListQuery::parse(raw.as_deref())?;
    let f = query.network_filter_for(&Visibility::current(&state.db).await?)?;
    let (sort, desc) = query.sort()?;
    let (rows, _) = views::directory(&state.db, &f, sort, desc, None).await?;
    let ids: Vec<Id> = rows.iter().map(|r| r.id).collect();
    let health = views::health_summaries(&state.db, &ids, today()).await?;
    let out = rows.into_iter().map(|r| {
        vec![
            r.name.clone(),
            r.slug.clone(),
            r.region_name.clone(),
            r.states.join(" "),
            r.sector_label.clone(),
            r.conveners.join("; "),
            r.launched.as_ref().map(|d| d.to_string()).unwrap_or_default(),
            r.stage.map(|s| s.as_str().to_string()).unwrap_or_default(),
            r.stage_reported.clone().unwrap_or_default(),
            r.businesses_engaged.map(|n| n.to_string()).unwrap_or_default(),
            r.champions.map(|n| n.to_string()).unwrap_or_default(),
            health.get(&r.id).map(|h| h.text()).unwrap_or_default(),
            r.illustrative.to_string(),
        ]
    });
    web::csv::response("partnerships.csv", DIRECTORY_CSV_HEADER, out)
}

// ---------------------------------------------------------------------------------------------
// Partnership page

/// Members of one kind.
pub struct MemberGroup {
    pub label: &'static str,
    pub members: Vec<MemberRow>,
}

/// A measure with its chart and the same data as table rows.
pub struct MeasureBlock {
    pub view: MeasureView,
    pub chart: Option<String>,
    /// There are values but no chart: they are too large to draw (the table lists them).
    pub unchartable: bool,
    /// Illustrative (invented) values of a real partnership: badged in the table and left out
    /// of the chart, so the chart shows only what was reported.
    pub illustrative_uncharted: usize,
    pub rows: Vec<ObservationRow>,
}

/// An observation as the measure's table shows it: numbers formatted for reading.
pub struct ObservationRow {
    pub id: Id,
    pub period: String,
    pub actual: String,
    pub target: Option<String>,
    pub source_note: Option<String>,
    pub source_url: Option<String>,
    /// The value (or its partnership) is an invented example: badged "Illustrative".
    pub illustrative: bool,
}

#[derive(Template)]
#[template(path = "network/partnership.html")]
struct PartnershipPage {
    p: Partnership,
    counties: Vec<String>,
    states: Vec<String>,
    naics: Vec<(String, String)>,
    stage_note: Option<String>,
    member_groups: Vec<MemberGroup>,
    member_count: usize,
    meetings: Vec<MeetingView>,
    plan: Vec<PriorityView>,
    other_initiatives: Vec<InitiativeView>,
    measures: Vec<MeasureBlock>,
    wins: Vec<WinRow>,
    health: Vec<Indicator>,
    health_summary: HealthCell,
    /// The viewer may not see the impact figures / wins (not published, no role here).
    impact_hidden: bool,
    wins_hidden: bool,
    /// The viewer has a role here or is a network admin: show the members-only links.
    member_view: bool,
    /// The viewer runs this partnership (its convener, or a network admin): the change log is theirs.
    convener_view: bool,
    /// Its contact people (name, title, organization), listed only in the member view.
    contacts: Vec<views::ContactRow>,
}

async fn partnership(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, Error> {
    let mut v = views::partnership_view(&state.db, &slug, today()).await?;
    let vis = Visibility::current(&state.db).await?;
    let pid = v.partnership.id();
    let (impact_hidden, wins_hidden) = (!vis.sees(pid, Part::Impact), !vis.sees(pid, Part::Wins));
    if impact_hidden {
        v.measures.clear();
    }
    if wins_hidden {
        v.wins.clear();
    }
    let member_view = crate::auth::viewer().reads_all_of(pid);
    let convener_view = crate::auth::viewer().manages(pid);
    let contacts = if member_view { views::contact_people(&state.db, pid).await? } else { Vec::new() };
    let p = v.partnership;
    let counties = p.fields.region_counties.iter().map(|c| codes::county_label(c).unwrap_or_else(|| format!("county {c} (not in the county list)"))).collect();
    let states = p.fields.region_states.iter().map(|s| codes::state_by_usps(s).map(|st| st.name.clone()).unwrap_or_else(|| s.clone())).collect();
    let naics = p
        .fields
        .naics_codes
        .iter()
        .map(|c| (c.clone(), codes::naics_title(c).unwrap_or("not a 2022 NAICS code").to_string()))
        .collect();
    let mut member_groups: Vec<MemberGroup> = Vec::new();
    for kind in OrgKind::ALL {
        let members: Vec<MemberRow> = v.members.iter().filter(|m| m.kind == *kind).cloned().collect();
        if !members.is_empty() {
            member_groups.push(MemberGroup { label: kind.label(), members });
        }
    }
    // On a real partnership's page the chart draws only reported values; invented ones (e.g. a
    // freight plan of the demo's illustrative members) are listed in the table with a badge.
    let real = !p.fields.illustrative;
    let measures = v
        .measures
        .into_iter()
        .map(|m| {
            let charted: Vec<&Observation> = m.observations.iter().filter(|o| !(real && o.fields.illustrative)).collect();
            let points: Vec<ChartPoint> =
                charted.iter().map(|o| ChartPoint { period: o.fields.period.clone(), actual: o.fields.actual, target: o.fields.target }).collect();
            let title = match (charted.first(), charted.last()) {
                (Some(a), Some(b)) if a.fields.period != b.fields.period => {
                    format!("{}: actual and target, {} to {}", m.measure.fields.name, a.fields.period, b.fields.period)
                }
                (Some(a), _) => format!("{}: actual and target, {}", m.measure.fields.name, a.fields.period),
                _ => m.measure.fields.name.clone(),
            };
            let chart = chart::measure_chart(&format!("chart-{}", m.measure.id()), &title, &m.measure.fields.unit, &points)?;
            let rows = m
                .observations
                .iter()
                .map(|o| ObservationRow {
                    id: o.id(),
                    period: o.fields.period.to_string(),
                    actual: format_number(o.fields.actual),
                    target: o.fields.target.map(format_number),
                    source_note: o.fields.source_note.clone(),
                    source_url: o.fields.source_url.clone(),
                    illustrative: o.fields.illustrative || p.fields.illustrative,
                })
                .collect();
            let unchartable = chart.is_none() && !points.is_empty();
            let illustrative_uncharted = m.observations.len() - charted.len();
            Ok(MeasureBlock { view: m, chart, unchartable, illustrative_uncharted, rows })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let health = health::check(&v.health);
    let page = PartnershipPage {
        stage_note: stage_note(p.fields.stage, &p.fields.stage_reported),
        counties,
        states,
        naics,
        member_count: v.members.len(),
        member_groups,
        meetings: v.meetings,
        plan: v.plan,
        other_initiatives: v.other_initiatives,
        measures,
        wins: v.wins,
        health_summary: HealthSummary::of(&health).into(),
        health,
        p,
        impact_hidden,
        wins_hidden,
        member_view,
        convener_view,
        contacts,
    };
    Ok(layout::render(&page))
}

// ---------------------------------------------------------------------------------------------
// Organizations

#[derive(Template)]
#[template(path = "network/organizations.html")]
struct OrganizationsPage {
    rows: Vec<OrgRow>,
    pagination: Pagination,
    kinds: Vec<SelectOption>,
    states: Vec<SelectOption>,
    q: String,
    include_illustrative: bool,
}

async fn organizations(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let query = ListQuery::parse(raw.as_deref())?;
    let f = query.org_filter()?;
    let req = pagination::parse(query.page.as_deref(), query.per_page.as_deref(), DEFAULT_PER_PAGE)?;
    let (rows, total) = views::organizations(&state.db, &f, req).await?;
    let mut keep: Vec<(&str, &str)> = Vec::new();
    if let Some(k) = f.kind {
        keep.push(("kind", k.as_str()));
    }
    if let Some(s) = &f.state {
        keep.push(("state", s));
    }
    if let Some(q) = &f.q {
        keep.push(("q", q));
    }
    if f.include_illustrative {
        keep.push(("include_illustrative", "1"));
    }
    let page = OrganizationsPage {
        pagination: Pagination::new(req, total, "/organizations", &keep),
        kinds: OrgKind::ALL.iter().map(|k| SelectOption { value: k.as_str().into(), label: k.label().into(), selected: f.kind == Some(*k) }).collect(),
        states: state_options(f.state.as_deref()),
        q: f.q.clone().unwrap_or_default(),
        include_illustrative: f.include_illustrative,
        rows,
    };
    Ok(layout::render(&page))
}

#[derive(Template)]
#[template(path = "network/organization.html")]
struct OrganizationPage {
    o: Organization,
    naics_title: Option<String>,
    memberships: Vec<OrgMembershipRow>,
    teams: Vec<OrgTeamRow>,
    /// The viewer may change this organization (see `auth::access::may_change_record`): show
    /// the edit button.
    may_edit: bool,
}

async fn organization(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, Error> {
    let id: Id = id.parse().map_err(|_| Error::NotFound(format!("organization '{id}'")))?;
    let mut v = views::organization_view(&state.db, id).await?;
    // Memberships and teams of partnerships whose page the viewer may not see are left out.
    let hidden = crate::auth::access::hidden_slugs(&state.db, &Visibility::current(&state.db).await?, Part::Page).await?;
    v.memberships.retain(|m| !hidden.contains(&m.partnership_slug));
    v.teams.retain(|t| !hidden.contains(&t.partnership_slug));
    let viewer = crate::auth::viewer();
    let may_edit = viewer.may_write()
        && (viewer.is_network_admin() || crate::auth::access::may_change_record(&viewer, "organizations", None, crate::auth::access::creator_of(&state.db, "organizations", id).await?, false));
    let page = OrganizationPage {
        may_edit,
        naics_title: v.organization.fields.naics_code.as_deref().and_then(codes::naics_title).map(str::to_string),
        o: v.organization,
        memberships: v.memberships,
        teams: v.teams,
    };
    Ok(layout::render(&page))
}

// ---------------------------------------------------------------------------------------------
// Impact report

/// Most wins per kind and contributions per measure roll-up an HTML report lists (the JSON and
/// Markdown forms list all); the rest are counted, with where to find them.
pub const REPORT_ITEMS_SHOWN: usize = 25;

#[derive(Template)]
#[template(path = "network/report.html")]
struct ReportPage<'a> {
    r: &'a Report,
    map_svg: String,
    shown: usize,
}

#[derive(Template)]
#[template(path = "network/report_standalone.html")]
struct ReportStandalone<'a> {
    r: &'a Report,
    map_svg: String,
    css: &'static str,
    shown: usize,
}

fn report_map(r: &Report) -> String {
    let counts: HashMap<String, i64> = r.by_state.iter().map(|s| (s.usps.clone(), s.partnerships as i64)).collect();
    let hrefs: HashMap<&str, &str> = r.by_state.iter().map(|s| (s.usps.as_str(), s.href.as_str())).collect();
    let prefix = r.partnerships.href.split("/partnerships").next().unwrap_or("").to_string();
    map::state_choropleth(&counts, Noun { one: "partnership", many: "partnerships" }, "Partnerships by state", |usps| {
        hrefs.get(usps).map(|h| h.to_string()).unwrap_or_else(|| {
            let q: Vec<(&str, &str)> =
                if r.include_illustrative { vec![("state", usps), ("include_illustrative", "1")] } else { vec![("state", usps)] };
            link(&format!("{prefix}/partnerships"), &q)
        })
    })
}

/// The impact report as a standalone printable HTML page (stylesheet inlined, no site
/// navigation): the same body template as `/report`, for `sharedtable report --format html`.
/// Links are as in the report (see [`Report::absolutize`]).
pub fn report_html(r: &Report) -> Result<String, Error> {
    ReportStandalone { r, map_svg: report_map(r), css: layout::SITE_CSS, shown: REPORT_ITEMS_SHOWN }.render().map_err(|e| Error::Internal(anyhow::anyhow!("template: {e}")))
}

async fn report_page(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Result<Response, Error> {
    let query = ListQuery::parse(raw.as_deref())?;
    let vis = Visibility::current(&state.db).await?;
    let r = super::load_report_for(&state.db, truthy(&query.include_illustrative), &vis).await?;
    Ok(layout::render(&ReportPage { map_svg: report_map(&r), r: &r, shown: REPORT_ITEMS_SHOWN }).into_response())
}

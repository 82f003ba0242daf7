//! The read queries of the network pages, the health check and the impact report.
//!
//! Built for national scale (2,000 partnerships, 100,000 organizations, 1,000,000 observations):
//! each function runs a fixed number of queries whatever the number of rows, aggregates in SQL,
//! and loads the facts of many partnerships at once (ids passed as one JSON array and expanded in
//! SQL, see [`Dialect::json_values`]), never one query per row. The indexes they rely on are in `0001_core.sql` and
//! `0002_views.sql`.

use std::collections::HashMap;

use chrono::NaiveDate;
use sqlx::any::AnyArguments;
use sqlx::types::Json;
use sqlx::{Any, Arguments};

use super::{children, select_sql, PageRequest};
use crate::db::{self, Backend, DbText, Dialect, Db, Flag, Id};
use crate::network::entity::Entity;
use crate::network::health::{self, HealthInput, HealthSummary, MeetingFacts, PriorityFacts, TeamFacts};
use crate::network::model::*;
use crate::network::report::{LatestObservation, ReportInput, ReportMeasure, ReportPartnership, ReportWin};
use crate::web::Error;

fn push<'q, T>(args: &mut AnyArguments<'q>, v: T) -> Result<(), Error>
where
    T: sqlx::Encode<'q, Any> + sqlx::Type<Any> + 'q,
{
    args.add(v).map_err(|e| Error::Internal(anyhow::anyhow!("binding a query argument: {e}")))
}

/// The organization kinds that count as industry, as an SQL list (`'business', ...`), from
/// [`OrgKind::is_industry`] so the rule lives in one place.
fn industry_kinds_sql() -> String {
    OrgKind::ALL.iter().filter(|k| k.is_industry()).map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(", ")
}

/// Membership roles of business leaders: industry champions and co-chairs.
const CHAMPION_ROLES_SQL: &str = "'industry_champion', 'co_chair'";

/// Ids as one JSON array, bound as a single parameter and expanded with [`Dialect::json_values`].
fn ids_json(ids: &[Id]) -> String {
    serde_json::to_string(&ids.iter().map(|i| i.to_string()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".into())
}

// ---------------------------------------------------------------------------------------------
// Filters

/// The stage a filter asks for: one stage, or partnerships whose stage is not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageFilter {
    Is(Stage),
    NotRecorded,
}

impl StageFilter {
    /// The query word: a stage word or `not_recorded`.
    pub fn as_str(self) -> &'static str {
        match self {
            StageFilter::Is(s) => s.as_str(),
            StageFilter::NotRecorded => "not_recorded",
        }
    }
    /// Parse a query word; `None` when it is neither a stage nor `not_recorded`.
    pub fn parse(word: &str) -> Option<StageFilter> {
        if word == "not_recorded" {
            Some(StageFilter::NotRecorded)
        } else {
            Stage::parse(word).map(StageFilter::Is)
        }
    }
}

/// Which partnerships a network page looks at. Illustrative partnerships are left out unless
/// `include_illustrative`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkFilter {
    /// USPS code: partnerships whose region includes this state.
    pub state: Option<String>,
    /// Sector label, compared ignoring case.
    pub sector: Option<String>,
    pub stage: Option<StageFilter>,
    /// Case-insensitive substring of the name, region or sector.
    pub q: Option<String>,
    pub include_illustrative: bool,
    /// Partnerships left out because the viewer may not see their page (not published, and the
    /// viewer has no role there): see `auth::access::Visibility::hidden`.
    pub hidden: Vec<Id>,
    /// Partnerships whose wins are left out of win lists for the same reason.
    pub hidden_wins: Vec<Id>,
}

/// `AND`-joined conditions on the partnerships table aliased `p`, binding their values.
fn partnership_conditions(d: Dialect, f: &NetworkFilter, args: &mut AnyArguments<'_>) -> Result<String, Error> {
    let mut c = vec!["1 = 1".to_string()];
    if !f.include_illustrative {
        c.push("NOT p.illustrative".into());
    }
    if !f.hidden.is_empty() {
        c.push(format!("p.id NOT IN ({})", d.json_values("?")));
        push(args, ids_json(&f.hidden))?;
    }
    if let Some(st) = &f.state {
        c.push(format!("EXISTS (SELECT 1 FROM {} WHERE s.value = ?)", d.json_items("p.region_states", "s")));
        push(args, st.clone())?;
    }
    if let Some(sec) = &f.sector {
        c.push("p.sector_label = ? COLLATE NOCASE".into());
        push(args, sec.clone())?;
    }
    match f.stage {
        Some(StageFilter::Is(s)) => {
            c.push("p.stage = ?".into());
            push(args, s.as_str())?;
        }
        Some(StageFilter::NotRecorded) => c.push("p.stage IS NULL".into()),
        None => {}
    }
    if let Some(q) = &f.q {
        c.push("(instr(lower(p.name), ?) > 0 OR instr(lower(p.region_name), ?) > 0 OR instr(lower(p.sector_label), ?) > 0)".into());
        for _ in 0..3 {
            push(args, crate::db::search_needle(q))?;
        }
    }
    Ok(c.join(" AND "))
}

// ---------------------------------------------------------------------------------------------
// Directory

/// A column the directory can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DirectorySort {
    #[default]
    Name,
    Region,
    States,
    Sector,
    Convener,
    Launched,
    Stage,
    Businesses,
    Champions,
}

impl DirectorySort {
    pub const ALL: &'static [DirectorySort] = &[
        DirectorySort::Name,
        DirectorySort::Region,
        DirectorySort::States,
        DirectorySort::Sector,
        DirectorySort::Convener,
        DirectorySort::Launched,
        DirectorySort::Stage,
        DirectorySort::Businesses,
        DirectorySort::Champions,
    ];
    /// The query word (`?sort=launched`).
    pub fn as_str(self) -> &'static str {
        match self {
            DirectorySort::Name => "name",
            DirectorySort::Region => "region",
            DirectorySort::States => "states",
            DirectorySort::Sector => "sector",
            DirectorySort::Convener => "convener",
            DirectorySort::Launched => "launched",
            DirectorySort::Stage => "stage",
            DirectorySort::Businesses => "businesses",
            DirectorySort::Champions => "champions",
        }
    }
    pub fn parse(word: &str) -> Option<DirectorySort> {
        DirectorySort::ALL.iter().copied().find(|s| s.as_str() == word)
    }
    /// Whether the column is computed from memberships (so every matching row must be
    /// aggregated before a page can be cut).
    fn on_aggregate(self) -> bool {
        matches!(self, DirectorySort::Convener | DirectorySort::Businesses | DirectorySort::Champions)
    }
    /// The SQL expression sorted on; unknown values are NULL and sort last either way. Stages sort
    /// in life-cycle order, not alphabetically.
    fn sql(self) -> &'static str {
        match self {
            DirectorySort::Name => "p.name COLLATE NOCASE",
            DirectorySort::Region => "p.region_name COLLATE NOCASE",
            DirectorySort::States => "p.region_states",
            DirectorySort::Sector => "p.sector_label COLLATE NOCASE",
            DirectorySort::Convener => "agg.convener_key",
            DirectorySort::Launched => "p.launched",
            DirectorySort::Stage => {
                "CASE p.stage WHEN 'exploring' THEN 1 WHEN 'launching' THEN 2 WHEN 'implementing' THEN 3 WHEN 'sustaining' THEN 4 WHEN 'inactive' THEN 5 END"
            }
            DirectorySort::Businesses => "CASE WHEN agg.members > 0 THEN agg.businesses END",
            DirectorySort::Champions => "CASE WHEN agg.members > 0 THEN agg.champions END",
        }
    }
}

#[derive(sqlx::FromRow)]
struct DirectoryDbRow {
    id: Id,
    slug: String,
    name: String,
    region_name: String,
    #[sqlx(try_from = "DbText")]
    region_states: Json<Vec<String>>,
    sector_label: String,
    launched: Option<PartialDate>,
    stage: Option<Stage>,
    stage_reported: Option<String>,
    #[sqlx(try_from = "Flag")]
    illustrative: bool,
    members: i64,
    businesses: i64,
    champions: i64,
    conveners: Option<String>,
}

/// One row of the partnership directory.
#[derive(Debug, Clone, PartialEq)]
pub struct DirectoryRow {
    pub id: Id,
    pub slug: String,
    pub name: String,
    pub region_name: String,
    /// USPS codes.
    pub states: Vec<String>,
    pub sector_label: String,
    /// Names of the convening organizations, sorted; empty when none is recorded.
    pub conveners: Vec<String>,
    pub launched: Option<PartialDate>,
    pub stage: Option<Stage>,
    /// The source's own word for the stage.
    pub stage_reported: Option<String>,
    /// Distinct industry organizations with a membership; `None` when no member other than the
    /// convener is recorded (unknown, not zero: most sources name only the convener).
    pub businesses_engaged: Option<i64>,
    /// Distinct organizations that are industry champions or co-chairs; `None` as above.
    pub champions: Option<i64>,
    pub illustrative: bool,
}

/// The directory: partnerships matching `filter`, sorted by `sort` (descending when `desc`),
/// one page of them (all when `page` is `None`, for the CSV download), and the number matching.
/// Ties sort by name. Two queries whatever the size of the network.
pub async fn directory(
    db: &Db,
    filter: &NetworkFilter,
    sort: DirectorySort,
    desc: bool,
    page: Option<PageRequest>,
) -> Result<(Vec<DirectoryRow>, i64), Error> {
    let d = db.dialect();
    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    let total: i64 = db::query_scalar_with(db, &format!("SELECT count(*) FROM partnerships p WHERE {cond}"), args).fetch_one(db).await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    let key = sort.sql();
    let dir = if desc { "DESC" } else { "ASC" };
    let order = format!("ORDER BY ({key}) IS NULL, {key} {dir}, p.name COLLATE NOCASE, p.id");
    let mut limit = String::new();
    if let Some(pg) = page {
        push(&mut args, pg.per_page as i64)?;
        push(&mut args, pg.offset())?;
        limit = " LIMIT ? OFFSET ?".into();
    }
    // Sorting on a partnership column: take the page first, then aggregate only its rows.
    // Sorting on an aggregate (convener, businesses, champions): aggregate every row matching.
    let (p_cte, outer_limit) = if sort.on_aggregate() {
        (format!("SELECT * FROM partnerships p WHERE {cond}"), limit)
    } else {
        (format!("SELECT * FROM partnerships p WHERE {cond} {order}{limit}"), String::new())
    };
    let sql = format!(
        "WITH p AS ({p_cte}),
         agg AS (
           SELECT m.partnership_id AS pid,
                  count(DISTINCT CASE WHEN m.role <> 'convener' THEN m.organization_id END) AS members,
                  count(DISTINCT CASE WHEN o.kind IN ({industry}) THEN m.organization_id END) AS businesses,
                  count(DISTINCT CASE WHEN m.role IN ({CHAMPION_ROLES_SQL}) THEN m.organization_id END) AS champions,
                  {conveners} AS conveners,
                  min(CASE WHEN m.role = 'convener' THEN lower(o.name) END) AS convener_key
           FROM memberships m JOIN organizations o ON o.id = m.organization_id
           WHERE m.partnership_id IN (SELECT id FROM p)
             AND (NOT o.illustrative OR {include_illustrative} OR (SELECT illustrative FROM partnerships WHERE id = m.partnership_id))
           GROUP BY m.partnership_id)
         SELECT p.id, p.slug, p.name, p.region_name, p.region_states, p.sector_label, p.launched, p.stage,
                p.stage_reported, p.illustrative, coalesce(agg.members, 0) AS members,
                coalesce(agg.businesses, 0) AS businesses, coalesce(agg.champions, 0) AS champions, agg.conveners
         FROM p LEFT JOIN agg ON agg.pid = p.id
         {order}{outer_limit}",
        industry = industry_kinds_sql(),
        conveners = d.string_agg("CASE WHEN m.role = 'convener' THEN o.name END", '\u{1f}'),
        include_illustrative = if filter.include_illustrative { "TRUE" } else { "FALSE" },
    );
    let rows: Vec<DirectoryDbRow> = db::query_as_with(db, &sql, args).fetch_all(db).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let mut conveners: Vec<String> =
                r.conveners.as_deref().map(|c| c.split('\u{1f}').map(str::to_string).collect()).unwrap_or_default();
            conveners.sort_by_key(|c| c.to_lowercase());
            conveners.dedup();
            let known = r.members > 0;
            DirectoryRow {
                id: r.id,
                slug: r.slug,
                name: r.name,
                region_name: r.region_name,
                states: r.region_states.0,
                sector_label: r.sector_label,
                conveners,
                launched: r.launched,
                stage: r.stage,
                stage_reported: r.stage_reported,
                businesses_engaged: known.then_some(r.businesses),
                champions: known.then_some(r.champions),
                illustrative: r.illustrative,
            }
        })
        .collect();
    Ok((rows, total))
}

/// The distinct sector labels of partnerships (illustrative ones only when asked), sorted, for
/// the sector filter.
pub async fn sectors(db: &Db, include_illustrative: bool) -> Result<Vec<String>, Error> {
    Ok(db::query_scalar(
        db,
        "SELECT min(sector_label) FROM partnerships WHERE ? OR NOT illustrative GROUP BY lower(sector_label) ORDER BY lower(sector_label)",
    )
    .bind(include_illustrative)
    .fetch_all(db)
    .await?)
}

// ---------------------------------------------------------------------------------------------
// Overview counts

/// Network figures for the overview, over the partnerships a filter selects.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NetworkCounts {
    pub partnerships: i64,
    /// Distinct industry organizations with a membership in those partnerships (illustrative
    /// organizations only when asked).
    pub businesses: i64,
    /// Wins of those partnerships (illustrative wins only when asked).
    pub wins: i64,
    /// (USPS code, partnerships whose region includes the state), most first. A partnership
    /// spanning two states counts in both.
    pub by_state: Vec<(String, i64)>,
    /// (sector label, partnerships), most first.
    pub by_sector: Vec<(String, i64)>,
    /// (stage, partnerships) in life-cycle order, `None` (not recorded) last; only stages present.
    pub by_stage: Vec<(Option<Stage>, i64)>,
}

impl NetworkCounts {
    /// Number of states with at least one partnership.
    pub fn states(&self) -> usize {
        self.by_state.len()
    }
}

/// Counts for the overview: five aggregate queries.
pub async fn network_counts(db: &Db, filter: &NetworkFilter) -> Result<NetworkCounts, Error> {
    let d = db.dialect();
    let mut out = NetworkCounts::default();
    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    out.partnerships = db::query_scalar_with(db, &format!("SELECT count(*) FROM partnerships p WHERE {cond}"), args).fetch_one(db).await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    push(&mut args, filter.include_illustrative)?;
    out.businesses = db::query_scalar_with(
        db,
        &format!(
            "SELECT count(DISTINCT m.organization_id)
             FROM partnerships p {cross} memberships m ON m.partnership_id = p.id {cross} organizations o ON o.id = m.organization_id
             WHERE {cond} AND {kind} IN ({}) AND (? OR NOT o.illustrative)",
            industry_kinds_sql(),
            cross = d.cross_join(),
            kind = d.no_index("o.kind"),
        ),
        args,
    )
    .fetch_one(db)
    .await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    push(&mut args, filter.include_illustrative)?;
    out.wins = db::query_scalar_with(
        db,
        &format!("SELECT count(*) FROM wins w WHERE w.partnership_id IN (SELECT p.id FROM partnerships p WHERE {cond}) AND (? OR NOT w.illustrative)"),
        args,
    )
    .fetch_one(db)
    .await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    out.by_state = db::query_as_with(
        db,
        &format!(
            "SELECT s.value AS state, count(*) AS n FROM partnerships p, {states} WHERE {cond}
             GROUP BY s.value ORDER BY n DESC, state",
            states = d.json_items("p.region_states", "s"),
        ),
        args,
    )
    .fetch_all(db)
    .await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    out.by_sector = db::query_as_with(
        db,
        &format!(
            "SELECT min(p.sector_label) AS sector, count(*) AS n FROM partnerships p WHERE {cond}
             GROUP BY lower(p.sector_label) ORDER BY n DESC, lower(min(p.sector_label))"
        ),
        args,
    )
    .fetch_all(db)
    .await?;

    let mut args = AnyArguments::default();
    let cond = partnership_conditions(d, filter, &mut args)?;
    let mut by_stage: Vec<(Option<Stage>, i64)> =
        db::query_as_with(db, &format!("SELECT p.stage, count(*) FROM partnerships p WHERE {cond} GROUP BY p.stage"), args).fetch_all(db).await?;
    by_stage.sort_by_key(|(s, _)| s.map(|s| Stage::ALL.iter().position(|x| *x == s).unwrap_or(99)).unwrap_or(100));
    out.by_stage = by_stage;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Wins

/// A win with the names it is shown with.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct WinRow {
    pub id: Id,
    pub partnership_id: Id,
    pub partnership_name: String,
    pub partnership_slug: String,
    pub initiative_id: Option<Id>,
    pub initiative_title: Option<String>,
    pub achieved: Option<PartialDate>,
    pub title: String,
    pub narrative: Option<String>,
    pub initiative_kind: InitiativeKind,
    /// As reported, `key=value; ...` (see [`parse_figures`]).
    pub figures: Option<String>,
    pub source_url: Option<String>,
    /// The win or its partnership is illustrative.
    #[sqlx(try_from = "Flag")]
    pub illustrative: bool,
}

impl WinRow {
    /// The reported figures as (key, value) pairs.
    pub fn figure_pairs(&self) -> Vec<(String, String)> {
        self.figures.as_deref().map(parse_figures).unwrap_or_default()
    }
}

const WIN_SELECT: &str = "SELECT w.id, w.partnership_id, p.name AS partnership_name, p.slug AS partnership_slug, w.initiative_id,
       i.title AS initiative_title, w.achieved, w.title, w.narrative, w.initiative_kind, w.figures, w.source_url,
       (w.illustrative OR p.illustrative) AS illustrative
  FROM wins w JOIN partnerships p ON p.id = w.partnership_id LEFT JOIN initiatives i ON i.id = w.initiative_id";

/// Latest wins of the partnerships `filter` selects, newest first (undated wins last, then by
/// when they were recorded), at most `limit`.
pub async fn latest_wins(db: &Db, filter: &NetworkFilter, limit: u32) -> Result<Vec<WinRow>, Error> {
    let mut args = AnyArguments::default();
    let cond = partnership_conditions(db.dialect(), filter, &mut args)?;
    push(&mut args, filter.include_illustrative)?;
    push(&mut args, ids_json(&filter.hidden_wins))?;
    push(&mut args, limit as i64)?;
    let sql = format!(
        "{WIN_SELECT} WHERE {cond} AND (? OR NOT w.illustrative) AND p.id NOT IN ({})
         ORDER BY w.achieved IS NULL, w.achieved DESC, w.created_at DESC, w.id LIMIT ?",
        db.dialect().json_values("?")
    );
    Ok(db::query_as_with(db, &sql, args).fetch_all(db).await?)
}

// ---------------------------------------------------------------------------------------------
// Health facts, many partnerships at once

#[derive(sqlx::FromRow)]
struct RegionRow {
    id: Id,
    region_name: String,
    #[sqlx(try_from = "DbText")]
    region_counties: Json<Vec<String>>,
    #[sqlx(try_from = "DbText")]
    region_states: Json<Vec<String>>,
}

/// The health check input of each partnership in `ids`, loaded with seven queries whatever the
/// number of ids. Memberships count when current on `today` (no end date, or an end date not
/// before `today` at the precision given). Ids that are not partnerships are left out.
pub async fn health_inputs(db: &Db, ids: &[Id], today: NaiveDate) -> Result<HashMap<Id, HealthInput>, Error> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let ids = ids_json(ids);
    let today_text = today.format("%Y-%m-%d").to_string();
    let in_ids = format!("IN ({})", db.dialect().json_values("?"));

    let regions: Vec<RegionRow> =
        db::query_as(db, &format!("SELECT id, region_name, region_counties, region_states FROM partnerships WHERE id {in_ids}"))
            .bind(&ids)
            .fetch_all(db)
            .await?;
    for r in regions {
        out.insert(
            r.id,
            HealthInput {
                region_name: r.region_name,
                region_counties: r.region_counties.0,
                region_states: r.region_states.0,
                memberships: vec![],
                meetings: vec![],
                priorities: vec![],
                today,
            },
        );
    }

    // (role, kind) pairs with their number, so each partnership sends a handful of rows.
    let memberships: Vec<(Id, MembershipRole, OrgKind, i64)> = db::query_as(db, &format!(
        "SELECT m.partnership_id, m.role, o.kind, count(*) FROM memberships m JOIN organizations o ON o.id = m.organization_id
         WHERE m.partnership_id {in_ids} AND (m.ended IS NULL OR m.ended >= substr(?, 1, length(m.ended)))
           AND (NOT o.illustrative OR (SELECT illustrative FROM partnerships WHERE id = m.partnership_id))
         GROUP BY m.partnership_id, m.role, o.kind"
    ))
    .bind(&ids)
    .bind(&today_text)
    .fetch_all(db)
    .await?;
    for (pid, role, kind, n) in memberships {
        if let Some(h) = out.get_mut(&pid) {
            h.memberships.extend(std::iter::repeat_n((role, kind), n as usize));
        }
    }

    // One row per meeting: its attendees' kinds (comma-separated) and how many of them are the
    // partnership's industry champions or co-chairs, aggregated in SQL so that a national
    // network's attendance (hundreds of thousands of rows) never crosses into Rust row by row.
    let meetings: Vec<(Id, Id, DbText, Option<String>, i64)> = db::query_as(db, &format!(
        "SELECT mt.partnership_id, mt.id, mt.held_on,
                (SELECT {kinds} FROM meeting_attendance a JOIN organizations o ON o.id = a.organization_id
                  WHERE a.meeting_id = mt.id) AS kinds,
                (SELECT count(DISTINCT c.organization_id) FROM memberships c
                  WHERE c.partnership_id = mt.partnership_id AND c.role IN ({CHAMPION_ROLES_SQL})
                    AND EXISTS (SELECT 1 FROM meeting_attendance a WHERE a.meeting_id = mt.id AND a.organization_id = c.organization_id)) AS champions
         FROM meetings mt WHERE mt.partnership_id {in_ids}",
        kinds = db.dialect().string_agg("o.kind", ','),
    ))
    .bind(&ids)
    .fetch_all(db)
    .await?;
    for (pid, id, held_on, kinds, champions) in meetings {
        let held_on: NaiveDate = held_on.try_into().map_err(|e: String| Error::Internal(anyhow::anyhow!("meeting {id}: {e}")))?;
        if let Some(h) = out.get_mut(&pid) {
            let attendee_kinds = kinds.as_deref().map(|k| k.split(',').filter_map(OrgKind::parse).collect()).unwrap_or_default();
            h.meetings.push(MeetingFacts { id, held_on, attendee_kinds, champions_present: champions as usize });
        }
    }

    let priorities: Vec<(Id, Id, String, PriorityStatus, Option<Id>)> = db::query_as(db, &format!(
        "SELECT partnership_id, id, title, status, set_at_meeting_id FROM priorities WHERE partnership_id {in_ids} ORDER BY rank, id"
    ))
    .bind(&ids)
    .fetch_all(db)
    .await?;
    let teams: Vec<(Id, Id, String)> =
        db::query_as(db, &format!("SELECT priority_id, id, name FROM action_teams WHERE partnership_id {in_ids} ORDER BY name, id"))
            .bind(&ids)
            .fetch_all(db)
            .await?;
    let leads: Vec<(Id, OrgKind)> = db::query_as(db, &format!(
        "SELECT tm.action_team_id, o.kind FROM action_team_members tm
         JOIN action_teams t ON t.id = tm.action_team_id JOIN organizations o ON o.id = tm.organization_id
         WHERE t.partnership_id {in_ids} AND tm.role = 'business_lead'"
    ))
    .bind(&ids)
    .fetch_all(db)
    .await?;
    let updates: Vec<(Id, DbText)> = db::query_as(db, &format!(
        "SELECT action_team_id, updated_at FROM initiatives WHERE partnership_id {in_ids} AND action_team_id IS NOT NULL"
    ))
    .bind(&ids)
    .fetch_all(db)
    .await?;

    let mut team_facts: HashMap<Id, TeamFacts> =
        teams.iter().map(|(_, id, name)| (*id, TeamFacts { name: name.clone(), business_lead_kinds: vec![], initiative_updates: vec![] })).collect();
    for (tid, kind) in leads {
        if let Some(t) = team_facts.get_mut(&tid) {
            t.business_lead_kinds.push(kind);
        }
    }
    for (tid, at) in updates {
        let at: chrono::DateTime<chrono::Utc> = at.try_into().map_err(|e: String| Error::Internal(anyhow::anyhow!("initiative of team {tid}: {e}")))?;
        if let Some(t) = team_facts.get_mut(&tid) {
            t.initiative_updates.push(at.date_naive());
        }
    }
    let mut teams_of: HashMap<Id, Vec<TeamFacts>> = HashMap::new();
    for (prio, tid, _) in &teams {
        if let Some(t) = team_facts.remove(tid) {
            teams_of.entry(*prio).or_default().push(t);
        }
    }
    for (pid, prio, title, status, set_at) in priorities {
        if let Some(h) = out.get_mut(&pid) {
            h.priorities.push(PriorityFacts { title, status, set_at_meeting: set_at, teams: teams_of.remove(&prio).unwrap_or_default() });
        }
    }
    Ok(out)
}

/// The health check summary of each partnership in `ids` (see [`health_inputs`]).
pub async fn health_summaries(db: &Db, ids: &[Id], today: NaiveDate) -> Result<HashMap<Id, HealthSummary>, Error> {
    Ok(health_inputs(db, ids, today).await?.into_iter().map(|(id, input)| (id, HealthSummary::of(&health::check(&input)))).collect())
}

// ---------------------------------------------------------------------------------------------
// One partnership

/// An organization in a partnership, with every role it holds there.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub organization_id: Id,
    pub name: String,
    pub kind: OrgKind,
    pub city: Option<String>,
    pub state: Option<String>,
    pub illustrative: bool,
    /// (membership id, role, started, ended), in role order.
    pub roles: Vec<(Id, MembershipRole, Option<PartialDate>, Option<PartialDate>)>,
}

#[derive(sqlx::FromRow)]
struct MemberDbRow {
    membership_id: Id,
    role: MembershipRole,
    started: Option<PartialDate>,
    ended: Option<PartialDate>,
    organization_id: Id,
    name: String,
    kind: OrgKind,
    city: Option<String>,
    state: Option<String>,
    #[sqlx(try_from = "Flag")]
    illustrative: bool,
}

/// An organization as it appears in a list of attendees or team members.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgRef {
    pub organization_id: Id,
    pub name: String,
    pub kind: OrgKind,
}

/// A meeting with the organizations that attended.
#[derive(Debug, Clone, PartialEq)]
pub struct MeetingView {
    pub meeting: Meeting,
    pub attendees: Vec<OrgRef>,
}

impl MeetingView {
    /// Attending organizations that count as industry ([`OrgKind::is_industry`]).
    pub fn business_count(&self) -> usize {
        self.attendees.iter().filter(|a| a.kind.is_industry()).count()
    }
    /// Attending organizations that are public partners ([`OrgKind::is_public_partner`]).
    pub fn public_count(&self) -> usize {
        self.attendees.iter().filter(|a| a.kind.is_public_partner()).count()
    }
    /// The business-to-public-partner ratio in words, computed from attendance, e.g.
    /// "3 business : 1 public"; `None` when no attendance is recorded.
    pub fn ratio_text(&self) -> Option<String> {
        (!self.attendees.is_empty()).then(|| format!("{} business : {} public", self.business_count(), self.public_count()))
    }
}

/// An initiative with its milestones.
#[derive(Debug, Clone, PartialEq)]
pub struct InitiativeView {
    pub initiative: Initiative,
    pub milestones: Vec<Milestone>,
}

/// An action team with its members and initiatives.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamView {
    pub team: ActionTeam,
    /// (organization, role on the team), business leads first.
    pub members: Vec<(OrgRef, TeamRole)>,
    pub initiatives: Vec<InitiativeView>,
}

impl TeamView {
    /// Names of the team's business leads.
    pub fn business_leads(&self) -> Vec<&str> {
        self.members.iter().filter(|(_, r)| *r == TeamRole::BusinessLead).map(|(o, _)| o.name.as_str()).collect()
    }
}

/// A priority with its action teams, and the meeting where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityView {
    pub priority: Priority,
    /// (meeting id, title, held on) of the meeting where it was set, when recorded.
    pub set_at: Option<(Id, String, NaiveDate)>,
    pub teams: Vec<TeamView>,
}

/// A measure with its observations in period order.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureView {
    pub measure: Measure,
    pub initiative_title: Option<String>,
    pub observations: Vec<Observation>,
}

/// Everything a partnership's page shows.
#[derive(Debug, Clone)]
pub struct PartnershipView {
    pub partnership: Partnership,
    /// Organizations, sorted by name.
    pub members: Vec<MemberRow>,
    /// Newest first.
    pub meetings: Vec<MeetingView>,
    /// Priorities by rank, each with its teams and their initiatives.
    pub plan: Vec<PriorityView>,
    /// Initiatives on no action team.
    pub other_initiatives: Vec<InitiativeView>,
    pub measures: Vec<MeasureView>,
    /// Newest first.
    pub wins: Vec<WinRow>,
    /// The health check input, from the same tables.
    pub health: HealthInput,
}

/// A partnership by its slug. Errors: `NotFound`.
pub async fn partnership_by_slug(db: &Db, slug: &str) -> Result<Partnership, Error> {
    db::query_as(db, &format!("{} WHERE slug = ?", select_sql::<PartnershipFields>()))
        .bind(slug)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Error::NotFound(format!("partnership '{slug}'")))
}

/// A contact person of a partnership as its page lists them: name, title and organization,
/// never the email or phone on file.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactRow {
    pub id: Id,
    pub full_name: String,
    pub title: Option<String>,
    pub organization_id: Id,
    pub organization: String,
}

/// The contact people of partnership `partnership`, by name. The caller decides who may see
/// them (the partnership's people and network admins).
pub async fn contact_people(db: &Db, partnership: Id) -> Result<Vec<ContactRow>, Error> {
    Ok(db::query_as(
        db,
        "SELECT c.id, c.full_name, c.title, c.organization_id, o.name AS organization FROM people c JOIN organizations o ON o.id = c.organization_id
         WHERE c.partnership_id = ? ORDER BY c.full_name COLLATE NOCASE, c.id",
    )
    .bind(partnership)
    .fetch_all(db)
    .await?)
}

/// Everything for one partnership's page, in a fixed number of queries. Errors: `NotFound`.
pub async fn partnership_view(db: &Db, slug: &str, today: NaiveDate) -> Result<PartnershipView, Error> {
    let partnership = partnership_by_slug(db, slug).await?;
    let pid = partnership.id();

    let member_rows: Vec<MemberDbRow> = db::query_as(
        db,
        "SELECT m.id AS membership_id, m.role, m.started, m.ended, o.id AS organization_id, o.name, o.kind, o.city, o.state, o.illustrative
         FROM memberships m JOIN organizations o ON o.id = m.organization_id
         WHERE m.partnership_id = ? ORDER BY o.name COLLATE NOCASE, o.id",
    )
    .bind(pid)
    .fetch_all(db)
    .await?;
    let mut members: Vec<MemberRow> = Vec::new();
    for r in member_rows {
        let role = (r.membership_id, r.role, r.started, r.ended);
        match members.last_mut() {
            Some(last) if last.organization_id == r.organization_id => last.roles.push(role),
            _ => members.push(MemberRow {
                organization_id: r.organization_id,
                name: r.name,
                kind: r.kind,
                city: r.city,
                state: r.state,
                illustrative: r.illustrative,
                roles: vec![role],
            }),
        }
    }
    for m in &mut members {
        m.roles.sort_by_key(|(_, role, _, _)| MembershipRole::ALL.iter().position(|x| x == role));
    }

    let meetings: Vec<Meeting> = children(db, "partnership_id", pid).await?;
    let attendance: Vec<(Id, Id, String, OrgKind)> = db::query_as(
        db,
        "SELECT a.meeting_id, o.id, o.name, o.kind FROM meeting_attendance a
         JOIN meetings mt ON mt.id = a.meeting_id JOIN organizations o ON o.id = a.organization_id
         WHERE mt.partnership_id = ? ORDER BY o.name COLLATE NOCASE",
    )
    .bind(pid)
    .fetch_all(db)
    .await?;
    let mut attendees: HashMap<Id, Vec<OrgRef>> = HashMap::new();
    for (mid, oid, name, kind) in attendance {
        attendees.entry(mid).or_default().push(OrgRef { organization_id: oid, name, kind });
    }

    let priorities: Vec<Priority> = children(db, "partnership_id", pid).await?;
    let teams: Vec<ActionTeam> = children(db, "partnership_id", pid).await?;
    let team_members: Vec<(Id, TeamRole, Id, String, OrgKind)> = db::query_as(
        db,
        "SELECT tm.action_team_id, tm.role, o.id, o.name, o.kind FROM action_team_members tm
         JOIN action_teams t ON t.id = tm.action_team_id JOIN organizations o ON o.id = tm.organization_id
         WHERE t.partnership_id = ? ORDER BY tm.role != 'business_lead', o.name COLLATE NOCASE",
    )
    .bind(pid)
    .fetch_all(db)
    .await?;
    let initiatives: Vec<Initiative> = children(db, "partnership_id", pid).await?;
    let milestones: Vec<Milestone> = db::query_as(db, &format!(
        "{} WHERE initiative_id IN (SELECT id FROM initiatives WHERE partnership_id = ?) ORDER BY due IS NULL, due, id",
        select_sql::<MilestoneFields>()
    ))
    .bind(pid)
    .fetch_all(db)
    .await?;
    let measures: Vec<Measure> = children(db, "partnership_id", pid).await?;
    let observations: Vec<Observation> = db::query_as(db, &format!(
        "{} WHERE measure_id IN (SELECT id FROM measures WHERE partnership_id = ?) ORDER BY {}",
        select_sql::<ObservationFields>(),
        ObservationFields::ORDER
    ))
    .bind(pid)
    .fetch_all(db)
    .await?;
    let wins: Vec<WinRow> = db::query_as(db, &format!(
        "{WIN_SELECT} WHERE w.partnership_id = ? ORDER BY w.achieved IS NULL, w.achieved DESC, w.created_at DESC, w.id"
    ))
    .bind(pid)
    .fetch_all(db)
    .await?;
    let health = health_inputs(db, &[pid], today).await?.remove(&pid).ok_or_else(|| Error::NotFound(format!("partnership '{slug}'")))?;

    // Assemble the tree from the flat rows.
    let mut milestones_of: HashMap<Id, Vec<Milestone>> = HashMap::new();
    for m in milestones {
        milestones_of.entry(m.fields.initiative_id).or_default().push(m);
    }
    let initiative_titles: HashMap<Id, String> = initiatives.iter().map(|i| (i.id(), i.fields.title.clone())).collect();
    let mut initiatives_of: HashMap<Option<Id>, Vec<InitiativeView>> = HashMap::new();
    for i in initiatives {
        let ms = milestones_of.remove(&i.id()).unwrap_or_default();
        initiatives_of.entry(i.fields.action_team_id).or_default().push(InitiativeView { initiative: i, milestones: ms });
    }
    let mut members_of: HashMap<Id, Vec<(OrgRef, TeamRole)>> = HashMap::new();
    for (tid, role, oid, name, kind) in team_members {
        members_of.entry(tid).or_default().push((OrgRef { organization_id: oid, name, kind }, role));
    }
    let mut teams_of: HashMap<Id, Vec<TeamView>> = HashMap::new();
    for t in teams {
        let tid = t.id();
        teams_of.entry(t.fields.priority_id).or_default().push(TeamView {
            members: members_of.remove(&tid).unwrap_or_default(),
            initiatives: initiatives_of.remove(&Some(tid)).unwrap_or_default(),
            team: t,
        });
    }
    let meeting_names: HashMap<Id, (String, NaiveDate)> = meetings.iter().map(|m| (m.id(), (m.fields.title.clone(), m.fields.held_on))).collect();
    let plan = priorities
        .into_iter()
        .map(|p| PriorityView {
            set_at: p.fields.set_at_meeting_id.and_then(|mid| meeting_names.get(&mid).map(|(t, d)| (mid, t.clone(), *d))),
            teams: teams_of.remove(&p.id()).unwrap_or_default(),
            priority: p,
        })
        .collect();
    let mut other_initiatives: Vec<InitiativeView> = initiatives_of.into_values().flatten().collect();
    other_initiatives.sort_by_key(|i| i.initiative.fields.title.to_lowercase());
    let mut obs_of: HashMap<Id, Vec<Observation>> = HashMap::new();
    for o in observations {
        obs_of.entry(o.fields.measure_id).or_default().push(o);
    }
    let measures = measures
        .into_iter()
        .map(|m| MeasureView {
            initiative_title: m.fields.initiative_id.and_then(|i| initiative_titles.get(&i).cloned()),
            observations: obs_of.remove(&m.id()).unwrap_or_default(),
            measure: m,
        })
        .collect();
    let meetings = meetings.into_iter().map(|m| MeetingView { attendees: attendees.remove(&m.id()).unwrap_or_default(), meeting: m }).collect();

    Ok(PartnershipView { partnership, members, meetings, plan, other_initiatives, measures, wins, health })
}

// ---------------------------------------------------------------------------------------------
// Organizations

/// Which organizations the list shows. Illustrative ones only when asked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrgFilter {
    pub kind: Option<OrgKind>,
    /// USPS code.
    pub state: Option<String>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
    pub include_illustrative: bool,
}

/// A row of the organization list.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgRow {
    pub id: Id,
    pub name: String,
    pub kind: OrgKind,
    pub city: Option<String>,
    pub state: Option<String>,
    pub naics_code: Option<String>,
    pub employee_count: Option<i64>,
    #[sqlx(try_from = "Flag")]
    pub illustrative: bool,
    /// Partnerships it is a member of.
    pub partnerships: i64,
}

fn org_conditions(f: &OrgFilter, args: &mut AnyArguments<'_>) -> Result<String, Error> {
    let mut c = vec!["1 = 1".to_string()];
    if !f.include_illustrative {
        c.push("NOT o.illustrative".into());
    }
    if let Some(k) = f.kind {
        c.push("o.kind = ?".into());
        push(args, k.as_str())?;
    }
    if let Some(st) = &f.state {
        c.push("o.state = ?".into());
        push(args, st.clone())?;
    }
    if let Some(q) = &f.q {
        c.push("instr(lower(o.name), ?) > 0".into());
        push(args, crate::db::search_needle(q))?;
    }
    Ok(c.join(" AND "))
}

/// A page of organizations by name, with how many partnerships each belongs to, and the number
/// matching.
pub async fn organizations(db: &Db, filter: &OrgFilter, page: PageRequest) -> Result<(Vec<OrgRow>, i64), Error> {
    let mut args = AnyArguments::default();
    let cond = org_conditions(filter, &mut args)?;
    let total: i64 = db::query_scalar_with(db, &format!("SELECT count(*) FROM organizations o WHERE {cond}"), args).fetch_one(db).await?;
    let mut args = AnyArguments::default();
    let cond = org_conditions(filter, &mut args)?;
    push(&mut args, page.per_page as i64)?;
    push(&mut args, page.offset())?;
    let rows = db::query_as_with(
        db,
        &format!(
            "SELECT o.id, o.name, o.kind, o.city, o.state, o.naics_code, o.employee_count, o.illustrative,
                    (SELECT count(DISTINCT m.partnership_id) FROM memberships m WHERE m.organization_id = o.id) AS partnerships
             FROM organizations o WHERE {cond} ORDER BY o.name COLLATE NOCASE, o.id LIMIT ? OFFSET ?"
        ),
        args,
    )
    .fetch_all(db)
    .await?;
    Ok((rows, total))
}

/// A membership as an organization's page shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgMembershipRow {
    pub membership_id: Id,
    pub partnership_name: String,
    pub partnership_slug: String,
    #[sqlx(try_from = "Flag")]
    pub partnership_illustrative: bool,
    pub role: MembershipRole,
    pub started: Option<PartialDate>,
    pub ended: Option<PartialDate>,
}

/// An action team seat as an organization's page shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OrgTeamRow {
    pub team_name: String,
    pub partnership_name: String,
    pub partnership_slug: String,
    pub role: TeamRole,
}

/// An organization with its memberships and action team seats.
#[derive(Debug, Clone)]
pub struct OrgView {
    pub organization: Organization,
    pub memberships: Vec<OrgMembershipRow>,
    pub teams: Vec<OrgTeamRow>,
}

/// One organization's page. Errors: `NotFound`.
pub async fn organization_view(db: &Db, id: Id) -> Result<OrgView, Error> {
    let organization: Organization = super::get(db, id).await?;
    let memberships = db::query_as(
        db,
        "SELECT m.id AS membership_id, p.name AS partnership_name, p.slug AS partnership_slug, p.illustrative AS partnership_illustrative,
                m.role, m.started, m.ended
         FROM memberships m JOIN partnerships p ON p.id = m.partnership_id
         WHERE m.organization_id = ? ORDER BY p.name COLLATE NOCASE, m.role",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let teams = db::query_as(
        db,
        "SELECT t.name AS team_name, p.name AS partnership_name, p.slug AS partnership_slug, tm.role
         FROM action_team_members tm JOIN action_teams t ON t.id = tm.action_team_id JOIN partnerships p ON p.id = t.partnership_id
         WHERE tm.organization_id = ? ORDER BY p.name COLLATE NOCASE, t.name COLLATE NOCASE",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    Ok(OrgView { organization, memberships, teams })
}

// ---------------------------------------------------------------------------------------------
// Impact report

#[derive(sqlx::FromRow)]
struct ReportMeasureRow {
    partnership_slug: String,
    partnership_name: String,
    name: String,
    unit: String,
    category: MeasureCategory,
    period: Option<PartialDate>,
    actual: Option<f64>,
    source_url: Option<String>,
    #[sqlx(try_from = "Flag")]
    illustrative: bool,
}

/// The plain rows the impact report is assembled from (see [`crate::network::report::build`]):
/// three queries. Each measure comes with its latest observation (greatest period); illustrative
/// observations count only when `include_illustrative`, so by default a measure of a real
/// partnership whose only values are invented has no latest value.
pub async fn report_input(db: &Db, include_illustrative: bool, today: NaiveDate) -> Result<ReportInput, Error> {
    let partnerships: Vec<(String, String, DbText, Flag)> =
        db::query_as(db, "SELECT slug, name, region_states, illustrative FROM partnerships WHERE ? OR NOT illustrative ORDER BY name COLLATE NOCASE")
            .bind(include_illustrative)
            .fetch_all(db)
            .await?;
    let wins: Vec<WinRow> = db::query_as(db, &format!(
        "{WIN_SELECT} WHERE (? OR (NOT p.illustrative AND NOT w.illustrative))
         ORDER BY w.achieved IS NULL, w.achieved DESC, w.created_at DESC, w.id"
    ))
    .bind(include_illustrative)
    .fetch_all(db)
    .await?;
    let measures: Vec<ReportMeasureRow> = db::query_as(
        db,
        "SELECT p.slug AS partnership_slug, p.name AS partnership_name, m.name, m.unit, m.category,
                o.period, o.actual, o.source_url, (coalesce(o.illustrative, FALSE) OR p.illustrative) AS illustrative
         FROM measures m JOIN partnerships p ON p.id = m.partnership_id
         LEFT JOIN observations o ON o.id = (
             SELECT o2.id FROM observations o2 WHERE o2.measure_id = m.id AND (? OR NOT o2.illustrative) ORDER BY o2.period DESC LIMIT 1)
         WHERE ? OR NOT p.illustrative
         ORDER BY p.name COLLATE NOCASE, m.name COLLATE NOCASE",
    )
    .bind(include_illustrative)
    .bind(include_illustrative)
    .fetch_all(db)
    .await?;
    Ok(ReportInput {
        generated_on: today,
        include_illustrative,
        partnerships: partnerships
            .into_iter()
            .map(|(slug, name, states, illustrative)| {
                let states: Json<Vec<String>> = states.try_into().map_err(|e: String| Error::Internal(anyhow::anyhow!("partnership {slug}: {e}")))?;
                Ok(ReportPartnership { slug, name, states: states.0, illustrative: illustrative.0 })
            })
            .collect::<Result<_, Error>>()?,
        wins: wins
            .into_iter()
            .map(|w| ReportWin {
                partnership_slug: w.partnership_slug,
                partnership_name: w.partnership_name,
                title: w.title,
                kind: w.initiative_kind,
                achieved: w.achieved,
                source_url: w.source_url,
                illustrative: w.illustrative,
            })
            .collect(),
        measures: measures
            .into_iter()
            .map(|m| ReportMeasure {
                partnership_slug: m.partnership_slug,
                partnership_name: m.partnership_name,
                name: m.name,
                unit: m.unit,
                category: m.category,
                latest: match (m.period, m.actual) {
                    (Some(period), Some(actual)) => Some(LatestObservation { period, actual, source_url: m.source_url, illustrative: m.illustrative }),
                    _ => None,
                },
            })
            .collect(),
    })
}

// The single-partnership health-check loader the API once had duplicated `health_inputs`; its test now
// checks `health_inputs` for one partnership.
#[cfg(test)]
mod health_input_tests {
    use super::*;
    use crate::db;
    use crate::network::store::create;
    use sqlx::types::Json;

    #[tokio::test]
    async fn loads_current_members_attendance_champions_and_plans() {
        let scratch = db::scratch::Scratch::new().await.unwrap();
        let db = scratch.connect().await.unwrap();
        let p = create(
            &db,
            PartnershipFields {
                slug: "m".into(),
                name: "M".into(),
                sector_label: "Manufacturing".into(),
                naics_codes: Json(vec![]),
                region_name: "Mohave".into(),
                region_counties: Json(vec!["04015".into()]),
                region_states: Json(vec!["AZ".into()]),
                launched: None,
                stage: None,
                stage_reported: None,
                website: None,
                source_urls: Json(vec![]),
                illustrative: false,
            },
        )
        .await
        .unwrap();
        let org = |name: &str, kind| OrganizationFields {
            name: name.into(),
            kind,
            naics_code: None,
            city: None,
            state: None,
            latitude: None,
            longitude: None,
            employee_count: None,
            website: None,
            illustrative: false,
        };
        let acme = create(&db, org("Acme", OrgKind::Business)).await.unwrap();
        let college = create(&db, org("College", OrgKind::CommunityCollege)).await.unwrap();
        let gone = create(&db, org("Gone", OrgKind::Chamber)).await.unwrap();
        let member = |o: Id, role, ended: Option<&str>| MembershipFields {
            partnership_id: p.id(),
            organization_id: o,
            role,
            started: None,
            ended: ended.map(|e| PartialDate::parse(e).unwrap()),
        };
        create(&db, member(acme.id(), MembershipRole::IndustryChampion, None)).await.unwrap();
        create(&db, member(college.id(), MembershipRole::SupportTeam, None)).await.unwrap();
        create(&db, member(gone.id(), MembershipRole::SupportTeam, Some("2020"))).await.unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 3, 1).unwrap();
        let meeting = create(&db, MeetingFields { partnership_id: p.id(), held_on: day, kind: MeetingKind::Launch, title: "Launch".into(), notes: None })
            .await
            .unwrap();
        for o in [acme.id(), college.id()] {
            create(&db, AttendanceFields { meeting_id: meeting.id(), organization_id: o }).await.unwrap();
        }
        let prio = create(
            &db,
            PriorityFields { partnership_id: p.id(), rank: 1, title: "Hiring".into(), description: None, status: PriorityStatus::Active, set_at_meeting_id: Some(meeting.id()) },
        )
        .await
        .unwrap();
        let team = create(&db, ActionTeamFields { partnership_id: p.id(), priority_id: prio.id(), name: "Talent".into(), description: None }).await.unwrap();
        create(&db, TeamMemberFields { action_team_id: team.id(), organization_id: acme.id(), role: TeamRole::BusinessLead }).await.unwrap();
        create(&db, TeamMemberFields { action_team_id: team.id(), organization_id: college.id(), role: TeamRole::SupportPartner }).await.unwrap();
        let init = create(
            &db,
            InitiativeFields {
                partnership_id: p.id(),
                action_team_id: Some(team.id()),
                title: "Pathway".into(),
                description: None,
                kind: InitiativeKind::CareerPathway,
                status: InitiativeStatus::Active,
                started: None,
                ended: None,
            },
        )
        .await
        .unwrap();

        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let input = health_inputs(&db, &[p.id()], today).await.unwrap().remove(&p.id()).unwrap();
        assert_eq!(input.region_counties, vec!["04015"]);
        let mut members = input.memberships.clone();
        members.sort();
        assert_eq!(members, vec![(MembershipRole::IndustryChampion, OrgKind::Business), (MembershipRole::SupportTeam, OrgKind::CommunityCollege)], "ended membership left out");
        assert_eq!(input.meetings.len(), 1);
        let mut kinds = input.meetings[0].attendee_kinds.clone();
        kinds.sort();
        assert_eq!(kinds, vec![OrgKind::Business, OrgKind::CommunityCollege]);
        assert_eq!(input.meetings[0].champions_present, 1);
        assert_eq!(input.priorities.len(), 1);
        assert_eq!(input.priorities[0].set_at_meeting, Some(meeting.id()));
        assert_eq!(input.priorities[0].teams.len(), 1);
        assert_eq!(input.priorities[0].teams[0].business_lead_kinds, vec![OrgKind::Business]);
        assert_eq!(input.priorities[0].teams[0].initiative_updates, vec![init.meta.updated_at.date_naive()]);
        assert!(health_inputs(&db, &[Id::new()], today).await.unwrap().is_empty());
    }
}

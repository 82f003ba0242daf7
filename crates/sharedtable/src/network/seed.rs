//! The bundled real network and how its registry rows become records. Pure mapping, no I/O:
//! `store/bulk.rs` writes the records, resolving names to ids, in one transaction.
//!
//! The registry layouts are those of `data/network/partnerships.csv` (name, state, region, sector,
//! convener, launched, status_reported, source_url) and `data/network/wins.csv` (partnership, year,
//! initiative_kind, title, detail, figures, source_url); see `data/README.md`. Nothing is invented:
//! an empty cell stays empty (no stage, no launch date, no counties, no codes), and every record
//! keeps the row's source link.
//!
//! A registry partnership row becomes:
//! - a partnership: slug from the name ([`slugify`]), the sector label as given, NAICS codes from
//!   [`SECTOR_NAICS`], region name as the source words it, `region_states = [state]`, counties only
//!   where the region names them ([`counties_named`]), launch date at the precision given, stage by
//!   [`Stage::from_reported`] with the source's own word kept in `stage_reported`, `source_urls =
//!   [source_url]`;
//! - for each convener the row names ([`conveners`]): an organization (kind from a parenthesised
//!   kind, else [`OrgKind::infer_from_name`]), shared by every partnership naming the same
//!   organization (matched by name, ignoring case), with a `convener` membership.
//!
//! A registry win row becomes an initiative of the win's kind (no action team; status `completed`
//! when the source dates the win, since a dated result means the work that produced it reached
//! its result; `active` when the source gives no date, since nothing says it ended) and the win
//! attached to it (achieved = the year, figures as reported, the source link).

use std::collections::HashMap;
use std::sync::LazyLock;

use sqlx::types::Json;

use super::bulk::Source;
use super::model::*;
use crate::codes;
use crate::db::Id;

/// Columns of the registry partnership layout, in file order.
pub const PARTNERSHIP_COLUMNS: &[&str] = &["name", "state", "region", "sector", "convener", "launched", "status_reported", "source_url"];
/// Columns a registry partnership file must have.
pub const PARTNERSHIP_REQUIRED: &[&str] = &["name", "state", "region", "sector", "source_url"];
/// Columns of the registry win layout, in file order.
pub const WIN_COLUMNS: &[&str] = &["partnership", "year", "initiative_kind", "title", "detail", "figures", "source_url"];
/// Columns a registry win file must have.
pub const WIN_REQUIRED: &[&str] = &["partnership", "initiative_kind", "title", "source_url"];

/// `data/network/partnerships.csv`: 47 real partnerships in 12 states.
pub const PARTNERSHIPS_CSV: &[u8] = include_bytes!("../../../../data/network/partnerships.csv");
/// `data/network/wins.csv`: 24 reported wins of those partnerships.
pub const WINS_CSV: &[u8] = include_bytes!("../../../../data/network/wins.csv");
/// `data/demo/illustrative-partnership.json`: the invented, badged demo partnership (export format).
pub const DEMO_JSON: &[u8] = include_bytes!("../../../../data/demo/illustrative-partnership.json");

/// The bundled real network as import sources (partnerships first).
pub fn network_sources() -> Vec<Source> {
    vec![
        Source::bundled("data/network/partnerships.csv", PARTNERSHIPS_CSV),
        Source::bundled("data/network/wins.csv", WINS_CSV),
    ]
}

/// The illustrative demo partnership as an import source.
pub fn demo_sources() -> Vec<Source> {
    vec![Source::bundled("data/demo/illustrative-partnership.json", DEMO_JSON)]
}

/// How a sector label of the registry maps onto 2022 NAICS codes, and why.
#[derive(Debug, Clone, Copy)]
pub struct SectorMapping {
    /// The label as the registry writes it.
    pub label: &'static str,
    /// 2022 NAICS codes; empty when no code set fits the label honestly.
    pub naics: &'static [&'static str],
    /// Why these codes (or none).
    pub why: &'static str,
}

/// Every sector label used in `data/network/partnerships.csv` with its NAICS codes. A label not
/// in this table gets no codes. Matching ignores case.
pub const SECTOR_NAICS: &[SectorMapping] = &[
    SectorMapping { label: "Manufacturing", naics: &["31-33"], why: "the NAICS manufacturing sector as a whole" },
    SectorMapping {
        label: "Advanced Business Services",
        naics: &["52", "54", "55"],
        why: "the usual economic-development definition of advanced business services: finance and insurance, professional, scientific and technical services, management of companies",
    },
    SectorMapping {
        label: "Healthcare",
        naics: &["621", "622", "623"],
        why: "ambulatory care, hospitals, nursing and residential care; sector 62 would also take in social assistance (child care has its own partnership and label)",
    },
    SectorMapping {
        label: "Technology",
        naics: &["5132", "5182", "5415"],
        why: "software publishers, computing infrastructure and data processing, computer systems design: the software and IT services firms these tech partnerships gather",
    },
    SectorMapping {
        label: "Food and Beverage Manufacturing",
        naics: &["311", "3121"],
        why: "food manufacturing and beverage manufacturing (tobacco, the rest of 312, left out)",
    },
    SectorMapping { label: "Construction", naics: &["23"], why: "the NAICS construction sector" },
    SectorMapping { label: "Wood Products Manufacturing", naics: &["321"], why: "the NAICS wood product manufacturing subsector" },
    SectorMapping { label: "Childcare", naics: &["6244"], why: "child care services" },
    SectorMapping {
        label: "Creative Industries",
        naics: &[],
        why: "no agreed NAICS definition: states count design, media, music, film, publishing and crafts differently, so no codes are claimed",
    },
    SectorMapping { label: "Transportation and Logistics", naics: &["48-49"], why: "the NAICS transportation and warehousing sector" },
    SectorMapping { label: "Retail", naics: &["44-45"], why: "the NAICS retail trade sector" },
    SectorMapping { label: "Tree Care", naics: &["561730"], why: "NAICS classifies tree trimming and arborist services under landscaping services" },
    SectorMapping {
        label: "Agriculture",
        naics: &["111", "112"],
        why: "crop production and animal production; forestry and fishing are not what the label names",
    },
    SectorMapping {
        label: "Hospitality and Retail",
        naics: &["44-45", "721", "722"],
        why: "retail trade, accommodation, food services and drinking places",
    },
    SectorMapping {
        label: "Clean Energy",
        naics: &[],
        why: "clean energy work spans power generation, construction trades and services; no NAICS code set isolates it, so no codes are claimed",
    },
];

/// The mapping of a sector label, ignoring case; `None` for a label not in [`SECTOR_NAICS`].
pub fn sector_mapping(label: &str) -> Option<&'static SectorMapping> {
    SECTOR_NAICS.iter().find(|m| m.label.eq_ignore_ascii_case(label.trim()))
}

/// County FIPS codes by (state FIPS, lowercase county name); several codes where a state has two
/// counties (or a county and an independent city) of one name.
static COUNTY_INDEX: LazyLock<HashMap<(String, String), Vec<String>>> = LazyLock::new(|| {
    let mut m: HashMap<(String, String), Vec<String>> = HashMap::new();
    for (fips, name) in codes::COUNTIES.iter() {
        m.entry((fips[..2].to_string(), name.to_lowercase())).or_default().push(fips.clone());
    }
    m
});

/// The FIPS code of the county of that name in the state (USPS code), when exactly one county of
/// the state has the name.
pub fn county_fips(name: &str, state_usps: &str) -> Option<String> {
    let state = codes::state_by_usps(state_usps.trim())?;
    match COUNTY_INDEX.get(&(state.fips.clone(), name.trim().to_lowercase()))?.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let (head, tail) = (s.get(..cut)?, s.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

/// The counties a region's words name, as 5-digit FIPS codes in code order: "X County", and lists
/// such as "A, B and C counties"; parts separated by "/" are read one by one and parenthesised
/// remarks ("(Eugene)") are left out. Each name is looked up among the counties of the state; if
/// any named county is not found there, or the name fits two counties, the answer is empty (a
/// region is never given part of its counties). Words that name no county give an empty list.
pub fn counties_named(region: &str, state_usps: &str) -> Vec<String> {
    let mut text = String::new();
    let mut depth = 0usize;
    for c in region.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let mut names: Vec<String> = Vec::new();
    for seg in text.split('/').map(str::trim) {
        if let Some(list) = strip_suffix_ci(seg, " counties") {
            for piece in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let piece = piece.strip_prefix("and ").unwrap_or(piece).trim();
                // "Lewis and Clark" is one county; "Sheridan and Johnson" are two.
                if county_fips(piece, state_usps).is_some() {
                    names.push(piece.to_string());
                } else {
                    names.extend(piece.split(" and ").map(|n| n.trim().to_string()));
                }
            }
        } else if let Some(name) = strip_suffix_ci(seg, " county") {
            names.push(name.trim().to_string());
        }
    }
    let mut out = Vec::new();
    for n in &names {
        match county_fips(n, state_usps) {
            Some(f) => out.push(f),
            None => return vec![],
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A convener organization named by a registry row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Convener {
    pub name: String,
    pub kind: OrgKind,
}

/// The conveners a registry cell names. Two organizations joined by " with " are two conveners
/// ("Manufacturers' Association with South Central PA Workforce Development Board"). A trailing
/// parenthesised kind ("(industry association)") gives the kind and is not part of the name;
/// otherwise the kind is inferred from the name ([`OrgKind::infer_from_name`]).
pub fn conveners(cell: &str) -> Vec<Convener> {
    cell.split(" with ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|part| {
            if let Some((name, rest)) = part.rsplit_once(" (") {
                if let Some(word) = rest.strip_suffix(')') {
                    let kind = OrgKind::ALL.iter().find(|k| k.label().eq_ignore_ascii_case(word) || k.as_str().eq_ignore_ascii_case(word));
                    if let Some(kind) = kind {
                        return Convener { name: name.trim().to_string(), kind: *kind };
                    }
                }
            }
            Convener { name: part.to_string(), kind: OrgKind::infer_from_name(part) }
        })
        .collect()
}

/// The key conveners are shared by across partnerships: the name with case and runs of spaces
/// ignored ("Lane Workforce Partnership" names one organization however many rows name it).
pub fn convener_key(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The cells of one registry partnership row.
#[derive(Debug, Clone, Copy, Default)]
pub struct PartnershipRow<'a> {
    pub name: &'a str,
    pub state: &'a str,
    pub region: &'a str,
    pub sector: &'a str,
    pub convener: &'a str,
    pub launched: &'a str,
    pub status_reported: &'a str,
    pub source_url: &'a str,
}

/// The cells of one registry win row.
#[derive(Debug, Clone, Copy, Default)]
pub struct WinRow<'a> {
    pub partnership: &'a str,
    pub year: &'a str,
    pub initiative_kind: &'a str,
    pub title: &'a str,
    pub detail: &'a str,
    pub figures: &'a str,
    pub source_url: &'a str,
}

/// What a registry partnership row becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedPartnership {
    pub fields: PartnershipFields,
    pub conveners: Vec<Convener>,
    /// The file lacks a required column: check, never write.
    pub incomplete: bool,
}

/// What a registry win row becomes. `initiative.partnership_id`, `win.partnership_id` and
/// `win.initiative_id` are filled in by the store once the partnership is found by name.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedWin {
    pub partnership_name: String,
    pub initiative: InitiativeFields,
    pub win: WinFields,
    pub incomplete: bool,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Map a registry partnership row; problems as `(column, reason)`.
pub fn partnership_from_row(row: &PartnershipRow) -> (SeedPartnership, Vec<(&'static str, String)>) {
    let mut problems = Vec::new();
    let name = row.name.trim().to_string();
    let state = row.state.trim().to_uppercase();
    let launched = match opt(row.launched) {
        None => None,
        Some(t) => PartialDate::parse(&t).map_err(|e| problems.push(("launched", e))).ok(),
    };
    let source_urls = match opt(row.source_url) {
        Some(u) => vec![u],
        None => {
            problems.push(("source_url", "is required: every fact keeps its source".to_string()));
            vec![]
        }
    };
    let status = opt(row.status_reported);
    let fields = PartnershipFields {
        slug: slugify(&name),
        name,
        sector_label: row.sector.trim().to_string(),
        naics_codes: Json(sector_mapping(row.sector).map(|m| m.naics.iter().map(|c| c.to_string()).collect()).unwrap_or_default()),
        region_name: row.region.trim().to_string(),
        region_counties: Json(counties_named(row.region, &state)),
        region_states: Json(if state.is_empty() { vec![] } else { vec![state] }),
        launched,
        stage: status.as_deref().and_then(Stage::from_reported),
        stage_reported: status,
        website: None,
        source_urls: Json(source_urls),
        illustrative: false,
    };
    (SeedPartnership { fields, conveners: conveners(row.convener), incomplete: false }, problems)
}

/// Map a registry win row; problems as `(column, reason)`.
pub fn win_from_row(row: &WinRow) -> (SeedWin, Vec<(&'static str, String)>) {
    let mut problems = Vec::new();
    let partnership_name = row.partnership.trim().to_string();
    if partnership_name.is_empty() {
        problems.push(("partnership", "is required".to_string()));
    }
    let achieved = match opt(row.year) {
        None => None,
        Some(t) => PartialDate::parse(&t).map_err(|e| problems.push(("year", e))).ok(),
    };
    let word = row.initiative_kind.trim();
    let kind = InitiativeKind::ALL
        .iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(word) || k.label().eq_ignore_ascii_case(word))
        .copied()
        .unwrap_or_else(|| {
            let msg = if word.is_empty() { "is required".to_string() } else { format!("'{word}' is not one of: {}", InitiativeKind::expected()) };
            problems.push(("initiative_kind", msg));
            InitiativeKind::Other
        });
    let source_url = opt(row.source_url);
    if source_url.is_none() {
        problems.push(("source_url", "is required: every fact keeps its source".to_string()));
    }
    let title = row.title.trim().to_string();
    let initiative = InitiativeFields {
        partnership_id: Id::nil(),
        action_team_id: None,
        title: title.clone(),
        description: None,
        kind,
        status: if achieved.is_some() { InitiativeStatus::Completed } else { InitiativeStatus::Active },
        started: None,
        ended: None,
    };
    let win = WinFields {
        partnership_id: Id::nil(),
        initiative_id: None,
        achieved,
        title,
        narrative: opt(row.detail),
        initiative_kind: kind,
        figures: opt(row.figures),
        source_url,
        illustrative: false,
    };
    (SeedWin { partnership_name, initiative, win, incomplete: false }, problems)
}

/// The registry column a partnership field's problem belongs to.
pub fn partnership_column(field: &str) -> &'static str {
    match field {
        "slug" | "name" => "name",
        "sector_label" | "naics_codes" => "sector",
        "region_name" | "region_counties" => "region",
        "region_states" => "state",
        "launched" => "launched",
        "stage" | "stage_reported" => "status_reported",
        _ => "source_url",
    }
}

/// The registry column an initiative's or win's field problem belongs to.
pub fn win_column(field: &str) -> &'static str {
    match field {
        "partnership_id" => "partnership",
        "achieved" | "started" | "ended" => "year",
        "kind" | "initiative_kind" | "status" => "initiative_kind",
        "description" | "narrative" => "detail",
        "figures" => "figures",
        "source_url" => "source_url",
        _ => "title",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sector_label_of_the_registry_is_mapped_to_real_codes() {
        let mut rdr = csv::Reader::from_reader(PARTNERSHIPS_CSV);
        for rec in rdr.records() {
            let rec = rec.unwrap();
            let m = sector_mapping(&rec[3]).unwrap_or_else(|| panic!("sector '{}' has no mapping", &rec[3]));
            for code in m.naics {
                assert!(codes::naics_title(code).is_some(), "{code}");
            }
        }
        assert_eq!(sector_mapping("manufacturing").unwrap().naics, ["31-33"]);
        assert_eq!(sector_mapping("Healthcare").unwrap().naics, ["621", "622", "623"]);
        assert_eq!(sector_mapping("Technology").unwrap().naics, ["5132", "5182", "5415"]);
        assert!(sector_mapping("Clean Energy").unwrap().naics.is_empty());
        assert!(sector_mapping("Space Mining").is_none());
        assert_eq!(codes::naics_title("561730"), Some("Landscaping Services"));
    }

    #[test]
    fn counties_are_looked_up_by_name_and_state() {
        assert_eq!(counties_named("Cumberland County", "NC"), ["37051"]);
        assert_eq!(counties_named("Brunswick, Columbus, New Hanover and Pender counties", "NC"), ["37019", "37047", "37129", "37141"]);
        assert_eq!(counties_named("Fremont, Custer, Chaffee and Lake counties (Canon City)", "CO"), ["08015", "08027", "08043", "08065"]);
        assert_eq!(counties_named("Sheridan and Johnson counties", "WY"), ["56019", "56033"]);
        assert_eq!(counties_named("Kingman / Mohave County", "AZ"), ["04015"]);
        assert_eq!(counties_named("Lane County (Eugene)", "OR"), ["41039"]);
        assert_eq!(counties_named("Seattle / King County", "WA"), ["53033"]);
        assert_eq!(counties_named("Lewis and Clark County", "MT"), ["30049"]);
        // no county named, a county of another state, an unknown name, a name two places share
        assert!(counties_named("Gallatin Valley (Bozeman)", "MT").is_empty());
        assert!(counties_named("Mohave County", "NV").is_empty());
        assert!(counties_named("Atlantis and Lane counties", "OR").is_empty());
        assert!(counties_named("Richmond County", "VA").is_empty(), "Virginia has a Richmond county and a Richmond city");
    }

    #[test]
    fn conveners_are_parsed_with_their_kinds() {
        assert_eq!(
            conveners("Kingman and Mohave Manufacturing Association (industry association)"),
            [Convener { name: "Kingman and Mohave Manufacturing Association".into(), kind: OrgKind::IndustryAssociation }]
        );
        assert_eq!(
            conveners("Manufacturers' Association with South Central PA Workforce Development Board"),
            [
                Convener { name: "Manufacturers' Association".into(), kind: OrgKind::IndustryAssociation },
                Convener { name: "South Central PA Workforce Development Board".into(), kind: OrgKind::WorkforceBoard },
            ]
        );
        assert_eq!(conveners("Chamber of Commerce Hawaii")[0].kind, OrgKind::Chamber);
        assert_eq!(conveners("Southwest Colorado Area Health Education Center")[0].kind, OrgKind::CommunityOrg);
        assert!(conveners("  ").is_empty());
    }

    #[test]
    fn conveners_are_shared_across_the_registry() {
        let mut rdr = csv::Reader::from_reader(PARTNERSHIPS_CSV);
        let mut by_key: HashMap<String, usize> = HashMap::new();
        let mut named = 0;
        for rec in rdr.records() {
            for c in conveners(&rec.unwrap()[4]) {
                named += 1;
                *by_key.entry(convener_key(&c.name)).or_default() += 1;
            }
        }
        assert_eq!(by_key["lane workforce partnership"], 8, "the eight Lane County partnerships share one convener");
        assert_eq!(by_key["chamber of commerce hawaii"], 2);
        assert_eq!((named, by_key.len()), (21, 13), "21 convener memberships, 13 organizations");
        assert_eq!(convener_key("  Lane   Workforce partnership "), "lane workforce partnership");
    }

    #[test]
    fn registry_rows_map_without_inventing() {
        let (p, problems) = partnership_from_row(&PartnershipRow {
            name: "Lane County Healthcare Partnership",
            state: "OR",
            region: "Lane County (Eugene)",
            sector: "Healthcare",
            convener: "Lane Workforce Partnership",
            launched: "",
            status_reported: "Planning",
            source_url: "https://laneworkforce.org/x",
        });
        assert!(problems.is_empty(), "{problems:?}");
        let f = &p.fields;
        assert_eq!(f.slug, "lane-county-healthcare-partnership");
        assert_eq!((f.stage, f.stage_reported.as_deref()), (Some(Stage::Launching), Some("Planning")));
        assert_eq!(f.launched, None);
        assert_eq!(f.region_counties.0, ["41039"]);
        assert_eq!(f.region_states.0, ["OR"]);
        assert_eq!(f.source_urls.0, ["https://laneworkforce.org/x"]);
        assert_eq!(p.conveners[0].kind, OrgKind::WorkforceBoard);

        let (p, problems) = partnership_from_row(&PartnershipRow { name: "X", state: "AZ", region: "Phoenix", sector: "Clean Energy", launched: "2018-13", ..Default::default() });
        assert_eq!(p.fields.stage, None);
        assert_eq!(p.fields.stage_reported, None);
        assert!(p.fields.naics_codes.is_empty());
        assert_eq!(problems, [("launched", "month 13 is not 1 to 12".to_string()), ("source_url", "is required: every fact keeps its source".to_string())]);

        let (w, problems) = win_from_row(&WinRow {
            partnership: "P",
            year: "2017",
            initiative_kind: "apprenticeship",
            title: "T",
            detail: "",
            figures: "contract_usd=783796",
            source_url: "https://example.org/s",
        });
        assert!(problems.is_empty());
        assert_eq!(w.initiative.status, InitiativeStatus::Completed);
        assert_eq!(w.win.achieved.as_ref().map(|d| d.as_str()), Some("2017"));
        assert_eq!(w.win.narrative, None);
        assert_eq!(w.win.figures.as_deref(), Some("contract_usd=783796"));
        let (w, problems) = win_from_row(&WinRow { partnership: "P", initiative_kind: "gadgets", title: "T", source_url: "https://example.org/s", ..Default::default() });
        assert_eq!(w.initiative.status, InitiativeStatus::Active);
        assert_eq!(problems[0].0, "initiative_kind");
    }

    #[test]
    fn stage_words_of_the_registry() {
        // The registry's status words, and the empty cell.
        assert_eq!(Stage::from_reported("Sustaining"), Some(Stage::Sustaining));
        assert_eq!(Stage::from_reported("Planning"), Some(Stage::Launching));
        let (p, _) = partnership_from_row(&PartnershipRow { name: "X", state: "AZ", region: "R", sector: "Retail", source_url: "https://e.org", ..Default::default() });
        assert_eq!((p.fields.stage, p.fields.stage_reported), (None, None));
    }
}

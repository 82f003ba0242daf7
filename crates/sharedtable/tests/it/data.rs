//! The bundled network, the illustrative demo, import and export.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use sharedtable::db::{Db, Id};
use sharedtable::network::bulk::{RowError, Source};
use sharedtable::network::entity::TABLES;
use sharedtable::network::model::*;
use sharedtable::network::store::{self, bulk};

use crate::support;

async fn all<F: sharedtable::network::entity::Entity>(db: &Db) -> Vec<Record<F>> {
    store::all::<F>(db).await.unwrap()
}

/// Row counts of every table, in table order.
async fn row_counts(db: &Db) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in TABLES {
        let n: i64 = sharedtable::db::query_scalar(db, &format!("SELECT count(*) FROM {t}")).fetch_one(db).await.unwrap();
        out.push((*t, n));
    }
    out
}

async fn export_bytes(db: &Db) -> Vec<u8> {
    bulk::export_json(db, Vec::new(), false).await.unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Import files expecting rejection; returns the problems as shown to the user (files named by
/// their file name).
async fn rejected(db: &Db, files: &[PathBuf]) -> Vec<String> {
    let sources: Vec<Source> = files
        .iter()
        .map(|f| Source { label: f.file_name().unwrap().to_string_lossy().into_owned(), ..Source::path(f) })
        .collect();
    match bulk::import(db, &sources, &Default::default()).await {
        Err(bulk::ImportError::Rejected(problems)) => problems.iter().map(RowError::to_string).collect(),
        other => panic!("expected the import to be rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn bundled_network_has_47_partnerships_in_12_states_and_24_sourced_wins() {
    let app = support::spawn().await;
    let summary = bulk::load_bundled(&app.db, false).await.unwrap();
    assert_eq!(bulk::network_counts(&app.db).await.unwrap(), (47, 12, 24));
    assert_eq!(summary.count("partnerships"), 47);
    assert_eq!(summary.count("wins"), 24);

    let partnerships: Vec<Partnership> = all(&app.db).await;
    let initiatives: HashMap<Id, Initiative> = all::<InitiativeFields>(&app.db).await.into_iter().map(|i| (i.id(), i)).collect();
    let wins: Vec<Win> = all(&app.db).await;
    assert_eq!(initiatives.len(), 24, "one initiative per win");
    for w in &wins {
        let i = &initiatives[&w.fields.initiative_id.expect("win attached to an initiative")];
        assert_eq!(i.fields.kind, w.fields.initiative_kind, "{}", w.fields.title);
        assert_eq!(i.fields.partnership_id, w.fields.partnership_id);
        assert_eq!(i.fields.action_team_id, None);
        let expected = if w.fields.achieved.is_some() { InitiativeStatus::Completed } else { InitiativeStatus::Active };
        assert_eq!(i.fields.status, expected);
        assert!(w.fields.source_url.as_deref().is_some_and(|u| u.starts_with("https://")), "{}", w.fields.title);
        assert!(!w.fields.illustrative);
    }
    for p in &partnerships {
        assert_eq!(p.fields.source_urls.len(), 1, "{}", p.fields.name);
        assert!(p.fields.source_urls[0].starts_with("https://"));
        assert_eq!(p.fields.region_states.len(), 1);
    }
    let by_name = |n: &str| partnerships.iter().find(|p| p.fields.name == n).unwrap_or_else(|| panic!("{n}")).fields.clone();
    // Facts as the sources give them, and nothing more.
    let lane = by_name("Lane County Healthcare Partnership");
    assert_eq!((lane.stage, lane.stage_reported.as_deref()), (Some(Stage::Launching), Some("Planning")));
    assert_eq!(lane.region_counties.0, ["41039"]);
    assert_eq!(lane.naics_codes.0, ["621", "622", "623"]);
    let big = by_name("Big Country Manufacturing Alliance");
    assert_eq!((big.stage, big.stage_reported, big.launched.map(|d| d.to_string())), (None, None, Some("2017".into())));
    assert!(big.region_counties.is_empty(), "West Central Texas names no county");
    let cape = by_name("Cape Fear Manufacturing Partnership");
    assert_eq!(cape.region_counties.0, ["37019", "37047", "37129", "37141"]);
    assert_eq!(cape.launched.map(|d| d.to_string()).as_deref(), Some("2020-10-01"));
    assert!(by_name("Hawaii Clean Energy Sector Partnership").naics_codes.is_empty());

    // Conveners: one organization per name, shared by the partnerships that name it.
    let orgs: Vec<Organization> = all(&app.db).await;
    let memberships: Vec<Membership> = all(&app.db).await;
    let lwp: Vec<&Organization> = orgs.iter().filter(|o| o.fields.name == "Lane Workforce Partnership").collect();
    assert_eq!(lwp.len(), 1);
    assert_eq!(lwp[0].fields.kind, OrgKind::WorkforceBoard);
    let lane_convened = memberships.iter().filter(|m| m.fields.organization_id == lwp[0].id()).count();
    assert_eq!(lane_convened, 8);
    assert!(memberships.iter().all(|m| m.fields.role == MembershipRole::Convener));
    assert_eq!((orgs.len(), memberships.len()), (13, 21));
    let kamma = orgs.iter().find(|o| o.fields.name == "Kingman and Mohave Manufacturing Association").unwrap();
    assert_eq!(kamma.fields.kind, OrgKind::IndustryAssociation);
    assert!(orgs.iter().all(|o| o.fields.state.is_none() && o.fields.city.is_none()), "no place is invented for a convener");
}

#[tokio::test]
async fn the_six_impact_page_partnerships_have_their_wins() {
    let app = support::spawn().await;
    bulk::load_bundled(&app.db, false).await.unwrap();
    let partnerships: Vec<Partnership> = all(&app.db).await;
    let wins: Vec<Win> = all(&app.db).await;
    let expected = [
        ("Gallatin Valley Manufacturing Partnership", 1, "9-day manufacturing curriculum module for regional high schools"),
        ("Phoenix Advanced Business Services Sector Partnership", 1, "Industry-led speakers bureau"),
        ("East Bay Advanced Manufacturing Partnership", 1, "Customized education pathway for top critical occupations"),
        ("Northeast Louisiana Healthcare Partnership", 2, "Acute care network agreements"),
        ("Kingman and Mohave Manufacturing Association", 6, "Freight sharing program"),
        ("Lane County Technology Collaborative", 5, "Direct flight from Eugene to Silicon Valley secured"),
    ];
    for (name, count, title) in expected {
        let p = partnerships.iter().find(|p| p.fields.name == name).unwrap_or_else(|| panic!("{name}"));
        let theirs: Vec<&Win> = wins.iter().filter(|w| w.fields.partnership_id == p.id()).collect();
        assert_eq!(theirs.len(), count, "{name}");
        let w = theirs.iter().find(|w| w.fields.title == title).unwrap_or_else(|| panic!("{name}: {title}"));
        assert!(w.fields.source_url.as_deref().unwrap().starts_with("https://www.nextgensectorpartnerships.com/"));
    }
    let flight = wins.iter().find(|w| w.fields.title.starts_with("Direct flight")).unwrap();
    assert_eq!(flight.fields.figures.as_deref(), Some("member_companies=30"));
    assert_eq!(flight.fields.initiative_kind, InitiativeKind::InfrastructurePolicy);
    assert_eq!(flight.fields.achieved, None, "the source gives no date");
}

#[tokio::test]
async fn the_illustrative_partnership_is_complete_and_labelled() {
    let app = support::spawn().await;
    let summary = bulk::load_bundled(&app.db, true).await.unwrap();
    assert_eq!(summary.per_source[2].0, "data/demo/illustrative-partnership.json");
    let db = &app.db;
    let demo: Vec<Partnership> = all::<PartnershipFields>(db).await.into_iter().filter(|p| p.fields.illustrative).collect();
    assert_eq!(demo.len(), 1);
    let p = &demo[0];
    assert_eq!(p.fields.name, "Example Valley Advanced Manufacturing Partnership");
    assert_eq!(p.fields.region_counties.0, ["53005", "53037", "53077"]);
    let orgs: HashMap<Id, Organization> = all::<OrganizationFields>(db).await.into_iter().map(|o| (o.id(), o)).collect();
    let members: Vec<Membership> = all::<MembershipFields>(db).await.into_iter().filter(|m| m.fields.partnership_id == p.id()).collect();
    let kinds: HashSet<OrgKind> = members.iter().map(|m| orgs[&m.fields.organization_id].fields.kind).collect();
    assert_eq!(kinds.len(), OrgKind::ALL.len(), "a member of every kind");
    let roles: HashSet<MembershipRole> = members.iter().map(|m| m.fields.role).collect();
    assert_eq!(roles.len(), MembershipRole::ALL.len(), "every membership role");
    for m in &members {
        let o = &orgs[&m.fields.organization_id].fields;
        assert!(o.illustrative, "{}", o.name);
        assert!(o.latitude.is_some() && o.state.as_deref() == Some("WA"), "{} is geocoded", o.name);
    }
    let people: Vec<Person> = all(db).await;
    assert!(people.iter().all(|x| x.fields.email.as_deref().is_some_and(|e| e.ends_with("@example.org"))));
    assert!(people.iter().all(|x| x.fields.phone.as_deref().is_some_and(|t| t.contains("555-01"))));

    let meetings: Vec<Meeting> = all(db).await;
    let launch = meetings.iter().find(|m| m.fields.kind == MeetingKind::Launch).expect("a launch meeting");
    let years: HashSet<i32> =
        meetings.iter().filter(|m| m.fields.kind == MeetingKind::Partnership).map(|m| chrono::Datelike::year(&m.fields.held_on)).collect();
    assert_eq!(years, HashSet::from([2024, 2025, 2026]));
    let priorities: Vec<Priority> = all(db).await;
    assert!(priorities.len() >= 3);
    assert!(priorities.iter().all(|x| x.fields.set_at_meeting_id == Some(launch.id())));
    // Champions were at the launch meeting.
    let attendance: Vec<Attendance> = all(db).await;
    let at_launch: HashSet<Id> = attendance.iter().filter(|a| a.fields.meeting_id == launch.id()).map(|a| a.fields.organization_id).collect();
    assert!(members
        .iter()
        .any(|m| matches!(m.fields.role, MembershipRole::IndustryChampion | MembershipRole::CoChair) && at_launch.contains(&m.fields.organization_id)));
    // Every action team has a business lead and a support partner.
    let teams: Vec<ActionTeam> = all(db).await;
    let team_members: Vec<TeamMember> = all(db).await;
    for t in &teams {
        let mine: Vec<&TeamMember> = team_members.iter().filter(|m| m.fields.action_team_id == t.id()).collect();
        assert!(mine.iter().any(|m| m.fields.role == TeamRole::BusinessLead && orgs[&m.fields.organization_id].fields.kind == OrgKind::Business));
        assert!(mine.iter().any(|m| m.fields.role == TeamRole::SupportPartner));
    }
    let initiatives: Vec<Initiative> = all::<InitiativeFields>(db).await.into_iter().filter(|i| i.fields.partnership_id == p.id()).collect();
    let statuses: HashSet<InitiativeStatus> = initiatives.iter().map(|i| i.fields.status).collect();
    let ikinds: HashSet<InitiativeKind> = initiatives.iter().map(|i| i.fields.kind).collect();
    assert!(statuses.len() >= 3 && ikinds.len() >= 5, "{statuses:?} {ikinds:?}");
    let cutoff = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap() - chrono::Duration::days(180);
    let recent = initiatives.iter().filter(|i| i.meta.updated_at.date_naive() >= cutoff).count();
    assert!(recent >= 2 && recent < initiatives.len(), "some initiatives recently updated, some not: {recent}");
    let milestones: Vec<Milestone> = all(db).await;
    assert!(initiatives.iter().all(|i| milestones.iter().any(|m| m.fields.initiative_id == i.id())));
    // Business outnumbered public partners at the last three meetings.
    let mut sorted: Vec<&Meeting> = meetings.iter().collect();
    sorted.sort_by_key(|m| std::cmp::Reverse(m.fields.held_on));
    for m in sorted.iter().take(3) {
        let kinds: Vec<OrgKind> =
            attendance.iter().filter(|a| a.fields.meeting_id == m.id()).map(|a| orgs[&a.fields.organization_id].fields.kind).collect();
        let biz = kinds.iter().filter(|k| k.is_industry()).count();
        let public = kinds.iter().filter(|k| k.is_public_partner()).count();
        assert!(biz > public, "{}: {biz} to {public}", m.fields.held_on);
    }

    let measures: Vec<Measure> = all(db).await;
    let categories: HashSet<MeasureCategory> = measures.iter().map(|m| m.fields.category).collect();
    assert_eq!(categories.len(), MeasureCategory::ALL.len());
    let observations: Vec<Observation> = all(db).await;
    for m in &measures {
        let periods: Vec<String> =
            observations.iter().filter(|o| o.fields.measure_id == m.id() && o.fields.target.is_some()).map(|o| o.fields.period.to_string()).collect();
        assert_eq!(periods.len(), 3, "{}", m.fields.name);
    }
    let wins: Vec<Win> = all::<WinFields>(db).await.into_iter().filter(|w| w.fields.illustrative).collect();
    assert!(wins.len() >= 3 && wins.iter().all(|w| w.fields.initiative_id.is_some()));
    let evidence: Vec<WinObservation> = all(db).await;
    assert!(!evidence.is_empty());
}

#[tokio::test]
async fn export_then_import_into_an_empty_database_is_byte_identical() {
    let a = support::spawn().await;
    bulk::load_bundled(&a.db, true).await.unwrap();
    let first = export_bytes(&a.db).await;
    let text = String::from_utf8(first.clone()).unwrap();
    assert!(text.starts_with("{\n  \"format\": \"sharedtable-export\",\n  \"version\": 1,\n  \"partnerships\": [\n"));
    assert!(!text.contains("@example.org"), "contacts are left out unless asked for");
    let with_contacts = bulk::export_json(&a.db, Vec::new(), true).await.unwrap();
    assert!(String::from_utf8(with_contacts).unwrap().contains("alex.example@example.org"));

    let path = write(a.dir(), "export.json", &first);
    let b = support::spawn().await;
    let summary = bulk::import(&b.db, &[Source::path(&path)], &Default::default()).await.unwrap();
    assert_eq!(summary.count("partnerships"), 48);
    assert_eq!(export_bytes(&b.db).await, first, "JSON round trip");

    // The demo file is in canonical export form: imported alone and exported with contacts, it
    // comes back byte for byte.
    let d = support::spawn().await;
    bulk::import(&d.db, &sharedtable::network::seed::demo_sources(), &Default::default()).await.unwrap();
    let again = bulk::export_json(&d.db, Vec::new(), true).await.unwrap();
    assert!(again == sharedtable::network::seed::DEMO_JSON, "regenerate data/demo with the example program");

    // The CSV export imports back to the same records too.
    let csv_dir = a.dir().join("csv");
    let written = bulk::export_csv(&a.db, &csv_dir, false).await.unwrap();
    assert_eq!(written.len(), TABLES.len());
    let header = std::fs::read_to_string(csv_dir.join("people.csv")).unwrap();
    assert_eq!(header.lines().next().unwrap(), "id,version,created_at,updated_at,organization_id,partnership_id,full_name,title");
    let c = support::spawn().await;
    // Given in reverse order: files are read parents first.
    let files: Vec<Source> = TABLES.iter().rev().map(|t| Source::path(csv_dir.join(format!("{t}.csv")))).collect();
    bulk::import(&c.db, &files, &Default::default()).await.unwrap();
    assert_eq!(String::from_utf8(export_bytes(&c.db).await).unwrap(), text, "CSV round trip");
}

#[tokio::test]
async fn bad_files_are_reported_by_file_row_and_column_and_write_nothing() {
    let app = support::spawn().await;
    let db = &app.db;
    bulk::load_bundled(db, false).await.unwrap();
    let before = row_counts(db).await;
    let dir = app.dir();
    let header = "name,state,region,sector,convener,launched,status_reported,source_url\n";

    // Malformed CSV: a ragged row, a stray quote, text that is not UTF-8.
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(b"Alpha Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/a\n");
    bytes.extend_from_slice(b"Beta Makers,AZ,Phoenix,Manufacturing\n");
    bytes.extend_from_slice(b"Gamma \"Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/g\n");
    bytes.extend_from_slice(b"Delta Makers,AZ,Phoenix,Manufactur\xE9ng,,,,https://example.org/d\n");
    let f = write(dir, "malformed.csv", &bytes);
    assert_eq!(
        rejected(db, &[f]).await,
        [
            "malformed.csv row 3 column convener: the row has 4 values; the header has 8 columns",
            "malformed.csv row 4 column name: has a quote inside a field that does not start with one (write \"\" inside a quoted field)",
            "malformed.csv row 5 column sector: is not valid UTF-8 text",
        ]
    );

    // Unknown NAICS code and bad county FIPS in the partnerships export layout.
    let csv = "id,version,created_at,updated_at,slug,name,sector_label,naics_codes,region_name,region_counties,region_states,launched,stage,stage_reported,website,source_urls,illustrative\n\
        ,,,,,Alpha Makers,Manufacturing,31-33;999999,Mohave,04015,AZ,2017,,,,https://example.org/a,false\n\
        ,,,,,Beta Makers,Manufacturing,31-33,Mohave,04015;99999,AZ,2017,,,,https://example.org/b,false\n";
    let f = write(dir, "p.csv", csv.as_bytes());
    assert_eq!(
        rejected(db, &[f]).await,
        [
            "p.csv row 2 column naics_codes: '999999' is not a 2022 NAICS code",
            "p.csv row 3 column region_counties: '99999' is not a US county FIPS code",
        ]
    );

    // Duplicate names: with the bundled network and within the file (ignoring case).
    let csv = format!(
        "{header}Tech Talent Denver,CO,Denver,Technology,,,,https://example.org/t\n\
         Omega Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/o\n\
         OMEGA makers,AZ,Tucson,Manufacturing,,,,https://example.org/o2\n"
    );
    let f = write(dir, "dupes.csv", csv.as_bytes());
    assert_eq!(
        rejected(db, &[f]).await,
        ["dupes.csv row 2 column name: another partnership already has this name", "dupes.csv row 4 column name: another partnership already has this name"]
    );

    // Duplicates in the export layout: a name (ignoring case) and an id, found when the batch
    // is written, each still named by its row.
    let csv = "id,slug,name,sector_label,region_name,region_states,source_urls\n\
        0190a000-0000-7000-8000-000000000001,sigma-a,Sigma Makers,Manufacturing,Mohave,AZ,https://example.org/s\n\
        0190a000-0000-7000-8000-000000000002,sigma-b,SIGMA makers,Manufacturing,Mohave,AZ,https://example.org/s\n\
        0190a000-0000-7000-8000-000000000001,sigma-c,Sigma Three,Manufacturing,Mohave,AZ,https://example.org/s\n\
        ,sigma-d,Sigma Four,Manufacturing,Mohave,AZ;ZZ,https://example.org/s\n";
    let f = write(dir, "layout.csv", csv.as_bytes());
    assert_eq!(
        rejected(db, &[f]).await,
        [
            "layout.csv row 3 column name: another partnership already has this name",
            "layout.csv row 4 column id: another partnership already has this id",
            "layout.csv row 5 column region_states: 'ZZ' is not a USPS state code",
        ]
    );

    // An unknown column, and a required column missing.
    let f = write(dir, "wins.csv", b"partnership,year,initiative_kind,title,colour,source_url\nTech Talent Denver,2024,curriculum,T,red,https://example.org/w\n");
    assert_eq!(
        rejected(db, &[f]).await,
        ["wins.csv row 1 column colour: is not a column of network_wins (expected: partnership, year, initiative_kind, title, detail, figures, source_url)"]
    );
    let f = write(dir, "wins2.csv", b"partnership,year,title,source_url\nTech Talent Denver,2024,T,https://example.org/w\n");
    assert_eq!(rejected(db, &[f]).await, ["wins2.csv row 1 column initiative_kind: is a required column and is missing from the header"]);

    // A workbook with a bad row (and a good one, which is not written either).
    let xlsx = dir.join("wins.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["partnership", "year", "initiative_kind", "title", "detail", "figures", "source_url"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows: [(&str, f64, &str, &str); 2] = [
        ("Tech Talent Denver", 2024.0, "curriculum", "Cloud course with employers"),
        ("Tech Talent Denver", 2025.0, "gadgets", "Robots"),
    ];
    for (r, (p, y, k, t)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *p).unwrap();
        ws.write_number(r, 1, *y).unwrap();
        ws.write_string(r, 2, *k).unwrap();
        ws.write_string(r, 3, *t).unwrap();
        ws.write_string(r, 6, "https://example.org/w").unwrap();
    }
    wb.save(&xlsx).unwrap();
    let shown = rejected(db, std::slice::from_ref(&xlsx)).await;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert!(shown[0].starts_with("wins.xlsx row 3 column initiative_kind: 'gadgets' is not one of: curriculum, career_pathway"), "{shown:?}");

    // A good file with a bad one: one transaction, so nothing at all.
    let good = write(dir, "good.csv", format!("{header}Zeta Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/z\n").as_bytes());
    let bad = write(dir, "bad.json", br#"{"format": "sharedtable-export", "version": 1, "wins": [{"title": "x"}]}"#);
    let shown = rejected(db, &[good, bad]).await;
    assert_eq!(shown[0], "bad.json (wins) row 1 column partnership_id: is missing");
    assert_eq!(shown[1], "bad.json (wins) row 1 column initiative_kind: is missing");

    // A file over 1 GiB is refused before it is read (a sparse file: no disk space used).
    let big = dir.join("big.csv");
    std::fs::File::create(&big).unwrap().set_len(sharedtable::network::bulk::MAX_FILE_BYTES + 1).unwrap();
    assert_eq!(
        rejected(db, &[big]).await,
        ["big.csv: is 1073741825 bytes; files over 1 GiB (1073741824 bytes) are refused: split it into smaller files"]
    );

    assert_eq!(row_counts(db).await, before, "nothing was written by any rejected import");

    // The same workbook less its bad row imports, and the year read from a number cell is "2024".
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["partnership", "year", "initiative_kind", "title", "source_url"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Tech Talent Denver").unwrap();
    ws.write_number(1, 1, 2024.0).unwrap();
    ws.write_string(1, 2, "Curriculum").unwrap();
    ws.write_string(1, 3, "Cloud course with employers").unwrap();
    ws.write_string(1, 4, "https://example.org/w").unwrap();
    wb.save(&xlsx).unwrap();
    let summary = bulk::import(db, &[Source::path(&xlsx)], &Default::default()).await.unwrap();
    assert_eq!((summary.count("initiatives"), summary.count("wins")), (1, 1));
    let win = all::<WinFields>(db).await.into_iter().find(|w| w.fields.title == "Cloud course with employers").unwrap();
    assert_eq!(win.fields.achieved.map(|d| d.to_string()).as_deref(), Some("2024"));
    assert_eq!(win.fields.initiative_kind, InitiativeKind::Curriculum);
}

#[tokio::test]
async fn the_cli_reports_a_failed_import_and_exits_non_zero() {
    let dir = support::scratch().await;
    let db_url = dir.url.clone();
    let bad = write(
        dir.dir(),
        "bad.csv",
        b"name,state,region,sector,convener,launched,status_reported,source_url\nAlpha Makers,ZZ,Phoenix,Manufacturing,,2018-13,,https://example.org/a\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .args(["--database-url", &db_url, "import"])
        .arg(&bad)
        .env_remove("SHAREDTABLE_IMPORT_KIND")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let shown = format!("{} row 2 column launched: month 13 is not 1 to 12", bad.display());
    assert!(stderr.contains(&shown), "{stderr}");
    assert!(stderr.contains(&format!("{} row 2 column state: 'ZZ' is not a USPS state code", bad.display())), "{stderr}");
    assert!(stderr.contains("error: nothing was imported: 2 problem(s) found"), "{stderr}");

    // A good file through the CLI, then an export without and with contacts.
    let good = write(
        dir.dir(),
        "good.csv",
        b"name,state,region,sector,convener,launched,status_reported,source_url\nAlpha Makers,AZ,Mohave County,Manufacturing,Alpha Workforce Board,2018-11,Implementing,https://example.org/a\n",
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable")).args(["--database-url", &db_url, "import"]).arg(&good).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Imported 3 rows in one transaction:"), "{stdout}");
    assert!(stdout.contains("good.csv: 1 partnership, 1 organization, 1 membership"), "{stdout}");
    let json = dir.dir().join("out.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .args(["--database-url", &db_url, "export", "--format", "json", "--out"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(v["partnerships"][0]["region_counties"], serde_json::json!(["04015"]));
    assert_eq!(v["partnerships"][0]["stage"], "implementing");
    let csv_dir = dir.dir().join("csv");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .args(["--database-url", &db_url, "export", "--format", "csv", "--out"])
        .arg(&csv_dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let organizations = std::fs::read_to_string(csv_dir.join("organizations.csv")).unwrap();
    assert!(organizations.contains("Alpha Workforce Board,workforce_board"), "{organizations}");
}

#[tokio::test]
async fn demo_loads_once_and_serves() {
    use std::io::{BufRead, BufReader};
    let dir = support::scratch().await;
    let db_url = dir.url.clone();
    let run = || {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
            .args(["--database-url", &db_url, "demo", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = Vec::new();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 {
            lines.push(std::mem::take(&mut line));
            if lines.last().unwrap().contains("is serving on http://127.0.0.1:") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        lines.concat()
    };
    let first = run();
    assert!(first.contains("Loaded the bundled real network: 47 partnerships in 12 states and 24 of their wins"), "{first}");
    assert!(first.contains("data/demo/illustrative-partnership.json (invented, badged \"Illustrative\" everywhere): 1 partnership, 19 organizations"), "{first}");
    assert!(first.contains("is serving on http://127.0.0.1:"), "{first}");
    assert!(first.contains("No one can sign in yet: make the first network admin with\n  echo 'a long pass phrase' | sharedtable admin create --email you@example.org --password-stdin\n"), "{first}");
    let admin = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .args(["--database-url", &db_url, "admin", "create", "--email", "demo@example.org", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(b"a long demo password\n")?;
            c.wait()
        })
        .unwrap();
    assert!(admin.success());
    let second = run();
    assert!(second.starts_with("The database already holds partnerships: nothing was loaded."), "{second}");
    assert!(!second.contains("No one can sign in yet"), "an admin exists: {second}");
}

#[tokio::test]
async fn the_cli_writes_the_impact_report_as_json_markdown_and_html() {
    let dir = support::scratch().await;
    let db_url = dir.url.clone();
    let db = sharedtable::db::connect(&db_url).await.unwrap();
    sharedtable::network::store::bulk::load_bundled(&db, true).await.unwrap();
    let run = |format: &str, extra: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
            .args(["--database-url", &db_url, "report", "--format", format])
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // Illustrative records are left out by default: the real network only.
    let json: serde_json::Value = serde_json::from_str(&run("json", &[])).unwrap();
    assert_eq!(json["partnerships"]["count"], 47);
    assert_eq!(json["states_with_partnerships"], 12);
    assert_eq!(json["wins"]["count"], 24);
    assert_eq!(json["by_state"][0]["usps"], "CO");
    assert_eq!(json["by_state"][0]["partnerships"], 22);
    let with_demo: serde_json::Value = serde_json::from_str(&run("json", &["--include-illustrative"])).unwrap();
    assert_eq!(with_demo["partnerships"]["count"], 48);

    let md = run("md", &["--base-url", "https://table.example.org/"]);
    assert!(md.starts_with("# Impact report"));
    assert!(md.contains("| Colorado | [22](https://table.example.org/partnerships?state=CO) | 46.8% |"), "{md}");

    let out = dir.dir().join("report.html");
    run("html", &["--out", out.to_str().unwrap()]);
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("Lane County Technology Collaborative"));
    assert!(!html.contains("Example Valley"), "illustrative partnership left out");
}

/// Sources name only the convener of most partnerships: their businesses and champions are
/// unknown, not zero, and so is their support team.
#[tokio::test]
async fn a_partnership_known_only_by_its_convener_shows_unknown_not_zero() {
    let app = crate::support::spawn().await;
    crate::support::load_bundled(&app).await;
    let csv = app.client.get(app.url("/partnerships.csv?state=OR&q=Technology")).send().await.unwrap().text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with("Lane County Technology Collaborative,lane-county-technology-collaborative,Lane County (Eugene),OR,Technology,Lane Workforce Partnership,2015,sustaining,Sustaining,,,"),
        "{}",
        lines[1]
    );
    let page = app.client.get(app.url("/partnerships/lane-county-technology-collaborative")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("no support team members are recorded, only the convener or businesses"));
}

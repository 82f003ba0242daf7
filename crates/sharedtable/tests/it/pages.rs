//! The read-side pages: overview, directory and its CSV, partnership page, organizations,
//! impact report. Records are created through the store; pages are fetched over HTTP.

use sharedtable::db::{Db, Id};
use sharedtable::network::model::*;
use sharedtable::network::store::create;
use serde_json::Value;
use sqlx::types::Json;

use crate::support::{spawn, TestApp};

fn d(s: &str) -> PartialDate {
    PartialDate::parse(s).unwrap()
}

#[allow(clippy::too_many_arguments)]
fn partnership(name: &str, state: &str, counties: &[&str], sector: &str, launched: Option<&str>, stage: Option<Stage>, reported: Option<&str>, illustrative: bool) -> PartnershipFields {
    PartnershipFields {
        slug: slugify(name),
        name: name.into(),
        sector_label: sector.into(),
        naics_codes: Json(if sector == "Manufacturing" { vec!["31-33".into()] } else { vec!["62".into()] }),
        region_name: name.split_whitespace().next().unwrap_or(name).into(),
        region_counties: Json(counties.iter().map(|c| c.to_string()).collect()),
        region_states: Json(vec![state.into()]),
        launched: launched.map(d),
        stage,
        stage_reported: reported.map(str::to_string),
        website: None,
        source_urls: Json(vec![format!("https://example.org/{}", slugify(name))]),
        illustrative,
    }
}

fn org(name: &str, kind: OrgKind, state: &str) -> OrganizationFields {
    OrganizationFields {
        name: name.into(),
        kind,
        naics_code: None,
        city: None,
        state: Some(state.into()),
        latitude: None,
        longitude: None,
        employee_count: None,
        website: None,
        illustrative: false,
    }
}

async fn member(db: &Db, p: Id, o: Id, role: MembershipRole) {
    create(db, MembershipFields { partnership_id: p, organization_id: o, role, started: None, ended: None }).await.unwrap();
}

/// Ids of the fixture.
struct Fixture {
    mohave: Id,
    acme: Id,
}

/// Mohave (AZ, manufacturing, fully recorded), Denver (CO, healthcare, little recorded) and an
/// illustrative Nevada partnership.
async fn fixture(db: &Db) -> Fixture {
    let mohave = create(db, partnership("Mohave Manufacturing Partnership", "AZ", &["04015", "04025"], "Manufacturing", Some("2017-05"), Some(Stage::Implementing), Some("Convening"), false))
        .await
        .unwrap()
        .id();
    let denver = create(db, partnership("Denver Healthcare Partnership", "CO", &[], "Healthcare", None, None, Some("Thriving"), false)).await.unwrap().id();
    let invented = create(db, partnership("Invented Logistics Partnership", "NV", &[], "Logistics", Some("2020"), Some(Stage::Exploring), None, true)).await.unwrap().id();

    let acme = create(db, OrganizationFields { city: Some("Kingman".into()), ..org("Acme Metals", OrgKind::Business, "AZ") }).await.unwrap().id();
    let fab = create(db, org("Desert Fab", OrgKind::Business, "AZ")).await.unwrap().id();
    let college = create(db, org("Mohave Community College", OrgKind::CommunityCollege, "AZ")).await.unwrap().id();
    let board = create(db, org("Arizona at Work Mohave", OrgKind::WorkforceBoard, "AZ")).await.unwrap().id();
    let school = create(db, org("Kingman Unified School District", OrgKind::K12, "AZ")).await.unwrap().id();
    let clinic = create(db, org("Front Range Clinic", OrgKind::HealthcareProvider, "CO")).await.unwrap().id();
    let made_up = create(db, OrganizationFields { illustrative: true, ..org("Made Up Freight", OrgKind::Business, "NV") }).await.unwrap().id();

    member(db, mohave, acme, MembershipRole::IndustryChampion).await;
    member(db, mohave, fab, MembershipRole::CoChair).await;
    member(db, mohave, fab, MembershipRole::IndustryMember).await;
    member(db, mohave, college, MembershipRole::SupportTeam).await;
    member(db, mohave, board, MembershipRole::Convener).await;
    member(db, mohave, school, MembershipRole::SupportTeam).await;
    member(db, denver, clinic, MembershipRole::IndustryMember).await;
    member(db, invented, made_up, MembershipRole::IndustryChampion).await;

    create(
        db,
        PersonFields {
            organization_id: acme,
            partnership_id: Some(mohave),
            full_name: "Jane Welder".into(),
            title: Some("Plant manager".into()),
            email: Some("jane@acme.example".into()),
            phone: Some("+1 928 555 0100".into()),
        },
    )
    .await
    .unwrap();

    let launch = create(
        db,
        MeetingFields {
            partnership_id: mohave,
            held_on: chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
            kind: MeetingKind::Launch,
            title: "Launch meeting".into(),
            notes: None,
        },
    )
    .await
    .unwrap()
    .id();
    for o in [acme, fab, college] {
        create(db, AttendanceFields { meeting_id: launch, organization_id: o }).await.unwrap();
    }
    let priority = create(
        db,
        PriorityFields {
            partnership_id: mohave,
            rank: 1,
            title: "Talent pipeline".into(),
            description: None,
            status: PriorityStatus::Active,
            set_at_meeting_id: Some(launch),
        },
    )
    .await
    .unwrap()
    .id();
    let team = create(db, ActionTeamFields { partnership_id: mohave, priority_id: priority, name: "Pipeline team".into(), description: None })
        .await
        .unwrap()
        .id();
    create(db, TeamMemberFields { action_team_id: team, organization_id: acme, role: TeamRole::BusinessLead }).await.unwrap();
    let camp = create(
        db,
        InitiativeFields {
            partnership_id: mohave,
            action_team_id: Some(team),
            title: "Welding camp".into(),
            description: None,
            kind: InitiativeKind::CareerAwareness,
            status: InitiativeStatus::Active,
            started: Some(d("2023-06")),
            ended: None,
        },
    )
    .await
    .unwrap()
    .id();
    create(db, MilestoneFields { initiative_id: camp, title: "Book the shop".into(), due: Some(d("2026-06")), completed: None }).await.unwrap();
    let measure = create(
        db,
        MeasureFields {
            partnership_id: mohave,
            initiative_id: Some(camp),
            name: "Students reached".into(),
            unit: "people".into(),
            direction: Direction::Increase,
            category: MeasureCategory::JobseekersWorkers,
            description: None,
        },
    )
    .await
    .unwrap()
    .id();
    for (period, actual, target) in [("2023", 40.0, 50.0), ("2024", 1265.0, 60.0)] {
        create(
            db,
            ObservationFields {
                measure_id: measure,
                period: d(period),
                actual,
                target: Some(target),
                source_note: Some("camp roster".into()),
                source_url: Some(format!("https://example.org/roster-{period}")),
                illustrative: false,
            },
        )
        .await
        .unwrap();
    }
    create(
        db,
        WinFields {
            partnership_id: mohave,
            initiative_id: Some(camp),
            achieved: Some(d("2024-07")),
            title: "Summer welding camp".into(),
            narrative: Some("Sixty-five students welded their first bead.".into()),
            initiative_kind: InitiativeKind::CareerAwareness,
            figures: Some("students=65; companies=2".into()),
            source_url: Some("https://example.org/camp-news".into()),
            illustrative: false,
        },
    )
    .await
    .unwrap();
    create(
        db,
        WinFields {
            partnership_id: invented,
            initiative_id: None,
            achieved: Some(d("2025")),
            title: "Invented shared dock".into(),
            narrative: None,
            initiative_kind: InitiativeKind::CapacitySharing,
            figures: None,
            source_url: None,
            illustrative: true,
        },
    )
    .await
    .unwrap();
    Fixture { mohave, acme }
}

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let resp = app.client.get(app.url(path)).send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.text().await.unwrap())
}

async fn page(app: &TestApp, path: &str) -> String {
    let (status, body) = get(app, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    assert!(!body.contains(" style="), "GET {path}: inline style attributes break the CSP");
    assert!(!body.contains("jane@acme.example") && !body.contains("555 0100"), "GET {path}: contact details on a page");
    body
}

/// The text of a page's directory table rows: the partnership names in order.
fn directory_names(body: &str) -> Vec<&str> {
    let table = body.split("<tbody>").nth(1).unwrap().split("</tbody>").next().unwrap();
    table
        .split("<tr>")
        .skip(1)
        .filter_map(|row| row.split("\">").nth(1).and_then(|s| s.split("</a>").next()))
        .collect()
}

#[tokio::test]
async fn overview_counts_map_and_latest_wins() {
    let app = spawn().await;
    fixture(&app.db).await;
    let body = page(&app, "/").await;
    assert!(body.contains(r#"<span class="figure">2</span> partnerships"#), "{body}");
    assert!(body.contains(r#"<span class="figure">2</span> states"#));
    // Acme and Desert Fab in Mohave, the clinic in Denver; the illustrative freight firm is left out.
    assert!(body.contains(r#"<span class="figure">3</span> industry organizations engaged"#));
    assert!(body.contains(r#"<span class="figure">1</span> win reported"#));
    assert_eq!(body.matches("<path ").count(), 51);
    assert!(body.contains("<title>Arizona: 1 partnership</title>"));
    assert!(body.contains("<title>Nevada: no partnerships</title>"));
    assert!(body.contains(r#"<a href="/partnerships?state=AZ"><path class="state c0""#));
    assert!(body.contains(r#"<a href="/partnerships?sector=Manufacturing">Manufacturing</a></td><td class="num">1</td>"#));
    assert!(body.contains(r#"<a href="/partnerships?stage=not_recorded">Not recorded</a></td><td class="num">1</td>"#));
    assert!(body.contains("Summer welding camp") && body.contains(r#"<a href="https://example.org/camp-news" rel="external noopener">source</a>"#));
    assert!(!body.contains("Invented"));

    let all = page(&app, "/?include_illustrative=1").await;
    assert!(all.contains(r#"<span class="figure">3</span> partnerships"#));
    assert!(all.contains(r#"<span class="figure">4</span> industry organizations engaged"#));
    assert!(all.contains("Invented shared dock") && all.contains(r#"<span class="badge illustrative">Illustrative</span>"#));
    assert!(all.contains(r#"<a href="/partnerships?state=NV&amp;include_illustrative=1">"#));
    assert!(all.contains(r#"name="include_illustrative" value="1" checked"#));

    let az = page(&app, "/?state=AZ&stage=implementing").await;
    assert!(az.contains(r#"<span class="figure">1</span> partnership</a>"#));
    assert!(az.contains(r#"<option value="AZ" selected>Arizona</option>"#));
}

#[tokio::test]
async fn directory_sorts_filters_pages_and_downloads() {
    let app = spawn().await;
    fixture(&app.db).await;
    let body = page(&app, "/partnerships").await;
    assert_eq!(directory_names(&body), ["Denver Healthcare Partnership", "Mohave Manufacturing Partnership"]);
    // Mohave: convener, launch, stage with the source's own word, 2 businesses, 2 champions, health.
    assert!(body.contains("<td>Arizona at Work Mohave</td>"), "{body}");
    assert!(body.contains("<td>2017-05</td>"));
    assert!(body.contains("Implementing<br><span class=\"note\">the source says \u{201c}Convening\u{201d}</span>"));
    assert!(body.contains(r#"<td class="num">2</td>"#));
    assert!(body.contains(r#"<span class="badge unknown">4 of 5 met, 1 unknown</span>"#), "{body}");
    // Denver: no launch date, no stage, no convener: "not recorded"; 1 business recorded.
    let denver_row = body.split("<tr>").find(|r| r.contains("Denver Healthcare")).unwrap();
    assert_eq!(denver_row.matches(r#"<span class="unknown">not recorded</span>"#).count(), 3, "{denver_row}");
    assert!(denver_row.contains("the source says \u{201c}Thriving\u{201d}, which is not a stage we know"));
    assert!(denver_row.contains("0 of 5 met, 5 unknown"), "{denver_row}");
    // Sorting by clicking headers.
    assert!(body.contains(r#"<th scope="col" aria-sort="ascending"><a href="/partnerships?sort=name&#38;dir=desc">Partnership ▲</a></th>"#));
    let desc = page(&app, "/partnerships?sort=name&dir=desc").await;
    assert_eq!(directory_names(&desc), ["Mohave Manufacturing Partnership", "Denver Healthcare Partnership"]);
    let launched = page(&app, "/partnerships?sort=launched").await;
    assert_eq!(directory_names(&launched), ["Mohave Manufacturing Partnership", "Denver Healthcare Partnership"], "unknown sorts last");
    let launched_desc = page(&app, "/partnerships?sort=launched&dir=desc").await;
    assert_eq!(directory_names(&launched_desc)[0], "Mohave Manufacturing Partnership", "unknown sorts last either way");
    let champions = page(&app, "/partnerships?sort=champions&dir=desc&include_illustrative=1").await;
    assert_eq!(directory_names(&champions), ["Mohave Manufacturing Partnership", "Invented Logistics Partnership", "Denver Healthcare Partnership"]);
    // Filters.
    assert_eq!(directory_names(&page(&app, "/partnerships?state=co").await), ["Denver Healthcare Partnership"]);
    assert_eq!(directory_names(&page(&app, "/partnerships?sector=healthcare").await), ["Denver Healthcare Partnership"]);
    assert_eq!(directory_names(&page(&app, "/partnerships?stage=not_recorded").await), ["Denver Healthcare Partnership"]);
    assert_eq!(directory_names(&page(&app, "/partnerships?q=mohave").await), ["Mohave Manufacturing Partnership"]);
    // Illustrative left out by default, included with the flag and badged.
    assert!(!body.contains("Invented Logistics"));
    let all = page(&app, "/partnerships?include_illustrative=1").await;
    assert_eq!(directory_names(&all).len(), 3);
    assert!(all.contains(r#"Invented Logistics Partnership</a> <span class="badge illustrative">Illustrative</span>"#));
    // Pagination keeps the filters.
    let p1 = page(&app, "/partnerships?include_illustrative=1&per_page=2").await;
    assert_eq!(directory_names(&p1).len(), 2);
    assert!(p1.contains("Showing 1–2 of 3"));
    assert!(p1.contains(r#"<a href="/partnerships?include_illustrative=1&#38;page=2&#38;per_page=2" rel="next">Next page</a>"#), "{p1}");
    let p2 = page(&app, "/partnerships?include_illustrative=1&per_page=2&page=2").await;
    assert_eq!(directory_names(&p2), ["Mohave Manufacturing Partnership"]);
    // Bad input is named.
    let (status, bad) = get(&app, "/partnerships?state=ZZ").await;
    assert_eq!(status, 400);
    assert!(bad.contains("state &#39;ZZ&#39; is not a USPS state code") || bad.contains("state 'ZZ' is not a USPS state code"), "{bad}");
    assert_eq!(get(&app, "/partnerships?sort=color").await.0, 400);
    let (status, twice) = get(&app, "/partnerships?state=AZ&state=CO").await;
    assert_eq!(status, 400);
    assert!(twice.contains("the query string cannot be read: duplicate field"), "{twice}");

    // CSV of the same filtered rows, sorted the same way.
    let resp = app.client.get(app.url("/partnerships.csv?sort=name&dir=desc")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(resp.headers()["content-disposition"].to_str().unwrap().contains("partnerships.csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "name,slug,region,states,sector,conveners,launched,stage,stage_reported,businesses_engaged,champions,health,illustrative");
    assert_eq!(
        lines[1],
        "Mohave Manufacturing Partnership,mohave-manufacturing-partnership,Mohave,AZ,Manufacturing,Arizona at Work Mohave,2017-05,implementing,Convening,2,2,\"4 of 5 met, 1 unknown\",false"
    );
    assert_eq!(lines[2], "Denver Healthcare Partnership,denver-healthcare-partnership,Denver,CO,Healthcare,,,,Thriving,1,0,\"0 of 5 met, 5 unknown\",false");
    assert_eq!(lines.len(), 3);
    let (_, az_csv) = get(&app, "/partnerships.csv?state=AZ").await;
    assert_eq!(az_csv.lines().count(), 2);
}

#[tokio::test]
async fn partnership_page_shows_everything_recorded() {
    let app = spawn().await;
    let f = fixture(&app.db).await;
    let body = page(&app, "/partnerships/mohave-manufacturing-partnership").await;
    assert!(body.contains("<h1>Mohave Manufacturing Partnership</h1>"));
    assert!(body.contains("Mohave County, AZ; Yavapai County, AZ"), "county names from FIPS codes");
    assert!(body.contains("<code>31-33</code> Manufacturing"));
    assert!(body.contains(r#"<a href="https://example.org/mohave-manufacturing-partnership" rel="external noopener">"#));
    assert!(body.contains("Implementing</dd>") || body.contains("Implementing <span class=\"note\">"));
    // Members grouped by kind, with roles.
    assert!(body.contains("<h3>Business (2)</h3>"));
    assert!(body.contains("<h3>Community college (1)</h3>"));
    assert!(body.contains(r#"<span class="role">Co-chair</span>"#) && body.contains(r#"<span class="role">Industry member</span>"#));
    assert!(body.contains(&format!(r#"<a href="/organizations/{}">Acme Metals</a>"#, f.acme)));
    // Meetings: the ratio is computed from attendance.
    assert!(body.contains("<td>2 business : 1 public</td>"), "{body}");
    // Action plan tree.
    assert!(body.contains("Talent pipeline") && body.contains("set at Launch meeting (2024-03-01)"));
    assert!(body.contains("Action team: Pipeline team") && body.contains("Business leads: Acme Metals"));
    assert!(body.contains(r#"<strong>Welding camp</strong> <span class="badge active">Active</span>"#));
    assert!(body.contains("Book the shop") && body.contains("due 2026-06"));
    // Measure chart and its data table.
    assert!(body.contains(r#"<svg role="img" aria-labelledby="chart-"#));
    assert!(body.contains("Students reached: actual and target, 2023 to 2024</title>"));
    assert!(body.contains(r#"<td class="num">1,265</td>"#) && body.contains(r#"<td class="num">60</td>"#));
    assert!(body.contains(r#"<a href="https://example.org/roster-2024" rel="external noopener">camp roster</a>"#));
    // Wins with the linked initiative, figures and source.
    assert!(body.contains("Summer welding camp") && body.contains("<dt>students</dt><dd>65</dd>"));
    assert!(body.contains(">Welding camp</a>") && body.contains("https://example.org/camp-news"));
    // Health check: five indicators with verdicts and reasons.
    assert!(body.contains(r#"<th scope="row">Regional labor market</th><td><span class="badge met">Met</span></td><td>the region spans 2 counties</td>"#));
    assert!(body.contains(r#"<th scope="row">Business-led</th><td><span class="badge unknown">Unknown</span></td>"#));
    assert!(body.contains(r#"<th scope="row">Coordinated support team</th><td><span class="badge met">Met</span></td>"#));
    assert!(body.contains(r#"<th scope="row">Shared, up-to-date action plan</th><td><span class="badge met">Met</span></td>"#));
    // Edit links to the form URLs.
    assert!(body.contains(&format!(r#"href="/partnerships/{}/edit""#, f.mohave)));
    assert!(body.contains(&format!(r#"href="/meetings/new?partnership_id={}""#, f.mohave)));
    // Its contact person, listed by name, title and organization for the partnership's people
    // (here a network admin); `page` checks her email and phone are not there.
    assert!(body.contains("<h2 id=\"h-contacts\">Contact people (1)</h2>"));
    assert!(body.contains("<li>Jane Welder, Plant manager · <a href=\"/organizations/"));
    let anonymous = app.anon.get(app.url("/partnerships/mohave-manufacturing-partnership")).send().await.unwrap().text().await.unwrap();
    assert!(anonymous.contains("Mohave Manufacturing Partnership") && !anonymous.contains("Jane Welder"), "contact people are not shown to visitors");

    let denver = page(&app, "/partnerships/denver-healthcare-partnership").await;
    assert!(denver.contains("<dt>Launched</dt><dd><span class=\"unknown\">not recorded</span></dd>"));
    assert!(denver.contains("<dt>Counties</dt>\n  <dd><span class=\"unknown\">not recorded</span></dd>"));
    assert!(denver.contains("No meetings recorded.") && denver.contains("No wins recorded."));

    let invented = page(&app, "/partnerships/invented-logistics-partnership").await;
    assert!(invented.contains(r#"<h1>Invented Logistics Partnership <span class="badge illustrative">Illustrative</span></h1>"#));
    assert_eq!(get(&app, "/partnerships/no-such-thing").await.0, 404);
}

#[tokio::test]
async fn organizations_list_and_page() {
    let app = spawn().await;
    let f = fixture(&app.db).await;
    let body = page(&app, "/organizations").await;
    assert!(body.contains("Acme Metals") && body.contains("Kingman Unified School District"));
    assert!(!body.contains("Made Up Freight"));
    assert!(body.contains("Showing 1–6 of 6"));
    let biz = page(&app, "/organizations?kind=business").await;
    assert!(biz.contains("Acme Metals") && biz.contains("Desert Fab") && !biz.contains("Mohave Community College"));
    let co = page(&app, "/organizations?state=CO").await;
    assert!(co.contains("Front Range Clinic") && !co.contains("Acme Metals"));
    let search = page(&app, "/organizations?q=fab&include_illustrative=1").await;
    assert!(search.contains("Showing 1 of 1") && search.contains("Desert Fab"));
    let all = page(&app, "/organizations?include_illustrative=1").await;
    assert!(all.contains("Made Up Freight</a> <span class=\"badge illustrative\">Illustrative</span>"));

    let acme = page(&app, &format!("/organizations/{}", f.acme)).await;
    assert!(acme.contains("<h1>Acme Metals</h1>"));
    assert!(acme.contains(r#"<a href="/partnerships/mohave-manufacturing-partnership">Mohave Manufacturing Partnership</a>"#));
    assert!(acme.contains("<td>Industry champion</td>"));
    assert!(acme.contains("<td>Pipeline team</td>") && acme.contains("<td>Business lead</td>"));
    assert!(acme.contains("Kingman, AZ"));
    assert!(acme.contains("<dt>Employees</dt><dd><span class=\"unknown\">not recorded</span></dd>"));
    assert_eq!(get(&app, "/organizations/not-an-id").await.0, 404);
    assert_eq!(get(&app, &format!("/organizations/{}", Id::new())).await.0, 404);
}

#[tokio::test]
async fn impact_report_links_every_figure() {
    let app = spawn().await;
    fixture(&app.db).await;
    let body = page(&app, "/report").await;
    assert!(body.contains(r#"<a class="card" href="/partnerships"><span class="figure">2</span> partnerships</a>"#), "{body}");
    assert!(body.contains(r#"<tr><td>Arizona</td><td class="num"><a href="/partnerships?state=AZ">1</a></td><td class="num">50.0%</td></tr>"#), "{body}");
    assert!(body.contains("<h3>Career awareness (1)</h3>"));
    assert!(body.contains(r#"<a href="https://example.org/camp-news" rel="external noopener">source</a>"#));
    assert!(body.contains("1 measure, 1 with values; total of latest values: <strong>1,265 people</strong>"));
    assert!(body.contains(r#"<td><a href="/partnerships/mohave-manufacturing-partnership">Mohave Manufacturing Partnership</a></td>"#));
    assert!(!body.contains("Invented"));
    let all = page(&app, "/report?include_illustrative=1").await;
    assert!(all.contains("Invented shared dock") && all.contains(r#"href="/partnerships?state=NV&amp;include_illustrative=1""#));

    // The same report for the CLI and API: JSON, Markdown and a standalone page.
    let r = sharedtable::network::load_report(&app.db, false).await.unwrap();
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["partnerships"]["count"], 2);
    assert_eq!(json["by_state"][0]["href"], "/partnerships?state=AZ");
    assert_eq!(json["measures"][0]["total"], 1265.0);
    let md = sharedtable::network::report::to_markdown(&r);
    assert!(md.contains("| Arizona | [1](/partnerships?state=AZ) | 50.0% |"), "{md}");
    let html = sharedtable::network::report_html(&r).unwrap();
    assert!(html.starts_with("<!doctype html>") && html.contains("<style>") && html.contains("<h1>Impact report</h1>"));
    assert!(!html.contains(r#"<nav aria-label="Main">"#));
}

#[tokio::test]
async fn illustrative_observations_of_a_real_partnership_stay_out_of_the_default_report() {
    let app = spawn().await;
    let f = fixture(&app.db).await;
    let students: Id = sharedtable::db::query_scalar(&app.db, "SELECT id FROM measures WHERE name = 'Students reached'").fetch_one(&app.db).await.unwrap();
    let invented = |measure_id: Id, period: &str, actual: f64| ObservationFields {
        measure_id,
        period: d(period),
        actual,
        target: None,
        source_note: Some("invented example".into()),
        source_url: Some("https://example.org/invented".into()),
        illustrative: true,
    };
    // A later, larger invented value of a measure that has real ones, and a measure whose only
    // value is invented.
    create(&app.db, invented(students, "2025", 9000.0)).await.unwrap();
    let savings = create(
        &app.db,
        MeasureFields {
            partnership_id: f.mohave,
            initiative_id: None,
            name: "Freight cost saved".into(),
            unit: "USD".into(),
            direction: Direction::Increase,
            category: MeasureCategory::EmployersIndustry,
            description: None,
        },
    )
    .await
    .unwrap()
    .id();
    create(&app.db, invented(savings, "2026-03-02", 4321.0)).await.unwrap();

    // Default: the latest real value (2024, 1,265) and no value for the invented-only measure.
    let r = sharedtable::network::load_report(&app.db, false).await.unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let group = |unit: &str| json["measures"].as_array().unwrap().iter().find(|m| m["unit"] == unit).unwrap().clone();
    assert_eq!((group("people")["total"].as_f64(), group("people")["with_values"].as_u64()), (Some(1265.0), Some(1)));
    assert_eq!(group("people")["contributions"][0]["period"], "2024");
    assert_eq!(group("people")["contributions"][0]["illustrative"], false);
    let usd = group("USD");
    assert_eq!((usd["with_values"].as_u64(), usd["total"].clone()), (Some(0), Value::Null));
    assert_eq!((usd["contributions"][0]["value"].clone(), usd["contributions"][0]["period"].clone()), (Value::Null, Value::Null));
    let md = sharedtable::network::report::to_markdown(&r);
    assert!(!md.contains("9,000") && !md.contains("4,321") && !md.contains("example.org/invented"), "{md}");
    let body = page(&app, "/report").await;
    assert!(body.contains("1 measure, 1 with values; total of latest values: <strong>1,265 people</strong>"), "{body}");
    assert!(!body.contains("9,000") && !body.contains("4,321") && !body.contains(r#"<span class="badge illustrative">"#), "{body}");

    // Asked for: the invented values are the latest, badged.
    let r = sharedtable::network::load_report(&app.db, true).await.unwrap();
    let json = serde_json::to_value(&r).unwrap();
    let people = json["measures"].as_array().unwrap().iter().find(|m| m["unit"] == "people").unwrap().clone();
    assert_eq!((people["total"].as_f64(), people["contributions"][0]["illustrative"].as_bool()), (Some(9000.0), Some(true)));
    assert!(sharedtable::network::report::to_markdown(&r).contains("| 2025 | 9,000 *Illustrative* |"));
    let all = page(&app, "/report?include_illustrative=1").await;
    assert!(all.contains(r#"<td class="num">9,000 <span class="badge illustrative">Illustrative</span></td>"#), "{all}");
    assert!(all.contains(r#"<td class="num">4,321 <span class="badge illustrative">Illustrative</span></td>"#), "{all}");

    // The real partnership's page lists them badged and charts only the reported values.
    let body = page(&app, "/partnerships/mohave-manufacturing-partnership").await;
    assert!(body.contains(r#"<td class="num">9,000 <span class="badge illustrative">Illustrative</span></td>"#), "{body}");
    assert!(body.contains(r#"<td class="num">1,265</td>"#));
    assert!(body.contains("Students reached: actual and target, 2023 to 2024</title>"), "the invented 2025 value is not charted");
    assert!(body.contains("1 value is an invented example: badged in the table, left out of the chart and of network figures."), "{body}");
    assert!(body.contains("1 value is an invented example: badged in the table, left out of any chart and of network figures."), "{body}");
    // The API filters them.
    let listed: Value = app.client.get(app.url("/api/v1/observations?illustrative=true")).send().await.unwrap().json().await.unwrap();
    let actuals: Vec<f64> = listed["items"].as_array().unwrap().iter().map(|o| o["actual"].as_f64().unwrap()).collect();
    assert_eq!(actuals.len(), 2, "{listed}");
    assert!(actuals.contains(&9000.0) && actuals.contains(&4321.0));
}

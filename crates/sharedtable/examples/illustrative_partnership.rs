//! Writes `data/demo/illustrative-partnership.json`: one invented, clearly labelled sector
//! partnership with a complete record, in the export format, so every page shows what a full
//! shared table looks like. Every partnership, organization, observation and win is
//! `illustrative: true`; the names read as invented ("Example Valley ...", "Sample Ridge ..."),
//! contact details use example.org addresses and 555-01xx telephone numbers (reserved for
//! fiction). The region is real (Yakima, Kittitas and Benton counties, Washington) and the towns
//! are geocoded with the bundled GeoNames gazetteer, so maps place it correctly.
//!
//! The record: members of every organization kind in every membership role; a launch meeting where
//! the industry champions set four priorities; quarterly partnership meetings over three years
//! (2024 to 2026) whose attendance puts businesses ahead of public partners except once in 2024;
//! an action team per priority with a business lead and support partners; initiatives of several
//! kinds and statuses with milestones; five measures, one in each NGA category, with observations
//! and targets for 2024, 2025 and 2026; wins linked to initiatives and to the observations that
//! evidence them. Initiatives are last updated on fixed dates: those of the first two priorities
//! within the 180 days before 2026-11-30, those of the career-awareness priority earlier, so the
//! health check shows a real mix (an action plan that is not wholly up to date).
//!
//! Ids are fixed (`01890000-TTTT-7000-8000-NNNNNNNNNNNN`, table number and sequence), so running
//! it again gives the same bytes:
//!
//! ```sh
//! cargo run --example illustrative_partnership -- data/demo/illustrative-partnership.json
//! ```

use std::fs::File;
use std::io::BufWriter;

use chrono::{DateTime, NaiveDate, Utc};
use sharedtable::codes;
use sharedtable::db::Id;
use sharedtable::network::bulk::JsonExportWriter;
use sharedtable::network::model::*;
use sqlx::types::Json;

/// A fixed id: table number and sequence number.
fn id(table: u16, n: u64) -> Id {
    format!("01890000-{table:04x}-7000-8000-{n:012x}").parse().expect("valid uuid")
}

/// 17:00 UTC (mid-morning in Washington) on a day written YYYY-MM-DD.
fn ts(day: &str) -> DateTime<Utc> {
    NaiveDate::parse_from_str(day, "%Y-%m-%d").expect("date").and_hms_opt(17, 0, 0).expect("time").and_utc()
}

fn date(s: &str) -> PartialDate {
    PartialDate::parse(s).expect("partial date")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

/// Records of one table, numbered in order.
struct Table<F> {
    number: u16,
    records: Vec<Record<F>>,
}

impl<F> Table<F> {
    fn new(number: u16) -> Self {
        Table { number, records: Vec::new() }
    }
    /// Add a record created on `created` and last updated on `updated`; returns its id.
    fn add(&mut self, created: &str, updated: &str, fields: F) -> Id {
        // A record edited since it was created is at version 2.
        let version = if updated == created { 1 } else { 2 };
        let meta = Meta { id: id(self.number, self.records.len() as u64 + 1), version, created_at: ts(created), updated_at: ts(updated) };
        let rid = meta.id;
        self.records.push(Record { meta, fields });
        rid
    }
}

const NOTE: &str = "Illustrative figure: invented to show what a complete record looks like.";

fn main() -> std::io::Result<()> {
    let out = std::env::args().nth(1).unwrap_or_else(|| "data/demo/illustrative-partnership.json".into());

    let mut partnerships = Table::<PartnershipFields>::new(1);
    let p = partnerships.add(
        "2023-11-06",
        "2026-10-15",
        PartnershipFields {
            slug: "example-valley-advanced-manufacturing-partnership".into(),
            name: "Example Valley Advanced Manufacturing Partnership".into(),
            sector_label: "Advanced Manufacturing".into(),
            naics_codes: Json(vec!["332".into(), "333".into(), "336".into()]),
            region_name: "Example Valley (Yakima, Kittitas and Benton counties)".into(),
            region_counties: Json(vec!["53005".into(), "53037".into(), "53077".into()]),
            region_states: Json(vec!["WA".into()]),
            launched: Some(date("2024-01-18")),
            stage: Some(Stage::Implementing),
            stage_reported: Some("Implementing".into()),
            website: Some("https://example.org/example-valley-manufacturing".into()),
            source_urls: Json(vec![]),
            illustrative: true,
        },
    );

    // Organizations: (name, kind, NAICS, town, employees, membership role, membership end).
    type Org = (&'static str, OrgKind, Option<&'static str>, &'static str, Option<i64>, MembershipRole, Option<&'static str>);
    let orgs: &[Org] = &[
        ("Example Valley Precision Machining", OrgKind::Business, Some("332710"), "Yakima", Some(85), MembershipRole::CoChair, None),
        ("Sample Ridge Fabrication", OrgKind::Business, Some("332312"), "Selah", Some(60), MembershipRole::IndustryChampion, None),
        ("Placeholder Orchard Equipment Co.", OrgKind::Business, Some("333111"), "Sunnyside", Some(140), MembershipRole::CoChair, None),
        ("Demo Creek Aerospace Components", OrgKind::Business, Some("336413"), "Ellensburg", Some(210), MembershipRole::IndustryChampion, None),
        ("Specimen Hydraulics", OrgKind::Business, Some("333995"), "Kennewick", Some(95), MembershipRole::IndustryMember, None),
        ("Mockup Packaging Machines", OrgKind::Business, Some("333993"), "Richland", Some(45), MembershipRole::IndustryMember, None),
        ("Illustration Castings", OrgKind::Business, Some("331523"), "Prosser", Some(70), MembershipRole::IndustryMember, Some("2025-12")),
        ("Template Trailer Works", OrgKind::Business, Some("336212"), "Grandview", Some(120), MembershipRole::IndustryMember, None),
        ("Example Valley Manufacturers Council", OrgKind::IndustryAssociation, None, "Yakima", Some(3), MembershipRole::IndustryMember, None),
        ("Sample Valley Occupational Health Clinic", OrgKind::HealthcareProvider, Some("621111"), "Yakima", Some(40), MembershipRole::SupportTeam, None),
        ("Example Valley Workforce Development Council", OrgKind::WorkforceBoard, None, "Kennewick", None, MembershipRole::Convener, None),
        ("Example Valley Economic Development Alliance", OrgKind::EconomicDevelopment, None, "Yakima", None, MembershipRole::Convener, None),
        ("Example Valley Community College", OrgKind::CommunityCollege, None, "Yakima", None, MembershipRole::SupportTeam, None),
        ("Example Valley Technical University", OrgKind::University, None, "Ellensburg", None, MembershipRole::SupportTeam, None),
        ("Example Valley School District", OrgKind::K12, None, "Yakima", None, MembershipRole::SupportTeam, None),
        ("Example Valley Chamber of Commerce", OrgKind::Chamber, None, "Selah", None, MembershipRole::SupportTeam, None),
        ("Sample Valley Opportunity Center", OrgKind::CommunityOrg, None, "Toppenish", None, MembershipRole::SupportTeam, None),
        ("Example Valley Council of Governments", OrgKind::Government, None, "Yakima", None, MembershipRole::SupportTeam, None),
        ("Example Valley Community Foundation", OrgKind::Other, None, "Yakima", None, MembershipRole::SupportTeam, None),
    ];
    let mut organizations = Table::<OrganizationFields>::new(2);
    let mut memberships = Table::<MembershipFields>::new(3);
    let mut org_ids = Vec::new();
    for (name, kind, naics, town, employees, role, ended) in orgs {
        let place = codes::geocode(town, "WA").expect("town in the gazetteer");
        let oid = organizations.add(
            "2023-11-06",
            "2023-11-06",
            OrganizationFields {
                name: name.to_string(),
                kind: *kind,
                naics_code: naics.map(str::to_string),
                city: Some(town.to_string()),
                state: Some("WA".into()),
                latitude: Some(place.latitude),
                longitude: Some(place.longitude),
                employee_count: *employees,
                website: Some(format!("https://example.org/{}", slugify(name))),
                illustrative: true,
            },
        );
        org_ids.push(oid);
        memberships.add(
            "2024-01-18",
            ended.map(|_| "2025-12-15").unwrap_or("2024-01-18"),
            MembershipFields { partnership_id: p, organization_id: oid, role: *role, started: Some(date("2024-01")), ended: ended.map(date) },
        );
    }
    // The workforce council also sits on the support team, and a co-chair's firm is a member.
    memberships.add(
        "2024-01-18",
        "2024-01-18",
        MembershipFields { partnership_id: p, organization_id: org_ids[10], role: MembershipRole::SupportTeam, started: Some(date("2024-01")), ended: None },
    );
    memberships.add(
        "2024-01-18",
        "2024-01-18",
        MembershipFields { partnership_id: p, organization_id: org_ids[0], role: MembershipRole::IndustryMember, started: Some(date("2024-01")), ended: None },
    );
    let o = |i: usize| org_ids[i];

    let mut people = Table::<PersonFields>::new(4);
    let contacts: &[(usize, &str, &str)] = &[
        (0, "Alex Example", "President, co-chair"),
        (2, "Jordan Sample", "Plant manager, co-chair"),
        (1, "Casey Placeholder", "Owner"),
        (3, "Riley Demo", "Director of operations"),
        (10, "Morgan Specimen", "Sector strategies manager (convener)"),
        (11, "Taylor Mockup", "Business retention manager"),
        (12, "Jamie Template", "Dean of workforce education"),
        (14, "Drew Illustration", "Career and technical education director"),
    ];
    for (n, (org, name, title)) in contacts.iter().enumerate() {
        let local = name.to_lowercase().replace(' ', ".");
        people.add(
            "2024-01-18",
            "2024-01-18",
            PersonFields {
                organization_id: o(*org),
                partnership_id: Some(p),
                full_name: name.to_string(),
                title: Some(title.to_string()),
                email: Some(format!("{local}@example.org")),
                phone: Some(format!("509-555-01{:02}", 10 + n)),
            },
        );
    }

    // Meetings: the launch, then quarterly partnership meetings, and two action team meetings.
    // Attendance by organization index; businesses are 0..=7 (8 is the industry association, 9 the
    // clinic), public partners 10..=17 (18 is the foundation, kind other).
    let mut meetings = Table::<MeetingFields>::new(5);
    let mut attendance = Table::<AttendanceFields>::new(6);
    type Meet = (&'static str, MeetingKind, &'static str, &'static str, &'static [usize]);
    let schedule: &[Meet] = &[
        ("2024-01-18", MeetingKind::Launch, "Launch meeting", "Business leaders named four priorities: machinist and welder pipeline, automation skills, career awareness, shared freight. Champions volunteered to lead action teams.", &[0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 14, 15]),
        ("2024-04-18", MeetingKind::Partnership, "Spring partnership meeting", "Action teams reported their first plans.", &[0, 1, 2, 3, 5, 7, 10, 11, 12]),
        ("2024-07-18", MeetingKind::Partnership, "Summer partnership meeting", "Harvest season: few businesses could attend.", &[0, 2, 4, 7, 10, 11, 12, 14]),
        ("2024-10-17", MeetingKind::Partnership, "Fall partnership meeting", "Manufacturing Day debrief; freight pilot agreed.", &[0, 1, 2, 3, 4, 6, 7, 10, 12, 15]),
        ("2025-01-16", MeetingKind::Partnership, "Winter partnership meeting", "Apprenticeship standards approved by the employers.", &[0, 1, 2, 3, 4, 5, 10, 11, 12]),
        ("2025-03-05", MeetingKind::ActionTeam, "Automation skills action team", "Lab equipment list agreed.", &[2, 3, 4, 12, 13]),
        ("2025-04-17", MeetingKind::Partnership, "Spring partnership meeting", "Freight pilot results shared.", &[0, 1, 2, 3, 6, 7, 8, 10, 12, 16]),
        ("2025-07-17", MeetingKind::Partnership, "Summer partnership meeting", "Welding certificate relaunch reviewed.", &[0, 1, 2, 4, 5, 7, 10, 12]),
        ("2025-10-16", MeetingKind::Partnership, "Fall partnership meeting", "First apprentice cohort welcomed.", &[0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 14]),
        ("2026-01-15", MeetingKind::Partnership, "Winter partnership meeting", "Priorities reviewed; freight priority marked achieved.", &[0, 1, 2, 3, 4, 7, 8, 10, 12, 17]),
        ("2026-04-16", MeetingKind::Partnership, "Spring partnership meeting", "Robotics lab opened at the college.", &[0, 1, 2, 3, 5, 7, 10, 11, 12, 13]),
        ("2026-06-10", MeetingKind::ActionTeam, "Talent pipeline action team", "Career pathway map drafted.", &[0, 1, 7, 10, 12]),
        ("2026-07-16", MeetingKind::Partnership, "Summer partnership meeting", "Career awareness team asks for new business volunteers.", &[0, 1, 2, 3, 4, 5, 10, 12, 18]),
        ("2026-10-15", MeetingKind::Partnership, "Fall partnership meeting", "Second apprentice cohort; maintenance course restart discussed.", &[0, 1, 2, 3, 4, 5, 7, 8, 10, 11, 12]),
    ];
    let mut meeting_ids = Vec::new();
    for (held, kind, title, notes, who) in schedule {
        let mid = meetings.add(
            held,
            held,
            MeetingFields { partnership_id: p, held_on: day(held), kind: *kind, title: title.to_string(), notes: Some(notes.to_string()) },
        );
        meeting_ids.push(mid);
        for i in *who {
            attendance.add(held, held, AttendanceFields { meeting_id: mid, organization_id: o(*i) });
        }
    }
    let launch = meeting_ids[0];

    let mut priorities = Table::<PriorityFields>::new(7);
    let prio: &[(&str, &str, PriorityStatus, &str)] = &[
        ("Grow the pipeline of machinists and welders", "Member firms cannot fill machinist, welder and CNC operator openings.", PriorityStatus::Active, "2024-01-18"),
        ("Upskill current workers in automation and maintenance", "New equipment needs maintenance technicians who can work with PLCs and robots.", PriorityStatus::Active, "2024-01-18"),
        ("Make manufacturing careers visible to students and families", "Students and parents in the valley rarely see inside a plant.", PriorityStatus::Active, "2024-01-18"),
        ("Share freight to cut shipping costs", "Small shippers pay full truckload rates for part loads to the Puget Sound.", PriorityStatus::Achieved, "2026-01-15"),
    ];
    let mut priority_ids = Vec::new();
    for (rank, (title, desc, status, updated)) in prio.iter().enumerate() {
        priority_ids.push(priorities.add(
            "2024-01-18",
            updated,
            PriorityFields {
                partnership_id: p,
                rank: rank as i64 + 1,
                title: title.to_string(),
                description: Some(desc.to_string()),
                status: *status,
                set_at_meeting_id: Some(launch),
            },
        ));
    }

    let mut teams = Table::<ActionTeamFields>::new(8);
    let mut team_members = Table::<TeamMemberFields>::new(9);
    // (name, priority, business lead, support partners, members)
    type Team = (&'static str, usize, usize, &'static [usize], &'static [usize]);
    let team_list: &[Team] = &[
        ("Talent pipeline action team", 0, 0, &[12, 10, 14], &[1, 7]),
        ("Automation skills action team", 1, 2, &[12, 13], &[3, 4]),
        ("Career awareness action team", 2, 1, &[14, 15, 16], &[5]),
        ("Shared logistics action team", 3, 7, &[11, 17], &[6, 4]),
    ];
    let mut team_ids = Vec::new();
    for (name, pr, lead, support, members) in team_list {
        let tid = teams.add(
            "2024-02-01",
            "2024-02-01",
            ActionTeamFields {
                partnership_id: p,
                priority_id: priority_ids[*pr],
                name: name.to_string(),
                description: Some(format!("Business-led team working on \"{}\".", prio[*pr].0)),
            },
        );
        team_ids.push(tid);
        team_members.add("2024-02-01", "2024-02-01", TeamMemberFields { action_team_id: tid, organization_id: o(*lead), role: TeamRole::BusinessLead });
        for s in *support {
            team_members.add("2024-02-01", "2024-02-01", TeamMemberFields { action_team_id: tid, organization_id: o(*s), role: TeamRole::SupportPartner });
        }
        for m in *members {
            team_members.add("2024-02-01", "2024-02-01", TeamMemberFields { action_team_id: tid, organization_id: o(*m), role: TeamRole::Member });
        }
    }

    // Initiatives: (team, title, description, kind, status, started, ended, created, updated, milestones)
    type Mile = (&'static str, &'static str, Option<&'static str>);
    type Init = (usize, &'static str, &'static str, InitiativeKind, InitiativeStatus, &'static str, Option<&'static str>, &'static str, &'static str, &'static [Mile]);
    let init_list: &[Init] = &[
        (0, "Multi-employer machinist apprenticeship", "A registered apprenticeship shared by five member firms, with related instruction at the community college.", InitiativeKind::Apprenticeship, InitiativeStatus::Active, "2024-09", None, "2024-09-03", "2026-10-20",
            &[("Standards approved by the state apprenticeship council", "2025-03", Some("2025-02-20")), ("First cohort starts", "2025-09", Some("2025-09-08")), ("Second cohort starts", "2026-09", Some("2026-09-14")), ("First journeyworkers complete", "2028-09", None)]),
        (0, "Welding certificate redesigned with employers", "Employers rewrote the lab sequence of the college's welding certificate.", InitiativeKind::Curriculum, InitiativeStatus::Completed, "2024-05", Some("2025-06"), "2024-05-02", "2025-06-30",
            &[("Employer review of the lab sequence", "2024-09", Some("2024-09-26")), ("Relaunched certificate enrolls students", "2025-06", Some("2025-06-16"))]),
        (0, "Career pathway map from high school to machinist", "One map of the courses, certificates and jobs from high school to journeyworker machinist.", InitiativeKind::CareerPathway, InitiativeStatus::Active, "2025-09", None, "2025-09-10", "2026-11-12",
            &[("Draft map reviewed by the action team", "2026-06", Some("2026-06-10")), ("Map printed for school counselors", "2027-01", None)]),
        (1, "Shared PLC and robotics training lab", "Member firms lent equipment for a lab at the college open to all their workers.", InitiativeKind::SharedTraining, InitiativeStatus::Active, "2025-02", None, "2025-02-10", "2026-09-10",
            &[("Equipment list agreed", "2025-03", Some("2025-03-05")), ("Lab opens", "2026-04", Some("2026-04-02")), ("First 40 workers trained", "2027-03", None)]),
        (1, "Maintenance technician course for current workers", "An evening course for incumbent maintenance staff; paused when the instructor left.", InitiativeKind::IncumbentWorkerTraining, InitiativeStatus::Stalled, "2025-05", None, "2025-05-12", "2026-02-12",
            &[("First evening cohort", "2025-09", Some("2025-09-22")), ("Replacement instructor hired", "2026-03", None)]),
        (2, "Manufacturing Day tours for middle schools", "Each October, member plants host middle-school classes.", InitiativeKind::CareerAwareness, InitiativeStatus::Active, "2024-10", None, "2024-08-15", "2026-03-20",
            &[("Tours in 2024", "2024-10", Some("2024-10-04")), ("Tours in 2025", "2025-10", Some("2025-10-03")), ("Tours in 2026", "2026-10", None)]),
        (2, "Teacher externships in member plants", "Summer externships for science and math teachers.", InitiativeKind::WorkBasedLearning, InitiativeStatus::Proposed, "2026", None, "2025-11-05", "2025-11-05",
            &[("Host plants recruited", "2026-05", None)]),
        (3, "Shared less-than-truckload freight to the Puget Sound", "Four members pool part loads into shared weekly trucks.", InitiativeKind::BusinessToBusiness, InitiativeStatus::Completed, "2024-06", Some("2025-03"), "2024-06-05", "2025-03-31",
            &[("Carrier contract signed", "2024-11", Some("2024-11-12")), ("Three months of shared loads", "2025-03", Some("2025-03-28"))]),
    ];
    let mut initiatives = Table::<InitiativeFields>::new(10);
    let mut milestones = Table::<MilestoneFields>::new(11);
    let mut init_ids = Vec::new();
    for (team, title, desc, kind, status, started, ended, created, updated, miles) in init_list {
        let iid = initiatives.add(
            created,
            updated,
            InitiativeFields {
                partnership_id: p,
                action_team_id: Some(team_ids[*team]),
                title: title.to_string(),
                description: Some(desc.to_string()),
                kind: *kind,
                status: *status,
                started: Some(date(started)),
                ended: ended.map(date),
            },
        );
        init_ids.push(iid);
        for (mt, due, done) in *miles {
            let when = done.unwrap_or(created);
            milestones.add(
                created,
                if done.is_some() { when } else { created },
                MilestoneFields { initiative_id: iid, title: mt.to_string(), due: Some(date(due)), completed: done.map(date) },
            );
        }
    }

    // Measures, one per NGA category, with three years of observations: (actual, target).
    type Measure = (Option<usize>, &'static str, &'static str, Direction, MeasureCategory, &'static str, [(f64, f64); 3]);
    let measure_list: &[Measure] = &[
        (Some(0), "Apprentices enrolled", "people", Direction::Increase, MeasureCategory::JobseekersWorkers, "Apprentices enrolled in the machinist apprenticeship at year end.", [(0.0, 0.0), (11.0, 12.0), (19.0, 18.0)]),
        (None, "Member firms with hard-to-fill machinist openings", "companies", Direction::Decrease, MeasureCategory::EmployersIndustry, "Member firms reporting machinist openings unfilled for 90 days or more in the annual survey.", [(7.0, 7.0), (6.0, 5.0), (4.0, 4.0)]),
        (Some(5), "Students reached by plant tours", "students", Direction::Increase, MeasureCategory::Community, "Middle-school students who toured a member plant.", [(220.0, 200.0), (410.0, 400.0), (380.0, 500.0)]),
        (None, "Meetings led by business", "percent", Direction::Increase, MeasureCategory::PartnershipEffectiveness, "Share of partnership meetings where businesses outnumbered public partners.", [(75.0, 100.0), (100.0, 100.0), (100.0, 100.0)]),
        (Some(1), "College courses redesigned with employers", "courses", Direction::Increase, MeasureCategory::SystemsChange, "Courses of the college's manufacturing programs rewritten with employer input (cumulative).", [(2.0, 2.0), (5.0, 4.0), (6.0, 6.0)]),
    ];
    let mut measures = Table::<MeasureFields>::new(12);
    let mut observations = Table::<ObservationFields>::new(13);
    let mut obs_ids: Vec<[Id; 3]> = Vec::new();
    for (init, name, unit, direction, category, desc, values) in measure_list {
        let mid = measures.add(
            "2024-02-01",
            "2024-02-01",
            MeasureFields {
                partnership_id: p,
                initiative_id: init.map(|i| init_ids[i]),
                name: name.to_string(),
                unit: unit.to_string(),
                direction: *direction,
                category: *category,
                description: Some(desc.to_string()),
            },
        );
        let mut ids = [Id::nil(); 3];
        for (k, (actual, target)) in values.iter().enumerate() {
            let year = 2024 + k;
            let recorded = if year == 2026 { "2026-11-16".to_string() } else { format!("{}-01-20", year + 1) };
            ids[k] = observations.add(
                &recorded,
                &recorded,
                ObservationFields {
                    measure_id: mid,
                    period: date(&year.to_string()),
                    actual: *actual,
                    target: Some(*target),
                    source_note: Some(NOTE.into()),
                    source_url: None,
                    illustrative: true,
                },
            );
        }
        obs_ids.push(ids);
    }

    // Wins: (initiative, achieved, title, narrative, figures, evidence (measure, year index)).
    type WinRow = (usize, &'static str, &'static str, &'static str, &'static str, &'static [(usize, usize)]);
    let win_list: &[WinRow] = &[
        (7, "2025-03", "Shared freight cut member shipping costs", "Four members shipped part loads together for three months and kept the arrangement.", "companies=4;savings_usd=38000", &[]),
        (1, "2025-06", "Welding certificate relaunched with employer-designed labs", "The college's welding certificate reopened with labs the employers wrote.", "courses_redesigned=5", &[(4, 1)]),
        (0, "2025-09", "First cohort of multi-employer machinist apprentices", "Eleven apprentices started with five employers sharing one set of standards.", "apprentices=11;employers=5", &[(0, 1)]),
        (5, "2025-10", "Plant tours reached 410 middle-school students", "Member plants hosted classes from six schools.", "students_reached=410;plants=7", &[(2, 1)]),
        (3, "2026-04", "Robotics training lab opened at the college", "Equipment lent by member firms now trains workers of every member.", "firms_lending_equipment=4", &[]),
    ];
    let mut wins = Table::<WinFields>::new(14);
    let mut win_obs = Table::<WinObservationFields>::new(15);
    for (init, achieved, title, narrative, figures, evidence) in win_list {
        let created = format!("{achieved}-28");
        let wid = wins.add(
            &created,
            &created,
            WinFields {
                partnership_id: p,
                initiative_id: Some(init_ids[*init]),
                achieved: Some(date(achieved)),
                title: title.to_string(),
                narrative: Some(format!("{narrative} (Illustrative: invented to show a complete record.)")),
                initiative_kind: init_list[*init].3,
                figures: Some(figures.to_string()),
                source_url: None,
                illustrative: true,
            },
        );
        for (m, k) in *evidence {
            win_obs.add(&created, &created, WinObservationFields { win_id: wid, observation_id: obs_ids[*m][*k] });
        }
    }

    let file = BufWriter::new(File::create(&out)?);
    let mut w = JsonExportWriter::new(file, true)?;
    w.table(&partnerships.records)?;
    w.table(&organizations.records)?;
    w.table(&memberships.records)?;
    w.table(&people.records)?;
    w.table(&meetings.records)?;
    w.table(&attendance.records)?;
    w.table(&priorities.records)?;
    w.table(&teams.records)?;
    w.table(&team_members.records)?;
    w.table(&initiatives.records)?;
    w.table(&milestones.records)?;
    w.table(&measures.records)?;
    w.table(&observations.records)?;
    w.table(&wins.records)?;
    w.table(&win_obs.records)?;
    w.finish()?;
    eprintln!("wrote {out}");
    Ok(())
}

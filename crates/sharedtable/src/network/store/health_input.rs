//! The facts the health check ([`crate::network::health`]) reads about one partnership.

use chrono::{DateTime, NaiveDate, Utc};

use super::get;
use crate::db::{Db, Id};
use crate::network::health::{HealthInput, MeetingFacts, PriorityFacts, TeamFacts};
use crate::network::model::{MembershipRole, OrgKind, PartialDate, PartnershipFields, PriorityStatus};
use crate::web::Error;

/// Load everything the health check needs about partnership `id`, as of `today`.
///
/// Memberships are the current ones: no end date, or an end date whose earliest possible day
/// is after `today`. A meeting's champions present are the attending organizations that are
/// the partnership's industry champions or co-chairs. An initiative counts as updated on the
/// day its record was last changed. Errors: `NotFound` for an unknown partnership.
pub async fn load(db: &Db, id: Id, today: NaiveDate) -> Result<HealthInput, Error> {
    let p = get::<PartnershipFields>(db, id).await?;

    let memberships: Vec<(MembershipRole, OrgKind, Option<PartialDate>)> = sqlx::query_as(
        "SELECT m.role, o.kind, m.ended FROM memberships m JOIN organizations o ON o.id = m.organization_id WHERE m.partnership_id = ?",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let memberships = memberships.into_iter().filter(|(_, _, ended)| ended.as_ref().is_none_or(|e| e.first_day() > today)).map(|(r, k, _)| (r, k)).collect();

    let meetings: Vec<(Id, NaiveDate)> = sqlx::query_as("SELECT id, held_on FROM meetings WHERE partnership_id = ? ORDER BY held_on, id").bind(id).fetch_all(db).await?;
    let attendance: Vec<(Id, OrgKind, bool)> = sqlx::query_as(
        "SELECT a.meeting_id, o.kind, EXISTS (SELECT 1 FROM memberships c WHERE c.partnership_id = mt.partnership_id \
           AND c.organization_id = a.organization_id AND c.role IN ('industry_champion', 'co_chair')) \
         FROM meeting_attendance a JOIN meetings mt ON mt.id = a.meeting_id JOIN organizations o ON o.id = a.organization_id \
         WHERE mt.partnership_id = ?",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let meetings = meetings
        .into_iter()
        .map(|(mid, held_on)| {
            let here: Vec<&(Id, OrgKind, bool)> = attendance.iter().filter(|(m, _, _)| *m == mid).collect();
            MeetingFacts {
                id: mid,
                held_on,
                attendee_kinds: here.iter().map(|(_, k, _)| *k).collect(),
                champions_present: here.iter().filter(|(_, _, champion)| *champion).count(),
            }
        })
        .collect();

    let priorities: Vec<(Id, String, PriorityStatus, Option<Id>)> =
        sqlx::query_as("SELECT id, title, status, set_at_meeting_id FROM priorities WHERE partnership_id = ? ORDER BY rank, id").bind(id).fetch_all(db).await?;
    let teams: Vec<(Id, Id, String)> =
        sqlx::query_as("SELECT id, priority_id, name FROM action_teams WHERE partnership_id = ? ORDER BY name, id").bind(id).fetch_all(db).await?;
    let leads: Vec<(Id, OrgKind)> = sqlx::query_as(
        "SELECT tm.action_team_id, o.kind FROM action_team_members tm JOIN action_teams t ON t.id = tm.action_team_id \
         JOIN organizations o ON o.id = tm.organization_id WHERE t.partnership_id = ? AND tm.role = 'business_lead'",
    )
    .bind(id)
    .fetch_all(db)
    .await?;
    let updates: Vec<(Id, DateTime<Utc>)> =
        sqlx::query_as("SELECT action_team_id, updated_at FROM initiatives WHERE partnership_id = ? AND action_team_id IS NOT NULL").bind(id).fetch_all(db).await?;
    let priorities = priorities
        .into_iter()
        .map(|(pid, title, status, set_at_meeting)| PriorityFacts {
            title,
            status,
            set_at_meeting,
            teams: teams
                .iter()
                .filter(|(_, prio, _)| *prio == pid)
                .map(|(tid, _, name)| TeamFacts {
                    name: name.clone(),
                    business_lead_kinds: leads.iter().filter(|(t, _)| t == tid).map(|(_, k)| *k).collect(),
                    initiative_updates: updates.iter().filter(|(t, _)| t == tid).map(|(_, at)| at.date_naive()).collect(),
                })
                .collect(),
        })
        .collect();

    Ok(HealthInput {
        region_name: p.fields.region_name,
        region_counties: p.fields.region_counties.0,
        region_states: p.fields.region_states.0,
        memberships,
        meetings,
        priorities,
        today,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db;
    use crate::network::model::*;
    use crate::network::store::create;
    use sqlx::types::Json;

    #[tokio::test]
    async fn loads_current_members_attendance_champions_and_plans() {
        let db = db::connect("sqlite::memory:").await.unwrap();
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
        let input = load(&db, p.id(), today).await.unwrap();
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
        assert!(matches!(load(&db, Id::new(), today).await, Err(Error::NotFound(_))));
    }
}

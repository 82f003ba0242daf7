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

//! The Next Gen health check: five indicators of a sector partnership, each met, not met or
//! unknown, with the reason in words. Pure: it takes plain data and reads no database.
//!
//! Source of the indicators: the Next Gen Sector Partnership Training Manual's "five
//! characteristics of a Next Gen sector partnership" (regional labor market; business-led;
//! industry-identified solutions; coordinated support team; shared action plan). The thresholds
//! are Shared Table's reading of them, stated with each check below.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{MembershipRole, OrgKind, PriorityStatus};
use crate::db::Id;

/// Result of one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    NotMet,
    Unknown,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "Met",
            Verdict::NotMet => "Not met",
            Verdict::Unknown => "Unknown",
        }
    }
    /// CSS class of the badge.
    pub fn css(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::NotMet => "not-met",
            Verdict::Unknown => "unknown",
        }
    }
}

/// One indicator's result, with the reason in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Indicator {
    /// Stable key: `regional_labor_market`, `business_led`, `industry_identified_priorities`,
    /// `coordinated_support_team`, `shared_action_plan`.
    pub key: &'static str,
    pub name: &'static str,
    pub verdict: Verdict,
    pub reason: String,
}

/// A meeting with the kinds of the organizations that attended.
#[derive(Debug, Clone)]
pub struct MeetingFacts {
    pub id: Id,
    pub held_on: NaiveDate,
    pub attendee_kinds: Vec<OrgKind>,
    /// How many attending organizations are the partnership's industry champions or co-chairs.
    pub champions_present: usize,
}

/// A priority with where it was set.
#[derive(Debug, Clone)]
pub struct PriorityFacts {
    pub title: String,
    pub status: PriorityStatus,
    pub set_at_meeting: Option<Id>,
    pub teams: Vec<TeamFacts>,
}

/// An action team of a priority.
#[derive(Debug, Clone)]
pub struct TeamFacts {
    pub name: String,
    /// Kinds of its business leads.
    pub business_lead_kinds: Vec<OrgKind>,
    /// When each of its initiatives was last updated.
    pub initiative_updates: Vec<NaiveDate>,
}

/// Everything the health check reads about one partnership.
#[derive(Debug, Clone)]
pub struct HealthInput {
    pub region_name: String,
    pub region_counties: Vec<String>,
    pub region_states: Vec<String>,
    /// (role, kind) of each current membership.
    pub memberships: Vec<(MembershipRole, OrgKind)>,
    pub meetings: Vec<MeetingFacts>,
    pub priorities: Vec<PriorityFacts>,
    /// The day the check is made (an action plan is up to date if touched in the 180 days before).
    pub today: NaiveDate,
}

/// Days within which an initiative must have been updated for the action plan to count as up to
/// date.
pub const PLAN_FRESH_DAYS: i64 = 180;
/// Distinct kinds of public partner a coordinated support team needs.
pub const SUPPORT_KINDS_NEEDED: usize = 3;
/// Number of most recent meetings checked for business leadership.
pub const MEETINGS_CHECKED: usize = 3;

/// Words in a region name that mark it as a multi-jurisdiction region even when its counties are
/// not recorded.
const MULTI_JURISDICTION_WORDS: &[&str] = &["counties", "region", "valley", "metro", "statewide", "county and", "area", " and "];

/// Run the five checks.
pub fn check(input: &HealthInput) -> Vec<Indicator> {
    vec![regional(input), business_led(input), industry_priorities(input), support_team(input), action_plan(input)]
}

/// A compact summary of a health check for lists, e.g. "3 of 5 met, 2 unknown".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, ToSchema)]
pub struct HealthSummary {
    pub met: usize,
    pub not_met: usize,
    pub unknown: usize,
}

impl HealthSummary {
    /// Count the verdicts of a check.
    pub fn of(indicators: &[Indicator]) -> HealthSummary {
        let mut s = HealthSummary::default();
        for i in indicators {
            match i.verdict {
                Verdict::Met => s.met += 1,
                Verdict::NotMet => s.not_met += 1,
                Verdict::Unknown => s.unknown += 1,
            }
        }
        s
    }
    /// Number of indicators checked.
    pub fn total(&self) -> usize {
        self.met + self.not_met + self.unknown
    }
    /// In words: "3 of 5 met, 1 not met, 1 unknown" (parts that are zero are left out, except
    /// the met count).
    pub fn text(&self) -> String {
        let mut s = format!("{} of {} met", self.met, self.total());
        if self.not_met > 0 {
            s.push_str(&format!(", {} not met", self.not_met));
        }
        if self.unknown > 0 {
            s.push_str(&format!(", {} unknown", self.unknown));
        }
        s
    }
    /// The verdict class of the summary as a whole: met when all are met, not met when any is
    /// not met, else unknown.
    pub fn overall(&self) -> Verdict {
        if self.not_met > 0 {
            Verdict::NotMet
        } else if self.unknown > 0 || self.met == 0 {
            Verdict::Unknown
        } else {
            Verdict::Met
        }
    }
}

fn regional(i: &HealthInput) -> Indicator {
    let (verdict, reason) = if i.region_counties.len() > 1 {
        (Verdict::Met, format!("the region spans {} counties", i.region_counties.len()))
    } else if i.region_states.len() > 1 {
        (Verdict::Met, format!("the region spans {} states", i.region_states.len()))
    } else if let Some(w) = MULTI_JURISDICTION_WORDS.iter().find(|w| i.region_name.to_lowercase().contains(*w)) {
        (Verdict::Met, format!("\"{}\" names a multi-jurisdiction region (\"{}\")", i.region_name, w.trim()))
    } else if i.region_counties.len() == 1 {
        (Verdict::NotMet, "the region is a single county; a labor market region usually spans several".to_string())
    } else {
        (Verdict::Unknown, format!("the counties of \"{}\" are not recorded", i.region_name))
    };
    Indicator { key: "regional_labor_market", name: "Regional labor market", verdict, reason }
}

fn business_led(i: &HealthInput) -> Indicator {
    let mut meetings: Vec<&MeetingFacts> = i.meetings.iter().filter(|m| !m.attendee_kinds.is_empty()).collect();
    meetings.sort_by_key(|m| std::cmp::Reverse(m.held_on));
    meetings.truncate(MEETINGS_CHECKED);
    let (verdict, reason) = if meetings.is_empty() {
        (Verdict::Unknown, "no meeting attendance is recorded".to_string())
    } else {
        let counts: Vec<(NaiveDate, usize, usize)> = meetings
            .iter()
            .map(|m| {
                let biz = m.attendee_kinds.iter().filter(|k| k.is_industry()).count();
                let public = m.attendee_kinds.iter().filter(|k| k.is_public_partner()).count();
                (m.held_on, biz, public)
            })
            .collect();
        let detail = counts.iter().map(|(d, b, p)| format!("{d}: {b} business to {p} public")).collect::<Vec<_>>().join("; ");
        if let Some((d, b, p)) = counts.iter().find(|(_, b, p)| b <= p) {
            let others: Vec<String> =
                counts.iter().filter(|(day, _, _)| day != d).map(|(day, b, p)| format!("{day}: {b} business to {p} public")).collect();
            let rest = if others.is_empty() { String::new() } else { format!("; other recent meetings: {}", others.join("; ")) };
            (Verdict::NotMet, format!("businesses did not outnumber public partners on {d} ({b} to {p}){rest}"))
        } else if counts.len() < MEETINGS_CHECKED {
            (Verdict::Unknown, format!("only {} meeting(s) with attendance recorded, {MEETINGS_CHECKED} needed; {detail}", counts.len()))
        } else {
            (Verdict::Met, format!("businesses outnumbered public partners at the last {MEETINGS_CHECKED} meetings; {detail}"))
        }
    };
    Indicator { key: "business_led", name: "Business-led", verdict, reason }
}

fn industry_priorities(i: &HealthInput) -> Indicator {
    let (verdict, reason) = if i.priorities.is_empty() {
        (Verdict::Unknown, "no priorities are recorded".to_string())
    } else {
        let mut unknown = 0;
        let mut without = Vec::new();
        for p in &i.priorities {
            match p.set_at_meeting.and_then(|id| i.meetings.iter().find(|m| m.id == id)) {
                None => unknown += 1,
                Some(m) if m.champions_present == 0 => without.push(p.title.as_str()),
                Some(_) => {}
            }
        }
        if !without.is_empty() {
            (Verdict::NotMet, format!("set with no industry champion present: {}", without.join(", ")))
        } else if unknown > 0 {
            (Verdict::Unknown, format!("{unknown} of {} priorities do not record the meeting where they were set", i.priorities.len()))
        } else {
            (Verdict::Met, format!("all {} priorities were set at meetings with industry champions present", i.priorities.len()))
        }
    };
    Indicator { key: "industry_identified_priorities", name: "Industry-identified priorities", verdict, reason }
}

fn support_team(i: &HealthInput) -> Indicator {
    let mut kinds: Vec<OrgKind> = i
        .memberships
        .iter()
        .filter(|(role, kind)| matches!(role, MembershipRole::SupportTeam | MembershipRole::Convener) && kind.is_public_partner())
        .map(|(_, k)| *k)
        .collect();
    kinds.sort();
    kinds.dedup();
    let names = kinds.iter().map(|k| k.label().to_lowercase()).collect::<Vec<_>>().join(", ");
    let support_recorded = i.memberships.iter().any(|(role, _)| *role == MembershipRole::SupportTeam);
    let (verdict, reason) = if i.memberships.is_empty() {
        (Verdict::Unknown, "no members are recorded".to_string())
    } else if kinds.len() >= SUPPORT_KINDS_NEEDED {
        (Verdict::Met, format!("{} kinds of public partner: {names}", kinds.len()))
    } else if !support_recorded {
        // Only the convener (or only businesses) recorded: the support team is unknown, not absent.
        (Verdict::Unknown, "no support team members are recorded, only the convener or businesses".to_string())
    } else if kinds.is_empty() {
        (Verdict::NotMet, format!("no public partners on the support team; {SUPPORT_KINDS_NEEDED} kinds needed"))
    } else {
        (Verdict::NotMet, format!("{} kind(s) of public partner ({names}); {SUPPORT_KINDS_NEEDED} needed", kinds.len()))
    };
    Indicator { key: "coordinated_support_team", name: "Coordinated support team", verdict, reason }
}

fn action_plan(i: &HealthInput) -> Indicator {
    let active: Vec<&PriorityFacts> = i.priorities.iter().filter(|p| p.status == PriorityStatus::Active).collect();
    let (verdict, reason) = if active.is_empty() {
        (Verdict::Unknown, "no active priorities are recorded".to_string())
    } else {
        let cutoff = i.today - chrono::Duration::days(PLAN_FRESH_DAYS);
        let mut gaps = Vec::new();
        for p in &active {
            if p.teams.is_empty() {
                gaps.push(format!("\"{}\" has no action team", p.title));
            } else if !p.teams.iter().any(|t| t.business_lead_kinds.iter().any(|k| k.is_industry())) {
                gaps.push(format!("\"{}\" has no action team with a business lead", p.title));
            } else if !p.teams.iter().flat_map(|t| &t.initiative_updates).any(|d| *d >= cutoff) {
                gaps.push(format!("\"{}\" has no initiative updated since {cutoff}", p.title));
            }
        }
        if gaps.is_empty() {
            (Verdict::Met, format!("each of {} active priorities has a business-led action team and an initiative updated in the last {PLAN_FRESH_DAYS} days", active.len()))
        } else {
            (Verdict::NotMet, gaps.join("; "))
        }
    };
    Indicator { key: "shared_action_plan", name: "Shared, up-to-date action plan", verdict, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn empty() -> HealthInput {
        HealthInput {
            region_name: "Kingman".into(),
            region_counties: vec![],
            region_states: vec!["AZ".into()],
            memberships: vec![],
            meetings: vec![],
            priorities: vec![],
            today: d("2026-11-30"),
        }
    }

    #[test]
    fn summary_counts_verdicts_in_words() {
        let mut i = empty();
        i.region_counties = vec!["04015".into(), "04025".into()];
        i.memberships = vec![(MembershipRole::SupportTeam, OrgKind::K12)];
        let s = HealthSummary::of(&check(&i));
        assert_eq!((s.met, s.not_met, s.unknown), (1, 1, 3));
        assert_eq!(s.text(), "1 of 5 met, 1 not met, 3 unknown");
        assert_eq!(s.overall(), Verdict::NotMet);
        assert_eq!(HealthSummary { met: 5, not_met: 0, unknown: 0 }.text(), "5 of 5 met");
    }

    #[test]
    fn nothing_recorded_is_unknown_not_failed() {
        let r = check(&empty());
        assert_eq!(r.len(), 5);
        assert!(r.iter().all(|i| i.verdict == Verdict::Unknown), "{r:#?}");
        assert_eq!(r[0].reason, "the counties of \"Kingman\" are not recorded");
    }

    #[test]
    fn region() {
        let mut i = empty();
        i.region_counties = vec!["04015".into()];
        assert_eq!(regional(&i).verdict, Verdict::NotMet);
        i.region_counties.push("04025".into());
        assert_eq!(regional(&i).verdict, Verdict::Met);
        assert_eq!(regional(&i).reason, "the region spans 2 counties");
        let mut i = empty();
        i.region_name = "Brunswick, Columbus, New Hanover and Pender counties".into();
        assert_eq!(regional(&i).verdict, Verdict::Met);
    }

    fn meeting(day: &str, kinds: &[OrgKind], champions: usize) -> MeetingFacts {
        MeetingFacts { id: Id::new(), held_on: d(day), attendee_kinds: kinds.to_vec(), champions_present: champions }
    }

    #[test]
    fn business_led_reads_the_last_three_meetings() {
        use OrgKind::*;
        let mut i = empty();
        i.meetings = vec![
            meeting("2024-01-10", &[Business, K12, CommunityCollege, WorkforceBoard], 1), // old, public-heavy
            meeting("2025-01-10", &[Business, Business, K12], 1),
            meeting("2025-06-10", &[Business, Business, HealthcareProvider, Chamber], 1),
        ];
        let r = business_led(&i);
        assert_eq!(r.verdict, Verdict::NotMet, "{r:?}");
        assert!(r.reason.contains("2024-01-10 (1 to 3)"), "{}", r.reason);
        i.meetings.push(meeting("2025-09-01", &[Business, Business, WorkforceBoard], 2));
        let r = business_led(&i);
        assert_eq!(r.verdict, Verdict::Met, "{r:?}");
        assert!(r.reason.contains("2025-06-10: 3 business to 1 public"), "{}", r.reason);
    }

    #[test]
    fn priorities_need_champions_present() {
        let mut i = empty();
        let launch = meeting("2024-03-01", &[OrgKind::Business], 2);
        let staff = meeting("2024-04-01", &[OrgKind::WorkforceBoard], 0);
        let p = |t: &str, m: Option<Id>| PriorityFacts { title: t.into(), status: PriorityStatus::Active, set_at_meeting: m, teams: vec![] };
        i.priorities = vec![p("Talent pipeline", Some(launch.id))];
        i.meetings = vec![launch.clone(), staff.clone()];
        assert_eq!(industry_priorities(&i).verdict, Verdict::Met);
        i.priorities.push(p("Housing", None));
        assert_eq!(industry_priorities(&i).verdict, Verdict::Unknown);
        i.priorities.push(p("Transit", Some(staff.id)));
        let r = industry_priorities(&i);
        assert_eq!(r.verdict, Verdict::NotMet);
        assert_eq!(r.reason, "set with no industry champion present: Transit");
    }

    #[test]
    fn support_team_counts_distinct_public_kinds() {
        use MembershipRole::*;
        use OrgKind::*;
        let mut i = empty();
        i.memberships = vec![(SupportTeam, K12), (SupportTeam, K12), (Convener, WorkforceBoard), (IndustryChampion, Business)];
        let r = support_team(&i);
        assert_eq!(r.verdict, Verdict::NotMet);
        assert_eq!(r.reason, "2 kind(s) of public partner (k-12 education, workforce board); 3 needed");
        i.memberships.push((SupportTeam, CommunityCollege));
        assert_eq!(support_team(&i).verdict, Verdict::Met);
        // Only the convener recorded (as for most partnerships known from public sources): unknown.
        i.memberships = vec![(Convener, WorkforceBoard)];
        let r = support_team(&i);
        assert_eq!(r.verdict, Verdict::Unknown);
        assert_eq!(r.reason, "no support team members are recorded, only the convener or businesses");
    }

    #[test]
    fn action_plan_needs_business_lead_and_recent_update() {
        let mut i = empty();
        let team = |kinds: Vec<OrgKind>, updated: &str| TeamFacts { name: "T".into(), business_lead_kinds: kinds, initiative_updates: vec![d(updated)] };
        i.priorities = vec![PriorityFacts {
            title: "Pipeline".into(),
            status: PriorityStatus::Active,
            set_at_meeting: None,
            teams: vec![team(vec![OrgKind::Business], "2026-10-01")],
        }];
        assert_eq!(action_plan(&i).verdict, Verdict::Met);
        i.priorities[0].teams = vec![team(vec![OrgKind::Business], "2026-01-01")];
        let r = action_plan(&i);
        assert_eq!(r.verdict, Verdict::NotMet);
        assert_eq!(r.reason, "\"Pipeline\" has no initiative updated since 2026-06-03");
        i.priorities[0].teams = vec![team(vec![], "2026-10-01")];
        assert!(action_plan(&i).reason.contains("no action team with a business lead"));
        i.priorities[0].status = PriorityStatus::Achieved;
        assert_eq!(action_plan(&i).verdict, Verdict::Unknown);
    }
}

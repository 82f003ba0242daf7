//! Domain types of the network module, in the field's own terms (see the glossary in the
//! README): partnerships, organizations, memberships, people, meetings, priorities, action
//! teams, initiatives, milestones, measures, observations and wins. Types and validation only,
//! no I/O.
//!
//! Every record is `Record<F>`: the stored metadata (`id`, `version`, timestamps) plus `F`, the
//! fields a person edits. Creating or updating takes only `F`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use utoipa::ToSchema;
use crate::db::Id;

use crate::codes;
use crate::web::FieldErrors;

/// Defines a closed list of snake_case words stored as TEXT, with a human label for each.
macro_rules! word_list {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => ($word:literal, $label:literal)),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }
        // Stored as its word (TEXT) on every backend.
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo { <str as sqlx::Type<sqlx::Any>>::type_info() }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool { <str as sqlx::Type<sqlx::Any>>::compatible(ty) }
        }
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let word = <&str as sqlx::Decode<sqlx::Any>>::decode(value)?;
                Self::parse(word).ok_or_else(|| format!("stored '{word}' is not one of {}", Self::expected()).into())
            }
        }
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(&self, buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Any>>::encode(self.as_str(), buf)
            }
        }
        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stored and API word, e.g. `industry_champion`.
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $word),+ } }
            /// The words people read on a page.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// Parse the stored word; `None` for anything else.
            pub fn parse(word: &str) -> Option<Self> {
                match word { $($word => Some($name::$variant),)+ _ => None }
            }
            /// The accepted words joined by ", ", for error messages.
            pub fn expected() -> String { Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ") }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.label()) }
        }
    };
}

word_list! {
    /// Stage of a partnership's life. How the words partnerships use map onto it:
    /// Lane County's "Planning" -> `launching` (preparing the launch meeting) and "Sustaining" ->
    /// `sustaining`; Pennsylvania's "Convening" -> `launching` and "Implementing" -> `implementing`;
    /// "Exploring"/"Preparing" -> `exploring`; "Dormant"/"Inactive"/"Ended" -> `inactive`
    /// (see [`Stage::from_reported`]).
    Stage {
        Exploring => ("exploring", "Exploring"),
        Launching => ("launching", "Launching"),
        Implementing => ("implementing", "Implementing"),
        Sustaining => ("sustaining", "Sustaining"),
        Inactive => ("inactive", "Inactive"),
    }
}

impl Stage {
    /// Map a status word a source uses onto a stage; `None` when the word is not one we know,
    /// so an unknown word stays unknown rather than being guessed.
    pub fn from_reported(word: &str) -> Option<Stage> {
        match word.trim().to_lowercase().as_str() {
            "exploring" | "preparing" | "exploration" => Some(Stage::Exploring),
            "planning" | "convening" | "launching" | "launched" => Some(Stage::Launching),
            "implementing" | "implementation" | "active" => Some(Stage::Implementing),
            "sustaining" | "sustained" => Some(Stage::Sustaining),
            "inactive" | "dormant" | "ended" => Some(Stage::Inactive),
            _ => None,
        }
    }
}

word_list! {
    /// Kind of organization. Businesses lead; the other kinds are public partners (the support team)
    /// except `industry_association`, which counts with business, and `other`.
    OrgKind {
        Business => ("business", "Business"),
        K12 => ("k12", "K-12 education"),
        CommunityCollege => ("community_college", "Community college"),
        University => ("university", "University"),
        WorkforceBoard => ("workforce_board", "Workforce board"),
        EconomicDevelopment => ("economic_development", "Economic development"),
        Chamber => ("chamber", "Chamber of commerce"),
        IndustryAssociation => ("industry_association", "Industry association"),
        CommunityOrg => ("community_org", "Community organization"),
        Government => ("government", "Government"),
        HealthcareProvider => ("healthcare_provider", "Healthcare provider"),
        Other => ("other", "Other"),
    }
}

impl OrgKind {
    /// Does this kind count as industry (business side) in the business-led ratio? Healthcare
    /// providers are the employers of a healthcare partnership, so they count as industry.
    pub fn is_industry(self) -> bool {
        matches!(self, OrgKind::Business | OrgKind::IndustryAssociation | OrgKind::HealthcareProvider)
    }
    /// Does this kind count as a public partner of the support team?
    pub fn is_public_partner(self) -> bool {
        matches!(
            self,
            OrgKind::K12
                | OrgKind::CommunityCollege
                | OrgKind::University
                | OrgKind::WorkforceBoard
                | OrgKind::EconomicDevelopment
                | OrgKind::Chamber
                | OrgKind::CommunityOrg
                | OrgKind::Government
        )
    }
    /// Infer the kind of a convener from the words of its name as a source gives it; `Other` when
    /// no rule applies. Rules, first match wins: "workforce" -> workforce board; "chamber" ->
    /// chamber; "college" -> community college; "university" -> university; "school district" ->
    /// K-12; "economic development" -> economic development; "association"/"council"/"alliance" ->
    /// industry association; "health education center" -> community organization.
    pub fn infer_from_name(name: &str) -> OrgKind {
        let n = name.to_lowercase();
        let rules: &[(&str, OrgKind)] = &[
            ("workforce", OrgKind::WorkforceBoard),
            ("chamber", OrgKind::Chamber),
            ("college", OrgKind::CommunityCollege),
            ("university", OrgKind::University),
            ("school district", OrgKind::K12),
            ("economic development", OrgKind::EconomicDevelopment),
            ("health education center", OrgKind::CommunityOrg),
            ("association", OrgKind::IndustryAssociation),
            ("council", OrgKind::IndustryAssociation),
            ("alliance", OrgKind::IndustryAssociation),
        ];
        rules.iter().find(|(w, _)| n.contains(w)).map(|(_, k)| *k).unwrap_or(OrgKind::Other)
    }
}

word_list! {
    /// Role of an organization in a partnership.
    MembershipRole {
        IndustryMember => ("industry_member", "Industry member"),
        IndustryChampion => ("industry_champion", "Industry champion"),
        CoChair => ("co_chair", "Co-chair"),
        Convener => ("convener", "Convener"),
        SupportTeam => ("support_team", "Support team"),
    }
}

word_list! {
    /// Kind of meeting.
    MeetingKind {
        Launch => ("launch", "Launch meeting"),
        Partnership => ("partnership", "Partnership meeting"),
        ActionTeam => ("action_team", "Action team meeting"),
        Other => ("other", "Other"),
    }
}

word_list! {
    /// Status of a priority.
    PriorityStatus {
        Active => ("active", "Active"),
        Achieved => ("achieved", "Achieved"),
        Paused => ("paused", "Paused"),
        Dropped => ("dropped", "Dropped"),
    }
}

word_list! {
    /// Role of an organization on an action team. A business lead must be a business.
    TeamRole {
        BusinessLead => ("business_lead", "Business lead"),
        SupportPartner => ("support_partner", "Support partner"),
        Member => ("member", "Member"),
    }
}

word_list! {
    /// Kind of initiative (and of a win), after the Next Gen impact categories.
    InitiativeKind {
        Curriculum => ("curriculum", "Curriculum"),
        CareerPathway => ("career_pathway", "Career pathway"),
        CareerAwareness => ("career_awareness", "Career awareness"),
        WorkBasedLearning => ("work_based_learning", "Work-based learning"),
        Apprenticeship => ("apprenticeship", "Apprenticeship"),
        SharedTraining => ("shared_training", "Shared training"),
        InfrastructurePolicy => ("infrastructure_policy", "Infrastructure and policy"),
        BusinessToBusiness => ("business_to_business", "Business to business"),
        CapacitySharing => ("capacity_sharing", "Capacity sharing"),
        RecruitmentRetention => ("recruitment_retention", "Recruitment and retention"),
        IncumbentWorkerTraining => ("incumbent_worker_training", "Incumbent worker training"),
        Other => ("other", "Other"),
    }
}

word_list! {
    /// Status of an initiative.
    InitiativeStatus {
        Proposed => ("proposed", "Proposed"),
        Active => ("active", "Active"),
        Completed => ("completed", "Completed"),
        Stalled => ("stalled", "Stalled"),
    }
}

word_list! {
    /// Which way is better for a measure.
    Direction {
        Increase => ("increase", "Higher is better"),
        Decrease => ("decrease", "Lower is better"),
    }
}

word_list! {
    /// Measure categories of the NGA sector partnership framework.
    MeasureCategory {
        JobseekersWorkers => ("jobseekers_workers", "Jobseekers and workers"),
        EmployersIndustry => ("employers_industry", "Employers and industry"),
        Community => ("community", "Community"),
        PartnershipEffectiveness => ("partnership_effectiveness", "Partnership effectiveness"),
        SystemsChange => ("systems_change", "Systems change"),
    }
}

/// A date a person typed, kept at the precision they gave: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`
/// (ISO 8601 reduced precision). Compared as text, which orders correctly within a precision.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[sqlx(transparent)]
#[schema(value_type = String, example = "2018-05")]
pub struct PartialDate(String);

impl PartialDate {
    /// Parse `YYYY`, `YYYY-MM` or `YYYY-MM-DD` (years 1900 to 2100). Errors say what was expected.
    pub fn parse(s: &str) -> Result<PartialDate, String> {
        let s = s.trim();
        let bad = || format!("'{s}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD");
        let parts: Vec<&str> = s.split('-').collect();
        let year: i32 = match parts.first() {
            Some(y) if y.len() == 4 => y.parse().map_err(|_| bad())?,
            _ => return Err(bad()),
        };
        if !(1900..=2100).contains(&year) {
            return Err(format!("year {year} is outside 1900 to 2100"));
        }
        match parts.len() {
            1 => {}
            2 => {
                let m: u32 = if parts[1].len() == 2 { parts[1].parse().map_err(|_| bad())? } else { return Err(bad()) };
                if !(1..=12).contains(&m) {
                    return Err(format!("month {m} is not 1 to 12"));
                }
            }
            3 => {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a calendar date"))?;
                if parts[1].len() != 2 || parts[2].len() != 2 {
                    return Err(bad());
                }
            }
            _ => return Err(bad()),
        }
        Ok(PartialDate(s.to_string()))
    }
    /// The text form, e.g. `2018-05`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The year.
    pub fn year(&self) -> i32 {
        self.0[..4].parse().unwrap_or(0)
    }
    /// The earliest day this date can mean (1 January for a year, the 1st for a month).
    pub fn first_day(&self) -> NaiveDate {
        let mut parts = self.0.split('-').map(|p| p.parse::<u32>().unwrap_or(1));
        let y = parts.next().unwrap_or(1900) as i32;
        let m = parts.next().unwrap_or(1);
        let d = parts.next().unwrap_or(1);
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }
    /// A date of day precision.
    pub fn from_date(d: NaiveDate) -> PartialDate {
        PartialDate(d.format("%Y-%m-%d").to_string())
    }
}

impl TryFrom<String> for PartialDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PartialDate::parse(&s)
    }
}
impl From<PartialDate> for String {
    fn from(d: PartialDate) -> String {
        d.0
    }
}
impl std::fmt::Display for PartialDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The stored part of every record. `version` starts at 1 and grows by one on each update; it is
/// the record's HTTP ETag (`"<version>"`). Timestamps are UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct Meta {
    pub id: Id,
    pub version: i64,
    #[sqlx(try_from = "crate::db::DbText")]
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "crate::db::DbText")]
    pub updated_at: DateTime<Utc>,
}

/// A stored record: metadata plus the editable fields `F`, serialized flat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Record<F> {
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub meta: Meta,
    #[serde(flatten)]
    #[sqlx(flatten)]
    pub fields: F,
}

impl<F> Record<F> {
    /// The record's id.
    pub fn id(&self) -> Id {
        self.meta.id
    }
}

/// A sector partnership: businesses of one industry in one labor market region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct PartnershipFields {
    /// URL name, lowercase letters, digits and hyphens; unique.
    pub slug: String,
    /// Unique (ignoring case).
    #[serde(deserialize_with = "trimmed")]
    pub name: String,
    /// The sector as the partnership names it, e.g. "Manufacturing".
    #[serde(deserialize_with = "trimmed")]
    pub sector_label: String,
    /// 2022 NAICS codes of the sector (2 to 6 digits, or a sector range such as `31-33`).
    #[schema(value_type = Vec<String>)]
    #[sqlx(try_from = "crate::db::DbText")]
    pub naics_codes: Json<Vec<String>>,
    /// The labor market region as its partners name it, e.g. "Kingman / Mohave County".
    #[serde(deserialize_with = "trimmed")]
    pub region_name: String,
    /// Counties of the region as 5-digit FIPS codes; empty when not known.
    #[schema(value_type = Vec<String>)]
    #[sqlx(try_from = "crate::db::DbText")]
    pub region_counties: Json<Vec<String>>,
    /// USPS codes of the region's states.
    #[schema(value_type = Vec<String>)]
    #[sqlx(try_from = "crate::db::DbText")]
    pub region_states: Json<Vec<String>>,
    /// When it launched, at the precision known.
    pub launched: Option<PartialDate>,
    /// Stage; `None` when no source says.
    pub stage: Option<Stage>,
    /// The status word the source itself uses, e.g. Lane County's "Planning".
    pub stage_reported: Option<String>,
    pub website: Option<String>,
    /// Where the facts about this partnership come from.
    #[schema(value_type = Vec<String>)]
    #[sqlx(try_from = "crate::db::DbText")]
    pub source_urls: Json<Vec<String>>,
    /// An invented example, badged everywhere and left out of network figures by default.
    #[sqlx(try_from = "crate::db::Flag")]
    pub illustrative: bool,
}

/// An organization: a business or a public partner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct OrganizationFields {
    #[serde(deserialize_with = "trimmed")]
    pub name: String,
    pub kind: OrgKind,
    /// 2022 NAICS code, for businesses.
    pub naics_code: Option<String>,
    pub city: Option<String>,
    /// USPS state code.
    pub state: Option<String>,
    /// WGS84 degrees, geocoded from city and state with the bundled GeoNames gazetteer.
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub employee_count: Option<i64>,
    pub website: Option<String>,
    #[sqlx(try_from = "crate::db::Flag")]
    pub illustrative: bool,
}

/// An organization's role in a partnership over a span of time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct MembershipFields {
    pub partnership_id: Id,
    pub organization_id: Id,
    pub role: MembershipRole,
    pub started: Option<PartialDate>,
    pub ended: Option<PartialDate>,
}

/// A contact person. Personal data: never shown to anonymous visitors, left out of exports unless
/// asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct PersonFields {
    pub organization_id: Id,
    pub partnership_id: Option<Id>,
    #[serde(deserialize_with = "trimmed")]
    pub full_name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A meeting of a partnership or one of its action teams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct MeetingFields {
    pub partnership_id: Id,
    #[schema(value_type = String, format = Date)]
    #[sqlx(try_from = "crate::db::DbText")]
    pub held_on: NaiveDate,
    pub kind: MeetingKind,
    #[serde(deserialize_with = "trimmed")]
    pub title: String,
    pub notes: Option<String>,
}

/// An organization that attended a meeting; the business-to-public-partner ratio is computed from
/// these rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct AttendanceFields {
    pub meeting_id: Id,
    pub organization_id: Id,
}

/// A priority set by business leaders (at the launch meeting or later).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct PriorityFields {
    pub partnership_id: Id,
    /// 1 = most important.
    #[schema(minimum = 1, maximum = 100)]
    pub rank: i64,
    #[serde(deserialize_with = "trimmed")]
    pub title: String,
    pub description: Option<String>,
    pub status: PriorityStatus,
    /// The meeting where it was set, so we can tell whether business champions were present.
    pub set_at_meeting_id: Option<Id>,
}

/// A business-led team working on one priority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct ActionTeamFields {
    pub partnership_id: Id,
    pub priority_id: Id,
    #[serde(deserialize_with = "trimmed")]
    pub name: String,
    pub description: Option<String>,
}

/// An organization on an action team. A `business_lead` must be a business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct TeamMemberFields {
    pub action_team_id: Id,
    pub organization_id: Id,
    pub role: TeamRole,
}

/// A concrete program of an action team (or of the partnership, when a source names no team).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct InitiativeFields {
    pub partnership_id: Id,
    pub action_team_id: Option<Id>,
    #[serde(deserialize_with = "trimmed")]
    pub title: String,
    pub description: Option<String>,
    pub kind: InitiativeKind,
    pub status: InitiativeStatus,
    pub started: Option<PartialDate>,
    pub ended: Option<PartialDate>,
}

/// A step of an initiative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct MilestoneFields {
    pub initiative_id: Id,
    #[serde(deserialize_with = "trimmed")]
    pub title: String,
    pub due: Option<PartialDate>,
    pub completed: Option<PartialDate>,
}

/// A Results-Based Accountability measure of a partnership or one of its initiatives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct MeasureFields {
    pub partnership_id: Id,
    pub initiative_id: Option<Id>,
    #[serde(deserialize_with = "trimmed")]
    pub name: String,
    /// Unit of every observation, e.g. "people", "USD", "percent".
    #[serde(deserialize_with = "trimmed")]
    pub unit: String,
    pub direction: Direction,
    pub category: MeasureCategory,
    pub description: Option<String>,
}

/// One value of a measure for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct ObservationFields {
    pub measure_id: Id,
    /// The period the value is for, at year, month or day precision.
    pub period: PartialDate,
    pub actual: f64,
    pub target: Option<f64>,
    /// Where the value comes from, in words.
    pub source_note: Option<String>,
    pub source_url: Option<String>,
    /// An invented value (e.g. a freight plan of the demo's invented members): badged wherever
    /// it is shown and left out of network figures unless the viewer asks for illustrative
    /// records. Absent in older exports, where it reads as `false`.
    #[serde(default)]
    #[sqlx(try_from = "crate::db::Flag")]
    pub illustrative: bool,
}

/// A reported result of a partnership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct WinFields {
    pub partnership_id: Id,
    pub initiative_id: Option<Id>,
    /// When, at the precision known; `None` when the source gives no date.
    pub achieved: Option<PartialDate>,
    #[serde(deserialize_with = "trimmed")]
    pub title: String,
    pub narrative: Option<String>,
    pub initiative_kind: InitiativeKind,
    /// Figures as reported: `key=value` pairs separated by `;`, e.g. `companies=30`.
    pub figures: Option<String>,
    pub source_url: Option<String>,
    #[sqlx(try_from = "crate::db::Flag")]
    pub illustrative: bool,
}

/// An observation that evidences a win.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, ToSchema)]
pub struct WinObservationFields {
    pub win_id: Id,
    pub observation_id: Id,
}

pub type Partnership = Record<PartnershipFields>;
pub type Organization = Record<OrganizationFields>;
pub type Membership = Record<MembershipFields>;
pub type Person = Record<PersonFields>;
pub type Meeting = Record<MeetingFields>;
pub type Attendance = Record<AttendanceFields>;
pub type Priority = Record<PriorityFields>;
pub type ActionTeam = Record<ActionTeamFields>;
pub type TeamMember = Record<TeamMemberFields>;
pub type Initiative = Record<InitiativeFields>;
pub type Milestone = Record<MilestoneFields>;
pub type Measure = Record<MeasureFields>;
pub type Observation = Record<ObservationFields>;
pub type Win = Record<WinFields>;
pub type WinObservation = Record<WinObservationFields>;

// ---------------------------------------------------------------------------------------------
// Validation: pure checks of one record's fields. Checks that need other rows (references,
// uniqueness, "a business lead must be a business") live in the store.

/// A character that shows nothing: white space, or one of the invisible format and filler
/// characters (soft hyphen, zero-width space/joiners, direction marks, word joiner, variation
/// selectors, byte-order mark, Hangul fillers, the blank Braille pattern, tag characters).
pub fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{1D159}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E007F}')
}

/// Deserialize a one-line text without the white space around it, so that `"Acme "` and
/// `"Acme"` are one name (and its uniqueness is checked as people read it). Applies to what
/// comes in (API bodies, forms, imports); what is stored is read back as it is.
fn trimmed<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    Ok(match s.trim() {
        t if t.len() == s.len() => s,
        t => t.to_string(),
    })
}

/// A required one-line text (a name or title): not only white space or invisible characters, no
/// control characters (NUL, tab, line breaks, ...), at most `max` characters.
fn required(errs: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.chars().any(char::is_control) {
        errs.add(field, "must not contain control characters");
    } else if value.chars().all(is_invisible) {
        errs.add(field, "is required");
    } else if value.chars().count() > max {
        errs.add(field, format!("is longer than {max} characters"));
    }
}

fn optional_len(errs: &mut FieldErrors, field: &str, value: &Option<String>, max: usize) {
    if let Some(v) = value {
        if v.chars().count() > max {
            errs.add(field, format!("is longer than {max} characters"));
        }
    }
}

fn url(errs: &mut FieldErrors, field: &str, value: Option<&str>) {
    if let Some(v) = value {
        if !(v.starts_with("https://") || v.starts_with("http://")) || v.contains(char::is_whitespace) || v.len() > 2000 {
            errs.add(field, format!("'{v}' is not a web address (http:// or https://)"));
        }
    }
}

fn date_order(errs: &mut FieldErrors, field: &str, start: &Option<PartialDate>, end: &Option<PartialDate>) {
    if let (Some(s), Some(e)) = (start, end) {
        if e.first_day() < s.first_day() {
            errs.add(field, format!("ends ({e}) before it starts ({s})"));
        }
    }
}

/// Check a NAICS code against the 2022 list.
pub fn check_naics(errs: &mut FieldErrors, field: &str, code: &str) {
    if codes::naics_title(code).is_none() {
        errs.add(field, format!("'{code}' is not a 2022 NAICS code"));
    }
}

/// Turn a name into a URL slug: lowercase ASCII letters and digits joined by single hyphens.
pub fn slugify(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars().flat_map(|c| c.to_lowercase()) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(80).collect()
}

/// Pure validation of each kind of record's own fields.
pub trait Validate {
    /// Add one message per field that is wrong.
    fn validate(&self, errs: &mut FieldErrors);
}

impl Validate for PartnershipFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "name", &self.name, 200);
        required(errs, "sector_label", &self.sector_label, 120);
        required(errs, "region_name", &self.region_name, 200);
        if self.slug.is_empty() || self.slug != slugify(&self.slug) {
            errs.add("slug", "use lowercase letters, digits and single hyphens");
        }
        for code in self.naics_codes.iter() {
            check_naics(errs, "naics_codes", code);
        }
        for fips in self.region_counties.iter() {
            if fips.len() != 5 || !fips.bytes().all(|b| b.is_ascii_digit()) {
                errs.add("region_counties", format!("'{fips}' is not a 5-digit county FIPS code"));
            } else if codes::county_label(fips).is_none() {
                errs.add("region_counties", format!("'{fips}' is not a US county FIPS code"));
            }
        }
        if self.region_states.is_empty() {
            errs.add("region_states", "name at least one state (USPS code such as AZ)");
        }
        for st in self.region_states.iter() {
            if codes::state_by_usps(st).is_none() {
                errs.add("region_states", format!("'{st}' is not a USPS state code"));
            }
        }
        for fips in self.region_counties.iter().filter(|f| codes::county_label(f).is_some()) {
            if let Some(st) = fips.get(..2).and_then(codes::state_by_fips) {
                if !self.region_states.iter().any(|s| s == &st.usps) {
                    errs.add("region_counties", format!("county {fips} is in {}, which is not among the region's states", st.usps));
                }
            }
        }
        optional_len(errs, "stage_reported", &self.stage_reported, 60);
        url(errs, "website", self.website.as_deref());
        for u in self.source_urls.iter() {
            url(errs, "source_urls", Some(u));
        }
    }
}

impl Validate for OrganizationFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "name", &self.name, 200);
        if let Some(code) = &self.naics_code {
            check_naics(errs, "naics_code", code);
        }
        if let Some(st) = &self.state {
            if codes::state_by_usps(st).is_none() {
                errs.add("state", format!("'{st}' is not a USPS state code"));
            }
        }
        if self.city.is_some() && self.state.is_none() {
            errs.add("state", "give the state of the city");
        }
        optional_len(errs, "city", &self.city, 120);
        match (self.latitude, self.longitude) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    errs.add("latitude", "must be between -90 and 90 degrees");
                }
                if !(-180.0..=180.0).contains(&lon) {
                    errs.add("longitude", "must be between -180 and 180 degrees");
                }
            }
            (None, None) => {}
            _ => errs.add("longitude", "give both latitude and longitude, or neither"),
        }
        if let Some(n) = self.employee_count {
            if n < 0 {
                errs.add("employee_count", "cannot be negative");
            }
        }
        url(errs, "website", self.website.as_deref());
    }
}

impl Validate for MembershipFields {
    fn validate(&self, errs: &mut FieldErrors) {
        date_order(errs, "ended", &self.started, &self.ended);
    }
}

impl Validate for PersonFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "full_name", &self.full_name, 200);
        optional_len(errs, "title", &self.title, 200);
        if let Some(e) = &self.email {
            let ok = e.len() <= 254 && !e.contains(char::is_whitespace) && e.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
            if !ok {
                errs.add("email", "is not an email address");
            }
        }
        optional_len(errs, "phone", &self.phone, 40);
    }
}

impl Validate for MeetingFields {
    fn validate(&self, errs: &mut FieldErrors) {
        use chrono::Datelike;
        if !(1900..=2100).contains(&self.held_on.year()) {
            errs.add("held_on", format!("year {} is outside 1900 to 2100", self.held_on.year()));
        }
        required(errs, "title", &self.title, 200);
        optional_len(errs, "notes", &self.notes, 20_000);
    }
}

impl Validate for AttendanceFields {
    fn validate(&self, _errs: &mut FieldErrors) {}
}

impl Validate for PriorityFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "title", &self.title, 200);
        if !(1..=100).contains(&self.rank) {
            errs.add("rank", "must be from 1 to 100");
        }
        optional_len(errs, "description", &self.description, 20_000);
    }
}

impl Validate for ActionTeamFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "name", &self.name, 200);
        optional_len(errs, "description", &self.description, 20_000);
    }
}

impl Validate for TeamMemberFields {
    fn validate(&self, _errs: &mut FieldErrors) {}
}

impl Validate for InitiativeFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "title", &self.title, 200);
        optional_len(errs, "description", &self.description, 20_000);
        date_order(errs, "ended", &self.started, &self.ended);
    }
}

impl Validate for MilestoneFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "title", &self.title, 200);
    }
}

impl Validate for MeasureFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "name", &self.name, 200);
        required(errs, "unit", &self.unit, 40);
        optional_len(errs, "description", &self.description, 20_000);
    }
}

/// The largest magnitude of an observation's actual or target value: 10^15, larger than any
/// count, dollar amount or rate a partnership reports (a thousand times the US GDP in dollars),
/// and small enough that charts and sums of such values stay exact to the cent and finite.
pub const MAX_OBSERVATION_VALUE: f64 = 1e15;

/// Check an observation value: a finite number within [`MAX_OBSERVATION_VALUE`] either way.
fn observation_value(errs: &mut FieldErrors, field: &str, v: f64) {
    if !v.is_finite() {
        errs.add(field, "must be a number");
    } else if v.abs() > MAX_OBSERVATION_VALUE {
        errs.add(field, "must be between -1,000,000,000,000,000 and 1,000,000,000,000,000 (10^15)");
    }
}

/// The longest `figures` text of a win.
pub const MAX_FIGURES_CHARS: usize = 2000;

impl Validate for ObservationFields {
    fn validate(&self, errs: &mut FieldErrors) {
        observation_value(errs, "actual", self.actual);
        if let Some(t) = self.target {
            observation_value(errs, "target", t);
        }
        optional_len(errs, "source_note", &self.source_note, 2000);
        // A value computed by this site (e.g. a freight plan's savings) links to the page it
        // came from: a site path such as `/partnerships/x/freight/plans/y` is accepted too.
        match self.source_url.as_deref() {
            Some(p) if p.starts_with('/') && !p.starts_with("//") => {
                if p.contains(char::is_whitespace) || p.len() > 2000 {
                    errs.add("source_url", format!("'{p}' is not a web address (http:// or https://) or a path of this site"));
                }
            }
            other => url(errs, "source_url", other),
        }
    }
}

impl Validate for WinFields {
    fn validate(&self, errs: &mut FieldErrors) {
        required(errs, "title", &self.title, 300);
        optional_len(errs, "narrative", &self.narrative, 20_000);
        if let Some(f) = self.figures.as_ref().filter(|f| f.chars().count() > MAX_FIGURES_CHARS) {
            errs.add("figures", format!("is longer than {MAX_FIGURES_CHARS} characters ({})", f.chars().count()));
        } else if let Some(f) = &self.figures {
            for pair in f.split(';').map(str::trim).filter(|p| !p.is_empty()) {
                if !pair.split_once('=').is_some_and(|(k, v)| !k.trim().is_empty() && !v.trim().is_empty()) {
                    errs.add("figures", format!("'{pair}' is not key=value"));
                }
            }
        }
        url(errs, "source_url", self.source_url.as_deref());
    }
}

impl Validate for WinObservationFields {
    fn validate(&self, _errs: &mut FieldErrors) {}
}

/// Parse a win's `figures` text into (key, value) pairs, in order.
pub fn parse_figures(figures: &str) -> Vec<(String, String)> {
    figures
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_dates_keep_precision_and_reject_nonsense() {
        assert_eq!(PartialDate::parse("2017").unwrap().as_str(), "2017");
        assert_eq!(PartialDate::parse("2018-05").unwrap().first_day(), NaiveDate::from_ymd_opt(2018, 5, 1).unwrap());
        assert_eq!(PartialDate::parse("2018-11-01").unwrap().year(), 2018);
        for bad in ["", "17", "2018-13", "2018-02-30", "2018-5", "2018/05", "3000", "2018-05-01-02"] {
            assert!(PartialDate::parse(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn stage_words_map_onto_stages() {
        assert_eq!(Stage::from_reported("Planning"), Some(Stage::Launching));
        assert_eq!(Stage::from_reported("Sustaining"), Some(Stage::Sustaining));
        assert_eq!(Stage::from_reported("Convening"), Some(Stage::Launching));
        assert_eq!(Stage::from_reported("Implementing"), Some(Stage::Implementing));
        assert_eq!(Stage::from_reported("Thriving"), None);
    }

    #[test]
    fn convener_kinds_are_inferred_from_names() {
        assert_eq!(OrgKind::infer_from_name("Lane Workforce Partnership"), OrgKind::WorkforceBoard);
        assert_eq!(OrgKind::infer_from_name("Boulder Chamber"), OrgKind::Chamber);
        assert_eq!(OrgKind::infer_from_name("Healthcare Association of Hawaii"), OrgKind::IndustryAssociation);
        assert_eq!(OrgKind::infer_from_name("Southwest Colorado Area Health Education Center"), OrgKind::CommunityOrg);
        assert_eq!(OrgKind::infer_from_name("Acme"), OrgKind::Other);
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Kingman and Mohave Manufacturing Association"), "kingman-and-mohave-manufacturing-association");
        assert_eq!(slugify("CAMA-Metro  Manufacturing (Denver)!"), "cama-metro-manufacturing-denver");
    }

    fn partnership() -> PartnershipFields {
        PartnershipFields {
            slug: "x".into(),
            name: "X".into(),
            sector_label: "Manufacturing".into(),
            naics_codes: Json(vec!["31-33".into()]),
            region_name: "Mohave".into(),
            region_counties: Json(vec!["04015".into()]),
            region_states: Json(vec!["AZ".into()]),
            launched: None,
            stage: None,
            stage_reported: None,
            website: None,
            source_urls: Json(vec![]),
            illustrative: false,
        }
    }

    #[test]
    fn partnership_validation_names_each_bad_field() {
        let mut errs = FieldErrors::default();
        partnership().validate(&mut errs);
        assert!(errs.is_empty(), "{errs:?}");

        let mut p = partnership();
        p.naics_codes = Json(vec!["999999".into()]);
        p.region_counties = Json(vec!["99999".into(), "06001".into()]);
        p.region_states = Json(vec!["AZ".into(), "ZZ".into()]);
        p.name = " ".into();
        p.website = Some("ftp://x".into());
        let mut errs = FieldErrors::default();
        p.validate(&mut errs);
        let fields: Vec<&str> = errs.iter().map(|(f, _)| f).collect();
        assert_eq!(fields, ["name", "naics_codes", "region_counties", "region_states", "region_counties", "website"]);
        assert!(errs.iter().any(|(_, m)| m.contains("'999999' is not a 2022 NAICS code")));
        assert!(errs.iter().any(|(_, m)| m.contains("county 06001 is in CA")));
    }

    #[test]
    fn figures_parse() {
        assert_eq!(parse_figures("companies=30; flights=1"), vec![("companies".into(), "30".into()), ("flights".into(), "1".into())]);
        let mut errs = FieldErrors::default();
        WinFields {
            partnership_id: Id::nil(),
            initiative_id: None,
            achieved: None,
            title: "t".into(),
            narrative: None,
            initiative_kind: InitiativeKind::Other,
            figures: Some("a=1;broken".into()),
            source_url: None,
            illustrative: false,
        }
        .validate(&mut errs);
        assert_eq!(errs.iter().next().unwrap().0, "figures");
    }

    fn win() -> WinFields {
        WinFields {
            partnership_id: Id::nil(),
            initiative_id: None,
            achieved: None,
            title: "t".into(),
            narrative: None,
            initiative_kind: InitiativeKind::Other,
            figures: None,
            source_url: None,
            illustrative: false,
        }
    }

    fn errors_of(v: &impl Validate) -> Vec<(String, String)> {
        let mut errs = FieldErrors::default();
        v.validate(&mut errs);
        errs.iter().map(|(f, m)| (f.to_string(), m.to_string())).collect()
    }

    #[test]
    fn observation_values_are_finite_and_bounded() {
        let obs = |actual: f64, target: Option<f64>| ObservationFields {
            measure_id: Id::nil(),
            period: PartialDate::parse("2024").unwrap(),
            actual,
            target,
            source_note: None,
            source_url: None,
            illustrative: false,
        };
        assert!(errors_of(&obs(1e15, Some(-1e15))).is_empty());
        assert!(errors_of(&obs(-0.5, None)).is_empty());
        let bound = "must be between -1,000,000,000,000,000 and 1,000,000,000,000,000 (10^15)";
        assert_eq!(errors_of(&obs(1.7e308, None)), [("actual".to_string(), bound.to_string())]);
        assert_eq!(errors_of(&obs(-1e308, None)), [("actual".to_string(), bound.to_string())]);
        assert_eq!(errors_of(&obs(1.0, Some(1e16))), [("target".to_string(), bound.to_string())]);
        assert_eq!(errors_of(&obs(f64::NAN, Some(f64::INFINITY))), [("actual".to_string(), "must be a number".to_string()), ("target".to_string(), "must be a number".to_string())]);
    }

    #[test]
    fn win_figures_are_at_most_2000_characters() {
        let mut w = win();
        w.figures = Some(format!("a={}", "9".repeat(1998)));
        assert!(errors_of(&w).is_empty());
        w.figures = Some(format!("a={}", "9".repeat(1999)));
        assert_eq!(errors_of(&w), [("figures".to_string(), "is longer than 2000 characters (2001)".to_string())]);
    }

    #[test]
    fn required_text_is_visible_and_has_no_control_characters() {
        let title = |t: &str| {
            let mut w = win();
            w.title = t.into();
            errors_of(&w)
        };
        let is = |m: &str| vec![("title".to_string(), m.to_string())];
        assert!(title("Café équipe 東京").is_empty());
        assert!(title("Zero\u{200B}width inside is fine").is_empty());
        assert_eq!(title("a\0b"), is("must not contain control characters"));
        assert_eq!(title("line\nbreak"), is("must not contain control characters"));
        assert_eq!(title("\u{7}"), is("must not contain control characters"));
        for blank in ["", "   ", "\u{200B}", " \u{200B}\u{200D}\u{FEFF} ", "\u{00A0}\u{3000}", "\u{2060}\u{00AD}", "\u{3164}"] {
            assert_eq!(title(blank), is("is required"), "{blank:?}");
        }
        let mut p = partnership();
        p.name = "\u{200B}".into();
        p.region_name = "Mohave\0".into();
        assert_eq!(
            errors_of(&p),
            [("name".to_string(), "is required".to_string()), ("region_name".to_string(), "must not contain control characters".to_string())]
        );
    }
}

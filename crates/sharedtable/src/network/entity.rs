//! What the generic store, API, forms and import/export need to know about each kind of record:
//! its table, its columns in order, what it refers to, and how it is listed.

use serde::de::DeserializeOwned;
use serde::Serialize;
use sqlx::any::AnyRow;

use super::model::*;
use crate::db::Id;
use crate::web::FieldErrors;

/// How a column refers to another table.
#[derive(Debug, Clone, Copy)]
pub struct Ref {
    /// The referring column, e.g. `priority_id`.
    pub column: &'static str,
    /// The table referred to, e.g. `priorities`.
    pub table: &'static str,
    /// When true, the row referred to must belong to the same partnership as this row.
    pub same_partnership: bool,
}

const fn r(column: &'static str, table: &'static str, same_partnership: bool) -> Ref {
    Ref { column, table, same_partnership }
}

/// A kind of record. Implemented on the editable fields type `F` of `Record<F>`.
pub trait Entity:
    Validate + Serialize + DeserializeOwned + for<'r> sqlx::FromRow<'r, AnyRow> + utoipa::ToSchema + Clone + Send + Sync + Unpin + 'static
{
    /// SQL table name, also the API path segment and the export key (e.g. `action_teams`).
    const TABLE: &'static str;
    /// One record, in words (e.g. "action team").
    const SINGULAR: &'static str;
    /// Editable columns, in table order; each is a field of `Self` with the same name.
    const COLUMNS: &'static [&'static str];
    /// Columns that refer to other tables.
    const REFS: &'static [Ref] = &[];
    /// Columns a list may be filtered on by equality (`?column=value`).
    const FILTERS: &'static [&'static str] = &[];
    /// Columns that cannot change once the record exists: the record's place in the tree
    /// (its partnership, or the parent whose partnership it shares). Moving a record to another
    /// partnership would leave what refers to it pointing across partnerships; create it there
    /// instead.
    const FIXED: &'static [&'static str] = &[];
    /// Column searched by `?q=` (case-insensitive substring), if any.
    const SEARCH: Option<&'static str> = None;
    /// `ORDER BY` of lists; always ends with `id` so pages are stable.
    const ORDER: &'static str = "id";
    /// The partnership this record belongs to, where the record names it directly.
    fn partnership_id(&self) -> Option<Id> {
        None
    }
    /// A short name of the record for pages and messages.
    fn display_name(&self) -> String;
}

macro_rules! columns { ($($c:literal),+ $(,)?) => { &[$($c),+] }; }

impl Entity for PartnershipFields {
    const TABLE: &'static str = "partnerships";
    const SINGULAR: &'static str = "partnership";
    const COLUMNS: &'static [&'static str] = columns!(
        "slug", "name", "sector_label", "naics_codes", "region_name", "region_counties", "region_states", "launched",
        "stage", "stage_reported", "website", "source_urls", "illustrative"
    );
    const FILTERS: &'static [&'static str] = &["slug", "stage", "sector_label", "illustrative"];
    const SEARCH: Option<&'static str> = Some("name");
    const ORDER: &'static str = "name COLLATE NOCASE, id";
    fn display_name(&self) -> String {
        self.name.clone()
    }
}

impl Entity for OrganizationFields {
    const TABLE: &'static str = "organizations";
    const SINGULAR: &'static str = "organization";
    const COLUMNS: &'static [&'static str] = columns!(
        "name", "kind", "naics_code", "city", "state", "latitude", "longitude", "employee_count", "website", "illustrative"
    );
    const FILTERS: &'static [&'static str] = &["kind", "state", "naics_code", "illustrative"];
    const SEARCH: Option<&'static str> = Some("name");
    const ORDER: &'static str = "name COLLATE NOCASE, id";
    fn display_name(&self) -> String {
        self.name.clone()
    }
}

impl Entity for MembershipFields {
    const TABLE: &'static str = "memberships";
    const SINGULAR: &'static str = "membership";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] = columns!("partnership_id", "organization_id", "role", "started", "ended");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("organization_id", "organizations", false)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "organization_id", "role"];
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.role.label().to_string()
    }
}

impl Entity for PersonFields {
    const TABLE: &'static str = "people";
    const SINGULAR: &'static str = "person";
    const COLUMNS: &'static [&'static str] = columns!("organization_id", "partnership_id", "full_name", "title", "email", "phone");
    const REFS: &'static [Ref] = &[r("organization_id", "organizations", false), r("partnership_id", "partnerships", false)];
    const FILTERS: &'static [&'static str] = &["organization_id", "partnership_id"];
    // Moving a contact to another partnership would hand their details to that partnership's
    // members: add them there instead.
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const SEARCH: Option<&'static str> = Some("full_name");
    const ORDER: &'static str = "full_name COLLATE NOCASE, id";
    fn partnership_id(&self) -> Option<Id> {
        self.partnership_id
    }
    fn display_name(&self) -> String {
        self.full_name.clone()
    }
}

impl Entity for MeetingFields {
    const TABLE: &'static str = "meetings";
    const SINGULAR: &'static str = "meeting";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] = columns!("partnership_id", "held_on", "kind", "title", "notes");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "kind"];
    const ORDER: &'static str = "held_on DESC, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        format!("{} ({})", self.title, self.held_on)
    }
}

impl Entity for AttendanceFields {
    const TABLE: &'static str = "meeting_attendance";
    const SINGULAR: &'static str = "attendance";
    const FIXED: &'static [&'static str] = &["meeting_id"];
    const COLUMNS: &'static [&'static str] = columns!("meeting_id", "organization_id");
    const REFS: &'static [Ref] = &[r("meeting_id", "meetings", false), r("organization_id", "organizations", false)];
    const FILTERS: &'static [&'static str] = &["meeting_id", "organization_id"];
    fn display_name(&self) -> String {
        "attendance".into()
    }
}

impl Entity for PriorityFields {
    const TABLE: &'static str = "priorities";
    const SINGULAR: &'static str = "priority";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] =
        columns!("partnership_id", "rank", "title", "description", "status", "set_at_meeting_id");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("set_at_meeting_id", "meetings", true)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "status"];
    const ORDER: &'static str = "partnership_id, rank, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.title.clone()
    }
}

impl Entity for ActionTeamFields {
    const TABLE: &'static str = "action_teams";
    const SINGULAR: &'static str = "action team";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] = columns!("partnership_id", "priority_id", "name", "description");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("priority_id", "priorities", true)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "priority_id"];
    const ORDER: &'static str = "name COLLATE NOCASE, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.name.clone()
    }
}

impl Entity for TeamMemberFields {
    const TABLE: &'static str = "action_team_members";
    const SINGULAR: &'static str = "action team member";
    const FIXED: &'static [&'static str] = &["action_team_id"];
    const COLUMNS: &'static [&'static str] = columns!("action_team_id", "organization_id", "role");
    const REFS: &'static [Ref] = &[r("action_team_id", "action_teams", false), r("organization_id", "organizations", false)];
    const FILTERS: &'static [&'static str] = &["action_team_id", "organization_id", "role"];
    fn display_name(&self) -> String {
        self.role.label().to_string()
    }
}

impl Entity for InitiativeFields {
    const TABLE: &'static str = "initiatives";
    const SINGULAR: &'static str = "initiative";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] =
        columns!("partnership_id", "action_team_id", "title", "description", "kind", "status", "started", "ended");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("action_team_id", "action_teams", true)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "action_team_id", "kind", "status"];
    const SEARCH: Option<&'static str> = Some("title");
    const ORDER: &'static str = "title COLLATE NOCASE, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.title.clone()
    }
}

impl Entity for MilestoneFields {
    const TABLE: &'static str = "milestones";
    const SINGULAR: &'static str = "milestone";
    const FIXED: &'static [&'static str] = &["initiative_id"];
    const COLUMNS: &'static [&'static str] = columns!("initiative_id", "title", "due", "completed");
    const REFS: &'static [Ref] = &[r("initiative_id", "initiatives", false)];
    const FILTERS: &'static [&'static str] = &["initiative_id"];
    const ORDER: &'static str = "due, id";
    fn display_name(&self) -> String {
        self.title.clone()
    }
}

impl Entity for MeasureFields {
    const TABLE: &'static str = "measures";
    const SINGULAR: &'static str = "measure";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] =
        columns!("partnership_id", "initiative_id", "name", "unit", "direction", "category", "description");
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("initiative_id", "initiatives", true)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "initiative_id", "category"];
    const SEARCH: Option<&'static str> = Some("name");
    const ORDER: &'static str = "name COLLATE NOCASE, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.name.clone()
    }
}

impl Entity for ObservationFields {
    const TABLE: &'static str = "observations";
    const SINGULAR: &'static str = "observation";
    const FIXED: &'static [&'static str] = &["measure_id"];
    const COLUMNS: &'static [&'static str] = columns!("measure_id", "period", "actual", "target", "source_note", "source_url", "illustrative");
    const REFS: &'static [Ref] = &[r("measure_id", "measures", false)];
    const FILTERS: &'static [&'static str] = &["measure_id", "period", "illustrative"];
    const ORDER: &'static str = "measure_id, period, id";
    fn display_name(&self) -> String {
        format!("{} for {}", self.actual, self.period)
    }
}

impl Entity for WinFields {
    const TABLE: &'static str = "wins";
    const SINGULAR: &'static str = "win";
    const FIXED: &'static [&'static str] = &["partnership_id"];
    const COLUMNS: &'static [&'static str] = columns!(
        "partnership_id", "initiative_id", "achieved", "title", "narrative", "initiative_kind", "figures", "source_url",
        "illustrative"
    );
    const REFS: &'static [Ref] = &[r("partnership_id", "partnerships", false), r("initiative_id", "initiatives", true)];
    const FILTERS: &'static [&'static str] = &["partnership_id", "initiative_id", "initiative_kind", "illustrative"];
    const SEARCH: Option<&'static str> = Some("title");
    const ORDER: &'static str = "achieved DESC, id";
    fn partnership_id(&self) -> Option<Id> {
        Some(self.partnership_id)
    }
    fn display_name(&self) -> String {
        self.title.clone()
    }
}

impl Entity for WinObservationFields {
    const TABLE: &'static str = "win_observations";
    const SINGULAR: &'static str = "win evidence";
    const FIXED: &'static [&'static str] = &["win_id", "observation_id"];
    const COLUMNS: &'static [&'static str] = columns!("win_id", "observation_id");
    const REFS: &'static [Ref] = &[r("win_id", "wins", false), r("observation_id", "observations", false)];
    const FILTERS: &'static [&'static str] = &["win_id", "observation_id"];
    fn display_name(&self) -> String {
        "evidence".into()
    }
}

/// Tables in dependency order (parents before children): the order of export, import and
/// table-by-table listings.
pub const TABLES: &[&str] = &[
    "partnerships",
    "organizations",
    "memberships",
    "people",
    "meetings",
    "meeting_attendance",
    "priorities",
    "action_teams",
    "action_team_members",
    "initiatives",
    "milestones",
    "measures",
    "observations",
    "wins",
    "win_observations",
];

/// Call `$m!(FieldsType)` for every kind of record, in [`TABLES`] order.
#[macro_export]
macro_rules! for_each_entity {
    ($m:ident) => {
        $m!($crate::network::model::PartnershipFields);
        $m!($crate::network::model::OrganizationFields);
        $m!($crate::network::model::MembershipFields);
        $m!($crate::network::model::PersonFields);
        $m!($crate::network::model::MeetingFields);
        $m!($crate::network::model::AttendanceFields);
        $m!($crate::network::model::PriorityFields);
        $m!($crate::network::model::ActionTeamFields);
        $m!($crate::network::model::TeamMemberFields);
        $m!($crate::network::model::InitiativeFields);
        $m!($crate::network::model::MilestoneFields);
        $m!($crate::network::model::MeasureFields);
        $m!($crate::network::model::ObservationFields);
        $m!($crate::network::model::WinFields);
        $m!($crate::network::model::WinObservationFields);
    };
}

/// Pure per-record checks plus nothing else; kept here so the store can call one function.
pub fn validate<F: Entity>(fields: &F) -> FieldErrors {
    let mut errs = FieldErrors::default();
    fields.validate(&mut errs);
    errs
}

/// What is known about a kind of record without naming its type.
#[derive(Debug, Clone, Copy)]
pub struct TableInfo {
    pub table: &'static str,
    pub singular: &'static str,
    pub columns: &'static [&'static str],
    pub refs: &'static [Ref],
}

/// Every kind of record, in [`TABLES`] order.
pub fn table_infos() -> Vec<TableInfo> {
    let mut out = Vec::new();
    macro_rules! push {
        ($t:ty) => {
            out.push(TableInfo { table: <$t>::TABLE, singular: <$t>::SINGULAR, columns: <$t>::COLUMNS, refs: <$t>::REFS })
        };
    }
    crate::for_each_entity!(push);
    out
}

/// The kind of record stored in `table`, if it is one.
pub fn table_info(table: &str) -> Option<TableInfo> {
    table_infos().into_iter().find(|t| t.table == table)
}

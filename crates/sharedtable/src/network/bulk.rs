//! Import and export of network records: the file formats, pure parsing and mapping. No
//! database: `store/bulk.rs` runs the one transaction and writes.
//!
//! **Export.** JSON: `{"format": "sharedtable-export", "version": 1, "<table>": [records], ...}`
//! with every table of [`TABLES`] in that order, each record as `Record<F>` serializes (id,
//! version, timestamps, then the fields in column order), records in id order, one record per
//! line. CSV: one file per table named `<table>.csv`, columns `id, version, created_at,
//! updated_at` then [`Entity::COLUMNS`]; lists are joined with `;`, empty cells are nulls. People's
//! `email` and `phone` are left out (keys and columns absent) unless contacts are asked for.
//!
//! **Import.** A file is CSV, JSON (an export) or an XLSX workbook (also XLSM and XLSB; one part
//! per non-empty sheet, read cell by cell: a sheet using more than [`MAX_SHEET_COLUMNS`] columns
//! or [`MAX_SHEET_ROWS`] rows, or a workbook over [`MAX_WORKBOOK_VALUES`] values, is refused; XLS
//! and ODS workbooks are refused, calamine building their full grids when it opens them). What a
//! CSV file or sheet holds ([`RowKind`]) is told by its header: a table's export columns, or the two layouts of the bundled network registry
//! (`data/network/partnerships.csv` and `wins.csv`), unless the caller names it. Every problem is
//! a [`RowError`] naming file, row (as a spreadsheet shows it: the header is row 1; in a JSON
//! export, the record's position in its table), column and reason.
//!
//! Reading a part ([`Part::read`]) turns each row into a [`RowContent`] whose cell problems are
//! already reported; a cell that could not be read is replaced by a placeholder and its column
//! listed in `bad_columns`, so the store can still run every other check on the row and report
//! all of its problems at once (nothing is written when there is any problem).

use std::collections::HashSet;
use std::fmt;
use std::io::{self, BufReader, Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::entity::{Entity, TABLES};
use super::model::*;
use super::seed::{self, SeedPartnership, SeedWin};
use crate::db::{self, Id};

/// The `format` word of a JSON export.
pub const EXPORT_FORMAT: &str = "sharedtable-export";
/// The version of the JSON export layout this build writes and reads.
pub const EXPORT_VERSION: i64 = 1;
/// Largest file an import reads: 1 GiB.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// The metadata columns that open every table's export layout.
pub const META_COLUMNS: &[&str] = &["id", "version", "created_at", "updated_at"];
/// Personal data columns left out of exports unless contacts are asked for.
pub const CONTACT_COLUMNS: &[&str] = &["email", "phone"];

// ---------------------------------------------------------------------------------------------
// Problems

/// Where a problem is: the file (and the sheet of a workbook or the table of a JSON export), the
/// row and the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// Position of the file among the files of the import call (problems are listed in this order).
    pub source: usize,
    /// The file as the caller named it.
    pub file: Arc<str>,
    /// Sheet of a workbook with several sheets, or table of a JSON export.
    pub part: Option<Arc<str>>,
    /// Row as a spreadsheet shows it (header = 1); in a JSON export the record's position in its
    /// table (first = 1). `None` for a problem with the whole file.
    pub row: Option<usize>,
}

impl Location {
    fn file(source: usize, file: &Arc<str>) -> Location {
        Location { source, file: file.clone(), part: None, row: None }
    }
    /// The same place at another row.
    pub fn at(&self, row: usize) -> Location {
        Location { row: Some(row), ..self.clone() }
    }
    /// A problem here, in `column` (if any), with the reason.
    pub fn error(&self, column: Option<&str>, message: impl Into<String>) -> RowError {
        RowError { location: self.clone(), column: column.map(str::to_string), message: message.into() }
    }
}

/// One problem of an import, shown as `FILE row N column COL: reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub location: Location,
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    /// The file as messages name it: the file, with the sheet or JSON table in parentheses.
    pub fn file_part(&self) -> String {
        match &self.location.part {
            Some(p) => format!("{} ({p})", self.location.file),
            None => self.location.file.to_string(),
        }
    }
    /// Where the problem is, as shown before the reason: `FILE row N column COL` (row and
    /// column only when known).
    pub fn place(&self) -> String {
        let mut s = self.file_part();
        if let Some(r) = self.location.row {
            s.push_str(&format!(" row {r}"));
        }
        if let Some(c) = &self.column {
            s.push_str(&format!(" column {c}"));
        }
        s
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place(), self.message)
    }
}

// ---------------------------------------------------------------------------------------------
// Kinds of rows and their columns

/// What the rows of a CSV file or sheet are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowKind {
    /// Records of one table in its export layout.
    Table(&'static str),
    /// The network registry's partnership layout (`data/network/partnerships.csv`).
    RegistryPartnerships,
    /// The network registry's win layout (`data/network/wins.csv`).
    RegistryWins,
}

impl RowKind {
    /// Every kind, tables first in [`TABLES`] order.
    pub fn all() -> Vec<RowKind> {
        let mut v: Vec<RowKind> = TABLES.iter().map(|t| RowKind::Table(t)).collect();
        v.push(RowKind::RegistryPartnerships);
        v.push(RowKind::RegistryWins);
        v
    }
    /// The word naming the kind on the command line: a table name, `network_partnerships` or
    /// `network_wins`.
    pub fn name(self) -> &'static str {
        match self {
            RowKind::Table(t) => t,
            RowKind::RegistryPartnerships => "network_partnerships",
            RowKind::RegistryWins => "network_wins",
        }
    }
    /// Parse [`RowKind::name`]; `None` for anything else.
    pub fn parse(word: &str) -> Option<RowKind> {
        RowKind::all().into_iter().find(|k| k.name() == word.trim())
    }
    /// The kind in words, for people choosing it (e.g. on the import page): "Action teams
    /// (export columns)", "Network registry: partnerships".
    pub fn label(self) -> String {
        match self {
            RowKind::Table(t) => {
                let words = t.replace('_', " ");
                let mut c = words.chars();
                let cap: String = c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default();
                format!("{cap} (export columns)")
            }
            RowKind::RegistryPartnerships => "Network registry: partnerships".into(),
            RowKind::RegistryWins => "Network registry: wins".into(),
        }
    }
    /// Every accepted word, for messages.
    pub fn expected() -> String {
        RowKind::all().iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
    }
    /// Every column a file of this kind may have, in layout order.
    pub fn columns(self) -> Vec<&'static str> {
        match self {
            RowKind::Table(t) => META_COLUMNS.iter().chain(table_columns(t)).copied().collect(),
            RowKind::RegistryPartnerships => seed::PARTNERSHIP_COLUMNS.to_vec(),
            RowKind::RegistryWins => seed::WIN_COLUMNS.to_vec(),
        }
    }
    /// Columns a file of this kind must have.
    pub fn required_columns(self) -> Vec<&'static str> {
        match self {
            RowKind::Table(t) => table_columns(t)
                .iter()
                .copied()
                .filter(|c| column_type(t, c).is_some_and(|ty| ty.required()) && !(t == "partnerships" && *c == "slug"))
                .collect(),
            RowKind::RegistryPartnerships => seed::PARTNERSHIP_REQUIRED.to_vec(),
            RowKind::RegistryWins => seed::WIN_REQUIRED.to_vec(),
        }
    }
    /// Position in dependency order: files are read parents first whatever order they are given in.
    pub fn order(self) -> usize {
        let idx = |t: &str| TABLES.iter().position(|x| *x == t).unwrap_or(TABLES.len());
        match self {
            RowKind::Table(t) => idx(t),
            RowKind::RegistryPartnerships => idx("partnerships"),
            RowKind::RegistryWins => idx("wins"),
        }
    }
}

fn table_columns(table: &str) -> &'static [&'static str] {
    macro_rules! arm {
        ($f:ty) => {
            if table == <$f as Entity>::TABLE {
                return <$f as Entity>::COLUMNS;
            }
        };
    }
    crate::for_each_entity!(arm);
    &[]
}

/// The words of a word list with their labels.
pub type WordsFn = fn() -> Vec<(&'static str, &'static str)>;

macro_rules! words {
    ($t:ty) => {
        (|| <$t>::ALL.iter().map(|v| (v.as_str(), v.label())).collect()) as WordsFn
    };
}

/// How the text of a column is read.
#[derive(Clone, Copy)]
pub enum ColType {
    /// A record id (UUID).
    Id { required: bool },
    /// Free text; an empty optional cell is null, an empty required cell stays empty (and the
    /// record's validation says it is required).
    Text { required: bool },
    /// A whole number.
    Int { required: bool },
    /// A number.
    Float { required: bool },
    /// `true`/`false` (also yes/no, 1/0); empty is false.
    Bool,
    /// A list, `;`-separated in CSV; empty is an empty list.
    List,
    /// A [`PartialDate`]: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    Date { required: bool },
    /// A calendar day, `YYYY-MM-DD`.
    Day,
    /// One word of a word list (its stored word or its label, ignoring case).
    Word { required: bool, words: WordsFn },
    /// The record's version, a whole number from 1; empty is 1.
    Version,
    /// An RFC 3339 timestamp; empty is the time of the import.
    Timestamp,
}

impl ColType {
    /// Must a row have a value in this column?
    pub fn required(self) -> bool {
        match self {
            ColType::Id { required }
            | ColType::Text { required }
            | ColType::Int { required }
            | ColType::Float { required }
            | ColType::Date { required }
            | ColType::Word { required, .. } => required,
            ColType::Day => true,
            ColType::Bool | ColType::List | ColType::Version | ColType::Timestamp => false,
        }
    }
}

/// The type of each column of each table (metadata columns included); `None` for a column the
/// table does not have. The unit tests check that every column of every table has one.
pub fn column_type(table: &str, column: &str) -> Option<ColType> {
    use ColType::*;
    if !META_COLUMNS.contains(&column) && !table_columns(table).contains(&column) {
        return None;
    }
    let opt_id = matches!(
        (table, column),
        ("people", "partnership_id")
            | ("initiatives", "action_team_id")
            | ("priorities", "set_at_meeting_id")
            | ("measures", "initiative_id")
            | ("wins", "initiative_id")
    );
    let required_text = matches!(
        (table, column),
        ("partnerships", "slug" | "name" | "sector_label" | "region_name")
            | ("organizations", "name")
            | ("people", "full_name")
            | ("meetings" | "priorities" | "initiatives" | "milestones" | "wins", "title")
            | ("action_teams" | "measures", "name")
            | ("measures", "unit")
    );
    Some(match (table, column) {
        (_, "id") => Id { required: false },
        (_, "version") => Version,
        (_, "created_at" | "updated_at") => Timestamp,
        _ if opt_id => Id { required: false },
        (_, c) if c.ends_with("_id") => Id { required: true },
        _ if required_text => Text { required: true },
        (_, "naics_codes" | "region_counties" | "region_states" | "source_urls") => List,
        (_, "illustrative") => Bool,
        (_, "launched" | "started" | "ended" | "due" | "completed" | "achieved") => Date { required: false },
        (_, "period") => Date { required: true },
        (_, "held_on") => Day,
        (_, "rank") => Int { required: true },
        (_, "employee_count") => Int { required: false },
        (_, "latitude" | "longitude" | "target") => Float { required: false },
        (_, "actual") => Float { required: true },
        ("partnerships", "stage") => Word { required: false, words: words!(Stage) },
        ("organizations", "kind") => Word { required: true, words: words!(OrgKind) },
        ("memberships", "role") => Word { required: true, words: words!(MembershipRole) },
        ("meetings", "kind") => Word { required: true, words: words!(MeetingKind) },
        ("priorities", "status") => Word { required: true, words: words!(PriorityStatus) },
        ("action_team_members", "role") => Word { required: true, words: words!(TeamRole) },
        ("initiatives", "kind") | ("wins", "initiative_kind") => Word { required: true, words: words!(InitiativeKind) },
        ("initiatives", "status") => Word { required: true, words: words!(InitiativeStatus) },
        ("measures", "direction") => Word { required: true, words: words!(Direction) },
        ("measures", "category") => Word { required: true, words: words!(MeasureCategory) },
        _ => Text { required: false },
    })
}

/// A table's columns (metadata first) with their types.
type TypedColumns = Vec<(&'static str, ColType)>;

/// Every column of each table with its type, computed once.
static TABLE_TYPES: std::sync::LazyLock<Vec<(&'static str, TypedColumns)>> = std::sync::LazyLock::new(|| {
    TABLES
        .iter()
        .map(|t| {
            let cols = META_COLUMNS.iter().chain(table_columns(t)).filter_map(|c| column_type(t, c).map(|ty| (*c, ty))).collect();
            (*t, cols)
        })
        .collect()
});

/// The columns of a table (metadata first) with their types.
fn table_types(table: &str) -> &'static [(&'static str, ColType)] {
    TABLE_TYPES.iter().find(|(t, _)| *t == table).map(|(_, c)| c.as_slice()).unwrap_or(&[])
}

/// Read one cell of text (CSV, a spreadsheet cell as text) as the JSON value of its column.
pub fn cell_from_text(ty: ColType, text: &str) -> Result<Value, String> {
    let t = text.trim();
    let missing = |required: bool| if required { Err("is required".to_string()) } else { Ok(Value::Null) };
    match ty {
        ColType::Text { required } => {
            if !required && t.is_empty() {
                Ok(Value::Null)
            } else {
                Ok(Value::String(text.to_string()))
            }
        }
        _ if t.is_empty() => match ty {
            ColType::Bool => Ok(Value::Bool(false)),
            ColType::List => Ok(Value::Array(vec![])),
            ColType::Version => Ok(Value::from(1)),
            ColType::Timestamp => Ok(Value::Null),
            other => missing(other.required()),
        },
        ColType::Id { .. } => t.parse::<Id>().map(|id| Value::String(id.to_string())),
        ColType::Int { .. } => t.parse::<i64>().map(Value::from).map_err(|_| format!("'{t}' is not a whole number")),
        ColType::Version => match t.parse::<i64>() {
            Ok(v) if v >= 1 => Ok(Value::from(v)),
            _ => Err(format!("'{t}' is not a version (a whole number from 1)")),
        },
        ColType::Float { .. } => match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(Value::from(v)),
            _ => Err(format!("'{t}' is not a number")),
        },
        ColType::Bool => match t.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Value::Bool(true)),
            "false" | "no" | "0" => Ok(Value::Bool(false)),
            _ => Err(format!("'{t}' is not true or false")),
        },
        ColType::List => Ok(Value::Array(
            t.split(';').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.to_string())).collect(),
        )),
        ColType::Date { .. } => PartialDate::parse(t).map(|d| Value::String(d.to_string())),
        ColType::Day => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(|d| Value::String(d.format("%Y-%m-%d").to_string()))
            .map_err(|_| format!("'{t}' is not a date: write YYYY-MM-DD")),
        ColType::Word { words, .. } => {
            let list = words();
            list.iter()
                .find(|(w, l)| t.eq_ignore_ascii_case(w) || t.eq_ignore_ascii_case(l))
                .map(|(w, _)| Value::String(w.to_string()))
                .ok_or_else(|| format!("'{t}' is not one of: {}", list.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(", ")))
        }
        ColType::Timestamp => DateTime::parse_from_rfc3339(t)
            .map(|d| Value::String(db::timestamp_text(&d.with_timezone(&Utc))))
            .map_err(|_| format!("'{t}' is not a timestamp (RFC 3339, e.g. 2026-01-31T09:30:00Z)")),
    }
}

/// Read one JSON value of a record (JSON export) as the value of its column.
pub fn cell_from_json(ty: ColType, value: &Value) -> Result<Value, String> {
    match (ty, value) {
        (_, Value::Null) => cell_from_text(ty, ""),
        (ColType::Text { .. }, Value::String(s)) => Ok(Value::String(s.clone())),
        (_, Value::String(s)) if !matches!(ty, ColType::Int { .. } | ColType::Float { .. } | ColType::Bool | ColType::List | ColType::Version) => {
            cell_from_text(ty, s)
        }
        (ColType::Int { .. }, Value::Number(n)) if n.is_i64() => Ok(value.clone()),
        (ColType::Version, Value::Number(n)) if n.as_i64().is_some_and(|v| v >= 1) => Ok(value.clone()),
        (ColType::Float { .. }, Value::Number(_)) => Ok(value.clone()),
        (ColType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (ColType::List, Value::Array(items)) if items.iter().all(Value::is_string) => Ok(value.clone()),
        _ => {
            let want = match ty {
                ColType::Int { .. } => "a whole number",
                ColType::Version => "a whole number from 1",
                ColType::Float { .. } => "a number",
                ColType::Bool => "true or false",
                ColType::List => "a list of text",
                _ => "text",
            };
            Err(format!("{value} is not {want}"))
        }
    }
}

/// A stand-in for a cell that could not be read, so the rest of the row can still be checked.
fn placeholder(ty: ColType) -> Value {
    match ty {
        ColType::Id { .. } => Value::String(Id::nil().to_string()),
        ColType::Text { .. } => Value::String(String::new()),
        ColType::Int { .. } | ColType::Version => Value::from(1),
        ColType::Float { .. } => Value::from(0.0),
        ColType::Bool => Value::Bool(false),
        ColType::List => Value::Array(vec![]),
        ColType::Date { .. } => Value::String("1900".into()),
        ColType::Day => Value::String("1900-01-01".into()),
        ColType::Word { words, .. } => Value::String(words().first().map(|(w, _)| *w).unwrap_or_default().to_string()),
        ColType::Timestamp => Value::Null,
    }
}

// ---------------------------------------------------------------------------------------------
// Rows

/// One row of a table ready for the store: metadata and the value of every column.
#[derive(Debug, Clone)]
pub struct TableRow {
    pub table: &'static str,
    pub meta: Meta,
    /// Every column of the table, in column order (a JSON object).
    pub values: Value,
    /// Columns whose cell could not be read (already reported); the store leaves their checks out.
    pub bad_columns: Vec<String>,
    /// A required column is missing from the file's header (reported once): check, never insert.
    pub incomplete: bool,
}

/// What one row of a file becomes.
#[derive(Debug, Clone)]
pub enum RowContent {
    Table(TableRow),
    /// A registry partnership row: the partnership and its conveners.
    Partnership(SeedPartnership),
    /// A registry win row: an initiative and its win.
    Win(SeedWin),
}

/// One read row with its location (its cell problems are sent before it).
#[derive(Debug, Clone)]
pub struct Row {
    pub location: Location,
    pub content: RowContent,
}

/// What reading a part hands on: problems and rows, in file order.
#[derive(Debug, Clone)]
pub enum Item {
    Problems(Vec<RowError>),
    Row(Box<Row>),
}

/// A cell of a row: text (CSV, spreadsheet) or a JSON value (JSON export).
#[derive(Clone, Copy)]
pub enum Cell<'a> {
    Text(&'a str),
    Json(&'a Value),
}

/// Build a table row from its cells (`(column, cell)` for the columns present). Cell problems are
/// added to `problems` as `(column, reason)`. A required column with no cell is a problem when
/// `report_missing` (JSON records); otherwise the caller has reported it for the whole file and the
/// row is marked incomplete.
pub fn table_row(table: &'static str, cells: &[(&str, Cell)], report_missing: bool, problems: &mut Vec<(String, String)>) -> TableRow {
    let now = db::now();
    let mut meta = Meta { id: Id::new(), version: 1, created_at: now, updated_at: now };
    let mut values = Map::new();
    let mut bad_columns = Vec::new();
    let mut incomplete = false;
    let mut present: HashSet<&str> = HashSet::new();
    let types = table_types(table);
    for (col, cell) in cells {
        let Some((col, ty)) = types.iter().find(|(c, _)| c == col).copied() else { continue };
        present.insert(col);
        let got = match cell {
            Cell::Text(t) => cell_from_text(ty, t),
            Cell::Json(v) => cell_from_json(ty, v),
        };
        let v = got.unwrap_or_else(|msg| {
            problems.push((col.to_string(), msg));
            bad_columns.push(col.to_string());
            placeholder(ty)
        });
        match col {
            "id" => {
                if let Some(id) = v.as_str().and_then(|s| s.parse().ok()) {
                    meta.id = id;
                }
            }
            "version" => meta.version = v.as_i64().unwrap_or(1),
            "created_at" | "updated_at" => {
                if let Some(t) = v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()) {
                    let t = t.with_timezone(&Utc);
                    if col == "created_at" {
                        meta.created_at = t;
                    } else {
                        meta.updated_at = t;
                    }
                }
            }
            c => {
                values.insert(c.to_string(), v);
            }
        }
    }
    let mut out = Map::new();
    for (col, ty) in types.iter().skip(META_COLUMNS.len()) {
        let (col, ty) = (*col, *ty);
        let v = match values.remove(col) {
            Some(v) => v,
            None => {
                if ty.required() && !(table == "partnerships" && col == "slug") {
                    if report_missing && !present.contains(col) {
                        problems.push((col.to_string(), "is missing".into()));
                        bad_columns.push(col.to_string());
                    } else {
                        incomplete = true;
                    }
                    placeholder(ty)
                } else {
                    cell_from_text(ty, "").unwrap_or_else(|_| placeholder(ty))
                }
            }
        };
        out.insert(col.to_string(), v);
    }
    if table == "partnerships" && out.get("slug").and_then(Value::as_str).is_none_or(|s| s.trim().is_empty()) {
        let name = out.get("name").and_then(Value::as_str).unwrap_or_default();
        out.insert("slug".into(), Value::String(slugify(name)));
    }
    TableRow { table, meta, values: Value::Object(out), bad_columns, incomplete }
}

// ---------------------------------------------------------------------------------------------
// Headers

/// A file's header matched against a kind: for each position, the known column (or `None`).
#[derive(Debug, Clone)]
pub struct Header {
    pub kind: RowKind,
    /// The header's words as written (trimmed), for naming columns in messages.
    pub names: Vec<String>,
    /// The known column at each position; `None` for unknown, repeated or unnamed columns.
    pub columns: Vec<Option<&'static str>>,
    /// A required column is missing: rows are checked but never written.
    pub incomplete: bool,
}

/// How a caller names the kind of rows, for messages of [`detect_kind`].
const WHERE_TO_NAME_KIND: &str = "name the kind of rows (\"Kind of rows\" on the import page, ?kind= in the API, --kind on the command line)";

/// Decide what kind of rows a header holds: the one kind that knows every column (preferring one
/// whose required columns are all there), else the kind that knows the most columns, if only one
/// does. Errors say why no kind fits.
pub fn detect_kind(names: &[String]) -> Result<RowKind, String> {
    let norm: Vec<String> = names.iter().map(|n| n.trim().to_lowercase()).filter(|n| !n.is_empty()).collect();
    if norm.is_empty() {
        return Err("the header row is empty".into());
    }
    let scored: Vec<(RowKind, usize, bool)> = RowKind::all()
        .into_iter()
        .map(|k| {
            let cols = k.columns();
            let matched = norm.iter().filter(|n| cols.contains(&n.as_str())).count();
            let has_required = k.required_columns().iter().all(|r| norm.iter().any(|n| n == r));
            (k, matched, has_required)
        })
        .collect();
    let full: Vec<&(RowKind, usize, bool)> = scored.iter().filter(|(_, m, _)| *m == norm.len()).collect();
    let pick = |c: Vec<&(RowKind, usize, bool)>| -> Result<RowKind, String> {
        match c.as_slice() {
            [one] => Ok(one.0),
            many => Err(format!(
                "these columns fit several kinds of rows ({}); {WHERE_TO_NAME_KIND}",
                many.iter().map(|(k, _, _)| k.name()).collect::<Vec<_>>().join(", ")
            )),
        }
    };
    if !full.is_empty() {
        let complete: Vec<_> = full.iter().copied().filter(|(_, _, r)| *r).collect();
        return if complete.is_empty() { pick(full) } else { pick(complete) };
    }
    let best = scored.iter().map(|(_, m, _)| *m).max().unwrap_or(0);
    if best == 0 {
        return Err(format!("no column is known; {WHERE_TO_NAME_KIND} (one of: {})", RowKind::expected()));
    }
    pick(scored.iter().filter(|(_, m, _)| *m == best).collect())
}

/// Match a header against `kind`, reporting unknown, repeated and missing columns at row 1.
pub fn match_header(kind: RowKind, names: Vec<String>, at: &Location, problems: &mut Vec<RowError>) -> Header {
    let known = kind.columns();
    let mut seen: HashSet<&'static str> = HashSet::new();
    let mut columns = Vec::with_capacity(names.len());
    let row1 = at.at(1);
    for raw in names.iter() {
        let n = raw.trim().to_lowercase();
        if n.is_empty() {
            columns.push(None);
            continue;
        }
        match known.iter().find(|k| **k == n) {
            Some(k) if !seen.insert(k) => {
                problems.push(row1.error(Some(raw.trim()), "appears twice in the header"));
                columns.push(None);
            }
            Some(k) => columns.push(Some(*k)),
            None => {
                problems.push(row1.error(
                    Some(raw.trim()),
                    format!("is not a column of {} (expected: {})", kind.name(), known.join(", ")),
                ));
                columns.push(None);
            }
        }
    }
    let mut incomplete = false;
    for r in kind.required_columns() {
        if !seen.contains(r) {
            problems.push(row1.error(Some(r), "is a required column and is missing from the header"));
            incomplete = true;
        }
    }
    Header { kind, names: names.iter().map(|n| n.trim().to_string()).collect(), columns, incomplete }
}

impl Header {
    fn column_label(&self, i: usize) -> String {
        match self.names.get(i) {
            Some(n) if !n.is_empty() => n.clone(),
            _ => format!("{}", i + 1),
        }
    }

    /// The cell of a known column in a row of text cells ("" when the file lacks the column).
    fn cell<'c>(&self, cells: &[&'c str], col: &str) -> &'c str {
        self.columns.iter().position(|c| *c == Some(col)).and_then(|i| cells.get(i)).copied().unwrap_or("")
    }

    /// Turn a row of text cells into a row for the store; cell problems go to `problems`.
    pub fn row(&self, at: &Location, cells: &[&str], problems: &mut Vec<RowError>) -> Row {
        let mut local: Vec<(String, String)> = Vec::new();
        let content = match self.kind {
            RowKind::Table(table) => {
                let present: Vec<(&str, Cell)> =
                    self.columns.iter().zip(cells).filter_map(|(c, v)| c.map(|c| (c, Cell::Text(v)))).collect();
                let mut row = table_row(table, &present, false, &mut local);
                row.incomplete |= self.incomplete;
                RowContent::Table(row)
            }
            RowKind::RegistryPartnerships => {
                let get = |col: &str| self.cell(cells, col);
                let row = seed::PartnershipRow {
                    name: get("name"),
                    state: get("state"),
                    region: get("region"),
                    sector: get("sector"),
                    convener: get("convener"),
                    launched: get("launched"),
                    status_reported: get("status_reported"),
                    source_url: get("source_url"),
                };
                let (mut seed, errs) = seed::partnership_from_row(&row);
                local.extend(errs.into_iter().map(|(c, m)| (c.to_string(), m)));
                seed.incomplete |= self.incomplete;
                RowContent::Partnership(seed)
            }
            RowKind::RegistryWins => {
                let get = |col: &str| self.cell(cells, col);
                let row = seed::WinRow {
                    partnership: get("partnership"),
                    year: get("year"),
                    initiative_kind: get("initiative_kind"),
                    title: get("title"),
                    detail: get("detail"),
                    figures: get("figures"),
                    source_url: get("source_url"),
                };
                let (mut seed, errs) = seed::win_from_row(&row);
                local.extend(errs.into_iter().map(|(c, m)| (c.to_string(), m)));
                seed.incomplete |= self.incomplete;
                RowContent::Win(seed)
            }
        };
        if !matches!(self.kind, RowKind::Table(_)) {
            // A column missing from the header was reported once, at row 1.
            local.retain(|(c, _)| self.columns.contains(&Some(c.as_str())));
        }
        for (c, m) in local {
            problems.push(at.error(Some(&c), m));
        }
        Row { location: at.clone(), content }
    }
}

// ---------------------------------------------------------------------------------------------
// Sources and parts

/// A file to import: a path, bytes bundled with the binary, or bytes received (an upload).
#[derive(Debug, Clone)]
pub struct Source {
    /// How messages name the file. Its extension tells the format (see [`format_of`]).
    pub label: String,
    pub data: SourceData,
}

/// Where a source's bytes are.
#[derive(Debug, Clone)]
pub enum SourceData {
    Path(PathBuf),
    Bundled(&'static [u8]),
    /// Bytes held in memory, e.g. a file uploaded through the web page or the API (cloning is
    /// cheap: the bytes are shared, not copied).
    Bytes(Bytes),
}

impl Source {
    /// A file on disk, named in messages as given.
    pub fn path(p: impl Into<PathBuf>) -> Source {
        let p = p.into();
        Source { label: p.display().to_string(), data: SourceData::Path(p) }
    }
    /// Bytes bundled with the binary, named `label` in messages.
    pub fn bundled(label: &str, bytes: &'static [u8]) -> Source {
        Source { label: label.to_string(), data: SourceData::Bundled(bytes) }
    }
    /// Bytes held in memory (an upload), named `label` in messages.
    pub fn bytes(label: &str, bytes: impl Into<Bytes>) -> Source {
        Source { label: label.to_string(), data: SourceData::Bytes(bytes.into()) }
    }
    fn len(&self) -> io::Result<u64> {
        match &self.data {
            SourceData::Path(p) => Ok(std::fs::metadata(p)?.len()),
            SourceData::Bundled(b) => Ok(b.len() as u64),
            SourceData::Bytes(b) => Ok(b.len() as u64),
        }
    }
    fn reader(&self) -> io::Result<Box<dyn Read + Send>> {
        match &self.data {
            SourceData::Path(p) => Ok(Box::new(BufReader::with_capacity(1 << 16, std::fs::File::open(p)?))),
            SourceData::Bundled(b) => Ok(Box::new(Cursor::new(*b))),
            SourceData::Bytes(b) => Ok(Box::new(Cursor::new(b.clone()))),
        }
    }
    /// The whole file in memory (a workbook is read whole: calamine needs to seek in it).
    fn all_bytes(&self) -> io::Result<Bytes> {
        match &self.data {
            SourceData::Path(p) => std::fs::read(p).map(Bytes::from),
            SourceData::Bundled(b) => Ok(Bytes::from_static(b)),
            SourceData::Bytes(b) => Ok(b.clone()),
        }
    }
    fn head(&self) -> io::Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(512);
        self.reader()?.take(512).read_to_end(&mut buf)?;
        Ok(buf)
    }
}

/// File formats the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Workbook,
}

/// The format of a source: by its name's extension (`.csv`, `.json`, `.xlsx`/`.xlsm`/`.xlsb`/
/// `.xls`/`.ods`), else by its first bytes (a zip or OLE file is a workbook, `{` opens JSON).
pub fn format_of(label: &str, head: &[u8]) -> Format {
    let ext = label.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" | "txt" => Format::Csv,
        "json" => Format::Json,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Workbook,
        _ if head.starts_with(b"PK\x03\x04") || head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) => Format::Workbook,
        _ if head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => Format::Json,
        _ => Format::Csv,
    }
}

/// A unit of reading: a CSV file, one sheet of a workbook, or a JSON export.
pub struct Part {
    pub location: Location,
    /// The kind of its rows; `None` for a JSON export (it names its tables).
    pub kind: Option<RowKind>,
    body: Body,
}

enum Body {
    Csv { reader: Box<csv::Reader<QuoteCheck>>, header: Header },
    /// A sheet's non-empty cells after its header, as (row, column, value), 0-based, in order;
    /// rows are `width` columns from `first_col`.
    Sheet { cells: Vec<(u32, u32, calamine::Data)>, first_col: u32, width: usize, header: Header },
    Json { reader: Box<dyn Read + Send> },
}

impl Part {
    /// Sorting key: parents before children (JSON exports first).
    pub fn order(&self) -> usize {
        self.kind.map(RowKind::order).unwrap_or(0)
    }
}

/// Open a source: check its size, tell its format, read its header(s) and decide the kind of its
/// rows (`forced` when the caller named it). Problems with the file or its header are added to
/// `problems`; a part whose kind cannot be told is left out. `wrap` may wrap the byte stream (for
/// a progress bar) and is given the file's size.
pub fn open(
    source_index: usize,
    source: &Source,
    forced: Option<RowKind>,
    wrap: &dyn Fn(Box<dyn Read + Send>, u64) -> Box<dyn Read + Send>,
    problems: &mut Vec<RowError>,
) -> Vec<Part> {
    let file: Arc<str> = Arc::from(source.label.as_str());
    let at = Location::file(source_index, &file);
    let len = match source.len() {
        Ok(l) => l,
        Err(e) => {
            problems.push(at.error(None, format!("cannot be read: {e}")));
            return vec![];
        }
    };
    if len > MAX_FILE_BYTES {
        problems.push(at.error(None, format!("is {len} bytes; files over 1 GiB ({MAX_FILE_BYTES} bytes) are refused: split it into smaller files")));
        return vec![];
    }
    let head = match source.head() {
        Ok(h) => h,
        Err(e) => {
            problems.push(at.error(None, format!("cannot be read: {e}")));
            return vec![];
        }
    };
    let format = format_of(&source.label, &head);
    if format == Format::Workbook {
        return open_workbook(at, source, forced, problems);
    }
    let reader = match source.reader() {
        Ok(r) => wrap(r, len),
        Err(e) => {
            problems.push(at.error(None, format!("cannot be read: {e}")));
            return vec![];
        }
    };
    match format {
        Format::Json => vec![Part { location: at, kind: None, body: Body::Json { reader } }],
        _ => open_csv(at, reader, forced, problems).into_iter().collect(),
    }
}

fn open_csv(at: Location, reader: Box<dyn Read + Send>, forced: Option<RowKind>, problems: &mut Vec<RowError>) -> Option<Part> {
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(QuoteCheck::new(reader));
    let mut rec = csv::ByteRecord::new();
    match rdr.read_byte_record(&mut rec) {
        Ok(true) => {}
        Ok(false) => {
            problems.push(at.error(None, "is empty: the first row must name the columns"));
            return None;
        }
        Err(e) => {
            problems.push(at.at(1).error(None, format!("cannot be read: {e}")));
            return None;
        }
    }
    let end = rdr.position().byte();
    let mut names = Vec::with_capacity(rec.len());
    for (i, b) in rec.iter().enumerate() {
        match std::str::from_utf8(b) {
            Ok(s) => names.push(s.trim().to_string()),
            Err(_) => {
                problems.push(at.at(1).error(Some(&format!("{}", i + 1)), "is not valid UTF-8 text"));
                names.push(String::new());
            }
        }
    }
    for (field, msg) in rdr.get_mut().take_problems_before(end) {
        let col = names.get(field).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| format!("{}", field + 1));
        problems.push(at.at(1).error(Some(&col), msg));
    }
    let kind = match forced.map(Ok).unwrap_or_else(|| detect_kind(&names)) {
        Ok(k) => k,
        Err(msg) => {
            problems.push(at.at(1).error(None, msg));
            return None;
        }
    };
    let header = match_header(kind, names, &at, problems);
    Some(Part { location: at, kind: Some(kind), body: Body::Csv { reader: Box::new(rdr), header } })
}

/// The widest sheet read: 200 columns (A to GR). The widest layout has about 20 columns; a sheet
/// using more is refused before its cells are kept (a cell at XFD1048576 would otherwise ask for
/// a grid of 17 billion cells).
pub const MAX_SHEET_COLUMNS: u32 = 200;
/// The most rows a sheet can have (Excel's own limit, 2^20).
pub const MAX_SHEET_ROWS: u32 = 1_048_576;
/// The most non-empty cells read from one workbook (all sheets together): 1 million rows of 5
/// values; about 200 MB of cells at most.
pub const MAX_WORKBOOK_VALUES: usize = 5_000_000;
/// The most cell entries (empty ones included) scanned in one workbook, bounding the time a
/// compressed sheet full of empty cells can take.
pub const MAX_WORKBOOK_CELL_ENTRIES: u64 = 50_000_000;

/// Why [`guarded`] gave up on a workbook.
const READER_FAILED: &str = "the workbook is malformed: the XLSX reader failed on it";

/// Run a call into the workbook reader (calamine), turning a panic of the reader into `Err(None)`
/// so a malformed file is reported like any other. calamine 0.38 panics (in builds with overflow
/// checks) on a cell reference whose row or column number overflows 32 bits, e.g.
/// `r="A99999999999"`; found by the importers' fuzz test (tests/it/robustness.rs, SECURITY.md).
/// The panic message still reaches standard error through the panic hook.
fn guarded<T, E>(call: impl FnOnce() -> Result<T, E>) -> Result<T, Option<E>> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)) {
        Ok(r) => r.map_err(Some),
        Err(_) => Err(None),
    }
}

/// A workbook whose sheets can be read cell by cell (calamine's XLS and ODS readers build every
/// sheet's full grid when the file is opened, so those formats are not read).
enum Book {
    Xlsx(calamine::Xlsx<Cursor<Bytes>>),
    Xlsb(calamine::Xlsb<Cursor<Bytes>>),
}

/// Why a sheet's cells were not kept.
enum SheetRefusal {
    /// A chart sheet or the like: left out silently.
    NotAWorksheet,
    /// The message of a problem (the sheet's name is added by the caller).
    Problem(String),
}

/// The spreadsheet name of a cell: `XFD1048576` for (row 1048575, column 16383), 0-based.
fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col as usize), row as u64 + 1)
}

/// Keep the non-empty cells `next` yields, refusing (before keeping it) a cell beyond
/// [`MAX_SHEET_COLUMNS`] or [`MAX_SHEET_ROWS`] or past the workbook's budgets. Cells come back in
/// (row, column) order.
fn collect_cells<'a>(
    mut next: impl FnMut() -> Result<Option<calamine::Cell<calamine::DataRef<'a>>>, String>,
    values_left: &mut usize,
    entries_left: &mut u64,
) -> Result<Vec<(u32, u32, calamine::Data)>, SheetRefusal> {
    let mut cells = Vec::new();
    while let Some(cell) = next().map_err(|e| SheetRefusal::Problem(format!("cannot be read: {e}")))? {
        if *entries_left == 0 {
            return Err(SheetRefusal::Problem(format!(
                "holds more than {MAX_WORKBOOK_CELL_ENTRIES} cells (empty ones included) in the workbook; split it into smaller files"
            )));
        }
        *entries_left -= 1;
        if matches!(cell.get_value(), calamine::DataRef::Empty) {
            continue;
        }
        let (row, col) = cell.get_position();
        if col >= MAX_SHEET_COLUMNS {
            return Err(SheetRefusal::Problem(format!(
                "uses columns up to {} (cell {}); at most {MAX_SHEET_COLUMNS} columns (A to {}) are read",
                column_letters(col as usize),
                cell_name(row, col),
                column_letters(MAX_SHEET_COLUMNS as usize - 1)
            )));
        }
        if row >= MAX_SHEET_ROWS {
            return Err(SheetRefusal::Problem(format!(
                "uses rows up to {} (cell {}); a sheet has at most {MAX_SHEET_ROWS} rows",
                row as u64 + 1,
                cell_name(row, col)
            )));
        }
        if *values_left == 0 {
            return Err(SheetRefusal::Problem(format!(
                "holds more than {MAX_WORKBOOK_VALUES} values in the workbook; split it into smaller files"
            )));
        }
        *values_left -= 1;
        cells.push((row, col, calamine::Data::from(cell.get_value().clone())));
    }
    cells.sort_by_key(|&(r, c, _)| (r, c));
    Ok(cells)
}

impl Book {
    /// Open an XLSX (or XLSM, XLSB) workbook; other workbooks get a message saying what to do.
    fn open(bytes: Bytes) -> Result<Book, String> {
        use calamine::Reader as _;
        if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            return Err("is an Excel 97-2003 workbook (XLS), which is not read: save it as XLSX or CSV".into());
        }
        let unreadable = |why: &str| format!("is not an XLSX workbook that can be read ({why}); XLS and ODS workbooks are not read: save it as XLSX or CSV");
        guarded(|| match calamine::Xlsx::new(Cursor::new(bytes.clone())) {
            Ok(wb) => Ok(Book::Xlsx(wb)),
            Err(xlsx) => match calamine::Xlsb::new(Cursor::new(bytes)) {
                Ok(wb) => Ok(Book::Xlsb(wb)),
                Err(_) => Err(unreadable(&xlsx.to_string())),
            },
        })
        .map_err(|e| e.unwrap_or_else(|| unreadable(READER_FAILED)))
    }

    /// The names of the workbook's worksheets (chart sheets and the like left out), in order.
    fn sheet_names(&self) -> Vec<String> {
        use calamine::Reader as _;
        let sheets = match self {
            Book::Xlsx(wb) => wb.sheets_metadata(),
            Book::Xlsb(wb) => wb.sheets_metadata(),
        };
        sheets.iter().filter(|s| s.typ == calamine::SheetType::WorkSheet).map(|s| s.name.clone()).collect()
    }

    /// The non-empty cells of a sheet, streamed (see [`collect_cells`]).
    fn cells(&mut self, name: &str, values_left: &mut usize, entries_left: &mut u64) -> Result<Vec<(u32, u32, calamine::Data)>, SheetRefusal> {
        match self {
            Book::Xlsx(wb) => {
                let mut reader = match guarded(|| wb.worksheet_cells_reader(name)) {
                    Ok(r) => r,
                    Err(Some(calamine::XlsxError::NotAWorksheet(_))) => return Err(SheetRefusal::NotAWorksheet),
                    Err(Some(e)) => return Err(SheetRefusal::Problem(format!("cannot be read: {e}"))),
                    Err(None) => return Err(SheetRefusal::Problem(format!("cannot be read: {READER_FAILED}"))),
                };
                collect_cells(|| guarded(|| reader.next_cell().map_err(|e| e.to_string())).map_err(|e| e.unwrap_or_else(|| READER_FAILED.into())), values_left, entries_left)
            }
            Book::Xlsb(wb) => {
                let mut reader = guarded(|| wb.worksheet_cells_reader(name).map_err(|e| e.to_string()))
                    .map_err(|e| SheetRefusal::Problem(format!("cannot be read: {}", e.unwrap_or_else(|| READER_FAILED.into()))))?;
                collect_cells(|| guarded(|| reader.next_cell().map_err(|e| e.to_string())).map_err(|e| e.unwrap_or_else(|| READER_FAILED.into())), values_left, entries_left)
            }
        }
    }
}

fn open_workbook(at: Location, source: &Source, forced: Option<RowKind>, problems: &mut Vec<RowError>) -> Vec<Part> {
    let book = source.all_bytes().map_err(|e| format!("cannot be read: {e}")).and_then(Book::open);
    let mut book = match book {
        Ok(b) => b,
        Err(e) => {
            problems.push(at.error(None, e));
            return vec![];
        }
    };
    let mut values_left = MAX_WORKBOOK_VALUES;
    let mut entries_left = MAX_WORKBOOK_CELL_ENTRIES;
    let mut sheets = Vec::new();
    for name in book.sheet_names() {
        match book.cells(&name, &mut values_left, &mut entries_left) {
            Ok(cells) if cells.is_empty() => {}
            Err(SheetRefusal::NotAWorksheet) => {}
            read => sheets.push((name, read)),
        }
    }
    if sheets.is_empty() {
        problems.push(at.error(None, "has no sheet with data"));
        return vec![];
    }
    let several = sheets.len() > 1;
    let mut parts = Vec::new();
    for (name, read) in sheets {
        let mut here = at.clone();
        if several {
            here.part = Some(Arc::from(name.as_str()));
        }
        let mut cells = match read {
            Ok(c) => c,
            Err(SheetRefusal::Problem(m)) => {
                problems.push(here.error(None, format!("sheet '{name}' {m}")));
                continue;
            }
            Err(SheetRefusal::NotAWorksheet) => continue,
        };
        // The used area: from the first non-empty row and the leftmost non-empty column.
        let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
        let last_col = cells.iter().map(|c| c.1).max().unwrap_or(0);
        let width = (last_col - first_col + 1) as usize;
        let header_index = cells[0].0;
        let rest = cells.iter().position(|c| c.0 != header_index).unwrap_or(cells.len());
        let header_cells = dense_row(cells.drain(..rest), first_col, width);
        let header_row = header_index as usize + 1;
        let mut names = Vec::with_capacity(header_cells.len());
        for (i, c) in header_cells.iter().enumerate() {
            match sheet_text(c) {
                Ok(t) => names.push(t.trim().to_string()),
                Err(m) => {
                    problems.push(here.at(header_row).error(Some(&column_letters(first_col as usize + i)), m));
                    names.push(String::new());
                }
            }
        }
        let kind = forced.map(Ok).unwrap_or_else(|| match detect_kind(&names) {
            Err(e) => RowKind::parse(&name).ok_or(e),
            ok => ok,
        });
        let kind = match kind {
            Ok(k) => k,
            Err(msg) => {
                problems.push(here.at(header_row).error(None, msg));
                continue;
            }
        };
        let mut header_problems = Vec::new();
        let header = match_header(kind, names, &here, &mut header_problems);
        // A header that does not start on the first row of the sheet: name its real row.
        for mut p in header_problems {
            p.location.row = Some(header_row);
            problems.push(p);
        }
        parts.push(Part { location: here, kind: Some(kind), body: Body::Sheet { cells, first_col, width, header } });
    }
    parts
}

/// One row of a sheet as `width` cells from column `first_col` (empty where nothing is written).
fn dense_row(cells: impl Iterator<Item = (u32, u32, calamine::Data)>, first_col: u32, width: usize) -> Vec<calamine::Data> {
    let mut row = vec![calamine::Data::Empty; width];
    for (_, c, v) in cells {
        if let Some(slot) = row.get_mut((c - first_col) as usize) {
            *slot = v;
        }
    }
    row
}

/// Spreadsheet column letters of a 0-based column index: A, B, ..., Z, AA, ...
pub fn column_letters(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The text of a spreadsheet cell. Whole numbers are written without a decimal point; dates as
/// `YYYY-MM-DD` (with the time when there is one). Spreadsheet dates count days from 1899-12-30
/// (the 1900 date system as Excel and LibreOffice read it).
pub fn sheet_text(c: &calamine::Data) -> Result<String, String> {
    use calamine::Data;
    Ok(match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 1e15 {
                format!("{}", *f as i64)
            } else {
                format!("{f}")
            }
        }
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_datetime() {
                let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default().and_hms_opt(0, 0, 0).unwrap_or_default();
                let ms = (serial * 86_400_000.0).round();
                // A serial beyond what a date can hold (a damaged file, or 1e308 formatted as a
                // date) is refused rather than overflowing.
                let t = (ms.is_finite() && ms.abs() < 1e17)
                    .then(|| chrono::Duration::try_milliseconds(ms as i64))
                    .flatten()
                    .and_then(|d| epoch.checked_add_signed(d))
                    .ok_or_else(|| format!("holds a date out of range (day number {serial:e})"))?;
                let ms = ms as i64;
                if ms % 86_400_000 == 0 {
                    t.format("%Y-%m-%d").to_string()
                } else {
                    t.format("%Y-%m-%dT%H:%M:%S").to_string()
                }
            } else {
                format!("{serial}")
            }
        }
        Data::Error(e) => return Err(format!("holds the spreadsheet error {e}")),
    })
}

impl Part {
    /// Read every row, handing problems and rows to `sink` in file order; stops early when `sink`
    /// returns false.
    pub fn read(self, sink: &mut dyn FnMut(Item) -> bool) {
        let at = self.location;
        match self.body {
            Body::Csv { reader, header } => read_csv(&at, *reader, &header, sink),
            Body::Sheet { cells, first_col, width, header } => read_sheet(&at, cells, first_col, width, &header, sink),
            Body::Json { reader } => read_json(&at, reader, sink),
        }
    }
}

fn send(sink: &mut dyn FnMut(Item) -> bool, problems: &mut Vec<RowError>, row: Option<Row>) -> bool {
    if !problems.is_empty() && !sink(Item::Problems(std::mem::take(problems))) {
        return false;
    }
    match row {
        Some(r) => sink(Item::Row(Box::new(r))),
        None => true,
    }
}

fn read_csv(at: &Location, mut rdr: csv::Reader<QuoteCheck>, header: &Header, sink: &mut dyn FnMut(Item) -> bool) {
    let mut rec = csv::ByteRecord::new();
    let mut row = 1usize;
    let mut problems = Vec::new();
    let width = header.names.len();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                problems.push(at.at(row + 1).error(None, format!("cannot be read: {e}")));
                break;
            }
        }
        row += 1;
        let here = at.at(row);
        let end = rdr.position().byte();
        let mut broken = false;
        for (field, msg) in rdr.get_mut().take_problems_before(end) {
            problems.push(here.error(Some(&header.column_label(field)), msg));
            broken = true;
        }
        if rec.len() != width {
            let col = header.column_label(rec.len().min(width));
            let n = rec.len();
            problems.push(here.error(Some(&col), format!("the row has {n} value{}; the header has {width} columns", if n == 1 { "" } else { "s" })));
            broken = true;
        }
        let mut cells: Vec<&str> = Vec::with_capacity(rec.len());
        for (i, b) in rec.iter().enumerate() {
            match std::str::from_utf8(b) {
                Ok(s) => cells.push(s),
                Err(_) => {
                    problems.push(here.error(Some(&header.column_label(i)), "is not valid UTF-8 text"));
                    broken = true;
                    cells.push("");
                }
            }
        }
        let out = if broken { None } else { Some(header.row(&here, &cells, &mut problems)) };
        if !send(sink, &mut problems, out) {
            return;
        }
    }
    for (field, msg) in rdr.get_mut().finish() {
        problems.push(at.at(row.max(2)).error(Some(&header.column_label(field)), msg));
    }
    send(sink, &mut problems, None);
}

fn read_sheet(at: &Location, cells: Vec<(u32, u32, calamine::Data)>, first_col: u32, width: usize, header: &Header, sink: &mut dyn FnMut(Item) -> bool) {
    let mut problems = Vec::new();
    let mut cells = cells.into_iter().peekable();
    while let Some(first) = cells.next() {
        let row_index = first.0;
        let mut in_row = vec![first];
        while let Some(c) = cells.next_if(|c| c.0 == row_index) {
            in_row.push(c);
        }
        let cells = dense_row(in_row.into_iter(), first_col, width);
        let here = at.at(row_index as usize + 1);
        let mut texts = Vec::with_capacity(cells.len());
        let mut broken = false;
        for (j, c) in cells.iter().enumerate() {
            let label = || match header.names.get(j) {
                Some(n) if !n.is_empty() => n.clone(),
                _ => column_letters(first_col as usize + j),
            };
            match sheet_text(c) {
                Ok(t) => {
                    if !t.trim().is_empty() && header.names.get(j).is_none_or(|n| n.is_empty()) {
                        problems.push(here.error(Some(&label()), "holds a value under no column heading"));
                        broken = true;
                    }
                    texts.push(t);
                }
                Err(m) => {
                    problems.push(here.error(Some(&label()), m));
                    broken = true;
                    texts.push(String::new());
                }
            }
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let out = if broken { None } else { Some(header.row(&here, &refs, &mut problems)) };
        if !send(sink, &mut problems, out) {
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strict CSV quoting

/// Passes a CSV byte stream through unchanged (less a leading UTF-8 byte-order mark) while
/// checking its quoting against RFC 4180, which the `csv` crate does not enforce: a quote inside
/// an unquoted field, text after a closing quote, and a quoted field never closed are reported,
/// each with the byte offset of its record and its field index.
pub struct QuoteCheck {
    inner: Box<dyn Read + Send>,
    offset: u64,
    state: QState,
    field: usize,
    record_start: u64,
    started: bool,
    problems: std::collections::VecDeque<(u64, usize, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QState {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
    Broken,
}

impl QuoteCheck {
    fn new(inner: Box<dyn Read + Send>) -> QuoteCheck {
        QuoteCheck { inner, offset: 0, state: QState::FieldStart, field: 0, record_start: 0, started: false, problems: Default::default() }
    }
    fn problem(&mut self, msg: &str) {
        self.problems.push_back((self.record_start, self.field, msg.to_string()));
    }
    fn scan(&mut self, buf: &[u8]) {
        for &b in buf {
            let pos = self.offset;
            self.offset += 1;
            match (self.state, b) {
                (QState::Quoted, b'"') => self.state = QState::QuoteInQuoted,
                (QState::Quoted, _) => {}
                (QState::QuoteInQuoted, b'"') => self.state = QState::Quoted,
                (QState::FieldStart, b'"') => self.state = QState::Quoted,
                (_, b',') => {
                    self.state = QState::FieldStart;
                    self.field += 1;
                }
                (_, b'\n' | b'\r') => {
                    self.state = QState::FieldStart;
                    self.field = 0;
                    self.record_start = pos + 1;
                }
                (QState::Unquoted | QState::FieldStart, _) if b == b'"' => {
                    self.problem("has a quote inside a field that does not start with one (write \"\" inside a quoted field)");
                    self.state = QState::Broken;
                }
                (QState::QuoteInQuoted, _) => {
                    self.problem("has text after the closing quote of a quoted field");
                    self.state = QState::Broken;
                }
                (QState::FieldStart, _) => self.state = QState::Unquoted,
                (QState::Unquoted | QState::Broken, _) => {}
            }
        }
    }
    /// Problems of records that start before byte `end` (as `(field index, reason)`).
    fn take_problems_before(&mut self, end: u64) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        while self.problems.front().is_some_and(|(start, _, _)| *start < end) {
            if let Some((_, f, m)) = self.problems.pop_front() {
                out.push((f, m));
            }
        }
        out
    }
    /// At the end of input: the remaining problems, and a quoted field never closed.
    fn finish(&mut self) -> Vec<(usize, String)> {
        if self.state == QState::Quoted {
            self.problem("opens a quoted field that is never closed");
            self.state = QState::FieldStart;
        }
        self.take_problems_before(u64::MAX)
    }
}

impl Read for QuoteCheck {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        if !self.started {
            self.started = true;
            if n >= 3 && buf[..3] == [0xEF, 0xBB, 0xBF] {
                buf.copy_within(3..n, 0);
                n -= 3;
            }
        }
        self.scan(&buf[..n]);
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------------
// JSON export reading (streamed: one record in memory at a time)

struct JsonCtx<'s> {
    at: Location,
    sink: &'s mut dyn FnMut(Item) -> bool,
    format: Option<Value>,
    version: Option<Value>,
    stopped: bool,
    problems: Vec<RowError>,
}

impl JsonCtx<'_> {
    fn record(&mut self, table: &'static str, n: usize, value: Value) {
        let mut here = self.at.at(n);
        here.part = Some(Arc::from(table));
        let Value::Object(obj) = value else {
            self.problems.push(here.error(None, format!("is {value}, not a record (an object)")));
            return;
        };
        let mut local = Vec::new();
        let mut cells: Vec<(&str, Cell)> = Vec::with_capacity(obj.len());
        for (k, v) in &obj {
            if column_type(table, k).is_some() {
                cells.push((k.as_str(), Cell::Json(v)));
            } else {
                local.push((k.clone(), format!("is not a column of {table}")));
            }
        }
        let row = table_row(table, &cells, true, &mut local);
        let mut problems = std::mem::take(&mut self.problems);
        problems.extend(local.into_iter().map(|(c, m)| here.error(Some(&c), m)));
        if !send(self.sink, &mut problems, Some(Row { location: here, content: RowContent::Table(row) })) {
            self.stopped = true;
        }
    }
}

struct ExportVisitor<'a, 's>(&'a mut JsonCtx<'s>);

impl<'de> Visitor<'de> for ExportVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a Shared Table export (a JSON object with \"format\": \"{EXPORT_FORMAT}\")")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if self.0.stopped {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            match key.as_str() {
                "format" => self.0.format = Some(map.next_value()?),
                "version" => self.0.version = Some(map.next_value()?),
                k => match TABLES.iter().find(|t| **t == k) {
                    Some(table) => map.next_value_seed(TableSeed { table, ctx: self.0 })?,
                    None => {
                        map.next_value::<IgnoredAny>()?;
                        let at = self.0.at.clone();
                        self.0.problems.push(at.error(None, format!("\"{k}\" is not a table (expected: {})", TABLES.join(", "))));
                    }
                },
            }
        }
        Ok(())
    }
}

struct TableSeed<'a, 's> {
    table: &'static str,
    ctx: &'a mut JsonCtx<'s>,
}

impl<'de> DeserializeSeed<'de> for TableSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TableSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a list of {} records", self.table)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            n += 1;
            if !self.ctx.stopped {
                self.ctx.record(self.table, n, v);
            }
        }
        Ok(())
    }
}

fn read_json(at: &Location, reader: Box<dyn Read + Send>, sink: &mut dyn FnMut(Item) -> bool) {
    let mut ctx = JsonCtx { at: at.clone(), sink, format: None, version: None, stopped: false, problems: Vec::new() };
    let mut de = serde_json::Deserializer::from_reader(reader);
    let result = serde::Deserializer::deserialize_map(&mut de, ExportVisitor(&mut ctx)).and_then(|_| de.end());
    let mut problems = std::mem::take(&mut ctx.problems);
    if let Err(e) = result {
        let msg = if e.is_io() { format!("cannot be read: {e}") } else { format!("is not valid JSON: {e}") };
        problems.push(at.error(None, msg));
    } else {
        if ctx.format.as_ref().and_then(Value::as_str) != Some(EXPORT_FORMAT) {
            problems.push(at.error(None, format!("is not a Shared Table export: its \"format\" must be \"{EXPORT_FORMAT}\"")));
        }
        if ctx.version.as_ref().and_then(Value::as_i64) != Some(EXPORT_VERSION) {
            problems.push(at.error(None, format!("has export version {}, this build reads version {EXPORT_VERSION}", ctx.version.unwrap_or(Value::Null))));
        }
    }
    send(ctx.sink, &mut problems, None);
}

// ---------------------------------------------------------------------------------------------
// Export writers

/// The JSON value of a record as exported: `Record<F>` as it serializes, less contacts unless
/// asked for.
pub fn export_value<F: Entity>(rec: &Record<F>, include_contacts: bool) -> io::Result<Value> {
    let mut v = serde_json::to_value(rec).map_err(io::Error::other)?;
    if F::TABLE == "people" && !include_contacts {
        if let Value::Object(m) = &mut v {
            for c in CONTACT_COLUMNS {
                m.shift_remove(*c);
            }
        }
    }
    Ok(v)
}

/// Writes a JSON export table by table; tables must come in [`TABLES`] order and all of them.
pub struct JsonExportWriter<W: Write> {
    out: W,
    next_table: usize,
    include_contacts: bool,
}

impl<W: Write> JsonExportWriter<W> {
    /// Start an export: writes the opening and the `format` and `version` keys.
    pub fn new(mut out: W, include_contacts: bool) -> io::Result<Self> {
        write!(out, "{{\n  \"format\": \"{EXPORT_FORMAT}\",\n  \"version\": {EXPORT_VERSION}")?;
        Ok(JsonExportWriter { out, next_table: 0, include_contacts })
    }
    /// Write one table's records (give them in id order). Errors when the table is out of order.
    pub fn table<F: Entity>(&mut self, records: &[Record<F>]) -> io::Result<()> {
        if TABLES.get(self.next_table) != Some(&F::TABLE) {
            return Err(io::Error::other(format!("export wrote {} out of order", F::TABLE)));
        }
        self.next_table += 1;
        write!(self.out, ",\n  \"{}\": [", F::TABLE)?;
        for (i, r) in records.iter().enumerate() {
            let v = export_value(r, self.include_contacts)?;
            self.out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            serde_json::to_writer(&mut self.out, &v).map_err(io::Error::other)?;
        }
        if !records.is_empty() {
            self.out.write_all(b"\n  ")?;
        }
        self.out.write_all(b"]")
    }
    /// Close the export; errors when a table was not written.
    pub fn finish(mut self) -> io::Result<W> {
        if self.next_table != TABLES.len() {
            return Err(io::Error::other(format!("export is missing table {}", TABLES[self.next_table])));
        }
        self.out.write_all(b"\n}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The export CSV columns of a table: metadata, then its columns (less contacts unless asked for).
pub fn csv_columns<F: Entity>(include_contacts: bool) -> Vec<&'static str> {
    META_COLUMNS
        .iter()
        .chain(F::COLUMNS)
        .copied()
        .filter(|c| include_contacts || F::TABLE != "people" || !CONTACT_COLUMNS.contains(c))
        .collect()
}

/// The CSV text of an exported value: empty for null, `;`-joined lists, JSON's form of numbers.
pub fn csv_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) => items.iter().map(csv_text).collect::<Vec<_>>().join(";"),
        Value::Object(_) => v.to_string(),
    }
}

/// Write one table as export CSV.
pub fn write_csv_table<F: Entity, W: Write>(out: W, records: &[Record<F>], include_contacts: bool) -> io::Result<W> {
    let cols = csv_columns::<F>(include_contacts);
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&cols)?;
    for r in records {
        let v = export_value(r, include_contacts)?;
        w.write_record(cols.iter().map(|c| csv_text(v.get(*c).unwrap_or(&Value::Null))))?;
    }
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_column_of_every_table_has_a_type() {
        for t in TABLES {
            let cols = table_columns(t);
            assert!(!cols.is_empty(), "{t}");
            for c in META_COLUMNS.iter().chain(cols) {
                assert!(column_type(t, c).is_some(), "{t}.{c}");
            }
            assert!(column_type(t, "nonsense").is_none());
        }
        assert!(column_type("people", "title").is_some_and(|t| !t.required()));
        assert!(column_type("wins", "title").is_some_and(|t| t.required()));
        assert!(column_type("wins", "initiative_id").is_some_and(|t| !t.required()));
        assert!(column_type("wins", "partnership_id").is_some_and(|t| t.required()));
    }

    #[test]
    fn text_cells_read_as_their_column_type() {
        let ty = |t, c| column_type(t, c).unwrap();
        assert_eq!(cell_from_text(ty("partnerships", "naics_codes"), "31-33; 62 ;").unwrap(), serde_json::json!(["31-33", "62"]));
        assert_eq!(cell_from_text(ty("partnerships", "stage"), "").unwrap(), Value::Null);
        assert_eq!(cell_from_text(ty("partnerships", "stage"), "Sustaining").unwrap(), serde_json::json!("sustaining"));
        assert_eq!(
            cell_from_text(ty("partnerships", "stage"), "thriving").unwrap_err(),
            "'thriving' is not one of: exploring, launching, implementing, sustaining, inactive"
        );
        assert_eq!(cell_from_text(ty("memberships", "role"), "Industry champion").unwrap(), serde_json::json!("industry_champion"));
        assert_eq!(cell_from_text(ty("priorities", "rank"), "x").unwrap_err(), "'x' is not a whole number");
        assert_eq!(cell_from_text(ty("priorities", "rank"), " ").unwrap_err(), "is required");
        assert_eq!(cell_from_text(ty("observations", "actual"), "12.5").unwrap(), serde_json::json!(12.5));
        assert_eq!(cell_from_text(ty("observations", "actual"), "NaN").unwrap_err(), "'NaN' is not a number");
        assert_eq!(cell_from_text(ty("organizations", "illustrative"), "").unwrap(), Value::Bool(false));
        assert_eq!(cell_from_text(ty("organizations", "illustrative"), "TRUE").unwrap(), Value::Bool(true));
        assert_eq!(cell_from_text(ty("meetings", "held_on"), "2024-02-30").unwrap_err(), "'2024-02-30' is not a date: write YYYY-MM-DD");
        assert_eq!(cell_from_text(ty("wins", "achieved"), "2018-13").unwrap_err(), "month 13 is not 1 to 12");
        assert_eq!(cell_from_text(ty("people", "title"), "").unwrap(), Value::Null);
        assert_eq!(cell_from_text(ty("people", "full_name"), "").unwrap(), serde_json::json!(""));
        assert!(cell_from_text(ty("memberships", "partnership_id"), "abc").unwrap_err().contains("is not an id"));
        assert_eq!(
            cell_from_text(ty("partnerships", "created_at"), "2026-01-01T00:00:00+01:00").unwrap(),
            serde_json::json!("2025-12-31T23:00:00.000000Z")
        );
    }

    #[test]
    fn json_cells_check_types() {
        let ty = |t, c| column_type(t, c).unwrap();
        assert_eq!(cell_from_json(ty("priorities", "rank"), &serde_json::json!("1")).unwrap_err(), "\"1\" is not a whole number");
        assert_eq!(cell_from_json(ty("priorities", "rank"), &serde_json::json!(2)).unwrap(), serde_json::json!(2));
        assert_eq!(cell_from_json(ty("partnerships", "naics_codes"), &serde_json::json!("62")).unwrap_err(), "\"62\" is not a list of text");
        assert_eq!(cell_from_json(ty("observations", "actual"), &serde_json::json!(42.0)).unwrap(), serde_json::json!(42.0));
        assert_eq!(cell_from_json(ty("people", "email"), &Value::Null).unwrap(), Value::Null);
    }

    #[test]
    fn table_rows_fill_defaults_and_report_bad_cells() {
        let mut problems = Vec::new();
        let row = table_row(
            "partnerships",
            &[("name", Cell::Text("Alpha Makers")), ("sector_label", Cell::Text("Manufacturing")), ("stage", Cell::Text("bogus"))],
            false,
            &mut problems,
        );
        assert_eq!(problems, vec![("stage".to_string(), "'bogus' is not one of: exploring, launching, implementing, sustaining, inactive".to_string())]);
        assert_eq!(row.bad_columns, vec!["stage"]);
        assert_eq!(row.values["slug"], "alpha-makers");
        assert_eq!(row.values["naics_codes"], serde_json::json!([]));
        assert!(row.incomplete, "region_name is missing");
        let keys: Vec<&str> = row.values.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, PartnershipFields::COLUMNS);

        let mut problems = Vec::new();
        let v = serde_json::json!({"id": "0190a000-0001-7000-8000-000000000001", "version": 3});
        let row = table_row("memberships", &[("id", Cell::Json(&v["id"])), ("version", Cell::Json(&v["version"]))], true, &mut problems);
        assert_eq!(row.meta.version, 3);
        assert_eq!(row.meta.id.to_string(), "0190a000-0001-7000-8000-000000000001");
        let missing: Vec<&str> = problems.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(missing, ["partnership_id", "organization_id", "role"]);
        assert!(!row.incomplete);
    }

    #[test]
    fn kinds_are_told_by_the_header() {
        let export: Vec<String> = RowKind::Table("partnerships").columns().iter().map(|s| s.to_string()).collect();
        assert_eq!(detect_kind(&export), Ok(RowKind::Table("partnerships")));
        let registry = strings(&["name", "state", "region", "sector", "convener", "launched", "status_reported", "source_url"]);
        assert_eq!(detect_kind(&registry), Ok(RowKind::RegistryPartnerships));
        let wins = strings(&["partnership", "year", "initiative_kind", "title", "detail", "figures", "source_url"]);
        assert_eq!(detect_kind(&wins), Ok(RowKind::RegistryWins));
        assert_eq!(detect_kind(&strings(&["win_id", "observation_id", "colour"])), Ok(RowKind::Table("win_observations")));
        assert!(detect_kind(&strings(&["name"])).unwrap_err().contains("--kind"));
        assert!(detect_kind(&strings(&["colour"])).unwrap_err().contains("no column is known"));
    }

    #[test]
    fn headers_report_unknown_repeated_and_missing_columns() {
        let at = Location::file(0, &Arc::from("m.csv"));
        let mut problems = Vec::new();
        let h = match_header(RowKind::Table("memberships"), strings(&["partnership_id", "role", "Role", "colour"]), &at, &mut problems);
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown[0], "m.csv row 1 column Role: appears twice in the header");
        assert!(shown[1].starts_with("m.csv row 1 column colour: is not a column of memberships (expected: id, version"), "{}", shown[1]);
        assert_eq!(shown[2], "m.csv row 1 column organization_id: is a required column and is missing from the header");
        assert!(h.incomplete);
        assert_eq!(h.columns, vec![Some("partnership_id"), Some("role"), None, None]);
    }

    fn read_all(label: &str, bytes: &'static [u8]) -> (Vec<RowError>, Vec<Row>) {
        let mut problems = Vec::new();
        let parts = open(0, &Source::bundled(label, bytes), None, &|r, _| r, &mut problems);
        let mut rows = Vec::new();
        for p in parts {
            p.read(&mut |item| {
                match item {
                    Item::Problems(ps) => problems.extend(ps),
                    Item::Row(r) => rows.push(*r),
                }
                true
            });
        }
        (problems, rows)
    }

    fn read_source(source: &Source) -> (Vec<String>, Vec<Row>) {
        let mut problems = Vec::new();
        let parts = open(0, source, None, &|r, _| r, &mut problems);
        let mut rows = Vec::new();
        for p in parts {
            p.read(&mut |item| {
                match item {
                    Item::Problems(ps) => problems.extend(ps),
                    Item::Row(r) => rows.push(*r),
                }
                true
            });
        }
        (problems.iter().map(RowError::to_string).collect(), rows)
    }

    #[test]
    fn uploaded_bytes_read_like_any_file() {
        let csv = b"partnership,year,initiative_kind,title,source_url\nA,2024,curriculum,T,https://example.org/w\nB,20x4,curriculum,U,https://example.org/w\n";
        let (problems, rows) = read_source(&Source::bytes("up.csv", csv.to_vec()));
        assert_eq!(problems, ["up.csv row 3 column year: '20x4' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD"]);
        assert_eq!(rows.len(), 2);
        assert!(matches!(&rows[0].content, RowContent::Win(w) if w.partnership_name == "A"));

        // A workbook in memory (no extension: told by its first bytes), one part per sheet.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (c, h) in ["partnership", "year", "initiative_kind", "title", "source_url"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "A").unwrap();
        ws.write_number(1, 1, 2024.0).unwrap();
        ws.write_string(1, 2, "gadgets").unwrap();
        ws.write_string(1, 3, "T").unwrap();
        ws.write_string(1, 4, "https://example.org/w").unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let source = Source::bytes("upload", bytes);
        assert_eq!(format_of(&source.label, &source.head().unwrap()), Format::Workbook);
        let (problems, rows) = read_source(&source);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("upload row 2 column initiative_kind: 'gadgets' is not one of: curriculum"), "{problems:?}");
        assert_eq!(rows.len(), 1);
    }

    /// A workbook of one sheet with the wins registry header and one more cell (0-based row, column).
    fn sparse_workbook(row: u32, col: u16) -> Vec<u8> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet().set_name("Wins").unwrap();
        for (c, h) in ["partnership", "year", "initiative_kind", "title", "source_url"].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        ws.write_string(row, col, "far away").unwrap();
        wb.save_to_buffer().unwrap()
    }

    #[test]
    fn sparse_sheets_are_read_cell_by_cell_and_refused_when_too_wide() {
        // A cell at XFD1048576: a dense grid would be 17 billion cells (512 GiB).
        let started = std::time::Instant::now();
        let bytes = sparse_workbook(1_048_575, 16_383);
        assert!(bytes.len() < 10_000, "{}", bytes.len());
        let (problems, rows) = read_source(&Source::bytes("far.xlsx", bytes));
        assert_eq!(problems, ["far.xlsx: sheet 'Wins' uses columns up to XFD (cell XFD1048576); at most 200 columns (A to GR) are read"]);
        assert!(rows.is_empty());
        // Column 201 (GS) is refused too; column 200 (GR) is read.
        let (problems, _) = read_source(&Source::bytes("gs.xlsx", sparse_workbook(1, 200)));
        assert_eq!(problems, ["gs.xlsx: sheet 'Wins' uses columns up to GS (cell GS2); at most 200 columns (A to GR) are read"]);
        let (problems, _) = read_source(&Source::bytes("gr.xlsx", sparse_workbook(1, 199)));
        assert_eq!(problems, ["gr.xlsx row 2 column GR: holds a value under no column heading"]);

        // A cell at J1048576 (a dense grid of 10 million cells before): read quickly, the row
        // named as the spreadsheet shows it.
        let (problems, rows) = read_source(&Source::bytes("deep.xlsx", sparse_workbook(1_048_575, 9)));
        assert_eq!(problems, ["deep.xlsx row 1048576 column J: holds a value under no column heading"]);
        assert!(rows.is_empty());
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());

        // Workbooks calamine reads whole when opening them are refused with what to do.
        let (problems, _) = read_source(&Source::bytes("old.xls", vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0, 0, 0]));
        assert_eq!(problems, ["old.xls: is an Excel 97-2003 workbook (XLS), which is not read: save it as XLSX or CSV"]);
    }

    #[test]
    fn problems_name_their_place() {
        let at = Location::file(0, &Arc::from("x.json")).at(4);
        let mut e = at.error(Some("name"), "is required");
        assert_eq!((e.place(), e.to_string()), ("x.json row 4 column name".to_string(), "x.json row 4 column name: is required".to_string()));
        e.location.part = Some(Arc::from("wins"));
        assert_eq!(e.file_part(), "x.json (wins)");
        assert_eq!(e.place(), "x.json (wins) row 4 column name");
        let whole = Location::file(0, &Arc::from("y.csv")).error(None, "is empty");
        assert_eq!(whole.to_string(), "y.csv: is empty");
        assert_eq!(RowKind::Table("action_teams").label(), "Action teams (export columns)");
        assert_eq!(RowKind::RegistryWins.label(), "Network registry: wins");
    }

    #[test]
    fn malformed_csv_is_reported_by_row_and_column() {
        let csv = b"\xEF\xBB\xBFpartnership_id,organization_id,role\n\
            0190a000-0001-7000-8000-000000000001,0190a000-0002-7000-8000-000000000001,convener\n\
            0190a000-0001-7000-8000-000000000001,0190a000-0002-7000-8000-000000000002\n\
            0190a000-0001-7000-8000-000000000001,0190a000-0002-7000-8000-000000000003,con\"vener\n\
            0190a000-0001-7000-8000-000000000001,\"0190a000-0002-7000-8000-000000000004\"x,convener\n\
            0190a000-0001-7000-8000-000000000001,0190a000-0002-7000-8000-000000000005,\xFF\xFE\n\
            \"0190a000-0001-7000-8000-000000000001,0190a000-0002-7000-8000-000000000006,convener\n";
        let (problems, rows) = read_all("m.csv", csv);
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(
            shown,
            [
                "m.csv row 3 column role: the row has 2 values; the header has 3 columns",
                "m.csv row 4 column role: has a quote inside a field that does not start with one (write \"\" inside a quoted field)",
                "m.csv row 5 column organization_id: has text after the closing quote of a quoted field",
                "m.csv row 6 column role: is not valid UTF-8 text",
                "m.csv row 7 column organization_id: the row has 1 value; the header has 3 columns",
                "m.csv row 7 column partnership_id: opens a quoted field that is never closed",
            ]
        );
        assert_eq!(rows.len(), 1, "only the good row is handed on");
        assert_eq!(rows[0].location.row, Some(2));
    }

    #[test]
    fn json_export_records_are_streamed_and_checked() {
        let json = br#"{"format": "sharedtable-export", "version": 1,
            "partnerships": [{"name": "A", "sector_label": "Manufacturing", "region_name": "R", "region_states": ["AZ"], "colour": 1}],
            "gadgets": []}"#;
        let (problems, rows) = read_all("x.json", json);
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(shown, ["x.json (partnerships) row 1 column colour: is not a column of partnerships", "x.json: \"gadgets\" is not a table (expected: partnerships, organizations, memberships, people, meetings, meeting_attendance, priorities, action_teams, action_team_members, initiatives, milestones, measures, observations, wins, win_observations)"]);
        assert_eq!(rows.len(), 1);
        let (problems, _) = read_all("y.json", br#"{"format": "other", "version": 1}"#);
        assert_eq!(problems[0].to_string(), "y.json: is not a Shared Table export: its \"format\" must be \"sharedtable-export\"");
        let (problems, _) = read_all("z.json", br#"{"format": "sharedtable-export", "version": 1, "wins": [}"#);
        assert!(problems[0].to_string().starts_with("z.json: is not valid JSON: expected value at line 1 column"), "{}", problems[0]);
    }

    #[test]
    fn spreadsheet_cells_become_text() {
        use calamine::Data;
        assert_eq!(sheet_text(&Data::Float(2017.0)).unwrap(), "2017");
        assert_eq!(sheet_text(&Data::Float(12.5)).unwrap(), "12.5");
        assert_eq!(sheet_text(&Data::Bool(true)).unwrap(), "true");
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(27), "AB");
        assert!(sheet_text(&Data::Error(calamine::CellErrorType::NA)).unwrap_err().contains("spreadsheet error"));
        let date = |serial: f64| sheet_text(&Data::DateTime(calamine::ExcelDateTime::new(serial, calamine::ExcelDateTimeType::DateTime, false)));
        assert_eq!(date(45000.5).unwrap(), "2023-03-15T12:00:00");
        assert_eq!(date(2_958_465.0).unwrap(), "9999-12-31");
        // Found by the fuzz test: these panicked (overflow adding to the epoch).
        assert_eq!(date(1e308).unwrap_err(), "holds a date out of range (day number 1e308)");
        assert_eq!(date(f64::INFINITY).unwrap_err(), "holds a date out of range (day number inf)");
        assert_eq!(date(f64::NAN).unwrap_err(), "holds a date out of range (day number NaN)");
        assert_eq!(date(-1e12).unwrap_err(), "holds a date out of range (day number -1e12)");
    }

    #[test]
    fn csv_text_of_values() {
        assert_eq!(csv_text(&serde_json::json!(["31-33", "62"])), "31-33;62");
        assert_eq!(csv_text(&Value::Null), "");
        assert_eq!(csv_text(&serde_json::json!(42.0)), "42.0");
        assert_eq!(csv_text(&serde_json::json!(true)), "true");
    }
}

// ---------------------------------------------------------------------------------------------
// Plain tables for other modules

/// One data row of a plain table ([`read_plain_table`]): its place (row as a spreadsheet shows
/// it) and the text of each known column present in the header, in header order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainRow {
    pub location: Location,
    pub cells: Vec<(&'static str, String)>,
}

/// Read a CSV file or the first sheet with data of an XLSX workbook as a table of text with a
/// header naming `columns`, with the same reader, limits and messages as the import of network
/// records: strict RFC 4180 quoting, UTF-8, [`MAX_FILE_BYTES`], the workbook limits
/// ([`MAX_SHEET_COLUMNS`], [`MAX_SHEET_ROWS`], [`MAX_WORKBOOK_VALUES`]). Header names are matched
/// ignoring case; an unknown, repeated or missing required column is a problem at row 1; a row
/// whose width differs from the header's is a problem. Blank rows are skipped. Every problem is
/// returned (nothing is written by the caller when there is one). `layout` names the layout in
/// messages (e.g. `freight shipments`).
pub fn read_plain_table(source: &Source, layout: &str, columns: &'static [&'static str], required: &[&str]) -> (Vec<PlainRow>, Vec<RowError>) {
    let file: Arc<str> = Arc::from(source.label.as_str());
    let at = Location::file(0, &file);
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let len = match source.len() {
        Ok(l) => l,
        Err(e) => return (rows, vec![at.error(None, format!("cannot be read: {e}"))]),
    };
    if len > MAX_FILE_BYTES {
        return (rows, vec![at.error(None, format!("is {len} bytes; files over 1 GiB ({MAX_FILE_BYTES} bytes) are refused: split it into smaller files"))]);
    }
    let head = match source.head() {
        Ok(h) => h,
        Err(e) => return (rows, vec![at.error(None, format!("cannot be read: {e}"))]),
    };
    // (row number, cells as text) of every data row, after the header.
    let mut header_row = 1usize;
    let mut header: Vec<String> = Vec::new();
    let mut data: Vec<(usize, Vec<String>)> = Vec::new();
    match format_of(&source.label, &head) {
        Format::Workbook => {
            let mut book = match source.all_bytes().map_err(|e| format!("cannot be read: {e}")).and_then(Book::open) {
                Ok(b) => b,
                Err(e) => return (rows, vec![at.error(None, e)]),
            };
            let mut values_left = MAX_WORKBOOK_VALUES;
            let mut entries_left = MAX_WORKBOOK_CELL_ENTRIES;
            let mut found = None;
            for name in book.sheet_names() {
                match book.cells(&name, &mut values_left, &mut entries_left) {
                    Ok(cells) if cells.is_empty() => {}
                    Ok(cells) => {
                        found = Some(cells);
                        break;
                    }
                    Err(SheetRefusal::NotAWorksheet) => {}
                    Err(SheetRefusal::Problem(m)) => return (rows, vec![at.error(None, format!("sheet '{name}' {m}"))]),
                }
            }
            let Some(cells) = found else {
                return (rows, vec![at.error(None, "has no sheet with data")]);
            };
            let first_col = cells.iter().map(|c| c.1).min().unwrap_or(0);
            let last_col = cells.iter().map(|c| c.1).max().unwrap_or(0);
            let width = (last_col - first_col + 1) as usize;
            let mut cells = cells.into_iter().peekable();
            let mut first = true;
            while let Some(c) = cells.next() {
                let r = c.0;
                let mut in_row = vec![c];
                while let Some(c) = cells.next_if(|c| c.0 == r) {
                    in_row.push(c);
                }
                let texts: Vec<String> = dense_row(in_row.into_iter(), first_col, width)
                    .iter()
                    .enumerate()
                    .map(|(j, c)| {
                        sheet_text(c).unwrap_or_else(|m| {
                            problems.push(at.at(r as usize + 1).error(Some(&column_letters(first_col as usize + j)), m));
                            String::new()
                        })
                    })
                    .collect();
                if first {
                    header_row = r as usize + 1;
                    header = texts;
                    first = false;
                } else {
                    data.push((r as usize + 1, texts));
                }
            }
        }
        Format::Json => return (rows, vec![at.error(None, format!("is JSON; a {layout} file is CSV or XLSX"))]),
        Format::Csv => {
            let reader = match source.reader() {
                Ok(r) => r,
                Err(e) => return (rows, vec![at.error(None, format!("cannot be read: {e}"))]),
            };
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(QuoteCheck::new(reader));
            let mut rec = csv::ByteRecord::new();
            let mut row = 0usize;
            loop {
                match rdr.read_byte_record(&mut rec) {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        problems.push(at.at(row + 1).error(None, format!("cannot be read: {e}")));
                        break;
                    }
                }
                row += 1;
                let end = rdr.position().byte();
                for (field, msg) in rdr.get_mut().take_problems_before(end) {
                    problems.push(at.at(row).error(Some(&format!("{}", field + 1)), msg));
                }
                let mut texts = Vec::with_capacity(rec.len());
                for (i, b) in rec.iter().enumerate() {
                    match std::str::from_utf8(b) {
                        Ok(s) => texts.push(s.to_string()),
                        Err(_) => {
                            problems.push(at.at(row).error(Some(&format!("{}", i + 1)), "is not valid UTF-8 text"));
                            texts.push(String::new());
                        }
                    }
                }
                if row == 1 {
                    header = texts;
                } else {
                    data.push((row, texts));
                }
            }
            if row == 0 {
                return (rows, vec![at.error(None, "is empty: the first row must name the columns")]);
            }
        }
    }
    // Match the header.
    let here = at.at(header_row);
    let mut known: Vec<Option<&'static str>> = Vec::with_capacity(header.len());
    for raw in &header {
        let n = raw.trim().to_lowercase();
        if n.is_empty() {
            known.push(None);
            continue;
        }
        match columns.iter().find(|c| **c == n) {
            Some(c) if known.contains(&Some(*c)) => {
                problems.push(here.error(Some(raw.trim()), "appears twice in the header"));
                known.push(None);
            }
            Some(c) => known.push(Some(*c)),
            None => {
                problems.push(here.error(Some(raw.trim()), format!("is not a column of {layout} (expected: {})", columns.join(", "))));
                known.push(None);
            }
        }
    }
    for r in required {
        if !known.contains(&Some(*r)) {
            problems.push(here.error(Some(r), "is a required column and is missing from the header"));
        }
    }
    for (row, texts) in data {
        if texts.iter().all(|t| t.trim().is_empty()) {
            continue;
        }
        let loc = at.at(row);
        if texts.len() != header.len() {
            let n = texts.len();
            problems.push(loc.error(None, format!("the row has {n} value{}; the header has {} columns", if n == 1 { "" } else { "s" }, header.len())));
            continue;
        }
        let mut cells = Vec::new();
        for (i, t) in texts.into_iter().enumerate() {
            match known.get(i).copied().flatten() {
                Some(c) => cells.push((c, t)),
                None if !t.trim().is_empty() && header.get(i).is_none_or(|h| h.trim().is_empty()) => {
                    problems.push(loc.error(Some(&column_letters(i)), "holds a value under no column heading"));
                }
                None => {}
            }
        }
        rows.push(PlainRow { location: loc, cells });
    }
    (rows, problems)
}

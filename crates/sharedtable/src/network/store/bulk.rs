//! Import and export: the one import transaction, the writes of registry rows (the bundled
//! network) and the export queries. Parsing and mapping are pure and live in `network/bulk.rs`
//! and `network/seed.rs`.
//!
//! An import reads every file, checks every row with the same code as any other change
//! ([`super::insert_in`]: validation, references, uniqueness) inside one transaction, collects
//! every problem, and commits only when there is none: all rows or nothing.
//!
//! The audit log gets one entry per partnership the import wrote rows of (and one for rows of no
//! partnership, such as organizations), in the same transaction, naming the files and the rows
//! per table; not one entry per row (see [`import`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use serde_json::Value;

use super::{bind_value, field_values, insert_without_audit_in};
use crate::audit::{self, Action, Change};
use crate::db::{self, Backend, Conn, Db, Id};
use crate::network::bulk::{self, Item, JsonExportWriter, Location, RowContent, RowError, RowKind, Source, TableRow};
use crate::network::entity::{validate, Entity, TABLES};
use crate::network::model::*;
use crate::network::seed::{self, SeedPartnership, SeedWin};
use crate::web::Error;

/// Files at least this large get a progress bar (when standard error is a terminal).
pub const PROGRESS_MIN_BYTES: u64 = 4 * 1024 * 1024;

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// The kind of rows of every CSV file and sheet, instead of telling it from the header.
    pub kind: Option<RowKind>,
    /// Show a progress bar on standard error for large files (only when it is a terminal).
    pub progress: bool,
}

/// What an import wrote: rows per table, for each file in the order given.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportSummary {
    /// (file, rows written per table) in the order the files were given.
    pub per_source: Vec<(String, BTreeMap<&'static str, usize>)>,
}

impl ImportSummary {
    /// Rows written into `table` from every file.
    pub fn count(&self, table: &str) -> usize {
        self.per_source.iter().filter_map(|(_, m)| m.get(table)).sum()
    }
    /// Rows written in all.
    pub fn total(&self) -> usize {
        self.per_source.iter().flat_map(|(_, m)| m.values()).sum()
    }
    /// "47 partnerships, 1 organization, ..." in table order, for one file's counts.
    pub fn describe(counts: &BTreeMap<&'static str, usize>) -> String {
        let parts: Vec<String> = TABLES
            .iter()
            .filter_map(|t| counts.get(t).filter(|n| **n > 0).map(|n| if *n == 1 { format!("1 {}", singular(t)) } else { format!("{n} {}", t.replace('_', " ")) }))
            .collect();
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join(", ")
        }
    }
}

/// One record of a table, in words ([`Entity::SINGULAR`]).
fn singular(table: &str) -> &'static str {
    macro_rules! arm {
        ($f:ty) => {
            if table == <$f as Entity>::TABLE {
                return <$f as Entity>::SINGULAR;
            }
        };
    }
    crate::for_each_entity!(arm);
    "record"
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Rows or files with problems, each naming file, row, column and reason, in file order.
    #[error("nothing was imported: {} problem(s) found", .0.len())]
    Rejected(Vec<RowError>),
    /// The database or the machine failed.
    #[error(transparent)]
    Failed(#[from] Error),
}

impl From<sqlx::Error> for ImportError {
    fn from(e: sqlx::Error) -> Self {
        ImportError::Failed(e.into())
    }
}

fn progress_wrap(show: bool) -> impl Fn(&str, Box<dyn Read + Send>, u64) -> Box<dyn Read + Send> {
    move |label, reader, len| {
        if !show || len < PROGRESS_MIN_BYTES {
            return reader;
        }
        let style = indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> ");
        let bar = indicatif::ProgressBar::new(len)
            .with_style(style)
            .with_message(label.to_string())
            .with_finish(indicatif::ProgressFinish::AndClear);
        Box::new(bar.wrap_read(reader))
    }
}

/// Everything one import call keeps while it runs.
struct Run {
    problems: Vec<RowError>,
    counts: Vec<BTreeMap<&'static str, usize>>,
    /// Convener organizations by [`seed::convener_key`], found or created in this import.
    conveners: HashMap<String, Id>,
    /// Rows of one table checked and waiting to be written together.
    batch: Vec<Pending>,
    refs: RefCache,
    /// For the audit log: what was written per partnership the rows belong to.
    owners: Owners,
}

/// Per partnership the rows belong to (`None`: of no partnership), the sources (by index) they
/// came from and the rows written per table.
type Owners = BTreeMap<Option<Id>, (BTreeSet<usize>, BTreeMap<&'static str, usize>)>;

impl Run {
    fn count(&mut self, source: usize, table: &'static str, owner: Option<Id>) {
        if let Some(m) = self.counts.get_mut(source) {
            *m.entry(table).or_default() += 1;
        }
        let (sources, rows) = self.owners.entry(owner).or_default();
        sources.insert(source);
        *rows.entry(table).or_default() += 1;
    }
}

/// Import `sources` in one transaction: every row of every file, or nothing. Files are read in
/// dependency order (parents first) whatever order they are given in. Errors: `Rejected` with
/// every problem found (nothing written), or `Failed` when the database fails.
///
/// Speed: a table row whose fields pass validation and whose references are already known to be
/// good (rows written earlier in this import, or read once from the database) waits in a batch
/// written by one multi-row `INSERT`; every other row, and every row of a batch the database
/// refuses, goes through the checks of [`super::insert_in`] on its own, which gives each problem
/// its message. Rows are written in file order either way.
///
/// Audit: rows are not logged one by one. Before the commit, one entry per partnership the rows
/// belong to (a row's own partnership, or its parent's for attendance, team members, milestones,
/// observations and win evidence; `None` for organizations and people of none) names the files
/// and the rows per table; every entry of one import shares one `entity_id`. An import that is
/// rejected writes no entry.
pub async fn import(db: &Db, sources: &[Source], opts: &ImportOptions) -> Result<ImportSummary, ImportError> {
    let owned: Vec<Source> = sources.to_vec();
    let forced = opts.kind;
    let show = opts.progress && std::io::stderr().is_terminal();
    let (mut parts, opened_problems) = tokio::task::spawn_blocking(move || {
        let wrap = progress_wrap(show);
        let mut problems = Vec::new();
        let mut parts = Vec::new();
        for (i, s) in owned.iter().enumerate() {
            let label = s.label.clone();
            parts.extend(bulk::open(i, s, forced, &|r, len| wrap(&label, r, len), &mut problems));
        }
        (parts, problems)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
    parts.sort_by_key(|p| p.order());

    let mut run = Run {
        problems: opened_problems,
        counts: vec![BTreeMap::new(); sources.len()],
        conveners: HashMap::new(),
        batch: Vec::new(),
        refs: RefCache::default(),
        owners: BTreeMap::new(),
    };
    let mut tx = db::begin_write(db).await?;
    for part in parts {
        // Items travel in chunks, so the reading thread and this task wake each other seldom.
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Item>>(8);
        let reader = tokio::task::spawn_blocking(move || {
            let mut chunk = Vec::with_capacity(256);
            let mut open = true;
            part.read(&mut |item| {
                chunk.push(item);
                if chunk.len() >= 256 {
                    open = sender.blocking_send(std::mem::take(&mut chunk)).is_ok();
                }
                open
            });
            if open && !chunk.is_empty() {
                let _ = sender.blocking_send(chunk);
            }
        });
        while let Some(chunk) = receiver.recv().await {
            for item in chunk {
                match item {
                    Item::Problems(ps) => run.problems.extend(ps),
                    Item::Row(row) => {
                        let at = row.location.clone();
                        match row.content {
                            RowContent::Table(t) => table_row(&mut tx, &mut run, at, t).await?,
                            RowContent::Partnership(p) => {
                                let found = registry_partnership(&mut tx, &mut run, at.source, p).await?;
                                run.problems.extend(found.into_iter().map(|(col, msg)| at.error(col.as_deref(), msg)));
                            }
                            RowContent::Win(w) => {
                                let found = registry_win(&mut tx, &mut run, at.source, w).await?;
                                run.problems.extend(found.into_iter().map(|(col, msg)| at.error(col.as_deref(), msg)));
                            }
                        }
                    }
                }
            }
        }
        flush(&mut tx, &mut run).await?;
        reader.await.map_err(|e| Error::Internal(e.into()))?;
    }
    if !run.problems.is_empty() {
        tx.rollback().await?;
        // File order, then part (sheet or table) in the order first met, then row: problems of a
        // batch are found when it is written, after later rows were read.
        let mut problems = run.problems;
        let mut first_seen: HashMap<(usize, Option<std::sync::Arc<str>>), usize> = HashMap::new();
        for (i, p) in problems.iter().enumerate() {
            first_seen.entry((p.location.source, p.location.part.clone())).or_insert(i);
        }
        problems.sort_by_key(|p| {
            let part = first_seen.get(&(p.location.source, p.location.part.clone())).copied().unwrap_or(0);
            (p.location.source, part, p.location.row.unwrap_or(0))
        });
        return Err(ImportError::Rejected(problems));
    }
    record_import(&mut tx, sources, &run.owners).await?;
    db::commit(tx).await?;
    let summary = ImportSummary { per_source: sources.iter().map(|s| s.label.clone()).zip(run.counts).collect() };
    refresh_statistics(db, &summary).await;
    Ok(summary)
}

/// Write the audit entries of an import (see [`import`]): one per partnership in `owners`.
/// Rows written to a table by one import above which PostgreSQL's planner statistics of that
/// table are refreshed at once rather than at autovacuum's next pass: with stale row counts it
/// picks sequential scans for the pages' per-partnership queries.
const ANALYZE_AFTER_ROWS: usize = 1_000;

/// After a committed import on PostgreSQL, `ANALYZE` each table it wrote more than
/// [`ANALYZE_AFTER_ROWS`] rows to. Best effort: the import stands whether or not this succeeds
/// (a failure is logged). SQLite's planner needs no refresh (its indexes' statistics are only
/// used after `ANALYZE`, which the app never runs there; without them it uses its fixed rules).
async fn refresh_statistics(db: &Db, summary: &ImportSummary) {
    if db.dialect() != db::Dialect::Postgres {
        return;
    }
    let tables: Vec<&str> = TABLES.iter().copied().filter(|t| summary.count(t) > ANALYZE_AFTER_ROWS).collect();
    if tables.is_empty() {
        return;
    }
    // Table names come from the fixed list of record tables, never from input.
    if let Err(e) = db::query(db, &format!("ANALYZE {}", tables.join(", "))).execute(db).await {
        tracing::warn!(error = %e, "refreshing planner statistics after an import failed");
    }
}

async fn record_import(
    conn: &mut Conn,
    sources: &[Source],
    owners: &Owners,
) -> Result<(), Error> {
    let import_id = Id::new();
    for (owner, (from, rows)) in owners {
        let files: Vec<&str> = from.iter().filter_map(|i| sources.get(*i)).map(|s| s.label.as_str()).collect();
        let mut counts = serde_json::Map::new();
        for t in TABLES.iter() {
            if let Some(n) = rows.get(t) {
                counts.insert(t.to_string(), Value::from(*n));
            }
        }
        let change = Change {
            action: Action::Import,
            table: audit::IMPORT_TABLE.into(),
            entity_id: Some(import_id),
            partnership_id: *owner,
            before: None,
            after: Some(serde_json::json!({"files": files, "rows": counts})),
            summary: format!("Imported {} from {}", ImportSummary::describe(rows), files.join(", ")),
        };
        audit::record(conn, change).await?;
    }
    Ok(())
}

/// The partnership a table row belongs to, for the audit log: the partnership itself, its
/// `partnership_id`, or its parent's (read through the reference cache). `None` for rows of no
/// partnership.
async fn owner_of(conn: &mut Conn, refs: &mut RefCache, row: &TableRow) -> Result<Option<Id>, Error> {
    if row.table == PartnershipFields::TABLE {
        return Ok(Some(row.meta.id));
    }
    let id_in = |column: &str| row.values.get(column).and_then(Value::as_str).and_then(|s| s.parse::<Id>().ok());
    if let Some(p) = id_in("partnership_id") {
        return Ok(Some(p));
    }
    let Some((column, parent)) = super::forms::parent_of(row.table) else { return Ok(None) };
    let Some(parent_id) = id_in(column) else { return Ok(None) };
    Ok(refs.lookup(conn, parent, parent_id).await?.flatten())
}

/// Problems of one row as (column, reason).
type Found = Vec<(Option<String>, String)>;

/// Turn the error of an insert into the row's problems, naming columns with `column`; leaves out
/// columns in `skip` (their cell was already reported). Database failures end the import.
fn row_problems(e: Error, skip: &[String], column: impl Fn(&str) -> String) -> Result<Found, ImportError> {
    match e {
        Error::Validation(fe) => Ok(fe
            .iter()
            .filter(|(f, _)| !skip.iter().any(|s| s == f))
            .map(|(f, m)| (Some(column(f)), m.to_string()))
            .collect()),
        Error::NotFound(m) | Error::Conflict(m) | Error::BadRequest(m) => Ok(vec![(None, m)]),
        other => Err(ImportError::Failed(other)),
    }
}

/// What is known about rows that other rows refer to: (table, id) -> the row's partnership (None
/// for partnerships and organizations, which belong to none). Holds only rows known to exist.
#[derive(Default)]
struct RefCache(HashMap<(&'static str, Id), Option<Id>>);

impl RefCache {
    /// Observations are referred to only by win evidence, rarely: not worth a million entries.
    fn keeps(table: &str) -> bool {
        table != "observations"
    }
    fn add(&mut self, table: &'static str, id: Id, partnership: Option<Id>) {
        if Self::keeps(table) {
            self.0.insert((table, id), partnership);
        }
    }
    /// The partnership of the row `id` of `table` if the row exists (from the cache, else read once).
    async fn lookup(&mut self, conn: &mut Conn, table: &'static str, id: Id) -> Result<Option<Option<Id>>, Error> {
        if let Some(p) = self.0.get(&(table, id)) {
            return Ok(Some(*p));
        }
        let sql = if matches!(table, "partnerships" | "organizations") {
            format!("SELECT NULL FROM {table} WHERE id = ?")
        } else if table_has_partnership(table) {
            format!("SELECT partnership_id FROM {table} WHERE id = ?")
        } else {
            format!("SELECT NULL FROM {table} WHERE id = ?")
        };
        let found: Option<Option<Id>> = db::query_scalar(conn, &sql).bind(id).fetch_optional(&mut *conn).await?;
        if let Some(p) = found {
            self.add(table, id, p);
        }
        Ok(found)
    }
}

fn table_has_partnership(table: &str) -> bool {
    macro_rules! arm {
        ($f:ty) => {
            if table == <$f as Entity>::TABLE {
                return <$f as Entity>::COLUMNS.contains(&"partnership_id");
            }
        };
    }
    crate::for_each_entity!(arm);
    false
}

/// A checked row waiting in the batch.
struct Pending {
    location: Location,
    row: TableRow,
    /// Column values in [`Entity::COLUMNS`] order, as bound.
    values: Vec<Value>,
    partnership: Option<Id>,
    /// The partnership whose audit entry counts the row ([`owner_of`]).
    owner: Option<Id>,
}

/// Most rows one multi-row `INSERT` writes (SQLite allows 32,766 bound values per statement,
/// PostgreSQL 65,535).
const BATCH_ROWS: usize = 500;

/// Check a row without the database where possible: `Some((values, partnership))` when it can
/// wait in a batch (fields valid, every reference known good), `None` when it must go through
/// [`insert_without_audit_in`] on its own (which then names its problems).
async fn batchable<F: Entity>(conn: &mut Conn, refs: &mut RefCache, row: &TableRow) -> Result<Option<(Vec<Value>, Option<Id>)>, Error> {
    let Ok(fields) = F::deserialize(&row.values) else { return Ok(None) };
    if !validate(&fields).is_empty() {
        return Ok(None);
    }
    // The business-lead rule reads the organization's kind: such rows go on their own.
    if F::TABLE == TeamMemberFields::TABLE && row.values.get("role").and_then(Value::as_str) == Some(TeamRole::BusinessLead.as_str()) {
        return Ok(None);
    }
    let ours = fields.partnership_id();
    for rf in F::REFS {
        let Some(id) = row.values.get(rf.column).and_then(Value::as_str) else { continue };
        let Ok(id) = id.parse::<Id>() else { return Ok(None) };
        match refs.lookup(conn, rf.table, id).await? {
            None => return Ok(None),
            Some(theirs) => {
                if rf.same_partnership && theirs.is_some() && ours.is_some() && theirs != ours {
                    return Ok(None);
                }
            }
        }
    }
    Ok(Some((field_values(&fields)?, ours)))
}

async fn batchable_row(conn: &mut Conn, refs: &mut RefCache, row: &TableRow) -> Result<Option<(Vec<Value>, Option<Id>)>, Error> {
    macro_rules! arm {
        ($f:ty) => {
            if row.table == <$f as Entity>::TABLE {
                return batchable::<$f>(conn, refs, row).await;
            }
        };
    }
    crate::for_each_entity!(arm);
    Ok(None)
}

async fn insert_table_row(conn: &mut Conn, row: TableRow) -> Result<(), Error> {
    macro_rules! arm {
        ($f:ty) => {
            if row.table == <$f as Entity>::TABLE {
                let fields: $f = serde_json::from_value(row.values).map_err(|e| Error::BadRequest(e.to_string()))?;
                return insert_without_audit_in(conn, &row.meta, &fields).await;
            }
        };
    }
    crate::for_each_entity!(arm);
    Err(Error::Internal(anyhow::anyhow!("no table {}", row.table)))
}

async fn table_row(conn: &mut Conn, run: &mut Run, at: Location, row: TableRow) -> Result<(), ImportError> {
    if row.incomplete {
        return Ok(());
    }
    if run.batch.first().is_some_and(|p| p.row.table != row.table) {
        flush(conn, run).await?;
    }
    match batchable_row(conn, &mut run.refs, &row).await? {
        Some((values, partnership)) => {
            let owner = owner_of(conn, &mut run.refs, &row).await?;
            run.batch.push(Pending { location: at, row, values, partnership, owner });
            let cols = run.batch[0].values.len() + 4;
            if run.batch.len() >= BATCH_ROWS.min(30_000 / cols) {
                flush(conn, run).await?;
            }
            Ok(())
        }
        None => {
            flush(conn, run).await?;
            let partnership = row.values.get("partnership_id").and_then(Value::as_str).and_then(|s| s.parse().ok());
            let owner = owner_of(conn, &mut run.refs, &row).await?;
            alone(conn, run, at, row, partnership, owner).await
        }
    }
}

/// Write one row through [`insert_without_audit_in`], recording its problems or counting it (for
/// the audit entry of `owner`).
async fn alone(conn: &mut Conn, run: &mut Run, at: Location, row: TableRow, partnership: Option<Id>, owner: Option<Id>) -> Result<(), ImportError> {
    let (table, id) = (row.table, row.meta.id);
    let skip = row.bad_columns.clone();
    match insert_table_row(conn, row).await {
        Ok(()) => {
            run.count(at.source, table, owner);
            run.refs.add(table, id, partnership);
        }
        Err(e) => {
            let found = row_problems(e, &skip, str::to_string)?;
            run.problems.extend(found.into_iter().map(|(col, msg)| at.error(col.as_deref(), msg)));
        }
    }
    Ok(())
}

/// Write the waiting batch with one `INSERT`; if the database refuses it (a duplicate, say), write
/// its rows one by one so each problem is named.
async fn flush(conn: &mut Conn, run: &mut Run) -> Result<(), ImportError> {
    if run.batch.is_empty() {
        return Ok(());
    }
    let batch = std::mem::take(&mut run.batch);
    let table = batch[0].row.table;
    let cols: Vec<&str> = bulk::RowKind::Table(table).columns();
    let one = format!("({})", vec!["?"; cols.len()].join(", "));
    let sql = format!("INSERT INTO {table} ({}) VALUES {}", cols.join(", "), vec![one.as_str(); batch.len()].join(", "));
    // The text grows with the batch: translated for the backend each time, not kept.
    let dialect = conn.dialect();
    let sql = dialect.sql_owned(&sql).into_owned();
    let mut args = sqlx::any::AnyArguments::default();
    let ie = |e: sqlx::error::BoxDynError| Error::Internal(anyhow::anyhow!("{e}"));
    for p in &batch {
        use sqlx::Arguments;
        args.add(p.row.meta.id).map_err(ie)?;
        args.add(p.row.meta.version).map_err(ie)?;
        args.add(db::timestamp_text(&p.row.meta.created_at)).map_err(ie)?;
        args.add(db::timestamp_text(&p.row.meta.updated_at)).map_err(ie)?;
        for v in &p.values {
            bind_value(&mut args, v).map_err(ie)?;
        }
    }
    match db::execute_guarded(conn, sqlx::query_with(&sql, args).persistent(dialect.keeps_statements())).await {
        Ok(_) => {
            for p in batch {
                run.count(p.location.source, table, p.owner);
                run.refs.add(table, p.row.meta.id, p.partnership);
            }
        }
        Err(sqlx::Error::Database(_)) => {
            for p in batch {
                alone(conn, run, p.location, p.row, p.partnership, p.owner).await?;
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

fn new_meta() -> Meta {
    let now = db::now();
    Meta { id: Id::new(), version: 1, created_at: now, updated_at: now }
}

/// The id of a (non-illustrative) organization of that name, ignoring case, if there is one.
async fn organization_named(conn: &mut Conn, name: &str) -> Result<Option<Id>, Error> {
    Ok(db::query_scalar(conn, "SELECT id FROM organizations WHERE name = ? COLLATE NOCASE AND NOT illustrative ORDER BY id LIMIT 1")
        .bind(name.trim())
        .fetch_optional(&mut *conn)
        .await?)
}

/// The id of the partnership of that name, ignoring case, if there is one.
async fn partnership_named(conn: &mut Conn, name: &str) -> Result<Option<Id>, Error> {
    Ok(db::query_scalar(conn, "SELECT id FROM partnerships WHERE name = ? COLLATE NOCASE").bind(name.trim()).fetch_optional(&mut *conn).await?)
}

async fn registry_partnership(conn: &mut Conn, run: &mut Run, source: usize, seed: SeedPartnership) -> Result<Found, ImportError> {
    if seed.incomplete {
        return Ok(vec![]);
    }
    // A name already taken (by the database or an earlier row) is named as such, not as its slug.
    if partnership_named(conn, &seed.fields.name).await?.is_some() {
        return Ok(vec![(Some("name".into()), "another partnership already has this name".into())]);
    }
    let meta = new_meta();
    if let Err(e) = insert_without_audit_in(conn, &meta, &seed.fields).await {
        return row_problems(e, &[], |f| seed::partnership_column(f).to_string());
    }
    run.count(source, PartnershipFields::TABLE, Some(meta.id));
    let mut found = Vec::new();
    for c in &seed.conveners {
        let key = seed::convener_key(&c.name);
        let org = match run.conveners.get(&key) {
            Some(id) => Some(*id),
            None => organization_named(conn, &c.name).await?,
        };
        let org = match org {
            Some(id) => id,
            None => {
                let fields = OrganizationFields {
                    name: c.name.clone(),
                    kind: c.kind,
                    naics_code: None,
                    city: None,
                    state: None,
                    latitude: None,
                    longitude: None,
                    employee_count: None,
                    website: None,
                    illustrative: false,
                };
                let m = new_meta();
                if let Err(e) = insert_without_audit_in(conn, &m, &fields).await {
                    found.extend(row_problems(e, &[], |_| "convener".to_string())?);
                    continue;
                }
                run.count(source, OrganizationFields::TABLE, None);
                m.id
            }
        };
        run.conveners.insert(key, org);
        let membership = MembershipFields { partnership_id: meta.id, organization_id: org, role: MembershipRole::Convener, started: None, ended: None };
        match insert_without_audit_in(conn, &new_meta(), &membership).await {
            Ok(()) => run.count(source, MembershipFields::TABLE, Some(meta.id)),
            Err(e) => found.extend(row_problems(e, &[], |_| "convener".to_string())?),
        }
    }
    Ok(found)
}

async fn registry_win(conn: &mut Conn, run: &mut Run, source: usize, seed: SeedWin) -> Result<Found, ImportError> {
    if seed.incomplete || seed.partnership_name.is_empty() {
        return Ok(vec![]);
    }
    let Some(pid) = partnership_named(conn, &seed.partnership_name).await? else {
        return Ok(vec![(Some("partnership".into()), format!("no partnership is named '{}'", seed.partnership_name))]);
    };
    let initiative = InitiativeFields { partnership_id: pid, ..seed.initiative };
    let imeta = new_meta();
    if let Err(e) = insert_without_audit_in(conn, &imeta, &initiative).await {
        return row_problems(e, &[], |f| seed::win_column(f).to_string());
    }
    run.count(source, InitiativeFields::TABLE, Some(pid));
    let win = WinFields { partnership_id: pid, initiative_id: Some(imeta.id), ..seed.win };
    match insert_without_audit_in(conn, &new_meta(), &win).await {
        Ok(()) => {
            run.count(source, WinFields::TABLE, Some(pid));
            Ok(vec![])
        }
        Err(e) => row_problems(e, &[], |f| seed::win_column(f).to_string()),
    }
}

/// Load the bundled real network (and, with `with_demo`, the illustrative demo partnership) in one
/// transaction. The caller decides whether the database should receive it (`demo` loads only into
/// a database without partnerships).
pub async fn load_bundled(db: &Db, with_demo: bool) -> Result<ImportSummary, ImportError> {
    let mut sources = seed::network_sources();
    if with_demo {
        sources.extend(seed::demo_sources());
    }
    import(db, &sources, &ImportOptions::default()).await
}

/// Counts of the real (not illustrative) network: partnerships, distinct states they are in, wins.
pub async fn network_counts(db: &Db) -> Result<(i64, i64, i64), Error> {
    let partnerships: i64 = db::query_scalar(db, "SELECT count(*) FROM partnerships WHERE NOT illustrative").fetch_one(db).await?;
    let states: i64 = db::query_scalar(
        db,
        &format!("SELECT count(DISTINCT s.value) FROM partnerships p, {} WHERE NOT p.illustrative", db.dialect().json_items("p.region_states", "s")),
    )
    .fetch_one(db)
    .await?;
    let wins: i64 = db::query_scalar(db, "SELECT count(*) FROM wins WHERE NOT illustrative").fetch_one(db).await?;
    Ok((partnerships, states, wins))
}

fn io_error(e: std::io::Error) -> Error {
    Error::Internal(e.into())
}

/// Write every table as a JSON export (records in id order; contacts only when asked for).
pub async fn export_json<W: Write>(db: &Db, out: W, include_contacts: bool) -> Result<W, Error> {
    let mut w = JsonExportWriter::new(out, include_contacts).map_err(io_error)?;
    macro_rules! arm {
        ($f:ty) => {
            let records = super::all::<$f>(db).await?;
            w.table(&records).map_err(io_error)?;
        };
    }
    crate::for_each_entity!(arm);
    w.finish().map_err(io_error)
}

/// Write every table as `<table>.csv` into `dir` (created if absent). Returns the rows written per
/// table, in table order.
pub async fn export_csv(db: &Db, dir: &Path, include_contacts: bool) -> Result<Vec<(&'static str, usize)>, Error> {
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let mut written = Vec::new();
    macro_rules! arm {
        ($f:ty) => {
            let records = super::all::<$f>(db).await?;
            let path = dir.join(format!("{}.csv", <$f as Entity>::TABLE));
            let file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io_error)?);
            bulk::write_csv_table(file, &records, include_contacts).map_err(io_error)?.flush().map_err(io_error)?;
            written.push((<$f as Entity>::TABLE, records.len()));
        };
    }
    crate::for_each_entity!(arm);
    Ok(written)
}

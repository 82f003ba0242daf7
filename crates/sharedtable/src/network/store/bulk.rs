//! Import and export: the one import transaction, the writes of registry rows (the bundled
//! network) and the export queries. Parsing and mapping are pure and live in `network/bulk.rs`
//! and `network/seed.rs`.
//!
//! An import reads every file, checks every row with the same code as any other change
//! ([`super::insert_in`]: validation, references, uniqueness) inside one transaction, collects
//! every problem, and commits only when there is none: all rows or nothing.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use serde_json::Value;
use sqlx::SqliteConnection;

use super::insert_in;
use crate::db::{self, Db, Id};
use crate::network::bulk::{self, Item, JsonExportWriter, RowContent, RowError, RowKind, Source, TableRow};
use crate::network::entity::{Entity, TABLES};
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
}

impl Run {
    fn count(&mut self, source: usize, table: &'static str) {
        if let Some(m) = self.counts.get_mut(source) {
            *m.entry(table).or_default() += 1;
        }
    }
}

/// Import `sources` in one transaction: every row of every file, or nothing. Files are read in
/// dependency order (parents first) whatever order they are given in. Errors: `Rejected` with
/// every problem found (nothing written), or `Failed` when the database fails.
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

    let mut run = Run { problems: opened_problems, counts: vec![BTreeMap::new(); sources.len()], conveners: HashMap::new() };
    let mut tx = db.begin().await?;
    for part in parts {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Item>(1024);
        let reader = tokio::task::spawn_blocking(move || part.read(&mut |item| sender.blocking_send(item).is_ok()));
        while let Some(item) = receiver.recv().await {
            match item {
                Item::Problems(ps) => run.problems.extend(ps),
                Item::Row(row) => {
                    let at = row.location.clone();
                    let found = match row.content {
                        RowContent::Table(t) => table_row(&mut tx, &mut run, at.source, t).await?,
                        RowContent::Partnership(p) => registry_partnership(&mut tx, &mut run, at.source, p).await?,
                        RowContent::Win(w) => registry_win(&mut tx, &mut run, at.source, w).await?,
                    };
                    run.problems.extend(found.into_iter().map(|(col, msg)| at.error(col.as_deref(), msg)));
                }
            }
        }
        reader.await.map_err(|e| Error::Internal(e.into()))?;
    }
    if !run.problems.is_empty() {
        tx.rollback().await?;
        let mut problems = run.problems;
        problems.sort_by_key(|p| (p.location.source, p.location.part.clone(), p.location.row.unwrap_or(0)));
        return Err(ImportError::Rejected(problems));
    }
    tx.commit().await?;
    Ok(ImportSummary { per_source: sources.iter().map(|s| s.label.clone()).zip(run.counts).collect() })
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

async fn insert_table_row(conn: &mut SqliteConnection, row: TableRow) -> Result<(), Error> {
    macro_rules! arm {
        ($f:ty) => {
            if row.table == <$f as Entity>::TABLE {
                let fields: $f = serde_json::from_value(Value::Object(row.values)).map_err(|e| Error::BadRequest(e.to_string()))?;
                return insert_in(conn, &row.meta, &fields).await;
            }
        };
    }
    crate::for_each_entity!(arm);
    Err(Error::Internal(anyhow::anyhow!("no table {}", row.table)))
}

async fn table_row(conn: &mut SqliteConnection, run: &mut Run, source: usize, row: TableRow) -> Result<Found, ImportError> {
    if row.incomplete {
        return Ok(vec![]);
    }
    let table = row.table;
    let skip = row.bad_columns.clone();
    match insert_table_row(conn, row).await {
        Ok(()) => {
            run.count(source, table);
            Ok(vec![])
        }
        Err(e) => row_problems(e, &skip, str::to_string),
    }
}

fn new_meta() -> Meta {
    let now = db::now();
    Meta { id: Id::new(), version: 1, created_at: now, updated_at: now }
}

/// The id of a (non-illustrative) organization of that name, ignoring case, if there is one.
async fn organization_named(conn: &mut SqliteConnection, name: &str) -> Result<Option<Id>, Error> {
    Ok(sqlx::query_scalar("SELECT id FROM organizations WHERE name = ? COLLATE NOCASE AND illustrative = 0 ORDER BY id LIMIT 1")
        .bind(name.trim())
        .fetch_optional(&mut *conn)
        .await?)
}

/// The id of the partnership of that name, ignoring case, if there is one.
async fn partnership_named(conn: &mut SqliteConnection, name: &str) -> Result<Option<Id>, Error> {
    Ok(sqlx::query_scalar("SELECT id FROM partnerships WHERE name = ? COLLATE NOCASE").bind(name.trim()).fetch_optional(&mut *conn).await?)
}

async fn registry_partnership(conn: &mut SqliteConnection, run: &mut Run, source: usize, seed: SeedPartnership) -> Result<Found, ImportError> {
    if seed.incomplete {
        return Ok(vec![]);
    }
    // A name already taken (by the database or an earlier row) is named as such, not as its slug.
    if partnership_named(conn, &seed.fields.name).await?.is_some() {
        return Ok(vec![(Some("name".into()), "another partnership already has this name".into())]);
    }
    let meta = new_meta();
    if let Err(e) = insert_in(conn, &meta, &seed.fields).await {
        return row_problems(e, &[], |f| seed::partnership_column(f).to_string());
    }
    run.count(source, PartnershipFields::TABLE);
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
                if let Err(e) = insert_in(conn, &m, &fields).await {
                    found.extend(row_problems(e, &[], |_| "convener".to_string())?);
                    continue;
                }
                run.count(source, OrganizationFields::TABLE);
                m.id
            }
        };
        run.conveners.insert(key, org);
        let membership = MembershipFields { partnership_id: meta.id, organization_id: org, role: MembershipRole::Convener, started: None, ended: None };
        match insert_in(conn, &new_meta(), &membership).await {
            Ok(()) => run.count(source, MembershipFields::TABLE),
            Err(e) => found.extend(row_problems(e, &[], |_| "convener".to_string())?),
        }
    }
    Ok(found)
}

async fn registry_win(conn: &mut SqliteConnection, run: &mut Run, source: usize, seed: SeedWin) -> Result<Found, ImportError> {
    if seed.incomplete || seed.partnership_name.is_empty() {
        return Ok(vec![]);
    }
    let Some(pid) = partnership_named(conn, &seed.partnership_name).await? else {
        return Ok(vec![(Some("partnership".into()), format!("no partnership is named '{}'", seed.partnership_name))]);
    };
    let initiative = InitiativeFields { partnership_id: pid, ..seed.initiative };
    let imeta = new_meta();
    if let Err(e) = insert_in(conn, &imeta, &initiative).await {
        return row_problems(e, &[], |f| seed::win_column(f).to_string());
    }
    run.count(source, InitiativeFields::TABLE);
    let win = WinFields { partnership_id: pid, initiative_id: Some(imeta.id), ..seed.win };
    match insert_in(conn, &new_meta(), &win).await {
        Ok(()) => {
            run.count(source, WinFields::TABLE);
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
    let partnerships: i64 = sqlx::query_scalar("SELECT count(*) FROM partnerships WHERE illustrative = 0").fetch_one(db).await?;
    let states: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT s.value) FROM partnerships p, json_each(p.region_states) s WHERE p.illustrative = 0",
    )
    .fetch_one(db)
    .await?;
    let wins: i64 = sqlx::query_scalar("SELECT count(*) FROM wins WHERE illustrative = 0").fetch_one(db).await?;
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

//! Database access: the connection pool for SQLite or PostgreSQL, migrations per backend, the
//! transaction helpers, the record id type and the glue that lets one SQL text run on both.
//!
//! The backend is chosen at run time from `DATABASE_URL` (`sqlite://PATH`, `sqlite::memory:`,
//! `postgres://...` or `postgresql://...`) through sqlx's `Any` driver: [`Db`] is one pool type
//! whatever the backend, and every store function takes `&Db` or `&mut Conn`.
//!
//! How SQL is written so that it runs on both (the dialect rule, see also README
//! "Architecture"):
//! - Placeholders are `?`. Run every statement through [`query`], [`query_as`],
//!   [`query_scalar`] (or their `_with` forms): on PostgreSQL they rewrite `?` to `$1..$n`
//!   (outside string literals, identifiers and comments), once per distinct text; on SQLite the
//!   text is passed through untouched.
//! - Portable SQL only: `COLLATE NOCASE` and `instr(a, b)` work on both (the PostgreSQL
//!   migrations define a case-insensitive ICU collation `nocase` and an `instr` function);
//!   booleans are compared as booleans (`NOT x`, `x OR ?`, `TRUE`/`FALSE`), never with `0`/`1`;
//!   a `SUM` or `AVG` of integers is cast (`CAST(sum(x) AS BIGINT)`) since PostgreSQL returns
//!   `numeric`; `ORDER BY` may name an output column bare but not inside an expression.
//! - What differs is asked of [`Dialect`]: JSON array membership and expansion
//!   ([`Dialect::json_values`], [`Dialect::json_items`]), string aggregation
//!   ([`Dialect::string_agg`]), and a join the planner must not reorder
//!   ([`Dialect::cross_join`]).
//! - Values are read through types the `Any` driver knows: text, integers, floats and booleans.
//!   Booleans read as [`Flag`] (SQLite stores 0/1), timestamps, dates and JSON columns as
//!   [`DbText`] (`#[sqlx(try_from = "DbText")]` on a derived row type), ids as [`Id`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyArguments, AnyConnectOptions, AnyPoolOptions, AnyRow, AnyTypeInfo, AnyTypeInfoKind};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions, Executor, TypeInfo, ValueRef};
use uuid::Uuid;

pub mod backup;
pub mod scratch;

/// The pool every module shares (SQLite or PostgreSQL, see [`connect`]).
pub type Db = AnyPool;
/// One connection; store functions that run inside a caller's transaction take `&mut Conn`
/// (a [`Tx`] dereferences to it).
pub type Conn = AnyConnection;
/// A transaction on [`Db`].
pub type Tx<'a> = sqlx::Transaction<'a, Any>;

/// Migrations for SQLite, embedded at compile time from `migrations/sqlite`.
pub static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// Migrations for PostgreSQL, embedded at compile time from `migrations/postgres`: the same
/// numbered files as [`SQLITE_MIGRATOR`], with the same meaning.
pub static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which SQL a database speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// The `DATABASE_URL` forms accepted, for error messages.
pub const SUPPORTED_URLS: &str =
    "sqlite://PATH (a file, created if absent; sqlite:///ABSOLUTE/PATH), sqlite::memory:, or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (postgresql:// too)";

impl Dialect {
    /// The dialect of a `DATABASE_URL`. Errors: a scheme other than `sqlite:`, `postgres:` and
    /// `postgresql:`, naming the forms that are supported (the password, if any, left out).
    pub fn of_url(url: &str) -> anyhow::Result<Dialect> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase()).unwrap_or_default();
        match scheme.as_str() {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            _ => anyhow::bail!("DATABASE_URL '{}' is not supported: use {SUPPORTED_URLS}", redact(url)),
        }
    }

    /// The migrations of this backend.
    pub fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Dialect::Sqlite => &SQLITE_MIGRATOR,
            Dialect::Postgres => &POSTGRES_MIGRATOR,
        }
    }

    /// `sql` with its `?` placeholders as this backend wants them: unchanged on SQLite;
    /// numbered `$1..$n` on PostgreSQL, translated once per distinct text and kept for the life
    /// of the process (so pass only texts built from the program's own fragments, never from
    /// values: those are bound). For statements whose text grows with the data (a multi-row
    /// `INSERT`), use [`Dialect::sql_owned`] instead.
    pub fn sql(self, sql: &str) -> &str {
        match self {
            Dialect::Sqlite => sql,
            Dialect::Postgres if !sql.contains('?') => sql,
            Dialect::Postgres => cached_numbered(sql),
        }
    }

    /// Like [`Dialect::sql`], without keeping the translation.
    pub fn sql_owned(self, sql: &str) -> Cow<'_, str> {
        match self {
            Dialect::Sqlite => Cow::Borrowed(sql),
            Dialect::Postgres => Cow::Owned(numbered(sql)),
        }
    }

    /// Whether prepared statements are kept and reused by their text (SQLite), or prepared at
    /// each run with that run's argument types (PostgreSQL; see [`query`]).
    pub fn keeps_statements(self) -> bool {
        self == Dialect::Sqlite
    }

    /// A subquery body selecting the elements of a JSON array of strings as a column `value`,
    /// e.g. `id IN ({})` with `arg` = `?` (the array bound as one text value).
    pub fn json_values(self, arg: &str) -> String {
        match self {
            Dialect::Sqlite => format!("SELECT value FROM json_each({arg})"),
            Dialect::Postgres => format!("SELECT value FROM json_array_elements_text(CAST({arg} AS json)) AS j(value)"),
        }
    }

    /// A `FROM` item expanding the JSON array of strings `expr` (e.g. a column) into rows whose
    /// element is `{alias}.value`.
    pub fn json_items(self, expr: &str, alias: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_each({expr}) {alias}"),
            Dialect::Postgres => format!("json_array_elements_text(CAST({expr} AS json)) AS {alias}(value)"),
        }
    }

    /// An aggregate joining the non-null text values of `expr` with the one character `sep`
    /// (in no particular order).
    pub fn string_agg(self, expr: &str, sep: char) -> String {
        let code = sep as u32;
        match self {
            Dialect::Sqlite => format!("group_concat({expr}, char({code}))"),
            Dialect::Postgres => format!("string_agg({expr}, chr({code}))"),
        }
    }

    /// `CROSS JOIN` where SQLite must keep the join order written (its planner never reorders
    /// a cross join); a plain `JOIN` on PostgreSQL, which takes no such hint.
    pub fn cross_join(self) -> &'static str {
        match self {
            Dialect::Sqlite => "CROSS JOIN",
            Dialect::Postgres => "JOIN",
        }
    }

    /// `+expr` on SQLite (a unary plus keeps its planner from using an index on the column);
    /// `expr` on PostgreSQL.
    pub fn no_index(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("+{expr}"),
            Dialect::Postgres => expr.to_string(),
        }
    }
}

/// A `DATABASE_URL` fit to print: the password, if any, replaced by `***`.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, tail) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Something that knows which backend it talks to: the pool, a connection, a transaction.
pub trait Backend {
    fn dialect(&self) -> Dialect;
}

impl Backend for AnyPool {
    fn dialect(&self) -> Dialect {
        if self.connect_options().database_url.scheme() == "sqlite" {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        }
    }
}

impl Backend for AnyConnection {
    fn dialect(&self) -> Dialect {
        if self.backend_name() == <sqlx::Sqlite as sqlx::Database>::NAME {
            Dialect::Sqlite
        } else {
            Dialect::Postgres
        }
    }
}

impl Backend for sqlx::Transaction<'_, Any> {
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

impl Backend for Dialect {
    fn dialect(&self) -> Dialect {
        *self
    }
}

impl<B: Backend + ?Sized> Backend for &B {
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

impl<B: Backend + ?Sized> Backend for &mut B {
    fn dialect(&self) -> Dialect {
        (**self).dialect()
    }
}

/// A statement for `on`'s backend (see [`Dialect::sql`]); bind with `.bind(..)` and run on the
/// same pool or connection.
///
/// On PostgreSQL the statement is prepared anew at each run (an unnamed statement), with the
/// types of that run's arguments. sqlx keeps prepared statements by their text alone and would
/// send a later run's values under the first run's parameter types; with `Any`, the type of an
/// argument can change between runs of one text (a JSON null is bound as an `integer` NULL, a
/// value as `text`; `Option::<f64>::None` goes as `real`, `Some` as `double precision`), and
/// PostgreSQL would read the bytes as the wrong type. SQLite, typed by value, keeps its cache.
pub fn query<'q>(on: &impl Backend, sql: &'q str) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    let d = on.dialect();
    sqlx::query(d.sql(sql)).persistent(d.keeps_statements())
}

/// [`query`] with its arguments already collected.
pub fn query_with<'q>(on: &impl Backend, sql: &'q str, args: AnyArguments<'q>) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
    let d = on.dialect();
    sqlx::query_with(d.sql(sql), args).persistent(d.keeps_statements())
}

/// A statement whose rows decode as `O` (see [`query`]).
pub fn query_as<'q, O>(on: &impl Backend, sql: &'q str) -> sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let d = on.dialect();
    sqlx::query_as(d.sql(sql)).persistent(d.keeps_statements())
}

/// [`query_as`] with its arguments already collected.
pub fn query_as_with<'q, O>(on: &impl Backend, sql: &'q str, args: AnyArguments<'q>) -> sqlx::query::QueryAs<'q, Any, O, AnyArguments<'q>>
where
    O: for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let d = on.dialect();
    sqlx::query_as_with(d.sql(sql), args).persistent(d.keeps_statements())
}

/// A statement whose first column decodes as `O` (see [`query`]).
pub fn query_scalar<'q, O>(on: &impl Backend, sql: &'q str) -> sqlx::query::QueryScalar<'q, Any, O, AnyArguments<'q>>
where
    (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let d = on.dialect();
    sqlx::query_scalar(d.sql(sql)).persistent(d.keeps_statements())
}

/// [`query_scalar`] with its arguments already collected.
pub fn query_scalar_with<'q, O>(on: &impl Backend, sql: &'q str, args: AnyArguments<'q>) -> sqlx::query::QueryScalar<'q, Any, O, AnyArguments<'q>>
where
    (O,): for<'r> sqlx::FromRow<'r, AnyRow>,
{
    let d = on.dialect();
    sqlx::query_scalar_with(d.sql(sql), args).persistent(d.keeps_statements())
}

/// Run one statement inside an open transaction such that, if the database refuses it (a
/// duplicate, a missing reference), the transaction goes on as if it had not been tried, on
/// both backends. SQLite undoes just the failed statement by itself; PostgreSQL marks the whole
/// transaction failed, so there the statement runs inside a savepoint that is rolled back on
/// error. For statements whose failure is reported and the work continues (an import collecting
/// every problem of a file).
pub async fn execute_guarded<'q>(
    conn: &mut Conn,
    statement: sqlx::query::Query<'q, Any, AnyArguments<'q>>,
) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    match conn.dialect() {
        Dialect::Sqlite => statement.execute(&mut *conn).await,
        Dialect::Postgres => {
            conn.execute("SAVEPOINT guarded").await?;
            match statement.execute(&mut *conn).await {
                Ok(done) => {
                    conn.execute("RELEASE SAVEPOINT guarded").await?;
                    Ok(done)
                }
                Err(e) => {
                    conn.execute("ROLLBACK TO SAVEPOINT guarded").await?;
                    conn.execute("RELEASE SAVEPOINT guarded").await?;
                    Err(e)
                }
            }
        }
    }
}

/// Translations of SQL texts to numbered placeholders, kept for the life of the process.
static NUMBERED: LazyLock<RwLock<HashMap<&'static str, &'static str>>> = LazyLock::new(Default::default);

fn cached_numbered(sql: &str) -> &'static str {
    if let Some(found) = NUMBERED.read().ok().and_then(|m| m.get(sql).copied()) {
        return found;
    }
    let mut map = match NUMBERED.write() {
        Ok(m) => m,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(found) = map.get(sql) {
        return found;
    }
    let key: &'static str = Box::leak(sql.to_owned().into_boxed_str());
    let value: &'static str = Box::leak(numbered(sql).into_boxed_str());
    map.insert(key, value);
    value
}

/// The text to look for with `instr(lower(column), ?)`, from what someone typed into a search.
///
/// `lower()` of a column changes A-Z only, on both backends (SQLite's built-in `lower`, and
/// PostgreSQL's under the columns' `"C"` collation), while PostgreSQL's `lower(?)` of a parameter
/// follows the database's locale and also lowers `É` to `é`: then "École" could never be found
/// there, though SQLite found it. Lowering the needle here the same way as the column (ASCII only)
/// makes the search ignore ASCII case and find other letters as typed, on both backends alike.
pub fn search_needle(q: &str) -> String {
    q.to_ascii_lowercase()
}

/// `sql` with each `?` placeholder replaced by `$1`, `$2`, ... in order. A `?` inside a string
/// literal (`'...'`), a quoted identifier (`"..."`) or a comment (`-- ...`, `/* ... */`) is left
/// alone.
pub fn numbered(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + 32);
    let mut n = 0;
    let mut start = 0; // start of the text not yet copied
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"') => {
                // Skip to the closing quote; a doubled quote is an escaped one.
                i += 1;
                while i < bytes.len() {
                    if bytes[i] == q {
                        if bytes.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'?' => {
                out.push_str(&sql[start..i]);
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[start.min(sql.len())..]);
    out
}

/// Open the database at `url` (creating a SQLite file if absent) and apply pending migrations.
///
/// - `sqlite://PATH` (relative to the working directory; `sqlite:///ABS/PATH`) or
///   `sqlite::memory:`: WAL journaling, foreign keys on, `synchronous = NORMAL` (safe with WAL),
///   5 s busy timeout; an in-memory database keeps exactly one connection.
/// - `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE` (or `postgresql://`), with any of
///   libpq's URL parameters sqlx knows (`sslmode`, `options=-c search_path=...`, ...): a waiting
///   lock gives up after 5 s, as SQLite's busy timeout does.
///
/// Errors: an unsupported scheme (naming the supported forms), a database that cannot be
/// opened or reached, or a failed migration.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let dialect = Dialect::of_url(url)?;
    let shown = redact(url);
    let pool = match dialect {
        Dialect::Sqlite => {
            let memory = url.contains(":memory:") || url.contains("mode=memory");
            // Parse as SQLite does (paths need no URL escaping), then hand the driver its
            // canonical URL, asking for the file to be created if absent.
            let sqlite = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("DATABASE_URL '{shown}' is not a SQLite URL"))?
                .create_if_missing(true);
            let opts = AnyConnectOptions::from_url(&sqlite.to_url_lossy()).with_context(|| format!("DATABASE_URL '{shown}'"))?;
            AnyPoolOptions::new()
                // One in-memory database is private to its connections' process; keep exactly one.
                .max_connections(if memory { 1 } else { 8 })
                .min_connections(if memory { 1 } else { 0 })
                .idle_timeout(if memory { None } else { Some(Duration::from_secs(600)) })
                .max_lifetime(if memory { None } else { Some(Duration::from_secs(1800)) })
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        conn.execute(if memory { "PRAGMA journal_mode = MEMORY" } else { "PRAGMA journal_mode = WAL" }).await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await
                .with_context(|| format!("opening database {shown}"))?
        }
        Dialect::Postgres => {
            let opts = AnyConnectOptions::from_str(url).with_context(|| format!("DATABASE_URL '{shown}' is not a PostgreSQL URL"))?;
            AnyPoolOptions::new()
                .max_connections(8)
                .min_connections(0)
                .acquire_timeout(Duration::from_secs(10))
                .idle_timeout(Some(Duration::from_secs(600)))
                .max_lifetime(Some(Duration::from_secs(1800)))
                .after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute("SET lock_timeout = '5s'").await?;
                        // No JIT compilation: the app's queries are short, and PostgreSQL's JIT
                        // (on by default above jit_above_cost) spent 180 ms compiling the 20 ms
                        // health query of a partnership page, whose cost the planner overestimates
                        // (measured with EXPLAIN ANALYZE; see BENCHMARKS.md, the network benchmark
                        // on PostgreSQL). Short OLTP queries are the case PostgreSQL's docs name
                        // for turning it off.
                        conn.execute("SET jit = off").await?;
                        Ok(())
                    })
                })
                .connect_with(opts)
                .await
                .with_context(|| format!("connecting to database {shown}"))?
        }
    };
    dialect.migrator().run(&pool).await.with_context(|| format!("applying migrations to {shown}"))?;
    Ok(pool)
}

/// A record id: a UUID (version 7 for new rows, so ids sort by creation time), stored as
/// hyphenated lowercase text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
#[schema(value_type = String, format = Uuid)]
pub struct Id(pub Uuid);

impl Id {
    /// A new UUIDv7 from the current time.
    pub fn new() -> Id {
        Id(Uuid::now_v7())
    }
    /// The all-zero id (tests only).
    pub fn nil() -> Id {
        Id(Uuid::nil())
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::new()
    }
}

impl std::fmt::Display for Id {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

impl FromStr for Id {
    type Err = String;
    fn from_str(s: &str) -> Result<Id, String> {
        Uuid::parse_str(s.trim()).map(Id).map_err(|_| format!("'{s}' is not an id (UUID)"))
    }
}

impl sqlx::Type<Any> for Id {
    fn type_info() -> AnyTypeInfo {
        <String as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Id {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let s = <&str as sqlx::Decode<Any>>::decode(value)?;
        Ok(Id(Uuid::parse_str(s)?))
    }
}

impl<'q> sqlx::Encode<'q, Any> for Id {
    fn encode_by_ref(&self, buf: &mut <Any as sqlx::Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <String as sqlx::Encode<Any>>::encode(self.to_string(), buf)
    }
}

/// A boolean as stored: SQLite keeps `0`/`1` integers, PostgreSQL `BOOLEAN`. Read a boolean
/// column (or expression) as `Flag` and take `.0`, or with `#[sqlx(try_from = "Flag")]` on a
/// `bool` field of a derived row type. Bind plain `bool`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<Flag> for bool {
    fn from(f: Flag) -> bool {
        f.0
    }
}

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        matches!(ty.kind(), AnyTypeInfoKind::Bool | AnyTypeInfoKind::SmallInt | AnyTypeInfoKind::Integer | AnyTypeInfoKind::BigInt)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.type_info().kind() == AnyTypeInfoKind::Bool {
            Ok(Flag(<bool as sqlx::Decode<Any>>::decode(value)?))
        } else {
            Ok(Flag(<i64 as sqlx::Decode<Any>>::decode(value)? != 0))
        }
    }
}

/// A text column read as it is stored (`None` for NULL), to be turned into the type it holds:
/// a timestamp (RFC 3339, see [`timestamp_text`]), a date (`YYYY-MM-DD`), or JSON. Use
/// `#[sqlx(try_from = "DbText")]` on a field of a derived row type, or decode `DbText` and call
/// `.try_into()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbText(pub Option<String>);

impl sqlx::Type<Any> for DbText {
    fn type_info() -> AnyTypeInfo {
        <String as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as sqlx::Type<Any>>::compatible(ty) || ty.is_null()
    }
}

impl<'r> sqlx::Decode<'r, Any> for DbText {
    fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        if value.is_null() {
            return Ok(DbText(None));
        }
        Ok(DbText(Some(<String as sqlx::Decode<Any>>::decode(value)?)))
    }
}

impl DbText {
    fn present(self, what: &str) -> Result<String, String> {
        self.0.ok_or_else(|| format!("a {what} was expected, the column is NULL"))
    }
}

/// Read a stored timestamp: RFC 3339 (what [`timestamp_text`] writes), or `YYYY-MM-DD
/// HH:MM:SS[.f]` taken as UTC.
pub fn parse_timestamp(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .map(|t| t.and_utc())
        .map_err(|_| format!("'{s}' is not a timestamp (RFC 3339)"))
}

impl TryFrom<DbText> for chrono::DateTime<chrono::Utc> {
    type Error = String;
    fn try_from(t: DbText) -> Result<Self, String> {
        parse_timestamp(&t.present("timestamp")?)
    }
}

impl TryFrom<DbText> for Option<chrono::DateTime<chrono::Utc>> {
    type Error = String;
    fn try_from(t: DbText) -> Result<Self, String> {
        t.0.as_deref().map(parse_timestamp).transpose()
    }
}

fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}

impl TryFrom<DbText> for chrono::NaiveDate {
    type Error = String;
    fn try_from(t: DbText) -> Result<Self, String> {
        parse_date(&t.present("date")?)
    }
}

impl<T: serde::de::DeserializeOwned> TryFrom<DbText> for sqlx::types::Json<T> {
    type Error = String;
    fn try_from(t: DbText) -> Result<Self, String> {
        let s = t.present("JSON value")?;
        serde_json::from_str(&s).map(sqlx::types::Json).map_err(|e| format!("stored JSON does not read: {e}"))
    }
}

impl<T: serde::de::DeserializeOwned> TryFrom<DbText> for Option<sqlx::types::Json<T>> {
    type Error = String;
    fn try_from(t: DbText) -> Result<Self, String> {
        t.0.map(|s| serde_json::from_str(&s).map(sqlx::types::Json).map_err(|e| format!("stored JSON does not read: {e}"))).transpose()
    }
}

/// A NULL argument of no particular type: bind [`NULL`]. SQLite takes any NULL anywhere;
/// PostgreSQL types each argument, and this one goes as an `integer` NULL, which it assigns to a
/// `text`, `bigint` or `double precision` column alike (a `text` NULL, as `Option::<String>::None`
/// binds, would not go into a number column).
pub const NULL: Option<Untyped> = None;

/// The type of no value at all: only its `None` ([`NULL`]) is ever bound.
#[derive(Debug, Clone, Copy)]
pub enum Untyped {}

impl sqlx::Type<Any> for Untyped {
    fn type_info() -> AnyTypeInfo {
        AnyTypeInfo { kind: AnyTypeInfoKind::Null }
    }
}

impl<'q> sqlx::Encode<'q, Any> for Untyped {
    fn encode_by_ref(&self, _buf: &mut <Any as sqlx::Database>::ArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        match *self {}
    }
}

/// Now, in UTC, truncated to whole microseconds so that stored text and exported JSON agree.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    let n = chrono::Utc::now();
    n - chrono::Duration::nanoseconds((n.timestamp_subsec_nanos() % 1000) as i64)
}

/// The stored text form of a timestamp: RFC 3339, microseconds, `Z`.
pub fn timestamp_text(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Begin a transaction that will write, holding the database's write lock from its first
/// statement, so two writers (of this process or of another instance or command) wait for each
/// other instead of one reading data the other is about to change:
/// - SQLite: `BEGIN IMMEDIATE` takes the write lock at once (a writer waits up to the 5 s busy
///   timeout, instead of failing with "database is locked" when a read-then-write transaction
///   tries to upgrade its lock).
/// - PostgreSQL: `BEGIN`, then the row of `data_generation` (which [`commit`] raises) is locked
///   `FOR UPDATE`: writers of one database schema take turns (waiting up to the 5 s lock
///   timeout), and each one's statements see everything committed before it got its turn.
pub async fn begin_write(db: &Db) -> Result<Tx<'static>, sqlx::Error> {
    match db.dialect() {
        Dialect::Sqlite => db.begin_with("BEGIN IMMEDIATE").await,
        Dialect::Postgres => {
            let mut tx = db.begin().await?;
            sqlx::query("SELECT generation FROM data_generation WHERE id = 1 FOR UPDATE").execute(&mut *tx).await?;
            Ok(tx)
        }
    }
}

/// Commit a transaction that changed data, raising the data generation by one in the same
/// transaction, so every cached page rendered before it is known to be stale (by every process
/// and instance using the database). Every write of the store ends here.
pub async fn commit(mut tx: Tx<'_>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE data_generation SET generation = generation + 1 WHERE id = 1").execute(&mut *tx).await?;
    tx.commit().await
}

/// The current data generation (see [`commit`]).
pub async fn generation(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT generation FROM data_generation WHERE id = 1").fetch_one(db).await
}

/// Whether the database (its current schema, on PostgreSQL) has a table of that name.
pub async fn table_exists(db: &Db, name: &str) -> Result<bool, sqlx::Error> {
    let sql = match db.dialect() {
        Dialect::Sqlite => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
        Dialect::Postgres => "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?",
    };
    let n: i64 = query_scalar(db, sql).bind(name).fetch_one(db).await?;
    Ok(n > 0)
}

/// What a unique constraint a write broke covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueViolation {
    /// The columns of the constraint, as the database names them (`["partnership_id",
    /// "reference"]`); empty when it covers an expression only.
    pub columns: Vec<String>,
    /// The constraint's or index's name when the database gives it (PostgreSQL always; SQLite
    /// for an index on an expression, e.g. `partnerships_name_uq`).
    pub constraint: Option<String>,
}

/// The unique constraint `e` broke, if it is such an error, on either backend.
pub fn unique_violation(e: &sqlx::Error) -> Option<UniqueViolation> {
    let db_err = e.as_database_error()?;
    if db_err.kind() != sqlx::error::ErrorKind::UniqueViolation {
        return None;
    }
    if let Some(pg) = db_err.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        // detail: `Key (partnership_id, reference)=(..., ...) already exists.`
        let columns = pg
            .detail()
            .and_then(|d| d.strip_prefix("Key ("))
            .and_then(|d| d.split_once(")=("))
            .map(|(cols, _)| cols)
            .filter(|cols| !cols.contains('('))
            .map(|cols| cols.split(", ").map(str::to_string).collect())
            .unwrap_or_default();
        return Some(UniqueViolation { columns, constraint: pg.constraint().map(str::to_string) });
    }
    // SQLite: `UNIQUE constraint failed: table.a, table.b` or `... failed: index 'name'`.
    let rest = db_err.message().split_once("constraint failed: ").map(|(_, r)| r).unwrap_or("");
    if let Some(index) = rest.strip_prefix("index '").and_then(|r| r.strip_suffix('\'')) {
        return Some(UniqueViolation { columns: vec![], constraint: Some(index.to_string()) });
    }
    let columns = rest.split(", ").filter_map(|c| c.split_once('.').map(|(_, col)| col.to_string())).collect();
    Some(UniqueViolation { columns, constraint: None })
}

/// Whether `e` is a foreign key violation (a row still referred to, or a reference to a row
/// that does not exist), on either backend.
pub fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_literals_identifiers_and_comments() {
        assert_eq!(numbered("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"), "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)");
        assert_eq!(numbered("SELECT '?', 'it''s ?', \"odd?col\" FROM t WHERE x = ?"), "SELECT '?', 'it''s ?', \"odd?col\" FROM t WHERE x = $1");
        assert_eq!(numbered("SELECT 1 -- why?\nFROM t /* or? */ WHERE y = ?"), "SELECT 1 -- why?\nFROM t /* or? */ WHERE y = $1");
        assert_eq!(numbered("no placeholders"), "no placeholders");
        assert_eq!(numbered("ends with ?"), "ends with $1");
        assert_eq!(numbered("unterminated '?"), "unterminated '?");
        let twelve = ["?"; 12].join(",");
        assert!(numbered(&twelve).ends_with("$11,$12"));
    }

    #[test]
    fn sqlite_text_is_untouched_and_postgres_text_is_translated_once() {
        let sql = format!("SELECT {} FROM t WHERE id = ?", "x");
        assert!(std::ptr::eq(Dialect::Sqlite.sql(&sql), sql.as_str()), "SQLite gets the very same text");
        let a = Dialect::Postgres.sql(&sql);
        let copy = sql.clone();
        let b = Dialect::Postgres.sql(&copy);
        assert_eq!(a, "SELECT x FROM t WHERE id = $1");
        assert!(std::ptr::eq(a, b), "the second translation is the cached one");
    }

    #[test]
    fn urls_name_their_backend_and_errors_name_the_supported_forms() {
        assert_eq!(Dialect::of_url("sqlite://table.db").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of_url("sqlite::memory:").unwrap(), Dialect::Sqlite);
        assert_eq!(Dialect::of_url("postgres://u@h/db").unwrap(), Dialect::Postgres);
        assert_eq!(Dialect::of_url("postgresql://u@h:5432/db").unwrap(), Dialect::Postgres);
        let err = Dialect::of_url("mysql://root:secret@h/db").unwrap_err().to_string();
        assert!(err.contains("mysql://root:***@h/db"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        assert!(err.contains("sqlite://PATH") && err.contains("postgres://"), "{err}");
        assert_eq!(redact("postgres://u:pw@h:5432/db?sslmode=disable"), "postgres://u:***@h:5432/db?sslmode=disable");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://a.db"), "sqlite://a.db");
    }

    #[test]
    fn stored_text_reads_as_timestamps_dates_and_json() {
        let t: chrono::DateTime<chrono::Utc> = DbText(Some("2024-03-01T10:20:30.123456Z".into())).try_into().unwrap();
        assert_eq!(timestamp_text(&t), "2024-03-01T10:20:30.123456Z");
        let none: Option<chrono::DateTime<chrono::Utc>> = DbText(None).try_into().unwrap();
        assert_eq!(none, None);
        assert!(chrono::DateTime::<chrono::Utc>::try_from(DbText(None)).is_err());
        let d: chrono::NaiveDate = DbText(Some("2024-02-29".into())).try_into().unwrap();
        assert_eq!(d, chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        assert!(chrono::NaiveDate::try_from(DbText(Some("2023-02-29".into()))).is_err());
        let j: sqlx::types::Json<Vec<String>> = DbText(Some("[\"AZ\",\"NV\"]".into())).try_into().unwrap();
        assert_eq!(j.0, vec!["AZ", "NV"]);
    }
}

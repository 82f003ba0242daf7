//! The `sharedtable` command: serve, demo, migrate, import, export, report, backup, restore, and
//! the database-free `freight` tools (Li & Lim benchmark solve and check).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sharedtable::config::{DbArgs, ListenArgs};
use sharedtable::network::bulk::{RowKind, Source};
use sharedtable::network::store::bulk::{self as store_bulk, ImportError, ImportOptions, ImportSummary};
use sharedtable::network::store::is_empty;
use sharedtable::audit::{with_actor, AuditActor};
use sharedtable::{db, AppState};

/// Print a line to standard output, ignoring a closed pipe (`sharedtable import ... | head -1`)
/// instead of panicking as `println!` does.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}

#[derive(Parser)]
#[command(name = "sharedtable", version, about = "Run Next Gen sector partnerships and see what a network of them achieved")]
struct Cli {
    #[command(flatten)]
    db: DbArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and JSON API.
    Serve {
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Load the bundled real network and the illustrative demo partnership into a database that
    /// has no partnerships yet, then serve.
    Demo {
        #[command(flatten)]
        listen: ListenArgs,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import CSV, JSON (an export) or XLSX files in one transaction: every row of every file, or
    /// nothing. Each problem is reported as `FILE row N column C: reason`.
    Import {
        /// The files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What the rows of every CSV file and sheet are: a table name (e.g. `partnerships`),
        /// `network_partnerships` or `network_wins` (the layouts of data/network/*.csv). Told from
        /// each file's header when not given.
        #[arg(long, env = "SHAREDTABLE_IMPORT_KIND", value_parser = parse_kind)]
        kind: Option<RowKind>,
    },
    /// Export every record: one JSON file that imports back exactly, or one CSV file per table.
    Export {
        /// `json` (one file) or `csv` (one file per table).
        #[arg(long, env = "SHAREDTABLE_EXPORT_FORMAT", value_enum)]
        format: ExportFormat,
        /// The JSON file (`-` for standard output), or the directory for CSV files.
        #[arg(long, env = "SHAREDTABLE_EXPORT_OUT")]
        out: PathBuf,
        /// Include people's email and phone (personal data; left out by default).
        #[arg(long, env = "SHAREDTABLE_INCLUDE_CONTACTS")]
        include_contacts: bool,
    },
    /// Write the network impact report: HTML (a printable page), Markdown or JSON.
    Report {
        /// `html`, `md` or `json`.
        #[arg(long, env = "SHAREDTABLE_REPORT_FORMAT", value_enum, default_value = "html")]
        format: ReportFormat,
        /// The file to write; standard output when not given.
        #[arg(long, env = "SHAREDTABLE_REPORT_OUT")]
        out: Option<PathBuf>,
        /// Include illustrative records (left out by default).
        #[arg(long, env = "SHAREDTABLE_INCLUDE_ILLUSTRATIVE")]
        include_illustrative: bool,
        /// Address of the running site (e.g. `https://table.example.org`), so the report's links to
        /// pages work from a file; links stay relative when not given.
        #[arg(long, env = "SHAREDTABLE_BASE_URL")]
        base_url: Option<String>,
    },
    /// Copy the live SQLite database to FILE while the server keeps running: a consistent
    /// snapshot (`VACUUM INTO`), checked with `PRAGMA integrity_check` before it gets its name.
    Backup {
        /// The backup file to write.
        #[arg(long, env = "SHAREDTABLE_BACKUP_TO")]
        to: PathBuf,
        /// Replace FILE if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the SQLite database with a backup (stop the server first). Refuses a database
    /// that holds rows unless `--force`.
    Restore {
        /// The backup file to restore.
        #[arg(long, env = "SHAREDTABLE_RESTORE_FROM")]
        from: PathBuf,
        /// Replace a database that holds rows.
        #[arg(long)]
        force: bool,
    },
    /// Accounts: make a network admin (the first one is made this way).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Personal access tokens for API clients.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Freight pooling engine tools. Needs no database: nothing is opened, created or migrated.
    Freight {
        #[command(subcommand)]
        command: FreightCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a network admin account, reading its password from standard input (one line; at
    /// least 12 characters), so it never appears in the shell history or the process list.
    Create {
        /// The admin's email address (their sign-in name).
        #[arg(long)]
        email: String,
        /// The name shown on pages and in the audit log; the part of the email before `@` when
        /// not given.
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (required: there is no other way to give it).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Make a personal access token for the account with EMAIL and print it as the last line. It is
    /// shown only this once; the database keeps its SHA-256.
    Create {
        #[arg(long)]
        email: String,
        /// `read` (GET only) or `write` (everything the account may do).
        #[arg(long, value_parser = parse_scope)]
        scope: sharedtable::auth::Scope,
        /// What the token is for, shown on the account page.
        #[arg(long, default_value = "made on the command line")]
        label: String,
    },
}

fn parse_scope(s: &str) -> Result<sharedtable::auth::Scope, String> {
    sharedtable::auth::Scope::parse(s).ok_or_else(|| format!("'{s}' is not a scope; use read or write"))
}

#[derive(Subcommand)]
enum FreightCommand {
    /// Solve a Li & Lim PDPTW benchmark instance by the benchmark's rules (unrounded Euclidean
    /// distance, travel time = distance, fewest vehicles first, then least distance). Prints
    /// `{"vehicles", "distance", "routes", "unassigned"}` with the file's node ids. Exit status 0 on
    /// success, 2 when the instance cannot be read, 1 when the solver fails.
    Solve {
        /// The instance file (`K Q S` line, then `id x y demand earliest latest service pickup delivery`).
        #[arg(long)]
        lilim: PathBuf,
        /// Search time limit in seconds.
        #[arg(long, default_value_t = 60.0, value_parser = positive_seconds)]
        seconds: f64,
        /// Seed for the solver's random choices (runs cut by a time limit on several threads still vary).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads for the search (default: every CPU). `--threads 1` compares fairly with
        /// single-threaded solvers.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
        threads: Option<u16>,
        /// `json` (one line) or `text`.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Check a solution against a Li & Lim instance, independently of the solver: every node once
    /// or its request listed as unassigned, pickup before delivery on one route, load within
    /// capacity, windows, return to the depot in time, vehicle count and claimed distance. Exit
    /// status 0 when feasible, 1 when not, 2 when a file cannot be read.
    Check {
        /// The instance file.
        #[arg(long)]
        lilim: PathBuf,
        /// The solution: the JSON printed by `freight solve`, or a best-known route file
        /// (`Route k : ids` lines).
        #[arg(long)]
        solution: PathBuf,
        /// `json` or `text`.
        #[arg(long, value_enum, default_value = "text")]
        format: OutFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum OutFormat {
    Json,
    Text,
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a positive number of seconds")),
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Html,
    Md,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Json,
    Csv,
}

fn parse_kind(s: &str) -> Result<RowKind, String> {
    RowKind::parse(s).ok_or_else(|| format!("'{s}' is not a kind of rows; use one of: {}", RowKind::expected()))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("SHAREDTABLE_LOG").unwrap_or_else(|_| "info,sqlx=warn".into()))
        .with_writer(std::io::stderr)
        .init();
    // `freight` needs no database: handled before anything connects to one.
    let cli = match Cli::parse() {
        Cli { command: Command::Freight { command }, .. } => return freight(command),
        cli => cli,
    };
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Backup and restore work on the file itself: they must neither create nor migrate it.
    match &cli.command {
        Command::Backup { to, force } => {
            let summary = db::backup::backup(&cli.db.database_url, to, *force).await?;
            say!("Backed up {} to {} ({} bytes); integrity check: ok.", cli.db.database_url, summary.path.display(), summary.bytes);
            print_contents(&summary.contents);
            return Ok(ExitCode::SUCCESS);
        }
        Command::Restore { from, force } => {
            let summary = db::backup::restore(&cli.db.database_url, from, *force).await?;
            let replaced = if summary.replaced_rows > 0 { format!(", replacing {} rows", summary.replaced_rows) } else { String::new() };
            say!("Restored {} into {}{replaced}; integrity check: ok.", from.display(), summary.path.display());
            print_contents(&summary.contents);
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let db = db::connect(&cli.db.database_url).await?;
    match cli.command {
        Command::Serve { listen } => sharedtable::serve(AppState::new(db).with_settings(listen.settings()?), &listen.listen).await?,
        Command::Migrate => say!("database {} is up to date", cli.db.database_url),
        Command::Demo { listen } => {
            if is_empty(&db).await? {
                // The audit log names the command as the author of what it loads; the server that
                // follows serves each request as its own author.
                let actor = AuditActor::command_line("sharedtable demo");
                match with_actor(actor.clone(), store_bulk::load_bundled(&db, true)).await {
                    Ok(summary) => print_demo_load(&db, &summary).await?,
                    Err(e) => return Ok(import_failed(e)),
                }
                if let Some(week) = with_actor(actor, sharedtable::freight::demo::load(&db)).await? {
                    say!(
                        "  data/demo/kingman-freight-week.*.csv (invented, badged \"Illustrative\"): {} member manufacturers of {} and {} shipments of one week; plan it at /partnerships/{}/freight",
                        week.members,
                        week.partnership,
                        week.shipments,
                        sharedtable::freight::demo::PARTNERSHIP_SLUG
                    );
                }
            } else {
                say!("The database already holds partnerships: nothing was loaded.");
            }
            if !sharedtable::auth::store::users(&db).await?.iter().any(|u| u.network_admin && !u.disabled) {
                say!("No one can sign in yet: make the first network admin with");
                say!("  echo 'a long pass phrase' | sharedtable admin create --email you@example.org --password-stdin");
            }
            sharedtable::serve(AppState::new(db).with_settings(listen.settings()?), &listen.listen).await?
        }
        Command::Import { files, kind } => {
            let sources: Vec<Source> = files.iter().map(Source::path).collect();
            let opts = ImportOptions { kind, progress: true };
            match with_actor(AuditActor::command_line("sharedtable import"), store_bulk::import(&db, &sources, &opts)).await {
                Ok(summary) => {
                    say!("Imported {} rows in one transaction:", summary.total());
                    for (file, counts) in &summary.per_source {
                        say!("  {file}: {}", ImportSummary::describe(counts));
                    }
                }
                Err(e) => return Ok(import_failed(e)),
            }
        }
        Command::Export { format, out, include_contacts } => {
            let contacts = if include_contacts { "with contact details" } else { "without contact details (email, phone)" };
            match format {
                ExportFormat::Json if out.as_os_str() == "-" => {
                    store_bulk::export_json(&db, std::io::BufWriter::new(std::io::stdout().lock()), include_contacts).await?;
                }
                ExportFormat::Json => {
                    let file = std::fs::File::create(&out).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
                    store_bulk::export_json(&db, std::io::BufWriter::new(file), include_contacts).await?;
                    say!("Exported every table to {}, {contacts}.", out.display());
                }
                ExportFormat::Csv => {
                    let written = store_bulk::export_csv(&db, &out, include_contacts).await?;
                    let rows: usize = written.iter().map(|(_, n)| n).sum();
                    say!("Exported {rows} rows into {} files in {}, {contacts}.", written.len(), out.display());
                }
            }
        }
        // Handled in `main` before connecting; kept here so the match stays exhaustive.
        Command::Freight { command } => return Ok(freight(command)),
        Command::Backup { .. } | Command::Restore { .. } => {}
        Command::Admin { command: AdminCommand::Create { email, name, password_stdin: _ } } => {
            let mut password = String::new();
            std::io::stdin().read_line(&mut password).map_err(|e| anyhow::anyhow!("reading the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            match sharedtable::auth::store::create_user(&db, &email, &name, Some(password), true).await {
                Ok(_) => say!("Created network admin '{name}'. Sign in at /sign-in."),
                Err(sharedtable::web::Error::Validation(errs)) => {
                    for (field, message) in errs.iter() {
                        eprintln!("error: {}: {message}", if field == "password" { "password (standard input)" } else { field });
                    }
                    return Ok(ExitCode::FAILURE);
                }
                Err(e) => anyhow::bail!("{e}"),
            }
        }
        Command::Token { command: TokenCommand::Create { email, scope, label } } => {
            let Some(user) = sharedtable::auth::store::user_by_email(&db, &email).await? else {
                anyhow::bail!("no account has the email address given with --email");
            };
            if user.disabled {
                anyhow::bail!("the account is disabled");
            }
            let (_, token) = sharedtable::auth::store::create_access_token(&db, user.id, &label, scope).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("A {} token for '{}'. It is shown only now: keep it secret. Send it as `Authorization: Bearer TOKEN`.", scope.as_str(), user.display_name);
            println!("{token}");
        }
        Command::Report { format, out, include_illustrative, base_url } => {
            let mut report = sharedtable::network::load_report(&db, include_illustrative).await?;
            if let Some(base) = &base_url {
                report.absolutize(base);
            }
            let text = match format {
                ReportFormat::Html => sharedtable::network::report_html(&report)?,
                ReportFormat::Md => sharedtable::network::report::to_markdown(&report),
                ReportFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            match out {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    eprintln!("Wrote the impact report to {}.", path.display());
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().lock().write_all(text.as_bytes())?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Print what a backup holds: rows per table, the data generation and the newest migration.
fn print_contents(c: &db::backup::Contents) {
    say!("  {} rows in {} tables, data generation {}, migration {}:", c.total_rows(), c.tables.len(),
        c.generation.map(|g| g.to_string()).unwrap_or_else(|| "none".into()),
        c.migration.map(|m| m.to_string()).unwrap_or_else(|| "none".into()));
    for (table, rows) in &c.tables {
        say!("    {table}: {rows}");
    }
}

async fn print_demo_load(db: &db::Db, summary: &ImportSummary) -> anyhow::Result<()> {
    let (partnerships, states, wins) = store_bulk::network_counts(db).await?;
    say!("Loaded the bundled real network: {partnerships} partnerships in {states} states and {wins} of their wins, each linked to its public source:");
    for (file, counts) in &summary.per_source {
        let note = if file.contains("illustrative") { " (invented, badged \"Illustrative\" everywhere)" } else { "" };
        say!("  {file}{note}: {}", ImportSummary::describe(counts));
    }
    Ok(())
}

/// Report why an import wrote nothing; every problem on its own line of standard error.
fn import_failed(e: ImportError) -> ExitCode {
    match e {
        ImportError::Rejected(problems) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("error: nothing was imported: {} problem(s) found; fix them and import again", problems.len());
        }
        ImportError::Failed(err) => eprintln!("error: nothing was imported: {err:#}"),
    }
    ExitCode::FAILURE
}

/// Read a file for the `freight` tools, or report it on standard error (exit status 2).
fn read_input(path: &std::path::Path, what: &str) -> Result<String, ExitCode> {
    std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read the {what} {}: {e}", path.display());
        ExitCode::from(2)
    })
}

fn read_lilim(path: &std::path::Path) -> Result<freight_engine::lilim::LilimInstance, ExitCode> {
    let text = read_input(path, "instance")?;
    freight_engine::lilim::parse(&text).map_err(|e| {
        eprintln!("error: {} {e}", path.display());
        ExitCode::from(2)
    })
}

/// Run a `freight` command; never touches the database.
fn freight(command: FreightCommand) -> ExitCode {
    match freight_inner(command) {
        Ok(code) | Err(code) => code,
    }
}

fn freight_inner(command: FreightCommand) -> Result<ExitCode, ExitCode> {
    use freight_engine::check;
    match command {
        FreightCommand::Solve { lilim, seconds, seed, threads, format } => {
            let instance = read_lilim(&lilim)?;
            let settings = freight_engine::lilim::SolverSettings { threads: threads.map(usize::from), ..Default::default() };
            let solution = freight_engine::lilim::solve_with(&instance, seconds, seed, &settings).map_err(|e| {
                eprintln!("error: {}: {e}", lilim.display());
                ExitCode::FAILURE
            })?;
            match format {
                OutFormat::Json => match serde_json::to_string(&solution) {
                    Ok(json) => say!("{json}"),
                    Err(e) => {
                        eprintln!("error: cannot write the solution as JSON: {e}");
                        return Err(ExitCode::FAILURE);
                    }
                },
                OutFormat::Text => {
                    say!("{}: {} vehicles, distance {:.4} (Li & Lim rules)", lilim.display(), solution.vehicles, solution.distance);
                    for (k, route) in solution.routes.iter().enumerate() {
                        let ids: Vec<String> = route.iter().map(usize::to_string).collect();
                        say!("route {}: {}", k + 1, ids.join(" "));
                    }
                    for u in &solution.unassigned {
                        say!("unassigned: pickup {}, delivery {}: {}", u.pickup, u.delivery, u.reason);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FreightCommand::Check { lilim, solution, format } => {
            let instance = read_lilim(&lilim)?;
            let text = read_input(&solution, "solution")?;
            let claimed = if text.trim_start().starts_with('{') {
                serde_json::from_str::<check::Claimed>(&text).map_err(|e| format!("not a solution JSON: {e}"))
            } else {
                check::parse_route_file(&text)
            }
            .map_err(|e| {
                eprintln!("error: {} {e}", solution.display());
                ExitCode::from(2)
            })?;
            let report = check::check(&instance, &claimed);
            match format {
                OutFormat::Json => match serde_json::to_string(&report) {
                    Ok(json) => say!("{json}"),
                    Err(e) => {
                        eprintln!("error: cannot write the report as JSON: {e}");
                        return Err(ExitCode::FAILURE);
                    }
                },
                OutFormat::Text => {
                    let verdict = if report.feasible { "feasible" } else { "INFEASIBLE" };
                    say!(
                        "{verdict}: {} vehicles, distance {:.4} (recomputed), {} requests served, {} unassigned",
                        report.vehicles,
                        report.distance,
                        report.served,
                        report.unassigned
                    );
                    for v in &report.violations {
                        say!("  {v}");
                    }
                }
            }
            Ok(if report.feasible { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
    }
}

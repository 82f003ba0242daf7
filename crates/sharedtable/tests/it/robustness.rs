//! Robustness of the importers: arbitrary and mutated files never make them panic, and an import
//! killed midway leaves all of its rows or none.
//!
//! The fuzz test is a seeded loop (xorshift64*), so a failure reproduces exactly:
//! `SHAREDTABLE_FUZZ_SEED` picks another seed and `SHAREDTABLE_FUZZ_ROUNDS` multiplies the number
//! of cases. Inputs that panic are written to the system temp directory and named in the
//! failure message.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use sharedtable::db::{self, scratch::Scratch, Backend};
use sharedtable::freight::{self, import::parse_file, Context};
use sharedtable::network::bulk::{self, Item, RowKind, Source};
use sharedtable::network::seed;

use crate::support;

/// A small deterministic generator (xorshift64*, Vigna 2016).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Bytes that mean something to a CSV, JSON or XML reader.
const INTERESTING: &[u8] = b"\",\n\r{}[]:\\<>&;=\x00\xff\xef\xbb\xbf0-9.eE \t'tfn";

/// One to four edits of `base`: bit flips, truncation, inserted bytes (interesting or random),
/// a deleted range, a duplicated range, an overwritten byte.
fn mutate(rng: &mut Rng, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = v.len();
        match rng.below(6) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 => v.truncate(rng.below(len + 1)),
            2 => {
                let at = rng.below(len + 1);
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| if rng.below(2) == 0 { *rng.pick(INTERESTING) } else { rng.next() as u8 }).collect();
                v.splice(at..at, bytes);
            }
            3 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(64)).min(len);
                v.drain(a..b);
            }
            4 if len > 0 => {
                let a = rng.below(len);
                let b = (a + 1 + rng.below(256)).min(len);
                let chunk = v[a..b].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, chunk);
            }
            _ if len > 0 => {
                let i = rng.below(len);
                v[i] = *rng.pick(INTERESTING);
            }
            _ => v.push(rng.next() as u8),
        }
    }
    v
}

/// An XLSX workbook whose cells come from `text` read loosely as CSV (lines, commas), each cell
/// written as a number, boolean, date, formula, special float or string by its look and `rng`.
fn workbook_of(rng: &mut Rng, text: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let ws = wb.add_worksheet();
    let first_row = if rng.below(4) == 0 { rng.below(5) as u32 } else { 0 };
    let first_col = if rng.below(4) == 0 { rng.below(5) as u16 } else { 0 };
    for (r, line) in text.lines().take(400).enumerate() {
        for (c, cell) in line.split(',').take(40).enumerate() {
            let (r, c) = (first_row + r as u32, first_col + c as u16);
            // Errors (a string over 32767 characters, say) just leave the cell out.
            let _ = match rng.below(12) {
                0 => ws.write_number(r, c, *rng.pick(&[f64::NAN, f64::INFINITY, -0.0, 1e308, -1e-308, 2_958_466.0, 4e15, 0.5])),
                1 => ws.write_number_with_format(r, c, (rng.next() % 3_000_000) as f64 / 7.0, &date),
                2 => ws.write_boolean(r, c, rng.below(2) == 0),
                3 => ws.write_formula(r, c, "=1/0"),
                4 => ws.write_blank(r, c, &date),
                _ => match cell.trim().parse::<f64>() {
                    Ok(n) => ws.write_number(r, c, n),
                    Err(_) => ws.write_string(r, c, cell),
                },
            };
        }
    }
    if rng.below(3) == 0 {
        let second = wb.add_worksheet();
        let _ = second.write_string(rng.below(50) as u32, rng.below(300) as u16, "stray");
    }
    wb.save_to_buffer().unwrap_or_default()
}

/// Open a source with the network importer (its kind told from the header, or `forced`) and read
/// every row; (rows, problems).
fn network_import(source: &Source, forced: Option<RowKind>) -> (usize, usize) {
    let mut problems = Vec::new();
    let parts = bulk::open(0, source, forced, &|r, _| r, &mut problems);
    let (mut rows, mut found) = (0, problems.len());
    for part in parts {
        part.read(&mut |item| {
            match item {
                Item::Row(_) => rows += 1,
                Item::Problems(p) => found += p.len(),
            }
            true
        });
    }
    (rows, found)
}

/// Parse a source as a freight shipments file; (shipments, problems).
fn freight_import(ctx: &Context, source: &Source) -> (usize, usize) {
    match parse_file(ctx, source, &[]) {
        Ok(s) => (s.len(), 0),
        Err(p) => (0, p.len()),
    }
}

/// Which importer a case goes to.
#[derive(Clone, Copy, Debug)]
enum Target {
    Network(Option<RowKind>),
    Freight,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_importers_never_panic_on_arbitrary_or_mutated_files() {
    let app = support::spawn().await;
    sharedtable::network::store::bulk::load_bundled(&app.db, false).await.unwrap();
    freight::demo::load(&app.db).await.unwrap().expect("the freight demo loads");
    let ctx = freight::context(&app.db, freight::demo::PARTNERSHIP_SLUG).await.unwrap();

    let seed: u64 = std::env::var("SHAREDTABLE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_7AB1E);
    let rounds: usize = std::env::var("SHAREDTABLE_FUZZ_ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    // Seed to state by an odd multiply and an add (a bijection), never the all-zero state.
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x632B_E59B_D9B4_E019).max(1));

    let partnerships = std::fs::read("../../data/network/partnerships.csv").unwrap();
    let wins = std::fs::read("../../data/network/wins.csv").unwrap();
    let members = freight::demo::MEMBERS_CSV.as_bytes().to_vec();
    let shipments = freight::demo::SHIPMENTS_CSV.as_bytes().to_vec();
    let demo_json = seed::DEMO_JSON.to_vec();
    let partnerships_xlsx = workbook_of(&mut Rng(1), &partnerships);
    let shipments_xlsx = {
        // Every cell a string, as a spreadsheet of the shipments layout is typed.
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, line) in String::from_utf8_lossy(&shipments).lines().enumerate() {
            for (c, cell) in line.split(',').enumerate() {
                ws.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };

    // The unmutated files read without a problem: the loop below starts from good files.
    assert_eq!(network_import(&Source::bytes("partnerships.csv", partnerships.clone()), None), (47, 0));
    assert_eq!(network_import(&Source::bytes("wins.csv", wins.clone()), None), (24, 0));
    assert_eq!(network_import(&Source::bytes("export.json", demo_json.clone()), None).1, 0);
    let week = freight_import(&ctx, &Source::bytes("week.csv", shipments.clone()));
    assert!(week.0 > 20 && week.1 == 0, "{week:?}");
    assert_eq!(freight_import(&ctx, &Source::bytes("week.xlsx", shipments_xlsx.clone())), week);

    let kinds = RowKind::all();
    let labels = ["upload.csv", "upload.json", "upload.xlsx", "upload.xls", "upload.ods", "upload.txt", "upload", "UPLOAD.XLSX"];
    // (how many cases, what they are)
    let plan: [(usize, &str); 8] = [
        (1500, "mutated CSV"),
        (300, "mutated JSON export"),
        (400, "mutated XLSX bytes"),
        (300, "XLSX of mutated cells"),
        (800, "random bytes"),
        (600, "mutated shipments CSV"),
        (200, "mutated shipments XLSX"),
        (150, "shipments XLSX of mutated cells"),
    ];
    let started = std::time::Instant::now();
    let mut failures = Vec::new();
    let (mut cases, mut with_rows, mut with_problems) = (0usize, 0usize, 0usize);
    for (count, what) in plan {
        for _ in 0..count * rounds {
            let (label, bytes, target): (String, Vec<u8>, Target) = match what {
                "mutated CSV" => {
                    let base = rng.pick(&[&partnerships, &wins, &members]).to_vec();
                    let forced = if rng.below(3) == 0 { Some(*rng.pick(&kinds)) } else { None };
                    ("file.csv".into(), mutate(&mut rng, &base), Target::Network(forced))
                }
                "mutated JSON export" => ("export.json".into(), mutate(&mut rng, &demo_json), Target::Network(None)),
                "mutated XLSX bytes" => ("book.xlsx".into(), mutate(&mut rng, &partnerships_xlsx), Target::Network(None)),
                "XLSX of mutated cells" => {
                    let base = if rng.below(2) == 0 { &partnerships } else { &wins };
                    let text = mutate(&mut rng, base);
                    let forced = if rng.below(3) == 0 { Some(*rng.pick(&kinds)) } else { None };
                    ("book.xlsx".into(), workbook_of(&mut rng, &text), Target::Network(forced))
                }
                "random bytes" => {
                    let longest = if rng.below(10) == 0 { 20_000 } else { 600 };
                    let n = rng.below(longest);
                    let mut bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                    // Some start like a zip, an OLE file or JSON, to reach those readers.
                    let prefix: &[u8] = match rng.below(5) {
                        0 => b"PK\x03\x04",
                        1 => &[0xD0, 0xCF, 0x11, 0xE0],
                        2 => b"{\"format\":\"sharedtable-export\",\"version\":1,\"partnerships\":[",
                        _ => b"",
                    };
                    bytes.splice(0..0, prefix.iter().copied());
                    let target = if rng.below(4) == 0 { Target::Freight } else { Target::Network(None) };
                    (rng.pick(&labels).to_string(), bytes, target)
                }
                "mutated shipments CSV" => ("week.csv".into(), mutate(&mut rng, &shipments), Target::Freight),
                "mutated shipments XLSX" => ("week.xlsx".into(), mutate(&mut rng, &shipments_xlsx), Target::Freight),
                _ => {
                    let text = mutate(&mut rng, &shipments);
                    ("week.xlsx".into(), workbook_of(&mut rng, &text), Target::Freight)
                }
            };
            cases += 1;
            let source = Source::bytes(&label, bytes.clone());
            let outcome = catch_unwind(AssertUnwindSafe(|| match target {
                Target::Network(forced) => network_import(&source, forced),
                Target::Freight => freight_import(&ctx, &source),
            }));
            match outcome {
                Ok((rows, problems)) => {
                    with_rows += usize::from(rows > 0);
                    with_problems += usize::from(problems > 0);
                }
                Err(_) => {
                    let file = std::env::temp_dir().join(format!("sharedtable-fuzz-{seed}-{cases}-{label}"));
                    std::fs::write(&file, &bytes).unwrap();
                    failures.push(format!("{what} ({target:?}): {}", file.display()));
                }
            }
        }
    }
    let elapsed = started.elapsed();
    eprintln!("fuzz: seed {seed}, {cases} cases in {:.1} s: {with_rows} read rows, {with_problems} reported problems, {} panicked", elapsed.as_secs_f64(), failures.len());
    assert!(failures.is_empty(), "{} inputs panicked:\n{}", failures.len(), failures.join("\n"));
    // Both outcomes are reached: the mutations are neither all harmless nor all fatal.
    assert!(with_rows > cases / 10 && with_problems > cases / 3, "{with_rows} with rows, {with_problems} with problems of {cases}");
}

/// Organizations committed in the database of `db_url`, and on SQLite its `PRAGMA
/// integrity_check` (PostgreSQL checks its own pages; `["ok"]` there).
async fn organizations_and_integrity(db_url: &str) -> (i64, Vec<String>) {
    let pool = db::connect(db_url).await.unwrap();
    let n: i64 = db::query_scalar(&pool, "SELECT count(*) FROM organizations").fetch_one(&pool).await.unwrap();
    let check: Vec<String> = match pool.dialect() {
        db::Dialect::Sqlite => db::query_scalar(&pool, "PRAGMA integrity_check").fetch_all(&pool).await.unwrap(),
        db::Dialect::Postgres => vec!["ok".to_string()],
    };
    pool.close().await;
    (n, check)
}

/// Rows of the large import: organizations, one line each (about 49 bytes a line, so 200,000 rows
/// stay under the upload limit of 10 MiB).
const KILL_ROWS: usize = 200_000;

/// Write the large import's CSV file.
fn write_large_csv(path: &Path) {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "name,kind,city,state").unwrap();
    for i in 0..KILL_ROWS {
        writeln!(out, "Kill Test Organization {i},business,Kingman,AZ").unwrap();
    }
    out.flush().unwrap();
}

/// Wait until a running import has written `bytes` it has not committed, while `child` is still
/// running (so it is killed before its commit). On SQLite: the write-ahead log beside the file,
/// where uncommitted pages spill. On PostgreSQL: the `organizations` table's heap, which grows
/// as an open transaction inserts rows (`pg_relation_size`).
async fn wait_for_uncommitted(scratch: &Scratch, child: &mut std::process::Child, bytes: u64) {
    let pool = match scratch.dialect {
        db::Dialect::Postgres => Some(db::connect(&scratch.url).await.unwrap()),
        db::Dialect::Sqlite => None,
    };
    let wal = scratch.dir().join("scratch.db-wal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let size = match &pool {
            None => std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0),
            Some(pool) => db::query_scalar::<i64>(pool, "SELECT pg_relation_size('organizations')").fetch_one(pool).await.unwrap() as u64,
        };
        if size > bytes {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the process ended before it could be killed ({size} uncommitted bytes)");
        assert!(std::time::Instant::now() < deadline, "the import never got going");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    if let Some(pool) = pool {
        pool.close().await;
    }
}

#[tokio::test]
async fn killing_a_large_import_midway_leaves_all_rows_or_none() {
    let scratch = support::scratch().await;
    let db_url = scratch.url.clone();
    let csv = scratch.dir().join("organizations.csv");
    write_large_csv(&csv);
    let bin = env!("CARGO_BIN_EXE_sharedtable");
    let import = || {
        let mut c = std::process::Command::new(bin);
        c.env_remove("DATABASE_URL")
            .args(["--database-url", &db_url, "import", "--kind", "organizations"])
            .arg(&csv)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let migrated = std::process::Command::new(bin).args(["--database-url", &db_url, "migrate"]).output().unwrap();
    assert!(migrated.status.success());
    assert_eq!(organizations_and_integrity(&db_url).await.0, 0);

    // Kill the import once it has written 8 MiB it has not committed.
    let mut child = import().spawn().unwrap();
    wait_for_uncommitted(&scratch, &mut child, 8 << 20).await;
    child.kill().unwrap(); // SIGKILL: no destructor, no rollback by the process itself
    let status = child.wait().unwrap();
    assert!(!status.success());
    let (rows, check) = organizations_and_integrity(&db_url).await;
    // All or none; and as it was killed long before its commit: none.
    assert_eq!(rows, 0, "{rows} rows after the kill");
    assert_eq!(check, ["ok"]);

    // The same import run to its end writes every row.
    let status = import().status().unwrap();
    assert!(status.success());
    let (rows, check) = organizations_and_integrity(&db_url).await;
    assert_eq!(rows, KILL_ROWS as i64);
    assert_eq!(check, ["ok"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_during_an_upload_import_leaves_no_row() {
    use std::io::{BufRead, BufReader};
    let scratch = support::scratch().await;
    let db_url = scratch.url.clone();
    let csv = scratch.dir().join("organizations.csv");
    write_large_csv(&csv);
    let body = std::fs::read(&csv).unwrap();
    assert!(body.len() < 10 << 20, "{} bytes: over the upload limit", body.len());
    let token = admin_token(&db_url);
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .env_remove("DATABASE_URL")
        .args(["--database-url", &db_url, "serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("serving on ") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "the server ended before serving");
    }
    let base = line.split("serving on ").nth(1).expect("the server prints its address").trim().trim_end_matches('/').to_string();

    let upload = tokio::spawn(async move {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/import?kind=organizations"))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(body)
            .send()
            .await
    });
    wait_for_uncommitted(&scratch, &mut server, 8 << 20).await;
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(upload.await.unwrap().is_err(), "the upload got no answer: its server was killed");
    let (rows, check) = organizations_and_integrity(&db_url).await;
    assert_eq!(rows, 0, "{rows} rows after the kill");
    assert_eq!(check, ["ok"]);
}

/// Every problem of a network import of `path`, as shown to the user.
fn problems_of(path: &Path) -> Vec<String> {
    let source = Source::bytes("book.xlsx", std::fs::read(path).unwrap());
    let mut problems = Vec::new();
    for part in bulk::open(0, &source, None, &|r, _| r, &mut problems) {
        part.read(&mut |item| {
            if let Item::Problems(p) = item {
                problems.extend(p);
            }
            true
        });
    }
    problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn workbooks_that_made_the_importer_panic_are_reported() {
    // Mutated workbooks from the fuzz test (seeds 1 and 3, 10 rounds): each panicked, in
    // `sheet_text` (a date too far from 1899) or in calamine's cell-reference parser (a row or
    // column number overflowing 32 bits).
    let dir = Path::new("tests/fixtures/fuzz");
    let date = problems_of(&dir.join("date-out-of-range.xlsx"));
    assert!(date.iter().any(|p| p.contains(": holds a date out of range (day number ")), "{date:?}");
    for name in ["broken-cell-reference.xlsx", "column-overflow.xlsx", "row-overflow.xlsx"] {
        let found = problems_of(&dir.join(name));
        assert!(found.contains(&"book.xlsx: sheet 'Sheet1' cannot be read: the workbook is malformed: the XLSX reader failed on it".to_string()), "{name}: {found:?}");
    }
}

/// Make a network admin and a write token through the command line (`admin create`, `token
/// create`), as a newcomer would; returns the token (the last line `token create` prints).
pub fn admin_token(db_url: &str) -> String {
    use std::io::Write;
    let bin = env!("CARGO_BIN_EXE_sharedtable");
    let mut admin = std::process::Command::new(bin)
        .env_remove("DATABASE_URL")
        .args(["--database-url", db_url, "admin", "create", "--email", "Admin@Example.org", "--password-stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    admin.stdin.take().unwrap().write_all(b"a long admin password\n").unwrap();
    let out = admin.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Created network admin 'Admin'. Sign in at /sign-in.\n");
    let out = std::process::Command::new(bin)
        .env_remove("DATABASE_URL")
        .args(["--database-url", db_url, "token", "create", "--email", "admin@example.org", "--scope", "write"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.lines().last().unwrap().to_string();
    assert!(token.starts_with("st_pat_") && token.len() == 50, "{token}");
    token
}

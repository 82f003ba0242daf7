//! Import by upload through HTTP: `POST /api/v1/import` (CSV, JSON, XLSX bodies and multipart)
//! and the `/import` page; every rejection names file, row, column and reason and writes nothing.

use reqwest::header::CONTENT_TYPE;
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use sharedtable::network::entity::TABLES;
use sharedtable::network::model::{PartnershipFields, WinFields};
use sharedtable::network::store;

use crate::support::{errors, problem, spawn, TestApp};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const REGISTRY_HEADER: &str = "name,state,region,sector,convener,launched,status_reported,source_url\n";
const EXPORT_HEADER: &str = "id,version,created_at,updated_at,slug,name,sector_label,naics_codes,region_name,region_counties,region_states,launched,stage,stage_reported,website,source_urls,illustrative\n";

/// Row counts of every table, in table order.
async fn row_counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for t in TABLES {
        let n: i64 = sharedtable::db::query_scalar(&app.db, &format!("SELECT count(*) FROM {t}")).fetch_one(&app.db).await.unwrap();
        out.push((*t, n));
    }
    out
}

async fn post_file(app: &TestApp, query: &str, content_type: &str, body: impl Into<reqwest::Body>) -> Response {
    app.client.post(app.url(&format!("/api/v1/import{query}"))).header(CONTENT_TYPE, content_type).body(body).send().await.unwrap()
}

/// The JSON of a 200 answer.
async fn ok_json(resp: Response) -> Value {
    let status = resp.status();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}


fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(f, m)| (f.to_string(), m.to_string())).collect()
}

/// A file the import rejects through the API: 422 with exactly these (place, reason) problems,
/// and every table as it was.
async fn rejected(app: &TestApp, body: &str, expected: &[(&str, &str)]) {
    let before = row_counts(app).await;
    let p = problem(post_file(app, "", "text/csv", body.to_string()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), pairs(expected), "{p}");
    assert_eq!(p["detail"], format!("nothing was imported: {} problem(s) found; fix them and send the file again", expected.len()));
    assert_eq!(row_counts(app).await, before, "a rejected file writes nothing");
}

/// The page's HTML with the entities askama writes turned back into characters.
async fn html(resp: Response) -> String {
    resp.text().await.unwrap().replace("&#39;", "'").replace("&#x27;", "'").replace("&quot;", "\"").replace("&#34;", "\"").replace("&amp;", "&")
}

fn form_with_file(name: &str, mime: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap()).text("kind", "")
}

/// A registry wins file of `n` good wins of partnership "Alpha Makers", each row about `width`
/// bytes (a long detail).
fn win_rows(n: usize, width: usize) -> String {
    let mut s = "partnership,year,initiative_kind,title,detail,source_url\n".to_string();
    let detail = "d".repeat(width.saturating_sub(80));
    for i in 0..n {
        s.push_str(&format!("Alpha Makers,2024,curriculum,Course {i},{detail},https://example.org/{i}\n"));
    }
    s
}

#[tokio::test]
async fn a_good_csv_through_the_api_writes_every_row() {
    let app = spawn().await;
    let csv = format!(
        "{REGISTRY_HEADER}Alpha Makers,AZ,Mohave County,Manufacturing,Alpha Workforce Board,2018-11,Implementing,https://example.org/a\n\
         Beta Care,OR,Lane County,Healthcare,,2019,,https://example.org/b\n"
    );
    let v = ok_json(post_file(&app, "", "text/csv; charset=utf-8", csv).await).await;
    assert_eq!(v, json!({"written": {"partnerships": 2, "organizations": 1, "memberships": 1}, "total": 4}));
    let counts = row_counts(&app).await;
    let n = |t: &str| counts.iter().find(|(x, _)| *x == t).unwrap().1;
    assert_eq!((n("partnerships"), n("organizations"), n("memberships"), n("wins")), (2, 1, 1, 0));
    let alpha = store::all::<PartnershipFields>(&app.db).await.unwrap().into_iter().find(|p| p.fields.name == "Alpha Makers").unwrap();
    assert_eq!(alpha.fields.region_counties.0, ["04015"]);
    assert_eq!(alpha.fields.source_urls.0, ["https://example.org/a"]);

    // A wins file as the `file` part of a multipart body, the kind named in the query.
    let wins = "partnership,year,initiative_kind,title,source_url\nBeta Care,2024,Curriculum,CNA course with clinics,https://example.org/w\n";
    let form = Form::new().part("file", Part::bytes(wins.as_bytes().to_vec()).file_name("wins.csv"));
    let resp = app.client.post(app.url("/api/v1/import?kind=network_wins")).multipart(form).send().await.unwrap();
    assert_eq!(ok_json(resp).await, json!({"written": {"initiatives": 1, "wins": 1}, "total": 2}));
    let win = store::all::<WinFields>(&app.db).await.unwrap().pop().unwrap();
    assert_eq!((win.fields.title.as_str(), win.fields.achieved.map(|d| d.to_string())), ("CNA course with clinics", Some("2024".to_string())));

    // A JSON export of what is there imports into another database whole.
    let export = sharedtable::network::store::bulk::export_json(&app.db, Vec::new(), false).await.unwrap();
    let other = spawn().await;
    let v = ok_json(post_file(&other, "", "application/json", export).await).await;
    assert_eq!(v["total"], 6);
    assert_eq!(row_counts(&other).await, row_counts(&app).await);
}

#[tokio::test]
async fn rejected_files_name_every_problem_and_write_nothing() {
    let app = spawn().await;
    let seed = format!("{REGISTRY_HEADER}Alpha Makers,AZ,Mohave County,Manufacturing,,,,https://example.org/a\n");
    ok_json(post_file(&app, "", "text/csv", seed).await).await;

    // Malformed CSV: a short row, a stray quote.
    let csv = format!(
        "{REGISTRY_HEADER}Beta Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/b\n\
         Gamma Makers,AZ,Phoenix,Manufacturing\n\
         Delta \"Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/d\n"
    );
    rejected(
        &app,
        &csv,
        &[
            ("upload.csv row 3 column convener", "the row has 4 values; the header has 8 columns"),
            ("upload.csv row 4 column name", "has a quote inside a field that does not start with one (write \"\" inside a quoted field)"),
        ],
    )
    .await;

    // An unknown NAICS code and a bad county FIPS code, in the partnerships export layout.
    let csv = format!("{EXPORT_HEADER},,,,,Beta Makers,Manufacturing,31-33;999999,Mohave,04015,AZ,2017,,,,https://example.org/b,false\n");
    rejected(&app, &csv, &[("upload.csv row 2 column naics_codes", "'999999' is not a 2022 NAICS code")]).await;
    let csv = format!("{EXPORT_HEADER},,,,,Beta Makers,Manufacturing,31-33,Mohave,04015;99999,AZ,2017,,,,https://example.org/b,false\n");
    rejected(&app, &csv, &[("upload.csv row 2 column region_counties", "'99999' is not a US county FIPS code")]).await;

    // Duplicate partnership names: one already in the database, two in the same file (ignoring case).
    let csv = format!(
        "{REGISTRY_HEADER}ALPHA makers,AZ,Phoenix,Manufacturing,,,,https://example.org/a2\n\
         Omega Makers,AZ,Phoenix,Manufacturing,,,,https://example.org/o\n\
         omega MAKERS,AZ,Tucson,Manufacturing,,,,https://example.org/o2\n"
    );
    rejected(
        &app,
        &csv,
        &[
            ("upload.csv row 2 column name", "another partnership already has this name"),
            ("upload.csv row 4 column name", "another partnership already has this name"),
        ],
    )
    .await;
    let csv = format!(
        "{EXPORT_HEADER},,,,,Alpha Makers,Manufacturing,31-33,Mohave,04015,AZ,2017,,,,https://example.org/a,false\n\
         ,,,,,Sigma Makers,Manufacturing,31-33,Mohave,04015,AZ,2017,,,,https://example.org/s,false\n\
         ,,,,,SIGMA makers,Manufacturing,31-33,Mohave,04015,AZ,2017,,,,https://example.org/s,false\n"
    );
    rejected(
        &app,
        &csv,
        &[
            ("upload.csv row 2 column name", "another partnership already has this name"),
            ("upload.csv row 4 column name", "another partnership already has this name"),
        ],
    )
    .await;

    // A header no kind fits, a file that is empty, an unknown kind, an unknown parameter.
    rejected(&app, "colour,size\nred,4\n", &[("upload.csv row 1", "no column is known; name the kind of rows (\"Kind of rows\" on the import page, ?kind= in the API, --kind on the command line) (one of: partnerships, organizations, memberships, people, meetings, meeting_attendance, priorities, action_teams, action_team_members, initiatives, milestones, measures, observations, wins, win_observations, network_partnerships, network_wins)")]).await;
    let p = problem(post_file(&app, "", "text/csv", "").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), pairs(&[("file", "is empty: upload.csv has no bytes; its first row must name the columns")]));
    let p = problem(post_file(&app, "?kind=gadgets", "text/csv", "name\nx\n").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p)[0].0, "kind");
    assert!(errors(&p)[0].1.starts_with("'gadgets' is not a kind of rows; use one of: partnerships, "), "{p}");
    let p = problem(post_file(&app, "?table=wins", "text/csv", "name\nx\n").await, StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p), pairs(&[("table", "is not a parameter of the import; use kind")]));
    // A multipart body without a `file` part.
    let form = Form::new().part("upload", Part::bytes(b"name\nx\n".to_vec()).file_name("x.csv"));
    let p = problem(app.client.post(app.url("/api/v1/import")).multipart(form).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), pairs(&[("file", "is required: send the file as the `file` part (the parts sent are named upload)")]));

    // A workbook with a bad row: named by its row as the sheet shows it.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["partnership", "year", "initiative_kind", "title", "source_url"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, kind) in [(1, "curriculum"), (2, "gadgets")] {
        ws.write_string(r, 0, "Alpha Makers").unwrap();
        ws.write_number(r, 1, 2024.0).unwrap();
        ws.write_string(r, 2, kind).unwrap();
        ws.write_string(r, 3, "Machining course").unwrap();
        ws.write_string(r, 4, "https://example.org/w").unwrap();
    }
    let before = row_counts(&app).await;
    let p = problem(post_file(&app, "", XLSX, wb.save_to_buffer().unwrap()).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let errs = errors(&p);
    assert_eq!(errs.len(), 1, "{p}");
    assert_eq!(errs[0].0, "upload.xlsx row 3 column initiative_kind");
    assert!(errs[0].1.starts_with("'gadgets' is not one of: curriculum, career_pathway"), "{p}");
    assert_eq!(row_counts(&app).await, before, "the good row of the workbook is not written either");
}

#[tokio::test]
async fn an_xlsx_upload_imports_and_numbers_read_as_text() {
    let app = spawn().await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["name", "state", "region", "sector", "launched", "source_url"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let rows = [("Kingman Makers", "AZ", "Mohave County", "Manufacturing", 2017.0), ("Bend Care", "OR", "Deschutes County", "Healthcare", 2020.0)];
    for (r, (name, state, region, sector, year)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, *name).unwrap();
        ws.write_string(r, 1, *state).unwrap();
        ws.write_string(r, 2, *region).unwrap();
        ws.write_string(r, 3, *sector).unwrap();
        ws.write_number(r, 4, *year).unwrap();
        ws.write_string(r, 5, "https://example.org/x").unwrap();
    }
    let v = ok_json(post_file(&app, "", XLSX, wb.save_to_buffer().unwrap()).await).await;
    assert_eq!(v, json!({"written": {"partnerships": 2}, "total": 2}));
    let mut ps = store::all::<PartnershipFields>(&app.db).await.unwrap();
    ps.sort_by(|a, b| a.fields.name.cmp(&b.fields.name));
    assert_eq!(ps[1].fields.name, "Kingman Makers");
    assert_eq!(ps[1].fields.launched.as_ref().map(|d| d.to_string()).as_deref(), Some("2017"));
    assert_eq!(ps[0].fields.region_counties.0, ["41017"], "Deschutes County, OR");
}

#[tokio::test]
async fn wrong_content_types_and_oversized_bodies_are_refused() {
    let app = spawn().await;
    let p = problem(post_file(&app, "", "text/plain", format!("{REGISTRY_HEADER}A,AZ,P,Manufacturing,,,,https://example.org/a\n")).await, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(
        p["detail"],
        "send the file with Content-Type text/csv, application/json, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet \
         (or the file as the `file` part of multipart/form-data) (got Content-Type 'text/plain')"
    );
    let p = problem(app.client.post(app.url("/api/v1/import")).body("x").send().await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert!(p["detail"].as_str().unwrap().ends_with("(got no Content-Type)"), "{p}");

    // Over 11 MiB of good rows (long details): refused whole, through the API and through the page.
    let seed = format!("{REGISTRY_HEADER}Alpha Makers,AZ,Mohave County,Manufacturing,,,,https://example.org/a\n");
    ok_json(post_file(&app, "", "text/csv", seed).await).await;
    let before = row_counts(&app).await;
    let big = win_rows(1_100, 11_000);
    assert!(big.len() > 11 * 1024 * 1024, "{}", big.len());
    let p = problem(post_file(&app, "", "text/csv", big.clone()).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(p["detail"], "the request body is larger than 10485760 bytes");
    let form = Form::new().part("file", Part::bytes(big.clone().into_bytes()).file_name("big.csv"));
    let p = problem(app.client.post(app.url("/api/v1/import")).multipart(form).send().await.unwrap(), StatusCode::PAYLOAD_TOO_LARGE).await;
    assert_eq!(p["detail"], "the request body is larger than 10485760 bytes");
    let resp = app.client.post(app.url("/import")).multipart(form_with_file("big.csv", "text/csv", big.into_bytes())).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(resp.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    let page = html(resp).await;
    assert!(page.contains("<h1>Too large</h1>") && page.contains("10485760 bytes"), "{page}");
    assert_eq!(row_counts(&app).await, before, "nothing written");

    // Under the limit, the same rows are read and imported.
    let fits = win_rows(900, 11_000);
    assert!(fits.len() > 9 * 1024 * 1024 && fits.len() < 10 * 1024 * 1024, "{}", fits.len());
    let v = ok_json(post_file(&app, "", "text/csv", fits).await).await;
    assert_eq!(v, json!({"written": {"initiatives": 900, "wins": 900}, "total": 1_800}));
}

#[tokio::test]
async fn the_import_page_imports_a_file_or_lists_its_problems() {
    let app = spawn().await;
    // The page: a file input, the kinds of rows, the layouts; linked from every page's menu.
    let page = html(app.client.get(app.url("/import")).send().await.unwrap()).await;
    assert!(page.contains("<a href=\"/import\">Import</a>"), "in the menu");
    assert!(page.contains("<form class=\"edit\" id=\"form\" method=\"post\" action=\"/import\" enctype=\"multipart/form-data\" novalidate>"));
    assert!(page.contains("<input type=\"file\" id=\"f-file\" name=\"file\" accept=\".csv,.json,.xlsx\""));
    assert!(page.contains("<option value=\"\" selected>Tell from the header</option>"));
    assert!(page.contains("<option value=\"network_wins\">Network registry: wins</option>"));
    assert!(page.contains("<option value=\"action_teams\">Action teams (export columns)</option>"));
    assert!(page.contains("Nothing is written unless every row is good"));
    assert!(page.contains("data/network/partnerships.csv") && page.contains("sharedtable-export"));
    assert!(!page.contains("<script") && !page.contains("style="), "no script, no inline style");

    // A good file: the result page with the rows written per table.
    let csv = format!("{REGISTRY_HEADER}Alpha Makers,AZ,Mohave County,Manufacturing,Alpha Workforce Board,2018-11,Implementing,https://example.org/a\n");
    let resp = app.client.post(app.url("/import")).multipart(form_with_file("alpha.csv", "text/csv", csv.into_bytes())).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert!(page.contains("<h1>Imported alpha.csv</h1>"), "{page}");
    assert!(page.contains("3 rows were written in one transaction: 1 partnership, 1 organization, 1 membership."), "{page}");
    assert!(page.contains("<tr><td>partnerships</td><td class=\"num\">1</td></tr>"), "{page}");
    assert!(page.contains("<tr><td>organizations</td><td class=\"num\">1</td></tr>"), "{page}");
    assert!(page.contains("<a href=\"/partnerships\">Directory of partnerships</a>"));
    let written = row_counts(&app).await;

    // A bad file (chosen kind kept): 422, the page again with every problem, nothing written.
    let csv = format!(
        "{EXPORT_HEADER},,,,,Beta Makers,Manufacturing,31-33;999999,Mohave,04015,AZ,2017,,,,https://example.org/b,false\n\
         ,,,,,Gamma Makers,Manufacturing,31-33,Mohave,04015;99999,AZ,2017,,,,https://example.org/g,false\n\
         ,,,,,Alpha Makers,Manufacturing,31-33,Mohave,04015,AZ,2017,,,,https://example.org/a,false\n"
    );
    let form = Form::new()
        .part("file", Part::bytes(csv.into_bytes()).file_name("C:\\fakepath\\bad.csv").mime_str("text/csv").unwrap())
        .text("kind", "partnerships");
    let resp = app.client.post(app.url("/import")).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("<title>Error: Import data"), "{page}");
    assert!(page.contains("Nothing was imported from bad.csv"), "{page}");
    assert!(page.contains("3 problems were found."), "{page}");
    for row in [
        "<tr><td>bad.csv</td><td class=\"num\">2</td><td>naics_codes</td><td>'999999' is not a 2022 NAICS code</td></tr>",
        "<tr><td>bad.csv</td><td class=\"num\">3</td><td>region_counties</td><td>'99999' is not a US county FIPS code</td></tr>",
        "<tr><td>bad.csv</td><td class=\"num\">4</td><td>name</td><td>another partnership already has this name</td></tr>",
    ] {
        assert!(page.contains(row), "{row}\n{page}");
    }
    assert!(page.contains("bad.csv row 2 column naics_codes: '999999' is not a 2022 NAICS code\n"), "the problems as text");
    assert!(page.contains("<option value=\"partnerships\" selected>"), "the kind chosen is kept");
    assert_eq!(row_counts(&app).await, written, "nothing written");

    // No file chosen (a browser sends an empty, unnamed part), and an empty file.
    let resp = app.client.post(app.url("/import")).multipart(form_with_file("", "application/octet-stream", vec![])).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("<div class=\"field invalid\">\n  <label for=\"f-file\">File to import</label>"), "{page}");
    assert!(page.contains("<p class=\"field-error\" id=\"f-file-error\"><span class=\"visually-hidden\">Error:</span> File to import is required: choose a CSV, JSON or XLSX file</p>"), "{page}");
    assert!(page.contains("<li><a href=\"#f-file\">File to import is required: choose a CSV, JSON or XLSX file</a></li>"), "{page}");
    assert!(page.contains("aria-describedby=\"f-file-hint f-file-error\" aria-invalid=\"true\""), "{page}");
    let resp = app.client.post(app.url("/import")).multipart(form_with_file("empty.csv", "text/csv", vec![])).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("File to import is empty: empty.csv has no bytes; its first row must name the columns"), "{page}");

    // An unknown kind is named on its field.
    let form = form_with_file("x.csv", "text/csv", b"name\nx\n".to_vec()).text("kind", "gadgets");
    let resp = app.client.post(app.url("/import")).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("id=\"f-kind-error\"><span class=\"visually-hidden\">Error:</span> Kind of rows: 'gadgets' is not a kind of rows; use one of: partnerships,"), "{page}");
    assert_eq!(row_counts(&app).await, written);
}

#[tokio::test]
async fn the_openapi_document_describes_the_import() {
    let app = spawn().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let op = &doc["paths"]["/api/v1/import"]["post"];
    let mut types: Vec<&str> = op["requestBody"]["content"].as_object().unwrap().keys().map(String::as_str).collect();
    types.sort();
    assert_eq!(types, ["application/json", XLSX, "multipart/form-data", "text/csv"]);
    assert_eq!(op["parameters"][0]["name"], "kind");
    assert_eq!(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ImportResult");
    for status in ["400", "413", "415", "422"] {
        assert_eq!(op["responses"][status]["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem", "{status}");
    }
    assert_eq!(doc["components"]["schemas"]["ImportResult"]["required"], json!(["written", "total"]));
}

#[tokio::test]
async fn a_sparse_workbook_reaching_xfd1048576_is_refused_at_once() {
    let app = spawn().await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "partnership").unwrap();
    ws.write_string(0, 1, "year").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let started = std::time::Instant::now();
    let before = row_counts(&app).await;
    let p = problem(post_file(&app, "", XLSX, bytes).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), pairs(&[("upload.xlsx", "sheet 'Sheet1' uses columns up to XFD (cell XFD1048576); at most 200 columns (A to GR) are read")]), "{p}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(row_counts(&app).await, before);
    // The server is still there.
    assert_eq!(app.client.get(app.url("/")).send().await.unwrap().status(), StatusCode::OK);
}

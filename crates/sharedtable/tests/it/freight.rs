//! Freight pooling against the real server: the shipments board (API and pages), imports with
//! every kind of bad input (exact messages, nothing written), settings with a travel matrix,
//! a plan job on the illustrative Kingman week (polled through the API, shown on its page,
//! exported), approval into the partnership's measures and the impact report, and illustrative
//! members left out of the real network's figures.

use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{errors, load_bundled, problem, spawn, TestApp};

const SLUG: &str = sharedtable::freight::demo::PARTNERSHIP_SLUG;
const HEADER: &str = "member,reference,pickup_city,pickup_state,delivery_city,delivery_state,pallets,weight_lb,pickup_earliest,pickup_latest,delivery_earliest,delivery_latest\n";

/// The real network and the illustrative Kingman week.
async fn demo_app() -> TestApp {
    let app = spawn().await;
    load_bundled(&app).await;
    let week = sharedtable::freight::demo::load(&app.db).await.unwrap().expect("the Kingman partnership is in the bundled network");
    assert_eq!((week.members, week.shipments), (12, bundled() as usize));
    app
}

/// Shipments in the bundled demo week (its CSV rows).
fn bundled() -> i64 {
    sharedtable::freight::demo::SHIPMENTS_CSV.lines().filter(|l| !l.trim().is_empty()).count() as i64 - 1
}

fn api(path: &str) -> String {
    format!("/api/v1/partnerships/{SLUG}/freight{path}")
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sharedtable::db::query_scalar(&app.db, &format!("SELECT count(*) FROM {table}")).fetch_one(&app.db).await.unwrap()
}

async fn post_csv(app: &TestApp, body: String) -> reqwest::Response {
    app.client.post(app.url(&api("/import"))).header(CONTENT_TYPE, "text/csv").body(body).send().await.unwrap()
}

/// One good row, with `edit` applied to its cells (by column position).
fn row(edit: &[(usize, &str)]) -> String {
    let mut cells: Vec<String> = "Route 66 Cabinetry (illustrative),NEW-1,Kingman,AZ,Phoenix,AZ,4,3200,2026-03-09T08:00,2026-03-09T11:00,2026-03-09T12:00,2026-03-09T18:00"
        .split(',')
        .map(str::to_string)
        .collect();
    for (i, v) in edit {
        cells[*i] = v.to_string();
    }
    cells.join(",") + "\n"
}

/// An import the server refuses: 422 with exactly these problems, and no shipment written.
async fn refused(app: &TestApp, body: String, expected: &[(&str, &str)]) {
    let before = count(app, "freight_shipments").await;
    let p = problem(post_csv(app, body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    let want: Vec<(String, String)> = expected.iter().map(|(f, m)| (f.to_string(), m.to_string())).collect();
    assert_eq!(errors(&p), want, "{p}");
    assert_eq!(count(app, "freight_shipments").await, before, "nothing half-saved");
}

#[tokio::test]
async fn bad_imports_name_the_row_column_and_shipment_and_write_nothing() {
    let app = demo_app().await;
    refused(
        &app,
        format!("{HEADER}{}{}", row(&[]), row(&[(1, "HEAVY-1"), (7, "52000")])),
        &[("upload.csv row 3 column weight_lb", "shipment HEAVY-1 weighs 52,000 lb, more than any truck of the fleet can carry (the largest, 53 ft dry van, carries 45,000 lb)")],
    )
    .await;
    refused(
        &app,
        format!("{HEADER}{}", row(&[(1, "BACK-1"), (9, "2026-03-09T07:00")])),
        &[("upload.csv row 2 column pickup_latest", "ends (2026-03-09T07:00) before it starts (2026-03-09T08:00): the pickup window of shipment BACK-1 closes before it opens")],
    )
    .await;
    refused(
        &app,
        format!("{HEADER}{}", row(&[(4, "Atlantis")])),
        &[("upload.csv row 2 column delivery_city", "'Atlantis, AZ' is not a known place: the gazetteer lists US cities and towns of 1,000 people or more (GeoNames); check the spelling or use the nearest town")],
    )
    .await;
    refused(&app, format!("{HEADER}{}", row(&[(6, "0")])), &[("upload.csv row 2 column pallets", "is 0 pallets; it must be at least 1")]).await;
    // Several rows with several problems: every one is reported, in row order.
    refused(
        &app,
        format!("{HEADER}{}{}{}", row(&[(6, "0")]), row(&[(1, "KM-001")]), row(&[(1, "NEW-2"), (0, "Nobody Inc")])),
        &[
            ("upload.csv row 2 column pallets", "is 0 pallets; it must be at least 1"),
            ("upload.csv row 3 column reference", "'KM-001' is already the reference of a shipment on the board"),
            ("upload.csv row 4 column member", "'Nobody Inc' is not a member of this partnership: add the organization as a member first, or check the spelling"),
        ],
    )
    .await;
    // A good file is written whole.
    let resp = post_csv(&app, format!("{HEADER}{}{}", row(&[]), row(&[(1, "NEW-2")]))).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({"written": 2}));
    assert_eq!(count(&app, "freight_shipments").await, bundled() + 2);
}

#[tokio::test]
async fn an_xlsx_import_reports_rows_as_the_sheet_numbers_them() {
    let app = demo_app().await;
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (i, h) in HEADER.trim().split(',').enumerate() {
        ws.write_string(0, i as u16, h).unwrap();
    }
    for (i, v) in row(&[(7, "60000")]).trim().split(',').enumerate() {
        ws.write_string(1, i as u16, v).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    let resp = app
        .client
        .post(app.url(&api("/import")))
        .header(CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let p = problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0].0, "upload.xlsx row 2 column weight_lb");
    assert_eq!(count(&app, "freight_shipments").await, bundled());
}

#[tokio::test]
async fn shipments_are_created_read_replaced_and_deleted_with_versions() {
    let app = demo_app().await;
    let body = json!({
        "member": "Route 66 Cabinetry (illustrative)", "reference": "API-1", "pickup_city": "Kingman", "pickup_state": "AZ",
        "delivery_city": "Flagstaff", "delivery_state": "AZ", "pallets": 3, "weight_lb": "2,400",
        "pickup_earliest": "2026-03-10T08:00", "pickup_latest": "2026-03-10T12:00",
        "delivery_earliest": "2026-03-10T12:00", "delivery_latest": "2026-03-10T18:00"
    });
    let resp = app.client.post(app.url(&api("/shipments"))).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let loc = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(resp.headers()[ETAG], "\"1\"");
    let s: Value = resp.json().await.unwrap();
    assert_eq!((s["weight_lb"].as_i64(), s["delivery"]["city"].as_str(), s["pickup_service_minutes"].as_i64()), (Some(2400), Some("Flagstaff"), Some(30)));
    assert!((s["delivery"]["latitude"].as_f64().unwrap() - 35.198).abs() < 0.01);
    // the board page lists it
    let page = app.client.get(app.url(&format!("/partnerships/{SLUG}/freight"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("API-1") && page.contains("Kingman, AZ → Flagstaff, AZ"), "board lists the new shipment");
    assert!(page.contains(&format!("{} shipments", bundled() + 1)));
    // PUT needs If-Match; a stale one is refused; a good one bumps the version
    let mut changed = body.clone();
    changed["pallets"] = json!(5);
    let r = app.client.put(app.url(&loc)).json(&changed).send().await.unwrap();
    problem(r, StatusCode::PRECONDITION_REQUIRED).await;
    let r = app.client.put(app.url(&loc)).header(IF_MATCH, "\"7\"").json(&changed).send().await.unwrap();
    problem(r, StatusCode::PRECONDITION_FAILED).await;
    let r = app.client.put(app.url(&loc)).header(IF_MATCH, "\"1\"").json(&changed).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[ETAG], "\"2\"");
    // a field error names the field
    changed["delivery_latest"] = json!("2026-03-09T18:00");
    let p = problem(app.client.put(app.url(&loc)).header(IF_MATCH, "\"2\"").json(&changed).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0].0, "delivery_latest");
    let r = app.client.delete(app.url(&loc)).header(IF_MATCH, "\"2\"").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.client.get(app.url(&loc)).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "freight_shipments").await, bundled());
}

#[tokio::test]
async fn a_matrix_with_a_negative_value_or_a_missing_pair_is_refused_by_name() {
    let app = demo_app().await;
    let got: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    let mut settings = got["settings"].clone();
    settings["travel_kind"] = json!("matrix");
    settings["matrix_csv"] = json!("from,to,miles,minutes\n\"Kingman, AZ\",\"Phoenix, AZ\",-5,200\n");
    let p = problem(app.client.put(app.url(&api("/settings"))).header(IF_MATCH, "\"1\"").json(&settings).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    let errs = errors(&p);
    assert!(errs.iter().all(|(f, _)| f == "matrix_csv"), "{errs:?}");
    assert!(errs.iter().any(|(_, m)| m.contains("negative")), "{errs:?}");
    let kept: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(kept["settings"], got["settings"], "nothing saved");
    // A readable matrix that lacks the pairs the week needs: the plan is refused, naming the shipments.
    settings["matrix_csv"] = json!("from,to,miles,minutes\n\"Kingman, AZ\",\"Phoenix, AZ\",190,220\n\"Phoenix, AZ\",\"Kingman, AZ\",190,220\n");
    let r = app.client.put(app.url(&api("/settings"))).header(IF_MATCH, "\"1\"").json(&settings).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let p = problem(app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-02"})).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(!errors(&p).is_empty());
    assert_eq!(count(&app, "freight_plans").await, 0, "no job was created");
}

/// Use a 2 s planning budget so the job finishes within the test.
async fn quick_settings(app: &TestApp) {
    let resp = app.client.get(app.url(&api("/settings"))).send().await.unwrap();
    assert_eq!(resp.headers()[ETAG], "\"1\"", "the demo saved its fleet");
    let got: Value = resp.json().await.unwrap();
    assert_eq!(got["saved"], true);
    let mut settings = got["settings"].clone();
    let fleet: Vec<(&str, i64)> = settings["fleet"].as_array().unwrap().iter().map(|v| (v["name"].as_str().unwrap(), v["count"].as_i64().unwrap())).collect();
    assert_eq!(fleet, [("53 ft dry van", 3), ("26 ft box truck", 1)], "three vans and a box truck at Kingman");
    settings["max_seconds"] = json!(2.0);
    let r = app.client.put(app.url(&api("/settings"))).header(IF_MATCH, "\"1\"").json(&settings).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Poll a job until it is no longer queued or running (at most 90 s).
async fn wait(app: &TestApp, loc: &str) -> Value {
    for _ in 0..180 {
        let job: Value = app.client.get(app.url(loc)).send().await.unwrap().json().await.unwrap();
        if job["status"] != "queued" && job["status"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("the plan job did not finish in 90 s");
}

#[tokio::test]
async fn the_demo_week_is_planned_shown_exported_and_approved_into_the_report() {
    let app = demo_app().await;
    quick_settings(&app).await;
    let started = std::time::Instant::now();
    let resp = app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-02"})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let loc = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let job: Value = resp.json().await.unwrap();
    assert_eq!((job["shipments"].as_i64(), job["week_start"].as_str()), (Some(bundled()), Some("2026-03-02")));
    // While it runs, the page refreshes itself and is not cached.
    let page = app.url(job["links"]["page"].as_str().unwrap());
    let running = app.client.get(&page).send().await.unwrap();
    let still: Value = app.client.get(app.url(&loc)).send().await.unwrap().json().await.unwrap();
    if running.headers().get("cache-control").is_some() || still["status"] == "running" {
        // (a job that already finished is no longer in progress: nothing to check then)
        assert_eq!(running.headers()["cache-control"], "no-store");
        assert!(running.text().await.unwrap().contains("<meta http-equiv=\"refresh\" content=\"2\">"));
    }
    let job = wait(&app, &loc).await;
    assert_eq!(job["status"], "done", "{job}");
    assert!(started.elapsed().as_secs() < 60, "planned in {:?}", started.elapsed());
    let result = &job["result"];
    let routes = result["plan"]["routes"].as_array().unwrap();
    assert!(!routes.is_empty());
    // Every shipment is on exactly one route or listed as unassigned with its reason.
    let mut seen: Vec<String> = routes
        .iter()
        .flat_map(|r| r["stops"].as_array().unwrap())
        .filter(|s| s["kind"] == "pickup")
        .map(|s| s["shipment_id"].as_str().unwrap().to_string())
        .collect();
    let unassigned = result["plan"]["unassigned"].as_array().unwrap();
    seen.extend(unassigned.iter().map(|u| u["shipment_id"].as_str().unwrap().to_string()));
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!((before, seen.len() as i64), (bundled() as usize, bundled()), "each shipment once");
    // Pooling happened: some truck carries two loads on one route.
    let pooled_route = routes.iter().any(|r| {
        let loads: std::collections::BTreeSet<&str> =
            r["stops"].as_array().unwrap().iter().filter(|s| s["kind"] == "pickup").map(|s| s["shipment_id"].as_str().unwrap()).collect();
        loads.len() >= 2
    });
    assert!(pooled_route, "no route carries two shipments");
    // The Los Angeles load is too far for one driver day out and back, and says so in numbers.
    let la: Vec<&str> = sharedtable::freight::demo::SHIPMENTS_CSV.lines().filter(|l| l.contains("Los Angeles")).map(|l| l.split(',').nth(1).unwrap()).collect();
    for reference in la {
        let u = unassigned.iter().find(|u| u["shipment_id"] == reference).unwrap_or_else(|| panic!("{reference} is not unassigned"));
        let reason = u["reason"].as_str().unwrap();
        assert!(reason.contains("h of driving; a driver may drive 11.0 h a day"), "{reason}");
    }
    assert!(result["savings_cents"].as_i64().unwrap() > 0, "pooling the demo week saves money");
    // No route costs more than its loads would going alone: such loads go alone, and say why.
    let alone: std::collections::HashMap<&str, i64> =
        result["going_alone"].as_array().unwrap().iter().map(|a| (a["reference"].as_str().unwrap(), a["cost_cents"].as_i64().unwrap())).collect();
    for r in routes {
        let loads: i64 = r["stops"].as_array().unwrap().iter().filter(|s| s["kind"] == "pickup").map(|s| alone[s["shipment_id"].as_str().unwrap()]).sum();
        assert!(r["cost_cents"].as_i64().unwrap() <= loads, "a route dearer than going alone: {r}");
    }
    for u in unassigned.iter().filter(|u| u["reason"].as_str().unwrap().starts_with("cheaper alone")) {
        assert!(u["reason"].as_str().unwrap().contains("and going alone costs $"), "{u}");
    }
    let route_sum: i64 = routes.iter().map(|r| r["cost_cents"].as_i64().unwrap()).sum();
    assert_eq!(route_sum, result["pooled_cents"].as_i64().unwrap(), "the pooled cost is the routes' cost");
    let shares = result["allocation"]["shares"].as_array().unwrap();
    let pays: i64 = shares.iter().map(|s| s["pays_cents"].as_i64().unwrap()).sum();
    assert_eq!(pays, result["pooled_cents"].as_i64().unwrap(), "the shares add up to the pooled cost");
    assert_eq!(result["savings_cents"].as_i64().unwrap(), result["alone_cents"].as_i64().unwrap() - result["pooled_cents"].as_i64().unwrap());
    // The page: map, routes stop by stop, savings, shares; no refresh any more.
    let html = app.client.get(&page).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("<svg") && html.contains("Route 1:"), "map and routes");
    assert!(html.contains("Saved by pooling") && html.contains("Each member&#39;s share") || html.contains("Each member's share"));
    assert!(!html.contains("http-equiv=\"refresh\""));
    assert!(!html.contains("style="), "CSP: no inline styles");
    // Exports.
    let csv = app.client.get(app.url(job["links"]["routes_csv"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(csv.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("route,vehicle,vehicle_number,stop,kind,reference,member,place,arrival,departure,load_pallets,load_lb,unassigned_reason\n"));
    for u in unassigned {
        let line = text.lines().find(|l| l.contains(&format!(",unassigned,{},", u["shipment_id"].as_str().unwrap()))).expect("an unassigned shipment has its row");
        assert!(line.contains("h of driving") || line.contains("cheaper alone") || line.contains("truck"), "{line}");
    }
    assert!(text.contains(",pickup,KM-"));
    let exported: Value = app.client.get(app.url(job["links"]["plan_json"].as_str().unwrap())).send().await.unwrap().json().await.unwrap();
    assert_eq!(exported["result"]["savings_cents"], result["savings_cents"]);
    // Approve: three observations on the partnership's measures, linked to the plan.
    let observations_before = count(&app, "observations").await;
    let approved: Value = app.client.post(app.url(&format!("{loc}/approve"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["observation_ids"].as_array().unwrap().len(), 3);
    assert_eq!(count(&app, "observations").await, observations_before + 3);
    assert_eq!(count(&app, "freight_plan_observations").await, 3);
    let again = app.client.post(app.url(&format!("{loc}/approve"))).send().await.unwrap();
    problem(again, StatusCode::CONFLICT).await;
    // A second plan of the same week plans, but cannot be approved: the week is recorded once.
    let second = app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-02"})).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::ACCEPTED);
    let second_loc = second.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(wait(&app, &second_loc).await["status"], "done");
    let p = problem(app.client.post(app.url(&format!("{second_loc}/approve"))).send().await.unwrap(), StatusCode::CONFLICT).await;
    assert!(p["detail"].as_str().unwrap().contains("a week is recorded once"), "{p}");
    assert_eq!(count(&app, "freight_plan_observations").await, 3, "nothing recorded twice");
    let notes: Vec<(String, String, f64, String, sharedtable::db::Flag)> = sharedtable::db::query_as(
        &app.db,
        "SELECT m.name, m.unit, o.actual, o.source_note, o.illustrative FROM observations o JOIN measures m ON m.id = o.measure_id JOIN freight_plan_observations f ON f.observation_id = o.id ORDER BY m.name",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(notes.iter().map(|n| (n.0.as_str(), n.1.as_str())).collect::<Vec<_>>(), [("CO2 avoided", "kg CO2"), ("Freight cost saved", "USD"), ("Truck miles avoided", "miles")]);
    let savings_usd = result["savings_cents"].as_f64().unwrap() / 100.0;
    assert_eq!(notes[1].2, savings_usd);
    assert!(notes[0].3.contains("kg CO2 per truck mile (emission factor: "), "{}", notes[0].3);
    // The demo's members are invented: the real partnership gets illustrative observations.
    for n in &notes {
        assert!(n.4 .0, "{} is recorded illustrative", n.0);
        assert!(n.3.contains("; illustrative: planned from invented example members' shipments"), "{}", n.3);
    }
    let plan_path = job["links"]["page"].as_str().unwrap();
    // The default report (page, and `report --format json|md`) leaves them out: the measures have no value.
    let html = app.client.get(app.url("/report")).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains(plan_path), "the default report does not show invented figures");
    let r = sharedtable::network::load_report(&app.db, false).await.unwrap();
    let rows: Vec<&sharedtable::network::report::Contribution> =
        r.measures.iter().flat_map(|m| &m.contributions).filter(|c| c.partnership_href == format!("/partnerships/{SLUG}")).collect();
    assert_eq!(rows.len(), 3, "the three measures are listed");
    assert!(rows.iter().all(|c| c.value.is_none() && c.period.is_none() && !c.illustrative), "no latest value by default");
    assert!(!serde_json::to_string(&r).unwrap().contains(plan_path));
    assert!(!sharedtable::network::report::to_markdown(&r).contains(plan_path));
    // Asked for, the report shows them badged, with the link to the plan.
    let html = app.client.get(app.url("/report?include_illustrative=1")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Freight cost saved") && html.contains(plan_path), "report links the evidence");
    let shown = format!(r#"<td class="num">{} <span class="badge illustrative">Illustrative</span></td>"#, sharedtable::network::report::format_number(savings_usd));
    assert!(html.contains(&shown), "{shown} in {html}");
    let r = sharedtable::network::load_report(&app.db, true).await.unwrap();
    let saved = r.measures.iter().flat_map(|m| &m.contributions).find(|c| c.measure_name == "Freight cost saved").unwrap();
    assert_eq!((saved.value, saved.illustrative), (Some(savings_usd), true));
    // The partnership's page lists them badged, and charts none of them.
    let page = app.client.get(app.url(&format!("/partnerships/{SLUG}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&shown), "{page}");
    assert_eq!(page.matches("1 value is an invented example: badged in the table, left out of any chart and of network figures.").count(), 3, "{page}");
}

#[tokio::test]
async fn illustrative_members_do_not_count_in_the_real_network() {
    let app = spawn().await;
    load_bundled(&app).await;
    let before = app.client.get(app.url("/partnerships.csv")).send().await.unwrap().text().await.unwrap();
    sharedtable::freight::demo::load(&app.db).await.unwrap().unwrap();
    let after = app.client.get(app.url("/partnerships.csv")).send().await.unwrap().text().await.unwrap();
    let line = |csv: &str| csv.lines().find(|l| l.starts_with("Kingman and Mohave")).unwrap().to_string();
    assert_eq!(line(&after), line(&before), "businesses engaged and health are unchanged by invented members");
    let with = app.client.get(app.url("/partnerships.csv?include_illustrative=1")).send().await.unwrap().text().await.unwrap();
    assert_ne!(line(&with), line(&before), "asked for, the invented members are counted");
}

#[tokio::test]
async fn the_openapi_document_describes_the_freight_api() {
    let app = spawn().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for (path, method) in [
        ("/api/v1/partnerships/{id}/freight/shipments", "post"),
        ("/api/v1/partnerships/{id}/freight/shipments/{shipment}", "put"),
        ("/api/v1/partnerships/{id}/freight/import", "post"),
        ("/api/v1/partnerships/{id}/freight/settings", "put"),
        ("/api/v1/partnerships/{id}/freight/plans", "post"),
        ("/api/v1/partnerships/{id}/freight/plans/{plan}", "get"),
        ("/api/v1/partnerships/{id}/freight/plans/{plan}/approve", "post"),
    ] {
        assert!(doc["paths"][path][method]["operationId"].is_string(), "{method} {path}");
    }
    assert!(doc["components"]["schemas"]["FreightSettings"].is_object());
    // every reference of the whole document resolves
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::String(r)) = m.get("$ref") {
                    out.push(r.clone());
                }
                m.values().for_each(|x| refs(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(doc["components"]["schemas"].get(name).is_some(), "$ref {r} does not resolve");
    }
}

/// Make every job's heartbeat (`updated_at`) older than a stopped server's would be.
async fn silence_jobs(app: &TestApp) {
    let long_ago = sharedtable::db::timestamp_text(&(sharedtable::db::now() - chrono::Duration::from_std(sharedtable::freight::jobs::ABANDONED_AFTER).unwrap() * 2));
    sharedtable::db::query(&app.db, "UPDATE freight_plans SET updated_at = ?").bind(long_ago).execute(&app.db).await.unwrap();
}

#[tokio::test]
async fn jobs_left_running_by_a_stopped_server_are_marked_failed_with_the_reason() {
    let app = demo_app().await;
    let p = sharedtable::network::store::views::partnership_by_slug(&app.db, SLUG).await.unwrap();
    let row = sharedtable::freight::store::create_plan(&app.db, p.id(), chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &json!({})).await.unwrap();
    sharedtable::freight::store::start_plan(&app.db, row.id).await.unwrap();
    // Just started: a server (this one, or another on the same database) is computing it.
    assert_eq!(sharedtable::freight::recover_jobs(&app.db).await.unwrap(), 0);
    assert_eq!(sharedtable::freight::store::plan(&app.db, row.id).await.unwrap().status, "running");
    // Its heartbeat silent for longer than a server lets pass: the server stopped.
    silence_jobs(&app).await;
    assert_eq!(sharedtable::freight::recover_jobs(&app.db).await.unwrap(), 1);
    let row = sharedtable::freight::store::plan(&app.db, row.id).await.unwrap();
    assert_eq!(row.status, "failed");
    assert_eq!(row.error.as_deref(), Some("the server stopped before this plan finished; plan the week again"));
    assert_eq!(sharedtable::freight::recover_jobs(&app.db).await.unwrap(), 0);
}

#[tokio::test]
async fn the_settings_page_and_the_plan_form_work_without_javascript() {
    let app = demo_app().await;
    let html = app.client.get(app.url(&format!("/partnerships/{SLUG}/freight/settings"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("value=\"53 ft dry van\"") && html.contains("value=\"3\""), "the demo's saved fleet of three vans");
    assert!(!html.contains("These are the default settings"));
    assert!(!html.contains("style="), "CSP: no inline styles");
    // A partnership that saved nothing is shown the defaults, and told so.
    let other = "gallatin-valley-manufacturing-partnership";
    let resp = app.client.get(app.url(&format!("/partnerships/{other}/freight/settings"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("These are the default settings"));
    // ... and may not plan from the placeholder yard.
    let p = problem(
        app.client.post(app.url(&format!("/api/v1/partnerships/{other}/freight/plans"))).json(&json!({})).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let errs = errors(&p);
    assert_eq!(errs[0].0, "settings");
    assert!(errs[0].1.contains("the default fleet's yard is Kingman, AZ"), "{errs:?}");
    // The partnership page leads to its freight board.
    let page = app.client.get(app.url(&format!("/partnerships/{other}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/partnerships/{other}/freight\">Freight pooling</a>")));
    // A week with no shipments is refused on the board, naming the week; nothing is started.
    let r = app.client.post(app.url(&format!("/partnerships/{SLUG}/freight/plans"))).form(&[("week", "2026-03-16")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("week: no shipment is picked up in the week of 2026-03-16"));
    assert_eq!(count(&app, "freight_plans").await, 0);
    let r = app.client.post(app.url(&format!("/partnerships/{SLUG}/freight/plans"))).form(&[("week", "2026-03-02")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()[LOCATION].to_str().unwrap().starts_with(&format!("/partnerships/{SLUG}/freight/plans/")));
}

#[tokio::test]
async fn dates_far_from_now_are_refused_by_field_and_the_board_keeps_working() {
    let app = demo_app().await;
    // A year at the edge of the calendar type used to be stored, and then every board view
    // panicked working out its week.
    let body = json!({
        "member": "Route 66 Cabinetry (illustrative)", "reference": "EDGE-1", "pickup_city": "Kingman", "pickup_state": "AZ",
        "delivery_city": "Phoenix", "delivery_state": "AZ", "pallets": 1, "weight_lb": 100,
        "pickup_earliest": "-262143-01-02T08:00", "pickup_latest": "-262143-01-02T09:00",
        "delivery_earliest": "-262143-01-02T10:00", "delivery_latest": "-262143-01-02T18:00"
    });
    let p = problem(app.client.post(app.url(&api("/shipments"))).json(&body).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0], ("pickup_earliest".to_string(), "-262143-01-02 is not in the years 2000 to 2100: freight is planned for the weeks ahead".to_string()));
    assert_eq!(errors(&p).len(), 4, "every time is named");
    let before = count(&app, "freight_shipments").await;
    refused(&app, format!("{HEADER}{}", row(&[(9, "9999-03-09T11:00")])), &[("upload.csv row 2 column pickup_latest", "9999-03-09 is not in the years 2000 to 2100: freight is planned for the weeks ahead")]).await;
    assert_eq!(count(&app, "freight_shipments").await, before);
    // A plan of such a week is refused before any date arithmetic (it used to panic).
    for week in ["-262143-01-01", "9999-12-27"] {
        let p = problem(app.client.post(app.url(&api("/plans"))).json(&json!({"week": week})).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(errors(&p), [("week".to_string(), format!("the week of {week} is not in the years 2000 to 2100"))]);
    }
    assert_eq!(app.client.get(app.url(&format!("/partnerships/{SLUG}/freight"))).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(count(&app, "freight_plans").await, 0);
}

#[tokio::test]
async fn settings_with_unknown_fields_huge_fleets_or_costs_are_refused_by_name() {
    let app = demo_app().await;
    let got: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    let good = got["settings"].clone();
    let put = |s: Value| {
        let (client, url) = (app.client.clone(), app.url(&api("/settings")));
        async move { problem(client.put(url).header(IF_MATCH, "*").json(&s).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await }
    };
    // Misspelt or unknown fields were silently dropped.
    let mut s = good.clone();
    s["max_secs"] = json!(5);
    assert_eq!(errors(&put(s).await)[0].0, "max_secs");
    let mut s = good.clone();
    s["fleet"][0]["colour"] = json!("red");
    assert_eq!(errors(&put(s).await)[0].0, "fleet[0].colour");
    let mut s = good.clone();
    s["going_alone"]["fuel_surcharge_pct"] = json!(30);
    assert_eq!(errors(&put(s).await), [("going_alone.fuel_surcharge_pct".to_string(), "is not a field of the going-alone model".to_string())]);
    // Sizes and costs that would tie up the planner or overflow integer cents.
    let mut s = good.clone();
    s["fleet"] = json!(vec![good["fleet"][0].clone(); 21]);
    assert_eq!(errors(&put(s).await), [("fleet".to_string(), "lists 21 kinds of truck; at most 20 can be entered".to_string())]);
    let mut s = good.clone();
    s["fleet"] = json!(vec![good["fleet"][0].clone(); 3]);
    for i in 0..3 {
        s["fleet"][i]["count"] = json!(100);
    }
    assert_eq!(errors(&put(s).await), [("fleet".to_string(), "has 300 trucks in all; at most 200 can be planned with".to_string())]);
    let mut s = good.clone();
    s["fleet"][0]["capacity_lb"] = json!(u32::MAX);
    s["fleet"][0]["fixed_cost_cents"] = json!(1_i64 << 62);
    s["fleet"][0]["cost_per_mile_cents"] = json!(100_001);
    s["fleet"][0]["name"] = json!("N".repeat(61));
    assert_eq!(
        errors(&put(s).await).iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
        ["fleet[0].name", "fleet[0].capacity_lb", "fleet[0].fixed_cost_cents", "fleet[0].cost_per_mile_cents"]
    );
    // A matrix with thousands of bad rows: the first 20 problems and a count of the rest.
    let mut s = good.clone();
    s["travel_kind"] = json!("matrix");
    s["matrix_csv"] = json!(format!("from,to,miles,minutes\n{}", "\"Kingman, AZ\",\"Phoenix, AZ\",190,220\n".repeat(5000)));
    let errs = errors(&put(s).await);
    assert_eq!(errs.len(), 21);
    assert_eq!(errs[20], ("matrix_csv".to_string(), "and 4979 more problems of the same file".to_string()));
    let saved: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(saved["settings"], good, "nothing saved");
}

/// Set a 2 s planning budget (whatever the settings were), so a job finishes within a test.
async fn two_second_budget(app: &TestApp) {
    let got: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    let mut settings = got["settings"].clone();
    settings["max_seconds"] = json!(2.0);
    let r = app.client.put(app.url(&api("/settings"))).header(IF_MATCH, "*").json(&settings).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

/// Mark a plan job of another partnership as queued (as if a request had started it).
async fn queue_other_plan(app: &TestApp, slug: &str) {
    let p = sharedtable::network::store::views::partnership_by_slug(&app.db, slug).await.unwrap();
    sharedtable::freight::store::create_plan(&app.db, p.id(), chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), &json!({})).await.unwrap();
}

#[tokio::test]
async fn one_plan_per_partnership_and_few_on_the_server_at_once() {
    let app = demo_app().await;
    two_second_budget(&app).await;
    // References a spreadsheet would run as formulas, or a browser as HTML.
    for reference in ["=HYPERLINK(\"http://example.com\")", "<script>alert(1)</script>"] {
        let body = json!({
            "member": "Route 66 Cabinetry (illustrative)", "reference": reference, "pickup_city": "Kingman", "pickup_state": "AZ",
            "delivery_city": "Phoenix", "delivery_state": "AZ", "pallets": 1, "weight_lb": 500,
            "pickup_earliest": "2026-03-03T08:00", "pickup_latest": "2026-03-03T12:00",
            "delivery_earliest": "2026-03-03T12:00", "delivery_latest": "2026-03-03T20:00", "notes": "<img src=x onerror=alert(1)>"
        });
        assert_eq!(app.client.post(app.url(&api("/shipments"))).json(&body).send().await.unwrap().status(), StatusCode::CREATED);
    }
    // The server is computing its most jobs (for other partnerships): 429, nothing created.
    let slugs: Vec<String> = sharedtable::db::query_scalar(&app.db, "SELECT slug FROM partnerships WHERE slug <> ? ORDER BY slug LIMIT 2").bind(SLUG).fetch_all(&app.db).await.unwrap();
    for s in &slugs {
        queue_other_plan(&app, s).await;
    }
    let p = problem(app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-02"})).send().await.unwrap(), StatusCode::TOO_MANY_REQUESTS).await;
    assert_eq!(p["detail"], "the server is already computing 2 plans of other partnerships (at most 2 at once); try again in a minute");
    assert_eq!(count(&app, "freight_plans").await, 2);
    silence_jobs(&app).await;
    sharedtable::freight::recover_jobs(&app.db).await.unwrap();
    // Many requests at once: one job starts, every other is told which job is still running.
    let mut posts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let (client, url) = (app.client.clone(), app.url(&api("/plans")));
        posts.spawn(async move { client.post(url).json(&json!({"week": "2026-03-02"})).send().await.unwrap().status() });
    }
    let statuses: Vec<StatusCode> = posts.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::ACCEPTED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 5, "{statuses:?}");
    let running: Value = app.client.get(app.url(&api("/plans"))).send().await.unwrap().json().await.unwrap();
    let job = running["items"].as_array().unwrap().iter().find(|j| j["status"] == "queued" || j["status"] == "running").cloned();
    if let Some(job) = job {
        // The board's plan form says so too.
        let r = app.client.post(app.url(&format!("/partnerships/{SLUG}/freight/plans"))).form(&[("week", "2026-03-02")]).send().await.unwrap();
        if r.status() == StatusCode::CONFLICT {
            let html = r.text().await.unwrap();
            assert!(html.contains(&format!("plan {} of this partnership is still", job["id"].as_str().unwrap())), "{html}");
        }
        let done = wait(&app, job["links"]["self"].as_str().unwrap()).await;
        assert_eq!(done["status"], "done", "{done}");
        // Exports neutralise formulas; pages escape markup.
        let csv = app.client.get(app.url(done["links"]["routes_csv"].as_str().unwrap())).send().await.unwrap().text().await.unwrap();
        assert!(csv.contains(",\"'=HYPERLINK(\"\"http://example.com\"\")\","), "{csv}");
        assert!(!csv.contains(",=HYPERLINK"));
        let html = app.client.get(app.url(done["links"]["page"].as_str().unwrap())).send().await.unwrap().text().await.unwrap();
        assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;") && !html.contains("<script>alert"), "markup in a reference is escaped");
        // With the job finished, the next one may start.
        assert_eq!(app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-02"})).send().await.unwrap().status(), StatusCode::ACCEPTED);
    }
}

#[tokio::test]
async fn ten_thousand_shipments_are_listed_but_a_plan_takes_at_most_a_thousand() {
    let app = demo_app().await;
    let before = count(&app, "freight_shipments").await;
    let rows: String = (0..10_000).map(|i| row(&[(1, &format!("BULK-{i}")), (4, if i % 2 == 0 { "Flagstaff" } else { "Phoenix" })])).collect();
    let resp = post_csv(&app, format!("{HEADER}{rows}")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    // The list is larger than a page-cache entry (8 MiB): served whole, not a 500.
    let list = app.client.get(app.url(&api("/shipments"))).send().await.unwrap();
    assert_eq!(list.status(), StatusCode::OK);
    let list: Value = list.json().await.unwrap();
    assert_eq!(list["total"], before + 10_000);
    let board = app.client.get(app.url(&format!("/partnerships/{SLUG}/freight"))).send().await.unwrap();
    assert_eq!(board.status(), StatusCode::OK);
    let p = problem(app.client.post(app.url(&api("/plans"))).json(&json!({"week": "2026-03-09"})).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        errors(&p),
        [("week".to_string(), "10000 shipments are picked up in the week of 2026-03-09; one plan takes at most 1000 (the planner's travel table grows with the square of the places)".to_string())]
    );
    assert_eq!(count(&app, "freight_plans").await, 0);
}

/// The fields a browser would send from a form page: every named `<input>` (but files) with
/// its value, the selected option of each `<select>`, and each `<textarea>`'s text, unescaped.
fn form_fields(html: &str) -> Vec<(String, String)> {
    fn attr(tag: &str, name: &str) -> Option<String> {
        let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = start + tag[start..].find('"')?;
        Some(unescape(&tag[start..end]))
    }
    fn unescape(s: &str) -> String {
        s.replace("&#39;", "'").replace("&#x27;", "'").replace("&quot;", "\"").replace("&#34;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    }
    let mut out = Vec::new();
    for (i, _) in html.match_indices("<input ") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        if let (Some(name), false) = (attr(tag, "name"), tag.contains("type=\"file\"")) {
            out.push((name, attr(tag, "value").unwrap_or_default()));
        }
    }
    for (i, _) in html.match_indices("<select ") {
        let block = &html[i..i + html[i..].find("</select>").unwrap()];
        let tag = &block[..block.find('>').unwrap()];
        let selected = block.split("<option ").find(|o| o.contains(" selected")).and_then(|o| attr(&format!(" {o}"), "value")).unwrap_or_default();
        out.push((attr(tag, "name").unwrap(), selected));
    }
    for (i, _) in html.match_indices("<textarea ") {
        let block = &html[i..i + html[i..].find("</textarea>").unwrap()];
        let tag = &block[..block.find('>').unwrap()];
        out.push((attr(tag, "name").unwrap(), unescape(&block[tag.len() + 1..])));
    }
    out
}

/// Post the settings page's form with `edits` (field name, new text) applied.
async fn post_settings_form(app: &TestApp, edits: &[(&str, &str)]) -> reqwest::Response {
    let page = format!("/partnerships/{SLUG}/freight/settings");
    let html = app.client.get(app.url(&page)).send().await.unwrap().text().await.unwrap();
    let mut fields = form_fields(&html);
    for (name, value) in edits {
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(f) => f.1 = value.to_string(),
            None => panic!("the settings form has no field {name}"),
        }
    }
    let form = fields.into_iter().fold(reqwest::multipart::Form::new(), |f, (n, v)| f.text(n, v));
    app.client.post(app.url(&page)).multipart(form).send().await.unwrap()
}

#[tokio::test]
async fn the_going_alone_model_is_a_form_of_dollars_miles_and_percents() {
    let app = demo_app().await;
    let before: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(before["settings"]["going_alone"]["ltl_bands"][1], json!({"up_to_miles": 500, "cents_per_cwt": 4210}));
    let html = app.client.get(app.url(&format!("/partnerships/{SLUG}/freight/settings"))).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("(JSON)") && !html.contains("name=\"going_alone\""), "no JSON to type");
    assert!(html.contains("name=\"ltl_band_1_up_to_miles\" value=\"500\"") && html.contains("name=\"ltl_band_1_dollars_per_cwt\" value=\"42.10\""));
    assert!(html.contains("name=\"ltl_band_4_up_to_miles\" value=\"\""), "an empty row to add a band");
    assert!(html.contains("beyond the last band") && html.contains("name=\"ltl_beyond_dollars_per_cwt\" value=\"79.90\""));
    assert!(html.contains("name=\"dedicated_min_weight_lb\" value=\"15,000\"") && html.contains("name=\"dedicated_dollars_per_mile\" value=\"2.44\""));

    // A changed band and fuel surcharge; a band added in the empty row (put in order of its
    // miles), one removed by clearing its row; money typed with separators, read exactly.
    let r = post_settings_form(
        &app,
        &[
            ("ltl_band_1_up_to_miles", "600"),
            ("ltl_band_1_dollars_per_cwt", "44.15"),
            ("ltl_band_3_up_to_miles", ""),
            ("ltl_band_3_dollars_per_cwt", ""),
            ("ltl_band_4_up_to_miles", "750"),
            ("ltl_band_4_dollars_per_cwt", "$50.05"),
            ("fuel_surcharge_percent", "31.5"),
            ("ltl_minimum_charge", "1,234.56"),
            ("dedicated_dollars_per_mile", "2.29"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let after: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    let ga = &after["settings"]["going_alone"];
    assert_eq!(
        ga["ltl_bands"],
        json!([
            {"up_to_miles": 250, "cents_per_cwt": 2840},
            {"up_to_miles": 600, "cents_per_cwt": 4415},
            {"up_to_miles": 750, "cents_per_cwt": 5005},
            {"up_to_miles": 1000, "cents_per_cwt": 5580},
            {"up_to_miles": null, "cents_per_cwt": 7990}
        ])
    );
    assert_eq!(ga["fuel_surcharge_percent"], json!(31.5));
    assert_eq!(ga["ltl_minimum_charge_cents"], json!(123_456));
    assert_eq!(ga["dedicated_cents_per_mile"], json!(229));
    assert_eq!(ga["dedicated_min_weight_lb"], json!(15_000), "fields left alone are kept");
    assert_eq!(ga["dedicated_deadhead_percent"], json!(16.3));
    let mut rest = after["settings"].clone();
    rest["going_alone"] = before["settings"]["going_alone"].clone();
    assert_eq!(rest, before["settings"], "the rest of the settings are unchanged");
    let html = app.client.get(app.url(&format!("/partnerships/{SLUG}/freight/settings"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("name=\"ltl_minimum_charge\" value=\"1,234.56\"") && html.contains("name=\"ltl_band_2_up_to_miles\" value=\"750\""));

    // A bad value: its inline error names the field, the summary links to it, nothing is saved,
    // and the form comes back as typed.
    let r = post_settings_form(&app, &[("ltl_band_2_dollars_per_cwt", "50.055"), ("fuel_surcharge_percent", "lots")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap().replace("&#39;", "'").replace("&#x27;", "'");
    assert!(
        html.contains("<p class=\"field-error\" id=\"f-ltl_band_2_dollars_per_cwt-error\"><span class=\"visually-hidden\">Error:</span> Band 3, $ per hundredweight: '50.055' has more than two decimals: give dollars and cents, e.g. 28.40</p>"),
        "{html}"
    );
    assert!(html.contains("<p class=\"field-error\" id=\"f-fuel_surcharge_percent-error\"><span class=\"visually-hidden\">Error:</span> LTL fuel surcharge (%): 'lots' is not a percent, e.g. 28 or 16.3</p>"));
    assert!(html.contains("<a href=\"#f-fuel_surcharge_percent\">LTL fuel surcharge (%): 'lots' is not a percent, e.g. 28 or 16.3</a>"));
    assert!(html.contains("name=\"fuel_surcharge_percent\" value=\"lots\" aria-describedby=\"f-fuel_surcharge_percent-hint f-fuel_surcharge_percent-error\" aria-invalid=\"true\""));
    // The engine's own rules (GoingAloneModel::validate) are shown by field the same way.
    let r = post_settings_form(&app, &[("ltl_band_2_up_to_miles", "600"), ("dedicated_min_pallets", "0")]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"f-ltl_band_2_up_to_miles-error\"><span class=\"visually-hidden\">Error:</span> Band 3, up to miles: bands must increase: 600 mi follows 600 mi</p>"), "{html}");
    assert!(html.contains("id=\"f-dedicated_min_pallets-error\"><span class=\"visually-hidden\">Error:</span> A truck of its own from (pallets) must be at least 1 (0 would send every shipment as a dedicated truck)</p>"));
    let kept: Value = app.client.get(app.url(&api("/settings"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(kept, after, "nothing saved");
}

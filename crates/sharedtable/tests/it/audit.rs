//! The audit log against the real server: every change through the API writes one entry with
//! the values before and after, contact details never enter it, imports write one entry per
//! partnership, a rolled-back change leaves none, the database refuses to change or delete
//! entries, and the pages and the API show the log.

use reqwest::header::{CONTENT_TYPE, IF_MATCH, LINK};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{errors, load_bundled, problem, spawn, TestApp};

/// One entry as stored, before/after parsed.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    actor_user_id: Option<String>,
    actor_name: String,
    action: String,
    entity_table: String,
    entity_id: Option<String>,
    partnership_id: Option<String>,
    before: Value,
    after: Value,
    summary: String,
}

/// Every entry of the log, oldest first.
async fn log(app: &TestApp) -> Vec<Row> {
    type Raw = (String, Option<String>, String, String, String, Option<String>, Option<String>, Option<String>, Option<String>, String);
    let rows: Vec<Raw> = sharedtable::db::query_as(&app.db, 
        "SELECT id, actor_user_id, actor_name, action, entity_table, entity_id, partnership_id, before_json, after_json, summary FROM audit_log ORDER BY at, id",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    let parse = |t: Option<String>| t.map(|t| serde_json::from_str(&t).unwrap()).unwrap_or(Value::Null);
    rows.into_iter()
        .map(|(id, actor_user_id, actor_name, action, entity_table, entity_id, partnership_id, b, a, summary)| Row {
            id,
            actor_user_id,
            actor_name,
            action,
            entity_table,
            entity_id,
            partnership_id,
            before: parse(b),
            after: parse(a),
            summary,
        })
        .collect()
}

/// The whole log as text (every column), to search for values that must never be in it.
async fn log_text(app: &TestApp) -> String {
    let rows: Vec<(String,)> = sharedtable::db::query_as(&app.db, 
        "SELECT coalesce(actor_name, '') || '|' || coalesce(before_json, '') || '|' || coalesce(after_json, '') || '|' || summary FROM audit_log",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    rows.into_iter().map(|(t,)| t).collect::<Vec<_>>().join("\n")
}

async fn create(app: &TestApp, table: &str, body: Value) -> Value {
    let resp = app.client.post(app.url(&format!("/api/v1/{table}"))).json(&body).send().await.unwrap();
    let status = resp.status();
    let json: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{table}: {json}");
    json
}

async fn put(app: &TestApp, table: &str, id: &str, version: i64, body: Value) -> reqwest::Response {
    app.client.put(app.url(&format!("/api/v1/{table}/{id}"))).header(IF_MATCH, format!("\"{version}\"")).json(&body).send().await.unwrap()
}

fn partnership(name: &str) -> Value {
    json!({
        "name": name, "slug": "", "sector_label": "Manufacturing", "naics_codes": ["31-33"], "region_name": "Mohave County",
        "region_counties": ["04015"], "region_states": ["AZ"], "stage": "implementing", "source_urls": [], "illustrative": false
    })
}

/// A partnership and an organization, returning (partnership id, organization id).
async fn base(app: &TestApp) -> (String, String) {
    let p = create(app, "partnerships", partnership("Mohave Makers")).await;
    let org = create(app, "organizations", json!({"name": "Kingman Machining", "kind": "business", "city": "Kingman", "state": "AZ"})).await;
    (p["id"].as_str().unwrap().to_string(), org["id"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn create_update_and_delete_through_the_api_record_before_and_after() {
    let app = spawn().await;
    let (pid, org) = base(&app).await;
    let entries = log(&app).await;
    assert_eq!(entries.len(), 2);
    assert_eq!((entries[0].action.as_str(), entries[0].entity_table.as_str()), ("create", "partnerships"));
    assert_eq!(entries[0].partnership_id.as_deref(), Some(pid.as_str()), "a partnership belongs to itself");
    assert_eq!(entries[0].after["name"], "Mohave Makers");
    assert_eq!(entries[0].after["region_counties"], json!(["04015"]));
    assert_eq!(entries[0].summary, "Created partnership 'Mohave Makers'");
    assert_eq!(entries[1].partnership_id, None, "an organization belongs to no partnership");
    let admin: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM users WHERE email = 'admin@example.org'").fetch_one(&app.db).await.unwrap();
    assert_eq!(
        (entries[1].actor_name.as_str(), entries[1].actor_user_id.as_deref()),
        ("Test Admin", Some(admin.as_str())),
        "the signed-in user (the test client's token) is the author, by display name"
    );

    let meeting = create(&app, "meetings", json!({"partnership_id": pid, "held_on": "2024-05-01", "kind": "launch", "title": "Launch"})).await;
    let mid = meeting["id"].as_str().unwrap();
    let mut changed = meeting.clone();
    for k in ["id", "version", "created_at", "updated_at"] {
        changed.as_object_mut().unwrap().remove(k);
    }
    changed["title"] = json!("Kickoff");
    changed["notes"] = json!("Twelve businesses came.");
    let resp = put(&app, "meetings", mid, 1, changed).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app.client.delete(app.url(&format!("/api/v1/meetings/{mid}"))).header(IF_MATCH, "\"2\"").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    let meetings: Vec<Row> = log(&app).await.into_iter().filter(|r| r.entity_table == "meetings").collect();
    let actions: Vec<&str> = meetings.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["create", "update", "delete"]);
    assert!(meetings.iter().all(|r| r.entity_id.as_deref() == Some(mid) && r.partnership_id.as_deref() == Some(pid.as_str())));
    // Each entry has its own UUIDv7 id, in the order the changes were made.
    let ids: Vec<uuid::Uuid> = meetings.iter().map(|r| r.id.parse().unwrap()).collect();
    assert!(ids.iter().all(|i| i.get_version_num() == 7) && ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let (c, u, d) = (&meetings[0], &meetings[1], &meetings[2]);
    assert_eq!(c.before, Value::Null);
    assert_eq!(c.after, json!({"partnership_id": pid, "held_on": "2024-05-01", "kind": "launch", "title": "Launch", "notes": null}));
    assert_eq!((u.before["title"].as_str(), u.after["title"].as_str()), (Some("Launch"), Some("Kickoff")));
    assert_eq!((&u.before["notes"], &u.after["notes"]), (&Value::Null, &json!("Twelve businesses came.")));
    assert_eq!(u.summary, "Changed meeting 'Kickoff (2024-05-01)'");
    assert_eq!(d.before["title"], "Kickoff");
    assert_eq!(d.after, Value::Null);
    assert_eq!(d.summary, "Deleted meeting 'Kickoff (2024-05-01)'");

    // A child record reaches its partnership through its parent.
    let init = create(&app, "initiatives", json!({"partnership_id": pid, "title": "Welding school", "kind": "shared_training", "status": "active"})).await;
    let ms = create(&app, "milestones", json!({"initiative_id": init["id"], "title": "First cohort", "due": "2024-09"})).await;
    let att_meeting = create(&app, "meetings", json!({"partnership_id": pid, "held_on": "2024-06-01", "kind": "other", "title": "Check-in"})).await;
    create(&app, "meeting_attendance", json!({"meeting_id": att_meeting["id"], "organization_id": org})).await;
    let rows = log(&app).await;
    let milestone = rows.iter().find(|r| r.entity_table == "milestones").unwrap();
    assert_eq!(milestone.entity_id.as_deref(), ms["id"].as_str());
    assert_eq!(milestone.partnership_id.as_deref(), Some(pid.as_str()));
    let attendance = rows.iter().find(|r| r.entity_table == "meeting_attendance").unwrap();
    assert_eq!(attendance.partnership_id.as_deref(), Some(pid.as_str()));

    // The API lists the partnership's log, newest first, with the changed fields.
    let resp = app.client.get(app.url(&format!("/api/v1/partnerships/{pid}/audit?table=meetings&per_page=2"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let link = resp.headers()[LINK].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\"") && link.contains("table=meetings"), "{link}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!((body["total"].as_i64(), body["page"].as_i64(), body["per_page"].as_i64()), (Some(4), Some(1), Some(2)));
    let items = body["items"].as_array().unwrap();
    assert_eq!(items[0]["action"], "create");
    assert_eq!(items[0]["after"]["title"], "Check-in");
    assert_eq!(items[1]["action"], "delete");
    assert_eq!(items[1]["actor"], json!({"user_id": admin, "name": "Test Admin"}));
    let by_slug: Value = app.client.get(app.url("/api/v1/partnerships/mohave-makers/audit?table=meetings&page=2&per_page=2")).send().await.unwrap().json().await.unwrap();
    let update = &by_slug["items"][0];
    assert_eq!(update["action"], "update");
    assert_eq!(update["changes"], json!([{"field": "title", "before": "Launch", "after": "Kickoff"}, {"field": "notes", "before": null, "after": "Twelve businesses came."}]));
    // Wrong parameters are named; an unknown partnership is a 404.
    let p = problem(app.client.get(app.url(&format!("/api/v1/partnerships/{pid}/audit?table=secrets&sort=x"))).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    let errs = errors(&p);
    assert_eq!(errs[0].0, "table");
    assert!(errs[0].1.starts_with("'secrets' is not a table of the log; use one of partnerships, organizations,"), "{errs:?}");
    assert_eq!(errs[1], ("sort".to_string(), "is not a parameter of the audit log; use page, per_page, table".to_string()));
    problem(app.client.get(app.url("/api/v1/partnerships/nobody/audit")).send().await.unwrap(), StatusCode::NOT_FOUND).await;
    // No route changes or deletes entries.
    let url = app.url(&format!("/api/v1/partnerships/{pid}/audit"));
    for resp in [app.client.delete(&url).send().await.unwrap(), app.client.put(&url).json(&json!({})).send().await.unwrap(), app.client.post(&url).json(&json!({})).send().await.unwrap()] {
        assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
    // The OpenAPI document describes the path.
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let op = &doc["paths"]["/api/v1/partnerships/{id}/audit"]["get"];
    assert_eq!(op["operationId"], "get_partnership_audit");
    assert_eq!(op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/AuditPage");
    assert!(doc["components"]["schemas"]["AuditEntry"]["properties"]["changes"].is_object());
}

#[tokio::test]
async fn a_person_s_contact_details_never_enter_the_log() {
    let app = spawn().await;
    let (pid, org) = base(&app).await;
    let person = create(&app, "people", json!({"organization_id": org, "partnership_id": pid, "full_name": "Ana Ruiz", "title": "Owner", "email": "ana@example.org", "phone": "555-0100"})).await;
    let id = person["id"].as_str().unwrap();
    // A new email and title; the phone is left out, so it is kept.
    let resp = put(&app, "people", id, 1, json!({"organization_id": org, "partnership_id": pid, "full_name": "Ana Ruiz", "title": "CEO", "email": "ana.ruiz@example.com"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let stored: (String, String) = sharedtable::db::query_as(&app.db, "SELECT email, phone FROM people").fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, ("ana.ruiz@example.com".to_string(), "555-0100".to_string()), "the change itself was made");
    // The email cleared through the form's check box.
    let form = [("organization_id", org.as_str()), ("partnership_id", pid.as_str()), ("full_name", "Ana Ruiz"), ("title", "CEO"), ("version", "2"), ("clear_email", "1")];
    let resp = app.client.post(app.url(&format!("/people/{id}/edit"))).form(&form).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", resp.text().await.unwrap());
    let email: Option<String> = sharedtable::db::query_scalar(&app.db, "SELECT email FROM people").fetch_one(&app.db).await.unwrap();
    assert_eq!(email, None);

    let people: Vec<Row> = log(&app).await.into_iter().filter(|r| r.entity_table == "people").collect();
    assert_eq!(people.len(), 3);
    assert_eq!(people[0].after["email"], "(on file)");
    assert_eq!(people[0].after["phone"], "(on file)");
    assert_eq!(people[0].after["full_name"], "Ana Ruiz");
    assert_eq!((&people[1].before["email"], &people[1].after["email"]), (&json!("(on file)"), &json!("(changed)")));
    assert_eq!((&people[1].before["phone"], &people[1].after["phone"]), (&json!("(on file)"), &json!("(on file)")));
    assert_eq!((&people[1].before["title"], &people[1].after["title"]), (&json!("Owner"), &json!("CEO")));
    assert_eq!((&people[2].before["email"], &people[2].after["email"]), (&json!("(on file)"), &Value::Null));
    let text = log_text(&app).await;
    for secret in ["ana@example.org", "ana.ruiz@example.com", "555-0100", "@"] {
        assert!(!text.contains(secret), "{secret} is in the log:\n{text}");
    }
    // The API and the page show the markers only.
    let api = app.client.get(app.url(&format!("/api/v1/partnerships/{pid}/audit?table=people"))).send().await.unwrap().text().await.unwrap();
    assert!(!api.contains("example") && !api.contains("555-0100"), "{api}");
    assert!(api.contains(r#"{"after":"(changed)","before":"(on file)","field":"email"}"#) || api.contains(r#"{"field":"email","before":"(on file)","after":"(changed)"}"#), "{api}");
    let page = app.client.get(app.url("/partnerships/mohave-makers/audit?table=people")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("example.") && !page.contains("555-0100"));
    assert!(page.contains("<th scope=\"row\"><code>email</code></th><td>(on file)</td><td>(changed)</td>"), "{page}");
}

#[tokio::test]
async fn an_import_writes_one_entry_per_partnership_not_one_per_row() {
    let app = spawn().await;
    let (pid, _) = base(&app).await;
    let before = log(&app).await.len();
    // Three organizations by upload: one entry, of no partnership.
    let csv = "name,kind,city,state\nA One,business,Kingman,AZ\nB Two,business,Kingman,AZ\nC Three,business,Kingman,AZ\n";
    let resp = app.client.post(app.url("/api/v1/import?kind=organizations")).header(CONTENT_TYPE, "text/csv").body(csv).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let rows = log(&app).await;
    assert_eq!(rows.len(), before + 1);
    let e = rows.last().unwrap();
    assert_eq!((e.action.as_str(), e.entity_table.as_str(), e.partnership_id.as_deref()), ("import", "import", None));
    assert_eq!(e.after, json!({"files": ["upload.csv"], "rows": {"organizations": 3}}));
    assert_eq!(e.summary, "Imported 3 organizations from upload.csv");
    assert!(e.entity_id.is_some());
    // Meetings of the partnership: one entry in its log.
    let csv = format!("partnership_id,held_on,kind,title\n{pid},2024-01-10,other,January\n{pid},2024-02-14,other,February\n");
    let resp = app.client.post(app.url("/api/v1/import?kind=meetings")).header(CONTENT_TYPE, "text/csv").body(csv).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let e = log(&app).await.pop().unwrap();
    assert_eq!(e.partnership_id.as_deref(), Some(pid.as_str()));
    assert_eq!(e.after["rows"], json!({"meetings": 2}));
    // A rejected import writes nothing, entry included.
    let n = log(&app).await.len();
    let csv = format!("partnership_id,held_on,kind,title\n{pid},2024-03-10,other,March\n{pid},not a date,other,Bad\n");
    let resp = app.client.post(app.url("/api/v1/import?kind=meetings")).header(CONTENT_TYPE, "text/csv").body(csv).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(log(&app).await.len(), n);

    // The bundled network: one entry per partnership (its rows of every file) plus one for the
    // rows of no partnership, all sharing the import's id.
    load_bundled(&app).await;
    let rows: Vec<Row> = log(&app).await.into_iter().skip(n).collect();
    let partnerships: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM partnerships WHERE id <> ?").bind(&pid).fetch_one(&app.db).await.unwrap();
    assert_eq!(partnerships, 47);
    assert_eq!(rows.len() as i64, partnerships + 1, "{:#?}", rows.iter().map(|r| &r.summary).collect::<Vec<_>>());
    assert!(rows.iter().all(|r| r.action == "import" && r.entity_id == rows[0].entity_id));
    let kingman: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM partnerships WHERE slug = ?").bind(sharedtable::freight::demo::PARTNERSHIP_SLUG).fetch_one(&app.db).await.unwrap();
    let k = rows.iter().find(|r| r.partnership_id.as_deref() == Some(kingman.as_str())).unwrap();
    assert_eq!(k.after["rows"]["partnerships"], 1);
    assert_eq!(k.after["files"][0], "data/network/partnerships.csv", "{}", k.after);
    let written: i64 = rows.iter().map(|r| r.after["rows"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum::<i64>()).sum();
    let mut in_db = 0i64;
    for t in sharedtable::network::entity::TABLES {
        in_db += sharedtable::db::query_scalar::<i64>(&app.db, &format!("SELECT count(*) FROM {t}")).fetch_one(&app.db).await.unwrap();
    }
    // Made before the import: 1 partnership, 4 organizations, 2 meetings.
    assert_eq!(written, in_db - 7, "every row of the import is counted once");

    // The freight demo week: one import entry for members and shipments, one for the settings;
    // an upload of shipments: one entry naming the file.
    sharedtable::freight::demo::load(&app.db).await.unwrap().unwrap();
    let rows: Vec<Row> = log(&app).await.into_iter().filter(|r| r.partnership_id.as_deref() == Some(kingman.as_str())).collect();
    let demo = &rows[rows.len() - 1];
    assert_eq!((demo.action.as_str(), demo.entity_table.as_str()), ("import", "import"));
    assert_eq!(demo.after["rows"]["organizations"], 12);
    let settings = &rows[rows.len() - 2];
    assert_eq!((settings.action.as_str(), settings.entity_table.as_str()), ("create", "freight_settings"));
    assert_eq!(settings.after["fleet"][0]["count"], 3);
    let header = "member,reference,pickup_city,pickup_state,delivery_city,delivery_state,pallets,weight_lb,pickup_earliest,pickup_latest,delivery_earliest,delivery_latest\n";
    let body = format!("{header}Route 66 Cabinetry (illustrative),NEW-1,Kingman,AZ,Phoenix,AZ,4,3200,2026-03-09T08:00,2026-03-09T11:00,2026-03-09T12:00,2026-03-09T18:00\n");
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/partnerships/{kingman}/freight/import")))
        .header(CONTENT_TYPE, "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let e = log(&app).await.pop().unwrap();
    assert_eq!((e.action.as_str(), e.entity_table.as_str(), e.partnership_id.as_deref()), ("import", "freight_shipments", Some(kingman.as_str())));
    assert_eq!(e.after, json!({"files": ["upload.csv"], "rows": {"freight_shipments": 1}}));
    assert_eq!(e.summary, "Imported 1 shipment from upload.csv");
}

#[tokio::test]
async fn the_command_line_is_named_as_the_author_of_its_import() {
    let app = spawn().await;
    let csv = app.dir().join("orgs.csv");
    std::fs::write(&csv, "name,kind\nCli Org,business\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sharedtable"))
        .env_remove("DATABASE_URL")
        .args(["--database-url", &app.db_url, "import", "--kind", "organizations"])
        .arg(&csv)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e = log(&app).await.pop().unwrap();
    assert_eq!((e.actor_name.as_str(), e.actor_user_id), ("command line (sharedtable import)", None));
    assert_eq!(e.after, json!({"files": [csv.display().to_string()], "rows": {"organizations": 1}}));
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_entries() {
    let app = spawn().await;
    base(&app).await;
    let n = log(&app).await.len();
    assert_eq!(n, 2);
    let e = sharedtable::db::query(&app.db, "UPDATE audit_log SET actor_name = 'someone else'").execute(&app.db).await.unwrap_err();
    assert!(e.to_string().contains("the audit log is append-only: its entries cannot be changed"), "{e}");
    let e = sharedtable::db::query(&app.db, "DELETE FROM audit_log").execute(&app.db).await.unwrap_err();
    assert!(e.to_string().contains("the audit log is append-only: its entries cannot be deleted"), "{e}");
    let rows = log(&app).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.actor_name == "Test Admin"));
    // Deleting a partnership leaves its entries (no foreign key), and logs the deletion.
    let pid = rows[0].partnership_id.clone().unwrap();
    let resp = app.client.delete(app.url(&format!("/api/v1/partnerships/{pid}"))).header(IF_MATCH, "*").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let rows = log(&app).await;
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[2].action.as_str(), rows[2].partnership_id.as_deref()), ("delete", Some(pid.as_str())));
    assert_eq!(rows[2].before["name"], "Mohave Makers");
}

#[tokio::test]
async fn a_change_that_fails_or_is_rolled_back_leaves_no_entry() {
    let app = spawn().await;
    let (pid, org) = base(&app).await;
    let n = log(&app).await.len();
    // Refused before writing: a missing reference, a stale version.
    let resp = app.client.post(app.url("/api/v1/memberships")).json(&json!({"partnership_id": pid, "organization_id": pid, "role": "convener"})).send().await.unwrap();
    problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    let resp = put(&app, "partnerships", &pid, 7, partnership("Mohave Makers Two")).await;
    problem(resp, StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(log(&app).await.len(), n);

    // Rolled back after the change and its entry were written: a meeting saved with an
    // attendee that does not exist fails as a whole.
    use sharedtable::network::model::{MeetingFields, MeetingKind};
    let meeting = MeetingFields {
        partnership_id: pid.parse().unwrap(),
        held_on: chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap(),
        kind: MeetingKind::Launch,
        title: "Launch".into(),
        notes: None,
    };
    let ok = sharedtable::network::store::forms::save_meeting(&app.db, None, None, meeting.clone(), &[org.parse().unwrap()]).await.unwrap();
    assert_eq!(log(&app).await.len(), n + 2, "the meeting and its attendance");
    let renamed = MeetingFields { title: "Renamed".into(), ..meeting };
    let missing = sharedtable::db::Id::new();
    let err = sharedtable::network::store::forms::save_meeting(&app.db, Some(ok.id()), Some(1), renamed, &[missing]).await.unwrap_err();
    assert!(matches!(err, sharedtable::web::Error::Validation(_)), "{err:?}");
    assert_eq!(log(&app).await.len(), n + 2, "neither the rename, the removed attendance nor the new one is logged");
    let title: String = sharedtable::db::query_scalar(&app.db, "SELECT title FROM meetings").fetch_one(&app.db).await.unwrap();
    assert_eq!(title, "Launch");

    // The same inside an explicit transaction that is dropped.
    let mut tx = sharedtable::db::begin_write(&app.db).await.unwrap();
    let now = sharedtable::db::now();
    let meta = sharedtable::network::model::Meta { id: sharedtable::db::Id::new(), version: 1, created_at: now, updated_at: now };
    let fields = sharedtable::network::model::OrganizationFields {
        name: "Never".into(),
        kind: sharedtable::network::model::OrgKind::Business,
        naics_code: None,
        city: None,
        state: None,
        latitude: None,
        longitude: None,
        employee_count: None,
        website: None,
        illustrative: false,
    };
    sharedtable::network::store::insert_in(&mut tx, &meta, &fields).await.unwrap();
    let inside: i64 = sharedtable::db::query_scalar(&tx, "SELECT count(*) FROM audit_log").fetch_one(&mut *tx).await.unwrap();
    assert_eq!(inside, n as i64 + 3, "the entry is written in the transaction");
    drop(tx);
    assert_eq!(log(&app).await.len(), n + 2);
}

#[tokio::test]
async fn the_pages_show_who_when_and_the_fields_that_changed() {
    let app = spawn().await;
    let (pid, _) = base(&app).await;
    let meeting = create(&app, "meetings", json!({"partnership_id": pid, "held_on": "2024-05-01", "kind": "launch", "title": "Launch"})).await;
    let mid = meeting["id"].as_str().unwrap().to_string();
    let resp = put(&app, "meetings", &mid, 1, json!({"partnership_id": pid, "held_on": "2024-05-01", "kind": "launch", "title": "Kickoff & <welcome>"})).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let gone = create(&app, "meetings", json!({"partnership_id": pid, "held_on": "2024-06-01", "kind": "other", "title": "Cancelled"})).await;
    let resp = app.client.delete(app.url(&format!("/api/v1/meetings/{}", gone["id"].as_str().unwrap()))).header(IF_MATCH, "*").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);

    let resp = app.client.get(app.url("/partnerships/mohave-makers/audit")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = resp.text().await.unwrap();
    assert!(page.contains("<h1>Change log of Mohave Makers</h1>"), "{page}");
    assert!(page.contains("Showing 1–5 of 5"), "{page}");
    // newest first: the deletion, then the second meeting, the update, the first meeting, the partnership
    let order: Vec<usize> = ["Deleted meeting 'Cancelled (2024-06-01)'", "Created meeting 'Cancelled (2024-06-01)'", "Changed meeting", "Created meeting 'Launch (2024-05-01)'", "Created partnership 'Mohave Makers'"]
        .iter()
        .map(|s| page.find(&s.replace('\'', "&#39;")).unwrap_or_else(|| panic!("{s} not on the page:\n{page}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    // the update's diff: only the title, escaped
    assert!(page.contains("<tr><th scope=\"row\"><code>title</code></th><td>Launch</td><td>Kickoff &#38; &#60;welcome&#62;</td></tr>"), "{page}");
    assert!(!page.contains("<code>held_on</code></th><td>2024-05-01</td><td>2024-05-01</td>"), "unchanged fields are not listed");
    // who, when (ISO, UTC), a link to the record that exists, a note on the one that does not
    let at: String = sharedtable::db::query_scalar(&app.db, "SELECT at FROM audit_log WHERE action = 'update'").fetch_one(&app.db).await.unwrap();
    let shown = format!("<time datetime=\"{at}\">{}Z</time> · <strong class=\"actor\">Test Admin</strong> · <span class=\"badge action-update\">update</span> · meeting", &at[..19]);
    assert!(page.contains(&shown), "{shown}\n{page}");
    assert!(page.contains(&format!("<a class=\"edit\" href=\"/meetings/{mid}/edit\">open the meeting</a>")), "{page}");
    assert!(page.contains("Deleted meeting &#39;Cancelled (2024-06-01)&#39; <span class=\"muted\">(no longer exists)</span>"), "{page}");
    assert!(page.contains("<a class=\"edit\" href=\"/partnerships/mohave-makers\">open the partnership</a>"), "{page}");

    // filtered and paged
    let page = app.client.get(app.url("/partnerships/mohave-makers/audit?table=meetings&per_page=2")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Showing 1–2 of 4"), "{page}");
    assert!(page.contains("<option value=\"meetings\" selected>Meetings</option>"), "{page}");
    assert!(page.contains("href=\"/partnerships/mohave-makers/audit?table=meetings&#38;page=2&#38;per_page=2\" rel=\"next\""), "{page}");
    assert!(!page.contains("Created partnership"));
    let resp = app.client.get(app.url("/partnerships/mohave-makers/audit?table=secrets")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    // the partnership page links to its log
    let page = app.client.get(app.url("/partnerships/mohave-makers")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/partnerships/mohave-makers/audit\""), "{page}");

    // the network-wide log has every entry, each with its partnership
    let page = app.client.get(app.url("/audit")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>Change log of the network</h1>") && page.contains("Showing 1–6 of 6"), "{page}");
    assert!(page.contains("· <a href=\"/partnerships/mohave-makers\">Mohave Makers</a></p>"), "{page}");
    assert!(page.contains("Created organization &#39;Kingman Machining&#39;"), "{page}");
}

#[tokio::test]
async fn freight_shipments_settings_plans_and_approval_are_logged() {
    let app = spawn().await;
    load_bundled(&app).await;
    sharedtable::freight::demo::load(&app.db).await.unwrap().unwrap();
    let slug = sharedtable::freight::demo::PARTNERSHIP_SLUG;
    let kingman: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM partnerships WHERE slug = ?").bind(slug).fetch_one(&app.db).await.unwrap();
    let api = |path: &str| app.url(&format!("/api/v1/partnerships/{slug}/freight{path}"));
    let n = log(&app).await.len();

    // A shipment created, changed and deleted.
    let body = json!({
        "member": "Route 66 Cabinetry (illustrative)", "reference": "AUD-1", "pickup_city": "Kingman", "pickup_state": "AZ",
        "delivery_city": "Flagstaff", "delivery_state": "AZ", "pallets": 3, "weight_lb": "2,400",
        "pickup_earliest": "2026-03-10T08:00", "pickup_latest": "2026-03-10T12:00",
        "delivery_earliest": "2026-03-10T12:00", "delivery_latest": "2026-03-10T18:00"
    });
    let resp = app.client.post(api("/shipments")).json(&body).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let loc = resp.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string();
    let mut changed = body.clone();
    changed["pallets"] = json!(5);
    changed["delivery_city"] = json!("Phoenix");
    let resp = app.client.put(app.url(&loc)).header(IF_MATCH, "\"1\"").json(&changed).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = app.client.delete(app.url(&loc)).header(IF_MATCH, "\"2\"").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let rows: Vec<Row> = log(&app).await.into_iter().skip(n).collect();
    let actions: Vec<(&str, &str)> = rows.iter().map(|r| (r.action.as_str(), r.entity_table.as_str())).collect();
    assert_eq!(actions, [("create", "freight_shipments"), ("update", "freight_shipments"), ("delete", "freight_shipments")]);
    assert!(rows.iter().all(|r| r.partnership_id.as_deref() == Some(kingman.as_str())));
    assert_eq!(rows[0].after["reference"], "AUD-1");
    assert_eq!(rows[0].summary, "Created shipment 'AUD-1'");
    let diff: Vec<(String, Value, Value)> = {
        let entry: Value = app.client.get(app.url(&format!("/api/v1/partnerships/{kingman}/audit?table=freight_shipments"))).send().await.unwrap().json().await.unwrap();
        let update = entry["items"].as_array().unwrap().iter().find(|i| i["action"] == "update").unwrap().clone();
        update["changes"].as_array().unwrap().iter().map(|c| (c["field"].as_str().unwrap().to_string(), c["before"].clone(), c["after"].clone())).collect()
    };
    let fields: Vec<&str> = diff.iter().map(|d| d.0.as_str()).collect();
    assert_eq!(fields, ["delivery.city", "delivery.latitude", "delivery.longitude", "pallets"]);
    assert_eq!((&diff[0].1, &diff[0].2), (&json!("Flagstaff"), &json!("Phoenix")));
    assert_eq!((&diff[3].1, &diff[3].2), (&json!(3), &json!(5)));
    assert_eq!(rows[2].before["pallets"], 5);

    // Settings: the change of the time budget, and a matrix by its size and fingerprint, not its text.
    let got: Value = app.client.get(api("/settings")).send().await.unwrap().json().await.unwrap();
    let mut settings = got["settings"].clone();
    settings["max_seconds"] = json!(2.0);
    settings["matrix_csv"] = json!("from,to,miles,minutes\n\"Kingman, AZ\",\"Phoenix, AZ\",190,220\n");
    let resp = app.client.put(api("/settings")).header(IF_MATCH, "\"1\"").json(&settings).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text().await.unwrap());
    let e = log(&app).await.pop().unwrap();
    assert_eq!((e.action.as_str(), e.entity_table.as_str(), e.entity_id.as_deref()), ("update", "freight_settings", Some(kingman.as_str())));
    assert_eq!((&e.before["max_seconds"], &e.after["max_seconds"]), (&got["settings"]["max_seconds"], &json!(2.0)));
    let matrix = e.after["matrix_csv"].as_str().unwrap();
    assert!(matrix.starts_with("(uploaded matrix: 2 lines, fingerprint "), "{matrix}");
    assert!(!e.after.to_string().contains("190,220"));
    settings["matrix_csv"] = Value::Null;
    let resp = app.client.put(api("/settings")).header(IF_MATCH, "\"2\"").json(&settings).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    // A plan asked for, done (by the system) and approved, with the observations it recorded.
    let resp = app.client.post(api("/plans")).json(&json!({"week": "2026-03-02"})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let plan_loc = resp.headers()[reqwest::header::LOCATION].to_str().unwrap().to_string();
    let plan_id = plan_loc.rsplit('/').next().unwrap().to_string();
    let mut job = Value::Null;
    for _ in 0..180 {
        job = app.client.get(app.url(&plan_loc)).send().await.unwrap().json().await.unwrap();
        if job["status"] != "queued" && job["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(job["status"], "done", "{job}");
    let approved: Value = app.client.post(app.url(&format!("{plan_loc}/approve"))).send().await.unwrap().json().await.unwrap();
    let observations = approved["observation_ids"].clone();
    assert_eq!(observations.as_array().unwrap().len(), 3);
    let plans: Vec<Row> = log(&app).await.into_iter().filter(|r| r.entity_table == "freight_plans").collect();
    let seen: Vec<(&str, &Value, &Value)> = plans.iter().map(|r| (r.action.as_str(), &r.before["status"], &r.after["status"])).collect();
    assert_eq!(seen, [("create", &Value::Null, &json!("queued")), ("update", &json!("running"), &json!("done")), ("approve", &json!("done"), &json!("approved"))]);
    assert!(plans.iter().all(|r| r.entity_id.as_deref() == Some(plan_id.as_str()) && r.partnership_id.as_deref() == Some(kingman.as_str())));
    assert_eq!(plans[2].after["observations"], observations);
    assert_eq!(plans[2].summary, "Approved the plan of the week of 2026-03-02: 3 figures recorded as observations");
    let recorded: Vec<Row> = log(&app).await.into_iter().filter(|r| r.entity_table == "observations").collect();
    assert_eq!(recorded.len(), 3, "each observation the approval recorded has its entry");
    assert!(recorded.iter().all(|r| r.action == "create" && r.partnership_id.as_deref() == Some(kingman.as_str())), "an observation belongs to its measure's partnership");
    let ids: Vec<&str> = recorded.iter().map(|r| r.entity_id.as_deref().unwrap()).collect();
    assert!(observations.as_array().unwrap().iter().all(|o| ids.contains(&o.as_str().unwrap())));

    // The freight entries link to their records on the partnership's log page.
    let page = app.client.get(app.url(&format!("/partnerships/{slug}/audit?table=freight_plans"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("href=\"/partnerships/{slug}/freight/plans/{plan_id}\">open the freight plan</a>")), "{page}");
    let page = app.client.get(app.url(&format!("/partnerships/{slug}/audit?table=freight_shipments"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Created shipment &#39;AUD-1&#39; <span class=\"muted\">(no longer exists)</span>"), "{page}");
}

#[tokio::test]
async fn roles_publication_and_account_flags_are_logged_by_name_never_by_email() {
    use sharedtable::auth::{store, Role, Scope};
    let app = spawn().await;
    let (pid, _) = base(&app).await;
    let p: sharedtable::db::Id = pid.parse().unwrap();
    let ada = store::create_user(&app.db, "ada@example.org", "Ada Lovelace", Some("a long password 123"), false).await.unwrap();
    let n = log(&app).await.len();
    store::set_role(&app.db, ada, p, Role::Member).await.unwrap();
    store::change_role(&app.db, ada, p, Role::Champion).await.unwrap();
    store::change_role(&app.db, ada, p, Role::Champion).await.unwrap(); // no change: no entry
    store::set_publication(&app.db, p, store::Publication { page: true, impact: false, wins: true }).await.unwrap();
    store::set_user_flags(&app.db, ada, false, true).await.unwrap();
    store::set_user_flags(&app.db, ada, false, false).await.unwrap();
    store::remove_role(&app.db, ada, p).await.unwrap();
    let rows: Vec<Row> = log(&app).await.into_iter().skip(n).collect();
    let seen: Vec<(&str, &str, &str)> = rows.iter().map(|r| (r.action.as_str(), r.entity_table.as_str(), r.summary.as_str())).collect();
    assert_eq!(
        seen,
        [
            ("create", "user_roles", "Gave Ada Lovelace the role member"),
            ("update", "user_roles", "Changed the role of Ada Lovelace from member to business champion"),
            ("update", "partnership_publication", "Changed what the partnership publishes"),
            ("update", "users", "Changed the account of Ada Lovelace"),
            ("update", "users", "Changed the account of Ada Lovelace"),
            ("delete", "user_roles", "Took away the role of Ada Lovelace (business champion)"),
        ]
    );
    assert_eq!((&rows[1].before, &rows[1].after), (&json!({"user": "Ada Lovelace", "role": "member"}), &json!({"user": "Ada Lovelace", "role": "champion"})));
    assert_eq!((&rows[2].before["impact"], &rows[2].after["impact"]), (&json!(true), &json!(false)));
    assert_eq!((&rows[3].before["disabled"], &rows[3].after["disabled"]), (&json!(false), &json!(true)));
    let ada_s = ada.to_string();
    assert!(rows.iter().filter(|r| r.entity_table == "user_roles").all(|r| r.partnership_id.as_deref() == Some(pid.as_str()) && r.entity_id.as_deref() == Some(ada_s.as_str())));
    assert_eq!(rows[3].partnership_id, None, "an account belongs to the network");
    assert!(!log_text(&app).await.contains('@'), "no email address in the log");

    // The change log link is shown to the partnership's conveners (and admins), not its members.
    store::set_role(&app.db, ada, p, Role::Member).await.unwrap();
    let (_, member_token) = store::create_access_token(&app.db, ada, "t", Scope::Read).await.unwrap();
    let page = crate::support::client_with_token(&member_token).get(app.url("/partnerships/mohave-makers")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Freight pooling") && !page.contains("/partnerships/mohave-makers/audit"), "{page}");
    store::change_role(&app.db, ada, p, Role::Convener).await.unwrap();
    let page = crate::support::client_with_token(&member_token).get(app.url("/partnerships/mohave-makers")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("href=\"/partnerships/mohave-makers/audit\">Change log</a>"), "{page}");
    // ... and the convener reads the log, which links the role entries to the people page.
    let page = crate::support::client_with_token(&member_token).get(app.url("/partnerships/mohave-makers/audit?table=user_roles")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Changed the role of Ada Lovelace from member to convener <a class=\"edit\" href=\"/partnerships/mohave-makers/people\">open the role</a>"), "{page}");
}

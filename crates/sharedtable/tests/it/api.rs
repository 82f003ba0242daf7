//! The JSON API through HTTP: CRUD, ETags, pagination, filters, problem+json errors, personal
//! data, the health check and the OpenAPI document.

use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH, LINK, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::support::{errors, problem, spawn, TestApp};

fn partnership(name: &str) -> Value {
    json!({
        "name": name,
        "slug": "",
        "sector_label": "Manufacturing",
        "naics_codes": ["31-33"],
        "region_name": "Mohave County",
        "region_counties": ["04015"],
        "region_states": ["AZ"],
        "launched": "2017-05",
        "stage": "implementing",
        "source_urls": ["https://example.org/source"],
        "illustrative": false
    })
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sharedtable::db::query_scalar(&app.db, &format!("SELECT count(*) FROM {table}")).fetch_one(&app.db).await.unwrap()
}

async fn post(app: &TestApp, table: &str, body: &Value) -> Response {
    app.client.post(app.url(&format!("/api/v1/{table}"))).json(body).send().await.unwrap()
}

/// Create a record and return its JSON, asserting 201.
async fn create(app: &TestApp, table: &str, body: Value) -> Value {
    let resp = post(app, table, &body).await;
    let status = resp.status();
    let json: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{table}: {json}");
    json
}


#[tokio::test]
async fn records_are_created_read_updated_and_deleted() {
    let app = spawn().await;
    let resp = post(&app, "partnerships", &partnership("Mohave Makers")).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(resp.headers()[ETAG], "\"1\"");
    let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let p: Value = resp.json().await.unwrap();
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/api/v1/partnerships/{pid}"));
    assert_eq!(p["slug"], "mohave-makers", "an empty slug is made from the name");
    assert_eq!(p["version"], 1);
    assert_eq!(p["stage_reported"], Value::Null);

    let got = app.client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()[ETAG], "\"1\"");
    let got: Value = got.json().await.unwrap();
    assert_eq!(got, p);

    // an organization placed from its city, a membership, a meeting, a priority, an action team
    let org = create(&app, "organizations", json!({"name": "Kingman Machining", "kind": "business", "city": "Kingman", "state": "AZ"})).await;
    assert!((org["latitude"].as_f64().unwrap() - 35.19).abs() < 0.05, "{org}");
    assert!((org["longitude"].as_f64().unwrap() + 114.05).abs() < 0.05, "{org}");
    let m = create(&app, "memberships", json!({"partnership_id": pid, "organization_id": org["id"], "role": "industry_champion", "started": "2017"})).await;
    assert_eq!(m["ended"], Value::Null);
    let meeting = create(&app, "meetings", json!({"partnership_id": pid, "held_on": "2017-05-10", "kind": "launch", "title": "Launch"})).await;
    let prio = create(&app, "priorities", json!({"partnership_id": pid, "rank": 1, "title": "Hiring", "status": "active", "set_at_meeting_id": meeting["id"]})).await;
    let team = create(&app, "action_teams", json!({"partnership_id": pid, "priority_id": prio["id"], "name": "Talent team"})).await;
    assert_eq!(count(&app, "action_teams").await, 1);

    // replace a priority's fields
    let url = app.url(&format!("/api/v1/priorities/{}", prio["id"].as_str().unwrap()));
    let resp = app
        .client
        .put(&url)
        .header(IF_MATCH, "\"1\"")
        .json(&json!({"partnership_id": pid, "rank": 2, "title": "Hiring and retention", "status": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[ETAG], "\"2\"");
    let updated: Value = resp.json().await.unwrap();
    assert_eq!((updated["rank"].clone(), updated["title"].clone(), updated["version"].clone()), (json!(2), json!("Hiring and retention"), json!(2)));
    assert_eq!(updated["set_at_meeting_id"], Value::Null, "PUT replaces: an absent optional field is cleared");
    let stored: (i64, String) = sharedtable::db::query_as(&app.db, "SELECT rank, title FROM priorities WHERE id = ?").bind(prio["id"].as_str().unwrap()).fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, (2, "Hiring and retention".to_string()));

    // delete the action team
    let team_url = app.url(&format!("/api/v1/action_teams/{}", team["id"].as_str().unwrap()));
    let resp = app.client.delete(&team_url).header(IF_MATCH, "\"1\"").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&app, "action_teams").await, 0);
    let p = problem(app.client.get(&team_url).send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert!(p["detail"].as_str().unwrap().contains("action team"), "{p}");
}

#[tokio::test]
async fn etags_stop_two_editors_overwriting_each_other() {
    let app = spawn().await;
    let p = create(&app, "partnerships", partnership("Alpha Makers")).await;
    let url = app.url(&format!("/api/v1/partnerships/{}", p["id"].as_str().unwrap()));
    let mut edit_a = partnership("Alpha Makers");
    edit_a["region_name"] = json!("Mohave and La Paz");
    let mut edit_b = partnership("Alpha Makers");
    edit_b["region_name"] = json!("Kingman");

    // without If-Match: 428, nothing written
    let pr = problem(app.client.put(&url).json(&edit_a).send().await.unwrap(), StatusCode::PRECONDITION_REQUIRED).await;
    assert!(pr["detail"].as_str().unwrap().contains("If-Match"), "{pr}");
    // a malformed If-Match is named
    let pr = problem(app.client.put(&url).header(IF_MATCH, "version-1").json(&edit_a).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&pr)[0].0, "If-Match");

    // both editors read version 1; A saves first, B's save is refused
    let a = app.client.put(&url).header(IF_MATCH, "\"1\"").json(&edit_a).send().await.unwrap();
    assert_eq!(a.status(), StatusCode::OK);
    assert_eq!(a.headers()[ETAG], "\"2\"");
    let pr = problem(app.client.put(&url).header(IF_MATCH, "\"1\"").json(&edit_b).send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert!(pr["detail"].as_str().unwrap().contains("now version 2"), "{pr}");
    let region: String = sharedtable::db::query_scalar(&app.db, "SELECT region_name FROM partnerships").fetch_one(&app.db).await.unwrap();
    assert_eq!(region, "Mohave and La Paz", "B did not overwrite A");

    // conditional reads
    let r = app.client.get(&url).header(IF_NONE_MATCH, "\"2\"").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(r.headers()[ETAG], "\"2\"");
    let r = app.client.get(&url).header(IF_NONE_MATCH, "\"1\"").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["region_name"], "Mohave and La Paz");

    // deletes need the current ETag too
    problem(app.client.delete(&url).send().await.unwrap(), StatusCode::PRECONDITION_REQUIRED).await;
    problem(app.client.delete(&url).header(IF_MATCH, "\"1\"").send().await.unwrap(), StatusCode::PRECONDITION_FAILED).await;
    assert_eq!(count(&app, "partnerships").await, 1);
    let r = app.client.delete(&url).header(IF_MATCH, "\"2\"").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&app, "partnerships").await, 0);
}

/// The URL of a relation in a Link header, e.g. `next`.
fn link(resp: &Response, rel: &str) -> Option<String> {
    let header = resp.headers().get(LINK)?.to_str().ok()?.to_string();
    header.split(", ").find(|l| l.ends_with(&format!("rel=\"{rel}\""))).map(|l| l[1..l.find('>').unwrap()].to_string())
}

#[tokio::test]
async fn lists_page_with_link_headers_and_filter() {
    let app = spawn().await;
    for (name, stage, illustrative) in [
        ("Echo Health", "launching", false),
        ("Alpha Makers", "implementing", false),
        ("Delta Builders", "implementing", true),
        ("Bravo Care", "sustaining", false),
        ("Charlie Freight", "implementing", false),
    ] {
        let mut body = partnership(name);
        body["stage"] = json!(stage);
        body["illustrative"] = json!(illustrative);
        create(&app, "partnerships", body).await;
    }
    let names = |v: &Value| v["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_string()).collect::<Vec<_>>();

    let r = app.client.get(app.url("/api/v1/partnerships?per_page=2")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(link(&r, "next").as_deref(), Some("/api/v1/partnerships?page=2&per_page=2"));
    assert_eq!(link(&r, "last").as_deref(), Some("/api/v1/partnerships?page=3&per_page=2"));
    assert_eq!(link(&r, "prev"), None);
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["page"].clone(), body["per_page"].clone(), body["total"].clone()), (json!(1), json!(2), json!(5)));
    assert_eq!(names(&body), ["Alpha Makers", "Bravo Care"]);

    // follow next links to the end
    let r = app.client.get(app.url("/api/v1/partnerships?per_page=2&page=3")).send().await.unwrap();
    assert_eq!(link(&r, "next"), None);
    assert_eq!(link(&r, "prev").as_deref(), Some("/api/v1/partnerships?page=2&per_page=2"));
    assert_eq!(names(&r.json().await.unwrap()), ["Echo Health"]);

    // filters and search, kept in the links
    let r = app.client.get(app.url("/api/v1/partnerships?stage=implementing&per_page=1")).send().await.unwrap();
    assert_eq!(link(&r, "next").as_deref(), Some("/api/v1/partnerships?stage=implementing&page=2&per_page=1"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["total"], 3);
    assert_eq!(names(&body), ["Alpha Makers"]);
    let body: Value = app.client.get(app.url("/api/v1/partnerships?illustrative=true")).send().await.unwrap().json().await.unwrap();
    assert_eq!(names(&body), ["Delta Builders"]);
    let body: Value = app.client.get(app.url("/api/v1/partnerships?q=CARE")).send().await.unwrap().json().await.unwrap();
    assert_eq!(names(&body), ["Bravo Care"]);
    let body: Value = app.client.get(app.url("/api/v1/partnerships?page=9")).send().await.unwrap().json().await.unwrap();
    assert_eq!((body["items"].as_array().unwrap().len(), body["total"].clone()), (0, json!(5)));

    // wrong parameters are named
    for (query, field, words) in [
        ("colour=red", "colour", "is not a parameter of the partnerships list"),
        ("region_name=Mohave", "region_name", "is not a parameter"),
        ("per_page=0", "per_page", "from 1 to 500"),
        ("per_page=501", "per_page", "from 1 to 500"),
        ("page=0", "page", "from 1"),
        ("stage=thriving", "stage", "'thriving' is not one of: exploring"),
        ("stage=launching&stage=exploring", "stage", "more than once"),
    ] {
        let p = problem(app.client.get(app.url(&format!("/api/v1/partnerships?{query}"))).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
        let errs = errors(&p);
        assert_eq!(errs.len(), 1, "{query}: {p}");
        assert_eq!(errs[0].0, field, "{query}");
        assert!(errs[0].1.contains(words), "{query}: {}", errs[0].1);
    }
    // meetings have no search: q is refused; an id filter must be an id
    let p = problem(app.client.get(app.url("/api/v1/meetings?q=launch")).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p)[0].0, "q");
    let p = problem(app.client.get(app.url("/api/v1/meetings?partnership_id=7")).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p)[0], ("partnership_id".to_string(), "'7' is not an id (UUID)".to_string()));
}

#[tokio::test]
async fn bad_input_is_a_problem_document_and_changes_nothing() {
    let app = spawn().await;
    let first = create(&app, "partnerships", partnership("Alpha Makers")).await;
    let url = app.url("/api/v1/partnerships");

    let mut bad_naics = partnership("Bravo Makers");
    bad_naics["naics_codes"] = json!(["31-33", "999999"]);
    let mut bad_county = partnership("Bravo Makers");
    bad_county["region_counties"] = json!(["4015"]);
    let mut unknown_field = partnership("Bravo Makers");
    unknown_field["colour"] = json!("red");
    let mut wrong_type = partnership("Bravo Makers");
    wrong_type["illustrative"] = json!("yes");
    let mut missing = partnership("Bravo Makers");
    missing.as_object_mut().unwrap().remove("stage");
    missing.as_object_mut().unwrap().remove("region_name");
    for (body, field, message) in [
        (bad_naics, "naics_codes", "'999999' is not a 2022 NAICS code"),
        (bad_county, "region_counties", "'4015' is not a 5-digit county FIPS code"),
        (partnership("ALPHA makers"), "name", "another partnership already has this name"),
        (unknown_field, "colour", "is not a field of a partnership; the fields are: name, slug"),
        (wrong_type, "illustrative", "must be true or false, not \"yes\""),
        (missing, "region_name", "is required"),
    ] {
        let p = problem(post(&app, "partnerships", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(p["type"], "/problems/the_input_is_not_valid");
        let errs = errors(&p);
        assert_eq!(errs.len(), 1, "{p}");
        assert_eq!(errs[0].0, field, "{p}");
        assert!(errs[0].1.starts_with(message), "{}", errs[0].1);
        assert_eq!(count(&app, "partnerships").await, 1, "nothing written for {field}");
    }

    // malformed JSON: 400 with where it broke
    let r = app.client.post(&url).header(CONTENT_TYPE, "application/json").body("{\"name\": \"X\",").send().await.unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert!(p["detail"].as_str().unwrap().starts_with("the body is not valid JSON: EOF while parsing a value at line 1 column 13"), "{p}");
    let r = app.client.post(&url).header(CONTENT_TYPE, "application/json").body("[1, 2]").send().await.unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST).await;
    assert!(p["detail"].as_str().unwrap().contains("must be a JSON object"), "{p}");
    // wrong content type: 415
    let r = app.client.post(&url).header(CONTENT_TYPE, "text/plain").body(partnership("Bravo").to_string()).send().await.unwrap();
    let p = problem(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert!(p["detail"].as_str().unwrap().contains("application/json (got Content-Type 'text/plain')"), "{p}");
    // more than 10 MiB: 413
    let mut huge = partnership("Bravo Makers");
    huge["stage_reported"] = json!("x".repeat(11 * 1024 * 1024));
    let p = problem(post(&app, "partnerships", &huge).await, StatusCode::PAYLOAD_TOO_LARGE).await;
    assert!(p["detail"].as_str().unwrap().contains("10485760 bytes"), "{p}");
    // malformed ids
    let p = problem(app.client.get(app.url("/api/v1/partnerships/not-a-uuid")).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p), [("id".to_string(), "'not-a-uuid' is not an id (UUID)".to_string())]);
    let m = json!({"partnership_id": first["id"], "organization_id": "42", "role": "convener"});
    let p = problem(post(&app, "memberships", &m).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), [("organization_id".to_string(), "'42' is not an id (UUID)".to_string())]);
    // an id that refers to nothing
    let m = json!({"partnership_id": first["id"], "organization_id": "0190a000-0000-7000-8000-000000000000", "role": "convener"});
    let p = problem(post(&app, "memberships", &m).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0].0, "organization_id");
    assert_eq!(count(&app, "memberships").await, 0);

    // an update with a bad field leaves the stored record alone
    let purl = app.url(&format!("/api/v1/partnerships/{}", first["id"].as_str().unwrap()));
    let mut bad = partnership("Alpha Makers");
    bad["region_states"] = json!(["ZZ"]);
    let p = problem(app.client.put(&purl).header(IF_MATCH, "\"1\"").json(&bad).send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0], ("region_states".to_string(), "'ZZ' is not a USPS state code".to_string()));
    let (version, states): (i64, String) = sharedtable::db::query_as(&app.db, "SELECT version, region_states FROM partnerships").fetch_one(&app.db).await.unwrap();
    assert_eq!((version, states.as_str()), (1, "[\"AZ\"]"));
}

#[tokio::test]
async fn contact_details_are_written_but_never_returned() {
    let app = spawn().await;
    let org = create(&app, "organizations", json!({"name": "Acme", "kind": "business"})).await;
    let person = create(&app, "people", json!({"organization_id": org["id"], "full_name": "Ana Ruiz", "email": "ana@example.org", "phone": "555-0100"})).await;
    assert!(person.get("email").is_none() && person.get("phone").is_none(), "{person}");
    assert_eq!(person["full_name"], "Ana Ruiz");
    let list: Value = app.client.get(app.url("/api/v1/people")).send().await.unwrap().json().await.unwrap();
    assert!(list["items"][0].get("email").is_none(), "{list}");
    let text = app.client.get(app.url(&format!("/api/v1/people/{}", person["id"].as_str().unwrap()))).send().await.unwrap().text().await.unwrap();
    assert!(!text.contains("ana@example.org") && !text.contains("555-0100"), "{text}");
    // a read-modify-write that cannot send them back keeps them
    let url = app.url(&format!("/api/v1/people/{}", person["id"].as_str().unwrap()));
    let r = app.client.put(&url).header(IF_MATCH, "\"1\"").json(&json!({"organization_id": org["id"], "full_name": "Ana Ruiz Soto"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let stored: (String, Option<String>, Option<String>) = sharedtable::db::query_as(&app.db, "SELECT full_name, email, phone FROM people").fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, ("Ana Ruiz Soto".into(), Some("ana@example.org".into()), Some("555-0100".into())));
    // an explicit null clears one
    let r = app.client.put(&url).header(IF_MATCH, "\"2\"").json(&json!({"organization_id": org["id"], "full_name": "Ana Ruiz Soto", "phone": null})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let phone: Option<String> = sharedtable::db::query_scalar(&app.db, "SELECT phone FROM people").fetch_one(&app.db).await.unwrap();
    assert_eq!(phone, None);
}

#[tokio::test]
async fn the_health_check_is_served_per_partnership() {
    let app = spawn().await;
    let mut body = partnership("Mohave Makers");
    body["region_counties"] = json!(["04015", "04012"]);
    let p = create(&app, "partnerships", body).await;
    let pid = p["id"].as_str().unwrap();
    let r = app.client.get(app.url(&format!("/api/v1/partnerships/{pid}/health"))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h: Value = r.json().await.unwrap();
    assert_eq!(h["slug"], "mohave-makers");
    let verdicts: Vec<(&str, &str)> = h["indicators"].as_array().unwrap().iter().map(|i| (i["key"].as_str().unwrap(), i["verdict"].as_str().unwrap())).collect();
    assert_eq!(
        verdicts,
        [
            ("regional_labor_market", "met"),
            ("business_led", "unknown"),
            ("industry_identified_priorities", "unknown"),
            ("coordinated_support_team", "unknown"),
            ("shared_action_plan", "unknown")
        ]
    );
    assert_eq!(h["indicators"][0]["reason"], "the region spans 2 counties");

    // with a support team of two public kinds the support-team indicator is "not met", with the reason
    for (name, kind) in [("Mohave Community College", "community_college"), ("Arizona@Work Mohave", "workforce_board")] {
        let o = create(&app, "organizations", json!({"name": name, "kind": kind})).await;
        create(&app, "memberships", json!({"partnership_id": pid, "organization_id": o["id"], "role": "support_team"})).await;
    }
    let h: Value = app.client.get(app.url(&format!("/api/v1/partnerships/{pid}/health"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(h["indicators"][3]["verdict"], "not_met");
    assert_eq!(h["indicators"][3]["reason"], "2 kind(s) of public partner (community college, workforce board); 3 needed");

    problem(app.client.get(app.url("/api/v1/partnerships/0190a000-0000-7000-8000-000000000000/health")).send().await.unwrap(), StatusCode::NOT_FOUND).await;
    problem(app.client.get(app.url("/api/v1/partnerships/x/health")).send().await.unwrap(), StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = spawn().await;
    let r = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()[CONTENT_TYPE], "application/json");
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["paths"].as_object().unwrap().len(), 15 * 2 + 3 + 7 + 1 + 1, "two per table, the health check, the import, this document, seven freight paths, the audit log and /me");
    assert_eq!(doc["paths"]["/api/v1/wins"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/WinFields");
}

/// Records stay in their partnership: moving one would leave what refers to it pointing across
/// partnerships (and the export would no longer import).
#[tokio::test]
async fn records_cannot_move_to_another_partnership_and_evidence_stays_inside_one() {
    let app = spawn().await;
    let p1 = create(&app, "partnerships", partnership("One Makers")).await;
    let p2 = create(&app, "partnerships", partnership("Two Makers")).await;
    let prio = create(&app, "priorities", json!({"partnership_id": p1["id"], "rank": 1, "title": "Pipeline", "status": "active"})).await;
    let mut moved = prio.clone();
    for k in ["id", "version", "created_at", "updated_at"] {
        moved.as_object_mut().unwrap().remove(k);
    }
    moved["partnership_id"] = p2["id"].clone();
    let resp = app
        .client
        .put(app.url(&format!("/api/v1/priorities/{}", prio["id"].as_str().unwrap())))
        .header(IF_MATCH, "\"1\"")
        .json(&moved)
        .send()
        .await
        .unwrap();
    let p = problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), vec![("partnership_id".to_string(), "cannot be changed once the priority exists; create a new one there instead".to_string())]);

    // A win of partnership 2 cannot cite an observation of partnership 1's measure.
    let measure = create(&app, "measures", json!({"partnership_id": p1["id"], "name": "Hires", "unit": "people", "direction": "increase", "category": "jobseekers_workers"})).await;
    let obs = create(&app, "observations", json!({"measure_id": measure["id"], "period": "2024", "actual": 12.0})).await;
    let win = create(&app, "wins", json!({"partnership_id": p2["id"], "title": "Hired", "initiative_kind": "other", "illustrative": false})).await;
    let before = count(&app, "win_observations").await;
    let p = problem(post(&app, "win_observations", &json!({"win_id": win["id"], "observation_id": obs["id"]})).await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p)[0].0, "observation_id");
    assert!(errors(&p)[0].1.ends_with("is an observation of another partnership's measure"));
    assert_eq!(count(&app, "win_observations").await, before);
}

/// Many editors saving at once all succeed: writers wait for each other instead of failing with
/// "database is locked".
#[tokio::test]
async fn concurrent_writes_all_succeed() {
    let app = spawn().await;
    let mut handles = Vec::new();
    for i in 0..24 {
        let client = app.client.clone();
        let url = app.url("/api/v1/organizations");
        handles.push(tokio::spawn(async move {
            client.post(url).json(&json!({"name": format!("Org {i}"), "kind": "business", "illustrative": false})).send().await.unwrap().status()
        }));
    }
    for h in handles {
        assert_eq!(h.await.unwrap(), StatusCode::CREATED);
    }
    assert_eq!(count(&app, "organizations").await, 24);
}

/// A browser page on another site cannot make changes through a visitor's browser.
#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = spawn().await;
    let host = app.base.trim_start_matches("http://").to_string();
    let resp = app.client.post(app.url("/api/v1/partnerships")).header("origin", "http://evil.example").json(&partnership("Evil Makers")).send().await.unwrap();
    let p = problem(resp, StatusCode::FORBIDDEN).await;
    assert!(p["detail"].as_str().unwrap().contains("another web site"));
    let resp = app.client.post(app.url("/partnerships/new")).header("sec-fetch-site", "cross-site").form(&[("name", "Evil")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "partnerships").await, 0);
    // The same site (and clients that are not browsers) may write.
    let resp = app.client.post(app.url("/api/v1/partnerships")).header("origin", format!("http://{host}")).json(&partnership("Good Makers")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn huge_observation_values_are_refused_and_never_hang_the_page() {
    let app = spawn().await;
    let p = create(&app, "partnerships", partnership("Alpha Makers")).await;
    let m = create(
        &app,
        "measures",
        json!({"partnership_id": p["id"], "name": "Dollars raised", "unit": "USD", "direction": "increase", "category": "jobseekers_workers"}),
    )
    .await;
    let bound = "must be between -1,000,000,000,000,000 and 1,000,000,000,000,000 (10^15)";
    for (actual, target, field) in [(json!(1.7e308), json!(null), "actual"), (json!(-1e308), json!(null), "actual"), (json!(5.0), json!(1e16), "target")] {
        let body = json!({"measure_id": m["id"], "period": "2024", "actual": actual, "target": target});
        let pd = problem(post(&app, "observations", &body).await, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(errors(&pd), [(field.to_string(), bound.to_string())], "{pd}");
    }
    assert_eq!(count(&app, "observations").await, 0);

    // The largest allowed values chart.
    create(&app, "observations", json!({"measure_id": m["id"], "period": "2023", "actual": 1e15, "target": -1e15})).await;
    create(&app, "observations", json!({"measure_id": m["id"], "period": "2024", "actual": -1e15})).await;
    let page = |app: &TestApp, slug: &str| {
        let req = app.client.get(app.url(&format!("/partnerships/{slug}"))).timeout(std::time::Duration::from_secs(20));
        async move {
            let resp = req.send().await.expect("the page answers in time");
            assert_eq!(resp.status(), StatusCode::OK);
            resp.text().await.unwrap()
        }
    };
    let body = page(&app, "alpha-makers").await;
    assert!(body.contains("<figure class=\"chart\"><svg role=\"img\""), "a chart is drawn");
    assert!(!body.contains("too large to draw"));

    // A value stored before the bound was checked (written behind the API's back, on a page not
    // viewed yet): no chart, a note, the table still lists it.
    let p = create(&app, "partnerships", partnership("Bravo Makers")).await;
    let m = create(
        &app,
        "measures",
        json!({"partnership_id": p["id"], "name": "Dollars raised", "unit": "USD", "direction": "increase", "category": "jobseekers_workers"}),
    )
    .await;
    create(&app, "observations", json!({"measure_id": m["id"], "period": "2023", "actual": 1e15})).await;
    let o = create(&app, "observations", json!({"measure_id": m["id"], "period": "2024", "actual": 5.0})).await;
    sharedtable::db::query(&app.db, "UPDATE observations SET actual = 1.7e308 WHERE id = ?").bind(o["id"].as_str().unwrap()).execute(&app.db).await.unwrap();
    let body = page(&app, "bravo-makers").await;
    assert!(!body.contains("<figure class=\"chart\">"), "no chart");
    assert!(body.contains("No chart: these values are too large to draw"));
    assert!(body.contains("1,000,000,000,000,000"), "the table lists the values");
}

#[tokio::test]
async fn a_method_the_path_does_not_take_gets_a_problem_document() {
    let app = spawn().await;
    let resp = app.client.delete(app.url("/api/v1/partnerships")).send().await.unwrap();
    let p = problem(resp, StatusCode::METHOD_NOT_ALLOWED).await;
    assert_eq!(p["detail"], "DELETE is not allowed on /api/v1/partnerships");
}

//! The HTML forms through HTTP: inline validation, saving and redirects, prefilled new forms,
//! stale versions, delete confirmation, and a meeting's attendance.

use reqwest::header::{CONTENT_TYPE, IF_MATCH, LOCATION};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::support::{spawn, TestApp};

async fn count(app: &TestApp, table: &str) -> i64 {
    sharedtable::db::query_scalar(&app.db, &format!("SELECT count(*) FROM {table}")).fetch_one(&app.db).await.unwrap()
}

async fn post_form(app: &TestApp, path: &str, fields: &[(&str, &str)]) -> Response {
    app.client.post(app.url(path)).form(fields).send().await.unwrap()
}

/// The page's HTML with the entities askama writes turned back into characters.
async fn html(resp: Response) -> String {
    resp.text().await.unwrap().replace("&#39;", "'").replace("&#x27;", "'").replace("&quot;", "\"").replace("&#34;", "\"").replace("&amp;", "&")
}

fn location(resp: &Response) -> String {
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    resp.headers()[LOCATION].to_str().unwrap().to_string()
}

/// The HTML of the form field (`<div class="field ...">`) holding input `name`.
fn field_html<'a>(page: &'a str, name: &str) -> &'a str {
    let at = page.find(&format!("id=\"f-{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
    let start = page[..at].rfind("<div class=\"field").unwrap();
    let end = at + page[at..].find("</div>").unwrap();
    &page[start..end]
}

const PARTNERSHIP: &[(&str, &str)] = &[
    ("submitted", "1"),
    ("name", "Mohave Makers"),
    ("slug", ""),
    ("sector_label", "Manufacturing"),
    ("naics_codes", "31-33"),
    ("region_name", "Mohave County"),
    ("region_counties", "04015"),
    ("region_states", "AZ"),
    ("launched", "2017-05"),
    ("stage", "implementing"),
    ("stage_reported", ""),
    ("website", ""),
    ("source_urls", "https://example.org/a"),
];

fn with(base: &[(&'static str, &'static str)], changes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = base.iter().filter(|(k, _)| !changes.iter().any(|(c, _)| c == k)).copied().collect();
    out.extend_from_slice(changes);
    out
}

async fn api_create(app: &TestApp, table: &str, body: Value) -> Value {
    let r = app.client.post(app.url(&format!("/api/v1/{table}"))).json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.unwrap()
}

async fn partnership_id(app: &TestApp, slug: &str) -> String {
    sharedtable::db::query_scalar(&app.db, "SELECT id FROM partnerships WHERE slug = ?").bind(slug).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_each_message_beside_its_input() {
    let app = spawn().await;
    let form = with(PARTNERSHIP, &[("name", ""), ("naics_codes", "31-33, 999999"), ("launched", "2017-13"), ("region_counties", "04015, 9")]);
    let resp = post_form(&app, "/partnerships/new", &form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("<title>Error: New partnership"), "{page}");
    // the summary links to each input
    assert!(page.contains("There is a problem"));
    assert!(page.contains("<a href=\"#f-name\">Name is required</a>"), "{page}");
    assert!(page.contains("<a href=\"#f-naics_codes\">NAICS codes: '999999' is not a 2022 NAICS code</a>"), "{page}");
    assert!(page.contains("<a href=\"#f-launched\">Launched: month 13 is not 1 to 12</a>"), "{page}");
    assert!(page.contains("<a href=\"#f-region_counties\">Counties: '9' is not a 5-digit county FIPS code</a>"), "{page}");
    // each message sits in its field, tied to the input, and what was typed is kept
    let naics = field_html(&page, "naics_codes");
    assert!(naics.starts_with("<div class=\"field invalid\">"), "{naics}");
    assert!(naics.contains("id=\"f-naics_codes-error\""), "{naics}");
    assert!(naics.contains("'999999' is not a 2022 NAICS code"), "{naics}");
    assert!(naics.contains("aria-describedby=\"f-naics_codes-hint f-naics_codes-error\""), "{naics}");
    assert!(naics.contains("value=\"31-33, 999999\""), "{naics}");
    assert!(field_html(&page, "launched").contains("value=\"2017-13\""));
    assert!(field_html(&page, "region_name").contains("value=\"Mohave County\""));
    assert!(field_html(&page, "region_name").starts_with("<div class=\"field\">"), "a good field is not marked");
    assert!(page.contains("<option value=\"implementing\" selected>Implementing</option>"), "the choice is kept");
    assert_eq!(count(&app, "partnerships").await, 0);

    // an organization in a city the gazetteer does not know
    let resp = post_form(&app, "/organizations/new", &[("name", "Acme"), ("kind", "business"), ("city", "Atlantis"), ("state", "AZ")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(field_html(&page, "city").contains("City: 'Atlantis' is not a place in AZ that the gazetteer knows"), "{page}");
    assert_eq!(count(&app, "organizations").await, 0);

    // a duplicate name found by the database is shown beside the name too
    assert_eq!(location(&post_form(&app, "/partnerships/new", PARTNERSHIP).await), "/partnerships/mohave-makers");
    let resp = post_form(&app, "/partnerships/new", &with(PARTNERSHIP, &[("name", "MOHAVE makers"), ("slug", "other")])).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(field_html(&html(resp).await, "name").contains("Name: another partnership already has this name"));
    assert_eq!(count(&app, "partnerships").await, 1);

    // a body that is not a form
    let resp = app.client.post(app.url("/partnerships/new")).header(CONTENT_TYPE, "application/json").body("{}").send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(resp.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn a_valid_form_saves_and_goes_to_the_partnership_page() {
    let app = spawn().await;
    let resp = post_form(&app, "/partnerships/new", PARTNERSHIP).await;
    assert_eq!(location(&resp), "/partnerships/mohave-makers");
    let (name, naics, launched, stage): (String, String, String, String) =
        sharedtable::db::query_as(&app.db, "SELECT name, naics_codes, launched, stage FROM partnerships WHERE slug = 'mohave-makers'").fetch_one(&app.db).await.unwrap();
    assert_eq!((name.as_str(), naics.as_str(), launched.as_str(), stage.as_str()), ("Mohave Makers", "[\"31-33\"]", "2017-05", "implementing"));
    let pid = partnership_id(&app, "mohave-makers").await;

    // an organization is placed from its city and goes to its own page
    let resp = post_form(&app, "/organizations/new", &[("name", "Kingman Machining"), ("kind", "business"), ("city", "Kingman"), ("state", "AZ")]).await;
    let to = location(&resp);
    let (oid, lat): (String, f64) = sharedtable::db::query_as(&app.db, "SELECT id, latitude FROM organizations").fetch_one(&app.db).await.unwrap();
    assert_eq!(to, format!("/organizations/{oid}"));
    assert!((lat - 35.19).abs() < 0.05);

    // a membership goes to its partnership's page
    let resp = post_form(&app, "/memberships/new", &[("partnership_id", &pid), ("organization_id", &oid), ("role", "industry_champion"), ("started", "2017")]).await;
    assert_eq!(location(&resp), "/partnerships/mohave-makers");
    let role: String = sharedtable::db::query_scalar(&app.db, "SELECT role FROM memberships").fetch_one(&app.db).await.unwrap();
    assert_eq!(role, "industry_champion");
}

#[tokio::test]
async fn a_new_form_is_prefilled_and_offers_only_the_partnerships_records() {
    let app = spawn().await;
    let mut ids = Vec::new();
    for (name, illustrative) in [("Alpha Makers", false), ("Bravo Care", true)] {
        let p = api_create(&app, "partnerships", json!({"name": name, "sector_label": "S", "region_name": "R", "region_states": ["AZ"], "illustrative": illustrative})).await;
        api_create(&app, "meetings", json!({"partnership_id": p["id"], "held_on": "2024-03-01", "kind": "launch", "title": format!("{name} launch")})).await;
        ids.push(p["id"].as_str().unwrap().to_string());
    }
    let resp = app.client.get(app.url(&format!("/priorities/new?partnership_id={}", ids[0]))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let page = html(resp).await;
    assert!(page.contains(&format!("<option value=\"{}\" selected>Alpha Makers</option>", ids[0])), "{page}");
    assert!(page.contains("2024-03-01 · Alpha Makers launch"), "{page}");
    assert!(!page.contains("Bravo Care launch"), "meetings of other partnerships are not offered");
    assert!(page.contains("<option value=\"active\" selected>Active</option>"), "defaults apply");
    assert!(page.contains("Partnership: <a href=\"/partnerships/alpha-makers\">Alpha Makers</a>"));
    assert!(page.contains(&format!("<option value=\"{}\">Bravo Care (illustrative)</option>", ids[1])), "illustrative records say so");
    let edit = html(app.client.get(app.url(&format!("/partnerships/{}/edit", ids[1]))).send().await.unwrap()).await;
    assert!(edit.contains("<h1>Edit partnership: Bravo Care <span class=\"badge illustrative\">Illustrative</span></h1>"), "{edit}");
    assert!(field_html(&edit, "illustrative").contains("value=\"1\" checked"));
    // every input has a label
    for name in ["partnership_id", "title", "rank", "status", "set_at_meeting_id", "description"] {
        assert!(page.contains(&format!("<label for=\"f-{name}\">")), "label of {name}");
    }
    // and every kind of record has a new form
    for table in sharedtable::network::entity::TABLES {
        let r = app.client.get(app.url(&format!("/{table}/new"))).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{table}");
    }
}

#[tokio::test]
async fn editing_saves_and_a_stale_form_is_a_conflict_not_an_overwrite() {
    let app = spawn().await;
    assert_eq!(location(&post_form(&app, "/partnerships/new", PARTNERSHIP).await), "/partnerships/mohave-makers");
    let pid = partnership_id(&app, "mohave-makers").await;
    let edit = format!("/partnerships/{pid}/edit");
    let page = html(app.client.get(app.url(&edit)).send().await.unwrap()).await;
    assert!(page.contains("<input type=\"hidden\" name=\"version\" value=\"1\">"), "{page}");
    assert!(field_html(&page, "region_name").contains("value=\"Mohave County\""));
    assert!(field_html(&page, "source_urls").contains(">https://example.org/a</textarea>"));

    let resp = post_form(&app, &edit, &with(PARTNERSHIP, &[("version", "1"), ("region_name", "Mohave and La Paz"), ("slug", "mohave-makers")])).await;
    assert_eq!(location(&resp), "/partnerships/mohave-makers");
    let (version, region): (i64, String) = sharedtable::db::query_as(&app.db, "SELECT version, region_name FROM partnerships").fetch_one(&app.db).await.unwrap();
    assert_eq!((version, region.as_str()), (2, "Mohave and La Paz"));

    // someone else saves version 3 through the API while this editor still holds version 2
    let body = json!({"name": "Mohave Makers", "slug": "mohave-makers", "sector_label": "Manufacturing", "region_name": "Kingman", "region_states": ["AZ"]});
    let r = app.client.put(app.url(&format!("/api/v1/partnerships/{pid}"))).header(IF_MATCH, "\"2\"").json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let resp = post_form(&app, &edit, &with(PARTNERSHIP, &[("version", "2"), ("region_name", "Mohave, La Paz and Yavapai"), ("slug", "mohave-makers")])).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let page = html(resp).await;
    assert!(page.contains("Someone else changed this partnership"), "{page}");
    assert!(page.contains("you started from version 2; it is now version 3"), "{page}");
    assert!(page.contains(&format!("<a href=\"{edit}\">Load the current version</a>")), "{page}");
    assert!(field_html(&page, "region_name").contains("value=\"Mohave, La Paz and Yavapai\""), "what was typed is kept");
    let (version, region): (i64, String) = sharedtable::db::query_as(&app.db, "SELECT version, region_name FROM partnerships").fetch_one(&app.db).await.unwrap();
    assert_eq!((version, region.as_str()), (3, "Kingman"), "the other editor's change stands");

    // a form without its version is refused
    let resp = post_form(&app, &edit, PARTNERSHIP).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_person_form_never_shows_contact_details_and_keeps_them() {
    let app = spawn().await;
    let org = api_create(&app, "organizations", json!({"name": "Acme", "kind": "business"})).await;
    let oid = org["id"].as_str().unwrap();
    let resp = post_form(&app, "/people/new", &[("organization_id", oid), ("full_name", "Ana Ruiz"), ("email", "ana@example.org"), ("phone", "555-0100")]).await;
    assert_eq!(location(&resp), format!("/organizations/{oid}"), "a person without a partnership goes to the organization page");
    let id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM people").fetch_one(&app.db).await.unwrap();
    let page = html(app.client.get(app.url(&format!("/people/{id}/edit"))).send().await.unwrap()).await;
    assert!(!page.contains("ana@example.org") && !page.contains("555-0100"), "{page}");
    assert!(page.contains("A value is on file (not shown)."));
    let resp = post_form(
        &app,
        &format!("/people/{id}/edit"),
        &[("version", "1"), ("organization_id", oid), ("full_name", "Ana Ruiz Soto"), ("email", ""), ("phone", ""), ("clear_phone", "1")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let stored: (String, Option<String>, Option<String>) = sharedtable::db::query_as(&app.db, "SELECT full_name, email, phone FROM people").fetch_one(&app.db).await.unwrap();
    assert_eq!(stored, ("Ana Ruiz Soto".into(), Some("ana@example.org".into()), None));
}

#[tokio::test]
async fn delete_asks_first_then_deletes() {
    let app = spawn().await;
    assert_eq!(location(&post_form(&app, "/partnerships/new", PARTNERSHIP).await), "/partnerships/mohave-makers");
    let pid = partnership_id(&app, "mohave-makers").await;
    let org = api_create(&app, "organizations", json!({"name": "Acme", "kind": "business"})).await;
    let m = api_create(&app, "memberships", json!({"partnership_id": pid, "organization_id": org["id"], "role": "industry_member"})).await;
    let mid = m["id"].as_str().unwrap();

    // deleting a membership goes back to its partnership
    let page = html(app.client.get(app.url(&format!("/memberships/{mid}/delete"))).send().await.unwrap()).await;
    assert!(page.contains("Do you want to delete the membership"), "{page}");
    assert!(page.contains("No other records refer to it."));
    assert_eq!(count(&app, "memberships").await, 1, "asking deletes nothing");
    let resp = post_form(&app, &format!("/memberships/{mid}/delete"), &[("version", "1")]).await;
    assert_eq!(location(&resp), "/partnerships/mohave-makers");
    assert_eq!(count(&app, "memberships").await, 0);

    // the partnership's page says what goes with it; a stale confirmation deletes nothing
    api_create(&app, "memberships", json!({"partnership_id": pid, "organization_id": org["id"], "role": "industry_member"})).await;
    let delete = format!("/partnerships/{pid}/delete");
    let page = html(app.client.get(app.url(&delete)).send().await.unwrap()).await;
    assert!(page.contains("<li>1 membership: <strong>deleted with it</strong>"), "{page}");
    assert!(page.contains("<input type=\"hidden\" name=\"version\" value=\"1\">"));
    let body = json!({"name": "Mohave Makers", "slug": "mohave-makers", "sector_label": "Manufacturing", "region_name": "Kingman", "region_states": ["AZ"]});
    let r = app.client.put(app.url(&format!("/api/v1/partnerships/{pid}"))).header(IF_MATCH, "\"1\"").json(&body).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let resp = post_form(&app, &delete, &[("version", "1")]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(html(resp).await.contains("Nothing was deleted"));
    assert_eq!(count(&app, "partnerships").await, 1);
    let resp = post_form(&app, &delete, &[("version", "2")]).await;
    assert_eq!(location(&resp), "/partnerships");
    assert_eq!((count(&app, "partnerships").await, count(&app, "memberships").await, count(&app, "organizations").await), (0, 0, 1));
    // a record that is gone
    let resp = app.client.get(app.url(&delete)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_meeting_form_records_attendance_in_one_save() {
    let app = spawn().await;
    let p = api_create(&app, "partnerships", json!({"name": "Mohave Makers", "sector_label": "Manufacturing", "region_name": "Mohave", "region_states": ["AZ"]})).await;
    let pid = p["id"].as_str().unwrap().to_string();
    let mut orgs = Vec::new();
    for (name, kind) in [("Acme", "business"), ("Bolt Works", "business"), ("Mohave Community College", "community_college")] {
        let o = api_create(&app, "organizations", json!({"name": name, "kind": kind})).await;
        api_create(&app, "memberships", json!({"partnership_id": pid, "organization_id": o["id"], "role": "industry_member"})).await;
        orgs.push(o["id"].as_str().unwrap().to_string());
    }
    let outsider = api_create(&app, "organizations", json!({"name": "Zed Corp", "kind": "business"})).await;

    let page = html(app.client.get(app.url(&format!("/meetings/new?partnership_id={pid}"))).send().await.unwrap()).await;
    assert!(page.contains("<legend>Organizations that attended</legend>"), "{page}");
    assert!(page.contains(&format!("name=\"attendees\" value=\"{}\"> Acme (Business)", orgs[0])), "{page}");
    assert!(page.contains("Mohave Community College (Community college)"));
    assert!(!page.contains("Zed Corp"), "only members are offered");

    let meeting = [("partnership_id", pid.as_str()), ("title", "Launch"), ("held_on", "2024-03-01"), ("kind", "launch"), ("notes", "")];
    let mut form: Vec<(&str, &str)> = meeting.to_vec();
    form.extend([("submitted", "1"), ("attendees", orgs[0].as_str()), ("attendees", orgs[2].as_str())]);
    assert_eq!(location(&post_form(&app, "/meetings/new", &form).await), "/partnerships/mohave-makers");
    let mid: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM meetings").fetch_one(&app.db).await.unwrap();
    let attending = |app: &TestApp| {
        let db = app.db.clone();
        async move {
            let mut v: Vec<String> = sharedtable::db::query_scalar(&db, "SELECT organization_id FROM meeting_attendance").fetch_all(&db).await.unwrap();
            v.sort();
            v
        }
    };
    let mut want = vec![orgs[0].clone(), orgs[2].clone()];
    want.sort();
    assert_eq!(attending(&app).await, want);

    // the edit form shows who attended; saving with one box changed replaces the list
    let edit = format!("/meetings/{mid}/edit");
    let page = html(app.client.get(app.url(&edit)).send().await.unwrap()).await;
    assert!(page.contains(&format!("value=\"{}\" checked> Acme", orgs[0])), "{page}");
    assert!(page.contains(&format!("value=\"{}\"> Bolt Works", orgs[1])), "{page}");
    let mut form: Vec<(&str, &str)> = meeting.to_vec();
    form.extend([("submitted", "1"), ("version", "1"), ("attendees", orgs[1].as_str())]);
    assert_eq!(location(&post_form(&app, &edit, &form).await), "/partnerships/mohave-makers");
    assert_eq!(attending(&app).await, vec![orgs[1].clone()]);

    // an organization that does not exist: nothing of the save is kept (one transaction)
    let ghost = "0190a000-0000-7000-8000-000000000000";
    let mut form: Vec<(&str, &str)> = meeting.to_vec();
    form.retain(|(k, _)| *k != "title");
    form.extend([("title", "Renamed"), ("submitted", "1"), ("version", "2"), ("attendees", orgs[0].as_str()), ("attendees", ghost)]);
    let resp = post_form(&app, &edit, &form).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = html(resp).await;
    assert!(page.contains("<a href=\"#f-attendees\">Organizations that attended: no organization with id"), "{page}");
    assert!(page.contains(&format!("value=\"{}\" checked> Acme", orgs[0])), "the ticks are kept");
    let (version, title): (i64, String) = sharedtable::db::query_as(&app.db, "SELECT version, title FROM meetings").fetch_one(&app.db).await.unwrap();
    assert_eq!((version, title.as_str()), (2, "Launch"));
    assert_eq!(attending(&app).await, vec![orgs[1].clone()]);

    // an attendee who is not a member stays listed, so saving never drops them unseen
    let _ = api_create(&app, "meeting_attendance", json!({"meeting_id": mid, "organization_id": outsider["id"]})).await;
    let page = html(app.client.get(app.url(&edit)).send().await.unwrap()).await;
    assert!(page.contains("checked> Zed Corp (Business, not a member)"), "{page}");
}

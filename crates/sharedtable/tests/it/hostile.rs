//! Hostile and careless input found by trying to break the running service (on SQLite and on
//! PostgreSQL): each test asserts the answer given now, on whichever backend the test leg runs.

use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::{json, Value};

use sharedtable::auth::store::{self, Publication};
use sharedtable::auth::{Role, Scope};
use sharedtable::db::Id;

use crate::support::{client_with_token, count, errors, load_bundled, problem, spawn, spawn_with};

const PASSWORD: &str = "a long pass phrase 123";

/// Two partnerships of the bundled network: (id, name) each.
async fn two_partnerships(app: &crate::support::TestApp) -> [(Id, String); 2] {
    let list: Value = app.client.get(app.url("/api/v1/partnerships?per_page=2")).send().await.unwrap().json().await.unwrap();
    let p = |i: usize| (list["items"][i]["id"].as_str().unwrap().parse::<Id>().unwrap(), list["items"][i]["name"].as_str().unwrap().to_string());
    [p(0), p(1)]
}

#[tokio::test]
async fn sign_in_sends_people_back_only_to_paths_of_this_site() {
    let app = spawn().await;
    store::create_user(&app.db, "member@example.org", "Member", Some(PASSWORD), false).await.unwrap();
    // Browsers drop a tab or line break inside a Location and read `\` as `/`: each of these
    // would have sent the person to evil.example once signed in.
    let cases = [
        ("/\t/evil.example", "/"),
        ("/\t\\evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/x\\..\\\\evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/partnerships?q=tech", "/partnerships?q=tech"),
    ];
    for (next, expected) in cases {
        let resp = app.anon.post(app.url("/sign-in")).form(&[("email", "member@example.org"), ("password", PASSWORD), ("next", next)]).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "next={next:?}");
        assert_eq!(resp.headers()[LOCATION].to_str().unwrap(), expected, "next={next:?}");
    }
    // The sign-in page carries the same choice in its form.
    let page = app.anon.get(app.url("/sign-in?next=/%09/evil.example")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"<input type="hidden" name="next" value="/">"#), "{page}");
}

#[tokio::test]
async fn the_nul_character_is_refused_naming_the_field_on_every_backend() {
    let app = spawn().await;
    load_bundled(&app).await;
    let orgs = count(&app.db, "organizations").await;

    // In a record's field: 422 naming it, nothing written (PostgreSQL cannot store it; SQLite
    // stored it, so the same request answered 201 there and 500 on PostgreSQL).
    let resp = app.client.post(app.url("/api/v1/organizations")).json(&json!({"name": "Nul Works", "kind": "business", "city": "Kingman\u{0}AZ", "state": "AZ"})).send().await.unwrap();
    let p = problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    // (The gazetteer does not know the place either.)
    assert!(errors(&p).contains(&("city".to_string(), "must not contain the NUL character (U+0000)".to_string())), "{p}");
    let resp = app.client.post(app.url("/api/v1/partnerships")).json(&json!({"slug": "nul-p", "name": "Nul P", "sector_label": "Manufacturing", "naics_codes": ["31-33"], "region_name": "R", "region_counties": [], "region_states": ["AZ"], "launched": "2017", "stage": null, "stage_reported": null, "website": null, "source_urls": ["https://example.org/\u{0}"], "illustrative": false})).send().await.unwrap();
    let p = problem(resp, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(errors(&p), vec![("source_urls".to_string(), "must not contain the NUL character (U+0000)".to_string())]);
    assert_eq!(count(&app.db, "organizations").await, orgs);

    // In a search, a filter or a path: 400 naming the parameter (or the path).
    let resp = app.anon.get(app.url("/api/v1/organizations?per_page=5&q=a%00b")).send().await.unwrap();
    let p = problem(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p), vec![("q".to_string(), "must not contain the NUL character (%00)".to_string())]);
    let resp = app.anon.get(app.url("/api/v1/partnerships/a%00b/health")).send().await.unwrap();
    let p = problem(resp, StatusCode::BAD_REQUEST).await;
    assert_eq!(errors(&p), vec![("path".to_string(), "must not contain the NUL character (%00)".to_string())]);
    for page in ["/partnerships/a%00b", "/organizations?q=a%00b", "/partnerships?q=%00"] {
        let resp = app.anon.get(app.url(page)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{page}");
        assert!(resp.text().await.unwrap().contains("must not contain the NUL character (%00)"), "{page}");
    }

    // Signing in with one in the address is a wrong sign-in like any other, not a server error.
    let resp = app.anon.post(app.url("/sign-in")).form(&[("email", "a\u{0}b@example.org"), ("password", PASSWORD)]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn search_finds_names_with_accented_capitals_on_every_backend() {
    let app = spawn().await;
    load_bundled(&app).await;
    let resp = app.client.post(app.url("/api/v1/organizations")).json(&json!({"name": "École Émile Straße", "kind": "business"})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    // ASCII letters match whatever their case; others as typed. On PostgreSQL `lower(?)` of the
    // search lowered É while `lower(name)` kept it, so "École" typed exactly found nothing.
    for (q, found) in [("École", 1), ("éCOLE", 0), ("ÉCOLE", 1), ("émile", 0), ("Émile STRAßE", 1), ("straße", 1), ("cole é", 0), ("cole É", 1)] {
        let url = app.url(&format!("/api/v1/organizations?q={}", urlencoding(q)));
        let list: Value = app.anon.get(url).send().await.unwrap().json().await.unwrap();
        assert_eq!(list["total"], found, "q={q}");
        let page = app.anon.get(app.url(&format!("/organizations?q={}", urlencoding(q)))).send().await.unwrap().text().await.unwrap();
        assert_eq!(page.contains("École Émile Straße"), found == 1, "page q={q}");
    }
}

fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).unwrap().trim_start_matches('=').to_string()
}

#[tokio::test]
async fn a_new_form_names_only_a_partnership_the_viewer_may_see() {
    let app = spawn().await;
    load_bundled(&app).await;
    let [(a, a_name), (b, b_name)] = two_partnerships(&app).await;
    store::set_publication(&app.db, b, Publication { page: false, impact: false, wins: false }).await.unwrap();
    let user = store::create_user(&app.db, "member@example.org", "Member", Some(PASSWORD), false).await.unwrap();
    store::set_role(&app.db, user, a, Role::Member).await.unwrap();
    let (_, token) = store::create_access_token(&app.db, user, "t", Scope::Write).await.unwrap();
    let member = client_with_token(&token);

    // B has not published its page and the member has no role there: the form for a new meeting
    // "in B" named B and linked to its page (its name is not in the directory for them).
    let page = member.get(app.url(&format!("/meetings/new?partnership_id={b}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<h1>New meeting</h1>"), "{page}");
    assert!(!page.contains(&b_name), "the form names {b_name}:\n{page}");
    let directory = member.get(app.url("/partnerships")).send().await.unwrap().text().await.unwrap();
    assert!(!directory.contains(&b_name));
    // Their own partnership is named as before.
    let page = member.get(app.url(&format!("/meetings/new?partnership_id={a}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<p class=\"context\">Partnership: <a href=\"/partnerships/") && page.contains(&a_name), "{page}");
    // Sending the form to B is refused as before.
    let resp = member.post(app.url("/api/v1/meetings")).json(&json!({"partnership_id": b, "held_on": "2026-10-01", "kind": "partnership", "title": "Sneak"})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn behind_a_proxy_sign_in_throttling_counts_the_address_the_proxy_added() {
    let app = spawn_with(sharedtable::web::Settings { trust_proxy: true, ..Default::default() }).await;
    store::create_user(&app.db, "member@example.org", "Member", Some(PASSWORD), false).await.unwrap();
    // nginx's `$proxy_add_x_forwarded_for` keeps what the client sent and appends the address it
    // saw. 20 wrong passwords (each for another account, so none reaches its own limit), each
    // claiming another first address, all from 203.0.113.7: counted by the first address, they
    // were 20 clients and never throttled.
    for i in 0..20 {
        let resp = app
            .anon
            .post(app.url("/sign-in"))
            .header("X-Forwarded-For", format!("10.0.{i}.1, 203.0.113.7"))
            .form(&[("email", format!("nobody{i}@example.org")), ("password", "wrong password".to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let sign_in = |xff: &'static str| app.anon.post(app.url("/sign-in")).header("X-Forwarded-For", xff).form(&[("email", "member@example.org"), ("password", PASSWORD)]).send();
    assert_eq!(sign_in("198.51.100.99, 203.0.113.7").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sign_in("203.0.113.7").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not held up, whatever it claims first.
    assert_eq!(sign_in("203.0.113.7, 203.0.113.8").await.unwrap().status(), StatusCode::SEE_OTHER);
}

/// Names and titles come in without the white space around them: "Uniq P " is the partnership
/// "Uniq P" (refused as a duplicate), and an organization typed with spaces is stored without.
#[tokio::test]
async fn names_are_stored_without_surrounding_white_space() {
    let app = spawn().await;
    let body = |name: &str| {
        json!({
            "slug": "", "name": name, "sector_label": " Manufacturing\u{a0}", "naics_codes": ["31-33"],
            "region_name": "Mohave County", "region_counties": ["04015"], "region_states": ["AZ"], "launched": null,
            "stage": null, "stage_reported": null, "website": null, "source_urls": [], "illustrative": false
        })
    };
    let r = app.client.post(app.url("/api/v1/partnerships")).json(&body("  Uniq P")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: Value = r.json().await.unwrap();
    assert_eq!((created["name"].as_str(), created["sector_label"].as_str(), created["slug"].as_str()), (Some("Uniq P"), Some("Manufacturing"), Some("uniq-p")));
    let r = app.client.post(app.url("/api/v1/partnerships")).json(&body("Uniq P ")).send().await.unwrap();
    let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(errors(&p).contains(&("name".to_string(), "another partnership already has this name".to_string())), "{p}");
    assert_eq!(count(&app.db, "partnerships").await, 1);

    let org = json!({"name": "\tAcme Tooling  ", "kind": "business", "naics_code": null, "city": null, "state": "AZ",
        "latitude": null, "longitude": null, "employee_count": null, "website": null, "illustrative": false});
    let r = app.client.post(app.url("/api/v1/organizations")).json(&org).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.json::<Value>().await.unwrap()["name"], "Acme Tooling");
}

//! The route-by-role test: every route the router registers, with every role, gets the answer
//! this file's table expects: allowed (any answer but a refusal) or refused (401, 403, or for an
//! anonymous page view a redirect to the sign-in page). The table is written here by hand from the
//! roles of issue 3, not read from the code's rules, and every registered route must be in it: a
//! new route without a row fails this test.
//!
//! Partnership A is the illustrative partnership (a record of every kind); freight routes use the
//! Kingman partnership K with the demo week and one plan. Every role holder has the same role in A
//! and K; the outsider is a convener of a third partnership. The walk is made twice: with A's page
//! published (the default) and unpublished. Requests that change state carry bodies the handler
//! refuses (malformed JSON, stale versions), so nothing is changed by the walk itself.

use std::collections::{BTreeSet, HashMap};

use reqwest::header::{CONTENT_TYPE, IF_MATCH, LOCATION};
use reqwest::{Method, StatusCode};
use sharedtable::auth::access::record_scope;
use sharedtable::auth::store::{self, Publication};
use sharedtable::auth::{Role, Scope};
use sharedtable::db::Id;
use sharedtable::network::entity::TABLES;

use crate::support::{self, client_with_token, TestApp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Who {
    Anon,
    Admin,
    Convener,
    Champion,
    Lead,
    Support,
    Member,
    Outsider,
}
use Who::*;

const ALL: &[Who] = &[Anon, Admin, Convener, Champion, Lead, Support, Member, Outsider];
const SIGNED_IN: &[Who] = &[Admin, Convener, Champion, Lead, Support, Member, Outsider];
const ADMIN: &[Who] = &[Admin];
const A_ANY: &[Who] = &[Admin, Convener, Champion, Lead, Support, Member];
const A_EDIT: &[Who] = &[Admin, Convener, Champion, Lead];
const A_CONVENE: &[Who] = &[Admin, Convener];

/// Who may use `method path` when A's page is `published` (or not).
fn expected(method: &Method, path: &str, published: bool) -> Option<&'static [Who]> {
    let a_read = if published { ALL } else { A_ANY };
    let get = *method == Method::GET;
    let fixed = match (method.as_str(), path) {
        ("GET", "/" | "/partnerships" | "/partnerships.csv" | "/organizations" | "/organizations/{id}" | "/report") => Some(ALL),
        ("GET", "/static/site.css" | "/healthz" | "/api/v1/openapi.json" | "/sign-in" | "/security") => Some(ALL),
        ("POST", "/sign-in" | "/sign-out") => Some(ALL),
        ("GET" | "POST", "/invitations/{token}" | "/password-reset" | "/password-reset/{token}") => Some(ALL),
        ("GET", "/account" | "/api/v1/me") | ("POST", "/account/password" | "/account/tokens" | "/account/tokens/{id}/revoke") => Some(SIGNED_IN),
        ("GET", "/partnerships/{slug}/people") => Some(A_ANY),
        ("POST", "/partnerships/{slug}/people/invite" | "/partnerships/{slug}/people/{user}/role" | "/partnerships/{slug}/people/{user}/remove" | "/partnerships/{slug}/invitations/{id}/withdraw") => {
            Some(A_CONVENE)
        }
        ("GET" | "POST", "/partnerships/{slug}/publication") => Some(A_CONVENE),
        ("GET", "/admin") | ("POST", "/admin/invite-admin" | "/admin/invite" | "/admin/users/{id}" | "/admin/invitations/{id}/withdraw") => Some(ADMIN),
        ("GET", "/partnerships/{slug}" | "/api/v1/partnerships/{id}/health") => Some(a_read),
        ("GET" | "POST", "/import") | ("POST", "/api/v1/import") | ("GET", "/audit") => Some(ADMIN),
        ("GET", "/partnerships/{slug}/audit" | "/api/v1/partnerships/{id}/audit") => Some(A_CONVENE),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if let Some(rest) = path.strip_prefix("/partnerships/{slug}/freight").or_else(|| path.strip_prefix("/api/v1/partnerships/{id}/freight")) {
        let convene = rest == "/settings" && !get || rest.ends_with("/approve");
        let edit_form = ["/new", "/edit", "/delete"].iter().any(|e| rest.ends_with(e));
        return Some(if convene {
            A_CONVENE
        } else if get && !edit_form {
            A_ANY
        } else {
            A_EDIT
        });
    }
    for t in TABLES {
        let create = if *t == "partnerships" { ADMIN } else { SIGNED_IN };
        let read = match *t {
            "organizations" => ALL,
            "people" => A_ANY,
            _ => a_read,
        };
        let write = match *t {
            "partnerships" => A_CONVENE,
            "organizations" => ADMIN,
            "memberships" | "people" => A_CONVENE,
            _ => A_EDIT,
        };
        let delete = if *t == "partnerships" { ADMIN } else { write };
        let m = method.as_str();
        let found = match path {
            p if p == format!("/api/v1/{t}") => Some(if get { ALL } else { create }),
            p if p == format!("/api/v1/{t}/{{id}}") => Some(match m {
                "GET" => read,
                "PUT" => write,
                _ => delete,
            }),
            p if p == format!("/{t}/new") => Some(create),
            p if p == format!("/{t}/{{id}}/edit") => Some(write),
            p if p == format!("/{t}/{{id}}/delete") => Some(delete),
            _ => None,
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

struct World {
    app: TestApp,
    clients: HashMap<Who, reqwest::Client>,
    a: (Id, String),
    k: (Id, String),
    /// A record of A of every kind (organizations: any).
    records: HashMap<&'static str, Id>,
    shipment: Id,
    plan: Id,
}

async fn user(app: &TestApp, name: &str, grants: &[(Id, Role)]) -> reqwest::Client {
    let id = store::create_user(&app.db, &format!("{}@example.org", name.to_lowercase()), name, Some("a long test password"), false).await.unwrap();
    for (p, r) in grants {
        store::set_role(&app.db, id, *p, *r).await.unwrap();
    }
    let (_, token) = store::create_access_token(&app.db, id, "route test", Scope::Write).await.unwrap();
    client_with_token(&token)
}

async fn partnership(app: &TestApp, slug: &str) -> (Id, String) {
    let id: Id = sharedtable::db::query_scalar(&app.db, "SELECT id FROM partnerships WHERE slug = ?").bind(slug).fetch_one(&app.db).await.unwrap();
    (id, slug.to_string())
}

async fn world() -> World {
    let app = support::spawn().await;
    sharedtable::network::store::bulk::load_bundled(&app.db, true).await.unwrap();
    sharedtable::freight::demo::load(&app.db).await.unwrap().unwrap();
    let a = partnership(&app, "example-valley-advanced-manufacturing-partnership").await;
    let k = partnership(&app, sharedtable::freight::demo::PARTNERSHIP_SLUG).await;
    let c = partnership(&app, "lane-county-healthcare-partnership").await;
    let mut clients = HashMap::new();
    clients.insert(Anon, app.anon.clone());
    clients.insert(Admin, app.client.clone());
    for (who, role) in [(Convener, Role::Convener), (Champion, Role::Champion), (Lead, Role::ActionTeamLead), (Support, Role::SupportPartner), (Member, Role::Member)] {
        clients.insert(who, user(&app, &format!("{who:?}"), &[(a.0, role), (k.0, role)]).await);
    }
    clients.insert(Outsider, user(&app, "Outsider", &[(c.0, Role::Convener)]).await);

    let mut records = HashMap::new();
    for t in TABLES {
        let sql = match record_scope(t) {
            Some((_, expr)) => format!("SELECT t.id FROM {t} t WHERE {expr} = ? ORDER BY t.id LIMIT 1"),
            None => format!("SELECT t.id FROM {t} t WHERE ? IS NOT NULL ORDER BY t.id LIMIT 1"),
        };
        let id: Id = sharedtable::db::query_scalar(&app.db, &sql).bind(a.0).fetch_one(&app.db).await.unwrap_or_else(|e| panic!("a {t} record of A: {e}"));
        records.insert(*t, id);
    }
    let shipment: Id = sharedtable::db::query_scalar(&app.db, "SELECT id FROM freight_shipments WHERE partnership_id = ? ORDER BY id LIMIT 1").bind(k.0).fetch_one(&app.db).await.unwrap();
    // One finished plan of K, made through the API as the admin.
    let resp = app.client.post(app.url(&format!("/api/v1/partnerships/{}/freight/plans", k.0))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED, "{}", resp.text().await.unwrap());
    let loc = resp.headers()[LOCATION].to_str().unwrap().to_string();
    let plan: Id = loc.rsplit('/').next().unwrap().parse().unwrap();
    for _ in 0..600 {
        let j: serde_json::Value = app.client.get(app.url(&loc)).send().await.unwrap().json().await.unwrap();
        if j["status"] != "running" && j["status"] != "queued" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    World { app, clients, a, k, records, shipment, plan }
}

/// The concrete URL of a registered path.
fn concrete(w: &World, path: &str) -> String {
    let freight = path.contains("/freight");
    let (pid, slug) = if freight { (&w.k.0, &w.k.1) } else { (&w.a.0, &w.a.1) };
    let mut out = path
        .replace("{slug}", slug)
        .replace("{plan}", &w.plan.to_string())
        .replace("{shipment}", &w.shipment.to_string())
        .replace("{token}", "an-unknown-link-token")
        .replace("{user}", &Id::new().to_string());
    if out.contains("{id}") {
        let id = if path.starts_with("/account") || path.starts_with("/admin") || path.contains("/invitations/") {
            // Tokens, users and invitations that do not exist: the rule decides before the lookup.
            Id::new().to_string()
        } else if path.starts_with("/api/v1/partnerships/{id}") {
            pid.to_string()
        } else if freight {
            w.shipment.to_string()
        } else {
            let table = path.trim_start_matches("/api/v1/").trim_start_matches('/').split('/').next().unwrap();
            w.records.get(table).unwrap_or_else(|| panic!("no record for {path}")).to_string()
        };
        out = out.replace("{id}", &id);
    }
    out
}

/// Whether the answer is a refusal.
fn refused(resp: &reqwest::Response) -> bool {
    match resp.status() {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => true,
        StatusCode::SEE_OTHER => resp.headers().get(LOCATION).is_some_and(|l| l.to_str().unwrap_or("").starts_with("/sign-in")),
        _ => false,
    }
}

async fn walk(w: &World, published: bool) -> Vec<String> {
    let rules = sharedtable::route_rules();
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &rules {
        let method = Method::from_bytes(r.method.as_str().as_bytes()).unwrap();
        assert!(seen.insert((r.method.to_string(), r.path.clone())), "{} {} is registered twice", r.method, r.path);
        let Some(allowed) = expected(&method, &r.path, published) else {
            wrong.push(format!("{} {} has no row in the route-by-role table of tests/it/access.rs", r.method, r.path));
            continue;
        };
        let url = w.app.url(&concrete(w, &r.path));
        for who in ALL {
            let client = &w.clients[who];
            let mut req = client.request(method.clone(), &url);
            if method != Method::GET {
                // Bodies every handler refuses, so an allowed request changes nothing.
                let form = !r.path.starts_with("/api/");
                req = if form {
                    req.header(CONTENT_TYPE, "application/x-www-form-urlencoded").body("version=999999&week=not-a-date")
                } else {
                    req.header(CONTENT_TYPE, "application/json").header(IF_MATCH, "\"999999\"").body("{not json")
                };
            }
            let resp = req.send().await.unwrap();
            let status = resp.status();
            let was_refused = refused(&resp);
            let should = !allowed.contains(who);
            if was_refused != should {
                let body = resp.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{} {} as {who:?} (A published: {published}): expected {}, got {status} {}",
                    r.method,
                    r.path,
                    if should { "refused" } else { "allowed" },
                    body.chars().take(160).collect::<String>()
                ));
            } else if should && *who == Anon && status == StatusCode::FORBIDDEN {
                wrong.push(format!("{} {} as Anon: refused with 403; anonymous visitors get 401 or the sign-in page", r.method, r.path));
            } else if should && *who != Anon && status != StatusCode::FORBIDDEN {
                wrong.push(format!("{} {} as {who:?}: refused with {status}; a signed-in user without the right gets 403", r.method, r.path));
            }
        }
    }
    wrong
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_role_as_the_table_says() {
    let w = world().await;
    let rules = sharedtable::route_rules();
    assert!(rules.len() > 90, "{} routes", rules.len());
    let mut wrong = walk(&w, true).await;
    store::set_publication(&w.app.db, w.a.0, Publication { page: false, impact: false, wins: false }).await.unwrap();
    wrong.extend(walk(&w, false).await);
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    // The walk changed nothing: A still has its records, K its shipments.
    let shipments: i64 = sharedtable::db::query_scalar(&w.app.db, "SELECT count(*) FROM freight_shipments").fetch_one(&w.app.db).await.unwrap();
    assert_eq!(shipments, sharedtable::freight::demo::SHIPMENTS_CSV.lines().filter(|l| !l.trim().is_empty()).count() as i64 - 1);
    let wins: i64 = sharedtable::db::query_scalar(&w.app.db, "SELECT count(*) FROM wins WHERE partnership_id = ?").bind(w.a.0).fetch_one(&w.app.db).await.unwrap();
    assert_eq!(wins, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_offer_only_the_viewers_own_partnerships_and_lists_leave_out_what_is_not_published() {
    let w = world().await;
    let name = "Example Valley Advanced Manufacturing Partnership";
    let form = |who: Who| {
        let c = w.clients[&who].clone();
        let url = w.app.url("/meetings/new");
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    assert!(form(Convener).await.contains(name));
    let outsider = form(Outsider).await;
    assert!(!outsider.contains(name), "an outsider's form names A");
    assert!(outsider.contains("Lane County Healthcare Partnership"), "the outsider's own partnership is offered");
    // A unpublished: gone from the directory, the API list and the report for outsiders and
    // visitors; still there for its member.
    store::set_publication(&w.app.db, w.a.0, Publication { page: false, impact: false, wins: false }).await.unwrap();
    for (who, sees) in [(Anon, false), (Outsider, false), (Member, true), (Admin, true)] {
        let c = &w.clients[&who];
        let dir = c.get(w.app.url("/partnerships?include_illustrative=1")).send().await.unwrap().text().await.unwrap();
        assert_eq!(dir.contains(name), sees, "directory as {who:?}");
        let api: serde_json::Value = c.get(w.app.url("/api/v1/wins?per_page=100")).send().await.unwrap().json().await.unwrap();
        let a_wins = api["items"].as_array().unwrap().iter().filter(|x| x["partnership_id"] == w.a.0.to_string()).count();
        assert_eq!(a_wins, if sees { 5 } else { 0 }, "API wins of A as {who:?}");
        let people: serde_json::Value = c.get(w.app.url("/api/v1/people?per_page=100")).send().await.unwrap().json().await.unwrap();
        let n = people["items"].as_array().unwrap().len();
        assert_eq!(n > 0, sees, "contact people as {who:?}: {n}");
        assert!(people["items"].as_array().unwrap().iter().all(|p| p.get("email").is_none() && p.get("phone").is_none()));
        let report = c.get(w.app.url("/report?include_illustrative=1")).send().await.unwrap().text().await.unwrap();
        assert_eq!(report.contains(name), sees, "report as {who:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_edit_what_they_created_and_nothing_else() {
    let w = world().await;
    let meeting = serde_json::json!({"partnership_id": w.a.0, "held_on": "2026-11-02", "kind": "action_team", "title": "Member's meeting"});
    let resp = w.clients[&Member].post(w.app.url("/api/v1/meetings")).json(&meeting).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let url = w.app.url(resp.headers()[LOCATION].to_str().unwrap());
    let renamed = serde_json::json!({"partnership_id": w.a.0, "held_on": "2026-11-02", "kind": "action_team", "title": "Member's meeting, renamed"});
    // Another member and an outsider may not change it; its author and a champion may.
    for (who, status) in [(Support, StatusCode::FORBIDDEN), (Outsider, StatusCode::FORBIDDEN), (Member, StatusCode::OK), (Champion, StatusCode::OK)] {
        let version: serde_json::Value = w.clients[&Admin].get(&url).send().await.unwrap().json().await.unwrap();
        let resp = w.clients[&who].put(&url).header(IF_MATCH, format!("\"{}\"", version["version"])).json(&renamed).send().await.unwrap();
        assert_eq!(resp.status(), status, "{who:?}: {}", resp.text().await.unwrap());
    }
    // A member may not change a record of A that someone else made, nor create one in another partnership.
    let other = w.records["meetings"];
    let resp = w.clients[&Member].put(w.app.url(&format!("/api/v1/meetings/{other}"))).header(IF_MATCH, "\"1\"").json(&renamed).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let in_c = serde_json::json!({"partnership_id": w.k.0.to_string().replace(&w.k.0.to_string(), &sharedtable::db::query_scalar::<String>(&w.app.db, "SELECT id FROM partnerships WHERE slug = 'lane-county-healthcare-partnership'").fetch_one(&w.app.db).await.unwrap()), "held_on": "2026-11-02", "kind": "action_team", "title": "Not mine"});
    let resp = w.clients[&Member].post(w.app.url("/api/v1/meetings")).json(&in_c).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let p = resp.json::<serde_json::Value>().await.unwrap();
    assert_eq!(p["detail"], "you have no role in the partnership this meeting would belong to");
    // Contact people: of a partnership, by its conveners; of no partnership, by network admins.
    let org = w.records["organizations"];
    for (who, partnership, status) in [
        (Member, None, StatusCode::FORBIDDEN),
        (Convener, None, StatusCode::FORBIDDEN),
        (Member, Some(w.a.0), StatusCode::FORBIDDEN),
        (Convener, Some(w.a.0), StatusCode::CREATED),
        (Admin, None, StatusCode::CREATED),
    ] {
        let person = serde_json::json!({"organization_id": org, "partnership_id": partnership, "full_name": format!("Contact for {who:?}"), "title": null, "email": null, "phone": null});
        let resp = w.clients[&who].post(w.app.url("/api/v1/people")).json(&person).send().await.unwrap();
        assert_eq!(resp.status(), status, "{who:?} adding a contact of {partnership:?}: {}", resp.text().await.unwrap());
    }
}

/// Pages offer the buttons, forms and edit links a viewer can use, and no others: visitors and
/// other partnerships' people see none; members see the add buttons of the partnership's plan,
/// meetings, measures and wins; its conveners also edit the partnership and its memberships;
/// the freight board's forms are for plan editors, its settings and approval for conveners.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_offer_only_the_changes_the_viewer_may_make() {
    let w = world().await;
    let html = |who: Who, path: String| {
        let c = w.clients[&who].clone();
        let url = w.app.url(&path);
        async move {
            let r = c.get(url).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{who:?} {path}");
            r.text().await.unwrap()
        }
    };
    let a_page = format!("/partnerships/{}", w.a.1);
    for (who, convenes, contributes) in
        [(Anon, false, false), (Outsider, false, false), (Member, false, true), (Support, false, true), (Champion, false, true), (Convener, true, true), (Admin, true, true)]
    {
        let page = html(who, a_page.clone()).await;
        assert_eq!(page.contains("Edit partnership</a>"), convenes, "Edit partnership for {who:?}");
        assert_eq!(page.contains("Add a member</a>"), convenes, "Add a member for {who:?}");
        assert_eq!(page.contains("aria-label=\"Edit membership of"), convenes, "membership edit links for {who:?}");
        for add in ["Add a priority</a>", "Add a meeting</a>", "Add a measure</a>", "Add a win</a>"] {
            assert_eq!(page.contains(add), contributes, "{add} for {who:?}");
        }
        assert_eq!(page.contains("class=\"edit no-print\" href=\"/wins/"), contributes, "win edit links for {who:?}");
        // Contact people: listed (name, title, organization) for the partnership's people, never
        // with their email; added and edited by its conveners.
        assert_eq!(page.contains("<h2 id=\"h-contacts\">Contact people (8)</h2>"), contributes, "contact people for {who:?}");
        assert_eq!(page.contains("Alex Example"), contributes, "a contact's name for {who:?}");
        assert!(!page.contains("alex.example@example.org") && !page.contains("509-555-0110"), "no email or phone on the page for {who:?}");
        assert_eq!(page.contains("Add a contact person</a>"), convenes, "Add a contact person for {who:?}");
        assert_eq!(page.contains("aria-label=\"Edit contact person "), convenes, "contact edit links for {who:?}");
    }
    let org = w.records["organizations"];
    assert!(html(Admin, format!("/organizations/{org}")).await.contains("Edit organization</a>"));
    assert!(!html(Anon, format!("/organizations/{org}")).await.contains("Edit organization</a>"));

    let board = format!("/partnerships/{}/freight", w.k.1);
    for (who, edits) in [(Member, false), (Support, false), (Lead, true), (Champion, true), (Convener, true), (Admin, true)] {
        let page = html(who, board.clone()).await;
        assert_eq!(page.contains("Add a shipment</a>"), edits, "Add a shipment for {who:?}");
        assert_eq!(page.contains("Plan the week</button>"), edits, "Plan the week for {who:?}");
        assert_eq!(page.contains(&format!("/shipments/{}/edit", w.shipment)), edits, "shipment edit link for {who:?}");
        assert_eq!(page.contains("Import shipments</h2>"), edits, "import form for {who:?}");
    }
    let plan = format!("{board}/plans/{}", w.plan);
    for (who, convenes) in [(Champion, false), (Member, false), (Convener, true), (Admin, true)] {
        assert_eq!(html(who, format!("{board}/settings")).await.contains("Save settings</button>"), convenes, "Save settings for {who:?}");
        assert_eq!(html(who, plan.clone()).await.contains("Approve the plan</button>"), convenes, "Approve for {who:?}");
    }
}

//! Accounts through HTTP as people use them, with browsers that keep cookies: invitations from
//! the admin and from a convener, accepting them, what each role may see, publishing, password
//! changes and resets, sign-in throttling, session cookies and CSRF, personal access tokens, the
//! admin page and `/api/v1/me`.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::header::{CACHE_CONTROL, COOKIE, LOCATION, SET_COOKIE};
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

use sharedtable::db::Flag;

use crate::support::{problem, spawn, spawn_with, TestApp};

const ADMIN_EMAIL: &str = "admin@example.org";
const ADMIN_PASSWORD: &str = "admin password 123";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A browser: keeps cookies, does not follow redirects (so each step's answer is seen).
fn browser() -> Client {
    Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// A client that keeps nothing: cookies are sent by hand.
fn bare() -> Client {
    Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn text(resp: Response) -> String {
    resp.text().await.unwrap()
}

/// The first CSRF token in a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf_token" value=""#).unwrap_or_else(|| panic!("no CSRF field in the page:\n{html}"));
    let rest = &html[at + r#"name="csrf_token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The secret that follows `marker` in `s` (URL-safe base64 characters).
fn secret_after(s: &str, marker: &str) -> Option<String> {
    let at = s.find(marker)?;
    let token: String = s[at + marker.len()..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    (!token.is_empty()).then_some(token)
}

/// The session token a response sets, if any.
fn session_set(resp: &Response) -> Option<String> {
    resp.headers().get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        let value = v.strip_prefix("st_session=")?.split(';').next()?;
        (!value.is_empty()).then(|| value.to_string())
    })
}

fn set_cookie_header(resp: &Response) -> String {
    resp.headers().get_all(SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join(" | ")
}

/// The table row of a page that holds `cell`, up to its end.
fn row_of<'a>(html: &'a str, cell: &str) -> &'a str {
    let at = html.find(cell).unwrap_or_else(|| panic!("no {cell} in the page:\n{html}"));
    let end = html[at..].find("</tr>").map(|e| at + e).unwrap_or(html.len());
    &html[at..end]
}

fn location(resp: &Response) -> String {
    resp.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

async fn sign_in(app: &TestApp, c: &Client, email: &str, password: &str) -> Response {
    c.post(app.url("/sign-in")).form(&[("email", email), ("password", password), ("next", "/account")]).send().await.unwrap()
}

/// Sign a browser in, asserting it worked.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> Client {
    let c = browser();
    let resp = sign_in(app, &c, email, password).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {email}: {}", text(resp).await);
    c
}

/// Post a form from a page: fetch `page` for its CSRF token, then send `fields` to `action`.
async fn post_form(app: &TestApp, c: &Client, page: &str, action: &str, fields: &[(&str, &str)]) -> Response {
    let html = text(c.get(app.url(page)).send().await.unwrap()).await;
    let token = csrf_of(&html);
    let mut all: Vec<(&str, &str)> = fields.to_vec();
    all.push(("csrf_token", &token));
    c.post(app.url(action)).form(&all).send().await.unwrap()
}

fn partnership(name: &str) -> Value {
    json!({
        "name": name, "slug": "", "sector_label": "Manufacturing", "naics_codes": ["31-33"],
        "region_name": "Mohave County", "region_counties": ["04015"], "region_states": ["AZ"],
        "launched": "2017-05", "stage": "implementing", "source_urls": ["https://example.org/source"], "illustrative": false
    })
}

/// Create a partnership as the admin (API token) and return (id, slug).
async fn create_partnership(app: &TestApp, name: &str) -> (String, String) {
    let resp = app.client.post(app.url("/api/v1/partnerships")).json(&partnership(name)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let p: Value = resp.json().await.unwrap();
    (p["id"].as_str().unwrap().to_string(), p["slug"].as_str().unwrap().to_string())
}

/// The invitation link an "Invitation made" page shows (no SMTP is set in tests).
fn invitation_link(app: &TestApp, html: &str) -> String {
    let marker = format!("{}/invitations/", app.base);
    let token = secret_after(html, &marker).unwrap_or_else(|| panic!("no invitation link on the page:\n{html}"));
    format!("/invitations/{token}")
}

/// Invite `email` to `slug` with `role` from the people page as `c` (a convener or admin);
/// returns the link's path.
async fn invite_from_people_page(app: &TestApp, c: &Client, slug: &str, email: &str, role: &str) -> String {
    let people = format!("/partnerships/{slug}/people");
    let resp = post_form(app, c, &people, &format!("{people}/invite"), &[("email", email), ("role", role)]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let html = text(resp).await;
    assert!(html.contains("the link was written to the server log"), "{html}");
    invitation_link(app, &html)
}

/// Accept an invitation as a new account in a fresh browser; returns the browser, signed in.
async fn accept_new(app: &TestApp, link: &str, name: &str, password: &str, expect_to: &str) -> Client {
    let c = browser();
    let resp = c.post(app.url(link)).form(&[("display_name", name), ("password", password), ("password_confirm", password)]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "{}", text(resp).await);
    assert_eq!(location(&resp), expect_to);
    assert!(session_set(&resp).is_some(), "accepting signs in: {}", set_cookie_header(&resp));
    c
}

/// Everything written to the log at WARN or above while the tests run (the links that no mail
/// server carried go there). Installed once for the whole test binary.
fn log_text() -> String {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    let buf = LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buf);
        let subscriber =
            tracing_subscriber::fmt().with_max_level(tracing::Level::WARN).with_ansi(false).with_writer(move || LogSink(Arc::clone(&sink))).finish();
        tracing::subscriber::set_global_default(subscriber).expect("the accounts tests install the only log subscriber");
        buf
    });
    String::from_utf8_lossy(&buf.lock().unwrap()).into_owned()
}

struct LogSink(Arc<Mutex<Vec<u8>>>);

impl Write for LogSink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// The newcomer story

#[tokio::test]
async fn a_newcomer_is_invited_accepts_and_sees_what_their_role_allows() {
    let app = spawn().await;
    let (a_id, a) = create_partnership(&app, "Alpha Makers").await;
    let (_, b) = create_partnership(&app, "Beta Builders").await;

    // The admin invites a convener to A from the admin page.
    let admin = signed_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = text(admin.get(app.url("/admin")).send().await.unwrap()).await;
    assert!(page.contains("links are written to the server log"), "{page}");
    let resp = post_form(&app, &admin, "/admin", "/admin/invite", &[("email", "Casey@Example.org"), ("partnership", &a), ("role", "convener")]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = text(resp).await;
    assert!(html.contains("casey@example.org is invited as convener of Alpha Makers"), "{html}");
    let link = invitation_link(&app, &html);

    // The newcomer opens the link: what it grants and until when.
    let newcomer = browser();
    let resp = newcomer.get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let html = text(resp).await;
    assert!(html.contains("<strong>convener of Alpha Makers</strong>") && html.contains("casey@example.org") && html.contains("Valid until"), "{html}");
    // Two different passwords: 422, the form again, the field named.
    let resp = newcomer
        .post(app.url(&link))
        .form(&[("display_name", "Casey Convener"), ("password", "convener password 1"), ("password_confirm", "convener password 2")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(resp).await;
    assert!(html.contains("Password again does not match the password"), "{html}");
    assert!(html.contains(r#"value="Casey Convener""#), "the name typed is kept");
    // Accepting signs the convener in and takes them to the partnership.
    let resp = newcomer
        .post(app.url(&link))
        .form(&[("display_name", "Casey Convener"), ("password", "convener password 1"), ("password_confirm", "convener password 1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("/partnerships/{a}"));
    let convener = newcomer;
    let html = text(convener.get(app.url(&format!("/partnerships/{a}"))).send().await.unwrap()).await;
    assert!(html.contains(&format!(r#"href="/partnerships/{a}/people">People and roles</a>"#)), "{html}");
    assert!(html.contains(&format!(r#"href="/partnerships/{a}/publication">What is public</a>"#)));
    let html = text(convener.get(app.url(&format!("/partnerships/{a}/people"))).send().await.unwrap()).await;
    assert!(html.contains("Casey Convener") && html.contains("(you)") && html.contains("Invite someone"), "{html}");

    // A bad address: 422 with the form again, naming the field.
    let resp = post_form(&app, &convener, &format!("/partnerships/{a}/people"), &format!("/partnerships/{a}/people/invite"), &[("email", "not an address"), ("role", "member")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(resp).await;
    assert!(html.contains("Email address is not an email address") && html.contains(r#"value="not an address""#), "{html}");

    // The convener invites a member, who accepts.
    let link = invite_from_people_page(&app, &convener, &a, "mia@example.org", "member").await;
    let html = text(convener.get(app.url(&format!("/partnerships/{a}/people"))).send().await.unwrap()).await;
    assert!(html.contains("<td>mia@example.org</td><td>member</td>"), "open invitations list it: {html}");
    let member = accept_new(&app, &link, "Mia Member", "member password 12", &format!("/partnerships/{a}")).await;
    let html = text(convener.get(app.url(&format!("/partnerships/{a}/people"))).send().await.unwrap()).await;
    assert!(!html.contains("<td>mia@example.org</td>"), "an accepted invitation is no longer open");

    // The member reads A's people page, without the convener's forms.
    let resp = member.get(app.url(&format!("/partnerships/{a}/people"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = text(resp).await;
    assert!(html.contains("Casey Convener") && html.contains("Mia Member") && !html.contains("Invite someone") && !html.contains("Change role"), "{html}");
    assert!(!html.contains("casey@example.org"), "email addresses are not shown to other members");
    let html = text(member.get(app.url(&format!("/partnerships/{a}"))).send().await.unwrap()).await;
    assert!(html.contains("People and roles") && !html.contains("What is public"), "the member sees only the links they may use");
    // ... but not A's publication page, nor B's people page.
    let resp = member.get(app.url(&format!("/partnerships/{a}/publication"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(text(resp).await.contains("only this partnership&#39;s conveners may do this"));
    assert_eq!(member.get(app.url(&format!("/partnerships/{b}/people"))).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    // Nor may the member invite.
    let html = text(member.get(app.url("/account")).send().await.unwrap()).await;
    let resp = member
        .post(app.url(&format!("/partnerships/{a}/people/invite")))
        .form(&[("email", "x@example.org"), ("role", "convener"), ("csrf_token", &csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);

    // /api/v1/me through the member's browser session.
    let me: Value = member.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["display_name"], "Mia Member");
    assert_eq!(me["network_admin"], false);
    assert_eq!(me["roles"], json!([{"partnership_id": a_id, "role": "member"}]));
    assert_eq!(me["scope"], "write");
    assert_eq!(me["via"], "session");
    assert!(me.get("email").is_none(), "{me}");

    // The convener makes the member a champion; the page says so.
    let member_id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM users WHERE email = 'mia@example.org'").fetch_one(&app.db).await.unwrap();
    let people = format!("/partnerships/{a}/people");
    let resp = post_form(&app, &convener, &people, &format!("{people}/{member_id}/role"), &[("role", "champion")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("{people}?done=role"));
    let role: String = sharedtable::db::query_scalar(&app.db, "SELECT role FROM user_roles WHERE user_id = ?").bind(&member_id).fetch_one(&app.db).await.unwrap();
    assert_eq!(role, "champion");
    // The only convener can neither step down nor be removed.
    let convener_id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM users WHERE email = 'casey@example.org'").fetch_one(&app.db).await.unwrap();
    let resp = post_form(&app, &convener, &people, &format!("{people}/{convener_id}/role"), &[("role", "member")]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(text(resp).await.contains("this is the partnership&#39;s only convener: make someone else convener first"));
    let resp = post_form(&app, &convener, &people, &format!("{people}/{convener_id}/remove"), &[]).await;
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let role: String = sharedtable::db::query_scalar(&app.db, "SELECT role FROM user_roles WHERE user_id = ?").bind(&convener_id).fetch_one(&app.db).await.unwrap();
    assert_eq!(role, "convener");

    // The convener unpublishes A's page.
    let resp = convener.get(app.url(&format!("/partnerships/{a}/publication"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let html = text(resp).await;
    assert!(html.contains(r#"name="page" value="1" checked"#) && html.contains("Contact details (people's email addresses and phone numbers) are never public"), "{html}");
    // A body that is not the whole form saves nothing.
    let resp = post_form(&app, &convener, &format!("/partnerships/{a}/publication"), &format!("/partnerships/{a}/publication"), &[("wins", "1")]).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let rows: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM partnership_publication").fetch_one(&app.db).await.unwrap();
    assert_eq!(rows, 0);
    let resp = post_form(&app, &convener, &format!("/partnerships/{a}/publication"), &format!("/partnerships/{a}/publication"), &[("submitted", "1"), ("impact", "1"), ("wins", "1")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let row: (Flag, Flag, Flag) = sharedtable::db::query_as(&app.db, "SELECT page, impact, wins FROM partnership_publication").fetch_one(&app.db).await.unwrap();
    let row = (row.0 .0, row.1 .0, row.2 .0);
    assert_eq!(row, (false, true, true));
    // Anonymous visitors are sent to sign in; the API answers 401; B stays public.
    let resp = app.anon.get(app.url(&format!("/partnerships/{a}"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("/sign-in?next=%2Fpartnerships%2F{a}"));
    problem(app.anon.get(app.url(&format!("/api/v1/partnerships/{a_id}"))).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.anon.get(app.url(&format!("/partnerships/{b}"))).send().await.unwrap().status(), StatusCode::OK);
    // The member still sees it.
    let resp = member.get(app.url(&format!("/partnerships/{a}"))).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(text(resp).await.contains("<h1>Alpha Makers"));
}

#[tokio::test]
async fn invitations_are_single_use_expire_and_can_be_withdrawn() {
    let app = spawn().await;
    let (_, a) = create_partnership(&app, "Alpha Makers").await;
    let (_, b) = create_partnership(&app, "Beta Builders").await;
    let admin = signed_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Single use: a second accept is refused with 409, and the page says why.
    let link = invite_from_people_page(&app, &admin, &a, "una@example.org", "support_partner").await;
    let una = accept_new(&app, &link, "Una User", "una password 123", &format!("/partnerships/{a}")).await;
    let resp = bare().get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let html = text(resp).await;
    assert!(html.contains("This invitation link cannot be used") && html.contains("This invitation has been used already"), "{html}");
    let resp = bare().post(app.url(&link)).form(&[("display_name", "Other"), ("password", "other password 1"), ("password_confirm", "other password 1")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    let users: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM users").fetch_one(&app.db).await.unwrap();
    assert_eq!(users, 2, "no account was made by the second accept");

    // Expiry: an invitation past its time answers 409, naming when it expired.
    let link = invite_from_people_page(&app, &admin, &a, "eve@example.org", "member").await;
    sharedtable::db::query(&app.db, "UPDATE invitations SET expires_at = '2020-01-02T03:04:05.000000Z' WHERE email = 'eve@example.org'").execute(&app.db).await.unwrap();
    let resp = bare().get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(text(resp).await.contains("This invitation expired on 2020-01-02T03:04:05.000000Z; ask whoever invited you for a new one."));
    let resp = bare().post(app.url(&link)).form(&[("display_name", "Eve"), ("password", "eve password 1234"), ("password_confirm", "eve password 1234")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);

    // An unknown link: 404.
    let resp = bare().get(app.url("/invitations/not-a-real-token")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert!(text(resp).await.contains("No invitation (the link may be mistyped or cut short) was found."));

    // Withdrawn: the link no longer works.
    let link = invite_from_people_page(&app, &admin, &a, "wes@example.org", "member").await;
    let inv_id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM invitations WHERE email = 'wes@example.org'").fetch_one(&app.db).await.unwrap();
    let people = format!("/partnerships/{a}/people");
    let resp = post_form(&app, &admin, &people, &format!("/partnerships/{a}/invitations/{inv_id}/withdraw"), &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(bare().get(app.url(&link)).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    // An existing account accepts with its password; a wrong one is refused (422), naming it.
    let link = invite_from_people_page(&app, &admin, &b, "una@example.org", "member").await;
    let html = text(una.get(app.url(&link)).send().await.unwrap()).await;
    assert!(html.contains("An account with this email address exists") && !html.contains("display_name"), "{html}");
    let resp = una.post(app.url(&link)).form(&[("password", "wrong password 123"), ("csrf_token", &csrf_of(&html))]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Password is not this account&#39;s password"));
    let resp = una.post(app.url(&link)).form(&[("password", "una password 123"), ("csrf_token", &csrf_of(&html))]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), format!("/partnerships/{b}"));
    let roles: Vec<(String, String)> = sharedtable::db::query_as(&app.db, "SELECT p.slug, r.role FROM user_roles r JOIN partnerships p ON p.id = r.partnership_id JOIN users u ON u.id = r.user_id WHERE u.email = 'una@example.org' ORDER BY p.slug").fetch_all(&app.db).await.unwrap();
    assert_eq!(roles, vec![(a.clone(), "support_partner".to_string()), (b.clone(), "member".to_string())]);
    // Her account page lists both roles with links.
    let html = text(una.get(app.url("/account")).send().await.unwrap()).await;
    assert!(html.contains(&format!(r#"<a href="/partnerships/{a}">Alpha Makers</a></td><td>support partner</td>"#)), "{html}");
    assert!(html.contains(&format!(r#"<a href="/partnerships/{b}">Beta Builders</a></td><td>member</td>"#)));
    assert!(html.contains("una@example.org"), "the user sees their own email address");
}

// ---------------------------------------------------------------------------------------------
// Passwords

#[tokio::test]
async fn a_password_reset_goes_end_to_end_and_ends_old_sessions() {
    let log_before = log_text();
    let app = spawn().await;
    sharedtable::auth::store::create_user(&app.db, "rita@example.org", "Rita Reset", Some("old password 1234"), false).await.unwrap();
    let laptop = signed_in(&app, "rita@example.org", "old password 1234").await;
    let phone = signed_in(&app, "rita@example.org", "old password 1234").await;

    // The same answer whether or not an account has the address.
    let known = app.anon.post(app.url("/password-reset")).form(&[("email", "Rita@Example.org")]).send().await.unwrap();
    assert_eq!(known.status(), StatusCode::OK);
    let known = text(known).await;
    let unknown = app.anon.post(app.url("/password-reset")).form(&[("email", "nobody@example.org")]).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::OK);
    let unknown = text(unknown).await;
    assert!(known.contains("If an account has the address Rita@Example.org, a link to choose a new password is on its way."), "{known}");
    assert_eq!(known.replace("Rita@Example.org", "X"), unknown.replace("nobody@example.org", "X"));
    let resets: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM password_resets").fetch_one(&app.db).await.unwrap();
    assert_eq!(resets, 1, "a link only for the account that exists");
    // A malformed address is named.
    let resp = app.anon.post(app.url("/password-reset")).form(&[("email", "rita")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Email address is not an email address"));

    // Without SMTP the link is in the server log (never on the page).
    let marker = format!("{}/password-reset/", app.base);
    assert!(!known.contains(&marker));
    let log = log_text();
    let token = secret_after(&log[log_before.len().min(log.len())..], &marker).or_else(|| secret_after(&log, &marker)).unwrap_or_else(|| panic!("no reset link in the log:\n{log}"));
    let link = format!("/password-reset/{token}");
    let resp = app.anon.get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(text(resp).await.contains("Choose a new password"));
    // Problems name the field.
    let resp = app.anon.post(app.url(&link)).form(&[("password", "short"), ("password_confirm", "short")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Password use at least 12 characters"));
    let resp = app.anon.post(app.url(&link)).form(&[("password", "new password 5678"), ("password_confirm", "new password 5679")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Password again does not match the password"));
    // The new password is saved; every session ends; the page asks to sign in.
    let resp = app.anon.post(app.url(&link)).form(&[("password", "new password 5678"), ("password_confirm", "new password 5678")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(text(resp).await.contains(r#"<a class="button" href="/sign-in">Sign in with the new password</a>"#));
    for b in [&laptop, &phone] {
        let resp = b.get(app.url("/account")).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&resp), "/sign-in?next=%2Faccount");
    }
    assert_eq!(sign_in(&app, &bare(), "rita@example.org", "old password 1234").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sign_in(&app, &bare(), "rita@example.org", "new password 5678").await.status(), StatusCode::SEE_OTHER);
    // The link works once.
    let resp = app.anon.get(app.url(&link)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CONFLICT);
    assert!(text(resp).await.contains("This reset link has been used already; ask for a new one."));

    // Asking again and again is limited: five per address typed in 15 minutes (one more was
    // asked above for this address), then 429 with the reason.
    for _ in 0..4 {
        assert_eq!(app.anon.post(app.url("/password-reset")).form(&[("email", "rita@example.org")]).send().await.unwrap().status(), StatusCode::OK);
    }
    let resp = app.anon.post(app.url("/password-reset")).form(&[("email", "rita@example.org")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(text(resp).await.contains("Too many reset links were asked for this address or from this network. Wait"));
    let resets: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM password_resets").fetch_one(&app.db).await.unwrap();
    assert_eq!(resets, 5, "no link is made for a refused request");
    // Asking for links does not lock the account out of signing in.
    assert_eq!(sign_in(&app, &bare(), "rita@example.org", "new password 5678").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_the_password_keeps_this_session_and_ends_the_others() {
    let app = spawn().await;
    sharedtable::auth::store::create_user(&app.db, "pat@example.org", "Pat Change", Some("first password 12"), false).await.unwrap();
    let here = signed_in(&app, "pat@example.org", "first password 12").await;
    let there = signed_in(&app, "pat@example.org", "first password 12").await;
    let resp = post_form(&app, &here, "/account", "/account/password", &[("current_password", "wrong password 12"), ("new_password", "second password 3"), ("confirm_password", "second password 3")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Current password is not your current password"));
    let resp = post_form(&app, &here, "/account", "/account/password", &[("current_password", "first password 12"), ("new_password", "second password 3"), ("confirm_password", "second password 4")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("New password again does not match the new password"));
    let resp = post_form(&app, &here, "/account", "/account/password", &[("current_password", "first password 12"), ("new_password", "second password 3"), ("confirm_password", "second password 3")]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/account?done=password");
    let resp = here.get(app.url("/account?done=password")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(text(resp).await.contains("Your password is changed."));
    assert_eq!(there.get(app.url("/account")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "the other session ended");
    assert_eq!(sign_in(&app, &bare(), "pat@example.org", "second password 3").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sign_in_is_refused_after_five_wrong_passwords_even_with_the_right_one() {
    let app = spawn().await;
    let c = bare();
    for i in 1..=5 {
        let resp = sign_in(&app, &c, ADMIN_EMAIL, "not the password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(text(resp).await.contains("The email address or the password is not right."));
    }
    let resp = sign_in(&app, &c, ADMIN_EMAIL, "not the password").await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(text(resp).await.contains("Too many failed sign-ins for this account or from this network. Wait 15 minute(s)"));
    let resp = sign_in(&app, &c, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "the right password is refused during the lockout");
    assert!(session_set(&resp).is_none());
}

// ---------------------------------------------------------------------------------------------
// Sessions and CSRF

#[tokio::test]
async fn session_cookies_are_httponly_lax_secure_over_https_and_rotated_at_sign_in() {
    let app = spawn().await;
    let resp = sign_in(&app, &bare(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let cookie = set_cookie_header(&resp);
    assert!(cookie.starts_with("st_session=") && cookie.ends_with("; Path=/; HttpOnly; SameSite=Lax"), "{cookie}");
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    // Behind a proxy that says the request came over https: Secure.
    let resp = bare().post(app.url("/sign-in")).header("x-forwarded-proto", "https").form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]).send().await.unwrap();
    assert!(set_cookie_header(&resp).ends_with("; Path=/; HttpOnly; SameSite=Lax; Secure"), "{}", set_cookie_header(&resp));
    // With an https public address: Secure.
    let https = spawn_with(sharedtable::web::Settings { public_url: Some("https://table.example.org".into()), ..Default::default() }).await;
    let resp = sign_in(&https, &bare(), ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(set_cookie_header(&resp).ends_with("; HttpOnly; SameSite=Lax; Secure"), "{}", set_cookie_header(&resp));

    // A cookie planted before sign-in is replaced by a new one.
    let planted = "planted-by-someone-else";
    let resp = bare().post(app.url("/sign-in")).header(COOKIE, format!("st_session={planted}")).form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD)]).send().await.unwrap();
    let first = session_set(&resp).unwrap();
    assert_ne!(first, planted);
    assert_eq!(first.len(), 43, "256 random bits, base64url");
    // Signing in again from a live session rotates it: the old token stops working.
    let c = bare();
    let html = text(c.get(app.url("/sign-in")).header(COOKIE, format!("st_session={first}")).send().await.unwrap()).await;
    let resp = c
        .post(app.url("/sign-in"))
        .header(COOKIE, format!("st_session={first}"))
        .form(&[("email", ADMIN_EMAIL), ("password", ADMIN_PASSWORD), ("csrf_token", &csrf_of(&html))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let second = session_set(&resp).unwrap();
    assert_ne!(second, first);
    assert_eq!(c.get(app.url("/account")).header(COOKIE, format!("st_session={first}")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    assert_eq!(c.get(app.url("/account")).header(COOKIE, format!("st_session={second}")).send().await.unwrap().status(), StatusCode::OK);

    // A POST with the session cookie but without the CSRF token is refused; with it, it passes.
    let resp = c.post(app.url("/account/tokens")).header(COOKIE, format!("st_session={second}")).form(&[("label", "script"), ("scope", "read")]).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(text(resp).await.contains("the form carries no security token"));
    let resp = c
        .post(app.url("/account/tokens"))
        .header(COOKIE, format!("st_session={second}"))
        .form(&[("label", "script"), ("scope", "read"), ("csrf_token", "a guess")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let tokens: i64 = sharedtable::db::query_scalar(&app.db, "SELECT count(*) FROM access_tokens WHERE label = 'script'").fetch_one(&app.db).await.unwrap();
    assert_eq!(tokens, 0);
}

// ---------------------------------------------------------------------------------------------
// Personal access tokens

#[tokio::test]
async fn a_token_is_shown_once_works_by_its_scope_and_stops_when_revoked() {
    let app = spawn().await;
    let admin = signed_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    // A token without a label: 422, the form again, naming the field.
    let resp = post_form(&app, &admin, "/account", "/account/tokens", &[("label", " "), ("scope", "write")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(resp).await;
    assert!(html.contains("What the token is for is required: 1 to 100 characters naming what the token is for"), "{html}");
    assert!(html.contains(r#"value="write" checked"#), "the scope chosen is kept");

    let resp = post_form(&app, &admin, "/account", "/account/tokens", &[("label", "export script"), ("scope", "read")]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let html = text(resp).await;
    let token = format!("st_pat_{}", secret_after(&html, "st_pat_").unwrap());
    assert_eq!(token.len(), 7 + 43);
    assert!(html.contains("it is shown only this once"), "{html}");
    // The account page lists it, without the token.
    let html = text(admin.get(app.url("/account")).send().await.unwrap()).await;
    assert!(html.contains("<td>export script</td><td>read</td>") && !html.contains(&token), "{html}");
    assert!(row_of(&html, "<td>export script</td>").contains("<span class=\"unknown\">never</span>"), "not used yet");

    // It reads, as the admin, and may not write.
    let reader = crate::support::client_with_token(&token);
    let me: Value = reader.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["display_name"], "Test Admin");
    assert_eq!(me["network_admin"], true);
    assert_eq!(me["scope"], "read");
    assert_eq!(me["via"], "token");
    assert_eq!(me["roles"], json!([]));
    assert!(me.get("email").is_none());
    let p = problem(reader.post(app.url("/api/v1/organizations")).json(&json!({"name": "Read Only Co", "kind": "business"})).send().await.unwrap(), StatusCode::FORBIDDEN).await;
    assert!(p["detail"].as_str().unwrap().contains("this access token is read-only (scope read)"), "{p}");
    let html = text(admin.get(app.url("/account")).send().await.unwrap()).await;
    let row = row_of(&html, "<td>export script</td>");
    assert!(!row.contains("never") && row.matches(" UTC</td>").count() == 2, "created and last used are shown: {row}");

    // Revoked: 401.
    let at = html.find("/account/tokens/").unwrap();
    let action = &html[at..at + html[at..].find('"').unwrap()];
    assert!(action.ends_with("/revoke"));
    let resp = post_form(&app, &admin, "/account", action, &[]).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let p = problem(reader.get(app.url("/api/v1/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert!(p["detail"].as_str().unwrap().contains("the access token is not valid"));
    let html = text(admin.get(app.url("/account?done=revoked")).send().await.unwrap()).await;
    assert!(html.contains("The token is revoked") && !html.contains(action), "a revoked token has no revoke button");
    // Revoking it again, or someone else's: 404.
    let resp = post_form(&app, &admin, "/account", action, &[]).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------------
// The admin page

#[tokio::test]
async fn the_admin_page_manages_accounts_but_not_the_admins_own() {
    let app = spawn().await;
    let (_, a) = create_partnership(&app, "Alpha Makers").await;
    let admin = signed_in(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let uid = sharedtable::auth::store::create_user(&app.db, "dana@example.org", "Dana Doer", Some("dana password 12"), false).await.unwrap();
    let a_id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM partnerships WHERE slug = ?").bind(&a).fetch_one(&app.db).await.unwrap();
    sharedtable::auth::store::set_role(&app.db, uid, a_id.parse().unwrap(), sharedtable::auth::Role::ActionTeamLead).await.unwrap();
    let dana = signed_in(&app, "dana@example.org", "dana password 12").await;
    let (_, dana_token) = sharedtable::auth::store::create_access_token(&app.db, uid, "dana script", sharedtable::auth::Scope::Read).await.unwrap();

    // Only network admins: 403 for Dana, sign-in for visitors.
    assert_eq!(dana.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let resp = app.anon.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&resp), "/sign-in?next=%2Fadmin");

    let resp = admin.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(resp.headers()[CACHE_CONTROL], "no-store");
    let html = text(resp).await;
    assert!(html.contains("<td>dana@example.org</td>") && html.contains(&format!(r#"action team lead of <a href="/partnerships/{a}">Alpha Makers</a>"#)), "{html}");
    assert!(html.contains("no SMTP server is set (SHAREDTABLE_SMTP_URL), so links are written to the server log"));

    // Make Dana an admin, then not.
    let action = format!("/admin/users/{uid}");
    let resp = post_form(&app, &admin, "/admin", &action, &[("action", "make_admin")]).await;
    assert_eq!(location(&resp), "/admin?done=admin");
    let is_admin: Flag = sharedtable::db::query_scalar(&app.db, "SELECT network_admin FROM users WHERE id = ?").bind(uid).fetch_one(&app.db).await.unwrap();
    assert!(is_admin.0);
    assert_eq!(dana.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::OK);
    post_form(&app, &admin, "/admin", &action, &[("action", "unmake_admin")]).await;
    assert_eq!(dana.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::FORBIDDEN);

    // Disable Dana: her session ends, her token stops, she cannot sign in; enable again.
    let resp = post_form(&app, &admin, "/admin", &action, &[("action", "disable")]).await;
    assert_eq!(location(&resp), "/admin?done=disabled");
    assert_eq!(dana.get(app.url("/account")).send().await.unwrap().status(), StatusCode::SEE_OTHER);
    problem(crate::support::client_with_token(&dana_token).get(app.url("/api/v1/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(sign_in(&app, &bare(), "dana@example.org", "dana password 12").await.status(), StatusCode::UNAUTHORIZED);
    post_form(&app, &admin, "/admin", &action, &[("action", "enable")]).await;
    assert_eq!(sign_in(&app, &bare(), "dana@example.org", "dana password 12").await.status(), StatusCode::SEE_OTHER);

    // An admin cannot disable or unmake themselves.
    let admin_id: String = sharedtable::db::query_scalar(&app.db, "SELECT id FROM users WHERE email = ?").bind(ADMIN_EMAIL).fetch_one(&app.db).await.unwrap();
    for what in ["disable", "unmake_admin"] {
        let resp = post_form(&app, &admin, "/admin", &format!("/admin/users/{admin_id}"), &[("action", what)]).await;
        assert_eq!(resp.status(), StatusCode::CONFLICT);
        assert!(text(resp).await.contains("You cannot take away your own admin rights or disable your own account"));
    }
    let flags: (Flag, Flag) = sharedtable::db::query_as(&app.db, "SELECT network_admin, disabled FROM users WHERE id = ?").bind(&admin_id).fetch_one(&app.db).await.unwrap();
    assert_eq!((flags.0 .0, flags.1 .0), (true, false));

    // Invitation forms: problems named; a network admin invited becomes one and lands on /admin.
    let resp = post_form(&app, &admin, "/admin", "/admin/invite-admin", &[("admin_email", "nope")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text(resp).await.contains("Email address is not an email address"));
    let resp = post_form(&app, &admin, "/admin", "/admin/invite", &[("email", "x@example.org"), ("partnership", ""), ("role", "boss")]).await;
    assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(resp).await;
    assert!(html.contains("Role choose one of the roles offered") && html.contains("Partnership choose the partnership to invite to"), "{html}");
    let resp = post_form(&app, &admin, "/admin", "/admin/invite-admin", &[("admin_email", "nia@example.org")]).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let html = text(resp).await;
    assert!(html.contains("nia@example.org is invited as network admin of this Shared Table"), "{html}");
    let link = invitation_link(&app, &html);
    let html = text(admin.get(app.url("/admin")).send().await.unwrap()).await;
    assert!(html.contains("<tr><td>nia@example.org</td>"), "the open admin invitation is listed");
    let nia = accept_new(&app, &link, "Nia Admin", "nia password 123", "/admin").await;
    assert_eq!(nia.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------
// The API document

#[tokio::test]
async fn the_api_document_describes_bearer_auth_and_me() {
    let app = spawn().await;
    let doc: Value = app.anon.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let scheme = &doc["components"]["securitySchemes"]["bearerAuth"];
    assert_eq!((&scheme["type"], &scheme["scheme"], &scheme["bearerFormat"]), (&json!("http"), &json!("bearer"), &json!("st_pat_...")));
    assert!(doc["info"]["description"].as_str().unwrap().contains("Authorization: Bearer st_pat_..."));
    let me = &doc["paths"]["/api/v1/me"]["get"];
    assert_eq!(me["security"], json!([{"bearerAuth": []}]));
    assert_eq!(me["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Me");
    let props = doc["components"]["schemas"]["Me"]["properties"].as_object().unwrap();
    let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
    names.sort();
    assert_eq!(names, ["display_name", "network_admin", "roles", "scope", "user_id", "via"]);
    let p = problem(app.anon.get(app.url("/api/v1/me")).send().await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert!(p["detail"].as_str().unwrap().starts_with("sign in (or send a personal access token) first"), "{p}");
}

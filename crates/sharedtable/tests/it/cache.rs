//! Cached network pages: served again while the data is unchanged, never after a change, whoever
//! made it (this server, or another process writing the same database).

use crate::support;

async fn overview(app: &support::TestApp) -> (reqwest::StatusCode, Option<String>, String) {
    let r = app.anon.get(app.url("/")).send().await.unwrap();
    let status = r.status();
    let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
    (status, etag, r.text().await.unwrap())
}

#[tokio::test]
async fn pages_are_served_from_cache_until_any_write_commits() {
    let app = support::spawn().await;
    support::load_bundled(&app).await;
    let (status, etag, body) = overview(&app).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"<span class="figure">47</span> partnerships"#));
    let etag = etag.expect("cached pages carry an ETag");
    assert!(etag.starts_with("W/\"g"), "{etag}");

    // Same generation: the browser's copy is still good.
    let r = app.anon.get(app.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);

    // A write through the API is seen at once.
    let body = serde_json::json!({
        "slug": "", "name": "Cache Test Partnership", "sector_label": "Manufacturing", "naics_codes": ["31-33"],
        "region_name": "Mohave County", "region_counties": ["04015"], "region_states": ["AZ"], "launched": null,
        "stage": null, "stage_reported": null, "website": null, "source_urls": [], "illustrative": false
    });
    let r = app.client.post(app.url("/api/v1/partnerships")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (_, etag2, body) = overview(&app).await;
    assert!(body.contains(r#"<span class="figure">48</span> partnerships"#));
    assert_ne!(etag2.as_deref(), Some(etag.as_str()));
    let r = app.anon.get(app.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 200, "a stale ETag gets the new page");

    // A write by another connection pool (as a CLI import in another process would) is seen too.
    let other = sharedtable::db::connect(&app.db_url).await.unwrap();
    let (rows, _) = sharedtable::network::store::list::<sharedtable::network::model::PartnershipFields>(
        &other,
        &sharedtable::network::store::ListFilter { search: Some("Cache Test".into()), ..Default::default() },
        sharedtable::network::store::PageRequest { page: 1, per_page: 5 },
    )
    .await
    .unwrap();
    sharedtable::network::store::delete::<sharedtable::network::model::PartnershipFields>(&other, rows[0].id(), None).await.unwrap();
    let (_, _, body) = overview(&app).await;
    assert!(body.contains(r#"<span class="figure">47</span> partnerships"#));

    // Signed-in-looking requests (cookies) are never answered from the cache.
    let r = app.anon.get(app.url("/")).header("cookie", "session=x").header("if-none-match", etag2.unwrap()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("etag").is_none());
}

/// Two instances of the app (two routers over two connection pools on one database, as two
/// servers behind a reverse proxy): a write through one is read through the other at once, its
/// cached pages included; writes through both at the same time all land; a session started
/// through one is valid on the other.
#[tokio::test]
async fn two_instances_on_one_database_serve_the_same_data() {
    let a = support::spawn().await;
    support::load_bundled(&a).await;
    let b_db = sharedtable::db::connect(&a.db_url).await.unwrap();
    let b = support::serve(b_db.clone()).await;
    // Pages are read as an anonymous visitor (whose pages are cached); writes by the admin.
    let (anon, client) = (&a.anon, &a.client);
    let get = |base: String, path: &'static str| async move {
        let r = anon.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status(), 200, "{base}{path}");
        let etag = r.headers().get("etag").map(|v| v.to_str().unwrap().to_string());
        (etag, r.text().await.unwrap())
    };

    // B renders the overview and keeps it; asked again, it answers from its cache.
    let (etag_b, body) = get(b.clone(), "/").await;
    assert!(body.contains(r#"<span class="figure">47</span> partnerships"#));
    assert!(etag_b.is_some(), "anonymous pages are cached, with an ETag");
    let (etag_b_again, _) = get(b.clone(), "/").await;
    assert_eq!(etag_b_again, etag_b, "B's second answer is its cached page");

    // A write through A ...
    let body = serde_json::json!({
        "slug": "", "name": "Two Instances Partnership", "sector_label": "Manufacturing", "naics_codes": ["31-33"],
        "region_name": "Mohave County", "region_counties": ["04015"], "region_states": ["AZ"], "launched": "2020",
        "stage": "launching", "stage_reported": null, "website": null, "source_urls": [], "illustrative": false
    });
    let r = client.post(a.url("/api/v1/partnerships")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let created: serde_json::Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();

    // ... is read through B at once: its cached overview is stale and rendered anew, and the
    // record, the directory and the partnership page are there.
    let (etag_b2, body) = get(b.clone(), "/").await;
    assert!(body.contains(r#"<span class="figure">48</span> partnerships"#), "B shows A's write, not its cached page");
    assert_ne!(etag_b2, etag_b);
    let r = client.get(format!("{b}/api/v1/partnerships/{id}")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["etag"], "\"1\"");
    let (_, directory) = get(b.clone(), "/partnerships?q=Two+Instances").await;
    assert!(directory.contains("Two Instances Partnership"), "{directory}");

    // An edit through B with the version read from A; A then reads B's version, and A's stale
    // edit is refused.
    let mut edited = body_of(&created);
    edited["region_name"] = "Kingman".into();
    let r = client.put(format!("{b}/api/v1/partnerships/{id}")).header("if-match", "\"1\"").json(&edited).send().await.unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = client.get(a.url(&format!("/api/v1/partnerships/{id}"))).send().await.unwrap();
    assert_eq!(r.headers()["etag"], "\"2\"");
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["region_name"], "Kingman");
    let r = client.put(a.url(&format!("/api/v1/partnerships/{id}"))).header("if-match", "\"1\"").json(&edited).send().await.unwrap();
    assert_eq!(r.status(), 412, "A's edit of version 1 is refused: B changed it");

    // Writes through both instances at the same moment all land, each raising the generation.
    let before = sharedtable::db::generation(&a.db).await.unwrap();
    let orgs_before = support::count(&a.db, "organizations").await;
    let mut writes = Vec::new();
    for i in 0..12 {
        let base = if i % 2 == 0 { a.base.clone() } else { b.clone() };
        let client = client.clone();
        writes.push(tokio::spawn(async move {
            let body = serde_json::json!({"name": format!("Concurrent Org {i}"), "kind": "business", "naics_code": null, "city": null,
                "state": "AZ", "latitude": null, "longitude": null, "employee_count": i, "website": null, "illustrative": false});
            client.post(format!("{base}/api/v1/organizations")).json(&body).send().await.unwrap().status()
        }));
    }
    for w in writes {
        assert_eq!(w.await.unwrap(), 201);
    }
    assert_eq!(support::count(&b_db, "organizations").await, orgs_before + 12);
    assert_eq!(sharedtable::db::generation(&b_db).await.unwrap(), before + 12);

    // Signed in through A, the same session cookie is good on B; signed out through B, it is
    // good on neither.
    sharedtable::auth::store::create_user(&a.db, "walker@example.org", "Walker Two", Some("a long enough password 42"), false).await.unwrap();
    let r = anon
        .post(a.url("/sign-in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("email=walker%40example.org&password=a+long+enough+password+42&next=%2F")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("st_session="), "{cookie}");
    // Every page names the signed-in user beside its sign-out form.
    let signed_in_page = |base: String| {
        let cookie = cookie.clone();
        async move {
            let r = anon.get(format!("{base}/")).header("cookie", cookie).send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let mut page = String::new();
    for base in [a.base.clone(), b.clone()] {
        page = signed_in_page(base.clone()).await;
        assert!(page.contains("Walker Two"), "{base}/ with A's session names the user");
    }
    // The session's CSRF token, as B's page carries it, is the one B checks.
    let csrf = page.split("name=\"csrf_token\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("the page carries the session's CSRF token");
    let r = anon
        .post(format!("{b}/sign-out"))
        .header("cookie", &cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    for base in [a.base.clone(), b.clone()] {
        assert!(!signed_in_page(base.clone()).await.contains("Walker Two"), "{base}/ after signing out through B");
    }
}

/// The editable fields of a record as the API returned it (metadata left out).
fn body_of(record: &serde_json::Value) -> serde_json::Value {
    let mut v = record.clone();
    if let Some(m) = v.as_object_mut() {
        for k in ["id", "version", "created_at", "updated_at"] {
            m.remove(k);
        }
    }
    v
}

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

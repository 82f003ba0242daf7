//! Browser test in headless Chromium through chromedriver: open the overview, filter the
//! directory, create a partnership through the form and find it on its own page.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test is skipped with a
//! message, except when `CI` is set, where it fails.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};

use crate::support;

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn find(names: &[&str]) -> Option<String> {
    names.iter().map(std::path::Path::new).find(|p| p.exists()).map(|p| p.display().to_string())
}

#[tokio::test]
async fn overview_directory_and_create_partnership_in_chromium() {
    let (Some(chromium), Some(chromedriver)) =
        (find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]), find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]))
    else {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but chromium/chromedriver are missing: install Debian's chromium and chromium-driver");
        }
        eprintln!("SKIPPED browser test: install Debian's chromium and chromium-driver to run it");
        return;
    };
    let app = support::spawn().await;
    support::load_bundled(&app).await;

    let port = free_port();
    let driver = Driver(
        Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let user_dir = tempfile::tempdir().unwrap();
    let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                     "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     format!("--user-data-dir={}", user_dir.path().display()), "--window-size=1280,1600"]
        }
    }))
    .unwrap();
    let webdriver = format!("http://127.0.0.1:{port}");
    let mut client = None;
    for _ in 0..50 {
        let mut b = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new());
        b.capabilities(caps.clone());
        match b.connect(&webdriver).await {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("connect to chromedriver");

    // Run the steps, then close the browser before asserting so none is left behind.
    let outcome: Result<Vec<String>, fantoccini::error::CmdError> = async {
        let mut seen = Vec::new();
        // 1. Overview: the map and the network's counts.
        c.goto(&app.url("/")).await?;
        seen.push(c.find(Locator::Css("h1")).await?.text().await?);
        seen.push(format!("map paths: {}", c.find_all(Locator::Css(".map svg path")).await?.len()));
        seen.push(c.find(Locator::Css("main")).await?.text().await?);

        // 2. Directory, filtered by state through the filter form.
        c.goto(&app.url("/partnerships")).await?;
        let form = c.form(Locator::Css("form.filters")).await?;
        form.set_by_name("state", "OR").await?;
        form.submit().await?;
        // The submit returns before the browser has loaded the next page on a busy machine.
        wait_for_url(&c, "state=OR").await?;
        seen.push(c.current_url().await?.to_string());
        let rows = c.find_all(Locator::Css("table.directory tbody tr")).await?;
        seen.push(format!("rows: {}", rows.len()));
        seen.push(c.find(Locator::Css("table.directory tbody")).await?.text().await?);

        // 3. Create a partnership through the form: an anonymous visitor is sent to sign in first,
        // and comes back to the form (which then carries the session's CSRF token).
        c.goto(&app.url("/partnerships/new")).await?;
        wait_for_url(&c, "/sign-in?next=%2Fpartnerships%2Fnew").await?;
        let form = c.form(Locator::Css("form.edit")).await?;
        form.set_by_name("email", "admin@example.org").await?;
        form.set_by_name("password", "admin password 123").await?;
        form.submit().await?;
        wait_for_url(&c, "/partnerships/new").await?;
        seen.push(c.find(Locator::Css("nav.account")).await?.text().await?);
        let form = c.form(Locator::Css("form.edit")).await?;
        form.set_by_name("name", "Browser Test Aerospace Partnership").await?;
        form.set_by_name("sector_label", "Aerospace").await?;
        form.set_by_name("naics_codes", "3364").await?;
        form.set_by_name("region_name", "Greater Wichita").await?;
        form.set_by_name("region_states", "KS").await?;
        form.set_by_name("region_counties", "20173, 20015").await?;
        form.set_by_name("launched", "2024-03").await?;
        form.submit().await?;
        wait_for_url(&c, "/partnerships/browser-test-aerospace-partnership").await?;
        seen.push(c.current_url().await?.to_string());
        seen.push(c.find(Locator::Css("h1")).await?.text().await?);
        seen.push(c.find(Locator::Css("main")).await?.text().await?);
        Ok(seen)
    }
    .await;
    c.close().await.ok();
    drop(driver);

    let seen = outcome.expect("browser steps");
    assert!(seen[0].contains("network") || seen[0].contains("Network"), "overview heading: {}", seen[0]);
    assert_eq!(seen[1], "map paths: 51");
    assert!(seen[2].contains("47"), "overview shows 47 partnerships");
    assert!(seen[3].contains("state=OR"), "filtered URL: {}", seen[3]);
    assert_eq!(seen[4], "rows: 8", "Oregon has the eight Lane County partnerships");
    assert!(seen[5].contains("Lane County Technology Collaborative"));
    assert!(!seen[5].contains("Kingman"));
    assert!(seen[6].starts_with("Test Admin"), "signed in: {}", seen[6]);
    assert!(seen[6].contains("Sign out"), "signed in: {}", seen[6]);
    assert!(seen[7].ends_with("/partnerships/browser-test-aerospace-partnership"), "after create: {}", seen[7]);
    assert_eq!(seen[8], "Browser Test Aerospace Partnership");
    assert!(seen[9].contains("Sedgwick"), "county names shown: {}", seen[9]);
    assert!(seen[9].contains("Aerospace Product and Parts Manufacturing"), "NAICS title shown");
}

/// Wait (up to 15 s) until the browser's address contains `part`, so the next read sees the page a
/// form submit led to; returns when it does or the time is up (the caller's assertions then say
/// what was seen).
async fn wait_for_url(c: &fantoccini::Client, part: &str) -> Result<(), fantoccini::error::CmdError> {
    for _ in 0..150 {
        if c.current_url().await?.as_str().contains(part) {
            let _ = c.find(Locator::Css("main")).await?;
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Ok(())
}

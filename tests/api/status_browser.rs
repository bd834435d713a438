//! The status page in a real browser: headless Chromium renders it (content checked in the
//! DOM it built) and takes a phone-sized screenshot for people to look at.
//!
//! Chromium comes from the distribution's `chromium` package (.ci/run installs it). Without it
//! this test prints why it is skipped, like the PostgreSQL variants without their database;
//! CI sets HINDSIGHT_TEST_REQUIRE_BROWSER=1, and then a missing Chromium fails the test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::status_page::post_update;
use crate::support::{Backend, TestApp};

pub const REQUIRE_ENV: &str = "HINDSIGHT_TEST_REQUIRE_BROWSER";
const SCREENSHOT_ENV: &str = "HINDSIGHT_TEST_SCREENSHOT_DIR";

pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

/// Runs Chromium headless on `url` with `args`, bounded in time; returns its stdout.
async fn run_chromium(binary: &Path, profile: &Path, args: &[String], url: &str) -> String {
    let output = tokio::process::Command::new(binary)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(90), output)
        .await
        .expect("chromium finished within 90 s")
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_page_renders_in_chromium_on_a_phone() {
    let Some(binary) = chromium() else {
        assert!(
            !std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1"),
            "chromium is not installed, and {REQUIRE_ENV}=1 requires the status page browser \
             test. Install it with `apt-get install -y chromium` (Debian)"
        );
        eprintln!(
            "SKIPPED status_page_renders_in_chromium_on_a_phone: chromium is not installed \
             (`apt-get install -y chromium`; CI installs it and sets {REQUIRE_ENV}=1)"
        );
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await;
    let reporter = app.token("rep", &["viewer"]);

    let open = app
        .report(&reporter, "Card payments are failing for some customers")
        .await;
    app.drive_to(&open, "INVESTIGATING").await;
    post_update(
        &app,
        &open,
        "PUBLIC",
        "We are investigating reports of failed card payments at checkout.",
        Some("INVESTIGATING"),
    )
    .await;
    post_update(
        &app,
        &open,
        "INTERNAL",
        "internal-only: payment gateway pool exhausted",
        None,
    )
    .await;
    post_update(
        &app,
        &open,
        "PUBLIC",
        "We have identified the cause: a payment provider connection limit.\nA fix is being deployed; payments may be slow meanwhile.",
        Some("IDENTIFIED"),
    )
    .await;
    let resolved = app
        .report(&reporter, "Delayed order confirmation emails")
        .await;
    post_update(
        &app,
        &resolved,
        "PUBLIC",
        "Order confirmation emails are delayed by up to 30 minutes.",
        Some("INVESTIGATING"),
    )
    .await;
    app.drive_to(&resolved, "RESOLVED").await;
    post_update(
        &app,
        &resolved,
        "PUBLIC",
        "All delayed emails have been delivered.",
        Some("RESOLVED"),
    )
    .await;

    let url = format!("{}/status", app.url);
    let profile = tempfile::tempdir().expect("profile dir");
    let dom = run_chromium(&binary, profile.path(), &["--dump-dom".into()], &url).await;
    for shown in [
        "Card payments are failing for some customers",
        "We have identified the cause: a payment provider connection limit.",
        "Delayed order confirmation emails",
    ] {
        assert!(
            dom.contains(shown),
            "{shown:?} missing from the rendered page: {dom}"
        );
    }
    assert!(
        !dom.contains("internal-only"),
        "internal text in the rendered page: {dom}"
    );
    assert!(!dom.contains("<script"), "the page needs no script: {dom}");

    let dir = std::env::var_os(SCREENSHOT_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let shot = dir.join("status-page-phone.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &binary,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=390,844".into(),
        ],
        &url,
    )
    .await;
    let png = std::fs::read(&shot).expect("chromium wrote the screenshot");
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "not a PNG: {}",
        shot.display()
    );
    assert!(
        png.len() > 10_000,
        "a suspiciously small screenshot: {} bytes",
        png.len()
    );
    eprintln!("status page screenshot: {}", shot.display());
}

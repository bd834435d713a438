//! The public status page through HTTP, as an anonymous visitor sees it: only PUBLIC updates
//! of open and recently resolved incidents, escaped, the same content as JSON, and cached so
//! a burst of visitors reaches the database once.

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, reviews_not_required};

on_both_databases!(
    only_public_updates_of_open_and_recently_resolved_incidents_show,
    nothing_open_reads_all_systems_operational,
    update_bodies_cannot_inject_html,
    a_burst_within_the_cache_window_reaches_the_database_once,
    a_new_update_shows_once_the_window_has_passed,
);

const POST_UPDATE: &str = "mutation($input: PostUpdateInput!) { postUpdate(input: $input) { id } }";

/// Posts an update through the API as an admin.
pub async fn post_update(
    app: &TestApp,
    id: &str,
    audience: &str,
    body: &str,
    status: Option<&str>,
) {
    app.ok(
        &app.admin(),
        POST_UPDATE,
        json!({ "input": { "incidentId": id, "audience": audience, "body": body, "status": status } }),
    )
    .await;
}

/// An incident with a description of our choosing, reported by `reporter`.
async fn report(app: &TestApp, reporter: &str, title: &str, description: &str) -> String {
    let data = app
        .ok(
            reporter,
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }",
            json!({ "input": { "title": title, "service": "payments-api", "description": description } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// GETs a public path with no token; returns status, headers and body.
pub async fn get(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let res = app
        .client
        .get(format!("{}{path}", app.url))
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.text().await.expect("body"))
}

async fn get_json(app: &TestApp) -> Value {
    let (status, headers, body) = get(app, "/status.json").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers[CONTENT_TYPE], "application/json");
    serde_json::from_str(&body).expect("JSON")
}

async fn only_public_updates_of_open_and_recently_resolved_incidents_show(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reporter = app.token("reporter-rita-4711", &["viewer"]);
    let admin = app.admin();

    let open = report(&app, &reporter, "Card payments fail", "desc-secret-open").await;
    app.drive_to(&open, "INVESTIGATING").await;
    post_update(
        &app,
        &open,
        "PUBLIC",
        "We are looking into failed card payments.",
        None,
    )
    .await;
    post_update(
        &app,
        &open,
        "INTERNAL",
        "internal-only: primary db at 100% cpu",
        None,
    )
    .await;
    post_update(
        &app,
        &open,
        "STAKEHOLDERS",
        "stakeholders-only: revenue impact",
        None,
    )
    .await;
    post_update(
        &app,
        &open,
        "PUBLIC",
        "The cause is identified.\nA fix is rolling out.",
        Some("IDENTIFIED"),
    )
    .await;
    app.ok(
        &admin,
        "mutation($input: AddNoteInput!) { addNote(input: $input) { __typename } }",
        json!({ "input": { "incidentId": open, "body": "note-only: try failover" } }),
    )
    .await;

    let internal_only = report(&app, &reporter, "Hidden internal incident", "desc-secret-2").await;
    post_update(
        &app,
        &internal_only,
        "INTERNAL",
        "internal-only: nobody outside",
        None,
    )
    .await;
    post_update(
        &app,
        &internal_only,
        "STAKEHOLDERS",
        "stakeholders-only: still hidden",
        None,
    )
    .await;
    let silent = report(
        &app,
        &reporter,
        "Silent incident without updates",
        "desc-secret-3",
    )
    .await;
    app.drive_to(&silent, "MITIGATED").await;

    let resolved = report(&app, &reporter, "Slow logins", "desc-secret-resolved").await;
    post_update(
        &app,
        &resolved,
        "PUBLIC",
        "Logins are slow; we are on it.",
        Some("INVESTIGATING"),
    )
    .await;
    app.drive_to(&resolved, "RESOLVED").await;
    post_update(
        &app,
        &resolved,
        "PUBLIC",
        "Logins are fast again.",
        Some("RESOLVED"),
    )
    .await;

    let cancelled = report(&app, &reporter, "Cancelled false alarm", "desc-secret-4").await;
    post_update(&app, &cancelled, "PUBLIC", "Looking into an alert.", None).await;
    app.drive_to(&cancelled, "CANCELLED").await;

    let (status, headers, html) = get(&app, "/status").await;
    assert_eq!(status, 200, "{html}");
    assert!(
        headers[CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
    assert!(html.contains(r#"name="viewport""#));
    for shown in [
        "Card payments fail",
        "payments-api",
        "We are looking into failed card payments.",
        "The cause is identified.\nA fix is rolling out.",
        "Identified",
        "Slow logins",
        "Logins are fast again.",
        "Recently resolved",
    ] {
        assert!(html.contains(shown), "{shown:?} missing from {html}");
    }
    assert!(
        !html.contains("All systems operational"),
        "one incident is open"
    );
    for hidden in [
        "internal-only",
        "stakeholders-only",
        "note-only",
        "desc-secret",
        "reporter-rita-4711",
        "test-admin",
        "Hidden internal incident",
        "Silent incident without updates",
        "Cancelled false alarm",
        "restarted the pool", // the resolution summary is internal too
    ] {
        assert!(!html.contains(hidden), "{hidden:?} leaked into {html}");
    }
    // The open incident is above the "Recently resolved" heading, the resolved one below.
    let heading = html.find("Recently resolved").expect("heading");
    assert!(html.find("Card payments fail").expect("open") < heading);
    assert!(html.find("Slow logins").expect("resolved") > heading);

    let page = get_json(&app).await;
    let text = page.to_string();
    for hidden in [
        "internal-only",
        "stakeholders-only",
        "note-only",
        "desc-secret",
        "rita",
        "test-admin",
        "Hidden internal",
        "Silent incident",
        "Cancelled false",
    ] {
        assert!(!text.contains(hidden), "{hidden:?} leaked into {text}");
    }
    assert_eq!(page["allSystemsOperational"], false);
    assert_eq!(page["recentlyResolvedDays"], 7);
    let open_list = page["openIncidents"].as_array().expect("openIncidents");
    assert_eq!(open_list.len(), 1, "{page}");
    let incident = &open_list[0];
    assert_eq!(incident["id"], open.as_str());
    assert_eq!(incident["title"], "Card payments fail");
    assert_eq!(incident["service"], "payments-api");
    // The newest PUBLIC update's label is the public status.
    assert_eq!(incident["status"], "IDENTIFIED");
    assert_eq!(incident["statusLabel"], "Identified");
    assert!(incident["resolvedAt"].is_null());
    let keys: Vec<&str> = incident
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "service",
            "status",
            "statusLabel",
            "startedAt",
            "resolvedAt",
            "updates"
        ]
    );
    let updates = incident["updates"].as_array().expect("updates");
    assert_eq!(updates.len(), 2, "PUBLIC updates only: {incident}");
    assert_eq!(
        updates[0]["body"], "The cause is identified.\nA fix is rolling out.",
        "newest first"
    );
    assert_eq!(updates[0]["status"], "IDENTIFIED");
    assert_eq!(
        updates[1]["body"],
        "We are looking into failed card payments."
    );
    assert!(updates[1]["status"].is_null());
    assert_eq!(
        updates[0].as_object().expect("object").len(),
        3,
        "at, status, body: {}",
        updates[0]
    );
    for stamp in [
        &page["generatedAt"],
        &incident["startedAt"],
        &updates[0]["at"],
    ] {
        let stamp = stamp.as_str().expect("a timestamp");
        assert!(
            chrono::DateTime::parse_from_rfc3339(stamp).is_ok() && stamp.ends_with('Z'),
            "{stamp}"
        );
    }

    let resolved_list = page["recentlyResolved"]
        .as_array()
        .expect("recentlyResolved");
    assert_eq!(resolved_list.len(), 1, "{page}");
    assert_eq!(resolved_list[0]["title"], "Slow logins");
    assert_eq!(resolved_list[0]["status"], "RESOLVED");
    assert!(
        resolved_list[0]["resolvedAt"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z'))
    );
    assert_eq!(
        resolved_list[0]["updates"]
            .as_array()
            .expect("updates")
            .len(),
        2
    );
}

async fn nothing_open_reads_all_systems_operational(backend: Backend) {
    let app = TestApp::spawn_with(backend, reviews_not_required).await;
    // An open incident the public was never told about, and one resolved with a public word.
    let reporter = app.token("rep", &["viewer"]);
    let quiet = report(&app, &reporter, "Quiet incident", "d").await;
    post_update(&app, &quiet, "STAKEHOLDERS", "for stakeholders", None).await;
    let done = report(&app, &reporter, "Finished incident", "d").await;
    post_update(&app, &done, "PUBLIC", "Back to normal.", Some("RESOLVED")).await;
    app.drive_to(&done, "CLOSED").await;

    let (status, _, html) = get(&app, "/status").await;
    assert_eq!(status, 200);
    assert!(html.contains("All systems operational"), "{html}");
    assert!(!html.contains("Quiet incident"), "{html}");
    assert!(
        html.contains("Finished incident"),
        "closed within the window: {html}"
    );
    let page = get_json(&app).await;
    assert_eq!(page["allSystemsOperational"], true);
    assert_eq!(page["openIncidents"], json!([]));
    assert_eq!(page["recentlyResolved"][0]["title"], "Finished incident");
    assert_eq!(page["recentlyResolved"][0]["status"], "RESOLVED");
}

async fn update_bodies_cannot_inject_html(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let reporter = app.token("rep", &["viewer"]);
    let id = report(&app, &reporter, "Title with <b>tags</b> & \"quotes\"", "d").await;
    let evil = "<script>alert('x')</script>\n<img src=x onerror=alert(1)> **bold** [link](javascript:alert(1))";
    post_update(&app, &id, "PUBLIC", evil, None).await;

    let (_, _, html) = get(&app, "/status").await;
    assert!(
        !html.contains("<script"),
        "a script tag got through: {html}"
    );
    assert!(!html.contains("<img"), "an img tag got through: {html}");
    assert!(!html.contains("<b>tags"), "{html}");
    assert!(!html.contains(r#"href="javascript"#), "{html}");
    assert!(
        html.contains("<strong>bold</strong>"),
        "Markdown is rendered: {html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{html}"
    );
    assert!(
        html.contains("Title with &lt;b&gt;tags&lt;/b&gt; &amp; &quot;quotes&quot;"),
        "{html}"
    );

    let page = get_json(&app).await;
    assert_eq!(
        page["openIncidents"][0]["updates"][0]["body"], evil,
        "JSON carries the text as written"
    );
}

async fn a_burst_within_the_cache_window_reaches_the_database_once(backend: Backend) {
    // The index worker's polling would add its own statements to the count: no polling here.
    let app = TestApp::spawn_with(backend, |s| {
        s.status_page.cache_seconds = 300;
        s.knowledge.poll_interval_ms = 3_600_000;
    })
    .await;
    let reporter = app.token("rep", &["viewer"]);
    for i in 0..5 {
        let id = report(&app, &reporter, &format!("Incident {i}"), "d").await;
        post_update(&app, &id, "PUBLIC", &format!("update {i}"), None).await;
    }

    // Forty visitors at once on a cold cache: one refresh (incidents, then their updates)
    // serves them all. Their connections are opened first (on /healthz), so the burst is not
    // spread out by connection set-up, and each request runs as its own task.
    let warm = (0..40).map(|_| app.client.get(format!("{}/healthz", app.url)).send());
    for res in futures::future::join_all(warm).await {
        assert!(res.expect("healthz").status().is_success());
    }
    let before = app.services.db.statements_executed();
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(40));
    let burst: Vec<_> = (0..40)
        .map(|i| {
            let (client, start) = (app.client.clone(), start.clone());
            let path = if i % 2 == 0 {
                "/status"
            } else {
                "/status.json"
            };
            let url = format!("{}{path}", app.url);
            tokio::spawn(async move {
                start.wait().await;
                let res = client.get(url).send().await.expect("request");
                let status = res.status().as_u16();
                let headers = res.headers().clone();
                (status, headers, res.text().await.expect("body"))
            })
        })
        .collect();
    let answers: Vec<_> = futures::future::join_all(burst)
        .await
        .into_iter()
        .map(|joined| joined.expect("request task"))
        .collect();
    let after_burst = app.services.db.statements_executed();
    for (status, headers, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        assert_eq!(headers[CACHE_CONTROL], "public, max-age=300");
        assert!(body.contains("update 4"), "{body}");
    }
    assert_eq!(
        after_burst - before,
        2,
        "a cold burst runs exactly one refresh"
    );

    // Within the window, more visitors cost nothing.
    for _ in 0..3 {
        let answers = futures::future::join_all((0..20).map(|_| get(&app, "/status"))).await;
        assert!(answers.iter().all(|(status, _, _)| *status == 200));
    }
    assert_eq!(
        app.services.db.statements_executed(),
        after_burst,
        "no statement within the window"
    );
}

async fn a_new_update_shows_once_the_window_has_passed(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.status_page.cache_seconds = 1).await;
    let reporter = app.token("rep", &["viewer"]);
    let id = report(&app, &reporter, "Flaky search", "d").await;
    post_update(&app, &id, "PUBLIC", "first word", None).await;
    let (_, headers, html) = get(&app, "/status").await;
    assert_eq!(headers[CACHE_CONTROL], "public, max-age=1");
    assert!(html.contains("first word"));

    post_update(&app, &id, "PUBLIC", "second word", Some("MONITORING")).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let page = get_json(&app).await;
        if page["openIncidents"][0]["updates"][0]["body"] == "second word" {
            assert_eq!(page["openIncidents"][0]["status"], "MONITORING");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the cache never expired: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

//! GraphiQL in headless Chromium with no network beyond loopback: the page renders from the
//! server's own files, loads the schema over /graphql (its docs show the Query type's
//! fields), and a subscription started from its editor runs over /graphql/ws and shows an
//! event. Chromium is found, or the test skipped, as in status_browser.rs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{Value, json};

use crate::cdp::{Browser, Page};
use crate::on_both_databases;
use crate::status_browser::{REQUIRE_ENV, chromium};
use crate::support::{Backend, TestApp};

/// GraphiQL's own time to fetch the schema and render.
const RENDER: Duration = Duration::from_secs(30);

const TITLE: &str = "Checkout fails for customers watched from GraphiQL";

/// The text of the first element matching `selector`, or "".
fn text_of(selector: &str) -> String {
    format!("(document.querySelector({selector:?}) || {{}}).innerText || ''")
}

async fn open_graphiql(page: &mut Page, app: &TestApp) {
    // What a user's earlier visit left in this browser: the token typed into the Headers tab
    // (GraphiQL keeps it, `shouldPersistHeaders`), and the docs explorer left open.
    page.navigate(&format!("{}/", app.url)).await;
    let headers = json!({ "Authorization": format!("Bearer {}", app.admin()) }).to_string();
    page.eval(&format!(
        "localStorage.setItem('graphiql:headers', {headers:?}); \
         localStorage.setItem('graphiql:visiblePlugin', 'Documentation Explorer'); true"
    ))
    .await;
    page.navigate(&format!("{}/graphql", app.url)).await;
}

// Both databases: the subscription's event travels through the bus, which on PostgreSQL
// arrives by NOTIFY.
on_both_databases!(graphiql_shows_the_docs_and_runs_a_subscription_offline);

async fn graphiql_shows_the_docs_and_runs_a_subscription_offline(backend: Backend) {
    let Some(binary) = chromium() else {
        assert!(
            !std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1"),
            "chromium is not installed, and {REQUIRE_ENV}=1 requires the GraphiQL browser \
             test. Install it with `apt-get install -y chromium` (Debian)"
        );
        eprintln!(
            "SKIPPED graphiql_shows_the_docs_and_runs_a_subscription_offline: chromium is not \
             installed (`apt-get install -y chromium`; CI installs it and sets {REQUIRE_ENV}=1)"
        );
        return;
    };
    let app = TestApp::spawn(backend).await;
    let browser = Browser::launch(&binary).await;
    let mut page = browser.page().await;
    open_graphiql(&mut page, &app).await;

    // The docs explorer links the root types only once introspection over /graphql worked
    // (it may still be rendering when the link first shows: click until it is there).
    let docs = ".graphiql-doc-explorer";
    page.wait_for(
        &format!(
            "(a => a ? (a.click(), true) : false)(Array.from(document.querySelectorAll('{docs} a'))\
             .find(a => a.innerText.trim() === 'Query'))"
        ),
        "the docs explorer links the schema's Query type",
        RENDER,
    )
    .await;
    let query_docs = page
        .wait_for(
            &format!(
                "(t => t.includes('incidents') && t.includes('IncidentConnection') ? t : '')({})",
                text_of(docs)
            ),
            "the docs explorer shows the Query type's fields",
            RENDER,
        )
        .await;
    assert!(
        query_docs.as_str().is_some_and(|t| t.contains("incident")),
        "{query_docs}"
    );

    // A subscription typed into the editor and run with the execute button. GraphiQL reads
    // the operation's name from the editor a moment after a change; a click before that
    // runs the previous operation's name, which fails at once, so click again.
    let subscription = "subscription Watch { incidentEvents { kind incident { title } } }";
    page.eval(&format!(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue({subscription:?}); true"
    ))
    .await;
    // Live on the server: the page's websocket authenticated with the Headers tab's token.
    let mut live = false;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(1)).await;
        page.eval("document.querySelector('.graphiql-execute-button').click(); true")
            .await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !live && std::time::Instant::now() < deadline {
            live = app.services.bus.subscriber_count() > 0;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if live {
            break;
        }
    }
    let response = page.eval(&text_of(".graphiql-response")).await;
    assert!(
        live,
        "the subscription did not start; GraphiQL shows {response}"
    );
    app.report(&app.admin(), TITLE).await;
    page.wait_for(
        &format!("{}.includes({TITLE:?})", text_of(".graphiql-response")),
        "the subscription's event is shown in the response pane",
        RENDER,
    )
    .await;

    assert_only_this_server_was_asked(&page, &app);
    the_policy_stops_a_request_elsewhere(&mut page).await;
    screenshot(&mut page).await;
}

/// Should anything in the page try another origin, the Content-Security-Policy refuses it
/// before the network is involved (and this shows the check above would see a violation).
async fn the_policy_stops_a_request_elsewhere(page: &mut Page) {
    let outcome = page
        .eval(
            "fetch('https://graphiql.example/collect').then(() => 'reached', e => 'refused: ' + e)",
        )
        .await;
    assert!(
        outcome.as_str().is_some_and(|o| o.starts_with("refused")),
        "{outcome}"
    );
    let blocked = page
        .events_named("Network.loadingFailed")
        .any(|e| e["params"]["blockedReason"] == "csp")
        || page.events_named("Log.entryAdded").any(|e| {
            e["params"]["entry"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("Content Security Policy"))
        });
    assert!(
        blocked,
        "refused, but not by the policy: {:#}",
        Value::Array(page.events.clone())
    );
}

/// Every request and websocket of the page went to the test server, none failed, and the
/// browser reported no policy violation or uncaught error.
fn assert_only_this_server_was_asked(page: &Page, app: &TestApp) {
    let ws_url = format!("{}/graphql/ws", app.url.replacen("http", "ws", 1));
    let requests: Vec<&str> = page
        .events_named("Network.requestWillBeSent")
        .filter_map(|e| e["params"]["request"]["url"].as_str())
        .collect();
    assert!(
        requests
            .iter()
            .any(|u| u.ends_with("/graphiql/assets/graphiql-3.9.0.min.js")),
        "{requests:?}"
    );
    for url in &requests {
        assert!(
            url.starts_with(&format!("{}/", app.url)) || url.starts_with("data:"),
            "the page asked for {url}"
        );
    }
    let sockets: Vec<&str> = page
        .events_named("Network.webSocketCreated")
        .filter_map(|e| e["params"]["url"].as_str())
        .collect();
    assert_eq!(sockets, [ws_url.as_str()], "the page's websockets");
    let failed: Vec<&Value> = page.events_named("Network.loadingFailed").collect();
    assert!(failed.is_empty(), "failed loads: {failed:?}");
    let errors: Vec<&Value> = page
        .events_named("Runtime.exceptionThrown")
        .chain(page.events_named("Log.entryAdded").filter(|e| {
            e["params"]["entry"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("Content Security Policy"))
        }))
        .collect();
    assert!(errors.is_empty(), "errors in the page: {errors:#?}");
}

/// A picture for people (target/screenshots/graphiql.png, or HINDSIGHT_TEST_SCREENSHOT_DIR).
async fn screenshot(page: &mut Page) {
    let shot = page
        .call("Page.captureScreenshot", json!({ "format": "png" }))
        .await;
    let png = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        shot["data"].as_str().unwrap_or_default(),
    )
    .expect("a base64 PNG");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let dir = std::env::var_os("HINDSIGHT_TEST_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"));
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let path = dir.join("graphiql.png");
    std::fs::write(&path, png).expect("write the screenshot");
    eprintln!("GraphiQL screenshot: {}", path.display());
}

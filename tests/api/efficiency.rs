//! Nested fields load through DataLoaders: the number of SQL statements for a page does not
//! grow with the page size.

use serde_json::json;

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

const PAGE: &str = "query($first: Int!) { incidents(first: $first) { totalCount edges { node { id number status reporter { id name } timeline(first: 5) { totalCount edges { node { kind actor { name } } } } } } } }";

on_both_databases!(
    statements_per_page_do_not_grow_with_page_size,
    people_and_updates_of_a_page_load_in_constant_statements,
);

const TEAM_PAGE: &str = "query($first: Int!) { incidents(first: $first) { edges { node { id roles { role user { name } } responders { id } watchers { name } viewerIsWatching updates(first: 3) { body author { name } } nextUpdateDue } } } }";

/// The typical read of a console (a page of incidents with their reporters and the total) runs
/// entirely on the SQLite read connections, none of it on sea-orm's pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typical_read_runs_on_the_sqlite_readers() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.knowledge.poll_interval_ms = 3_600_000;
        s.webhooks.poll_interval_ms = 3_600_000;
        // The SLA and automation workers poll too (at most once a minute here).
        s.sla.check_interval_ms = 60_000;
        s.automation.check_interval_ms = 60_000;
    })
    .await;
    let token = app.token("reader", &["specialist"]);
    for i in 0..3 {
        app.report(&token, &format!("incident {i}")).await;
    }
    let query = "{ incidents(first: 20) { totalCount edges { node { id number title status reporter { id name } } } } }";
    let (all_before, readers_before) = (
        app.services.db.statements_executed(),
        app.services.db.statements_on_sqlite_readers(),
    );
    let data = app.ok(&token, query, json!({})).await;
    let all = app.services.db.statements_executed() - all_before;
    let on_readers = app.services.db.statements_on_sqlite_readers() - readers_before;
    assert_eq!(data["incidents"]["totalCount"], 3);
    assert_eq!(
        data["incidents"]["edges"][0]["node"]["reporter"]["name"],
        "User reader"
    );
    // The page, its total and its reporters.
    assert_eq!((all, on_readers), (3, 3));
}

async fn statements_per_page_do_not_grow_with_page_size(backend: Backend) {
    // This page of 100 with nested timelines is over the default complexity limit; the limit
    // is tested elsewhere, here it would only hide the statement count.
    // The index and webhook workers' polling would add their own statements to the count: no
    // polling here (this test changes nothing the knowledge base holds, and has no webhooks).
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.complexity = 100_000;
        s.knowledge.poll_interval_ms = 3_600_000;
        s.webhooks.poll_interval_ms = 3_600_000;
        // The SLA and automation workers poll too (at most once a minute here).
        s.sla.check_interval_ms = 60_000;
        s.automation.check_interval_ms = 60_000;
    })
    .await;
    // Ten reporters, a hundred incidents, each with two timeline events. Ten other people
    // triage them, so the timeline's actors are not already cached from the reporters.
    let tokens: Vec<String> = (0..10)
        .map(|i| app.token(&format!("reporter-{i}"), &["specialist"]))
        .collect();
    let triagers: Vec<String> = (0..10)
        .map(|i| app.token(&format!("triager-{i}"), &["specialist"]))
        .collect();
    for i in 0..100 {
        let id = app.report(&tokens[i % 10], &format!("incident {i}")).await;
        let (q, v) = crate::support::transition("triage", &id);
        app.ok(&triagers[i % 10], &q, v).await;
    }
    let reader = &tokens[0];
    let mut counts = Vec::new();
    for first in [1, 10, 100] {
        let before = app.services.db.statements_executed();
        let data = app.ok(reader, PAGE, json!({ "first": first })).await;
        let after = app.services.db.statements_executed();
        let edges = data["incidents"]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), first as usize);
        assert_eq!(edges[0]["node"]["timeline"]["totalCount"], 2);
        counts.push(after - before);
    }
    // incidents page, totalCount, reporters, timelines, timeline counts, actors.
    assert!(
        counts[2] <= 6,
        "a page of 100 took {} statements",
        counts[2]
    );
    assert_eq!(
        counts[0], counts[2],
        "statements for 1, 10 and 100 incidents: {counts:?}"
    );
    assert_eq!(
        counts[1], counts[2],
        "statements for 1, 10 and 100 incidents: {counts:?}"
    );
}

/// Roles, responders, watchers, updates and the cadence of a whole page load in one batch each,
/// as seen by a stakeholder (whose INTERNAL filter needs the roles they hold) and by an admin.
async fn people_and_updates_of_a_page_load_in_constant_statements(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.limits.complexity = 100_000;
        s.knowledge.poll_interval_ms = 3_600_000;
        s.webhooks.poll_interval_ms = 3_600_000;
        // The SLA and automation workers poll too (at most once a minute here).
        s.sla.check_interval_ms = 60_000;
        s.automation.check_interval_ms = 60_000;
    })
    .await;
    let admin = app.admin();
    let mut people = Vec::new();
    for i in 0..10 {
        people.push(app.sign_in(&format!("person-{i}"), &["viewer"]).await);
    }
    for i in 0..40 {
        let id = app.report(&admin, &format!("incident {i}")).await;
        let (q, v) = crate::support::transition("triage", &id);
        app.ok(&admin, &q, v).await;
        let assign = "mutation($id: ID!, $u: ID!) { assignRole(input: { incidentId: $id, userId: $u, role: SPECIALIST }) { id } }";
        app.ok(
            &admin,
            assign,
            json!({ "id": id, "u": format!("person-{}", i % 10) }),
        )
        .await;
        let watch = "mutation($id: ID!) { watchIncident(input: { incidentId: $id }) { id } }";
        app.ok(&people[(i + 1) % 10], watch, json!({ "id": id }))
            .await;
        let post = "mutation($id: ID!) { postUpdate(input: { incidentId: $id, audience: INTERNAL, body: \"internal\" }) { id } }";
        app.ok(&admin, post, json!({ "id": id })).await;
    }
    for reader in [&admin, &people[0]] {
        let mut counts = Vec::new();
        for first in [1, 10, 40] {
            let before = app.services.db.statements_executed();
            let data = app.ok(reader, TEAM_PAGE, json!({ "first": first })).await;
            let after = app.services.db.statements_executed();
            let edges = data["incidents"]["edges"].as_array().expect("edges");
            assert_eq!(edges.len(), first as usize);
            assert_eq!(edges[0]["node"]["roles"].as_array().unwrap().len(), 1);
            counts.push(after - before);
        }
        // One statement per kind: page, roles held (stakeholder), assignments, watchers,
        // watching, updates, last broadcasts, and users (which may take two or three rounds,
        // as users are asked for at different depths). One per incident would be over 40.
        assert!(
            counts.iter().all(|&n| n <= 12),
            "statements for 1, 10 and 40 incidents: {counts:?}"
        );
    }
}

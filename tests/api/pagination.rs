//! Relay pagination through the API: paging through 45 incidents in every order without
//! duplicates or gaps, the list filters alone and combined (with their totalCount), garbage
//! cursors, and paging through an incident's timeline.

use std::collections::HashSet;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

on_both_databases!(
    pages_through_all_incidents_in_every_order,
    filters_narrow_the_list_and_its_count,
    garbage_cursors_are_bad_user_input,
    timeline_pages_with_cursors,
);

const REPORTERS: [&str; 3] = ["alice", "bob", "carol"];

/// Impact and urgency giving P1 to P5.
const PRIORITIES: [(&str, &str, &str); 5] = [
    ("HIGH", "HIGH", "P1"),
    ("HIGH", "MEDIUM", "P2"),
    ("MEDIUM", "MEDIUM", "P3"),
    ("LOW", "MEDIUM", "P4"),
    ("LOW", "LOW", "P5"),
];

/// What the test made, to compute the expected answers from.
#[derive(Debug, Clone)]
struct Seeded {
    number: i64,
    reporter: &'static str,
    service: &'static str,
    category: Option<&'static str>,
    priority: Option<&'static str>,
    status: &'static str,
}

impl Seeded {
    /// The PRIORITY order's key: P1 first, untriaged last, newest first within a priority.
    fn priority_key(&self) -> (u8, i64) {
        let rank = self.priority.map_or(6, |p| p[1..].parse().expect("P1..P5"));
        (rank, -self.number)
    }
}

fn number(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|n| n.strip_prefix("INC-"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not an incident number: {value}"))
}

/// 45 incidents from three reporters on two services; every fourth triaged (P1..P5 in turn,
/// two categories) and some of those investigated or resolved; a few untriaged ones
/// cancelled.
async fn seed(app: &TestApp) -> Vec<Seeded> {
    let admin = app.admin();
    let mut seeded = Vec::new();
    for i in 1..=45_i64 {
        let reporter = REPORTERS[i as usize % 3];
        let service = if i % 2 == 0 { "search" } else { "checkout" };
        let data = app
            .ok(
                &app.token(reporter, &["viewer"]),
                "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id number } }",
                json!({ "input": { "title": format!("incident {i}"), "service": service } }),
            )
            .await;
        let id = data["reportIncident"]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let mut incident = Seeded {
            number: number(&data["reportIncident"]["number"]),
            reporter,
            service,
            category: None,
            priority: None,
            status: "NEW",
        };
        if i % 4 == 0 {
            let (impact, urgency, priority) = PRIORITIES[(i as usize / 4) % 5];
            let category = if i % 8 == 0 { "database" } else { "network" };
            let (q, mut v) = transition("triage", &id);
            v["input"]["impact"] = json!(impact);
            v["input"]["urgency"] = json!(urgency);
            v["input"]["category"] = json!(category);
            app.ok(&admin, &q, v).await;
            incident.category = Some(category);
            incident.priority = Some(priority);
            incident.status = "TRIAGED";
            let more: &[(&str, &'static str)] = if i % 12 == 0 {
                &[("investigate", "INVESTIGATING"), ("resolve", "RESOLVED")]
            } else if i % 8 == 0 {
                &[("investigate", "INVESTIGATING")]
            } else {
                &[]
            };
            for (action, status) in more {
                let (q, v) = transition(action, &id);
                app.ok(&admin, &q, v).await;
                incident.status = status;
            }
        } else if i % 10 == 1 {
            let (q, v) = transition("cancel", &id);
            app.ok(&admin, &q, v).await;
            incident.status = "CANCELLED";
        }
        seeded.push(incident);
    }
    seeded
}

const LIST: &str =
    "query($filter: IncidentFilter, $order: IncidentOrder!, $first: Int, $after: String) {
  incidents(filter: $filter, orderBy: $order, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { number } }
    nodes { number }
  }
}";

/// Pages through a list `first` at a time, checking each page, and returns the numbers in
/// the order served and the size of each page.
async fn page_through(
    app: &TestApp,
    filter: &Value,
    order: &str,
    first: usize,
) -> (Vec<i64>, Vec<usize>) {
    let token = app.token("reader", &["viewer"]);
    let mut numbers = Vec::new();
    let mut sizes = Vec::new();
    let mut after: Option<String> = None;
    let mut total = None;
    loop {
        let data = app
            .ok(
                &token,
                LIST,
                json!({ "filter": filter, "order": order, "first": first, "after": after }),
            )
            .await;
        let page = &data["incidents"];
        let edges = page["edges"].as_array().expect("edges");
        assert!(edges.len() <= first, "{order} {filter}: page too long");
        let page_numbers: Vec<i64> = edges.iter().map(|e| number(&e["node"]["number"])).collect();
        let node_numbers: Vec<i64> = page["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .map(|n| number(&n["number"]))
            .collect();
        assert_eq!(page_numbers, node_numbers, "edges and nodes agree");
        let count = page["totalCount"].as_i64().expect("totalCount");
        assert_eq!(
            *total.get_or_insert(count),
            count,
            "totalCount is the same on every page"
        );
        if let Some(last) = edges.last() {
            assert_eq!(page["pageInfo"]["endCursor"], last["cursor"]);
        }
        numbers.extend(page_numbers);
        sizes.push(edges.len());
        let has_next = page["pageInfo"]["hasNextPage"]
            .as_bool()
            .expect("hasNextPage");
        if !has_next {
            assert_eq!(
                numbers.len() as i64,
                count,
                "{order} {filter}: all {count} served"
            );
            break;
        }
        assert_eq!(edges.len(), first, "only the last page is short");
        assert!(
            sizes.len() <= 100,
            "{order} {filter}: hasNextPage never ends"
        );
        after = Some(
            page["pageInfo"]["endCursor"]
                .as_str()
                .expect("endCursor")
                .to_owned(),
        );
    }
    let unique: HashSet<i64> = numbers.iter().copied().collect();
    assert_eq!(
        unique.len(),
        numbers.len(),
        "{order} {filter}: duplicates in {numbers:?}"
    );
    (numbers, sizes)
}

async fn pages_through_all_incidents_in_every_order(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeded = seed(&app).await;
    let no_filter = json!(null);

    let newest: Vec<i64> = (1..=45).rev().collect();
    let (numbers, sizes) = page_through(&app, &no_filter, "NEWEST_FIRST", 20).await;
    assert_eq!(numbers, newest);
    assert_eq!(sizes, [20, 20, 5]);

    let oldest: Vec<i64> = (1..=45).collect();
    let (numbers, sizes) = page_through(&app, &no_filter, "OLDEST_FIRST", 20).await;
    assert_eq!(numbers, oldest);
    assert_eq!(sizes, [20, 20, 5]);

    // Pages that end exactly at the end: no empty page after the last.
    let (numbers, sizes) = page_through(&app, &no_filter, "OLDEST_FIRST", 15).await;
    assert_eq!(numbers, oldest);
    assert_eq!(sizes, [15, 15, 15]);

    let mut by_priority = seeded.clone();
    by_priority.sort_by_key(Seeded::priority_key);
    let by_priority: Vec<i64> = by_priority.iter().map(|s| s.number).collect();
    // Small pages put cursors inside and at the edges of the priority groups.
    for first in [20, 4, 3] {
        let (numbers, _) = page_through(&app, &no_filter, "PRIORITY", first).await;
        assert_eq!(numbers, by_priority, "PRIORITY, {first} at a time");
    }
    assert_eq!(by_priority[0] % 4, 0, "a triaged incident comes first");
    assert_eq!(
        *by_priority.last().expect("last"),
        seeded
            .iter()
            .filter(|s| s.priority.is_none())
            .map(|s| s.number)
            .min()
            .expect("untriaged"),
        "the oldest untriaged incident comes last"
    );

    // Without orderBy: newest first.
    let data = app
        .ok(
            &app.admin(),
            "{ incidents(first: 3) { nodes { number } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["incidents"]["nodes"],
        json!([{ "number": "INC-45" }, { "number": "INC-44" }, { "number": "INC-43" }])
    );

    // `first: 0` answers the count and whether there is anything at all.
    let data = app
        .ok(
            &app.admin(),
            "{ incidents(first: 0) { totalCount edges { cursor } pageInfo { hasNextPage } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        data["incidents"],
        json!({ "totalCount": 45, "edges": [], "pageInfo": { "hasNextPage": true } })
    );
}

async fn filters_narrow_the_list_and_its_count(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let seeded = seed(&app).await;
    type Pick = fn(&Seeded) -> bool;
    let cases: [(Value, Pick); 13] = [
        (json!({ "status": ["NEW"] }), |s| s.status == "NEW"),
        (json!({ "status": ["TRIAGED", "INVESTIGATING"] }), |s| {
            matches!(s.status, "TRIAGED" | "INVESTIGATING")
        }),
        (json!({ "status": ["CANCELLED", "RESOLVED"] }), |s| {
            matches!(s.status, "CANCELLED" | "RESOLVED")
        }),
        (json!({ "priority": ["P1"] }), |s| s.priority == Some("P1")),
        (json!({ "priority": ["P1", "P2"] }), |s| {
            matches!(s.priority, Some("P1" | "P2"))
        }),
        (json!({ "service": "search" }), |s| s.service == "search"),
        (json!({ "category": "database" }), |s| {
            s.category == Some("database")
        }),
        (json!({ "reporter": "alice" }), |s| s.reporter == "alice"),
        (json!({ "service": "checkout", "reporter": "bob" }), |s| {
            s.service == "checkout" && s.reporter == "bob"
        }),
        (
            json!({ "status": ["NEW"], "service": "search", "reporter": "carol" }),
            |s| s.status == "NEW" && s.service == "search" && s.reporter == "carol",
        ),
        (
            json!({ "priority": ["P3", "P4", "P5"], "category": "network" }),
            |s| matches!(s.priority, Some("P3" | "P4" | "P5")) && s.category == Some("network"),
        ),
        (
            json!({ "status": ["INVESTIGATING"], "category": "database", "service": "search" }),
            |s| {
                s.status == "INVESTIGATING"
                    && s.category == Some("database")
                    && s.service == "search"
            },
        ),
        (json!({ "service": "no-such-service" }), |_| false),
    ];
    for (filter, pick) in cases {
        let mut expected: Vec<i64> = seeded
            .iter()
            .filter(|s| pick(s))
            .map(|s| s.number)
            .collect();
        expected.sort_unstable_by(|a, b| b.cmp(a));
        // A filter that matches everything or nothing would not test anything, bar the last.
        assert!(expected.len() < 45, "{filter} matches everything");
        let (numbers, _) = page_through(&app, &filter, "NEWEST_FIRST", 7).await;
        assert_eq!(numbers, expected, "{filter}");

        let mut by_priority: Vec<&Seeded> = seeded.iter().filter(|s| pick(s)).collect();
        by_priority.sort_by_key(|s| s.priority_key());
        let by_priority: Vec<i64> = by_priority.iter().map(|s| s.number).collect();
        let (numbers, _) = page_through(&app, &filter, "PRIORITY", 3).await;
        assert_eq!(numbers, by_priority, "{filter} by priority");
    }
}

async fn garbage_cursors_are_bad_user_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.incident_in(&admin, "INVESTIGATING").await;
    app.report(&admin, "another").await;
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { incidents(first: 1) { edges { cursor } } incident(id: $id) { timeline(first: 1) { edges { cursor } } } }",
            json!({ "id": id }),
        )
        .await;
    let incident_cursor = data["incidents"]["edges"][0]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let event_cursor = data["incident"]["timeline"]["edges"][0]["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let b64 = |raw: &str| URL_SAFE_NO_PAD.encode(raw);
    let garbage = [
        "garbage".to_owned(),
        String::new(),
        "!!!".to_owned(),
        b64("i1:x:y"),
        b64("i1:5"),
        b64("i2:5:1"),
        b64("e1:abc"),
        URL_SAFE_NO_PAD.encode([0xff_u8, 0xfe, 0x00]),
        "🦀".repeat(10),
    ];

    let list = "query($after: String) { incidents(first: 5, after: $after) { totalCount } }";
    for cursor in garbage.iter().chain([&event_cursor]) {
        let (code, message) = app
            .error_code(&admin, list, json!({ "after": cursor }))
            .await;
        assert_eq!(
            code, "BAD_USER_INPUT",
            "incidents after {cursor:?}: {message}"
        );
        assert!(message.starts_with("after"), "names `after`: {message}");
    }
    let timeline = "query($id: ID!, $after: String) { incident(id: $id) { timeline(first: 5, after: $after) { totalCount } } }";
    for cursor in garbage.iter().chain([&incident_cursor]) {
        let (code, message) = app
            .error_code(&admin, timeline, json!({ "id": id, "after": cursor }))
            .await;
        assert_eq!(
            code, "BAD_USER_INPUT",
            "timeline after {cursor:?}: {message}"
        );
        assert!(message.starts_with("after"), "names `after`: {message}");
    }
    // The real cursors still work.
    let data = app
        .ok(&admin, list, json!({ "after": incident_cursor }))
        .await;
    assert_eq!(data["incidents"]["totalCount"], 2);
}

const TIMELINE: &str = "query($id: ID!, $first: Int, $after: String) {
  incident(id: $id) {
    timeline(first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id kind } }
    }
  }
}";

async fn timeline_pages_with_cursors(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.incident_in(&admin, "MITIGATED").await;
    // Another incident's events interleave with these; they must not leak into this timeline.
    let other = app.report(&admin, "interleaved").await;
    for (n, action) in ["resolve", "reopen", "triage", "resolve"]
        .into_iter()
        .enumerate()
    {
        let (q, v) = transition(action, &id);
        app.ok(&admin, &q, v).await;
        if n == 1 {
            let (q, v) = transition("triage", &other);
            app.ok(&admin, &q, v).await;
        }
    }
    let expected = [
        "REPORTED",
        "TRIAGED",
        "INVESTIGATION_STARTED",
        "MITIGATED",
        "RESOLVED",
        "REOPENED",
        "TRIAGED",
        "RESOLVED",
    ];

    for (first, sizes) in [
        (2, vec![2, 2, 2, 2]),
        (3, vec![3, 3, 2]),
        (8, vec![8]),
        (100, vec![8]),
    ] {
        let mut kinds = Vec::new();
        let mut ids = HashSet::new();
        let mut got_sizes = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let data = app
                .ok(
                    &admin,
                    TIMELINE,
                    json!({ "id": id, "first": first, "after": after }),
                )
                .await;
            let page = &data["incident"]["timeline"];
            assert_eq!(page["totalCount"], 8, "all events, not only this page");
            let edges = page["edges"].as_array().expect("edges");
            for edge in edges {
                kinds.push(edge["node"]["kind"].as_str().expect("kind").to_owned());
                assert!(
                    ids.insert(edge["node"]["id"].to_string()),
                    "duplicate event"
                );
            }
            got_sizes.push(edges.len());
            if !page["pageInfo"]["hasNextPage"]
                .as_bool()
                .expect("hasNextPage")
            {
                break;
            }
            assert!(got_sizes.len() < 20, "hasNextPage never ends");
            after = Some(
                page["pageInfo"]["endCursor"]
                    .as_str()
                    .expect("endCursor")
                    .to_owned(),
            );
        }
        assert_eq!(kinds, expected, "first: {first}");
        assert_eq!(got_sizes, sizes, "first: {first}");
    }

    // First pages of several incidents load together and stay apart.
    let data = app
        .ok(
            &admin,
            "{ incidents(orderBy: OLDEST_FIRST) { nodes { id timeline(first: 2) { totalCount nodes { kind } pageInfo { hasNextPage } } } } }",
            json!({}),
        )
        .await;
    let nodes = data["incidents"]["nodes"].as_array().expect("nodes");
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[0]["id"], id.as_str());
    assert_eq!(
        nodes[0]["timeline"],
        json!({ "totalCount": 8, "nodes": [{ "kind": "REPORTED" }, { "kind": "TRIAGED" }], "pageInfo": { "hasNextPage": true } })
    );
    assert_eq!(nodes[1]["id"], other.as_str());
    assert_eq!(
        nodes[1]["timeline"],
        json!({ "totalCount": 2, "nodes": [{ "kind": "REPORTED" }, { "kind": "TRIAGED" }], "pageInfo": { "hasNextPage": false } })
    );
}

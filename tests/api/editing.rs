//! Editing incidents through the API: `updateIncident` (each field, the INCIDENT_EDITED event's
//! before/after, stale versions, bad input, rights), labels and their filter, related-incident
//! links, the public title on the status page, and metrics measured from the impact start.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::status_page::{get, post_update};
use crate::support::{Backend, TestApp};
use crate::ws_client::{TRANSPORT_WS, WsClient};

on_both_databases!(
    each_field_is_edited_and_the_timeline_holds_only_what_changed,
    a_stale_version_is_a_conflict_and_changes_nothing,
    bad_input_is_refused_and_changes_nothing,
    who_may_edit_and_link,
    the_labels_filter_finds_incidents_having_all_of_them,
    related_links_go_both_ways_and_both_timelines_record_them,
    the_status_page_shows_the_public_title_and_not_the_internal_one,
    metrics_measure_mitigation_and_resolution_from_the_impact_start,
    edits_and_links_reach_subscribers,
    an_edit_is_delivered_to_webhooks_with_before_and_after,
    the_same_link_at_once_is_made_once,
);

const FIELDS: &str =
    "id version title description service impactStartedAt labels publicTitle createdAt";

fn update_mutation() -> String {
    format!(
        "mutation($input: UpdateIncidentInput!) {{ updateIncident(input: $input) {{ {FIELDS} }} }}"
    )
}

const INCIDENT: &str = "query($id: ID!) { incident(id: $id) {
    id version title description service impactStartedAt labels publicTitle createdAt
    related { id number }
    timeline(first: 100) { totalCount edges { node { kind before after } } } } }";

const LINK: &str = "mutation($input: RelatedIncidentsInput!) {
    linkRelatedIncidents(input: $input) { id version related { id } } }";
const UNLINK: &str = "mutation($input: RelatedIncidentsInput!) {
    unlinkRelatedIncidents(input: $input) { id version related { id } } }";

async fn incident(app: &TestApp, id: &str) -> Value {
    app.ok(&app.admin(), INCIDENT, json!({ "id": id })).await["incident"].clone()
}

/// The newest timeline event of an incident.
fn last_event(incident: &Value) -> Value {
    incident["timeline"]["edges"]
        .as_array()
        .and_then(|edges| edges.last())
        .map(|edge| edge["node"].clone())
        .expect("an event")
}

async fn report_labelled(app: &TestApp, title: &str, labels: Value) -> String {
    let data = app
        .ok(
            &app.admin(),
            "mutation($input: ReportIncidentInput!) { reportIncident(input: $input) { id labels } }",
            json!({ "input": { "title": title, "service": "checkout", "labels": labels } }),
        )
        .await;
    data["reportIncident"]["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

fn at(text: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text.as_str().expect("a timestamp"))
        .expect("rfc3339")
        .to_utc()
}

async fn each_field_is_edited_and_the_timeline_holds_only_what_changed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = report_labelled(
        &app,
        "db-pool-7 exhausted",
        json!(["Database", " database "]),
    )
    .await;
    let reported = incident(&app, &id).await;
    assert_eq!(
        reported["labels"],
        json!(["database"]),
        "normalised at the report"
    );
    assert_eq!(
        last_event(&reported)["after"]["labels"],
        json!(["database"])
    );
    assert_eq!(reported["impactStartedAt"], Value::Null);
    assert_eq!(reported["publicTitle"], Value::Null);
    let created = at(&reported["createdAt"]);
    let started = (created - Duration::minutes(45)).to_rfc3339();

    // One field at a time, each a new version with one event naming only that field.
    let edits = [
        ("title", json!("Checkout DB pool exhausted")),
        ("description", json!("pool size 20 was too small")),
        ("service", json!("payments")),
        ("impactStartedAt", json!(started)),
        ("labels", json!(["customer-facing", "DB"])),
        ("publicTitle", json!("Card payments are failing")),
    ];
    let mut version = reported["version"].as_i64().expect("version");
    let mut before = reported.clone();
    for (field, value) in edits {
        let mut input = json!({ "id": id, "expectedVersion": version });
        input[field] = value;
        let data = app
            .ok(&admin, &update_mutation(), json!({ "input": input }))
            .await;
        let edited = &data["updateIncident"];
        version += 1;
        assert_eq!(edited["version"], version, "{field}");
        let now = incident(&app, &id).await;
        let event = last_event(&now);
        assert_eq!(event["kind"], "INCIDENT_EDITED", "{field}");
        let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
        assert_eq!(
            keys(&event["after"]),
            Some(vec![field.to_owned()]),
            "{event}"
        );
        assert_eq!(
            keys(&event["before"]),
            Some(vec![field.to_owned()]),
            "{event}"
        );
        assert_eq!(
            event["after"][field],
            edited[field].clone().normalised_for(field)
        );
        if field != "impactStartedAt" {
            assert_eq!(event["before"][field], before[field], "{field}");
        }
        before = now;
    }
    let now = incident(&app, &id).await;
    assert_eq!(now["title"], "Checkout DB pool exhausted");
    assert_eq!(now["description"], "pool size 20 was too small");
    assert_eq!(now["service"], "payments");
    assert_eq!(at(&now["impactStartedAt"]), created - Duration::minutes(45));
    assert_eq!(now["labels"], json!(["customer-facing", "db"]));
    assert_eq!(now["publicTitle"], "Card payments are failing");

    // The same values again: nothing changes, no event, same version.
    let events = now["timeline"]["totalCount"].clone();
    let same = json!({ "input": { "id": id, "title": " Checkout DB pool exhausted ",
        "labels": ["db", "customer-facing"], "publicTitle": "Card payments are failing" } });
    let data = app.ok(&admin, &update_mutation(), same).await;
    assert_eq!(data["updateIncident"]["version"], version);
    assert_eq!(incident(&app, &id).await["timeline"]["totalCount"], events);

    // Several fields at once, and null clears the two clearable ones.
    let input = json!({ "input": { "id": id, "impactStartedAt": null, "publicTitle": null,
        "labels": [] } });
    let data = app.ok(&admin, &update_mutation(), input).await;
    let cleared = &data["updateIncident"];
    assert_eq!(cleared["impactStartedAt"], Value::Null);
    assert_eq!(cleared["publicTitle"], Value::Null);
    assert_eq!(cleared["labels"], json!([]));
    let event = last_event(&incident(&app, &id).await);
    assert_eq!(
        event["after"],
        json!({ "impactStartedAt": null, "publicTitle": null, "labels": [] })
    );
    assert_eq!(event["before"]["publicTitle"], "Card payments are failing");
    assert_eq!(event["before"]["labels"], json!(["customer-facing", "db"]));
}

trait NormaliseInstant {
    fn normalised_for(self, field: &str) -> Value;
}

impl NormaliseInstant for Value {
    /// The event holds timestamps as RFC 3339 with `+00:00`; the API answers them as it
    /// formats DateTime. Normalise both to an instant for comparison.
    fn normalised_for(self, field: &str) -> Value {
        if field == "impactStartedAt" {
            json!(at(&self).to_rfc3339())
        } else {
            self
        }
    }
}

async fn a_stale_version_is_a_conflict_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "first title").await;
    let (_, version) = app.state(&admin, &id).await;
    app.drive_to(&id, "TRIAGED").await;
    let events = app.timeline_len(&admin, &id).await;
    let (code, message) = app
        .error_code(
            &admin,
            &update_mutation(),
            json!({ "input": { "id": id, "expectedVersion": version, "title": "second title" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{message}");
    let now = incident(&app, &id).await;
    assert_eq!(now["title"], "first title");
    assert_eq!(app.timeline_len(&admin, &id).await, events);
}

async fn bad_input_is_refused_and_changes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = report_labelled(&app, "a title", json!(["keep"])).await;
    let before = incident(&app, &id).await;
    let created = at(&before["createdAt"]);
    let too_many: Vec<String> = (0..21).map(|i| format!("label-{i}")).collect();
    let cases = [
        (json!({ "title": "  " }), "title"),
        (json!({ "title": "x".repeat(201) }), "title"),
        (json!({ "service": "" }), "service"),
        (json!({ "description": "bell \u{7} here" }), "description"),
        (json!({ "publicTitle": "two\nlines" }), "publicTitle"),
        (json!({ "publicTitle": "" }), "publicTitle"),
        (
            json!({ "impactStartedAt": (created + Duration::minutes(5)).to_rfc3339() }),
            "impactStartedAt",
        ),
        (
            json!({ "impactStartedAt": "1900-01-01T00:00:00Z" }),
            "impactStartedAt",
        ),
        (json!({ "labels": too_many }), "labels"),
        (json!({ "labels": ["x".repeat(65)] }), "labels"),
        (json!({ "labels": ["ok", ""] }), "labels"),
        // A valid field beside a bad one: the valid one does not change either.
        (
            json!({ "title": "a new title", "labels": ["bad\tlabel"] }),
            "labels",
        ),
    ];
    for (fields, field) in cases {
        let mut input = fields.clone();
        input["id"] = json!(id);
        let (code, message) = app
            .error_code(&admin, &update_mutation(), json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{fields}: {message}");
        assert!(message.starts_with(field), "{fields}: {message}");
    }
    let (code, _) = app
        .error_code(
            &admin,
            &update_mutation(),
            json!({ "input": { "id": "INC-9999", "title": "nope" } }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    let after = incident(&app, &id).await;
    assert_eq!(after, before, "nothing changed");
}

async fn who_may_edit_and_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rita = app.token("reporter-rita", &["viewer"]);
    let id = app.report(&rita, "reported by a viewer").await;
    let other = app.report(&app.admin(), "another").await;
    let edit = |title: &str| json!({ "input": { "id": id, "title": title } });
    for (token, allowed) in [
        (app.token("viewer-vic", &["viewer"]), false),
        (app.token("comms-cat", &["communicator"]), false),
        (app.token("spec-sam", &["specialist"]), true),
        (app.token("mgr-max", &["manager"]), true),
        (rita.clone(), true),
    ] {
        let (_, body) = app.gql(&token, &update_mutation(), edit("edited")).await;
        let code = body["errors"][0]["extensions"]["code"].clone();
        if allowed {
            assert!(body.get("errors").is_none(), "{body}");
        } else {
            assert_eq!(code, "FORBIDDEN", "{body}");
        }
    }
    // The reporter may correct the report but not link incidents; a viewer may do neither.
    for token in [rita, app.token("viewer-vic", &["viewer"])] {
        let (code, _) = app
            .error_code(
                &token,
                LINK,
                json!({ "input": { "id": id, "relatedId": other } }),
            )
            .await;
        assert_eq!(code, "FORBIDDEN");
    }
    assert_eq!(incident(&app, &id).await["related"], json!([]));
    // No token at all: told nothing.
    let (_, body) = app.gql("", &update_mutation(), edit("anonymous")).await;
    assert!(body["errors"][0].is_object(), "{body}");
    assert_eq!(incident(&app, &id).await["title"], "edited");
}

async fn the_labels_filter_finds_incidents_having_all_of_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let both = report_labelled(&app, "both", json!(["db", "customer-facing"])).await;
    let db_only = report_labelled(&app, "db only", json!(["db"])).await;
    let _none = report_labelled(&app, "none", json!([])).await;
    let query = "query($labels: [String!]) { incidents(filter: {labels: $labels}) {
        totalCount edges { node { id labels } } } }";
    let ids = |data: &Value| {
        let mut ids: Vec<String> = data["incidents"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .map(|e| e["node"]["id"].as_str().expect("id").to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    let data = app.ok(&admin, query, json!({ "labels": ["DB"] })).await;
    assert_eq!(ids(&data), sorted(vec![both.clone(), db_only.clone()]));
    assert_eq!(data["incidents"]["totalCount"], 2);
    let data = app
        .ok(
            &admin,
            query,
            json!({ "labels": ["db", " Customer-Facing "] }),
        )
        .await;
    assert_eq!(ids(&data), vec![both.clone()]);
    assert_eq!(data["incidents"]["totalCount"], 1);
    let data = app
        .ok(&admin, query, json!({ "labels": ["nobody-uses-this"] }))
        .await;
    assert_eq!(data["incidents"]["totalCount"], 0);
    let data = app.ok(&admin, query, json!({ "labels": [] })).await;
    assert_eq!(data["incidents"]["totalCount"], 3);
    // Relabelling moves an incident in and out of the filter.
    app.ok(
        &admin,
        &update_mutation(),
        json!({ "input": { "id": db_only, "labels": ["customer-facing", "db"] } }),
    )
    .await;
    let data = app
        .ok(
            &admin,
            query,
            json!({ "labels": ["db", "customer-facing"] }),
        )
        .await;
    assert_eq!(ids(&data), sorted(vec![both, db_only]));
    let (code, message) = app
        .error_code(&admin, query, json!({ "labels": ["bad\u{1}label"] }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
}

async fn related_links_go_both_ways_and_both_timelines_record_them(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let specialist = app.token("spec-sam", &["specialist"]);
    let a = app.report(&admin, "checkout errors").await;
    let b = app.report(&admin, "payment gateway timeouts").await;
    let (a_events, b_events) = (
        app.timeline_len(&admin, &a).await,
        app.timeline_len(&admin, &b).await,
    );

    let data = app
        .ok(
            &specialist,
            LINK,
            json!({ "input": { "id": a, "relatedId": b } }),
        )
        .await;
    assert_eq!(
        data["linkRelatedIncidents"]["related"],
        json!([{ "id": b }])
    );
    let (ia, ib) = (incident(&app, &a).await, incident(&app, &b).await);
    assert_eq!(ia["related"][0]["id"], json!(b));
    assert_eq!(ib["related"][0]["id"], json!(a));
    for (i, other, events) in [(&ia, &b, a_events), (&ib, &a, b_events)] {
        assert_eq!(i["timeline"]["totalCount"], events + 1);
        let event = last_event(i);
        assert_eq!(event["kind"], "RELATED_INCIDENT_LINKED");
        assert_eq!(event["after"]["relatedId"], json!(other));
    }
    // Linking again, from either side, changes nothing.
    app.ok(
        &admin,
        LINK,
        json!({ "input": { "id": b, "relatedId": a } }),
    )
    .await;
    assert_eq!(app.timeline_len(&admin, &a).await, a_events + 1);
    assert_eq!(
        incident(&app, &b).await["related"].as_array().map(Vec::len),
        Some(1)
    );

    // No self-links; an unknown related incident is not found.
    let (code, message) = app
        .error_code(
            &admin,
            LINK,
            json!({ "input": { "id": a, "relatedId": a } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT", "{message}");
    let (code, message) = app
        .error_code(
            &admin,
            LINK,
            json!({ "input": { "id": a, "relatedId": "INC-999" } }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND", "{message}");
    assert!(message.starts_with("relatedId"), "{message}");

    // Unlinking from the other side removes both directions.
    let data = app
        .ok(
            &admin,
            UNLINK,
            json!({ "input": { "id": b, "relatedId": a } }),
        )
        .await;
    assert_eq!(data["unlinkRelatedIncidents"]["related"], json!([]));
    let (ia, ib) = (incident(&app, &a).await, incident(&app, &b).await);
    assert_eq!(
        (ia["related"].clone(), ib["related"].clone()),
        (json!([]), json!([]))
    );
    for (i, other) in [(&ia, &b), (&ib, &a)] {
        let event = last_event(i);
        assert_eq!(event["kind"], "RELATED_INCIDENT_UNLINKED");
        assert_eq!(event["before"]["relatedId"], json!(other));
    }
}

async fn the_status_page_shows_the_public_title_and_not_the_internal_one(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.status_page.cache_seconds = 1).await;
    let admin = app.admin();
    let id = app.report(&admin, "pgbouncer pool main-rw exhausted").await;
    post_update(&app, &id, "PUBLIC", "We are looking into it.", None).await;
    let (_, _, html) = get(&app, "/status").await;
    assert!(
        html.contains("pgbouncer pool main-rw exhausted"),
        "today's behaviour: {html}"
    );

    app.ok(
        &admin,
        &update_mutation(),
        json!({ "input": { "id": id, "publicTitle": "Some payments are failing" } }),
    )
    .await;
    // Past the one-second cache window.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, _, html) = get(&app, "/status").await;
    assert_eq!(status, 200);
    assert!(html.contains("Some payments are failing"), "{html}");
    assert!(
        !html.contains("pgbouncer"),
        "the internal title leaked: {html}"
    );
    let (_, _, body) = get(&app, "/status.json").await;
    assert!(body.contains("Some payments are failing"), "{body}");
    assert!(
        !body.contains("pgbouncer"),
        "the internal title leaked: {body}"
    );
}

const METRICS: &str = "query($filter: IncidentMetricsFilter!) {
    incidentMetrics(filter: $filter, interval: DAY) {
        buckets { reported mttm { count mean } mttr { count mean } } } }";

async fn metrics_measure_mitigation_and_resolution_from_the_impact_start(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "slow checkout").await;
    let created = at(&incident(&app, &id).await["createdAt"]);
    app.drive_to(&id, "MITIGATED").await;
    let (q, v) = crate::support::transition("resolve", &id);
    app.ok(&admin, &q, v).await;
    let filter = json!({ "filter": {
        "from": (created - Duration::days(1)).to_rfc3339(),
        "to": (created + Duration::days(1)).to_rfc3339() } });
    let totals = |data: &Value| {
        let buckets = data["incidentMetrics"]["buckets"]
            .as_array()
            .expect("buckets");
        let b = buckets
            .iter()
            .find(|b| b["reported"] == 1)
            .expect("the incident's bucket");
        (
            b["mttm"]["mean"].as_f64().expect("mttm"),
            b["mttr"]["mean"].as_f64().expect("mttr"),
        )
    };
    let (mttm, mttr) = totals(&app.ok(&admin, METRICS, filter.clone()).await);
    assert!(mttm < 60.0 && mttr < 60.0, "from the report: {mttm} {mttr}");

    // Resolved incidents can still be corrected: the impact began two hours before the report.
    app.ok(
        &admin,
        &update_mutation(),
        json!({ "input": { "id": id, "impactStartedAt": (created - Duration::hours(2)).to_rfc3339() } }),
    )
    .await;
    let (mttm, mttr) = totals(&app.ok(&admin, METRICS, filter).await);
    assert!(
        (7_200.0..7_260.0).contains(&mttm),
        "mttm from the impact start: {mttm}"
    );
    assert!(
        (7_200.0..7_260.0).contains(&mttr),
        "mttr from the impact start: {mttr}"
    );
}

async fn edits_and_links_reach_subscribers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let a = app.report(&admin, "a").await;
    let b = app.report(&admin, "b").await;
    let mut ws = WsClient::open(&app, TRANSPORT_WS, &admin).await;
    ws.subscribe(
        "all",
        "subscription { incidentEvents { kind after incident { id title version } } }",
        json!({}),
    )
    .await;
    app.wait_for_subscribers(1).await;
    app.ok(
        &admin,
        &update_mutation(),
        json!({ "input": { "id": a, "title": "a, renamed" } }),
    )
    .await;
    let payload = ws.next_for("all").await;
    let event = &payload["data"]["incidentEvents"];
    assert_eq!(event["kind"], "INCIDENT_EDITED", "{payload}");
    assert_eq!(event["after"], json!({ "title": "a, renamed" }));
    assert_eq!(event["incident"]["title"], "a, renamed");
    app.ok(
        &admin,
        LINK,
        json!({ "input": { "id": a, "relatedId": b } }),
    )
    .await;
    let mut linked = Vec::new();
    for _ in 0..2 {
        let payload = ws.next_for("all").await;
        let event = &payload["data"]["incidentEvents"];
        assert_eq!(event["kind"], "RELATED_INCIDENT_LINKED", "{payload}");
        linked.push(event["incident"]["id"].as_str().expect("id").to_owned());
    }
    linked.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(linked, expected, "both incidents' events are published");
    ws.close().await;
}

async fn an_edit_is_delivered_to_webhooks_with_before_and_after(backend: Backend) {
    use crate::webhooks::{Receiver, fast, ok};
    let app = TestApp::spawn_with(backend, fast).await;
    let receiver = Receiver::start(ok).await;
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret } }",
        json!({ "input": { "url": receiver.url("/edits"), "events": ["INCIDENT_EDITED"] } }),
    )
    .await;
    let id = app.report(&admin, "internal wording").await;
    app.ok(
        &admin,
        &update_mutation(),
        json!({ "input": { "id": id, "publicTitle": "Checkout is slow" } }),
    )
    .await;
    let got = receiver
        .wait_for("/edits", 1, std::time::Duration::from_secs(10))
        .await;
    assert_eq!(got.len(), 1, "only the subscribed kind is delivered");
    assert_eq!(got[0].kind(), "INCIDENT_EDITED");
    let body = got[0].json();
    let text = body.to_string();
    assert!(text.contains("Checkout is slow"), "{text}");
    assert!(text.contains("publicTitle"), "{text}");
}

async fn the_same_link_at_once_is_made_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    for _ in 0..5 {
        let a = app.report(&admin, "a").await;
        let b = app.report(&admin, "b").await;
        let events = app.timeline_len(&admin, &a).await;
        let one = app.gql(
            &admin,
            LINK,
            json!({ "input": { "id": a, "relatedId": b } }),
        );
        let other = app.gql(
            &admin,
            LINK,
            json!({ "input": { "id": b, "relatedId": a } }),
        );
        let (one, other) = tokio::join!(one, other);
        for (_, body) in [one, other] {
            if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
                assert_eq!(code, "CONFLICT", "{body}");
            }
        }
        assert_eq!(
            app.timeline_len(&admin, &a).await,
            events + 1,
            "linked once"
        );
        let related = incident(&app, &b).await["related"].clone();
        assert_eq!(related.as_array().map(Vec::len), Some(1), "{related}");
        assert_eq!(related[0]["id"], json!(a));
    }
}

//! `incidentMetrics` on backdated history brought in by the importer, checked against figures
//! worked out by hand, on SQLite and PostgreSQL; and its bad questions.

use serde_json::{Value, json};

use crate::import::{Setup, gql};
use crate::on_both_databases;
use crate::support::Backend;

/// January 2024, UTC. Day 1: A (P1, resolved after 1 h), B (P1, after 5 h), C (untriaged,
/// after 10 min). Day 2: nothing. Day 3: D (untriaged, still open).
const HISTORY: &[u8] = b"Ref,Headline,State,Opened at,Closed at,Team,Priority\n\
    A,Card payments fail,closed,2024-01-01T10:00:00Z,2024-01-01T11:00:00Z,payments,Highest\n\
    B,Refunds stuck,closed,2024-01-01T12:00:00Z,2024-01-01T17:00:00Z,payments,P1\n\
    C,Search slow,resolved,2024-01-01T09:00:00Z,2024-01-01T09:10:00Z,search,\n\
    D,Search index stale,open,2024-01-03T08:00:00Z,,search,\n";

const METRICS: &str = "query($filter: IncidentMetricsFilter!, $groupBy: [MetricsGroupBy!], $interval: MetricsInterval, $timeZone: String) {
    incidentMetrics(filter: $filter, groupBy: $groupBy, interval: $interval, timeZone: $timeZone) {
        interval timeZone
        buckets { start end service priority reported resolved reopened cancelled
            mtta { count mean median p90 } mttm { count mean median p90 } mttr { count mean median p90 }
            slaAttainment reopenRate withHelpfulSuggestion mttrWithHelpfulSuggestion mttrWithoutHelpfulSuggestion } } }";

fn january(extra: Value) -> Value {
    let mut variables = json!({
        "filter": { "from": "2024-01-01T00:00:00Z", "to": "2024-01-04T00:00:00Z" },
        "interval": "DAY",
    });
    for (key, value) in extra.as_object().expect("an object") {
        variables[key] = value.clone();
    }
    variables
}

async fn metrics_match_hand_computed_figures(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let file = setup.file("history.csv", HISTORY);
    let run = setup
        .import(
            &[
                "--format",
                "csv",
                "--map",
                "external_id=Ref,title=Headline,status=State,created=Opened at,resolved=Closed at,service=Team,priority=Priority",
            ],
            &file,
        )
        .await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 4, already imported 0, rejected 0, titles shortened 0"
    );
    let server = setup.server().await;

    let data = gql(&server, METRICS, january(json!({}))).await;
    let metrics = &data["incidentMetrics"];
    assert_eq!(metrics["interval"], "DAY");
    assert_eq!(metrics["timeZone"], "UTC");
    let buckets = metrics["buckets"].as_array().expect("buckets");
    assert_eq!(
        buckets.len(),
        3,
        "three days, the empty one too: {buckets:?}"
    );
    let day1 = &buckets[0];
    assert_eq!(day1["start"], "2024-01-01T00:00:00+00:00");
    assert_eq!(day1["end"], "2024-01-02T00:00:00+00:00");
    assert_eq!(
        (
            &day1["reported"],
            &day1["resolved"],
            &day1["reopened"],
            &day1["cancelled"]
        ),
        (&json!(3), &json!(3), &json!(0), &json!(0))
    );
    // Resolution times 600, 3,600 and 18,000 s: mean 7,400, median 3,600, and the 90th
    // percentile 3,600 + 0.8 × (18,000 − 3,600) = 15,120.
    assert_eq!(
        day1["mttr"],
        json!({ "count": 3, "mean": 7400.0, "median": 3600.0, "p90": 15120.0 })
    );
    // Imported tickets carry no triage stamp: the resolution is their first response.
    assert_eq!(day1["mtta"], day1["mttr"]);
    assert_eq!(
        day1["mttm"],
        json!({ "count": 0, "mean": null, "median": null, "p90": null })
    );
    // Default policy: A and B (P1) answered after 1 h and 5 h against 15 min: breached. C
    // (untriaged, held to 15 min) answered after 10 min, with no resolution target: met.
    assert_eq!(day1["slaAttainment"], json!(1.0 / 3.0));
    assert_eq!(day1["reopenRate"], json!(0.0));
    assert_eq!(day1["withHelpfulSuggestion"], json!(0.0));
    assert_eq!(day1["mttrWithHelpfulSuggestion"], Value::Null);
    assert_eq!(day1["mttrWithoutHelpfulSuggestion"], json!(7400.0));
    let day2 = &buckets[1];
    assert_eq!(day2["reported"], 0);
    assert_eq!(day2["mttr"]["mean"], Value::Null);
    assert_eq!(day2["slaAttainment"], Value::Null);
    let day3 = &buckets[2];
    assert_eq!(
        (&day3["reported"], &day3["resolved"]),
        (&json!(1), &json!(0))
    );
    assert_eq!(
        day3["slaAttainment"],
        json!(0.0),
        "D's response is long overdue"
    );

    // Grouped by service: two groups, each with all three days.
    let data = gql(&server, METRICS, january(json!({ "groupBy": ["SERVICE"] }))).await;
    let cells: Vec<(String, i64, Value)> = data["incidentMetrics"]["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| {
            (
                b["service"].as_str().expect("service").to_owned(),
                b["reported"].as_i64().expect("count"),
                b["mttr"]["mean"].clone(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("payments".to_owned(), 2, json!(10800.0)),
            ("payments".to_owned(), 0, Value::Null),
            ("payments".to_owned(), 0, Value::Null),
            ("search".to_owned(), 1, json!(600.0)),
            ("search".to_owned(), 0, Value::Null),
            ("search".to_owned(), 1, Value::Null),
        ]
    );

    // One service: only its incidents count (the filter is in the statement on both backends).
    let data = gql(
        &server,
        METRICS,
        json!({
            "filter": { "from": "2024-01-01T00:00:00Z", "to": "2024-01-04T00:00:00Z", "service": "search" },
            "interval": "MONTH",
        }),
    )
    .await;
    let reported: i64 = data["incidentMetrics"]["buckets"]
        .as_array()
        .expect("buckets")
        .iter()
        .map(|b| b["reported"].as_i64().expect("reported"))
        .sum();
    assert_eq!(reported, 2, "C and D are the search incidents: {data}");

    // One priority, one bucket for the period, in another time zone.
    let data = gql(
        &server,
        METRICS,
        json!({
            "filter": { "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z", "priority": "P1" },
            "interval": "MONTH", "groupBy": ["PRIORITY"], "timeZone": "Europe/Berlin",
        }),
    )
    .await;
    let buckets = data["incidentMetrics"]["buckets"]
        .as_array()
        .expect("buckets");
    // January in Berlin starts at 23:00 UTC on 31 December; the period ends inside
    // February's bucket, which is listed too.
    assert_eq!(buckets.len(), 2, "{buckets:?}");
    assert_eq!(buckets[0]["start"], "2023-12-31T23:00:00+00:00");
    assert_eq!(buckets[0]["priority"], "P1");
    assert_eq!(buckets[0]["reported"], 2);
    assert_eq!(buckets[0]["mttr"]["median"], json!(10800.0));
    assert_eq!(data["incidentMetrics"]["timeZone"], "Europe/Berlin");
}

async fn bad_metrics_questions_name_the_field(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let server = setup.server().await;
    let cases = [
        (
            json!({ "filter": { "from": "2024-02-01T00:00:00Z", "to": "2024-01-01T00:00:00Z" } }),
            "filter.from",
        ),
        (
            json!({ "filter": { "from": "1990-01-01T00:00:00Z", "to": "2040-01-01T00:00:00Z" } }),
            "filter.to",
        ),
        (
            json!({ "filter": { "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z" }, "timeZone": "Mars/Olympus_Mons" }),
            "timeZone",
        ),
        (
            json!({ "filter": { "from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z" }, "groupBy": ["SERVICE", "SERVICE"] }),
            "groupBy",
        ),
    ];
    for (variables, field) in cases {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/graphql", server.url))
            .bearer_auth(crate::durability::token())
            .json(&json!({ "query": METRICS, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("a JSON body");
        let error = &body["errors"][0];
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        let message = error["message"].as_str().expect("message");
        assert!(
            message.starts_with(&format!("{field}:")),
            "{field}: {message}"
        );
    }
}

on_both_databases!(
    metrics_match_hand_computed_figures,
    bad_metrics_questions_name_the_field,
);

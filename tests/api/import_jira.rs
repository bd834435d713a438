//! Real Jira exports through `hindsight import`: the `Issue key` as the id, `Component/s` as
//! the service, repeated `Comment` columns into the timeline, `Resolution` as a kind (Won't Do
//! and Duplicate tickets cancelled, outside the knowledge base, a duplicate linked to its
//! original), local times with `--time-zone`, a second run with another `--map` duplicating
//! nothing, and imported open tickets kept out of `overdueUpdates`.

use serde_json::{Value, json};

use crate::import::{Setup, gql};
use crate::on_both_databases;
use crate::support::Backend;

const EXPORT: &str = "Summary,Issue key,Issue id,Status,Priority,Resolution,Created,Resolved,Component/s,Component/s,Labels,Labels,Comment,Comment,Outward issue link (Duplicate),Custom field (Root cause),Description\n\
Checkout times out,OPS-1000,51000,Done,High,Done,30/Sep/21 17:20,01/Oct/21 9:05 AM,payments,api,db,p1,30/Sep/21 17:30;acc-1;Looking at the pool,01/Oct/21 09:00;acc-2;Raised the pool size to 50,,Pool exhausted,pool too small\n\
Checkout slow again,OPS-1001,51001,Closed,High,Duplicate,02/Oct/21 10:00,02/Oct/21 11:00,payments,,,,,,OPS-1000,,same\n\
Dark mode please,OPS-1002,51002,Resolved,Low,Won't Do,03/Oct/21 10:00,03/Oct/21 11:00,web,,,,,,,,\n\
Cart flickers,OPS-1003,51003,In Progress,Highest,,04/Oct/21 10:00,,web,,,,,,,,\n";

const INCIDENTS: &str = "{ incidents(first: 10, orderBy: OLDEST_FIRST) { edges { node {
    id number externalId title service status createdAt resolvedAt cancelledAt nextUpdateDue
    resolution { summary rootCause } duplicateOf { externalId }
    timeline(first: 10) { edges { node { kind at after } } } } } } }";

fn by_key(data: &Value) -> std::collections::BTreeMap<String, Value> {
    data["incidents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let node = e["node"].clone();
            (node["externalId"].as_str().expect("key").to_owned(), node)
        })
        .collect()
}

on_both_databases!(a_real_jira_export_imports_as_jira_meant_it);

async fn a_real_jira_export_imports_as_jira_meant_it(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let file = setup.file("jira.csv", EXPORT.as_bytes());
    let run = setup
        .import(
            &[
                "--format",
                "jira-csv",
                "--time-zone",
                "Europe/Berlin",
                "--map",
                "root_cause=Custom field (Root cause)",
            ],
            &file,
        )
        .await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 4, already imported 0, rejected 0, titles shortened 0",
        "{run:?}"
    );

    let server = setup.server().await;
    let incidents = by_key(&gql(&server, INCIDENTS, json!({})).await);
    assert_eq!(
        incidents.keys().collect::<Vec<_>>(),
        ["OPS-1000", "OPS-1001", "OPS-1002", "OPS-1003"],
        "the Issue key is the external id"
    );
    let done = &incidents["OPS-1000"];
    assert_eq!(done["status"], "RESOLVED");
    assert_eq!(done["service"], "payments", "the first Component/s");
    assert_eq!(
        done["createdAt"], "2021-09-30T15:20:00+00:00",
        "Berlin's 17:20 in summer is 15:20 UTC"
    );
    assert_eq!(done["resolvedAt"], "2021-10-01T07:05:00+00:00");
    assert_eq!(
        done["resolution"],
        json!({ "summary": "Pool exhausted", "rootCause": "Pool exhausted" }),
        "the mapped root cause, never `Done`"
    );
    let timeline = done["timeline"]["edges"].as_array().expect("timeline");
    let kinds: Vec<&str> = timeline
        .iter()
        .map(|e| e["node"]["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["IMPORTED", "NOTE_ADDED", "NOTE_ADDED"], "{done}");
    let note = &timeline[2]["node"];
    assert_eq!(note["after"]["body"], "Raised the pool size to 50");
    assert_eq!(note["after"]["imported"], true);
    assert_eq!(note["at"], "2021-10-01T07:00:00+00:00");
    let original = &timeline[0]["node"]["after"]["original"];
    assert_eq!(original["Labels"], json!(["db", "p1"]), "{original}");
    assert_eq!(original["Component/s"], json!(["payments", "api"]));

    let duplicate = &incidents["OPS-1001"];
    assert_eq!(duplicate["status"], "CANCELLED");
    assert_eq!(duplicate["resolution"], Value::Null);
    assert_eq!(duplicate["duplicateOf"]["externalId"], "OPS-1000");
    assert_eq!(duplicate["cancelledAt"], "2021-10-02T09:00:00+00:00");
    assert_eq!(incidents["OPS-1002"]["status"], "CANCELLED");

    // Only the ticket that was fixed is searchable.
    let started = std::time::Instant::now();
    loop {
        let data = gql(
            &server,
            "{ searchResolutions(query: \"checkout\") { edges { node { title } } } }",
            json!({}),
        )
        .await;
        let titles: Vec<&str> = data["searchResolutions"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .filter_map(|e| e["node"]["title"].as_str())
            .collect();
        if !titles.is_empty() {
            assert_eq!(titles, ["Checkout times out"], "cancelled tickets stay out");
            break;
        }
        assert!(started.elapsed().as_secs() < 20, "never indexed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    // The open P1 ticket from 2021 is not overdue: imported tickets join the cadence when
    // someone here triages them or posts an update.
    let open = &incidents["OPS-1003"];
    assert_eq!(open["status"], "INVESTIGATING");
    assert_eq!(open["nextUpdateDue"], Value::Null);
    let overdue = gql(&server, "{ overdueUpdates { incident { id } } }", json!({})).await;
    assert_eq!(overdue["overdueUpdates"], json!([]), "{overdue}");
    drop(server);

    // Another mapping of the same export (the Issue id as the external id) duplicates nothing.
    let again = setup
        .import(
            &["--format", "jira-csv", "--map", "external_id=Issue id"],
            &file,
        )
        .await;
    assert_eq!(
        again.succeeded().counts(),
        "imported 0, already imported 4, rejected 0, titles shortened 0",
        "{again:?}"
    );
    let csv = setup
        .import(
            &[
                "--format",
                "csv",
                "--map",
                "title=Summary,external_id=Issue id,created=Created",
            ],
            &file,
        )
        .await;
    assert_eq!(
        csv.succeeded().counts(),
        "imported 0, already imported 4, rejected 0, titles shortened 0",
        "{csv:?}"
    );
}

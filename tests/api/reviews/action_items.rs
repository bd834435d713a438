//! Action items: adding, moving along, listing across reviews (late ones first), and the
//! statements a page of them costs.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

async fn action_items_move_along_and_late_ones_are_listed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let ada = app.sign_in("u:ada", &["viewer"]).await;
    let bob = app.sign_in("u:bob", &["viewer"]).await;
    let id = resolved_p1(&app, &manager).await;
    let review = app
        .ok(
            &manager,
            &mutation("startReview", "StartReviewInput", "id"),
            json!({ "input": { "incidentId": id, "participantIds": ["u:bob"] } }),
        )
        .await["startReview"]["id"]
        .clone();
    app.ok(
        &manager,
        "mutation { reportProblem(input: { title: \"pool leak\", service: \"checkout\", impact: HIGH, urgency: HIGH }) { number } }",
        json!({}),
    )
    .await;
    let alert = add_item(
        &app,
        &manager,
        json!({ "reviewId": review, "title": "Alert on pool size", "ownerId": "u:ada", "dueDate": in_days(0), "kind": "DETECT", "problemId": "PRB-1" }),
    )
    .await;
    assert_eq!(alert["status"], "OPEN");
    assert_eq!(alert["overdue"], false, "due today is not late");
    assert_eq!(alert["problem"]["number"], "PRB-1");
    // A participant may add items; someone else who only reads may not.
    let bound = add_item(
        &app,
        &bob,
        json!({ "reviewId": review, "title": "Bound the pool", "ownerId": "u:bob", "dueDate": in_days(30), "kind": "PREVENT" }),
    )
    .await;
    let (code, _) = app
        .error_code(
            &ada,
            &mutation("addActionItem", "AddActionItemInput", "id"),
            json!({ "input": { "reviewId": review, "title": "x", "ownerId": "u:ada", "dueDate": in_days(1), "kind": "PROCESS" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let runbook = add_item(
        &app,
        &manager,
        json!({ "reviewId": review, "title": "Write the runbook", "ownerId": "u:ada", "dueDate": in_days(3), "kind": "PROCESS" }),
    )
    .await;

    // Make the alert item late, as time would.
    let alert_id = alert["id"].as_str().expect("id").to_owned();
    app.services
        .db
        .conn()
        .execute_unprepared(
            "UPDATE action_items SET due_date = '2020-01-01' WHERE title = 'Alert on pool size'",
        )
        .await
        .expect("backdate");
    let list = "query($filter: ActionItemFilter, $first: Int, $after: String) { actionItems(filter: $filter, first: $first, after: $after) { totalCount edges { cursor node { id title overdue dueDate incident { number } review { status } problem { number } } } pageInfo { hasNextPage } } }";
    let late = app
        .ok(&manager, list, json!({ "filter": { "overdue": true } }))
        .await;
    assert_eq!(late["actionItems"]["totalCount"], 1, "{late}");
    let node = &late["actionItems"]["edges"][0]["node"];
    assert_eq!(node["id"], alert_id.as_str());
    assert_eq!(node["overdue"], true);
    assert_eq!(node["dueDate"], "2020-01-01");
    assert_eq!(node["incident"]["number"], "INC-1");
    assert_eq!(node["review"]["status"], "DRAFT");
    assert_eq!(node["problem"]["number"], "PRB-1");
    let on_time = app
        .ok(&manager, list, json!({ "filter": { "overdue": false } }))
        .await;
    assert_eq!(on_time["actionItems"]["totalCount"], 2);
    // Ada's items, soonest due first, one page at a time.
    let first = app
        .ok(
            &ada,
            list,
            json!({ "filter": { "ownerId": "u:ada" }, "first": 1 }),
        )
        .await;
    assert_eq!(first["actionItems"]["totalCount"], 2);
    assert_eq!(
        first["actionItems"]["edges"][0]["node"]["id"],
        alert_id.as_str()
    );
    assert_eq!(first["actionItems"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["actionItems"]["edges"][0]["cursor"].clone();
    let second = app
        .ok(
            &ada,
            list,
            json!({ "filter": { "ownerId": "u:ada" }, "first": 1, "after": cursor }),
        )
        .await;
    assert_eq!(
        second["actionItems"]["edges"][0]["node"]["id"],
        runbook["id"]
    );
    assert_eq!(second["actionItems"]["pageInfo"]["hasNextPage"], false);

    // The owner moves their item along; someone else's they may not touch.
    let (_, body) = update_item(
        &app,
        &ada,
        json!({ "id": alert_id, "status": "IN_PROGRESS" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateActionItem"]["status"], "IN_PROGRESS",
        "{body}"
    );
    let (_, body) = update_item(
        &app,
        &ada,
        json!({ "id": bound["id"], "status": "IN_PROGRESS" }),
    )
    .await;
    assert_eq!(code_of(&body), "FORBIDDEN", "{body}");
    let (_, body) = update_item(
        &app,
        &ada,
        json!({ "id": alert_id, "status": "DONE", "expectedVersion": 1 }),
    )
    .await;
    assert_eq!(code_of(&body), "CONFLICT", "{body}");
    let (_, body) = update_item(
        &app,
        &ada,
        json!({ "id": alert_id, "status": "DONE", "expectedVersion": 2 }),
    )
    .await;
    assert_eq!(body["data"]["updateActionItem"]["status"], "DONE", "{body}");
    assert_eq!(
        body["data"]["updateActionItem"]["overdue"], false,
        "done is never late"
    );
    let (_, body) = update_item(
        &app,
        &ada,
        json!({ "id": alert_id, "status": "IN_PROGRESS" }),
    )
    .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("final"),
        "{body}"
    );
    // WONT_DO needs a reason; OPEN → OPEN is no transition.
    let (_, body) = update_item(
        &app,
        &bob,
        json!({ "id": bound["id"], "status": "WONT_DO" }),
    )
    .await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("reason:"),
        "{body}"
    );
    let (_, body) = update_item(&app, &bob, json!({ "id": bound["id"], "status": "OPEN" })).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("status:"),
        "{body}"
    );
    let (_, body) = update_item(
        &app,
        &bob,
        json!({ "id": bound["id"], "status": "WONT_DO", "reason": "PRB-1's fix bounds it" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateActionItem"]["status"], "WONT_DO",
        "{body}"
    );
    assert_eq!(
        body["data"]["updateActionItem"]["reason"],
        "PRB-1's fix bounds it"
    );

    let done = app
        .ok(
            &manager,
            list,
            json!({ "filter": { "status": ["DONE", "WONT_DO"] } }),
        )
        .await;
    assert_eq!(done["actionItems"]["totalCount"], 2);
    let listed = app
        .ok(
            &manager,
            "query($id: ID!) { review(id: $id) { actionItems { title status } } }",
            json!({ "id": review }),
        )
        .await;
    assert_eq!(
        listed["review"]["actionItems"],
        json!([
            { "title": "Alert on pool size", "status": "DONE" },
            { "title": "Write the runbook", "status": "OPEN" },
            { "title": "Bound the pool", "status": "WONT_DO" },
        ])
    );
    let (code, _) = app
        .error_code(&manager, list, json!({ "after": "bm9wZQ" }))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
}

/// Pages of action items (with their review, incident, owner and problem) and of incidents
/// (with their review and its items) cost the same number of statements whatever their size.
async fn review_pages_load_in_constant_statements(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.knowledge.poll_interval_ms = 3_600_000;
        s.webhooks.poll_interval_ms = 3_600_000;
        s.sla.check_interval_ms = 60_000;
        s.automation.check_interval_ms = 60_000;
    })
    .await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    app.sign_in("u:ada", &["viewer"]).await;
    for title in ["pool leak", "disk full"] {
        app.ok(
            &manager,
            "mutation($t: String!) { reportProblem(input: { title: $t, service: \"checkout\", impact: HIGH, urgency: HIGH }) { number } }",
            json!({ "t": title }),
        )
        .await;
    }
    for i in 0..6 {
        let id = resolved_p1(&app, &manager).await;
        let review = start(&app, &manager, &id).await;
        add_item(
            &app,
            &manager,
            json!({ "reviewId": review["id"], "title": format!("item {i}"), "ownerId": if i % 2 == 0 { "u:m" } else { "u:ada" }, "dueDate": in_days(i), "kind": "PREVENT", "problemId": format!("PRB-{}", 1 + i % 2) }),
        )
        .await;
    }
    let items = "query($first: Int!) { actionItems(first: $first) { totalCount edges { node { title overdue owner { name } incident { number } review { status owner { name } } problem { number } } } } }";
    let incidents = "query($first: Int!) { incidents(first: $first) { edges { node { number review { status owner { name } actionItems { title owner { name } } } } } } }";
    for query in [items, incidents] {
        let mut counts = Vec::new();
        for first in [2, 6] {
            // Resolving incidents woke the index worker, whose statements may still land in
            // a count: the fewest of a few runs is the request's own.
            let mut fewest = u64::MAX;
            for _ in 0..5 {
                let before = app.services.db.statements_executed();
                let data = app.ok(&manager, query, json!({ "first": first })).await;
                fewest = fewest.min(app.services.db.statements_executed() - before);
                assert!(
                    !data.to_string().contains("null"),
                    "every nested field loaded: {data}"
                );
            }
            counts.push(fewest);
        }
        assert_eq!(
            counts[0], counts[1],
            "statements for 2 and 6 rows: {counts:?}\n{query}"
        );
    }
}

on_both_databases!(
    action_items_move_along_and_late_ones_are_listed,
    review_pages_load_in_constant_statements,
);

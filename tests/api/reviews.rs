//! Post-incident reviews through the API: a review pre-filled from the timeline and the
//! resolution, edited with versions, published, and the close rule it satisfies; action
//! items and the list of late ones; the Markdown export over GET; who may do what; and every
//! bad input refused without writing anything.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

const REVIEW: &str = "id status version owner { id } participants { id } summary customerImpact whatHappened rootCause contributingFactors wentWell wentBadly lessons publishedAt actionItems { id title status }";
const ITEM: &str =
    "id title status reason dueDate kind overdue version owner { id } problem { number }";

fn mutation(name: &str, input_type: &str, fields: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {fields} }} }}")
}

async fn start(app: &TestApp, token: &str, incident: &str) -> Value {
    app.ok(
        token,
        &mutation("startReview", "StartReviewInput", REVIEW),
        json!({ "input": { "incidentId": incident } }),
    )
    .await["startReview"]
        .clone()
}

async fn try_start(app: &TestApp, token: &str, input: Value) -> (String, String) {
    app.error_code(
        token,
        &mutation("startReview", "StartReviewInput", "id"),
        json!({ "input": input }),
    )
    .await
}

async fn update(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(
        token,
        &mutation("updateReview", "UpdateReviewInput", REVIEW),
        json!({ "input": input }),
    )
    .await["updateReview"]
        .clone()
}

async fn move_review(app: &TestApp, token: &str, name: &str, id: &Value) -> Value {
    app.ok(
        token,
        &mutation(name, "ReviewChangeInput", REVIEW),
        json!({ "input": { "id": id } }),
    )
    .await[name]
        .clone()
}

async fn add_item(app: &TestApp, token: &str, input: Value) -> Value {
    app.ok(
        token,
        &mutation("addActionItem", "AddActionItemInput", ITEM),
        json!({ "input": input }),
    )
    .await["addActionItem"]
        .clone()
}

async fn update_item(app: &TestApp, token: &str, input: Value) -> (StatusCode, Value) {
    app.gql(
        token,
        &mutation("updateActionItem", "UpdateActionItemInput", ITEM),
        json!({ "input": input }),
    )
    .await
}

fn code_of(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("<no error>")
}

async fn close(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    let (q, v) = transition("close", id);
    app.gql(token, &q, v).await
}

async fn kinds(app: &TestApp, id: &str) -> Vec<String> {
    let data = app
        .ok(
            &app.admin(),
            "query($id: ID!) { incident(id: $id) { timeline(first: 100) { edges { node { kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["kind"].as_str().expect("kind").to_owned())
        .collect()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn in_days(days: i64) -> String {
    (today() + chrono::Days::new(days as u64)).to_string()
}

/// A P1 incident (the test harness triages HIGH/HIGH), resolved, reported by `reporter`.
async fn resolved_p1(app: &TestApp, reporter: &str) -> String {
    app.incident_in(reporter, "RESOLVED").await
}

async fn get_markdown(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = app.client.get(format!("{}/reviews/{path}", app.url));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.expect("request")
}

async fn a_review_is_prefilled_edited_published_and_then_the_incident_closes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let admin = app.admin();
    let id = resolved_p1(&app, &manager).await;
    // The scribe's remark beside the triage event belongs in the review.
    let data = app
        .ok(
            &admin,
            "query($id: ID!) { incident(id: $id) { timeline { edges { node { id kind } } } } }",
            json!({ "id": id }),
        )
        .await;
    let triaged = data["incident"]["timeline"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["node"]["kind"] == "TRIAGED")
        .expect("a TRIAGED event")["node"]["id"]
        .clone();
    app.ok(
        &admin,
        "mutation($input: AnnotateTimelineEventInput!) { annotateTimelineEvent(input: $input) { id } }",
        json!({ "input": { "incidentId": id, "eventId": triaged, "annotation": "paged the DBA at 02:10" } }),
    )
    .await;

    // A P1 incident does not close without a published review (the default policy).
    let (_, body) = close(&app, &manager, &id).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("PUBLISHED review"), "{message}");
    assert!(message.contains("INC-1 has no review"), "{message}");
    assert_eq!(app.state(&admin, &id).await.0, "RESOLVED");

    let events_before = app.timeline_len(&admin, &id).await;
    let review = start(&app, &manager, "INC-1").await;
    assert_eq!(review["status"], "DRAFT");
    assert_eq!(review["version"], 1);
    assert_eq!(review["owner"]["id"], "u:m", "the starter owns it");
    let what = review["whatHappened"].as_str().expect("whatHappened");
    for expected in [
        "Time to triage: ",
        "Time to mitigate: not recorded",
        "Time to resolve: ",
        "| Time (UTC) | Actor | Event | Details | Annotation |",
        "| Reported |",
        "| Triaged |",
        "| Investigation started |",
        "| Resolved |",
        "User test-admin",
        "User u:m",
        "paged the DBA at 02:10",
        "resolution.summary: restarted the pool",
    ] {
        assert!(what.contains(expected), "missing `{expected}` in:\n{what}");
    }
    let table_rows = what.lines().filter(|l| l.starts_with("| 20")).count();
    assert_eq!(
        table_rows as i64, events_before,
        "one row per event:\n{what}"
    );
    let cause = review["rootCause"].as_str().expect("rootCause");
    assert!(cause.starts_with("leak"), "{cause}");
    assert!(
        cause.contains("**Resolution:** restarted the pool"),
        "{cause}"
    );
    assert!(cause.contains("**Fix:** patched"), "{cause}");
    assert_eq!(app.timeline_len(&admin, &id).await, events_before + 1);
    assert_eq!(
        kinds(&app, &id).await.last().map(String::as_str),
        Some("REVIEW_STARTED")
    );
    let linked = app
        .ok(
            &app.token("u:v", &["viewer"]),
            "query($id: ID!) { incident(id: $id) { review { id status } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        linked["incident"]["review"],
        json!({ "id": review["id"], "status": "DRAFT" }),
        "everyone who reads the incident reads its review"
    );

    // Two editors from version 1: the first wins, the second gets CONFLICT.
    let edited = update(
        &app,
        &manager,
        json!({ "id": review["id"], "expectedVersion": 1, "summary": "The pool leaked.", "contributingFactors": ["no alert on pool size", "  ", "a deploy on Friday"] }),
    )
    .await;
    assert_eq!(edited["version"], 2);
    assert_eq!(edited["summary"], "The pool leaked.");
    assert_eq!(
        edited["contributingFactors"],
        json!(["no alert on pool size", "a deploy on Friday"])
    );
    assert_eq!(edited["whatHappened"], review["whatHappened"], "untouched");
    let (code, message) = app
        .error_code(
            &admin,
            &mutation("updateReview", "UpdateReviewInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 1, "summary": "Something else" } }),
        )
        .await;
    assert_eq!(code, "CONFLICT", "{message}");
    let now = app
        .ok(
            &admin,
            "query($id: ID!) { review(id: $id) { summary version } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(
        now["review"],
        json!({ "summary": "The pool leaked.", "version": 2 })
    );

    let submitted = move_review(&app, &manager, "submitReview", &review["id"]).await;
    assert_eq!(submitted["status"], "IN_REVIEW");
    let (_, body) = close(&app, &manager, &id).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("is IN_REVIEW"), "{body}");
    let published = move_review(&app, &manager, "publishReview", &review["id"]).await;
    assert_eq!(published["status"], "PUBLISHED");
    assert!(published["publishedAt"].is_string());
    assert_eq!(
        kinds(&app, &id).await.last().map(String::as_str),
        Some("REVIEW_PUBLISHED")
    );
    let (status, body) = close(&app, &manager, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["closeIncident"]["status"], "CLOSED", "{body}");
}

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

async fn the_markdown_export_is_one_document_for_those_who_may_read_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let id = resolved_p1(&app, &manager).await;
    let data = app
        .ok(
            &manager,
            "query($id: ID!) { incident(id: $id) { timeline { edges { node { id } } } } }",
            json!({ "id": id }),
        )
        .await;
    let first_event = data["incident"]["timeline"]["edges"][0]["node"]["id"].clone();
    app.ok(
        &manager,
        "mutation($input: AnnotateTimelineEventInput!) { annotateTimelineEvent(input: $input) { id } }",
        json!({ "input": { "incidentId": id, "eventId": first_event, "annotation": "first line\nsecond | line" } }),
    )
    .await;
    let review = start(&app, &manager, &id).await;
    update(
        &app,
        &manager,
        json!({ "id": review["id"], "expectedVersion": 1, "summary": "The pool leaked.", "lessons": "Watch the pool." }),
    )
    .await;
    add_item(
        &app,
        &manager,
        json!({ "reviewId": review["id"], "title": "Alert on pool | queue size", "ownerId": "u:m", "dueDate": in_days(7), "kind": "DETECT" }),
    )
    .await;

    let res = get_markdown(&app, Some(&manager), "INC-1.md").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()[reqwest::header::CONTENT_TYPE],
        "text/markdown; charset=utf-8"
    );
    let document = res.text().await.expect("body");
    for expected in [
        "# Post-incident review: INC-1 ",
        "- Status: DRAFT",
        "- Owner: User u:m",
        "## Summary\n\nThe pool leaked.",
        "## What happened",
        "| Time (UTC) | Actor | Event | Details | Annotation |",
        "first line<br>second \\| line",
        "## Root cause\n\nleak",
        "## Lessons\n\nWatch the pool.",
        "## Action items",
        "| Title | Owner | Due | Kind | Status | Problem |",
    ] {
        assert!(
            document.contains(expected),
            "missing `{expected}` in:\n{document}"
        );
    }
    let item_row = format!(
        "| Alert on pool \\| queue size | User u:m | {} | DETECT | OPEN |  |",
        in_days(7)
    );
    assert!(document.contains(&item_row), "{item_row} in:\n{document}");
    // Every table row keeps its column count: nothing inside a cell broke it.
    for line in document.lines().filter(|l| l.starts_with("| 20")) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 6, "{line}");
    }
    // By the incident's id as well; and the same document as `Review.markdown`.
    let by_id = get_markdown(&app, Some(&manager), &format!("{id}.md")).await;
    assert_eq!(by_id.status(), StatusCode::OK);
    assert_eq!(by_id.text().await.expect("body"), document);
    let field = app
        .ok(
            &app.token("u:v", &["viewer"]),
            "query($id: ID!) { review(id: $id) { markdown } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(field["review"]["markdown"], document.as_str());

    // No rights: NOT_FOUND, as for anything the caller may not read; no token: 401.
    let nobody = app.token("u:nobody", &[]);
    for (token, path, status, code) in [
        (Some(nobody.as_str()), "INC-1.md", 404, "NOT_FOUND"),
        (None, "INC-1.md", 401, "UNAUTHENTICATED"),
        (Some(manager.as_str()), "INC-99.md", 404, "NOT_FOUND"),
        (Some(manager.as_str()), "INC-1", 404, "NOT_FOUND"),
        (Some(manager.as_str()), "garbage.md", 404, "NOT_FOUND"),
    ] {
        let res = get_markdown(&app, token, path).await;
        assert_eq!(res.status().as_u16(), status, "{path}");
        let body: Value = res.json().await.expect("a JSON error");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], code,
            "{path}: {body}"
        );
    }
    let (code, _) = app
        .error_code(
            &nobody,
            "query($id: ID!) { review(id: $id) { markdown } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
    // An incident without a review has no document.
    let other = resolved_p1(&app, &manager).await;
    let res = get_markdown(&app, Some(&manager), &format!("{other}.md")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

async fn closing_waits_for_a_review_only_where_the_setting_says(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    // P3 (MEDIUM/MEDIUM): not in the default ["P1", "P2"], closes without a review.
    let p3 = app.report(&manager, "slow page").await;
    app.ok(
        &manager,
        "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"web\", impact: MEDIUM, urgency: MEDIUM }) { priority } }",
        json!({ "id": p3 }),
    )
    .await;
    for action in ["investigate", "resolve"] {
        let (q, v) = transition(action, &p3);
        app.ok(&manager, &q, v).await;
    }
    let (_, body) = close(&app, &manager, &p3).await;
    assert_eq!(body["data"]["closeIncident"]["status"], "CLOSED", "{body}");
    drop(app);

    // Empty: nothing waits.
    let app = TestApp::spawn_with(backend.clone(), |s| s.reviews.required_for = vec![]).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let p1 = resolved_p1(&app, &manager).await;
    let (_, body) = close(&app, &manager, &p1).await;
    assert_eq!(body["data"]["closeIncident"]["status"], "CLOSED", "{body}");
    drop(app);

    // P1 only, and the review must be published, not merely started.
    let app = TestApp::spawn_with(backend, |s| s.reviews.required_for = vec!["P1".into()]).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let p1 = resolved_p1(&app, &manager).await;
    let review = start(&app, &manager, &p1).await;
    let (_, body) = close(&app, &manager, &p1).await;
    assert_eq!(code_of(&body), "BAD_USER_INPUT", "{body}");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("is DRAFT"),
        "{body}"
    );
    assert_eq!(
        app.state(&manager, &p1).await,
        ("RESOLVED".to_owned(), 4),
        "nothing written"
    );
    move_review(&app, &manager, "submitReview", &review["id"]).await;
    move_review(&app, &manager, "publishReview", &review["id"]).await;
    let (_, body) = close(&app, &manager, &p1).await;
    assert_eq!(body["data"]["closeIncident"]["status"], "CLOSED", "{body}");
    // A review may still be started for a closed incident (P5 closes without one).
    let closed = app.report(&manager, "typo on the about page").await;
    app.ok(
        &manager,
        "mutation($id: ID!) { triageIncident(input: { id: $id, category: \"web\", impact: LOW, urgency: LOW }) { priority } }",
        json!({ "id": closed }),
    )
    .await;
    for action in ["investigate", "resolve", "close"] {
        let (q, v) = transition(action, &closed);
        app.ok(&manager, &q, v).await;
    }
    assert_eq!(start(&app, &manager, &closed).await["status"], "DRAFT");
}

async fn who_may_start_edit_and_read_reviews(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let specialist = app.sign_in("u:s", &["specialist"]).await;
    let lead = app.sign_in("u:im", &["viewer"]).await;
    let owner = app.sign_in("u:owner", &["viewer"]).await;
    let id = resolved_p1(&app, &manager).await;
    // A specialist may not start one; the incident's incident manager may.
    let (code, _) = try_start(&app, &specialist, json!({ "incidentId": id })).await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = try_start(&app, &lead, json!({ "incidentId": id })).await;
    assert_eq!(code, "FORBIDDEN", "not yet their incident");
    app.ok(
        &manager,
        "mutation($input: AssignRoleInput!) { assignRole(input: $input) { id } }",
        json!({ "input": { "incidentId": id, "userId": "u:im", "role": "INCIDENT_MANAGER" } }),
    )
    .await;
    let review = app
        .ok(
            &lead,
            &mutation("startReview", "StartReviewInput", "id version owner { id }"),
            json!({ "input": { "incidentId": id, "ownerId": "u:owner" } }),
        )
        .await["startReview"]
        .clone();
    assert_eq!(review["owner"]["id"], "u:owner");
    // The owner edits and submits; a specialist may not edit.
    let edited = update(
        &app,
        &owner,
        json!({ "id": review["id"], "expectedVersion": 1, "wentWell": "Paging worked." }),
    )
    .await;
    assert_eq!(edited["wentWell"], "Paging worked.");
    let (code, _) = app
        .error_code(
            &specialist,
            &mutation("updateReview", "UpdateReviewInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 2, "wentBadly": "x" } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
    let (code, _) = app
        .error_code(
            &app.token("u:nobody", &[]),
            "query($id: ID!) { review(id: $id) { id } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND", "no known role: no review");
    let read = app
        .ok(
            &specialist,
            "query($id: ID!) { review(id: $id) { wentWell incident { number } } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(read["review"]["incident"]["number"], "INC-1");
}

async fn bad_review_input_is_refused_and_writes_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let admin = app.admin();

    // A review of an open incident.
    let open = app.incident_in(&manager, "INVESTIGATING").await;
    let before = app.timeline_len(&admin, &open).await;
    let (code, message) = try_start(&app, &manager, json!({ "incidentId": open })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.starts_with("incidentId: INC-1 is INVESTIGATING"),
        "{message}"
    );
    assert_eq!(app.timeline_len(&admin, &open).await, before);
    let none = app
        .ok(
            &manager,
            "query($id: ID!) { incident(id: $id) { review { id } } }",
            json!({ "id": open }),
        )
        .await;
    assert_eq!(none["incident"]["review"], Value::Null);
    let cancelled = app.incident_in(&manager, "CANCELLED").await;
    let (code, _) = try_start(&app, &manager, json!({ "incidentId": cancelled })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    // Unknown people and incidents.
    let resolved = resolved_p1(&app, &manager).await;
    let (code, message) = try_start(
        &app,
        &manager,
        json!({ "incidentId": resolved, "ownerId": "u:ghost" }),
    )
    .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.starts_with("ownerId: no user `u:ghost`"),
        "{message}"
    );
    let (code, message) = try_start(
        &app,
        &manager,
        json!({ "incidentId": resolved, "participantIds": ["u:m", "u:ghost"] }),
    )
    .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.starts_with("participantIds:"), "{message}");
    let (code, _) = try_start(&app, &manager, json!({ "incidentId": "INC-99" })).await;
    assert_eq!(code, "NOT_FOUND");
    let (code, message) = try_start(&app, &manager, json!({ "incidentId": "INC-x" })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.starts_with("incidentId:"), "{message}");

    // A second review of one incident.
    let events = app.timeline_len(&admin, &resolved).await;
    let review = start(&app, &manager, &resolved).await;
    let (code, message) = try_start(&app, &manager, json!({ "incidentId": resolved })).await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.contains("already has a review"), "{message}");
    assert_eq!(
        app.timeline_len(&admin, &resolved).await,
        events + 1,
        "one REVIEW_STARTED"
    );

    // A 200,000-character section: refused, naming the field; the review is unchanged.
    let (code, message) = app
        .error_code(
            &manager,
            &mutation("updateReview", "UpdateReviewInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 1, "summary": "ok", "customerImpact": "x".repeat(200_000) } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.starts_with("customerImpact: is 200000 characters long; at most 100000"),
        "{message}"
    );
    let (code, message) = app
        .error_code(
            &manager,
            &mutation("updateReview", "UpdateReviewInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 1, "contributingFactors": ["two\nlines"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.starts_with("contributingFactors:"), "{message}");
    let (code, message) = app
        .error_code(
            &manager,
            &mutation("updateReview", "UpdateReviewInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 1, "participantIds": ["u:ghost"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(message.starts_with("participantIds:"), "{message}");
    let unchanged = app
        .ok(
            &manager,
            "query($id: ID!) { review(id: $id) { version summary customerImpact participants { id } } }",
            json!({ "id": review["id"] }),
        )
        .await;
    assert_eq!(
        unchanged["review"],
        json!({ "version": 1, "summary": "", "customerImpact": "", "participants": [] })
    );

    // Action items: a past due date, an unknown owner, a date that is no date, an unknown
    // problem.
    let item = |due: &str, owner: &str, problem: Option<&str>| json!({ "input": { "reviewId": review["id"], "title": "Alert on pool size", "ownerId": owner, "dueDate": due, "kind": "DETECT", "problemId": problem } });
    let add = mutation("addActionItem", "AddActionItemInput", "id");
    let yesterday = (today() - chrono::Days::new(1)).to_string();
    for (input, field) in [
        (item(&yesterday, "u:m", None), "dueDate: "),
        (item("next week", "u:m", None), "dueDate: "),
        (item(&in_days(1), "u:ghost", None), "ownerId: no user"),
        (
            item(&in_days(1), "u:m", Some("PRB-9")),
            "problemId: no problem PRB-9",
        ),
        (item(&in_days(1), "u:m", Some("PRB-x")), "problemId: "),
    ] {
        let (code, message) = app.error_code(&manager, &add, input).await;
        assert_eq!(code, "BAD_USER_INPUT", "{message}");
        assert!(message.starts_with(field), "{field}: {message}");
    }
    let (code, _) = app
        .error_code(
            &manager,
            &add,
            json!({ "input": { "reviewId": "not-a-review", "title": "t", "ownerId": "u:m", "dueDate": in_days(1), "kind": "DETECT" } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let count = app
        .ok(&manager, "{ actionItems { totalCount } }", json!({}))
        .await;
    assert_eq!(count["actionItems"]["totalCount"], 0, "nothing was added");

    // Illegal review transitions: publish a draft; anything after publishing but reading.
    let (code, message) = app
        .error_code(
            &manager,
            &mutation("publishReview", "ReviewChangeInput", "id"),
            json!({ "input": { "id": review["id"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.contains("publishReview is not allowed on a review that is DRAFT; allowed: updateReview, submitReview"),
        "{message}"
    );
    let (code, _) = app
        .error_code(
            &manager,
            &mutation("returnReviewToDraft", "ReviewChangeInput", "id"),
            json!({ "input": { "id": review["id"] } }),
        )
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .error_code(
            &manager,
            &mutation("submitReview", "ReviewChangeInput", "id"),
            json!({ "input": { "id": review["id"], "expectedVersion": 7 } }),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    move_review(&app, &manager, "submitReview", &review["id"]).await;
    move_review(&app, &manager, "publishReview", &review["id"]).await;
    for (name, input_type, input) in [
        (
            "updateReview",
            "UpdateReviewInput",
            json!({ "id": review["id"], "expectedVersion": 3, "summary": "late edit" }),
        ),
        (
            "submitReview",
            "ReviewChangeInput",
            json!({ "id": review["id"] }),
        ),
        (
            "publishReview",
            "ReviewChangeInput",
            json!({ "id": review["id"] }),
        ),
    ] {
        let (code, message) = app
            .error_code(
                &manager,
                &mutation(name, input_type, "id"),
                json!({ "input": input }),
            )
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{name}");
        assert!(message.contains("final"), "{message}");
    }
    let (code, _) = app
        .error_code(&manager, "{ review(id: \"nope\") { id } }", json!({}))
        .await;
    assert_eq!(code, "BAD_USER_INPUT");
    let (code, _) = app
        .error_code(
            &manager,
            "query($id: ID!) { review(id: $id) { id } }",
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(code, "NOT_FOUND");
}

async fn review_events_reach_webhooks_that_ask_for_them(backend: Backend) {
    let app = TestApp::spawn_with(backend, crate::webhooks::fast).await;
    let receiver = crate::webhooks::Receiver::start(crate::webhooks::ok).await;
    let admin = app.admin();
    app.ok(
        &admin,
        "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { webhook { id } } }",
        json!({ "input": { "url": receiver.url("/reviews"), "events": ["REVIEW_STARTED", "REVIEW_PUBLISHED"] } }),
    )
    .await;
    let manager = app.sign_in("u:m", &["manager"]).await;
    let id = resolved_p1(&app, &manager).await;
    let review = start(&app, &manager, &id).await;
    move_review(&app, &manager, "submitReview", &review["id"]).await;
    move_review(&app, &manager, "publishReview", &review["id"]).await;
    let got = receiver
        .wait_for("/reviews", 2, std::time::Duration::from_secs(10))
        .await;
    let kinds: Vec<String> = got.iter().map(crate::webhooks::Received::kind).collect();
    assert_eq!(kinds, ["REVIEW_STARTED", "REVIEW_PUBLISHED"]);
    let body: Value = serde_json::from_str(&got[1].body).expect("JSON");
    assert_eq!(
        body["event"]["after"]["reviewId"], review["id"],
        "the delivery names the review: {body}"
    );
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
    review_pages_load_in_constant_statements,
    review_events_reach_webhooks_that_ask_for_them,
    a_review_is_prefilled_edited_published_and_then_the_incident_closes,
    action_items_move_along_and_late_ones_are_listed,
    the_markdown_export_is_one_document_for_those_who_may_read_it,
    closing_waits_for_a_review_only_where_the_setting_says,
    who_may_start_edit_and_read_reviews,
    bad_review_input_is_refused_and_writes_nothing,
);

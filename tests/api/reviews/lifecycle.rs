//! Starting, editing and publishing a review, the close rule it satisfies, and who may do
//! what with reviews.

use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp, transition};

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

on_both_databases!(
    a_review_is_prefilled_edited_published_and_then_the_incident_closes,
    closing_waits_for_a_review_only_where_the_setting_says,
    who_may_start_edit_and_read_reviews,
);

//! Every bad input refused with a code naming its field, and nothing written.

use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

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

on_both_databases!(bad_review_input_is_refused_and_writes_nothing,);

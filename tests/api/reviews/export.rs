//! What leaves the server: the Markdown document over GET and `Review.markdown`, and the
//! review events webhooks deliver.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

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

on_both_databases!(
    the_markdown_export_is_one_document_for_those_who_may_read_it,
    review_events_reach_webhooks_that_ask_for_them,
);

//! Integrations through GraphQL: admins manage them, managers read them, bad input names its
//! field and writes nothing.

use serde_json::json;

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

async fn integrations_are_managed_by_admins(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let data = app
        .ok(&admin, CREATE, json!({"input": {"name": "prom", "format": "ALERTMANAGER", "service": "checkout", "category": "availability",
            "severityMap": [{"severity": "INFO", "impact": "LOW", "urgency": "MEDIUM"}]}}))
        .await;
    let created = &data["createIntegration"];
    assert!(created["key"].as_str().unwrap().starts_with("hsk_"));
    let i = &created["integration"];
    assert_eq!(i["format"], "ALERTMANAGER");
    assert_eq!(i["endpoint"], "/alerts/alertmanager");
    assert_eq!(i["grouping"], "ALERT");
    assert_eq!(i["autoResolve"], true);
    assert_eq!(
        i["severityMap"][3],
        json!({"severity": "INFO", "impact": "LOW", "urgency": "MEDIUM"})
    );
    assert_eq!(
        i["severityMap"][0],
        json!({"severity": "CRITICAL", "impact": "HIGH", "urgency": "HIGH"})
    );
    let id = i["id"].as_str().unwrap().to_owned();

    let list = "{ integrations { name enabled } }";
    let manager = app.token("m", &["manager"]);
    let data = app.ok(&manager, list, json!({})).await;
    assert_eq!(
        data["integrations"],
        json!([{"name": "prom", "enabled": true}])
    );
    let specialist = app.token("s", &["specialist"]);
    assert_eq!(
        app.error_code(&specialist, list, json!({})).await.0,
        "FORBIDDEN"
    );
    let (code, _) = app
        .error_code(
            &manager,
            CREATE,
            json!({"input": {"name": "x", "format": "GENERIC", "service": "s"}}),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");

    // Bad input names the field and writes nothing.
    for (input, field) in [
        (
            json!({"name": " ", "format": "GENERIC", "service": "s"}),
            "name",
        ),
        (
            json!({"name": "prom", "format": "GENERIC", "service": "s"}),
            "name",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": ""}),
            "service",
        ),
        (
            json!({"name": "x", "format": "NAGIOS", "service": "s"}),
            "format",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": "s", "severityMap": [
            {"severity": "INFO", "impact": "LOW", "urgency": "LOW"},
            {"severity": "INFO", "impact": "HIGH", "urgency": "LOW"}]}),
            "severityMap",
        ),
        (
            json!({"name": "x", "format": "GENERIC", "service": "s", "severityMap": [
            {"severity": "LOUD", "impact": "LOW", "urgency": "LOW"}]}),
            "severity",
        ),
    ] {
        let (code, message) = app
            .error_code(&admin, CREATE, json!({ "input": input }))
            .await;
        assert_eq!(code, "BAD_USER_INPUT", "{input}: {message}");
        assert!(message.contains(field), "{input}: {message}");
    }
    let data = app.ok(&admin, list, json!({})).await;
    assert_eq!(data["integrations"].as_array().unwrap().len(), 1);

    let update = "mutation($input: UpdateIntegrationInput!) { updateIntegration(input: $input) { name category autoResolve version } }";
    let data = app
        .ok(&admin, update, json!({"input": {"id": id, "name": "prometheus", "category": null, "autoResolve": false}}))
        .await;
    assert_eq!(
        data["updateIntegration"],
        json!({"name": "prometheus", "category": null, "autoResolve": false, "version": 2})
    );
    let (code, _) = app
        .error_code(
            &admin,
            update,
            json!({"input": {"id": id, "expectedVersion": 1, "name": "again"}}),
        )
        .await;
    assert_eq!(code, "CONFLICT");
    let switch =
        |m: &str| format!("mutation($id: ID!) {{ {m}(input: {{id: $id}}) {{ enabled }} }}");
    let data = app
        .ok(&admin, &switch("disableIntegration"), json!({"id": id}))
        .await;
    assert_eq!(data["disableIntegration"]["enabled"], false);
    let data = app
        .ok(&admin, &switch("enableIntegration"), json!({"id": id}))
        .await;
    assert_eq!(data["enableIntegration"]["enabled"], true);
    let delete =
        "mutation($id: ID!) { deleteIntegration(input: {id: $id}) { deletedIntegrationId } }";
    app.ok(&admin, delete, json!({"id": id})).await;
    assert_eq!(
        app.error_code(&admin, delete, json!({"id": id})).await.0,
        "NOT_FOUND"
    );
    assert_eq!(
        app.error_code(&admin, delete, json!({"id": "nope"}))
            .await
            .0,
        "BAD_USER_INPUT"
    );
}

on_both_databases!(integrations_are_managed_by_admins);

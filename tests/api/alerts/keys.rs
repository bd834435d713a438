//! The key in the path, the header or the body, and rotation with its grace period.

use reqwest::StatusCode;
use serde_json::json;

use super::*;
use crate::on_both_databases;
use crate::support::{Backend, TestApp};

async fn keys_work_in_path_header_and_body_and_rotate_with_grace(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (id, key) = integration(&app, "prom", "ALERTMANAGER", json!({})).await;
    let body = alertmanager("firing", "k");
    assert_eq!(
        post(&app, &format!("/alerts/alertmanager/{key}"), None, &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    let rotate = "mutation($id: ID!) { rotateIntegrationKey(input: {id: $id}) { key integration { previousKeyExpiresAt } } }";
    let data = app.ok(&app.admin(), rotate, json!({"id": id})).await;
    let new_key = data["rotateIntegrationKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_key, key);
    assert!(data["rotateIntegrationKey"]["integration"]["previousKeyExpiresAt"].is_string());
    // Both work during the grace period.
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&new_key), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );
    // A second rotation ends the first key's grace at once.
    let data = app.ok(&app.admin(), rotate, json!({"id": id})).await;
    let third = data["rotateIntegrationKey"]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        post(&app, "/alerts/alertmanager", Some(&third), &body)
            .await
            .0,
        StatusCode::ACCEPTED
    );

    let app2 = TestApp::spawn_with(Backend::Sqlite, |s| s.alerts.key_grace = "0s".into()).await;
    let (id, key) = integration(&app2, "prom", "ALERTMANAGER", json!({})).await;
    app2.ok(&app2.admin(), rotate, json!({"id": id})).await;
    assert_eq!(
        post(&app2, "/alerts/alertmanager", Some(&key), &body)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

on_both_databases!(keys_work_in_path_header_and_body_and_rotate_with_grace);

//! Authentication through the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(viewer_shows_the_caller_and_known_roles);

async fn viewer_shows_the_caller_and_known_roles(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = app.token("u-7", &["specialist", "wizard"]);
    let data = app.ok(&token, "{ viewer { id name roles } }", json!({})).await;
    assert_eq!(data["viewer"], json!({ "id": "u-7", "name": "User u-7", "roles": ["SPECIALIST"] }));
    let (status, body) = app.gql("", "{ viewer { id } }", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(body.get("data").is_none(), "nothing executed: {body}");
}

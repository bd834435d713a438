//! A failure underneath a mutation (the database refusing a write, a table gone) answers
//! `INTERNAL` with the fixed message: never `BAD_USER_INPUT`, never the database's words.

use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::json;

use crate::on_both_databases;
use crate::support::{Backend, TestApp};

on_both_databases!(
    a_refused_write_is_internal_and_masked,
    a_failed_lookup_of_an_argument_is_internal_and_masked
);

const MASKED: &str =
    "internal error; the server log has the details under this request's x-request-id";

/// A connection of the test's own to the app's database, to break it underneath the server.
async fn underneath(app: &TestApp) -> DatabaseConnection {
    let url = app.postgres_url().unwrap_or_else(|| {
        format!(
            "sqlite://{}?mode=rw",
            app.data_dir().join("hindsight.db").display()
        )
    });
    Database::connect(&url)
        .await
        .expect("connect to the app's database")
}

async fn a_refused_write_is_internal_and_masked(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    let admin = app.admin();
    app.report(&admin, "Before the disk caught fire").await;
    let before = app.incident_count().await;
    let db = underneath(&app).await;
    let refuse = match backend {
        Backend::Sqlite => vec![
            "CREATE TRIGGER refuse_events BEFORE INSERT ON incident_events \
             BEGIN SELECT RAISE(ABORT, 'disk on fire'); END",
        ],
        Backend::Postgres { .. } => vec![
            "CREATE FUNCTION refuse_events() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'disk on fire'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_events BEFORE INSERT ON incident_events \
             FOR EACH ROW EXECUTE FUNCTION refuse_events()",
        ],
    };
    for sql in refuse {
        db.execute_unprepared(sql)
            .await
            .expect("install the trigger");
    }
    let (code, message) = app
        .error_code(
            &admin,
            "mutation { reportIncident(input: { title: \"Disk on fire\", description: \"smoke\", service: \"storage\" }) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code, "INTERNAL", "{message}");
    assert_eq!(message, MASKED);
    assert_eq!(app.incident_count().await, before, "nothing was written");
}

/// `cancelIncident(duplicateOf: "INC-n")` looks the number up; when that lookup fails inside,
/// the answer is an internal error, not bad input about `duplicateOf`.
async fn a_failed_lookup_of_an_argument_is_internal_and_masked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let admin = app.admin();
    let id = app.report(&admin, "The original").await;
    let db = underneath(&app).await;
    db.execute_unprepared("ALTER TABLE incidents RENAME TO incidents_elsewhere")
        .await
        .expect("rename the table");
    let (code, message) = app
        .error_code(
            &admin,
            "mutation($id: ID!) { cancelIncident(input: { id: $id, reason: \"dup\", duplicateOf: \"INC-1\" }) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(code, "INTERNAL", "{message}");
    assert_eq!(message, MASKED);
}

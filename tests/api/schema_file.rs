//! The committed schema/schema.graphql is the served schema. Regenerate it with
//! `cargo run -- schema > schema/schema.graphql`.

use crate::support::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_schema_matches_the_served_schema() {
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/schema.graphql"
    ))
    .expect("schema/schema.graphql exists");
    let app = TestApp::spawn(Backend::Sqlite).await;
    let served = app.schema_sdl();
    assert!(
        committed == served,
        "schema/schema.graphql is out of date: run `cargo run -- schema > schema/schema.graphql` and review the diff"
    );
    assert_eq!(
        hindsight::graphql::sdl(),
        served,
        "`hindsight schema` prints the served schema"
    );
}

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

/// Every type, field, argument, input field and enum value of the schema has a description:
/// they are what GraphiQL's docs, codegen comments and a front-end team read first.
#[test]
fn everything_in_the_schema_is_described() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    let sdl = hindsight::graphql::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let mut missing = Vec::new();
    let mut check = |what: String, description: &Option<async_graphql::Positioned<String>>| {
        if description
            .as_ref()
            .is_none_or(|d| d.node.trim().is_empty())
        {
            missing.push(what);
        }
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        check(format!("type {name}"), &ty.description);
        let fields = match &ty.kind {
            TypeKind::Object(o) => Some(&o.fields),
            TypeKind::Interface(i) => Some(&i.fields),
            _ => None,
        };
        for field in fields.into_iter().flatten() {
            let field = &field.node;
            let path = format!("{name}.{}", field.name.node);
            check(path.clone(), &field.description);
            for arg in &field.arguments {
                check(
                    format!("{path}({}:)", arg.node.name.node),
                    &arg.node.description,
                );
            }
        }
        if let TypeKind::InputObject(input) = &ty.kind {
            for field in &input.fields {
                check(
                    format!("{name}.{}", field.node.name.node),
                    &field.node.description,
                );
            }
        }
        if let TypeKind::Enum(e) = &ty.kind {
            for value in &e.values {
                check(
                    format!("{name}.{}", value.node.value.node),
                    &value.node.description,
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} schema elements have no description (add a doc comment or `desc`):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

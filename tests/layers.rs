//! The layers' import rules (ARCHITECTURE.md), checked on the sources: a forbidden import
//! that comes back fails here, naming the file and the line.
//!
//! Lower layers never reach up, and `graphql/` talks to `service/` only, never to `store/`.

use std::path::{Path, PathBuf};

/// Each layer (a folder of `src/`) and the modules of the crate it must not name.
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "auth", "store", "service", "graphql", "http", "config", "import", "cli", "app",
        ],
    ),
    (
        "auth",
        &["store", "service", "graphql", "http", "cli", "app"],
    ),
    (
        "import",
        &["store", "service", "graphql", "http", "cli", "app"],
    ),
    (
        "store",
        &["auth", "service", "config", "graphql", "http", "cli", "app"],
    ),
    ("service", &["graphql", "http", "cli", "app"]),
    ("graphql", &["store", "http", "cli", "app"]),
    ("http", &["store", "cli", "app"]),
];

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            found.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// The lines of `text` that name `crate::<module>` outside a comment.
fn naming(text: &str, module: &str) -> Vec<(usize, String)> {
    let needle = format!("crate::{module}");
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .filter(|(_, line)| {
            line.match_indices(&needle).any(|(at, _)| {
                let next = line[at + needle.len()..].chars().next();
                !next.is_some_and(|c| c.is_alphanumeric() || c == '_')
            })
        })
        .map(|(n, line)| (n + 1, line.trim().to_owned()))
        .collect()
}

#[test]
fn no_layer_imports_a_layer_it_must_not() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut broken = Vec::new();
    for (layer, forbidden) in RULES {
        let files = sources(&src.join(layer));
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read a source file");
            for module in *forbidden {
                for (line, code) in naming(&text, module) {
                    broken.push(format!(
                        "{}:{line}: src/{layer} must not use crate::{module}: {code}",
                        file.strip_prefix(&src).unwrap_or(&file).display()
                    ));
                }
            }
        }
    }
    assert!(broken.is_empty(), "\n{}", broken.join("\n"));
}

#[test]
fn the_check_sees_an_import_and_ignores_comments_and_longer_names() {
    let text = "use crate::store::users;\n// crate::store in a comment\nuse crate::stores;\n";
    assert_eq!(
        naming(text, "store"),
        vec![(1, "use crate::store::users;".to_owned())]
    );
}

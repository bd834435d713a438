//! The `hindsight` command as an operator meets it: zero-configuration start, the generated
//! secret, `token`, `schema`, `migrate`, and invalid settings stopping the start.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The tests' own environment must not configure the binary under test.
fn hindsight() -> Command {
    crate::support::hindsight_command()
}

#[tokio::test]
async fn zero_configuration_serve_keeps_everything_under_data() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    // Only the port is given, because 8080 may be taken on a shared machine.
    let mut child = hindsight()
        .current_dir(cwd.path())
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..200 {
        if let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            && res.status().is_success()
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "the server became ready");
    let data = cwd.path().join("data");
    assert!(
        data.join("hindsight.db").exists(),
        "SQLite database in ./data"
    );
    let secret = data.join("jwt-secret");
    let mode = std::fs::metadata(&secret)
        .expect("secret exists")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "the secret is readable by its owner only"
    );

    // A token minted by the CLI, from the same folder, is accepted by the server.
    let out = hindsight()
        .current_dir(cwd.path())
        .args([
            "token", "--sub", "ops", "--name", "Ops", "--role", "admin", "--ttl", "5m",
        ])
        .output()
        .expect("token");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned();
    let body: serde_json::Value = client
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "query": "{ viewer { id roles } }" }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["data"]["viewer"],
        serde_json::json!({ "id": "ops", "roles": ["ADMIN"] })
    );

    // The running server holds the index: a reindex refuses instead of deleting it.
    let out = hindsight()
        .current_dir(cwd.path())
        .arg("reindex")
        .output()
        .expect("reindex");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by another process"));
    assert!(data.join("index").join("meta.json").exists());

    child.kill().expect("kill");
    let output = child.wait_with_output().expect("wait");
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(log.contains("GraphiQL at http://127.0.0.1:"), "{log}");
    assert!(
        log.contains("hindsight token"),
        "the start line says how to get a token: {log}"
    );
    assert!(
        !log.contains(std::fs::read_to_string(&secret).expect("secret").trim()),
        "the secret is never logged"
    );
}

/// A token signed with a secret no server has would be refused with "signature does not
/// match": `token` in a folder without the server's secret refuses instead, and creates
/// nothing.
#[test]
fn token_without_the_servers_secret_refuses() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let out = hindsight()
        .current_dir(cwd.path())
        .args(["token", "--sub", "ops", "--name", "Ops", "--role", "admin"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no token printed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no token signing secret"), "{stderr}");
    assert!(
        !cwd.path().join("data").join("jwt-secret").exists(),
        "nothing created"
    );

    // With the server's secret given, it signs.
    let out = hindsight()
        .current_dir(cwd.path())
        .env(
            "HINDSIGHT_AUTH__HS256_SECRET",
            "a-secret-that-is-long-enough-for-hs256",
        )
        .args(["token", "--sub", "ops", "--name", "Ops", "--role", "admin"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .split('.')
            .count(),
        3
    );
}

#[test]
fn invalid_settings_stop_the_start_naming_the_setting() {
    let cwd = tempfile::tempdir().expect("tempdir");
    let out = hindsight()
        .current_dir(cwd.path())
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("listen"), "{stderr}");

    let out = hindsight()
        .current_dir(cwd.path())
        .env("HINDSIGHT_LIMITS__DEPTH", "0")
        .args(["migrate"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("limits.depth"));

    let config = cwd.path().join("hindsight.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:1\"\nbogus = 1\n").expect("write");
    let out = hindsight()
        .current_dir(cwd.path())
        .arg("--config")
        .arg(&config)
        .arg("migrate")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bogus"),
        "unknown keys are named"
    );
}

#[test]
fn schema_prints_the_committed_sdl_and_migrate_runs() {
    let out = hindsight().arg("schema").output().expect("run");
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/schema/schema.graphql"
    ))
    .expect("read");
    assert_eq!(String::from_utf8_lossy(&out.stdout), committed);

    let dir = tempfile::tempdir().expect("tempdir");
    let out = hindsight()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("migrate")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("hindsight.db").exists());
}

#[test]
fn backtest_counts_links_it_cannot_use_and_ends_with_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports.csv");
    let links = dir.path().join("links.csv");
    std::fs::write(
        &reports,
        "Summary,Issue id,Status,Priority,Resolution,Created,Resolved,Description\n\
         Crash when opening mail folder,1,RESOLVED,P2,FIXED,2020-01-01 10:00:00+00:00,2020-01-02 10:00:00+00:00,\"Mail crashes\nwhen opening a folder\"\n\
         Browser crashes opening mail folder,2,RESOLVED,P2,DUPLICATE,2020-02-01 10:00:00+00:00,2020-02-02 10:00:00+00:00,crash in mail folder view\n\
         Bookmarks toolbar missing,3,NEW,--,,2020-03-01 10:00:00+00:00,,toolbar gone\n",
    )
    .expect("write");
    // 2 duplicates 1; 3 links to an id that is not in the reports.
    std::fs::write(&links, "Issue id,Duplicate id\n2,1\n3,\"999, 998\"\n").expect("write");
    let out = hindsight()
        .args(["backtest", "--reports"])
        .arg(&reports)
        .arg("--links")
        .arg(&links)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("output");
    let json: serde_json::Value = serde_json::from_str(last).expect("the last line is JSON");
    assert_eq!(json["queries"], 1, "{stdout}");
    assert!(json["skipped"].as_u64().expect("skipped") >= 1, "{stdout}");
    assert_eq!(json["hindsight"]["recall@1"], 1.0, "{stdout}");
    for key in ["recall@1", "recall@5", "recall@10", "mrr"] {
        assert!(json["bm25"][key].is_number(), "{key}: {stdout}");
    }

    let out = hindsight()
        .args(["backtest", "--reports", "/nonexistent.csv", "--links"])
        .arg(&links)
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent.csv"));
}

#[test]
fn reindex_rebuilds_the_index_from_the_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = hindsight()
        .arg("--data-dir")
        .arg(dir.path())
        .arg("reindex")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("reindexed 0 resolved incidents"));
    assert!(dir.path().join("index").join("meta.json").exists());
}

/// Replicas of a deployment start together on one fresh PostgreSQL database: every one of
/// them migrates (`serve` does too before listening) and none fails on tables another has
/// just created.
#[tokio::test]
async fn nodes_migrating_one_database_at_once_all_succeed() {
    let Some(crate::support::Backend::Postgres { admin_url }) = crate::support::Backend::postgres()
    else {
        crate::support::skip_postgres(module_path!());
        return;
    };
    for round in 0..3 {
        let database = crate::support::PgDatabase::create(&admin_url).await;
        let children: Vec<_> = (0..4)
            .map(|_| {
                let dir = tempfile::tempdir().expect("tempdir");
                let child = hindsight()
                    .args(["--database-url", &database.url, "--data-dir"])
                    .arg(dir.path())
                    .arg("migrate")
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn");
                (dir, child)
            })
            .collect();
        for (_dir, child) in children {
            let output = child.wait_with_output().expect("migrate ends");
            assert!(
                output.status.success(),
                "round {round}: a node's migrate failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
}

/// The help text of `args`, split into its "Options:" and "Global options:" sections.
fn help_sections(args: &[&str]) -> (String, String) {
    let out = hindsight().args(args).output().expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8(out.stdout).expect("utf-8");
    let own = help
        .split("\nOptions:\n")
        .nth(1)
        .unwrap_or_else(|| panic!("an Options section: {help}"));
    let (own, global) = own.split_once("\nGlobal options:\n").unwrap_or((own, ""));
    (own.to_owned(), global.to_owned())
}

#[test]
fn help_groups_global_options_and_lists_only_those_a_command_uses() {
    let (own, global) = help_sections(&["serve", "--help"]);
    assert!(own.contains("--listen"), "{own}");
    assert!(!own.contains("--data-dir"), "{own}");
    for flag in ["--config", "--data-dir", "--database-url", "--log-format"] {
        assert!(global.contains(flag), "serve takes {flag}: {global}");
    }
    assert!(!global.contains("--listen"), "{global}");

    // `schema` reads no settings and `token` opens no database: neither lists what it
    // would ignore.
    let (own, global) = help_sections(&["schema", "--help"]);
    assert!(global.is_empty(), "{global}");
    assert!(
        !own.contains("--data-dir") && !own.contains("--database-url"),
        "{own}"
    );
    let (own, global) = help_sections(&["token", "--help"]);
    assert!(
        own.contains("--sub") && global.contains("--data-dir"),
        "{global}"
    );
    assert!(!global.contains("--database-url") && !own.contains("--database-url"));

    let (_, global) = help_sections(&["--help"]);
    assert!(global.contains("--database-url"), "{global}");
}

#[test]
fn settings_flags_go_before_or_after_the_command_and_unused_ones_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let after = dir.path().join("after");
    let out = hindsight()
        .arg("migrate")
        .arg("--data-dir")
        .arg(&after)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(after.join("hindsight.db").exists());

    // Given twice, the one after the command wins.
    let ignored = dir.path().join("ignored");
    let winner = dir.path().join("winner");
    let out = hindsight()
        .arg("--data-dir")
        .arg(&ignored)
        .arg("migrate")
        .arg("--data-dir")
        .arg(&winner)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(winner.join("hindsight.db").exists() && !ignored.exists());

    let out = hindsight()
        .arg("--data-dir")
        .arg(&ignored)
        .arg("schema")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no schema printed");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--data-dir is not used"));

    let out = hindsight()
        .args(["--database-url", "postgres://nobody@127.0.0.1:1/none"])
        .args(["token", "--sub", "ops", "--name", "Ops"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--database-url is not used"));
    assert!(!ignored.exists(), "nothing created");
}

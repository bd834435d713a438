//! `hindsight backup` and `hindsight restore` on the real binary: a backup taken while the
//! server serves and writes, restored into a new data folder, serves the same incidents and
//! search results; both commands refuse instead of overwriting; files are owner-only.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::json;

use crate::shutdown::{Served, admin_token, investigating, search};
use crate::support::{hindsight_command, transition};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Runs `hindsight --data-dir <data_dir> <args>` off the async runtime.
async fn hindsight(data_dir: &Path, args: &[&str]) -> Output {
    let mut cmd = hindsight_command();
    cmd.arg("--data-dir").arg(data_dir).args(args);
    tokio::task::spawn_blocking(move || cmd.output().expect("run hindsight"))
        .await
        .expect("join")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

async fn incident_count(server: &Served, token: &str) -> i64 {
    server
        .graphql(token, "{ incidents { totalCount } }", json!({}))
        .await["incidents"]["totalCount"]
        .as_i64()
        .expect("totalCount")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_into_a_new_data_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let server = Arc::new(Served::start(&data, None, "original.log").await);
    let token = admin_token();

    // Owner-only from the start, the -wal and -shm files SQLite made included.
    assert_eq!(mode(&data), 0o700, "data folder");
    for file in ["hindsight.db", "hindsight.db-wal", "hindsight.db-shm"] {
        assert_eq!(mode(&data.join(file)), 0o600, "{file}");
    }

    let id = investigating(&server, &token, "replica lag on the ledger database").await;
    let (query, variables) = transition("resolve", &id);
    server.graphql(&token, &query, variables).await;
    let before = incident_count(&server, &token).await;

    // Writes go on while the backup runs.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = tokio::spawn({
        let (server, token, writing) = (server.clone(), token.clone(), writing.clone());
        async move {
            let mut written = 0;
            while writing.load(Ordering::Relaxed) {
                investigating(
                    &server,
                    &token,
                    &format!("written during the backup {written}"),
                )
                .await;
                written += 1;
            }
            written
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let backup = dir.path().join("hindsight-backup.db");
    let out = hindsight(&data, &["backup", backup.to_str().expect("utf-8")]).await;
    writing.store(false, Ordering::Relaxed);
    let written = writer.await.expect("writer");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(written > 0, "the server was writing during the backup");
    assert_eq!(mode(&backup), 0o600, "the backup is owner-only");
    assert!(
        !dir.path().join("hindsight-backup.db.partial").exists(),
        "no partial file left"
    );

    // Never overwritten.
    let size = std::fs::metadata(&backup).expect("backup").len();
    let out = hindsight(&data, &["backup", backup.to_str().expect("utf-8")]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("never overwrites"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::metadata(&backup).expect("backup").len(), size);

    // Not over the running server's database.
    let out = hindsight(&data, &["restore", backup.to_str().expect("utf-8")]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("restore never replaces a database"),
        "{}",
        stderr(&out)
    );
    assert!(data.join("index").join("meta.json").exists(), "index kept");

    let restored = dir.path().join("restored");
    let out = hindsight(&restored, &["restore", backup.to_str().expect("utf-8")]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&restored), 0o700);
    assert_eq!(mode(&restored.join("hindsight.db")), 0o600);
    // Twice: the second finds a database there.
    let out = hindsight(&restored, &["restore", backup.to_str().expect("utf-8")]).await;
    assert!(!out.status.success());

    drop(server);
    let server = Served::start(&restored, None, "restored.log").await;
    let count = incident_count(&server, &token).await;
    assert!(
        count >= before && count <= before + written,
        "{count} incidents: the {before} written before the backup, and some of the {written} written during it"
    );
    assert_eq!(
        search(&server, &token, "ledger replica lag").await,
        [json!(id)],
        "the index was rebuilt from the restored database"
    );
}

#[tokio::test]
async fn backup_and_restore_point_postgresql_at_its_own_tools() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("backup.db");
    for command in ["backup", "restore"] {
        let out = hindsight(
            dir.path(),
            &[
                "--database-url",
                "postgres://nobody@127.0.0.1:1/none",
                command,
                target.to_str().expect("utf-8"),
            ],
        )
        .await;
        assert!(!out.status.success());
        assert!(stderr(&out).contains("pg_dump"), "{}", stderr(&out));
    }
    assert!(!target.exists(), "nothing written");
}

#[tokio::test]
async fn restore_refuses_a_file_that_is_not_a_backup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let not_a_backup = dir.path().join("notes.txt");
    std::fs::write(
        &not_a_backup,
        "this is not SQLite, it just has to be long enough to tell",
    )
    .expect("write");
    let data = dir.path().join("data");
    let out = hindsight(&data, &["restore", not_a_backup.to_str().expect("utf-8")]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not a hindsight backup"),
        "{}",
        stderr(&out)
    );
    assert!(!data.join("hindsight.db").exists(), "nothing restored");

    let out = hindsight(&data, &["restore", "/nonexistent/backup.db"]).await;
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is not a hindsight backup"),
        "{}",
        stderr(&out)
    );
}

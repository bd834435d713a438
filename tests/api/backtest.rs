//! `hindsight backtest` reads reports the way `hindsight import` does: Jira's dates, the same
//! `--format` and `--map`, only id, title and created time required. Links it cannot use are
//! explained with an example; when none can be used it fails.

use std::path::Path;
use std::process::Output;

use crate::import::Setup;
use crate::support::Backend;

fn backtest(reports: &Path, links: &Path, extra: &[&str]) -> Output {
    crate::support::hindsight_command()
        .arg("backtest")
        .args(extra)
        .arg("--reports")
        .arg(reports)
        .arg("--links")
        .arg(links)
        .output()
        .expect("run hindsight backtest")
}

fn json_line(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(last).unwrap_or_else(|_| panic!("no JSON line: {out:?}"))
}

/// Four columns, Jira's own dates, and ids the links file names by Issue key.
const FOUR_COLUMNS: &str = "Summary,Issue id,Created,Description\n\
    Crash when opening mail folder,1,30/Sep/21 17:20,Mail crashes when opening a folder\n\
    Bookmarks toolbar missing,2,01/Oct/21 09:05:10,toolbar gone\n\
    Browser crashes opening mail folder,3,02/Oct/21 5:20 PM,crash in the mail folder view\n";

#[tokio::test]
async fn backtest_reads_what_import_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports.csv");
    let links = dir.path().join("links.csv");
    std::fs::write(&reports, FOUR_COLUMNS).expect("write");
    std::fs::write(&links, "Issue id,Duplicate id\n3,1\n").expect("write");
    let out = backtest(&reports, &links, &[]);
    assert!(out.status.success(), "{out:?}");
    let json = json_line(&out);
    assert_eq!(json["queries"], 1, "{out:?}");
    assert_eq!(json["skipped"], 0, "{out:?}");
    assert_eq!(json["hindsight"]["recall@1"], 1.0, "{out:?}");

    // The same file imports.
    let setup = Setup::new(&Backend::Sqlite).await;
    let file = setup.file("four.csv", FOUR_COLUMNS.as_bytes());
    let run = setup.import(&["--format", "jira-csv"], &file).await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 3, already imported 0, rejected 0, titles shortened 0"
    );

    // Any columns with --map, links by Issue key while the ids are numbers, and the same
    // per-row errors as import.
    std::fs::write(
        &reports,
        "Key,Number,Headline,Opened,Body\n\
         OPS-1,101,Crash when opening mail folder,2021-09-30 17:20,Mail crashes\n\
         OPS-2,102,Mail folder crash on open,2021-10-02 17:20,crash in the mail folder\n\
         OPS-3,103,Broken row,yesterday,x\n",
    )
    .expect("write");
    std::fs::write(&links, "Issue id,Duplicate id\nOPS-2,OPS-1\n").expect("write");
    let out = backtest(
        &reports,
        &links,
        &[
            "--format",
            "csv",
            "--map",
            "external_id=Key,title=Headline,created=Opened,description=Body",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert_eq!(json_line(&out)["queries"], 1, "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("line 4: Opened: `yesterday` is not a date"),
        "{stderr}"
    );

    // A bad --map fails as it does for import.
    let out = backtest(&reports, &links, &["--format", "csv"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--map must name the column of"),
        "{out:?}"
    );
}

#[test]
fn skipped_links_are_explained_and_all_skipped_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reports = dir.path().join("reports.csv");
    let links = dir.path().join("links.csv");
    std::fs::write(
        &reports,
        "Summary,Issue key,Created\n\
         Crash when opening mail folder,OPS-1,2021-09-30 17:20\n\
         Mail folder crash on open,OPS-2,2021-10-02 17:20\n\
         Rejected row,OPS-3,not a date\n",
    )
    .expect("write");
    // One usable link; two to unknown ids; one to the rejected row.
    std::fs::write(
        &links,
        "Issue id,Duplicate id\nOPS-2,OPS-1\n10001,10002\n10003,OPS-1\nOPS-3,OPS-1\n",
    )
    .expect("write");
    let out = backtest(&reports, &links, &[]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: 3 of the 4 links were skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 name an id that is no report's, e.g. `10001`; the reports' ids look like `OPS-1` (line 2)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "1 have an end on a rejected row, e.g.: line 4: Created: `not a date` is not a date"
        ),
        "{stderr}"
    );
    assert_eq!(json_line(&out)["skipped"], 3);

    // Links by a numeric Issue id the reports do not have: nothing to measure.
    std::fs::write(&links, "Issue id,Duplicate id\n10001,10002\n10003,10004\n").expect("write");
    let out = backtest(&reports, &links, &[]);
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("every one of the 2 links was skipped, so there is nothing to measure: 2 name an id that is no report's, e.g. `10001`"),
        "{stderr}"
    );
}

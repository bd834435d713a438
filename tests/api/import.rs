//! `hindsight import` as an operator runs it: the real binary imports a Jira CSV export (or any
//! CSV with `--map`) into the database a real server uses. Imported tickets show through the
//! API with their original ids, statuses and dates; resolved ones become searchable whether the
//! server was running during the import or started afterwards; re-running imports nothing
//! twice; bad rows are reported by line and skipped while the good ones import.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::durability::{Server, start, token};
use crate::on_both_databases;
use crate::support::{Backend, PgDatabase};

const JIRA_HEADER: &str =
    "Summary,Issue id,Status,Priority,Resolution,Created,Resolved,Description";

/// A data folder and database for the binary, and a folder for the files to import.
pub struct Setup {
    data_dir: tempfile::TempDir,
    files: tempfile::TempDir,
    pg: Option<PgDatabase>,
}

/// What one run of `hindsight import` did.
#[derive(Debug)]
pub struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    pub fn succeeded(&self) -> &Self {
        assert_eq!(self.code, Some(0), "the import failed: {self:?}");
        self
    }

    /// The summary line: `<file>: imported N, already imported M, rejected K, titles shortened T`.
    pub fn counts(&self) -> String {
        self.stdout
            .lines()
            .next()
            .and_then(|l| l.split_once(": "))
            .map(|(_, counts)| counts.to_owned())
            .unwrap_or_default()
    }

    fn rejected_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("line ") || l.starts_with("... and"))
            .collect()
    }
}

impl Setup {
    pub async fn new(backend: &Backend) -> Self {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres { admin_url } => Some(PgDatabase::create(admin_url).await),
        };
        Self {
            data_dir: tempfile::tempdir().expect("tempdir"),
            files: tempfile::tempdir().expect("tempdir"),
            pg,
        }
    }

    fn database_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|p| p.url.as_str())
    }

    pub fn file(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.files.path().join(name);
        std::fs::write(&path, contents).expect("write the fixture");
        path
    }

    /// Runs `hindsight import <args> <file>` against this setup's database.
    pub async fn import(&self, args: &[&str], file: &Path) -> Run {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_hindsight"));
        // The tests' own environment must not configure the binary under test.
        for (key, _) in std::env::vars() {
            if key.starts_with("HINDSIGHT_") || key == "DATABASE_URL" {
                cmd.env_remove(key);
            }
        }
        cmd.env("RUST_LOG", "warn")
            .arg("--data-dir")
            .arg(self.data_dir.path());
        if let Some(url) = self.database_url() {
            cmd.arg("--database-url").arg(url);
        }
        cmd.arg("import").args(args).arg(file);
        let out = cmd.output().await.expect("run hindsight import");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    async fn jira(&self, file: &Path) -> Run {
        self.import(&["--format", "jira-csv"], file).await
    }

    pub async fn server(&self) -> Server {
        start(self.data_dir.path(), self.database_url()).await
    }
}

pub async fn gql(server: &Server, query: &str, variables: Value) -> Value {
    let body: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .bearer_auth(token())
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("a JSON body");
    assert!(body.get("errors").is_none(), "unexpected errors: {body}");
    body["data"].clone()
}

const INCIDENTS: &str = "{ incidents(first: 10, orderBy: OLDEST_FIRST) { totalCount edges { node {
    number title description service category source status priority impact urgency
    createdAt triagedAt investigatingAt resolvedAt closedAt resolution { summary } reporter { id name }
    timeline(first: 2) { edges { node { kind actor { id } after } } } } } } }";

/// Every incident, keyed by its original id (from its IMPORTED timeline event).
async fn imported(server: &Server) -> std::collections::BTreeMap<String, Value> {
    let data = gql(server, INCIDENTS, json!({})).await;
    data["incidents"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            let node = e["node"].clone();
            let events = node["timeline"]["edges"].as_array().expect("timeline");
            assert_eq!(events.len(), 1, "one IMPORTED event: {node}");
            let event = &events[0]["node"];
            assert_eq!(event["kind"], "IMPORTED");
            assert_eq!(event["actor"]["id"], "hindsight-import");
            let id = event["after"]["externalId"]
                .as_str()
                .expect("externalId")
                .to_owned();
            (id, node)
        })
        .collect()
}

async fn incident_count(server: &Server) -> i64 {
    gql(server, "{ incidents { totalCount } }", json!({})).await["incidents"]["totalCount"]
        .as_i64()
        .expect("totalCount")
}

/// Polls `searchResolutions` until it finds `title`, for at most 20 seconds.
async fn searchable(server: &Server, query: &str, title: &str) {
    let started = Instant::now();
    loop {
        let data = gql(
            server,
            "query($q: String!) { searchResolutions(query: $q) { edges { node { title source } } } }",
            json!({ "q": query }),
        )
        .await;
        let found = data["searchResolutions"]["edges"]
            .as_array()
            .expect("edges")
            .iter()
            .any(|e| e["node"]["title"] == title && e["node"]["source"] == "IMPORTED");
        if found {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "`{query}` did not find `{title}` within 20 s: {data}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A small Jira export with Windows line breaks, quoted multi-line fields, Jira's own date
/// format and each kind of status.
fn jira_export() -> Vec<u8> {
    [
        JIRA_HEADER,
        "Checkout frobnicator overheats,10001,Done,High,Fixed,02/Jan/20 5:14 PM,03/Jan/20 9:30 AM,\"The frobnicator ran hot.\r\nSee \"\"runbook 7\"\", step 2.\"",
        "Login page blank,10002,Closed,,,2021-03-01T08:00:00Z,2021-03-04 05:06:07+00:00,",
        "Search is slow,10003,In Progress,P4,,2022-06-30 23:59:59,,\"slow\r\n\r\nvery slow\"",
        "Typo on the about page,10004,To Do,--,,2023-01-01 00:00:00+00:00,,",
    ]
    .join("\r\n")
    .into_bytes()
}

on_both_databases!(
    a_jira_export_imports_while_the_server_runs,
    a_stopped_server_indexes_imported_tickets_at_its_next_start,
    bad_rows_are_skipped_with_their_line_numbers,
    a_header_without_a_required_column_imports_nothing,
    a_50_mb_description_is_rejected_for_its_row,
    any_csv_imports_with_a_column_map,
);

async fn a_jira_export_imports_while_the_server_runs(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let server = setup.server().await;
    let file = setup.file("jira.csv", &jira_export());

    let run = setup.jira(&file).await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 4, already imported 0, rejected 0, titles shortened 0",
        "{run:?}"
    );
    assert!(run.rejected_lines().is_empty(), "{run:?}");

    let incidents = imported(&server).await;
    assert_eq!(
        incidents.keys().collect::<Vec<_>>(),
        ["10001", "10002", "10003", "10004"],
        "every ticket, with its original id"
    );
    let done = &incidents["10001"];
    assert_eq!(done["source"], "IMPORTED");
    assert_eq!(done["status"], "RESOLVED");
    assert_eq!(done["title"], "Checkout frobnicator overheats");
    assert_eq!(
        done["description"],
        "The frobnicator ran hot.\r\nSee \"runbook 7\", step 2."
    );
    assert_eq!(done["service"], "imported", "the --service default");
    assert_eq!(
        (&done["priority"], &done["impact"], &done["urgency"]),
        (&json!("P2"), &json!("HIGH"), &json!("MEDIUM")),
        "High is P2, recorded as the impact and urgency that derive it"
    );
    assert_eq!(done["createdAt"], "2020-01-02T17:14:00+00:00");
    assert_eq!(done["resolvedAt"], "2020-01-03T09:30:00+00:00");
    assert_eq!(
        done["resolution"]["summary"], "Resolved before import (no resolution recorded)",
        "`Fixed` is the resolution's kind, not its summary"
    );
    assert_eq!(done["triagedAt"], Value::Null, "no invented triage time");
    assert_eq!(done["closedAt"], Value::Null);
    assert_eq!(
        done["reporter"],
        json!({ "id": "hindsight-import", "name": "Import" })
    );
    let event = &done["timeline"]["edges"][0]["node"]["after"];
    assert_eq!(event["source"], "jira-csv");
    assert_eq!(event["file"], "jira.csv");
    assert_eq!(event["line"], 2);
    assert_eq!(event["original"]["Status"], "Done");

    let closed = &incidents["10002"];
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(
        closed["resolution"]["summary"],
        "Resolved before import (no resolution recorded)"
    );
    assert_eq!(closed["createdAt"], "2021-03-01T08:00:00+00:00");
    assert_eq!(closed["resolvedAt"], "2021-03-04T05:06:07+00:00");
    assert_eq!(closed["closedAt"], "2021-03-04T05:06:07+00:00");
    assert_eq!(closed["priority"], Value::Null);
    assert_eq!(
        closed["timeline"]["edges"][0]["node"]["after"]["line"], 4,
        "the line after a two-line row"
    );

    let investigating = &incidents["10003"];
    assert_eq!(investigating["status"], "INVESTIGATING");
    assert_eq!(investigating["priority"], "P4");
    assert_eq!(investigating["createdAt"], "2022-06-30T23:59:59+00:00");
    assert_eq!(investigating["investigatingAt"], Value::Null);
    assert_eq!(investigating["resolution"], Value::Null);
    assert_eq!(investigating["description"], "slow\r\n\r\nvery slow");
    assert_eq!(
        investigating["timeline"]["edges"][0]["node"]["after"]["line"], 5,
        "ticket 10001 spans lines 2 and 3, 10002 is on line 4"
    );

    let new = &incidents["10004"];
    assert_eq!(new["status"], "NEW");
    assert_eq!(new["priority"], Value::Null);

    // The running server picks the resolved and closed tickets up from the change log.
    searchable(
        &server,
        "frobnicator runbook",
        "Checkout frobnicator overheats",
    )
    .await;
    searchable(&server, "login blank", "Login page blank").await;

    let again = setup.jira(&file).await;
    assert_eq!(
        again.succeeded().counts(),
        "imported 0, already imported 4, rejected 0, titles shortened 0",
        "{again:?}"
    );
    assert_eq!(incident_count(&server).await, 4, "nothing duplicated");
}

async fn a_stopped_server_indexes_imported_tickets_at_its_next_start(backend: Backend) {
    let setup = Setup::new(&backend).await;
    // The server has run (its index exists and is up to date) and is stopped.
    drop(setup.server().await);
    let file = setup.file("jira.csv", &jira_export());
    setup.jira(&file).await.succeeded();

    let server = setup.server().await;
    searchable(&server, "frobnicator", "Checkout frobnicator overheats").await;
    searchable(&server, "login blank", "Login page blank").await;
    assert_eq!(incident_count(&server).await, 4);
}

async fn bad_rows_are_skipped_with_their_line_numbers(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let long_title = format!("Disk {}full", "very ".repeat(50));
    let mut contents = Vec::new();
    for line in [
        JIRA_HEADER.to_owned(),
        // 2: good
        "Queue stuck,A-1,Resolved,P3,Fixed,2024-01-01 10:00:00,2024-01-01 12:00:00,drained it"
            .into(),
        // 3: a bad date
        "Cache cold,A-2,NEW,,,31/31/2024,,".into(),
        // 4: no title
        " ,A-3,NEW,,,2024-01-01 10:00:00,,".into(),
        // 5: the same id as line 2
        "Queue stuck again,A-1,NEW,,,2024-01-02 10:00:00,,".into(),
        // 6: a column short
        "Short row,A-4,NEW,,2024-01-01 10:00:00,,".into(),
        // 7: an unknown priority, and resolved before it was created
        "Odd,A-5,Resolved,Urgent,,2024-01-05 10:00:00,2024-01-01 10:00:00,".into(),
        // 8-9: good, with a title over 200 characters
        format!("\"{long_title}\",A-6,NEW,,,2024-01-01 10:00:00,,\"two\nlines\""),
    ] {
        contents.extend_from_slice(line.as_bytes());
        contents.push(b'\n');
    }
    // 10: Latin-1, not UTF-8
    contents.extend_from_slice(b"Caf\xe9 menu broken,A-7,NEW,,,2024-01-01 10:00:00,,\n");
    let file = setup.file("bad.csv", &contents);

    let run = setup.jira(&file).await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 2, already imported 0, rejected 6, titles shortened 1",
        "{run:?}"
    );
    let rejected = run.rejected_lines();
    let expected = [
        "line 3: Created: `31/31/2024` is not a date; use RFC 3339",
        "line 4: Summary: is empty",
        "line 5: Issue id: `A-1` already appeared on line 2; only that row is imported",
        "line 6: has 7 fields but the header has 8",
        "line 7: Priority: `Urgent` is not a priority; use P1..P5",
        "line 10: Summary: is not UTF-8 (byte 0xE9 at position 4); export the file as UTF-8",
    ];
    assert_eq!(rejected.len(), expected.len(), "{run:?}");
    for (line, prefix) in rejected.iter().zip(expected) {
        assert!(
            line.starts_with(prefix),
            "`{line}` should start with `{prefix}`"
        );
    }
    assert!(
        rejected[4].contains("Resolved: 2024-01-01T10:00:00+00:00 is before Created"),
        "every problem of the row is named: {}",
        rejected[4]
    );
    assert!(run.stdout.contains("shortened to 200"), "{run:?}");

    // Across runs: a known id is counted as already imported, a new one imports.
    let next = setup.file(
        "next.csv",
        format!(
            "{JIRA_HEADER}\nQueue stuck,A-1,Resolved,P3,Fixed,2024-01-01 10:00:00,,\nNew one,A-8,NEW,,,2024-02-01 10:00:00,,\n"
        )
        .as_bytes(),
    );
    let run = setup.jira(&next).await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 1, already imported 1, rejected 0, titles shortened 0",
        "{run:?}"
    );

    let server = setup.server().await;
    let incidents = imported(&server).await;
    assert_eq!(
        incidents.keys().collect::<Vec<_>>(),
        ["A-1", "A-6", "A-8"],
        "the good rows, once each"
    );
    let shortened = incidents["A-6"]["title"].as_str().expect("title");
    assert_eq!(shortened.chars().count(), 200);
    assert!(shortened.starts_with("Disk very") && shortened.ends_with('…'));
    assert_eq!(
        incidents["A-6"]["timeline"]["edges"][0]["node"]["after"]["original"]["title"],
        long_title.as_str(),
        "the full title is kept in the event"
    );
    assert_eq!(incidents["A-1"]["title"], "Queue stuck");
}

async fn a_header_without_a_required_column_imports_nothing(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let no_created = setup.file(
        "no-created.csv",
        b"Summary,Issue id,Status\nDB down,1,Done\n",
    );
    let run = setup.jira(&no_created).await;
    assert_ne!(run.code, Some(0), "{run:?}");
    assert!(
        run.stderr.contains(
            "the header has no `Created` column (for created); columns found: `Summary`, `Issue id`, `Status`; nothing was imported"
        ),
        "{run:?}"
    );

    let csv = setup.file(
        "other.csv",
        b"Name,Key,Opened\nDB down,1,2024-01-01 10:00:00\n",
    );
    let mapped = setup
        .import(
            &[
                "--format",
                "csv",
                "--map",
                "title=Name,external_id=Key,created=Opened,service=Team",
            ],
            &csv,
        )
        .await;
    assert_ne!(mapped.code, Some(0), "{mapped:?}");
    assert!(
        mapped.stderr.contains("no `Team` column (for service)"),
        "{mapped:?}"
    );

    let unmapped = setup.import(&["--format", "csv"], &csv).await;
    assert_ne!(unmapped.code, Some(0));
    assert!(
        unmapped
            .stderr
            .contains("--map must name the column of title, external_id, created"),
        "{unmapped:?}"
    );

    let missing = setup.jira(&setup.files.path().join("missing.csv")).await;
    assert_ne!(missing.code, Some(0));
    assert!(missing.stderr.contains("cannot read"), "{missing:?}");

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in JIRA_HEADER.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let utf16 = setup.file("utf16.csv", &utf16);
    let run = setup.jira(&utf16).await;
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("UTF-16"), "{run:?}");

    let server = setup.server().await;
    assert_eq!(incident_count(&server).await, 0);
}

async fn a_50_mb_description_is_rejected_for_its_row(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let path = setup.files.path().join("huge.csv");
    let mut lines_in_cell = 0;
    {
        // Written in 1 MiB pieces: the test never holds the 50 MB cell either.
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        writeln!(out, "{JIRA_HEADER}").expect("write");
        writeln!(out, "Before,H-1,NEW,,,2024-01-01 10:00:00,,small").expect("write");
        write!(out, "Huge,H-2,NEW,,,2024-01-01 10:00:00,,\"").expect("write");
        let piece = "log line, with \"\"quotes\"\"\n".repeat(40_000);
        let mut written = 0;
        while written < 50 * 1024 * 1024 {
            out.write_all(piece.as_bytes()).expect("write");
            written += piece.len();
            lines_in_cell += 40_000;
        }
        writeln!(out, "\"").expect("write");
        writeln!(out, "After,H-3,NEW,,,2024-01-01 10:00:00,,small").expect("write");
        out.flush().expect("flush");
    }

    let run = setup.jira(&path).await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 2, already imported 0, rejected 1, titles shortened 0",
        "{run:?}"
    );
    let rejected = run.rejected_lines();
    assert_eq!(rejected.len(), 1, "{run:?}");
    assert!(
        rejected[0].starts_with("line 3: Description: is ")
            && rejected[0].ends_with("bytes long; a description may have at most 20000 characters"),
        "{}",
        rejected[0]
    );

    let server = setup.server().await;
    let incidents = imported(&server).await;
    assert_eq!(incidents.keys().collect::<Vec<_>>(), ["H-1", "H-3"]);
    assert_eq!(
        incidents["H-3"]["timeline"]["edges"][0]["node"]["after"]["line"],
        3 + lines_in_cell + 1,
        "line numbers count the lines inside the huge cell"
    );
}

async fn any_csv_imports_with_a_column_map(backend: Backend) {
    let setup = Setup::new(&backend).await;
    let file = setup.file(
        "tickets.csv",
        b"Ref,Headline,State,Opened at,Closed at,Team,Kind,Outcome,Body\n\
          OPS-7,Payments time out,closed,2024-03-01T10:00:00Z,2024-03-01T11:30:00Z,payments,network,Raised the pool size,\"pool exhausted\"\n\
          OPS-8,Cron skipped,open,2024-03-02T10:00:00Z,,,,,\n",
    );
    let run = setup
        .import(
            &[
                "--format",
                "csv",
                "--service",
                "ops",
                "--map",
                "external_id=Ref,title=Headline,status=State,created=Opened at,resolved=Closed at,service=Team,category=Kind,summary=Outcome,description=Body",
            ],
            &file,
        )
        .await;
    assert_eq!(
        run.succeeded().counts(),
        "imported 2, already imported 0, rejected 0, titles shortened 0",
        "{run:?}"
    );

    let server = setup.server().await;
    let incidents = imported(&server).await;
    let closed = &incidents["OPS-7"];
    assert_eq!(closed["status"], "CLOSED");
    assert_eq!(closed["service"], "payments");
    assert_eq!(closed["category"], "network");
    assert_eq!(closed["resolution"]["summary"], "Raised the pool size");
    assert_eq!(closed["resolvedAt"], "2024-03-01T11:30:00+00:00");
    assert_eq!(closed["description"], "pool exhausted");
    let open = &incidents["OPS-8"];
    assert_eq!(open["status"], "NEW");
    assert_eq!(open["service"], "ops", "--service when the cell is empty");
    assert_eq!(open["category"], Value::Null);
    searchable(&server, "payments pool", "Payments time out").await;
}

use super::*;

fn report(id: &str, day: u32, summary: &str, description: &str) -> Report {
    Report {
        id: id.to_owned(),
        summary: summary.to_owned(),
        status: "RESOLVED".to_owned(),
        priority: "--".to_owned(),
        resolution: "FIXED".to_owned(),
        created: parse_time(&format!("2020-01-{day:02} 10:00:00+00:00")).expect("time"),
        resolved: None,
        description: description.to_owned(),
    }
}

fn reports() -> Vec<Report> {
    vec![
        report(
            "1",
            1,
            "Mail folder pane crashes when dragging messages",
            "Dragging many messages between IMAP folders crashes the mail window.",
        ),
        report(
            "2",
            2,
            "Address bar autocomplete shows stale bookmarks",
            "Typing in the URL bar suggests deleted bookmarks.",
        ),
        report(
            "3",
            3,
            "Calendar reminders fire twice",
            "Every alarm dialog appears two times.",
        ),
        report(
            "4",
            4,
            "Crash when dragging messages to an IMAP folder",
            "The mail client crashes while moving messages by drag and drop into IMAP folders.",
        ),
        report(
            "5",
            5,
            "URL bar autocomplete lists removed bookmarks",
            "Deleted bookmarks still appear in address bar suggestions.",
        ),
    ]
}

#[test]
fn finds_the_earlier_duplicate_and_counts_skipped_links() {
    let links = vec![
        Link::new("4", "1").expect("link"),
        Link::new("2", "5").expect("link"),
        Link::new("3", "999").expect("link"),
    ];
    let report = run(&reports(), &links, &BacktestOptions::default()).expect("backtest");
    assert_eq!(report.queries, 2);
    assert_eq!(report.skipped, 1);
    assert_eq!(report.hindsight.recall_at_1, 1.0, "{:?}", report.outcomes);
    assert!(report.bm25.recall_at_5 > 0.0, "{:?}", report.outcomes);
    // The later report is the query, and only earlier reports are searchable.
    assert!(
        report
            .outcomes
            .iter()
            .any(|o| o.query_id == "4" && o.target_id == "1")
    );
    assert!(
        report
            .outcomes
            .iter()
            .any(|o| o.query_id == "5" && o.target_id == "2")
    );
}

#[test]
fn json_line_has_the_agreed_shape() {
    let links = vec![Link::new("4", "1").expect("link")];
    let report = run(&reports(), &links, &BacktestOptions::default()).expect("backtest");
    let line = report.json_line();
    assert!(
        line.starts_with("{\"queries\": 1, \"skipped\": 0, \"hindsight\": {\"recall@1\": "),
        "{line}"
    );
    let value: serde_json::Value = serde_json::from_str(&line).expect("valid JSON");
    for ranking in ["hindsight", "bm25"] {
        for key in ["recall@1", "recall@5", "recall@10", "mrr"] {
            assert!(value[ranking][key].is_number(), "{ranking}.{key} in {line}");
        }
    }
    assert!(report.render().contains("recall@10"));
}

#[test]
fn no_links_means_no_queries() {
    let report = run(&reports(), &[], &BacktestOptions::default()).expect("backtest");
    assert_eq!(report.queries, 0);
    assert_eq!(report.hindsight, Metrics::default());
}

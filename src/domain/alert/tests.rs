//! `Alert::from_raw` limits and the derived title and description.

use std::collections::BTreeMap;

use rand::Rng;
use serde_json::json;

use super::*;
use crate::domain::text::{Description, Title};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn alert(raw: RawAlert) -> Alert {
    Alert::from_raw(raw, "alerts[0]").unwrap()
}

#[test]
fn formats_and_statuses_round_trip() {
    for f in AlertFormat::ALL {
        assert_eq!(AlertFormat::parse(f.as_str()), Some(f));
    }
    assert_eq!(AlertFormat::EventsV2.as_str(), "EVENTS_V2");
    assert_eq!(AlertFormat::parse("events_v2"), None);
    assert_eq!(AlertStatus::parse("RESOLVED"), Some(AlertStatus::Resolved));
    assert_eq!(Grouping::parse("GROUP"), Some(Grouping::Group));
}

#[test]
fn service_and_category_come_from_labels() {
    let a = alert(RawAlert {
        dedup_key: Some("k".into()),
        labels: labels(&[("service", " api "), ("category", ""), ("job", "x")]),
        ..RawAlert::default()
    });
    assert_eq!(a.service(), Some("api"));
    assert_eq!(a.category(), None);
    assert_eq!(a.dedup_key(), "k");
    assert!(!a.dedup_key_generated());
    assert_eq!(a.severity_or_default(), Severity::Warning);
}

#[test]
fn a_missing_key_comes_from_the_labels() {
    let raw = RawAlert {
        labels: labels(&[("alertname", "Down"), ("job", "api")]),
        ..RawAlert::default()
    };
    let a = alert(raw.clone());
    assert!(a.dedup_key().starts_with("labels:"));
    assert!(a.dedup_key_generated());
    assert_eq!(alert(raw).dedup_key(), a.dedup_key());
}

#[test]
fn limits_name_the_field() {
    let err = Alert::from_raw(
        RawAlert {
            summary: Some("s".repeat(MAX_SUMMARY_CHARS + 1)),
            ..RawAlert::default()
        },
        "",
    )
    .unwrap_err();
    assert_eq!(err.path(), "summary");
    let many = (0..=MAX_LINKS)
        .map(|i| Link {
            href: format!("https://e.com/{i}"),
            text: None,
        })
        .collect();
    let err = Alert::from_raw(
        RawAlert {
            links: many,
            ..RawAlert::default()
        },
        "alerts[2]",
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "alerts[2].links: more than 20 links");
    let bad = vec![Link {
        href: "javascript:alert(1)".into(),
        text: None,
    }];
    let err = Alert::from_raw(
        RawAlert {
            links: bad,
            ..RawAlert::default()
        },
        "",
    )
    .unwrap_err();
    assert_eq!(err.path(), "links[0].href");
}

#[test]
fn title_prefers_the_summary_then_annotations_then_labels() {
    let base = RawAlert {
        dedup_key: Some("fp".into()),
        labels: labels(&[
            ("alertname", "HighLatency"),
            ("service", "api"),
            ("severity", "critical"),
            ("job", "api"),
            ("instance", "10.0.0.1:9090"),
        ]),
        ..RawAlert::default()
    };
    assert_eq!(
        alert(base.clone()).title(),
        "HighLatency on api (instance=10.0.0.1:9090, job=api)"
    );
    let mut annotated = base.clone();
    annotated
        .annotations
        .insert("summary".into(), "p99 over 2s\non api".into());
    assert_eq!(alert(annotated.clone()).title(), "p99 over 2s on api");
    annotated.summary = Some("From the sender".into());
    assert_eq!(alert(annotated).title(), "From the sender");
    let bare = RawAlert {
        dedup_key: Some("abc".into()),
        ..RawAlert::default()
    };
    assert_eq!(alert(bare).title(), "Alert abc");
}

#[test]
fn long_and_invisible_titles_still_parse() {
    let long = alert(RawAlert {
        summary: Some("x".repeat(1_000)),
        ..RawAlert::default()
    })
    .title();
    assert_eq!(long.chars().count(), Title::MAX_CHARS);
    assert!(long.ends_with('…'));
    let invisible = alert(RawAlert {
        dedup_key: Some("k".into()),
        summary: Some("\u{200B}\u{FEFF}".into()),
        ..RawAlert::default()
    });
    assert_eq!(invisible.title(), "Alert k");
}

#[test]
fn description_gathers_annotations_source_and_links() {
    let a = alert(RawAlert {
        dedup_key: Some("k".into()),
        annotations: labels(&[
            ("summary", "s"),
            ("description", "The system has high memory usage"),
            ("runbook_url", "https://myrunbook.com/runbook/1234"),
            ("dashboard", "mem"),
            ("value", "2"),
        ]),
        source: Some("host1".into()),
        links: vec![Link {
            href: "https://play.grafana.org/alerting/1afz29v7z/edit".into(),
            text: Some("Alert rule".into()),
        }],
        details: json!({}),
        ..RawAlert::default()
    });
    assert_eq!(
        a.description(),
        "The system has high memory usage\n\n\
         Runbook: https://myrunbook.com/runbook/1234\n\n\
         dashboard: mem\nvalue: 2\n\n\
         Source: host1\n\n\
         Links:\n- Alert rule: https://play.grafana.org/alerting/1afz29v7z/edit"
    );
    let empty = alert(RawAlert::default());
    assert_eq!(empty.description(), "");
}

#[test]
fn a_huge_description_is_cut_to_the_limit() {
    let annotations: BTreeMap<String, String> = (0..10)
        .map(|i| (format!("a{i}"), "y".repeat(MAX_ANNOTATION_VALUE_BYTES)))
        .collect();
    let d = alert(RawAlert {
        annotations,
        ..RawAlert::default()
    })
    .description();
    assert_eq!(d.chars().count(), Description::MAX_CHARS);
    assert!(Description::parse(&d).is_ok());
}

/// Property: whatever printable or unprintable text a sender puts in the summary, labels and
/// annotations, the title and description are ones the incident accepts.
#[test]
fn derived_text_always_parses() {
    let mut rng = rand::rng();
    let alphabet: Vec<char> = "ab \n\t\r\u{0}\u{7}\u{1b}\u{200B}\u{FEFF}é😀=,()"
        .chars()
        .collect();
    let text = |rng: &mut rand::rngs::ThreadRng, max: usize| -> String {
        let len = rng.random_range(0..max);
        (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect()
    };
    for _ in 0..500 {
        let summary = rng
            .random_bool(0.5)
            .then(|| text(&mut rng, 300).replace('\0', ""));
        let mut raw = RawAlert {
            dedup_key: Some(text(&mut rng, 300)),
            summary,
            ..RawAlert::default()
        };
        for _ in 0..rng.random_range(0..4) {
            let name = format!(
                "l{}",
                text(&mut rng, 5).replace(|c: char| c.is_control(), "")
            );
            raw.labels
                .insert(name.clone(), text(&mut rng, 50).replace('\0', ""));
            raw.annotations
                .insert(name, text(&mut rng, 300).replace('\0', ""));
        }
        let Ok(a) = Alert::from_raw(raw, "") else {
            continue;
        };
        let title = a.title();
        assert!(Title::parse(&title).is_ok(), "{title:?}");
        let description = a.description();
        assert!(Description::parse(&description).is_ok(), "{description:?}");
    }
}

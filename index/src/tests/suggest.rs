//! Suggestions: relevance, the title/service/category/helpfulness adjustments, exclusions,
//! explanations and degenerate probes.

use super::{doc, incidents, kb_with};
use crate::{Change, Field, IncidentDoc, KnowledgeBase, Probe, SuggestOptions, Suggestion};

fn probe(title: &str, description: &str) -> Probe {
    Probe {
        title: title.into(),
        description: description.into(),
        ..Probe::default()
    }
}

fn ids(suggestions: &[Suggestion]) -> Vec<&str> {
    suggestions.iter().map(|s| s.id.as_str()).collect()
}

fn suggest(kb: &KnowledgeBase, p: &Probe) -> Vec<Suggestion> {
    kb.suggest(p, &SuggestOptions::default()).expect("suggest")
}

#[test]
fn the_similar_incident_comes_first_with_its_reasons() {
    let kb = kb_with(incidents());
    let got = suggest(
        &kb,
        &probe(
            "Orders failing, DB connections exhausted",
            "Hikari pool: connection is not available, request timed out",
        ),
    );
    assert_eq!(
        got.first().map(|s| s.id.as_str()),
        Some("inc-1"),
        "{got:#?}"
    );
    let top = &got[0];
    assert_eq!(top.number, 1);
    assert!(top.score > 0.0);
    // The probe's own spelling, not the stems ("connect", "exhaust").
    for word in ["connections", "exhausted", "hikari"] {
        assert!(
            top.matched_terms.iter().any(|t| t == word),
            "{word} in {:?}",
            top.matched_terms
        );
    }
    assert!(!top.matched_terms.iter().any(|t| t == "connect"));
    let title = top
        .highlights
        .iter()
        .find(|h| h.field == Field::Title)
        .expect("title highlight");
    assert!(
        title.fragment.contains("<mark>connection</mark>"),
        "{}",
        title.fragment
    );
    // Scores are in decreasing order.
    assert!(got.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn highlights_cover_the_fix_and_escape_html() {
    let mut d = doc(
        "inc-1",
        "Cache <script>alert(1)</script> stampede",
        "Redis cache stampede & overload",
    );
    d.fix = Some("Added request coalescing in front of the cache.".into());
    d.root_cause = Some("Keys expired together, so the cache stampede hit the database.".into());
    let kb = kb_with(vec![d, doc("inc-2", "Unrelated", "nothing here")]);
    let got = suggest(&kb, &probe("cache stampede", ""));
    assert_eq!(ids(&got), vec!["inc-1"]);
    let fragment = |field| {
        got[0]
            .highlights
            .iter()
            .find(|h| h.field == field)
            .map(|h| h.fragment.clone())
            .unwrap_or_default()
    };
    let title = fragment(Field::Title);
    assert!(title.contains("&lt;script&gt;"), "{title}");
    assert!(!title.contains("<script>"), "{title}");
    assert!(title.contains("<mark>Cache</mark>"), "{title}");
    assert!(fragment(Field::Description).contains("&amp;"));
    assert!(fragment(Field::Fix).contains("<mark>cache</mark>"));
    assert!(fragment(Field::RootCause).contains("<mark>stampede</mark>"));
    assert!(
        fragment(Field::ResolutionSummary).is_empty(),
        "no match there, no highlight"
    );
}

#[test]
fn a_title_match_weighs_more_than_a_description_match() {
    let kb = kb_with(vec![
        doc(
            "inc-1",
            "Nightly batch slow",
            "The replication lag grew during the nightly batch.",
        ),
        doc(
            "inc-2",
            "Replication lag on the nightly batch",
            "The batch grew slow during the night.",
        ),
        doc("inc-3", "Unrelated printer jam", "Paper stuck."),
    ]);
    let got = suggest(&kb, &probe("replication lag", ""));
    assert_eq!(ids(&got), vec!["inc-2", "inc-1"]);
}

#[test]
fn informative_words_beat_common_ones() {
    // "error" and "service" are everywhere; "kafka" and "rebalance" are not.
    let mut docs: Vec<IncidentDoc> = (0..30)
        .map(|i| {
            doc(
                &format!("inc-{i}"),
                "Service error",
                &format!("service error number {i}"),
            )
        })
        .collect();
    docs.push(doc(
        "inc-99",
        "Consumers stuck",
        "kafka rebalance loop after deploy",
    ));
    let kb = kb_with(docs);
    let got = suggest(
        &kb,
        &probe(
            "Service error service error",
            "service error: kafka rebalance storm, service error",
        ),
    );
    assert_eq!(
        got.first().map(|s| s.id.as_str()),
        Some("inc-99"),
        "{got:#?}"
    );
    // The most informative word is explained first.
    assert!(
        matches!(
            got[0].matched_terms.first().map(String::as_str),
            Some("kafka" | "rebalance")
        ),
        "{:?}",
        got[0].matched_terms
    );
}

fn twins(a: IncidentDoc, b: IncidentDoc) -> KnowledgeBase {
    let base = |d: IncidentDoc| IncidentDoc {
        title: "Login page times out".into(),
        description: "Users cannot sign in; the login page times out after 30 seconds.".into(),
        ..d
    };
    kb_with(vec![base(a), base(b)])
}

#[test]
fn same_service_ranks_up_without_filtering() {
    let kb = twins(
        IncidentDoc {
            service: "auth".into(),
            ..doc("inc-1", "", "")
        },
        IncidentDoc {
            service: "web".into(),
            ..doc("inc-2", "", "")
        },
    );
    for (service, first) in [("auth", "inc-1"), ("web", "inc-2")] {
        let p = Probe {
            service: Some(service.into()),
            ..probe("login times out", "")
        };
        let got = suggest(&kb, &p);
        assert_eq!(got.len(), 2, "a boost, not a filter");
        assert_eq!(got[0].id, first);
        assert!(got[0].same_service && !got[1].same_service);
        assert!(got[0].score > got[1].score);
    }
}

#[test]
fn same_category_ranks_up_without_filtering() {
    let kb = twins(
        IncidentDoc {
            category: Some("network".into()),
            ..doc("inc-1", "", "")
        },
        IncidentDoc {
            category: Some("auth".into()),
            ..doc("inc-2", "", "")
        },
    );
    let p = Probe {
        category: Some("auth".into()),
        ..probe("login times out", "")
    };
    let got = suggest(&kb, &p);
    assert_eq!(ids(&got), vec!["inc-2", "inc-1"]);
    assert!(got[0].same_category && !got[1].same_category);
}

#[test]
fn hard_filters_keep_only_matching_incidents() {
    let kb = twins(
        IncidentDoc {
            service: "auth".into(),
            category: Some("network".into()),
            ..doc("inc-1", "", "")
        },
        IncidentDoc {
            service: "web".into(),
            category: Some("auth".into()),
            ..doc("inc-2", "", "")
        },
    );
    let p = probe("login times out", "");
    let by_service = SuggestOptions {
        service: Some("web".into()),
        ..SuggestOptions::default()
    };
    assert_eq!(
        ids(&kb.suggest(&p, &by_service).expect("suggest")),
        vec!["inc-2"]
    );
    let by_category = SuggestOptions {
        category: Some("network".into()),
        ..SuggestOptions::default()
    };
    assert_eq!(
        ids(&kb.suggest(&p, &by_category).expect("suggest")),
        vec!["inc-1"]
    );
    let none = SuggestOptions {
        service: Some("web".into()),
        category: Some("network".into()),
        ..SuggestOptions::default()
    };
    assert!(kb.suggest(&p, &none).expect("suggest").is_empty());
}

#[test]
fn helpful_incidents_rank_higher_and_unhelpful_lower() {
    let three = |helpful, unhelpful| {
        vec![
            IncidentDoc {
                helpful,
                unhelpful,
                ..doc("inc-1", "Queue backlog growing", "workers stalled")
            },
            IncidentDoc {
                ..doc("inc-2", "Queue backlog growing", "workers stalled")
            },
            IncidentDoc {
                unhelpful: helpful,
                helpful: unhelpful,
                ..doc("inc-3", "Queue backlog growing", "workers stalled")
            },
        ]
    };
    let kb = kb_with(three(5, 0));
    let got = suggest(&kb, &probe("queue backlog", ""));
    assert_eq!(ids(&got), vec!["inc-1", "inc-2", "inc-3"]);
    assert_eq!((got[0].helpful, got[0].unhelpful), (5, 0));
    assert_eq!((got[2].helpful, got[2].unhelpful), (0, 5));

    // Feedback arrives as an upsert; the order follows.
    kb.apply(three(0, 4).into_iter().map(Change::Upsert).collect(), 2)
        .expect("apply");
    assert_eq!(
        ids(&suggest(&kb, &probe("queue backlog", ""))),
        vec!["inc-3", "inc-2", "inc-1"]
    );
}

#[test]
fn helpfulness_is_a_bounded_tweak_not_a_trump_card() {
    // A much better text match beats a heavily endorsed weak one.
    let kb = kb_with(vec![
        IncidentDoc {
            helpful: 1000,
            ..doc(
                "inc-1",
                "Printer offline",
                "The office printer mentions a queue once.",
            )
        },
        doc(
            "inc-2",
            "Message queue backlog",
            "RabbitMQ queue backlog grew; consumers stalled on the backlog.",
        ),
    ]);
    let got = suggest(&kb, &probe("RabbitMQ queue backlog, consumers stalled", ""));
    assert_eq!(got.first().map(|s| s.id.as_str()), Some("inc-2"));
}

#[test]
fn excluded_ids_are_never_suggested() {
    let kb = kb_with(incidents());
    let p = probe("connection pool exhausted", "");
    let opts = SuggestOptions {
        exclude_ids: vec!["inc-1".into()],
        ..SuggestOptions::default()
    };
    let got = kb.suggest(&p, &opts).expect("suggest");
    assert!(!ids(&got).contains(&"inc-1"), "{got:#?}");
}

#[test]
fn limits_are_respected() {
    let docs = (0..80)
        .map(|i| doc(&format!("inc-{i}"), "Disk full", "no space left"))
        .collect();
    let kb = kb_with(docs);
    let p = probe("disk full", "");
    let at_most = |limit| {
        kb.suggest(
            &p,
            &SuggestOptions {
                limit,
                ..SuggestOptions::default()
            },
        )
        .expect("suggest")
        .len()
    };
    assert_eq!(at_most(0), 0);
    assert_eq!(at_most(3), 3);
    assert_eq!(at_most(10_000), crate::MAX_SUGGEST_LIMIT);
}

#[test]
fn an_empty_description_works() {
    let kb = kb_with(incidents());
    let got = suggest(&kb, &probe("certificate expired", ""));
    assert_eq!(got.first().map(|s| s.id.as_str()), Some("inc-2"));
}

#[test]
fn probes_without_informative_words_get_an_empty_list() {
    let kb = kb_with(incidents());
    for p in [
        probe("", ""),
        probe("the and of", "it is not a this"),
        probe("🔥🔥🔥", "!!! ??? ..."),
        probe("zzzqqq unseenword", "neverindexed"),
    ] {
        assert_eq!(suggest(&kb, &p), vec![], "{p:?}");
    }
    let empty = KnowledgeBase::in_ram().expect("kb");
    assert!(suggest(&empty, &probe("connection pool", "")).is_empty());
}

#[test]
fn huge_and_odd_probes_do_not_fail() {
    let kb = kb_with(incidents());
    let log = "2026-03-02T10:15:22Z WARN HikariPool-1 connection is not available\n".repeat(5_000);
    let got = suggest(&kb, &probe(&"pool ".repeat(10_000), &log));
    assert_eq!(got.first().map(|s| s.id.as_str()), Some("inc-1"));
    let odd = probe("\u{0}\u{7}title:\"x AND (", "\\\\ -- ** ~~ ^^ {} []");
    assert!(kb.suggest(&odd, &SuggestOptions::default()).is_ok());
}

#[test]
fn the_service_and_category_words_can_match_text() {
    // A probe filed under "kafka" finds an incident that mentions kafka in its text.
    let kb = kb_with(vec![
        doc("inc-1", "Consumers stuck", "kafka brokers rejected fetches"),
        doc("inc-2", "Consumers stuck", "the cron runner rejected jobs"),
    ]);
    let p = Probe {
        service: Some("kafka".into()),
        ..probe("consumers stuck", "rejected")
    };
    assert_eq!(ids(&suggest(&kb, &p))[0], "inc-1");
}

#[test]
fn a_probe_like_a_review_s_lessons_finds_its_incident() {
    let mut docs = incidents();
    let probe = probe(
        "Replica lag alarm",
        "zookeeper quorum flapping while the replica was being quiesced",
    );
    let target = docs.len() - 1;
    let id = docs[target].id.clone();
    let without = suggest(&kb_with(docs.clone()), &probe);
    assert!(!ids(&without).contains(&id.as_str()), "{without:#?}");
    docs[target].review =
        "Lessons: a flapping zookeeper quorum looks like replica lag; quiesce first.".into();
    let got = suggest(&kb_with(docs), &probe);
    assert_eq!(ids(&got).first(), Some(&id.as_str()), "{got:#?}");
    assert!(
        got[0].highlights.iter().any(|h| h.field == Field::Review),
        "{:?}",
        got[0].highlights
    );
    assert!(got[0].matched_terms.iter().any(|t| t == "zookeeper"));
}

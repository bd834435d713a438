//! Free-text search: matching, phrases, exclusions, filters, facets, paging, and every kind of
//! bad input a person can type.

use super::{at, doc, incidents, kb_with};
use crate::{
    Facets, IncidentDoc, KnowledgeBase, MAX_QUERY_CHARS, MAX_QUERY_TERMS, SearchError, SearchQuery,
    SearchResults,
};

fn text(t: &str) -> SearchQuery {
    SearchQuery {
        text: t.into(),
        ..SearchQuery::default()
    }
}

fn run(kb: &KnowledgeBase, q: &SearchQuery) -> SearchResults {
    kb.search(q)
        .unwrap_or_else(|e| panic!("search {:?} failed: {e}", q.text))
}

fn hit_ids(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

fn invalid_message(kb: &KnowledgeBase, q: &SearchQuery) -> String {
    match kb.search(q) {
        Err(SearchError::Invalid(message)) => message,
        other => panic!("expected Invalid for {:?}, got {other:?}", q.text),
    }
}

#[test]
fn every_word_must_match_somewhere_and_stems_match() {
    let kb = kb_with(incidents());
    let r = run(&kb, &text("connections exhausted"));
    // inc-1 ("connection pool exhausted") and inc-4 ("reset connections ... retries exhausted").
    assert_eq!(r.total, 2);
    assert_eq!(hit_ids(&r)[0], "inc-1", "title matches first");
    assert_eq!(run(&kb, &text("crashes")).total, 1, "crashed ~ crashes");
    assert_eq!(run(&kb, &text("connection certificate")).total, 0);
}

#[test]
fn fix_root_cause_service_and_category_are_searchable() {
    let kb = kb_with(incidents());
    assert_eq!(hit_ids(&run(&kb, &text("snapshots"))), vec!["inc-3"], "fix");
    assert_eq!(
        hit_ids(&run(&kb, &text("slow report query"))),
        vec!["inc-1"],
        "root cause"
    );
    assert_eq!(
        hit_ids(&run(&kb, &text("payments"))),
        vec!["inc-4"],
        "service"
    );
    assert_eq!(
        hit_ids(&run(&kb, &text("capacity"))),
        vec!["inc-3"],
        "category"
    );
}

#[test]
fn quoted_phrases_match_words_in_order() {
    let kb = kb_with(vec![
        doc("inc-1", "Connection reset", "connection reset by peer"),
        doc("inc-2", "Reset", "we had to reset the connection"),
    ]);
    assert_eq!(run(&kb, &text("connection reset")).total, 2);
    assert_eq!(
        hit_ids(&run(&kb, &text("\"connection reset\""))),
        vec!["inc-1"]
    );
    assert_eq!(
        hit_ids(&run(&kb, &text("“connection reset”"))),
        vec!["inc-1"],
        "curly quotes"
    );
    // Identifiers that split into words are phrases too.
    let kb = kb_with(vec![
        doc(
            "inc-1",
            "Timeout",
            "java.net.SocketTimeoutException: connect timed out",
        ),
        doc(
            "inc-2",
            "Timeout",
            "net java sockettimeoutexception elsewhere",
        ),
    ]);
    assert_eq!(
        hit_ids(&run(&kb, &text("java.net.SocketTimeoutException"))),
        vec!["inc-1"]
    );
}

#[test]
fn minus_excludes_words_and_phrases() {
    let kb = kb_with(incidents());
    let r = run(&kb, &text("connections -payments"));
    assert_eq!(hit_ids(&r), vec!["inc-1"]);
    let r = run(&kb, &text("exhausted -\"connection pool\""));
    assert_eq!(hit_ids(&r), vec!["inc-4"]);
    // Only exclusions: everything else.
    assert_eq!(run(&kb, &text("-certificate")).total, 3);
}

#[test]
fn empty_text_lists_everything_newest_first() {
    let kb = kb_with(incidents());
    for blank in ["", "   ", "\n\t"] {
        let r = run(&kb, &text(blank));
        assert_eq!(r.total, 4);
        // inc-1 and inc-2 were resolved in the same second: the higher number first.
        assert_eq!(hit_ids(&r), vec!["inc-4", "inc-3", "inc-2", "inc-1"]);
    }
}

#[test]
fn filters_narrow_and_facets_count_all_matches() {
    let kb = kb_with(incidents());
    let q = |f: fn(&mut SearchQuery)| {
        let mut q = text("");
        f(&mut q);
        run(&kb, &q)
    };
    assert_eq!(
        hit_ids(&q(|q| q.service = Some("search".into()))),
        vec!["inc-3"]
    );
    assert_eq!(
        q(|q| q.service = Some("Search".into())).total,
        0,
        "exact match"
    );
    assert_eq!(
        hit_ids(&q(|q| q.category = Some("network".into()))),
        vec!["inc-4"]
    );
    assert_eq!(hit_ids(&q(|q| q.priority = Some(1))), vec!["inc-4"]);
    assert_eq!(q(|q| q.priority = Some(3)).total, 2);
    assert_eq!(
        hit_ids(&q(|q| {
            q.resolved_after = Some(at(10));
            q.resolved_before = Some(at(20));
        })),
        vec!["inc-3"],
        "after is inclusive, before exclusive"
    );
    assert_eq!(q(|q| q.resolved_after = Some(at(2))).total, 2);
    assert_eq!(q(|q| q.resolved_before = Some(at(2))).total, 2);

    let r = run(&kb, &text("connections"));
    assert_eq!(
        r.facets,
        Facets {
            service: vec![("checkout".into(), 1), ("payments".into(), 1)],
            category: vec![("database".into(), 1), ("network".into(), 1)],
            kind: vec![("incident".into(), 2)],
        }
    );
}

#[test]
fn total_and_facets_cover_all_pages() {
    let docs: Vec<IncidentDoc> = (0..25)
        .map(|i| IncidentDoc {
            service: if i % 5 == 0 {
                "db".into()
            } else {
                "web".into()
            },
            category: (i % 2 == 0).then(|| "even".to_owned()),
            ..doc(
                &format!("inc-{i}"),
                "Latency spike",
                &format!("p99 latency spike {i}"),
            )
        })
        .collect();
    let kb = kb_with(docs);
    let page = |offset, limit| {
        run(
            &kb,
            &SearchQuery {
                offset,
                limit,
                ..text("latency")
            },
        )
    };
    let first = page(0, 10);
    assert_eq!(first.hits.len(), 10);
    assert_eq!(first.total, 25);
    assert_eq!(
        first.facets.service,
        vec![("web".into(), 20), ("db".into(), 5)]
    );
    assert_eq!(first.facets.category, vec![("even".into(), 13)]);
    let last = page(20, 10);
    assert_eq!(last.hits.len(), 5);
    assert_eq!(last.total, 25);
    let mut all: Vec<String> = (0..3)
        .flat_map(|p| page(p * 10, 10).hits.into_iter().map(|h| h.id))
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 25, "pages do not overlap");
    assert!(page(100, 10).hits.is_empty());
    let counts_only = page(0, 0);
    assert!(counts_only.hits.is_empty());
    assert_eq!(counts_only.total, 25);
}

#[test]
fn hits_carry_number_score_and_highlights() {
    let kb = kb_with(incidents());
    let r = run(&kb, &text("disk full"));
    let hit = &r.hits[0];
    assert_eq!((hit.id.as_str(), hit.number), ("inc-3", 3));
    assert!(hit.score > 0.0);
    assert!(
        hit.highlights
            .iter()
            .any(|h| h.fragment.contains("<mark>disk</mark>")),
        "{:?}",
        hit.highlights
    );
}

#[test]
fn limits_are_explained() {
    let kb = kb_with(incidents());
    let long = "a".repeat(MAX_QUERY_CHARS + 1);
    assert!(invalid_message(&kb, &text(&long)).contains("1000 characters"));
    let ten_thousand = "connection ".repeat(1_000);
    assert!(invalid_message(&kb, &text(&ten_thousand)).contains("1000"));
    let many = (0..=MAX_QUERY_TERMS)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(invalid_message(&kb, &text(&many)).contains("32 words"));
    // Exactly at the limits is fine.
    let at_limit = (0..MAX_QUERY_TERMS)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(run(&kb, &text(&at_limit)).total, 0);
    let multibyte = format!("disk {}", "—".repeat(MAX_QUERY_CHARS - 5));
    assert!(multibyte.len() > MAX_QUERY_CHARS);
    assert_eq!(
        run(&kb, &text(&multibyte)).total,
        1,
        "the limit counts characters, not bytes"
    );

    assert!(
        invalid_message(
            &kb,
            &SearchQuery {
                limit: 101,
                ..text("x")
            }
        )
        .contains("100")
    );
    assert!(
        invalid_message(
            &kb,
            &SearchQuery {
                offset: 1_000_000,
                ..text("x")
            }
        )
        .contains("deep")
    );
    assert!(
        invalid_message(
            &kb,
            &SearchQuery {
                priority: Some(0),
                ..text("x")
            }
        )
        .contains("priority")
    );
    assert!(
        invalid_message(
            &kb,
            &SearchQuery {
                priority: Some(6),
                ..text("x")
            }
        )
        .contains("priority")
    );
    let reversed = SearchQuery {
        resolved_after: Some(at(5)),
        resolved_before: Some(at(5)),
        ..text("x")
    };
    assert!(invalid_message(&kb, &reversed).contains("earlier"));
}

#[test]
fn text_without_searchable_words_is_explained() {
    let kb = kb_with(incidents());
    for t in [
        "the of and",
        "🔥🚒",
        "!!! ... ???",
        "\"\"",
        "-",
        "--- ***",
        "\u{0}\u{1b}[",
    ] {
        let message = invalid_message(&kb, &text(t));
        assert!(message.contains("no words"), "{t:?}: {message}");
    }
}

#[test]
fn query_syntax_is_just_text() {
    let kb = kb_with(incidents());
    let cases: &[(&str, usize)] = &[
        ("\"disk full", 1), // unbalanced quote
        ("disk full\"", 1),
        ("title:disk", 1), // our field names are dropped
        ("description:disk full", 1),
        ("nosuchfield:disk", 0),  // other prefixes are words
        ("disk AND full OR", 1),  // operators are stop words or words
        ("(disk) [full] {x}", 0), // "x" is a word that matches nothing
        ("disk~2 full^3", 1),     // fuzzy/boost syntax is punctuation
        ("dis*", 0),              // no wildcards
        ("disk* full?", 1),
        ("'; DROP TABLE incidents; --", 0),
        ("disk 🔥 full", 1),
        ("  disk\t\nfull  ", 1),
        ("DISK FULL", 1),
        ("-disk", 3),
        ("disk -", 1),
        ("\\\"disk\\\"", 1),
    ];
    for (t, total) in cases {
        assert_eq!(run(&kb, &text(t)).total, *total, "{t:?}");
    }
}

#[test]
fn very_long_tokens_and_odd_unicode_do_not_fail() {
    let kb = kb_with(vec![doc(
        "inc-1",
        "Ünïcödé ☃ title",
        "ｆｕｌｌｗｉｄｔｈ and ＲＴＬ שלום text",
    )]);
    let long_token = "x".repeat(900);
    assert!(
        kb.search(&text(&long_token)).is_err(),
        "only a too-long token: nothing to search"
    );
    assert_eq!(run(&kb, &text("ünïcödé")).total, 1);
    assert_eq!(run(&kb, &text("שלום")).total, 1);
    assert!(
        kb.search(&text("\u{202e}reversed \u{feff}bom \u{200d}zwj"))
            .is_ok()
    );
}

#[test]
fn random_garbage_never_panics() {
    let kb = kb_with(incidents());
    // A fixed pseudo-random walk over characters people (and fuzzers) type.
    let alphabet: Vec<char> = "ab cdisk\"\"--:*?()[]{}^~\\/'!&|+= \t\n🔥é中\u{0}\u{202e}x1_.,;"
        .chars()
        .collect();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2_000 {
        let len = (state % 40) as usize;
        let t: String = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                alphabet[(state % alphabet.len() as u64) as usize]
            })
            .collect();
        match kb.search(&text(&t)) {
            Ok(_) | Err(SearchError::Invalid(_)) => {}
            Err(e) => panic!("{t:?}: {e}"),
        }
    }
}

#[test]
fn an_empty_index_answers_empty() {
    let kb = KnowledgeBase::in_ram().expect("kb");
    let r = run(&kb, &text("anything"));
    assert_eq!((r.total, r.hits.len()), (0, 0));
    assert_eq!(r.facets, Facets::default());
    assert_eq!(run(&kb, &text("")).total, 0);
}

#[test]
fn known_errors_are_their_own_kind_found_by_their_workaround_and_linked_text() {
    let mut known = crate::tests::doc("prb-1", "Known error: pool exhaustion", "");
    known.kind = crate::DocKind::KnownError;
    known.workaround = Some("Restart the pgbouncer sidecar".into());
    known.related = "checkout latency spikes during the flash sale".into();
    let mut docs = crate::tests::incidents();
    docs.push(known);
    let kb = crate::tests::kb_with(docs);
    let r = run(&kb, &text("pgbouncer"));
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].kind, crate::DocKind::KnownError);
    assert!(
        r.hits[0]
            .highlights
            .iter()
            .any(|h| h.field == crate::Field::Workaround),
        "{:?}",
        r.hits[0].highlights
    );
    assert_eq!(run(&kb, &text("flash sale")).total, 1, "linked text counts");
    let all = run(&kb, &text(""));
    assert_eq!(
        all.facets.kind,
        vec![
            ("incident".to_owned(), all.total as u64 - 1),
            ("known_error".to_owned(), 1)
        ]
    );
    let only = run(
        &kb,
        &SearchQuery {
            kind: Some(crate::DocKind::KnownError),
            ..text("")
        },
    );
    assert_eq!(only.total, 1);
    let suggested = kb
        .suggest(
            &crate::Probe {
                title: "Flash sale checkout latency".into(),
                ..crate::Probe::default()
            },
            &crate::SuggestOptions::default(),
        )
        .expect("suggest");
    assert!(
        suggested
            .iter()
            .any(|s| s.id == "prb-1" && s.kind == crate::DocKind::KnownError),
        "{suggested:?}"
    );
}

#[test]
fn a_published_review_is_searchable_and_highlighted_as_review() {
    let mut docs = crate::tests::incidents();
    let before = run(&crate::tests::kb_with(docs.clone()), &text("quiesce"));
    assert_eq!(before.total, 0, "no document says it yet");
    docs[1].review = "Lessons: quiesce the replica before failing over.".into();
    let reviewed = docs[1].id.clone();
    let kb = crate::tests::kb_with(docs);
    let r = run(&kb, &text("quiesce"));
    assert_eq!(hit_ids(&r), [reviewed.as_str()]);
    let review = r.hits[0]
        .highlights
        .iter()
        .find(|h| h.field == crate::Field::Review)
        .expect("a review highlight");
    assert!(
        review.fragment.contains("<mark>quiesce</mark>"),
        "{}",
        review.fragment
    );
    // Stored and read back as it was indexed.
    let stored = kb.get(&reviewed).expect("get").expect("doc");
    assert_eq!(
        stored.review,
        "Lessons: quiesce the replica before failing over."
    );
}

//! Upserts of ids the index cannot hold skip their delete (`known_ids.rs`). These tests hold
//! that to giving exactly the index the always-delete path gives, and to deleting again
//! whenever the index may hold an id.

use super::{doc, incidents, kb_with};
use crate::synthetic::Generator;
use crate::{Change, IncidentDoc, IndexOptions, KnowledgeBase, SearchQuery, SuggestOptions};

fn one_thread() -> KnowledgeBase {
    // One writer thread and few commits: the same segments, in the same order, every time, so
    // two indexes can be compared result for result (ties included).
    KnowledgeBase::in_ram_with(IndexOptions {
        writer_threads: 1,
        ..IndexOptions::default()
    })
    .expect("kb")
}

/// New incidents, new versions of some, removals, and re-additions of removed ones.
fn change_log() -> Vec<Vec<Change>> {
    let docs: Vec<IncidentDoc> = Generator::new(3).take(600).collect();
    let mut batches: Vec<Vec<Change>> = docs
        .chunks(150)
        .map(|c| c.iter().cloned().map(Change::Upsert).collect())
        .collect();
    let mut edits: Vec<Change> = Vec::new();
    for d in docs.iter().step_by(12) {
        let mut newer = d.clone();
        newer.title = format!("{} (reopened: connection reset again)", d.title);
        newer.helpful += 2;
        edits.push(Change::Upsert(newer));
    }
    for d in docs.iter().skip(5).step_by(30) {
        edits.push(Change::Remove { id: d.id.clone() });
    }
    batches.push(edits);
    batches.push(
        docs.iter()
            .skip(5)
            .step_by(60)
            .cloned()
            .map(Change::Upsert)
            .collect(),
    );
    batches
}

type Answers = (u64, Vec<Vec<(String, f32)>>, Vec<Vec<(String, f32)>>);

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() <= 1e-5 * a.abs().max(b.abs())
}

/// The same results: the same scores (to float rounding: the order tantivy sums a document's
/// term scores in follows the order of segments, which is random between two indexes), and the
/// same ids, except that documents tied with the last one may be others (ties go by address).
fn same_results(a: &[(String, f32)], b: &[(String, f32)]) -> bool {
    if a.len() != b.len() || !a.iter().zip(b).all(|(x, y)| close(x.1, y.1)) {
        return false;
    }
    let Some(last) = a.last().map(|x| x.1) else {
        return true;
    };
    let above = |l: &[(String, f32)]| {
        let mut ids: Vec<String> = l
            .iter()
            .filter(|x| !close(x.1, last))
            .map(|x| x.0.clone())
            .collect();
        ids.sort();
        ids
    };
    above(a) == above(b)
}

fn assert_same_answers(got: &Answers, expected: &Answers) {
    assert_eq!(got.0, expected.0, "document count");
    let lists = |a: &Answers| a.1.iter().chain(&a.2).cloned().collect::<Vec<_>>();
    for (i, (g, e)) in lists(got).iter().zip(&lists(expected)).enumerate() {
        assert!(same_results(g, e), "query {i}: {g:?} against {e:?}");
    }
}

/// Everything a caller can see: the count, suggestions and search pages (ids and scores).
fn answers(kb: &KnowledgeBase) -> Answers {
    let mut g = Generator::new(9);
    let suggestions = (0..25)
        .map(|_| {
            kb.suggest(&g.probe(), &SuggestOptions::default())
                .expect("suggest")
                .into_iter()
                .map(|s| (s.id, s.score))
                .collect()
        })
        .collect();
    let searches = (0..25)
        .map(|_| {
            let query = SearchQuery {
                text: g.search_text(),
                limit: 20,
                ..SearchQuery::default()
            };
            kb.search(&query)
                .expect("search")
                .hits
                .into_iter()
                .map(|h| (h.id, h.score))
                .collect()
        })
        .collect();
    (kb.doc_count(), suggestions, searches)
}

#[test]
fn skipping_deletes_for_new_ids_gives_the_index_that_deleting_gives() {
    let skipping = one_thread();
    let deleting = one_thread();
    deleting.forget_known_ids();
    for (seq, batch) in change_log().into_iter().enumerate() {
        skipping.apply(batch.clone(), seq as i64).expect("apply");
        deleting.apply(batch, seq as i64).expect("apply");
    }
    let expected = answers(&deleting);
    assert_eq!(expected.0, 600 - 20 + 10);
    assert!(expected.1.iter().all(|s| !s.is_empty()));
    assert_same_answers(&answers(&skipping), &expected);
    for d in Generator::new(3).take(600).step_by(7) {
        assert_eq!(
            skipping.get(&d.id).expect("get"),
            deleting.get(&d.id).expect("get")
        );
    }

    // A rebuild (clear, stage, one commit) over an index that held other documents and some
    // of the same ids gives the same answers too.
    let rebuilt = one_thread();
    rebuilt
        .apply(
            Generator::new(3)
                .take(40)
                .chain(incidents())
                .map(Change::Upsert)
                .collect(),
            0,
        )
        .expect("old index");
    rebuilt.clear().expect("clear");
    for batch in change_log() {
        rebuilt.stage(batch).expect("stage");
    }
    rebuilt.commit(99).expect("commit");
    assert!(!rebuilt.contains("inc-1"), "the old index is gone");
    assert_same_answers(&answers(&rebuilt), &expected);
    for d in Generator::new(3).take(600) {
        assert_eq!(
            rebuilt.get(&d.id).expect("get"),
            deleting.get(&d.id).expect("get")
        );
    }
}

#[test]
fn an_id_staged_twice_in_a_rebuild_is_one_document() {
    let kb = kb_with(incidents());
    kb.clear().expect("clear");
    let first = doc("inc-50", "Disk full on the primary", "first version");
    let second = doc("inc-50", "Disk full on the primary", "second version");
    kb.stage(vec![Change::Upsert(first)]).expect("stage");
    kb.stage(vec![Change::Upsert(second.clone())])
        .expect("stage");
    kb.commit(5).expect("commit");
    assert_eq!(kb.doc_count(), 1);
    assert_eq!(kb.get("inc-50").expect("get"), Some(second.clone()));
    // After the rebuild, the index holds inc-50: upserting it again replaces it.
    kb.apply(vec![Change::Upsert(second)], 6).expect("apply");
    assert_eq!(kb.doc_count(), 1);
}

#[test]
fn after_a_failed_rebuild_upserts_of_existing_ids_delete_again() {
    let kb = kb_with(incidents());
    kb.clear().expect("clear");
    let err = kb.stage(vec![
        Change::Upsert(doc("inc-60", "Staged", "x")),
        Change::Upsert(doc(" ", "Bad", "x")),
    ]);
    assert!(err.is_err());
    // The failed batch rolled the clear back: the four incidents are still there.
    let mut changed = incidents()[0].clone();
    changed.title = "Checkout failing again".into();
    kb.apply(vec![Change::Upsert(changed.clone())], 2)
        .expect("apply");
    assert_eq!(kb.doc_count(), 4, "replaced, not added twice");
    assert_eq!(kb.get("inc-1").expect("get"), Some(changed));
}

#[test]
fn a_reopened_index_with_documents_deletes_on_upsert() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (kb, _) = KnowledgeBase::open_or_create(dir.path()).expect("create");
        kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 1)
            .expect("apply");
    }
    let (kb, _) = KnowledgeBase::open_or_create(dir.path()).expect("reopen");
    kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 2)
        .expect("apply again");
    assert_eq!(kb.doc_count(), 4);
}

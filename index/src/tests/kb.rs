//! Opening, applying, removing, clearing, persistence and corrupt-index handling.

use tantivy::schema::{STORED, Schema, TEXT};

use super::{doc, incidents, kb_with};
use crate::{Change, IndexError, IndexOptions, KnowledgeBase, Opened};

#[test]
fn knowledge_base_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<KnowledgeBase>();
}

#[test]
fn upserts_are_idempotent_and_replace_by_id() {
    let kb = kb_with(incidents());
    assert_eq!(kb.doc_count(), 4);
    kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 2)
        .expect("apply again");
    assert_eq!(
        kb.doc_count(),
        4,
        "applying the same batch twice adds nothing"
    );

    let mut changed = incidents()[0].clone();
    changed.title = "Checkout failing: replica lag".into();
    changed.helpful = 3;
    kb.apply(vec![Change::Upsert(changed.clone())], 3)
        .expect("apply");
    assert_eq!(kb.doc_count(), 4);
    assert_eq!(kb.get("inc-1").expect("get"), Some(changed));
}

#[test]
fn stored_documents_round_trip() {
    let kb = kb_with(incidents());
    for expected in incidents() {
        assert_eq!(kb.get(&expected.id).expect("get"), Some(expected));
    }
    assert_eq!(kb.get("nope").expect("get"), None);
}

#[test]
fn out_of_range_priority_is_indexed_as_none() {
    let mut d = doc("inc-9", "Odd priority", "x");
    d.priority = Some(9);
    let kb = kb_with(vec![d]);
    assert_eq!(
        kb.get("inc-9").expect("get").map(|d| d.priority),
        Some(None)
    );
}

#[test]
fn removals_delete_and_missing_ids_are_fine() {
    let kb = kb_with(incidents());
    kb.apply(
        vec![
            Change::Remove { id: "inc-2".into() },
            Change::Remove {
                id: "never-indexed".into(),
            },
        ],
        2,
    )
    .expect("apply");
    assert_eq!(kb.doc_count(), 3);
    assert!(!kb.contains("inc-2"));
    assert!(kb.contains("inc-1"));
}

#[test]
fn changes_apply_in_order_within_a_batch() {
    let kb = KnowledgeBase::in_ram().expect("kb");
    let d = doc("inc-1", "Title", "Body");
    kb.apply(
        vec![
            Change::Upsert(d.clone()),
            Change::Remove { id: "inc-1".into() },
            Change::Upsert(d.clone()),
        ],
        1,
    )
    .expect("apply");
    assert_eq!(kb.doc_count(), 1);
    kb.apply(
        vec![Change::Upsert(d), Change::Remove { id: "inc-1".into() }],
        2,
    )
    .expect("apply");
    assert_eq!(kb.doc_count(), 0);
}

#[test]
fn last_applied_seq_follows_commits() {
    let kb = KnowledgeBase::in_ram().expect("kb");
    assert_eq!(kb.last_applied_seq(), None);
    kb.apply(vec![], 5).expect("apply");
    assert_eq!(kb.last_applied_seq(), Some(5));
    kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 9)
        .expect("apply");
    assert_eq!(kb.last_applied_seq(), Some(9));
}

#[test]
fn a_bad_document_fails_the_whole_batch_and_the_next_batch_works() {
    let kb = kb_with(vec![]);
    let err = kb
        .apply(
            vec![
                Change::Upsert(doc("inc-1", "Fine", "fine")),
                Change::Upsert(doc(" ", "Bad", "bad")),
            ],
            2,
        )
        .expect_err("empty id must fail");
    assert!(matches!(err, IndexError::InvalidDocument { .. }), "{err}");
    assert_eq!(kb.doc_count(), 0, "nothing of the failed batch is visible");
    assert_eq!(kb.last_applied_seq(), Some(1));
    kb.apply(vec![Change::Upsert(doc("inc-2", "Fine", "fine"))], 3)
        .expect("next batch");
    assert_eq!(kb.doc_count(), 1);
    assert!(!kb.contains("inc-1"), "the failed batch was rolled back");
}

#[test]
fn clear_takes_effect_with_the_next_apply() {
    let kb = kb_with(incidents());
    kb.clear().expect("clear");
    assert_eq!(
        kb.doc_count(),
        4,
        "readers see the old index until the commit"
    );
    kb.apply(
        vec![Change::Upsert(doc("inc-7", "Rebuilt", "only me"))],
        100,
    )
    .expect("apply");
    assert_eq!(kb.doc_count(), 1);
    assert!(kb.contains("inc-7"));
    assert_eq!(kb.last_applied_seq(), Some(100));
}

#[test]
fn reopening_keeps_documents_and_sequence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kb");
    {
        let (kb, opened) = KnowledgeBase::open_or_create(&path).expect("create");
        assert_eq!(opened, Opened::Created);
        kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 7)
            .expect("apply");
    }
    let (kb, opened) = KnowledgeBase::open_or_create(&path).expect("reopen");
    assert_eq!(opened, Opened::Existing { last_seq: Some(7) });
    assert_eq!(kb.last_applied_seq(), Some(7));
    assert_eq!(kb.doc_count(), 4);
    // The custom analyzer is registered again on open: stemmed search still works.
    let hits = kb
        .search(&crate::SearchQuery {
            text: "certificates".into(),
            ..Default::default()
        })
        .expect("search");
    assert_eq!(hits.total, 1);
}

#[test]
fn an_index_never_committed_opens_without_a_sequence() {
    let dir = tempfile::tempdir().expect("tempdir");
    drop(KnowledgeBase::open_or_create(dir.path()).expect("create"));
    let (_, opened) = KnowledgeBase::open_or_create(dir.path()).expect("reopen");
    assert_eq!(opened, Opened::Existing { last_seq: None });
}

#[test]
fn a_second_open_of_the_same_folder_fails_on_the_writer_lock() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_first, _) = KnowledgeBase::open_or_create(dir.path()).expect("create");
    let err = KnowledgeBase::open_or_create(dir.path()).expect_err("locked");
    assert!(err.is_locked(), "{err}");
}

#[test]
fn a_corrupt_index_is_an_error_and_a_fresh_folder_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kb");
    {
        let (kb, _) = KnowledgeBase::open_or_create(&path).expect("create");
        kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 3)
            .expect("apply");
    }
    std::fs::write(path.join("meta.json"), b"{ not json").expect("corrupt");
    let err = KnowledgeBase::open_or_create(&path).expect_err("corrupt");
    assert!(!err.is_locked(), "corruption is not a lock: {err}");

    // What the caller does: delete the folder, open again, rebuild.
    std::fs::remove_dir_all(&path).expect("delete");
    let (kb, opened) = KnowledgeBase::open_or_create(&path).expect("recreate");
    assert_eq!(opened, Opened::Created);
    assert_eq!(kb.doc_count(), 0);
}

#[test]
fn missing_segment_files_are_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("kb");
    {
        let (kb, _) = KnowledgeBase::open_or_create(&path).expect("create");
        kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 3)
            .expect("apply");
    }
    for entry in std::fs::read_dir(&path).expect("list") {
        let p = entry.expect("entry").path();
        if p.extension().is_some_and(|e| e == "idx" || e == "store") {
            std::fs::remove_file(p).expect("remove");
        }
    }
    assert!(KnowledgeBase::open_or_create(&path).is_err());
}

#[test]
fn an_index_with_another_schema_is_a_schema_mismatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut b = Schema::builder();
    b.add_text_field("title", TEXT | STORED);
    drop(tantivy::Index::create_in_dir(dir.path(), b.build()).expect("foreign index"));
    let err = KnowledgeBase::open_or_create(dir.path()).expect_err("mismatch");
    assert!(matches!(err, IndexError::SchemaMismatch { .. }), "{err}");
}

#[test]
fn a_foreign_payload_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (schema, _) = crate::schema::build();
        let index = tantivy::Index::create_in_dir(dir.path(), schema).expect("index");
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("writer");
        let mut prepared = writer.prepare_commit().expect("prepare");
        prepared.set_payload("someone else's");
        prepared.commit().expect("commit");
    }
    let err = KnowledgeBase::open_or_create(dir.path()).expect_err("foreign payload");
    assert!(matches!(err, IndexError::BadPayload { .. }), "{err}");
}

#[test]
fn writer_options_are_honoured() {
    let kb = KnowledgeBase::in_ram_with(IndexOptions {
        writer_heap_bytes: 32 * 1024 * 1024,
        writer_threads: 2,
    })
    .expect("kb");
    kb.apply(incidents().into_iter().map(Change::Upsert).collect(), 1)
        .expect("apply");
    assert_eq!(kb.doc_count(), 4);
    // Too small a heap is the caller's error, reported, not a panic.
    assert!(
        KnowledgeBase::in_ram_with(IndexOptions {
            writer_heap_bytes: 1024,
            writer_threads: 1,
        })
        .is_err()
    );
}

#[test]
fn an_index_from_another_analyzer_version_is_a_schema_mismatch() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let (schema, _) = crate::schema::build();
        let index = tantivy::Index::create_in_dir(dir.path(), schema).expect("index");
        let mut writer: tantivy::IndexWriter = index.writer(15_000_000).expect("writer");
        let mut prepared = writer.prepare_commit().expect("prepare");
        prepared.set_payload(r#"{"through_seq": 3, "analyzer": 0}"#);
        prepared.commit().expect("commit");
    }
    let err = KnowledgeBase::open_or_create(dir.path()).expect_err("old analyzer");
    assert!(matches!(err, IndexError::SchemaMismatch { .. }), "{err}");
}

#[test]
fn a_staged_rebuild_is_invisible_until_its_commit() {
    let kb = kb_with(incidents());
    kb.clear().expect("clear");
    for chunk in 0..3 {
        let docs =
            (0..10).map(|i| Change::Upsert(doc(&format!("new-{chunk}-{i}"), "Rebuilt", "text")));
        kb.stage(docs.collect()).expect("stage");
        assert_eq!(kb.doc_count(), 4, "readers keep the old index");
        assert!(kb.contains("inc-1"));
    }
    kb.commit(42).expect("commit");
    assert_eq!(kb.doc_count(), 30);
    assert!(!kb.contains("inc-1"));
    assert_eq!(kb.last_applied_seq(), Some(42));
}

#[test]
fn a_failed_stage_drops_everything_staged_since_the_last_commit() {
    let kb = kb_with(incidents());
    kb.stage(vec![Change::Upsert(doc("inc-10", "Staged", "x"))])
        .expect("stage");
    let err = kb
        .stage(vec![Change::Upsert(doc("", "Bad", "x"))])
        .expect_err("bad id");
    assert!(matches!(err, IndexError::InvalidDocument { .. }));
    kb.commit(2).expect("commit");
    assert!(!kb.contains("inc-10"));
    assert_eq!(kb.doc_count(), 4);
}

#[test]
fn uuid_ids_are_replaced_removed_and_found_by_their_own_spelling() {
    let lower = "0193a6f2-7c1e-7d3a-9f00-00000000002a";
    let upper = "0193A6F2-7C1E-7D3A-9F00-00000000002A";
    let kb = kb_with(vec![
        doc(lower, "Checkout failing", "x"),
        doc(upper, "Search timing out", "y"),
    ]);
    assert_eq!(kb.doc_count(), 2, "two spellings are two ids, as text");

    let mut changed = doc(lower, "Checkout failing: replica lag", "x");
    changed.helpful = 2;
    kb.apply(vec![Change::Upsert(changed.clone())], 2)
        .expect("apply");
    assert_eq!(kb.doc_count(), 2);
    assert_eq!(kb.get(lower).expect("get"), Some(changed));

    kb.apply(vec![Change::Remove { id: upper.into() }], 3)
        .expect("remove");
    assert_eq!(kb.doc_count(), 1);
    assert_eq!(kb.get(upper).expect("get"), None);
    assert!(kb.contains(lower));
}

//! [`KnowledgeBase`]: opening the index, applying change batches, and the small read helpers.
//! Ranking lives in `suggest.rs` and `search.rs`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term,
};

use crate::analysis;
use crate::error::IndexError;
use crate::known_ids::KnownIds;
use crate::model::{Change, IncidentDoc};
use crate::ranking::RankingConfig;
use crate::schema::{self, Fields};

/// How the writer is sized. The defaults suit a server: two indexing threads when the machine
/// has two cores or more (a rebuild is CPU-bound: tokenizing and building postings; a second
/// thread took bulk indexing from about 15,800 to 18,800 documents/s on two cores, with merges
/// sharing them), one otherwise, and a 128 MB heap shared between them, so indexing memory
/// stays bounded however large a rebuild is. 128 MB rather than 64: a rebuild flushes fewer,
/// larger segments and took less CPU (at 1M documents, interleaved runs: 43.6–44.6 CPU-seconds
/// in three of four, 52.8 in the one where a second round of merges ran, against 47.8–56.0;
/// the README's fifth indexing pass). Small commits, as the change log makes them, flush at
/// each commit and never fill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexOptions {
    /// Total writer heap, split between the threads (at least 15 MB per thread).
    pub writer_heap_bytes: usize,
    pub writer_threads: usize,
}

impl Default for IndexOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        IndexOptions {
            writer_heap_bytes: 128 * 1024 * 1024,
            writer_threads: cores.clamp(1, 2),
        }
    }
}

/// What [`KnowledgeBase::open_or_create`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Opened {
    /// An index was there; catch up from the change log after `last_seq` (`None`: it was
    /// never committed with a sequence number, so rebuild).
    Existing { last_seq: Option<i64> },
    /// The folder held no index; an empty one was made. Rebuild from the database.
    Created,
}

/// The knowledge base: one index, one writer, one reader. `Send + Sync`; share it in an `Arc`
/// and call it from blocking threads.
pub struct KnowledgeBase {
    pub(crate) reader: IndexReader,
    writer: Mutex<Writer>,
    pub(crate) fields: Fields,
    /// A prototype; every use clones it (analyzers need `&mut`).
    analyzer: TextAnalyzer,
    last_seq: Mutex<Option<i64>>,
    pub(crate) ranking: RankingConfig,
}

impl std::fmt::Debug for KnowledgeBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KnowledgeBase")
            .field("docs", &self.doc_count())
            .field("last_seq", &self.last_applied_seq())
            .finish_non_exhaustive()
    }
}

/// The one writer, and which ids the index may hold while that is known (`None`: unknown, so
/// every upsert deletes first).
struct Writer {
    index: IndexWriter,
    known_ids: Option<KnownIds>,
}

impl Writer {
    /// After a failed batch: back to the last commit, which may hold any id unless it is empty.
    fn rollback(&mut self) {
        // If rollback fails too, the original error is the one worth reporting.
        let _ = self.index.rollback();
        self.known_ids = committed_is_empty(self.index.index()).then(KnownIds::empty);
    }
}

/// Whether the last commit holds no document (deleted ones count: a delete is not known to
/// be applied until a merge drops it, and an empty answer here is only an optimisation).
fn committed_is_empty(index: &Index) -> bool {
    index
        .searchable_segment_metas()
        .is_ok_and(|metas| metas.iter().all(|m| m.max_doc() == 0))
}

const SEQ_KEY: &str = "through_seq";
/// The analysis that built the index: words are matched only if indexing and querying agree.
const ANALYZER_KEY: &str = "analyzer";

/// What a commit payload says: the last applied sequence number and the analyzer version.
#[derive(Debug, PartialEq, Eq)]
struct Payload {
    seq: i64,
    analyzer: u64,
}

fn payload_json(seq: i64) -> String {
    serde_json::json!({ SEQ_KEY: seq, ANALYZER_KEY: analysis::ANALYZER_VERSION }).to_string()
}

fn parse_payload(payload: Option<&str>) -> Result<Option<Payload>, IndexError> {
    let Some(payload) = payload else {
        return Ok(None);
    };
    let bad = || IndexError::BadPayload {
        payload: analysis::truncate(payload, 200).to_owned(),
    };
    let value: serde_json::Value = serde_json::from_str(payload).map_err(|_| bad())?;
    let seq = value
        .get(SEQ_KEY)
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(bad)?;
    let analyzer = value
        .get(ANALYZER_KEY)
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(bad)?;
    Ok(Some(Payload { seq, analyzer }))
}

impl KnowledgeBase {
    /// Opens the index in `dir` (creating the folder if needed), or creates an empty index
    /// there. An unreadable index (corrupt or missing files, a schema from another version, a
    /// foreign payload) is an error: delete the folder, call this again, then rebuild. A
    /// second open of the same folder while the first is alive fails on the writer lock.
    pub fn open_or_create(dir: &Path) -> Result<(Self, Opened), IndexError> {
        Self::open_or_create_with(dir, IndexOptions::default())
    }

    pub fn open_or_create_with(
        dir: &Path,
        options: IndexOptions,
    ) -> Result<(Self, Opened), IndexError> {
        std::fs::create_dir_all(dir)?;
        let directory = MmapDirectory::open(dir).map_err(tantivy::TantivyError::from)?;
        let (schema, fields) = schema::build();
        let exists = Index::exists(&directory).map_err(tantivy::TantivyError::from)?;
        if exists {
            let index = Index::open(directory)?;
            if index.schema() != schema {
                return Err(IndexError::SchemaMismatch {
                    path: dir.to_path_buf(),
                });
            }
            let payload = parse_payload(index.load_metas()?.payload.as_deref())?;
            if payload
                .as_ref()
                .is_some_and(|p| p.analyzer != analysis::ANALYZER_VERSION)
            {
                return Err(IndexError::SchemaMismatch {
                    path: dir.to_path_buf(),
                });
            }
            let last_seq = payload.map(|p| p.seq);
            let kb = Self::from_index(index, fields, options, last_seq)?;
            Ok((kb, Opened::Existing { last_seq }))
        } else {
            let index = Index::create(directory, schema, IndexSettings::default())?;
            Ok((
                Self::from_index(index, fields, options, None)?,
                Opened::Created,
            ))
        }
    }

    /// An empty index in memory: tests, the backtest.
    pub fn in_ram() -> Result<Self, IndexError> {
        Self::in_ram_with(IndexOptions::default())
    }

    pub fn in_ram_with(options: IndexOptions) -> Result<Self, IndexError> {
        let (schema, fields) = schema::build();
        Self::from_index(Index::create_in_ram(schema), fields, options, None)
    }

    fn from_index(
        index: Index,
        fields: Fields,
        options: IndexOptions,
        last_seq: Option<i64>,
    ) -> Result<Self, IndexError> {
        analysis::register(&index);
        // Manual reloads: `apply` reloads right after its commit, so a caller that applied a
        // change sees it in the next query.
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let known_ids = committed_is_empty(&index).then(KnownIds::empty);
        let writer = index
            .writer_with_num_threads(options.writer_threads.max(1), options.writer_heap_bytes)?;
        Ok(KnowledgeBase {
            reader,
            writer: Mutex::new(Writer {
                index: writer,
                known_ids,
            }),
            fields,
            analyzer: analysis::english_analyzer(),
            last_seq: Mutex::new(last_seq),
            ranking: RankingConfig::default(),
        })
    }

    /// Replaces the ranking parameters (the backtest compares variants with this).
    #[must_use]
    pub fn with_ranking(mut self, ranking: RankingConfig) -> Self {
        self.ranking = ranking;
        self
    }

    pub(crate) fn analyzer(&self) -> TextAnalyzer {
        self.analyzer.clone()
    }

    pub(crate) fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    fn writer(&self) -> Result<MutexGuard<'_, Writer>, IndexError> {
        self.writer.lock().map_err(|_| IndexError::Poisoned)
    }

    pub(crate) fn id_term(&self, id: &str) -> Term {
        Term::from_field_bytes(self.fields.key, &schema::id_key(id))
    }

    /// Applies `changes` in order (an upsert deletes any document with the same id, then
    /// adds; a removal deletes), then commits with `through_seq` in the payload and makes the
    /// result visible. Applying the same batch twice gives the same index. On error nothing
    /// of the batch is committed. Blocks: call it from `spawn_blocking`.
    pub fn apply(&self, changes: Vec<Change>, through_seq: i64) -> Result<(), IndexError> {
        let mut writer = self.writer()?;
        let result = self
            .stage_locked(&mut writer, changes)
            .and_then(|()| self.commit_locked(&mut writer.index, through_seq));
        if result.is_err() {
            // Drop the half-applied batch so the next call starts from the last commit.
            writer.rollback();
        }
        result
    }

    /// Adds changes without committing them: for a rebuild larger than memory (`clear`, then
    /// `stage` chunk after chunk, then one `commit`), readers keep the old index until the
    /// commit. Memory stays bounded: the writer writes segments out as its heap fills. On
    /// error, everything staged since the last commit is dropped.
    pub fn stage(&self, changes: Vec<Change>) -> Result<(), IndexError> {
        let mut writer = self.writer()?;
        let result = self.stage_locked(&mut writer, changes);
        if result.is_err() {
            writer.rollback();
        }
        result
    }

    /// Commits what was staged (and any `clear`) with `through_seq` in the payload, and makes
    /// it visible.
    pub fn commit(&self, through_seq: i64) -> Result<(), IndexError> {
        let mut writer = self.writer()?;
        let result = self.commit_locked(&mut writer.index, through_seq);
        if result.is_err() {
            writer.rollback();
        }
        result
    }

    fn stage_locked(&self, writer: &mut Writer, changes: Vec<Change>) -> Result<(), IndexError> {
        for change in changes {
            match change {
                Change::Upsert(doc) => {
                    let document = self.fields.build_document(&doc)?;
                    // An id the index cannot hold needs no delete (see `known_ids.rs`).
                    let may_exist = writer
                        .known_ids
                        .as_mut()
                        .is_none_or(|known| known.insert(&doc.id));
                    if may_exist {
                        writer.index.delete_term(self.id_term(&doc.id));
                    }
                    writer.index.add_document(document)?;
                }
                Change::Remove { id } => {
                    writer.index.delete_term(self.id_term(&id));
                }
            }
        }
        Ok(())
    }

    fn commit_locked(&self, writer: &mut IndexWriter, through_seq: i64) -> Result<(), IndexError> {
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload_json(through_seq));
        prepared.commit()?;
        self.reader.reload()?;
        *self.last_seq.lock().map_err(|_| IndexError::Poisoned)? = Some(through_seq);
        Ok(())
    }

    /// Waits for background segment merges to finish and releases the writer lock. Call it on
    /// graceful shutdown (dropping the knowledge base also releases the lock, but abandons
    /// merges in progress; they are redone later, nothing is lost).
    pub fn close(self) -> Result<(), IndexError> {
        let writer = self.writer.into_inner().map_err(|_| IndexError::Poisoned)?;
        writer.index.wait_merging_threads()?;
        Ok(())
    }

    /// The `through_seq` of the last commit, `None` if there was none.
    pub fn last_applied_seq(&self) -> Option<i64> {
        self.last_seq.lock().map_or(None, |seq| *seq)
    }

    /// Deletes every document, for a rebuild. Nothing changes for readers until the next
    /// [`apply`](Self::apply) or [`commit`](Self::commit); a crash before that leaves the old
    /// index in place.
    pub fn clear(&self) -> Result<(), IndexError> {
        let mut writer = self.writer()?;
        writer.index.delete_all_documents()?;
        // From here the index holds only what is added next: rebuilds skip their deletes.
        writer.known_ids = Some(KnownIds::empty());
        Ok(())
    }

    /// Forgets which ids the index holds, so every upsert deletes first: the path the skipped
    /// deletes are compared with in tests.
    #[cfg(test)]
    pub(crate) fn forget_known_ids(&self) {
        if let Ok(mut writer) = self.writer() {
            writer.known_ids = None;
        }
    }

    /// Documents visible to queries (committed and not deleted).
    pub fn doc_count(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Whether a document with this id is visible (an index error counts as no).
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_ok_and(|doc| doc.is_some())
    }

    /// The stored document with this id, as it was indexed.
    pub fn get(&self, id: &str) -> Result<Option<IncidentDoc>, IndexError> {
        let searcher = self.searcher();
        let query = TermQuery::new(self.id_term(id), IndexRecordOption::Basic);
        let top = searcher.search(
            &query,
            &tantivy::collector::TopDocs::with_limit(1).order_by_score(),
        )?;
        match top.first() {
            Some((_, address)) => {
                let doc: TantivyDocument = searcher.doc(*address)?;
                Ok(Some(self.fields.read_document(&doc)))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip_and_rejects_foreign_payloads() {
        assert_eq!(parse_payload(None).ok(), Some(None));
        assert_eq!(
            parse_payload(Some(&payload_json(42))).ok(),
            Some(Some(Payload {
                seq: 42,
                analyzer: analysis::ANALYZER_VERSION
            }))
        );
        for foreign in [
            "42",
            r#"{"through_seq":"x","analyzer":1}"#,
            r#"{"through_seq":4}"#,
        ] {
            assert!(
                matches!(
                    parse_payload(Some(foreign)),
                    Err(IndexError::BadPayload { .. })
                ),
                "{foreign}"
            );
        }
    }
}

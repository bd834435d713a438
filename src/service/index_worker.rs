//! The index worker: keeps this node's knowledge base equal to the database.
//!
//! It applies the change log in order, in batches, and commits the index with the last
//! applied sequence number in the commit payload. On start it catches up from that number;
//! a missing, unreadable or half-rebuilt index is rebuilt from the database first. A crash at
//! any point loses nothing: whatever the index did not commit is applied again, and applying
//! a change is idempotent (it re-reads the incident's current state).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use hindsight_index::{Change, KnowledgeBase, Opened};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::knowledge::{incident_documents, known_error_documents};
use super::{ServiceError, Services};
use crate::store::index_changes::Document;
use crate::store::{Db, incidents as rows, index_changes, problems};

/// Changes applied per index commit.
const BATCH: u64 = 500;
/// Incidents read per page during a rebuild.
const REBUILD_PAGE: u64 = 1_000;

/// Opens the knowledge base in `dir`; `true` when it must be rebuilt. The index is derived
/// data, so an unreadable one is deleted and recreated.
pub fn open(dir: &Path) -> Result<(KnowledgeBase, bool), ServiceError> {
    match KnowledgeBase::open_or_create(dir) {
        Ok((
            kb,
            Opened::Existing {
                last_seq: Some(seq),
            },
        )) if seq >= 0 => Ok((kb, false)),
        Ok((kb, _)) => Ok((kb, true)),
        Err(e) if e.is_locked() => Err(ServiceError::internal(std::io::Error::other(format!(
            "the index in {} is in use by another process (is the server running?)",
            dir.display()
        )))),
        Err(e) => {
            tracing::warn!(index.path = %dir.display(), error = %e, "the index is unreadable; deleting it to rebuild from the database");
            std::fs::remove_dir_all(dir).map_err(ServiceError::internal)?;
            let (kb, _) = KnowledgeBase::open_or_create(dir)?;
            Ok((kb, true))
        }
    }
}

/// Rebuilds the whole index from the database. `progress(done, total)` is called per page.
/// Everything is staged and committed once at the end: readers keep the old index until
/// then, and a crash mid-rebuild leaves the old index and its sequence number intact.
pub async fn rebuild(
    db: &Db,
    base: &Arc<KnowledgeBase>,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64, ServiceError> {
    // Everything logged up to here is covered by the rebuild; later changes are applied by
    // the worker afterwards (applying one twice is harmless).
    let through = index_changes::last_seq(db.conn()).await?;
    let total = rows::count_knowledge_base(db.conn()).await?;
    let kb = base.clone();
    tokio::task::spawn_blocking(move || kb.clear()).await??;
    let mut done = 0;
    let mut after_number = 0;
    loop {
        let page = rows::knowledge_base_page(db.conn(), after_number, REBUILD_PAGE).await?;
        let Some(last) = page.last() else { break };
        after_number = last.number.0;
        // Ratings and published reviews: one statement each per page, not per incident.
        let mut docs = incident_documents(db.conn(), &page).await?;
        let changes: Vec<Change> = page
            .iter()
            .filter_map(|i| docs.remove(&i.id))
            .map(Change::Upsert)
            .collect();
        done += changes.len() as u64;
        let kb = base.clone();
        tokio::task::spawn_blocking(move || kb.stage(changes)).await??;
        progress(done, total);
    }
    // Known errors: few beside incidents, in one go.
    let ids: Vec<_> = problems::knowledge_base(db.conn())
        .await?
        .iter()
        .map(|p| p.id)
        .collect();
    let docs = known_error_documents(db.conn(), &ids).await?;
    let changes: Vec<Change> = ids
        .iter()
        .filter_map(|id| docs.get(id).cloned())
        .map(Change::Upsert)
        .collect();
    done += changes.len() as u64;
    let kb = base.clone();
    tokio::task::spawn_blocking(move || kb.stage(changes)).await??;
    let kb = base.clone();
    tokio::task::spawn_blocking(move || kb.commit(through)).await??;
    Ok(done)
}

/// Applies every pending change; returns how many log entries were applied.
pub async fn catch_up(services: &Services) -> Result<u64, ServiceError> {
    let mut applied = 0;
    loop {
        let from = services
            .knowledge
            .base
            .last_applied_seq()
            .unwrap_or(0)
            .max(0);
        let batch = index_changes::after(services.db.conn(), from, BATCH).await?;
        let Some(&(through, _)) = batch.last() else {
            return Ok(applied);
        };
        let mut documents: Vec<Document> = batch.iter().map(|(_, d)| *d).collect();
        documents.sort();
        documents.dedup();
        let ids: Vec<_> = documents
            .iter()
            .filter_map(|d| match d {
                Document::Incident(id) => Some(*id),
                Document::Problem(_) => None,
            })
            .collect();
        let problem_ids: Vec<_> = documents
            .iter()
            .filter_map(|d| match d {
                Document::Problem(id) => Some(*id),
                Document::Incident(_) => None,
            })
            .collect();
        let incidents = rows::find_many(&services.db, &ids).await?;
        let incidents: Vec<_> = incidents.into_values().collect();
        let mut incident_docs = incident_documents(services.db.conn(), &incidents).await?;
        let known_errors = known_error_documents(services.db.conn(), &problem_ids).await?;
        // The log says which documents changed; their current state says what to index.
        let changes: Vec<Change> = documents
            .iter()
            .map(|document| {
                let (key, doc) = match document {
                    Document::Incident(id) => (id.to_string(), incident_docs.remove(id)),
                    Document::Problem(id) => (id.to_string(), known_errors.get(id).cloned()),
                };
                match doc {
                    Some(doc) => Change::Upsert(doc),
                    None => Change::Remove { id: key },
                }
            })
            .collect();
        let kb = services.knowledge.base.clone();
        tokio::task::spawn_blocking(move || kb.apply(changes, through)).await??;
        applied += batch.len() as u64;
        if (batch.len() as u64) < BATCH {
            return Ok(applied);
        }
    }
}

/// Runs until `stop`: catch up whenever a local change rings the bell, and every `poll` for
/// changes that other nodes sharing the database wrote. On `stop` it catches up once more, so
/// what was written before the stop is committed to the index before the process exits
/// (catching up at the next start would repair it too, but a stop should leave nothing to
/// repair).
pub fn spawn(services: Services, poll: Duration, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = catch_up(&services).await {
                tracing::error!(error = %e, "the index worker could not apply the change log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            tokio::select! {
                () = services.knowledge.changed.notified() => {}
                () = tokio::time::sleep(poll) => {}
                () = stop.cancelled() => break,
            }
        }
        match catch_up(&services).await {
            Ok(applied) => tracing::info!(changes = applied, "the knowledge base is flushed"),
            Err(e) => {
                tracing::warn!(error = %e, "the index worker could not flush at the stop; the next start catches up")
            }
        }
    })
}

//! The import use case: writes parsed tickets (see `crate::import`) as IMPORTED incidents, in
//! batches of `BATCH_ROWS` rows per transaction, skipping and counting the ones already here:
//! a ticket is known when an imported incident has any of its ids (`Issue key`, `Issue id`,
//! the mapped `external_id`), so running the import again, with another `--map` or not,
//! duplicates nothing.
//!
//! Each incident is written with its IMPORTED timeline event (the importer user as the actor),
//! its comments as internal notes, and, when it is resolved or closed, a knowledge-base
//! change-log entry in the same transaction; a cancelled duplicate is linked to its original
//! once the original is here (in the same batch, a later one, or an earlier import). The
//! change-log entry means a server running on the database indexes it within its next poll, a stopped
//! one at its next start. This is an operator command with direct database access, like
//! `migrate` and `reindex`; there is no viewer to ask the policy about.
//!
//! The file is read on a blocking thread and handed over in batches through a small channel,
//! so reading and writing overlap and memory stays bounded.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use sea_orm::{DbErr, SqlErr};
use tokio::sync::mpsc;

use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentNumber, UserId};
use crate::domain::team::Audience;
use crate::domain::user::User;
use crate::import::{ImportRow, Origin, ReadError, Rejection, Source};
use crate::store::events::{self, NewEvent};
use crate::store::users;
use crate::store::{Db, counters, imports, incidents, index_changes};

/// Rows per transaction.
pub const BATCH_ROWS: usize = 200;
/// Rejections kept for the report; the rest are only counted.
pub const LISTED_REJECTIONS: usize = 100;
/// The user recorded as reporter and actor of imported incidents.
pub const IMPORTER_ID: &str = "hindsight-import";
pub const IMPORTER_NAME: &str = "Import";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub imported: u64,
    /// Of the imported: resolved or closed, so in the knowledge base.
    pub into_knowledge_base: u64,
    /// Rows whose original id an incident already has (an earlier import).
    pub already_imported: u64,
    pub rejected: u64,
    /// The first `LISTED_REJECTIONS` rejections, in file order.
    pub rejections: Vec<Rejection>,
    /// Of the imported: titles cut to 200 characters.
    pub titles_shortened: u64,
    /// Of the imported: closed without a fix (Won't Do, Duplicate, ...), so cancelled.
    pub cancelled: u64,
    /// Comments written to the timeline as notes.
    pub comments: u64,
    /// Duplicates whose original is neither in the file nor imported before.
    pub originals_missing: u64,
}

impl ImportSummary {
    fn reject(&mut self, rejection: Rejection) {
        self.rejected += 1;
        if self.rejections.len() < LISTED_REJECTIONS {
            self.rejections.push(rejection);
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(
        "another import wrote some of these tickets at the same time; run this import again (tickets already imported are skipped)"
    )]
    Conflict,
    #[error("database: {0}")]
    Database(DbErr),
    #[error("the file reader stopped: {0}")]
    Reader(#[from] tokio::task::JoinError),
}

impl From<DbErr> for ImportError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Conflict,
            _ => Self::Database(e),
        }
    }
}

/// An import that stopped partway. Everything counted in `so_far` is committed.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ImportFailed {
    pub so_far: ImportSummary,
    #[source]
    pub error: ImportError,
}

type Batch = Result<Vec<Result<ImportRow, Rejection>>, ReadError>;

/// Imports every row of `source`.
pub async fn import<R: Read + Send + 'static>(
    db: &Db,
    source: Source<R>,
    origin: &Origin,
) -> Result<ImportSummary, ImportFailed> {
    let (tx, mut rx) = mpsc::channel::<Batch>(2);
    let reader = tokio::task::spawn_blocking(move || read_batches(source, &tx));
    let mut summary = ImportSummary::default();
    // Duplicates waiting for their original: (the duplicate, the original's id in the export).
    let mut waiting = Vec::new();
    while let Some(batch) = rx.recv().await {
        let written = match batch {
            Ok(batch) => write_batch(db, batch, origin, &mut summary, &mut waiting).await,
            Err(e) => Err(e.into()),
        };
        if let Err(error) = written {
            // Closing the channel stops the reader at its next batch.
            drop(rx);
            let _ = reader.await;
            return Err(ImportFailed {
                so_far: summary,
                error,
            });
        }
    }
    match reader.await {
        Ok(()) => {
            summary.originals_missing = waiting.len() as u64;
            Ok(summary)
        }
        Err(e) => Err(ImportFailed {
            so_far: summary,
            error: e.into(),
        }),
    }
}

fn read_batches<R: Read>(mut source: Source<R>, tx: &mpsc::Sender<Batch>) {
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    loop {
        match source.next_row() {
            Ok(Some(parsed)) => {
                batch.push(parsed);
                if batch.len() == BATCH_ROWS
                    && tx.blocking_send(Ok(std::mem::take(&mut batch))).is_err()
                {
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                if !batch.is_empty() && tx.blocking_send(Ok(batch)).is_err() {
                    return;
                }
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    }
    if !batch.is_empty() {
        let _ = tx.blocking_send(Ok(batch));
    }
}

/// Writes one batch in one transaction; the summary changes only once it is committed.
async fn write_batch(
    db: &Db,
    batch: Vec<Result<ImportRow, Rejection>>,
    origin: &Origin,
    summary: &mut ImportSummary,
    waiting: &mut Vec<(IncidentId, String)>,
) -> Result<(), ImportError> {
    let mut rows = Vec::with_capacity(batch.len());
    for parsed in batch {
        match parsed {
            Ok(row) => rows.push(row),
            Err(rejection) => summary.reject(rejection),
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let now = super::now();
    let txn = db.begin_write().await?;
    // A write comes first: on SQLite it takes the database's write lock (waiting for a
    // running server's writers) before anything is read, so the reads below cannot go stale.
    let importer = User {
        id: UserId::from(IMPORTER_ID),
        name: IMPORTER_NAME.to_owned(),
        email: None,
    };
    users::upsert(&*txn, &importer, now).await?;
    let keys: Vec<&str> = rows
        .iter()
        .flat_map(|r| r.keys.iter().map(String::as_str))
        .collect();
    let existing: HashSet<String> = imports::imported_with_keys(&*txn, &keys)
        .await?
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    let (fresh, known): (Vec<ImportRow>, Vec<ImportRow>) = rows
        .into_iter()
        .partition(|r| !r.keys.iter().any(|k| existing.contains(k)));
    let mut done = ImportSummary {
        already_imported: known.len() as u64,
        ..ImportSummary::default()
    };
    let mut still_waiting = waiting.clone();
    if !fresh.is_empty() {
        let mut written = Vec::with_capacity(fresh.len());
        let first = imports::reserve(&*txn, counters::INCIDENT_NUMBER, fresh.len() as u64).await?;
        for (number, row) in (first..).zip(fresh) {
            let shortened = row.original_title.is_some();
            let imported = row.into_incident(
                IncidentId::new(),
                IncidentNumber(number),
                &importer.id,
                origin,
                now,
            );
            let incident = imported.incident;
            incidents::insert(&*txn, &incident).await?;
            events::append(
                &*txn,
                NewEvent::new(
                    incident.id,
                    now,
                    &importer.id,
                    EventKind::Imported,
                    imported.imported,
                ),
            )
            .await?;
            for (at, note) in imported.notes {
                // Comments were the responders' log in the old tracker: internal here too.
                events::append(
                    &*txn,
                    NewEvent::new(incident.id, at, &importer.id, EventKind::NoteAdded, note)
                        .for_audience(Audience::Internal),
                )
                .await?;
                done.comments += 1;
            }
            if incident.in_knowledge_base() {
                index_changes::append(&*txn, incident.id, now).await?;
                done.into_knowledge_base += 1;
            }
            if let Some(original) = imported.duplicate_of {
                still_waiting.push((incident.id, original));
            }
            done.imported += 1;
            done.cancelled += u64::from(incident.cancelled_at.is_some());
            done.titles_shortened += u64::from(shortened);
            written.push(incident);
        }
        let written: Vec<&_> = written.iter().collect();
        super::sla::save_standings(&*txn, &written, now).await?;
    }
    let still_waiting = link_duplicates(&*txn, still_waiting).await?;
    txn.commit().await?;
    *waiting = still_waiting;
    summary.imported += done.imported;
    summary.into_knowledge_base += done.into_knowledge_base;
    summary.already_imported += done.already_imported;
    summary.titles_shortened += done.titles_shortened;
    summary.cancelled += done.cancelled;
    summary.comments += done.comments;
    tracing::debug!(
        import.imported = summary.imported,
        import.already_imported = summary.already_imported,
        "import batch committed"
    );
    Ok(())
}

/// Links each waiting duplicate whose original is here now; returns the others.
async fn link_duplicates(
    txn: &impl sea_orm::ConnectionTrait,
    waiting: Vec<(IncidentId, String)>,
) -> Result<Vec<(IncidentId, String)>, DbErr> {
    if waiting.is_empty() {
        return Ok(waiting);
    }
    let keys: Vec<&str> = waiting.iter().map(|(_, k)| k.as_str()).collect();
    let originals: HashMap<String, IncidentId> = imports::imported_with_keys(txn, &keys)
        .await?
        .into_iter()
        .collect();
    let mut left = Vec::new();
    for (duplicate, key) in waiting {
        match originals.get(&key) {
            Some(original) if *original != duplicate => {
                imports::link_duplicate(txn, duplicate, *original).await?;
            }
            _ => left.push((duplicate, key)),
        }
    }
    Ok(left)
}

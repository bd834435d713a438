//! The import use case: writes parsed tickets (see `crate::import`) as IMPORTED incidents, in
//! batches of `BATCH_ROWS` rows per transaction, skipping and counting the ones whose original
//! id is already here, so running the same import again duplicates nothing.
//!
//! Each incident is written with its IMPORTED timeline event (the importer user as the actor)
//! and, when it is resolved or closed, a knowledge-base change-log entry in the same
//! transaction: a server running on the database indexes it within its next poll, a stopped
//! one at its next start. This is an operator command with direct database access, like
//! `migrate` and `reindex`; there is no viewer to ask the policy about.
//!
//! The file is read on a blocking thread and handed over in batches through a small channel,
//! so reading and writing overlap and memory stays bounded.

use std::io::Read;

use sea_orm::{DbErr, SqlErr};
use tokio::sync::mpsc;

use crate::domain::event::EventKind;
use crate::domain::ids::{IncidentId, IncidentNumber, UserId};
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
    while let Some(batch) = rx.recv().await {
        let written = match batch {
            Ok(batch) => write_batch(db, batch, origin, &mut summary).await,
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
        Ok(()) => Ok(summary),
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
    let ids: Vec<&str> = rows.iter().map(|r| r.external_id.as_str()).collect();
    let existing = imports::existing_external_ids(&*txn, &ids).await?;
    let (fresh, known): (Vec<ImportRow>, Vec<ImportRow>) = rows
        .into_iter()
        .partition(|r| !existing.contains(&r.external_id));
    let mut done = ImportSummary {
        already_imported: known.len() as u64,
        ..ImportSummary::default()
    };
    if !fresh.is_empty() {
        let mut written = Vec::with_capacity(fresh.len());
        let first = imports::reserve(&*txn, counters::INCIDENT_NUMBER, fresh.len() as u64).await?;
        for (number, row) in (first..).zip(fresh) {
            let shortened = row.original_title.is_some();
            let (incident, after) = row.into_incident(
                IncidentId::new(),
                IncidentNumber(number),
                &importer.id,
                origin,
                now,
            );
            incidents::insert(&*txn, &incident).await?;
            events::append(
                &*txn,
                NewEvent::new(incident.id, now, &importer.id, EventKind::Imported, after),
            )
            .await?;
            if incident.in_knowledge_base() {
                index_changes::append(&*txn, incident.id, now).await?;
                done.into_knowledge_base += 1;
            }
            done.imported += 1;
            done.titles_shortened += u64::from(shortened);
            written.push(incident);
        }
        let written: Vec<&_> = written.iter().collect();
        super::sla::save_standings(&*txn, &written, now).await?;
    }
    txn.commit().await?;
    summary.imported += done.imported;
    summary.into_knowledge_base += done.into_knowledge_base;
    summary.already_imported += done.already_imported;
    summary.titles_shortened += done.titles_shortened;
    tracing::debug!(
        import.imported = summary.imported,
        import.already_imported = summary.already_imported,
        "import batch committed"
    );
    Ok(())
}

//! `hindsight reindex`: rebuilds the knowledge base from the database, with a progress bar on
//! a terminal. The server must be stopped: it holds the index's writer lock.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::service::index_worker;

pub async fn run(settings: &Settings) -> Result<(), String> {
    let db = super::open_database(settings).await?;
    let (base, _) = index_worker::open(&settings.index_dir()).map_err(|e| e.to_string())?;
    let base = Arc::new(base);
    // Hidden automatically when stderr is not a terminal.
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} incidents ({per_sec}, {eta} left)",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    bar.set_message("indexing");
    let indexed = index_worker::rebuild(&db, &base, |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    println!(
        "reindexed {indexed} resolved incidents into {}",
        settings.index_dir().display()
    );
    db.close().await.map_err(|e| e.to_string())?;
    Ok(())
}

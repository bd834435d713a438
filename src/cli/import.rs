//! `hindsight import`: past tickets from another tracker's CSV export, with a progress bar on
//! a terminal. The summary goes to stdout, each rejected row (`line L: reason`) to stderr. The
//! exit code is 0 whenever the file could be read, rejected rows or not; a file that cannot be
//! read, or whose header lacks a required column, fails before anything is imported.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};

use super::reader::{Reading, open_file};
use crate::config::Settings;
use crate::domain::text::Service;
use crate::import::Origin;
use crate::service::import::{self as use_case, ImportSummary};

pub async fn run(
    settings: &Settings,
    reading: &Reading,
    service: &str,
    file: &Path,
) -> Result<(), String> {
    let spec = reading.spec()?;
    let default_service = Service::parse(service).map_err(|e| format!("--service: {e}"))?;
    let shown = file.display().to_string();
    let (handle, size) = open_file(file)?;

    // Hidden automatically when stderr is not a terminal.
    let bar = ProgressBar::new(size).with_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        )
        .map_err(|e| e.to_string())?
        .progress_chars("=> "),
    );
    bar.set_message("importing");
    let reader = bar.wrap_read(handle);
    let opening = reading.clone();
    let name = shown.clone();
    let source =
        tokio::task::spawn_blocking(move || opening.open(reader, &spec, default_service, &name))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("{e}; nothing was imported"))?;
    bar.suspend(|| {
        for note in source.notes() {
            eprintln!("note: {note}");
        }
    });

    let db = super::open_database(settings).await?;
    let origin = Origin {
        format: reading.format_name().to_owned(),
        file: file
            .file_name()
            .map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned()),
    };
    let result = use_case::import(&db, source, &origin).await;
    bar.finish_and_clear();
    db.close().await.map_err(|e| e.to_string())?;
    match result {
        Ok(summary) => {
            report(&origin.file, &summary);
            Ok(())
        }
        Err(failed) => {
            report(&origin.file, &failed.so_far);
            Err(format!(
                "the import stopped: {}. What was imported so far is kept; run the same import again to continue (imported tickets are skipped).",
                failed.error
            ))
        }
    }
}

fn report(file: &str, s: &ImportSummary) {
    for rejection in &s.rejections {
        eprintln!("{rejection}");
    }
    let unlisted = s.rejected - s.rejections.len() as u64;
    if unlisted > 0 {
        eprintln!("... and {unlisted} more rejected rows");
    }
    println!(
        "{file}: imported {}, already imported {}, rejected {}, titles shortened {}",
        s.imported, s.already_imported, s.rejected, s.titles_shortened
    );
    if s.into_knowledge_base > 0 {
        println!(
            "  {} resolved or closed: they enter the knowledge base (a running server indexes them within seconds, a stopped one at its next start).",
            count(
                s.into_knowledge_base,
                "imported ticket is",
                "imported tickets are"
            )
        );
    }
    if s.already_imported > 0 {
        println!(
            "  {} skipped: a ticket with the same id was imported before.",
            count(s.already_imported, "row was", "rows were")
        );
    }
    if s.cancelled > 0 {
        println!(
            "  {} closed without a fix (Won't Do, Duplicate, Cannot Reproduce, ...): imported as cancelled, outside the knowledge base.",
            count(s.cancelled, "ticket was", "tickets were")
        );
    }
    if s.originals_missing > 0 {
        println!(
            "  {} duplicates name an original that is neither in the file nor imported before, so they are not linked to it.",
            s.originals_missing
        );
    }
    if s.comments > 0 {
        println!(
            "  {} written to the timelines as internal notes.",
            count(s.comments, "comment was", "comments were")
        );
    }
    if s.titles_shortened > 0 {
        println!(
            "  {} longer than 200 characters and shortened to 200, ending in \"…\"; the full title is kept in the incident's IMPORTED timeline event.",
            count(s.titles_shortened, "title was", "titles were")
        );
    }
    if s.rejected > 0 {
        println!(
            "  {} rejected and skipped; each is listed on stderr as `line L: reason`.",
            count(s.rejected, "row was", "rows were")
        );
    }
}

fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

//! A finished ticket's resolution text. The export's `Resolution` is a kind (Done, Fixed),
//! never the text: the summary comes from its mapped column, else the fix, the root cause or
//! the last comment (cut to a summary's length), else a placeholder saying none was recorded.

use super::cells::{Cells, clip, reason};
use super::columns::Field;
use super::comments::ImportedComment;
use crate::domain::text::{Fix, ResolutionSummary, RootCause};

/// The resolution summary of a resolved ticket whose export has none.
pub const NO_RESOLUTION: &str = "Resolved before import (no resolution recorded)";

/// A finished ticket's resolution text; `ok` false when a cell had a problem.
#[derive(Default)]
pub struct Resolution {
    pub summary: Option<ResolutionSummary>,
    pub root_cause: Option<RootCause>,
    pub fix: Option<Fix>,
    failed: bool,
}

impl Resolution {
    pub fn parsed(self) -> Option<Self> {
        (!self.failed).then_some(self)
    }
}

/// The summary from its column, else the fix, the root cause, the last comment, and at
/// last the placeholder: never the resolution's kind.
pub fn resolution_text(row: &mut Cells<'_>, comments: Option<&[ImportedComment]>) -> Resolution {
    let summary = row.optional(Field::Summary, |c, s| {
        ResolutionSummary::parse(s).map_err(|e| reason(c, e))
    });
    let root_cause = row.optional(Field::RootCause, |c, s| {
        RootCause::parse(s).map_err(|e| reason(c, e))
    });
    let fix = row.optional(Field::Fix, |c, s| Fix::parse(s).map_err(|e| reason(c, e)));
    let (Some(summary), Some(root_cause), Some(fix)) = (summary, root_cause, fix) else {
        return Resolution {
            failed: true,
            ..Resolution::default()
        };
    };
    // A summary may be shorter than a fix, a root cause or a comment: those are cut to fit.
    let derived = || {
        fix.as_ref()
            .map(|f| f.as_str().to_owned())
            .or_else(|| root_cause.as_ref().map(|r| r.as_str().to_owned()))
            .or_else(|| comments?.last().map(|c| c.body.as_str().to_owned()))
            .map(|s| clip(&s, ResolutionSummary::MAX_CHARS - 1))
            .unwrap_or_else(|| NO_RESOLUTION.to_owned())
    };
    let summary = summary.or_else(|| ResolutionSummary::parse(&derived()).ok());
    Resolution {
        failed: summary.is_none(),
        summary,
        root_cause,
        fix,
    }
}

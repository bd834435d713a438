//! Jira's comment cells: `30/Sep/21 17:20;557058:a1b2c3;The body` (the time, the author's
//! account id, then the text, which may itself hold `;`). A cell without that prefix is all
//! body, with no time or author.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::cells::{Cells, reason};
use super::columns::Field;
use super::dates;
use crate::domain::text::NoteBody;

/// A comment, validated as a timeline note.
#[derive(Debug, Clone)]
pub struct ImportedComment {
    pub at: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub body: NoteBody,
}

/// One comment of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub at: Option<DateTime<Utc>>,
    pub author: Option<String>,
    pub body: String,
}

/// Splits a comment cell. Never fails: an unexpected shape is kept whole as the body.
pub fn parse(cell: &str, zone: Tz) -> Comment {
    let whole = || Comment {
        at: None,
        author: None,
        body: cell.trim().to_owned(),
    };
    let mut parts = cell.splitn(3, ';');
    let (Some(time), Some(author), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
        return whole();
    };
    let Ok(at) = dates::parse_in(time, zone) else {
        return whole();
    };
    let author = author.trim();
    Comment {
        at: Some(at),
        author: (!author.is_empty()).then(|| author.to_owned()),
        body: body.trim().to_owned(),
    }
}

/// Every comment cell as a note; `None` when one is bad.
pub fn read_comments(row: &mut Cells<'_>) -> Option<Vec<ImportedComment>> {
    let before = row.problems.len();
    let cells = row.texts(Field::Comment);
    let mut out = Vec::with_capacity(cells.len());
    for (column, text) in cells {
        let Comment { at, author, body } = parse(text, row.zone);
        match NoteBody::parse(&body) {
            Ok(body) => out.push(ImportedComment { at, author, body }),
            Err(e) => row.problems.push(reason(&column, e)),
        }
    }
    (row.problems.len() == before).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jira_comment_cells() {
        let c = parse("30/Sep/21 17:20;557058:abc;Restarted it; all good", Tz::UTC);
        assert_eq!(
            c.at.map(|t| t.to_rfc3339()).as_deref(),
            Some("2021-09-30T17:20:00+00:00")
        );
        assert_eq!(c.author.as_deref(), Some("557058:abc"));
        assert_eq!(c.body, "Restarted it; all good");
        let plain = parse("just; a note; here", Tz::UTC);
        assert_eq!(plain.at, None);
        assert_eq!(plain.body, "just; a note; here");
    }
}

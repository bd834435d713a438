//! How other trackers' statuses and priorities become hindsight's.
//!
//! Statuses (case-insensitive; `_` and `-` read as spaces): RESOLVED, VERIFIED, DONE, FIXED →
//! RESOLVED; CLOSED → CLOSED; ASSIGNED, IN PROGRESS, REOPENED → INVESTIGATING; anything else
//! (NEW, UNCONFIRMED, OPEN, TO DO, ...) → NEW.
//!
//! Priorities: P1..P5 (or 1..5), Jira's Highest..Lowest and Blocker..Trivial. Priority is
//! derived from impact × urgency, never stored alone, so an imported priority is recorded as
//! the impact and urgency that derive it: P1 = HIGH/HIGH, P2 = HIGH/MEDIUM, P3 =
//! MEDIUM/MEDIUM, P4 = MEDIUM/LOW, P5 = LOW/LOW. An empty cell, `--`, `-` or `None` means no
//! priority.
//!
//! Resolutions (Jira's `Resolution`, Bugzilla's resolution) are a kind, not a text: Won't Do,
//! Won't Fix, Duplicate, Cannot Reproduce, Works for me, Invalid, Incomplete and Expired say
//! nothing was fixed, so such tickets import as cancelled and stay out of the knowledge base;
//! any other kind (Done, Fixed, a site's own) keeps the ticket resolved.

use crate::domain::lifecycle::Status;
use crate::domain::priority::Level;

/// For messages about a priority that is none of these.
pub const PRIORITIES_ACCEPTED: &str = "P1..P5, 1..5, Highest, High, Medium, Low, Lowest, Blocker, \
     Critical, Major, Minor, Trivial, or leave it empty (`--` and `None` mean no priority)";

fn normalized(raw: &str) -> String {
    raw.trim()
        .to_ascii_uppercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn status(raw: &str) -> Status {
    match normalized(raw).as_str() {
        "RESOLVED" | "VERIFIED" | "DONE" | "FIXED" => Status::Resolved,
        "CLOSED" => Status::Closed,
        "ASSIGNED" | "IN PROGRESS" | "REOPENED" => Status::Investigating,
        _ => Status::New,
    }
}

/// Whether a resolution kind means the ticket was closed without a fix, and if so whether it
/// was as a duplicate.
pub fn cancelling(kind: &str) -> Option<Cancel> {
    let squashed: String = normalized(kind)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    match squashed.as_str() {
        "DUPLICATE" => Some(Cancel::Duplicate),
        "WONTDO" | "WONTFIX" | "CANNOTREPRODUCE" | "CANTREPRODUCE" | "WORKSFORME" | "INVALID"
        | "INCOMPLETE" | "EXPIRED" | "DECLINED" | "OBSOLETE" => Some(Cancel::WithoutFix),
        _ => None,
    }
}

/// How a ticket ended without a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel {
    Duplicate,
    WithoutFix,
}

/// The rank 1..5, `Some(None)` for "no priority", `None` for something unknown.
pub fn priority(raw: &str) -> Option<Option<u8>> {
    let trimmed = raw.trim();
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '-') {
        return Some(None);
    }
    let rank = match normalized(trimmed).as_str() {
        "NONE" => return Some(None),
        "P1" | "1" | "HIGHEST" | "BLOCKER" => 1,
        "P2" | "2" | "HIGH" | "CRITICAL" => 2,
        "P3" | "3" | "MEDIUM" | "MAJOR" => 3,
        "P4" | "4" | "LOW" | "MINOR" => 4,
        "P5" | "5" | "LOWEST" | "TRIVIAL" => 5,
        _ => return None,
    };
    Some(Some(rank))
}

/// Impact and urgency that derive the priority `rank` (1..5; anything above 5 reads as 5).
pub fn levels_for(rank: u8) -> (Level, Level) {
    match rank {
        0 | 1 => (Level::High, Level::High),
        2 => (Level::High, Level::Medium),
        3 => (Level::Medium, Level::Medium),
        4 => (Level::Medium, Level::Low),
        _ => (Level::Low, Level::Low),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::priority::Priority;

    #[test]
    fn statuses() {
        for (raw, expected) in [
            ("RESOLVED", Status::Resolved),
            ("verified", Status::Resolved),
            ("Done", Status::Resolved),
            ("FIXED", Status::Resolved),
            ("Closed", Status::Closed),
            ("ASSIGNED", Status::Investigating),
            ("In Progress", Status::Investigating),
            ("in_progress", Status::Investigating),
            ("REOPENED", Status::Investigating),
            ("NEW", Status::New),
            ("UNCONFIRMED", Status::New),
            ("To Do", Status::New),
            ("Open", Status::New),
            ("", Status::New),
        ] {
            assert_eq!(status(raw), expected, "{raw}");
        }
    }

    #[test]
    fn resolution_kinds() {
        assert_eq!(cancelling("Duplicate"), Some(Cancel::Duplicate));
        assert_eq!(cancelling("DUPLICATE"), Some(Cancel::Duplicate));
        for kind in [
            "Won't Do",
            "WONTFIX",
            "Cannot Reproduce",
            "WORKSFORME",
            "Invalid",
        ] {
            assert_eq!(cancelling(kind), Some(Cancel::WithoutFix), "{kind}");
        }
        for kind in ["Done", "Fixed", "FIXED", "", "Released"] {
            assert_eq!(cancelling(kind), None, "{kind}");
        }
    }

    #[test]
    fn priorities_derive_back_to_themselves() {
        for rank in 1..=5u8 {
            let (impact, urgency) = levels_for(rank);
            assert_eq!(Priority::derive(impact, urgency).rank(), i16::from(rank));
        }
        assert_eq!(priority("--"), Some(None));
        assert_eq!(priority(" "), Some(None));
        assert_eq!(priority("None"), Some(None));
        assert_eq!(priority("p2"), Some(Some(2)));
        assert_eq!(priority("Highest"), Some(Some(1)));
        assert_eq!(priority("Trivial"), Some(Some(5)));
        assert_eq!(priority("Urgent"), None);
    }
}

//! The two small lifecycles of post-incident reviews, as tables in the style of the incident's
//! (`domain/lifecycle.rs`):
//!
//! - a review: DRAFT → IN_REVIEW → PUBLISHED, with IN_REVIEW → DRAFT when the reviewers send
//!   it back; its sections are edited while it is DRAFT or IN_REVIEW; PUBLISHED is final.
//! - an action item: OPEN → IN_PROGRESS → DONE, or WONT_DO (with a reason) from either open
//!   state; OPEN → DONE directly for what took five minutes. DONE and WONT_DO are final.

use crate::domain::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Draft,
    InReview,
    Published,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 3] = [Self::Draft, Self::InReview, Self::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::InReview => "IN_REVIEW",
            Self::Published => "PUBLISHED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What can be done to a review; each is one GraphQL mutation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReviewAction {
    /// Change sections, owner or participants (`updateReview`).
    Edit,
    /// DRAFT → IN_REVIEW (`submitReview`).
    Submit,
    /// IN_REVIEW → DRAFT (`returnReviewToDraft`).
    ReturnToDraft,
    /// IN_REVIEW → PUBLISHED (`publishReview`).
    Publish,
}

impl ReviewAction {
    pub const ALL: [ReviewAction; 4] =
        [Self::Edit, Self::Submit, Self::ReturnToDraft, Self::Publish];

    pub fn mutation_name(self) -> &'static str {
        match self {
            Self::Edit => "updateReview",
            Self::Submit => "submitReview",
            Self::ReturnToDraft => "returnReviewToDraft",
            Self::Publish => "publishReview",
        }
    }

    /// The transition table. `None`: not allowed from `from`.
    pub fn target(self, from: ReviewStatus) -> Option<ReviewStatus> {
        use ReviewStatus::*;
        match (self, from) {
            (Self::Edit, Draft) => Some(Draft),
            (Self::Edit, InReview) => Some(InReview),
            (Self::Submit, Draft) => Some(InReview),
            (Self::ReturnToDraft, InReview) => Some(Draft),
            (Self::Publish, InReview) => Some(Published),
            _ => None,
        }
    }

    /// Checks the table; the refusal names what is allowed instead.
    pub fn check(self, from: ReviewStatus) -> Result<ReviewStatus, DomainError> {
        self.target(from).ok_or_else(|| {
            let allowed: Vec<&str> = Self::ALL
                .into_iter()
                .filter(|a| a.target(from).is_some())
                .map(Self::mutation_name)
                .collect();
            DomainError::invalid(
                "id",
                format!(
                    "{} is not allowed on a review that is {}; allowed: {}",
                    self.mutation_name(),
                    from.as_str(),
                    if allowed.is_empty() {
                        "nothing (a published review is final)".to_owned()
                    } else {
                        allowed.join(", ")
                    }
                ),
            )
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionItemStatus {
    Open,
    InProgress,
    Done,
    /// Decided against, with a reason.
    WontDo,
}

impl ActionItemStatus {
    pub const ALL: [ActionItemStatus; 4] = [Self::Open, Self::InProgress, Self::Done, Self::WontDo];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::InProgress => "IN_PROGRESS",
            Self::Done => "DONE",
            Self::WontDo => "WONT_DO",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Still to be done: it can be late.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Open | Self::InProgress)
    }

    /// The transition table: may an item go from `self` to `to`?
    pub fn may_become(self, to: ActionItemStatus) -> bool {
        use ActionItemStatus::*;
        matches!(
            (self, to),
            (Open, InProgress)
                | (Open, Done)
                | (Open, WontDo)
                | (InProgress, Done)
                | (InProgress, WontDo)
        )
    }

    /// Checks the table; the refusal names where the item may go from here.
    pub fn check(self, to: ActionItemStatus) -> Result<(), DomainError> {
        if self.may_become(to) {
            return Ok(());
        }
        let allowed: Vec<&str> = Self::ALL
            .into_iter()
            .filter(|s| self.may_become(*s))
            .map(Self::as_str)
            .collect();
        Err(DomainError::invalid(
            "status",
            format!(
                "an action item that is {} cannot become {}; allowed: {}",
                self.as_str(),
                to.as_str(),
                if allowed.is_empty() {
                    "nothing (it is final)".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewAction::*;
    use ReviewStatus::*;

    #[test]
    fn the_review_table_from_every_state() {
        let table: [(ReviewStatus, [Option<ReviewStatus>; 4]); 3] = [
            (Draft, [Some(Draft), Some(InReview), None, None]),
            (
                InReview,
                [Some(InReview), None, Some(Draft), Some(Published)],
            ),
            (Published, [None; 4]),
        ];
        for (from, targets) in table {
            for (action, expected) in ReviewAction::ALL.into_iter().zip(targets) {
                assert_eq!(action.target(from), expected, "{action:?} from {from:?}");
            }
        }
    }

    #[test]
    fn a_review_refusal_names_what_is_allowed() {
        let e = Publish.check(Draft).unwrap_err().to_string();
        assert!(
            e.contains("publishReview is not allowed on a review that is DRAFT"),
            "{e}"
        );
        assert!(e.contains("allowed: updateReview, submitReview"), "{e}");
        let e = Edit.check(Published).unwrap_err().to_string();
        assert!(e.contains("final"), "{e}");
    }

    #[test]
    fn the_action_item_table() {
        use ActionItemStatus::*;
        let table: [(ActionItemStatus, [bool; 4]); 4] = [
            (Open, [false, true, true, true]),
            (InProgress, [false, false, true, true]),
            (Done, [false; 4]),
            (WontDo, [false; 4]),
        ];
        for (from, row) in table {
            for (to, allowed) in ActionItemStatus::ALL.into_iter().zip(row) {
                assert_eq!(from.may_become(to), allowed, "{from:?} → {to:?}");
            }
        }
        let e = Done.check(InProgress).unwrap_err().to_string();
        assert!(e.starts_with("status: "), "{e}");
        assert!(e.contains("final"), "{e}");
        assert!(Open.is_open() && InProgress.is_open() && !Done.is_open() && !WontDo.is_open());
    }
}

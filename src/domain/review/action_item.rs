//! A review's follow-up work: an action item with an owner, a due date and a kind (what it
//! protects against), moving OPEN → IN_PROGRESS → DONE or WONT_DO (see `lifecycle`).

use chrono::{DateTime, NaiveDate, Utc};

use super::lifecycle::ActionItemStatus;
use crate::domain::DomainError;
use crate::domain::ids::{ActionItemId, IncidentId, ProblemId, ReviewId, UserId};
use crate::domain::text::{Reason, Title};

/// What an action item protects against, in the usual post-incident vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionItemKind {
    /// Keeps it from happening again.
    Prevent,
    /// Notices it sooner.
    Detect,
    /// Makes it hurt less or end sooner.
    Mitigate,
    /// Changes how people work (runbooks, rotas, reviews).
    Process,
}

impl ActionItemKind {
    pub const ALL: [ActionItemKind; 4] =
        [Self::Prevent, Self::Detect, Self::Mitigate, Self::Process];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Prevent => "PREVENT",
            Self::Detect => "DETECT",
            Self::Mitigate => "MITIGATE",
            Self::Process => "PROCESS",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActionItem {
    pub id: ActionItemId,
    pub review_id: ReviewId,
    pub incident_id: IncidentId,
    pub title: String,
    pub owner_id: UserId,
    pub due_date: NaiveDate,
    pub kind: ActionItemKind,
    pub status: ActionItemStatus,
    /// Why it will not be done (WONT_DO).
    pub reason: Option<String>,
    pub problem_id: Option<ProblemId>,
    pub created_by: UserId,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it became DONE or WONT_DO.
    pub completed_at: Option<DateTime<Utc>>,
}

/// A due date as clients write it (`2026-12-24`), not before `today`.
pub fn due_date(raw: &str, today: NaiveDate) -> Result<NaiveDate, DomainError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        DomainError::invalid("dueDate", format!("`{raw}` is not a date like 2026-12-24"))
    })?;
    if date < today {
        return Err(DomainError::invalid(
            "dueDate",
            format!("{date} is in the past (today is {today}, UTC); give a date from today on"),
        ));
    }
    Ok(date)
}

/// Which action items to list, across reviews.
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub owner_id: Option<UserId>,
    /// Any of these; empty: any.
    pub statuses: Vec<ActionItemStatus>,
    /// `Some(true)`: open and past due on `today`; `Some(false)`: all the others.
    pub overdue: Option<bool>,
    /// The day "past due" is counted from (UTC).
    pub today: Option<NaiveDate>,
}

/// An action item as proposed, validated (the owner's existence is the use case's to check).
#[derive(Debug, Clone)]
pub struct NewActionItem {
    pub title: Title,
    pub owner_id: UserId,
    pub due_date: NaiveDate,
    pub kind: ActionItemKind,
    pub problem_id: Option<ProblemId>,
}

/// A validated change to an action item; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct ActionItemChange {
    pub status: Option<ActionItemStatus>,
    /// Required when `status` is WONT_DO.
    pub reason: Option<Reason>,
    pub title: Option<Title>,
    pub due_date: Option<NaiveDate>,
    pub owner_id: Option<UserId>,
    pub problem_id: Option<ProblemId>,
}

impl ActionItem {
    pub fn new(
        id: ActionItemId,
        review_id: ReviewId,
        incident_id: IncidentId,
        new: NewActionItem,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            review_id,
            incident_id,
            title: new.title.into_inner(),
            owner_id: new.owner_id,
            due_date: new.due_date,
            kind: new.kind,
            status: ActionItemStatus::Open,
            reason: None,
            problem_id: new.problem_id,
            created_by: by,
            version: 1,
            created_at: now,
            updated_at: now,
            completed_at: None,
        }
    }

    /// Past its due date and not done: late on `today`.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.due_date < today
    }

    /// The item after `change` at `now`, or why not. A final item (DONE, WONT_DO) changes no
    /// more; WONT_DO needs a reason.
    pub fn apply(&self, change: ActionItemChange, now: DateTime<Utc>) -> Result<Self, DomainError> {
        let mut next = self.clone();
        if !self.status.is_open() {
            return Err(DomainError::invalid(
                "id",
                format!(
                    "the action item is {}, which is final; it changes no more",
                    self.status.as_str()
                ),
            ));
        }
        if let Some(to) = change.status {
            self.status.check(to)?;
            next.status = to;
            if to == ActionItemStatus::WontDo {
                let reason = change.reason.as_ref().ok_or_else(|| {
                    DomainError::invalid("reason", "is required to mark an action item WONT_DO")
                })?;
                next.reason = Some(reason.as_str().to_owned());
            }
            if !to.is_open() {
                next.completed_at = Some(now);
            }
        } else if change.reason.is_some() {
            return Err(DomainError::invalid(
                "reason",
                "goes with status WONT_DO; give both",
            ));
        }
        if let Some(title) = change.title {
            next.title = title.into_inner();
        }
        if let Some(due) = change.due_date {
            next.due_date = due;
        }
        if let Some(owner) = change.owner_id {
            next.owner_id = owner;
        }
        if let Some(problem) = change.problem_id {
            next.problem_id = Some(problem);
        }
        next.version += 1;
        next.updated_at = now;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    fn item() -> ActionItem {
        ActionItem::new(
            ActionItemId::new(),
            ReviewId::new(),
            IncidentId::new(),
            NewActionItem {
                title: Title::parse("alert on pool size").unwrap(),
                owner_id: UserId::from("ada"),
                due_date: today(),
                kind: ActionItemKind::Detect,
                problem_id: None,
            },
            UserId::from("m"),
            Utc::now(),
        )
    }

    #[test]
    fn due_dates_are_dates_from_today_on() {
        assert_eq!(due_date("2026-12-07", today()), Ok(today()));
        let e = due_date("2026-12-06", today()).unwrap_err().to_string();
        assert!(e.starts_with("dueDate: 2026-12-06 is in the past"), "{e}");
        assert!(due_date("next week", today()).is_err());
        assert!(due_date("2026-02-30", today()).is_err());
    }

    #[test]
    fn wont_do_needs_a_reason_and_final_items_stay_final() {
        let open = item();
        let e = open
            .apply(
                ActionItemChange {
                    status: Some(ActionItemStatus::WontDo),
                    ..Default::default()
                },
                Utc::now(),
            )
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("reason:"), "{e}");
        let dropped = open
            .apply(
                ActionItemChange {
                    status: Some(ActionItemStatus::WontDo),
                    reason: Some(Reason::parse("replaced by PRB-2's fix").unwrap()),
                    ..Default::default()
                },
                Utc::now(),
            )
            .unwrap();
        assert_eq!(dropped.status, ActionItemStatus::WontDo);
        assert!(dropped.completed_at.is_some());
        assert_eq!(dropped.version, 2);
        assert!(
            dropped
                .apply(
                    ActionItemChange {
                        status: Some(ActionItemStatus::Open),
                        ..Default::default()
                    },
                    Utc::now()
                )
                .is_err()
        );
    }

    #[test]
    fn overdue_means_late_and_still_open() {
        let mut late = item();
        let tomorrow = today().succ_opt().unwrap();
        assert!(!late.is_overdue(today()));
        assert!(late.is_overdue(tomorrow));
        late.status = ActionItemStatus::Done;
        assert!(!late.is_overdue(tomorrow));
    }
}

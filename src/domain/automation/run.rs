//! What one firing of a rule left behind: the trigger it answered, each action's result, and
//! the outcome as a whole. A failed action is recorded and not retried.

use chrono::{DateTime, Utc};

use crate::domain::ids::{AutomationRuleId, IncidentId};

/// Rules setting off rules stop after this many links (a rule acting on what a rule did is
/// depth 1); the next link is recorded as stopped and logged.
pub const MAX_CHAIN_DEPTH: u8 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every action did what it says (or found it already done).
    Succeeded,
    /// Some actions failed; the others ran.
    PartlyFailed,
    Failed,
    /// Claimed by a node that did not finish (it stopped mid-run); not retried.
    Running,
    /// The chain of rules setting off rules reached `MAX_CHAIN_DEPTH`: nothing was done.
    ChainStopped,
}

impl RunOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "SUCCEEDED",
            Self::PartlyFailed => "PARTLY_FAILED",
            Self::Failed => "FAILED",
            Self::Running => "RUNNING",
            Self::ChainStopped => "CHAIN_STOPPED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Succeeded,
            Self::PartlyFailed,
            Self::Failed,
            Self::Running,
            Self::ChainStopped,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }

    /// The outcome of a run whose actions ended as `results`.
    pub fn of(results: &[ActionResult]) -> Self {
        let failed = results.iter().filter(|r| r.error.is_some()).count();
        match failed {
            0 => Self::Succeeded,
            n if n == results.len() => Self::Failed,
            _ => Self::PartlyFailed,
        }
    }
}

/// One action's result: what it did, or why it could not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionResult {
    /// `ASSIGN_ROLE`, `PAGE`, ...
    pub action: String,
    /// What was done, e.g. `assigned INCIDENT_MANAGER to u:7`.
    pub detail: String,
    /// Why it failed, in words for the admin reading the run.
    pub error: Option<String>,
}

/// One firing of a rule on an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub id: i64,
    pub rule_id: AutomationRuleId,
    pub incident_id: IncidentId,
    /// What it answered: `event:<id>`, `unassigned`, `overdue:<due time>`.
    pub trigger_key: String,
    pub trigger: String,
    pub depth: u8,
    pub started_at: DateTime<Utc>,
    pub outcome: RunOutcome,
    pub results: Vec<ActionResult>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(error: Option<&str>) -> ActionResult {
        ActionResult {
            action: "PAGE".into(),
            detail: String::new(),
            error: error.map(str::to_owned),
        }
    }

    #[test]
    fn the_outcome_follows_the_failures() {
        assert_eq!(RunOutcome::of(&[result(None)]), RunOutcome::Succeeded);
        assert_eq!(
            RunOutcome::of(&[result(None), result(Some("gone"))]),
            RunOutcome::PartlyFailed
        );
        assert_eq!(RunOutcome::of(&[result(Some("gone"))]), RunOutcome::Failed);
        for o in [
            "SUCCEEDED",
            "PARTLY_FAILED",
            "FAILED",
            "RUNNING",
            "CHAIN_STOPPED",
        ] {
            assert_eq!(RunOutcome::parse(o).map(RunOutcome::as_str), Some(o));
        }
    }
}

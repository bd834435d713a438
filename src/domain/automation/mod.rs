//! Automation (escalation rules): what a rule is (`rule`), the update templates it fills
//! (`template`), which timeline events set it off, and what a firing left behind (`run`).

pub mod plan;
pub mod rule;
mod run;
pub mod template;

pub use run::{ActionResult, MAX_CHAIN_DEPTH, Run, RunOutcome};

use crate::domain::event::{Event, EventKind};
use crate::domain::priority::Level;
use rule::Trigger;

/// Whether `event` is a moment `trigger` waits for.
pub fn fired_by(trigger: Trigger, event: &Event) -> bool {
    let field = |side: &Option<serde_json::Value>, name: &str| {
        side.as_ref().and_then(|v| v.get(name)).cloned()
    };
    let after = event.after.clone();
    match trigger {
        Trigger::IncidentReported => event.kind == EventKind::Reported,
        Trigger::PriorityChanged => {
            event.kind == EventKind::Triaged
                && field(&event.before, "priority") != field(&after, "priority")
        }
        Trigger::StatusChanged => {
            event.kind != EventKind::Reported
                && field(&after, "status").is_some()
                && field(&event.before, "status") != field(&after, "status")
        }
        Trigger::SlaWarning => event.kind == EventKind::SlaWarning,
        Trigger::SlaBreached => event.kind == EventKind::SlaBreached,
        Trigger::UpdateOverdue | Trigger::UnassignedFor(_) => false,
    }
}

/// One step more severe, or `None` at the top.
pub fn raised(level: Level) -> Option<Level> {
    match level {
        Level::Low => Some(Level::Medium),
        Level::Medium => Some(Level::High),
        Level::High => None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use serde_json::json;

    use super::*;
    use crate::domain::ids::{EventId, IncidentId, UserId};

    fn event(
        kind: EventKind,
        before: Option<serde_json::Value>,
        after: serde_json::Value,
    ) -> Event {
        Event {
            id: EventId(1),
            incident_id: IncidentId::new(),
            at: Utc::now(),
            actor_id: UserId::from("u"),
            kind,
            before,
            after: Some(after),
            audience: None,
        }
    }

    #[test]
    fn events_set_off_the_triggers_they_stand_for() {
        let first_triage = event(
            EventKind::Triaged,
            Some(json!({ "status": "NEW", "priority": null })),
            json!({ "status": "TRIAGED", "priority": "P2" }),
        );
        assert!(fired_by(Trigger::PriorityChanged, &first_triage));
        assert!(fired_by(Trigger::StatusChanged, &first_triage));
        let same = event(
            EventKind::Triaged,
            Some(json!({ "status": "TRIAGED", "priority": "P2" })),
            json!({ "status": "TRIAGED", "priority": "P2" }),
        );
        assert!(!fired_by(Trigger::PriorityChanged, &same));
        assert!(!fired_by(Trigger::StatusChanged, &same));
        let reported = event(EventKind::Reported, None, json!({ "status": "NEW" }));
        assert!(fired_by(Trigger::IncidentReported, &reported));
        assert!(!fired_by(Trigger::StatusChanged, &reported));
        let note = event(EventKind::NoteAdded, None, json!({ "body": "x" }));
        assert!(!fired_by(Trigger::StatusChanged, &note));
        let breach = event(EventKind::SlaBreached, None, json!({}));
        assert!(fired_by(Trigger::SlaBreached, &breach));
        assert!(!fired_by(Trigger::SlaWarning, &breach));
    }

    #[test]
    fn levels_rise_one_step_and_stop_at_high() {
        assert_eq!(raised(Level::Low), Some(Level::Medium));
        assert_eq!(raised(Level::Medium), Some(Level::High));
        assert_eq!(raised(Level::High), None);
    }
}

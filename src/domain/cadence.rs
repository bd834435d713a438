//! The update cadence: how often stakeholders hear about an open incident, by priority.

use chrono::{DateTime, Duration, Utc};

use super::incident::{Incident, Source};
use super::priority::Priority;

/// Time between updates for P1..P5; `None`: no cadence for that priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    intervals: [Option<Duration>; 5],
}

/// The usual defaults: P1 every 30 minutes, P2 every hour, P3 every 4 hours, P4/P5 none.
impl Default for Cadence {
    fn default() -> Self {
        let minutes = |m: u64| Some(std::time::Duration::from_secs(60 * m));
        Self::new([minutes(30), minutes(60), minutes(240), None, None])
    }
}

impl Cadence {
    pub fn new(p1_to_p5: [Option<std::time::Duration>; 5]) -> Self {
        Self {
            intervals: p1_to_p5.map(|d| d.and_then(|d| Duration::from_std(d).ok())),
        }
    }

    pub fn interval(&self, priority: Priority) -> Option<Duration> {
        let index = usize::try_from(priority.rank() - 1).ok()?;
        *self.intervals.get(index)?
    }

    /// The priorities that have a cadence at all.
    pub fn priorities(&self) -> Vec<Priority> {
        (1..=5)
            .filter_map(Priority::from_rank)
            .filter(|p| self.interval(*p).is_some())
            .collect()
    }

    /// Whether `incident` is kept to a cadence at all: it is open and its priority has one.
    pub fn applies(&self, incident: &Incident) -> bool {
        incident.is_open()
            && incident
                .priority
                .is_some_and(|p| self.interval(p).is_some())
    }

    /// When the next stakeholder update on `incident` is due: one interval after the last
    /// update for stakeholders or the public, or after triage (when the priority was set) if
    /// there has been none. `None` when the incident is not open or its priority has no
    /// cadence.
    ///
    /// An imported ticket that is still open joins the cadence only once someone here triages
    /// it or posts an update: its export's creation time is months old, and counting from it
    /// would make every imported open ticket overdue at once.
    pub fn next_update_due(
        &self,
        incident: &Incident,
        last_broadcast: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        if !self.applies(incident) {
            return None;
        }
        let interval = self.interval(incident.priority?)?;
        let since = match (last_broadcast.or(incident.triaged_at), incident.source) {
            (Some(since), _) => since,
            (None, Source::Imported) => return None,
            (None, _) => incident.created_at,
        };
        since.checked_add_signed(interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{IncidentId, IncidentNumber};
    use crate::domain::incident::{Command, NewIncident, Source};
    use crate::domain::priority::Level;
    use crate::domain::text::{Category, Description, Service, Title};

    fn triaged(impact: Level, urgency: Level, at: DateTime<Utc>) -> Incident {
        let new = NewIncident {
            title: Title::parse("db down").unwrap(),
            description: Description::parse("").unwrap(),
            service: Service::parse("db").unwrap(),
            category: None,
            source: Source::Manual,
            labels: Default::default(),
        };
        let (incident, _) =
            Incident::report(new, IncidentId::new(), IncidentNumber(1), "u".into(), at);
        let command = Command::Triage {
            category: Category::parse("database").unwrap(),
            impact,
            urgency,
        };
        incident.apply(command, at).unwrap().0
    }

    #[test]
    fn defaults_nag_for_p1_to_p3_only() {
        let cadence = Cadence::default();
        let t0 = Utc::now();
        let p1 = triaged(Level::High, Level::High, t0);
        assert_eq!(
            cadence.next_update_due(&p1, None),
            Some(t0 + Duration::minutes(30))
        );
        let last = t0 + Duration::minutes(50);
        assert_eq!(
            cadence.next_update_due(&p1, Some(last)),
            Some(last + Duration::minutes(30))
        );
        let p5 = triaged(Level::Low, Level::Low, t0);
        assert_eq!(cadence.next_update_due(&p5, None), None);
        let p3 = triaged(Level::Medium, Level::Medium, t0);
        assert_eq!(
            cadence.next_update_due(&p3, None),
            Some(t0 + Duration::hours(4))
        );
        assert_eq!(cadence.priorities().len(), 3);
    }

    #[test]
    fn untriaged_and_resolved_incidents_have_no_cadence() {
        let cadence = Cadence::default();
        let t0 = Utc::now();
        let p1 = triaged(Level::High, Level::High, t0);
        let untriaged = Incident {
            priority: None,
            ..p1.clone()
        };
        assert_eq!(cadence.next_update_due(&untriaged, None), None);
        let resolved = Incident {
            status: crate::domain::lifecycle::Status::Resolved,
            ..p1
        };
        assert_eq!(cadence.next_update_due(&resolved, None), None);
    }

    #[test]
    fn imported_open_tickets_join_the_cadence_when_triaged_or_updated_here() {
        let cadence = Cadence::default();
        let t0 = Utc::now();
        let imported = Incident {
            source: Source::Imported,
            triaged_at: None,
            created_at: t0 - Duration::days(400),
            ..triaged(Level::High, Level::High, t0)
        };
        assert!(cadence.applies(&imported));
        assert_eq!(cadence.next_update_due(&imported, None), None);
        let update = t0 - Duration::minutes(5);
        assert_eq!(
            cadence.next_update_due(&imported, Some(update)),
            Some(update + Duration::minutes(25) + Duration::minutes(5))
        );
        let taken_on = Incident {
            triaged_at: Some(t0),
            ..imported
        };
        assert_eq!(
            cadence.next_update_due(&taken_on, None),
            Some(t0 + Duration::minutes(30))
        );
    }
}

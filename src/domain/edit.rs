//! Editing an incident outside its lifecycle: correcting what the reporter got wrong (title,
//! description, service), saying when the impact really started, labelling it, and giving it
//! a public title. Only the given fields change; a change records exactly the fields that
//! differ, before and after.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::DomainError;
use super::event::EventKind;
use super::incident::{Change, Incident};
use super::text::{Description, Labels, PublicTitle, Service, Title};
use super::timestamp;

/// A validated edit: `None` leaves a field as it is. For the two optional fields,
/// `Some(None)` clears them (the impact started at the report; the public page shows the title).
#[derive(Debug, Clone, Default)]
pub struct Edit {
    pub title: Option<Title>,
    pub description: Option<Description>,
    pub service: Option<Service>,
    pub impact_started_at: Option<Option<DateTime<Utc>>>,
    /// Replaces the whole set.
    pub labels: Option<Labels>,
    pub public_title: Option<Option<PublicTitle>>,
}

/// What an edit that changed something did.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    /// The incident after the edit, at its next version.
    pub incident: Incident,
    /// The new label set, if it changed.
    pub labels: Option<Vec<String>>,
    /// The INCIDENT_EDITED event: only the changed fields, before and after.
    pub change: Change,
}

fn at(value: Option<DateTime<Utc>>) -> Value {
    value.map_or(Value::Null, |v| json!(v.to_rfc3339()))
}

impl Incident {
    /// Applies `edit` to the incident, whose labels are `labels` now. `None` when nothing
    /// would change (no event, no new version). Refuses an impact start after the report or
    /// outside the supported years; nothing changes on error.
    pub fn edit(
        &self,
        labels: &[String],
        edit: Edit,
        now: DateTime<Utc>,
    ) -> Result<Option<Edited>, DomainError> {
        if let Some(Some(started)) = edit.impact_started_at {
            timestamp::supported("impactStartedAt", started)?;
            if started > self.created_at {
                return Err(DomainError::invalid(
                    "impactStartedAt",
                    format!(
                        "{} is after the incident was reported ({}); the impact starts at \
                         the report or before it",
                        started.to_rfc3339(),
                        self.created_at.to_rfc3339()
                    ),
                ));
            }
        }
        let mut next = self.clone();
        let (mut before, mut after) = (Map::new(), Map::new());
        let mut changed = |key: &str, old: Value, new: Value| {
            if old != new {
                before.insert(key.to_owned(), old);
                after.insert(key.to_owned(), new);
            }
        };
        if let Some(title) = edit.title {
            next.title = title.into_inner();
            changed("title", json!(self.title), json!(next.title));
        }
        if let Some(description) = edit.description {
            next.description = description.into_inner();
            changed(
                "description",
                json!(self.description),
                json!(next.description),
            );
        }
        if let Some(service) = edit.service {
            next.service = service.into_inner();
            changed("service", json!(self.service), json!(next.service));
        }
        if let Some(started) = edit.impact_started_at {
            next.impact_started_at = started;
            changed(
                "impactStartedAt",
                at(self.impact_started_at),
                at(next.impact_started_at),
            );
        }
        if let Some(public_title) = edit.public_title {
            next.public_title = public_title.map(PublicTitle::into_inner);
            changed(
                "publicTitle",
                json!(self.public_title),
                json!(next.public_title),
            );
        }
        let mut new_labels = None;
        if let Some(set) = edit.labels {
            let set = set.to_strings();
            if set.as_slice() != labels {
                changed("labels", json!(labels), json!(set));
                new_labels = Some(set);
            }
        }
        if after.is_empty() {
            return Ok(None);
        }
        next.version += 1;
        next.updated_at = now;
        Ok(Some(Edited {
            incident: next,
            labels: new_labels,
            change: Change {
                kind: EventKind::IncidentEdited,
                before: Some(Value::Object(before)),
                after: Value::Object(after),
            },
        }))
    }

    /// When the impact started: the stated start, else the report.
    pub fn impact_start(&self) -> DateTime<Utc> {
        self.impact_started_at.unwrap_or(self.created_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::{IncidentId, IncidentNumber};
    use crate::domain::incident::{NewIncident, Source};

    fn reported_at() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .expect("rfc3339")
            .to_utc()
    }

    fn incident() -> Incident {
        let new = NewIncident {
            title: Title::parse("db pool exhausted").expect("title"),
            description: Description::parse("").expect("description"),
            service: Service::parse("checkout").expect("service"),
            category: None,
            source: Source::Manual,
            labels: Labels::default(),
        };
        Incident::report(
            new,
            IncidentId::new(),
            IncidentNumber(1),
            "u-1".into(),
            reported_at(),
        )
        .0
    }

    #[test]
    fn only_changed_fields_are_recorded() {
        let i = incident();
        let edit = Edit {
            title: Some(Title::parse("db pool exhausted").expect("title")),
            service: Some(Service::parse("payments").expect("service")),
            labels: Some(Labels::parse(&["DB"]).expect("labels")),
            ..Edit::default()
        };
        let now = reported_at() + chrono::Duration::minutes(5);
        let edited = i.edit(&[], edit, now).expect("valid").expect("changed");
        assert_eq!(edited.incident.version, i.version + 1);
        assert_eq!(edited.incident.service, "payments");
        assert_eq!(edited.labels, Some(vec!["db".to_owned()]));
        assert_eq!(
            edited.change.before,
            Some(json!({"service": "checkout", "labels": []}))
        );
        assert_eq!(
            edited.change.after,
            json!({"service": "payments", "labels": ["db"]})
        );
    }

    #[test]
    fn nothing_changed_is_no_edit() {
        let i = incident();
        let edit = Edit {
            title: Some(Title::parse(" db pool exhausted ").expect("title")),
            labels: Some(Labels::parse(&["db"]).expect("labels")),
            public_title: Some(None),
            ..Edit::default()
        };
        assert_eq!(i.edit(&["db".to_owned()], edit, reported_at()), Ok(None));
        assert_eq!(i.edit(&[], Edit::default(), reported_at()), Ok(None));
    }

    #[test]
    fn impact_starts_at_the_report_or_before() {
        let i = incident();
        let before = reported_at() - chrono::Duration::minutes(30);
        let edit = Edit {
            impact_started_at: Some(Some(before)),
            ..Edit::default()
        };
        let edited = i
            .edit(&[], edit, reported_at())
            .expect("valid")
            .expect("changed");
        assert_eq!(edited.incident.impact_start(), before);
        assert_eq!(edited.change.before, Some(json!({"impactStartedAt": null})));
        assert_eq!(i.impact_start(), reported_at());

        let after = reported_at() + chrono::Duration::seconds(1);
        let late = Edit {
            impact_started_at: Some(Some(after)),
            ..Edit::default()
        };
        let err = i.edit(&[], late, reported_at()).unwrap_err();
        assert!(err.to_string().starts_with("impactStartedAt: "), "{err}");
        let ancient = Edit {
            impact_started_at: Some(Some(DateTime::<Utc>::MIN_UTC)),
            ..Edit::default()
        };
        assert!(i.edit(&[], ancient, reported_at()).is_err());
    }
}

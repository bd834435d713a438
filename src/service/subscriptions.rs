//! Live feeds behind subscriptions: the committed changes on the bus, narrowed to what one
//! caller asked for and may see. The GraphQL layer only turns a feed into a stream.
//!
//! A feed subscribes to the bus before it checks its arguments against the database, so a
//! change committed while the check runs is not lost.

use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::bus::Published;
use super::communications::update_from_event;
use super::{ServiceError, Services};
use crate::auth::policy::{may_see, sees_internal};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::event::Event;
use crate::domain::ids::{IncidentId, IncidentRef, ProblemId, ProblemRef};
use crate::domain::incident::Incident;
use crate::domain::priority::Priority;
use crate::domain::problem::{Problem, ProblemEvent};
use crate::domain::team::Audience;
use crate::domain::text::Service;
use crate::domain::update::Update;
use crate::store::team;

/// What a feed hears next.
#[derive(Debug)]
pub enum Heard<T> {
    Item(T),
    /// The subscriber fell this many changes behind the bounded buffer and skipped them.
    Missed(u64),
}

/// Which timeline events `incidentEvents` delivers.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub incident: Option<IncidentId>,
    pub service: Option<Service>,
    /// This priority or a more urgent one; an untriaged incident does not match.
    pub min_priority: Option<Priority>,
}

impl EventFilter {
    pub fn matches(&self, incident: &Incident) -> bool {
        self.incident.is_none_or(|id| id == incident.id)
            && self
                .service
                .as_ref()
                .is_none_or(|s| s.as_str() == incident.service)
            && self
                .min_priority
                .is_none_or(|min| incident.priority.is_some_and(|p| p <= min))
    }
}

/// The bus as one caller hears it.
pub struct Feed {
    services: Services,
    viewer: Viewer,
    rx: broadcast::Receiver<Arc<Published>>,
}

impl Services {
    fn feed(&self, viewer: &Viewer) -> Result<Feed, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(Feed {
            services: self.clone(),
            viewer: viewer.clone(),
            rx: self.bus.subscribe(),
        })
    }

    /// Timeline events matching `filter`, narrowed to `target` if given, which must exist.
    /// Returns the feed and the filter with the incident's id.
    pub async fn event_feed(
        &self,
        viewer: &Viewer,
        target: Option<IncidentRef>,
        mut filter: EventFilter,
    ) -> Result<(Feed, EventFilter), ServiceError> {
        let feed = self.feed(viewer)?;
        if let Some(target) = target {
            filter.incident = Some(self.incident(viewer, target).await?.id);
        }
        Ok((feed, filter))
    }

    /// Changes of one incident, which must exist; returns its id.
    pub async fn incident_feed(
        &self,
        viewer: &Viewer,
        target: IncidentRef,
    ) -> Result<(Feed, Incident), ServiceError> {
        let feed = self.feed(viewer)?;
        let incident = self.incident(viewer, target).await?;
        Ok((feed, incident))
    }

    /// Status updates as they are posted.
    pub fn update_feed(&self, viewer: &Viewer) -> Result<Feed, ServiceError> {
        self.feed(viewer)
    }

    /// Problem timeline events, of `target` only if given (which must exist); returns the
    /// feed and the problem's id.
    pub async fn problem_feed(
        &self,
        viewer: &Viewer,
        target: Option<ProblemRef>,
    ) -> Result<(Feed, Option<ProblemId>), ServiceError> {
        // Reading problems is reading incidents (see `problems::can_read`).
        let feed = self.feed(viewer)?;
        let id = match target {
            Some(target) => Some(self.problem(viewer, target).await?.id),
            None => None,
        };
        Ok((feed, id))
    }
}

/// A problem timeline event and the problem as it stood after it.
#[derive(Debug, Clone)]
pub struct ProblemChanged {
    pub event: ProblemEvent,
    pub problem: Problem,
}

impl Feed {
    /// The next committed change; `None` once the bus is gone (the server is stopping).
    async fn next(&mut self) -> Option<Heard<Arc<Published>>> {
        match self.rx.recv().await {
            Ok(published) => Some(Heard::Item(published)),
            Err(RecvError::Lagged(n)) => Some(Heard::Missed(n)),
            Err(RecvError::Closed) => None,
        }
    }

    async fn roles_on(
        &self,
        incident: IncidentId,
    ) -> Result<Vec<crate::domain::team::IncidentRole>, ServiceError> {
        Ok(team::roles_of(self.services.db.conn(), incident, &self.viewer.user_id).await?)
    }

    /// The next timeline event that matches `filter` and that the caller may see.
    pub async fn next_event(
        &mut self,
        filter: &EventFilter,
    ) -> Option<Result<Heard<Event>, ServiceError>> {
        loop {
            let published = match self.next().await? {
                Heard::Item(p) => p,
                Heard::Missed(n) => return Some(Ok(Heard::Missed(n))),
            };
            let Published::Incident { event, incident } = &*published else {
                continue;
            };
            if !filter.matches(incident) {
                continue;
            }
            // Only INTERNAL events can depend on the caller's roles on the incident.
            let needs_roles =
                event.audience == Some(Audience::Internal) && !sees_internal(&self.viewer);
            let roles = if needs_roles {
                match self.roles_on(event.incident_id).await {
                    Ok(roles) => roles,
                    Err(e) => return Some(Err(e)),
                }
            } else {
                Vec::new()
            };
            if may_see(&self.viewer, event.audience, &roles) {
                return Some(Ok(Heard::Item(event.clone())));
            }
        }
    }

    /// The incident after its next change: the next version newer than `last_version` (the
    /// version the subscriber has). Events that make no new version (a note, an update) give
    /// no delivery, so their timing does not reach those who may not see them; and a version
    /// published late (two commits racing to the bus) never replaces a newer one.
    pub async fn next_change_of(
        &mut self,
        incident: IncidentId,
        last_version: &mut Option<i32>,
    ) -> Option<Heard<Incident>> {
        loop {
            let published = match self.next().await? {
                Heard::Item(p) => p,
                Heard::Missed(n) => return Some(Heard::Missed(n)),
            };
            let Published::Incident {
                incident: changed, ..
            } = &*published
            else {
                continue;
            };
            if changed.id != incident || last_version.is_some_and(|v| changed.version <= v) {
                continue;
            }
            *last_version = Some(changed.version);
            return Some(Heard::Item(changed.clone()));
        }
    }

    /// The next status update (for `audience`, if given) the caller may see. Callers who
    /// neither see INTERNAL things nor hold a role on the incident hear only of incidents
    /// they watch.
    pub async fn next_update(
        &mut self,
        audience: Option<Audience>,
    ) -> Option<Result<Heard<Update>, ServiceError>> {
        loop {
            let published = match self.next().await? {
                Heard::Item(p) => p,
                Heard::Missed(n) => return Some(Ok(Heard::Missed(n))),
            };
            let Published::Incident { event, .. } = &*published else {
                continue;
            };
            let Some(update) = update_from_event(event) else {
                continue;
            };
            if audience.is_some_and(|a| a != update.audience) {
                continue;
            }
            match self.may_see_update(&update).await {
                Ok(true) => return Some(Ok(Heard::Item(update))),
                Ok(false) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }

    /// The next problem timeline event (of `problem`, if given).
    pub async fn next_problem_change(
        &mut self,
        problem: Option<ProblemId>,
    ) -> Option<Heard<ProblemChanged>> {
        loop {
            let published = match self.next().await? {
                Heard::Item(p) => p,
                Heard::Missed(n) => return Some(Heard::Missed(n)),
            };
            let Published::Problem {
                event,
                problem: changed,
            } = &*published
            else {
                continue;
            };
            if problem.is_some_and(|id| id != changed.id) {
                continue;
            }
            return Some(Heard::Item(ProblemChanged {
                event: event.clone(),
                problem: changed.clone(),
            }));
        }
    }

    async fn may_see_update(&self, update: &Update) -> Result<bool, ServiceError> {
        if sees_internal(&self.viewer) {
            return Ok(may_see(&self.viewer, Some(update.audience), &[]));
        }
        let roles = self.roles_on(update.incident_id).await?;
        if !may_see(&self.viewer, Some(update.audience), &roles) {
            return Ok(false);
        }
        if !roles.is_empty() {
            return Ok(true);
        }
        Ok(team::is_watching(
            self.services.db.conn(),
            update.incident_id,
            &self.viewer.user_id,
        )
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::reported_for_tests;
    use crate::domain::priority::Level;

    fn incident(priority: Option<Priority>, service: &str) -> Incident {
        let mut i = reported_for_tests(service);
        i.priority = priority;
        i
    }

    #[test]
    fn min_priority_keeps_the_more_urgent_and_drops_the_untriaged() {
        let p2 = Priority::derive(Level::High, Level::Medium);
        let filter = EventFilter {
            min_priority: Some(p2),
            ..Default::default()
        };
        let p1 = Priority::derive(Level::High, Level::High);
        let p3 = Priority::derive(Level::Medium, Level::Medium);
        assert!(filter.matches(&incident(Some(p1), "checkout")));
        assert!(filter.matches(&incident(Some(p2), "checkout")));
        assert!(!filter.matches(&incident(Some(p3), "checkout")));
        assert!(!filter.matches(&incident(None, "checkout")));
        assert!(EventFilter::default().matches(&incident(None, "checkout")));
    }

    #[test]
    fn service_and_incident_must_match_exactly() {
        let i = incident(None, "checkout");
        let by_service = |s: &str| EventFilter {
            service: Some(Service::parse(s).expect("valid")),
            ..Default::default()
        };
        assert!(by_service("checkout").matches(&i));
        assert!(!by_service("payments").matches(&i));
        let other = EventFilter {
            incident: Some(IncidentId::new()),
            ..Default::default()
        };
        assert!(!other.matches(&i));
        let same = EventFilter {
            incident: Some(i.id),
            ..Default::default()
        };
        assert!(same.matches(&i));
    }
}

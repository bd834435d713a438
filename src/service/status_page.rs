//! The public status page as data: what anyone, without a token, may know about incidents.
//!
//! Only incidents with at least one PUBLIC update appear, and of them only the title (the
//! public title when one is set), the service, public status wording, timestamps and the
//! PUBLIC updates (body, time, label).
//! Never a description, a note, an author or an update for another audience.

use chrono::{DateTime, Duration, Utc};

use super::{ServiceError, Services, now};
use crate::domain::ids::IncidentId;
use crate::domain::lifecycle::Status;
use crate::domain::team::{Audience, UpdateStatus};
use crate::domain::update::Update;
use crate::store::status_page::{self, PublicIncidentRow};
use crate::store::updates;

/// At most this many updates per incident are shown, newest first.
pub const MAX_UPDATES_PER_INCIDENT: usize = 25;

#[derive(Debug, Clone, PartialEq)]
pub struct StatusPage {
    pub generated_at: DateTime<Utc>,
    pub resolved_days: u32,
    /// Open incidents, most recently started first.
    pub open: Vec<PublicIncident>,
    /// Resolved within `resolved_days`, most recently resolved first.
    pub recently_resolved: Vec<PublicIncident>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicIncident {
    pub id: IncidentId,
    pub title: String,
    pub service: String,
    pub status: PublicStatus,
    pub started_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// PUBLIC updates only, newest first; never empty.
    pub updates: Vec<PublicUpdate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PublicUpdate {
    pub at: DateTime<Utc>,
    pub status: Option<UpdateStatus>,
    /// Markdown as the communicator wrote it; the renderer must escape it.
    pub body: String,
}

/// The status shown publicly: the words status pages use (those of a status update), not
/// our lifecycle states.
pub type PublicStatus = UpdateStatus;

/// Resolved and closed incidents are `Resolved`. For an open incident the communicator's
/// word wins: the label of the newest PUBLIC update, if it has one, except that an open
/// incident never shows `Resolved` (it is `Monitoring` until responders resolve it, so the
/// page never says resolved above an incident still listed as open). Without a label: NEW,
/// TRIAGED and INVESTIGATING read `Investigating`, MITIGATED reads `Monitoring`.
pub fn public_status(status: Status, newest_label: Option<UpdateStatus>) -> PublicStatus {
    if !status.is_open() {
        return PublicStatus::Resolved;
    }
    match newest_label {
        Some(UpdateStatus::Investigating) => PublicStatus::Investigating,
        Some(UpdateStatus::Identified) => PublicStatus::Identified,
        Some(UpdateStatus::Monitoring | UpdateStatus::Resolved) => PublicStatus::Monitoring,
        None if status == Status::Mitigated => PublicStatus::Monitoring,
        None => PublicStatus::Investigating,
    }
}

impl Services {
    /// The status page as of now, in two statements whatever the number of incidents.
    /// Public: no viewer, because everything it returns is meant for anyone.
    pub async fn status_page(&self, resolved_days: u32) -> Result<StatusPage, ServiceError> {
        let generated_at = now();
        let since = generated_at - Duration::days(i64::from(resolved_days));
        let conn = self.db.conn();
        let rows = status_page::incidents(conn, since).await?;
        let ids: Vec<IncidentId> = rows.iter().map(|r| r.id).collect();
        let mut updates = if ids.is_empty() {
            Default::default()
        } else {
            updates::latest_of_each(
                conn,
                &ids,
                &[Audience::Public],
                MAX_UPDATES_PER_INCIDENT as u64,
            )
            .await?
        };
        let mut page = StatusPage {
            generated_at,
            resolved_days,
            open: Vec::new(),
            recently_resolved: Vec::new(),
        };
        for row in rows {
            // Updates are append-only, so every row found has its PUBLIC update; skipping
            // one without keeps the promise "never an incident without a public update".
            let Some(list) = updates.remove(&row.id) else {
                continue;
            };
            let open = row.status.is_open();
            let incident = public_incident(row, list);
            if incident.updates.is_empty() {
                continue;
            }
            if open {
                page.open.push(incident);
            } else {
                page.recently_resolved.push(incident);
            }
        }
        page.recently_resolved
            .sort_by_key(|i| std::cmp::Reverse(i.resolved_at));
        Ok(page)
    }
}

fn public_incident(row: PublicIncidentRow, list: Vec<Update>) -> PublicIncident {
    // `latest_of_each` returns newest first; only PUBLIC ones were asked for, but filter again
    // so a change there can never leak another audience here.
    let updates: Vec<PublicUpdate> = list
        .into_iter()
        .filter(|u| u.audience == Audience::Public)
        .take(MAX_UPDATES_PER_INCIDENT)
        .map(|u| PublicUpdate {
            at: u.at,
            status: u.status,
            body: u.body,
        })
        .collect();
    let newest_label = updates.first().and_then(|u| u.status);
    PublicIncident {
        id: row.id,
        title: row.title,
        service: row.service,
        status: public_status(row.status, newest_label),
        started_at: row.created_at,
        resolved_at: row.resolved_at.filter(|_| !row.status.is_open()),
        updates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_wording_of_each_state() {
        use PublicStatus as P;
        for s in [Status::New, Status::Triaged, Status::Investigating] {
            assert_eq!(public_status(s, None), P::Investigating, "{s:?}");
        }
        assert_eq!(public_status(Status::Mitigated, None), P::Monitoring);
        assert_eq!(
            public_status(Status::Investigating, Some(UpdateStatus::Identified)),
            P::Identified
        );
        assert_eq!(
            public_status(Status::Triaged, Some(UpdateStatus::Monitoring)),
            P::Monitoring
        );
        assert_eq!(
            public_status(Status::Investigating, Some(UpdateStatus::Resolved)),
            P::Monitoring,
            "an open incident never reads resolved"
        );
        for s in [Status::Resolved, Status::Closed] {
            assert_eq!(
                public_status(s, Some(UpdateStatus::Investigating)),
                P::Resolved
            );
        }
    }
}

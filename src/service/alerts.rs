//! Alert intake, the use-case half: authenticate a sender's key, then turn its alerts into
//! incident changes through the same use cases a person's mutations use (`report_in`,
//! `transition_in`, the journal), as the actor `integration:<name>`. All alerts of one request
//! share one transaction, and the request is answered only after it commits.
//!
//! Dedup: the key's row in `alert_keys` is claimed by an insert that finds it taken or takes
//! it (never check-then-insert); a taken row is then locked, so alerts of one key are handled
//! one at a time however many requests and nodes carry them.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::incidents::{report_in, transition_in};
use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::{OrgRole, Viewer};
use crate::domain::alert::{Alert, AlertFormat, AlertStatus};
use crate::domain::ids::{IncidentId, IncidentNumber, IncidentRef};
use crate::domain::incident::{Command, Incident, NewIncident, Source};
use crate::domain::intake::{self, IncidentAlert, KeyHolder, Plan};
use crate::domain::integration::{Integration, KeyHash, endpoint};
use crate::domain::text::{Category, Description, Reason, Service, Title};
use crate::store::events::NewEvent;
use crate::store::incidents::ResponseStamp;
use crate::store::{alerts as rows, incidents, integrations};

/// Why a sender's request was refused before its alerts were read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refusal {
    /// No key, or one that is not (or no longer) an integration's: one answer for both.
    #[error("missing or unknown integration key")]
    UnknownKey,
    #[error("the integration `{0}` is disabled; an admin can enable it (enableIntegration)")]
    Disabled(String),
    #[error("this key belongs to the {format} integration `{name}`; post to {endpoint}")]
    WrongFormat {
        name: String,
        format: &'static str,
        endpoint: &'static str,
    },
    #[error(
        "the integration `{name}` sends alerts faster than its limit of {per_second} a second \
         (bursts of {burst}); retry in {} s",
        super::alert_throttle::whole_seconds(*retry_after)
    )]
    Throttled {
        name: String,
        per_second: u32,
        burst: u32,
        /// When enough alerts' worth of the bucket will be back.
        retry_after: std::time::Duration,
    },
}

/// What one alert did.
#[derive(Debug, Clone)]
pub struct Taken {
    pub dedup_key: String,
    pub incident: Option<IncidentNumber>,
    pub outcome: &'static str,
}

/// The integration as an actor: it reports, triages, investigates, mitigates and reopens,
/// which an organisation manager may do; it is never an admin.
fn actor(integration: &Integration) -> Viewer {
    Viewer {
        user_id: integration.actor_id(),
        name: format!("{} (integration)", integration.draft.name.as_str()),
        email: None,
        roles: vec![OrgRole::Manager],
    }
}

impl Services {
    /// Takes `count` alerts from `integration`'s allowance (`alerts.rate_per_second`), or
    /// says when to come back.
    pub fn admit_alerts(&self, integration: &Integration, count: usize) -> Result<(), Refusal> {
        let throttle = &self.alert_throttle;
        throttle
            .admit(integration.id, count)
            .map_err(|retry_after| Refusal::Throttled {
                name: integration.draft.name.as_str().to_owned(),
                per_second: throttle.per_second,
                burst: throttle.burst,
                retry_after,
            })
    }

    /// The enabled integration of `format` whose key (current, or previous within its grace
    /// period) is `key`. A missing key is hashed and looked up like any other, so missing,
    /// unknown and wrong keys take the same time and get the same answer.
    pub async fn authenticate_integration(
        &self,
        key: Option<&str>,
        format: AlertFormat,
    ) -> Result<Result<Integration, Refusal>, ServiceError> {
        let hash = KeyHash::of(key.unwrap_or(""));
        let found = integrations::by_key(self.db.conn(), &hash, now()).await?;
        let integration = match found {
            Some((integration, stored)) if key.is_some() && stored.matches(&hash) => integration,
            _ => return Ok(Err(Refusal::UnknownKey)),
        };
        if !integration.enabled {
            return Ok(Err(Refusal::Disabled(
                integration.draft.name.as_str().to_owned(),
            )));
        }
        if integration.draft.format != format {
            return Ok(Err(Refusal::WrongFormat {
                name: integration.draft.name.as_str().to_owned(),
                format: integration.draft.format.as_str(),
                endpoint: endpoint(integration.draft.format),
            }));
        }
        Ok(Ok(integration))
    }

    /// Applies `alerts` (in the order sent), committed with the requests queued beside it
    /// (`alert_queue`); answers once they are durable.
    pub async fn take_alerts(
        &self,
        integration: &Integration,
        alerts: &[Alert],
    ) -> Result<Vec<Taken>, ServiceError> {
        check_times(alerts, now())?;
        self.users.remember(&actor(integration)).await?;
        self.alert_queue.take(self, integration, alerts).await
    }

    /// Applies several senders' requests in one transaction: each request's answers, in the
    /// order its alerts were sent.
    pub(super) async fn take_group(
        &self,
        requests: &[(&Integration, &[Alert])],
    ) -> Result<Vec<Vec<Taken>>, ServiceError> {
        // On PostgreSQL two nodes' groups can still deadlock (a key and the incident number
        // counter, taken in opposite orders); the database cancels one, which wrote nothing,
        // and it runs again here before the senders hear of it.
        let mut attempt = 1;
        loop {
            match self.take_group_once(requests).await {
                Err(e) if e.gave_way() && attempt < 4 => {
                    tracing::debug!(
                        attempt,
                        "alert intake gave way to a concurrent request; again"
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    async fn take_group_once(
        &self,
        requests: &[(&Integration, &[Alert])],
    ) -> Result<Vec<Vec<Taken>>, ServiceError> {
        let mut txn = Journal::begin(&self.db).await?;
        // Keys are locked in one order (integration, dedup key) whatever order the requests
        // have, so two nodes' groups holding the same keys cannot deadlock on PostgreSQL. The
        // sort is stable: one key's alerts apply in the order they arrived.
        let mut order: Vec<(usize, usize)> = requests
            .iter()
            .enumerate()
            .flat_map(|(r, (_, alerts))| (0..alerts.len()).map(move |a| (r, a)))
            .collect();
        order.sort_by(|&(r1, a1), &(r2, a2)| {
            let key = |r: usize, a: usize| (requests[r].0.id, requests[r].1[a].dedup_key());
            key(r1, a1).cmp(&key(r2, a2))
        });
        let mut taken: Vec<Vec<Option<Taken>>> = requests
            .iter()
            .map(|(_, alerts)| vec![None; alerts.len()])
            .collect();
        let mut reindex = false;
        for (r, a) in order {
            let (integration, alerts) = requests[r];
            let viewer = actor(integration);
            let (t, changed) = self
                .take_one(&mut txn, &viewer, integration, &alerts[a])
                .await?;
            reindex |= changed;
            taken[r][a] = Some(t);
        }
        txn.commit(&self.bus).await?;
        if reindex {
            self.knowledge.changed.notify_one();
        }
        let alerts: usize = requests.iter().map(|(_, a)| a.len()).sum();
        tracing::info!(requests = requests.len(), alerts, "alerts taken");
        Ok(taken
            .into_iter()
            .map(|answers| answers.into_iter().flatten().collect())
            .collect())
    }

    async fn take_one(
        &self,
        txn: &mut Journal,
        viewer: &Viewer,
        integration: &Integration,
        alert: &Alert,
    ) -> Result<(Taken, bool), ServiceError> {
        let at = now();
        let key = alert.dedup_key();
        let fresh = IncidentId::new();
        // A resolve never claims a key: it has no incident to open.
        let claimed = alert.status() != AlertStatus::Resolved
            && rows::claim_key(&**txn, integration.id, key, fresh).await?;
        let holder = if claimed {
            None
        } else {
            match rows::holder(&**txn, integration.id, key).await? {
                Some(id) => self.key_holder(txn, id, integration, key).await?,
                None => None,
            }
        };
        let plan = intake::decide(
            holder.as_ref().map(|(h, _)| *h),
            alert.status(),
            at,
            self.alert_times.reopen_window,
        );
        let seen = holder.and_then(|(_, seen)| seen);
        let mut reindex = false;
        let (incident, outcome) = match plan {
            Plan::Open { previous } => {
                let id = if claimed { fresh } else { IncidentId::new() };
                if !claimed {
                    rows::repoint(&**txn, integration.id, key, id).await?;
                }
                let incident = open(txn, viewer, integration, alert, id, previous, at).await?;
                (Some(incident), "opened")
            }
            Plan::Reopen => {
                let id = holder_id(&seen, &plan)?;
                let reason = Reason::parse(&format!(
                    "The alert {} fired again within the reopen window",
                    crate::domain::alert::segment(key)
                ))?;
                let (incident, r) = transition_in(
                    txn,
                    viewer,
                    IncidentRef::Id(id),
                    None,
                    Command::Reopen { reason },
                )
                .await?;
                reindex |= r;
                save(txn, integration, alert, &incident, seen, at).await?;
                (Some(incident), "reopened")
            }
            Plan::Add { event } => {
                let id = holder_id(&seen, &plan)?;
                let mut incident = incidents::find(&**txn, id)
                    .await?
                    .ok_or_else(|| ServiceError::internal(missing(id)))?;
                // An acknowledgement is a first response: the SLA response clock stops.
                if alert.status() == AlertStatus::Acknowledged
                    && incidents::stamp_first(&**txn, id, ResponseStamp::Acknowledged, at).await?
                {
                    incident.acknowledged_at = Some(at);
                }
                save(txn, integration, alert, &incident, seen, at).await?;
                if let Some(kind) = event {
                    let detail = json!({
                        "integration": integration.draft.name.as_str(),
                        "dedupKey": key,
                        "state": alert.status().as_str(),
                    });
                    txn.record(
                        &incident,
                        NewEvent::new(incident.id, at, &viewer.user_id, kind, detail),
                    )
                    .await?;
                }
                let incident = if alert.status() == AlertStatus::Resolved
                    && integration.draft.auto_resolve
                    && rows::all_resolved(&**txn, incident.id).await?
                {
                    let (mitigated, r) = mitigate(txn, viewer, incident).await?;
                    reindex |= r;
                    mitigated
                } else {
                    incident
                };
                (Some(incident), "added")
            }
            Plan::Quiet => match seen {
                Some(s) => {
                    let incident = incidents::find(&**txn, s.incident_id).await?;
                    if let Some(incident) = &incident {
                        save(txn, integration, alert, incident, Some(s), at).await?;
                    }
                    (incident, "recorded")
                }
                None => (None, "ignored"),
            },
        };
        let taken = Taken {
            dedup_key: key.to_owned(),
            incident: incident.map(|i| i.number),
            outcome,
        };
        Ok((taken, reindex))
    }

    /// The alerts on each of `incidents`, most recently seen first: one query for all.
    pub async fn alerts_of(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, Vec<IncidentAlert>>, ServiceError> {
        crate::auth::authorize(viewer, crate::auth::Operation::ReadIncidents, None)?;
        Ok(rows::of(self.db.conn(), incidents).await?)
    }

    /// The key's incident as the decision needs it, and the alert's row on it (if any).
    async fn key_holder(
        &self,
        txn: &mut Journal,
        id: IncidentId,
        integration: &Integration,
        key: &str,
    ) -> Result<Option<(KeyHolder, Option<IncidentAlert>)>, ServiceError> {
        let Some(incident) = incidents::find(&**txn, id).await? else {
            return Ok(None);
        };
        let seen = rows::find(&**txn, id, integration.id, key).await?;
        let holder = KeyHolder {
            incident_id: id,
            incident_status: incident.status,
            resolved_at: incident.resolved_at,
            alert_state: seen.as_ref().map_or(AlertStatus::Firing, |s| s.state),
        };
        let seen = seen.or_else(|| Some(placeholder(id, integration, key)));
        Ok(Some((holder, seen)))
    }
}

/// A row for a key whose incident has none yet (written before this table kept it).
fn placeholder(id: IncidentId, integration: &Integration, key: &str) -> IncidentAlert {
    IncidentAlert {
        incident_id: id,
        integration_id: integration.id,
        integration_name: integration.draft.name.as_str().to_owned(),
        dedup_key: key.to_owned(),
        state: AlertStatus::Firing,
        severity: None,
        count: 0,
        first_seen_at: now(),
        last_seen_at: now(),
        labels: Default::default(),
        annotations: Default::default(),
        links: Vec::new(),
        previous_incident_id: None,
    }
}

fn missing(id: IncidentId) -> std::io::Error {
    std::io::Error::other(format!("alert key points at incident {id}, which is gone"))
}

fn holder_id(seen: &Option<IncidentAlert>, plan: &Plan) -> Result<IncidentId, ServiceError> {
    seen.as_ref().map(|s| s.incident_id).ok_or_else(|| {
        ServiceError::internal(std::io::Error::other(format!(
            "intake plan {plan:?} without the key's incident"
        )))
    })
}

/// Opens the incident for a key, triaged at once when a category is known.
async fn open(
    txn: &mut Journal,
    viewer: &Viewer,
    integration: &Integration,
    alert: &Alert,
    id: IncidentId,
    previous: Option<IncidentId>,
    at: DateTime<Utc>,
) -> Result<Incident, ServiceError> {
    let d = &integration.draft;
    // A label the rules refuse (too long, a control character) falls back to the integration.
    let service = alert
        .service()
        .and_then(|s| Service::parse(s).ok())
        .unwrap_or_else(|| d.service.clone());
    let category = alert
        .category()
        .and_then(|c| Category::parse(c).ok())
        .or_else(|| d.category.clone());
    let new = NewIncident {
        title: Title::parse(&alert.title())?,
        description: Description::parse(&alert.description())?,
        service,
        category: category.clone(),
        source: Source::Alert,
    };
    let detail = json!({
        "integration": d.name.as_str(),
        "dedupKey": alert.dedup_key(),
        "severity": alert.severity_or_default().as_str(),
        "previousIncidentId": previous.map(|p| p.to_string()),
    });
    let mut incident = report_in(txn, viewer, new, id, Some(detail)).await?;
    if let Some(category) = category {
        let (impact, urgency) = d.severity_map.levels(alert.severity_or_default());
        let command = Command::Triage {
            category,
            impact,
            urgency,
        };
        incident = transition_in(txn, viewer, IncidentRef::Id(id), None, command)
            .await?
            .0;
    }
    let mut row = placeholder(id, integration, alert.dedup_key());
    row.previous_incident_id = previous;
    row.first_seen_at = at;
    save(txn, integration, alert, &incident, Some(row), at).await?;
    Ok(incident)
}

/// Writes the alert's row on `incident`: one more sighting, its state and latest details.
async fn save(
    txn: &mut Journal,
    integration: &Integration,
    alert: &Alert,
    incident: &Incident,
    seen: Option<IncidentAlert>,
    at: DateTime<Utc>,
) -> Result<(), ServiceError> {
    let before = match seen {
        Some(s) if s.incident_id == incident.id => s,
        _ => placeholder(incident.id, integration, alert.dedup_key()),
    };
    let new = before.count == 0;
    let row = IncidentAlert {
        integration_name: integration.draft.name.as_str().to_owned(),
        state: alert.status(),
        severity: alert.severity().or(before.severity),
        count: before.count + 1,
        first_seen_at: if new { at } else { before.first_seen_at },
        last_seen_at: at,
        labels: alert.labels().clone(),
        annotations: alert.annotations().clone(),
        links: alert.links().to_vec(),
        ..before
    };
    rows::save(&**txn, &row, new).await?;
    Ok(())
}

/// Mitigates an incident whose alerts all cleared, if its state allows (never resolves).
async fn mitigate(
    txn: &mut Journal,
    viewer: &Viewer,
    incident: Incident,
) -> Result<(Incident, bool), ServiceError> {
    let mut current = incident;
    let mut reindex = false;
    for action in intake::mitigation_path(current.status) {
        let command = match action {
            crate::domain::lifecycle::Action::StartInvestigation => Command::StartInvestigation,
            _ => Command::Mitigate,
        };
        let (next, r) =
            transition_in(txn, viewer, IncidentRef::Id(current.id), None, command).await?;
        reindex |= r;
        current = next;
    }
    Ok((current, reindex))
}

/// How far ahead of our clock a sender's may run: clocks drift by seconds or minutes; an
/// alert that starts a day from now (or in the year 3000) is a sender's bug, and would put
/// the incident's report time in the future.
const MAX_CLOCK_LEAD: chrono::Duration = chrono::Duration::days(1);

/// Refuses the whole batch when an alert says it started (or was sent) too far in the future.
fn check_times(alerts: &[Alert], now: chrono::DateTime<chrono::Utc>) -> Result<(), ServiceError> {
    for (i, alert) in alerts.iter().enumerate() {
        for (field, at) in [
            ("startsAt", alert.starts_at()),
            ("timestamp", alert.timestamp()),
        ] {
            if let Some(at) = at.filter(|at| *at > now + MAX_CLOCK_LEAD) {
                return Err(ServiceError::BadInput(format!(
                    "alerts[{i}].{field}: {} is more than a day ahead of this server's clock",
                    at.to_rfc3339()
                )));
            }
        }
    }
    Ok(())
}

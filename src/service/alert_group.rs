//! One group of alerts applied in one transaction, set-based: every key of the group is
//! claimed in one statement, the keys' incidents and alert rows are read in three more, each
//! alert is then decided in the order it was sent against what the group knows of its key,
//! and the alert rows are written in one statement at the end.
//!
//! Why: during a storm most alerts repeat a key whose incident is open, and all such an alert
//! changes is its row (a count, a time, its labels). Statement by statement that was six round
//! trips per alert; now it is none, and the few alerts that change an incident (open, reopen,
//! a state change for the timeline, mitigation) go through the incident use cases as before.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::alerts::{Taken, actor};
use super::incidents::{report_in, transition_in};
use super::journal::Journal;
use super::{ServiceError, Services, now};
use crate::auth::Viewer;
use crate::domain::alert::{Alert, AlertStatus};
use crate::domain::ids::{IncidentId, IncidentRef};
use crate::domain::incident::{Command, Incident, NewIncident, Source};
use crate::domain::intake::{self, IncidentAlert, KeyHolder, Plan};
use crate::domain::integration::Integration;
use crate::domain::text::{Category, Description, Reason, Service, Title};
use crate::store::alerts::{self as rows, KeyId};
use crate::store::events::NewEvent;
use crate::store::incidents::{self, ResponseStamp};

/// An alert row's identity: the incident it is on, and its key.
type RowId = (IncidentId, KeyId);

/// What the group knows of one key while it applies the key's alerts in order.
struct KeyState {
    /// This group inserted the key's row for `fresh`; the key's first firing alert opens it.
    claimed: bool,
    fresh: IncidentId,
    /// The incident the key adds to (none: nobody holds the key, or its incident is gone),
    /// and the alert's row on it as this transaction has it.
    incident: Option<Incident>,
    seen: Option<IncidentAlert>,
}

/// Alert rows changed by the group and not written yet, in key order (the write takes row
/// locks in that order).
#[derive(Default)]
struct Pending(BTreeMap<RowId, IncidentAlert>);

impl Pending {
    fn put(&mut self, row: IncidentAlert) {
        let id = (row.incident_id, (row.integration_id, row.dedup_key.clone()));
        self.0.insert(id, row);
    }

    async fn flush(&mut self, txn: &Journal) -> Result<(), ServiceError> {
        rows::save_many(&**txn, self.0.values()).await?;
        self.0.clear();
        Ok(())
    }
}

impl Services {
    /// Applies several senders' requests in one transaction; each request's answers in the
    /// order its alerts were sent.
    pub(super) async fn take_group_once(
        &self,
        requests: &[(&Integration, &[Alert])],
    ) -> Result<Vec<Vec<Taken>>, ServiceError> {
        let mut txn = Journal::begin(&self.db).await?;
        // Alerts in key order (integration, dedup key), whatever order the requests have, so
        // two nodes' groups lock shared keys in one order. The sort is stable: one key's
        // alerts apply in the order they arrived.
        let mut order: Vec<(usize, usize)> = requests
            .iter()
            .enumerate()
            .flat_map(|(r, (_, alerts))| (0..alerts.len()).map(move |a| (r, a)))
            .collect();
        let key_of = |(r, a): (usize, usize)| (requests[r].0.id, requests[r].1[a].dedup_key());
        order.sort_by(|&x, &y| key_of(x).cmp(&key_of(y)));
        let mut states = self.key_states(&txn, requests, &order).await?;
        let mut pending = Pending::default();
        let mut taken: Vec<Vec<Option<Taken>>> = requests
            .iter()
            .map(|(_, alerts)| vec![None; alerts.len()])
            .collect();
        let mut reindex = false;
        for (r, a) in order {
            let (integration, alerts) = requests[r];
            let alert = &alerts[a];
            let key = (integration.id, alert.dedup_key().to_owned());
            let state = states.get_mut(&key).ok_or_else(|| {
                ServiceError::internal(std::io::Error::other("an alert key the group did not read"))
            })?;
            let (t, changed) = self
                .take_one(&mut txn, &mut pending, state, integration, alert)
                .await?;
            reindex |= changed;
            taken[r][a] = Some(t);
        }
        pending.flush(&txn).await?;
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

    /// Every key of the group as the transaction finds it: claimed when nobody held it and
    /// one of its alerts fires (a resolve never claims: it has nothing to open), else locked
    /// and read with its incident and alert row. Four statements for the whole group.
    async fn key_states(
        &self,
        txn: &Journal,
        requests: &[(&Integration, &[Alert])],
        order: &[(usize, usize)],
    ) -> Result<HashMap<KeyId, KeyState>, ServiceError> {
        // The group's keys in key order, each with whether any of its alerts fires.
        let mut keys: Vec<(&Integration, &str, bool)> = Vec::new();
        for &(r, a) in order {
            let (integration, alerts) = requests[r];
            let key = alerts[a].dedup_key();
            let fires = alerts[a].status() != AlertStatus::Resolved;
            match keys.last_mut() {
                Some((i, k, f)) if i.id == integration.id && *k == key => *f |= fires,
                _ => keys.push((integration, key, fires)),
            }
        }
        let claims: Vec<_> = keys
            .iter()
            .filter(|(_, _, fires)| *fires)
            .map(|(i, k, _)| (i.id, *k, IncidentId::new()))
            .collect();
        let claimed = rows::claim_keys(&**txn, &claims).await?;
        let fresh: HashMap<KeyId, IncidentId> = claims
            .iter()
            .map(|(i, k, id)| ((*i, (*k).to_owned()), *id))
            .collect();
        let held: Vec<_> = keys
            .iter()
            .map(|(i, k, _)| (i.id, *k))
            .filter(|(i, k)| !claimed.contains(&(*i, (*k).to_owned())))
            .collect();
        let holders = rows::holders(&**txn, &held).await?;
        let ids: Vec<IncidentId> = holders.values().copied().collect();
        let mut found = incidents::find_many(&**txn, &ids).await?;
        let row_ids: Vec<_> = holders
            .iter()
            .map(|((i, k), id)| (*id, *i, k.as_str()))
            .collect();
        let mut seen = rows::find_many(&**txn, &row_ids).await?;
        let mut states = HashMap::with_capacity(keys.len());
        for (integration, key, _) in keys {
            let id = (integration.id, key.to_owned());
            let claimed = claimed.contains(&id);
            let incident = match holders.get(&id) {
                Some(holder) if !claimed => found.remove(holder),
                _ => None,
            };
            // A key whose incident has no row for it yet (written before this table kept
            // one) starts from a placeholder, as a first sighting.
            let seen = incident.as_ref().map(|i| {
                seen.remove(&(i.id, id.clone()))
                    .unwrap_or_else(|| placeholder(i.id, integration, key))
            });
            let state = KeyState {
                claimed,
                fresh: fresh.get(&id).copied().unwrap_or_else(IncidentId::new),
                incident,
                seen,
            };
            states.insert(id, state);
        }
        Ok(states)
    }

    /// Applies one alert to its key's state: decides with `intake::decide`, changes the
    /// incident through the use cases when the plan says so, and leaves the alert's row in
    /// `pending`.
    async fn take_one(
        &self,
        txn: &mut Journal,
        pending: &mut Pending,
        state: &mut KeyState,
        integration: &Integration,
        alert: &Alert,
    ) -> Result<(Taken, bool), ServiceError> {
        let viewer = actor(integration);
        let at = now();
        let key = alert.dedup_key();
        let holder = state.incident.as_ref().map(|i| KeyHolder {
            incident_id: i.id,
            incident_status: i.status,
            resolved_at: i.resolved_at,
            alert_state: state.seen.as_ref().map_or(AlertStatus::Firing, |s| s.state),
        });
        let plan = intake::decide(holder, alert.status(), at, self.alert_times.reopen_window);
        let mut reindex = false;
        let outcome = match plan {
            Plan::Open { previous } => {
                let id = if state.claimed {
                    state.claimed = false;
                    state.fresh
                } else {
                    let id = IncidentId::new();
                    rows::repoint(&**txn, integration.id, key, id).await?;
                    id
                };
                let incident = open(txn, &viewer, integration, alert, id, previous).await?;
                let mut first = placeholder(id, integration, key);
                first.previous_incident_id = previous;
                state.seen = Some(first);
                state.incident = Some(incident);
                "opened"
            }
            Plan::Reopen => {
                let id = current(state)?.id;
                let reason = Reason::parse(&format!(
                    "The alert {} fired again within the reopen window",
                    crate::domain::alert::segment(key)
                ))?;
                let command = Command::Reopen { reason };
                let (incident, r) =
                    transition_in(txn, &viewer, IncidentRef::Id(id), None, command).await?;
                reindex |= r;
                state.incident = Some(incident);
                "reopened"
            }
            Plan::Add { event } => {
                let incident = current(state)?;
                // An acknowledgement is a first response: the SLA response clock stops.
                // Stamps are set once, so one already there needs no statement.
                if alert.status() == AlertStatus::Acknowledged
                    && incident.acknowledged_at.is_none()
                    && incidents::stamp_first(&**txn, incident.id, ResponseStamp::Acknowledged, at)
                        .await?
                {
                    incident.acknowledged_at = Some(at);
                }
                if let Some(kind) = event {
                    let detail = json!({
                        "integration": integration.draft.name.as_str(),
                        "dedupKey": key,
                        "state": alert.status().as_str(),
                    });
                    let incident = current(state)?;
                    txn.record(
                        incident,
                        NewEvent::new(incident.id, at, &viewer.user_id, kind, detail),
                    )
                    .await?;
                }
                "added"
            }
            Plan::Quiet if state.incident.is_some() => "recorded",
            Plan::Quiet => {
                let taken = Taken {
                    dedup_key: key.to_owned(),
                    incident: None,
                    outcome: "ignored",
                };
                return Ok((taken, false));
            }
        };
        let incident = current(state)?.clone();
        let row = sighting(state.seen.take(), integration, alert, &incident, at);
        pending.put(row.clone());
        state.seen = Some(row);
        if matches!(plan, Plan::Add { .. })
            && alert.status() == AlertStatus::Resolved
            && integration.draft.auto_resolve
        {
            // Whether every alert on the incident has cleared is read from the table: write
            // what the group holds first.
            pending.flush(txn).await?;
            if rows::all_resolved(&**txn, incident.id).await? {
                let (mitigated, r) = mitigate(txn, &viewer, incident).await?;
                reindex |= r;
                state.incident = Some(mitigated);
            }
        }
        let taken = Taken {
            dedup_key: key.to_owned(),
            incident: state.incident.as_ref().map(|i| i.number),
            outcome,
        };
        Ok((taken, reindex))
    }
}

/// The key's incident, which every plan but `Open` and `Quiet` has by construction.
fn current(state: &mut KeyState) -> Result<&mut Incident, ServiceError> {
    state.incident.as_mut().ok_or_else(|| {
        ServiceError::internal(std::io::Error::other(
            "an alert plan that needs the key's incident, without one",
        ))
    })
}

/// A row for a key on an incident that has none yet: a count of 0, so the next sighting is
/// the first.
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

/// The alert's row on `incident` after this sighting: one more, its state and latest details.
fn sighting(
    seen: Option<IncidentAlert>,
    integration: &Integration,
    alert: &Alert,
    incident: &Incident,
    at: DateTime<Utc>,
) -> IncidentAlert {
    let before = match seen {
        Some(s) if s.incident_id == incident.id => s,
        _ => placeholder(incident.id, integration, alert.dedup_key()),
    };
    let first = before.count == 0;
    IncidentAlert {
        integration_name: integration.draft.name.as_str().to_owned(),
        state: alert.status(),
        severity: alert.severity().or(before.severity),
        count: before.count + 1,
        first_seen_at: if first { at } else { before.first_seen_at },
        last_seen_at: at,
        labels: alert.labels().clone(),
        annotations: alert.annotations().clone(),
        links: alert.links().to_vec(),
        ..before
    }
}

/// Opens the incident for a key, triaged at once when a category is known.
async fn open(
    txn: &mut Journal,
    viewer: &Viewer,
    integration: &Integration,
    alert: &Alert,
    id: IncidentId,
    previous: Option<IncidentId>,
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
        labels: Default::default(),
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
    Ok(incident)
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

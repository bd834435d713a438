//! Alert intake, the use-case half: authenticate a sender's key, then turn its alerts into
//! incident changes through the same use cases a person's mutations use (`report_in`,
//! `transition_in`, the journal), as the actor `integration:<name>`. All alerts of one request
//! share one transaction (with the requests queued beside it, `alert_queue`), and the request
//! is answered only after it commits; `alert_group` applies them.
//!
//! Dedup: the key's row in `alert_keys` is claimed by an insert that finds it taken or takes
//! it (never check-then-insert); a taken row is then locked, so alerts of one key are handled
//! one at a time however many requests and nodes carry them.

use super::{ServiceError, Services, now};
use crate::auth::{OrgRole, Viewer};
use crate::domain::alert::{Alert, AlertFormat};
use crate::domain::ids::{IncidentId, IncidentNumber};
use crate::domain::intake::IncidentAlert;
use crate::domain::integration::{Integration, KeyHash, endpoint};
use crate::store::{alerts as rows, integrations};

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
pub(super) fn actor(integration: &Integration) -> Viewer {
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

    /// The alerts on each of `incidents`, most recently seen first: one query for all.
    pub async fn alerts_of(
        &self,
        viewer: &Viewer,
        incidents: &[IncidentId],
    ) -> Result<std::collections::HashMap<IncidentId, Vec<IncidentAlert>>, ServiceError> {
        crate::auth::authorize(viewer, crate::auth::Operation::ReadIncidents, None)?;
        Ok(rows::of(self.db.conn(), incidents).await?)
    }
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

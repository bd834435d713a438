//! Service levels: admins manage SLA policies; anyone who reads an incident reads its clocks;
//! incident leads list breaches. The clocks themselves are read from the incident's stamps
//! (`domain::sla::clock`); the worker (`sla_worker`) records warnings and breaches.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, SqlErr};

use super::{ServiceError, Services, now};
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::ids::{IncidentId, SlaPolicyId, UserId};
use crate::domain::incident::Incident;
use crate::domain::sla::clock::{self, ClockReading, ClockState, Stamps};
use crate::domain::sla::notice::{BreachFilter, Notice};
use crate::domain::sla::policy::{PolicyDraft, SlaPolicy, policy_for};
use crate::domain::sla::standing::Standing;
use crate::domain::user::User;
use crate::store::sla as rows;
use crate::store::{incident_sla, incidents, users};

/// Who records warnings and breaches in the timeline.
pub const SLA_MONITOR_ID: &str = "hindsight-sla";
const SLA_MONITOR_NAME: &str = "SLA monitor";

/// An incident's clocks at one instant, and the policy they were read under.
#[derive(Debug, Clone)]
pub struct IncidentSla {
    pub policy: Option<(SlaPolicyId, String)>,
    pub response: ClockReading,
    pub resolution: ClockReading,
    /// Both clocks together, as incidents are listed by SLA.
    pub standing: Standing,
    pub state: ClockState,
}

fn not_found(id: SlaPolicyId) -> ServiceError {
    ServiceError::NotFound(format!("no SLA policy with id {id}"))
}

impl Services {
    /// Writes the shipped default policy if the database has no default policy yet (a new
    /// database). Safe when several nodes start at once: the database keeps one default.
    pub async fn ensure_default_sla_policy(&self) -> Result<(), ServiceError> {
        let txn = self.db.begin_write().await?;
        if rows::default_policy_name(&*txn, None).await?.is_some() {
            return Ok(());
        }
        let at = now();
        let policy = SlaPolicy {
            id: SlaPolicyId::new(),
            draft: PolicyDraft::shipped_default(),
            version: 1,
            created_at: at,
            updated_at: at,
            updated_by: UserId::from(SLA_MONITOR_ID),
        };
        if rows::insert_default_if_none(&*txn, &policy).await? {
            tracing::info!(sla_policy.id = %policy.id, "wrote the shipped default SLA policy");
        }
        txn.commit().await?;
        Ok(())
    }

    pub async fn sla_policies(&self, viewer: &Viewer) -> Result<Vec<SlaPolicy>, ServiceError> {
        authorize(viewer, Operation::ReadSlaPolicies, None)?;
        Ok(rows::policies(self.db.conn()).await?)
    }

    pub async fn sla_policy(
        &self,
        viewer: &Viewer,
        id: SlaPolicyId,
    ) -> Result<SlaPolicy, ServiceError> {
        authorize(viewer, Operation::ReadSlaPolicies, None)?;
        rows::find_policy(self.db.conn(), id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    pub async fn create_sla_policy(
        &self,
        viewer: &Viewer,
        draft: PolicyDraft,
    ) -> Result<SlaPolicy, ServiceError> {
        authorize(viewer, Operation::ManageSlaPolicies, None)?;
        let txn = self.db.begin_write().await?;
        check_unique(&txn, &draft, None).await?;
        let at = now();
        let policy = SlaPolicy {
            id: SlaPolicyId::new(),
            draft,
            version: 1,
            created_at: at,
            updated_at: at,
            updated_by: viewer.user_id.clone(),
        };
        rows::insert_policy(&*txn, &policy)
            .await
            .map_err(taken_meanwhile)?;
        txn.commit().await?;
        tracing::info!(sla_policy.id = %policy.id, "SLA policy created");
        Ok(policy)
    }

    /// Replaces the policy's settings; `expected_version` guards against a concurrent edit.
    pub async fn update_sla_policy(
        &self,
        viewer: &Viewer,
        id: SlaPolicyId,
        draft: PolicyDraft,
        expected_version: Option<i32>,
    ) -> Result<SlaPolicy, ServiceError> {
        authorize(viewer, Operation::ManageSlaPolicies, None)?;
        let txn = self.db.begin_write().await?;
        let current = rows::find_policy(&*txn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(stale(id, expected, current.version));
        }
        if current.draft.is_default() && !draft.is_default() {
            return Err(ServiceError::BadInput(
                "services: the default policy lists no services (it covers every service no \
                 other policy lists); create another policy for these services"
                    .into(),
            ));
        }
        check_unique(&txn, &draft, Some(id)).await?;
        let policy = SlaPolicy {
            draft,
            version: current.version + 1,
            updated_at: now(),
            updated_by: viewer.user_id.clone(),
            ..current
        };
        if !rows::update_policy(&*txn, &policy, expected)
            .await
            .map_err(taken_meanwhile)?
        {
            return Err(stale(id, expected, expected + 1));
        }
        txn.commit().await?;
        tracing::info!(sla_policy.id = %id, version = policy.version, "SLA policy updated");
        Ok(policy)
    }

    /// Deletes a policy; its services fall back to the default. The default cannot go.
    pub async fn delete_sla_policy(
        &self,
        viewer: &Viewer,
        id: SlaPolicyId,
    ) -> Result<(), ServiceError> {
        authorize(viewer, Operation::ManageSlaPolicies, None)?;
        let txn = self.db.begin_write().await?;
        let current = rows::find_policy(&*txn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if current.draft.is_default() {
            return Err(ServiceError::BadInput(
                "id: the default policy cannot be deleted (every incident of an unlisted \
                 service needs one); change its targets with updateSlaPolicy instead"
                    .into(),
            ));
        }
        if !rows::delete_policy(&*txn, id).await? {
            return Err(not_found(id));
        }
        txn.commit().await?;
        tracing::info!(sla_policy.id = %id, "SLA policy deleted");
        Ok(())
    }

    /// The clocks of `incidents` now, for whoever may read incidents. Three queries (the
    /// incidents, the policies, the first managers), however many incidents.
    pub async fn incident_slas(
        &self,
        viewer: &Viewer,
        ids: &[IncidentId],
    ) -> Result<HashMap<IncidentId, IncidentSla>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        let incidents = incidents::find_many(&self.db, ids).await?;
        let clocks = Clocks::load(self.db.conn()).await?;
        let at = now();
        Ok(incidents
            .values()
            .map(|incident| {
                let (policy, [response, resolution]) = clocks.read(incident, at);
                let standing = Standing::of(&[response.clone(), resolution.clone()]);
                let sla = IncidentSla {
                    policy: policy.map(|p| (p.id, p.draft.name.as_str().to_owned())),
                    response,
                    resolution,
                    standing,
                    state: standing.state(at),
                };
                (incident.id, sla)
            })
            .collect())
    }

    /// Recorded breaches, newest due first.
    pub async fn sla_breaches(
        &self,
        viewer: &Viewer,
        filter: BreachFilter,
        limit: u64,
    ) -> Result<Vec<Notice>, ServiceError> {
        authorize(viewer, Operation::ReadSlaPolicies, None)?;
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from > to
        {
            return Err(ServiceError::BadInput(
                "filter.from: is after filter.to".into(),
            ));
        }
        Ok(rows::breaches(self.db.conn(), &filter, limit).await?)
    }

    /// The SLA monitor as a user, so its timeline events name an actor like any other.
    pub(super) async fn remember_sla_monitor(&self, at: DateTime<Utc>) -> Result<(), DbErr> {
        let monitor = User {
            id: UserId::from(SLA_MONITOR_ID),
            name: SLA_MONITOR_NAME.to_owned(),
            email: None,
        };
        let txn = self.db.begin_write().await?;
        users::upsert(&*txn, &monitor, at).await?;
        txn.commit().await
    }
}

/// What reading incidents' clocks needs besides the incidents (whose rows carry every stamp
/// the clocks read): every policy. One query, however many incidents.
pub(super) struct Clocks {
    policies: Vec<SlaPolicy>,
}

impl Clocks {
    pub(super) async fn load(conn: &impl sea_orm::ConnectionTrait) -> Result<Self, DbErr> {
        Ok(Self {
            policies: rows::policies(conn).await?,
        })
    }

    /// The policy covering `incident` (if any) and its clocks at `at`.
    pub(super) fn read(
        &self,
        incident: &Incident,
        at: DateTime<Utc>,
    ) -> (Option<&SlaPolicy>, [ClockReading; 2]) {
        let policy = policy_for(&self.policies, &incident.service);
        let stamps = Stamps::of(incident);
        (policy, clock::read(policy, &stamps, at))
    }

    /// Where `incident` stands as a whole (which does not depend on `at`, only its state).
    pub(super) fn standing(&self, incident: &Incident, at: DateTime<Utc>) -> Standing {
        Standing::of(&self.read(incident, at).1)
    }
}

/// Writes where `incidents` (as they are after a change) stand against their SLA, so they can
/// be listed by it; in the caller's transaction.
pub(super) async fn save_standings(
    conn: &impl sea_orm::ConnectionTrait,
    incidents: &[&Incident],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let clocks = Clocks::load(conn).await?;
    let standings: Vec<_> = incidents
        .iter()
        .map(|i| (i.id, clocks.standing(i, at)))
        .collect();
    incident_sla::save(conn, &standings, at).await
}

/// The policy and due times that apply to `incident` at `at`, for its timeline (a re-triage
/// says when the new targets fall due).
pub(super) async fn due_times(
    conn: &impl sea_orm::ConnectionTrait,
    incident: &Incident,
    at: DateTime<Utc>,
) -> Result<serde_json::Value, DbErr> {
    let clocks = Clocks::load(conn).await?;
    let (policy, [response, resolution]) = clocks.read(incident, at);
    Ok(serde_json::json!({
        "policy": policy.map(|p| p.draft.name.as_str()),
        "responseDueAt": response.due_at,
        "resolutionDueAt": resolution.due_at,
    }))
}

/// Refuses a second default policy, or a service another policy lists, naming the other.
async fn check_unique(
    txn: &crate::store::WriteTxn,
    draft: &PolicyDraft,
    except: Option<SlaPolicyId>,
) -> Result<(), ServiceError> {
    if rows::name_taken(&**txn, draft.name.as_str(), except).await? {
        return Err(ServiceError::BadInput(format!(
            "name: another SLA policy is called `{}`",
            draft.name.as_str()
        )));
    }
    if draft.is_default()
        && let Some(other) = rows::default_policy_name(&**txn, except).await?
    {
        return Err(ServiceError::BadInput(format!(
            "services: a policy without services is the default, and `{other}` already is; \
             list the services this policy covers"
        )));
    }
    if let Some((service, other)) = rows::services_taken(&**txn, &draft.services, except)
        .await?
        .into_iter()
        .next()
    {
        return Err(ServiceError::BadInput(format!(
            "services: `{service}` is already covered by the policy `{other}`; a service \
             belongs to one policy"
        )));
    }
    Ok(())
}

/// A unique index refused the write: another node wrote the same name, service or default
/// between our check and our insert (or the name was taken, which the check does not cover).
fn taken_meanwhile(e: DbErr) -> ServiceError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => ServiceError::BadInput(
            "name: another SLA policy has this name, lists one of these services, or is \
             already the default"
                .into(),
        ),
        _ => ServiceError::from(e),
    }
}

fn stale(id: SlaPolicyId, expected: i32, actual: i32) -> ServiceError {
    ServiceError::Conflict(format!(
        "SLA policy {id} is at version {actual}, not {expected}; read it again and retry"
    ))
}

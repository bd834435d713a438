//! Alert integration use cases: admins create, change, switch, delete them and rotate their
//! keys; managers and admins list them. A key is shown once, when issued, and kept only as
//! its hash; the previous key keeps working for `alerts.key_grace` after a rotation.

use chrono::Duration;
use sea_orm::{DbErr, SqlErr};

use super::{ServiceError, Services, now};
use crate::auth::{Operation, Secret, Viewer, authorize};
use crate::domain::alert::{AlertFormat, Grouping, SeverityMap};
use crate::domain::ids::IntegrationId;
use crate::domain::integration::{Integration, IntegrationDraft, IntegrationKey, IntegrationName};
use crate::domain::text::{Category, Service};
use crate::store::integrations as rows;

/// The intake's two durations (`alerts.reopen_window`, `alerts.key_grace`).
#[derive(Debug, Clone, Copy)]
pub struct AlertTimes {
    pub reopen_window: Duration,
    pub key_grace: Duration,
}

impl Default for AlertTimes {
    fn default() -> Self {
        Self {
            reopen_window: Duration::hours(1),
            key_grace: Duration::hours(24),
        }
    }
}

/// An `updateIntegration`: each `Some` replaces that setting.
#[derive(Debug, Default)]
pub struct IntegrationPatch {
    pub name: Option<IntegrationName>,
    pub format: Option<AlertFormat>,
    pub service: Option<Service>,
    /// `Some(None)` clears the category.
    pub category: Option<Option<Category>>,
    pub grouping: Option<Grouping>,
    pub severity_map: Option<SeverityMap>,
    pub auto_resolve: Option<bool>,
}

impl IntegrationPatch {
    fn apply(self, mut d: IntegrationDraft) -> IntegrationDraft {
        if let Some(v) = self.name {
            d.name = v;
        }
        if let Some(v) = self.format {
            d.format = v;
        }
        if let Some(v) = self.service {
            d.service = v;
        }
        if let Some(v) = self.category {
            d.category = v;
        }
        if let Some(v) = self.grouping {
            d.grouping = v;
        }
        if let Some(v) = self.severity_map {
            d.severity_map = v;
        }
        if let Some(v) = self.auto_resolve {
            d.auto_resolve = v;
        }
        d
    }
}

fn not_found(id: IntegrationId) -> ServiceError {
    ServiceError::NotFound(format!("no integration with id {id}"))
}

fn name_taken(name: &IntegrationName) -> ServiceError {
    ServiceError::BadInput(format!(
        "name: another integration is called `{}`",
        name.as_str()
    ))
}

/// The unique name index refused a write another request made between our check and ours.
fn taken_meanwhile(e: DbErr, name: &IntegrationName) -> ServiceError {
    match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => name_taken(name),
        _ => ServiceError::from(e),
    }
}

impl Services {
    /// Creates an integration; returns it and its key, which is never shown again.
    pub async fn create_integration(
        &self,
        viewer: &Viewer,
        draft: IntegrationDraft,
    ) -> Result<(Integration, Secret), ServiceError> {
        authorize(viewer, Operation::ManageIntegrations, None)?;
        let key = IntegrationKey::generate();
        let at = now();
        let integration = Integration {
            id: IntegrationId::new(),
            draft,
            enabled: true,
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: viewer.user_id.clone(),
            key_issued_at: at,
            previous_key_expires_at: None,
        };
        let txn = self.db.begin_write().await?;
        if rows::name_taken(&*txn, &integration.draft.name, None).await? {
            return Err(name_taken(&integration.draft.name));
        }
        rows::insert(&*txn, &integration, &key.hash())
            .await
            .map_err(|e| taken_meanwhile(e, &integration.draft.name))?;
        txn.commit().await?;
        tracing::info!(integration.id = %integration.id, integration.name = integration.draft.name.as_str(), "integration created");
        Ok((integration, key.secret().clone()))
    }

    pub async fn integrations(&self, viewer: &Viewer) -> Result<Vec<Integration>, ServiceError> {
        authorize(viewer, Operation::ReadIntegrations, None)?;
        Ok(rows::list(self.db.conn()).await?)
    }

    /// Changes the settings; `expected_version` guards against a concurrent edit.
    pub async fn update_integration(
        &self,
        viewer: &Viewer,
        id: IntegrationId,
        patch: IntegrationPatch,
        expected_version: Option<i32>,
    ) -> Result<Integration, ServiceError> {
        authorize(viewer, Operation::ManageIntegrations, None)?;
        self.change_integration(id, expected_version, |current| Integration {
            draft: patch.apply(current.draft.clone()),
            ..current.clone()
        })
        .await
    }

    /// A disabled integration's endpoint refuses its alerts (403) until it is enabled.
    pub async fn set_integration_enabled(
        &self,
        viewer: &Viewer,
        id: IntegrationId,
        enabled: bool,
    ) -> Result<Integration, ServiceError> {
        authorize(viewer, Operation::ManageIntegrations, None)?;
        self.change_integration(id, None, |current| Integration {
            enabled,
            ..current.clone()
        })
        .await
    }

    async fn change_integration(
        &self,
        id: IntegrationId,
        expected_version: Option<i32>,
        change: impl FnOnce(&Integration) -> Integration,
    ) -> Result<Integration, ServiceError> {
        let txn = self.db.begin_write().await?;
        let current = rows::find(&*txn, id).await?.ok_or_else(|| not_found(id))?;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(ServiceError::Conflict(format!(
                "integration {id} is at version {}, not {expected}; read it again and retry",
                current.version
            )));
        }
        let mut next = change(&current);
        next.version = current.version + 1;
        next.updated_at = now();
        if next.draft.name != current.draft.name
            && rows::name_taken(&*txn, &next.draft.name, Some(id)).await?
        {
            return Err(name_taken(&next.draft.name));
        }
        if !rows::update_if_version(&*txn, &next, expected)
            .await
            .map_err(|e| taken_meanwhile(e, &next.draft.name))?
        {
            return Err(ServiceError::Conflict(format!(
                "integration {id} was changed by someone else at the same time; read it again and retry"
            )));
        }
        txn.commit().await?;
        tracing::info!(integration.id = %id, integration.version = next.version, integration.enabled = next.enabled, "integration changed");
        Ok(next)
    }

    /// Issues a new key; the current one keeps working for `alerts.key_grace`. A key that was
    /// already in its grace period stops working now.
    pub async fn rotate_integration_key(
        &self,
        viewer: &Viewer,
        id: IntegrationId,
    ) -> Result<(Integration, Secret), ServiceError> {
        authorize(viewer, Operation::ManageIntegrations, None)?;
        let key = IntegrationKey::generate();
        let at = now();
        let txn = self.db.begin_write().await?;
        if !rows::rotate_key(&*txn, id, &key.hash(), at, at + self.alert_times.key_grace).await? {
            return Err(not_found(id));
        }
        let integration = rows::find(&*txn, id).await?.ok_or_else(|| not_found(id))?;
        txn.commit().await?;
        tracing::info!(integration.id = %id, "integration key rotated");
        Ok((integration, key.secret().clone()))
    }

    /// Deletes the integration and its dedup keys; its incidents and their alerts stay.
    pub async fn delete_integration(
        &self,
        viewer: &Viewer,
        id: IntegrationId,
    ) -> Result<(), ServiceError> {
        authorize(viewer, Operation::ManageIntegrations, None)?;
        let txn = self.db.begin_write().await?;
        if !rows::delete(&*txn, id).await? {
            return Err(not_found(id));
        }
        txn.commit().await?;
        tracing::info!(integration.id = %id, "integration deleted");
        Ok(())
    }
}

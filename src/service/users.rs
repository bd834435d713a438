//! The users table: who has been seen, so incidents and events can name people.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::ServiceError;
use crate::auth::{Operation, Viewer, authorize};
use crate::domain::ids::UserId;
use crate::domain::user::User;
use crate::store::Db;
use crate::store::users;

/// Records each user the first time a token names them (and again when their name or email
/// changes). Remembers what it wrote so a busy reader does not write on every request.
#[derive(Clone)]
pub struct UserDirectory {
    db: Db,
    seen: Arc<Mutex<HashMap<UserId, Profile>>>,
}

/// Name and email as last written.
type Profile = (String, Option<String>);

/// Bounds the memory of the cache; forgetting only costs one idempotent upsert.
const MAX_REMEMBERED: usize = 100_000;

impl UserDirectory {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            seen: Arc::default(),
        }
    }

    pub async fn remember(&self, viewer: &Viewer) -> Result<(), ServiceError> {
        let current = (viewer.name.clone(), viewer.email.clone());
        if self.lock().get(&viewer.user_id) == Some(&current) {
            return Ok(());
        }
        let user = User {
            id: viewer.user_id.clone(),
            name: viewer.name.clone(),
            email: viewer.email.clone(),
        };
        let txn = self.db.begin_write().await?;
        users::upsert(&*txn, &user, super::now()).await?;
        txn.commit().await?;
        let mut seen = self.lock();
        if seen.len() >= MAX_REMEMBERED {
            seen.clear();
        }
        seen.insert(user.id, current);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, Profile>> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still a
        // valid cache.
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Users by id, for DataLoader batches. People are named on incidents, so whoever may read
    /// incidents may see them.
    pub async fn load(
        &self,
        viewer: &Viewer,
        ids: &[UserId],
    ) -> Result<HashMap<UserId, User>, ServiceError> {
        authorize(viewer, Operation::ReadIncidents, None)?;
        Ok(users::find_many(&self.db, ids).await?)
    }
}

//! DataLoaders: nested fields of a page load in one statement per kind, not one per row.
//! A set is created per request, holding the caller, so every batch goes through the use
//! cases' policy checks like any other read.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Result};

use super::error::{GqlResult, code, with_code};
use super::types::{IncidentObject, UserObject};
use crate::auth::Viewer;
use crate::domain::ids::IncidentId;
use crate::domain::incident::Incident;
use crate::service::{ServiceError, Services};
use crate::store::events::Event;
use crate::store::users::User;

type LoadResult<K, V> = Result<HashMap<K, V>, Arc<ServiceError>>;

pub struct UserLoader {
    services: Services,
    viewer: Viewer,
}

impl Loader<String> for UserLoader {
    type Value = User;
    type Error = Arc<ServiceError>;

    async fn load(&self, keys: &[String]) -> LoadResult<String, User> {
        self.services
            .users
            .load(&self.viewer, keys)
            .await
            .map_err(Arc::new)
    }
}

pub struct IncidentLoader {
    services: Services,
    viewer: Viewer,
}

impl Loader<IncidentId> for IncidentLoader {
    type Value = Incident;
    type Error = Arc<ServiceError>;

    async fn load(&self, keys: &[IncidentId]) -> LoadResult<IncidentId, Incident> {
        self.services
            .incidents_by_id(&self.viewer, keys)
            .await
            .map_err(Arc::new)
    }
}

/// A page of one incident's timeline: the first `limit` events, or those after a cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimelineKey {
    pub incident: IncidentId,
    pub after: Option<i64>,
    pub limit: u64,
}

pub struct TimelineLoader {
    services: Services,
    viewer: Viewer,
}

impl Loader<TimelineKey> for TimelineLoader {
    type Value = Vec<Event>;
    type Error = Arc<ServiceError>;

    async fn load(&self, keys: &[TimelineKey]) -> LoadResult<TimelineKey, Vec<Event>> {
        let mut out = HashMap::new();
        // First pages with the same size load together; a page after a cursor is one
        // incident being paged through, loaded on its own.
        let mut first_pages: HashMap<u64, Vec<IncidentId>> = HashMap::new();
        for key in keys {
            match key.after {
                None => first_pages.entry(key.limit).or_default().push(key.incident),
                Some(after) => {
                    let events = self
                        .services
                        .timeline_after(&self.viewer, key.incident, after, key.limit)
                        .await
                        .map_err(Arc::new)?;
                    out.insert(*key, events);
                }
            }
        }
        for (limit, incidents) in first_pages {
            let mut pages = self
                .services
                .first_timeline_pages(&self.viewer, &incidents, limit)
                .await
                .map_err(Arc::new)?;
            for incident in incidents {
                let events = pages.remove(&incident).unwrap_or_default();
                out.insert(
                    TimelineKey {
                        incident,
                        after: None,
                        limit,
                    },
                    events,
                );
            }
        }
        Ok(out)
    }
}

pub struct TimelineCountLoader {
    services: Services,
    viewer: Viewer,
}

impl Loader<IncidentId> for TimelineCountLoader {
    type Value = i64;
    type Error = Arc<ServiceError>;

    async fn load(&self, keys: &[IncidentId]) -> LoadResult<IncidentId, i64> {
        self.services
            .timeline_counts(&self.viewer, keys)
            .await
            .map_err(Arc::new)
    }
}

pub struct Loaders {
    users: DataLoader<UserLoader>,
    incidents: DataLoader<IncidentLoader>,
    timelines: DataLoader<TimelineLoader>,
    timeline_counts: DataLoader<TimelineCountLoader>,
}

impl Loaders {
    pub fn new(services: &Services, viewer: &Viewer) -> Self {
        let s = || services.clone();
        let v = || viewer.clone();
        Self {
            users: DataLoader::new(
                UserLoader {
                    services: s(),
                    viewer: v(),
                },
                tokio::spawn,
            ),
            incidents: DataLoader::new(
                IncidentLoader {
                    services: s(),
                    viewer: v(),
                },
                tokio::spawn,
            ),
            timelines: DataLoader::new(
                TimelineLoader {
                    services: s(),
                    viewer: v(),
                },
                tokio::spawn,
            ),
            timeline_counts: DataLoader::new(
                TimelineCountLoader {
                    services: s(),
                    viewer: v(),
                },
                tokio::spawn,
            ),
        }
    }

    /// The request's loaders; the HTTP layer attaches them to every request.
    pub fn of<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
        ctx.data::<Loaders>()
    }

    pub async fn user(&self, ctx: &Context<'_>, id: &str) -> Result<UserObject> {
        match self.users.load_one(id.to_owned()).await.gql(ctx)? {
            Some(user) => Ok(UserObject(user)),
            // Every id we store was recorded when its token was first seen.
            None => Err(with_code(format!("no user {id}"), code::NOT_FOUND)),
        }
    }

    pub async fn incident(
        &self,
        ctx: &Context<'_>,
        id: IncidentId,
    ) -> Result<Option<IncidentObject>> {
        Ok(self
            .incidents
            .load_one(id)
            .await
            .gql(ctx)?
            .map(IncidentObject))
    }

    pub async fn timeline(&self, ctx: &Context<'_>, key: TimelineKey) -> Result<Vec<Event>> {
        Ok(self
            .timelines
            .load_one(key)
            .await
            .gql(ctx)?
            .unwrap_or_default())
    }

    pub async fn timeline_count(&self, ctx: &Context<'_>, incident: IncidentId) -> Result<i64> {
        Ok(self
            .timeline_counts
            .load_one(incident)
            .await
            .gql(ctx)?
            .unwrap_or(0))
    }
}

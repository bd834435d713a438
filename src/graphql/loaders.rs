//! DataLoaders: nested fields of a page load in one statement per kind, not one per row.
//! A set is created per request, holding the caller, so every batch goes through the use
//! cases' policy checks like any other read.
//!
//! Batching must not depend on timing. async-graphql's loader collects keys until its fetch
//! task runs; spawned on the runtime after a delay, that task races the resolvers, and a slow
//! pass over a page splits the batch. So the fetch tasks go to a per-request `LoaderDriver`
//! that runs them only once the query is stalled: polled until it stops yielding
//! cooperatively (async-graphql's nested `FuturesUnordered`s yield after each pass), that is
//! until every sibling field is waiting on a loader.

use std::collections::HashMap;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, Loader};
use async_graphql::{Context, Result};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;

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

/// Runs the loaders' fetch tasks; poll it next to the query (see the module comment).
pub struct LoaderDriver {
    tasks: mpsc::UnboundedReceiver<BoxFuture<'static, ()>>,
}

impl LoaderDriver {
    /// Runs `query` to completion, running loader batches whenever it is stalled.
    pub async fn drive<F: Future>(self, query: F) -> F::Output {
        let mut query = pin!(query);
        let mut loads = pin!(self.run());
        std::future::poll_fn(move |cx| {
            for _ in 0..MAX_COOPERATIVE_YIELDS {
                let probe = Arc::new(WakeProbe {
                    inner: cx.waker().clone(),
                    woken: AtomicBool::new(false),
                });
                let waker = Waker::from(probe.clone());
                if let Poll::Ready(out) = query.as_mut().poll(&mut TaskContext::from_waker(&waker))
                {
                    return Poll::Ready(out);
                }
                if !probe.woken.load(Ordering::Acquire) {
                    break; // waiting on loaders or I/O, not just yielding
                }
            }
            // `loads` never completes; it registers the waker for its tasks.
            let _ = loads.as_mut().poll(cx);
            Poll::Pending
        })
        .await
    }

    async fn run(mut self) {
        let mut running = FuturesUnordered::new();
        loop {
            tokio::select! {
                Some(task) = self.tasks.recv() => running.push(task),
                Some(()) = running.next(), if !running.is_empty() => {}
                else => std::future::pending::<()>().await,
            }
        }
    }
}

/// A query that keeps yielding without waiting on anything is given to the loaders anyway
/// after this many polls, so a busy query cannot starve them.
const MAX_COOPERATIVE_YIELDS: usize = 64;

/// Wraps the task's waker to learn whether the query woke itself while being polled.
struct WakeProbe {
    inner: Waker,
    woken: AtomicBool,
}

impl Wake for WakeProbe {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

fn loader<K, T>(
    inner: T,
    spawner: impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static,
) -> DataLoader<T>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    T: Loader<K>,
{
    DataLoader::new(inner, spawner).delay(Duration::ZERO)
}

impl Loaders {
    pub fn new(services: &Services, viewer: &Viewer) -> (Self, LoaderDriver) {
        let (tx, tasks) = mpsc::unbounded_channel::<BoxFuture<'static, ()>>();
        let spawner = move |task: BoxFuture<'static, ()>| {
            // The driver lives as long as the request; after it, nothing waits for the result.
            let _ = tx.send(task);
        };
        let s = || services.clone();
        let v = || viewer.clone();
        let loaders = Self {
            users: loader(
                UserLoader {
                    services: s(),
                    viewer: v(),
                },
                spawner.clone(),
            ),
            incidents: loader(
                IncidentLoader {
                    services: s(),
                    viewer: v(),
                },
                spawner.clone(),
            ),
            timelines: loader(
                TimelineLoader {
                    services: s(),
                    viewer: v(),
                },
                spawner.clone(),
            ),
            timeline_counts: loader(
                TimelineCountLoader {
                    services: s(),
                    viewer: v(),
                },
                spawner,
            ),
        };
        (loaders, LoaderDriver { tasks })
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

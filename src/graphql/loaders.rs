//! The request's loaders: nested fields of a page load in one statement per kind, not one
//! per row (see `batch.rs` for how batches form). A set is created per request, holding the
//! caller, so every batch goes through the use cases' policy checks like any other read.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::{Context, Result};

use super::batch::{BatchDriver, BatchLoad, Batcher, LoadError};
use super::error::{GqlResult, code, with_code};
use super::types::{IncidentObject, UserObject};
use crate::auth::Viewer;
use crate::domain::event::Annotation;
use crate::domain::event::Event;
use crate::domain::ids::{EventId, IncidentId, UserId};
use crate::domain::ids::{ProblemId, ReviewId};
use crate::domain::incident::Incident;
use crate::domain::intake::IncidentAlert;
use crate::domain::problem::Problem;
use crate::domain::review::Review;
use crate::domain::review::action_item::ActionItem;
use crate::domain::team::Assignment;
use crate::domain::team::Audience;
use crate::domain::update::Update;
use crate::domain::user::User;
use crate::service::Services;
use crate::service::sla::IncidentSla;
use chrono::{DateTime, Utc};

type LoadResult<K, V> = Result<HashMap<K, V>, LoadError>;

pub struct UserLoader {
    services: Services,
    viewer: Viewer,
}

impl BatchLoad for UserLoader {
    type Key = UserId;
    type Value = User;

    async fn load(&self, keys: Vec<UserId>) -> LoadResult<UserId, User> {
        let keys = keys.as_slice();
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

impl BatchLoad for IncidentLoader {
    type Key = IncidentId;
    type Value = Incident;

    async fn load(&self, keys: Vec<IncidentId>) -> LoadResult<IncidentId, Incident> {
        let keys = keys.as_slice();
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
    pub after: Option<EventId>,
    pub limit: u64,
}

pub struct TimelineLoader {
    services: Services,
    viewer: Viewer,
}

impl BatchLoad for TimelineLoader {
    type Key = TimelineKey;
    type Value = Vec<Event>;

    async fn load(&self, keys: Vec<TimelineKey>) -> LoadResult<TimelineKey, Vec<Event>> {
        let keys = keys.as_slice();
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

impl BatchLoad for TimelineCountLoader {
    type Key = IncidentId;
    type Value = i64;

    async fn load(&self, keys: Vec<IncidentId>) -> LoadResult<IncidentId, i64> {
        let keys = keys.as_slice();
        self.services
            .timeline_counts(&self.viewer, keys)
            .await
            .map_err(Arc::new)
    }
}

/// A loader of one value per key, backed by one batched use case.
macro_rules! batched_loader {
    ($name:ident, $key:ty => $value:ty, |$s:ident, $v:ident, $keys:ident| $load:expr) => {
        pub struct $name {
            services: Services,
            viewer: Viewer,
        }

        impl BatchLoad for $name {
            type Key = $key;
            type Value = $value;

            async fn load(&self, keys: Vec<$key>) -> LoadResult<$key, $value> {
                let $s = &self.services;
                let $v = &self.viewer;
                let $keys = keys.as_slice();
                $load.await.map_err(Arc::new)
            }
        }
    };
}

batched_loader!(AssignmentLoader, IncidentId => Vec<Assignment>, |s, v, keys| s
    .assignments_of(v, keys));
batched_loader!(AlertLoader, IncidentId => Vec<IncidentAlert>, |s, v, keys| s
    .alerts_of(v, keys));
batched_loader!(WatcherLoader, IncidentId => Vec<UserId>, |s, v, keys| s
    .watchers_of(v, keys));
batched_loader!(LabelLoader, IncidentId => Vec<String>, |s, v, keys| s
    .labels_of(v, keys));
batched_loader!(RelatedLoader, IncidentId => Vec<Incident>, |s, v, keys| s
    .related_incidents(v, keys));
/// The newest `limit` status updates of an incident, for one audience or all the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UpdatesKey {
    pub incident: IncidentId,
    pub audience: Option<Audience>,
    pub limit: u64,
}

pub struct UpdateLoader {
    services: Services,
    viewer: Viewer,
}

impl BatchLoad for UpdateLoader {
    type Key = UpdatesKey;
    type Value = Vec<Update>;

    async fn load(&self, keys: Vec<UpdatesKey>) -> LoadResult<UpdatesKey, Vec<Update>> {
        // Keys asking the same question of different incidents load together.
        let mut questions: HashMap<(Option<Audience>, u64), Vec<IncidentId>> = HashMap::new();
        for key in &keys {
            questions
                .entry((key.audience, key.limit))
                .or_default()
                .push(key.incident);
        }
        let mut out = HashMap::new();
        for ((audience, limit), incidents) in questions {
            let mut found = self
                .services
                .updates_of(&self.viewer, &incidents, audience, limit)
                .await
                .map_err(Arc::new)?;
            for incident in incidents {
                let key = UpdatesKey {
                    incident,
                    audience,
                    limit,
                };
                out.insert(key, found.remove(&incident).unwrap_or_default());
            }
        }
        Ok(out)
    }
}
batched_loader!(SlaLoader, IncidentId => IncidentSla, |s, v, keys| s
    .incident_slas(v, keys));
batched_loader!(ProblemLoader, IncidentId => Problem, |s, v, keys| s
    .problems_of_incidents(v, keys));
batched_loader!(ReviewLoader, IncidentId => Review, |s, v, keys| s
    .reviews_of_incidents(v, keys));
batched_loader!(WatchingLoader, IncidentId => bool, |s, v, keys| s
    .watched_by_viewer(v, keys));
batched_loader!(LastBroadcastLoader, IncidentId => DateTime<Utc>, |s, v, keys| s
    .last_broadcasts(v, keys));

// The action items of each review.
batched_loader!(ActionItemLoader, ReviewId => Vec<ActionItem>, |s, v, keys| s
    .action_items_of_reviews(v, keys));

// Reviews by id (an action item's review).
batched_loader!(ReviewByIdLoader, ReviewId => Review, |s, v, keys| s
    .reviews_by_id(v, keys));

// Problems by id (an action item's problem).
batched_loader!(ProblemByIdLoader, ProblemId => Problem, |s, v, keys| s
    .problems_by_id(v, keys));

// The scribe's annotation of each timeline event.
batched_loader!(AnnotationLoader, EventId => Annotation, |s, v, keys| s
    .annotations_of(v, keys));

pub struct Loaders {
    users: Arc<Batcher<UserLoader>>,
    incidents: Arc<Batcher<IncidentLoader>>,
    timelines: Arc<Batcher<TimelineLoader>>,
    timeline_counts: Arc<Batcher<TimelineCountLoader>>,
    assignments: Arc<Batcher<AssignmentLoader>>,
    alerts: Arc<Batcher<AlertLoader>>,
    watchers: Arc<Batcher<WatcherLoader>>,
    labels: Arc<Batcher<LabelLoader>>,
    related: Arc<Batcher<RelatedLoader>>,
    updates: Arc<Batcher<UpdateLoader>>,
    last_broadcasts: Arc<Batcher<LastBroadcastLoader>>,
    annotations: Arc<Batcher<AnnotationLoader>>,
    watching: Arc<Batcher<WatchingLoader>>,
    slas: Arc<Batcher<SlaLoader>>,
    problems: Arc<Batcher<ProblemLoader>>,
    reviews: Arc<Batcher<ReviewLoader>>,
    action_items: Arc<Batcher<ActionItemLoader>>,
    reviews_by_id: Arc<Batcher<ReviewByIdLoader>>,
    problems_by_id: Arc<Batcher<ProblemByIdLoader>>,
}

impl Loaders {
    pub fn new(services: &Services, viewer: &Viewer) -> (Self, BatchDriver) {
        let s = || services.clone();
        let v = || viewer.clone();
        // Each batcher is registered as it is made: one the driver does not know would never
        // load, and its field would wait until the request time limit.
        let mut driver = BatchDriver::default();
        let loaders = Self {
            users: driver.batcher(UserLoader {
                services: s(),
                viewer: v(),
            }),
            incidents: driver.batcher(IncidentLoader {
                services: s(),
                viewer: v(),
            }),
            timelines: driver.batcher(TimelineLoader {
                services: s(),
                viewer: v(),
            }),
            timeline_counts: driver.batcher(TimelineCountLoader {
                services: s(),
                viewer: v(),
            }),
            assignments: driver.batcher(AssignmentLoader {
                services: s(),
                viewer: v(),
            }),
            alerts: driver.batcher(AlertLoader {
                services: s(),
                viewer: v(),
            }),
            watchers: driver.batcher(WatcherLoader {
                services: s(),
                viewer: v(),
            }),
            labels: driver.batcher(LabelLoader {
                services: s(),
                viewer: v(),
            }),
            related: driver.batcher(RelatedLoader {
                services: s(),
                viewer: v(),
            }),
            updates: driver.batcher(UpdateLoader {
                services: s(),
                viewer: v(),
            }),
            last_broadcasts: driver.batcher(LastBroadcastLoader {
                services: s(),
                viewer: v(),
            }),
            annotations: driver.batcher(AnnotationLoader {
                services: s(),
                viewer: v(),
            }),
            watching: driver.batcher(WatchingLoader {
                services: s(),
                viewer: v(),
            }),
            slas: driver.batcher(SlaLoader {
                services: s(),
                viewer: v(),
            }),
            problems: driver.batcher(ProblemLoader {
                services: s(),
                viewer: v(),
            }),
            reviews: driver.batcher(ReviewLoader {
                services: s(),
                viewer: v(),
            }),
            action_items: driver.batcher(ActionItemLoader {
                services: s(),
                viewer: v(),
            }),
            reviews_by_id: driver.batcher(ReviewByIdLoader {
                services: s(),
                viewer: v(),
            }),
            problems_by_id: driver.batcher(ProblemByIdLoader {
                services: s(),
                viewer: v(),
            }),
        };
        (loaders, driver)
    }

    /// The request's loaders; the HTTP layer attaches them to every request.
    pub fn of<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
        ctx.data::<Loaders>()
    }

    pub async fn user(&self, ctx: &Context<'_>, id: &UserId) -> Result<UserObject> {
        match self.users.load_one(id.clone()).await.gql(ctx)? {
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

    /// Every role assignment of the incident, oldest first.
    /// The monitoring alerts on an incident, most recently seen first.
    pub async fn alerts(&self, ctx: &Context<'_>, id: IncidentId) -> Result<Vec<IncidentAlert>> {
        Ok(self.alerts.load_one(id).await.gql(ctx)?.unwrap_or_default())
    }

    pub async fn assignments(&self, ctx: &Context<'_>, id: IncidentId) -> Result<Vec<Assignment>> {
        Ok(self
            .assignments
            .load_one(id)
            .await
            .gql(ctx)?
            .unwrap_or_default())
    }

    /// The user ids watching the incident.
    /// The incident's labels, sorted.
    pub async fn labels(&self, ctx: &Context<'_>, id: IncidentId) -> Result<Vec<String>> {
        Ok(self.labels.load_one(id).await.gql(ctx)?.unwrap_or_default())
    }

    /// The incidents related to the incident, oldest link first.
    pub async fn related(&self, ctx: &Context<'_>, id: IncidentId) -> Result<Vec<IncidentObject>> {
        Ok(self
            .related
            .load_one(id)
            .await
            .gql(ctx)?
            .unwrap_or_default()
            .into_iter()
            .map(IncidentObject)
            .collect())
    }

    pub async fn watchers(&self, ctx: &Context<'_>, id: IncidentId) -> Result<Vec<UserId>> {
        Ok(self
            .watchers
            .load_one(id)
            .await
            .gql(ctx)?
            .unwrap_or_default())
    }

    /// Status updates of an incident the caller may see, newest first.
    pub async fn updates(&self, ctx: &Context<'_>, key: UpdatesKey) -> Result<Vec<Update>> {
        Ok(self
            .updates
            .load_one(key)
            .await
            .gql(ctx)?
            .unwrap_or_default())
    }

    /// When the incident last had an update for stakeholders or the public.
    pub async fn last_broadcast(
        &self,
        ctx: &Context<'_>,
        id: IncidentId,
    ) -> Result<Option<DateTime<Utc>>> {
        self.last_broadcasts.load_one(id).await.gql(ctx)
    }

    /// The annotation beside a timeline event, if any.
    pub async fn annotation(
        &self,
        ctx: &Context<'_>,
        event: EventId,
    ) -> Result<Option<Annotation>> {
        self.annotations.load_one(event).await.gql(ctx)
    }

    /// Whether the caller watches the incident.
    pub async fn watching(&self, ctx: &Context<'_>, incident: IncidentId) -> Result<bool> {
        Ok(self
            .watching
            .load_one(incident)
            .await
            .gql(ctx)?
            .unwrap_or(false))
    }

    /// The problem the incident is linked to, if any.
    pub async fn problem(
        &self,
        ctx: &Context<'_>,
        incident: IncidentId,
    ) -> Result<Option<Problem>> {
        self.problems.load_one(incident).await.gql(ctx)
    }

    /// The incident's post-incident review, if it has one.
    pub async fn review(&self, ctx: &Context<'_>, incident: IncidentId) -> Result<Option<Review>> {
        self.reviews.load_one(incident).await.gql(ctx)
    }

    /// A review by id.
    pub async fn review_by_id(&self, ctx: &Context<'_>, id: ReviewId) -> Result<Option<Review>> {
        self.reviews_by_id.load_one(id).await.gql(ctx)
    }

    /// A problem by id.
    pub async fn problem_by_id(&self, ctx: &Context<'_>, id: ProblemId) -> Result<Option<Problem>> {
        self.problems_by_id.load_one(id).await.gql(ctx)
    }

    /// A review's action items, soonest due first.
    pub async fn action_items(
        &self,
        ctx: &Context<'_>,
        review: ReviewId,
    ) -> Result<Vec<ActionItem>> {
        Ok(self
            .action_items
            .load_one(review)
            .await
            .gql(ctx)?
            .unwrap_or_default())
    }

    /// The incident's SLA clocks now.
    pub async fn sla(&self, ctx: &Context<'_>, incident: IncidentId) -> Result<IncidentSla> {
        self.slas
            .load_one(incident)
            .await
            .gql(ctx)?
            .ok_or_else(|| with_code(format!("no incident {incident}"), code::NOT_FOUND))
    }
}

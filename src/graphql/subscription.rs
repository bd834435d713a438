//! The subscription root: live feeds of committed changes. Resolvers parse arguments, open a
//! feed (which checks them against the database before the stream starts) and convert what
//! the feed hears; filtering and visibility live in `service::subscriptions`.

use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Result, Subscription};
use futures::Stream;

use super::RequestId;
use super::context::{services, viewer};
use super::error::{GqlResult, bad_input, code, to_graphql_for, with_code};
use super::incidents::incident_ref;
use super::problems::problem_ref;
use super::slots::{Slot, SlotHandoff, SubscriptionSlots};
use super::types::enums::{Audience, Priority};
use super::types::problem::ProblemChangedObject;
use super::types::{IncidentObject, StatusUpdateObject, TimelineEventObject};
use crate::domain::DomainError;
use crate::domain::text::Service;
use crate::service::ServiceError;
use crate::service::subscriptions::{EventFilter, Feed, Heard};

#[derive(Default)]
pub struct Subscription;

/// Narrows `incidentEvents`; every field is optional and they combine with AND.
#[derive(InputObject, Default)]
pub struct IncidentEventFilter {
    /// One incident, by id or number.
    pub incident_id: Option<ID>,
    /// Incidents of this service (exact match).
    pub service: Option<String>,
    /// Incidents of this priority or a more urgent one (P1 is the most urgent); an
    /// untriaged incident has no priority and does not match.
    pub min_priority: Option<Priority>,
}

/// A subscription's slot on its connection, with a copy left for the connection (see
/// `slots`). Outside a websocket connection (a schema run in tests) there is no cap.
fn slot(ctx: &Context<'_>) -> Result<Option<Slot>> {
    let slot = ctx
        .data_opt::<Arc<SubscriptionSlots>>()
        .map(|slots| slots.take())
        .transpose()?;
    if let (Some(slot), Some(handoff)) = (&slot, ctx.data_opt::<SlotHandoff>()) {
        handoff.put(slot.clone());
    }
    Ok(slot)
}

fn request_id(ctx: &Context<'_>) -> String {
    ctx.data_opt::<RequestId>()
        .map_or_else(|| "-".to_owned(), |r| r.0.clone())
}

/// What a stream sends for what its feed heard.
fn deliver<T, O>(
    heard: Result<Heard<T>, ServiceError>,
    request_id: &str,
    to_object: impl FnOnce(T) -> O,
) -> Result<O> {
    match heard {
        Ok(Heard::Item(item)) => Ok(to_object(item)),
        Ok(Heard::Missed(n)) => Err(with_code(
            format!("you fell {n} events behind; re-sync by querying"),
            code::RATE_LIMITED,
        )),
        Err(e) => Err(to_graphql_for(request_id, e)),
    }
}

/// Everything a running stream owns; the slot is released when the stream is dropped.
struct Running<F> {
    feed: Feed,
    request_id: String,
    state: F,
    _slot: Option<Slot>,
}

/// Live feeds over the websocket at `/graphql/ws`. Each needs a signed-in
/// caller (`connection_init` carries the token) and sends only what the caller may see.
#[Subscription]
impl Subscription {
    /// Every timeline event you may see, as it is committed. An INTERNAL event reaches
    /// only those who see INTERNAL things. If you fall too far behind, you get one
    /// RATE_LIMITED error saying how many events you missed, and the stream goes on.
    async fn incident_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which events; absent: every event you may see.")] filter: Option<
            IncidentEventFilter,
        >,
    ) -> Result<impl Stream<Item = Result<TimelineEventObject>> + use<>> {
        let filter = filter.unwrap_or_default();
        let target = filter
            .incident_id
            .as_ref()
            .map(incident_ref)
            .transpose()
            .map_err(bad_input)?;
        let service = filter
            .service
            .as_deref()
            .map(Service::parse)
            .transpose()
            .map_err(|e: DomainError| bad_input(e))?;
        let event_filter = EventFilter {
            incident: None,
            service,
            min_priority: filter.min_priority.map(Priority::to_domain),
        };
        let slot = slot(ctx)?;
        let (feed, event_filter) = services(ctx)?
            .event_feed(viewer(ctx)?, target, event_filter)
            .await
            .gql(ctx)?;
        let running = Running {
            feed,
            request_id: request_id(ctx),
            state: event_filter,
            _slot: slot,
        };
        Ok(futures::stream::unfold(running, |mut r| async move {
            let heard = r.feed.next_event(&r.state).await?;
            let item = deliver(heard, &r.request_id, TimelineEventObject);
            Some((item, r))
        }))
    }

    /// The incident after each change of it (each new version).
    async fn incident_updated(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The incident's id or number (`INC-42`).")] id: ID,
    ) -> Result<impl Stream<Item = Result<IncidentObject>> + use<>> {
        let target = incident_ref(&id).map_err(bad_input)?;
        let slot = slot(ctx)?;
        let (feed, incident) = services(ctx)?
            .incident_feed(viewer(ctx)?, target)
            .await
            .gql(ctx)?;
        // Only versions newer than the one the subscriber could have just read count.
        let id = incident.id;
        let running = Running {
            feed,
            request_id: request_id(ctx),
            state: Some(incident.version),
            _slot: slot,
        };
        Ok(futures::stream::unfold(running, move |mut r| async move {
            let heard = r.feed.next_change_of(id, &mut r.state).await?;
            let item = deliver(Ok(heard), &r.request_id, IncidentObject);
            Some((item, r))
        }))
    }

    /// Each change to a problem (to the problem `id`, `PRB-n` or its uuid, if given), as
    /// it is committed, in commit order: its timeline event, the version it made and the
    /// problem after it. A change that fails sends nothing.
    async fn problem_changed(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "One problem, by id or number (`PRB-n`); omitted: every problem.")]
        id: Option<ID>,
    ) -> Result<impl Stream<Item = Result<ProblemChangedObject>> + use<>> {
        let target = id
            .as_ref()
            .map(|id| problem_ref("id", id))
            .transpose()
            .map_err(bad_input)?;
        let slot = slot(ctx)?;
        let (feed, problem) = services(ctx)?
            .problem_feed(viewer(ctx)?, target)
            .await
            .gql(ctx)?;
        let running = Running {
            feed,
            request_id: request_id(ctx),
            state: problem,
            _slot: slot,
        };
        Ok(futures::stream::unfold(running, |mut r| async move {
            let heard = r.feed.next_problem_change(r.state).await?;
            let item = deliver(Ok(heard), &r.request_id, ProblemChangedObject);
            Some((item, r))
        }))
    }

    /// Status updates as they are posted (for `audience`, if given). You get the updates
    /// you may see; if you neither see INTERNAL things nor hold a role on an incident, you
    /// get only the updates of incidents you watch.
    async fn updates_posted(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only updates for this audience; absent: all you may see.")]
        audience: Option<Audience>,
    ) -> Result<impl Stream<Item = Result<StatusUpdateObject>> + use<>> {
        let slot = slot(ctx)?;
        let feed = services(ctx)?.update_feed(viewer(ctx)?).gql(ctx)?;
        let running = Running {
            feed,
            request_id: request_id(ctx),
            state: audience.map(Into::into),
            _slot: slot,
        };
        Ok(futures::stream::unfold(running, |mut r| async move {
            let heard = r.feed.next_update(r.state).await?;
            let item = deliver(heard, &r.request_id, StatusUpdateObject);
            Some((item, r))
        }))
    }
}

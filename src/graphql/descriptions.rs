//! Descriptions of the schema types we cannot annotate: async-graphql's generic Relay
//! connections (named by their node) and the chrono `DateTime` scalar, whose own description
//! ("Implement the DateTime<Utc> scalar") says nothing to a client. Everything else is
//! described by doc comments where it is defined; `tests/api/schema_file.rs` fails on any
//! type, field, argument or enum value left without a description.

use async_graphql::connection::Connection;
use async_graphql::{ObjectType, SchemaBuilder, SubscriptionType};
use chrono::{DateTime, Utc};

use super::types::incident::TimelineConnection;
use super::types::integration::IncidentAlerts;
use super::types::problem::{LinkedIncidents, ProblemObject};
use super::types::review::ActionItemObject;
use super::types::webhook::WebhookDeliveryObject;
use super::{automation, incidents, knowledge, problems, reviews, users};

/// How a client writes and reads an instant. The year bounds are `domain::timestamp`'s.
const DATE_TIME: &str = "An instant, as an RFC 3339 string with a time zone offset, e.g. \
\"2026-03-01T14:30:00Z\" or \"2026-03-01T15:30:00+01:00\". Stored and returned in UTC (`Z`). \
Periods and filters (search, metrics, problem candidates) accept years 1970 to 9999; an \
instant outside them is refused with BAD_USER_INPUT.";

/// Every connection pages the same way; this says how, once per connection type.
macro_rules! connection_description {
    ($what:literal) => {
        concat!(
            "A page of ",
            $what,
            " (Relay cursor connection). Ask for at most 100 per page with `first` (the \
             server's `limits.page_size`); pass `pageInfo.endCursor` as `after` for the next page \
             while `pageInfo.hasNextPage`."
        )
    };
}

/// `builder` with the descriptions of the types above set.
pub fn describe<Q, M, S>(builder: SchemaBuilder<Q, M, S>) -> SchemaBuilder<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    builder
        .override_input_type_description::<DateTime<Utc>>(DATE_TIME)
        .override_output_type_description::<DateTime<Utc>>(DATE_TIME)
        .override_output_type_description::<incidents::IncidentConnection>(
            connection_description!("incidents"),
        )
        .override_output_type_description::<TimelineConnection>(connection_description!(
            "an incident's timeline events, oldest first"
        ))
        .override_output_type_description::<IncidentAlerts>(connection_description!(
            "an incident's alerts, most recently seen first"
        ))
        .override_output_type_description::<users::UserConnection>(connection_description!(
            "people"
        ))
        .override_output_type_description::<automation::AutomationRunConnection>(
            connection_description!("an automation rule's firings, newest first"),
        )
        .override_output_type_description::<Connection<String, ProblemObject, problems::ProblemListFields>>(
            connection_description!("problems"),
        )
        .override_output_type_description::<LinkedIncidents>(connection_description!(
            "the incidents linked to a problem, oldest link first"
        ))
        .override_output_type_description::<Connection<String, ActionItemObject, reviews::ActionItemListFields>>(
            connection_description!("action items, soonest due first"),
        )
        .override_output_type_description::<Connection<String, WebhookDeliveryObject>>(
            connection_description!("a webhook's deliveries, newest first"),
        )
        .override_output_type_description::<knowledge::ResolutionSearchConnection>(
            connection_description!(
                "search results: past incidents (`node`) and known errors (`problem` on the edge), best first"
            ),
        )
}

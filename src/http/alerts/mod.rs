//! Alert intake, the transport half: one module per monitoring format, each reading a request
//! body into domain `Alert`s (`domain/alert`). Pure functions of the body: no database.
//! `routes` is the HTTP layer: it picks the module by the endpoint, answers 400 with the
//! `AlertError` (Events v2 in PagerDuty's own reply shape, `events_v2::error_reply`) and hands
//! the alerts to the intake use cases.

pub mod alertmanager;
pub mod events_v2;
pub mod generic;
pub mod grafana;
mod json;
pub mod routes;
mod webhook;

use crate::domain::alert::{Alert, AlertError, AlertFormat, Grouping};
use crate::domain::secret::Secret;

/// What a body held.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// In the order sent; a grouped webhook gives at most one.
    pub alerts: Vec<Alert>,
    /// Events v2 only: the `routing_key` the sender authenticates with.
    pub routing_key: Option<Secret>,
}

/// Reads `body` as `format`. `grouping` applies to the webhook formats (Alertmanager,
/// Grafana); an Events v2 event and a generic alert are always one alert each.
pub fn parse(format: AlertFormat, body: &[u8], grouping: Grouping) -> Result<Parsed, AlertError> {
    match format {
        AlertFormat::Alertmanager => alertmanager::parse(body, grouping),
        AlertFormat::Grafana => grafana::parse(body, grouping),
        AlertFormat::EventsV2 => events_v2::parse(body, grouping),
        AlertFormat::Generic => generic::parse(body, grouping),
    }
}

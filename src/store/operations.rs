//! Aggregate counts for operators (the `/metrics` endpoint): grouped `COUNT(*)`s only, so no
//! title, id or name leaves the database on this path. Each query filters on the leading
//! column of an existing index (`incidents.status`, `sla_notices.kind`,
//! `webhook_deliveries.state`).

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::entity::{incident, sla_notice, webhook_delivery};
use crate::domain::lifecycle::Status;
use crate::domain::priority::Priority;
use crate::domain::sla::clock::NoticeKind;
use crate::domain::sla::policy::ClockKind;
use crate::domain::webhook::DeliveryState;

/// How many open incidents share a priority (`None`: not triaged yet) and a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenIncidents {
    pub priority: Option<Priority>,
    pub status: Status,
    pub count: u64,
}

/// How many breaches were recorded for a clock at a priority (`None`: the incident was not
/// triaged yet, which `sla_notices` stores as priority 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Breaches {
    pub clock: ClockKind,
    pub priority: Option<Priority>,
    pub count: u64,
}

/// Webhook deliveries still to be sent, and those given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Deliveries {
    pub pending: u64,
    pub failed: u64,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// Open incidents grouped by priority and status. A row with a value this build does not
/// know (a newer node's) is left out rather than failing the whole scrape.
pub async fn open_incidents(conn: &impl ConnectionTrait) -> Result<Vec<OpenIncidents>, DbErr> {
    use incident::Column as C;
    let open: Vec<&str> = Status::ALL
        .into_iter()
        .filter(|s| s.is_open())
        .map(Status::as_str)
        .collect();
    let rows: Vec<(Option<i16>, String, i64)> = incident::Entity::find()
        .select_only()
        .column(C::Priority)
        .column(C::Status)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(C::Status.is_in(open))
        .group_by(C::Priority)
        .group_by(C::Status)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(priority, status, n)| {
            let priority = match priority {
                None => None,
                Some(rank) => Some(Priority::from_rank(rank)?),
            };
            Some(OpenIncidents {
                priority,
                status: Status::parse(&status)?,
                count: count(n),
            })
        })
        .collect())
}

/// Every breach recorded so far, grouped by clock and priority.
pub async fn breaches(conn: &impl ConnectionTrait) -> Result<Vec<Breaches>, DbErr> {
    use sla_notice::Column as C;
    let rows: Vec<(String, i32, i64)> = sla_notice::Entity::find()
        .select_only()
        .column(C::Clock)
        .column(C::Priority)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(C::Kind.eq(NoticeKind::Breached.as_str()))
        .group_by(C::Clock)
        .group_by(C::Priority)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(clock, priority, n)| {
            let priority = match priority {
                0 => None,
                rank => Some(Priority::from_rank(i16::try_from(rank).ok()?)?),
            };
            Some(Breaches {
                clock: ClockKind::parse(&clock)?,
                priority,
                count: count(n),
            })
        })
        .collect())
}

/// Deliveries pending and failed (delivered ones, the bulk of the table, are not counted).
pub async fn deliveries(conn: &impl ConnectionTrait) -> Result<Deliveries, DbErr> {
    use webhook_delivery::Column as C;
    let pending = DeliveryState::Pending.as_str();
    let failed = DeliveryState::Failed.as_str();
    let rows: Vec<(String, i64)> = webhook_delivery::Entity::find()
        .select_only()
        .column(C::State)
        .column_as(Expr::cust("COUNT(*)"), "n")
        .filter(C::State.is_in([pending, failed]))
        .group_by(C::State)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = Deliveries::default();
    for (state, n) in rows {
        if state == pending {
            out.pending = count(n);
        } else if state == failed {
            out.failed = count(n);
        }
    }
    Ok(out)
}

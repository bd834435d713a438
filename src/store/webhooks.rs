//! Webhooks and their delivery outbox. Deliveries are inserted in the transaction of the
//! change they announce; workers on any node claim due ones with a lease.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    FromQueryResult, QueryFilter, QueryOrder, QuerySelect, Set, Statement, Value,
};

use super::columns::column;
use super::entity::webhook::{self, Entity as Webhooks};
use super::entity::webhook_delivery::{self, Entity as Deliveries};
use crate::domain::ids::{DeliveryId, UserId, WebhookId};
use crate::domain::secret::Secret;
use crate::domain::webhook::{Delivery, DeliveryKind, Webhook};
use crate::domain::webhook::{DeliveryState, EventFilter};

impl TryFrom<webhook::Model> for Webhook {
    type Error = DbErr;

    fn try_from(m: webhook::Model) -> Result<Self, DbErr> {
        Ok(Self {
            id: WebhookId(m.id),
            url: m.url,
            events: EventFilter::from_column(&m.events),
            secret: Secret::new(m.secret),
            format: column(&m.format)?,
            enabled: m.enabled,
            created_at: m.created_at,
            created_by: UserId::from(m.created_by),
        })
    }
}

pub async fn insert(conn: &impl ConnectionTrait, w: &Webhook) -> Result<(), DbErr> {
    let row = webhook::ActiveModel {
        id: Set(w.id.0),
        url: Set(w.url.clone()),
        events: Set(w.events.to_column()),
        secret: Set(w.secret.expose().to_owned()),
        format: Set(w.format.as_str().to_owned()),
        enabled: Set(w.enabled),
        created_at: Set(w.created_at),
        created_by: Set(w.created_by.as_str().to_owned()),
    };
    Webhooks::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Every webhook, oldest first.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<Webhook>, DbErr> {
    Webhooks::find()
        .order_by_asc(webhook::Column::CreatedAt)
        .order_by_asc(webhook::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Webhook::try_from)
        .collect()
}

/// The enabled webhooks: who hears of a change now.
pub async fn enabled(conn: &impl ConnectionTrait) -> Result<Vec<Webhook>, DbErr> {
    Webhooks::find()
        .filter(webhook::Column::Enabled.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(Webhook::try_from)
        .collect()
}

pub async fn find(conn: &impl ConnectionTrait, id: WebhookId) -> Result<Option<Webhook>, DbErr> {
    Webhooks::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Webhook::try_from)
        .transpose()
}

pub async fn find_many(
    conn: &impl ConnectionTrait,
    ids: &[WebhookId],
) -> Result<Vec<Webhook>, DbErr> {
    Webhooks::find()
        .filter(webhook::Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(conn)
        .await?
        .into_iter()
        .map(Webhook::try_from)
        .collect()
}

/// `false` if there is no such webhook.
pub async fn set_enabled(
    conn: &impl ConnectionTrait,
    id: WebhookId,
    enabled: bool,
) -> Result<bool, DbErr> {
    let result = Webhooks::update_many()
        .col_expr(webhook::Column::Enabled, enabled.into())
        .filter(webhook::Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes the webhook and its delivery history; `false` if there is no such webhook.
pub async fn delete(conn: &impl ConnectionTrait, id: WebhookId) -> Result<bool, DbErr> {
    Deliveries::delete_many()
        .filter(webhook_delivery::Column::WebhookId.eq(id.0))
        .exec(conn)
        .await?;
    let result = Webhooks::delete_by_id(id.0).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

impl TryFrom<webhook_delivery::Model> for Delivery {
    type Error = DbErr;

    fn try_from(m: webhook_delivery::Model) -> Result<Self, DbErr> {
        Ok(Self {
            seq: m.seq,
            id: DeliveryId(m.id),
            webhook_id: WebhookId(m.webhook_id),
            subject_id: m.incident_id,
            event_id: m.event_id,
            event_kind: column(&m.event_kind)?,
            body: m.body,
            state: column(&m.state)?,
            attempts: m.attempts,
            created_at: m.created_at,
            next_attempt_at: m.next_attempt_at,
            lease_until: m.lease_until,
            last_attempt_at: m.last_attempt_at,
            last_status: m.last_status,
            last_error: m.last_error,
            delivered_at: m.delivered_at,
        })
    }
}

pub struct NewDelivery {
    pub webhook_id: WebhookId,
    /// The incident, or for a problem event the problem (kept in the `incident_id` column:
    /// the key that orders one subject's deliveries to one webhook).
    pub subject_id: uuid::Uuid,
    pub event_id: i64,
    pub event_kind: DeliveryKind,
    pub body: String,
    pub at: DateTime<Utc>,
}

/// Queues deliveries (in the caller's transaction), due at once.
pub async fn enqueue(conn: &impl ConnectionTrait, new: Vec<NewDelivery>) -> Result<(), DbErr> {
    if new.is_empty() {
        return Ok(());
    }
    let rows = new.into_iter().map(|d| webhook_delivery::ActiveModel {
        seq: NotSet,
        id: Set(DeliveryId::new().0),
        webhook_id: Set(d.webhook_id.0),
        incident_id: Set(d.subject_id),
        event_id: Set(d.event_id),
        event_kind: Set(d.event_kind.as_str().to_owned()),
        body: Set(d.body),
        state: Set(DeliveryState::Pending.as_str().to_owned()),
        attempts: Set(0),
        created_at: Set(d.at),
        next_attempt_at: Set(d.at),
        lease_until: Set(None),
        last_attempt_at: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
    });
    Deliveries::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A webhook's deliveries, newest first, older than `before` (a `seq`).
pub async fn page(
    conn: &impl ConnectionTrait,
    webhook: WebhookId,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    let mut query = Deliveries::find().filter(webhook_delivery::Column::WebhookId.eq(webhook.0));
    if let Some(before) = before {
        query = query.filter(webhook_delivery::Column::Seq.lt(before));
    }
    query
        .order_by_desc(webhook_delivery::Column::Seq)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Delivery::try_from)
        .collect()
}

/// Leases up to `limit` due deliveries until `lease_until`, and returns them.
///
/// A delivery is due when it is pending, its next attempt time has come, nobody holds an
/// unexpired lease on it, its webhook is enabled, and no earlier delivery of the same incident
/// to the same webhook is still pending (order per incident). The outer condition is checked
/// again on the locked row, so two nodes running this at once never lease the same delivery:
/// on PostgreSQL the second waits for the first's row lock and then sees the fresh lease; on
/// SQLite writers are serialized anyway.
pub async fn claim(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Delivery>, DbErr> {
    let sql = "UPDATE webhook_deliveries SET lease_until = $1 \
        WHERE seq IN ( \
            SELECT d.seq FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
            WHERE d.state = 'PENDING' AND w.enabled = TRUE AND d.next_attempt_at <= $2 \
              AND (d.lease_until IS NULL OR d.lease_until <= $2) \
              AND NOT EXISTS ( \
                SELECT 1 FROM webhook_deliveries e \
                WHERE e.webhook_id = d.webhook_id AND e.incident_id = d.incident_id \
                  AND e.state = 'PENDING' AND e.seq < d.seq) \
            ORDER BY d.seq LIMIT $3) \
        AND state = 'PENDING' AND (lease_until IS NULL OR lease_until <= $2) \
        RETURNING *";
    let values: [Value; 3] = [lease_until.into(), now.into(), (limit as i64).into()];
    let backend = conn.get_database_backend();
    let stmt = Statement::from_sql_and_values(backend, placeholders(backend, sql), values);
    let rows = webhook_delivery::Model::find_by_statement(stmt)
        .all(conn)
        .await?;
    let mut out: Vec<Delivery> = rows
        .into_iter()
        .map(Delivery::try_from)
        .collect::<Result<_, _>>()?;
    out.sort_by_key(|d| d.seq);
    Ok(out)
}

/// SQLite reads `$1` as a named parameter; `?1` is its numbered form.
fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// What one attempt came to.
pub struct Outcome {
    pub state: DeliveryState,
    pub at: DateTime<Utc>,
    pub next_attempt_at: DateTime<Utc>,
    pub status: Option<i32>,
    pub error: Option<String>,
}

/// Records an attempt of a delivery leased until `lease_until`. Does nothing if the lease was
/// lost (it expired and someone else took the delivery): their record wins.
pub async fn record_attempt(
    conn: &impl ConnectionTrait,
    delivery: &Delivery,
    lease_until: DateTime<Utc>,
    outcome: Outcome,
) -> Result<bool, DbErr> {
    use webhook_delivery::Column as C;
    let delivered = outcome.state == DeliveryState::Delivered;
    let result = Deliveries::update_many()
        .col_expr(C::State, outcome.state.as_str().into())
        .col_expr(C::Attempts, (delivery.attempts + 1).into())
        .col_expr(C::LastAttemptAt, Some(outcome.at).into())
        .col_expr(C::NextAttemptAt, outcome.next_attempt_at.into())
        .col_expr(C::LastStatus, outcome.status.into())
        .col_expr(C::LastError, outcome.error.into())
        .col_expr(C::DeliveredAt, delivered.then_some(outcome.at).into())
        .col_expr(C::LeaseUntil, Option::<DateTime<Utc>>::None.into())
        .filter(C::Seq.eq(delivery.seq))
        .filter(C::LeaseUntil.eq(lease_until))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

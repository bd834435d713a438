//! Alert keys and the alerts on each incident. `claim_keys` is the dedup: an insert that
//! either takes each (integration, dedup key) row or finds it taken; `holders` then locks the
//! taken rows (PostgreSQL), so every later alert of one key is handled one at a time, on
//! however many nodes. Each reads or writes a whole group of alerts in one statement.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::{Expr, ExprTrait, LockType, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::columns::{column, nullable};
use super::entity::alert_key::{self, Entity as Keys};
use super::entity::incident_alert::{self, Entity as Alerts};
use crate::domain::alert::{AlertStatus, Link};
use crate::domain::ids::{IncidentId, IntegrationId};
use crate::domain::intake::IncidentAlert;

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredLink {
    href: String,
    text: Option<String>,
}

impl TryFrom<incident_alert::Model> for IncidentAlert {
    type Error = DbErr;

    fn try_from(m: incident_alert::Model) -> Result<Self, DbErr> {
        let json =
            |what: &str, e: serde_json::Error| DbErr::Type(format!("stored alert {what}: {e}"));
        let links: Vec<StoredLink> =
            serde_json::from_str(&m.links).map_err(|e| json("links", e))?;
        Ok(Self {
            incident_id: IncidentId(m.incident_id),
            integration_id: IntegrationId(m.integration_id),
            integration_name: m.integration_name,
            dedup_key: m.dedup_key,
            state: column(&m.state)?,
            severity: nullable(m.severity.as_deref())?,
            count: m.count,
            first_seen_at: m.first_seen_at,
            last_seen_at: m.last_seen_at,
            labels: serde_json::from_str::<BTreeMap<String, String>>(&m.labels)
                .map_err(|e| json("labels", e))?,
            annotations: serde_json::from_str::<BTreeMap<String, String>>(&m.annotations)
                .map_err(|e| json("annotations", e))?,
            links: links
                .into_iter()
                .map(|l| Link {
                    href: l.href,
                    text: l.text,
                })
                .collect(),
            previous_incident_id: m.previous_incident_id.map(IncidentId),
        })
    }
}

/// One alert key: the integration and its dedup key.
pub type KeyId = (IntegrationId, String);

/// Takes every key of `keys` that nobody holds, each for the incident beside it, in one
/// statement; returns the keys taken. `keys` come sorted (integration, dedup key), so rows are
/// inserted, and their locks taken, in the order every group uses.
pub async fn claim_keys(
    conn: &impl ConnectionTrait,
    keys: &[(IntegrationId, &str, IncidentId)],
) -> Result<HashSet<KeyId>, DbErr> {
    use alert_key::Column as K;
    if keys.is_empty() {
        return Ok(HashSet::new());
    }
    let mut insert = Query::insert();
    insert
        .into_table(Keys)
        .columns([K::IntegrationId, K::DedupKey, K::IncidentId]);
    for (integration, key, incident) in keys {
        insert
            .values([integration.0.into(), (*key).into(), incident.0.into()])
            .map_err(|e| DbErr::Custom(format!("claiming alert keys: {e}")))?;
    }
    insert
        .on_conflict(
            OnConflict::columns([K::IntegrationId, K::DedupKey])
                .do_nothing()
                .to_owned(),
        )
        .returning(Query::returning().columns([K::IntegrationId, K::DedupKey]));
    let mut taken = HashSet::new();
    for row in conn.query_all(&insert).await? {
        let integration: uuid::Uuid = row.try_get("", "integration_id")?;
        let key: String = row.try_get("", "dedup_key")?;
        taken.insert((IntegrationId(integration), key));
    }
    Ok(taken)
}

/// The incident each of `keys` points at, with the keys' rows locked until the transaction
/// ends (`FOR UPDATE` on PostgreSQL, in key order; SQLite's one writer holds everything
/// already). One statement for the whole group.
pub async fn holders(
    conn: &impl ConnectionTrait,
    keys: &[(IntegrationId, &str)],
) -> Result<HashMap<KeyId, IncidentId>, DbErr> {
    use alert_key::Column as K;
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut select = Query::select();
    select
        .columns([K::IntegrationId, K::DedupKey, K::IncidentId])
        .from(Keys)
        .and_where(
            Expr::tuple([Expr::col(K::IntegrationId), Expr::col(K::DedupKey)]).in_tuples(
                keys.iter()
                    .map(|(integration, key)| (integration.0, (*key).to_owned())),
            ),
        )
        .order_by(K::IntegrationId, Order::Asc)
        .order_by(K::DedupKey, Order::Asc);
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        select.lock(LockType::Update);
    }
    let mut out = HashMap::new();
    for row in conn.query_all(&select).await? {
        let integration: uuid::Uuid = row.try_get("", "integration_id")?;
        let key: String = row.try_get("", "dedup_key")?;
        let incident: uuid::Uuid = row.try_get("", "incident_id")?;
        out.insert((IntegrationId(integration), key), IncidentId(incident));
    }
    Ok(out)
}

/// The alert rows on incidents, by (incident, integration, dedup key): one statement.
pub async fn find_many(
    conn: &impl ConnectionTrait,
    rows: &[(IncidentId, IntegrationId, &str)],
) -> Result<HashMap<(IncidentId, KeyId), IncidentAlert>, DbErr> {
    use incident_alert::Column as A;
    if rows.is_empty() {
        return Ok(HashMap::new());
    }
    let found =
        Alerts::find()
            .filter(
                Expr::tuple([
                    Expr::col(A::IncidentId),
                    Expr::col(A::IntegrationId),
                    Expr::col(A::DedupKey),
                ])
                .in_tuples(rows.iter().map(|(incident, integration, key)| {
                    (incident.0, integration.0, (*key).to_owned())
                })),
            )
            .all(conn)
            .await?;
    found
        .into_iter()
        .map(|m| {
            let alert = IncidentAlert::try_from(m)?;
            let id = (
                alert.incident_id,
                (alert.integration_id, alert.dedup_key.clone()),
            );
            Ok((id, alert))
        })
        .collect()
}

/// Points the key at a newer incident.
pub async fn repoint(
    conn: &impl ConnectionTrait,
    integration: IntegrationId,
    dedup_key: &str,
    incident: IncidentId,
) -> Result<(), DbErr> {
    Keys::update_many()
        .col_expr(
            alert_key::Column::IncidentId,
            sea_orm::sea_query::Expr::value(incident.0),
        )
        .filter(alert_key::Column::IntegrationId.eq(integration.0))
        .filter(alert_key::Column::DedupKey.eq(dedup_key))
        .exec(conn)
        .await?;
    Ok(())
}

/// Writes the alerts as they are now, each inserted or replacing its row, in one statement
/// (the caller holds their keys, so nobody writes them meanwhile).
pub async fn save_many<'a>(
    conn: &impl ConnectionTrait,
    alerts: impl IntoIterator<Item = &'a IncidentAlert>,
) -> Result<(), DbErr> {
    use incident_alert::Column as A;
    let rows = alerts
        .into_iter()
        .map(active)
        .collect::<Result<Vec<_>, _>>()?;
    if rows.is_empty() {
        return Ok(());
    }
    Alerts::insert_many(rows)
        .on_conflict(
            OnConflict::columns([A::IncidentId, A::IntegrationId, A::DedupKey])
                .update_columns([
                    A::IntegrationName,
                    A::State,
                    A::Severity,
                    A::Count,
                    A::FirstSeenAt,
                    A::LastSeenAt,
                    A::Labels,
                    A::Annotations,
                    A::Links,
                    A::PreviousIncidentId,
                ])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn active(a: &IncidentAlert) -> Result<incident_alert::ActiveModel, DbErr> {
    let links: Vec<StoredLink> = a
        .links
        .iter()
        .map(|l| StoredLink {
            href: l.href.clone(),
            text: l.text.clone(),
        })
        .collect();
    let encode = |v: serde_json::Result<String>| v.map_err(|e| DbErr::Custom(e.to_string()));
    let row = incident_alert::ActiveModel {
        incident_id: Set(a.incident_id.0),
        integration_id: Set(a.integration_id.0),
        dedup_key: Set(a.dedup_key.clone()),
        integration_name: Set(a.integration_name.clone()),
        state: Set(a.state.as_str().to_owned()),
        severity: Set(a.severity.map(|s| s.as_str().to_owned())),
        count: Set(a.count),
        first_seen_at: Set(a.first_seen_at),
        last_seen_at: Set(a.last_seen_at),
        labels: Set(encode(serde_json::to_string(&a.labels))?),
        annotations: Set(encode(serde_json::to_string(&a.annotations))?),
        links: Set(encode(serde_json::to_string(&links))?),
        previous_incident_id: Set(a.previous_incident_id.map(|i| i.0)),
    };
    Ok(row)
}

/// Whether every alert on the incident has cleared.
pub async fn all_resolved(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<bool, DbErr> {
    let open = Alerts::find()
        .filter(incident_alert::Column::IncidentId.eq(incident.0))
        .filter(incident_alert::Column::State.ne(AlertStatus::Resolved.as_str()))
        .count(conn)
        .await?;
    Ok(open == 0)
}

/// The alerts of each incident, most recently seen first.
pub async fn of(
    conn: &impl ConnectionTrait,
    incidents: &[IncidentId],
) -> Result<HashMap<IncidentId, Vec<IncidentAlert>>, DbErr> {
    let mut out: HashMap<IncidentId, Vec<IncidentAlert>> = HashMap::new();
    if incidents.is_empty() {
        return Ok(out);
    }
    let rows = Alerts::find()
        .filter(incident_alert::Column::IncidentId.is_in(incidents.iter().map(|i| i.0)))
        .order_by_desc(incident_alert::Column::LastSeenAt)
        .all(conn)
        .await?;
    for row in rows {
        let alert = IncidentAlert::try_from(row)?;
        out.entry(alert.incident_id).or_default().push(alert);
    }
    Ok(out)
}

//! Alert keys and the alerts on each incident. `claim_key` is the dedup: an insert that
//! either takes the (integration, dedup key) row or finds it taken; `holder` then locks the
//! taken row (PostgreSQL), so every later alert of one key is handled one at a time, on
//! however many nodes.

use std::collections::{BTreeMap, HashMap};

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
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

/// Takes the key for `incident`; `false` when another incident holds it already.
pub async fn claim_key(
    conn: &impl ConnectionTrait,
    integration: IntegrationId,
    dedup_key: &str,
    incident: IncidentId,
) -> Result<bool, DbErr> {
    let row = alert_key::ActiveModel {
        integration_id: Set(integration.0),
        dedup_key: Set(dedup_key.to_owned()),
        incident_id: Set(incident.0),
    };
    let inserted = Keys::insert(row)
        .on_conflict(
            OnConflict::columns([
                alert_key::Column::IntegrationId,
                alert_key::Column::DedupKey,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// The incident the key points at, with the key's row locked until the transaction ends
/// (`FOR UPDATE` on PostgreSQL; SQLite's one writer holds everything already).
pub async fn holder(
    conn: &impl ConnectionTrait,
    integration: IntegrationId,
    dedup_key: &str,
) -> Result<Option<IncidentId>, DbErr> {
    let mut query = Keys::find()
        .filter(alert_key::Column::IntegrationId.eq(integration.0))
        .filter(alert_key::Column::DedupKey.eq(dedup_key));
    if conn.get_database_backend() == sea_orm::DbBackend::Postgres {
        query = query.lock_exclusive();
    }
    Ok(query.one(conn).await?.map(|m| IncidentId(m.incident_id)))
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

/// The alert's row on an incident, if it was seen there.
pub async fn find(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    integration: IntegrationId,
    dedup_key: &str,
) -> Result<Option<IncidentAlert>, DbErr> {
    Alerts::find_by_id((incident.0, integration.0, dedup_key.to_owned()))
        .one(conn)
        .await?
        .map(IncidentAlert::try_from)
        .transpose()
}

/// Writes the alert as it is now: the first sighting inserts, a later one replaces the row
/// (the caller holds the key, so nobody writes it meanwhile).
pub async fn save(conn: &impl ConnectionTrait, a: &IncidentAlert, new: bool) -> Result<(), DbErr> {
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
    if new {
        Alerts::insert(row).exec_without_returning(conn).await?;
    } else {
        Alerts::update(row).exec(conn).await?;
    }
    Ok(())
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

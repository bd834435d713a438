//! Alert integrations: rows, and the key lookup the intake endpoints authenticate with.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::columns::column;
use super::entity::integration::{ActiveModel, Column, Entity, Model};
use crate::domain::alert::SeverityMapping;
use crate::domain::ids::{IntegrationId, UserId};
use crate::domain::integration::{
    Integration, IntegrationDraft, IntegrationName, KeyHash, severity_rows,
};
use crate::domain::text::{Category, Service};

#[derive(serde::Serialize, serde::Deserialize)]
struct MappingRow {
    severity: String,
    impact: String,
    urgency: String,
}

fn map_to_column(draft: &IntegrationDraft) -> String {
    let rows: Vec<MappingRow> = severity_rows(&draft.severity_map)
        .into_iter()
        .map(|r| MappingRow {
            severity: r.severity,
            impact: r.impact,
            urgency: r.urgency,
        })
        .collect();
    serde_json::to_string(&rows).unwrap_or_default()
}

fn stored(what: &str, e: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!("stored integration {what}: {e}"))
}

impl TryFrom<Model> for Integration {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        let rows: Vec<MappingRow> =
            serde_json::from_str(&m.severity_map).map_err(|e| stored("severity map", e))?;
        let rows: Vec<SeverityMapping> = rows
            .into_iter()
            .map(|r| SeverityMapping {
                severity: r.severity,
                impact: r.impact,
                urgency: r.urgency,
            })
            .collect();
        let draft = IntegrationDraft {
            name: IntegrationName::parse(&m.name).map_err(|e| stored("name", e))?,
            format: column(&m.format)?,
            service: Service::parse(&m.service).map_err(|e| stored("service", e))?,
            category: m
                .category
                .as_deref()
                .map(Category::parse)
                .transpose()
                .map_err(|e| stored("category", e))?,
            grouping: column(&m.grouping)?,
            severity_map: crate::domain::integration::severity_map(&rows)
                .map_err(|e| stored("severity map", e))?,
            auto_resolve: m.auto_resolve,
        };
        Ok(Self {
            id: IntegrationId(m.id),
            draft,
            enabled: m.enabled,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
            created_by: UserId::from(m.created_by),
            key_issued_at: m.key_issued_at,
            previous_key_expires_at: m.previous_key_expires_at,
        })
    }
}

fn draft_columns(row: &mut ActiveModel, d: &IntegrationDraft) {
    row.name = Set(d.name.as_str().to_owned());
    row.format = Set(d.format.as_str().to_owned());
    row.service = Set(d.service.as_str().to_owned());
    row.category = Set(d.category.as_ref().map(|c| c.as_str().to_owned()));
    row.grouping = Set(d.grouping.as_str().to_owned());
    row.severity_map = Set(map_to_column(d));
    row.auto_resolve = Set(d.auto_resolve);
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    i: &Integration,
    key: &KeyHash,
) -> Result<(), DbErr> {
    let mut row = ActiveModel {
        id: Set(i.id.0),
        enabled: Set(i.enabled),
        key_hash: Set(key.as_str().to_owned()),
        key_issued_at: Set(i.key_issued_at),
        previous_key_hash: Set(None),
        previous_key_expires_at: Set(None),
        version: Set(i.version),
        created_at: Set(i.created_at),
        updated_at: Set(i.updated_at),
        created_by: Set(i.created_by.as_str().to_owned()),
        ..Default::default()
    };
    draft_columns(&mut row, &i.draft);
    Entity::insert(row).exec_without_returning(conn).await?;
    Ok(())
}

/// Every integration, by name.
pub async fn list(conn: &impl ConnectionTrait) -> Result<Vec<Integration>, DbErr> {
    Entity::find()
        .order_by_asc(Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .map(Integration::try_from)
        .collect()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    id: IntegrationId,
) -> Result<Option<Integration>, DbErr> {
    Entity::find_by_id(id.0)
        .one(conn)
        .await?
        .map(Integration::try_from)
        .transpose()
}

/// Whether another integration (not `except`) has this name.
pub async fn name_taken(
    conn: &impl ConnectionTrait,
    name: &IntegrationName,
    except: Option<IntegrationId>,
) -> Result<bool, DbErr> {
    let mut q = Entity::find().filter(Column::Name.eq(name.as_str()));
    if let Some(id) = except {
        q = q.filter(Column::Id.ne(id.0));
    }
    Ok(q.one(conn).await?.is_some())
}

/// The integration whose current key, or previous key still in its grace period at `now`,
/// hashes to `hash`, with the stored hash it matched (for the constant-time check).
pub async fn by_key(
    conn: &impl ConnectionTrait,
    hash: &KeyHash,
    now: DateTime<Utc>,
) -> Result<Option<(Integration, KeyHash)>, DbErr> {
    let found = Entity::find()
        .filter(
            Condition::any().add(Column::KeyHash.eq(hash.as_str())).add(
                Condition::all()
                    .add(Column::PreviousKeyHash.eq(hash.as_str()))
                    .add(Column::PreviousKeyExpiresAt.gt(now)),
            ),
        )
        .one(conn)
        .await?;
    let Some(m) = found else { return Ok(None) };
    let matched = if m.key_hash == hash.as_str() {
        m.key_hash.clone()
    } else {
        m.previous_key_hash.clone().unwrap_or_default()
    };
    Ok(Some((
        Integration::try_from(m)?,
        KeyHash::from_stored(matched),
    )))
}

/// Writes `next`'s settings if the row is still at `expected_version`.
pub async fn update_if_version(
    conn: &impl ConnectionTrait,
    next: &Integration,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let mut row = ActiveModel {
        enabled: Set(next.enabled),
        version: Set(next.version),
        updated_at: Set(next.updated_at),
        ..Default::default()
    };
    draft_columns(&mut row, &next.draft);
    let done = Entity::update_many()
        .set(row)
        .filter(Column::Id.eq(next.id.0))
        .filter(Column::Version.eq(expected_version))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Issues `key` as the current key; the current one keeps working until `grace_until`.
pub async fn rotate_key(
    conn: &impl ConnectionTrait,
    id: IntegrationId,
    key: &KeyHash,
    now: DateTime<Utc>,
    grace_until: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let done = Entity::update_many()
        .col_expr(Column::PreviousKeyHash, Expr::col(Column::KeyHash))
        .col_expr(Column::PreviousKeyExpiresAt, Expr::value(grace_until))
        .col_expr(Column::KeyHash, Expr::value(key.as_str()))
        .col_expr(Column::KeyIssuedAt, Expr::value(now))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .col_expr(Column::Version, Expr::col(Column::Version).add(1))
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn delete(conn: &impl ConnectionTrait, id: IntegrationId) -> Result<bool, DbErr> {
    Ok(Entity::delete_by_id(id.0).exec(conn).await?.rows_affected == 1)
}

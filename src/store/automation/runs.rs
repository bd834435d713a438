//! Firings of automation rules: claimed once per rule, incident and trigger (a unique key, so
//! several nodes never fire twice), then finished with each action's result.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::domain::automation::{ActionResult, Run, RunOutcome};
use crate::domain::ids::{AutomationRuleId, IncidentId};
use crate::store::entity::automation_run::{ActiveModel, Column, Entity, Model};

fn corrupt(what: &str, detail: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!(
        "automation_runs row holds an unreadable {what}: {detail}"
    ))
}

#[derive(Serialize, Deserialize)]
struct ResultJson {
    action: String,
    detail: String,
    error: Option<String>,
}

impl TryFrom<Model> for Run {
    type Error = DbErr;

    fn try_from(m: Model) -> Result<Self, DbErr> {
        let results: Vec<ResultJson> =
            serde_json::from_str(&m.results).map_err(|e| corrupt("results", e))?;
        Ok(Self {
            id: m.id,
            rule_id: AutomationRuleId(m.rule_id),
            incident_id: IncidentId(m.incident_id),
            trigger_key: m.trigger_key,
            trigger: m.trigger,
            depth: u8::try_from(m.depth).map_err(|_| corrupt("depth", m.depth))?,
            started_at: m.started_at,
            outcome: RunOutcome::parse(&m.outcome).ok_or_else(|| corrupt("outcome", &m.outcome))?,
            results: results
                .into_iter()
                .map(|r| ActionResult {
                    action: r.action,
                    detail: r.detail,
                    error: r.error,
                })
                .collect(),
        })
    }
}

/// What a firing is about, before it runs.
pub struct Claim<'a> {
    pub rule_id: AutomationRuleId,
    pub incident_id: IncidentId,
    pub trigger_key: &'a str,
    pub trigger: &'a str,
    pub depth: u8,
    pub at: DateTime<Utc>,
    pub outcome: RunOutcome,
}

/// Records the firing unless this rule already fired for this trigger on this incident (on
/// any node): `true` if this call claimed it.
pub async fn claim(conn: &impl ConnectionTrait, claim: &Claim<'_>) -> Result<bool, DbErr> {
    let row = ActiveModel {
        id: sea_orm::NotSet,
        rule_id: Set(claim.rule_id.0),
        incident_id: Set(claim.incident_id.0),
        trigger_key: Set(claim.trigger_key.to_owned()),
        trigger: Set(claim.trigger.to_owned()),
        depth: Set(i32::from(claim.depth)),
        started_at: Set(claim.at),
        finished_at: Set(None),
        outcome: Set(claim.outcome.as_str().to_owned()),
        results: Set("[]".to_owned()),
    };
    let inserted = Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::RuleId, Column::IncidentId, Column::TriggerKey])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Writes how a claimed firing ended.
pub async fn finish(
    conn: &impl ConnectionTrait,
    claim: &Claim<'_>,
    outcome: RunOutcome,
    results: &[ActionResult],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let json: Vec<ResultJson> = results
        .iter()
        .map(|r| ResultJson {
            action: r.action.clone(),
            detail: r.detail.clone(),
            error: r.error.clone(),
        })
        .collect();
    Entity::update_many()
        .col_expr(Column::Outcome, outcome.as_str().into())
        .col_expr(Column::Results, serde_json::json!(json).to_string().into())
        .col_expr(Column::FinishedAt, Some(at).into())
        .filter(Column::RuleId.eq(claim.rule_id.0))
        .filter(Column::IncidentId.eq(claim.incident_id.0))
        .filter(Column::TriggerKey.eq(claim.trigger_key))
        .exec(conn)
        .await?;
    Ok(())
}

/// The (incident, trigger key) pairs `rule` already fired for among `incidents`.
pub async fn fired(
    conn: &impl ConnectionTrait,
    rule: AutomationRuleId,
    incidents: &[IncidentId],
) -> Result<HashSet<(IncidentId, String)>, DbErr> {
    let mut found = HashSet::new();
    for chunk in incidents.chunks(500) {
        let rows: Vec<(uuid::Uuid, String)> = Entity::find()
            .select_only()
            .column(Column::IncidentId)
            .column(Column::TriggerKey)
            .filter(Column::RuleId.eq(rule.0))
            .filter(Column::IncidentId.is_in(chunk.iter().map(|i| i.0)))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows.into_iter().map(|(i, k)| (IncidentId(i), k)));
    }
    Ok(found)
}

/// A rule's firings, newest first, after the run `before_id` (exclusive).
pub async fn of_rule(
    conn: &impl ConnectionTrait,
    rule: AutomationRuleId,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<Run>, DbErr> {
    let mut query = Entity::find().filter(Column::RuleId.eq(rule.0));
    if let Some(before) = before_id {
        query = query.filter(Column::Id.lt(before));
    }
    query
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(Run::try_from)
        .collect()
}

pub async fn count_of_rule(
    conn: &impl ConnectionTrait,
    rule: AutomationRuleId,
) -> Result<u64, DbErr> {
    Entity::find()
        .filter(Column::RuleId.eq(rule.0))
        .count(conn)
        .await
}

//! Ratings of known errors shown as suggestions (one per user, incident and problem,
//! changeable): the learning loop for known errors, beside `suggestions.rs` for incidents.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::entity::problem_suggestion_rating as rating;
use crate::domain::ids::{IncidentId, ProblemId, UserId};

/// Records a rating; returns the previous one by the same user for the same pair, if any.
pub async fn rate(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    problem: ProblemId,
    user_id: &UserId,
    helpful: bool,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let existing = rating::Entity::find()
        .filter(rating::Column::IncidentId.eq(incident.0))
        .filter(rating::Column::ProblemId.eq(problem.0))
        .filter(rating::Column::UserId.eq(user_id.as_str()))
        .one(conn)
        .await?;
    match existing {
        Some(row) if row.helpful == helpful => Ok(Some(helpful)),
        Some(row) => {
            rating::Entity::update_many()
                .col_expr(rating::Column::Helpful, Expr::value(helpful))
                .col_expr(rating::Column::UpdatedAt, Expr::value(now))
                .filter(rating::Column::Id.eq(row.id))
                .exec(conn)
                .await?;
            Ok(Some(row.helpful))
        }
        None => {
            let row = rating::ActiveModel {
                incident_id: Set(incident.0),
                problem_id: Set(problem.0),
                user_id: Set(user_id.as_str().to_owned()),
                helpful: Set(helpful),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            rating::Entity::insert(row)
                .exec_without_returning(conn)
                .await?;
            Ok(None)
        }
    }
}

/// (helpful, unhelpful) ratings received by each of `problems`, across all incidents.
pub async fn counts_for(
    conn: &impl ConnectionTrait,
    problems: &[ProblemId],
) -> Result<HashMap<ProblemId, (u32, u32)>, DbErr> {
    let rows = rating::Entity::find()
        .filter(rating::Column::ProblemId.is_in(problems.iter().map(|p| p.0)))
        .all(conn)
        .await?;
    let mut out: HashMap<ProblemId, (u32, u32)> = HashMap::new();
    for row in rows {
        let entry = out.entry(ProblemId(row.problem_id)).or_default();
        if row.helpful {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    Ok(out)
}

/// Known errors someone rated helpful for `incident`, oldest rating first.
pub async fn helpful_for(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<ProblemId>, DbErr> {
    let mut rows = rating::Entity::find()
        .filter(rating::Column::IncidentId.eq(incident.0))
        .filter(rating::Column::Helpful.eq(true))
        .all(conn)
        .await?;
    rows.sort_by_key(|r| r.updated_at);
    let mut out: Vec<ProblemId> = Vec::new();
    for row in rows {
        let id = ProblemId(row.problem_id);
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

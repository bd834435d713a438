//! Feedback on suggestions: ratings (one per user and pair) and impressions (which pairs
//! were shown, and to how many viewers: a viewer refetching the same suggestions counts once).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::entity::{
    suggestion_impression as impression, suggestion_rating as rating, suggestion_viewer as viewer,
};
use crate::domain::ids::{IncidentId, UserId};

/// Records a rating; returns the previous one by the same user for the same pair, if any.
pub async fn rate(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    suggested: IncidentId,
    user_id: &UserId,
    helpful: bool,
    now: DateTime<Utc>,
) -> Result<Option<bool>, DbErr> {
    let existing = rating::Entity::find()
        .filter(rating::Column::IncidentId.eq(incident.0))
        .filter(rating::Column::SuggestedId.eq(suggested.0))
        .filter(rating::Column::UserId.eq(user_id.as_str()))
        .one(conn)
        .await?;
    match existing {
        Some(row) if row.helpful == helpful => Ok(Some(helpful)),
        Some(row) => {
            let previous = row.helpful;
            rating::Entity::update_many()
                .col_expr(rating::Column::Helpful, Expr::value(helpful))
                .col_expr(rating::Column::UpdatedAt, Expr::value(now))
                .filter(rating::Column::Id.eq(row.id))
                .exec(conn)
                .await?;
            Ok(Some(previous))
        }
        None => {
            let row = rating::ActiveModel {
                incident_id: Set(incident.0),
                suggested_id: Set(suggested.0),
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

/// (helpful, unhelpful) ratings received by each of `suggested`, across all incidents.
pub async fn counts_for(
    conn: &impl ConnectionTrait,
    suggested: &[IncidentId],
) -> Result<HashMap<IncidentId, (u32, u32)>, DbErr> {
    let rows = rating::Entity::find()
        .filter(rating::Column::SuggestedId.is_in(suggested.iter().map(|i| i.0)))
        .all(conn)
        .await?;
    let mut out: HashMap<IncidentId, (u32, u32)> = HashMap::new();
    for row in rows {
        let entry = out.entry(IncidentId(row.suggested_id)).or_default();
        if row.helpful {
            entry.0 += 1;
        } else {
            entry.1 += 1;
        }
    }
    Ok(out)
}

/// Suggested incidents someone rated helpful for `incident`, oldest rating first.
pub async fn helpful_for(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
) -> Result<Vec<IncidentId>, DbErr> {
    let mut rows = rating::Entity::find()
        .filter(rating::Column::IncidentId.eq(incident.0))
        .filter(rating::Column::Helpful.eq(true))
        .all(conn)
        .await?;
    rows.sort_by_key(|r| r.updated_at);
    let mut out: Vec<IncidentId> = Vec::new();
    for row in rows {
        let id = IncidentId(row.suggested_id);
        if !out.contains(&id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Counts a showing of each suggested incident for `incident` to `viewer`, once per viewer:
/// only the pairs this viewer had not seen yet count one more.
pub async fn record_shown(
    conn: &impl ConnectionTrait,
    incident: IncidentId,
    suggested: &[IncidentId],
    viewer_id: &UserId,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let mut first_seen = Vec::with_capacity(suggested.len());
    for s in suggested {
        // One row per pair and viewer; an insert that finds the row changes nothing.
        let inserted = viewer::Entity::insert(viewer::ActiveModel {
            incident_id: Set(incident.0),
            suggested_id: Set(s.0),
            viewer_id: Set(viewer_id.as_str().to_owned()),
            first_shown_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([
                viewer::Column::IncidentId,
                viewer::Column::SuggestedId,
                viewer::Column::ViewerId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
        if inserted > 0 {
            first_seen.push(*s);
        }
    }
    if first_seen.is_empty() {
        return Ok(());
    }
    let rows = first_seen.iter().map(|s| impression::ActiveModel {
        incident_id: Set(incident.0),
        suggested_id: Set(s.0),
        first_shown_at: Set(now),
        times_shown: Set(1),
    });
    impression::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([
                impression::Column::IncidentId,
                impression::Column::SuggestedId,
            ])
            .value(
                impression::Column::TimesShown,
                Expr::col((impression::Entity, impression::Column::TimesShown)).add(1),
            )
            .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// What the knowledge base did in a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackCounts {
    /// Distinct (incident, suggestion) pairs first shown in the period.
    pub pairs_shown: u64,
    /// Showings of those pairs, each pair counted once per viewer who saw it.
    pub times_shown: u64,
    /// Pairs rated in the period, by their latest rating.
    pub rated_helpful: u64,
    pub rated_unhelpful: u64,
}

pub async fn feedback_counts(
    conn: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<FeedbackCounts, DbErr> {
    let shown = impression::Entity::find()
        .filter(impression::Column::FirstShownAt.gte(from))
        .filter(impression::Column::FirstShownAt.lt(to))
        .all(conn)
        .await?;
    let ratings = rating::Entity::find()
        .filter(rating::Column::UpdatedAt.gte(from))
        .filter(rating::Column::UpdatedAt.lt(to))
        .all(conn)
        .await?;
    // A pair counts as helpful if any responder found it helpful.
    let mut pairs: HashMap<(Uuid, Uuid), bool> = HashMap::new();
    for r in ratings {
        let helpful = pairs
            .entry((r.incident_id, r.suggested_id))
            .or_insert(false);
        *helpful |= r.helpful;
    }
    Ok(FeedbackCounts {
        pairs_shown: shown.len() as u64,
        times_shown: shown
            .iter()
            .map(|s| u64::try_from(s.times_shown).unwrap_or(0))
            .sum(),
        rated_helpful: pairs.values().filter(|h| **h).count() as u64,
        rated_unhelpful: pairs.values().filter(|h| !**h).count() as u64,
    })
}

//! A row of the `reviews` table: one post-incident review per incident.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reviews")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub incident_id: Uuid,
    pub status: String,
    pub owner_id: String,
    /// A JSON array of user ids.
    pub participants: Json,
    pub summary: String,
    pub customer_impact: String,
    pub what_happened: String,
    pub root_cause: String,
    /// A JSON array of lines.
    pub contributing_factors: Json,
    pub went_well: String,
    pub went_badly: String,
    pub lessons: String,
    pub created_by: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
    pub published_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "incidents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub number: i64,
    pub title: String,
    pub description: String,
    pub service: String,
    pub category: Option<String>,
    pub source: String,
    pub status: String,
    pub impact: Option<String>,
    pub urgency: Option<String>,
    pub priority: Option<i16>,
    pub resolution_summary: Option<String>,
    pub root_cause: Option<String>,
    pub fix: Option<String>,
    pub cancel_reason: Option<String>,
    pub duplicate_of: Option<Uuid>,
    pub reporter_id: String,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub triaged_at: Option<DateTimeUtc>,
    pub investigating_at: Option<DateTimeUtc>,
    pub mitigated_at: Option<DateTimeUtc>,
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub external_id: Option<String>,
    pub helped_by: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

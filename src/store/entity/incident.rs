//! A row of the `incidents` table.

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
    pub reopened_at: Option<DateTimeUtc>,
    /// JSON `[[start, end], ...]` (RFC 3339).
    pub resolution_runs: Option<String>,
    pub acknowledged_at: Option<DateTimeUtc>,
    pub manager_assigned_at: Option<DateTimeUtc>,
    pub reopen_count: i32,
    pub impact_started_at: Option<DateTimeUtc>,
    pub public_title: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use crate::store::sqlite_reads::{FromSqliteRow, timestamp, timestamp_opt};

impl FromSqliteRow for Model {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "title",
        "description",
        "service",
        "category",
        "source",
        "status",
        "impact",
        "urgency",
        "priority",
        "resolution_summary",
        "root_cause",
        "fix",
        "cancel_reason",
        "duplicate_of",
        "reporter_id",
        "version",
        "created_at",
        "updated_at",
        "triaged_at",
        "investigating_at",
        "mitigated_at",
        "resolved_at",
        "closed_at",
        "cancelled_at",
        "external_id",
        "helped_by",
        "reopened_at",
        "resolution_runs",
        "acknowledged_at",
        "manager_assigned_at",
        "reopen_count",
        "impact_started_at",
        "public_title",
    ];

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            number: row.get(1)?,
            title: row.get(2)?,
            description: row.get(3)?,
            service: row.get(4)?,
            category: row.get(5)?,
            source: row.get(6)?,
            status: row.get(7)?,
            impact: row.get(8)?,
            urgency: row.get(9)?,
            priority: row.get(10)?,
            resolution_summary: row.get(11)?,
            root_cause: row.get(12)?,
            fix: row.get(13)?,
            cancel_reason: row.get(14)?,
            duplicate_of: row.get(15)?,
            reporter_id: row.get(16)?,
            version: row.get(17)?,
            created_at: timestamp(row, 18)?,
            updated_at: timestamp(row, 19)?,
            triaged_at: timestamp_opt(row, 20)?,
            investigating_at: timestamp_opt(row, 21)?,
            mitigated_at: timestamp_opt(row, 22)?,
            resolved_at: timestamp_opt(row, 23)?,
            closed_at: timestamp_opt(row, 24)?,
            cancelled_at: timestamp_opt(row, 25)?,
            external_id: row.get(26)?,
            helped_by: row.get(27)?,
            reopened_at: timestamp_opt(row, 28)?,
            resolution_runs: row.get(29)?,
            acknowledged_at: timestamp_opt(row, 30)?,
            manager_assigned_at: timestamp_opt(row, 31)?,
            reopen_count: row.get(32)?,
            impact_started_at: timestamp_opt(row, 33)?,
            public_title: row.get(34)?,
        })
    }
}

//! `incidentMetrics`: validates the question, asks the use case, shapes the buckets.

use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};

use crate::domain::metrics::MetricsFilter;
use crate::domain::metrics::{self as domain, Bucket, DurationStats};
use crate::domain::priority::Priority as DomainPriority;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::{GqlResult, bad_input};
use crate::graphql::types::enums::Priority;

/// The length of one period (bucket), in the requested time zone's calendar.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::metrics::Interval")]
pub enum MetricsInterval {
    /// Calendar days, midnight to midnight.
    Day,
    /// Weeks start on Monday.
    Week,
    /// Calendar months, from the 1st.
    Month,
}

/// What to split the buckets by, besides the period.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::metrics::GroupBy")]
pub enum MetricsGroupBy {
    /// One group per service.
    Service,
    /// One group per category.
    Category,
    /// One group per priority (untriaged incidents form their own group).
    Priority,
}

/// Which incidents count: those reported in `[from, to)` (at most five years), optionally
/// of one service, category or priority.
#[derive(InputObject)]
pub struct IncidentMetricsFilter {
    /// Reported at or after this instant.
    pub from: DateTime<Utc>,
    /// Reported before this instant; at most five years after `from`.
    pub to: DateTime<Utc>,
    /// Only this service.
    pub service: Option<String>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this priority.
    pub priority: Option<Priority>,
}

/// Durations in seconds from the report; null when there are none.
#[derive(SimpleObject)]
pub struct DurationSummary {
    /// How many incidents have this duration (reached the stage).
    pub count: u64,
    /// Arithmetic mean, in seconds.
    pub mean: Option<f64>,
    /// Median, in seconds.
    pub median: Option<f64>,
    /// 90th percentile (linear interpolation between the closest ranks).
    pub p90: Option<f64>,
}

impl From<DurationStats> for DurationSummary {
    fn from(s: DurationStats) -> Self {
        Self {
            count: s.count,
            mean: s.mean,
            median: s.median,
            p90: s.p90,
        }
    }
}

/// The incidents reported in one period (and group). Every count and duration is about
/// them: `resolved` is how many of them have been resolved so far.
#[derive(SimpleObject)]
pub struct IncidentMetricsBucket {
    /// Start of the period, included.
    pub start: DateTime<Utc>,
    /// End of the period, excluded.
    pub end: DateTime<Utc>,
    /// Set when grouped by service.
    pub service: Option<String>,
    /// Set when grouped by category (empty for incidents not yet categorised).
    pub category: Option<String>,
    /// Set when grouped by priority; null there for incidents not yet triaged.
    pub priority: Option<Priority>,
    /// How many incidents were reported in the period.
    pub reported: u64,
    /// How many of them have been resolved so far.
    pub resolved: u64,
    /// How many of them were reopened at some point.
    pub reopened: u64,
    /// How many of them were cancelled.
    pub cancelled: u64,
    /// Report to first response (triage, an incident manager, mitigation or resolution).
    pub mtta: DurationSummary,
    /// Report to mitigated.
    pub mttm: DurationSummary,
    /// Report to resolved.
    pub mttr: DurationSummary,
    /// Share (0 to 1) of the incidents whose SLA account is settled that met every target
    /// that applied; null when none is settled.
    pub sla_attainment: Option<f64>,
    /// Share of the resolved incidents that were reopened at some point.
    pub reopen_rate: Option<f64>,
    /// Share of the resolved incidents where a suggested past incident or known error was
    /// rated helpful before the resolution.
    pub with_helpful_suggestion: Option<f64>,
    /// Mean seconds to resolve with a helpful suggestion; null when there is none.
    pub mttr_with_helpful_suggestion: Option<f64>,
    /// Mean seconds to resolve without a helpful suggestion; null when there is none.
    pub mttr_without_helpful_suggestion: Option<f64>,
}

impl From<Bucket> for IncidentMetricsBucket {
    fn from(b: Bucket) -> Self {
        Self {
            start: b.start,
            end: b.end,
            service: b.group.service,
            category: b.group.category,
            priority: b
                .group
                .priority_rank
                .and_then(DomainPriority::from_rank)
                .map(Into::into),
            reported: b.reported,
            resolved: b.resolved,
            reopened: b.reopened,
            cancelled: b.cancelled,
            mtta: b.mtta.into(),
            mttm: b.mttm.into(),
            mttr: b.mttr.into(),
            sla_attainment: b.sla_attainment,
            reopen_rate: b.reopen_rate,
            with_helpful_suggestion: b.with_helpful_suggestion,
            mttr_with_helpful_suggestion: b.mttr_with_helpful_suggestion,
            mttr_without_helpful_suggestion: b.mttr_without_helpful_suggestion,
        }
    }
}

/// Incident metrics over a range, period by period (and group by group).
#[derive(SimpleObject)]
pub struct IncidentMetrics {
    /// The period length used.
    pub interval: MetricsInterval,
    /// The IANA time zone the periods follow, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Every period of the range for every group that has incidents (one group when not
    /// grouped), oldest first; empty periods have zero counts and null durations.
    pub buckets: Vec<IncidentMetricsBucket>,
}

#[derive(Default)]
pub struct MetricsQuery;

#[Object]
impl MetricsQuery {
    /// How incident management is doing: counts, MTTA/MTTM/MTTR, SLA attainment, reopen
    /// rate and the knowledge base's payoff per period (at most 10,000 buckets). `groupBy`
    /// defaults to no grouping, `interval` to `WEEK`, `timeZone` (IANA) to `UTC`; null is the
    /// default too, so a client may pass its variables through unset.
    async fn incident_metrics(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which incidents count: the report period and, optionally, more.")]
        filter: IncidentMetricsFilter,
        #[graphql(desc = "Split the buckets by these; null or empty: no grouping.")]
        group_by: Option<Vec<MetricsGroupBy>>,
        #[graphql(desc = "Period length; null: WEEK.")] interval: Option<MetricsInterval>,
        #[graphql(desc = "IANA time zone the periods follow, e.g. `Europe/Berlin`; null: UTC.")]
        time_zone: Option<String>,
    ) -> Result<IncidentMetrics> {
        let interval = interval.unwrap_or(MetricsInterval::Week);
        let query = domain::MetricsQuery::new(
            filter.from,
            filter.to,
            interval.into(),
            time_zone.as_deref().unwrap_or("UTC"),
            group_by
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
        )
        .map_err(bad_input)?;
        let rows = MetricsFilter {
            from: query.from,
            to: query.to,
            service: filter.service,
            category: filter.category,
            priority_rank: filter.priority.map(|p| p.to_domain().rank()),
        };
        let buckets = services(ctx)?
            .incident_metrics(viewer(ctx)?, &query, rows)
            .await
            .gql(ctx)?;
        Ok(IncidentMetrics {
            interval,
            time_zone: query.time_zone.name().to_owned(),
            buckets: buckets.into_iter().map(Into::into).collect(),
        })
    }
}

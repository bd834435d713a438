//! Incident metrics: what a period's incidents say about incident management. Each incident
//! counts in the bucket of its report (a cohort): how many were reported, how many of those
//! were resolved, reopened or cancelled, how long the first response, mitigation and
//! resolution took (mean, median, 90th percentile), whether their SLA targets were met, and
//! whether a suggestion helped. Pure: the store supplies one row per incident.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::DomainError;
use super::priority::Priority;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Interval {
    Day,
    /// Weeks start on Monday.
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupBy {
    Service,
    Category,
    Priority,
}

/// The longest period one request may cover.
pub const MAX_RANGE_DAYS: i64 = 5 * 366;
/// The most buckets (time buckets times groups) one answer may hold.
pub const MAX_BUCKETS: usize = 10_000;

/// A validated question: which period, in which time zone, cut how.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub interval: Interval,
    pub time_zone: Tz,
    pub group_by: Vec<GroupBy>,
}

impl MetricsQuery {
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval: Interval,
        time_zone: &str,
        group_by: Vec<GroupBy>,
    ) -> Result<Self, DomainError> {
        if from >= to {
            return Err(DomainError::invalid(
                "filter.from",
                "must be before filter.to",
            ));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(DomainError::invalid(
                "filter.to",
                format!(
                    "the period is {} days long; at most {MAX_RANGE_DAYS} (five years) are allowed",
                    (to - from).num_days()
                ),
            ));
        }
        let time_zone = time_zone.trim().parse::<Tz>().map_err(|_| {
            DomainError::invalid(
                "timeZone",
                format!("`{time_zone}` is not an IANA time zone name such as Europe/Berlin or UTC"),
            )
        })?;
        let mut seen = HashSet::new();
        if let Some(twice) = group_by.iter().find(|g| !seen.insert(**g)) {
            return Err(DomainError::invalid(
                "groupBy",
                format!("lists {twice:?} twice"),
            ));
        }
        let query = Self {
            from,
            to,
            interval,
            time_zone,
            group_by,
        };
        if query.buckets().len() > MAX_BUCKETS {
            return Err(DomainError::invalid(
                "interval",
                format!(
                    "gives more than {MAX_BUCKETS} buckets; use a longer interval or a shorter period"
                ),
            ));
        }
        Ok(query)
    }

    /// The time buckets, `[start, end)`, covering `from..to`: local days, weeks (Monday) or
    /// months in the time zone; the first starts at `from`'s bucket, the last ends at `to`
    /// or later, and each boundary is the local midnight's instant.
    pub fn buckets(&self) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        let mut day = self.bucket_date(self.from);
        while out.len() <= MAX_BUCKETS {
            let next = self.next_date(day);
            let (start, end) = (self.midnight(day), self.midnight(next));
            out.push((start, end));
            if end >= self.to {
                break;
            }
            day = next;
        }
        out
    }

    /// The local date on which `at`'s bucket starts.
    fn bucket_date(&self, at: DateTime<Utc>) -> NaiveDate {
        let local = at.with_timezone(&self.time_zone).date_naive();
        match self.interval {
            Interval::Day => local,
            Interval::Week => local - Days::new(u64::from(local.weekday().num_days_from_monday())),
            Interval::Month => local.with_day(1).unwrap_or(local),
        }
    }

    fn next_date(&self, day: NaiveDate) -> NaiveDate {
        let next = match self.interval {
            Interval::Day => day.checked_add_days(Days::new(1)),
            Interval::Week => day.checked_add_days(Days::new(7)),
            Interval::Month => day.checked_add_months(Months::new(1)),
        };
        next.unwrap_or(NaiveDate::MAX)
    }

    /// The first instant of `day` in the time zone (a midnight skipped by a daylight-saving
    /// change starts the day at the end of the gap).
    fn midnight(&self, day: NaiveDate) -> DateTime<Utc> {
        let mut time = day.and_time(chrono::NaiveTime::MIN);
        for _ in 0..4 {
            if let Some(at) = self.time_zone.from_local_datetime(&time).earliest() {
                return at.with_timezone(&Utc);
            }
            time += chrono::Duration::minutes(30);
        }
        Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
    }
}

/// What to count: reported in `[from, to)`, optionally one service, category or priority.
#[derive(Debug, Clone)]
pub struct MetricsFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub priority_rank: Option<i16>,
}

/// What one incident contributes, from its stored stamps.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFacts {
    pub reported_at: DateTime<Utc>,
    /// When the impact started, if before the report: mitigation and resolution are measured
    /// from here (the incident still counts in the bucket of its report).
    pub impact_started_at: Option<DateTime<Utc>>,
    pub service: String,
    pub category: Option<String>,
    pub priority: Option<Priority>,
    pub responded_at: Option<DateTime<Utc>>,
    pub mitigated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub cancelled: bool,
    pub reopened: bool,
    /// A suggested past incident was rated helpful before it was resolved.
    pub helped: bool,
    /// `Some(true)`: every SLA target that applied was met; `Some(false)`: one was breached;
    /// `None`: no target applied, or one is still running.
    pub sla_met: Option<bool>,
}

/// Durations in seconds: how many, their mean, median and 90th percentile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DurationStats {
    pub count: u64,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl DurationStats {
    /// Percentiles interpolate linearly between the closest ranks, as PostgreSQL's
    /// `percentile_cont` does.
    pub fn of(mut seconds: Vec<f64>) -> Self {
        seconds.sort_by(f64::total_cmp);
        let n = seconds.len();
        if n == 0 {
            return Self::default();
        }
        let percentile = |p: f64| {
            let rank = p * (n - 1) as f64;
            let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
            seconds[low] + (seconds[high] - seconds[low]) * (rank - low as f64)
        };
        Self {
            count: n as u64,
            mean: Some(seconds.iter().sum::<f64>() / n as f64),
            median: Some(percentile(0.5)),
            p90: Some(percentile(0.9)),
        }
    }
}

/// The group a bucket is for: the values of the `groupBy` fields (unset ones are `None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Group {
    pub service: Option<String>,
    pub category: Option<String>,
    /// Rank 1..5; 0 for incidents not yet triaged (when grouping by priority).
    pub priority_rank: Option<i16>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub group: Group,
    pub reported: u64,
    pub resolved: u64,
    pub reopened: u64,
    pub cancelled: u64,
    pub mtta: DurationStats,
    pub mttm: DurationStats,
    pub mttr: DurationStats,
    /// Share of the incidents with a finished SLA account whose targets were all met.
    pub sla_attainment: Option<f64>,
    /// Share of the resolved incidents that were reopened.
    pub reopen_rate: Option<f64>,
    /// Share of the resolved incidents that a helpful suggestion preceded.
    pub with_helpful_suggestion: Option<f64>,
    pub mttr_with_helpful_suggestion: Option<f64>,
    pub mttr_without_helpful_suggestion: Option<f64>,
}

fn seconds(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Option<f64> {
    to.filter(|&to| to >= from)
        .map(|to| (to - from).num_milliseconds() as f64 / 1000.0)
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl IncidentFacts {
    /// Where MTTM and MTTR start: the impact start, else the report. MTTA starts at the report
    /// (nobody can acknowledge what was not reported).
    fn impact_start(&self) -> DateTime<Utc> {
        self.impact_started_at.unwrap_or(self.reported_at)
    }
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

impl MetricsQuery {
    fn group_of(&self, facts: &IncidentFacts) -> Group {
        let mut group = Group::default();
        for by in &self.group_by {
            match by {
                GroupBy::Service => group.service = Some(facts.service.clone()),
                GroupBy::Category => {
                    group.category = Some(facts.category.clone().unwrap_or_default())
                }
                GroupBy::Priority => {
                    group.priority_rank = Some(facts.priority.map_or(0, Priority::rank))
                }
            }
        }
        group
    }

    /// Every time bucket for every group that has incidents (one group without `groupBy`),
    /// empty buckets included with zero counts and no durations. Refused when that makes
    /// more than `MAX_BUCKETS`.
    pub fn aggregate(&self, incidents: &[IncidentFacts]) -> Result<Vec<Bucket>, DomainError> {
        let buckets = self.buckets();
        let mut cells: BTreeMap<(Group, usize), Vec<&IncidentFacts>> = BTreeMap::new();
        let mut groups: Vec<Group> = Vec::new();
        if self.group_by.is_empty() {
            groups.push(Group::default());
        }
        for facts in incidents {
            if facts.reported_at < self.from || facts.reported_at >= self.to {
                continue;
            }
            let index = buckets.partition_point(|(_, end)| *end <= facts.reported_at);
            let group = self.group_of(facts);
            if !groups.contains(&group) {
                groups.push(group.clone());
            }
            cells.entry((group, index)).or_default().push(facts);
        }
        groups.sort();
        let cells_needed = groups.len() * buckets.len();
        if cells_needed > MAX_BUCKETS {
            return Err(DomainError::invalid(
                "groupBy",
                format!(
                    "gives {cells_needed} buckets ({} groups times {} periods); at most \
                     {MAX_BUCKETS} are allowed: filter, group by less or use a longer interval",
                    groups.len(),
                    buckets.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(groups.len() * buckets.len());
        for group in groups {
            for (index, &(start, end)) in buckets.iter().enumerate() {
                let members = cells
                    .get(&(group.clone(), index))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                out.push(summarise(start, end, group.clone(), members));
            }
        }
        Ok(out)
    }
}

fn summarise(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    group: Group,
    members: &[&IncidentFacts],
) -> Bucket {
    let mut resolved = 0;
    let mut reopened_resolved = 0;
    let (mut helped, mut with_help, mut without_help) = (0, Vec::new(), Vec::new());
    let (mut met, mut judged) = (0, 0);
    for f in members {
        if let Some(r) = seconds(f.impact_start(), f.resolved_at) {
            resolved += 1;
            reopened_resolved += u64::from(f.reopened);
            if f.helped {
                helped += 1;
                with_help.push(r);
            } else {
                without_help.push(r);
            }
        }
        if let Some(ok) = f.sla_met {
            judged += 1;
            met += u64::from(ok);
        }
    }
    let durations = |from: fn(&IncidentFacts) -> DateTime<Utc>,
                     to: fn(&IncidentFacts) -> Option<DateTime<Utc>>| {
        DurationStats::of(
            members
                .iter()
                .filter_map(|f| seconds(from(f), to(f)))
                .collect(),
        )
    };
    Bucket {
        start,
        end,
        group,
        reported: members.len() as u64,
        resolved,
        reopened: members.iter().filter(|f| f.reopened).count() as u64,
        cancelled: members.iter().filter(|f| f.cancelled).count() as u64,
        mtta: durations(|f| f.reported_at, |f| f.responded_at),
        mttm: durations(IncidentFacts::impact_start, |f| f.mitigated_at),
        mttr: durations(IncidentFacts::impact_start, |f| f.resolved_at),
        sla_attainment: share(met, judged),
        reopen_rate: share(reopened_resolved, resolved),
        with_helpful_suggestion: share(helped, resolved),
        mttr_with_helpful_suggestion: mean(&with_help),
        mttr_without_helpful_suggestion: mean(&without_help),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid")
    }

    fn query(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        interval: Interval,
        zone: &str,
    ) -> MetricsQuery {
        MetricsQuery::new(from, to, interval, zone, Vec::new()).expect("valid")
    }

    fn facts(reported_at: DateTime<Utc>) -> IncidentFacts {
        IncidentFacts {
            reported_at,
            impact_started_at: None,
            service: "checkout".into(),
            category: None,
            priority: None,
            responded_at: None,
            mitigated_at: None,
            resolved_at: None,
            cancelled: false,
            reopened: false,
            helped: false,
            sla_met: None,
        }
    }

    #[test]
    fn percentiles_interpolate_like_percentile_cont() {
        let stats = DurationStats::of(vec![10.0, 20.0, 30.0, 40.0]);
        assert_eq!(stats.count, 4);
        assert_eq!(stats.mean, Some(25.0));
        assert_eq!(stats.median, Some(25.0));
        assert_eq!(stats.p90, Some(37.0));
        let one = DurationStats::of(vec![7.0]);
        assert_eq!((one.median, one.p90), (Some(7.0), Some(7.0)));
        assert_eq!(DurationStats::of(Vec::new()), DurationStats::default());
    }

    #[test]
    fn weeks_start_on_monday_in_the_time_zone() {
        // 2026-03-04 is a Wednesday. In Berlin (UTC+1 in winter) weeks start Monday 23:00 UTC.
        let q = query(
            utc(2026, 3, 4, 12),
            utc(2026, 3, 12, 0),
            Interval::Week,
            "Europe/Berlin",
        );
        let buckets = q.buckets();
        assert_eq!(buckets[0], (utc(2026, 3, 1, 23), utc(2026, 3, 8, 23)));
        assert_eq!(buckets[1], (utc(2026, 3, 8, 23), utc(2026, 3, 15, 23)));
        assert_eq!(buckets.len(), 2);
    }

    #[test]
    fn a_daylight_saving_day_is_23_hours_long() {
        let q = query(
            utc(2026, 3, 28, 12),
            utc(2026, 3, 30, 12),
            Interval::Day,
            "Europe/Berlin",
        );
        let buckets = q.buckets();
        // 29 March 2026: clocks go forward; the day runs from 23:00 UTC to 22:00 UTC.
        assert_eq!(buckets[1], (utc(2026, 3, 28, 23), utc(2026, 3, 29, 22)));
        assert_eq!(buckets.len(), 3);
    }

    #[test]
    fn months_and_utc() {
        let q = query(
            utc(2026, 1, 15, 0),
            utc(2026, 3, 1, 0),
            Interval::Month,
            "UTC",
        );
        assert_eq!(
            q.buckets(),
            [
                (utc(2026, 1, 1, 0), utc(2026, 2, 1, 0)),
                (utc(2026, 2, 1, 0), utc(2026, 3, 1, 0)),
            ]
        );
    }

    #[test]
    fn bad_questions_name_the_field() {
        let field = |r: Result<MetricsQuery, DomainError>| match r {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        };
        let (a, b) = (utc(2026, 1, 1, 0), utc(2026, 2, 1, 0));
        assert_eq!(
            field(MetricsQuery::new(b, a, Interval::Day, "UTC", vec![])),
            "filter.from"
        );
        assert_eq!(
            field(MetricsQuery::new(
                utc(1990, 1, 1, 0),
                utc(2040, 1, 1, 0),
                Interval::Month,
                "UTC",
                vec![]
            )),
            "filter.to"
        );
        assert_eq!(
            field(MetricsQuery::new(a, b, Interval::Day, "Mars/Base", vec![])),
            "timeZone"
        );
        assert_eq!(
            field(MetricsQuery::new(
                a,
                b,
                Interval::Day,
                "UTC",
                vec![GroupBy::Service, GroupBy::Service]
            )),
            "groupBy"
        );
        assert!(MetricsQuery::new(a, b, Interval::Day, "UTC", vec![GroupBy::Service]).is_ok());
    }

    #[test]
    fn buckets_hold_cohorts_and_empty_ones_stay() {
        let q = query(utc(2026, 1, 1, 0), utc(2026, 1, 4, 0), Interval::Day, "UTC");
        let t = utc(2026, 1, 1, 10);
        let mut fast = facts(t);
        fast.responded_at = Some(t + chrono::Duration::seconds(60));
        fast.mitigated_at = Some(t + chrono::Duration::seconds(600));
        fast.resolved_at = Some(t + chrono::Duration::seconds(1_200));
        fast.helped = true;
        fast.sla_met = Some(true);
        let mut slow = facts(t);
        slow.responded_at = Some(t + chrono::Duration::seconds(300));
        slow.resolved_at = Some(t + chrono::Duration::seconds(3_600));
        slow.reopened = true;
        slow.sla_met = Some(false);
        let mut cancelled = facts(utc(2026, 1, 3, 5));
        cancelled.cancelled = true;
        let outside = facts(utc(2026, 1, 5, 0));
        let buckets = q
            .aggregate(&[fast, slow, cancelled, outside])
            .expect("fits");
        assert_eq!(buckets.len(), 3);
        let first = &buckets[0];
        assert_eq!(
            (
                first.reported,
                first.resolved,
                first.reopened,
                first.cancelled
            ),
            (2, 2, 1, 0)
        );
        assert_eq!(first.mtta.mean, Some(180.0));
        assert_eq!(first.mttm.count, 1);
        assert_eq!(first.mttr.median, Some(2_400.0));
        assert_eq!(first.sla_attainment, Some(0.5));
        assert_eq!(first.reopen_rate, Some(0.5));
        assert_eq!(first.with_helpful_suggestion, Some(0.5));
        assert_eq!(first.mttr_with_helpful_suggestion, Some(1_200.0));
        assert_eq!(first.mttr_without_helpful_suggestion, Some(3_600.0));
        let empty = &buckets[1];
        assert_eq!(
            (empty.reported, empty.mttr.mean, empty.sla_attainment),
            (0, None, None)
        );
        assert_eq!((buckets[2].reported, buckets[2].cancelled), (1, 1));
    }

    #[test]
    fn mitigation_and_resolution_count_from_the_impact_start() {
        let q = query(utc(2026, 1, 1, 0), utc(2026, 1, 2, 0), Interval::Day, "UTC");
        let t = utc(2026, 1, 1, 10);
        let mut f = facts(t);
        f.impact_started_at = Some(t - chrono::Duration::seconds(900));
        f.responded_at = Some(t + chrono::Duration::seconds(60));
        f.mitigated_at = Some(t + chrono::Duration::seconds(600));
        f.resolved_at = Some(t + chrono::Duration::seconds(1_200));
        let b = &q.aggregate(&[f]).expect("fits")[0];
        assert_eq!(
            b.mtta.mean,
            Some(60.0),
            "acknowledgement counts from the report"
        );
        assert_eq!(b.mttm.mean, Some(1_500.0));
        assert_eq!(b.mttr.mean, Some(2_100.0));
        assert_eq!(b.mttr_without_helpful_suggestion, Some(2_100.0));
    }

    #[test]
    fn too_many_groups_times_periods_are_refused_naming_group_by() {
        // 1,000 days times 11 services: 11,000 buckets, over the limit of 10,000.
        let from = utc(2024, 1, 1, 0);
        let q = MetricsQuery::new(
            from,
            from + chrono::Duration::days(1_000),
            Interval::Day,
            "UTC",
            vec![GroupBy::Service],
        )
        .expect("valid");
        let mut incidents: Vec<IncidentFacts> = (0..11)
            .map(|i| IncidentFacts {
                service: format!("s{i}"),
                ..facts(from)
            })
            .collect();
        match q.aggregate(&incidents) {
            Err(DomainError::Invalid { field, .. }) => assert_eq!(field, "groupBy"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        incidents.pop();
        assert_eq!(q.aggregate(&incidents).expect("fits").len(), 10_000);
    }

    #[test]
    fn groups_get_every_time_bucket() {
        let q = MetricsQuery::new(
            utc(2026, 1, 1, 0),
            utc(2026, 1, 3, 0),
            Interval::Day,
            "UTC",
            vec![GroupBy::Priority],
        )
        .expect("valid");
        let mut p1 = facts(utc(2026, 1, 1, 1));
        p1.priority = Priority::from_rank(1);
        let untriaged = facts(utc(2026, 1, 2, 1));
        let buckets = q.aggregate(&[p1, untriaged]).expect("fits");
        let cells: Vec<(Option<i16>, u64)> = buckets
            .iter()
            .map(|b| (b.group.priority_rank, b.reported))
            .collect();
        assert_eq!(
            cells,
            [(Some(0), 0), (Some(0), 1), (Some(1), 1), (Some(1), 0)]
        );
    }
}

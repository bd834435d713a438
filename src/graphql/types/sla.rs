//! SLA policies, an incident's clocks and recorded breaches as the schema shows them.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc, Weekday as ChronoWeekday};

use super::IncidentObject;
use super::enums::Priority;
use crate::domain::priority::Priority as DomainPriority;
use crate::domain::sla::Calendar;
use crate::domain::sla::clock::ClockReading;
use crate::domain::sla::notice::Notice;
use crate::domain::sla::policy::SlaPolicy;
use crate::graphql::error::{code, with_code};
use crate::graphql::loaders::Loaders;
use crate::service::sla::IncidentSla;

/// Where an SLA clock stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::sla::clock::ClockState")]
pub enum SlaState {
    /// Counting, not yet due.
    Running,
    /// Completed by its due time.
    Met,
    /// Past its due time, completed or not.
    Breached,
    /// No target for this priority, no policy, or cancelled before completion.
    NotApplicable,
}

/// Which of an incident's two SLA clocks.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::sla::policy::ClockKind")]
pub enum SlaClockKind {
    /// Report to first response: triage, or an incident manager assigned.
    Response,
    /// Report to mitigated or resolved; a reopen resumes it.
    Resolution,
}

/// A day of the week, for business hours.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl From<ChronoWeekday> for Weekday {
    fn from(day: ChronoWeekday) -> Self {
        match day {
            ChronoWeekday::Mon => Self::Monday,
            ChronoWeekday::Tue => Self::Tuesday,
            ChronoWeekday::Wed => Self::Wednesday,
            ChronoWeekday::Thu => Self::Thursday,
            ChronoWeekday::Fri => Self::Friday,
            ChronoWeekday::Sat => Self::Saturday,
            ChronoWeekday::Sun => Self::Sunday,
        }
    }
}

impl From<Weekday> for ChronoWeekday {
    fn from(day: Weekday) -> Self {
        match day {
            Weekday::Monday => Self::Mon,
            Weekday::Tuesday => Self::Tue,
            Weekday::Wednesday => Self::Wed,
            Weekday::Thursday => Self::Thu,
            Weekday::Friday => Self::Fri,
            Weekday::Saturday => Self::Sat,
            Weekday::Sunday => Self::Sun,
        }
    }
}

/// The targets of one priority; null: no target for that clock.
#[derive(SimpleObject)]
pub struct SlaTarget {
    /// The priority these targets are for.
    pub priority: Priority,
    /// Report to first response, e.g. `15m`.
    pub response: Option<String>,
    /// Report to mitigated or resolved, e.g. `4h`.
    pub resolution: Option<String>,
}

/// Open hours on one weekday, on the calendar's wall clock: from `open` until just before
/// `close` (`HH:MM`; a close of `00:00` is midnight at the end of the day).
#[derive(SimpleObject)]
pub struct SlaOpeningHours {
    /// The weekday.
    pub day: Weekday,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`, excluded.
    pub close: String,
}

/// Business hours: only open time counts.
#[derive(SimpleObject)]
pub struct SlaCalendar {
    /// IANA name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The open hours of each open weekday; days not listed are closed.
    pub hours: Vec<SlaOpeningHours>,
    /// Local dates (`YYYY-MM-DD`) on which nothing counts.
    pub holidays: Vec<String>,
}

pub struct SlaPolicyObject(pub SlaPolicy);

/// Response and resolution targets per priority, counted around the clock or in business
/// hours. A policy that lists services covers those; the default covers every other one.
#[Object(name = "SlaPolicy")]
impl SlaPolicyObject {
    /// The policy's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// Its unique name.
    async fn name(&self) -> &str {
        self.0.draft.name.as_str()
    }

    /// The services it covers; empty for the default policy.
    async fn services(&self) -> Vec<&str> {
        self.0.draft.services.iter().map(|s| s.as_str()).collect()
    }

    /// Covers every service that no other policy lists.
    async fn is_default(&self) -> bool {
        self.0.draft.is_default()
    }

    /// Business hours; null: the clocks count around the clock.
    async fn calendar(&self) -> Option<SlaCalendar> {
        match &self.0.draft.calendar {
            Calendar::AroundTheClock => None,
            Calendar::BusinessHours(hours) => Some(SlaCalendar {
                time_zone: hours.time_zone().name().to_owned(),
                hours: hours
                    .hours()
                    .into_iter()
                    .map(|(day, open, close)| SlaOpeningHours {
                        day: day.into(),
                        open: open.format("%H:%M").to_string(),
                        close: close.format("%H:%M").to_string(),
                    })
                    .collect(),
                holidays: hours.holidays().iter().map(|d| d.to_string()).collect(),
            }),
        }
    }

    /// An `SLA_WARNING` is recorded when this share of a target has passed.
    async fn warn_at_percent(&self) -> i32 {
        i32::from(self.0.draft.warn_at_percent)
    }

    /// P1 to P5, each with its targets (null where there is none).
    async fn targets(&self) -> Vec<SlaTarget> {
        (1..=5)
            .filter_map(DomainPriority::from_rank)
            .map(|p| {
                let t = self.0.draft.targets_for(p);
                SlaTarget {
                    priority: p.into(),
                    response: t.response.map(|d| d.to_string()),
                    resolution: t.resolution.map(|d| d.to_string()),
                }
            })
            .collect()
    }

    /// Increases with every change; pass it as `expectedVersion` to `updateSlaPolicy`.
    async fn version(&self) -> i32 {
        self.0.version
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When it last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct SlaClockObject(pub ClockReading);

/// One SLA clock of an incident, read now.
#[Object(name = "SlaClock")]
impl SlaClockObject {
    /// The target that applies, e.g. `15m`; null when none does.
    async fn target(&self) -> Option<String> {
        self.0.target.map(|t| t.to_string())
    }

    /// When the target is used up (counted in the policy's calendar).
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.0.due_at
    }

    /// When the clock stopped: first response, or mitigated or resolved.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }

    /// Counted seconds left (until completion, if completed); negative when breached.
    async fn remaining(&self) -> Option<i64> {
        self.0.remaining().map(|d| d.num_seconds())
    }

    /// Counted time spent as a share of the target: 100 at the due time, more after.
    async fn elapsed_percent(&self) -> Option<f64> {
        self.0.elapsed_percent()
    }

    /// Running, met, breached or not applicable.
    async fn state(&self) -> SlaState {
        self.0.state.into()
    }
}

pub struct IncidentSlaObject(pub IncidentSla);

/// An incident's response and resolution clocks under the policy that covers its service.
/// Re-triage to another priority recomputes both from the report time.
#[Object(name = "IncidentSla")]
impl IncidentSlaObject {
    /// The policy applied; null if none covers the service.
    async fn policy_id(&self) -> Option<ID> {
        self.0.policy.as_ref().map(|(id, _)| ID(id.to_string()))
    }

    /// The applied policy's name; null if none covers the service.
    async fn policy_name(&self) -> Option<&str> {
        self.0.policy.as_ref().map(|(_, name)| name.as_str())
    }

    /// Report to first response (triage, or an incident manager assigned). Before triage
    /// the policy's strictest response target applies: the incident may be a P1.
    async fn response(&self) -> SlaClockObject {
        SlaClockObject(self.0.response.clone())
    }

    /// Report to mitigated or resolved; a reopen resumes it with the time already spent.
    /// Not applicable until triage gives a priority.
    async fn resolution(&self) -> SlaClockObject {
        SlaClockObject(self.0.resolution.clone())
    }

    /// Both clocks together, as `incidents(filter: {slaState})` sees them: BREACHED if
    /// either is, else RUNNING if either runs, else MET if either was met, else
    /// NOT_APPLICABLE.
    async fn state(&self) -> SlaState {
        self.0.state.into()
    }

    /// The earliest due time of a clock still running (what `orderBy: SLA_DUE` sorts by).
    async fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.0.standing.next_due_at
    }
}

pub struct SlaBreachObject(pub Notice);

/// A target missed: recorded once per incident, clock and priority.
#[Object(name = "SlaBreach")]
impl SlaBreachObject {
    /// The incident that missed the target.
    async fn incident(&self, ctx: &Context<'_>) -> Result<IncidentObject> {
        let id = self.0.incident_id;
        Loaders::of(ctx)?
            .incident(ctx, id)
            .await?
            .ok_or_else(|| with_code(format!("no incident {id}"), code::NOT_FOUND))
    }

    /// Which clock: response or resolution.
    async fn clock(&self) -> SlaClockKind {
        self.0.clock.into()
    }

    /// The priority whose target was missed; null: the incident was not yet triaged.
    async fn priority(&self) -> Option<Priority> {
        DomainPriority::from_rank(self.0.priority_rank).map(Into::into)
    }

    /// The target missed, e.g. `15m`.
    async fn target(&self) -> String {
        self.0.target.to_string()
    }

    /// When it fell due: the moment of the breach.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    /// The policy whose target was missed, by its name at the time.
    async fn policy_name(&self) -> &str {
        &self.0.policy_name
    }

    /// The incident's service.
    async fn service(&self) -> &str {
        &self.0.service
    }
}

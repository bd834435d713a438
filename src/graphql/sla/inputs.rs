//! Inputs and payloads of the SLA policy mutations, parsed into a domain `PolicyDraft`.

use async_graphql::{ID, InputObject, Result, SimpleObject};
use chrono::{NaiveDate, NaiveTime};
use uuid::Uuid;

use crate::domain::DomainError;
use crate::domain::ids::SlaPolicyId;
use crate::domain::sla::policy::PolicyDraft;
use crate::domain::sla::{BusinessHours, Calendar};
use crate::graphql::error::{bad_input, code, with_code};
use crate::graphql::types::enums::Priority;
use crate::graphql::types::sla::Weekday;

/// The targets of one priority. Durations such as `15m`, `4h`, `2d` or `1h30m`, from `1s`
/// to `365d`; null or left out: no target for that clock.
#[derive(InputObject)]
pub struct SlaTargetInput {
    /// The priority these targets are for; each priority at most once.
    pub priority: Priority,
    /// Report to first response (triage, or an incident manager assigned), e.g. `15m`.
    pub response: Option<String>,
    /// Report to mitigated or resolved, e.g. `4h`.
    pub resolution: Option<String>,
}

/// Open hours on one weekday: from `open` until just before `close`, as `HH:MM` on the
/// calendar's wall clock (`00:00` or `24:00` as a close is midnight at the end of the day).
#[derive(InputObject)]
pub struct SlaOpeningHoursInput {
    /// The weekday.
    pub day: Weekday,
    /// Opening time, `HH:MM` (e.g. `09:00`).
    pub open: String,
    /// Closing time, `HH:MM`, excluded (e.g. `17:30`); `24:00` or `00:00`: midnight.
    pub close: String,
}

/// Business hours: a weekly timetable in an IANA time zone, closed on holidays.
#[derive(InputObject)]
pub struct SlaCalendarInput {
    /// e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// The open hours of each open weekday; a day not listed is closed.
    pub hours: Vec<SlaOpeningHoursInput>,
    /// Local dates, `YYYY-MM-DD` (at most 1,000).
    #[graphql(default)]
    pub holidays: Vec<String>,
}

/// A new SLA policy: its name, the services it covers, when its clocks count, its targets.
#[derive(InputObject)]
pub struct CreateSlaPolicyInput {
    /// 1 to 100 characters, unique.
    pub name: String,
    /// The services it covers (each in one policy at most). Empty: the default policy, for
    /// every service no other policy lists; there is one.
    #[graphql(default)]
    pub services: Vec<String>,
    /// Business hours; null: around the clock.
    pub calendar: Option<SlaCalendarInput>,
    /// When to record an `SLA_WARNING`, as a share of the target: 1 to 99 (default 75).
    pub warn_at_percent: Option<i32>,
    /// One entry per priority that has targets; priorities left out have none.
    pub targets: Vec<SlaTargetInput>,
}

/// Replaces a policy's settings with these (every field, as in `createSlaPolicy`).
#[derive(InputObject)]
pub struct UpdateSlaPolicyInput {
    /// The policy's id (`slaPolicies { id }`).
    pub id: ID,
    /// The `version` you read; a concurrent change answers `CONFLICT`.
    pub expected_version: Option<i32>,
    /// 1 to 100 characters, unique.
    pub name: String,
    /// The services it covers (each in one policy at most); empty: the default policy.
    #[graphql(default)]
    pub services: Vec<String>,
    /// Business hours; null: around the clock.
    pub calendar: Option<SlaCalendarInput>,
    /// When to record an `SLA_WARNING`, as a share of the target: 1 to 99 (default 75).
    pub warn_at_percent: Option<i32>,
    /// One entry per priority that has targets; priorities left out have none.
    pub targets: Vec<SlaTargetInput>,
}

/// The SLA policy to delete.
#[derive(InputObject)]
pub struct DeleteSlaPolicyInput {
    /// The policy's id; the default policy cannot be deleted.
    pub id: ID,
}

/// What `deleteSlaPolicy` removed.
#[derive(SimpleObject)]
pub struct DeleteSlaPolicyPayload {
    /// The id of the deleted policy.
    pub deleted_sla_policy_id: ID,
}

pub fn parse_sla_policy_id(field: &'static str, id: &ID) -> Result<SlaPolicyId> {
    Uuid::parse_str(id.as_str()).map(SlaPolicyId).map_err(|_| {
        with_code(
            format!("{field}: `{}` is not an SLA policy id", id.as_str()),
            code::BAD_USER_INPUT,
        )
    })
}

/// The draft the fields describe, or the first thing wrong with them.
pub fn draft(
    name: &str,
    services: &[String],
    calendar: Option<&SlaCalendarInput>,
    warn_at_percent: Option<i32>,
    targets: &[SlaTargetInput],
) -> Result<PolicyDraft> {
    let calendar = match calendar {
        None => Calendar::AroundTheClock,
        Some(c) => Calendar::BusinessHours(business_hours(c).map_err(bad_input)?),
    };
    let targets: Vec<_> = targets
        .iter()
        .map(|t| {
            (
                i32::from(t.priority.to_domain().rank()),
                t.response.as_deref(),
                t.resolution.as_deref(),
            )
        })
        .collect();
    PolicyDraft::new(name, services, calendar, warn_at_percent, &targets).map_err(bad_input)
}

fn business_hours(c: &SlaCalendarInput) -> Result<BusinessHours, DomainError> {
    let hours = c
        .hours
        .iter()
        .map(|h| {
            Ok((
                h.day.into(),
                wall_time(&h.open, "calendar.hours.open", false)?,
                wall_time(&h.close, "calendar.hours.close", true)?,
            ))
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    if c.holidays.len() > 10 * BusinessHours::MAX_HOLIDAYS {
        // Refused before parsing: a list this long is a mistake, not a calendar.
        return Err(DomainError::invalid(
            "calendar.holidays",
            format!(
                "lists {} dates; at most {} are allowed",
                c.holidays.len(),
                BusinessHours::MAX_HOLIDAYS
            ),
        ));
    }
    let holidays = c
        .holidays
        .iter()
        .map(|d| {
            NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                DomainError::invalid(
                    "calendar.holidays",
                    format!("`{d}` is not a date like 2026-12-25"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    BusinessHours::new(&c.time_zone, hours, holidays)
}

/// `HH:MM`; as a close, `24:00` is midnight at the end of the day (written `00:00`).
fn wall_time(text: &str, field: &'static str, close: bool) -> Result<NaiveTime, DomainError> {
    let text = text.trim();
    if close && text == "24:00" {
        return Ok(NaiveTime::MIN);
    }
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| DomainError::invalid(field, format!("`{text}` is not a time like 09:00")))
}

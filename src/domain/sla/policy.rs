//! An SLA policy: response and resolution targets per priority, the calendar the clocks count
//! in, when to warn, and the services it covers (none: the default for every other service).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::{Calendar, SlaDuration};
use crate::domain::DomainError;
use crate::domain::ids::{SlaPolicyId, UserId};
use crate::domain::priority::Priority;
use crate::domain::text::{PolicyName, Service};

/// Which clock: report → first response, or report → mitigated or resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockKind {
    Response,
    Resolution,
}

impl ClockKind {
    pub const ALL: [ClockKind; 2] = [Self::Response, Self::Resolution];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Response => "RESPONSE",
            Self::Resolution => "RESOLUTION",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The two targets of one priority; `None`: no target for that clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Targets {
    pub response: Option<SlaDuration>,
    pub resolution: Option<SlaDuration>,
}

impl Targets {
    pub fn of(&self, clock: ClockKind) -> Option<SlaDuration> {
        match clock {
            ClockKind::Response => self.response,
            ClockKind::Resolution => self.resolution,
        }
    }
}

/// What an admin gives for a policy, validated: everything but the bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDraft {
    pub name: PolicyName,
    /// Empty: the default policy, for every service no other policy lists.
    pub services: Vec<Service>,
    pub calendar: Calendar,
    pub warn_at_percent: u8,
    /// P1..P5.
    pub targets: [Targets; 5],
}

/// A policy as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub draft: PolicyDraft,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: UserId,
}

/// The most services one policy may list.
pub const MAX_SERVICES: usize = 200;
/// Warn at this share of a target unless the policy says otherwise.
pub const DEFAULT_WARN_AT_PERCENT: u8 = 75;

impl PolicyDraft {
    /// Checks the parts a client sends. `targets` are `(priority rank, response,
    /// resolution)`, durations as text (`15m`); a priority left out has no targets.
    pub fn new(
        name: &str,
        services: &[String],
        calendar: Calendar,
        warn_at_percent: Option<i32>,
        targets: &[(i32, Option<&str>, Option<&str>)],
    ) -> Result<Self, DomainError> {
        let name = PolicyName::parse(name)?;
        if services.len() > MAX_SERVICES {
            return Err(DomainError::invalid(
                "services",
                format!(
                    "lists {} services; at most {MAX_SERVICES} are allowed",
                    services.len()
                ),
            ));
        }
        let mut seen = HashSet::new();
        let mut parsed = Vec::with_capacity(services.len());
        for raw in services {
            let service = Service::parse(raw).map_err(|e| rename(e, "services"))?;
            if !seen.insert(service.as_str().to_owned()) {
                return Err(DomainError::invalid(
                    "services",
                    format!("lists `{}` twice", service.as_str()),
                ));
            }
            parsed.push(service);
        }
        let warn_at_percent = match warn_at_percent {
            None => DEFAULT_WARN_AT_PERCENT,
            Some(p @ 1..=99) => p as u8,
            Some(p) => {
                return Err(DomainError::invalid(
                    "warnAtPercent",
                    format!("is {p}; it must be a whole percentage from 1 to 99"),
                ));
            }
        };
        let mut table = [Targets::default(); 5];
        let mut given = [false; 5];
        for &(rank, response, resolution) in targets {
            let priority = i16::try_from(rank)
                .ok()
                .and_then(Priority::from_rank)
                .ok_or_else(|| {
                    DomainError::invalid(
                        "targets.priority",
                        format!("is {rank}; priorities are 1 (P1) to 5 (P5)"),
                    )
                })?;
            let slot = usize::try_from(priority.rank() - 1).unwrap_or_default();
            if std::mem::replace(&mut given[slot], true) {
                return Err(DomainError::invalid(
                    "targets.priority",
                    format!("P{rank} is listed twice"),
                ));
            }
            table[slot] = Targets {
                response: response
                    .map(|t| SlaDuration::parse(t, "targets.response"))
                    .transpose()?,
                resolution: resolution
                    .map(|t| SlaDuration::parse(t, "targets.resolution"))
                    .transpose()?,
            };
        }
        Ok(Self {
            name,
            services: parsed,
            calendar,
            warn_at_percent,
            targets: table,
        })
    }

    /// What a new database starts with: P1 15m/4h, P2 30m/8h, P3 4h/3d, P4 1d/10d, P5 none,
    /// around the clock, warning at 75% (the README lists the same).
    pub fn shipped_default() -> Self {
        let targets = [
            (1, Some("15m"), Some("4h")),
            (2, Some("30m"), Some("8h")),
            (3, Some("4h"), Some("3d")),
            (4, Some("1d"), Some("10d")),
        ];
        match Self::new("Default", &[], Calendar::AroundTheClock, None, &targets) {
            Ok(draft) => draft,
            // The values above are valid; a test holds them to it.
            Err(e) => unreachable!("the shipped default policy is invalid: {e}"),
        }
    }

    pub fn is_default(&self) -> bool {
        self.services.is_empty()
    }

    /// The targets for `priority`.
    pub fn targets_for(&self, priority: Priority) -> Targets {
        usize::try_from(priority.rank() - 1)
            .ok()
            .and_then(|i| self.targets.get(i).copied())
            .unwrap_or_default()
    }

    /// The strictest response target of any priority: what an incident not yet triaged is
    /// held to (it may turn out to be a P1).
    pub fn untriaged_response(&self) -> Option<SlaDuration> {
        self.targets.iter().filter_map(|t| t.response).min()
    }
}

/// A refusal from a value parsed for another field, renamed to the field the client sent.
fn rename(error: DomainError, field: &'static str) -> DomainError {
    match error {
        DomainError::Invalid { message, .. } => DomainError::Invalid { field, message },
        other => other,
    }
}

/// The policy that applies to `service`: the one listing it, else the default.
pub fn policy_for<'a>(policies: &'a [SlaPolicy], service: &str) -> Option<&'a SlaPolicy> {
    policies
        .iter()
        .find(|p| p.draft.services.iter().any(|s| s.as_str() == service))
        .or_else(|| policies.iter().find(|p| p.draft.is_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(targets: &[(i32, Option<&str>, Option<&str>)]) -> Result<PolicyDraft, DomainError> {
        PolicyDraft::new("Gold", &[], Calendar::AroundTheClock, None, targets)
    }

    fn field(result: Result<PolicyDraft, DomainError>) -> &'static str {
        match result {
            Err(DomainError::Invalid { field, .. }) => field,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_shipped_default_has_the_documented_targets() {
        let d = PolicyDraft::shipped_default();
        assert!(d.is_default());
        assert_eq!(d.warn_at_percent, 75);
        let p1 = d.targets_for(Priority::from_rank(1).expect("P1"));
        assert_eq!(p1.response.map(SlaDuration::as_secs), Some(15 * 60));
        assert_eq!(p1.resolution.map(SlaDuration::as_secs), Some(4 * 3600));
        let p4 = d.targets_for(Priority::from_rank(4).expect("P4"));
        assert_eq!(p4.resolution.map(SlaDuration::as_secs), Some(10 * 86_400));
        assert_eq!(
            d.targets_for(Priority::from_rank(5).expect("P5")),
            Targets::default()
        );
        assert_eq!(d.untriaged_response().map(SlaDuration::as_secs), Some(900));
    }

    #[test]
    fn bad_policies_name_the_field() {
        assert_eq!(field(draft(&[(0, Some("1h"), None)])), "targets.priority");
        assert_eq!(field(draft(&[(6, Some("1h"), None)])), "targets.priority");
        assert_eq!(
            field(draft(&[(1, Some("1h"), None), (1, None, Some("2h"))])),
            "targets.priority"
        );
        assert_eq!(field(draft(&[(1, Some("-5m"), None)])), "targets.response");
        assert_eq!(field(draft(&[(1, Some("0s"), None)])), "targets.response");
        assert_eq!(
            field(draft(&[(1, None, Some("10000d"))])),
            "targets.resolution"
        );
        assert_eq!(
            field(draft(&[(1, None, Some("soon"))])),
            "targets.resolution"
        );
        let warn = |p| PolicyDraft::new("x", &[], Calendar::AroundTheClock, Some(p), &[]);
        assert_eq!(field(warn(0)), "warnAtPercent");
        assert_eq!(field(warn(100)), "warnAtPercent");
        assert!(warn(99).is_ok());
        let twice = vec!["api".to_owned(), "api".to_owned()];
        assert_eq!(
            field(PolicyDraft::new(
                "x",
                &twice,
                Calendar::AroundTheClock,
                None,
                &[]
            )),
            "services"
        );
        assert_eq!(
            field(PolicyDraft::new(
                "x",
                &[" ".into()],
                Calendar::AroundTheClock,
                None,
                &[]
            )),
            "services"
        );
        assert_eq!(
            field(PolicyDraft::new(
                " ",
                &[],
                Calendar::AroundTheClock,
                None,
                &[]
            )),
            "name"
        );
    }

    #[test]
    fn a_listed_service_wins_over_the_default() {
        let stored = |name: &str, services: &[&str]| SlaPolicy {
            id: SlaPolicyId::new(),
            draft: PolicyDraft::new(
                name,
                &services.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                Calendar::AroundTheClock,
                None,
                &[],
            )
            .expect("valid"),
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            updated_by: UserId::from("admin"),
        };
        let policies = [stored("Default", &[]), stored("Payments", &["checkout"])];
        let name = |service| policy_for(&policies, service).map(|p| p.draft.name.as_str());
        assert_eq!(name("checkout"), Some("Payments"));
        assert_eq!(name("search"), Some("Default"));
        assert_eq!(policy_for(&policies[1..], "search"), None);
    }
}

//! Where an incident stands against its SLA as a whole, in a form the database can filter and
//! order by: three stored values from which the state at any instant follows. The clocks
//! themselves (`clock`) need the calendar; this needs only a comparison with "now".

use chrono::{DateTime, Utc};

use super::clock::{ClockReading, ClockState};

/// An incident's SLA standing, derived from both clock readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Standing {
    /// The earliest due time of a clock still running.
    pub next_due_at: Option<DateTime<Utc>>,
    /// When the first clock was breached, or will be if it keeps running.
    pub breached_at: Option<DateTime<Utc>>,
    /// Some clock was completed by its due time.
    pub met: bool,
}

impl Standing {
    pub fn of(readings: &[ClockReading]) -> Self {
        let applicable = readings
            .iter()
            .filter(|r| r.state != ClockState::NotApplicable)
            .filter_map(|r| Some((r.due_at?, r.completed_at)));
        let mut standing = Self::default();
        for (due_at, completed_at) in applicable {
            match completed_at {
                None => {
                    standing.next_due_at = earliest(standing.next_due_at, due_at);
                    standing.breached_at = earliest(standing.breached_at, due_at);
                }
                Some(done) if done > due_at => {
                    standing.breached_at = earliest(standing.breached_at, due_at);
                }
                Some(_) => standing.met = true,
            }
        }
        standing
    }

    /// The incident's SLA state at `now`: breached if any clock is, else running if any
    /// clock runs, else met if any clock was met, else not applicable. The same rule as
    /// the listing filter's SQL (`store::incident_sla`).
    pub fn state(&self, now: DateTime<Utc>) -> ClockState {
        if self.breached_at.is_some_and(|at| at <= now) {
            ClockState::Breached
        } else if self.next_due_at.is_some() {
            ClockState::Running
        } else if self.met {
            ClockState::Met
        } else {
            ClockState::NotApplicable
        }
    }
}

fn earliest(current: Option<DateTime<Utc>>, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    Some(current.map_or(at, |c| c.min(at)))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::domain::sla::policy::ClockKind;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).unwrap()
    }

    fn clock(due: Option<u32>, done: Option<u32>, state: ClockState) -> ClockReading {
        ClockReading {
            kind: ClockKind::Response,
            target: None,
            priority_rank: 1,
            due_at: due.map(at),
            warn_at: None,
            completed_at: done.map(at),
            elapsed: Duration::zero(),
            state,
        }
    }

    #[test]
    fn a_running_clock_is_due_and_breaches_at_its_due_time() {
        let s = Standing::of(&[clock(Some(10), None, ClockState::Running)]);
        assert_eq!(s.next_due_at, Some(at(10)));
        assert_eq!(s.state(at(9)), ClockState::Running);
        assert_eq!(s.state(at(10)), ClockState::Breached);
    }

    #[test]
    fn a_late_completion_stays_breached_and_an_early_one_is_met() {
        let late = Standing::of(&[
            clock(Some(10), Some(11), ClockState::Breached),
            clock(Some(20), Some(12), ClockState::Met),
        ]);
        assert_eq!(late.next_due_at, None);
        assert_eq!(late.state(at(23)), ClockState::Breached);
        let early = Standing::of(&[clock(Some(10), Some(9), ClockState::Met)]);
        assert_eq!(early.state(at(23)), ClockState::Met);
    }

    #[test]
    fn the_earliest_running_clock_is_next_due_and_a_breach_outranks_running() {
        let s = Standing::of(&[
            clock(Some(10), None, ClockState::Running),
            clock(Some(14), None, ClockState::Running),
        ]);
        assert_eq!(s.next_due_at, Some(at(10)));
        assert_eq!(s.state(at(12)), ClockState::Breached);
    }

    #[test]
    fn no_applicable_clock_is_not_applicable() {
        let s = Standing::of(&[clock(None, None, ClockState::NotApplicable)]);
        assert_eq!(s, Standing::default());
        assert_eq!(s.state(at(12)), ClockState::NotApplicable);
    }
}

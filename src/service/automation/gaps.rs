//! Reading the timeline by id without skipping an event for good.
//!
//! On PostgreSQL event ids come from a sequence when the row is inserted, so a transaction
//! holding id 10 may commit after one holding 11: a reader that sees 11 first and moves past
//! it would never see 10. A missing id is either such a transaction still running or a rolled
//! back one (ids are not reused). The reader stops before a missing id until it has been
//! missing for `GRACE` (far longer than a write transaction runs), then takes it as rolled
//! back. SQLite hands out ids one writer at a time and reuses a rolled-back one, so there a
//! gap never lasts.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::domain::ids::EventId;

/// How long a missing id is waited for before it is taken as rolled back.
pub const GRACE: Duration = Duration::from_secs(10);

/// The gaps seen in the timeline, and since when.
#[derive(Debug, Default)]
pub struct Gaps {
    /// The first missing id of each gap, and when it was first seen missing.
    since: BTreeMap<i64, Instant>,
}

impl Gaps {
    /// How many of `ids` (read in increasing order after `position`) can be acted on now:
    /// those before the first gap still within its grace.
    pub fn readable(&mut self, position: EventId, ids: &[EventId], now: Instant) -> usize {
        // Gaps at or before the position are behind us.
        self.since = self.since.split_off(&(position.0 + 1));
        let mut expected = position.0 + 1;
        for (n, id) in ids.iter().enumerate() {
            if id.0 > expected {
                let since = *self.since.entry(expected).or_insert(now);
                if now.duration_since(since) < GRACE {
                    return n;
                }
            }
            expected = id.0 + 1;
        }
        ids.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i64]) -> Vec<EventId> {
        v.iter().map(|&i| EventId(i)).collect()
    }

    #[test]
    fn contiguous_ids_are_all_readable() {
        let mut gaps = Gaps::default();
        assert_eq!(
            gaps.readable(EventId(4), &ids(&[5, 6, 7]), Instant::now()),
            3
        );
    }

    #[test]
    fn a_reader_stops_before_a_missing_id_until_it_arrives() {
        let mut gaps = Gaps::default();
        let t0 = Instant::now();
        assert_eq!(gaps.readable(EventId(4), &ids(&[5, 7, 8]), t0), 1);
        // 6 commits late: everything is readable.
        assert_eq!(gaps.readable(EventId(5), &ids(&[6, 7, 8]), t0), 3);
    }

    #[test]
    fn a_missing_id_is_taken_as_rolled_back_after_the_grace() {
        let mut gaps = Gaps::default();
        let t0 = Instant::now();
        assert_eq!(gaps.readable(EventId(4), &ids(&[5, 7]), t0), 1);
        assert_eq!(gaps.readable(EventId(5), &ids(&[7]), t0 + GRACE / 2), 0);
        assert_eq!(gaps.readable(EventId(5), &ids(&[7, 8]), t0 + GRACE), 2);
    }

    #[test]
    fn each_gap_has_its_own_grace() {
        let mut gaps = Gaps::default();
        let t0 = Instant::now();
        assert_eq!(gaps.readable(EventId(0), &ids(&[2, 3]), t0), 0);
        // Past the first gap's grace, a second gap seen only now still waits.
        assert_eq!(gaps.readable(EventId(0), &ids(&[2, 3, 5]), t0 + GRACE), 2);
        assert_eq!(gaps.readable(EventId(3), &ids(&[5]), t0 + GRACE), 0);
        assert_eq!(gaps.readable(EventId(3), &ids(&[5]), t0 + 2 * GRACE), 1);
        assert_eq!(gaps.since.keys().copied().collect::<Vec<_>>(), vec![4]);
        // Once read past, a gap is forgotten.
        assert_eq!(gaps.readable(EventId(5), &[], t0 + 2 * GRACE), 0);
        assert!(gaps.since.is_empty());
    }
}

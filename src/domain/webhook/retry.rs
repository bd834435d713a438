//! How long a failed delivery waits before its next attempt.

use std::time::Duration;

/// The wait before attempt `attempts + 1`, after `attempts` failed ones: `base`, then twice
/// as long each time, never more than `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(32);
    base.saturating_mul(1u32 << doublings.min(31)).min(max)
}

/// Spreads a wait over its upper half: `wait/2 + share × wait/2`, with `share` in [0, 1)
/// drawn at random by the caller. Deliveries that failed together (a receiver down for an
/// hour) then come back spread out, not all in the same second.
pub fn jittered(wait: Duration, share: f64) -> Duration {
    let share = if share.is_finite() {
        share.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let half = wait / 2;
    half + half.mul_f64(share)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_keeps_at_least_half_the_wait() {
        let wait = Duration::from_secs(60);
        assert_eq!(jittered(wait, 0.0), Duration::from_secs(30));
        assert_eq!(jittered(wait, 0.5), Duration::from_secs(45));
        assert!(jittered(wait, 0.999) < wait);
        assert_eq!(jittered(wait, 7.0), wait, "out-of-range shares are clamped");
        assert_eq!(jittered(wait, f64::NAN), Duration::from_secs(30));
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        let waits: Vec<u128> = (1..=6).map(|a| backoff(a, base, max).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(backoff(1_000, base, max), max);
    }
}

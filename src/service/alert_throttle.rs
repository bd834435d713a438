//! How fast one integration may send alerts: a token bucket per integration, in alerts (a
//! request of 50 alerts takes 50 tokens), on each node. A sender over its rate is answered 429
//! with `Retry-After`, which Alertmanager and Events v2 senders honour, so a runaway sender
//! slows down instead of crowding out the others and the API. The buckets are in memory: with
//! several nodes behind a balancer, each node allows the rate.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::domain::ids::IntegrationId;

pub struct AlertThrottle {
    /// `None`: no limit.
    limiter: Option<DefaultKeyedRateLimiter<IntegrationId>>,
    clock: DefaultClock,
    pub per_second: u32,
    pub burst: u32,
}

impl Default for AlertThrottle {
    fn default() -> Self {
        Self::new(0, 0)
    }
}

impl AlertThrottle {
    /// `per_second` alerts per integration on average, up to `burst` at once; 0 per second:
    /// no limit. A burst below 1 holds one alert.
    pub fn new(per_second: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(per_second).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self {
            limiter,
            clock: DefaultClock::default(),
            per_second,
            burst,
        }
    }

    /// Takes `alerts` tokens from `integration`'s bucket, or says how long to wait until they
    /// are there. A request larger than the whole burst is told to wait for a full bucket:
    /// configuration keeps the burst at least the largest request (`MAX_ALERTS`).
    pub fn admit(&self, integration: IntegrationId, alerts: usize) -> Result<(), Duration> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let Some(n) = NonZeroU32::new(u32::try_from(alerts).unwrap_or(u32::MAX)) else {
            return Ok(());
        };
        match limiter.check_key_n(&integration, n) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(not_until)) => Err(not_until.wait_time_from(self.clock.now())),
            // More than the bucket holds: the time a full bucket takes.
            Err(_) => Err(Duration::from_secs_f64(
                f64::from(self.burst) / f64::from(self.per_second.max(1)),
            )),
        }
    }
}

/// A wait in whole seconds, rounded up (at least 1): coming back a little late is fine,
/// early is not. What `Retry-After` carries.
pub fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_round_up_to_whole_seconds() {
        assert_eq!(whole_seconds(Duration::ZERO), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1_001)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
    }

    #[test]
    fn without_a_rate_everything_is_admitted() {
        let throttle = AlertThrottle::new(0, 0);
        let id = IntegrationId::new();
        for _ in 0..100 {
            assert_eq!(throttle.admit(id, 1_000), Ok(()));
        }
    }

    #[test]
    fn a_burst_is_admitted_then_the_sender_is_told_when_to_come_back() {
        let throttle = AlertThrottle::new(10, 100);
        let id = IntegrationId::new();
        assert_eq!(throttle.admit(id, 60), Ok(()));
        assert_eq!(throttle.admit(id, 40), Ok(()));
        let wait = throttle.admit(id, 20).expect_err("over the burst");
        // 20 alerts at 10 a second: about 2 s (less the little that refilled meanwhile).
        assert!(
            wait > Duration::from_millis(1_500) && wait <= Duration::from_secs(2),
            "{wait:?}"
        );
    }

    #[test]
    fn integrations_have_buckets_of_their_own() {
        let throttle = AlertThrottle::new(1, 10);
        let (a, b) = (IntegrationId::new(), IntegrationId::new());
        assert_eq!(throttle.admit(a, 10), Ok(()));
        assert!(throttle.admit(a, 1).is_err());
        assert_eq!(throttle.admit(b, 10), Ok(()));
    }
}

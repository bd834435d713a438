//! The per-connection cap on active subscriptions. Each subscription holds a slot for as
//! long as its stream lives; dropping the stream (the client completes it, or the
//! connection closes) gives the slot back.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::error::{code, with_code};

pub struct SubscriptionSlots {
    max: usize,
    active: AtomicUsize,
}

/// One taken slot, returned on drop.
pub struct Slot(Arc<SubscriptionSlots>);

impl SubscriptionSlots {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            active: AtomicUsize::new(0),
        })
    }

    pub fn take(self: &Arc<Self>) -> async_graphql::Result<Slot> {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            })
            .map(|_| Slot(self.clone()))
            .map_err(|_| {
                with_code(
                    format!(
                        "this connection already has {} active subscriptions, the limit; complete one first",
                        self.max
                    ),
                    code::RATE_LIMITED,
                )
            })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.active.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_comes_back_when_dropped() {
        let slots = SubscriptionSlots::new(2);
        let a = slots.take().expect("valid");
        let _b = slots.take().expect("valid");
        assert!(slots.take().is_err());
        drop(a);
        assert!(slots.take().is_ok());
    }
}

//! The per-connection cap on active subscriptions. Each subscription holds a slot for as
//! long as its stream lives; dropping the stream (the client completes it, or the
//! connection closes) gives the slot back.
//!
//! A subscription's events resolve in a task of their own (`http/ws/executor.rs`), which
//! drops the stream only when it next runs. So the resolver also leaves its slot in a
//! `SlotHandoff` that the connection holds: the slot comes back the moment the client
//! completes the subscription, and a subscription sent right after gets it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::error::{code, with_code};

pub struct SubscriptionSlots {
    max: usize,
    active: AtomicUsize,
}

/// One taken slot, given back when the first of its copies is dropped.
#[derive(Clone)]
pub struct Slot {
    slots: Arc<SubscriptionSlots>,
    given_back: Arc<AtomicBool>,
}

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
            .map(|_| Slot {
                slots: self.clone(),
                given_back: Arc::new(AtomicBool::new(false)),
            })
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
        if !self.given_back.swap(true, Ordering::AcqRel) {
            self.slots.active.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Where a subscription's resolver leaves a copy of its slot for the connection.
#[derive(Clone, Default)]
pub struct SlotHandoff(Arc<Mutex<Option<Slot>>>);

impl SlotHandoff {
    pub fn put(&self, slot: Slot) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(slot);
    }

    /// Gives the slot back now, if the resolver left one.
    pub fn give_back(&self) {
        let slot = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        drop(slot);
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

    #[test]
    fn the_first_copy_dropped_gives_the_slot_back_once() {
        let slots = SubscriptionSlots::new(1);
        let slot = slots.take().expect("valid");
        let handoff = SlotHandoff::default();
        handoff.put(slot.clone());
        handoff.give_back();
        assert_eq!(slots.active.load(Ordering::Acquire), 0);
        drop(slot);
        assert_eq!(slots.active.load(Ordering::Acquire), 0, "given back twice");
        assert!(slots.take().is_ok());
    }
}

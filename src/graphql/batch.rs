//! Request-scoped batch loading (the DataLoader pattern), deterministic and without timers.
//!
//! Resolvers ask a `Batcher` for one key and wait. The `BatchDriver` polls the query; once
//! the query is stalled (it stopped yielding cooperatively, so every sibling field of a page
//! has asked for its key), the driver loads each batcher's pending keys in one call. No
//! delay is involved: async-graphql's own DataLoader waits on a timer (at least one timer
//! tick, about 1 ms per request here) and splits batches when resolvers are slower than the
//! timer, because its nested `FuturesUnordered`s yield after every pass.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Wake, Waker};

use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, Stream, StreamExt};
// Not tokio's oneshot: tokio's channels spend the task's cooperative budget, and a page of
// a hundred answers exhausts it, which looks like cooperative yielding and split batches.
use futures::channel::oneshot;

use crate::service::ServiceError;

pub type LoadError = Arc<ServiceError>;

/// Loads many keys at once; keys without a value are simply absent from the map.
pub trait BatchLoad: Send + Sync + 'static {
    type Key: Clone + Eq + Hash + Send + Sync + 'static;
    type Value: Clone + Send + Sync + 'static;

    fn load(
        &self,
        keys: Vec<Self::Key>,
    ) -> impl Future<Output = Result<HashMap<Self::Key, Self::Value>, LoadError>> + Send;
}

type Answer<V> = Result<Option<V>, LoadError>;

/// Whoever waits for one key's answer.
type Waiters<V> = Vec<oneshot::Sender<Answer<V>>>;

struct State<L: BatchLoad> {
    /// Answers already loaded in this request.
    loaded: HashMap<L::Key, Answer<L::Value>>,
    /// Keys waiting for the next batch, with whoever waits for each.
    waiting: HashMap<L::Key, Waiters<L::Value>>,
}

pub struct Batcher<L: BatchLoad> {
    loader: Arc<L>,
    state: Mutex<State<L>>,
}

impl<L: BatchLoad> Batcher<L> {
    fn new(loader: L) -> Arc<Self> {
        Arc::new(Self {
            loader: Arc::new(loader),
            state: Mutex::new(State {
                loaded: HashMap::new(),
                waiting: HashMap::new(),
            }),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State<L>> {
        // Nothing panics while holding the lock; if something did, the maps are still whole.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The value for `key`, loaded in the next batch (or from this request's earlier ones).
    pub async fn load_one(&self, key: L::Key) -> Answer<L::Value> {
        let receiver = {
            let mut state = self.lock();
            if let Some(answer) = state.loaded.get(&key) {
                return answer.clone();
            }
            let (sender, receiver) = oneshot::channel();
            state.waiting.entry(key).or_default().push(sender);
            receiver
        };
        receiver.await.unwrap_or_else(|_canceled| {
            Err(Arc::new(ServiceError::from(sea_orm::DbErr::Custom(
                "a batch load was dropped before it answered".into(),
            ))))
        })
    }
}

/// A batcher seen by the driver, whatever its key and value types.
trait Flush: Send + Sync {
    /// Takes the pending keys and returns the load that answers them, if any are pending.
    fn flush(self: Arc<Self>) -> Option<BoxFuture<'static, ()>>;
    /// Drops the answers loaded so far (between the events of a subscription).
    fn forget(&self);
}

impl<L: BatchLoad> Flush for Batcher<L> {
    fn forget(&self) {
        self.lock().loaded.clear();
    }

    fn flush(self: Arc<Self>) -> Option<BoxFuture<'static, ()>> {
        let waiting = std::mem::take(&mut self.lock().waiting);
        if waiting.is_empty() {
            return None;
        }
        Some(Box::pin(async move {
            let keys: Vec<L::Key> = waiting.keys().cloned().collect();
            let result = self.loader.load(keys).await;
            let mut state = self.lock();
            for (key, senders) in waiting {
                let answer = match &result {
                    Ok(values) => Ok(values.get(&key).cloned()),
                    Err(e) => Err(e.clone()),
                };
                for sender in senders {
                    // A resolver that gave up (the request was cancelled) is not waiting.
                    let _ = sender.send(answer.clone());
                }
                state.loaded.insert(key, answer);
            }
        }))
    }
}

/// Runs a query and the batch loads its resolvers wait for.
#[derive(Default)]
pub struct BatchDriver {
    batchers: Vec<Arc<dyn Flush>>,
    loads: FuturesUnordered<BoxFuture<'static, ()>>,
    yields_in_a_row: usize,
}

/// A query that keeps yielding without waiting on anything gets its batches loaded anyway
/// after this many polls in a row, so a busy query cannot starve them.
const MAX_YIELDS_IN_A_ROW: usize = 10_000;

impl BatchDriver {
    /// A batcher for `loader`, registered with this driver (made any other way, it would
    /// never be flushed).
    pub fn batcher<L: BatchLoad>(&mut self, loader: L) -> Arc<Batcher<L>> {
        let batcher = Batcher::new(loader);
        self.batchers.push(batcher.clone());
        batcher
    }

    /// Runs `query` to completion, loading batches whenever it is stalled.
    pub async fn drive<F: Future>(mut self, query: F) -> F::Output {
        let mut query = pin!(query);
        std::future::poll_fn(move |cx| self.poll_with(cx, |cx| query.as_mut().poll(cx))).await
    }

    /// Runs a subscription: each item is resolved like one query, and answers loaded for
    /// one item are forgotten before the next, so every event shows current data.
    pub fn drive_stream<S: Stream + Send + 'static>(
        mut self,
        stream: S,
    ) -> impl Stream<Item = S::Item> + Send + 'static {
        let mut stream = Box::pin(stream);
        futures::stream::poll_fn(move |cx| {
            let polled = self.poll_with(cx, |cx| stream.as_mut().poll_next(cx));
            if let Poll::Ready(Some(_)) = &polled {
                for batcher in &self.batchers {
                    batcher.forget();
                }
            }
            polled
        })
    }

    fn poll_with<T>(
        &mut self,
        cx: &mut Context<'_>,
        mut query: impl FnMut(&mut Context<'_>) -> Poll<T>,
    ) -> Poll<T> {
        loop {
            let probe = Arc::new(WakeProbe {
                inner: cx.waker().clone(),
                woken: AtomicBool::new(false),
            });
            let waker = Waker::from(probe.clone());
            if let Poll::Ready(out) = query(&mut Context::from_waker(&waker)) {
                return Poll::Ready(out);
            }
            // A query that woke itself is still registering keys (or ran out of tokio's
            // cooperative budget): it is polled again, on a fresh budget, before any batch
            // is loaded. One that did not is waiting on batches or I/O: load what it asked.
            let yielded =
                probe.woken.load(Ordering::Acquire) && self.yields_in_a_row < MAX_YIELDS_IN_A_ROW;
            if yielded {
                self.yields_in_a_row += 1;
            } else {
                self.yields_in_a_row = 0;
                for batcher in &self.batchers {
                    if let Some(load) = batcher.clone().flush() {
                        self.loads.push(load);
                    }
                }
            }
            let mut finished = false;
            while let Poll::Ready(Some(())) = self.loads.poll_next_unpin(cx) {
                finished = true;
            }
            // After a yield the task is already woken; after a finished load (answers that
            // needed no I/O) the query can go on right away.
            if yielded || !finished {
                return Poll::Pending;
            }
        }
    }
}

/// Wraps the task's waker to learn whether the query woke itself while being polled.
struct WakeProbe {
    inner: Waker,
    woken: AtomicBool,
}

impl Wake for WakeProbe {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.inner.wake_by_ref();
    }
}

//! The server's stop as the websocket connections see it. An upgraded connection leaves the
//! accept loop's hands (`serve.rs` waits only for requests), so without this a stop cut every
//! websocket off with no close frame and clients could not tell a restart from a crash.
//! On the stop each connection sends Close 1001 ("going away": reconnect, perhaps to another
//! node) and the stop waits, within a bound, until they have all closed.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TrackedFuture;

/// The close code and reason a websocket gets when the server stops.
pub const GOING_AWAY: (u16, &str) = (1001, "going away");

#[derive(Clone, Default)]
pub struct Shutdown {
    stop: CancellationToken,
    websockets: TaskTracker,
}

impl Shutdown {
    /// Tells every websocket connection, open or opening later, to close.
    pub fn begin(&self) {
        self.stop.cancel();
        self.websockets.close();
    }

    /// Completes once the stop has begun.
    pub fn begun(&self) -> WaitForCancellationFuture<'_> {
        self.stop.cancelled()
    }

    /// Runs a websocket connection so that the stop can wait for it.
    pub fn track<F: Future>(&self, connection: F) -> TrackedFuture<F> {
        self.websockets.track_future(connection)
    }

    /// Waits up to `within` for the websocket connections to close; `false` if some were
    /// still open (they are cut off when the process exits).
    pub async fn websockets_closed(&self, within: Duration) -> bool {
        tokio::time::timeout(within, self.websockets.wait())
            .await
            .is_ok()
    }
}

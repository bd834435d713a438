//! Accepting connections, with the bounds a server on the open network needs and
//! `axum::serve` does not set: a time limit on reading a request's headers (which also closes
//! idle keep-alive connections), a cap on open connections answered with a quick 503 beyond
//! it, the process's file-descriptor limit raised as far as it may go, and a graceful stop.
//!
//! Without them, 500 connections that dripped their headers slowly were held for as long as
//! the client liked, and 1,100 half-sent requests at a 1,024-descriptor limit made every other
//! request fail with "Too many open files".
//!
//! HTTP/1.1 only, as before in practice: hyper's automatic HTTP/2 detection reads the first
//! bytes with no time limit, which is the very hole this closes; cleartext HTTP/2 with prior
//! knowledge is not something browsers, proxies or GraphQL clients send.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

/// How connections are bounded (from `limits.*`).
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Open HTTP connections at once; websockets, once upgraded, are bounded by their own
    /// keep-alive and no longer count.
    pub max_connections: usize,
    /// The longest a client may take to send a request's headers, and the longest a
    /// keep-alive connection may sit idle.
    pub header_timeout: Duration,
    /// How long a stop waits for requests in flight.
    pub shutdown_grace: Duration,
}

impl From<&crate::config::Limits> for ConnectionLimits {
    fn from(limits: &crate::config::Limits) -> Self {
        Self {
            max_connections: limits.connections,
            header_timeout: Duration::from_secs(limits.header_timeout_seconds),
            shutdown_grace: limits.request_timeout(),
        }
    }
}

/// Raises the soft limit on open files to the hard limit, so the connection cap and not the
/// operating system's default (often 1,024) decides how many clients are served. Returns the
/// soft limit now in force.
pub fn raise_file_limit() -> Option<u64> {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            tracing::warn!(error = %e, "could not raise the open-file limit");
            None
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits
/// up to the grace period for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stopping, stop) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, or a connection reset before it was accepted: wait a
                    // moment rather than spin, as axum::serve does.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(refuse_busy(stream));
            continue;
        };
        let service = TowerToHyperService::new(router.clone());
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                // The only change ever sent is the stop.
                _ = stop.changed() => {
                    // Finish the request in flight, then close.
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(slot);
        });
    }
    drop(listener);
    let _ = stopping.send(true);
    let max = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(max))
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight at the end of the grace period were cut off");
    }
}

/// Beyond the connection cap: a short 503 and the connection closed, never a hang; all of
/// it within a second.
async fn refuse_busy(mut stream: TcpStream) {
    const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: 47\r\n\r\nthe server has too many open connections; retry";
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        // Answer once the request has begun to arrive: a client that has not sent it yet
        // takes an answer for a protocol error, not for a 503.
        let mut scratch = [0u8; 4096];
        let _ = stream.read(&mut scratch).await;
        let _ = stream.write_all(BUSY).await;
        let _ = stream.shutdown().await;
        // Read on until the client closes: closing with its bytes unread would reset the
        // connection, which can destroy the answer before the client reads it.
        while matches!(stream.read(&mut scratch).await, Ok(n) if n > 0) {}
    })
    .await;
}

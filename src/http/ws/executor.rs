//! One connection's executor: every operation on the connection runs as the caller who
//! opened it, with its own DataLoaders (forgotten between the events of a subscription, so
//! nested fields show current data) and the connection's subscription slots.
//!
//! Queries and mutations sent over the connection get the same bounds as over HTTP: each
//! runs under the request time limit, and a connection has at most as many of them in
//! flight as it may hold subscriptions (the protocols let a client send operations without
//! waiting for answers, so without a bound one connection could start any number).
//!
//! Every operation resolves in a task of its own, and only finished answers wait for the
//! socket. The connection's loop polls its operations only between sends: resolved inline,
//! an operation halfway through a query would keep its pooled database connection for as
//! long as a client that stopped reading blocks the send (up to two keep-alive intervals),
//! and twenty nested subscriptions on two such sockets starved every other request of
//! connections. Each subscription keeps at most one finished answer waiting (a channel of
//! one) and resolves its next event only once that answer is taken.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::parser::types::{DocumentOperations, OperationType};
use async_graphql::{Data, Executor, Request, Response, ServerError};
use futures::{Stream, StreamExt, future};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::auth::Viewer;
use crate::graphql::error::code;
use crate::graphql::limits::{DocumentLimits, admit};
use crate::graphql::loaders::Loaders;
use crate::graphql::slots::{SlotHandoff, SubscriptionSlots};
use crate::graphql::{AppSchema, RequestId};
use crate::http::response::{clarify, took_too_long};
use crate::service::Services;

#[derive(Clone)]
pub struct ConnectionExecutor {
    pub schema: AppSchema,
    pub services: Services,
    pub viewer: Viewer,
    pub slots: Arc<SubscriptionSlots>,
    /// Queries and mutations that may run at once on this connection.
    pub in_flight: Arc<Semaphore>,
    pub in_flight_max: usize,
    pub request_timeout: Duration,
    pub request_id: String,
    pub depth: usize,
    pub complexity: usize,
    pub document_limits: DocumentLimits,
    /// For counting operations in `/metrics`, as over HTTP.
    pub state: crate::http::AppState,
}

impl ConnectionExecutor {
    fn prepare(&self, request: Request) -> (Request, crate::graphql::batch::BatchDriver) {
        let (loaders, driver) = Loaders::new(&self.services, &self.viewer);
        let request = request
            .data(self.viewer.clone())
            .data(loaders)
            .data(self.slots.clone())
            .data(RequestId(self.request_id.clone()));
        (request, driver)
    }

    /// A query or mutation: one answer, within the time limit, holding an in-flight permit
    /// while it runs. The permit is taken now, when the operation arrives, so the one over
    /// the limit is refused at once.
    fn run_once(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> impl Future<Output = Response> + Send + 'static {
        let permit = self.in_flight.clone().try_acquire_owned();
        let max = self.in_flight_max;
        let name = operation_name(&mut request);
        let (request, driver) = self.prepare(request);
        let mut stream = self.stream(request, session_data);
        let (depth, complexity) = (self.depth, self.complexity);
        let limit = self.request_timeout;
        let request_id = self.request_id.clone();
        let state = self.state.clone();
        let run = async move {
            let _permit: OwnedSemaphorePermit = match permit {
                Ok(permit) => permit,
                Err(_) => {
                    return error(
                        format!(
                            "this connection already has {max} queries and mutations in flight, the limit; wait for an answer before sending more"
                        ),
                        code::RATE_LIMITED,
                    );
                }
            };
            let response = match tokio::time::timeout(limit, driver.drive(stream.next())).await {
                Ok(Some(response)) => with_codes(response, depth, complexity),
                // A query or mutation always answers once; no answer would be a bug upstream.
                Ok(None) => error("the operation gave no answer".into(), code::INTERNAL),
                Err(_) => {
                    tracing::warn!(request.id = %request_id, "websocket operation cancelled at the time limit");
                    error(took_too_long(limit), code::INTERNAL)
                }
            };
            count(&state, name.as_deref(), &response);
            response
        };
        // Runs to its answer even while the socket is blocked (see the module comment); the
        // time limit bounds it when nobody waits for the answer any more.
        let task = tokio::spawn(run);
        async move {
            task.await.unwrap_or_else(|_| {
                error("the operation stopped unexpectedly".into(), code::INTERNAL)
            })
        }
    }

    fn stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match session_data {
            Some(data) => self.schema.execute_stream_with_session_data(request, data),
            None => self.schema.execute_stream(request),
        }
    }
}

/// The operation's name for `/metrics`: the one the client selected, or the name of the
/// document's only operation (websocket clients rarely send `operationName`).
fn operation_name(request: &mut Request) -> Option<String> {
    if let Some(name) = &request.operation_name {
        return Some(name.clone());
    }
    match &request.parsed_query().ok()?.operations {
        DocumentOperations::Single(_) => None,
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            ops.keys().next().map(|n| n.to_string())
        }
        DocumentOperations::Multiple(_) => None,
    }
}

/// Whether the request runs a subscription. The document is parsed once: the request keeps
/// it for execution. One that does not parse is not a subscription (execution reports why).
fn is_subscription(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let ty = match &document.operations {
        DocumentOperations::Single(op) => Some(op.node.ty),
        DocumentOperations::Multiple(ops) => name
            .as_deref()
            .and_then(|n| ops.get(n))
            .map(|op| op.node.ty),
    };
    ty == Some(OperationType::Subscription)
}

/// `events` polled by a task of its own, handing over one finished answer at a time (see the
/// module comment). The task ends with the stream, or as soon as the connection drops the
/// subscription (a `complete`, or the connection closing); the subscription's slot comes
/// back at that moment, through `slot`.
fn resolved_apart(
    events: impl Stream<Item = Response> + Send + 'static,
    slot: SlotHandoff,
) -> BoxStream<'static, Response> {
    let (sender, receiver) = tokio::sync::mpsc::channel(1);
    tokio::spawn(async move {
        let mut events = std::pin::pin!(events);
        loop {
            let next = tokio::select! {
                next = events.next() => next,
                () = sender.closed() => break,
            };
            let Some(response) = next else { break };
            if sender.send(response).await.is_err() {
                break;
            }
        }
    });
    let answers = Answers { receiver, slot };
    futures::stream::unfold(answers, |mut answers| async move {
        answers
            .receiver
            .recv()
            .await
            .map(|response| (response, answers))
    })
    .boxed()
}

/// The connection's end of a subscription resolved apart.
struct Answers {
    receiver: tokio::sync::mpsc::Receiver<Response>,
    slot: SlotHandoff,
}

impl Drop for Answers {
    fn drop(&mut self) {
        self.slot.give_back();
    }
}

fn error(message: String, code: &str) -> Response {
    let mut error = ServerError::new(message, None);
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
    Response::from_errors(vec![error])
}

/// As over HTTP: an error without a code comes from parsing or validation (the client's
/// input), and async-graphql's limit messages get the limit in them.
fn with_codes(mut response: Response, depth: usize, complexity: usize) -> Response {
    for error in &mut response.errors {
        error.message = clarify(&error.message, depth, complexity);
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", code::BAD_USER_INPUT);
        }
    }
    response
}

/// Counts an operation on the connection in `/metrics` (the caller presented a valid token
/// to open it).
fn count(state: &crate::http::AppState, name: Option<&str>, response: &Response) {
    let code = response.errors.first().map(crate::http::metrics::code_of);
    crate::http::metrics::graphql_operation(state, name, true, code);
}

impl Executor for ConnectionExecutor {
    fn execute(&self, mut request: Request) -> impl Future<Output = Response> + Send {
        match admit(&mut request, self.document_limits) {
            Ok(()) => future::Either::Left(self.run_once(request, None)),
            Err(refused) => {
                let response = Response::from_errors(vec![refused]);
                count(&self.state, request.operation_name.as_deref(), &response);
                future::Either::Right(future::ready(response))
            }
        }
    }

    fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        if let Err(refused) = admit(&mut request, self.document_limits) {
            let response = Response::from_errors(vec![refused]);
            count(&self.state, request.operation_name.as_deref(), &response);
            return futures::stream::once(future::ready(response)).boxed();
        }
        if !is_subscription(&mut request) {
            return futures::stream::once(self.run_once(request, session_data)).boxed();
        }
        // A subscription counts once, when it starts; its events are not operations.
        let name = operation_name(&mut request);
        crate::http::metrics::graphql_operation(&self.state, name.as_deref(), true, None);
        let slot = SlotHandoff::default();
        let (request, driver) = self.prepare(request.data(slot.clone()));
        let stream = self.stream(request, session_data);
        let (depth, complexity) = (self.depth, self.complexity);
        let events = driver
            .drive_stream(stream)
            .map(move |response| with_codes(response, depth, complexity));
        resolved_apart(events, slot)
    }
}

//! One connection's executor: every operation on the connection runs as the caller who
//! opened it, with its own DataLoaders (forgotten between the events of a subscription, so
//! nested fields show current data) and the connection's subscription slots.

use std::future::Future;
use std::sync::Arc;

use async_graphql::futures_util::stream::BoxStream;
use async_graphql::{Data, Executor, Request, Response};
use futures::StreamExt;

use crate::auth::Viewer;
use crate::graphql::error::code;
use crate::graphql::loaders::Loaders;
use crate::graphql::slots::SubscriptionSlots;
use crate::graphql::{AppSchema, RequestId};
use crate::http::response::clarify;
use crate::service::Services;

#[derive(Clone)]
pub struct ConnectionExecutor {
    pub schema: AppSchema,
    pub services: Services,
    pub viewer: Viewer,
    pub slots: Arc<SubscriptionSlots>,
    pub request_id: String,
    pub depth: usize,
    pub complexity: usize,
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

impl Executor for ConnectionExecutor {
    fn execute(&self, request: Request) -> impl Future<Output = Response> + Send {
        let (request, driver) = self.prepare(request);
        let schema = self.schema.clone();
        let (depth, complexity) = (self.depth, self.complexity);
        async move {
            let response = driver.drive(schema.execute(request)).await;
            with_codes(response, depth, complexity)
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        let (request, driver) = self.prepare(request);
        let stream = match session_data {
            Some(data) => self.schema.execute_stream_with_session_data(request, data),
            None => self.schema.execute_stream(request),
        };
        let (depth, complexity) = (self.depth, self.complexity);
        driver
            .drive_stream(stream)
            .map(move |response| with_codes(response, depth, complexity))
            .boxed()
    }
}

//! Fuzz target `front_door`: what every GraphQL transport runs on a request before anything
//! executes, on arbitrary text: the variables' JSON read as HTTP (`serde_json::Value`, then
//! `Variables::from_json`) and as the websocket (straight into `Variables`) read it, then
//! `graphql::limits::admit` (the nesting scan, the NUL check of the variables, the parse,
//! the narrowing to the named operation, aliases, NUL in the document, depth and size).
//! Nothing may panic or overflow a worker's stack, the nesting scan keeps its contract, and
//! nothing `admit` lets through is nested past the limit or carries a NUL in its variables.
//!
//! Input: UTF-8 text, `document NUL variables NUL operationName`; the parts after the
//! document are optional. The variables are used when they parse to a JSON object.
#![no_main]

use async_graphql::{Request, ServerError, Variables};
use hindsight::graphql::limits::{self, DocumentLimits};
use hindsight::graphql::nesting::{self, MAX_NESTING};
use hindsight::graphql::nul;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The stack of a tokio worker thread, where the server reads and admits requests. libFuzzer
/// calls the target on the main thread, whose 8 MiB would hide a recursion that overflows a
/// worker.
const WORKER_STACK: usize = 2 * 1024 * 1024;

/// The server's defaults are of this size; any values will do for the scan's invariants.
const LIMITS: DocumentLimits = DocumentLimits {
    depth: 12,
    aliases: 30,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let document = parts.next().unwrap_or_default();
    let variables = parts.next().unwrap_or_default();
    let operation_name = parts.next();

    let scanned = nesting::check(document, MAX_NESTING);
    match scanned {
        Ok(deepest) => {
            assert!(deepest <= MAX_NESTING, "Ok({deepest}) is past the limit");
            // The depth reported is exact: the document passes at it and fails just below.
            assert_eq!(nesting::check(document, deepest), Ok(deepest));
            if deepest > 0 {
                assert_eq!(nesting::check(document, deepest - 1), Err(deepest - 1));
            }
        }
        Err(limit) => assert_eq!(limit, MAX_NESTING),
    }

    // Everything the server does with the request text runs where it runs there.
    let admitted = on_a_worker_stack(|| front_door(document, variables, operation_name));

    if let Err(refused) = &admitted.result {
        let code = refused
            .extensions
            .as_ref()
            .and_then(|extensions| extensions.get("code"));
        assert_eq!(
            code,
            Some(&async_graphql::Value::from("BAD_USER_INPUT")),
            "a refusal without the client's code: {refused:?}"
        );
    }
    if scanned.is_err() {
        assert!(
            admitted.result.is_err(),
            "a document past the nesting limit was admitted"
        );
    }
    if admitted.variables_hold_nul {
        assert!(
            admitted.result.is_err(),
            "variables holding NUL were admitted"
        );
    }
});

struct Admitted {
    result: Result<(), ServerError>,
    /// Whether a variable's value holds a NUL in a string or a key, as the JSON says.
    variables_hold_nul: bool,
}

fn front_door(document: &str, variables: &str, operation_name: Option<&str>) -> Admitted {
    let mut request = Request::new(document);
    if let Some(name) = operation_name {
        request = request.operation_name(name);
    }
    let mut variables_hold_nul = false;
    // As POST and GET read them (src/http/graphql.rs). serde_json refuses JSON nested deeper
    // than 128 levels, so neither reading can recurse deeply.
    if let Ok(value @ Value::Object(_)) = serde_json::from_str::<Value>(variables) {
        let entries = value.as_object().map_or(0, serde_json::Map::len);
        // Only values count at the top: a variable's name is never a GraphQL name if it holds
        // NUL, so no operation can use it, and the server never looks at it.
        variables_hold_nul = value
            .as_object()
            .is_some_and(|variables| variables.values().any(json_holds_nul));
        let over_http = Variables::from_json(value);
        // The websocket reads the variables of its payload straight into `Variables`.
        if let Ok(over_websocket) = serde_json::from_str::<Variables>(variables) {
            assert_eq!(
                over_http, over_websocket,
                "HTTP and the websocket read the variables differently"
            );
        }
        if over_http.len() == entries {
            assert_eq!(
                nul::in_variables(&over_http).is_some(),
                variables_hold_nul,
                "nul::in_variables disagrees with the JSON about NUL"
            );
        } else {
            // Not every variable came through, so none of them reaches the server: nothing
            // can be said of NUL in them.
            variables_hold_nul = false;
        }
        request = request.variables(over_http);
    }
    let result = limits::admit(&mut request, LIMITS);
    Admitted {
        result,
        variables_hold_nul,
    }
}

/// An independent reading of "holds NUL": any string or object key, at any depth.
fn json_holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(json_holds_nul),
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.contains('\0') || json_holds_nul(value)),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

fn on_a_worker_stack<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(WORKER_STACK)
            .spawn_scoped(scope, work)
            .expect("spawn a worker-sized thread")
            .join()
            .expect("the front door does not panic (libFuzzer aborts on a panic first)")
    })
}

//! Label values for the metrics, each from a bounded set: a label that takes whatever a client
//! sends would grow the series (and the scrape) without end.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock, PoisonError};

use axum::http::Method;

use crate::domain::priority::Priority;
use crate::graphql::error::code;

/// The route label of a request no route matched (a 404, a CORS preflight).
pub const UNMATCHED: &str = "unmatched";

/// Distinct GraphQL operation names counted under their own name; later ones are "other".
/// Clients use a few dozen; 200 leaves room and bounds what a misbehaving one can add.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The priority labels, in order; "none": not triaged yet.
pub const PRIORITIES: [&str; 6] = ["P1", "P2", "P3", "P4", "P5", "none"];

pub fn priority(priority: Option<Priority>) -> &'static str {
    match priority.map(Priority::rank) {
        Some(1) => "P1",
        Some(2) => "P2",
        Some(3) => "P3",
        Some(4) => "P4",
        Some(5) => "P5",
        _ => "none",
    }
}

/// A route template as a label: `{key}` written `:key`, because some Prometheus text-format
/// parsers stop at a brace inside a label value (the value is never a client's path: a path
/// segment such as an alert key stays the parameter's name).
pub fn route(template: &str) -> String {
    template
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => format!(":{name}"),
                None => segment.to_owned(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

pub fn method(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

/// One of the codes clients see (`graphql::error::code`), or "OTHER".
pub fn error_code(value: &str) -> &'static str {
    [
        code::BAD_USER_INPUT,
        code::UNAUTHENTICATED,
        code::FORBIDDEN,
        code::NOT_FOUND,
        code::CONFLICT,
        code::RATE_LIMITED,
        code::INTERNAL,
    ]
    .into_iter()
    .find(|known| *known == value)
    .unwrap_or("OTHER")
}

/// A GraphQL name (`[A-Za-z_][A-Za-z0-9_]*`) of at most 64 characters.
fn is_short_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && name.len() <= 64 && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The operation names counted under their own name so far.
struct OperationNames {
    seen: Mutex<HashSet<String>>,
    max: usize,
}

impl OperationNames {
    fn new(max: usize) -> Self {
        Self {
            seen: Mutex::default(),
            max,
        }
    }

    fn label(&self, name: Option<&str>, may_add: bool) -> String {
        let Some(name) = name else {
            return "anonymous".into();
        };
        if !is_short_name(name) {
            return "other".into();
        }
        // Nothing done under the lock can leave the set half-changed.
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(name) {
            return name.to_owned();
        }
        if may_add && seen.len() < self.max {
            seen.insert(name.to_owned());
            return name.to_owned();
        }
        "other".into()
    }
}

/// The operation label: the name itself once it is known, "anonymous" without one, "other"
/// for a name that is not a short GraphQL name or that comes after the bound. Only `may_add`
/// callers (with a valid token) add a new name, so anonymous traffic cannot use up the bound.
pub fn operation(name: Option<&str>, may_add: bool) -> String {
    static NAMES: OnceLock<OperationNames> = OnceLock::new();
    NAMES
        .get_or_init(|| OperationNames::new(MAX_OPERATION_NAMES))
        .label(name, may_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_parameters_are_written_without_braces() {
        assert_eq!(route("/alerts/grafana/{key}"), "/alerts/grafana/:key");
        assert_eq!(route("/graphql"), "/graphql");
        assert_eq!(route("/reviews/{number}.md"), "/reviews/{number}.md");
    }

    #[test]
    fn only_short_graphql_names_are_labels() {
        let names = OperationNames::new(10);
        assert_eq!(names.label(None, true), "anonymous");
        assert_eq!(names.label(Some("ListOpen"), true), "ListOpen");
        assert_eq!(names.label(Some("_private2"), true), "_private2");
        let too_long = "a".repeat(65);
        for bad in ["", "2fast", "has space", "dash-ed", "Ünicode", &too_long] {
            assert_eq!(names.label(Some(bad), true), "other", "{bad:?}");
        }
        let longest = "a".repeat(64);
        assert_eq!(names.label(Some(&longest), true), longest);
    }

    #[test]
    fn a_name_is_added_only_by_an_identified_caller_and_within_the_bound() {
        let names = OperationNames::new(3);
        assert_eq!(names.label(Some("Anonymous1"), false), "other");
        assert_eq!(names.label(Some("Known"), true), "Known");
        // Once known, anyone's request counts under it.
        assert_eq!(names.label(Some("Known"), false), "Known");
        assert_eq!(names.label(Some("Second"), true), "Second");
        assert_eq!(names.label(Some("Third"), true), "Third");
        assert_eq!(names.label(Some("OneTooMany"), true), "other");
        assert_eq!(
            names.label(Some("Second"), true),
            "Second",
            "known names stay"
        );
    }

    #[test]
    fn codes_are_the_known_set() {
        assert_eq!(error_code("FORBIDDEN"), "FORBIDDEN");
        assert_eq!(error_code("SOMETHING_NEW"), "OTHER");
    }
}

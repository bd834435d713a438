//! Why an alert payload was refused: the field's path (`alerts[3].labels`) and what is wrong,
//! written for the sender to read in a 400 reply.

use std::fmt::Display;

/// How much of a client's own text an error may quote: enough to recognise it, never the
/// whole of a value that may be megabytes long (or a secret).
const QUOTE_CHARS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct AlertError {
    path: String,
    message: String,
}

impl AlertError {
    /// `path` names the field (`payload.summary`, `alerts[3].labels`), `body` for the whole.
    pub fn new(path: impl Into<String>, message: impl Display) -> Self {
        let path = path.into();
        Self {
            path: if path.is_empty() { "body".into() } else { path },
            message: message.to_string(),
        }
    }

    pub fn required(path: impl Into<String>) -> Self {
        Self::new(path, "required")
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// A client's value as an error may show it: at most a short prefix, on one line, quoted.
pub fn quote(value: &str) -> String {
    format!("`{}`", segment(value))
}

/// A client's map key as a path segment: a short prefix, on one line, without quotes.
pub fn segment(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(QUOTE_CHARS)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(QUOTE_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// `parent.child`, or `child` alone at the top.
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_owned()
    } else {
        format!("{parent}.{child}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_path() {
        let err = AlertError::new("alerts[3].labels", "more than 64 labels");
        assert_eq!(err.to_string(), "alerts[3].labels: more than 64 labels");
        assert_eq!(AlertError::required("").to_string(), "body: required");
        assert_eq!(join("", "labels"), "labels");
        assert_eq!(join("alerts[0]", "labels"), "alerts[0].labels");
    }

    #[test]
    fn quotes_only_a_short_prefix_on_one_line() {
        assert_eq!(quote("crit"), "`crit`");
        let long = quote(&"x".repeat(10_000));
        assert!(long.chars().count() < 50, "{long}");
        assert!(long.ends_with("…`"));
        assert_eq!(quote("a\nb"), "`a\\nb`");
    }
}

//! Update templates: text with `{{field}}` placeholders filled from the incident when a rule
//! fires. The fields are a fixed list, checked when the rule is saved, so a typo is refused
//! then rather than posted later.

use crate::domain::DomainError;
use crate::domain::incident::Incident;

/// The placeholders a template may use.
pub const FIELDS: [&str; 9] = [
    "number", "title", "service", "category", "status", "priority", "impact", "urgency", "rule",
];

/// A checked template: literal text and placeholders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
}

impl Template {
    pub const MAX_CHARS: usize = 5_000;

    /// Checks `source`; `field` names the input it came from in errors.
    pub fn parse(source: &str, field: &'static str) -> Result<Self, DomainError> {
        let source = source.trim();
        if source.is_empty() {
            return Err(DomainError::invalid(field, "must not be empty"));
        }
        let chars = source.chars().count();
        if chars > Self::MAX_CHARS {
            return Err(DomainError::invalid(
                field,
                format!(
                    "is {chars} characters long; at most {} are allowed",
                    Self::MAX_CHARS
                ),
            ));
        }
        if source.contains('\0') {
            return Err(DomainError::invalid(field, "must not contain NUL"));
        }
        for piece in pieces(source) {
            match piece {
                Piece::Field(name) if !FIELDS.contains(&name) => {
                    let shown: String = name.chars().take(40).collect();
                    return Err(DomainError::invalid(
                        field,
                        format!(
                            "refers to an unknown field `{{{{{shown}}}}}`; known fields: {}",
                            FIELDS.join(", ")
                        ),
                    ));
                }
                Piece::Unclosed => {
                    return Err(DomainError::invalid(
                        field,
                        "has a `{{` without its closing `}}`",
                    ));
                }
                _ => {}
            }
        }
        Ok(Self {
            source: source.to_owned(),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// The text with each placeholder replaced by `incident`'s value (empty when it has none).
    pub fn render(&self, incident: &Incident, rule: &str) -> String {
        let mut out = String::with_capacity(self.source.len());
        for piece in pieces(&self.source) {
            match piece {
                Piece::Text(text) => out.push_str(text),
                Piece::Field(name) => out.push_str(&value(incident, rule, name)),
                Piece::Unclosed => {}
            }
        }
        out
    }
}

fn value(incident: &Incident, rule: &str, field: &str) -> String {
    match field {
        "number" => incident.number.to_string(),
        "title" => incident.title.clone(),
        "service" => incident.service.clone(),
        "category" => incident.category.clone().unwrap_or_default(),
        "status" => incident.status.as_str().to_owned(),
        "priority" => incident
            .priority
            .map(|p| format!("P{}", p.rank()))
            .unwrap_or_default(),
        "impact" => incident
            .impact
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default(),
        "urgency" => incident
            .urgency
            .map(|l| l.as_str().to_owned())
            .unwrap_or_default(),
        "rule" => rule.to_owned(),
        _ => String::new(),
    }
}

enum Piece<'a> {
    Text(&'a str),
    Field(&'a str),
    Unclosed,
}

/// Splits a template into literal text and `{{ name }}` placeholders (spaces inside allowed).
fn pieces(source: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut rest = source;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find("{{") {
            Some(0) => match rest.find("}}") {
                Some(end) => {
                    let name = rest[2..end].trim();
                    rest = &rest[end + 2..];
                    Some(Piece::Field(name))
                }
                None => {
                    rest = "";
                    Some(Piece::Unclosed)
                }
            },
            Some(start) => {
                let text = &rest[..start];
                rest = &rest[start..];
                Some(Piece::Text(text))
            }
            None => {
                let text = rest;
                rest = "";
                Some(Piece::Text(text))
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::incident::reported_for_tests;

    #[test]
    fn fills_the_fields_and_refuses_unknown_or_unclosed_ones() {
        let t = Template::parse("{{number}} ({{ service }}) is {{status}}: {{rule}}", "t")
            .expect("valid");
        let incident = reported_for_tests("checkout");
        assert_eq!(
            t.render(&incident, "Page DB"),
            format!("{} (checkout) is NEW: Page DB", incident.number)
        );
        let unknown = Template::parse("hello {{owner}}", "actions").unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `{{owner}}`"),
            "{unknown}"
        );
        assert!(Template::parse("{{title", "t").is_err());
        assert!(Template::parse("  ", "t").is_err());
        assert!(Template::parse(&"x".repeat(5_001), "t").is_err());
        // A lone closing brace pair is literal text.
        assert!(Template::parse("done }} ok", "t").is_ok());
    }
}

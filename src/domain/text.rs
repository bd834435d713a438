//! Validated text values, built once at the edge ("parse, don't validate").

use super::DomainError;

/// Trims, then checks the length in characters (not bytes) and that something is left.
fn bounded(
    field: &'static str,
    raw: &str,
    required: bool,
    max_chars: usize,
) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    if required && trimmed.is_empty() {
        return Err(DomainError::invalid(
            field,
            "must not be empty or only whitespace",
        ));
    }
    let chars = trimmed.chars().count();
    if chars > max_chars {
        return Err(DomainError::invalid(
            field,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    Ok(trimmed.to_owned())
}

macro_rules! text_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, required = $required:expr, max = $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                bounded($field, raw, $required, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }
    };
}

text_type!(
    /// What broke, in a line: 1 to 200 characters.
    Title, "title", required = true, max = 200
);
text_type!(
    /// Free text, up to 20,000 characters; may be empty.
    Description, "description", required = false, max = 20_000
);
text_type!(
    /// The affected service, e.g. `checkout-api`.
    Service, "service", required = true, max = 100
);
text_type!(
    /// The triage category, e.g. `database`.
    Category, "category", required = true, max = 100
);
text_type!(
    /// Why a reopen or cancel happened.
    Reason, "reason", required = true, max = 2_000
);
text_type!(
    /// What restored service, in a sentence or two.
    ResolutionSummary, "resolution.summary", required = true, max = 5_000
);
text_type!(
    /// Why it broke, if known.
    RootCause, "resolution.rootCause", required = false, max = 20_000
);
text_type!(
    /// What was done to fix it.
    Fix, "resolution.fix", required = false, max = 20_000
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_bounds() {
        assert!(Title::parse("").is_err());
        assert!(Title::parse("   \t").is_err());
        assert!(Title::parse(&"x".repeat(201)).is_err());
        assert_eq!(
            Title::parse(&"é".repeat(200)).map(|t| t.as_str().chars().count()),
            Ok(200)
        );
        assert_eq!(
            Title::parse("  db down ").map(Title::into_inner),
            Ok("db down".into())
        );
    }

    #[test]
    fn description_may_be_empty_but_not_huge() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"y".repeat(20_000)).is_ok());
        let err = Description::parse(&"y".repeat(25_000)).unwrap_err();
        assert!(err.to_string().contains("25000 characters"), "{err}");
    }
}

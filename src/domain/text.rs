//! Validated text values, built once at the edge ("parse, don't validate").

use super::DomainError;

/// Characters that render as nothing: a title of only these is as empty as a blank one.
fn is_invisible(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Trims, refuses control characters (line breaks and tabs only where text may span lines;
/// PostgreSQL cannot store NUL at all), then checks that something visible is left and the
/// length in characters (not bytes).
fn bounded(
    field: &'static str,
    raw: &str,
    required: bool,
    multiline: bool,
    max_chars: usize,
) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    if let Some(c) = trimmed
        .chars()
        .find(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(DomainError::invalid(
            field,
            format!(
                "must not contain the control character U+{:04X}",
                u32::from(c)
            ),
        ));
    }
    if required && trimmed.chars().all(is_invisible) {
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
    ($(#[$doc:meta])* $name:ident, $field:literal, required = $required:expr, multiline = $multiline:expr, max = $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, DomainError> {
                bounded($field, raw, $required, $multiline, $max).map(Self)
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
    Title, "title", required = true, multiline = false, max = 200
);
text_type!(
    /// Free text, up to 20,000 characters; may be empty.
    Description, "description", required = false, multiline = true, max = 20_000
);
text_type!(
    /// The affected service, e.g. `checkout-api`.
    Service, "service", required = true, multiline = false, max = 100
);
text_type!(
    /// An SLA policy's name, e.g. `Payments (business hours)`.
    PolicyName, "name", required = true, multiline = false, max = 100
);
text_type!(
    /// The triage category, e.g. `database`.
    Category, "category", required = true, multiline = false, max = 100
);
text_type!(
    /// Why a reopen or cancel happened.
    Reason, "reason", required = true, multiline = true, max = 2_000
);
text_type!(
    /// What restored service, in a sentence or two.
    ResolutionSummary, "resolution.summary", required = true, multiline = true, max = 5_000
);
text_type!(
    /// Why it broke, if known.
    RootCause, "resolution.rootCause", required = false, multiline = true, max = 20_000
);
text_type!(
    /// What was done to fix it.
    Fix, "resolution.fix", required = false, multiline = true, max = 20_000
);

text_type!(
    /// A problem's root cause: 1 to 20,000 characters.
    ProblemRootCause, "rootCause", required = true, multiline = true, max = 20_000
);
text_type!(
    /// How to restore service while a problem lasts: 1 to 20,000 characters.
    Workaround, "workaround", required = true, multiline = true, max = 20_000
);
text_type!(
    /// The permanent fix of a problem: 1 to 20,000 characters.
    PermanentFix, "fix", required = true, multiline = true, max = 20_000
);
text_type!(
    /// A change record's reference, e.g. `CHG-1042`: up to 200 characters.
    ChangeReference, "changeReference", required = false, multiline = false, max = 200
);

text_type!(
    /// A status update, in Markdown: 1 to 10,000 characters.
    UpdateBody, "body", required = true, multiline = true, max = 10_000
);
text_type!(
    /// A working note in the responders' log: 1 to 10,000 characters.
    NoteBody, "body", required = true, multiline = true, max = 10_000
);
text_type!(
    /// A remark on a timeline event, for the post-incident review: 1 to 2,000 characters.
    Annotation, "annotation", required = true, multiline = true, max = 2_000
);

text_type!(
    /// The title the public status page shows instead of the internal one: 1 to 200
    /// characters.
    PublicTitle, "publicTitle", required = true, multiline = false, max = 200
);

/// One label of an incident, e.g. `customer-facing`: trimmed and lowercased (so `DB` and
/// `db` are one label), 1 to 64 characters, one line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Label(String);

impl Label {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        bounded("labels", raw, true, false, Self::MAX_CHARS).map(|l| Self(l.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An incident's labels: a set (duplicates after normalising count once), sorted, at most
/// `MAX` of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Labels(Vec<Label>);

impl Labels {
    pub const MAX: usize = 20;

    pub fn parse<S: AsRef<str>>(raw: &[S]) -> Result<Self, DomainError> {
        let mut labels = raw
            .iter()
            .map(|l| Label::parse(l.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        labels.sort();
        labels.dedup();
        if labels.len() > Self::MAX {
            return Err(DomainError::invalid(
                "labels",
                format!(
                    "{} different labels; at most {} are allowed",
                    labels.len(),
                    Self::MAX
                ),
            ));
        }
        Ok(Self(labels))
    }

    pub fn as_slice(&self) -> &[Label] {
        &self.0
    }

    /// The labels as stored text, sorted.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(|l| l.as_str().to_owned()).collect()
    }
}

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
    fn control_and_invisible_characters() {
        assert!(Title::parse("db\u{0}down").is_err());
        assert!(Title::parse("db\ndown").is_err());
        assert!(Description::parse("line one\nline two\ttabbed").is_ok());
        assert!(Description::parse("nul \u{0} here").is_err());
        assert!(Title::parse("\u{200B}\u{FEFF}").is_err());
        assert!(Title::parse("\u{200B}x").is_ok());
    }

    #[test]
    fn description_may_be_empty_but_not_huge() {
        assert!(Description::parse("").is_ok());
        assert!(Description::parse(&"y".repeat(20_000)).is_ok());
        let err = Description::parse(&"y".repeat(25_000)).unwrap_err();
        assert!(err.to_string().contains("25000 characters"), "{err}");
    }

    #[test]
    fn labels_are_a_normalised_bounded_set() {
        let labels = Labels::parse(&[" DB ", "db", "customer-facing"]).expect("valid");
        assert_eq!(labels.to_strings(), ["customer-facing", "db"]);
        assert!(Labels::parse(&[""]).is_err());
        assert!(Labels::parse(&["a\nb"]).is_err());
        assert!(Labels::parse(&["x".repeat(65)]).is_err());
        assert!(Labels::parse(&["x".repeat(64)]).is_ok());
        let many: Vec<String> = (0..21).map(|i| format!("l{i}")).collect();
        assert!(Labels::parse(&many).is_err());
        assert!(Labels::parse(&many[..20]).is_ok());
        assert_eq!(
            Labels::parse::<&str>(&[]).map(|l| l.to_strings().len()),
            Ok(0)
        );
    }
}

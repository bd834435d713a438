//! Post-incident reviews: what a resolved incident taught us, in sections a team edits
//! together (`Review`), its lifecycle (`lifecycle`), its follow-up work (`action_item`), and
//! the Markdown it is pre-filled with and exported as (`markdown`).
//!
//! Which incidents need a published review before they may be closed is `ReviewPolicy`.

pub mod action_item;
pub mod lifecycle;
pub mod markdown;

use chrono::{DateTime, Utc};

use super::DomainError;
use super::ids::{IncidentId, ReviewId, UserId};
use super::priority::Priority;
use lifecycle::{ReviewAction, ReviewStatus};

/// The longest a section may be, in characters: a long review is a few thousand words; this
/// leaves room for pasted logs without letting one request store megabytes.
pub const SECTION_MAX_CHARS: usize = 100_000;
/// At most this many contributing factors, each a line of at most `FACTOR_MAX_CHARS`.
pub const FACTORS_MAX: usize = 100;
pub const FACTOR_MAX_CHARS: usize = 2_000;
/// At most this many participants on one review.
pub const PARTICIPANTS_MAX: usize = 100;

/// The sections of a review, in Markdown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sections {
    pub summary: String,
    pub customer_impact: String,
    /// Pre-filled from the timeline: durations, then every event with its time, actor and
    /// annotation.
    pub what_happened: String,
    /// Pre-filled from the incident's resolution.
    pub root_cause: String,
    pub contributing_factors: Vec<String>,
    pub went_well: String,
    pub went_badly: String,
    pub lessons: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Review {
    pub id: ReviewId,
    pub incident_id: IncidentId,
    pub status: ReviewStatus,
    pub owner_id: UserId,
    pub participants: Vec<UserId>,
    pub sections: Sections,
    pub created_by: UserId,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub published_by: Option<UserId>,
}

/// A section's Markdown, validated: control characters other than line breaks and tabs are
/// refused (PostgreSQL cannot store NUL), and it is at most `SECTION_MAX_CHARS` long. It may
/// be empty. `field` is the input field it came from, for the error.
pub fn section(field: &'static str, raw: &str) -> Result<String, DomainError> {
    text(field, raw, true, SECTION_MAX_CHARS)
}

fn text(
    field: &'static str,
    raw: &str,
    multiline: bool,
    max_chars: usize,
) -> Result<String, DomainError> {
    if let Some(c) = raw
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
    let chars = raw.chars().count();
    if chars > max_chars {
        return Err(DomainError::invalid(
            field,
            format!("is {chars} characters long; at most {max_chars} are allowed"),
        ));
    }
    Ok(raw.trim_end().to_owned())
}

/// Contributing factors: one line each, blank ones dropped.
pub fn contributing_factors(raw: &[String]) -> Result<Vec<String>, DomainError> {
    if raw.len() > FACTORS_MAX {
        return Err(DomainError::invalid(
            "contributingFactors",
            format!(
                "has {} entries; at most {FACTORS_MAX} are allowed",
                raw.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    for factor in raw {
        let line = text(
            "contributingFactors",
            factor.trim(),
            false,
            FACTOR_MAX_CHARS,
        )?;
        if !line.is_empty() {
            out.push(line);
        }
    }
    Ok(out)
}

/// A validated change to a review: `None` leaves a part as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReviewEdit {
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
    pub what_happened: Option<String>,
    pub root_cause: Option<String>,
    pub contributing_factors: Option<Vec<String>>,
    pub went_well: Option<String>,
    pub went_badly: Option<String>,
    pub lessons: Option<String>,
    pub owner_id: Option<UserId>,
    pub participants: Option<Vec<UserId>>,
}

impl ReviewEdit {
    /// The users the edit names (they must exist).
    pub fn named_users(&self) -> Vec<UserId> {
        self.owner_id
            .iter()
            .chain(self.participants.iter().flatten())
            .cloned()
            .collect()
    }
}

/// A change to a review.
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewCommand {
    Edit(Box<ReviewEdit>),
    Submit,
    ReturnToDraft,
    Publish,
}

impl ReviewCommand {
    pub fn action(&self) -> ReviewAction {
        match self {
            Self::Edit(_) => ReviewAction::Edit,
            Self::Submit => ReviewAction::Submit,
            Self::ReturnToDraft => ReviewAction::ReturnToDraft,
            Self::Publish => ReviewAction::Publish,
        }
    }
}

/// Participants without repeats, in the order given.
pub fn distinct(users: Vec<UserId>) -> Vec<UserId> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if !out.contains(&u) {
            out.push(u);
        }
    }
    out
}

impl Review {
    /// A new DRAFT review of `incident`, owned by `owner`, with pre-filled sections.
    pub fn start(
        id: ReviewId,
        incident_id: IncidentId,
        owner: UserId,
        participants: Vec<UserId>,
        sections: Sections,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            incident_id,
            status: ReviewStatus::Draft,
            owner_id: owner,
            participants: distinct(participants),
            sections,
            created_by: by,
            version: 1,
            created_at: now,
            updated_at: now,
            submitted_at: None,
            published_at: None,
            published_by: None,
        }
    }

    /// The review after `command` by `by` at `now`; or why not. Nothing changes on error.
    pub fn apply(
        &self,
        command: ReviewCommand,
        by: &UserId,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        let target = command.action().check(self.status)?;
        let mut next = self.clone();
        next.status = target;
        next.version += 1;
        next.updated_at = now;
        match command {
            ReviewCommand::Edit(edit) => {
                let edit = *edit;
                let s = &mut next.sections;
                let set = |slot: &mut String, value: Option<String>| {
                    if let Some(v) = value {
                        *slot = v;
                    }
                };
                set(&mut s.summary, edit.summary);
                set(&mut s.customer_impact, edit.customer_impact);
                set(&mut s.what_happened, edit.what_happened);
                set(&mut s.root_cause, edit.root_cause);
                set(&mut s.went_well, edit.went_well);
                set(&mut s.went_badly, edit.went_badly);
                set(&mut s.lessons, edit.lessons);
                if let Some(factors) = edit.contributing_factors {
                    s.contributing_factors = factors;
                }
                if let Some(owner) = edit.owner_id {
                    next.owner_id = owner;
                }
                if let Some(participants) = edit.participants {
                    next.participants = distinct(participants);
                }
            }
            ReviewCommand::Submit => next.submitted_at = Some(now),
            ReviewCommand::ReturnToDraft => {}
            ReviewCommand::Publish => {
                next.published_at = Some(now);
                next.published_by = Some(by.clone());
            }
        }
        Ok(next)
    }

    pub fn is_participant(&self, user: &UserId) -> bool {
        self.participants.contains(user)
    }

    /// The review as plain text, for a full-text index: every section with its Markdown
    /// punctuation (headings, emphasis, table pipes) taken out.
    pub fn searchable_text(&self) -> String {
        let s = &self.sections;
        let mut parts: Vec<&str> = vec![
            &s.summary,
            &s.customer_impact,
            &s.what_happened,
            &s.root_cause,
        ];
        parts.extend(s.contributing_factors.iter().map(String::as_str));
        parts.extend([
            s.went_well.as_str(),
            s.went_badly.as_str(),
            s.lessons.as_str(),
        ]);
        parts
            .into_iter()
            .filter(|p| !p.trim().is_empty())
            .map(markdown::plain)
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// Which incidents need a PUBLISHED review before they may be closed: those of these
/// priorities (`reviews.required_for`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewPolicy {
    pub required_for: Vec<Priority>,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        Self {
            required_for: [1, 2].into_iter().filter_map(Priority::from_rank).collect(),
        }
    }
}

impl ReviewPolicy {
    /// `["P1", "P2"]` as the configuration spells it; `setting` names the key for the error.
    pub fn parse(setting: &str, names: &[String]) -> Result<Self, String> {
        let mut required_for = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let trimmed = name.trim();
            let rank = trimmed
                .strip_prefix('P')
                .or_else(|| trimmed.strip_prefix('p'))
                .and_then(|n| n.parse::<i16>().ok())
                .and_then(Priority::from_rank)
                .ok_or_else(|| {
                    format!("{setting}[{i}] is `{name}`; write a priority from P1 to P5")
                })?;
            if !required_for.contains(&rank) {
                required_for.push(rank);
            }
        }
        Ok(Self { required_for })
    }

    /// Whether closing an incident of `priority` needs a published review.
    pub fn requires_review(&self, priority: Option<Priority>) -> bool {
        priority.is_some_and(|p| self.required_for.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Review {
        Review::start(
            ReviewId::new(),
            IncidentId::new(),
            UserId::from("owner"),
            vec![UserId::from("a"), UserId::from("a"), UserId::from("b")],
            Sections {
                what_happened: "| 10:00 | Ada | Reported |".into(),
                ..Sections::default()
            },
            UserId::from("m"),
            Utc::now(),
        )
    }

    #[test]
    fn an_edit_changes_only_what_it_names_and_bumps_the_version() {
        let review = draft();
        assert_eq!(review.participants.len(), 2, "repeats are dropped");
        let edit = ReviewEdit {
            summary: Some("The pool leaked.".into()),
            contributing_factors: Some(vec!["no alert on pool size".into()]),
            ..ReviewEdit::default()
        };
        let next = review
            .apply(
                ReviewCommand::Edit(Box::new(edit)),
                &UserId::from("m"),
                Utc::now(),
            )
            .unwrap();
        assert_eq!(next.version, 2);
        assert_eq!(next.sections.summary, "The pool leaked.");
        assert_eq!(next.sections.what_happened, review.sections.what_happened);
        assert_eq!(next.status, ReviewStatus::Draft);
    }

    #[test]
    fn publishing_needs_a_submitted_review_and_is_final() {
        let by = UserId::from("m");
        let review = draft();
        assert!(
            review
                .apply(ReviewCommand::Publish, &by, Utc::now())
                .is_err()
        );
        let submitted = review
            .apply(ReviewCommand::Submit, &by, Utc::now())
            .unwrap();
        assert!(submitted.submitted_at.is_some());
        let published = submitted
            .apply(ReviewCommand::Publish, &by, Utc::now())
            .unwrap();
        assert_eq!(published.status, ReviewStatus::Published);
        assert_eq!(published.published_by, Some(by.clone()));
        let edit = ReviewCommand::Edit(Box::default());
        assert!(published.apply(edit, &by, Utc::now()).is_err());
    }

    #[test]
    fn sections_are_bounded_and_name_their_field() {
        assert!(section("lessons", &"x".repeat(SECTION_MAX_CHARS)).is_ok());
        let e = section("lessons", &"x".repeat(200_000))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("lessons: is 200000 characters long"), "{e}");
        assert!(section("summary", "nul \u{0}").is_err());
        assert_eq!(section("summary", "a\n\tb\n").unwrap(), "a\n\tb");
        let e = contributing_factors(&["a\nb".into()])
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("contributingFactors:"), "{e}");
        assert_eq!(
            contributing_factors(&[" x ".into(), "  ".into()]).unwrap(),
            vec!["x".to_owned()]
        );
    }

    #[test]
    fn the_policy_reads_priorities_and_refuses_the_rest() {
        let p = ReviewPolicy::parse("reviews.required_for", &["P1".into(), "p3".into()]).unwrap();
        assert!(p.requires_review(Priority::from_rank(1)));
        assert!(!p.requires_review(Priority::from_rank(2)));
        assert!(!p.requires_review(None));
        let e =
            ReviewPolicy::parse("reviews.required_for", &["P1".into(), "high".into()]).unwrap_err();
        assert!(e.contains("reviews.required_for[1]"), "{e}");
        assert!(ReviewPolicy::parse("k", &["P6".into()]).is_err());
        assert_eq!(ReviewPolicy::default().required_for.len(), 2);
    }

    #[test]
    fn searchable_text_has_no_markdown_punctuation() {
        let mut review = draft();
        review.sections.summary = "# Summary\n**Pool** leaked".into();
        let text = review.searchable_text();
        assert!(text.contains("Summary"), "{text}");
        assert!(text.contains("Pool leaked"), "{text}");
        assert!(!text.contains('|') && !text.contains('#') && !text.contains('*'));
    }
}

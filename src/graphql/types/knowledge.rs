//! GraphQL types of the knowledge base: suggestions with their reasons, search results with
//! scores, highlights and facets, and the statistics of the learning loop.

use async_graphql::connection::{ConnectionNameType, EdgeNameType};
use async_graphql::{Context, Enum, Object, OutputType, Result, SimpleObject};
use chrono::{DateTime, Utc};

use super::IncidentObject;
use super::problem::ProblemObject;
use super::review::ReviewObject;
use crate::domain::review::Review;
use crate::domain::review::lifecycle::ReviewStatus;
use crate::graphql::context::{services, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::Loaders;
use crate::service::knowledge::{KnowledgeStats, ResolutionTimes, Suggested, SuggestionOut};

/// What a knowledge-base document is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum KnowledgeKind {
    /// A resolved (or closed) incident: its resolution, root cause and fix.
    Incident,
    /// A problem whose root cause and workaround are recorded (KNOWN_ERROR), or whose
    /// permanent fix is in (RESOLVED, CLOSED).
    KnownError,
}

impl KnowledgeKind {
    pub fn to_index(self) -> hindsight_index::DocKind {
        match self {
            Self::Incident => hindsight_index::DocKind::Incident,
            Self::KnownError => hindsight_index::DocKind::KnownError,
        }
    }

    pub fn from_index(kind: hindsight_index::DocKind) -> Self {
        match kind {
            hindsight_index::DocKind::Incident => Self::Incident,
            hindsight_index::DocKind::KnownError => Self::KnownError,
        }
    }
}

/// A text field of a knowledge-base document.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum HighlightField {
    /// A known error's workaround.
    Workaround,
    /// The incident's or problem's title.
    Title,
    /// The incident's or problem's description.
    Description,
    /// A past incident's fix, or a known error's permanent fix.
    Fix,
    /// A past incident's resolution summary.
    ResolutionSummary,
    /// The recorded root cause.
    RootCause,
    /// A past incident's published post-incident review (lessons, root cause, contributing
    /// factors, what went well and badly, summary).
    Review,
}

impl From<hindsight_index::Field> for HighlightField {
    fn from(f: hindsight_index::Field) -> Self {
        use hindsight_index::Field;
        match f {
            Field::Title => Self::Title,
            Field::Description => Self::Description,
            Field::Fix => Self::Fix,
            Field::ResolutionSummary => Self::ResolutionSummary,
            Field::RootCause => Self::RootCause,
            Field::Workaround => Self::Workaround,
            Field::Review => Self::Review,
        }
    }
}

/// A fragment of one field with the matching words marked `<mark>…</mark>`; the rest of the
/// text is HTML-escaped, so the fragment is safe to render as HTML.
#[derive(SimpleObject, Clone)]
pub struct Highlight {
    /// The field the fragment is taken from.
    pub field: HighlightField,
    /// HTML: escaped text with the matching words in `<mark>…</mark>`.
    pub fragment: String,
}

pub fn highlights(from: &[hindsight_index::Highlight]) -> Vec<Highlight> {
    from.iter()
        .map(|h| Highlight {
            field: h.field.into(),
            fragment: h.fragment.clone(),
        })
        .collect()
}

pub struct SuggestionObject(pub SuggestionOut);

impl SuggestionObject {
    /// The suggested incident's PUBLISHED review, through the request's review loader (one
    /// statement for all the suggestions); `None` for a known error or an unpublished review.
    async fn published_review(&self, ctx: &Context<'_>) -> Result<Option<Review>> {
        let Suggested::Incident(id) = self.0.target else {
            return Ok(None);
        };
        Ok(Loaders::of(ctx)?
            .review(ctx, id)
            .await?
            .filter(|r| r.status == ReviewStatus::Published))
    }
}

/// The words a review highlight marks, as written, without repeats, at most `max`: the
/// fragment is HTML-escaped with matches in `<mark>…</mark>`.
fn marked_words(fragment: &str, max: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut rest = fragment;
    while let Some(start) = rest.find("<mark>") {
        rest = &rest[start + "<mark>".len()..];
        let Some(end) = rest.find("</mark>") else {
            break;
        };
        let word = rest[..end]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        rest = &rest[end + "</mark>".len()..];
        if !words.iter().any(|w| w.eq_ignore_ascii_case(&word)) {
            words.push(word);
        }
        if words.len() == max {
            break;
        }
    }
    words
}

/// The reason line of a suggestion whose incident has a published review: which of its words
/// the review holds, when the review is what matched.
fn review_reason(hit: &hindsight_index::Suggestion) -> String {
    let words = hit
        .highlights
        .iter()
        .find(|h| h.field == hindsight_index::Field::Review)
        .map(|h| marked_words(&h.fragment, 5))
        .unwrap_or_default();
    if words.is_empty() {
        "review available".to_owned()
    } else {
        format!("review available: lessons match \"{}\"", words.join(", "))
    }
}

/// A resolved incident or a known error that probably holds the fix, and why it was
/// suggested.
#[Object(name = "Suggestion")]
impl SuggestionObject {
    /// Whether this is a past incident (`incident` is set) or a known error (`problem` is set).
    async fn kind(&self) -> KnowledgeKind {
        match self.0.target {
            Suggested::Incident(_) => KnowledgeKind::Incident,
            Suggested::KnownError(_) => KnowledgeKind::KnownError,
        }
    }

    /// The past incident (loaded in one batch with the other suggestions); null for a known
    /// error.
    async fn incident(&self, ctx: &Context<'_>) -> Result<Option<IncidentObject>> {
        match self.0.target {
            Suggested::Incident(id) => Loaders::of(ctx)?.incident(ctx, id).await,
            Suggested::KnownError(_) => Ok(None),
        }
    }

    /// The known error (a problem in KNOWN_ERROR, RESOLVED or CLOSED); null for a past
    /// incident.
    async fn problem(&self, ctx: &Context<'_>) -> Result<Option<ProblemObject>> {
        let Suggested::KnownError(id) = self.0.target else {
            return Ok(None);
        };
        let found = services(ctx)?
            .problems_by_id(viewer(ctx)?, &[id])
            .await
            .gql(ctx)?;
        Ok(found.into_values().next().map(ProblemObject))
    }

    /// What to try first: a known error's workaround (its permanent fix when it has no
    /// workaround); a past incident's fix, else its resolution summary. Null when the
    /// document holds none.
    async fn proposed_fix(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        let text = match self.0.target {
            Suggested::KnownError(id) => services(ctx)?
                .problems_by_id(viewer(ctx)?, &[id])
                .await
                .gql(ctx)?
                .into_values()
                .next()
                .and_then(|p| p.workaround.or(p.fix)),
            Suggested::Incident(id) => Loaders::of(ctx)?
                .incident(ctx, id)
                .await?
                .and_then(|i| i.0.resolution)
                .map(|r| r.fix.unwrap_or(r.summary)),
        };
        Ok(text)
    }

    /// Relevance; comparable only within one list of suggestions.
    async fn score(&self) -> f64 {
        f64::from(self.0.hit.score)
    }

    /// The words of this incident that the past one also contains, most informative first.
    async fn matched_terms(&self) -> &[String] {
        &self.0.hit.matched_terms
    }

    /// Fragments of the past incident or known error with the shared words marked.
    async fn highlights(&self) -> Vec<Highlight> {
        highlights(&self.0.hit.highlights)
    }

    /// Whether the suggested past incident has a PUBLISHED post-incident review (its lessons
    /// are part of what was matched). Always false for a known error.
    async fn review_available(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(self.published_review(ctx).await?.is_some())
    }

    /// The suggested past incident's PUBLISHED post-incident review (loaded in one batch with
    /// the other suggestions); null for a known error, or while the review is not published.
    async fn review(&self, ctx: &Context<'_>) -> Result<Option<ReviewObject>> {
        Ok(self.published_review(ctx).await?.map(ReviewObject))
    }

    /// Why it ranks where it does, in words: similar words, a known error, a published review
    /// (and which of its words matched), same service, same category, marked helpful.
    async fn reasons(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let hit = &self.0.hit;
        let mut reasons = Vec::new();
        if !hit.matched_terms.is_empty() {
            reasons.push(format!(
                "similar words: {}",
                hit.matched_terms
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if self.0.hit.kind == hindsight_index::DocKind::KnownError {
            reasons.push("known error: root cause and workaround recorded".to_owned());
        }
        if self.published_review(ctx).await?.is_some() {
            reasons.push(review_reason(hit));
        }
        if hit.same_service {
            reasons.push("same service".to_owned());
        }
        if hit.same_category {
            reasons.push("same category".to_owned());
        }
        if hit.helpful > 0 {
            reasons.push(format!(
                "marked helpful {} time{}",
                hit.helpful,
                if hit.helpful == 1 { "" } else { "s" }
            ));
        }
        if hit.unhelpful > 0 {
            reasons.push(format!(
                "marked unhelpful {} time{}",
                hit.unhelpful,
                if hit.unhelpful == 1 { "" } else { "s" }
            ));
        }
        Ok(reasons)
    }
}

/// One value of a facet and how many results have it.
#[derive(SimpleObject, Clone)]
pub struct FacetCount {
    /// The value (a service name, a category, or a kind).
    pub value: String,
    /// How many matches have it.
    pub count: u64,
}

/// Match counts per value, across all matches of a search (not only this page).
#[derive(SimpleObject, Clone)]
pub struct SearchFacets {
    /// By service.
    pub service: Vec<FacetCount>,
    /// By category.
    pub category: Vec<FacetCount>,
    /// By kind: `INCIDENT` or `KNOWN_ERROR`.
    pub kind: Vec<FacetCount>,
}

impl From<&hindsight_index::Facets> for SearchFacets {
    fn from(f: &hindsight_index::Facets) -> Self {
        let convert = |v: &[(String, u64)]| {
            v.iter()
                .map(|(value, count)| FacetCount {
                    value: value.clone(),
                    count: *count,
                })
                .collect()
        };
        Self {
            service: convert(&f.service),
            category: convert(&f.category),
            kind: f
                .kind
                .iter()
                .filter_map(|(value, count)| {
                    let kind = hindsight_index::DocKind::parse(value)?;
                    let name = match KnowledgeKind::from_index(kind) {
                        KnowledgeKind::Incident => "INCIDENT",
                        KnowledgeKind::KnownError => "KNOWN_ERROR",
                    };
                    Some(FacetCount {
                        value: name.to_owned(),
                        count: *count,
                    })
                })
                .collect(),
        }
    }
}

/// Extra fields of a search result connection.
#[derive(SimpleObject)]
pub struct SearchFields {
    /// All matches, across pages.
    pub total_count: u64,
    /// Match counts by service and category, across all matches.
    pub facets: SearchFacets,
}

/// Extra fields of a search result edge.
#[derive(SimpleObject)]
pub struct SearchEdgeFields {
    /// Relevance; comparable only within one search.
    pub score: f64,
    /// Fragments of the result with the query's words marked.
    pub highlights: Vec<Highlight>,
    /// Whether the result is a past incident (`node`) or a known error (`problem`).
    pub kind: KnowledgeKind,
    /// The known error, when `kind` is `KNOWN_ERROR` (then `node` is null).
    pub problem: Option<ProblemObject>,
    /// Whether the past incident has a PUBLISHED post-incident review (its text is searched
    /// with the incident). Always false for a known error.
    pub review_available: bool,
    /// The past incident's PUBLISHED post-incident review; null for a known error or while the
    /// review is not published.
    pub review: Option<ReviewObject>,
}

pub struct ResolutionSearchConnectionName;

impl ConnectionNameType for ResolutionSearchConnectionName {
    fn type_name<T: OutputType>() -> String {
        "ResolutionSearchConnection".to_owned()
    }
}

pub struct ResolutionSearchEdgeName;

impl EdgeNameType for ResolutionSearchEdgeName {
    fn type_name<T: OutputType>() -> String {
        "ResolutionSearchEdge".to_owned()
    }
}

pub struct KnowledgeStatsObject {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub stats: KnowledgeStats,
}

/// Whether the knowledge base pays off, over `[from, to)`.
#[Object(name = "KnowledgeStats")]
impl KnowledgeStatsObject {
    /// Start of the period, included.
    async fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// End of the period, excluded.
    async fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// Distinct (incident, suggestion) pairs first shown in the period.
    async fn suggestions_shown(&self) -> u64 {
        self.stats.feedback.pairs_shown
    }

    /// How many times those suggestions were displayed, each counted once per viewer: a
    /// console refetching the same suggestions for the same person does not add to it.
    async fn times_shown(&self) -> u64 {
        self.stats.feedback.times_shown
    }

    /// Pairs rated in the period that someone found helpful.
    async fn rated_helpful(&self) -> u64 {
        self.stats.feedback.rated_helpful
    }

    /// Pairs rated in the period that someone found unhelpful.
    async fn rated_unhelpful(&self) -> u64 {
        self.stats.feedback.rated_unhelpful
    }

    /// Incidents resolved in the period after a suggestion was rated helpful.
    async fn resolved_with_help(&self) -> ResolutionTimesObject {
        ResolutionTimesObject(self.stats.resolved_with_help.clone())
    }

    /// Incidents resolved in the period without a helpful suggestion.
    async fn resolved_without_help(&self) -> ResolutionTimesObject {
        ResolutionTimesObject(self.stats.resolved_without_help.clone())
    }
}

pub struct ResolutionTimesObject(pub ResolutionTimes);

/// How many incidents were resolved, and how fast.
#[Object(name = "ResolutionTimes")]
impl ResolutionTimesObject {
    /// How many incidents.
    async fn count(&self) -> u64 {
        self.0.count
    }

    /// Median time from report to resolution, in seconds; null when `count` is 0.
    async fn median_time_to_resolve_seconds(&self) -> Option<f64> {
        self.0.median_seconds
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_words_are_unescaped_distinct_and_capped() {
        let fragment =
            "a <mark>Quorum</mark> &amp; <mark>quorum</mark> <mark>O&#x27;Neil</mark> <mark>x";
        assert_eq!(marked_words(fragment, 5), ["Quorum", "O'Neil"]);
        assert_eq!(marked_words(fragment, 1), ["Quorum"]);
        assert!(marked_words("no marks", 5).is_empty());
    }
}

//! The plain data that goes in and out of the knowledge base.

use chrono::{DateTime, Utc};

/// What a document of the knowledge base is: a resolved incident, or a known error (a problem
/// whose root cause and workaround are recorded, or whose fix is).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DocKind {
    #[default]
    Incident,
    KnownError,
}

impl DocKind {
    /// The value indexed, filtered on and counted in the `kind` facet.
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Incident => "incident",
            DocKind::KnownError => "known_error",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "incident" => Some(DocKind::Incident),
            "known_error" => Some(DocKind::KnownError),
            _ => None,
        }
    }

    pub(crate) fn code(self) -> u64 {
        match self {
            DocKind::Incident => 0,
            DocKind::KnownError => 1,
        }
    }
}

/// One document of the knowledge base: a resolved incident or a known error (then `number` is
/// `PRB-n`'s `n`, `resolved_at` when it became a known error, and `related` the text of the
/// incidents linked to it).
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentDoc {
    /// The incident's UUID as text: the key that upserts and removals match on.
    pub id: String,
    /// `INC-n`'s `n`.
    pub number: i64,
    pub title: String,
    pub description: String,
    /// Exact-match field: filter, facet and ranking boost.
    pub service: String,
    /// Exact-match field: filter, facet and ranking boost.
    pub category: Option<String>,
    /// 1..=5; any other value is indexed as "no priority".
    pub priority: Option<u8>,
    pub resolution_summary: String,
    pub root_cause: Option<String>,
    pub fix: Option<String>,
    pub resolved_at: DateTime<Utc>,
    /// Times this incident was marked helpful as a suggestion.
    pub helpful: u32,
    /// Times this incident was marked unhelpful as a suggestion.
    pub unhelpful: u32,
    pub kind: DocKind,
    /// A known error's workaround (what a responder can do now).
    pub workaround: Option<String>,
    /// Text that counts for matching but is neither stored nor highlighted: a known error's
    /// linked incidents, so a new incident like them finds it.
    pub related: String,
    /// An incident's published post-incident review as plain text (lessons, root cause,
    /// contributing factors, what went well and badly, summary); empty when it has none.
    /// Counts for matching and search like the resolution, and is highlighted as
    /// [`Field::Review`].
    pub review: String,
}

/// One entry of the change log, as the index worker applies it.
// Nearly every change is an upsert: boxing it would add an allocation per document for the
// rare removal's sake.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Insert or replace the document with this id.
    Upsert(IncidentDoc),
    /// Remove the document with this id; removing a missing id is not an error.
    Remove { id: String },
}

/// The incident being diagnosed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Probe {
    pub title: String,
    /// May be empty.
    pub description: String,
    pub service: Option<String>,
    pub category: Option<String>,
}

/// How many suggestions, which to leave out and which hard filters to apply.
#[derive(Debug, Clone, PartialEq)]
pub struct SuggestOptions {
    /// At most this many suggestions, capped at [`crate::MAX_SUGGEST_LIMIT`]; 0 returns none.
    pub limit: usize,
    /// Incidents never to suggest (typically the probe itself).
    pub exclude_ids: Vec<String>,
    /// Hard filter: only incidents of this service. (The probe's service is a boost.)
    pub service: Option<String>,
    /// Hard filter: only incidents of this category. (The probe's category is a boost.)
    pub category: Option<String>,
}

impl Default for SuggestOptions {
    fn default() -> Self {
        SuggestOptions {
            limit: 5,
            exclude_ids: Vec::new(),
            service: None,
            category: None,
        }
    }
}

/// A past incident that probably has the answer, and why it was picked.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub id: String,
    pub number: i64,
    /// Final ranking score (text relevance times the service, category and helpfulness
    /// factors). Comparable within one answer only.
    pub score: f32,
    /// The probe's words that this incident also contains, as the probe spelled them, most
    /// informative first.
    pub matched_terms: Vec<String>,
    /// Fragments of this incident with the matched words marked.
    pub highlights: Vec<Highlight>,
    pub same_service: bool,
    pub same_category: bool,
    pub helpful: u32,
    pub unhelpful: u32,
    pub kind: DocKind,
}

/// The text fields a highlight can come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Title,
    Description,
    Fix,
    ResolutionSummary,
    RootCause,
    Workaround,
    /// An incident's published post-incident review.
    Review,
}

/// A fragment of one field: HTML-escaped text with the matches in `<mark>…</mark>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub field: Field,
    pub fragment: String,
}

/// A responder's free-text search with optional filters and a page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// What the user typed: words, `"quoted phrases"`, `-excluded` words. Empty text lists
    /// every incident that passes the filters, newest first.
    pub text: String,
    pub service: Option<String>,
    pub category: Option<String>,
    pub priority: Option<u8>,
    /// Inclusive.
    pub resolved_after: Option<DateTime<Utc>>,
    /// Exclusive.
    pub resolved_before: Option<DateTime<Utc>>,
    /// Only documents of this kind.
    pub kind: Option<DocKind>,
    pub offset: usize,
    /// Page size, at most [`crate::MAX_SEARCH_LIMIT`]; 0 returns only `total` and `facets`.
    pub limit: usize,
}

impl Default for SearchQuery {
    fn default() -> Self {
        SearchQuery {
            text: String::new(),
            service: None,
            category: None,
            priority: None,
            resolved_after: None,
            resolved_before: None,
            kind: None,
            offset: 0,
            limit: 20,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub number: i64,
    pub kind: DocKind,
    pub score: f32,
    pub highlights: Vec<Highlight>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// The requested page.
    pub hits: Vec<SearchHit>,
    /// How many incidents match in all.
    pub total: usize,
    /// Counts over all matches (not just the page).
    pub facets: Facets,
}

/// Match counts per value, most frequent first (ties by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    pub service: Vec<(String, u64)>,
    pub category: Vec<(String, u64)>,
    /// By [`DocKind::as_str`].
    pub kind: Vec<(String, u64)>,
}

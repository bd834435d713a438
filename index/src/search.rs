//! Free-text search for responders. The query is built from the user's words (see
//! `user_query.rs`), never handed to a query parser: every word (or phrase) must match in some
//! text field, excluded ones must not, filters narrow, and facets count all the matches.

use std::ops::Bound;

use tantivy::collector::sort_key::SortByStaticFastValue;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Field as TantivyField, IndexRecordOption};
use tantivy::tokenizer::{SimpleTokenizer, TextAnalyzer, TokenStream, Tokenizer};
use tantivy::{DateTime as TantivyDateTime, DocAddress, Order, Searcher, TantivyDocument, Term};

use crate::error::SearchError;
use crate::facets::FacetCounts;
use crate::highlight::Highlighter;
use crate::kb::KnowledgeBase;
use crate::model::{Facets, SearchHit, SearchQuery, SearchResults};
use crate::schema::{NUMBER, RESOLVED_AT, to_tantivy_datetime};
use crate::user_query::{self, Clause};

/// Longest search text, in characters.
pub const MAX_QUERY_CHARS: usize = 1_000;
/// Most words in a search text (stop words count: they are what the user typed).
pub const MAX_QUERY_TERMS: usize = 32;
/// Largest page.
pub const MAX_SEARCH_LIMIT: usize = 100;
/// Deepest page start; past it, narrow the search instead.
pub const MAX_SEARCH_OFFSET: usize = 10_000;

fn invalid(message: impl Into<String>) -> SearchError {
    SearchError::Invalid(message.into())
}

fn word_count(text: &str) -> usize {
    let mut tokenizer = SimpleTokenizer::default();
    let mut stream = tokenizer.token_stream(text);
    let mut n = 0;
    while stream.advance() {
        n += 1;
    }
    n
}

fn validate(q: &SearchQuery) -> Result<(), SearchError> {
    let chars = q.text.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(invalid(format!(
            "The search text is too long ({chars} characters); the limit is \
             {MAX_QUERY_CHARS} characters."
        )));
    }
    let words = word_count(&q.text);
    if words > MAX_QUERY_TERMS {
        return Err(invalid(format!(
            "The search has too many words ({words}); the limit is {MAX_QUERY_TERMS} words."
        )));
    }
    if q.limit > MAX_SEARCH_LIMIT {
        return Err(invalid(format!(
            "At most {MAX_SEARCH_LIMIT} results fit on one page."
        )));
    }
    if q.offset > MAX_SEARCH_OFFSET {
        return Err(invalid(format!(
            "Results can be paged up to {MAX_SEARCH_OFFSET} deep; add words or filters to \
             narrow the search."
        )));
    }
    if q.priority.is_some_and(|p| !(1..=5).contains(&p)) {
        return Err(invalid("The priority filter must be between 1 and 5."));
    }
    if let (Some(after), Some(before)) = (q.resolved_after, q.resolved_before)
        && after >= before
    {
        return Err(invalid(
            "The 'resolved after' date must be earlier than the 'resolved before' date.",
        ));
    }
    Ok(())
}

impl KnowledgeBase {
    /// Searches resolved incidents and known errors. Bad input is `SearchError::Invalid` with a message for the
    /// user; it never panics.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults, SearchError> {
        validate(q)?;
        let mut analyzer = self.analyzer();
        let parsed = user_query::parse(&q.text, &mut analyzer);
        if !q.text.trim().is_empty() && parsed.positive.is_empty() && parsed.negative.is_empty() {
            return Err(invalid(
                "The search has no words to look for: very common words (\"the\", \"of\") and \
                 symbols are ignored. Add a more specific word.",
            ));
        }

        let f = &self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for c in &parsed.positive {
            clauses.push((Occur::Must, self.clause_query(c)));
        }
        for c in &parsed.negative {
            clauses.push((Occur::MustNot, self.clause_query(c)));
        }
        let browse = parsed.positive.is_empty();
        if browse {
            clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        let exact = |field: TantivyField, value: &str| -> Box<dyn Query> {
            Box::new(ConstScoreQuery::new(
                Box::new(TermQuery::new(
                    Term::from_field_text(field, value),
                    IndexRecordOption::Basic,
                )),
                0.0,
            ))
        };
        if let Some(service) = &q.service {
            clauses.push((Occur::Must, exact(f.service, service)));
        }
        if let Some(category) = &q.category {
            clauses.push((Occur::Must, exact(f.category, category)));
        }
        if let Some(kind) = q.kind {
            clauses.push((Occur::Must, exact(f.kind, kind.as_str())));
        }
        if let Some(priority) = q.priority {
            let term = Term::from_field_u64(f.priority, u64::from(priority));
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
                    0.0,
                )),
            ));
        }
        if q.resolved_after.is_some() || q.resolved_before.is_some() {
            let bound = |at: Option<_>, inclusive: bool| match at {
                Some(at) => {
                    let term =
                        Term::from_field_date_for_search(f.resolved_at, to_tantivy_datetime(at));
                    if inclusive {
                        Bound::Included(term)
                    } else {
                        Bound::Excluded(term)
                    }
                }
                None => Bound::Unbounded,
            };
            let range = RangeQuery::new(
                bound(q.resolved_after, true),
                bound(q.resolved_before, false),
            );
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(range), 0.0)),
            ));
        }
        let query = BooleanQuery::new(clauses);

        let searcher = self.searcher();
        let (total, facets, page) = if q.limit == 0 {
            let (total, facets) = searcher.search(&query, &(Count, FacetCounts))?;
            (total, facets, Vec::new())
        } else if browse {
            // Ties (the same second) go to the higher number, so the order does not depend on
            // which writer thread or segment a document landed in, and pages stay stable.
            let top = TopDocs::with_limit(q.limit).and_offset(q.offset).order_by((
                (
                    SortByStaticFastValue::<TantivyDateTime>::for_field(RESOLVED_AT),
                    Order::Desc,
                ),
                (SortByStaticFastValue::<i64>::for_field(NUMBER), Order::Desc),
            ));
            let (total, facets, top) = searcher.search(&query, &(Count, FacetCounts, top))?;
            (
                total,
                facets,
                top.into_iter().map(|(_, a)| (0.0, a)).collect(),
            )
        } else {
            let top = TopDocs::with_limit(q.limit)
                .and_offset(q.offset)
                .order_by_score();
            searcher.search(&query, &(Count, FacetCounts, top))?
        };

        let highlighter = Highlighter::new(
            parsed
                .positive
                .iter()
                .flat_map(|c| c.words())
                .map(|w| (w.stem.clone(), 1.0)),
        );
        let hits = self.hits(&searcher, &highlighter, &mut analyzer, page)?;
        Ok(SearchResults {
            hits,
            total,
            facets: Facets::from(facets),
        })
    }

    /// One word or phrase, in any text field; a title match counts extra.
    fn clause_query(&self, clause: &Clause) -> Box<dyn Query> {
        let f = &self.fields;
        let fields = [(f.title, 1.0), (f.content, 1.0), (f.tags, 1.0)];
        let per_field = fields
            .into_iter()
            .map(|(field, boost)| -> (Occur, Box<dyn Query>) {
                let q: Box<dyn Query> = match clause {
                    Clause::Term(w) => Box::new(TermQuery::new(
                        Term::from_field_text(field, &w.stem),
                        IndexRecordOption::WithFreqs,
                    )),
                    Clause::Phrase(words) => Box::new(PhraseQuery::new_with_offset(
                        words
                            .iter()
                            .map(|w| (w.position, Term::from_field_text(field, &w.stem)))
                            .collect(),
                    )),
                };
                (Occur::Should, Box::new(BoostQuery::new(q, boost)))
            })
            .collect();
        Box::new(BooleanQuery::new(per_field))
    }

    fn hits(
        &self,
        searcher: &Searcher,
        highlighter: &Highlighter,
        analyzer: &mut TextAnalyzer,
        page: Vec<(f32, DocAddress)>,
    ) -> Result<Vec<SearchHit>, SearchError> {
        page.into_iter()
            .map(|(score, address)| {
                let stored: TantivyDocument = searcher.doc(address)?;
                let doc = self.fields.read_document(&stored);
                Ok(SearchHit {
                    highlights: highlighter.highlight(analyzer, &doc).highlights,
                    id: doc.id,
                    number: doc.number,
                    kind: doc.kind,
                    score,
                })
            })
            .collect()
    }
}

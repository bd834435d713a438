//! More-like-this suggestions for the incident being diagnosed.
//!
//! 1. Analyze the probe; weigh each distinct word by tf-idf (a title word counts more) and
//!    keep the most informative ones.
//! 2. One flat OR of boosted term queries over the title and the whole text, so tantivy's
//!    block-max WAND can skip most of a large index. Both fields share the word's idf (as in
//!    BM25F), taken from the document frequencies already looked up in step 1.
//! 3. Re-rank the top candidates by service, category and helpfulness factors, read from fast
//!    fields (no stored-document reads), and drop excluded incidents.
//! 4. Explain the survivors: matched words as the probe spelled them, and highlights.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use tantivy::collector::TopDocs;
use tantivy::postings::TermInfo;
use tantivy::query::{
    Bm25StatisticsProvider, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field as TantivyField, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use crate::analysis::{self, Word};
use crate::error::IndexError;
use crate::facets::{SegmentColumns, str_value};
use crate::highlight::Highlighter;
use crate::kb::KnowledgeBase;
use crate::model::{DocKind, Probe, SuggestOptions, Suggestion};
use crate::schema::ID;
use crate::taat::{SegmentTermInfos, top_k_exhaustive};
use crate::top_k::top_k;

/// The most suggestions one call returns.
pub const MAX_SUGGEST_LIMIT: usize = 50;
/// Only this much of a probe's title or description is read: the head of a pasted log says
/// enough.
const MAX_PROBE_BYTES: usize = 16 * 1024;
/// At most this many distinct probe words are looked up in the index: every title word, then
/// the description's most frequent.
const MAX_CANDIDATE_STEMS: usize = 64;

/// A probe word, its use in the probe and its weight against the index.
#[derive(Debug, Clone)]
struct ProbeTerm {
    stem: String,
    original: String,
    in_title: bool,
    tf_body: u32,
    /// Order of first appearance, to break ties.
    first_seen: usize,
    df: u64,
    /// The word's term info in the whole text of each segment (`None`: not there), looked up
    /// once for its document frequency and again used to read its postings.
    content_infos: Vec<Option<TermInfo>>,
    /// tf-idf, used to pick and order the terms.
    weight: f32,
    /// Query-side boost from the probe's use of the word.
    boost: f32,
}

fn idf(df: u64, num_docs: u64) -> f32 {
    let (df, n) = (df as f32, num_docs as f32);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

fn tf_saturation(tf: u32) -> f32 {
    if tf == 0 { 0.0 } else { 1.0 + (tf as f32).ln() }
}

/// Identifiers, timestamps and hashes in pasted logs ("20100101", "6e767626") are unique
/// noise; looking them up costs more than they could ever add. Short numbers ("502", "1205")
/// and names with digits ("x509", "nvme0n1") stay.
pub(crate) fn is_noise(stem: &str) -> bool {
    stem.len() >= 8 && stem.bytes().any(|b| b.is_ascii_digit())
}

struct Selected {
    terms: Vec<ProbeTerm>,
}

/// The document frequencies found while picking terms, served back to BM25 so building the
/// query does not look every term up again, and so that all fields share one idf per word.
struct CachedStats<'a> {
    searcher: &'a Searcher,
    df: HashMap<&'a str, u64>,
}

impl Bm25StatisticsProvider for CachedStats<'_> {
    fn total_num_tokens(&self, field: TantivyField) -> tantivy::Result<u64> {
        self.searcher.total_num_tokens(field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        self.searcher.total_num_docs()
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        match term.value().as_str().and_then(|s| self.df.get(s)) {
            Some(df) => Ok(*df),
            None => self.searcher.doc_freq(term),
        }
    }
}

struct Ranking {
    searcher: Searcher,
    selected: Selected,
    ranked: Vec<Ranked>,
}

struct Ranked {
    address: DocAddress,
    score: f32,
    same_service: bool,
    same_category: bool,
    helpful: u32,
    unhelpful: u32,
    kind: DocKind,
}

impl KnowledgeBase {
    /// Suggests resolved incidents like the probe, best first, each with the reasons it was
    /// picked. A probe with no informative word (empty, only stop words) gets an empty list.
    pub fn suggest(
        &self,
        probe: &Probe,
        opts: &SuggestOptions,
    ) -> Result<Vec<Suggestion>, IndexError> {
        // One analyzer for the probe and the explanations: its stem memo, warmed by the
        // probe's words, serves the suggested incidents' texts, which share many of them.
        let mut analyzer = self.analyzer();
        match self.rank(
            probe,
            opts,
            opts.limit.min(MAX_SUGGEST_LIMIT),
            &mut analyzer,
        )? {
            Some(r) => self.explain(&r.searcher, &mut analyzer, &r.selected, r.ranked),
            None => Ok(Vec::new()),
        }
    }

    /// The ranking alone, without explanations, up to any `limit` (the backtest).
    pub(crate) fn rank_ids(
        &self,
        probe: &Probe,
        opts: &SuggestOptions,
        limit: usize,
    ) -> Result<Vec<String>, IndexError> {
        let Some(r) = self.rank(probe, opts, limit, &mut self.analyzer())? else {
            return Ok(Vec::new());
        };
        r.ranked
            .iter()
            .map(|c| {
                let column = r
                    .searcher
                    .segment_reader(c.address.segment_ord)
                    .fast_fields()
                    .str(ID)?;
                Ok(str_value(column.as_ref(), c.address.doc_id).unwrap_or_default())
            })
            .collect()
    }

    /// `None` when there is nothing to rank: no limit, an empty index, no informative word.
    fn rank(
        &self,
        probe: &Probe,
        opts: &SuggestOptions,
        limit: usize,
        analyzer: &mut TextAnalyzer,
    ) -> Result<Option<Ranking>, IndexError> {
        let searcher = self.searcher();
        if limit == 0 || searcher.num_docs() == 0 {
            return Ok(None);
        }
        let selected = self.select(&searcher, analyzer, probe)?;
        if selected.terms.is_empty() {
            return Ok(None);
        }
        let excluded = self.addresses(&searcher, &opts.exclude_ids)?;
        let stats = CachedStats {
            searcher: &searcher,
            df: selected
                .terms
                .iter()
                .map(|t| (t.stem.as_str(), t.df))
                .collect(),
        };
        let pool = self
            .ranking
            .rerank_candidates
            .max(limit)
            .saturating_add(excluded.len());
        let top =
            if self.ranking.exhaustive_scoring && opts.service.is_none() && opts.category.is_none()
            {
                let (terms, known) = self.weighted_terms_with_infos(&selected);
                top_k_exhaustive(&searcher, &terms, &known, &stats, pool)?
            } else {
                let query = self.suggestion_query(&selected, opts);
                top_k(&searcher, query.as_ref(), &stats, pool)?
            };
        let ranked = self.rerank(&searcher, top, probe, &excluded, limit)?;
        Ok(Some(Ranking {
            searcher,
            selected,
            ranked,
        }))
    }

    /// Where the documents with these ids are (most callers exclude one id that is not even
    /// indexed: that costs one term lookup per segment).
    fn addresses(
        &self,
        searcher: &Searcher,
        ids: &[String],
    ) -> Result<HashSet<DocAddress>, IndexError> {
        let mut out = HashSet::new();
        for id in ids {
            let term = self.id_term(id);
            if searcher.doc_freq(&term)? == 0 {
                continue;
            }
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            let found = searcher.search(&query, &TopDocs::with_limit(4).order_by_score())?;
            out.extend(found.into_iter().map(|(_, address)| address));
        }
        Ok(out)
    }

    /// Picks the query words from the probe.
    fn select(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        probe: &Probe,
    ) -> Result<Selected, IndexError> {
        let cfg = &self.ranking;
        let f = &self.fields;
        let title_words =
            analysis::words(analyzer, analysis::truncate(&probe.title, MAX_PROBE_BYTES));
        let body_words = analysis::words(
            analyzer,
            analysis::truncate(&probe.description, MAX_PROBE_BYTES),
        );
        let mut meta_words: Vec<Word> = Vec::new();
        for tag in [&probe.service, &probe.category].into_iter().flatten() {
            meta_words.extend(analysis::words(analyzer, analysis::truncate(tag, 256)));
        }

        let mut by_stem: HashMap<String, usize> = HashMap::new();
        let mut terms: Vec<ProbeTerm> = Vec::new();
        let sources = title_words
            .iter()
            .map(|w| (w, true))
            .chain(body_words.iter().chain(&meta_words).map(|w| (w, false)));
        for (w, in_title) in sources {
            if !in_title && is_noise(&w.stem) {
                continue;
            }
            let i = match by_stem.entry(w.stem.clone()) {
                Entry::Occupied(e) => *e.get(),
                Entry::Vacant(e) => {
                    terms.push(ProbeTerm {
                        stem: w.stem.clone(),
                        original: w.original.clone(),
                        in_title: false,
                        tf_body: 0,
                        first_seen: terms.len(),
                        df: 0,
                        content_infos: Vec::new(),
                        weight: 0.0,
                        boost: 0.0,
                    });
                    *e.insert(terms.len() - 1)
                }
            };
            if in_title {
                terms[i].in_title = true;
            } else {
                terms[i].tf_body += 1;
            }
        }
        // Bound the lookups: title words first, then the description's most frequent words.
        terms.sort_by(|a, b| {
            b.in_title
                .cmp(&a.in_title)
                .then(b.tf_body.cmp(&a.tf_body))
                .then(a.first_seen.cmp(&b.first_seen))
        });
        terms.truncate(MAX_CANDIDATE_STEMS);

        let num_docs = searcher.num_docs();
        let max_df = cfg.max_doc_freq(num_docs);
        for t in &mut terms {
            // `Searcher::doc_freq`, keeping each segment's term info.
            let term = Term::from_field_text(f.content, &t.stem);
            t.content_infos = searcher
                .segment_readers()
                .iter()
                .map(|reader| -> Result<_, IndexError> {
                    Ok(reader.inverted_index(f.content)?.get_term_info(&term)?)
                })
                .collect::<Result<_, _>>()?;
            t.df = t
                .content_infos
                .iter()
                .flatten()
                .map(|info| u64::from(info.doc_freq))
                .sum();
            let title_part = if t.in_title {
                cfg.probe_title_weight
            } else {
                0.0
            };
            t.boost = title_part + tf_saturation(t.tf_body);
            t.weight = if t.df == 0 || t.df > max_df {
                0.0
            } else {
                idf(t.df, num_docs) * t.boost
            };
        }
        terms.retain(|t| t.weight > 0.0);
        terms.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then(a.first_seen.cmp(&b.first_seen))
        });
        terms.truncate(cfg.max_query_terms);
        if let Some(max_boost) = terms.iter().map(|t| t.boost).reduce(f32::max) {
            for t in &mut terms {
                t.boost = if cfg.weight_terms_by_probe_tf {
                    t.boost / max_boost
                } else {
                    1.0
                };
            }
        }
        Ok(Selected { terms })
    }

    fn field_boost(&self, field: TantivyField) -> f32 {
        if field == self.fields.title {
            self.ranking.title_boost
        } else {
            self.ranking.content_boost
        }
    }

    /// The query's terms, each with its boost: every selected word in the title and in the
    /// whole text.
    fn weighted_terms(&self, selected: &Selected) -> Vec<(Term, f32)> {
        let f = &self.fields;
        let mut terms = Vec::new();
        for t in &selected.terms {
            // The order `weighted_terms_with_infos` follows.
            for field in [f.title, f.content] {
                let field_boost = self.field_boost(field);
                if field_boost > 0.0 {
                    terms.push((Term::from_field_text(field, &t.stem), field_boost * t.boost));
                }
            }
        }
        terms
    }

    /// `weighted_terms`, each beside the term infos already looked up for it (those of the
    /// whole text).
    fn weighted_terms_with_infos<'a>(
        &self,
        selected: &'a Selected,
    ) -> (Vec<(Term, f32)>, Vec<Option<SegmentTermInfos<'a>>>) {
        let known = selected
            .terms
            .iter()
            .flat_map(|t| {
                [
                    (self.fields.title, None),
                    (self.fields.content, Some(t.content_infos.as_slice())),
                ]
            })
            .filter(|(field, _)| self.field_boost(*field) > 0.0)
            .map(|(_, infos)| infos)
            .collect();
        (self.weighted_terms(selected), known)
    }

    fn suggestion_query(&self, selected: &Selected, opts: &SuggestOptions) -> Box<dyn Query> {
        let f = &self.fields;
        let clauses: Vec<(Occur, Box<dyn Query>)> = self
            .weighted_terms(selected)
            .into_iter()
            .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                let term = TermQuery::new(term, IndexRecordOption::WithFreqs);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(term), boost)),
                )
            })
            .collect();
        // A flat OR of term queries is what block-max WAND accelerates; filters wrap it.
        let text: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        let filters: Vec<(Occur, Box<dyn Query>)> =
            [(f.service, &opts.service), (f.category, &opts.category)]
                .into_iter()
                .filter_map(|(field, value)| {
                    let exact = TermQuery::new(
                        Term::from_field_text(field, value.as_deref()?),
                        IndexRecordOption::Basic,
                    );
                    let filter: Box<dyn Query> =
                        Box::new(ConstScoreQuery::new(Box::new(exact), 0.0));
                    Some((Occur::Must, filter))
                })
                .collect();
        if filters.is_empty() {
            return text;
        }
        let mut all = filters;
        all.push((Occur::Must, text));
        Box::new(BooleanQuery::new(all))
    }

    fn rerank(
        &self,
        searcher: &Searcher,
        top: Vec<(f32, DocAddress)>,
        probe: &Probe,
        excluded: &HashSet<DocAddress>,
        limit: usize,
    ) -> Result<Vec<Ranked>, IndexError> {
        let cfg = &self.ranking;
        let service_key = probe.service.as_deref().map(analysis::stable_hash);
        let category_key = probe.category.as_deref().map(analysis::stable_hash);
        let mut columns: HashMap<u32, SegmentColumns> = HashMap::new();
        let mut ranked = Vec::with_capacity(top.len());
        for (text_score, address) in top {
            if excluded.contains(&address) {
                continue;
            }
            let cols = match columns.entry(address.segment_ord) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(SegmentColumns::open(
                    searcher.segment_reader(address.segment_ord),
                )?),
            };
            let doc = address.doc_id;
            let same_service = service_key.is_some_and(|k| cols.service_is(doc, k));
            let same_category = category_key.is_some_and(|k| cols.category_is(doc, k));
            let (helpful, unhelpful) = cols.helpfulness(doc);
            let kind = cols.kind(doc);
            let mut score = text_score * cfg.helpfulness_factor(helpful, unhelpful);
            if kind == DocKind::KnownError {
                score *= cfg.known_error_factor;
            }
            if same_service {
                score *= cfg.same_service_factor;
            }
            if same_category {
                score *= cfg.same_category_factor;
            }
            ranked.push(Ranked {
                address,
                score,
                same_service,
                same_category,
                helpful,
                unhelpful,
                kind,
            });
        }
        ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.address.cmp(&b.address)));
        ranked.truncate(limit);
        Ok(ranked)
    }

    fn explain(
        &self,
        searcher: &Searcher,
        analyzer: &mut TextAnalyzer,
        selected: &Selected,
        ranked: Vec<Ranked>,
    ) -> Result<Vec<Suggestion>, IndexError> {
        let highlighter =
            Highlighter::new(selected.terms.iter().map(|t| (t.stem.clone(), t.weight)));
        let mut out = Vec::with_capacity(ranked.len());
        for r in ranked {
            let stored: TantivyDocument = searcher.doc(r.address)?;
            let doc = self.fields.read_document(&stored);
            let found = highlighter.highlight(analyzer, &doc);
            let matched_terms = selected
                .terms
                .iter()
                .zip(&found.matched)
                .filter(|(_, matched)| **matched)
                .map(|(t, _)| t.original.clone())
                .collect();
            out.push(Suggestion {
                highlights: found.highlights,
                id: doc.id,
                number: doc.number,
                score: r.score,
                matched_terms,
                same_service: r.same_service,
                same_category: r.same_category,
                helpful: r.helpful,
                unhelpful: r.unhelpful,
                kind: r.kind,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{doc, kb_with};

    #[test]
    fn noise_tokens_are_recognised() {
        for noise in ["20100101", "6e76762623d2898f", "1234567890"] {
            assert!(is_noise(noise), "{noise}");
        }
        for word in ["502", "x509", "nvme0n1", "connection", "utf8", "2024"] {
            assert!(!is_noise(word), "{word}");
        }
    }

    #[test]
    fn selection_keeps_the_most_informative_words_up_to_the_cap() {
        let mut docs: Vec<_> = (0..40)
            .map(|i| {
                doc(
                    &format!("inc-{i}"),
                    "Common words",
                    &format!("alpha beta gamma {i}"),
                )
            })
            .collect();
        docs.push(doc("inc-x", "Rare", "zeta theta"));
        let kb = kb_with(docs).with_ranking(crate::RankingConfig {
            max_query_terms: 2,
            ..crate::RankingConfig::default()
        });
        let probe = Probe {
            title: "alpha beta".into(),
            description: "gamma zeta theta unknownword".into(),
            ..Probe::default()
        };
        let selected = kb
            .select(&kb.searcher(), &mut kb.analyzer(), &probe)
            .expect("select");
        let mut stems: Vec<&str> = selected.terms.iter().map(|t| t.stem.as_str()).collect();
        stems.sort_unstable();
        assert_eq!(
            stems,
            vec!["theta", "zeta"],
            "rare words win despite the title bonus"
        );
    }
}

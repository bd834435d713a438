//! The tunable numbers of the suggestion ranking, kept in one place so the backtest can compare
//! variants and the defaults can be argued about in one diff.

/// The document frequency below which no word is too common to query, whatever the ratio:
/// small indexes keep all their words.
pub const MIN_DOC_FREQ_CUTOFF: u64 = 1_000;

/// Parameters of [`crate::KnowledgeBase::suggest`]. The defaults are the tuned ones.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingConfig {
    /// At most this many of the probe's words go into the query, the most informative
    /// (tf-idf against the index) first.
    pub max_query_terms: usize,
    /// In a large index, words found in more than this share of the incidents are left out of
    /// the query: they say little about which incident is alike and cost the most to score.
    /// Never applied below `min_doc_freq_cutoff` documents containing the word.
    pub max_doc_freq_ratio: f32,
    /// The document frequency below which no word is too common to query, whatever the ratio
    /// ([`MIN_DOC_FREQ_CUTOFF`] by default; the backtest lowers it to see what the ratio costs
    /// on a small corpus).
    pub min_doc_freq_cutoff: u64,
    /// How much a probe word in the title counts, against once in the description, when
    /// picking and weighting the query words.
    pub probe_title_weight: f32,
    /// Query-side boost of a match anywhere in a past incident's text (title, description,
    /// resolution summary, root cause, fix).
    pub content_boost: f32,
    /// Extra query-side boost of a match in a past incident's title (on top of the content
    /// match, which includes the title).
    pub title_boost: f32,
    /// Whether each query word is boosted by how often the probe uses it (and whether its title
    /// does), or all selected words count the same.
    pub weight_terms_by_probe_tf: bool,
    /// Multiplies the score of an incident of the probe's service.
    pub same_service_factor: f32,
    /// Multiplies the score of an incident of the probe's category.
    pub same_category_factor: f32,
    /// Multiplies the score of a known error: a recorded root cause and workaround, often
    /// confirmed on several incidents, is worth more than one past incident of the same text.
    pub known_error_factor: f32,
    /// Helpfulness multiplies the score by a factor in `1 ± helpfulness_spread`, from the
    /// smoothed share of helpful marks ((helpful + 1) / (helpful + unhelpful + 2)): no marks is
    /// neutral, a few marks move it a little, many marks up to the bound.
    pub helpfulness_spread: f32,
    /// Text-ranked candidates that the service, category and helpfulness factors re-rank (at
    /// least the limit asked for). Fewer is faster: the k-th best score is the bar a document
    /// must pass to be scored at all.
    pub rerank_candidates: usize,
    /// Score a suggestion query without hard filters term at a time, every posting of every
    /// query word (`taat.rs`), instead of with tantivy's block-max WAND. The scores are the
    /// same (up to float rounding); on text where every query word is in a few percent of the
    /// incidents WAND prunes little and its per-posting bookkeeping over 48 lists costs more
    /// than scoring everything.
    pub exhaustive_scoring: bool,
}

impl Default for RankingConfig {
    fn default() -> Self {
        RankingConfig {
            max_query_terms: 24,
            max_doc_freq_ratio: 0.05,
            min_doc_freq_cutoff: MIN_DOC_FREQ_CUTOFF,
            probe_title_weight: 2.0,
            content_boost: 1.0,
            title_boost: 2.0,
            weight_terms_by_probe_tf: true,
            same_service_factor: 1.2,
            same_category_factor: 1.1,
            known_error_factor: 1.3,
            helpfulness_spread: 0.25,
            rerank_candidates: 10,
            exhaustive_scoring: true,
        }
    }
}

impl RankingConfig {
    /// The largest document frequency a query word may have in an index of `num_docs`.
    pub fn max_doc_freq(&self, num_docs: u64) -> u64 {
        let by_ratio = (num_docs as f64 * f64::from(self.max_doc_freq_ratio.max(0.0))) as u64;
        by_ratio.max(self.min_doc_freq_cutoff)
    }

    /// The helpfulness factor, within `1 ± helpfulness_spread`.
    pub fn helpfulness_factor(&self, helpful: u32, unhelpful: u32) -> f32 {
        let (h, u) = (f64::from(helpful), f64::from(unhelpful));
        let share = (h + 1.0) / (h + u + 2.0);
        let spread = f64::from(self.helpfulness_spread.clamp(0.0, 0.9));
        (1.0 + spread * (2.0 * share - 1.0)) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doc_freq_cutoff_spares_small_indexes() {
        let c = RankingConfig::default();
        assert_eq!(c.max_doc_freq(10), MIN_DOC_FREQ_CUTOFF);
        assert_eq!(c.max_doc_freq(1_000_000), 50_000);
    }

    #[test]
    fn helpfulness_is_neutral_without_marks_and_bounded() {
        let c = RankingConfig::default();
        assert!((c.helpfulness_factor(0, 0) - 1.0).abs() < 1e-6);
        assert!((c.helpfulness_factor(3, 3) - 1.0).abs() < 1e-6);
        assert!(c.helpfulness_factor(1, 0) > 1.0);
        assert!(c.helpfulness_factor(10, 0) > c.helpfulness_factor(1, 0));
        assert!(c.helpfulness_factor(0, 3) < c.helpfulness_factor(0, 1));
        assert!(c.helpfulness_factor(0, 1) < 1.0);
        let max = c.helpfulness_factor(u32::MAX, 0);
        let min = c.helpfulness_factor(0, u32::MAX);
        assert!(max <= 1.0 + c.helpfulness_spread + 1e-6);
        assert!(min >= 1.0 - c.helpfulness_spread - 1e-6);
    }
}

//! Top-k documents by score with one running threshold across all segments.
//!
//! tantivy's `TopDocs` starts every segment at threshold zero, so in an index of many segments
//! block-max WAND re-scores its way up to a good threshold once per segment. Here the largest
//! segment goes first and its k-th best score is where the next segment starts.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Query};
use tantivy::{DocAddress, Score, Searcher};

/// Heap entry; "greater" means worse, so the binary heap's top is the k-th best.
#[derive(Debug, Clone, Copy)]
struct Worst {
    score: Score,
    address: DocAddress,
}

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Worst {}

impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.address.cmp(&other.address))
    }
}

/// The `k` best documents offered so far, for both ways of scoring (`top_k` here, `taat.rs`).
pub(crate) struct Best {
    heap: BinaryHeap<Worst>,
    k: usize,
}

impl Best {
    pub(crate) fn new(k: usize) -> Self {
        Best {
            heap: BinaryHeap::with_capacity(k + 1),
            k,
        }
    }

    /// The k-th best score, once `k` documents have been offered: what a document must beat.
    pub(crate) fn kth(&self) -> Option<Score> {
        if self.heap.len() == self.k {
            self.heap.peek().map(|w| w.score)
        } else {
            None
        }
    }

    /// Keeps the document if it is among the `k` best so far; returns the new k-th best score.
    pub(crate) fn offer(&mut self, score: Score, address: DocAddress) -> Option<Score> {
        self.heap.push(Worst { score, address });
        if self.heap.len() > self.k {
            self.heap.pop();
        }
        self.kth()
    }

    /// Best first (ties: lower address first).
    pub(crate) fn into_sorted(self) -> Vec<(Score, DocAddress)> {
        // Ascending in "worse" order is best first.
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|w| (w.score, w.address))
            .collect()
    }
}

/// The `k` best documents for `query`, best first (ties: lower address first).
pub(crate) fn top_k(
    searcher: &Searcher,
    query: &dyn Query,
    stats: &dyn Bm25StatisticsProvider,
    k: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let weight = query.weight(EnableScoring::enabled_from_statistics_provider(
        stats, searcher,
    ))?;
    let mut segments: Vec<u32> = (0..searcher.segment_readers().len() as u32).collect();
    segments.sort_by_key(|&ord| Reverse(searcher.segment_reader(ord).num_docs()));
    let mut best = Best::new(k);
    let mut threshold = Score::MIN;
    for ord in segments {
        let reader = searcher.segment_reader(ord);
        let alive = reader.alive_bitset();
        let start = threshold;
        weight.for_each_pruning(start, reader, &mut |doc, score| {
            if alive.is_some_and(|a| a.is_deleted(doc)) {
                return threshold;
            }
            threshold = best
                .offer(score, DocAddress::new(ord, doc))
                .unwrap_or(threshold);
            threshold
        })?;
    }
    Ok(best.into_sorted())
}

#[cfg(test)]
mod tests {
    use tantivy::collector::TopDocs;
    use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
    use tantivy::schema::{IndexRecordOption, Schema, TEXT};
    use tantivy::{Index, IndexWriter, Term, doc};

    use super::*;

    #[test]
    fn same_answer_as_top_docs_across_segments_and_deletes() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let words = ["alpha", "beta", "gamma", "delta"];
        for segment in 0..4 {
            for i in 0..300 {
                let body: Vec<&str> = (0..(i % 7 + segment))
                    .map(|j| words[(i * 3 + j) % words.len()])
                    .collect();
                writer
                    .add_document(doc!(text => body.join(" ")))
                    .expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(text, "delta"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert!(searcher.segment_readers().len() > 1);
        let query = BooleanQuery::new(
            ["alpha", "beta", "gamma"]
                .iter()
                .map(|w| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_text(text, w),
                            IndexRecordOption::WithFreqs,
                        )),
                    )
                })
                .collect(),
        );
        for k in [1, 5, 37] {
            let ours = top_k(&searcher, &query, &searcher, k).expect("top_k");
            let theirs = searcher
                .search(&query, &TopDocs::with_limit(k).order_by_score())
                .expect("search");
            let scores = |v: &[(Score, DocAddress)]| v.iter().map(|(s, _)| *s).collect::<Vec<_>>();
            assert_eq!(scores(&ours), scores(&theirs), "k = {k}");
            assert_eq!(ours.len(), k);
        }
        assert!(
            top_k(&searcher, &query, &searcher, 0)
                .expect("top_k")
                .is_empty()
        );
    }
}

//! Top-k of a flat OR of boosted term queries, scored term at a time: every posting of every
//! term adds its BM25 score to a per-document accumulator, then one pass picks the best.
//!
//! This is what suggestions use instead of tantivy's block-max WAND (`top_k.rs`). A
//! suggestion is 24 words in two fields, 48 posting lists, each word in 1–5% of the incidents.
//! WAND skips documents that cannot reach the k-th best score, but with that many lists of
//! like weight few blocks can be skipped, and for each document it looks at it re-sorts and
//! re-sums the 48 cursors: at 1M documents 73% of a suggestion's time was that loop and 2%
//! decoding postings. Scoring every posting in a tight loop does more additions and much less
//! bookkeeping. The scores are the ones tantivy computes (the same `Bm25Weight`s, boosted the
//! same way), summed in term order, so they can differ from WAND's sums in the last bit.
//!
//! Cost: one `f32` per document of the largest segment (4 MB at 1M documents in one segment),
//! and time linear in the postings of the query words, which the suggestion's document-
//! frequency cutoff bounds.

use std::collections::BinaryHeap;

use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Score, Searcher, Term};

use crate::top_k::Worst;

/// Accumulators scanned at a time when picking the best.
const CHUNK: usize = 64;

/// The `k` best documents for the OR of `terms` (each with its boost), best first (ties:
/// lower address first). Statistics (idf, average field length) come from `stats`, as with
/// `top_k`.
pub(crate) fn top_k_exhaustive(
    searcher: &Searcher,
    terms: &[(Term, Score)],
    stats: &dyn Bm25StatisticsProvider,
    k: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    if k == 0 || terms.is_empty() {
        return Ok(Vec::new());
    }
    let weights = terms
        .iter()
        .map(|(term, boost)| {
            let weight = Bm25Weight::for_terms(stats, std::slice::from_ref(term))?;
            Ok((term, weight.boost_by(*boost)))
        })
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut heap: BinaryHeap<Worst> = BinaryHeap::with_capacity(k + 1);
    let mut scores: Vec<Score> = Vec::new();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        scores.clear();
        scores.resize(reader.max_doc() as usize, 0.0);
        for (term, weight) in &weights {
            let inverted = reader.inverted_index(term.field())?;
            let Some(mut postings) =
                inverted.read_block_postings(term, IndexRecordOption::WithFreqs)?
            else {
                continue;
            };
            let fieldnorms = reader.get_fieldnorms_reader(term.field())?;
            // Blocks of 128 documents; the last one is shorter, then an empty one ends it.
            loop {
                let docs = postings.docs();
                if docs.is_empty() {
                    break;
                }
                for (&doc, &tf) in docs.iter().zip(postings.freqs()) {
                    if let Some(score) = scores.get_mut(doc as usize) {
                        *score += weight.score(fieldnorms.fieldnorm_id(doc), tf);
                    }
                }
                postings.advance();
            }
        }
        let alive = reader.alive_bitset();
        // A document must beat the k-th best so far, as in `top_k`; 0 means no match.
        let mut threshold = if heap.len() == k {
            heap.peek().map_or(0.0, |w| w.score)
        } else {
            0.0
        };
        // Most chunks hold nothing above the threshold: one comparison of the whole chunk (a
        // fold without early exit, which vectorizes) skips them; scanning element by element
        // was half of this function's time at 1M.
        for (c, chunk) in scores.chunks(CHUNK).enumerate() {
            if !chunk.iter().fold(false, |any, &s| any | (s > threshold)) {
                continue;
            }
            for (i, &score) in chunk.iter().enumerate() {
                if score <= threshold {
                    continue;
                }
                let doc = (c * CHUNK + i) as u32;
                if alive.is_some_and(|a| a.is_deleted(doc)) {
                    continue;
                }
                heap.push(Worst {
                    score,
                    address: DocAddress::new(ord as u32, doc),
                });
                if heap.len() > k {
                    heap.pop();
                }
                if heap.len() == k {
                    threshold = heap.peek().map_or(threshold, |w| w.score);
                }
            }
        }
    }
    // Ascending in "worse" order is best first.
    Ok(heap
        .into_sorted_vec()
        .into_iter()
        .map(|w| (w.score, w.address))
        .collect())
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, IndexWriter, doc};

    use super::*;
    use crate::top_k::top_k;

    #[test]
    fn same_documents_and_scores_as_block_max_wand_across_segments_and_deletes() {
        let mut b = Schema::builder();
        let title = b.add_text_field("title", TEXT);
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
        for segment in 0..4 {
            // Sizes past a 128-document block, and one that is a multiple of it.
            for i in 0..(300 + 128 * segment) {
                let body: Vec<&str> = (0..(i % 11 + segment))
                    .map(|j| words[(i * 3 + j * 5) % words.len()])
                    .collect();
                let head: Vec<&str> = (0..(i % 3)).map(|j| words[(i + j) % 4]).collect();
                writer
                    .add_document(doc!(title => head.join(" "), text => body.join(" ")))
                    .expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(text, "eta"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert!(searcher.segment_readers().len() > 1);

        let terms: Vec<(Term, Score)> = ["alpha", "beta", "gamma", "zeta", "missing"]
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                let boost = 1.0 / (i as Score + 1.0);
                [
                    (Term::from_field_text(title, w), 2.0 * boost),
                    (Term::from_field_text(text, w), boost),
                ]
            })
            .collect();
        let query = BooleanQuery::new(
            terms
                .iter()
                .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                    let term = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(term), *boost)),
                    )
                })
                .collect(),
        );
        for k in [1, 5, 37, 5_000] {
            let ours = top_k_exhaustive(&searcher, &terms, &searcher, k).expect("exhaustive");
            let wand = top_k(&searcher, &query, &searcher, k).expect("wand");
            assert_eq!(ours.len(), wand.len(), "k = {k}");
            assert!(!ours.is_empty());
            for ((a, _), (b, _)) in ours.iter().zip(&wand) {
                assert!(
                    (a - b).abs() <= 1e-5 * a.abs().max(b.abs()),
                    "k = {k}: {a} {b}"
                );
            }
            // Every document strictly above the last score is the same one (ties at the cut
            // may be others).
            let last = ours.last().map_or(0.0, |(s, _)| *s);
            let above = |v: &[(Score, DocAddress)]| {
                let mut a: Vec<DocAddress> = v
                    .iter()
                    .filter(|(s, _)| *s > last * (1.0 + 1e-5))
                    .map(|(_, d)| *d)
                    .collect();
                a.sort();
                a
            };
            assert_eq!(above(&ours), above(&wand), "k = {k}");
        }
        // The deleted documents (all with "eta") never come back.
        let all = top_k_exhaustive(&searcher, &terms, &searcher, 100_000).expect("all");
        assert_eq!(
            all.len(),
            top_k(&searcher, &query, &searcher, 100_000)
                .expect("all")
                .len()
        );
        assert!(
            top_k_exhaustive(&searcher, &terms, &searcher, 0)
                .expect("k 0")
                .is_empty()
        );
    }
}

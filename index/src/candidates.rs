//! Problem candidates: groups of resolved incidents that resemble one another, so that a
//! manager can open one problem for them instead of noticing the pattern by hand.
//!
//! Each incident becomes a weighted vector of its most informative words, analyzed as the index
//! analyzes them and weighed with the index's own document frequencies (sublinear tf × idf, a
//! title word counting double, at most [`GroupingOptions::max_terms`] words). Two incidents are
//! neighbours when the cosine of their vectors reaches [`GroupingOptions::min_similarity`] and
//! each is among the other's [`GroupingOptions::neighbours`] nearest: the mutual condition keeps
//! a generic incident ("crash on start") from chaining unrelated groups together. Groups are
//! the connected parts of that graph with at least [`GroupingOptions::min_size`] incidents.
//!
//! The work is bounded by the caller's number of incidents `n`: one analysis per incident, one
//! document-frequency lookup per distinct word, and pairwise scores only between incidents that
//! share a word (at worst n²/2).

use std::collections::{HashMap, HashSet};

use tantivy::Term;

use crate::analysis;
use crate::error::IndexError;
use crate::kb::KnowledgeBase;
use crate::model::IncidentDoc;

/// How incidents are grouped. The defaults were chosen on the SeaMonkey duplicate corpus
/// (see `backtest::candidates`).
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingOptions {
    /// Smallest group proposed.
    pub min_size: usize,
    /// Cosine similarity (0..=1) two incidents need to be neighbours.
    pub min_similarity: f32,
    /// Each of two neighbours must be among the other's this many most similar incidents.
    pub neighbours: usize,
    /// Words kept per incident, the most informative first.
    pub max_terms: usize,
    /// Shared words reported per group.
    pub shared_terms: usize,
}

impl Default for GroupingOptions {
    fn default() -> Self {
        GroupingOptions {
            min_size: 3,
            min_similarity: 0.30,
            neighbours: 4,
            max_terms: 24,
            shared_terms: 8,
        }
    }
}

/// A proposed problem: incidents (ids as given, in the caller's order) and the words they
/// share, most telling first, as the incidents spelled them.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateGroup {
    pub ids: Vec<String>,
    pub shared_terms: Vec<String>,
    /// Mean similarity of the neighbour links inside the group (0..=1).
    pub cohesion: f32,
}

/// Only this much of each text is read.
const MAX_TEXT_BYTES: usize = 16 * 1024;

struct Vector {
    /// (stem index, weight), L2-normalised.
    terms: Vec<(usize, f32)>,
}

impl KnowledgeBase {
    /// Groups `docs` (typically resolved incidents not yet linked to a problem) by resemblance;
    /// largest groups first. The documents need not be indexed: their text is analyzed here, and
    /// the index only supplies how common each word is.
    pub fn group_similar(
        &self,
        docs: &[IncidentDoc],
        options: &GroupingOptions,
    ) -> Result<Vec<CandidateGroup>, IndexError> {
        if docs.len() < options.min_size.max(2) {
            return Ok(Vec::new());
        }
        let mut analyzer = self.analyzer();
        let searcher = self.searcher();
        // Stems, their first spelling, and per document the term frequencies.
        let mut stems: Vec<String> = Vec::new();
        let mut originals: Vec<String> = Vec::new();
        let mut stem_ids: HashMap<String, usize> = HashMap::new();
        let mut set_df: Vec<u64> = Vec::new();
        let mut tfs: Vec<HashMap<usize, f32>> = Vec::with_capacity(docs.len());
        for doc in docs {
            let mut tf: HashMap<usize, f32> = HashMap::new();
            let body = [
                doc.description.as_str(),
                &doc.resolution_summary,
                doc.root_cause.as_deref().unwrap_or(""),
                doc.fix.as_deref().unwrap_or(""),
            ];
            let texts = std::iter::once((doc.title.as_str(), 2.0_f32))
                .chain(body.into_iter().map(|t| (t, 1.0_f32)));
            for (text, weight) in texts {
                for w in analysis::words(&mut analyzer, analysis::truncate(text, MAX_TEXT_BYTES)) {
                    if crate::suggest::is_noise(&w.stem) {
                        continue;
                    }
                    let id = *stem_ids.entry(w.stem.clone()).or_insert_with(|| {
                        stems.push(w.stem.clone());
                        originals.push(w.original.clone());
                        set_df.push(0);
                        stems.len() - 1
                    });
                    *tf.entry(id).or_insert(0.0) += weight;
                }
            }
            for id in tf.keys() {
                set_df[*id] += 1;
            }
            tfs.push(tf);
        }
        let num_docs = searcher.num_docs().max(docs.len() as u64) as f32;
        let mut idf = Vec::with_capacity(stems.len());
        for (i, stem) in stems.iter().enumerate() {
            let term = Term::from_field_text(self.fields.content, stem);
            let df = searcher.doc_freq(&term)?.max(set_df[i]) as f32;
            idf.push((1.0 + (num_docs - df + 0.5) / (df + 0.5)).ln());
        }
        let vectors: Vec<Vector> = tfs
            .iter()
            .map(|tf| {
                let mut terms: Vec<(usize, f32)> = tf
                    .iter()
                    .map(|(&id, &n)| (id, (1.0 + n.ln()) * idf[id]))
                    .collect();
                terms.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                terms.truncate(options.max_terms);
                let norm = terms.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
                if norm > 0.0 {
                    for t in &mut terms {
                        t.1 /= norm;
                    }
                }
                Vector { terms }
            })
            .collect();

        // Pairwise cosines through an inverted list of the kept words.
        let mut postings: HashMap<usize, Vec<(usize, f32)>> = HashMap::new();
        for (d, v) in vectors.iter().enumerate() {
            for &(t, w) in &v.terms {
                postings.entry(t).or_default().push((d, w));
            }
        }
        let mut nearest: Vec<Vec<(usize, f32)>> = Vec::with_capacity(docs.len());
        let mut scores: HashMap<usize, f32> = HashMap::new();
        for (d, v) in vectors.iter().enumerate() {
            scores.clear();
            for &(t, w) in &v.terms {
                for &(other, w2) in postings.get(&t).map_or(&[][..], Vec::as_slice) {
                    if other != d {
                        *scores.entry(other).or_insert(0.0) += w * w2;
                    }
                }
            }
            let mut best: Vec<(usize, f32)> = scores
                .iter()
                .filter(|(_, s)| **s >= options.min_similarity)
                .map(|(&o, &s)| (o, s))
                .collect();
            best.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            best.truncate(options.neighbours);
            nearest.push(best);
        }
        let is_near = |a: usize, b: usize| nearest[a].iter().any(|(o, _)| *o == b);

        // Connected parts of the mutual-neighbour graph.
        let mut parent: Vec<usize> = (0..docs.len()).collect();
        fn root(parent: &mut [usize], mut x: usize) -> usize {
            while parent[x] != x {
                parent[x] = parent[parent[x]];
                x = parent[x];
            }
            x
        }
        let mut links: Vec<(usize, usize, f32)> = Vec::new();
        for (a, near) in nearest.iter().enumerate() {
            for &(b, s) in near {
                if a < b && is_near(b, a) {
                    links.push((a, b, s));
                    let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
                    if ra != rb {
                        parent[ra.max(rb)] = ra.min(rb);
                    }
                }
            }
        }
        let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
        for d in 0..docs.len() {
            let r = root(&mut parent, d);
            members.entry(r).or_default().push(d);
        }
        let mut cohesion: HashMap<usize, (f32, usize)> = HashMap::new();
        for (a, _, s) in &links {
            let r = root(&mut parent, *a);
            let c = cohesion.entry(r).or_insert((0.0, 0));
            c.0 += s;
            c.1 += 1;
        }

        let mut groups: Vec<CandidateGroup> = members
            .into_iter()
            .filter(|(_, m)| m.len() >= options.min_size.max(2))
            .map(|(r, m)| {
                let (sum, n) = cohesion.get(&r).copied().unwrap_or((0.0, 0));
                CandidateGroup {
                    shared_terms: shared_terms(&m, &vectors, &originals, options.shared_terms),
                    ids: m.iter().map(|&d| docs[d].id.clone()).collect(),
                    cohesion: if n == 0 { 0.0 } else { sum / n as f32 },
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.ids
                .len()
                .cmp(&a.ids.len())
                .then(b.cohesion.total_cmp(&a.cohesion))
                .then_with(|| a.ids.cmp(&b.ids))
        });
        Ok(groups)
    }
}

/// Words kept by at least half the members (and two), by summed weight.
fn shared_terms(
    members: &[usize],
    vectors: &[Vector],
    originals: &[String],
    limit: usize,
) -> Vec<String> {
    let mut count: HashMap<usize, (usize, f32)> = HashMap::new();
    for &d in members {
        let mut seen = HashSet::new();
        for &(t, w) in &vectors[d].terms {
            if seen.insert(t) {
                let c = count.entry(t).or_insert((0, 0.0));
                c.0 += 1;
                c.1 += w;
            }
        }
    }
    let need = members.len().div_ceil(2).max(2);
    let mut shared: Vec<(usize, usize, f32)> = count
        .into_iter()
        .filter(|(_, (n, _))| *n >= need)
        .map(|(t, (n, w))| (t, n, w))
        .collect();
    shared.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    shared
        .into_iter()
        .take(limit)
        .map(|(t, _, _)| originals[t].clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::{doc, kb_with};

    fn probes() -> Vec<IncidentDoc> {
        vec![
            doc(
                "inc-1",
                "Checkout fails: payment gateway timeout",
                "Stripe gateway timeout after 30 seconds on card payment",
            ),
            doc(
                "inc-2",
                "Payment gateway timeout at checkout",
                "card payment requests to the gateway time out (stripe)",
            ),
            doc(
                "inc-3",
                "Stripe gateway timeouts on card payments",
                "checkout payment gateway timeout again",
            ),
            doc(
                "inc-4",
                "Disk full on the log volume",
                "the logging volume filled up, rotation failed",
            ),
            doc(
                "inc-5",
                "Log volume disk full",
                "log rotation failed and the disk filled",
            ),
            doc(
                "inc-6",
                "TLS certificate expired on api",
                "x509 certificate expired for the api endpoint",
            ),
        ]
    }

    #[test]
    fn alike_incidents_group_and_loners_do_not() {
        let docs = probes();
        let kb = kb_with(docs.clone());
        let groups = kb
            .group_similar(&docs, &GroupingOptions::default())
            .expect("group");
        assert_eq!(groups.len(), 1, "{groups:?}");
        let mut ids = groups[0].ids.clone();
        ids.sort();
        assert_eq!(ids, ["inc-1", "inc-2", "inc-3"]);
        assert!(
            groups[0].shared_terms.iter().any(|t| t == "gateway"),
            "{:?}",
            groups[0].shared_terms
        );
        let pairs = GroupingOptions {
            min_size: 2,
            ..GroupingOptions::default()
        };
        let groups = kb.group_similar(&docs, &pairs).expect("group");
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[1].ids.len(), 2);
    }

    #[test]
    fn too_few_documents_make_no_group() {
        let docs = probes();
        let kb = kb_with(Vec::new());
        assert!(
            kb.group_similar(&docs[..2], &GroupingOptions::default())
                .expect("group")
                .is_empty()
        );
        // Not indexed yet: the set's own frequencies stand in.
        assert_eq!(
            kb.group_similar(&docs, &GroupingOptions::default())
                .expect("group")
                .len(),
            1
        );
    }
}

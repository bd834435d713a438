//! How well problem candidates ([`KnowledgeBase::group_similar`]) recover the tracker's own
//! duplicate groups: the reports a duplicate link joins (directly or through others) are one
//! group, and a group of three or more is what a problem candidate should find.
//!
//! - **Recall**: the share of duplicate groups of at least three reports (counting only the
//!   reports in the file) of which more than half fall in one candidate.
//! - **Precision**: the share of candidates of which more than half are one duplicate group.
//!   Reports in no duplicate link count as groups of one, so a candidate of unrelated reports
//!   is imprecise, and so is one of reports alike in words that the tracker never linked: the
//!   figure is a floor, not the truth.
//!
//! The tracker's resolution ("DUPLICATE") is left out of the text: it would tell the answer.

use std::collections::HashMap;

use super::{BacktestError, BacktestOptions, Link, Report, incident};
use crate::candidates::GroupingOptions;
use crate::kb::KnowledgeBase;
use crate::model::Change;

#[derive(Debug, Clone, PartialEq)]
pub struct CandidateReport {
    pub reports: usize,
    /// Duplicate groups of three or more reports.
    pub duplicate_groups: usize,
    pub recovered_groups: usize,
    pub candidates: usize,
    pub precise_candidates: usize,
    /// Reports in some candidate.
    pub reports_in_candidates: usize,
}

impl CandidateReport {
    pub fn recall(&self) -> f64 {
        ratio(self.recovered_groups, self.duplicate_groups)
    }

    pub fn precision(&self) -> f64 {
        ratio(self.precise_candidates, self.candidates)
    }

    pub fn json_line(&self) -> String {
        format!(
            "{{\"reports\": {}, \"duplicateGroups\": {}, \"recoveredGroups\": {}, \"recall\": {:.3}, \
             \"candidates\": {}, \"preciseCandidates\": {}, \"precision\": {:.3}, \"reportsInCandidates\": {}}}",
            self.reports,
            self.duplicate_groups,
            self.recovered_groups,
            self.recall(),
            self.candidates,
            self.precise_candidates,
            self.precision(),
            self.reports_in_candidates
        )
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// Indexes every report, groups them all, and compares the groups with the duplicate links.
pub fn run_candidates(
    reports: &[Report],
    links: &[Link],
    options: &BacktestOptions,
    grouping: &GroupingOptions,
) -> Result<CandidateReport, BacktestError> {
    let docs: Vec<_> = reports
        .iter()
        .map(|r| {
            let mut doc = incident(r, &options.service);
            doc.resolution_summary.clear();
            doc
        })
        .collect();
    let kb = KnowledgeBase::in_ram()?.with_ranking(options.ranking.clone());
    kb.apply(docs.iter().cloned().map(Change::Upsert).collect(), 1)?;
    let groups = kb.group_similar(&docs, grouping)?;

    // Duplicate groups: connected parts of the links between reports in the file.
    let index: HashMap<&str, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..reports.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for Link(a, b) in links {
        if let (Some(&a), Some(&b)) = (index.get(a.as_str()), index.get(b.as_str())) {
            let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let dup_of: Vec<usize> = (0..reports.len()).map(|i| root(&mut parent, i)).collect();
    let mut dup_size: HashMap<usize, usize> = HashMap::new();
    for &g in &dup_of {
        *dup_size.entry(g).or_insert(0) += 1;
    }
    let index_of = &index;
    let candidate_of: HashMap<usize, usize> = groups
        .iter()
        .enumerate()
        .flat_map(|(c, g)| {
            g.ids
                .iter()
                .filter_map(move |id| Some((*index_of.get(id.as_str())?, c)))
        })
        .collect();

    let big: Vec<usize> = dup_size
        .iter()
        .filter(|(_, n)| **n >= 3)
        .map(|(g, _)| *g)
        .collect();
    let recovered = big
        .iter()
        .filter(|&&g| {
            let mut per_candidate: HashMap<usize, usize> = HashMap::new();
            for (i, _) in dup_of.iter().enumerate().filter(|(_, d)| **d == g) {
                if let Some(&c) = candidate_of.get(&i) {
                    *per_candidate.entry(c).or_insert(0) += 1;
                }
            }
            per_candidate.values().any(|&n| 2 * n > dup_size[&g])
        })
        .count();
    let precise = groups
        .iter()
        .filter(|g| {
            let mut per_dup: HashMap<usize, usize> = HashMap::new();
            for id in &g.ids {
                if let Some(&i) = index.get(id.as_str()) {
                    *per_dup.entry(dup_of[i]).or_insert(0) += 1;
                }
            }
            per_dup.values().any(|&n| 2 * n > g.ids.len())
        })
        .count();
    Ok(CandidateReport {
        reports: reports.len(),
        duplicate_groups: big.len(),
        recovered_groups: recovered,
        candidates: groups.len(),
        precise_candidates: precise,
        reports_in_candidates: candidate_of.len(),
    })
}

//! Recall@k and mean reciprocal rank over a set of queries.

/// Ranking quality over the queries; each value is in 0..=1, higher is better.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Metrics {
    /// Share of queries whose answer is ranked first.
    pub recall_at_1: f64,
    /// Share of queries whose answer is in the top 5.
    pub recall_at_5: f64,
    pub recall_at_10: f64,
    /// Mean of 1 / rank of the answer (0 when it is not ranked).
    pub mrr: f64,
}

impl Metrics {
    /// From the 1-based rank of each query's answer, `None` when it was not found.
    pub fn from_ranks(ranks: impl IntoIterator<Item = Option<usize>>) -> Metrics {
        let (mut n, mut r1, mut r5, mut r10, mut rr) = (0usize, 0usize, 0usize, 0usize, 0f64);
        for rank in ranks {
            n += 1;
            if let Some(rank) = rank.filter(|r| *r > 0) {
                r1 += usize::from(rank <= 1);
                r5 += usize::from(rank <= 5);
                r10 += usize::from(rank <= 10);
                rr += 1.0 / rank as f64;
            }
        }
        if n == 0 {
            return Metrics::default();
        }
        let share = |k: usize| k as f64 / n as f64;
        Metrics {
            recall_at_1: share(r1),
            recall_at_5: share(r5),
            recall_at_10: share(r10),
            mrr: rr / n as f64,
        }
    }

    pub(crate) fn json(&self) -> String {
        format!(
            "{{\"recall@1\": {:.4}, \"recall@5\": {:.4}, \"recall@10\": {:.4}, \"mrr\": {:.4}}}",
            self.recall_at_1, self.recall_at_5, self.recall_at_10, self.mrr
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_and_mrr() {
        let m = Metrics::from_ranks([Some(1), Some(3), Some(7), None]);
        assert_eq!(m.recall_at_1, 0.25);
        assert_eq!(m.recall_at_5, 0.5);
        assert_eq!(m.recall_at_10, 0.75);
        let mrr = (1.0 + 1.0 / 3.0 + 1.0 / 7.0) / 4.0;
        assert!((m.mrr - mrr).abs() < 1e-12);
        assert_eq!(Metrics::from_ranks([]), Metrics::default());
    }
}

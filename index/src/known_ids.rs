//! Which ids the index may hold, so an upsert of an id it cannot hold skips its delete.
//!
//! Every upsert is a delete-term plus an add, which keeps the change log idempotent. At the
//! next commit tantivy looks each delete's term up in every segment (about 3,900 instructions
//! a segment), so a rebuild or a first import, where nearly every id is new, pays for deletes
//! that delete nothing, and pays more the larger the index grows. From a moment the index is
//! known to be empty (a fresh index, [`clear`](crate::KnowledgeBase::clear)), this remembers
//! every id added since, in a Bloom filter: an id it has never seen is certainly not in the
//! index and needs no delete; anything else (including the rare false positive) gets one.
//! Memory is fixed ([`BITS`] bits); past a few million ids the false positives rise and the
//! deletes come back, which is only slower, never wrong.

use std::hash::{DefaultHasher, Hash, Hasher};

/// 2^25 bits = 4 MiB: about 1 false positive in 6,000 at 1M ids, 1 in 25 at 5M.
const BITS: usize = 1 << 25;
const HASHES: u64 = 4;

pub(crate) struct KnownIds {
    bits: Vec<u64>,
}

impl KnownIds {
    /// Knows of no id: the index is empty.
    pub(crate) fn empty() -> Self {
        KnownIds {
            bits: vec![0; BITS / 64],
        }
    }

    fn positions(id: &str) -> impl Iterator<Item = usize> {
        // SipHash with fixed keys: deterministic, and well mixed even for ids that differ in
        // one character. Double hashing derives the other positions from two halves.
        let mut hasher = DefaultHasher::new();
        id.hash(&mut hasher);
        let h = hasher.finish();
        let (h1, h2) = (h & 0xffff_ffff, (h >> 32) | 1);
        (0..HASHES).map(move |i| (h1.wrapping_add(i.wrapping_mul(h2)) as usize) % BITS)
    }

    /// Records `id`; returns whether it may have been recorded before (then the index may hold
    /// a document with this id, and the upsert must delete it).
    pub(crate) fn insert(&mut self, id: &str) -> bool {
        let mut seen = true;
        for p in Self::positions(id) {
            let (word, bit) = (p / 64, 1u64 << (p % 64));
            if let Some(w) = self.bits.get_mut(word) {
                seen &= *w & bit != 0;
                *w |= bit;
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_new_once_and_known_after() {
        let mut known = KnownIds::empty();
        assert!(!known.insert("inc-1"));
        assert!(known.insert("inc-1"));
        assert!(!known.insert("inc-2"));
        assert!(known.insert("inc-2"));
        assert!(known.insert("inc-1"));
    }

    #[test]
    fn false_positives_are_rare_at_a_million_ids() {
        let mut known = KnownIds::empty();
        let repeats = (0..1_000_000)
            .filter(|i| known.insert(&format!("00000000-0000-4000-8000-{i:012}")))
            .count();
        // Expected about 1.6e-4 at the end, less on the way: well under 0.1% overall.
        assert!(
            repeats < 1_000,
            "{repeats} of 1,000,000 new ids looked known"
        );
    }
}

//! Deduplication keys: what makes two deliveries the same alert. A key is kept as sent when
//! it is short and printable; otherwise it is replaced by its SHA-256, which is just as stable
//! (the same long key always hashes the same), so dedup still works and nothing is refused.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// PagerDuty's own limit for `dedup_key`, in characters.
pub const MAX_DEDUP_KEY_CHARS: usize = 255;

/// `raw` trimmed if it has at most 255 characters and no control character; otherwise
/// `sha256:` and the hex digest of the raw bytes (71 characters). `None` if blank.
pub fn normalize(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return None;
    }
    let fits =
        trimmed.chars().count() <= MAX_DEDUP_KEY_CHARS && !trimmed.chars().any(char::is_control);
    Some(if fits {
        trimmed.to_owned()
    } else {
        digest("sha256:", [trimmed])
    })
}

/// A key for an alert that came without one, from its labels: the same label set always gives
/// the same key, whatever order the sender wrote them in (a `BTreeMap` is sorted).
pub fn from_labels(labels: &BTreeMap<String, String>) -> String {
    // Lengths before each part, so `a=b,c` and `a=b`,`c` cannot collide.
    let parts = labels.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
    digest("labels:", parts)
}

/// A key from a title and labels, for the generic format's alerts sent without `dedupKey`.
pub fn from_title_and_labels(title: &str, labels: &BTreeMap<String, String>) -> String {
    let parts =
        std::iter::once(title).chain(labels.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]));
    digest("generic:", parts)
}

fn digest<'a>(prefix: &str, parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    format!("{prefix}{}", hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn short_keys_are_kept_and_long_ones_hashed_stably() {
        assert_eq!(
            normalize(" c6eadffa33fcdf37 ").as_deref(),
            Some("c6eadffa33fcdf37")
        );
        assert_eq!(normalize("   "), None);
        let exact = "é".repeat(MAX_DEDUP_KEY_CHARS);
        assert_eq!(normalize(&exact).as_deref(), Some(exact.as_str()));
        let long = "k".repeat(MAX_DEDUP_KEY_CHARS + 1);
        let hashed = normalize(&long).unwrap();
        assert!(
            hashed.starts_with("sha256:") && hashed.len() == 71,
            "{hashed}"
        );
        assert_eq!(normalize(&long), Some(hashed));
        assert!(normalize("a\u{0}b").unwrap().starts_with("sha256:"));
    }

    #[test]
    fn label_keys_ignore_order_and_do_not_collide() {
        let a = from_labels(&labels(&[("job", "api"), ("instance", "a")]));
        let b = from_labels(&labels(&[("instance", "a"), ("job", "api")]));
        assert_eq!(a, b);
        assert!(a.starts_with("labels:"));
        let c = from_labels(&labels(&[("a", "b,c")]));
        let d = from_labels(&labels(&[("a", "b"), ("c", "")]));
        assert_ne!(c, d);
        assert_ne!(
            from_title_and_labels("x", &BTreeMap::new()),
            from_title_and_labels("y", &BTreeMap::new())
        );
    }
}

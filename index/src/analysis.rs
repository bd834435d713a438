//! Text analysis shared by indexing and querying: the English analyzer (words, lower case, no
//! stop words, stemmed, very long tokens dropped), and the stable hash of exact-match values.

use tantivy::Index;
use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::tokenizer::EnglishTokenizer;

/// Name under which the English analyzer is registered with every index we open.
pub(crate) const ENGLISH: &str = "hindsight_en";
/// Tokens longer than this (base64 blobs, hashes, minified code) are noise, not words.
const MAX_TOKEN_BYTES: usize = 40;

/// Bumped whenever analysis changes what gets indexed: an index built by another version is
/// rebuilt (see `kb.rs`).
pub(crate) const ANALYZER_VERSION: u64 = 1;

/// English function words: the Snowball list (pronouns, auxiliaries, articles, conjunctions,
/// prepositions) and the fragments of contractions that the word tokenizer leaves ("isn't" ->
/// "isn", "t"). Unlike Snowball's list it keeps the words that mean something in an incident
/// ("down", "out", "off", "up", "over", "under", "after", "before").
pub(crate) const STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "against",
    "all",
    "am",
    "an",
    "and",
    "any",
    "are",
    "aren",
    "as",
    "at",
    "be",
    "because",
    "been",
    "being",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "couldn",
    "d",
    "did",
    "didn",
    "do",
    "does",
    "doesn",
    "doing",
    "don",
    "during",
    "each",
    "few",
    "for",
    "from",
    "had",
    "hadn",
    "has",
    "hasn",
    "have",
    "haven",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "isn",
    "it",
    "its",
    "itself",
    "just",
    "let",
    "ll",
    "m",
    "me",
    "more",
    "most",
    "my",
    "myself",
    "no",
    "nor",
    "not",
    "of",
    "on",
    "once",
    "only",
    "or",
    "other",
    "ought",
    "our",
    "ours",
    "ourselves",
    "own",
    "re",
    "s",
    "same",
    "shan",
    "she",
    "should",
    "shouldn",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "until",
    "ve",
    "very",
    "was",
    "wasn",
    "we",
    "were",
    "weren",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "won",
    "would",
    "wouldn",
    "yet",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

pub(crate) fn english_analyzer() -> TextAnalyzer {
    TextAnalyzer::from(EnglishTokenizer::new(STOP_WORDS, MAX_TOKEN_BYTES))
}

/// Registers our analyzers; tantivy does not persist custom tokenizers, so this runs on every
/// open as well as on create.
pub(crate) fn register(index: &Index) {
    index.tokenizers().register(ENGLISH, english_analyzer());
}

/// One analyzed word: its stem as indexed, and how the text spelled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub stem: String,
    pub original: String,
    pub position: usize,
}

/// Cuts `text` to at most `max_bytes`, on a character boundary.
pub(crate) fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        let token = stream.token();
        let original = text
            .get(token.offset_from..token.offset_to)
            .map(str::to_lowercase)
            .unwrap_or_else(|| token.text.clone());
        out.push(Word {
            stem: token.text.clone(),
            original,
            position: token.position,
        });
    }
    out
}

pub(crate) fn stems(analyzer: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// FNV-1a, 64 bits: a hash of exact-match values (service, category) that never changes
/// between builds, so it can be stored in the index and compared at query time without reading
/// strings.
pub(crate) fn stable_hash(value: &str) -> u64 {
    value.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyzer_lowercases_stems_and_drops_stop_words_and_long_tokens() {
        let mut a = english_analyzer();
        let long = "x".repeat(41);
        let got = stems(
            &mut a,
            &format!("The Databases were Crashing and {long} timeouts"),
        );
        assert_eq!(got, vec!["databas", "crash", "timeout"]);
        // Contractions leave no fragments; incident words like "down" and "out" stay.
        assert_eq!(
            stems(&mut a, "It isn't down, we're NOT out"),
            vec!["down", "out"]
        );
    }

    #[test]
    fn words_keep_the_original_spelling() {
        let mut a = english_analyzer();
        let got = words(&mut a, "Connections RESET");
        assert_eq!(got[0].stem, "connect");
        assert_eq!(got[0].original, "connections");
        assert_eq!(got[1].original, "reset");
        assert_eq!(got[1].position, 1);
    }

    #[test]
    fn stable_hash_is_fnv1a() {
        assert_eq!(stable_hash(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(stable_hash("a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(stable_hash("checkout"), stable_hash("Checkout"));
    }

    #[test]
    fn truncate_respects_char_boundaries() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }
}

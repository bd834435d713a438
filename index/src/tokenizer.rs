//! The English analyzer in one pass: split into words, drop very long tokens, lower-case, drop
//! stop words, stem. It gives exactly the tokens (text, offsets, positions) of tantivy's chain
//! `SimpleTokenizer → RemoveLongFilter → LowerCaser → StopWordFilter → Stemmer(English)`, which
//! a test checks, but it costs about a third as much: that chain copied every token four times
//! and hashed it twice, and tokenizing was half the indexing thread's time.
//!
//! Each analyzer clone (one per indexing segment and field, one per query) memoizes, per
//! lower-cased word, whether it is a stop word and what its stem is: incident text repeats the
//! same few thousand words, and Snowball stemming is the costly step. No locks; bounded.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use tantivy::tokenizer::{
    Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};

/// Words remembered before the memo starts over; a few MB at most.
const MAX_ENTRIES: usize = 50_000;

/// FxHash-style word hasher: the keys are short, and the memo is per analyzer and bounded, so
/// there is nothing to defend against.
#[derive(Default, Clone, Copy)]
struct WordHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl WordHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
}

/// What the memo knows about a lower-cased word.
#[derive(Clone)]
enum Known {
    Stop,
    /// The word is its own stem.
    Same,
    Stem(Box<str>),
}

type Memo = HashMap<Box<str>, Known, BuildHasherDefault<WordHasher>>;

/// The tokenizer; see the module documentation.
#[derive(Clone)]
pub(crate) struct EnglishTokenizer {
    stop_words: Arc<HashSet<String>>,
    max_token_bytes: usize,
    /// Stems one word on a memo miss: the raw tokenizer passes its whole input as one token.
    stemmer: TextAnalyzer,
    memo: Memo,
    token: Token,
}

impl EnglishTokenizer {
    /// Tokens of `max_token_bytes` or more (before lower-casing) are dropped.
    pub(crate) fn new(stop_words: &[&str], max_token_bytes: usize) -> Self {
        EnglishTokenizer {
            stop_words: Arc::new(stop_words.iter().map(|w| (*w).to_owned()).collect()),
            max_token_bytes,
            stemmer: TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(Language::English))
                .build(),
            memo: Memo::default(),
            token: Token::default(),
        }
    }
}

impl Tokenizer for EnglishTokenizer {
    type TokenStream<'a> = EnglishTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> EnglishTokenStream<'a> {
        if self.memo.len() > MAX_ENTRIES {
            self.memo.clear();
        }
        self.token.reset();
        EnglishTokenStream {
            text,
            at: 0,
            tokenizer: self,
        }
    }
}

pub(crate) struct EnglishTokenStream<'a> {
    text: &'a str,
    /// Byte offset where the search for the next word starts.
    at: usize,
    tokenizer: &'a mut EnglishTokenizer,
}

/// The character at byte `at` of `text` (a char boundary) and whether it belongs in a word, the
/// way `SimpleTokenizer` decides (`char::is_alphanumeric`), with an ASCII fast path.
fn word_char(text: &str, at: usize) -> (bool, usize) {
    let b = text.as_bytes()[at];
    if b.is_ascii() {
        return (b.is_ascii_alphanumeric(), 1);
    }
    match text[at..].chars().next() {
        Some(c) => (c.is_alphanumeric(), c.len_utf8()),
        None => (false, 1),
    }
}

impl EnglishTokenStream<'_> {
    /// The next raw word: its byte range, whether it is all ASCII, and whether it is all ASCII
    /// digits. Advances the position as `SimpleTokenizer` does (every word counts, even one a
    /// later step drops).
    fn next_word(&mut self) -> Option<Word> {
        let bytes = self.text.as_bytes();
        let len = bytes.len();
        let mut start = self.at;
        while start < len {
            let (is_word, width) = word_char(self.text, start);
            if is_word {
                break;
            }
            start += width;
        }
        if start >= len {
            self.at = len;
            return None;
        }
        let mut word = Word {
            start,
            end: start,
            ascii: true,
            digits: true,
        };
        while word.end < len {
            let b = bytes[word.end];
            if b.is_ascii() {
                if !b.is_ascii_alphanumeric() {
                    break;
                }
                word.digits &= b.is_ascii_digit();
                word.end += 1;
            } else {
                let (is_word, width) = word_char(self.text, word.end);
                if !is_word {
                    break;
                }
                word.ascii = false;
                word.digits = false;
                word.end += width;
            }
        }
        self.at = word.end;
        let token = &mut self.tokenizer.token;
        token.position = token.position.wrapping_add(1);
        Some(word)
    }
}

struct Word {
    start: usize,
    end: usize,
    ascii: bool,
    digits: bool,
}

impl TokenStream for EnglishTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while let Some(Word {
            start,
            end,
            ascii,
            digits,
        }) = self.next_word()
        {
            let raw = &self.text[start..end];
            let EnglishTokenizer {
                stop_words,
                max_token_bytes,
                stemmer,
                memo,
                token,
            } = &mut *self.tokenizer;
            if raw.len() >= *max_token_bytes {
                continue;
            }
            token.offset_from = start;
            token.offset_to = end;
            let text = &mut token.text;
            text.clear();
            if ascii {
                text.push_str(raw);
                text.make_ascii_lowercase();
            } else {
                // As tantivy's `LowerCaser`: per character, no final-sigma rule.
                for c in raw.chars() {
                    text.extend(c.to_lowercase());
                }
            }
            // Numbers are their own stems and never stop words; they are also most of the
            // one-off words (ports, counts, line numbers) that would crowd the memo.
            if digits {
                return true;
            }
            if let Some(known) = memo.get(text.as_str()) {
                match known {
                    Known::Stop => continue,
                    Known::Same => return true,
                    Known::Stem(stem) => {
                        text.clear();
                        text.push_str(stem);
                        return true;
                    }
                }
            }
            let known = if stop_words.contains(text.as_str()) {
                Known::Stop
            } else {
                let mut stream = stemmer.token_stream(text);
                match stream.advance().then(|| stream.token().text.as_str()) {
                    Some(stem) if stem != text.as_str() => Known::Stem(stem.into()),
                    _ => Known::Same,
                }
            };
            let word: Box<str> = text.as_str().into();
            let stop = matches!(known, Known::Stop);
            if let Known::Stem(stem) = &known {
                text.clear();
                text.push_str(stem);
            }
            memo.insert(word, known);
            if !stop {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        &self.tokenizer.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokenizer.token
    }
}

#[cfg(test)]
mod tests {
    use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, SimpleTokenizer, StopWordFilter};

    use super::*;

    fn tokens(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    fn tantivy_chain(stop_words: &[&str]) -> TextAnalyzer {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(12))
            .filter(LowerCaser)
            .filter(StopWordFilter::remove(
                stop_words.iter().map(|w| (*w).to_owned()),
            ))
            .filter(Stemmer::new(Language::English))
            .build()
    }

    #[test]
    fn same_tokens_as_the_tantivy_chain_memoized_or_not() {
        let stop = ["the", "were", "and", "is", "not"];
        let mut ours = TextAnalyzer::from(EnglishTokenizer::new(&stop, 12));
        let mut theirs = tantivy_chain(&stop);
        let texts = [
            "Connections were crashing; the crashed connection pools exhausted retries",
            "running runs ran generously happily, ÉCOLE Straße ΣΊΣΥΦΟΣ naïve café",
            "2024-01-01T00:00:00.000Z ERROR [pool-3-thread-7] x509 nvme0n1 6e76762623d2898f",
            "averyveryverylongword short THE The the 502 1205 HTTP/1.1 ... -- é",
            "",
            "   ...   ",
            "日本語のテキスト and ١٢٣ digits",
        ];
        for text in texts {
            let expected = tokens(&mut theirs, text);
            assert_eq!(tokens(&mut ours, text), expected, "{text:?}");
            assert_eq!(tokens(&mut ours, text), expected, "{text:?} from the memo");
        }
    }

    #[test]
    fn same_tokens_as_the_tantivy_chain_on_synthetic_incidents() {
        let stop = crate::analysis::STOP_WORDS;
        let mut ours = TextAnalyzer::from(EnglishTokenizer::new(stop, 12));
        let mut theirs = tantivy_chain(stop);
        for doc in crate::synthetic::incidents(5, 300) {
            for text in [&doc.title, &doc.description, &doc.resolution_summary] {
                assert_eq!(tokens(&mut ours, text), tokens(&mut theirs, text));
            }
        }
    }
}

//! What a responder typed, read as text rather than as a query language: words, `"quoted
//! phrases"` and `-excluded` words or phrases. Everything else is just text: an unbalanced quote
//! is ignored, `field:` prefixes of our own field names are dropped (`title:crash` searches
//! for "crash"), so are `~2` and `^3` suffixes, and punctuation and emoji separate words. A word that the analyzer splits into
//! several (`db-prod-17`, `java.net.SocketTimeoutException`) is searched as a phrase.

use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::{self, Word};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clause {
    Term(Word),
    /// Two or more words, with positions relative to the first.
    Phrase(Vec<Word>),
}

impl Clause {
    pub(crate) fn words(&self) -> &[Word] {
        match self {
            Clause::Term(w) => std::slice::from_ref(w),
            Clause::Phrase(ws) => ws,
        }
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct UserQuery {
    pub positive: Vec<Clause>,
    pub negative: Vec<Clause>,
}

/// Prefixes people type out of habit from other search tools.
const FIELD_PREFIXES: &[&str] = &[
    "title",
    "description",
    "service",
    "category",
    "priority",
    "fix",
    "root_cause",
    "rootcause",
    "resolution",
    "summary",
    "id",
    "number",
];

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201C}' | '\u{201D}' | '\u{201E}')
}

fn clause(analyzer: &mut TextAnalyzer, text: &str) -> Option<Clause> {
    let mut words = analysis::words(analyzer, text);
    match words.len() {
        0 => None,
        1 => words.pop().map(Clause::Term),
        _ => {
            let first = words[0].position;
            for w in &mut words {
                w.position -= first;
            }
            Some(Clause::Phrase(words))
        }
    }
}

/// Drops a trailing fuzziness or boost suffix (`word~2`, `word^3`) typed from habit.
fn strip_operator_suffix(word: &str) -> &str {
    let trimmed = word.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    match trimmed.strip_suffix(['~', '^']) {
        Some(stripped) if !stripped.is_empty() => stripped,
        _ => word,
    }
}

fn strip_field_prefix(word: &str) -> &str {
    match word.split_once(':') {
        Some((prefix, rest)) if FIELD_PREFIXES.contains(&prefix.to_lowercase().as_str()) => rest,
        _ => word,
    }
}

pub(crate) fn parse(text: &str, analyzer: &mut TextAnalyzer) -> UserQuery {
    let quotes: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| is_quote(*c))
        .map(|(i, _)| i)
        .collect();
    // Pair quotes from the left; an odd one out is plain text.
    let paired = quotes.len() - quotes.len() % 2;
    let mut query = UserQuery::default();
    let mut cursor = 0;
    for pair in quotes[..paired].chunks(2) {
        let (open, close) = (pair[0], pair[1]);
        let negate_next_phrase = plain_words(&text[cursor..open], analyzer, &mut query);
        let close_len = text[close..].chars().next().map_or(1, char::len_utf8);
        let open_len = text[open..].chars().next().map_or(1, char::len_utf8);
        if let Some(c) = clause(analyzer, &text[open + open_len..close]) {
            if negate_next_phrase {
                query.negative.push(c);
            } else {
                query.positive.push(c);
            }
        }
        cursor = close + close_len;
    }
    let rest: String = text[cursor..]
        .chars()
        .map(|c| if is_quote(c) { ' ' } else { c })
        .collect();
    plain_words(&rest, analyzer, &mut query);
    query
}

/// Adds the clauses of unquoted text. Returns whether it ends in a lone `-` that negates the
/// phrase after it.
fn plain_words(text: &str, analyzer: &mut TextAnalyzer, query: &mut UserQuery) -> bool {
    let words = text.split_whitespace();
    let ends_with_minus = text.ends_with('-')
        && text
            .trim_end_matches('-')
            .chars()
            .last()
            .is_none_or(char::is_whitespace);
    for raw in words {
        let negated = raw.starts_with('-') && !raw.trim_start_matches('-').is_empty();
        let word = strip_operator_suffix(strip_field_prefix(raw.trim_start_matches('-')));
        if let Some(c) = clause(analyzer, word) {
            if negated {
                query.negative.push(c);
            } else {
                query.positive.push(c);
            }
        }
    }
    ends_with_minus
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::english_analyzer;

    fn stems(clauses: &[Clause]) -> Vec<String> {
        clauses
            .iter()
            .map(|c| {
                c.words()
                    .iter()
                    .map(|w| w.stem.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    fn parsed(text: &str) -> (Vec<String>, Vec<String>) {
        let q = parse(text, &mut english_analyzer());
        (stems(&q.positive), stems(&q.negative))
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let (pos, neg) = parsed(r#"database "connection reset" -staging -"read replica""#);
        assert_eq!(pos, vec!["databas", "connect reset"]);
        assert_eq!(neg, vec!["stage", "read replica"]);
    }

    #[test]
    fn unbalanced_quote_is_plain_text() {
        let (pos, neg) = parsed(r#""disk full" "oom killer"#);
        assert_eq!(pos, vec!["disk full", "oom", "killer"]);
        assert!(neg.is_empty());
    }

    #[test]
    fn field_syntax_is_not_a_language() {
        let (pos, _) = parsed("title:crash foo:bar service:payments AND OR NOT (x)");
        assert_eq!(pos, vec!["crash", "foo bar", "payment", "x"]);
    }

    #[test]
    fn fuzzy_and_boost_suffixes_are_dropped() {
        let (pos, _) = parsed("disk~2 full^3 v1.2 b~ ~");
        assert_eq!(pos, vec!["disk", "full", "v1 2", "b"]);
    }

    #[test]
    fn split_identifiers_become_phrases() {
        let q = parse("java.net.SocketTimeoutException", &mut english_analyzer());
        assert!(matches!(&q.positive[..], [Clause::Phrase(ws)] if ws.len() == 3));
    }

    #[test]
    fn stop_words_and_emoji_leave_nothing() {
        let (pos, neg) = parsed("the and of 🔥🔥 -- - \"\"");
        assert!(pos.is_empty() && neg.is_empty());
    }

    #[test]
    fn phrase_positions_keep_stop_word_gaps() {
        let q = parse("\"out of memory\"", &mut english_analyzer());
        let Clause::Phrase(ws) = &q.positive[0] else {
            panic!("expected a phrase")
        };
        assert_eq!(
            ws.iter().map(|w| w.position).collect::<Vec<_>>(),
            vec![0, 2]
        );
    }
}

//! Highlights: the best fragment of each stored text field, with the matched stems marked
//! `<mark>…</mark>` and everything else HTML-escaped; and, from the same pass, which of the
//! query's words a document contains.
//!
//! The fragment choice is tantivy's `SnippetGenerator`'s (cut the text into windows of at most
//! N characters at token boundaries, keep the window with the highest sum of matched word
//! weights, the earliest on a tie). We do it ourselves because the generator clones its
//! analyzer for every text and lower-cases every token into a new string; here one analyzer
//! (its stem memo warm) reads each text once for both the highlights and the matched words.

use std::collections::HashMap;
use std::ops::Range;

use tantivy::tokenizer::{TextAnalyzer, TokenStream};

use crate::model::{Field, Highlight, IncidentDoc};

const TITLE_CHARS: usize = 200;
const BODY_CHARS: usize = 240;

/// Builds highlights for documents against one set of stems, each with a weight (which picks
/// the best fragment of a long text) and its position in the caller's list.
pub(crate) struct Highlighter {
    terms: HashMap<String, (f32, usize)>,
    count: usize,
}

/// One document's highlights, and which terms (by position in the list given to
/// [`Highlighter::new`]) any of its texts contains.
pub(crate) struct Highlighted {
    pub highlights: Vec<Highlight>,
    pub matched: Vec<bool>,
}

struct Fragment {
    score: f32,
    start: usize,
    stop: usize,
    marks: Vec<Range<usize>>,
}

impl Fragment {
    fn new(start: usize) -> Self {
        Fragment {
            score: 0.0,
            start,
            stop: start,
            marks: Vec::new(),
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '&' => out.push_str("&amp;"),
            '\'' => out.push_str("&#x27;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
}

impl Highlighter {
    /// Terms in the caller's order; a repeated stem keeps its first position and weight.
    pub(crate) fn new(terms: impl IntoIterator<Item = (String, f32)>) -> Self {
        let mut map = HashMap::new();
        let mut count = 0;
        for (stem, weight) in terms {
            map.entry(stem).or_insert((weight, count));
            count += 1;
        }
        Highlighter { terms: map, count }
    }

    pub(crate) fn highlight(&self, analyzer: &mut TextAnalyzer, doc: &IncidentDoc) -> Highlighted {
        let texts: [(Field, &str); 7] = [
            // A known error's workaround first: what a responder can do now.
            (Field::Workaround, doc.workaround.as_deref().unwrap_or("")),
            (Field::Title, &doc.title),
            (Field::Description, &doc.description),
            (Field::Fix, doc.fix.as_deref().unwrap_or("")),
            (Field::RootCause, doc.root_cause.as_deref().unwrap_or("")),
            (Field::ResolutionSummary, &doc.resolution_summary),
            // Last: a review's lessons are the long read after the fix itself.
            (Field::Review, &doc.review),
        ];
        let mut matched = vec![false; self.count];
        let highlights = texts
            .into_iter()
            .filter(|(_, text)| !text.is_empty())
            .filter_map(|(field, text)| {
                let max_chars = if field == Field::Title {
                    TITLE_CHARS
                } else {
                    BODY_CHARS
                };
                let fragment = self.fragment(analyzer, text, max_chars, &mut matched)?;
                Some(Highlight { field, fragment })
            })
            .collect();
        Highlighted {
            highlights,
            matched,
        }
    }

    /// The best fragment of `text` as HTML, `None` when no term is in it.
    fn fragment(
        &self,
        analyzer: &mut TextAnalyzer,
        text: &str,
        max_chars: usize,
        matched: &mut [bool],
    ) -> Option<String> {
        let mut best: Option<Fragment> = None;
        let mut current = Fragment::new(0);
        let keep = |fragment: Fragment, best: &mut Option<Fragment>| {
            if fragment.score > 0.0 && best.as_ref().is_none_or(|b| fragment.score > b.score) {
                *best = Some(fragment);
            }
        };
        let mut stream = analyzer.token_stream(text);
        while stream.advance() {
            let token = stream.token();
            if token.offset_to - current.start > max_chars {
                let next = Fragment::new(token.offset_from);
                keep(std::mem::replace(&mut current, next), &mut best);
            }
            current.stop = token.offset_to;
            if let Some(&(weight, i)) = self.terms.get(token.text.as_str()) {
                current.score += weight;
                current.marks.push(token.offset_from..token.offset_to);
                if let Some(m) = matched.get_mut(i) {
                    *m = true;
                }
            }
        }
        keep(current, &mut best);
        let best = best?;
        let mut html = String::with_capacity(best.stop - best.start + 16 * best.marks.len());
        let mut at = best.start;
        for mark in &best.marks {
            escape_into(&mut html, &text[at..mark.start]);
            html.push_str("<mark>");
            escape_into(&mut html, &text[mark.clone()]);
            html.push_str("</mark>");
            at = mark.end;
        }
        escape_into(&mut html, &text[at..best.stop]);
        Some(html)
    }
}

#[cfg(test)]
mod tests {
    use tantivy::snippet::SnippetGenerator;

    use super::*;
    use crate::analysis::english_analyzer;

    /// The fragments are the ones tantivy's snippet generator picks.
    #[test]
    fn same_fragments_as_tantivys_snippet_generator() {
        let docs: Vec<IncidentDoc> = crate::synthetic::incidents(9, 60).collect();
        let stems = [
            ("connect", 1.5),
            ("timeout", 2.0),
            ("pool", 0.7),
            ("databas", 1.0),
            ("restart", 0.4),
            ("certif", 1.1),
            ("disk", 0.9),
            ("latenc", 0.8),
        ];
        let highlighter = Highlighter::new(stems.iter().map(|(s, w)| ((*s).to_owned(), *w)));
        let (schema, fields) = crate::schema::build();
        let _ = schema;
        let terms = stems.iter().map(|(s, w)| ((*s).to_owned(), *w)).collect();
        let theirs = SnippetGenerator::new(terms, english_analyzer(), fields.content, BODY_CHARS);
        let mut analyzer = english_analyzer();
        let mut compared = 0;
        for doc in &docs {
            for text in [&doc.description, &doc.resolution_summary] {
                let mut matched = vec![false; stems.len()];
                let ours = highlighter.fragment(&mut analyzer, text, BODY_CHARS, &mut matched);
                let mut snippet = theirs.snippet(text);
                let expected = (!snippet.is_empty()).then(|| {
                    snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                    snippet.to_html()
                });
                assert_eq!(ours, expected, "{text}");
                compared += usize::from(expected.is_some());
            }
        }
        assert!(compared > 10, "too few texts with a match: {compared}");
    }
}

//! Highlights: tantivy's snippet generator over each stored text field, with the matched stems
//! marked `<mark>…</mark>` and everything else HTML-escaped.

use std::collections::BTreeMap;

use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;

use crate::model::{Field, Highlight, IncidentDoc};
use crate::schema::Fields;

const TITLE_CHARS: usize = 200;
const BODY_CHARS: usize = 240;

/// Builds highlights for documents against one set of stems (with their weights, which pick
/// the best fragment of a long text).
pub(crate) struct Highlighter {
    title: SnippetGenerator,
    body: SnippetGenerator,
}

impl Highlighter {
    pub(crate) fn new(
        stems: BTreeMap<String, f32>,
        analyzer: &TextAnalyzer,
        fields: &Fields,
    ) -> Self {
        Highlighter {
            title: SnippetGenerator::new(
                stems.clone(),
                analyzer.clone(),
                fields.title,
                TITLE_CHARS,
            ),
            body: SnippetGenerator::new(stems, analyzer.clone(), fields.content, BODY_CHARS),
        }
    }

    pub(crate) fn highlights(&self, doc: &IncidentDoc) -> Vec<Highlight> {
        let texts: [(Field, &str); 5] = [
            (Field::Title, &doc.title),
            (Field::Description, &doc.description),
            (Field::Fix, doc.fix.as_deref().unwrap_or("")),
            (Field::RootCause, doc.root_cause.as_deref().unwrap_or("")),
            (Field::ResolutionSummary, &doc.resolution_summary),
        ];
        texts
            .into_iter()
            .filter(|(_, text)| !text.is_empty())
            .filter_map(|(field, text)| {
                let generator = if field == Field::Title {
                    &self.title
                } else {
                    &self.body
                };
                let mut snippet = generator.snippet(text);
                if snippet.is_empty() {
                    return None;
                }
                snippet.set_snippet_prefix_postfix("<mark>", "</mark>");
                Some(Highlight {
                    field,
                    fragment: snippet.to_html(),
                })
            })
            .collect()
    }
}

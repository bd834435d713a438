//! The yardstick: plain BM25 over title + description in one field, tantivy's default
//! tokenizer (no stemming, no stop words), queried with an OR of every distinct token of the
//! new report. No boosts, no term selection.

use std::collections::BTreeSet;

use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, STORED, STRING, Schema, TEXT, Value};
use tantivy::tokenizer::TokenStream;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::error::IndexError;

pub(crate) struct Bm25Baseline {
    index: Index,
    reader: IndexReader,
    writer: IndexWriter,
    id: Field,
    text: Field,
}

impl Bm25Baseline {
    pub(crate) fn new() -> Result<Self, IndexError> {
        let mut b = Schema::builder();
        let id = b.add_text_field("id", STRING | STORED);
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, 32 * 1024 * 1024)?;
        Ok(Bm25Baseline {
            index,
            reader,
            writer,
            id,
            text,
        })
    }

    pub(crate) fn add(
        &mut self,
        id: &str,
        title: &str,
        description: &str,
    ) -> Result<(), IndexError> {
        let mut doc = TantivyDocument::new();
        doc.add_text(self.id, id);
        doc.add_text(self.text, format!("{title}\n{description}"));
        self.writer.add_document(doc)?;
        Ok(())
    }

    pub(crate) fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Ids of the best `limit` matches, best first.
    pub(crate) fn rank(
        &self,
        title: &str,
        description: &str,
        limit: usize,
    ) -> Result<Vec<String>, IndexError> {
        let mut tokenizer = self.index.tokenizer_for_field(self.text)?;
        let mut tokens = BTreeSet::new();
        let text = format!("{title}\n{description}");
        let mut stream = tokenizer.token_stream(&text);
        while stream.advance() {
            tokens.insert(stream.token().text.clone());
        }
        if tokens.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = tokens
            .into_iter()
            .map(|t| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Should,
                    Box::new(TermQuery::new(
                        Term::from_field_text(self.text, &t),
                        IndexRecordOption::WithFreqs,
                    )),
                )
            })
            .collect();
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &BooleanQuery::new(clauses),
            &TopDocs::with_limit(limit).order_by_score(),
        )?;
        top.into_iter()
            .map(|(_, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(doc
                    .get_first(self.id)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned())
            })
            .collect()
    }
}

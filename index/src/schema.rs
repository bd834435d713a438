//! The tantivy schema, and conversions between [`IncidentDoc`] and tantivy documents.
//!
//! Text is indexed in two fields with the English analyzer and positions (phrases): `title`, and
//! `content` (title, description, resolution summary, root cause and fix together), so a query
//! word costs two posting lists, not five, and a title word counts in both. The texts are also
//! stored one by one for highlights. `service_key` and `category_key` hold a stable hash of the
//! exact values, so re-ranking compares numbers, not strings.

use chrono::{DateTime, Utc};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{DateTime as TantivyDateTime, TantivyDocument};

use crate::analysis::{self, ENGLISH};
use crate::error::IndexError;
use crate::model::IncidentDoc;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub number: Field,
    pub title: Field,
    pub description: Field,
    pub service: Field,
    pub category: Field,
    /// Service and category as words, so free text finds them.
    pub tags: Field,
    pub priority: Field,
    pub resolution_summary: Field,
    pub root_cause: Field,
    pub fix: Field,
    /// Title, description, resolution summary, root cause and fix, indexed together.
    pub content: Field,
    pub service_key: Field,
    pub category_key: Field,
    pub resolved_at: Field,
    pub helpful: Field,
    pub unhelpful: Field,
}

/// Field names that are also read by name (fast-field columns).
pub(crate) const ID: &str = "id";
pub(crate) const NUMBER: &str = "number";
pub(crate) const SERVICE: &str = "service";
pub(crate) const CATEGORY: &str = "category";
pub(crate) const SERVICE_KEY: &str = "service_key";
pub(crate) const CATEGORY_KEY: &str = "category_key";
pub(crate) const RESOLVED_AT: &str = "resolved_at";
pub(crate) const HELPFUL: &str = "helpful";
pub(crate) const UNHELPFUL: &str = "unhelpful";

fn text(stored: bool) -> TextOptions {
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ENGLISH)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

pub(crate) fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let exact = STRING | STORED;
    let fields = Fields {
        id: b.add_text_field(ID, exact.clone().set_fast("raw")),
        number: b.add_i64_field(NUMBER, INDEXED | STORED | tantivy::schema::FAST),
        title: b.add_text_field("title", text(true)),
        description: b.add_text_field("description", STORED),
        service: b.add_text_field(SERVICE, exact.clone().set_fast("raw")),
        category: b.add_text_field(CATEGORY, exact.set_fast("raw")),
        tags: b.add_text_field("tags", text(false)),
        priority: b.add_u64_field("priority", INDEXED | STORED | tantivy::schema::FAST),
        resolution_summary: b.add_text_field("resolution_summary", STORED),
        root_cause: b.add_text_field("root_cause", STORED),
        fix: b.add_text_field("fix", STORED),
        content: b.add_text_field("content", text(false)),
        service_key: b.add_u64_field(SERVICE_KEY, tantivy::schema::FAST),
        category_key: b.add_u64_field(CATEGORY_KEY, tantivy::schema::FAST),
        resolved_at: b.add_date_field(
            RESOLVED_AT,
            DateOptions::default()
                .set_indexed()
                .set_stored()
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        helpful: b.add_u64_field(HELPFUL, STORED | tantivy::schema::FAST),
        unhelpful: b.add_u64_field(UNHELPFUL, STORED | tantivy::schema::FAST),
    };
    (b.build(), fields)
}

pub(crate) fn to_tantivy_datetime(at: DateTime<Utc>) -> TantivyDateTime {
    TantivyDateTime::from_timestamp_micros(at.timestamp_micros())
}

fn from_tantivy_datetime(at: TantivyDateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(at.into_timestamp_micros())
}

/// Longest id we accept; ids are UUIDs, anything much longer is a caller bug.
const MAX_ID_BYTES: usize = 256;

impl Fields {
    pub(crate) fn build_document(&self, doc: &IncidentDoc) -> Result<TantivyDocument, IndexError> {
        if doc.id.trim().is_empty() || doc.id.len() > MAX_ID_BYTES {
            return Err(IndexError::InvalidDocument {
                id: analysis::truncate(&doc.id, 64).to_owned(),
                reason: "the id must be 1 to 256 bytes of text",
            });
        }
        let mut d = TantivyDocument::new();
        d.add_text(self.id, &doc.id);
        d.add_i64(self.number, doc.number);
        d.add_text(self.title, &doc.title);
        d.add_text(self.content, &doc.title);
        d.add_text(self.description, &doc.description);
        d.add_text(self.content, &doc.description);
        d.add_text(self.service, &doc.service);
        d.add_text(self.tags, &doc.service);
        d.add_u64(self.service_key, analysis::stable_hash(&doc.service));
        if let Some(category) = doc.category.as_deref().filter(|c| !c.is_empty()) {
            d.add_text(self.category, category);
            d.add_text(self.tags, category);
            d.add_u64(self.category_key, analysis::stable_hash(category));
        }
        if let Some(priority) = doc.priority.filter(|p| (1..=5).contains(p)) {
            d.add_u64(self.priority, u64::from(priority));
        }
        d.add_text(self.resolution_summary, &doc.resolution_summary);
        d.add_text(self.content, &doc.resolution_summary);
        if let Some(root_cause) = &doc.root_cause {
            d.add_text(self.root_cause, root_cause);
            d.add_text(self.content, root_cause);
        }
        if let Some(fix) = &doc.fix {
            d.add_text(self.fix, fix);
            d.add_text(self.content, fix);
        }
        d.add_date(self.resolved_at, to_tantivy_datetime(doc.resolved_at));
        d.add_u64(self.helpful, u64::from(doc.helpful));
        d.add_u64(self.unhelpful, u64::from(doc.unhelpful));
        Ok(d)
    }

    /// Reads back what was stored. Missing values (an index written by a buggy caller) come
    /// back empty rather than failing the whole answer.
    pub(crate) fn read_document(&self, d: &TantivyDocument) -> IncidentDoc {
        let text = |f: Field| d.get_first(f).and_then(|v| v.as_str()).map(str::to_owned);
        let count = |f: Field| {
            d.get_first(f)
                .and_then(|v| v.as_u64())
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        IncidentDoc {
            id: text(self.id).unwrap_or_default(),
            number: d
                .get_first(self.number)
                .and_then(|v| v.as_i64())
                .unwrap_or(0),
            title: text(self.title).unwrap_or_default(),
            description: text(self.description).unwrap_or_default(),
            service: text(self.service).unwrap_or_default(),
            category: text(self.category),
            priority: d
                .get_first(self.priority)
                .and_then(|v| v.as_u64())
                .and_then(|p| u8::try_from(p).ok()),
            resolution_summary: text(self.resolution_summary).unwrap_or_default(),
            root_cause: text(self.root_cause),
            fix: text(self.fix),
            resolved_at: d
                .get_first(self.resolved_at)
                .and_then(|v| v.as_datetime())
                .and_then(from_tantivy_datetime)
                .unwrap_or_default(),
            helpful: count(self.helpful),
            unhelpful: count(self.unhelpful),
        }
    }
}

//! The tantivy schema, and conversions between [`IncidentDoc`] and tantivy documents.
//!
//! Text is indexed in two fields with the English analyzer and positions (phrases): `title`, and
//! `content` (title, description, resolution summary, root cause and fix together, with a known
//! error's workaround and related text and an incident's published review), so a query word
//! costs two posting lists, not five, and a title word counts in both. The texts are also
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
use crate::model::{DocKind, IncidentDoc};

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    /// Stored and a fast column (suggestions read ids by document); not indexed: see `key`.
    pub id: Field,
    /// The id as an indexed key, compact (see [`id_key`]): what upserts delete by and lookups
    /// find a document by.
    pub key: Field,
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
    /// Title, description, resolution summary, root cause and fix (and workaround, related text
    /// and review), indexed together.
    pub content: Field,
    pub service_key: Field,
    pub category_key: Field,
    pub resolved_at: Field,
    pub helpful: Field,
    pub unhelpful: Field,
    /// [`DocKind::as_str`]: filter and facet.
    pub kind: Field,
    /// [`DocKind`]'s code, a fast column for re-ranking.
    pub kind_code: Field,
    pub workaround: Field,
    /// A published review's text: stored for highlights, indexed through `content`.
    pub review: Field,
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
pub(crate) const KIND: &str = "kind";
pub(crate) const KIND_CODE: &str = "kind_code";

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
        id: b.add_text_field(ID, TextOptions::default().set_stored().set_fast("raw")),
        key: b.add_bytes_field("key", INDEXED),
        // Read, sorted on and shown, never searched by term: no term per document to index.
        number: b.add_i64_field(NUMBER, STORED | tantivy::schema::FAST),
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
            // Range filters run on the fast column (tantivy's `RangeQuery` prefers it), so
            // the date is not indexed: a near-unique term per document cost term-dictionary
            // work at every flush and merge for nothing.
            DateOptions::default()
                .set_stored()
                .set_fast()
                .set_precision(DateTimePrecision::Seconds),
        ),
        helpful: b.add_u64_field(HELPFUL, STORED | tantivy::schema::FAST),
        unhelpful: b.add_u64_field(UNHELPFUL, STORED | tantivy::schema::FAST),
        kind: b.add_text_field(KIND, (STRING | STORED).set_fast("raw")),
        kind_code: b.add_u64_field(KIND_CODE, tantivy::schema::FAST),
        workaround: b.add_text_field("workaround", STORED),
        review: b.add_text_field("review", STORED),
    };
    (b.build(), fields)
}

/// The indexed form of an id. Every document has one unique key, and a unique term costs work
/// in the term dictionary at every segment flush and again at every merge, more the longer it
/// is (the README's fourth indexing pass measures it). A UUID in its canonical form
/// (lower-case, hyphenated, as the server writes ids) becomes a tag byte and its 16 bytes
/// instead of 36 characters, and the server's time-ordered (v7) ids share their leading bytes
/// with their neighbours; any other id is another tag byte and its text. Distinct ids give
/// distinct keys: the tags differ between the two forms, and each form is one-to-one.
pub(crate) fn id_key(id: &str) -> Vec<u8> {
    const UUID_TAG: u8 = 1;
    const TEXT_TAG: u8 = 0;
    match canonical_uuid_bytes(id) {
        Some(bytes) => {
            let mut key = Vec::with_capacity(17);
            key.push(UUID_TAG);
            key.extend_from_slice(&bytes);
            key
        }
        None => {
            let mut key = Vec::with_capacity(id.len() + 1);
            key.push(TEXT_TAG);
            key.extend_from_slice(id.as_bytes());
            key
        }
    }
}

/// The 16 bytes of a UUID written in its canonical form (`8-4-4-4-12` lower-case hex); `None`
/// for any other text, upper case and the other forms uuid parses included, so that two
/// spellings of one UUID stay two ids, as they are as text.
fn canonical_uuid_bytes(id: &str) -> Option<[u8; 16]> {
    let uuid = uuid::Uuid::try_parse(id).ok()?;
    let mut canonical = uuid::Uuid::encode_buffer();
    (uuid.hyphenated().encode_lower(&mut canonical) == id).then(|| *uuid.as_bytes())
}

/// tantivy keeps nanoseconds in an i64, so it can represent only about 1677-09-21 to
/// 2262-04-11; a time beyond is taken as the nearest it can represent (a filter bound there
/// still excludes or includes everything it did), never as an overflow.
pub(crate) fn to_tantivy_datetime(at: DateTime<Utc>) -> TantivyDateTime {
    const NANOS_PER_MICRO: i64 = 1_000;
    let micros = at
        .timestamp_micros()
        .clamp(i64::MIN / NANOS_PER_MICRO, i64::MAX / NANOS_PER_MICRO);
    TantivyDateTime::from_timestamp_micros(micros)
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
        d.add_bytes(self.key, &id_key(&doc.id));
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
        d.add_text(self.kind, doc.kind.as_str());
        d.add_u64(self.kind_code, doc.kind.code());
        if let Some(workaround) = &doc.workaround {
            d.add_text(self.workaround, workaround);
            d.add_text(self.content, workaround);
        }
        if !doc.related.is_empty() {
            d.add_text(self.content, &doc.related);
        }
        if !doc.review.is_empty() {
            d.add_text(self.review, &doc.review);
            d.add_text(self.content, &doc.review);
        }
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
            kind: text(self.kind)
                .as_deref()
                .and_then(DocKind::parse)
                .unwrap_or_default(),
            workaround: text(self.workaround),
            related: String::new(),
            review: text(self.review).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V7: &str = "0193a6f2-7c1e-7d3a-9f00-00000000002a";

    #[test]
    fn a_canonical_uuid_is_keyed_by_its_sixteen_bytes() {
        let key = id_key(V7);
        assert_eq!(key.len(), 17);
        assert_eq!(key[0], 1);
        assert_eq!(
            &key[1..],
            &[
                0x01, 0x93, 0xa6, 0xf2, 0x7c, 0x1e, 0x7d, 0x3a, 0x9f, 0x00, 0, 0, 0, 0, 0, 0x2a
            ]
        );
    }

    #[test]
    fn other_ids_are_keyed_by_their_text() {
        for id in [
            "inc-1",
            "0193A6F2-7C1E-7D3A-9F00-00000000002A",
            "0193a6f27c1e7d3a9f0000000000002a",
            "0193a6f2-7c1e-7d3a-9f00-00000000002g",
            "0193a6f2+7c1e-7d3a-9f00-00000000002a",
            "0193a6f2-7c1e-7d3a-9f00-00000000002a ",
            // 16 bytes of text: the tag keeps it apart from a UUID's key.
            "abcdefghijklmnop",
        ] {
            let key = id_key(id);
            assert_eq!(key[0], 0, "{id}");
            assert_eq!(&key[1..], id.as_bytes(), "{id}");
        }
    }

    #[test]
    fn distinct_ids_get_distinct_keys() {
        let ids = [
            V7,
            "0193a6f2-7c1e-7d3a-9f00-00000000002b",
            "0193A6F2-7C1E-7D3A-9F00-00000000002A",
            "inc-1",
            "",
        ];
        let keys: std::collections::HashSet<Vec<u8>> = ids.iter().map(|id| id_key(id)).collect();
        assert_eq!(keys.len(), ids.len());
    }
}

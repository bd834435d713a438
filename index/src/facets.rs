//! Fast-field access: per-segment columns for re-ranking without stored-document reads, and a
//! collector that counts matches by service and category (the search facets).

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::model::{DocKind, Facets};
use crate::schema::{
    CATEGORY, CATEGORY_KEY, HELPFUL, KIND, KIND_CODE, SERVICE, SERVICE_KEY, UNHELPFUL,
};

/// The fast-field columns of one segment that re-ranking reads.
pub(crate) struct SegmentColumns {
    service_key: Option<Column<u64>>,
    category_key: Option<Column<u64>>,
    helpful: Option<Column<u64>>,
    unhelpful: Option<Column<u64>>,
    kind_code: Option<Column<u64>>,
}

pub(crate) fn str_value(column: Option<&StrColumn>, doc: DocId) -> Option<String> {
    let column = column?;
    let ord = column.ords().first(doc)?;
    let mut out = String::new();
    column.ord_to_str(ord, &mut out).ok()?.then_some(out)
}

impl SegmentColumns {
    pub(crate) fn open(reader: &SegmentReader) -> tantivy::Result<Self> {
        let fast = reader.fast_fields();
        Ok(SegmentColumns {
            service_key: fast.column_opt(SERVICE_KEY)?,
            category_key: fast.column_opt(CATEGORY_KEY)?,
            helpful: fast.column_opt(HELPFUL)?,
            unhelpful: fast.column_opt(UNHELPFUL)?,
            kind_code: fast.column_opt(KIND_CODE)?,
        })
    }

    /// Whether the document's service hashes to `key`.
    pub(crate) fn service_is(&self, doc: DocId, key: u64) -> bool {
        self.service_key.as_ref().and_then(|c| c.first(doc)) == Some(key)
    }

    pub(crate) fn category_is(&self, doc: DocId, key: u64) -> bool {
        self.category_key.as_ref().and_then(|c| c.first(doc)) == Some(key)
    }

    pub(crate) fn kind(&self, doc: DocId) -> DocKind {
        match self.kind_code.as_ref().and_then(|c| c.first(doc)) {
            Some(1) => DocKind::KnownError,
            _ => DocKind::Incident,
        }
    }

    pub(crate) fn helpfulness(&self, doc: DocId) -> (u32, u32) {
        let get = |c: &Option<Column<u64>>| {
            c.as_ref()
                .and_then(|c| c.first(doc))
                .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
        };
        (get(&self.helpful), get(&self.unhelpful))
    }
}

/// Counts matching documents per service and per category.
pub(crate) struct FacetCounts;

pub(crate) struct SegmentFacetCounts {
    service: Option<StrColumn>,
    category: Option<StrColumn>,
    kind: Option<StrColumn>,
    /// Counts per term ordinal of this segment; turned into strings once, at harvest.
    service_counts: Vec<u64>,
    category_counts: Vec<u64>,
    kind_counts: Vec<u64>,
}

#[derive(Default)]
pub(crate) struct FacetFruit {
    service: HashMap<String, u64>,
    category: HashMap<String, u64>,
    kind: HashMap<String, u64>,
}

fn count_ord(column: Option<&StrColumn>, counts: &mut [u64], doc: DocId) {
    if let Some(ord) = column.and_then(|c| c.ords().first(doc))
        && let Some(slot) = usize::try_from(ord).ok().and_then(|o| counts.get_mut(o))
    {
        *slot += 1;
    }
}

fn harvest_column(column: Option<&StrColumn>, counts: &[u64], into: &mut HashMap<String, u64>) {
    let Some(column) = column else { return };
    let mut name = String::new();
    for (ord, &count) in counts.iter().enumerate() {
        if count == 0 {
            continue;
        }
        name.clear();
        if column.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
            *into.entry(name.clone()).or_insert(0) += count;
        }
    }
}

impl Collector for FacetCounts {
    type Fruit = FacetFruit;
    type Child = SegmentFacetCounts;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounts> {
        let fast = reader.fast_fields();
        let service = fast.str(SERVICE)?;
        let category = fast.str(CATEGORY)?;
        let kind = fast.str(KIND)?;
        let len = |c: &Option<StrColumn>| c.as_ref().map_or(0, |c| c.num_terms());
        Ok(SegmentFacetCounts {
            service_counts: vec![0; len(&service)],
            category_counts: vec![0; len(&category)],
            kind_counts: vec![0; len(&kind)],
            service,
            category,
            kind,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut merged = FacetFruit::default();
        for fruit in fruits {
            for (k, v) in fruit.service {
                *merged.service.entry(k).or_insert(0) += v;
            }
            for (k, v) in fruit.category {
                *merged.category.entry(k).or_insert(0) += v;
            }
            for (k, v) in fruit.kind {
                *merged.kind.entry(k).or_insert(0) += v;
            }
        }
        Ok(merged)
    }
}

impl SegmentCollector for SegmentFacetCounts {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        count_ord(self.service.as_ref(), &mut self.service_counts, doc);
        count_ord(self.category.as_ref(), &mut self.category_counts, doc);
        count_ord(self.kind.as_ref(), &mut self.kind_counts, doc);
    }

    fn harvest(self) -> FacetFruit {
        let mut fruit = FacetFruit::default();
        harvest_column(
            self.service.as_ref(),
            &self.service_counts,
            &mut fruit.service,
        );
        harvest_column(
            self.category.as_ref(),
            &self.category_counts,
            &mut fruit.category,
        );
        harvest_column(self.kind.as_ref(), &self.kind_counts, &mut fruit.kind);
        fruit
    }
}

fn sorted(counts: HashMap<String, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

impl From<FacetFruit> for Facets {
    fn from(fruit: FacetFruit) -> Self {
        Facets {
            service: sorted(fruit.service),
            category: sorted(fruit.category),
            kind: sorted(fruit.kind),
        }
    }
}

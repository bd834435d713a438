//! Top-k of a flat OR of boosted term queries, scored term at a time: every posting of every
//! term adds its BM25 score to a per-document accumulator, then one pass picks the best.
//!
//! This is what suggestions use instead of tantivy's block-max WAND (`top_k.rs`). A
//! suggestion is 24 words in two fields, 48 posting lists, each word in 1–5% of the incidents.
//! WAND skips documents that cannot reach the k-th best score, but with that many lists of
//! like weight few blocks can be skipped, and for each document it looks at it re-sorts and
//! re-sums the 48 cursors: at 1M documents 73% of a suggestion's time was that loop and 2%
//! decoding postings. Scoring every posting in a tight loop does more additions and much less
//! bookkeeping. The scores are the ones tantivy computes (`Bm25Weight`'s formula, boosted the
//! same way, to the bit), summed in term order, so they can differ from WAND's sums in the last
//! bit.
//!
//! Documents are scored in ranges of 16,384 (a tile): all terms' postings in the range, in
//! term order, then the pick, so the accumulators (64 KB) stay in the core's cache whatever the
//! segment size. Accumulators for a whole segment did while segments had 320,000 documents
//! (1.3 MB, in the 2 MB L2 of the bench machine), but one merged segment of 1M documents (4 MB)
//! took suggestions from 1.55 to 2.25 ms (p50).
//!
//! A posting costs about 16 instructions: its document's field-length code and the
//! accumulator are indexed within the tile without bounds checks, `tf / (tf + norm)` comes
//! from a per-field table for small frequencies (no division), and each accumulator is checked
//! for the pick and zeroed in the same pass. Before those three changes a posting took three
//! passes over per-block buffers, and each tile a fill of its own (callgrind over the bench's
//! 200 probes at 1M documents, fills not counted: 16.2 million instructions per suggestion
//! before, 12.8 million after; `bench/knowledge_base.md`, sixth pass).
//!
//! Cost: 64 KB of accumulators, and time linear in the postings of the query words, which the
//! suggestion's document-frequency cutoff bounds.

use tantivy::directory::OwnedBytes;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{BlockSegmentPostings, TermInfo};
use tantivy::query::Bm25StatisticsProvider;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentReader, Term};

use crate::top_k::Best;

/// Accumulators scanned at a time when picking the best.
const CHUNK: usize = 64;
/// Documents scored at a time: every term's postings in the range, then the pick (8,192 and
/// 32,768 measured about the same, 4,096 slower).
const TILE: usize = 16_384;
/// tantivy's BM25 parameters (`tantivy::query::bm25`).
const K1: Score = 1.2;
const B: Score = 0.75;

/// One field's length normalisation, `K1 * (1 - B + B * length / average length)` for each of
/// the 256 field-length codes: tantivy's `Bm25Weight` cache, computed with the same operations
/// in the same order, so the scores are the same to the bit (a test holds them to it). It is
/// ours because tantivy keeps it private, and one table per field serves every term of the
/// field (tantivy builds one per term: 48 tables of 256 divisions per suggestion).
fn norm_table(average_fieldnorm: Score) -> [Score; 256] {
    let mut table = [0.0; 256];
    for (id, norm) in (0..=u8::MAX).zip(table.iter_mut()) {
        let fieldnorm = FieldNormReader::id_to_fieldnorm(id);
        *norm = K1 * (1.0 - B + B * fieldnorm as Score / average_fieldnorm);
    }
    table
}

/// Term frequencies below this have their `tf / (tf + norm)` in a field's table; larger ones
/// are divided out per posting. Nearly every posting of a suggestion's words has a frequency
/// of 1 to 3.
const SMALL_TF: usize = 8;

/// One field's BM25 pieces: the length normalisation per field-length code, and
/// `tf / (tf + norm)` for each small term frequency and code, so that scoring a posting is
/// two loads and a multiplication instead of a division. The ratios are computed with the
/// same operations as the division they replace, so the scores are the same to the bit.
struct FieldTable {
    norms: [Score; 256],
    ratios: [[Score; 256]; SMALL_TF],
}

impl FieldTable {
    fn new(average_fieldnorm: Score) -> Box<FieldTable> {
        let norms = norm_table(average_fieldnorm);
        let mut ratios = [[0.0; 256]; SMALL_TF];
        for (tf, row) in ratios.iter_mut().enumerate() {
            let tf = tf as Score;
            for (ratio, norm) in row.iter_mut().zip(norms) {
                *ratio = tf / (tf + norm);
            }
        }
        Box::new(FieldTable { norms, ratios })
    }

    /// `tf / (tf + norm)` for a posting of frequency `tf` in a document of field-length code
    /// `id`.
    #[inline(always)]
    fn ratio(&self, tf: u32, id: u8) -> Score {
        let id = usize::from(id);
        match self.ratios.get(tf as usize) {
            Some(row) => row[id],
            None => {
                let tf = tf as Score;
                tf / (tf + self.norms[id])
            }
        }
    }
}

/// tantivy's idf, `ln(1 + (N - n + 0.5) / (n + 0.5))`.
fn idf(doc_freq: u64, doc_count: u64) -> Score {
    let x = (doc_count.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

/// A query term's BM25 factor (`idf * (1 + K1)`, times its boost, as `Bm25Weight::boost_by`
/// does), its field's table, and that table's position among the query's fields.
struct TermWeight<'a> {
    term: &'a Term,
    weight: Score,
    table: &'a FieldTable,
    field: usize,
}

/// The tables of the fields in `terms`, in order of first use.
fn field_tables(
    terms: &[(Term, Score)],
    stats: &dyn Bm25StatisticsProvider,
    total_num_docs: u64,
) -> tantivy::Result<Vec<(Field, Box<FieldTable>)>> {
    let mut tables: Vec<(Field, Box<FieldTable>)> = Vec::new();
    for (term, _) in terms {
        let field = term.field();
        if tables.iter().all(|(f, _)| *f != field) {
            let total_num_tokens = stats.total_num_tokens(field)?;
            let average_fieldnorm = total_num_tokens as Score / total_num_docs as Score;
            tables.push((field, FieldTable::new(average_fieldnorm)));
        }
    }
    Ok(tables)
}

/// A tile's accumulators, and its documents' field-length codes in one field.
type TileScores = [Score; TILE];
type TileCodes = [u8; TILE];

/// One term's postings in one segment, read a block at a time; `pos` is the next posting of
/// the current block.
struct Cursor<'a> {
    weight: &'a TermWeight<'a>,
    postings: BlockSegmentPostings,
    pos: usize,
}

impl Cursor<'_> {
    /// Adds the scores of this term's postings below `hi` to `scores`, the accumulators of
    /// the tile from `lo` (`codes`: its documents' field-length codes in the term's field).
    fn add_until(&mut self, hi: DocId, lo: DocId, scores: &mut TileScores, codes: &TileCodes) {
        let (weight, table) = (self.weight.weight, self.weight.table);
        loop {
            let docs = self.postings.docs();
            if self.pos >= docs.len() {
                // Blocks of 128 documents; the last one is shorter, then an empty one ends
                // the list.
                if docs.is_empty() {
                    return;
                }
                self.postings.advance();
                self.pos = 0;
                continue;
            }
            let rest = docs.get(self.pos..).unwrap_or_default();
            let n = if rest.last().is_some_and(|&d| d < hi) {
                rest.len()
            } else {
                rest.partition_point(|&d| d < hi)
            };
            let tfs = self.postings.freqs().get(self.pos..).unwrap_or_default();
            for (&doc, &tf) in rest[..n].iter().zip(tfs) {
                // `lo <= doc < hi`, so the mask changes nothing; it lets the compiler drop the
                // bounds checks.
                let at = doc.wrapping_sub(lo) as usize & (TILE - 1);
                // `Bm25Weight::score`: weight * (tf / (tf + norm)).
                scores[at] += weight * table.ratio(tf, codes[at]);
            }
            self.pos += n;
            if self.pos < docs.len() {
                // The next posting is past this range.
                return;
            }
        }
    }
}

/// A segment's field-length codes in `field`, one byte per document: the bytes tantivy's
/// `FieldNormReader` reads (a test holds them to it), taken whole so that the scoring loop
/// reads a tile of them without a call and a bounds check per posting.
fn field_length_codes(reader: &SegmentReader, field: Field) -> tantivy::Result<OwnedBytes> {
    let file = reader
        .fieldnorms_readers()
        .get_inner_file()
        .open_read(field)
        .ok_or_else(|| tantivy::TantivyError::InternalError("no field lengths".into()))?;
    Ok(file.read_bytes()?)
}

/// Each field's codes for the tile of documents from `lo`, a whole tile of them: borrowed
/// where the segment has a whole tile from `lo`, otherwise copied into `short_tiles` and
/// padded with zeros (documents past the segment's end have no postings).
fn tile_codes<'a>(
    codes: &'a [OwnedBytes],
    lo: usize,
    short_tiles: &'a mut [Box<TileCodes>],
) -> Vec<&'a TileCodes> {
    codes
        .iter()
        .zip(short_tiles.iter_mut())
        .map(|(codes, short)| {
            let rest = codes.as_slice().get(lo..).unwrap_or_default();
            match rest.first_chunk::<TILE>() {
                Some(whole) => whole,
                None => {
                    short.fill(0);
                    short[..rest.len()].copy_from_slice(rest);
                    &**short
                }
            }
        })
        .collect()
}

/// A term's info in each segment of a searcher, in segment order (`None`: not in that
/// segment).
pub(crate) type SegmentTermInfos<'a> = &'a [Option<TermInfo>];

/// The `k` best documents for the OR of `terms` (each with its boost), best first (ties:
/// lower address first). Statistics (idf, average field length) come from `stats`, as with
/// `top_k`. `known` may give, beside a term (same position), its term info in each segment of
/// `searcher` (`None` where it is absent), already looked up by the caller; the others are
/// looked up here.
pub(crate) fn top_k_exhaustive(
    searcher: &Searcher,
    terms: &[(Term, Score)],
    known: &[Option<SegmentTermInfos<'_>>],
    stats: &dyn Bm25StatisticsProvider,
    k: usize,
) -> tantivy::Result<Vec<(Score, DocAddress)>> {
    if k == 0 || terms.is_empty() {
        return Ok(Vec::new());
    }
    let total_num_docs = stats.total_num_docs()?;
    let tables = field_tables(terms, stats, total_num_docs)?;
    let weights = terms
        .iter()
        .map(|(term, boost)| {
            let weight = idf(stats.doc_freq(term)?, total_num_docs) * (1.0 + K1);
            let field = tables
                .iter()
                .position(|(f, _)| *f == term.field())
                .ok_or_else(|| tantivy::TantivyError::InternalError("no field table".into()))?;
            Ok(TermWeight {
                term,
                // `boost_by` leaves the weight alone for a boost of 1.
                weight: if *boost == 1.0 {
                    weight
                } else {
                    weight * boost
                },
                table: &tables[field].1,
                field,
            })
        })
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut best = Best::new(k);
    let mut tile: Box<TileScores> = Box::new([0.0; TILE]);
    // A segment's last tile is short: its codes are copied into a whole one.
    let mut short_tiles: Vec<Box<TileCodes>> = tables.iter().map(|_| Box::new([0; TILE])).collect();
    for (ord, reader) in searcher.segment_readers().iter().enumerate() {
        let codes = tables
            .iter()
            .map(|(field, _)| field_length_codes(reader, *field))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut cursors = Vec::with_capacity(weights.len());
        for (i, w) in weights.iter().enumerate() {
            let inverted = reader.inverted_index(w.term.field())?;
            let postings = match known.get(i).copied().flatten().map(|infos| infos.get(ord)) {
                Some(Some(None)) => None,
                Some(Some(Some(info))) => Some(
                    inverted
                        .read_block_postings_from_terminfo(info, IndexRecordOption::WithFreqs)?,
                ),
                _ => inverted.read_block_postings(w.term, IndexRecordOption::WithFreqs)?,
            };
            if let Some(postings) = postings {
                cursors.push(Cursor {
                    weight: w,
                    postings,
                    pos: 0,
                });
            }
        }
        let alive = reader.alive_bitset();
        let max_doc = reader.max_doc();
        let mut lo: DocId = 0;
        while lo < max_doc {
            let hi = lo.saturating_add(TILE as DocId).min(max_doc);
            let tile_codes = tile_codes(&codes, lo as usize, &mut short_tiles);
            // Every term in order, so each document's sum is added up in term order.
            for cursor in &mut cursors {
                let codes = tile_codes[cursor.weight.field];
                cursor.add_until(hi, lo, &mut tile, codes);
            }
            // Only the chunks that hold the tile's documents are read; past a short tile's last
            // document the accumulators hold 0.
            let used = ((hi - lo) as usize).div_ceil(CHUNK);
            let (chunks, _) = tile.as_chunks_mut::<CHUNK>();
            // A document must beat the k-th best so far, as in `top_k`; 0 means no match.
            let mut threshold = best.kth().unwrap_or(0.0);
            for (c, chunk) in chunks.iter_mut().take(used).enumerate() {
                // Most chunks hold nothing above the threshold: one comparison of the whole
                // chunk (a fold without early exit, which vectorizes) skips them.
                if chunk.iter().fold(false, |any, &s| any | (s > threshold)) {
                    for (i, &score) in chunk.iter().enumerate() {
                        if score <= threshold {
                            continue;
                        }
                        let doc = lo + (c * CHUNK + i) as DocId;
                        if alive.is_some_and(|a| a.is_deleted(doc)) {
                            continue;
                        }
                        if let Some(kth) = best.offer(score, DocAddress::new(ord as u32, doc)) {
                            threshold = kth;
                        }
                    }
                }
                // Zeroed for the next tile while it is in the cache, not by a pass of its own.
                *chunk = [0.0; CHUNK];
            }
            lo = hi;
        }
    }
    Ok(best.into_sorted())
}

#[cfg(test)]
mod tests {
    use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, IndexWriter, doc};

    use super::*;
    use crate::top_k::top_k;

    /// Our BM25 pieces give tantivy's `Bm25Weight` scores to the bit.
    #[test]
    fn scores_are_tantivys_to_the_bit() {
        use tantivy::query::Bm25Weight;
        for (doc_freq, num_docs, average) in [
            (1_u64, 10_u64, 3.5_f32),
            (37, 1_000, 12.25),
            (4_821, 1_000_000, 187.3),
            (49_999, 1_000_000, 6.02),
            (1_000, 1_000, 1.0),
        ] {
            let table = FieldTable::new(average);
            for boost in [1.0_f32, 0.37, 2.5, 1.0 / 3.0] {
                let theirs = Bm25Weight::for_one_term(doc_freq, num_docs, average).boost_by(boost);
                let base = idf(doc_freq, num_docs) * (1.0 + K1);
                let weight = if boost == 1.0 { base } else { base * boost };
                for id in 0..=u8::MAX {
                    // Frequencies from the table and divided out.
                    for tf in (1..40).chain([100, 1_000, 65_535]) {
                        let ours = weight * table.ratio(tf, id);
                        assert_eq!(
                            ours.to_bits(),
                            theirs.score(id, tf).to_bits(),
                            "df {doc_freq} n {num_docs} avg {average} boost {boost} id {id} tf {tf}"
                        );
                    }
                }
            }
        }
    }

    /// The field-length codes we read whole are the ones tantivy's reader gives, document by
    /// document, in every segment, including one longer than a tile.
    #[test]
    fn field_length_codes_are_the_fieldnorm_readers() {
        let mut b = Schema::builder();
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 50_000_000)
            .expect("writer");
        for segment in [TILE + 300, 700] {
            for i in 0..segment {
                let body = "word ".repeat(i % 300);
                writer.add_document(doc!(text => body)).expect("add");
            }
            writer.commit().expect("commit");
        }
        let searcher = index.reader().expect("reader").searcher();
        assert_eq!(searcher.segment_readers().len(), 2);
        for reader in searcher.segment_readers() {
            let codes = field_length_codes(reader, text).expect("codes");
            let fieldnorms = reader.get_fieldnorms_reader(text).expect("fieldnorms");
            assert_eq!(codes.len(), reader.max_doc() as usize);
            for doc in 0..reader.max_doc() {
                assert_eq!(codes.as_slice()[doc as usize], fieldnorms.fieldnorm_id(doc));
            }
            // The longer segment has documents of many lengths, not one code throughout.
            assert!(codes.as_slice().iter().any(|&c| c != codes.as_slice()[0]));
        }
    }

    #[test]
    fn same_documents_and_scores_as_block_max_wand_across_segments_and_deletes() {
        let mut b = Schema::builder();
        let title = b.add_text_field("title", TEXT);
        let text = b.add_text_field("text", TEXT);
        let index = Index::create_in_ram(b.build());
        let mut writer: IndexWriter = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
        for segment in 0..4 {
            // Sizes past a 128-document block, and the last past two tiles, so that tiles
            // are whole and short.
            let size = if segment == 3 {
                2 * TILE + 300
            } else {
                300 + 128 * segment
            };
            for i in 0..size {
                // Some long texts, whose frequencies are past the table's.
                let long = if i % 97 == 0 { 8 * SMALL_TF } else { 0 };
                let body: Vec<&str> = (0..(i % 11 + segment + long))
                    .map(|j| words[(i * 3 + j * 5) % words.len()])
                    .collect();
                let head: Vec<&str> = (0..(i % 3)).map(|j| words[(i + j) % 4]).collect();
                writer
                    .add_document(doc!(title => head.join(" "), text => body.join(" ")))
                    .expect("add");
            }
            writer.commit().expect("commit");
        }
        writer.delete_term(Term::from_field_text(text, "eta"));
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        assert!(searcher.segment_readers().len() > 1);

        let terms: Vec<(Term, Score)> = ["alpha", "beta", "gamma", "zeta", "missing"]
            .iter()
            .enumerate()
            .flat_map(|(i, w)| {
                let boost = 1.0 / (i as Score + 1.0);
                [
                    (Term::from_field_text(title, w), 2.0 * boost),
                    (Term::from_field_text(text, w), boost),
                ]
            })
            .collect();
        let query = BooleanQuery::new(
            terms
                .iter()
                .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                    let term = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(Box::new(term), *boost)),
                    )
                })
                .collect(),
        );
        for k in [1, 5, 37, 5_000] {
            let ours = top_k_exhaustive(&searcher, &terms, &[], &searcher, k).expect("exhaustive");
            let wand = top_k(&searcher, &query, &searcher, k).expect("wand");
            assert_eq!(ours.len(), wand.len(), "k = {k}");
            assert!(!ours.is_empty());
            for ((a, _), (b, _)) in ours.iter().zip(&wand) {
                assert!(
                    (a - b).abs() <= 1e-5 * a.abs().max(b.abs()),
                    "k = {k}: {a} {b}"
                );
            }
            // Every document strictly above the last score is the same one (ties at the cut
            // may be others).
            let last = ours.last().map_or(0.0, |(s, _)| *s);
            let above = |v: &[(Score, DocAddress)]| {
                let mut a: Vec<DocAddress> = v
                    .iter()
                    .filter(|(s, _)| *s > last * (1.0 + 1e-5))
                    .map(|(_, d)| *d)
                    .collect();
                a.sort();
                a
            };
            assert_eq!(above(&ours), above(&wand), "k = {k}");
        }
        // Term infos given by the caller (every term here, none for the missing word's) read
        // the same postings as those looked up.
        let infos: Vec<Vec<Option<TermInfo>>> = terms
            .iter()
            .map(|(term, _)| {
                searcher
                    .segment_readers()
                    .iter()
                    .map(|r| {
                        r.inverted_index(term.field())
                            .expect("inverted index")
                            .get_term_info(term)
                            .expect("term info")
                    })
                    .collect()
            })
            .collect();
        let known: Vec<Option<SegmentTermInfos<'_>>> =
            infos.iter().map(|i| Some(i.as_slice())).collect();
        assert_eq!(
            top_k_exhaustive(&searcher, &terms, &known, &searcher, 37).expect("known"),
            top_k_exhaustive(&searcher, &terms, &[], &searcher, 37).expect("looked up")
        );
        // The deleted documents (all with "eta") never come back.
        let all = top_k_exhaustive(&searcher, &terms, &[], &searcher, 100_000).expect("all");
        assert_eq!(
            all.len(),
            top_k(&searcher, &query, &searcher, 100_000)
                .expect("all")
                .len()
        );
        assert!(
            top_k_exhaustive(&searcher, &terms, &[], &searcher, 0)
                .expect("k 0")
                .is_empty()
        );
    }
}

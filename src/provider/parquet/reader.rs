//! The Parquet file reader of lakesql's scans: one GET per small file, footers once.
//!
//! DataFusion's reader fetches a file's footer with one request (the last 512 KiB, which
//! for a small file is the whole file) and keeps only the decoded footer; the column
//! chunks are then fetched again. On a lake of small files that is two GETs and twice the
//! bytes per file on every cold query. This reader:
//! - reads a file of at most [`SMALL_FILE`] bytes with one GET and serves footer, page
//!   index, bloom filters and pages from that buffer (readers DataFusion opens again on
//!   the same file, as for bloom filters, share it);
//! - reads the footer of a larger file from a [`FOOTER_TAIL`] suffix (a second request
//!   only when the footer is larger) and serves any later range inside that suffix from
//!   it;
//! - keeps decoded footers in the session's [`FooterCache`], so a warm query fetches
//!   column chunks only.
//!
//! Every request still goes through the session's counting store, so the statistics
//! line reports what reached storage; bytes served from a buffer are not requests.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, Weak};

use bytes::Bytes;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::ParquetFileReaderFactory;
use datafusion::physical_plan::metrics::{Count, ExecutionPlanMetricsSet, MetricBuilder};
use futures::FutureExt;
use futures::future::{BoxFuture, Shared};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::{AsyncFileReader, MetadataFetch};
use parquet::errors::{ParquetError, Result as ParquetResult};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaData, ParquetMetaDataReader};

use super::footers::FooterCache;

/// Files up to this size are read whole with one request. Below 1 MiB a second request
/// costs more than the rest of the file (an S3 GET's first byte takes 20–50 ms; 1 MiB
/// transfers in about as long), object_store already merges column-chunk reads less than
/// 1 MiB apart into one GET, and DataFusion's footer read (512 KiB) fetched most such
/// files whole anyway. It is also DataFusion's threshold for splitting a file between
/// partitions, so a small file is always opened by one stream.
pub const SMALL_FILE: u64 = 1024 * 1024;

/// The suffix fetched for the footer of a larger file: footers of files written by
/// Spark, Hive, Athena or DataFusion are a few KiB to a few tens of KiB. A larger footer
/// costs one more request.
pub const FOOTER_TAIL: usize = 64 * 1024;

/// A whole-file read other readers of the same file can wait for.
type WholeFetch = Shared<BoxFuture<'static, Result<Arc<Bytes>, Arc<str>>>>;

/// A small file's bytes as the readers of one scan share them: being fetched (a reader
/// that needs them waits for that GET instead of making its own, as when DataFusion
/// splits a file between two partitions), or fetched and held by the readers still open.
#[derive(Clone)]
enum OpenFile {
    Fetching(WholeFetch),
    Held(Weak<Bytes>),
}

type OpenFiles = Arc<Mutex<HashMap<Path, OpenFile>>>;

/// Creates [`LakeParquetReader`]s for one scan.
pub struct LakeParquetReaderFactory {
    store: Arc<dyn ObjectStore>,
    store_url: String,
    footers: Arc<FooterCache>,
    /// Whole-file buffers being fetched or held by open readers, so another reader of
    /// the same file in this scan reads no bytes again.
    open: OpenFiles,
    /// Bytes fetched, one counter per output partition (`bytes_scanned` in EXPLAIN
    /// ANALYZE). Not per file: DataFusion's per-file metrics are a few KiB each, which
    /// over 20,000 files is tens of MiB held until the query ends.
    bytes_scanned: Mutex<HashMap<usize, Count>>,
}

impl fmt::Debug for LakeParquetReaderFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LakeParquetReaderFactory")
            .field("store_url", &self.store_url)
            .finish_non_exhaustive()
    }
}

impl LakeParquetReaderFactory {
    /// Readers of files in `store` (registered at `store_url`), caching footers in
    /// `footers`.
    pub fn new(store: Arc<dyn ObjectStore>, store_url: &str, footers: Arc<FooterCache>) -> Self {
        LakeParquetReaderFactory {
            store,
            store_url: store_url.to_string(),
            footers,
            open: Arc::default(),
            bytes_scanned: Mutex::default(),
        }
    }

    fn bytes_scanned(&self, partition: usize, metrics: &ExecutionPlanMetricsSet) -> Count {
        let mut counters = self.bytes_scanned.lock().unwrap_or_else(|e| e.into_inner());
        counters
            .entry(partition)
            .or_insert_with(|| MetricBuilder::new(metrics).counter("bytes_scanned", partition))
            .clone()
    }

    fn open_buffer(&self, path: &Path) -> Option<Arc<Bytes>> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        match open.get(path) {
            Some(OpenFile::Held(buffer)) => buffer.upgrade(),
            _ => None,
        }
    }
}

impl ParquetFileReaderFactory for LakeParquetReaderFactory {
    fn create_reader(
        &self,
        partition_index: usize,
        partitioned_file: PartitionedFile,
        _metadata_size_hint: Option<usize>,
        metrics: &ExecutionPlanMetricsSet,
    ) -> datafusion::common::Result<Box<dyn AsyncFileReader + Send>> {
        let meta = partitioned_file.object_meta;
        let bytes_scanned = self.bytes_scanned(partition_index, metrics);
        let mut held = Vec::new();
        if let Some(whole) = self.open_buffer(&meta.location) {
            held.push(Held::whole(whole));
        }
        Ok(Box::new(LakeParquetReader {
            store: self.store.clone(),
            store_url: self.store_url.clone(),
            footers: self.footers.clone(),
            open: self.open.clone(),
            meta,
            held,
            bytes_scanned,
        }))
    }
}

/// Bytes of the file a reader already has: the whole file or the footer's suffix.
struct Held {
    start: u64,
    bytes: Arc<Bytes>,
}

impl Held {
    fn whole(bytes: Arc<Bytes>) -> Self {
        Held { start: 0, bytes }
    }

    /// `range` cut from these bytes, if they cover it.
    fn slice(&self, range: &Range<u64>) -> Option<Bytes> {
        let end = self.start + self.bytes.len() as u64;
        (range.start >= self.start && range.end <= end).then(|| {
            self.bytes
                .slice((range.start - self.start) as usize..(range.end - self.start) as usize)
        })
    }
}

/// Reads one Parquet file for a scan (see the module docs).
pub struct LakeParquetReader {
    store: Arc<dyn ObjectStore>,
    store_url: String,
    footers: Arc<FooterCache>,
    open: OpenFiles,
    meta: ObjectMeta,
    held: Vec<Held>,
    bytes_scanned: Count,
}

impl LakeParquetReader {
    fn held_slice(&self, range: &Range<u64>) -> Option<Bytes> {
        self.held.iter().find_map(|h| h.slice(range))
    }

    /// Reads the whole (small) file with one GET, or waits for the GET another reader of
    /// the scan has started, and keeps the bytes for every later range.
    async fn read_whole(&mut self) -> ParquetResult<Arc<Bytes>> {
        let (fetch, mine) = {
            let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            let current = open.get(&self.meta.location).cloned();
            let held = match &current {
                Some(OpenFile::Held(buffer)) => buffer.upgrade(),
                _ => None,
            };
            match (current, held) {
                (_, Some(whole)) => {
                    self.held.push(Held::whole(whole.clone()));
                    return Ok(whole);
                }
                (Some(OpenFile::Fetching(fetch)), None) => (fetch, false),
                _ => (self.start_whole_fetch(&mut open), true),
            }
        };
        let got = fetch.await;
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if mine {
            open.retain(|_, file| match file {
                OpenFile::Held(buffer) => buffer.strong_count() > 0,
                OpenFile::Fetching(_) => true,
            });
            match &got {
                Ok(whole) => {
                    self.bytes_scanned.add(whole.len());
                    open.insert(
                        self.meta.location.clone(),
                        OpenFile::Held(Arc::downgrade(whole)),
                    );
                }
                Err(_) => {
                    open.remove(&self.meta.location);
                }
            }
        }
        drop(open);
        let whole = got.map_err(|e| ParquetError::General(e.to_string()))?;
        self.held.push(Held::whole(whole.clone()));
        Ok(whole)
    }

    /// Takes the buffer of a small file another reader of the scan holds or is fetching
    /// (a reader whose footer came from the cache has none of its own).
    async fn adopt_open_buffer(&mut self) {
        if self.meta.size > SMALL_FILE || !self.held.is_empty() {
            return;
        }
        let current = {
            let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.get(&self.meta.location).cloned()
        };
        let whole = match current {
            Some(OpenFile::Held(buffer)) => buffer.upgrade(),
            Some(OpenFile::Fetching(fetch)) => fetch.await.ok(),
            None => None,
        };
        if let Some(whole) = whole {
            self.held.push(Held::whole(whole));
        }
    }

    /// Starts the GET of the whole file, registered so other readers wait for it.
    fn start_whole_fetch(&self, open: &mut HashMap<Path, OpenFile>) -> WholeFetch {
        let store = self.store.clone();
        let meta = self.meta.clone();
        let fetch = async move {
            let bytes = async { store.get(&meta.location).await?.bytes().await }
                .await
                .map_err(|e| Arc::<str>::from(e.to_string()))?;
            if bytes.len() as u64 != meta.size {
                return Err(Arc::<str>::from(format!(
                    "{} changed while it was read: listed with {} bytes, read {}",
                    meta.location,
                    meta.size,
                    bytes.len()
                )));
            }
            Ok(Arc::new(bytes))
        }
        .boxed()
        .shared();
        open.insert(
            self.meta.location.clone(),
            OpenFile::Fetching(fetch.clone()),
        );
        fetch
    }

    /// Decodes the footer: from the whole file when it is small (with the page index,
    /// which costs nothing more there), else from a suffix whose bytes are kept.
    async fn load_footer(&mut self, policy: PageIndexPolicy) -> ParquetResult<ParquetMetaData> {
        if self.meta.size <= SMALL_FILE {
            let size = self.meta.size;
            let shared = self
                .held
                .iter()
                .find(|h| h.start == 0 && h.bytes.len() as u64 == size)
                .map(|h| h.bytes.clone());
            let whole = match shared {
                Some(whole) => whole,
                None => self.read_whole().await?,
            };
            return ParquetMetaDataReader::new()
                .with_page_index_policy(PageIndexPolicy::Optional)
                .parse_and_finish(whole.as_ref());
        }
        let mut fetch = SuffixFetch {
            reader: self,
            fetched: Vec::new(),
        };
        let size = fetch.reader.meta.size;
        let metadata = ParquetMetaDataReader::new()
            .with_prefetch_hint(Some(FOOTER_TAIL))
            .with_page_index_policy(policy)
            .load_and_finish(&mut fetch, size)
            .await?;
        let fetched = std::mem::take(&mut fetch.fetched);
        self.held.extend(fetched);
        Ok(metadata)
    }

    /// Fetches `ranges` from the store (one request per merged run, as object_store
    /// merges them).
    async fn fetch_ranges(&mut self, ranges: &[Range<u64>]) -> ParquetResult<Vec<Bytes>> {
        let total: u64 = ranges.iter().map(|r| r.end - r.start).sum();
        self.bytes_scanned.add(total as usize);
        self.store
            .get_ranges(&self.meta.location, ranges)
            .await
            .map_err(external)
    }
}

impl AsyncFileReader for LakeParquetReader {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, ParquetResult<Bytes>> {
        async move {
            self.adopt_open_buffer().await;
            if let Some(bytes) = self.held_slice(&range) {
                return Ok(bytes);
            }
            let mut got = self.fetch_ranges(std::slice::from_ref(&range)).await?;
            got.pop()
                .ok_or_else(|| ParquetError::General("the store returned no bytes".into()))
        }
        .boxed()
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, ParquetResult<Vec<Bytes>>> {
        async move {
            self.adopt_open_buffer().await;
            let mut out: Vec<Option<Bytes>> = ranges.iter().map(|r| self.held_slice(r)).collect();
            let missing: Vec<Range<u64>> = ranges
                .iter()
                .zip(&out)
                .filter(|(_, got)| got.is_none())
                .map(|(r, _)| r.clone())
                .collect();
            if !missing.is_empty() {
                let mut fetched = self.fetch_ranges(&missing).await?.into_iter();
                for slot in out.iter_mut().filter(|slot| slot.is_none()) {
                    *slot = fetched.next();
                }
            }
            out.into_iter()
                .map(|b| {
                    b.ok_or_else(|| {
                        ParquetError::General("the store returned too few ranges".into())
                    })
                })
                .collect()
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, ParquetResult<Arc<ParquetMetaData>>> {
        let policy = options
            .map(|o| o.column_index_policy())
            .unwrap_or(PageIndexPolicy::Optional);
        async move {
            if let Some(metadata) = self.footers.get(&self.store_url, &self.meta) {
                return Ok(metadata);
            }
            let metadata = Arc::new(self.load_footer(policy).await.map_err(|e| {
                ParquetError::General(format!(
                    "cannot read the Parquet footer of {}: {e}",
                    self.meta.location
                ))
            })?);
            self.footers
                .insert(&self.store_url, &self.meta, metadata.clone());
            Ok(metadata)
        }
        .boxed()
    }
}

/// The footer's fetches for [`ParquetMetaDataReader`], keeping what they read.
struct SuffixFetch<'r> {
    reader: &'r mut LakeParquetReader,
    fetched: Vec<Held>,
}

impl MetadataFetch for &mut SuffixFetch<'_> {
    fn fetch(&mut self, range: Range<u64>) -> BoxFuture<'_, ParquetResult<Bytes>> {
        async move {
            if let Some(bytes) = self.fetched.iter().find_map(|h| h.slice(&range)) {
                return Ok(bytes);
            }
            let start = range.start;
            let bytes = self.reader.get_bytes(range).await?;
            self.fetched.push(Held {
                start,
                bytes: Arc::new(bytes.clone()),
            });
            Ok(bytes)
        }
        .boxed()
    }
}

fn external(e: object_store::Error) -> ParquetError {
    ParquetError::External(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{CountingStore, RequestCounters, RequestSnapshot};
    use arrow::array::{Int64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;
    use futures::TryStreamExt;
    use object_store::memory::InMemory;
    use parquet::arrow::{ArrowWriter, ParquetRecordBatchStreamBuilder};
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;

    /// A Parquet file of `rows` rows in row groups of `group` rows, uncompressed so its
    /// size follows the row count.
    fn parquet_file(rows: i64, group: usize, tag: &str) -> Bytes {
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8, false),
        ]));
        let props = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_dictionary_enabled(false)
            .set_max_row_group_row_count(Some(group))
            .build();
        let mut out = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut out, schema.clone(), Some(props)).unwrap();
        let ids = Int64Array::from_iter_values(0..rows);
        let names = StringArray::from_iter_values((0..rows).map(|i| format!("{tag}-{i:08}")));
        let batch = RecordBatch::try_new(schema, vec![Arc::new(ids), Arc::new(names)]).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        Bytes::from(out)
    }

    struct Lake {
        counters: Arc<RequestCounters>,
        store: Arc<dyn ObjectStore>,
        footers: Arc<FooterCache>,
    }

    impl Lake {
        fn new() -> Self {
            let counters = Arc::new(RequestCounters::default());
            let store: Arc<dyn ObjectStore> = Arc::new(CountingStore::new(
                Arc::new(InMemory::new()),
                counters.clone(),
            ));
            Lake {
                counters,
                store,
                footers: Arc::default(),
            }
        }

        async fn put(&self, path: &str, bytes: Bytes) -> ObjectMeta {
            let path = Path::from(path);
            self.store.put(&path, bytes.into()).await.unwrap();
            self.store.head(&path).await.unwrap()
        }

        /// A factory as one scan has it, over this lake's store and footer cache.
        fn factory(&self) -> LakeParquetReaderFactory {
            LakeParquetReaderFactory::new(self.store.clone(), "memory://", self.footers.clone())
        }

        /// Reads every row of the file through a fresh factory (a new scan); returns the
        /// rows and the requests it made.
        async fn scan(&self, meta: &ObjectMeta) -> (usize, RequestSnapshot) {
            let before = self.counters.snapshot();
            let factory = self.factory();
            let file = PartitionedFile::from(meta.clone());
            let reader: Box<dyn AsyncFileReader> = factory
                .create_reader(0, file, None, &ExecutionPlanMetricsSet::new())
                .unwrap();
            let stream = ParquetRecordBatchStreamBuilder::new(reader)
                .await
                .unwrap()
                .build()
                .unwrap();
            let batches: Vec<RecordBatch> = stream.try_collect().await.unwrap();
            let rows = batches.iter().map(RecordBatch::num_rows).sum();
            (rows, self.counters.snapshot() - before)
        }
    }

    #[tokio::test]
    async fn a_small_file_is_one_get_cold_and_its_footer_is_not_read_again() {
        let lake = Lake::new();
        let bytes = parquet_file(5_000, 1_000, "a");
        assert!((bytes.len() as u64) < SMALL_FILE);
        let meta = lake.put("t/a.parquet", bytes.clone()).await;

        let (rows, cold) = lake.scan(&meta).await;
        assert_eq!(rows, 5_000);
        assert_eq!((cold.get, cold.bytes), (1, bytes.len() as u64), "{cold:?}");

        let (rows, warm) = lake.scan(&meta).await;
        assert_eq!(rows, 5_000);
        // Warm: no footer; each row group's column chunks in one merged read.
        assert_eq!(warm.get, 5, "one read per row group: {warm:?}");
        assert!(
            warm.bytes < bytes.len() as u64,
            "no footer bytes when warm: {warm:?}"
        );
        assert!(
            cold.bytes as f64 <= warm.bytes as f64 * 1.10,
            "cold {cold:?} within 10% of warm {warm:?}"
        );
    }

    #[tokio::test]
    async fn a_large_file_reads_its_footer_from_one_suffix_and_no_range_twice() {
        let lake = Lake::new();
        let bytes = parquet_file(200_000, 50_000, "large");
        assert!(bytes.len() as u64 > 2 * SMALL_FILE, "{}", bytes.len());
        let meta = lake.put("t/large.parquet", bytes.clone()).await;

        let (rows, cold) = lake.scan(&meta).await;
        assert_eq!(rows, 200_000);
        let (_, warm) = lake.scan(&meta).await;
        // Cold: the footer suffix plus the column chunks, none fetched twice: the
        // suffix's bytes are served from memory when a chunk lies in it.
        assert!(
            cold.bytes <= bytes.len() as u64 + FOOTER_TAIL as u64,
            "{cold:?}"
        );
        assert_eq!(
            cold.get,
            warm.get + 1,
            "one more GET cold (the footer): {cold:?} {warm:?}"
        );
        assert!(warm.bytes <= bytes.len() as u64, "{warm:?}");
    }

    #[tokio::test]
    async fn a_rewritten_file_is_read_with_its_new_footer() {
        let lake = Lake::new();
        let meta = lake.put("t/a.parquet", parquet_file(100, 100, "old")).await;
        assert_eq!(lake.scan(&meta).await.0, 100);
        assert_eq!(lake.footers.len(), 1);

        let meta = lake.put("t/a.parquet", parquet_file(300, 100, "new")).await;
        let (rows, requests) = lake.scan(&meta).await;
        assert_eq!(
            rows, 300,
            "the new file, not the cached footer's row groups"
        );
        assert_eq!(requests.get, 1, "{requests:?}");
        assert_eq!(requests.bytes, meta.size, "{requests:?}");
    }

    #[tokio::test]
    async fn footers_are_kept_per_store_not_per_path() {
        let cache = FooterCache::default();
        let lake = Lake::new();
        let meta = lake.put("t/a.parquet", parquet_file(10, 10, "x")).await;
        let metadata = Arc::new(
            ParquetMetaDataReader::new()
                .parse_and_finish(
                    &lake
                        .store
                        .get(&meta.location)
                        .await
                        .unwrap()
                        .bytes()
                        .await
                        .unwrap(),
                )
                .unwrap(),
        );
        cache.insert("s3://one", &meta, metadata);
        assert!(cache.get("s3://one", &meta).is_some());
        assert!(cache.get("s3://two", &meta).is_none());
    }

    #[tokio::test]
    async fn two_readers_opening_one_file_at_once_make_one_get() {
        let lake = Lake::new();
        let bytes = parquet_file(1_000, 500, "c");
        let meta = lake.put("t/c.parquet", bytes.clone()).await;
        let factory = lake.factory();
        let metrics = ExecutionPlanMetricsSet::new();
        let file = PartitionedFile::from(meta.clone());
        // As when DataFusion splits a file between two partitions: both readers are
        // created before either has read anything.
        let mut one = factory
            .create_reader(0, file.clone(), None, &metrics)
            .unwrap();
        let mut two = factory.create_reader(1, file, None, &metrics).unwrap();
        let before = lake.counters.snapshot();
        let (a, b) = tokio::join!(one.get_metadata(None), two.get_metadata(None));
        assert_eq!(a.unwrap().num_row_groups(), 2);
        assert_eq!(b.unwrap().num_row_groups(), 2);
        let row_group = two.get_bytes(4..100).await.unwrap();
        assert_eq!(row_group, bytes.slice(4..100));
        let requests = lake.counters.snapshot() - before;
        assert_eq!(
            (requests.get, requests.bytes),
            (1, meta.size),
            "{requests:?}"
        );
    }

    #[tokio::test]
    async fn a_second_reader_of_an_open_file_reads_nothing() {
        let lake = Lake::new();
        let bytes = parquet_file(1_000, 1_000, "b");
        let meta = lake.put("t/b.parquet", bytes.clone()).await;
        let factory = lake.factory();
        let metrics = ExecutionPlanMetricsSet::new();
        let file = PartitionedFile::from(meta.clone());
        let mut first = factory
            .create_reader(0, file.clone(), None, &metrics)
            .unwrap();
        first.get_metadata(None).await.unwrap();
        let before = lake.counters.snapshot();
        let mut second = factory.create_reader(0, file, None, &metrics).unwrap();
        let all = second.get_bytes(0..meta.size).await.unwrap();
        assert_eq!(all, bytes);
        assert_eq!(
            lake.counters.snapshot() - before,
            RequestSnapshot::default()
        );
        drop(first);
    }
}

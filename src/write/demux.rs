//! Splitting a write's rows into one file per partition value (Hive `key=value/` folders).
//!
//! DataFusion's demultiplexer builds a string key for every row and hands each partition
//! the few hundred rows of every input batch that belong to it, so with hundreds of
//! partition values the file writers receive thousands of tiny batches, and each costs
//! a fixed amount of encoding work. This one groups a batch's rows by their encoded
//! partition key (one hash lookup per row, no allocation), moves the batch into
//! partition order with one `take`, and collects each partition's rows until it has a
//! Parquet row group's worth ([`PartitionedSink::new`]'s `rows_per_batch`) before handing
//! them to the partition's writer. Memory stays bounded: what is collected and not yet
//! handed over is kept under a budget, and when the budget is exceeded the largest
//! partitions are handed over early. The folder names are rendered once per partition
//! value, not once per row. The file writers are the output format's own (any
//! [`FileSink`]).

use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{BatchCoalescer, take_record_batch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::HashMap;
use datafusion::common::runtime::SpawnedTask;
use datafusion::datasource::sink::DataSink;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType};
use datafusion_datasource::file_sink_config::FileSink;
use futures::StreamExt;
use object_store::path::Path;
use tokio::sync::mpsc;

use crate::catalog::partition_path::DEFAULT_PARTITION_NAME;

/// Hive's folder-name format of a timestamp partition value.
const TIMESTAMP_FORMAT: &str = "%Y-%m-%d %H:%M:%S%.f";

/// A file sink for partitioned output: the last `keys.len()` input columns are partition
/// values (any primitive type), the others are written by `inner` under
/// `key=value/…/<id>.<ext>` below the inner sink's folder.
pub struct PartitionedSink {
    inner: Arc<dyn FileSink>,
    keys: Vec<String>,
    rows_per_batch: usize,
    budget_bytes: usize,
}

impl PartitionedSink {
    /// Wraps `inner`; each partition's rows reach it in batches of `rows_per_batch`
    /// (fewer at the end, or when the rows waiting for all partitions together would
    /// take more than `budget_bytes`).
    pub fn new(
        inner: Arc<dyn FileSink>,
        keys: Vec<String>,
        rows_per_batch: usize,
        budget_bytes: usize,
    ) -> Self {
        PartitionedSink {
            inner,
            keys,
            rows_per_batch,
            budget_bytes,
        }
    }
}

impl std::fmt::Debug for PartitionedSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionedSink")
            .field("inner", &self.inner)
            .field("keys", &self.keys)
            .finish()
    }
}

impl DisplayAs for PartitionedSink {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "PartitionedSink(keys={}): ", self.keys.join(", "))?;
        self.inner.fmt_as(t, f)
    }
}

#[async_trait]
impl DataSink for PartitionedSink {
    fn schema(&self) -> &SchemaRef {
        self.inner.schema()
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        context: &Arc<TaskContext>,
    ) -> DfResult<u64> {
        let config = self.inner.config();
        let store = context
            .runtime_env()
            .object_store(&config.object_store_url)?;
        let folder = config
            .table_paths
            .first()
            .ok_or_else(|| DataFusionError::Internal("a file sink without a folder".into()))?
            .prefix()
            .clone();
        let (files_tx, files_rx) = mpsc::unbounded_channel();
        let splitter = Splitter::new(
            &data.schema(),
            self.keys.len(),
            Naming {
                folder,
                keys: self.keys.clone(),
                file_name: format!("{}.{}", crate::write::new_query_id(), config.file_extension),
            },
            Limits {
                rows_per_batch: self.rows_per_batch,
                budget_bytes: self.budget_bytes,
                queued_batches: context
                    .session_config()
                    .options()
                    .execution
                    .max_buffered_batches_per_output_file
                    .get(),
            },
            files_tx,
        )?;
        let task = SpawnedTask::spawn(splitter.run(data));
        self.inner
            .spawn_writer_tasks_and_join(context, task, files_rx, store)
            .await
    }
}

/// Where a partition's file goes.
struct Naming {
    folder: Path,
    keys: Vec<String>,
    file_name: String,
}

impl Naming {
    fn path(&self, values: &[String]) -> Path {
        let mut path = self.folder.clone();
        for (key, value) in self.keys.iter().zip(values) {
            path = path.join(format!("{key}={value}"));
        }
        path.join(self.file_name.as_str())
    }
}

#[derive(Clone, Copy)]
struct Limits {
    rows_per_batch: usize,
    budget_bytes: usize,
    queued_batches: usize,
}

/// One partition's open file: the rows collected for it and its writer's channel.
struct OpenFile {
    rows: BatchCoalescer,
    writer: mpsc::Sender<RecordBatch>,
}

/// The demultiplexer's state while the input streams through it.
struct Splitter {
    data_columns: usize,
    data_schema: SchemaRef,
    converter: RowConverter,
    slots: HashMap<Box<[u8]>, usize>,
    files: Vec<OpenFile>,
    naming: Naming,
    limits: Limits,
    new_files: mpsc::UnboundedSender<(Path, mpsc::Receiver<RecordBatch>)>,
    /// Rows collected and not yet handed to a writer, over all partitions.
    waiting_rows: usize,
}

impl Splitter {
    fn new(
        schema: &SchemaRef,
        keys: usize,
        naming: Naming,
        limits: Limits,
        new_files: mpsc::UnboundedSender<(Path, mpsc::Receiver<RecordBatch>)>,
    ) -> DfResult<Self> {
        let data_columns =
            schema.fields().len().checked_sub(keys).ok_or_else(|| {
                DataFusionError::Internal("more partition keys than columns".into())
            })?;
        let data_schema = Arc::new(schema.project(&(0..data_columns).collect::<Vec<_>>())?);
        let converter = RowConverter::new(
            schema.fields()[data_columns..]
                .iter()
                .map(|f| SortField::new(f.data_type().clone()))
                .collect(),
        )?;
        Ok(Splitter {
            data_columns,
            data_schema,
            converter,
            slots: HashMap::default(),
            files: Vec::new(),
            naming,
            limits,
            new_files,
            waiting_rows: 0,
        })
    }

    async fn run(mut self, mut input: SendableRecordBatchStream) -> DfResult<()> {
        while let Some(batch) = input.next().await.transpose()? {
            if batch.num_rows() > 0 {
                self.split(batch).await?;
            }
        }
        for slot in 0..self.files.len() {
            self.hand_over(slot, true).await?;
        }
        Ok(())
    }

    /// Distributes one batch's rows to their partitions.
    async fn split(&mut self, batch: RecordBatch) -> DfResult<()> {
        let keys = &batch.columns()[self.data_columns..];
        let slot_of_row = self.slots_of(keys)?;
        let (order, runs) = group_rows(&slot_of_row, self.files.len());
        let data = batch.project(&(0..self.data_columns).collect::<Vec<_>>())?;
        let data = RecordBatch::try_new(self.data_schema.clone(), data.columns().to_vec())?;
        let grouped = take_record_batch(&data, &UInt32Array::from(order))?;
        let row_bytes = grouped.get_array_memory_size() / grouped.num_rows().max(1);
        let mut offset = 0;
        for (slot, len) in runs {
            self.files[slot]
                .rows
                .push_batch(grouped.slice(offset, len))?;
            offset += len;
            self.waiting_rows += len;
            self.hand_over(slot, false).await?;
        }
        if self.waiting_rows.saturating_mul(row_bytes) > self.limits.budget_bytes {
            self.relieve(row_bytes).await?;
        }
        Ok(())
    }

    /// The partition slot of every row, opening files for values not seen before.
    fn slots_of(&mut self, keys: &[ArrayRef]) -> DfResult<Vec<u32>> {
        let rows = self.converter.convert_columns(keys)?;
        let mut slots = Vec::with_capacity(rows.num_rows());
        let mut previous: Option<(usize, u32)> = None;
        for i in 0..rows.num_rows() {
            let row = rows.row(i);
            if let Some((p, slot)) = previous
                && rows.row(p) == row
            {
                slots.push(slot);
                continue;
            }
            let slot = match self.slots.get(row.as_ref()) {
                Some(&slot) => slot,
                None => {
                    let slot = self.open(keys, i)?;
                    self.slots.insert(row.as_ref().into(), slot);
                    slot
                }
            } as u32;
            previous = Some((i, slot));
            slots.push(slot);
        }
        Ok(slots)
    }

    /// Opens the file of the partition whose values are row `row` of `keys`.
    fn open(&mut self, keys: &[ArrayRef], row: usize) -> DfResult<usize> {
        let values = keys
            .iter()
            .map(|column| hive_value(column, row))
            .collect::<DfResult<Vec<_>>>()?;
        let (writer, receiver) = mpsc::channel(self.limits.queued_batches.max(1));
        self.new_files
            .send((self.naming.path(&values), receiver))
            .map_err(|_| DataFusionError::Internal("the file writers stopped".into()))?;
        self.files.push(OpenFile {
            rows: BatchCoalescer::new(self.data_schema.clone(), self.limits.rows_per_batch),
            writer,
        });
        Ok(self.files.len() - 1)
    }

    /// Sends a partition's complete batches to its writer (and, with `all`, the rest).
    async fn hand_over(&mut self, slot: usize, all: bool) -> DfResult<()> {
        let file = &mut self.files[slot];
        if all {
            file.rows.finish_buffered_batch()?;
        }
        while let Some(batch) = file.rows.next_completed_batch() {
            self.waiting_rows -= batch.num_rows();
            file.writer.send(batch).await.map_err(|_| {
                DataFusionError::Internal("a partition's file writer stopped".into())
            })?;
        }
        Ok(())
    }

    /// Over budget: hands the partitions holding the most rows to their writers until
    /// half the budget is left.
    async fn relieve(&mut self, row_bytes: usize) -> DfResult<()> {
        let mut by_size: Vec<(usize, usize)> = self
            .files
            .iter()
            .enumerate()
            .map(|(slot, f)| (f.rows.get_buffered_rows(), slot))
            .filter(|(rows, _)| *rows > 0)
            .collect();
        by_size.sort_unstable_by(|a, b| b.cmp(a));
        for (_, slot) in by_size {
            if self.waiting_rows.saturating_mul(row_bytes) <= self.limits.budget_bytes / 2 {
                break;
            }
            self.hand_over(slot, true).await?;
        }
        Ok(())
    }
}

/// A permutation putting rows of the same slot together, and the `(slot, rows)` runs in
/// it (a counting sort: slots are dense, below `slot_count`).
fn group_rows(slot_of_row: &[u32], slot_count: usize) -> (Vec<u32>, Vec<(usize, usize)>) {
    let mut counts = vec![0u32; slot_count];
    for &slot in slot_of_row {
        counts[slot as usize] += 1;
    }
    let mut starts = vec![0u32; slot_count];
    let mut runs = Vec::new();
    let mut next = 0u32;
    for (slot, &count) in counts.iter().enumerate() {
        starts[slot] = next;
        if count > 0 {
            runs.push((slot, count as usize));
        }
        next += count;
    }
    let mut order = vec![0u32; slot_of_row.len()];
    for (row, &slot) in slot_of_row.iter().enumerate() {
        let start = &mut starts[slot as usize];
        order[*start as usize] = row as u32;
        *start += 1;
    }
    (order, runs)
}

/// A partition value as Hive writes it in a folder name: dates `yyyy-MM-dd`, timestamps
/// `yyyy-MM-dd HH:mm:ss[.fff]`, other values as their text; NULL and the empty string
/// as `__HIVE_DEFAULT_PARTITION__`.
fn hive_value(column: &ArrayRef, row: usize) -> DfResult<String> {
    if column.is_null(row) {
        return Ok(DEFAULT_PARTITION_NAME.to_string());
    }
    let options = match column.data_type() {
        DataType::Timestamp(_, _) => FormatOptions::new()
            .with_timestamp_format(Some(TIMESTAMP_FORMAT))
            .with_timestamp_tz_format(Some(TIMESTAMP_FORMAT)),
        _ => FormatOptions::new(),
    };
    let text = ArrayFormatter::try_new(column.as_ref(), &options)?
        .value(row)
        .to_string();
    Ok(if text.is_empty() {
        DEFAULT_PARTITION_NAME.to_string()
    } else {
        text
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_grouped_by_slot_in_input_order() {
        let (order, runs) = group_rows(&[2, 0, 2, 1, 0], 3);
        assert_eq!(order, vec![1, 4, 3, 0, 2]);
        assert_eq!(runs, vec![(0, 2), (1, 1), (2, 2)]);
    }

    #[test]
    fn hive_values_of_dates_timestamps_and_nulls() {
        use datafusion::arrow::array::{Date32Array, StringArray, TimestampMillisecondArray};
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![Some(19_723), None]));
        assert_eq!(hive_value(&dates, 0).unwrap(), "2024-01-01");
        assert_eq!(hive_value(&dates, 1).unwrap(), DEFAULT_PARTITION_NAME);
        let ts: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![
            1_704_067_200_000,
            1_704_067_200_250,
        ]));
        assert_eq!(hive_value(&ts, 0).unwrap(), "2024-01-01 00:00:00");
        assert_eq!(hive_value(&ts, 1).unwrap(), "2024-01-01 00:00:00.250");
        let text: ArrayRef = Arc::new(StringArray::from(vec!["", "x/y"]));
        assert_eq!(hive_value(&text, 0).unwrap(), DEFAULT_PARTITION_NAME);
        assert_eq!(hive_value(&text, 1).unwrap(), "x/y");
    }

    /// Runs a splitter over `batches` (columns `v int`, `k string`; `k` the key) and
    /// returns each file's path and the sizes of the batches its writer received.
    fn split_all(batches: Vec<RecordBatch>, budget_bytes: usize) -> Vec<(String, Vec<usize>)> {
        use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
        let schema = batches[0].schema();
        let (files_tx, mut files_rx) = mpsc::unbounded_channel();
        let splitter = Splitter::new(
            &schema,
            1,
            Naming {
                folder: Path::from("out"),
                keys: vec!["k".into()],
                file_name: "f.parquet".into(),
            },
            Limits {
                rows_per_batch: 100,
                budget_bytes,
                queued_batches: 1000,
            },
            files_tx,
        )
        .unwrap();
        let input = Box::pin(RecordBatchStreamAdapter::new(
            schema,
            futures::stream::iter(batches.into_iter().map(Ok)),
        ));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(splitter.run(input)).unwrap();
        let mut files = Vec::new();
        while let Ok((path, mut rx)) = files_rx.try_recv() {
            let mut sizes = Vec::new();
            while let Ok(batch) = rx.try_recv() {
                assert_eq!(batch.num_columns(), 1, "the key column is not written");
                sizes.push(batch.num_rows());
            }
            files.push((path.to_string(), sizes));
        }
        files
    }

    fn keyed_batches() -> Vec<RecordBatch> {
        use datafusion::arrow::array::{Int32Array, StringArray};
        use datafusion::arrow::datatypes::{Field, Schema};
        let schema = Arc::new(Schema::new(vec![
            Field::new("v", DataType::Int32, false),
            Field::new("k", DataType::Utf8, true),
        ]));
        (0..10)
            .map(|b| {
                let keys: Vec<Option<&str>> = (0..50)
                    .map(|i| match (b * 50 + i) % 3 {
                        0 => Some("a"),
                        1 => Some("b/c"),
                        _ => None,
                    })
                    .collect();
                RecordBatch::try_new(
                    schema.clone(),
                    vec![
                        Arc::new(Int32Array::from_iter_values(b * 50..b * 50 + 50)),
                        Arc::new(StringArray::from(keys)),
                    ],
                )
                .unwrap()
            })
            .collect()
    }

    #[test]
    fn partitions_get_full_batches_within_the_budget() {
        let files = split_all(keyed_batches(), 1 << 30);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "out/k=a/f.parquet",
                "out/k=b%2Fc/f.parquet",
                "out/k=__HIVE_DEFAULT_PARTITION__/f.parquet"
            ]
        );
        // 500 rows, 167/167/166 per key: 100-row batches, the rest at the end.
        for (_, sizes) in &files {
            assert_eq!(sizes[0], 100);
            assert_eq!(sizes.len(), 2);
        }
        let total: usize = files.iter().flat_map(|(_, s)| s).sum();
        assert_eq!(total, 500);
    }

    #[test]
    fn over_budget_partitions_are_handed_over_early() {
        let files = split_all(keyed_batches(), 1);
        let total: usize = files.iter().flat_map(|(_, s)| s).sum();
        assert_eq!(total, 500);
        for (path, sizes) in &files {
            assert!(
                sizes.iter().all(|&n| n < 100),
                "{path} waited for a full batch over budget: {sizes:?}"
            );
        }
    }
}

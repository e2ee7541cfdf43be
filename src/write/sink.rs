//! The physical plan that writes: DataFusion's `DataSinkExec` over a file sink for the
//! output format. Partitioned output is split by lakesql's demultiplexer
//! ([`super::demux`]: one open file per partition value, rows handed to it in row-group
//! sized batches, memory bounded by a budget, not by the rows). Parquet and JSON use
//! DataFusion's sinks; delimited text and Avro use lakesql's ([`super::text`],
//! [`super::avro`]) on the same file-sink plumbing.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::config::TableParquetOptions;
use datafusion::common::file_options::json_writer::JsonWriterOptions;
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::datasource::file_format::json::JsonSink;
use datafusion::datasource::file_format::parquet::ParquetSink;
use datafusion::datasource::listing::ListingTableUrl;
use datafusion::datasource::physical_plan::{FileGroup, FileOutputMode, FileSinkConfig};
use datafusion::datasource::sink::{DataSink, DataSinkExec};
use datafusion::logical_expr::dml::InsertOp;
use datafusion::physical_plan::coalesce_partitions::CoalescePartitionsExec;
use datafusion::physical_plan::{ExecutionPlan, ExecutionPlanProperties};
use datafusion_datasource::file_sink_config::FileSink;
use object_store::path::Path;

use super::demux::PartitionedSink;
use super::format::{Compression, OutputFormat};
use super::progress::{Progress, ProgressSink};
use crate::error::{LakeError, Result};

/// A plan writing `input`'s rows under `folder` (a URL with a trailing `/`) in `format`;
/// the last `partition_keys.len()` columns of `input` are the partition values (strings)
/// and become `key=value/` folders instead of file columns. Executing it yields the
/// number of rows written; the [`RowCounts`] then tell the rows of each file.
pub fn write_plan(
    input: Arc<dyn ExecutionPlan>,
    folder: &str,
    partition_keys: &[String],
    format: &OutputFormat,
    compression: Compression,
    parquet_defaults: &TableParquetOptions,
    progress: Option<Progress>,
) -> Result<(Arc<dyn ExecutionPlan>, RowCounts)> {
    let table_path = ListingTableUrl::parse(folder)?;
    let config = FileSinkConfig {
        original_url: folder.to_string(),
        object_store_url: table_path.object_store(),
        file_group: FileGroup::default(),
        table_paths: vec![table_path],
        output_schema: input.schema(),
        table_partition_cols: partition_keys
            .iter()
            .map(|k| {
                let field = input.schema().field_with_name(k).cloned();
                let data_type = field.map(|f| f.data_type().clone());
                (k.clone(), data_type.unwrap_or(DataType::Utf8))
            })
            .collect(),
        insert_op: InsertOp::Append,
        keep_partition_by_columns: false,
        file_extension: format.file_extension(compression),
        file_output_mode: FileOutputMode::Directory,
    };
    let mut counts = RowCounts { parquet: None };
    let sink: Arc<dyn FileSink> = match format {
        OutputFormat::Parquet => {
            let mut options = parquet_defaults.clone();
            options.global.compression = Some(parquet_codec(compression)?.to_string());
            let sink = Arc::new(ParquetSink::new(config, options));
            counts.parquet = Some(sink.clone());
            sink
        }
        OutputFormat::Json => Arc::new(JsonSink::new(
            config,
            JsonWriterOptions::new(stream_codec(compression)?),
        )),
        OutputFormat::Text(layout) => Arc::new(super::text::TextSink::new(
            config,
            layout.clone(),
            stream_codec(compression)?,
        )),
        OutputFormat::Avro => Arc::new(super::avro::AvroSink::new(config, compression)),
    };
    let sink: Arc<dyn DataSink> = if partition_keys.is_empty() {
        sink
    } else {
        Arc::new(PartitionedSink::new(
            sink,
            partition_keys.to_vec(),
            parquet_defaults.global.max_row_group_size,
            PARTITIONED_BUDGET,
        ))
    };
    let sink = match progress {
        Some(progress) => Arc::new(ProgressSink::new(sink, progress)),
        None => sink,
    };
    // The sink reads one input partition: merge them (they still run in parallel).
    let input: Arc<dyn ExecutionPlan> = if input.output_partitioning().partition_count() > 1 {
        Arc::new(CoalescePartitionsExec::new(input))
    } else {
        input
    };
    Ok((Arc::new(DataSinkExec::new(input, sink, None)), counts))
}

/// The rows of each file a write plan wrote, where its format's writer reports them.
pub struct RowCounts {
    parquet: Option<Arc<ParquetSink>>,
}

impl RowCounts {
    /// Rows by the path each file was written to (Parquet's footers; empty for other
    /// formats, whose writers do not count per file).
    pub fn by_file(&self) -> HashMap<Path, u64> {
        let Some(sink) = &self.parquet else {
            return HashMap::new();
        };
        sink.written()
            .into_iter()
            .filter_map(|(path, meta)| {
                let rows = u64::try_from(meta.file_metadata().num_rows()).ok()?;
                Some((path, rows))
            })
            .collect()
    }
}

/// Rows a partitioned write collects for its partitions before handing them to the file
/// writers early (see [`PartitionedSink`]), in bytes of Arrow memory.
const PARTITIONED_BUDGET: usize = 256 << 20;

fn parquet_codec(compression: Compression) -> Result<&'static str> {
    Ok(match compression {
        Compression::None => "uncompressed",
        Compression::Snappy => "snappy",
        Compression::Gzip => "gzip(6)",
        Compression::Zstd => "zstd(3)",
        Compression::Lz4 => "lz4_raw",
        other => return Err(codec_error(other, "Parquet")),
    })
}

/// The whole-file codec of text and JSON output.
fn stream_codec(compression: Compression) -> Result<CompressionTypeVariant> {
    Ok(match compression {
        Compression::None => CompressionTypeVariant::UNCOMPRESSED,
        Compression::Gzip => CompressionTypeVariant::GZIP,
        Compression::Zstd => CompressionTypeVariant::ZSTD,
        Compression::Bzip2 => CompressionTypeVariant::BZIP2,
        other => return Err(codec_error(other, "text")),
    })
}

fn codec_error(compression: Compression, format: &str) -> LakeError {
    LakeError::internal(format!(
        "{} reached the {format} writer, which cannot use it",
        compression.name()
    ))
}

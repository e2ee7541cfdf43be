//! Delimited text as Hive writes it: LazySimpleSerDe (`\N` for NULL, no quoting, an
//! optional escape character) or OpenCSVSerde (every field quoted). Timestamps are
//! written `yyyy-MM-dd HH:mm:ss.SSS` and dates `yyyy-MM-dd`, as Athena writes them.
//!
//! A LazySimpleSerDe table without an escape character cannot hold a value containing
//! its delimiter or a line break: Hive would write it and read back different rows, so
//! lakesql refuses the write, naming the column.

use std::fmt::Write as _;
use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::common::parsers::CompressionTypeVariant;
use datafusion::common::runtime::SpawnedTask;
use datafusion::datasource::physical_plan::{FileSink, FileSinkConfig};
use datafusion::datasource::sink::DataSink;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType};
use datafusion_datasource::write::BatchSerializer;
use datafusion_datasource::write::demux::DemuxedStreamReceiver;
use datafusion_datasource::write::orchestration::spawn_writer_tasks_and_join;
use object_store::ObjectStore;

use super::format::TextLayout;

/// Writes delimited text files.
#[derive(Debug)]
pub struct TextSink {
    config: FileSinkConfig,
    layout: TextLayout,
    compression: CompressionTypeVariant,
}

impl TextSink {
    /// A sink for `config` laying rows out as `layout`.
    pub fn new(
        config: FileSinkConfig,
        layout: TextLayout,
        compression: CompressionTypeVariant,
    ) -> Self {
        TextSink {
            config,
            layout,
            compression,
        }
    }
}

impl DisplayAs for TextSink {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "TextSink(delimiter={:?})",
            char::from(self.layout.delimiter)
        )
    }
}

#[async_trait]
impl FileSink for TextSink {
    fn config(&self) -> &FileSinkConfig {
        &self.config
    }

    async fn spawn_writer_tasks_and_join(
        &self,
        context: &Arc<TaskContext>,
        demux_task: SpawnedTask<DfResult<()>>,
        file_stream_rx: DemuxedStreamReceiver,
        object_store: Arc<dyn ObjectStore>,
    ) -> DfResult<u64> {
        let serializer = Arc::new(TextSerializer {
            layout: self.layout.clone(),
        });
        spawn_writer_tasks_and_join(
            context,
            serializer,
            self.compression.into(),
            None,
            object_store,
            demux_task,
            file_stream_rx,
        )
        .await
    }
}

#[async_trait]
impl DataSink for TextSink {
    fn schema(&self) -> &SchemaRef {
        self.config.output_schema()
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        context: &Arc<TaskContext>,
    ) -> DfResult<u64> {
        FileSink::write_all(self, data, context).await
    }
}

/// Turns batches into lines.
struct TextSerializer {
    layout: TextLayout,
}

impl BatchSerializer for TextSerializer {
    fn serialize(&self, batch: RecordBatch, initial: bool) -> DfResult<Bytes> {
        let mut out = String::new();
        if initial {
            self.header(&batch, &mut out);
        }
        let options = FormatOptions::new()
            .with_null(&self.layout.null)
            .with_date_format(Some("%Y-%m-%d"))
            .with_datetime_format(Some("%Y-%m-%d %H:%M:%S%.3f"))
            .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.3f"));
        let formatters = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        let schema = batch.schema();
        let mut value = String::new();
        for row in 0..batch.num_rows() {
            for (i, formatter) in formatters.iter().enumerate() {
                if i > 0 {
                    out.push(char::from(self.layout.delimiter));
                }
                value.clear();
                write!(value, "{}", formatter.value(row))
                    .map_err(|e| DataFusionError::External(Box::new(e)))?;
                let is_null = batch.column(i).is_null(row);
                self.push_field(&value, is_null, schema.field(i).name(), &mut out)?;
            }
            out.push('\n');
        }
        Ok(Bytes::from(out))
    }
}

impl TextSerializer {
    /// The header lines a table with `skip.header.line.count` skips: the column names,
    /// then empty lines.
    fn header(&self, batch: &RecordBatch, out: &mut String) {
        if self.layout.header_lines == 0 {
            return;
        }
        let names: Vec<&str> = batch
            .schema_ref()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        out.push_str(&names.join(&char::from(self.layout.delimiter).to_string()));
        out.push('\n');
        for _ in 1..self.layout.header_lines {
            out.push('\n');
        }
    }

    fn push_field(
        &self,
        value: &str,
        is_null: bool,
        column: &str,
        out: &mut String,
    ) -> DfResult<()> {
        let delimiter = char::from(self.layout.delimiter);
        if let Some(quote) = self.layout.quote.map(char::from) {
            if is_null {
                return Ok(());
            }
            let escape = self.layout.escape.map(char::from).unwrap_or(quote);
            out.push(quote);
            for c in value.chars() {
                if c == quote || (c == escape && escape != quote) {
                    out.push(escape);
                }
                out.push(c);
            }
            out.push(quote);
            return Ok(());
        }
        if is_null {
            out.push_str(value);
            return Ok(());
        }
        match self.layout.escape.map(char::from) {
            Some(escape) => {
                for c in value.chars() {
                    if c == delimiter || c == escape || c == '\n' || c == '\r' {
                        out.push(escape);
                    }
                    out.push(c);
                }
            }
            None => {
                if value.contains([delimiter, '\n', '\r']) {
                    return Err(DataFusionError::Execution(format!(
                        "column '{column}': the value {value:?} contains the field delimiter or a \
                         line break, which delimited text without an escape character cannot \
                         hold; write the table as PARQUET or JSON, or set escape.delim"
                    )));
                }
                out.push_str(value);
            }
        }
        Ok(())
    }
}

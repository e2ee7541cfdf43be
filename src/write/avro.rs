//! Avro container files, written with arrow-avro's writer. DataFusion has no Avro sink;
//! this one takes the demultiplexer's per-file batch streams like DataFusion's sinks do
//! and streams each file to the object store block by block.

use std::io::Write;
use std::sync::{Arc, Mutex};

use arrow_avro::compression::CompressionCodec;
use arrow_avro::writer::AvroWriter;
use arrow_avro::writer::WriterBuilder;
use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::common::runtime::SpawnedTask;
use datafusion::datasource::physical_plan::{FileSink, FileSinkConfig};
use datafusion::datasource::sink::DataSink;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::{DisplayAs, DisplayFormatType};
use datafusion_datasource::write::demux::DemuxedStreamReceiver;
use object_store::ObjectStore;
use object_store::buffered::BufWriter;
use object_store::path::Path;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinSet;

use super::format::Compression;

/// Writes Avro container files.
#[derive(Debug)]
pub struct AvroSink {
    config: FileSinkConfig,
    compression: Compression,
}

impl AvroSink {
    /// A sink for `config` with block codec `compression`.
    pub fn new(config: FileSinkConfig, compression: Compression) -> Self {
        AvroSink {
            config,
            compression,
        }
    }

    fn codec(&self) -> Option<CompressionCodec> {
        match self.compression {
            Compression::None => None,
            Compression::Snappy => Some(CompressionCodec::Snappy),
            Compression::Zstd => Some(CompressionCodec::ZStandard),
            Compression::Bzip2 => Some(CompressionCodec::Bzip2),
            Compression::Gzip | Compression::Deflate | Compression::Lz4 => {
                Some(CompressionCodec::Deflate)
            }
        }
    }
}

impl DisplayAs for AvroSink {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "AvroSink({})", self.compression.name())
    }
}

#[async_trait]
impl FileSink for AvroSink {
    fn config(&self) -> &FileSinkConfig {
        &self.config
    }

    async fn spawn_writer_tasks_and_join(
        &self,
        _context: &Arc<TaskContext>,
        demux_task: SpawnedTask<DfResult<()>>,
        mut file_stream_rx: DemuxedStreamReceiver,
        object_store: Arc<dyn ObjectStore>,
    ) -> DfResult<u64> {
        let mut writers = JoinSet::new();
        while let Some((path, batches)) = file_stream_rx.recv().await {
            let store = object_store.clone();
            let codec = self.codec();
            writers.spawn(write_file(store, path, batches, codec));
        }
        let mut rows = 0;
        while let Some(result) = writers.join_next().await {
            rows += result.map_err(|e| DataFusionError::External(Box::new(e)))??;
        }
        demux_task
            .join_unwind()
            .await
            .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??;
        Ok(rows)
    }
}

#[async_trait]
impl DataSink for AvroSink {
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

/// A `Write` whose bytes are taken out after each block and sent on asynchronously.
#[derive(Clone, Default)]
struct Pending(Arc<Mutex<Vec<u8>>>);

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned buffer"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Pending {
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .map(|mut b| std::mem::take(&mut *b))
            .unwrap_or_default()
    }
}

/// Writes one file: a header, then one block per batch, each uploaded as it is made.
async fn write_file(
    store: Arc<dyn ObjectStore>,
    path: Path,
    mut batches: Receiver<datafusion::arrow::array::RecordBatch>,
    codec: Option<CompressionCodec>,
) -> DfResult<u64> {
    let mut upload = BufWriter::new(store, path);
    let pending = Pending::default();
    let mut writer: Option<AvroWriter<Pending>> = None;
    let mut rows = 0u64;
    while let Some(batch) = batches.recv().await {
        let avro = match writer.as_mut() {
            Some(w) => w,
            None => writer.insert(
                WriterBuilder::new(batch.schema().as_ref().clone())
                    .with_compression(codec)
                    .build(pending.clone())
                    .map_err(|e| DataFusionError::External(Box::new(e)))?,
            ),
        };
        rows += batch.num_rows() as u64;
        avro.write(&batch)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        upload.write_all(&pending.take()).await?;
    }
    if let Some(mut w) = writer {
        w.finish()
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
    }
    upload.write_all(&pending.take()).await?;
    upload.shutdown().await?;
    Ok(rows)
}

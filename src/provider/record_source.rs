//! A DataFusion file source for the tables lakesql decodes itself ([`crate::serdes`]):
//! each file is fetched once, decompressed as a stream, divided into records and decoded
//! in batches. Files are not split by byte range (records need their file's framing:
//! header and footer lines, CloudTrail documents).

use std::fmt;
use std::io::{Cursor, Read};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::{
    FileOpenFuture, FileOpener, FileScanConfig, FileSource,
};
use datafusion::datasource::projection::{ProjectionOpener, SplitProjection};
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::physical_plan::{DisplayFormatType, PhysicalExpr};
use futures::StreamExt;
use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt};

use crate::catalog::storage_format::{Framing, RecordOptions, RecordSerde};
use crate::error::Result;
use crate::serdes::{Record, RowDecoder, framing};
use crate::storage::files::text_compression;

/// Reads a table's files through its SerDe.
#[derive(Clone)]
pub struct RecordSource {
    options: Arc<RecordOptions>,
    table_schema: TableSchema,
    projection: SplitProjection,
    batch_size: usize,
    metrics: ExecutionPlanMetricsSet,
}

impl RecordSource {
    /// A source reading `table_schema`'s files as `options` says.
    pub fn new(table_schema: TableSchema, options: RecordOptions) -> Self {
        RecordSource {
            options: Arc::new(options),
            projection: SplitProjection::unprojected(&table_schema),
            table_schema,
            batch_size: 8192,
            metrics: ExecutionPlanMetricsSet::new(),
        }
    }
}

impl FileSource for RecordSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        _partition: usize,
    ) -> DfResult<Arc<dyn FileOpener>> {
        let opener = Arc::new(RecordOpener {
            options: self.options.clone(),
            columns: self.table_schema.file_schema().clone(),
            file_indices: self.projection.file_indices.clone(),
            batch_size: self.batch_size,
            store: object_store,
            store_url: base_config.object_store_url.clone(),
        });
        ProjectionOpener::try_new(
            self.projection.clone(),
            opener,
            self.table_schema.file_schema(),
        )
    }

    fn table_schema(&self) -> &TableSchema {
        &self.table_schema
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        let mut source = self.clone();
        source.batch_size = batch_size;
        Arc::new(source)
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> DfResult<Option<Arc<dyn FileSource>>> {
        let mut source = self.clone();
        let merged = self.projection.source.try_merge(projection)?;
        source.projection = SplitProjection::new(self.table_schema.file_schema(), &merged);
        Ok(Some(Arc::new(source)))
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        Some(&self.projection.source)
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        &self.metrics
    }

    fn file_type(&self) -> &str {
        match (&self.options.framing, &self.options.serde) {
            (Framing::CloudTrail, _) => "cloudtrail",
            (_, RecordSerde::Json(_)) => "json",
            (_, RecordSerde::Regex(_)) => "regex",
            (_, RecordSerde::Delimited(_)) => "text",
        }
    }

    fn fmt_extra(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        if let Framing::Lines {
            skip_header,
            skip_footer,
        } = self.options.framing
            && skip_header + skip_footer > 0
        {
            write!(f, ", skip_header={skip_header}, skip_footer={skip_footer}")?;
        }
        Ok(())
    }

    fn supports_repartitioning(&self) -> bool {
        false
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        datafusion::physical_plan::apply_expression_roots(self.projection.source.iter(), f)
    }
}

/// Opens one file: fetch, decompress, frame, decode.
struct RecordOpener {
    options: Arc<RecordOptions>,
    columns: SchemaRef,
    file_indices: Vec<usize>,
    batch_size: usize,
    store: Arc<dyn ObjectStore>,
    store_url: ObjectStoreUrl,
}

impl FileOpener for RecordOpener {
    fn open(&self, file: PartitionedFile) -> DfResult<FileOpenFuture> {
        let options = self.options.clone();
        let columns = self.columns.clone();
        let indices = self.file_indices.clone();
        let batch_size = self.batch_size.max(1);
        let store = self.store.clone();
        let name = format!(
            "{}{}",
            self.store_url.as_str(),
            file.object_meta.location.as_ref()
        );
        Ok(Box::pin(async move {
            let location = &file.object_meta.location;
            let compression = text_compression(location.as_ref())?;
            let result = store.get(location).await?;
            let raw: Box<dyn Read + Send> = match result.payload {
                GetResultPayload::File(f, _) => Box::new(f),
                GetResultPayload::Stream(_) => Box::new(Cursor::new(result.bytes().await?)),
            };
            let reader = compression.convert_read(raw)?;
            let decoder = RowDecoder::try_new(&options.serde, &columns, &indices)?;
            let records =
                framing::records(reader, &options.framing, &name, decoder.reads_blank_lines())?;
            let batches = Batches {
                records,
                decoder,
                batch_size,
                file: name,
                done: false,
            };
            Ok(futures::stream::iter(batches).boxed())
        }))
    }
}

/// The batches of one file.
struct Batches {
    records: Box<dyn Iterator<Item = Result<Record>> + Send>,
    decoder: RowDecoder,
    batch_size: usize,
    file: String,
    done: bool,
}

impl Batches {
    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let mut chunk = Vec::with_capacity(self.batch_size.min(1024));
        while chunk.len() < self.batch_size {
            match self.records.next() {
                Some(record) => chunk.push(record?),
                None => {
                    self.done = true;
                    break;
                }
            }
        }
        if chunk.is_empty() {
            return Ok(None);
        }
        self.decoder.decode(&chunk, &self.file).map(Some)
    }
}

impl Iterator for Batches {
    type Item = DfResult<RecordBatch>;

    fn next(&mut self) -> Option<DfResult<RecordBatch>> {
        if self.done {
            return None;
        }
        self.next_batch().map_err(DataFusionError::from).transpose()
    }
}

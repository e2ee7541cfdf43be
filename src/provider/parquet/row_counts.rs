//! Rows of Parquet files counted from their footers: the scan of a query that needs no
//! column of the files (`count(*)`, or only partition and pseudo-columns).
//!
//! A Parquet footer holds the file's row count. DataFusion's Parquet scan opens every
//! file with its full machinery even when no column is read (a file opener, per-file
//! metrics kept until the query ends, a row-group plan), which over 20,000 small files
//! costs seconds and hundreds of MiB. [`ParquetRowCountExec`] instead reads each footer
//! through lakesql's reader (one GET per small file, the footer suffix of a large one,
//! the session's footer cache), a bounded number at a time, and emits batches with that
//! many rows and the file's partition values.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::{RecordBatch, RecordBatchOptions};
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::ParquetFileReaderFactory;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::TaskContext;
use datafusion::physical_expr::{EquivalenceProperties, PhysicalExpr};
use datafusion::physical_plan::execution_plan::{Boundedness, EmissionType};
use datafusion::physical_plan::metrics::{ExecutionPlanMetricsSet, MetricsSet};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, ExecutionPlan, Partitioning, PlanProperties,
    SendableRecordBatchStream,
};
use futures::{StreamExt, TryStreamExt};

use super::LakeParquetReaderFactory;

/// Footers read at once: enough to keep S3 busy, few enough that the footers in flight
/// stay small.
const CONCURRENT_FOOTERS: usize = 16;

/// Emits, for each file, as many rows as its footer says, with only partition (and
/// pseudo) columns.
pub struct ParquetRowCountExec {
    files: Vec<PartitionedFile>,
    factory: Arc<LakeParquetReaderFactory>,
    /// The output columns, each an index into the files' partition values.
    columns: Vec<usize>,
    schema: SchemaRef,
    metrics: ExecutionPlanMetricsSet,
    properties: Arc<PlanProperties>,
}

impl fmt::Debug for ParquetRowCountExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ParquetRowCountExec")
            .field("files", &self.files.len())
            .finish_non_exhaustive()
    }
}

impl ParquetRowCountExec {
    /// Counts the rows of `files`; the output has `schema`, whose column `i` is the
    /// files' partition value `columns[i]`.
    pub fn new(
        files: Vec<PartitionedFile>,
        factory: Arc<LakeParquetReaderFactory>,
        columns: Vec<usize>,
        schema: SchemaRef,
    ) -> Self {
        let properties = PlanProperties::new(
            EquivalenceProperties::new(schema.clone()),
            Partitioning::UnknownPartitioning(1),
            EmissionType::Incremental,
            Boundedness::Bounded,
        );
        ParquetRowCountExec {
            files,
            factory,
            columns,
            schema,
            metrics: ExecutionPlanMetricsSet::new(),
            properties: Arc::new(properties),
        }
    }

    /// The rows of one file as batches of at most `batch_size` rows.
    async fn file_batches(
        factory: Arc<LakeParquetReaderFactory>,
        metrics: ExecutionPlanMetricsSet,
        file: PartitionedFile,
        columns: Arc<Vec<usize>>,
        schema: SchemaRef,
        batch_size: usize,
    ) -> DfResult<Vec<RecordBatch>> {
        let values = file.partition_values.clone();
        let mut reader = factory.create_reader(0, file, None, &metrics)?;
        let metadata = reader.get_metadata(None).await?;
        let mut rows = usize::try_from(metadata.file_metadata().num_rows()).map_err(|_| {
            DataFusionError::Execution("a Parquet footer gives a negative row count".into())
        })?;
        let mut batches = Vec::new();
        while rows > 0 {
            let n = rows.min(batch_size.max(1));
            let arrays = columns
                .iter()
                .map(|&c| {
                    let value = values.get(c).ok_or_else(|| {
                        DataFusionError::Internal(format!("no partition value {c}"))
                    })?;
                    value.to_array_of_size(n)
                })
                .collect::<DfResult<Vec<ArrayRef>>>()?;
            let options = RecordBatchOptions::new().with_row_count(Some(n));
            batches.push(RecordBatch::try_new_with_options(
                schema.clone(),
                arrays,
                &options,
            )?);
            rows -= n;
        }
        Ok(batches)
    }
}

impl DisplayAs for ParquetRowCountExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ParquetRowCountExec: files={} (row counts from footers)",
            self.files.len()
        )
    }
}

impl ExecutionPlan for ParquetRowCountExec {
    fn name(&self) -> &str {
        "ParquetRowCountExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![]
    }

    fn apply_expressions(
        &self,
        _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> DfResult<TreeNodeRecursion>,
    ) -> DfResult<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        _children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        Ok(self)
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> DfResult<SendableRecordBatchStream> {
        if partition != 0 {
            return Err(DataFusionError::Internal(format!(
                "ParquetRowCountExec has one partition, not {partition}"
            )));
        }
        let batch_size = context.session_config().batch_size();
        let columns = Arc::new(self.columns.clone());
        let (factory, metrics, schema) = (
            self.factory.clone(),
            self.metrics.clone(),
            self.schema.clone(),
        );
        let batches = futures::stream::iter(self.files.clone())
            .map(move |file| {
                Self::file_batches(
                    factory.clone(),
                    metrics.clone(),
                    file,
                    columns.clone(),
                    schema.clone(),
                    batch_size,
                )
            })
            .buffered(CONCURRENT_FOOTERS)
            .map_ok(|batches| futures::stream::iter(batches.into_iter().map(Ok)))
            .try_flatten();
        Ok(Box::pin(RecordBatchStreamAdapter::new(
            self.schema.clone(),
            batches,
        )))
    }

    fn metrics(&self) -> Option<MetricsSet> {
        Some(self.metrics.clone_inner())
    }
}

//! Scans whose files are checked on the way in, for what DataFusion's readers do not
//! check themselves:
//!
//! - Avro ([`avro`]): arrow-avro decodes whatever blocks it can, so a file cut inside
//!   its last block reads as fewer rows, and sync markers are never compared;
//! - compressed delimited text ([`lines`]): a file that expands to gigabytes without a
//!   line break would be buffered whole by the CSV decoder.
//!
//! The scan stays DataFusion's own, with one change: its files are fetched through a
//! [`store::CheckedStore`], which applies the check to each whole-file read, on the
//! bytes the decoder then uses (no second read), so a damaged or hostile file fails the
//! query with `HIVE_BAD_DATA` naming it instead of losing rows or memory.

pub mod avro;
pub mod avro_container;
pub mod lines;
pub mod store;

use std::fmt::Formatter;
use std::sync::Arc;

use datafusion::common::Result;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::physical_plan::{FileOpener, FileScanConfig, FileSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_plan::DisplayFormatType;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use object_store::ObjectStore;

use crate::catalog::storage_format::DataFormat;
use store::{CheckedStore, WholeFileCheck};

/// `plan` (a format's file scan) reading through the check `format` needs: Avro files
/// are checked whole; compressed text is decompressed with its lines capped (the scan
/// then reads plain text). Other scans are returned as they are.
pub fn checked_scan(plan: Arc<dyn ExecutionPlan>, format: &DataFormat) -> Arc<dyn ExecutionPlan> {
    let Some(mut config) = plan
        .downcast_ref::<DataSourceExec>()
        .and_then(|exec| exec.data_source().downcast_ref::<FileScanConfig>())
        .cloned()
    else {
        return plan;
    };
    let check: Arc<dyn WholeFileCheck> = match format {
        DataFormat::Avro => Arc::new(avro::AvroCheck),
        DataFormat::Text(_) if config.file_compression_type.is_compressed() => {
            let check = lines::LineCap::new(config.file_compression_type);
            config.file_compression_type = FileCompressionType::UNCOMPRESSED;
            Arc::new(check)
        }
        _ => return plan,
    };
    config.file_source = CheckedSource::wrap(config.file_source.clone(), check);
    DataSourceExec::from_data_source(config)
}

/// A file source that reads through a [`CheckedStore`]; everything else is the wrapped
/// (DataFusion) source's. It never splits a file into byte ranges: a check needs the
/// whole file.
#[derive(Clone)]
pub struct CheckedSource {
    inner: Arc<dyn FileSource>,
    check: Arc<dyn WholeFileCheck>,
}

impl CheckedSource {
    /// Wraps `inner`, applying `check` to every file it reads.
    pub fn wrap(inner: Arc<dyn FileSource>, check: Arc<dyn WholeFileCheck>) -> Arc<dyn FileSource> {
        Arc::new(CheckedSource { inner, check })
    }

    fn rewrap(&self, inner: Arc<dyn FileSource>) -> Arc<dyn FileSource> {
        CheckedSource::wrap(inner, self.check.clone())
    }
}

impl FileSource for CheckedSource {
    fn create_file_opener(
        &self,
        object_store: Arc<dyn ObjectStore>,
        base_config: &FileScanConfig,
        partition: usize,
    ) -> Result<Arc<dyn FileOpener>> {
        let checked = CheckedStore::new(
            object_store,
            base_config.object_store_url.clone(),
            self.check.clone(),
        );
        self.inner
            .create_file_opener(Arc::new(checked), base_config, partition)
    }

    fn table_schema(&self) -> &TableSchema {
        self.inner.table_schema()
    }

    fn with_batch_size(&self, batch_size: usize) -> Arc<dyn FileSource> {
        self.rewrap(self.inner.with_batch_size(batch_size))
    }

    fn filter(&self) -> Option<Arc<dyn PhysicalExpr>> {
        self.inner.filter()
    }

    fn projection(&self) -> Option<&ProjectionExprs> {
        self.inner.projection()
    }

    fn metrics(&self) -> &ExecutionPlanMetricsSet {
        self.inner.metrics()
    }

    fn file_type(&self) -> &str {
        self.inner.file_type()
    }

    fn fmt_extra(&self, t: DisplayFormatType, f: &mut Formatter) -> std::fmt::Result {
        self.inner.fmt_extra(t, f)
    }

    fn supports_repartitioning(&self) -> bool {
        false
    }

    fn try_pushdown_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn FileSource>>> {
        Ok(self
            .inner
            .try_pushdown_projection(projection)?
            .map(|inner| self.rewrap(inner)))
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        self.inner.apply_expressions(f)
    }
}

//! Progress of a long write: a sink wrapper counting the rows that pass into the file
//! sink and reporting them at most twice a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::sink::DataSink;
use datafusion::error::Result as DfResult;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayAs, DisplayFormatType};
use futures::StreamExt;

/// Receives progress text; an empty message clears it.
pub type Progress = Arc<dyn Fn(&str) + Send + Sync>;

/// A sink that reports the rows flowing into `inner`.
pub struct ProgressSink {
    inner: Arc<dyn DataSink>,
    progress: Progress,
}

impl ProgressSink {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn DataSink>, progress: Progress) -> Self {
        ProgressSink { inner, progress }
    }
}

impl std::fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgressSink")
            .field("inner", &self.inner)
            .finish()
    }
}

impl DisplayAs for ProgressSink {
    fn fmt_as(&self, t: DisplayFormatType, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        self.inner.fmt_as(t, f)
    }
}

#[async_trait]
impl DataSink for ProgressSink {
    fn schema(&self) -> &SchemaRef {
        self.inner.schema()
    }

    async fn write_all(
        &self,
        data: SendableRecordBatchStream,
        context: &Arc<TaskContext>,
    ) -> DfResult<u64> {
        let schema = data.schema();
        let rows = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let last = std::sync::Mutex::new(started);
        let progress = self.progress.clone();
        let counted = data.inspect(move |batch| {
            let Ok(batch) = batch else { return };
            let total = rows.fetch_add(batch.num_rows() as u64, Ordering::Relaxed)
                + batch.num_rows() as u64;
            if let Ok(mut last) = last.lock()
                && last.elapsed() >= Duration::from_millis(500)
            {
                *last = Instant::now();
                progress(&format!("writing: {total} rows"));
            }
        });
        let stream = Box::pin(RecordBatchStreamAdapter::new(schema, counted));
        let result = self.inner.write_all(stream, context).await;
        (self.progress)("");
        result
    }
}

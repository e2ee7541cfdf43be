//! `last_query_stats()` and `last_query_scans()`: what the previous statement of the
//! session read, queryable with SQL.
//!
//! The stderr statistics line is for people; these table functions let scripts and tests
//! assert on the same counts (a test fails if a query lists a partition its filter
//! excludes).

use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{ArrayRef, BooleanArray, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{TableFunctionArgs, TableFunctionImpl};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::error::{DataFusionError, Result as DfResult};

use super::StatementStats;
use crate::provider::scan_stats::ScanReport;

/// The previous statement's statistics and scans, shared with the table functions.
pub type LastQuery = Arc<Mutex<(StatementStats, Vec<ScanReport>)>>;

fn table(columns: Vec<(&str, ArrayRef)>) -> DfResult<Arc<dyn TableProvider>> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )?;
    Ok(Arc::new(MemTable::try_new(schema, vec![vec![batch]])?))
}

fn no_arguments(name: &str, args: &TableFunctionArgs) -> DfResult<()> {
    if args.exprs().is_empty() {
        Ok(())
    } else {
        Err(DataFusionError::Plan(format!(
            "{name}() takes no arguments"
        )))
    }
}

fn u64s(values: impl IntoIterator<Item = u64>) -> ArrayRef {
    Arc::new(UInt64Array::from_iter_values(values))
}

/// `last_query_stats()`: one row with the previous statement's statistics.
#[derive(Debug)]
pub struct LastQueryStats(pub LastQuery);

impl TableFunctionImpl for LastQueryStats {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        no_arguments("last_query_stats", &args)?;
        let (s, _) = self.0.lock().map(|l| l.clone()).unwrap_or_default();
        table(vec![
            (
                "statement",
                Arc::new(StringArray::from(vec![s.statement])) as ArrayRef,
            ),
            ("rows", u64s([s.rows])),
            ("bytes_scanned", u64s([s.bytes_scanned])),
            ("files", u64s([s.files])),
            (
                "files_skipped_by_statistics",
                u64s([s.files_skipped_by_statistics]),
            ),
            (
                "answered_from_statistics",
                Arc::new(BooleanArray::from(vec![s.answered_from_statistics])) as ArrayRef,
            ),
            ("partitions_total", u64s([s.partitions_total])),
            ("partitions_matched", u64s([s.partitions_matched])),
            ("list_requests", u64s([s.list_requests])),
            ("get_requests", u64s([s.get_requests])),
            ("head_requests", u64s([s.head_requests])),
            ("rows_written", u64s([s.rows_written])),
            ("bytes_written", u64s([s.bytes_written])),
            ("files_written", u64s([s.files_written])),
            ("partitions_added", u64s([s.partitions_added])),
        ])
    }
}

/// `last_query_scans()`: one row per lake table scan of the previous statement.
#[derive(Debug)]
pub struct LastQueryScans(pub LastQuery);

impl TableFunctionImpl for LastQueryScans {
    fn call_with_args(&self, args: TableFunctionArgs) -> DfResult<Arc<dyn TableProvider>> {
        no_arguments("last_query_scans", &args)?;
        let (_, scans) = self.0.lock().map(|l| l.clone()).unwrap_or_default();
        let text = |f: fn(&ScanReport) -> Option<String>| -> ArrayRef {
            Arc::new(StringArray::from(scans.iter().map(f).collect::<Vec<_>>()))
        };
        table(vec![
            ("table_name", text(|r| Some(r.table.clone()))),
            ("partition_filter", text(|r| r.partition_filter.clone())),
            (
                "partitions_total",
                u64s(scans.iter().map(|r| r.partitions_total)),
            ),
            (
                "partitions_matched",
                u64s(scans.iter().map(|r| r.partitions_matched)),
            ),
            (
                "locations_listed",
                u64s(scans.iter().map(|r| r.locations_listed)),
            ),
            ("files", u64s(scans.iter().map(|r| r.files))),
            (
                "files_skipped_by_statistics",
                u64s(scans.iter().map(|r| r.files_skipped_by_statistics)),
            ),
            (
                "answered_from_statistics",
                Arc::new(BooleanArray::from(
                    scans
                        .iter()
                        .map(|r| r.answered_from_statistics)
                        .collect::<Vec<_>>(),
                )) as ArrayRef,
            ),
        ])
    }
}

/// Registers `last_query_stats()` and `last_query_scans()` on `ctx`.
pub fn register(ctx: &datafusion::execution::context::SessionContext, last: &LastQuery) {
    ctx.register_udtf("last_query_stats", Arc::new(LastQueryStats(last.clone())));
    ctx.register_udtf("last_query_scans", Arc::new(LastQueryScans(last.clone())));
}

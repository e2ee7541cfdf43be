//! EXPLAIN output for lake tables: what partition pruning did.
//!
//! DataFusion's plan shows the file scan; lakesql adds one `lake_scan` row per table
//! scan with the pushed-down partition filter and the partitions matched out of total.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::record_batch::RecordBatch;

use super::Outcome;
use crate::error::Result;
use crate::provider::scan_stats::ScanReport;

/// The `lake_scan` text of one report.
pub fn describe(report: &ScanReport) -> String {
    let mut text = format!("{}: ", report.table);
    if report.partitioned {
        text.push_str(&format!(
            "partition filter [{}], {} {} of {} matched, ",
            report.partition_filter.as_deref().unwrap_or("none"),
            if report.projected {
                "projected partitions"
            } else {
                "partitions"
            },
            report.partitions_matched,
            report.partitions_total
        ));
    }
    text.push_str(&format!(
        "{} location(s) listed, {} file(s)",
        report.locations_listed, report.files
    ));
    if report.files_skipped_by_statistics > 0 {
        text.push_str(&format!(
            ", {} skipped by statistics",
            report.files_skipped_by_statistics
        ));
    }
    if report.exact_statistics {
        text.push_str(", exact statistics");
    }
    text
}

/// Appends a `lake_scan` row per report to an EXPLAIN result (plan_type, plan).
pub(super) fn append_scan_reports(output: &mut Outcome, reports: &[ScanReport]) -> Result<()> {
    if reports.is_empty() || output.schema.fields().len() != 2 {
        return Ok(());
    }
    let kinds: ArrayRef = Arc::new(StringArray::from_iter_values(
        reports.iter().map(|_| "lake_scan"),
    ));
    let plans: ArrayRef = Arc::new(StringArray::from_iter_values(reports.iter().map(describe)));
    let batch = RecordBatch::try_new(output.schema.clone(), vec![kinds, plans])
        .map_err(datafusion::error::DataFusionError::from)?;
    output.batches.push(batch);
    Ok(())
}

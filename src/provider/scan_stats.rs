//! What the table scans of one statement did: partitions, files, locations listed, and
//! notices for the user.
//!
//! Shared by every table provider of a session; the session clears it before each
//! statement and reads it afterwards (statistics, EXPLAIN, "why no rows" notices).

use std::sync::Mutex;

use crate::storage::location::object_url;

/// One scan of one lake table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// `db.table`.
    pub table: String,
    /// The table's location.
    pub location: String,
    /// Whether the table has partition keys.
    pub partitioned: bool,
    /// Whether its partitions are projected (computed) rather than registered.
    pub projected: bool,
    /// The partition filter evaluated against the catalog partitions, as SQL-ish text.
    pub partition_filter: Option<String>,
    /// Partitions the table has.
    pub partitions_total: u64,
    /// Partitions that passed the filter.
    pub partitions_matched: u64,
    /// Locations listed for files.
    pub locations_listed: u64,
    /// Data files to read (after those ruled out by statistics).
    pub files: u64,
    /// Files not read because their statistics in the catalog rule them out.
    pub files_skipped_by_statistics: u64,
    /// The size of the data files to read, in bytes.
    pub bytes: u64,
    /// Whether every file to read has current statistics with a row count, so that the
    /// scan's row count is known exactly.
    pub exact_statistics: bool,
    /// The URL of the first file of each file scan this table scan planned, to tell
    /// afterwards whether the executed plan still reads them.
    pub file_scan_first_files: Vec<String>,
    /// Whether the query was answered from this scan's statistics without reading it.
    pub answered_from_statistics: bool,
}

/// Totals over the reports of a statement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanSnapshot {
    /// Partitions the scanned tables have.
    pub partitions_total: u64,
    /// Partitions the scans read.
    pub partitions_matched: u64,
    /// Data files the scans read.
    pub files: u64,
    /// Files not read because their statistics ruled them out.
    pub files_skipped_by_statistics: u64,
    /// Whether a scan was answered from statistics instead of being read.
    pub answered_from_statistics: bool,
}

/// Collector filled in by [`super::LakeTable`] scans.
#[derive(Debug, Default)]
pub struct ScanStats {
    reports: Mutex<Vec<ScanReport>>,
    notices: Mutex<Vec<String>>,
}

impl ScanStats {
    /// Records one table scan.
    pub fn record(&self, report: ScanReport) {
        if let Ok(mut reports) = self.reports.lock() {
            reports.push(report);
        }
    }

    /// Whether a scan so far has exact statistics (and so may be answered from them).
    pub fn any_exact_statistics(&self) -> bool {
        self.reports
            .lock()
            .map(|r| r.iter().any(|r| r.exact_statistics))
            .unwrap_or(false)
    }

    /// Marks the scans whose file scans are absent from the plan that runs (DataFusion
    /// answered from their exact statistics): `remaining` holds the files the plan still
    /// reads ([`planned_files`]).
    pub fn mark_answered_from_statistics(&self, remaining: &std::collections::HashSet<String>) {
        if let Ok(mut reports) = self.reports.lock() {
            for r in reports.iter_mut() {
                r.answered_from_statistics = r.exact_statistics
                    && !r.file_scan_first_files.is_empty()
                    && r.file_scan_first_files
                        .iter()
                        .all(|k| !remaining.contains(k));
            }
        }
    }

    /// The bytes and files the scans so far will read (a scan answered from statistics
    /// reads none). For Parquet, an upper bound: a query reads only the columns it needs.
    pub fn planned_bytes(&self) -> (u64, u64) {
        self.reports
            .lock()
            .map(|reports| {
                reports
                    .iter()
                    .filter(|r| !r.answered_from_statistics)
                    .fold((0, 0), |(bytes, files), r| {
                        (bytes + r.bytes, files + r.files)
                    })
            })
            .unwrap_or_default()
    }

    /// Records a notice for the user (printed on stderr).
    pub fn notice(&self, message: String) {
        if let Ok(mut notices) = self.notices.lock()
            && !notices.contains(&message)
        {
            notices.push(message);
        }
    }

    /// The reports so far.
    pub fn reports(&self) -> Vec<ScanReport> {
        self.reports.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Removes and returns the reports and notices.
    pub fn take(&self) -> (Vec<ScanReport>, Vec<String>) {
        let reports = self
            .reports
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default();
        let notices = self
            .notices
            .lock()
            .map(|mut n| std::mem::take(&mut *n))
            .unwrap_or_default();
        (reports, notices)
    }
}

impl ScanSnapshot {
    /// Sums the reports.
    pub fn of(reports: &[ScanReport]) -> Self {
        reports
            .iter()
            .fold(ScanSnapshot::default(), |acc, r| ScanSnapshot {
                partitions_total: acc.partitions_total + r.partitions_total,
                partitions_matched: acc.partitions_matched + r.partitions_matched,
                // A scan answered from statistics reads no file.
                files: acc.files
                    + if r.answered_from_statistics {
                        0
                    } else {
                        r.files
                    },
                files_skipped_by_statistics: acc.files_skipped_by_statistics
                    + r.files_skipped_by_statistics,
                answered_from_statistics: acc.answered_from_statistics
                    || r.answered_from_statistics,
            })
    }
}

/// The files the file scans of `plan` read, as URLs: what a physical plan still reads
/// after DataFusion's optimizers ran.
pub fn planned_files(
    plan: &std::sync::Arc<dyn datafusion::physical_plan::ExecutionPlan>,
) -> std::collections::HashSet<String> {
    use datafusion::datasource::physical_plan::FileScanConfig;
    use datafusion::datasource::source::DataSourceExec;
    let mut files = std::collections::HashSet::new();
    let mut stack = vec![plan.clone()];
    while let Some(node) = stack.pop() {
        if let Some(exec) = node.downcast_ref::<DataSourceExec>()
            && let Some(config) = exec.data_source().downcast_ref::<FileScanConfig>()
        {
            for group in &config.file_groups {
                for file in group.iter() {
                    files.insert(object_url(
                        &config.object_store_url,
                        &file.object_meta.location,
                    ));
                }
            }
        }
        stack.extend(node.children().into_iter().cloned());
    }
    files
}

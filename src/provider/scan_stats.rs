//! What the table scans of one statement did: partitions, files, locations listed, and
//! notices for the user.
//!
//! Shared by every table provider of a session; the session clears it before each
//! statement and reads it afterwards (statistics, EXPLAIN, "why no rows" notices).

use std::sync::Mutex;

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
    /// Data files found.
    pub files: u64,
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
                files: acc.files + r.files,
            })
    }
}

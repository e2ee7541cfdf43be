//! Per-statement statistics: rows, time, data scanned, partitions, files, requests.

use std::time::Duration;

use serde::Serialize;

use datafusion::arrow::record_batch::RecordBatch;

use crate::provider::scan_stats::ScanSnapshot;
use crate::sql::StatementKind;
use crate::storage::RequestSnapshot;

/// What one statement cost; serialised as the `--stats json` object.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StatementStats {
    /// Statement kind.
    pub statement: &'static str,
    /// Rows returned.
    pub rows: u64,
    /// Wall time.
    pub elapsed_ms: f64,
    /// Bytes read from storage ("data scanned").
    pub bytes_scanned: u64,
    /// Data files read.
    pub files: u64,
    /// Data files not read because their statistics in the catalog (`ANALYZE`) showed
    /// that the filters reject all their rows.
    pub files_skipped_by_statistics: u64,
    /// Whether the answer came from the catalog's statistics instead of the files
    /// (`count(*)`, `min`, `max` over analysed files).
    pub answered_from_statistics: bool,
    /// Partitions of the scanned tables.
    pub partitions_total: u64,
    /// Partitions read.
    pub partitions_matched: u64,
    /// LIST requests.
    pub list_requests: u64,
    /// GET requests.
    pub get_requests: u64,
    /// HEAD requests.
    pub head_requests: u64,
    /// Requests to a remote catalog (Glue calls); 0 with the embedded catalog.
    pub catalog_requests: u64,
    /// Rows a write statement wrote.
    pub rows_written: u64,
    /// Bytes of the files it wrote.
    pub bytes_written: u64,
    /// Files it wrote.
    pub files_written: u64,
    /// Partitions it added to the catalog.
    pub partitions_added: u64,
}

/// What a write statement wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct WriteCounts {
    /// Rows.
    pub rows: u64,
    /// Bytes of the files.
    pub bytes: u64,
    /// Files.
    pub files: u64,
    /// Partitions added to the catalog.
    pub partitions: u64,
}

impl StatementStats {
    pub(super) fn measure(
        kind: StatementKind,
        batches: &[RecordBatch],
        elapsed: Duration,
        requests: RequestSnapshot,
        scans: ScanSnapshot,
        written: WriteCounts,
        catalog_requests: u64,
    ) -> Self {
        StatementStats {
            statement: kind.name(),
            rows: batches.iter().map(|b| b.num_rows() as u64).sum(),
            elapsed_ms: (elapsed.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            bytes_scanned: requests.bytes,
            files: scans.files,
            files_skipped_by_statistics: scans.files_skipped_by_statistics,
            answered_from_statistics: scans.answered_from_statistics,
            partitions_total: scans.partitions_total,
            partitions_matched: scans.partitions_matched,
            list_requests: requests.list,
            get_requests: requests.get,
            head_requests: requests.head,
            catalog_requests,
            rows_written: written.rows,
            bytes_written: written.bytes,
            files_written: written.files,
            partitions_added: written.partitions,
        }
    }

    /// The one-line human summary printed on stderr after each statement.
    pub fn summary(&self, returns_rows: bool) -> String {
        let mut line = if returns_rows {
            format!(
                "{} row{} in {:.3}s",
                self.rows,
                if self.rows == 1 { "" } else { "s" },
                self.elapsed_ms / 1000.0
            )
        } else if self.files_written > 0 || self.rows_written > 0 {
            format!(
                "wrote {} row{} in {:.3}s; {} file{}, {}; {} partition{} added",
                self.rows_written,
                if self.rows_written == 1 { "" } else { "s" },
                self.elapsed_ms / 1000.0,
                self.files_written,
                if self.files_written == 1 { "" } else { "s" },
                human_bytes(self.bytes_written),
                self.partitions_added,
                if self.partitions_added == 1 { "" } else { "s" },
            )
        } else {
            format!("done in {:.3}s", self.elapsed_ms / 1000.0)
        };
        if self.files > 0 || self.list_requests > 0 || self.bytes_scanned > 0 {
            line.push_str(&format!("; scanned {}", human_bytes(self.bytes_scanned)));
            if self.partitions_total > 0 || self.partitions_matched > 0 {
                line.push_str(&format!(
                    "; partitions {}/{}",
                    self.partitions_matched, self.partitions_total
                ));
            }
            line.push_str(&format!("; files {}", self.files));
            if self.files_skipped_by_statistics > 0 {
                line.push_str(&format!(
                    " ({} skipped by statistics)",
                    self.files_skipped_by_statistics
                ));
            }
            if self.answered_from_statistics {
                line.push_str(" (answered from statistics)");
            }
            line.push_str(&format!(
                "; requests LIST {} GET {}",
                self.list_requests, self.get_requests
            ));
        }
        if self.catalog_requests > 0 {
            line.push_str(&format!("; catalog requests {}", self.catalog_requests));
        }
        line
    }
}

/// `1.2 MB`-style sizes (decimal units, as Athena reports data scanned).
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.2} {}", UNITS[unit])
    }
}

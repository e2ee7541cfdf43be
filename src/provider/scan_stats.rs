//! What the table scans of one statement touched: partitions and files.
//!
//! Shared by every table provider of a session; the session resets it before each
//! statement and reads it afterwards.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters filled in by [`super::LakeTable`] scans.
#[derive(Debug, Default)]
pub struct ScanStats {
    partitions_total: AtomicU64,
    partitions_matched: AtomicU64,
    files: AtomicU64,
    tables: Mutex<Vec<String>>,
}

/// A copy of [`ScanStats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScanSnapshot {
    /// Partitions the scanned tables have.
    pub partitions_total: u64,
    /// Partitions the scans read.
    pub partitions_matched: u64,
    /// Data files the scans read.
    pub files: u64,
}

impl ScanStats {
    /// Records one table scan of `table` (a description naming the table and location).
    pub fn record(
        &self,
        table: String,
        partitions_total: u64,
        partitions_matched: u64,
        files: u64,
    ) {
        if let Ok(mut tables) = self.tables.lock()
            && !tables.contains(&table)
        {
            tables.push(table);
        }
        self.partitions_total
            .fetch_add(partitions_total, Ordering::Relaxed);
        self.partitions_matched
            .fetch_add(partitions_matched, Ordering::Relaxed);
        self.files.fetch_add(files, Ordering::Relaxed);
    }

    /// The tables scanned since the last [`ScanStats::take`].
    pub fn tables(&self) -> Vec<String> {
        self.tables.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Returns the counts and sets them back to zero.
    pub fn take(&self) -> ScanSnapshot {
        if let Ok(mut tables) = self.tables.lock() {
            tables.clear();
        }
        ScanSnapshot {
            partitions_total: self.partitions_total.swap(0, Ordering::Relaxed),
            partitions_matched: self.partitions_matched.swap(0, Ordering::Relaxed),
            files: self.files.swap(0, Ordering::Relaxed),
        }
    }
}

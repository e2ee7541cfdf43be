//! Statistics of data files as `ANALYZE TABLE … COMPUTE STATISTICS` records them.
//!
//! Statistics are kept per file, not per table or partition, because a lake changes file
//! by file: each entry names the file and the size, modification time and ETag it had
//! when it was analysed, so a reader can tell, from the listing it makes anyway, whether
//! the entry still describes the file. A file that changed is read as if it had never
//! been analysed; statistics are never trusted when stale.
//!
//! Values are stored as text in Arrow's cast format with the Hive type they were taken
//! under; a reader parses them back as the column's current type and ignores them when
//! the type has changed since (`ALTER TABLE … REPLACE COLUMNS`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What `ANALYZE` learnt about one data file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStatistics {
    /// Absolute URL of the file (`s3://bucket/key`, `file:///path`).
    #[serde(skip)]
    pub path: String,
    /// The folder the file was found in as part of the table: the partition's location,
    /// or the table's for an unpartitioned table. Dropping that partition drops the entry.
    #[serde(skip)]
    pub location: String,
    /// Size in bytes when analysed.
    pub size: u64,
    /// Modification time when analysed, nanoseconds since the Unix epoch.
    pub modified_nanos: i64,
    /// ETag when analysed, if the store gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    /// Rows in the file; `None` after `ANALYZE … NOSCAN` (sizes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// Per-column statistics, by lower-case column name (`FOR COLUMNS`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub columns: BTreeMap<String, ColumnStatistics>,
    /// When the file was analysed, seconds since the Unix epoch.
    pub analyzed_at: i64,
}

/// Statistics of one column in one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnStatistics {
    /// The column's Hive type when analysed.
    pub hive_type: String,
    /// Smallest non-null value (Arrow's text form); `None` when every value is NULL or
    /// the type has no order lakesql records (nested types, binary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    /// Largest non-null value, as `min`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    /// NULL values.
    pub nulls: u64,
}

/// Which entries an `ANALYZE` replaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatisticsScope {
    /// Every entry of the table.
    Table,
    /// The entries found in these folders (`FileStatistics::location`): the analysed
    /// partitions.
    Locations(Vec<String>),
}

impl StatisticsScope {
    /// Whether an entry found in `location` is in scope.
    pub fn covers(&self, location: &str) -> bool {
        match self {
            StatisticsScope::Table => true,
            StatisticsScope::Locations(locations) => locations.iter().any(|l| l == location),
        }
    }
}

impl FileStatistics {
    /// Whether this entry still describes a file listed with this size, modification
    /// time and ETag. An ETag recorded on one side only does not count as a match.
    pub fn is_current(&self, size: u64, modified_nanos: i64, e_tag: Option<&str>) -> bool {
        self.size == size && self.modified_nanos == modified_nanos && self.e_tag.as_deref() == e_tag
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> FileStatistics {
        FileStatistics {
            path: "file:///lake/t/a.parquet".into(),
            location: "file:///lake/t/".into(),
            size: 10,
            modified_nanos: 5,
            e_tag: Some("e1".into()),
            rows: Some(3),
            columns: BTreeMap::new(),
            analyzed_at: 1,
        }
    }

    #[test]
    fn an_entry_is_current_only_for_the_same_size_time_and_etag() {
        let e = entry();
        assert!(e.is_current(10, 5, Some("e1")));
        assert!(!e.is_current(11, 5, Some("e1")));
        assert!(!e.is_current(10, 6, Some("e1")));
        assert!(!e.is_current(10, 5, Some("e2")));
        assert!(!e.is_current(10, 5, None));
    }

    #[test]
    fn scopes_cover_their_locations() {
        assert!(StatisticsScope::Table.covers("x"));
        let s = StatisticsScope::Locations(vec!["a/".into()]);
        assert!(s.covers("a/"));
        assert!(!s.covers("b/"));
    }
}

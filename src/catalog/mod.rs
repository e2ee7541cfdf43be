//! The Glue-like catalog: the metadata model and the stores that persist it.
//!
//! The model mirrors the AWS Glue Data Catalog (databases, tables with a storage
//! descriptor, partitions) so that definitions move between Athena and lakesql unchanged.
//! Stores implement [`CatalogStore`]; the embedded SQLite store is the default.

pub mod hive_type;
pub mod model;
pub mod partition_path;
pub mod sqlite;
pub mod storage_format;

pub use hive_type::HiveType;
pub use model::{Column, Database, Partition, SerDeInfo, StorageDescriptor, Table};
pub use sqlite::SqliteStore;

use crate::error::Result;

/// A partition as scans see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLocation {
    /// Hive's escaped `k1=v1/k2=v2`.
    pub spec: String,
    /// Absolute URL of the partition's folder.
    pub location: String,
}

/// Name of the database that always exists.
pub const DEFAULT_DATABASE: &str = "default";

/// A persistent catalog. Every method is one transaction: it either fully applies or
/// changes nothing. Names passed in are already normalised to lower case.
pub trait CatalogStore: Send + Sync + std::fmt::Debug {
    /// All databases, sorted by name.
    fn list_databases(&self) -> Result<Vec<Database>>;
    /// One database, if it exists.
    fn get_database(&self, name: &str) -> Result<Option<Database>>;
    /// Creates a database; returns `false` when it existed and `if_not_exists` was set.
    fn create_database(&self, db: &Database, if_not_exists: bool) -> Result<bool>;
    /// Drops a database; with `cascade` its tables and partitions go too. Returns `false`
    /// when it did not exist and `if_exists` was set.
    fn drop_database(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool>;

    /// Names of the tables of a database, sorted.
    fn list_tables(&self, db: &str) -> Result<Vec<String>>;
    /// One table, if it exists.
    fn get_table(&self, db: &str, name: &str) -> Result<Option<Table>>;
    /// Creates a table; returns `false` when it existed and `if_not_exists` was set.
    fn create_table(&self, table: &Table, if_not_exists: bool) -> Result<bool>;
    /// Reads a table, applies `change` and writes it back, in one transaction (ALTER
    /// TABLE). Nothing is written when `change` fails. Returns the new definition.
    fn modify_table(
        &self,
        db: &str,
        name: &str,
        change: &mut dyn FnMut(&mut Table) -> Result<()>,
    ) -> Result<Table>;
    /// Drops a table and its partitions; returns `false` when it did not exist and
    /// `if_exists` was set.
    fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool>;

    /// Registers partitions. Existing ones are an error unless `if_not_exists`, in which
    /// case they are kept unchanged. Returns how many were added.
    fn add_partitions(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize>;
    /// Removes partitions by their values. Missing ones are an error unless `if_exists`.
    /// Returns how many were removed.
    fn drop_partitions(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize>;
    /// Adds and removes partitions in one transaction (MSCK REPAIR): existing ones among
    /// `add` and missing ones among `drop` are skipped. Returns (added, removed).
    fn sync_partitions(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)>;
    /// Writes a crawled table and registers `partitions` in one transaction: creates the
    /// table when `create` (an error if it exists), otherwise replaces its definition;
    /// partitions already registered are kept. Returns how many partitions were added.
    fn save_crawled_table(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize>;
    /// Replaces the location and parameters of an existing partition.
    fn update_partition(&self, db: &str, table: &str, partition: &Partition) -> Result<()>;
    /// All partitions of a table, sorted by values.
    fn list_partitions(&self, db: &str, table: &str) -> Result<Vec<Partition>>;
    /// Every partition's spec and location, sorted by spec: what a scan needs, loaded
    /// without decoding the rest.
    fn partition_locations(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>>;
    /// A counter that changes whenever the table's partitions change.
    fn partition_version(&self, db: &str, table: &str) -> Result<i64>;
    /// Number of partitions of a table.
    fn count_partitions(&self, db: &str, table: &str) -> Result<usize>;
}

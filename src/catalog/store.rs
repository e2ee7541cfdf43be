//! The catalog contract: what any backend (the embedded SQLite file, AWS Glue, a
//! PostgreSQL metastore, …) must do for lakesql to run on it.
//!
//! # Contract
//!
//! - **Async.** Every method may do network or disk I/O; a backend never blocks the
//!   runtime (the SQLite store runs its work on the blocking pool).
//! - **Names** passed in are already normalised to lower case; results are sorted by name
//!   (databases, tables) or by partition spec. Listing or counting the tables or
//!   partitions of something that does not exist gives an empty result, not an error.
//! - **Atomicity.** Each method either fully applies or changes nothing. In particular a
//!   batch of partitions (`add_partitions`, `drop_partitions`, `sync_partitions`,
//!   `save_crawled_table`) is all-or-nothing, so a failing `ALTER TABLE … ADD PARTITION`
//!   batch or MSCK run leaves the catalog as it was. A backend without multi-object
//!   transactions must stage and roll back (Glue: batch calls, then compensating deletes).
//! - **Concurrent changes.** `modify_table` applies `change` to the *current* definition
//!   and writes it only if nobody changed the table in between: with a transaction
//!   (SQLite's `BEGIN IMMEDIATE`), or optimistically with the table's version
//!   (Glue's `VersionId`), re-reading and re-applying on a conflict. `change` may therefore
//!   run more than once and must depend only on the definition it is given.
//! - **Partition versions.** [`CatalogStore::partition_version`] returns a value that
//!   changes whenever a table's partitions change, so readers can keep a loaded partition
//!   index. A backend that cannot tell cheaply returns `None`; readers then reload the
//!   partitions on every query (correct, only slower).
//! - **File statistics** (`ANALYZE`) belong to the table: dropping the table drops
//!   them, and dropping a partition or moving it (`SET LOCATION`) drops those found in its
//!   folder. `replace_file_statistics` replaces the entries in its scope in one step;
//!   `record_write` adds a write's entries with its table and partitions in one step.
//! - **Errors.** Missing objects are [`LakeError`](crate::error::LakeError)s with Athena's
//!   codes (`SCHEMA_NOT_FOUND`, `TABLE_NOT_FOUND`, `ALREADY_EXISTS`, `PARTITION_NOT_FOUND`,
//!   `SCHEMA_NOT_EMPTY`); backend failures are `LakeError::Catalog`.
//!
//! `tests/catalog_contract.rs` checks all of this; every backend must pass it.

use async_trait::async_trait;

use super::statistics::{FileStatistics, StatisticsScope};
use super::{Database, Partition, Table};
use crate::error::{LakeError, Result};

/// A partition as scans see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionLocation {
    /// Hive's escaped `k1=v1/k2=v2`.
    pub spec: String,
    /// Absolute URL of the partition's folder.
    pub location: String,
}

/// Name of the database that always exists and cannot be dropped.
pub const DEFAULT_DATABASE: &str = "default";

/// The rule every store and the session apply before dropping a database: the default
/// database stays.
pub fn check_droppable_database(name: &str) -> Result<()> {
    if name == DEFAULT_DATABASE {
        return Err(LakeError::invalid(
            "the 'default' database cannot be dropped",
        ));
    }
    Ok(())
}

/// Which way MSCK brings a table's partitions in line with storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepairMode {
    /// Register folders missing from the catalog (the default, as in Hive and Athena).
    Add,
    /// Remove catalog partitions whose location no longer exists.
    Drop,
    /// Both.
    Sync,
}

/// What a write (CTAS, INSERT INTO) adds to the catalog, recorded by
/// [`CatalogStore::record_write`] in one step.
#[derive(Clone, Debug, Default)]
pub struct WriteRecord {
    /// The table's database.
    pub database: String,
    /// The table written to.
    pub table: String,
    /// The definition to create (CTAS); `None` when the table exists (INSERT INTO).
    pub create: Option<Table>,
    /// The partitions that received files; those already registered are kept as they are.
    pub partitions: Vec<Partition>,
    /// Statistics of the written files, as `ANALYZE` would record them.
    pub statistics: Vec<FileStatistics>,
}

/// A change to a table definition, applied by [`CatalogStore::modify_table`].
pub type TableChange = Box<dyn FnMut(&mut Table) -> Result<()> + Send>;

/// A persistent catalog; see the module documentation for the contract.
#[async_trait]
pub trait CatalogStore: Send + Sync + std::fmt::Debug {
    /// All databases, sorted by name.
    async fn list_databases(&self) -> Result<Vec<Database>>;
    /// One database, if it exists.
    async fn get_database(&self, name: &str) -> Result<Option<Database>>;
    /// Creates a database; returns `false` when it existed and `if_not_exists` was set.
    async fn create_database(&self, db: &Database, if_not_exists: bool) -> Result<bool>;
    /// Drops a database; with `cascade` its tables and partitions go too. Returns `false`
    /// when it did not exist and `if_exists` was set. The default database is refused.
    async fn drop_database(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool>;

    /// Names of the tables of a database, sorted.
    async fn list_tables(&self, db: &str) -> Result<Vec<String>>;
    /// One table, if it exists.
    async fn get_table(&self, db: &str, name: &str) -> Result<Option<Table>>;
    /// Creates a table; returns `false` when it existed and `if_not_exists` was set.
    async fn create_table(&self, table: &Table, if_not_exists: bool) -> Result<bool>;
    /// Applies `change` to the current definition and writes it, atomically (ALTER
    /// TABLE). Nothing is written when `change` fails. Returns the new definition.
    async fn modify_table(&self, db: &str, name: &str, change: TableChange) -> Result<Table>;
    /// Drops a table and its partitions; returns `false` when it did not exist and
    /// `if_exists` was set.
    async fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool>;

    /// Registers partitions. Existing ones are an error unless `if_not_exists`, in which
    /// case they are kept unchanged. Returns how many were added.
    async fn add_partitions(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize>;
    /// Removes partitions by their values. Missing ones are an error unless `if_exists`.
    /// Returns how many were removed.
    async fn drop_partitions(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize>;
    /// Adds and removes partitions in one step (MSCK REPAIR): existing ones among `add`
    /// and missing ones among `drop` are skipped. Returns (added, removed).
    async fn sync_partitions(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)>;
    /// Writes a crawled table and registers `partitions` in one step: creates the table
    /// when `create` (an error if it exists), otherwise replaces its definition;
    /// partitions already registered are kept. Returns how many partitions were added.
    async fn save_crawled_table(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize>;
    /// Replaces the location and parameters of an existing partition.
    async fn update_partition(&self, db: &str, table: &str, partition: &Partition) -> Result<()>;
    /// All partitions of a table, sorted by spec.
    async fn list_partitions(&self, db: &str, table: &str) -> Result<Vec<Partition>>;
    /// Every partition's spec and location, sorted by spec: what a scan needs, loaded
    /// without decoding the rest.
    async fn partition_locations(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>>;
    /// A value that changes whenever the table's partitions change, or `None` when the
    /// backend cannot tell (readers then reload partitions on every query).
    async fn partition_version(&self, db: &str, table: &str) -> Result<Option<i64>>;
    /// Number of partitions of a table.
    async fn count_partitions(&self, db: &str, table: &str) -> Result<usize>;

    /// The partitions of `table` that may satisfy `expression`, a filter over its
    /// partition keys in the Hive metastore's filter grammar (which Glue's `GetPartitions`
    /// `Expression` is): comparisons, `IN`, `BETWEEN`, `LIKE`, `AND`/`OR`/`NOT`. The result
    /// may hold more than the filter selects (the caller still applies it), never less.
    /// `None` (the default) when the backend does not filter: the caller then loads all
    /// partitions with [`CatalogStore::partition_locations`], as a local catalog does
    /// cheaply.
    async fn partition_locations_where(
        &self,
        table: &Table,
        expression: &str,
    ) -> Result<Option<Vec<PartitionLocation>>> {
        let _ = (table, expression);
        Ok(None)
    }

    /// Forgets what the store caches about a table (`REFRESH TABLE`), so the next
    /// statement reads its definition and partitions anew. Stores without a cache do
    /// nothing (the default).
    async fn refresh_table(&self, db: &str, table: &str) -> Result<()> {
        let _ = (db, table);
        Ok(())
    }

    /// Whether the backend sets creation and change times itself (Glue) rather than
    /// keeping the ones it is given.
    fn assigns_times(&self) -> bool {
        false
    }

    /// Requests sent to a remote catalog so far (`catalog_requests` in the statistics);
    /// 0 for a local one.
    fn requests(&self) -> u64 {
        0
    }

    /// Replaces the file statistics of a table within `scope` by `files` (whose
    /// `location`s lie in the scope), in one step. `TABLE_NOT_FOUND` when the table does
    /// not exist.
    async fn replace_file_statistics(
        &self,
        db: &str,
        table: &str,
        scope: &StatisticsScope,
        files: &[FileStatistics],
    ) -> Result<()>;
    /// Records a write in one step: creates `record.create` when given (`ALREADY_EXISTS`
    /// if the table exists; otherwise the table must exist), registers its partitions
    /// (existing ones kept) and adds its file statistics entries (replacing entries of
    /// the same paths). Returns how many partitions were added.
    async fn record_write(&self, record: &WriteRecord) -> Result<usize>;
    /// The file statistics entries of a table found in `locations` (every entry with
    /// `None`), sorted by path.
    async fn file_statistics(
        &self,
        db: &str,
        table: &str,
        locations: Option<&[String]>,
    ) -> Result<Vec<FileStatistics>>;
}

//! The Glue-like catalog: the metadata model and the stores that persist it.
//!
//! The model mirrors the AWS Glue Data Catalog (databases, tables with a storage
//! descriptor, partitions) so that definitions move between Athena and lakesql unchanged.
//! Stores implement the async [`CatalogStore`] contract ([`store`]); the embedded SQLite
//! store is the default, and [`MemoryStore`] keeps everything in memory (embedders, tests).

pub mod glue_json;
pub mod hive_type;
pub mod memory;
pub mod model;
pub mod partition_path;
pub mod partition_values;
pub mod rules;
pub mod serde_options;
pub mod sqlite;
pub mod statistics;
pub mod storage_format;
pub mod store;
pub mod view;

pub use hive_type::HiveType;
pub use memory::MemoryStore;
pub use model::{Column, Database, Partition, SerDeInfo, StorageDescriptor, Table};
pub use sqlite::{OpenMode, SqliteStore};
pub use statistics::{ColumnStatistics, FileStatistics, StatisticsScope};
pub use view::{VIRTUAL_VIEW, ViewDefinition};

pub use store::{
    CatalogStore, DEFAULT_DATABASE, PartitionLocation, RepairMode, TableChange, WriteRecord,
    check_droppable_database,
};

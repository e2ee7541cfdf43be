//! DataFusion integration: the catalog store seen as DataFusion catalog, schemas and
//! tables.
//!
//! Tables are resolved lazily: DataFusion asks [`LakeSchema`] for a table only when a
//! statement names it, so start-up never loads the catalog. [`LakeTable`] turns a
//! catalog table into a file scan: it resolves the partitions, lists files only under
//! their locations, and attaches the typed partition values to each file. A view
//! ([`view`]) becomes the plan of its stored query, planned when a statement names it.

pub mod catalog;
pub mod checked;
pub mod format;
pub mod name_case;
pub mod parquet;
pub mod partition_index;
pub mod partition_pushdown;
pub mod pseudo_columns;
pub mod record_source;
pub mod scan_stats;
pub mod statistics;
pub mod table;
pub mod view;

pub use catalog::{LakeCatalog, LakeSchema};
pub use scan_stats::ScanStats;
pub use table::LakeTable;
pub use view::ViewPlanner;

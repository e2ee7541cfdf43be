//! Object storage: where a table's location points, and the stores that reach it.
//!
//! Locations are stored as absolute URLs (`file:///…`, `s3://…`). Every store a session
//! uses is wrapped in a [`CountingStore`], the single source of the LIST/GET/HEAD and
//! byte counts that per-statement statistics report. [`StoreRegistry`] hands stores out by
//! URL (building one S3 client per bucket from [`S3Config`]; local disk is a
//! [`local::LocalStore`], whose recursive listing walks folders in parallel). [`files`]
//! holds the rules for which objects under a location are a table's data files and how
//! they are compressed.

pub mod counting;
pub mod files;
pub mod local;
pub mod location;
pub mod registry;
pub mod retry;
pub mod s3_config;

pub use counting::{CountingStore, RequestCounters, RequestSnapshot};
pub use location::{LocationUrl, normalize_location};
pub use registry::StoreRegistry;
pub use s3_config::S3Config;

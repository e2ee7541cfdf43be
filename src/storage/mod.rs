//! Object storage: where a table's location points, and the stores that reach it.
//!
//! Locations are stored as absolute URLs (`file:///…`, `s3://…`). Every store a session
//! uses is wrapped in a [`CountingStore`], the single source of the LIST/GET/HEAD and
//! byte counts that per-statement statistics report.

pub mod counting;
pub mod location;

pub use counting::{CountingStore, RequestCounters, RequestSnapshot};
pub use location::{LocationUrl, normalize_location};

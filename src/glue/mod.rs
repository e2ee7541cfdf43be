//! AWS Glue as the catalog: [`GlueStore`] implements the catalog contract
//! ([`crate::catalog::CatalogStore`]) with Glue's API, so every statement and query of a
//! session started with `--catalog glue://…` reads and writes the user's Glue Data
//! Catalog, with lakesql's pruning, projection and shell on top.
//!
//! - [`config`]: the `glue://` address.
//! - [`client`]: Glue's JSON protocol, signed and retried; calls are counted for the
//!   statistics line (`catalog_requests`).
//! - [`store`]: databases and tables; [`partitions`]: partition listing (with an
//!   `Expression` pushed down and `Segment`-parallel paging) and the batch calls, made
//!   all-or-nothing by compensating calls since Glue has no transactions.
//! - [`cache`]: definitions and partition listings kept for a short TTL, dropped by
//!   this store's own changes and by `REFRESH TABLE`.
//! - `ANALYZE` statistics are not Glue's to keep: they live in a local SQLite file per
//!   Glue catalog (a [`crate::catalog::SqliteStore`]); every entry is checked against
//!   the file it describes before use, so a stale one costs a read, never an answer.

pub mod cache;
pub mod client;
pub mod config;
mod partitions;
pub mod store;

pub use config::{GlueConfig, StaticKeys};
pub use store::GlueStore;

//! lakesql: an embedded, Athena-like SQL engine over a data-lake catalog, on DataFusion.
//!
//! The library owns everything; the binary only parses flags and hands over to the
//! shell. Every front end runs statements through [`Session::execute`].
//!
//! - [`catalog`]: the Glue-like model, the async catalog contract and its SQLite store.
//! - [`glue`]: AWS Glue as the catalog (`--catalog glue://…`).
//! - [`transfer`]: `catalog export`/`import`/`copy` as AWS Glue JSON.
//! - [`aws`]: AWS region, endpoint and credential resolution, as the AWS SDKs do it.
//! - [`sql`]: script splitting, the Athena/Hive statement parser and statement kinds.
//! - [`session`]: statement execution and per-statement statistics.
//! - [`provider`]: DataFusion catalog, schema and table providers over the catalog.
//! - [`projection`]: Athena partition projection.
//! - [`repair`]: `MSCK REPAIR TABLE`, partition discovery.
//! - [`crawler`]: `CRAWL`, table and schema discovery.
//! - [`storage`]: locations and counted object stores.
//! - `shell` (feature `cli`, on by default): the REPL, script runner and output formats.

pub mod aws;
pub mod catalog;
pub mod crawler;
pub mod error;
pub mod functions;
pub mod glue;
pub mod projection;
pub mod provider;
pub mod repair;
pub mod serdes;
#[cfg(feature = "serve")]
pub mod serve;
pub mod session;
#[cfg(feature = "cli")]
pub mod shell;
pub mod sql;
pub mod storage;
pub mod transfer;
pub mod write;

pub use error::{LakeError, Result};
pub use session::{Session, StatementOutput, StatementStats};

/// The name of lakesql's catalog, as Athena names the Glue catalog.
pub const CATALOG_NAME: &str = "awsdatacatalog";

//! The catalog model in AWS Glue's JSON shapes, both ways: shared by the server's Glue
//! API, the Glue catalog backend and `catalog import`/`export`, so a definition reads the
//! same wherever it crosses the Glue boundary.

pub mod parse;
pub mod render;

/// The account id lakesql reports as its catalog's `CatalogId` (the server's account).
pub const LOCAL_CATALOG_ID: &str = "123456789012";

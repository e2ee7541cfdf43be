//! A Glue catalog for tests: explicit endpoint, region and keys (never the machine's AWS
//! configuration), statistics in the test's folder.

use std::path::Path;

use lakesql::glue::GlueConfig;

use super::s3_server::{ACCESS_KEY, SECRET_KEY};

/// The configuration of a Glue catalog at `endpoint` (moto or `lakesql serve`), its
/// statistics file in `dir`.
pub fn config(endpoint: &str, dir: &Path) -> GlueConfig {
    GlueConfig {
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint.to_string()),
        statistics: Some(dir.join("statistics.db")),
        credentials: Some((ACCESS_KEY.to_string(), SECRET_KEY.to_string()).into()),
        ..GlueConfig::default()
    }
}

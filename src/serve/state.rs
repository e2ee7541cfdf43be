//! What every request handler shares: the catalog, the buckets, the query executions and
//! the server's identity (account, region, results location).

use std::sync::Arc;

use super::athena::queries::Queries;
use super::audit::AuditLog;
use super::auth::Keys;
use super::buckets::Buckets;
use super::metrics::Metrics;
use super::throttle::Throttle;
use crate::Session;
use crate::catalog::CatalogStore;
use crate::error::Result;
use crate::provider::parquet::FooterCache;

/// The account id the server answers with (STS, Glue `CatalogId`, ARNs).
pub const ACCOUNT_ID: &str = crate::catalog::glue_json::LOCAL_CATALOG_ID;

/// The server's shared state.
pub struct ServerState {
    /// The catalog (the same file the shell uses).
    pub catalog: Arc<dyn CatalogStore>,
    /// Buckets (folders of the data directory).
    pub buckets: Buckets,
    /// Query executions.
    pub queries: Queries,
    /// The primary work group's result location (`s3://…/`).
    pub results_location: String,
    /// The region in ARNs and responses.
    pub region: String,
    /// Queued plus running queries above which StartQueryExecution answers
    /// `TooManyRequestsException` (None: no limit).
    pub max_active_queries: Option<usize>,
    /// Per-operation rate limits.
    pub throttle: Throttle,
    /// Counters and latencies.
    pub metrics: Metrics,
    /// The audit trail.
    pub audit: AuditLog,
    /// The key pairs whose signatures are checked (`--auth`); None: any is accepted.
    pub keys: Option<Arc<Keys>>,
    /// Parquet footers, shared by every query's session so each is read once.
    pub footers: Arc<FooterCache>,
    /// Whether the catalog is read-only (`--read-only`).
    pub read_only: bool,
}

impl ServerState {
    /// A new session for one query: the server's catalog, every `s3://` bucket read from
    /// its folder, CTAS without a location placed in the warehouse bucket.
    pub fn session(&self) -> Result<Session> {
        let mut session =
            Session::with_s3_config(self.catalog.clone(), crate::storage::S3Config::empty())?;
        session
            .object_stores()
            .serve_buckets_from(self.buckets.root().to_path_buf());
        session.share_footer_cache(self.footers.clone());
        session.set_warehouse(std::path::PathBuf::from(format!("s3://{WAREHOUSE_BUCKET}")));
        session.set_read_only(self.read_only);
        Ok(session)
    }
}

/// The bucket CTAS writes tables to when neither the statement nor the database names a
/// location.
pub const WAREHOUSE_BUCKET: &str = "lakesql-warehouse";

/// The bucket of the primary work group's results.
pub const RESULTS_BUCKET: &str = "lakesql-query-results";

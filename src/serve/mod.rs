//! `lakesql serve`: one local port speaking Athena, Glue, STS and S3, so the AWS SDKs and
//! the tools built on them (boto3, the AWS CLI, PyAthena, awswrangler, dbt-athena) run
//! against lakesql unchanged with `AWS_ENDPOINT_URL=http://127.0.0.1:PORT`.
//!
//! - [`router`] dispatches each request by protocol; [`protocol`] is AWS JSON 1.1.
//! - [`athena`] runs query executions through `Session::execute` (the path the shell
//!   takes) and keeps their history and results; `glue` maps Glue's catalog API onto
//!   the same catalog file the shell uses; `sts` answers `GetCallerIdentity`.
//! - The S3 side is s3s over s3s-fs: buckets are folders of the data directory
//!   ([`buckets`]), and every query session reads `s3://` from those same folders.

pub mod athena;
pub mod audit;
pub mod auth;
pub mod buckets;
mod glue;
pub mod metrics;
pub mod page;
pub mod protocol;
mod router;
mod s3;
pub mod state;
mod sts;
pub mod throttle;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::catalog::CatalogStore;
use crate::error::{LakeError, Result};
use athena::History;
use athena::queries::Queries;
use buckets::Buckets;
use state::{RESULTS_BUCKET, ServerState, WAREHOUSE_BUCKET};

/// Rotated audit files kept (`audit.log.1` … `audit.log.5`).
pub const AUDIT_FILES_KEPT: usize = 5;

/// The audit log of a server's data directory.
pub fn audit_log_path(data_dir: &std::path::Path) -> PathBuf {
    data_dir.join(".lakesql").join("audit.log")
}

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Address to bind.
    pub bind: IpAddr,
    /// Port (0: any free port).
    pub port: u16,
    /// Buckets are folders here; the server's own state is in `.lakesql/`.
    pub data_dir: PathBuf,
    /// Queries that run at once; more wait in QUEUED.
    pub max_running_queries: usize,
    /// Region in responses.
    pub region: String,
    /// Per-operation rate limits (none by default).
    pub limits: Vec<throttle::Limit>,
    /// Queued plus running queries above which new ones are refused (None: no limit).
    pub max_active_queries: Option<usize>,
    /// Size at which the audit log rotates.
    pub audit_max_bytes: u64,
    /// The key pairs whose SigV4 signatures are checked (`--auth keys.toml`). Without,
    /// any signature is accepted and only loopback addresses may be bound.
    pub keys: Option<Arc<auth::Keys>>,
    /// The catalog was opened read-only (`--read-only`): Athena statements that would
    /// change it are refused before they run, as in the shell.
    pub read_only: bool,
}

impl ServeOptions {
    /// Defaults: 127.0.0.1:4566, 4 queries at once.
    pub fn new(data_dir: PathBuf) -> Self {
        ServeOptions {
            bind: IpAddr::from([127, 0, 0, 1]),
            port: 4566,
            data_dir,
            max_running_queries: 4,
            region: "us-east-1".to_string(),
            limits: Vec::new(),
            max_active_queries: None,
            audit_max_bytes: 10 << 20,
            keys: None,
            read_only: false,
        }
    }

    /// Athena's published limits: its API rates and 25 queued or running queries.
    pub fn with_athena_limits(mut self) -> Self {
        self.limits.extend(throttle::Limit::athena_defaults());
        self.max_active_queries = Some(25);
        self
    }
}

/// Without `--auth` every request is accepted unchecked, so only a loopback address may
/// be bound.
fn check_bind(options: &ServeOptions) -> Result<()> {
    if options.bind.is_loopback() || options.keys.is_some() {
        return Ok(());
    }
    Err(LakeError::invalid(format!(
        "refusing to listen on {}: without --auth, lakesql serve accepts every request \
         without checking its signature, so it only listens on a loopback address \
         (127.0.0.1). Give --auth keys.toml (access key id → secret) to serve other hosts",
        options.bind
    )))
}

/// A running server.
pub struct Server {
    /// Where it listens.
    pub address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Starts a server over `catalog` (the catalog file the shell uses).
    pub async fn start(options: ServeOptions, catalog: Arc<dyn CatalogStore>) -> Result<Server> {
        check_bind(&options)?;
        std::fs::create_dir_all(&options.data_dir).map_err(|e| {
            LakeError::io(format!("cannot create {}", options.data_dir.display()), e)
        })?;
        let buckets = Buckets::new(options.data_dir.canonicalize().map_err(|e| {
            LakeError::io(format!("cannot open {}", options.data_dir.display()), e)
        })?);
        buckets.ensure_bucket(RESULTS_BUCKET)?;
        buckets.ensure_bucket(WAREHOUSE_BUCKET)?;
        let history = History::open(&buckets.root().join(".lakesql").join("queries.db"))?;
        let queries = Queries::open(history, options.max_running_queries)?;
        let s3 = s3::service(buckets.root(), options.keys.clone())?;
        let audit = audit::AuditLog::open(
            audit_log_path(buckets.root()),
            options.audit_max_bytes,
            AUDIT_FILES_KEPT,
        )?;
        let server = Arc::new(ServerState {
            catalog,
            buckets,
            queries,
            results_location: format!("s3://{RESULTS_BUCKET}/"),
            region: options.region.clone(),
            max_active_queries: options.max_active_queries,
            throttle: throttle::Throttle::new(&options.limits),
            metrics: metrics::Metrics::default(),
            audit,
            keys: options.keys.clone(),
            footers: Arc::default(),
            read_only: options.read_only,
        });
        let app = router::router(server, s3);
        let listener = tokio::net::TcpListener::bind((options.bind, options.port))
            .await
            .map_err(|e| {
                LakeError::io(
                    format!("cannot listen on {}:{}", options.bind, options.port),
                    e,
                )
            })?;
        let address = listener
            .local_addr()
            .map_err(|e| LakeError::io("cannot read the listening address", e))?;
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
            if let Err(e) = served {
                tracing::error!("the server stopped: {e}");
            }
        });
        Ok(Server {
            address,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The endpoint URL clients use.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops accepting requests and waits for the open ones.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = (&mut self.task).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_served_without_auth() {
        let mut options = ServeOptions::new(PathBuf::from("/nonexistent"));
        assert!(check_bind(&options).is_ok());
        options.bind = IpAddr::from([0, 0, 0, 0]);
        let refused = check_bind(&options).unwrap_err().to_string();
        assert!(refused.contains("--auth"), "{refused}");
        options.keys = Some(Arc::new(
            auth::Keys::parse("[[keys]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\n")
                .unwrap(),
        ));
        assert!(check_bind(&options).is_ok());
    }
}

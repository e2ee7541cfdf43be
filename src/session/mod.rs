//! [`Session`]: the one entry point every front end uses (REPL, scripts, `-c`, tests).
//!
//! A session owns a DataFusion context whose default catalog is the lakesql catalog,
//! the current database, and the counters that make each statement's statistics.

mod crawl;
mod ddl;
mod explain;
mod last_query;
mod msck;
mod s3_settings;
mod show;
mod stats;
mod validate;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::sql::parser::Statement as DfStatement;

pub use stats::StatementStats;

use crate::CATALOG_NAME;
use crate::catalog::{CatalogStore, DEFAULT_DATABASE};
use crate::error::{LakeError, Result};
use crate::provider::scan_stats::ScanSnapshot;
use crate::provider::{LakeCatalog, ScanStats};
use crate::sql::{LakeStatement, ScriptStatement, parse_statement, split_script};
use crate::storage::{RequestCounters, S3Config, StoreRegistry};

/// The result of one statement.
#[derive(Debug)]
pub struct StatementOutput {
    /// Statement kind (`select`, `create_table`, …).
    pub kind: &'static str,
    /// Schema of the result rows.
    pub schema: SchemaRef,
    /// Result rows; empty for statements that return none.
    pub batches: Vec<RecordBatch>,
    /// Whether the statement returns a result set (queries, SHOW, DESCRIBE).
    pub returns_rows: bool,
    /// Notices and warnings for the user (printed on stderr by the shell).
    pub messages: Vec<String>,
    /// What the statement cost.
    pub stats: StatementStats,
}

impl StatementOutput {
    fn rows(kind: &'static str, batch: RecordBatch) -> Self {
        StatementOutput {
            kind,
            schema: batch.schema(),
            batches: vec![batch],
            returns_rows: true,
            messages: vec![],
            stats: StatementStats::default(),
        }
    }

    fn done(kind: &'static str, message: impl Into<String>) -> Self {
        StatementOutput {
            kind,
            schema: Arc::new(Schema::empty()),
            batches: vec![],
            returns_rows: false,
            messages: vec![message.into()],
            stats: StatementStats::default(),
        }
    }
}

/// A lakesql session over a catalog store.
pub struct Session {
    ctx: SessionContext,
    store: Arc<dyn CatalogStore>,
    counters: Arc<RequestCounters>,
    stores: Arc<StoreRegistry>,
    scan_stats: Arc<ScanStats>,
    database: String,
    base_dir: PathBuf,
    progress: Option<ProgressFn>,
    last_query: last_query::LastQuery,
}

/// Receives progress text for long-running statements (MSCK); the shell shows it.
pub type ProgressFn = Arc<dyn Fn(&str) + Send + Sync>;

impl Session {
    /// A session over `store`, in the `default` database; relative LOCATIONs resolve
    /// against the current directory. S3 settings come from the AWS environment and
    /// lakesql's `s3.ini` (see [`S3Config::from_env`]).
    pub fn new(store: Arc<dyn CatalogStore>) -> Result<Self> {
        Self::with_s3_config(store, S3Config::from_env()?)
    }

    /// A session with the given S3 settings (nothing read from the environment).
    pub fn with_s3_config(store: Arc<dyn CatalogStore>, s3: S3Config) -> Result<Self> {
        let base_dir = std::env::current_dir()
            .map_err(|e| LakeError::io("cannot read the current directory", e))?;
        let config = SessionConfig::new()
            .with_create_default_catalog_and_schema(false)
            .with_default_catalog_and_schema(CATALOG_NAME, DEFAULT_DATABASE)
            .with_information_schema(true);
        let counters = Arc::new(RequestCounters::default());
        let stores = Arc::new(StoreRegistry::new(counters.clone(), s3));
        let runtime = RuntimeEnvBuilder::new()
            .with_object_store_registry(stores.clone())
            .build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let scan_stats = Arc::new(ScanStats::default());
        let last_query = last_query::LastQuery::default();
        ctx.register_udtf(
            "last_query_stats",
            Arc::new(last_query::LastQueryStats(last_query.clone())),
        );
        ctx.register_udtf(
            "last_query_scans",
            Arc::new(last_query::LastQueryScans(last_query.clone())),
        );
        ctx.register_catalog(
            CATALOG_NAME,
            Arc::new(LakeCatalog::new(store.clone(), scan_stats.clone())),
        );
        Ok(Session {
            ctx,
            store,
            counters,
            stores,
            scan_stats,
            database: DEFAULT_DATABASE.to_string(),
            base_dir,
            progress: None,
            last_query,
        })
    }

    /// The catalog store.
    pub fn store(&self) -> &Arc<dyn CatalogStore> {
        &self.store
    }

    /// The request counters of this session's object stores.
    pub fn request_counters(&self) -> Arc<RequestCounters> {
        self.counters.clone()
    }

    /// The session's object stores (S3 settings live here).
    pub fn stores(&self) -> &Arc<StoreRegistry> {
        &self.stores
    }

    /// The current database.
    pub fn database(&self) -> &str {
        &self.database
    }

    /// The DataFusion context (for embedding programs).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Sets the folder relative LOCATIONs are resolved against.
    pub fn set_base_dir(&mut self, dir: PathBuf) {
        self.base_dir = dir;
    }

    /// Sets (or clears) the progress receiver.
    pub fn set_progress(&mut self, progress: Option<ProgressFn>) {
        self.progress = progress;
    }

    /// Runs every statement of `sql` in order, stopping at the first error.
    pub async fn execute(&mut self, sql: &str) -> Result<Vec<StatementOutput>> {
        let mut out = Vec::new();
        for stmt in split_script(sql)? {
            out.push(self.execute_statement(stmt).await?);
        }
        Ok(out)
    }

    /// Runs one statement of a script.
    pub async fn execute_statement(&mut self, stmt: ScriptStatement) -> Result<StatementOutput> {
        let started = Instant::now();
        let before = self.counters.snapshot();
        self.scan_stats.take();
        let parsed = parse_statement(stmt.tokens)?;
        let kind = parsed.kind();
        let mut output = match parsed {
            LakeStatement::Query(statement) => self.run_query(kind, *statement).await?,
            other => self.run_catalog_statement(other).await?,
        };
        output.kind = kind;
        let (reports, notices) = self.scan_stats.take();
        if kind == "explain" {
            explain::append_scan_reports(&mut output, &reports)?;
        }
        output.messages.extend(notices);
        output.stats = StatementStats::measure(
            &output,
            started.elapsed(),
            self.counters.snapshot() - before,
            ScanSnapshot::of(&reports),
        );
        if let Ok(mut last) = self.last_query.lock() {
            *last = (output.stats.clone(), reports);
        }
        Ok(output)
    }

    async fn run_query(
        &mut self,
        kind: &'static str,
        statement: sqlparser::ast::Statement,
    ) -> Result<StatementOutput> {
        let state = self.ctx.state();
        let plan = state
            .statement_to_plan(DfStatement::Statement(Box::new(statement)))
            .await?;
        SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .verify_plan(&plan)
            .map_err(|e| {
                LakeError::unsupported(format!(
                    "{}; lakesql changes the catalog with Athena DDL (CREATE EXTERNAL TABLE, \
                     ALTER TABLE, DROP TABLE) and does not write data",
                    e.strip_backtrace()
                ))
            })?;
        let df = self.ctx.execute_logical_plan(plan).await?;
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = df
            .collect()
            .await
            .map_err(|e| self.with_scan_context(e.into()))?;
        Ok(StatementOutput {
            kind,
            schema,
            batches,
            returns_rows: true,
            messages: vec![],
            stats: StatementStats::default(),
        })
    }

    async fn run_catalog_statement(&mut self, stmt: LakeStatement) -> Result<StatementOutput> {
        // Catalog work is quick SQLite I/O; it runs on the runtime thread.
        match stmt {
            LakeStatement::Use(db) => self.use_database(db).await,
            LakeStatement::ShowDatabases { .. }
            | LakeStatement::ShowTables { .. }
            | LakeStatement::ShowCreateTable(_)
            | LakeStatement::ShowColumns(_)
            | LakeStatement::ShowTblProperties { .. }
            | LakeStatement::ShowPartitions { .. }
            | LakeStatement::Describe { .. } => self.show(stmt),
            LakeStatement::Msck {
                name,
                mode,
                dry_run,
            } => self.msck(&name, mode, dry_run).await,
            LakeStatement::ValidateProjection(name) => self.validate_projection(&name).await,
            LakeStatement::SetS3 { bucket, key, value } => self.set_s3(bucket, &key, &value),
            LakeStatement::ShowS3Settings => self.show_s3_settings(),
            LakeStatement::Crawl {
                location,
                database,
                options,
            } => self.crawl(&location, &database, &options).await,
            other => self.ddl(other),
        }
    }

    async fn use_database(&mut self, db: String) -> Result<StatementOutput> {
        if self.store.get_database(&db)?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .options_mut()
            .catalog
            .default_schema = db.clone();
        self.database = db.clone();
        Ok(StatementOutput::done("use", format!("Using database {db}")))
    }

    /// Names the scanned tables in a data error that does not name its file.
    fn with_scan_context(&self, error: LakeError) -> LakeError {
        let tables: Vec<String> = self
            .scan_stats
            .reports()
            .into_iter()
            .map(|r| format!("table {} at {}", r.table, r.location))
            .collect();
        let message = error.to_string();
        if error.code() != Some("HIVE_BAD_DATA") || tables.is_empty() || message.contains("file") {
            return error;
        }
        let message = message.strip_prefix("HIVE_BAD_DATA: ").unwrap_or(&message);
        LakeError::semantic(
            "HIVE_BAD_DATA",
            format!("{message} (reading {})", tables.join(", ")),
        )
    }

    /// `db` or the current database.
    fn database_or_current(&self, db: Option<&String>) -> String {
        db.cloned().unwrap_or_else(|| self.database.clone())
    }
}

//! [`Session`]: the one entry point every front end uses (REPL, scripts, `-c`, tests).
//!
//! A session owns a DataFusion context whose default catalog is the lakesql catalog,
//! the current database, and the counters that make each statement's statistics.

mod analyze;
mod catalog_ddl;
mod crawl;
mod diagnose;
mod explain;
mod last_query;
mod limits;
mod msck;
mod partition_ddl;
mod s3_settings;
mod show;
mod stats;
mod validate;
mod views;
mod write;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::information_schema::INFORMATION_SCHEMA;
use datafusion::common::TableReference;
use datafusion::dataframe::DataFrame;
use datafusion::execution::SessionState;
use datafusion::execution::context::{SQLOptions, SessionConfig, SessionContext};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::LogicalPlan;
use datafusion::sql::parser::Statement as DfStatement;

pub use limits::{LIMIT_NAMES, Limits};
pub use stats::{StatementStats, WriteCounts};

use crate::CATALOG_NAME;
use crate::catalog::{CatalogStore, DEFAULT_DATABASE, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::provider::parquet::FooterCache;
use crate::provider::scan_stats::{ScanSnapshot, planned_files};
use crate::provider::{LakeCatalog, ScanStats};
use crate::sql::ast::{Maintenance, SessionStatement, TableName};
use crate::sql::{LakeStatement, ScriptStatement, StatementKind, parse_statement, split_script};
use crate::storage::{RequestCounters, S3Config, StoreRegistry};

/// The result of one statement.
#[derive(Debug)]
pub struct StatementOutput {
    /// What kind of statement produced this.
    pub kind: StatementKind,
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
    /// The data files a write statement wrote (URLs), in the order it wrote them.
    pub written_files: Vec<String>,
}

/// What a statement's handler produces; the session adds the kind and the statistics.
#[derive(Debug)]
struct Outcome {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    returns_rows: bool,
    messages: Vec<String>,
    written: WriteCounts,
    written_files: Vec<String>,
}

impl Outcome {
    /// A result set.
    fn rows(batch: RecordBatch) -> Self {
        Outcome {
            schema: batch.schema(),
            batches: vec![batch],
            returns_rows: true,
            messages: vec![],
            written: WriteCounts::default(),
            written_files: Vec::new(),
        }
    }

    /// No rows, one message.
    fn done(message: impl Into<String>) -> Self {
        Outcome {
            schema: Arc::new(Schema::empty()),
            batches: vec![],
            returns_rows: false,
            messages: vec![message.into()],
            written: WriteCounts::default(),
            written_files: Vec::new(),
        }
    }
}

/// A lakesql session over a catalog.
pub struct Session {
    ctx: SessionContext,
    catalog: Arc<dyn CatalogStore>,
    lake_catalog: Arc<LakeCatalog>,
    counters: Arc<RequestCounters>,
    object_stores: Arc<StoreRegistry>,
    scan_stats: Arc<ScanStats>,
    database: String,
    base_dir: PathBuf,
    warehouse: PathBuf,
    progress: Option<ProgressFn>,
    last_query: last_query::LastQuery,
    /// Refuse statements that change the catalog (`--read-only`).
    read_only: bool,
    limits: Limits,
}

/// Receives progress text for long-running statements (MSCK); the shell shows it.
pub type ProgressFn = Arc<dyn Fn(&str) + Send + Sync>;

impl Session {
    /// A session over `catalog`, in the `default` database; relative LOCATIONs resolve
    /// against the current directory. S3 settings come from the AWS environment and
    /// lakesql's `s3.ini` (see [`S3Config::from_env`]).
    pub fn new(catalog: Arc<dyn CatalogStore>) -> Result<Self> {
        Self::with_s3_config(catalog, S3Config::from_env()?)
    }

    /// A session with the given S3 settings (nothing read from the environment).
    pub fn with_s3_config(catalog: Arc<dyn CatalogStore>, s3: S3Config) -> Result<Self> {
        let base_dir = std::env::current_dir()
            .map_err(|e| LakeError::io("cannot read the current directory", e))?;
        let config = SessionConfig::new()
            .with_create_default_catalog_and_schema(false)
            .with_default_catalog_and_schema(CATALOG_NAME, DEFAULT_DATABASE)
            .with_information_schema(true)
            .with_extension(Arc::new(FooterCache::default()));
        let counters = Arc::new(RequestCounters::default());
        let object_stores = Arc::new(StoreRegistry::new(counters.clone(), s3));
        let mut runtime =
            RuntimeEnvBuilder::new().with_object_store_registry(object_stores.clone());
        let memory_limit = memory_limit_from_env()?;
        if let Some(limit) = memory_limit {
            runtime = runtime.with_memory_limit(limit, 1.0);
        }
        let runtime = runtime.build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        crate::functions::register_all(&ctx)?;
        let scan_stats = Arc::new(ScanStats::default());
        let last_query = last_query::LastQuery::default();
        last_query::register(&ctx, &last_query);
        let lake_catalog = Arc::new(LakeCatalog::new(catalog.clone(), scan_stats.clone()));
        let state = ctx.state_weak_ref();
        lake_catalog
            .views()
            .attach(move || state.upgrade().map(|s| s.read().clone()));
        ctx.register_catalog(CATALOG_NAME, lake_catalog.clone());
        Ok(Session {
            ctx,
            catalog,
            lake_catalog,
            counters,
            object_stores,
            scan_stats,
            database: DEFAULT_DATABASE.to_string(),
            base_dir,
            warehouse: default_warehouse(),
            progress: None,
            last_query,
            read_only: false,
            limits: Limits {
                memory_limit: memory_limit.map(|m| m as u64),
                ..Limits::default()
            },
        })
    }

    /// Reads Parquet footers through `cache` (shared with other sessions, as `lakesql
    /// serve` does across its queries) instead of this session's own.
    pub fn share_footer_cache(&self, cache: Arc<FooterCache>) {
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .set_extension(cache);
    }

    /// The catalog (databases, tables, partitions).
    pub fn catalog(&self) -> &Arc<dyn CatalogStore> {
        &self.catalog
    }

    /// The request counters of this session's object stores.
    pub fn request_counters(&self) -> Arc<RequestCounters> {
        self.counters.clone()
    }

    /// The session's object stores (S3 settings live here).
    pub fn object_stores(&self) -> &Arc<StoreRegistry> {
        &self.object_stores
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

    /// Sets the folder CTAS places tables in when neither the statement nor the database
    /// gives a location (`<warehouse>/<db>/<table>/`).
    pub fn set_warehouse(&mut self, dir: PathBuf) {
        self.warehouse = dir;
    }

    /// Makes the session refuse every statement that changes the catalog (`--read-only`);
    /// queries, `SHOW`, `DESCRIBE`, `SET` and `UNLOAD` still run.
    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    fn check_read_only(&self, kind: StatementKind) -> Result<()> {
        if self.read_only && kind.changes_catalog() {
            return Err(LakeError::semantic(
                ErrorCode::ReadOnlyViolation,
                format!(
                    "{} changes the catalog, which is open read-only (--read-only)",
                    kind.athena_substatement().replace('_', " ")
                ),
            ));
        }
        Ok(())
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

    /// Runs one statement of a script: the one path every front end takes.
    pub async fn execute_statement(&mut self, stmt: ScriptStatement) -> Result<StatementOutput> {
        let started = Instant::now();
        let before = self.counters.snapshot();
        let catalog_before = self.catalog.requests();
        self.scan_stats.take();
        let parsed = parse_statement(stmt.tokens)?;
        let kind = parsed.kind();
        self.check_read_only(kind)?;
        let mut outcome = match self.limits.query_timeout {
            Some(limit) => tokio::time::timeout(limit, self.dispatch(parsed))
                .await
                .map_err(|_| Self::timed_out(limit))??,
            None => self.dispatch(parsed).await?,
        };
        let (reports, notices) = self.scan_stats.take();
        if kind == StatementKind::Explain {
            explain::append_scan_reports(&mut outcome, &reports)?;
        }
        outcome.messages.extend(notices);
        let stats = StatementStats::measure(
            kind,
            &outcome.batches,
            started.elapsed(),
            self.counters.snapshot() - before,
            ScanSnapshot::of(&reports),
            outcome.written,
            self.catalog.requests().saturating_sub(catalog_before),
        );
        if let Ok(mut last) = self.last_query.lock() {
            *last = (stats.clone(), reports);
        }
        Ok(StatementOutput {
            kind,
            schema: outcome.schema,
            batches: outcome.batches,
            returns_rows: outcome.returns_rows,
            messages: outcome.messages,
            stats,
            written_files: outcome.written_files,
        })
    }

    /// Hands each statement family to its handler.
    async fn dispatch(&mut self, statement: LakeStatement) -> Result<Outcome> {
        match statement {
            LakeStatement::Query(statement) => self.run_query(*statement).await,
            LakeStatement::Catalog(ddl) => self.catalog_ddl(ddl).await,
            LakeStatement::Partitions(ddl) => self.partition_ddl(ddl).await,
            LakeStatement::Show(show) => self.show(show).await,
            LakeStatement::Maintenance(m) => self.maintenance(m).await,
            LakeStatement::Session(s) => self.session_statement(s).await,
            LakeStatement::Write(w) => self.write_statement(w).await,
            LakeStatement::View(v) => self.view_statement(v).await,
        }
    }

    async fn maintenance(&mut self, statement: Maintenance) -> Result<Outcome> {
        match statement {
            Maintenance::Msck {
                name,
                mode,
                dry_run,
            } => self.msck(&name, mode, dry_run).await,
            Maintenance::ValidateProjection(name) => self.validate_projection(&name).await,
            Maintenance::Refresh(name) => self.refresh_table(&name).await,
            Maintenance::Crawl {
                location,
                database,
                options,
            } => self.crawl(&location, &database, &options).await,
            Maintenance::Analyze {
                name,
                partition,
                target,
            } => self.analyze(&name, partition, target).await,
        }
    }

    async fn session_statement(&mut self, statement: SessionStatement) -> Result<Outcome> {
        match statement {
            SessionStatement::Use(db) => {
                self.use_database(&db).await?;
                Ok(Outcome::done(format!("Using database {db}")))
            }
            SessionStatement::SetS3 { bucket, key, value } => self.set_s3(bucket, &key, &value),
            SessionStatement::ShowS3Settings => self.show_s3_settings(),
            SessionStatement::SetLimit { name, value } => self.set_limit_statement(&name, &value),
        }
    }

    async fn run_query(&mut self, statement: sqlparser::ast::Statement) -> Result<Outcome> {
        let (state, plan) = self.plan_query(statement).await?;
        SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .verify_plan(&plan)
            .map_err(|e| {
                LakeError::unsupported(format!(
                    "{}; lakesql changes the catalog with Athena DDL and writes data with \
                     CREATE TABLE AS, INSERT INTO and UNLOAD",
                    e.strip_backtrace()
                ))
            })?;
        let df = DataFrame::new(state, plan);
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let task = Arc::new(df.task_ctx());
        let physical = df
            .create_physical_plan()
            .await
            .map_err(|e| self.with_scan_context(e.into()))?;
        if self.scan_stats.any_exact_statistics() {
            self.scan_stats
                .mark_answered_from_statistics(&planned_files(&physical));
        }
        self.check_bytes_scanned()?;
        let batches = match datafusion::physical_plan::collect(physical.clone(), task.clone()).await
        {
            Ok(batches) => batches,
            Err(e) => {
                let error = diagnose::name_failing_file(e.into(), &physical, task).await;
                return Err(self.with_scan_context(error));
            }
        };
        Ok(Outcome {
            schema,
            batches,
            returns_rows: true,
            messages: vec![],
            written: WriteCounts::default(),
            written_files: Vec::new(),
        })
    }

    /// Plans a statement DataFusion runs, with the state it must run in: the one path
    /// queries and the queries inside writes take.
    async fn plan_query(
        &self,
        statement: sqlparser::ast::Statement,
    ) -> Result<(SessionState, LogicalPlan)> {
        let pseudo_columns = crate::provider::pseudo_columns::mentioned(&statement);
        let uses_try = crate::sql::trino::uses_try(&statement);
        let statement = DfStatement::Statement(Box::new(statement));
        let mut state = self.ctx.state();
        if uses_try {
            // Constant folding must not fail a statement whose failing expression is
            // inside Trino's `try(…)`, which gives NULL at execution: a rule that fails
            // is skipped (the plan stays correct, unfolded).
            state.config_mut().options_mut().optimizer.skip_failed_rules = true;
        }
        let references = state.resolve_table_references(&statement)?;
        let lists_tables = references
            .iter()
            .any(|r| r.schema() == Some(INFORMATION_SCHEMA));
        self.lake_catalog
            .refresh(lists_tables, pseudo_columns)
            .await?;
        match state.statement_to_plan(statement).await {
            Ok(plan) => Ok((state, plan)),
            Err(e) => Err(self.classify_plan_error(e.into(), &references).await),
        }
    }

    /// A planning error is `TABLE_NOT_FOUND` when a table the statement names in the lake
    /// catalog does not exist (DataFusion reports it as a planning error, with the
    /// position we keep).
    async fn classify_plan_error(
        &self,
        error: LakeError,
        references: &[TableReference],
    ) -> LakeError {
        if error.code() != ErrorCode::SemanticError {
            return error;
        }
        let state = self.ctx.state();
        if crate::provider::view::missing_table(&state, references, &self.catalog)
            .await
            .is_some()
        {
            return error.reclassify(ErrorCode::TableNotFound);
        }
        error
    }

    /// `USE db`: makes `db` the current database, failing when it does not exist. The
    /// name is taken as it is (no SQL quoting), as `--database` passes it.
    pub async fn use_database(&mut self, db: &str) -> Result<()> {
        if self.catalog.get_database(db).await?.is_none() {
            return Err(LakeError::database_not_found(db));
        }
        self.set_database(db);
        Ok(())
    }

    /// Makes `db` the database unqualified names resolve in, without checking that it
    /// exists: Athena's `QueryExecutionContext` works this way (`CREATE SCHEMA` may run
    /// in the context of the schema it creates; a missing one fails only when a table
    /// is looked up in it, with `SCHEMA_NOT_FOUND`). `USE` checks.
    pub fn set_database(&mut self, db: &str) {
        self.ctx
            .state_ref()
            .write()
            .config_mut()
            .options_mut()
            .catalog
            .default_schema = db.to_string();
        self.database = db.to_string();
    }

    /// Loads a table or fails with `SCHEMA_NOT_FOUND` / `TABLE_NOT_FOUND`.
    /// `REFRESH TABLE t`: the catalog forgets what it caches about `t` (a Glue catalog's
    /// definitions and partitions); the table must exist.
    async fn refresh_table(&mut self, name: &TableName) -> Result<Outcome> {
        let db = self.database_or_current(name.database.as_ref());
        self.catalog.refresh_table(&db, &name.name).await?;
        let table = self.load_table(name).await?;
        Ok(Outcome::done(format!(
            "Refreshed table {}",
            table.qualified_name()
        )))
    }

    async fn load_table(&self, name: &TableName) -> Result<Table> {
        let db = self.database_or_current(name.database.as_ref());
        if self.catalog.get_database(&db).await?.is_none() {
            return Err(LakeError::database_not_found(&db));
        }
        self.catalog
            .get_table(&db, &name.name)
            .await?
            .ok_or_else(|| LakeError::table_not_found(&db, &name.name))
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
        if error.code() != ErrorCode::HiveBadData
            || tables.is_empty()
            || diagnose::names_a_file(&message)
        {
            return error;
        }
        let message = message.strip_prefix("HIVE_BAD_DATA: ").unwrap_or(&message);
        LakeError::semantic(
            ErrorCode::HiveBadData,
            format!("{message} (reading {})", tables.join(", ")),
        )
    }

    /// `db` or the current database.
    fn database_or_current(&self, db: Option<&String>) -> String {
        db.cloned().unwrap_or_else(|| self.database.clone())
    }
}

/// `$LAKESQL_WAREHOUSE`, else `warehouse` in lakesql's data folder.
fn default_warehouse() -> PathBuf {
    std::env::var_os("LAKESQL_WAREHOUSE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            dirs::data_dir()
                .unwrap_or_else(std::env::temp_dir)
                .join("lakesql")
                .join("warehouse")
        })
}

/// `$LAKESQL_MEMORY_LIMIT` (`512M`, `2G`, or bytes): the memory DataFusion's operators may
/// reserve (sorts, aggregations, joins and the Parquet writer spill or fail beyond it).
fn memory_limit_from_env() -> Result<Option<usize>> {
    let Ok(text) = std::env::var("LAKESQL_MEMORY_LIMIT") else {
        return Ok(None);
    };
    let trimmed = text.trim();
    let (digits, unit) = match trimmed.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => trimmed.split_at(i),
        None => (trimmed, ""),
    };
    let scale: usize = match unit.to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" => 1 << 10,
        "M" | "MB" => 1 << 20,
        "G" | "GB" => 1 << 30,
        _ => 0,
    };
    match digits.parse::<usize>() {
        Ok(n) if scale > 0 && n > 0 => Ok(Some(n.saturating_mul(scale))),
        _ => Err(LakeError::invalid(format!(
            "LAKESQL_MEMORY_LIMIT = '{text}' is not a size (e.g. 512M, 2G)"
        ))),
    }
}

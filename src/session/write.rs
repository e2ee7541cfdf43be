//! CTAS, INSERT INTO and UNLOAD: the query is planned on the same path as any query,
//! its columns are matched to the target, `crate::write` writes and moves the files, and
//! the catalog records the table or its new partitions in one step at the end. Any
//! failure before that step removes what was written; the catalog is untouched.
//!
//! That step also records the row count of every Parquet file written as its file
//! statistics (as `ANALYZE … COMPUTE STATISTICS` would), since the writer knows it:
//! `count(*)` over freshly written data is then answered without reading it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use sqlparser::ast::Statement;

use super::stats::WriteCounts;
use super::{Outcome, Session};
use crate::catalog::storage_format::DataFormat;
use crate::catalog::{Column, FileStatistics, HiveType, Partition, Table, WriteRecord};
use crate::error::{ErrorCode, LakeError, Result};
use crate::projection::ProjectionConfig;
use crate::sql::ast::{CreateTableAs, InsertInto, Unload, WriteStatement};
use crate::storage::location::join_location;
use crate::storage::{LocationUrl, normalize_location};
use crate::write::columns::{ctas_columns, project_for_write};
use crate::write::destination::require_empty;
use crate::write::{
    Compression, Destination, OutputFormat, PropertyContext, Published, WriteJob, WriteOptions,
    Written, new_query_id,
};
use datafusion::execution::SessionState;
use datafusion::logical_expr::LogicalPlan;

impl Session {
    pub(super) async fn write_statement(&mut self, statement: WriteStatement) -> Result<Outcome> {
        match statement {
            WriteStatement::CreateTableAs(ctas) => self.create_table_as(*ctas).await,
            WriteStatement::Insert(insert) => self.insert_into(*insert).await,
            WriteStatement::Unload(unload) => self.unload(*unload).await,
        }
    }

    async fn create_table_as(&mut self, ctas: CreateTableAs) -> Result<Outcome> {
        let db = self.database_or_current(ctas.name.database.as_ref());
        let name = ctas.name.name.clone();
        let Some(database) = self.catalog.get_database(&db).await? else {
            return Err(LakeError::database_not_found(&db));
        };
        let qualified = format!("{db}.{name}");
        if self.catalog.get_table(&db, &name).await?.is_some() {
            if ctas.if_not_exists {
                return Ok(Outcome::done(format!("Table {qualified} already exists")));
            }
            return Err(LakeError::semantic(
                ErrorCode::AlreadyExists,
                format!("Table {qualified} already exists"),
            ));
        }
        let options = WriteOptions::parse(&ctas.properties, PropertyContext::CreateTableAs)?;
        let (state, plan) = self.plan_query(Statement::Query(ctas.query)).await?;
        let (columns, keys) = ctas_columns(&plan, &options.partitioned_by)?;
        check_text_columns(&options.format, &columns)?;
        let location = match &options.location {
            Some(l) => normalize_location(l, &self.base_dir)?,
            None => match &database.location_uri {
                Some(db_location) => join_location(db_location, &format!("{name}/")),
                None => self.warehouse_location(&db, &name)?,
            },
        };
        let store = self.store_for(&location)?;
        require_empty(&store, &location, "the table's").await?;
        let mut table = Table::external(
            &db,
            &name,
            options
                .format
                .storage_descriptor(location.clone(), options.compression),
        );
        table.storage_descriptor.columns = columns.clone();
        table.partition_keys = keys.clone();
        table.parameters = options.format.table_properties(options.compression);
        DataFormat::of_table(&table)?;
        if !ctas.with_data {
            self.catalog.create_table(&table, false).await?;
            return Ok(Outcome::done(format!(
                "Table {qualified} created (no data) at {location}"
            )));
        }
        let destination = Destination::new_folder(&location, keys);
        let written = self
            .write_query_as_is(&state, plan, &columns, &destination, &options, &qualified)
            .await?;
        let record = WriteRecord {
            database: db.clone(),
            table: name.clone(),
            partitions: new_partitions(&written.published),
            statistics: written_statistics(&written.published, &destination),
            create: Some(table),
        };
        self.catalog.record_write(&record).await?;
        let counts = counts(written.rows, &written.published, record.partitions.len());
        let files = file_urls(&written.published);
        written.published.commit();
        Ok(write_outcome(
            format!("Table {qualified} created at {location}"),
            counts,
            files,
        ))
    }

    async fn insert_into(&mut self, insert: InsertInto) -> Result<Outcome> {
        let table = self.load_table(&insert.table).await?;
        let qualified = table.qualified_name();
        super::views::refuse_view(&table, "INSERT INTO")?;
        let format = OutputFormat::of_table(&table)?;
        if let OutputFormat::Text(layout) = &format
            && layout.footer_lines > 0
        {
            return Err(LakeError::unsupported(format!(
                "cannot INSERT INTO {qualified}: it skips footer lines (skip.footer.line.count), \
                 which new files cannot end with"
            )));
        }
        let compression = format.table_compression(&table)?;
        let (state, plan) = self.plan_query(Statement::Query(insert.query)).await?;
        let data = &table.storage_descriptor.columns;
        let keys = &table.partition_keys;
        let sources = insert_sources(&table, &insert.columns, plan.schema().fields().len())?;
        let plan = project_for_write(plan, sources, data, keys, &qualified)?;
        let projection = if crate::projection::config::is_enabled(&table) {
            ProjectionConfig::of_table(&table, chrono::Utc::now())?
        } else {
            None
        };
        let registered = if table.is_partitioned() && projection.is_none() {
            self.catalog
                .partition_locations(&table.database_name, &table.name)
                .await?
        } else {
            Vec::new()
        };
        let destination = Destination::of_table(&table, &registered, projection)?;
        let written = self
            .run_write(&state, plan, &destination, &format, compression)
            .await?;
        let partitions = if destination.registers_partitions() {
            new_partitions(&written.published)
        } else {
            Vec::new()
        };
        let record = WriteRecord {
            database: table.database_name.clone(),
            table: table.name.clone(),
            create: None,
            partitions,
            statistics: written_statistics(&written.published, &destination),
        };
        let added = if record.partitions.is_empty() && record.statistics.is_empty() {
            0
        } else {
            self.catalog.record_write(&record).await?
        };
        let counts = counts(written.rows, &written.published, added);
        let files = file_urls(&written.published);
        written.published.commit();
        Ok(write_outcome(
            format!("Inserted into {qualified}"),
            counts,
            files,
        ))
    }

    async fn unload(&mut self, unload: Unload) -> Result<Outcome> {
        let options = WriteOptions::parse(&unload.properties, PropertyContext::Unload)?;
        let location = normalize_location(&unload.location, &self.base_dir)?;
        let (state, plan) = self.plan_query(Statement::Query(unload.query)).await?;
        let (columns, keys) = ctas_columns(&plan, &options.partitioned_by)?;
        check_text_columns(&options.format, &columns)?;
        let mut destination = Destination::new_folder(&location, keys);
        if destination.keys().is_empty() {
            let store = self.store_for(&location)?;
            require_empty(&store, &location, "the UNLOAD").await?;
        } else {
            destination.new_folders_must_be_empty = true;
        }
        let written = self
            .write_query_as_is(&state, plan, &columns, &destination, &options, "the UNLOAD")
            .await?;
        let counts = counts(written.rows, &written.published, 0);
        let files = file_urls(&written.published);
        written.published.commit();
        Ok(write_outcome(
            format!("Unloaded to {location}"),
            counts,
            files,
        ))
    }

    /// Writes every column of `plan` as it is (CTAS, UNLOAD): `columns` are its data
    /// columns, the destination's keys its last ones.
    async fn write_query_as_is(
        &self,
        state: &SessionState,
        plan: LogicalPlan,
        columns: &[Column],
        destination: &Destination,
        options: &WriteOptions,
        target: &str,
    ) -> Result<Written> {
        let keys = destination.keys();
        let sources = (0..columns.len() + keys.len()).map(Some).collect();
        let plan = project_for_write(plan, sources, columns, keys, target)?;
        self.run_write(
            state,
            plan,
            destination,
            &options.format,
            options.compression,
        )
        .await
    }

    /// Writes `plan`'s rows to `destination`, with a new query id and the session's
    /// progress receiver.
    async fn run_write(
        &self,
        state: &SessionState,
        plan: LogicalPlan,
        destination: &Destination,
        format: &OutputFormat,
        compression: Compression,
    ) -> Result<Written> {
        let job = WriteJob {
            plan,
            destination,
            format,
            compression,
            query_id: new_query_id(),
            progress: self.progress.clone(),
            admit: &|| self.check_bytes_scanned(),
        };
        crate::write::write(state, job)
            .await
            .map_err(|e| self.with_scan_context(e))
    }

    /// `<warehouse>/<db>/<table>/`, for a CTAS without a location in a database without one.
    fn warehouse_location(&self, db: &str, table: &str) -> Result<String> {
        let dir = self.warehouse.join(db).join(table);
        normalize_location(&format!("{}/", dir.display()), &self.base_dir)
    }

    fn store_for(&self, location: &str) -> Result<Arc<dyn object_store::ObjectStore>> {
        let url = LocationUrl::parse(location)?;
        Ok(self.ctx.runtime_env().object_store(&url.store)?)
    }
}

/// For each table column (data, then partition keys), the query column that fills it.
fn insert_sources(
    table: &Table,
    listed: &[String],
    query_columns: usize,
) -> Result<Vec<Option<usize>>> {
    let targets: Vec<&Column> = table.all_columns().collect();
    let qualified = table.qualified_name();
    if listed.is_empty() {
        if query_columns != targets.len() {
            return Err(column_count_error(&qualified, targets.len(), query_columns));
        }
        return Ok((0..targets.len()).map(Some).collect());
    }
    for (i, name) in listed.iter().enumerate() {
        if !targets.iter().any(|c| &c.name == name) {
            return Err(LakeError::semantic(
                ErrorCode::ColumnNotFound,
                format!("insert into {qualified}: the table has no column '{name}'"),
            ));
        }
        if listed[..i].contains(name) {
            return Err(LakeError::semantic(
                ErrorCode::SemanticError,
                format!("insert into {qualified}: column '{name}' is listed twice"),
            ));
        }
    }
    if query_columns != listed.len() {
        return Err(column_count_error(&qualified, listed.len(), query_columns));
    }
    Ok(targets
        .iter()
        .map(|c| listed.iter().position(|n| *n == c.name))
        .collect())
}

fn column_count_error(table: &str, expected: usize, got: usize) -> LakeError {
    LakeError::semantic(
        ErrorCode::SemanticError,
        format!("insert into {table}: the query has {got} columns but {expected} are inserted"),
    )
}

/// Delimited text holds only scalar columns (as lakesql reads it).
fn check_text_columns(format: &OutputFormat, columns: &[Column]) -> Result<()> {
    if !matches!(format, OutputFormat::Text(_)) {
        return Ok(());
    }
    for c in columns {
        let t: HiveType = c.parsed_type()?;
        if !t.is_primitive() || t == HiveType::Binary {
            return Err(LakeError::unsupported(format!(
                "column '{}' has type {t}, which TEXTFILE output cannot hold; write PARQUET, \
                 JSON or AVRO",
                c.name
            )));
        }
    }
    Ok(())
}

fn new_partitions(published: &Published) -> Vec<Partition> {
    let now = crate::catalog::model::now_seconds();
    published
        .partitions
        .iter()
        .filter(|p| p.is_new)
        .map(|p| Partition {
            values: p.values.clone(),
            location: p.location.clone(),
            parameters: Default::default(),
            create_time: now,
        })
        .collect()
}

/// File statistics for the written files whose rows the writer counted and whose
/// listing (modification time, ETag) is known: what costs nothing to record.
fn written_statistics(published: &Published, destination: &Destination) -> Vec<FileStatistics> {
    let values: HashMap<&str, &[String]> = published
        .partitions
        .iter()
        .map(|p| (p.location.as_str(), p.values.as_slice()))
        .collect();
    let now = crate::catalog::model::now_seconds();
    published
        .files
        .iter()
        .filter_map(|f| {
            let (rows, listed) = (f.rows?, f.listed.as_ref()?);
            let values = values.get(f.folder.as_str()).copied().unwrap_or_default();
            Some(FileStatistics {
                path: f.location.clone(),
                location: destination.scan_location(&f.folder, values),
                size: f.size,
                modified_nanos: listed.modified_nanos,
                e_tag: listed.e_tag.clone(),
                rows: Some(rows),
                columns: BTreeMap::new(),
                analyzed_at: now,
            })
        })
        .collect()
}

fn counts(rows: u64, published: &Published, partitions: usize) -> WriteCounts {
    WriteCounts {
        rows,
        bytes: published.bytes(),
        files: published.files.len() as u64,
        partitions: partitions as u64,
    }
}

fn write_outcome(message: String, written: WriteCounts, files: Vec<String>) -> Outcome {
    let mut outcome = Outcome::done(message);
    outcome.written = written;
    outcome.written_files = files;
    outcome
}

/// The URLs of the files a write published.
fn file_urls(published: &Published) -> Vec<String> {
    published.files.iter().map(|f| f.location.clone()).collect()
}

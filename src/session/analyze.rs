//! `ANALYZE TABLE t [PARTITION (…)] COMPUTE STATISTICS [NOSCAN | FOR COLUMNS … | FOR ALL
//! COLUMNS]`: per-file statistics for the catalog.
//!
//! The statistics are computed by one aggregate query over the table grouped by the
//! `"$path"` pseudo-column, planned and run like any query, so every format lakesql
//! reads is analysed by the same readers that later answer queries, and the values are
//! exact by construction. The files are then listed again: an entry is recorded only
//! for a file whose size and modification time are those the query read, with the
//! listing's ETag, so a file rewritten while `ANALYZE` ran is left out rather than
//! described by statistics of other contents.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, TimestampMillisecondType};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::Column as DfColumn;
use datafusion::common::TableReference;
use datafusion::functions_aggregate::expr_fn::{count, max, min};
use datafusion::logical_expr::{Expr, col, lit};

use super::{Outcome, Session};
use crate::CATALOG_NAME;
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::{ColumnStatistics, FileStatistics, StatisticsScope, Table};
use crate::error::{LakeError, Result};
use crate::provider::table::{LakeTable, LocatedFile};
use crate::sql::ast::{AnalyzeTarget, TableName};

/// How far the store's clock may be ahead of this machine's: a file modified at least this
/// long before ANALYZE started was listed by its query as it is now.
const SKEW_SECONDS: i64 = 60;

/// What the aggregate query measured of one file.
struct Measured {
    size: i64,
    modified_millis: i64,
    rows: u64,
    columns: BTreeMap<String, ColumnStatistics>,
}

impl Session {
    /// Runs `ANALYZE TABLE … COMPUTE STATISTICS`.
    pub(super) async fn analyze(
        &mut self,
        name: &TableName,
        partition: Option<Vec<(String, Option<String>)>>,
        target: AnalyzeTarget,
    ) -> Result<Outcome> {
        let table = self.load_data_table(name, "ANALYZE").await?;
        let columns = analysed_columns(&table, &target)?;
        let filters = partition_filters(&table, partition.as_deref())?;
        let provider = self.lake_table(&table).await?;
        let started = chrono::Utc::now();
        let measured = match target {
            AnalyzeTarget::NoScan => HashMap::new(),
            _ => self.measure(provider.clone(), &filters, &columns).await?,
        };
        let state = self.ctx.state();
        let (locations, listed) = provider
            .downcast_ref::<LakeTable>()
            .ok_or_else(|| LakeError::internal("a catalog table is not a LakeTable"))?
            .files_by_location(&state, &filters)
            .await?;
        let previous: HashMap<String, FileStatistics> = self
            .catalog
            .file_statistics(&table.database_name, &table.name, Some(&locations))
            .await?
            .into_iter()
            .map(|e| (e.path.clone(), e))
            .collect();
        let analyzed_at = crate::catalog::model::now_seconds();
        let mut entries = Vec::with_capacity(listed.len());
        let mut changed = 0;
        for file in listed {
            let seen = file.meta.last_modified < started - chrono::Duration::seconds(SKEW_SECONDS);
            let unmeasured = seen.then(|| empty_measurement(&columns, &file));
            let measured = measured.get(&file.path).or(unmeasured.as_ref());
            match entry(
                &file,
                measured,
                previous.get(&file.path),
                &target,
                analyzed_at,
            ) {
                Some(e) => entries.push(e),
                None => changed += 1,
            }
        }
        let scope = match partition {
            Some(_) if table.is_partitioned() => StatisticsScope::Locations(locations.clone()),
            _ => StatisticsScope::Table,
        };
        self.catalog
            .replace_file_statistics(&table.database_name, &table.name, &scope, &entries)
            .await?;
        Ok(Outcome::done(summary(
            &table, &target, &columns, &locations, &entries, changed,
        )))
    }

    /// The table's provider with its pseudo-columns.
    async fn lake_table(
        &self,
        table: &Table,
    ) -> Result<Arc<dyn datafusion::datasource::TableProvider>> {
        self.lake_catalog.refresh(false, true).await?;
        let reference = TableReference::full(CATALOG_NAME, &*table.database_name, &*table.name);
        Ok(self.ctx.table_provider(reference).await?)
    }

    /// Runs the aggregate query: per file, its rows and the statistics of `columns`.
    async fn measure(
        &self,
        provider: Arc<dyn datafusion::datasource::TableProvider>,
        filters: &[Expr],
        columns: &[(String, DataType, String)],
    ) -> Result<HashMap<String, Measured>> {
        let mut df = self.ctx.read_table(provider)?;
        for f in filters {
            df = df.filter(f.clone())?;
        }
        let group = ["$path", "$file_size", "$file_modified_time"]
            .map(|n| Expr::Column(DfColumn::new_unqualified(n)))
            .to_vec();
        let mut aggregates = vec![count(lit(1i64)).alias("rows")];
        for (i, (name, data_type, _)) in columns.iter().enumerate() {
            let c = Expr::Column(DfColumn::new_unqualified(name));
            aggregates.push(count(c.clone()).alias(format!("n{i}")));
            if is_ordered(data_type) {
                aggregates.push(min(c.clone()).alias(format!("min{i}")));
                aggregates.push(max(c).alias(format!("max{i}")));
            }
        }
        let batches = df.aggregate(group, aggregates)?.collect().await?;
        let mut out = HashMap::new();
        for batch in &batches {
            read_measurements(batch, columns, &mut out)?;
        }
        Ok(out)
    }
}

/// The columns `target` asks for: (name, Arrow type, Hive type), in table order.
fn analysed_columns(
    table: &Table,
    target: &AnalyzeTarget,
) -> Result<Vec<(String, DataType, String)>> {
    let wanted: Vec<&crate::catalog::Column> = match target {
        AnalyzeTarget::NoScan | AnalyzeTarget::Rows => Vec::new(),
        AnalyzeTarget::AllColumns => table.storage_descriptor.columns.iter().collect(),
        AnalyzeTarget::Columns(names) => {
            let mut wanted = Vec::new();
            for name in names {
                if table.partition_keys.iter().any(|k| k.name == *name) {
                    // A partition column's values are known per partition already.
                    continue;
                }
                let column = table
                    .storage_descriptor
                    .columns
                    .iter()
                    .find(|c| c.name == *name)
                    .ok_or_else(|| {
                        LakeError::semantic(
                            crate::error::ErrorCode::ColumnNotFound,
                            format!(
                                "ANALYZE: column '{name}' does not exist in table {}",
                                table.qualified_name()
                            ),
                        )
                    })?;
                wanted.push(column);
            }
            wanted
        }
    };
    wanted
        .into_iter()
        .map(|c| {
            Ok((
                c.name.clone(),
                c.parsed_type()?.to_arrow(),
                c.hive_type.to_lowercase(),
            ))
        })
        .collect()
}

/// The filters `PARTITION (k=v, …)` stands for; keys without a value do not restrict.
fn partition_filters(
    table: &Table,
    spec: Option<&[(String, Option<String>)]>,
) -> Result<Vec<Expr>> {
    let Some(spec) = spec else {
        return Ok(Vec::new());
    };
    if !table.is_partitioned() {
        return Err(LakeError::invalid(format!(
            "ANALYZE: table {} is not partitioned; leave out the PARTITION clause",
            table.qualified_name()
        )));
    }
    let keys = TypedKeys::of(table)?;
    let mut filters = Vec::new();
    for (key, value) in spec {
        let index = table
            .partition_keys
            .iter()
            .position(|k| k.name == *key)
            .ok_or_else(|| {
                LakeError::invalid(format!(
                    "ANALYZE: '{key}' is not a partition key of table {} (its keys: {})",
                    table.qualified_name(),
                    table.partition_key_names().join(", ")
                ))
            })?;
        let Some(value) = value else { continue };
        let typed = keys.typed(index, value)?;
        let column = col(DfColumn::new_unqualified(key));
        filters.push(match typed.is_null() {
            true => column.is_null(),
            false => column.eq(lit(typed)),
        });
    }
    Ok(filters)
}

/// Whether lakesql records min/max for values of this type.
fn is_ordered(data_type: &DataType) -> bool {
    data_type.is_numeric()
        || matches!(
            data_type,
            DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Boolean
                | DataType::Date32
                | DataType::Date64
                | DataType::Timestamp(_, _)
        )
}

/// Reads one batch of the aggregate query's result into `out`, by file path.
fn read_measurements(
    batch: &RecordBatch,
    columns: &[(String, DataType, String)],
    out: &mut HashMap<String, Measured>,
) -> Result<()> {
    let text = |name: &str| -> Result<ArrayRef> {
        let array = batch
            .column_by_name(name)
            .ok_or_else(|| LakeError::internal(format!("ANALYZE lost its {name} column")))?;
        Ok(cast(array, &DataType::Utf8)?)
    };
    let int = |name: &str| -> Result<ArrayRef> {
        Ok(cast(
            batch
                .column_by_name(name)
                .ok_or_else(|| LakeError::internal(format!("ANALYZE lost its {name} column")))?,
            &DataType::Int64,
        )?)
    };
    let paths = text("$path")?;
    let paths = paths.as_string::<i32>();
    let sizes = int("$file_size")?;
    let sizes = sizes.as_primitive::<Int64Type>();
    let times = batch
        .column_by_name("$file_modified_time")
        .map(|a| a.as_primitive::<TimestampMillisecondType>().clone())
        .ok_or_else(|| LakeError::internal("ANALYZE lost its modification times"))?;
    let rows = int("rows")?;
    let rows = rows.as_primitive::<Int64Type>();
    let mut per_column = Vec::new();
    for (i, (_, data_type, _)) in columns.iter().enumerate() {
        let counts = int(&format!("n{i}"))?;
        let bounds = match is_ordered(data_type) {
            true => Some((text(&format!("min{i}"))?, text(&format!("max{i}"))?)),
            false => None,
        };
        per_column.push((counts, bounds));
    }
    for r in 0..batch.num_rows() {
        let row_count = rows.value(r) as u64;
        let mut stats = BTreeMap::new();
        for ((name, _, hive_type), (counts, bounds)) in columns.iter().zip(&per_column) {
            let non_null = counts.as_primitive::<Int64Type>().value(r) as u64;
            let value = |a: &ArrayRef| {
                let a = a.as_string::<i32>();
                a.is_valid(r).then(|| a.value(r).to_string())
            };
            stats.insert(
                name.clone(),
                ColumnStatistics {
                    hive_type: hive_type.clone(),
                    min: bounds.as_ref().and_then(|(lo, _)| value(lo)),
                    max: bounds.as_ref().and_then(|(_, hi)| value(hi)),
                    nulls: row_count - non_null,
                },
            );
        }
        out.insert(
            paths.value(r).to_string(),
            Measured {
                size: sizes.value(r),
                modified_millis: times.value(r),
                rows: row_count,
                columns: stats,
            },
        );
    }
    Ok(())
}

/// The entry to record for a listed file; `None` when the file changed between the
/// query and the listing (or vanished from the query's view).
fn entry(
    file: &LocatedFile,
    measured: Option<&Measured>,
    previous: Option<&FileStatistics>,
    target: &AnalyzeTarget,
    analyzed_at: i64,
) -> Option<FileStatistics> {
    let meta = &file.meta;
    let modified_nanos = meta.last_modified.timestamp_nanos_opt()?;
    // What an earlier ANALYZE recorded of this very file (same size, time and ETag)
    // stays: row counts after NOSCAN, columns this run did not compute.
    let kept = previous.filter(|p| p.is_current(meta.size, modified_nanos, meta.e_tag.as_deref()));
    let mut entry = FileStatistics {
        path: file.path.clone(),
        location: file.location.clone(),
        size: meta.size,
        modified_nanos,
        e_tag: meta.e_tag.clone(),
        rows: kept.and_then(|p| p.rows),
        columns: kept.map(|p| p.columns.clone()).unwrap_or_default(),
        analyzed_at,
    };
    if *target == AnalyzeTarget::NoScan {
        return Some(entry);
    }
    // A file the query gave no row for is measured as empty only when it is older than
    // the query (see `empty_measurement`); otherwise (it may have arrived after the
    // query) it is left out, and queries read it as if it had never been analysed.
    let m = measured?;
    if m.size != meta.size as i64 || m.modified_millis != meta.last_modified.timestamp_millis() {
        return None;
    }
    entry.rows = Some(m.rows);
    entry.columns.extend(m.columns.clone());
    Some(entry)
}

/// The measurement of `file` when the query gave no row for it although it listed it as
/// it is now (it was modified well before the query started): no rows, no values.
fn empty_measurement(columns: &[(String, DataType, String)], file: &LocatedFile) -> Measured {
    Measured {
        size: file.meta.size as i64,
        modified_millis: file.meta.last_modified.timestamp_millis(),
        rows: 0,
        columns: columns
            .iter()
            .map(|(name, _, hive_type)| {
                (
                    name.clone(),
                    ColumnStatistics {
                        hive_type: hive_type.clone(),
                        min: None,
                        max: None,
                        nulls: 0,
                    },
                )
            })
            .collect(),
    }
}

/// The one-line report.
fn summary(
    table: &Table,
    target: &AnalyzeTarget,
    columns: &[(String, DataType, String)],
    locations: &[String],
    entries: &[FileStatistics],
    changed: usize,
) -> String {
    let mut line = format!(
        "analysed {}: {} file(s)",
        table.qualified_name(),
        entries.len()
    );
    if table.is_partitioned() {
        line.push_str(&format!(" in {} partition(s)", locations.len()));
    }
    let bytes: u64 = entries.iter().map(|e| e.size).sum();
    line.push_str(&format!(", {}", super::stats::human_bytes(bytes)));
    if *target != AnalyzeTarget::NoScan {
        let rows: u64 = entries.iter().filter_map(|e| e.rows).sum();
        line.push_str(&format!(", {rows} row(s)"));
    }
    if !columns.is_empty() {
        let names: Vec<&str> = columns.iter().map(|(n, _, _)| n.as_str()).collect();
        line.push_str(&format!("; column statistics for {}", names.join(", ")));
    }
    if changed > 0 {
        line.push_str(&format!(
            "; {changed} file(s) changed while being analysed and were left out (run ANALYZE again)"
        ));
    }
    line
}

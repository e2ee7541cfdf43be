//! Scans planned from the statistics `ANALYZE` stored in the catalog.
//!
//! A scan lists its files anyway; each listed file whose size, modification time and
//! ETag still equal those recorded is *current*, and only current entries are used:
//!
//! - files whose min/max/null counts prove that the scan's filters reject every row are
//!   dropped before anything is read (`files_skipped_by_statistics`);
//! - when every file read has a current entry, the scan reports exact row counts (and
//!   exact min/max of analysed and partition columns) to DataFusion, whose
//!   `AggregateStatistics` rule then answers `count(*)`, `min` and `max` without
//!   running the scan at all.
//!
//! A file without a current entry is read as if the table had never been analysed, so
//! a stale entry can cost a read but never change an answer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, BooleanArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::Session;
use datafusion::common::pruning::PruningStatistics;
use datafusion::common::stats::Precision;
use datafusion::common::{Column, ColumnStatistics as DfColumnStatistics, DFSchema, Statistics};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::physical_optimizer::pruning::PruningPredicateBuilder;
use datafusion::scalar::ScalarValue;

use crate::catalog::{FileStatistics, Table};
use crate::error::Result;

/// A scan's files, each with its store.
pub type ListedFiles = Vec<(ObjectStoreUrl, PartitionedFile)>;

/// The current statistics of the files of one scan, aligned with the files.
pub struct ScanFileStatistics {
    /// Per file (same order as the scan's files): its current entry, if any.
    entries: Vec<Option<Arc<FileStatistics>>>,
}

/// The table facts the statistics are read against.
pub struct StatisticsSchema<'a> {
    /// The table's columns then its partition (and pseudo) columns, as scans output them.
    pub table_schema: &'a SchemaRef,
    /// How many of `table_schema`'s fields are the table's own columns.
    pub columns: usize,
    /// The Hive type of each of the table's own columns, by lower-case name.
    pub hive_types: HashMap<String, String>,
}

impl<'a> StatisticsSchema<'a> {
    /// The facts of `table` whose scans output `table_schema`.
    pub fn new(table: &Table, table_schema: &'a SchemaRef) -> Self {
        let hive_types = table
            .storage_descriptor
            .columns
            .iter()
            .map(|c| (c.name.to_lowercase(), c.hive_type.to_lowercase()))
            .collect();
        StatisticsSchema {
            table_schema,
            columns: table.storage_descriptor.columns.len(),
            hive_types,
        }
    }
}

impl ScanFileStatistics {
    /// Matches the catalog's entries to the listed files; `None` when no file has a
    /// current entry.
    pub fn match_files(
        entries: Vec<FileStatistics>,
        files: &[(ObjectStoreUrl, PartitionedFile)],
    ) -> Option<Self> {
        if entries.is_empty() {
            return None;
        }
        let mut by_path: datafusion::common::HashMap<String, Arc<FileStatistics>> = entries
            .into_iter()
            .map(|mut e| (std::mem::take(&mut e.path), Arc::new(e)))
            .collect();
        // One buffer for the files' URLs (`object_url`), not one allocation per file.
        let mut url = String::new();
        let matched: Vec<Option<Arc<FileStatistics>>> = files
            .iter()
            .map(|(store, file)| {
                let meta = &file.object_meta;
                url.clear();
                url.push_str(store.as_str());
                url.push_str(meta.location.as_ref());
                let entry = by_path.remove(url.as_str())?;
                let modified = meta.last_modified.timestamp_nanos_opt()?;
                entry
                    .is_current(meta.size, modified, meta.e_tag.as_deref())
                    .then_some(entry)
            })
            .collect();
        matched
            .iter()
            .any(Option::is_some)
            .then_some(ScanFileStatistics { entries: matched })
    }

    /// Whether every file has a current entry with a row count.
    pub fn covers_all_rows(&self) -> bool {
        self.entries
            .iter()
            .all(|e| e.as_ref().is_some_and(|e| e.rows.is_some()))
    }

    /// Removes the files whose statistics prove that `filters` reject all their rows;
    /// returns the files kept, their entries, and how many were skipped.
    pub fn prune(
        self,
        state: &dyn Session,
        schema: &StatisticsSchema<'_>,
        filters: &[Expr],
        files: ListedFiles,
    ) -> Result<(ListedFiles, Self, u64)> {
        let Some(predicate) = conjunction(filters.iter().cloned().map(unnormalize_col)) else {
            return Ok((files, self, 0));
        };
        let df_schema = DFSchema::try_from(schema.table_schema.as_ref().clone())?;
        let Ok(physical) = state.create_physical_expr(predicate, &df_schema) else {
            // A filter that cannot be planned against the bare table schema (a
            // subquery, say) prunes nothing here; DataFusion still applies it.
            return Ok((files, self, 0));
        };
        // `None`: the filters say nothing statistics can check (or cannot be turned
        // into a pruning predicate); every file is kept.
        let Some(pruning) = PruningPredicateBuilder::new()
            .with_file_schema(schema.table_schema.clone())
            .build(physical)
        else {
            return Ok((files, self, 0));
        };
        let keep = pruning.prune(&FilePruningStatistics {
            schema,
            entries: &self.entries,
            files: &files,
        })?;
        let mut kept = Vec::with_capacity(files.len());
        let mut entries = Vec::with_capacity(files.len());
        let mut skipped = 0;
        for ((file, entry), keep) in files.into_iter().zip(self.entries).zip(keep) {
            if keep {
                kept.push(file);
                entries.push(entry);
            } else {
                skipped += 1;
            }
        }
        Ok((kept, ScanFileStatistics { entries }, skipped))
    }

    /// Attaches each current entry to its file as DataFusion statistics over the scan's
    /// schema: `file_fields` (the columns the files are read with, in order: the table's
    /// own, then any spare ones) then the partition (and pseudo) columns. Only the
    /// columns `needed` (by that index) get values; the others stay unknown, as the
    /// scan's projection would make them (a `count(*)` over 20,000 files then builds no
    /// per-file value at all).
    pub fn attach(
        &self,
        schema: &StatisticsSchema<'_>,
        file_fields: &[DataType],
        needed: &[bool],
        files: &mut [(ObjectStoreUrl, PartitionedFile)],
    ) {
        let columns = FileColumns {
            schema,
            file_fields,
            needed,
        };
        // Without a needed column, a file's statistics are its row count and size only:
        // files alike share one object (20,000 tiny files are a handful of distinct ones).
        let counts_only = !needed.iter().any(|&n| n);
        let mut shared: HashMap<(u64, u64), Arc<Statistics>> = HashMap::new();
        for ((_, file), entry) in files.iter_mut().zip(&self.entries) {
            if let Some(entry) = entry
                && let Some(rows) = entry.rows
            {
                let build = || Arc::new(columns.statistics(entry, rows, &file.partition_values));
                file.statistics = Some(if counts_only {
                    shared
                        .entry((rows, entry.size))
                        .or_insert_with(build)
                        .clone()
                } else {
                    build()
                });
            }
        }
    }
}

/// The columns of a scan that statistics are built for.
struct FileColumns<'a> {
    schema: &'a StatisticsSchema<'a>,
    file_fields: &'a [DataType],
    /// By index: the file fields, then the partition (and pseudo) columns.
    needed: &'a [bool],
}

impl FileColumns<'_> {
    /// The DataFusion statistics of one analysed file.
    fn statistics(
        &self,
        entry: &FileStatistics,
        rows: u64,
        partition_values: &[ScalarValue],
    ) -> Statistics {
        let rows = rows as usize;
        let schema = self.schema;
        let needed = |i: usize| self.needed.get(i).copied().unwrap_or(true);
        let mut columns: Vec<DfColumnStatistics> = self
            .file_fields
            .iter()
            .enumerate()
            .map(|(i, data_type)| {
                let field = schema
                    .table_schema
                    .fields()
                    .get(i)
                    .filter(|_| i < schema.columns && needed(i));
                match field {
                    // Lenient text columns are read as text and cast afterwards: their
                    // statistics (in table types) do not describe what the scan outputs.
                    Some(f) if f.data_type() == data_type => {
                        column_statistics(schema, entry, f.name(), data_type, rows)
                    }
                    _ => DfColumnStatistics::new_unknown(),
                }
            })
            .collect();
        let first = self.file_fields.len();
        columns.extend(partition_values.iter().enumerate().map(|(j, v)| {
            if !needed(first + j) {
                return DfColumnStatistics::new_unknown();
            }
            DfColumnStatistics::new_unknown()
                .with_min_value(Precision::Exact(v.clone()))
                .with_max_value(Precision::Exact(v.clone()))
                .with_null_count(Precision::Exact(if v.is_null() { rows } else { 0 }))
        }));
        Statistics {
            num_rows: Precision::Exact(rows),
            total_byte_size: Precision::Inexact(entry.size as usize),
            column_statistics: columns,
        }
    }
}

/// The statistics of one of the table's own columns in one file.
fn column_statistics(
    schema: &StatisticsSchema<'_>,
    entry: &FileStatistics,
    name: &str,
    data_type: &DataType,
    rows: usize,
) -> DfColumnStatistics {
    let Some(stats) = current_column(schema, entry, name) else {
        return DfColumnStatistics::new_unknown();
    };
    let mut out =
        DfColumnStatistics::new_unknown().with_null_count(Precision::Exact(stats.nulls as usize));
    if stats.nulls as usize >= rows {
        // No value (every row NULL, or no row): min and max stay unknown. An exact NULL
        // would be merged with other files' values as the smallest one.
        return out;
    }
    if let Some(min) = parse_value(stats.min.as_deref(), data_type) {
        out = out.with_min_value(Precision::Exact(min));
    }
    if let Some(max) = parse_value(stats.max.as_deref(), data_type) {
        out = out.with_max_value(Precision::Exact(max));
    }
    out
}

/// The entry's statistics of column `name` when they were taken under its current type.
fn current_column<'e>(
    schema: &StatisticsSchema<'_>,
    entry: &'e FileStatistics,
    name: &str,
) -> Option<&'e crate::catalog::ColumnStatistics> {
    let stats = entry.columns.get(name)?;
    let hive_type = schema.hive_types.get(name)?;
    (stats.hive_type.eq_ignore_ascii_case(hive_type)).then_some(stats)
}

/// A stored value parsed as `data_type`.
fn parse_value(text: Option<&str>, data_type: &DataType) -> Option<ScalarValue> {
    let value = ScalarValue::try_from_string(text?.to_string(), data_type).ok()?;
    (!value.is_null()).then_some(value)
}

/// The files of a scan as DataFusion's pruning containers.
struct FilePruningStatistics<'a, 's> {
    schema: &'a StatisticsSchema<'s>,
    entries: &'a [Option<Arc<FileStatistics>>],
    files: &'a [(ObjectStoreUrl, PartitionedFile)],
}

impl FilePruningStatistics<'_, '_> {
    /// Per file, the value `pick` gives for `column`, as one array; `None` when no
    /// file has one.
    fn values(
        &self,
        column: &Column,
        pick: impl Fn(&crate::catalog::ColumnStatistics) -> Option<&str>,
    ) -> Option<ArrayRef> {
        let index = self.schema.table_schema.index_of(&column.name).ok()?;
        let data_type = self.schema.table_schema.field(index).data_type();
        let null = ScalarValue::try_from(data_type).ok()?;
        let values = self
            .files
            .iter()
            .zip(self.entries)
            .map(|((_, file), entry)| {
                if index >= self.schema.columns {
                    // A partition or pseudo column: one value per file.
                    return file
                        .partition_values
                        .get(index - self.schema.columns)
                        .cloned()
                        .unwrap_or_else(|| null.clone());
                }
                entry
                    .as_ref()
                    .and_then(|e| current_column(self.schema, e, &column.name))
                    .and_then(|s| parse_value(pick(s), data_type))
                    .unwrap_or_else(|| null.clone())
            });
        ScalarValue::iter_to_array(values).ok()
    }
}

impl PruningStatistics for FilePruningStatistics<'_, '_> {
    fn min_values(&self, column: &Column) -> Option<ArrayRef> {
        self.values(column, |s| s.min.as_deref())
    }

    fn max_values(&self, column: &Column) -> Option<ArrayRef> {
        self.values(column, |s| s.max.as_deref())
    }

    fn num_containers(&self) -> usize {
        self.files.len()
    }

    fn null_counts(&self, column: &Column) -> Option<ArrayRef> {
        let index = self.schema.table_schema.index_of(&column.name).ok()?;
        let counts: UInt64Array = self
            .files
            .iter()
            .zip(self.entries)
            .map(|((_, file), entry)| {
                let rows = entry.as_ref().and_then(|e| e.rows)?;
                if index >= self.schema.columns {
                    let value = file.partition_values.get(index - self.schema.columns)?;
                    return Some(if value.is_null() { rows } else { 0 });
                }
                let entry = entry.as_ref()?;
                current_column(self.schema, entry, &column.name).map(|s| s.nulls)
            })
            .collect();
        Some(Arc::new(counts))
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        let counts: UInt64Array = self
            .entries
            .iter()
            .map(|e| e.as_ref().and_then(|e| e.rows))
            .collect();
        Some(Arc::new(counts))
    }

    #[allow(clippy::mutable_key_type)] // the trait's signature
    fn contained(&self, _column: &Column, _values: &HashSet<ScalarValue>) -> Option<BooleanArray> {
        None
    }
}

//! A table's registered partitions as Arrow arrays, and pruning them with the query's
//! partition filters.
//!
//! Partition filters are evaluated vectorised over the typed key columns, so any
//! predicate DataFusion can evaluate prunes (ranges, `IN`, `OR`, casts, functions), not
//! only equality on leading keys. An index is cached per session and reused while the
//! table's partition version in the catalog is unchanged: a query on a table with a
//! million partitions reads them from the catalog once, not per query.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef, BooleanArray, StringBuilder};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::DFSchema;
use datafusion::common::tree_node::TreeNode;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::scalar::ScalarValue;

use crate::catalog::partition_path::{DEFAULT_PARTITION_NAME, parse_partition_path};
use crate::catalog::{CatalogStore, Column, HiveType, PartitionLocation, Table};
use crate::error::{ErrorCode, LakeError, Result};

use super::partition_pushdown::catalog_expression;

/// The partitions of one table: typed key columns and locations, row-aligned.
#[derive(Debug)]
pub struct PartitionIndex {
    version: Option<i64>,
    keys: RecordBatch,
    locations: Vec<String>,
}

impl PartitionIndex {
    /// Builds the index from catalog rows; values parse as their key's type.
    pub fn build(
        table: &Table,
        version: Option<i64>,
        rows: Vec<PartitionLocation>,
    ) -> Result<Self> {
        let (texts, locations) = text_columns(table.partition_keys.len(), rows);
        let mut fields = Vec::with_capacity(texts.len());
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(texts.len());
        for (key, text) in table.partition_keys.iter().zip(texts) {
            let (field, typed) = typed_column(table, key, text)?;
            fields.push(field);
            columns.push(typed);
        }
        let keys = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            columns,
            &datafusion::arrow::record_batch::RecordBatchOptions::new()
                .with_row_count(Some(locations.len())),
        )
        .map_err(datafusion::error::DataFusionError::from)?;
        Ok(PartitionIndex {
            version,
            keys,
            locations,
        })
    }

    /// Number of partitions.
    pub fn len(&self) -> usize {
        self.locations.len()
    }

    /// Whether the table has no partitions.
    pub fn is_empty(&self) -> bool {
        self.locations.is_empty()
    }

    /// Rows whose values satisfy every filter (filters reference partition keys only).
    pub fn prune(&self, state: &dyn Session, filters: &[Expr]) -> Result<Vec<usize>> {
        let Some(predicate) = conjunction(filters.iter().cloned().map(unnormalize_col)) else {
            return Ok((0..self.len()).collect());
        };
        let df_schema = DFSchema::try_from(self.keys.schema().as_ref().clone())?;
        let physical = state.create_physical_expr(predicate, &df_schema)?;
        let result = physical.evaluate(&self.keys)?.into_array(self.len())?;
        let mask = result
            .as_any()
            .downcast_ref::<BooleanArray>()
            .ok_or_else(|| LakeError::invalid("partition filter is not a boolean expression"))?;
        Ok((0..self.len())
            .filter(|&i| mask.is_valid(i) && mask.value(i))
            .collect())
    }

    /// The location of row `i`.
    pub fn location(&self, i: usize) -> &str {
        &self.locations[i]
    }

    /// The typed values of row `i`, in key order.
    pub fn values(&self, i: usize) -> Result<Vec<ScalarValue>> {
        self.keys
            .columns()
            .iter()
            .map(|c| Ok(ScalarValue::try_from_array(c, i)?))
            .collect()
    }
}

/// The partition values of `rows` as text columns (one per key, missing and default
/// values as NULL), and the rows' locations.
fn text_columns(keys: usize, rows: Vec<PartitionLocation>) -> (Vec<StringBuilder>, Vec<String>) {
    let mut builders: Vec<StringBuilder> = (0..keys).map(|_| StringBuilder::new()).collect();
    let mut locations = Vec::with_capacity(rows.len());
    for row in rows {
        let values = parse_partition_path(&row.spec);
        for (i, b) in builders.iter_mut().enumerate() {
            match values.get(i).map(|(_, v)| v.as_str()) {
                None | Some("") | Some(DEFAULT_PARTITION_NAME) => b.append_null(),
                Some(v) => b.append_value(v),
            }
        }
        locations.push(row.location);
    }
    (builders, locations)
}

/// The text values of partition key `key` cast to its type; a value that does not
/// parse fails the whole index.
fn typed_column(table: &Table, key: &Column, mut text: StringBuilder) -> Result<(Field, ArrayRef)> {
    let strict = CastOptions {
        safe: false,
        ..Default::default()
    };
    let key_type: HiveType = key.parsed_type()?;
    let text = text.finish();
    let data_type = key_type.to_arrow();
    let typed = cast_with_options(&text, &data_type, &strict).map_err(|e| {
        LakeError::semantic(
            ErrorCode::HiveInvalidPartitionValue,
            format!(
                "table {}: a value of partition key '{}' is not a valid {key_type}: {e}",
                table.qualified_name(),
                key.name
            ),
        )
    })?;
    Ok((Field::new(&key.name, data_type, true), typed))
}

/// Per-session cache of partition indexes, keyed by table and checked against the
/// catalog's partition version.
#[derive(Debug, Default)]
pub struct PartitionCache {
    entries: Mutex<HashMap<(String, String), Arc<PartitionIndex>>>,
}

impl PartitionCache {
    /// The current index of `table`: cached while the catalog's partition version is
    /// unchanged, else loaded. A catalog without partition versions is read every time,
    /// with `filters` (the scan's partition filters) pushed down when it can filter:
    /// the index then holds only the partitions the catalog returned, and the second
    /// value is `true`.
    pub async fn index(
        &self,
        catalog: Arc<dyn CatalogStore>,
        table: &Table,
        filters: &[Expr],
    ) -> Result<(Arc<PartitionIndex>, bool)> {
        let key = (table.database_name.clone(), table.name.clone());
        let version = catalog.partition_version(&key.0, &key.1).await?;
        if let Some(version) = version
            && let Some(index) = self.entries.lock().ok().and_then(|e| e.get(&key).cloned())
            && index.version == Some(version)
        {
            return Ok((index, false));
        }
        let pushed = match version {
            None => match catalog_expression(table, filters) {
                Some(expression) => {
                    catalog
                        .partition_locations_where(table, &expression)
                        .await?
                }
                None => None,
            },
            Some(_) => None,
        };
        let filtered = pushed.is_some();
        let rows = match pushed {
            Some(rows) => rows,
            None => catalog.partition_locations(&key.0, &key.1).await?,
        };
        let owned = table.clone();
        // Parsing a million values is CPU work: off the runtime threads.
        let index =
            tokio::task::spawn_blocking(move || PartitionIndex::build(&owned, version, rows))
                .await??;
        let index = Arc::new(index);
        if version.is_some()
            && let Ok(mut entries) = self.entries.lock()
        {
            entries.insert(key, index.clone());
        }
        Ok((index, filtered))
    }
}

/// Whether a filter can be answered from partition values alone: it references only
/// partition keys, at least one, and is deterministic without subqueries.
pub fn is_partition_filter(expr: &Expr, keys: &[String]) -> bool {
    let columns = expr.column_refs();
    !columns.is_empty()
        && columns.iter().all(|c| keys.contains(&c.name))
        && !expr.is_volatile()
        && !expr
            .exists(|e| {
                Ok(matches!(
                    e,
                    Expr::ScalarSubquery(_)
                        | Expr::Exists(_)
                        | Expr::InSubquery(_)
                        | Expr::OuterReferenceColumn(..)
                        | Expr::Placeholder(_)
                ))
            })
            .unwrap_or(true)
}

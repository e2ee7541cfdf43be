//! Athena's pseudo-columns `"$path"`, `"$file_size"` and `"$file_modified_time"`: the
//! file each row comes from.
//!
//! They are added to a table's columns only for statements that name them (DataFusion
//! has no hidden columns, and `SELECT *` must not show them); such a statement's
//! `SELECT *` includes them. Their values travel with each file like partition values,
//! and a filter on them alone (`WHERE "$path" LIKE '%/2024/05/17/%'`) drops files before
//! they are read.

use std::ops::ControlFlow;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, BooleanArray, Int64Array, StringArray, TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::Session;
use datafusion::common::DFSchema;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::utils::conjunction;
use datafusion::scalar::ScalarValue;
use sqlparser::ast::{Statement, Visit, Visitor};

use crate::error::{LakeError, Result};
use crate::storage::location::object_url;

/// The pseudo-column names, in the order they follow a table's columns.
pub const NAMES: [&str; 3] = ["$path", "$file_size", "$file_modified_time"];

/// The pseudo-columns' fields.
pub fn fields() -> Vec<FieldRef> {
    vec![
        Arc::new(Field::new(NAMES[0], DataType::Utf8, true)),
        Arc::new(Field::new(NAMES[1], DataType::Int64, true)),
        Arc::new(Field::new(
            NAMES[2],
            DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
            true,
        )),
    ]
}

/// Whether `statement` names a pseudo-column.
pub fn mentioned(statement: &Statement) -> bool {
    struct Finder(bool);
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &sqlparser::ast::Expr) -> ControlFlow<()> {
            use sqlparser::ast::Expr as E;
            let name = match expr {
                E::Identifier(i) => Some(&i.value),
                E::CompoundIdentifier(parts) => parts.last().map(|i| &i.value),
                _ => None,
            };
            if name.is_some_and(|n| NAMES.contains(&n.to_lowercase().as_str())) {
                self.0 = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
    }
    let mut finder = Finder(false);
    let _ = statement.visit(&mut finder);
    finder.0
}

/// Appends each file's pseudo-column values to its partition values, and drops the
/// files that the filters on pseudo-columns alone reject.
pub fn attach(
    files: Vec<(ObjectStoreUrl, PartitionedFile)>,
    state: &dyn Session,
    filters: &[Expr],
) -> Result<Vec<(ObjectStoreUrl, PartitionedFile)>> {
    let paths: Vec<String> = files
        .iter()
        .map(|(store, f)| object_url(store, &f.object_meta.location))
        .collect();
    let sizes: Vec<i64> = files
        .iter()
        .map(|(_, f)| f.object_meta.size as i64)
        .collect();
    let times: Vec<i64> = files
        .iter()
        .map(|(_, f)| f.object_meta.last_modified.timestamp_millis())
        .collect();
    let keep = matching(state, filters, &paths, &sizes, &times)?;
    Ok(files
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep.as_ref().is_none_or(|k| k.value(*i) && !k.is_null(*i)))
        .map(|(i, (store, mut file))| {
            file.partition_values.extend([
                ScalarValue::Utf8(Some(paths[i].clone())),
                ScalarValue::Int64(Some(sizes[i])),
                ScalarValue::TimestampMillisecond(Some(times[i]), Some("UTC".into())),
            ]);
            (store, file)
        })
        .collect())
}

/// Evaluates the filters that use only pseudo-columns over the files; `None` when no
/// filter does.
fn matching(
    state: &dyn Session,
    filters: &[Expr],
    paths: &[String],
    sizes: &[i64],
    times: &[i64],
) -> Result<Option<BooleanArray>> {
    let own: Vec<Expr> = filters
        .iter()
        .filter(|f| {
            let columns = f.column_refs();
            !columns.is_empty() && columns.iter().all(|c| NAMES.contains(&c.name.as_str()))
        })
        .cloned()
        .map(|f| f.unalias_nested().data)
        .collect();
    let Some(predicate) = conjunction(own) else {
        return Ok(None);
    };
    let schema = Arc::new(Schema::new(fields()));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(paths.to_vec())),
        Arc::new(Int64Array::from(sizes.to_vec())),
        Arc::new(TimestampMillisecondArray::from(times.to_vec()).with_timezone("UTC")),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let df_schema = DFSchema::try_from(schema.as_ref().clone())?;
    let predicate = strip_qualifiers(predicate)?;
    let physical = state.create_physical_expr(predicate, &df_schema)?;
    let result = physical.evaluate(&batch)?.into_array(batch.num_rows())?;
    result
        .as_any()
        .downcast_ref::<BooleanArray>()
        .cloned()
        .map(Some)
        .ok_or_else(|| LakeError::internal("a pseudo-column filter did not give booleans"))
}

/// Filters reach the scan qualified with the table; the file batch is unqualified.
fn strip_qualifiers(e: Expr) -> Result<Expr> {
    use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
    Ok(e.transform(|e| match e {
        Expr::Column(c) if c.relation.is_some() => Ok(Transformed::yes(Expr::Column(
            datafusion::common::Column::new_unqualified(c.name),
        ))),
        other => Ok(Transformed::no(other)),
    })
    .data()?)
}

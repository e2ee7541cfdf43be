//! Matching file columns to table columns case-insensitively, as Hive and Athena do.
//!
//! The catalog keeps column names lower-case, but Parquet files written by Spark or
//! pandas often have `userId`. DataFusion maps file columns to table columns by exact name,
//! so those columns would read as NULL. [`LowerCaseNames`] renames, in each expression the
//! scan evaluates over a file, the table's column to the file's spelling when the two differ
//! only by case, then lets DataFusion's own adapter do the rest (casts, missing columns).
//! A file with two columns that differ only by case is matched exactly, as before.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::common::Result;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr_adapter::{
    DefaultPhysicalExprAdapterFactory, PhysicalExprAdapter, PhysicalExprAdapterFactory,
};

/// An expression adapter factory matching column names case-insensitively.
#[derive(Debug, Default)]
pub struct LowerCaseNames;

impl PhysicalExprAdapterFactory for LowerCaseNames {
    fn create(
        &self,
        logical_file_schema: SchemaRef,
        physical_file_schema: SchemaRef,
    ) -> Result<Arc<dyn PhysicalExprAdapter>> {
        let renames = renames(&logical_file_schema, &physical_file_schema);
        let logical = if renames.is_empty() {
            logical_file_schema
        } else {
            let fields: Vec<Field> = logical_file_schema
                .fields()
                .iter()
                .map(|f| match renames.get(f.name()) {
                    Some(to) => f.as_ref().clone().with_name(to),
                    None => f.as_ref().clone(),
                })
                .collect();
            Arc::new(Schema::new_with_metadata(
                fields,
                logical_file_schema.metadata().clone(),
            ))
        };
        let inner = DefaultPhysicalExprAdapterFactory.create(logical, physical_file_schema)?;
        Ok(Arc::new(CaseAdapter { renames, inner }))
    }
}

/// Table column name → file column name, for names that differ only by case.
fn renames(logical: &Schema, physical: &Schema) -> HashMap<String, String> {
    let mut by_lower: HashMap<String, Vec<&str>> = HashMap::new();
    for f in physical.fields() {
        by_lower
            .entry(f.name().to_lowercase())
            .or_default()
            .push(f.name());
    }
    logical
        .fields()
        .iter()
        .filter(|f| physical.field_with_name(f.name()).is_err())
        .filter_map(|f| match by_lower.get(&f.name().to_lowercase()) {
            Some(names) if names.len() == 1 => Some((f.name().clone(), names[0].to_string())),
            _ => None,
        })
        .collect()
}

#[derive(Debug)]
struct CaseAdapter {
    renames: HashMap<String, String>,
    inner: Arc<dyn PhysicalExprAdapter>,
}

impl PhysicalExprAdapter for CaseAdapter {
    fn rewrite(&self, expr: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
        let expr = if self.renames.is_empty() {
            expr
        } else {
            expr.transform(|e| {
                if let Some(c) = e.downcast_ref::<Column>()
                    && let Some(to) = self.renames.get(c.name())
                {
                    let renamed: Arc<dyn PhysicalExpr> = Arc::new(Column::new(to, c.index()));
                    return Ok(Transformed::yes(renamed));
                }
                Ok(Transformed::no(e))
            })
            .data()?
        };
        self.inner.rewrite(expr)
    }
}

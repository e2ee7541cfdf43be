//! The columns a write produces: the query's columns cast to the target's Hive types,
//! partition keys last (the file sink turns their values into folder names).
//!
//! CTAS takes its columns from the query (named and typed by it); INSERT matches the
//! query's columns to the table's by position or by a column list, with Trino's rule that
//! a column's type must be coercible to the table's (numbers to numbers, text to text;
//! casting text to a number needs an explicit CAST).

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column as DfColumn, ScalarValue};
use datafusion::logical_expr::{Expr, ExprSchemable, LogicalPlan, LogicalPlanBuilder, cast, lit};

use crate::catalog::{Column, HiveType};
use crate::error::{ErrorCode, LakeError, Result};

/// The catalog columns of a CTAS: the query's names (lower case) and Hive types, data
/// columns first, then the `partitioned_by` columns, which must come last in order.
pub fn ctas_columns(
    plan: &LogicalPlan,
    partitioned_by: &[String],
) -> Result<(Vec<Column>, Vec<Column>)> {
    let mut columns = query_columns(plan)?;
    for key in partitioned_by {
        if !columns.iter().any(|c| &c.name == key) {
            return Err(LakeError::semantic(
                ErrorCode::ColumnNotFound,
                format!("partition column '{key}' in partitioned_by is not a column of the query"),
            ));
        }
    }
    let data_count = columns.len() - partitioned_by.len();
    let tail: Vec<&str> = columns[data_count..]
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if tail
        != partitioned_by
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
    {
        return Err(LakeError::semantic(
            ErrorCode::HiveColumnOrderMismatch,
            format!(
                "partition columns must be the last columns of the query, in the order of \
                 partitioned_by: [{}]; the query ends with [{}]",
                partitioned_by.join(", "),
                tail.join(", ")
            ),
        ));
    }
    if data_count == 0 {
        return Err(LakeError::semantic(
            ErrorCode::SemanticError,
            "a table needs at least one column that is not a partition column",
        ));
    }
    let keys = columns.split_off(data_count);
    for key in &keys {
        let t = key.parsed_type()?;
        if !t.is_primitive() || t == HiveType::Binary {
            return Err(LakeError::semantic(
                ErrorCode::InvalidColumnType,
                format!(
                    "partition column '{}' has type {t}; partition columns must be primitive",
                    key.name
                ),
            ));
        }
    }
    Ok((columns, keys))
}

/// The query's columns as catalog columns: named (no unnamed expressions), unique, and of
/// a type a table can store.
fn query_columns(plan: &LogicalPlan) -> Result<Vec<Column>> {
    let mut columns: Vec<Column> = Vec::new();
    for (i, field) in plan.schema().fields().iter().enumerate() {
        let name = field.name().to_lowercase();
        if name.is_empty() || name.contains(['(', ')', '*', ' ']) {
            return Err(LakeError::semantic(
                ErrorCode::SemanticError,
                format!(
                    "column {} of the query ({}) has no name: give it one with AS",
                    i + 1,
                    field.name()
                ),
            ));
        }
        if columns.iter().any(|c| c.name == name) {
            return Err(LakeError::semantic(
                ErrorCode::ColumnAlreadyExists,
                format!("column name '{name}' appears more than once in the query"),
            ));
        }
        let hive_type = HiveType::from_arrow(field.data_type()).ok_or_else(|| {
            LakeError::semantic(
                ErrorCode::InvalidColumnType,
                format!(
                    "column '{name}' has type {}, which a table cannot store; CAST it",
                    field.data_type()
                ),
            )
        })?;
        columns.push(Column {
            name,
            hive_type: hive_type.to_string(),
            comment: None,
        });
    }
    Ok(columns)
}

/// Projects `plan` onto the target's columns: for each target column (data columns, then
/// partition keys), the source expression (`None`: NULL), cast to the column's type.
pub fn project_for_write(
    plan: LogicalPlan,
    sources: Vec<Option<usize>>,
    data: &[Column],
    keys: &[Column],
    table: &str,
) -> Result<LogicalPlan> {
    let schema = plan.schema().clone();
    let mut exprs = Vec::with_capacity(sources.len());
    for (target, source) in data.iter().chain(keys).zip(sources) {
        let hive = target.parsed_type()?;
        let to = hive.to_arrow();
        let expr = match source {
            None => cast(lit(ScalarValue::Null), to.clone()),
            Some(i) => {
                let expr = Expr::Column(DfColumn::from(schema.qualified_field(i)));
                let from = expr.get_type(&schema)?;
                check_coercible(&from, &to, target, table)?;
                if from == to {
                    expr
                } else {
                    cast(expr, to.clone())
                }
            }
        };
        exprs.push(expr.alias(target.name.clone()));
    }
    Ok(LogicalPlanBuilder::from(plan).project(exprs)?.build()?)
}

/// Trino's INSERT rule: the query's type must be coercible to the column's.
fn check_coercible(from: &DataType, to: &DataType, target: &Column, table: &str) -> Result<()> {
    use DataType::*;
    let numeric = |t: &DataType| t.is_numeric();
    let text = |t: &DataType| matches!(t, Utf8 | LargeUtf8 | Utf8View);
    let ok = from == to
        || *from == Null
        || (numeric(from) && numeric(to))
        || (text(from) && text(to))
        || matches!(
            (from, to),
            (Date32 | Date64, Date32 | Date64 | Timestamp(..))
        )
        || matches!((from, to), (Timestamp(..), Timestamp(..)))
        || matches!((from, to), (Binary | LargeBinary | BinaryView, Binary))
        || (from.is_nested()
            && to.is_nested()
            && datafusion::arrow::compute::can_cast_types(from, to));
    if ok {
        return Ok(());
    }
    Err(LakeError::semantic(
        ErrorCode::TypeMismatch,
        format!(
            "insert into {table}: column '{}' is {} but the query gives {}; CAST the value",
            target.name,
            target.hive_type,
            HiveType::from_arrow(from)
                .map(|t| t.to_string())
                .unwrap_or_else(|| from.to_string())
        ),
    ))
}

//! Trino's `try(expr)`: the value of `expr`, or NULL where evaluating it fails (division
//! by zero, a bad cast, a value a function cannot parse).
//!
//! DataFusion evaluates a function's arguments before calling it, so `try` cannot be an
//! ordinary function. The statement rewrite (`crate::sql::trino`) makes `try(e)` the
//! higher-order call `lakesql_try(1, _ -> e)`, whose lambda this function evaluates
//! itself: over the whole batch first, and, if that fails, row by row, with NULL for the
//! rows that fail. Constant folding would evaluate a constant body at planning and fail
//! there, so a statement that calls `try` skips a failed optimizer rule (the plan stays
//! correct, unfolded).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, UInt32Array, new_null_array};
use datafusion::arrow::compute::concat;
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature,
    HigherOrderUDFImpl, LambdaParametersProgress, ValueOrLambda, Volatility,
};

use super::{apply, lambda_at, value_at};

/// `lakesql_try`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Try {
    signature: HigherOrderSignature,
}

impl Try {
    /// The function.
    pub fn new() -> Self {
        Try {
            signature: HigherOrderSignature::exact(
                vec![ValueOrLambda::Value(()), ValueOrLambda::Lambda(())],
                Volatility::Immutable,
            ),
        }
    }
}

impl Default for Try {
    fn default() -> Self {
        Self::new()
    }
}

impl HigherOrderUDFImpl for Try {
    fn name(&self) -> &str {
        "lakesql_try"
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    fn coerce_value_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        Ok(types.to_vec())
    }

    /// The body is evaluated lazily: common subexpression elimination must not hoist a
    /// part of it out of the `try`, where its error would escape.
    fn short_circuits(&self) -> bool {
        true
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let Some(rows) = value_at(fields, 0) else {
            return plan_err!("try takes one expression");
        };
        Ok(LambdaParametersProgress::Complete(vec![vec![Arc::clone(
            rows,
        )]]))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        let Some(out) = lambda_at(args.arg_fields, 0) else {
            return plan_err!("try takes one expression");
        };
        Ok(Arc::new(out.as_ref().clone().with_nullable(true)))
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let (Some(marker), Some(lambda)) = (value_at(&args.args, 0), lambda_at(&args.args, 0))
        else {
            return plan_err!("try takes one expression");
        };
        let marker = marker.to_array(n)?;
        let all = UInt32Array::from_iter_values(0..n as u32);
        if let Ok(out) = apply(lambda, std::slice::from_ref(&marker), &all, n) {
            return Ok(ColumnarValue::Array(out));
        }
        let target = args.return_type().clone();
        let rows: Vec<ArrayRef> = (0..n)
            .map(|i| {
                let one = UInt32Array::from(vec![i as u32]);
                apply(lambda, &[marker.slice(i, 1)], &one, 1)
                    .unwrap_or_else(|_| new_null_array(&target, 1))
            })
            .collect();
        let refs: Vec<&dyn datafusion::arrow::array::Array> =
            rows.iter().map(|a| a.as_ref()).collect();
        Ok(ColumnarValue::Array(concat(&refs)?))
    }
}

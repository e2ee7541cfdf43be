//! `zip_with(a, b, (x, y) -> …)`: applies the lambda to the elements at the same
//! position; the shorter array is padded with NULLs. A NULL array gives NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, ListArray, UInt32Array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature,
    HigherOrderUDFImpl, LambdaParametersProgress, ValueOrLambda, Volatility,
};

use super::{apply, coerce_list, element_field, lambda_at, value_at};

/// `zip_with`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct ZipWith {
    signature: HigherOrderSignature,
}

impl ZipWith {
    /// The function.
    pub fn new() -> Self {
        ZipWith {
            signature: HigherOrderSignature::exact(
                vec![
                    ValueOrLambda::Value(()),
                    ValueOrLambda::Value(()),
                    ValueOrLambda::Lambda(()),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

impl Default for ZipWith {
    fn default() -> Self {
        Self::new()
    }
}

/// Element positions of both arrays (NULL past an array's end), the outer row of each
/// pair, and the zipped rows' lengths.
fn pair_positions(a: &ListArray, b: &ListArray, valid: &NullBuffer) -> [Vec<Option<u32>>; 3] {
    let (oa, ob) = (a.value_offsets(), b.value_offsets());
    let [mut pa, mut pb, mut rows] = [Vec::new(), Vec::new(), Vec::new()];
    for r in (0..a.len()).filter(|r| valid.is_valid(*r)) {
        let (la, lb) = ((oa[r + 1] - oa[r]) as u32, (ob[r + 1] - ob[r]) as u32);
        for j in 0..la.max(lb) {
            pa.push((j < la).then(|| oa[r] as u32 + j));
            pb.push((j < lb).then(|| ob[r] as u32 + j));
            rows.push(Some(r as u32));
        }
    }
    [pa, pb, rows]
}

impl HigherOrderUDFImpl for ZipWith {
    fn name(&self) -> &str {
        "zip_with"
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    fn coerce_value_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        types.iter().map(|t| coerce_list("zip_with", t)).collect()
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let (Some(a), Some(b)) = (value_at(fields, 0), value_at(fields, 1)) else {
            return plan_err!("zip_with takes two arrays and a lambda");
        };
        let nullable = |f: FieldRef| Arc::new(f.as_ref().clone().with_nullable(true));
        let x = nullable(element_field("zip_with", a.data_type())?);
        let y = nullable(element_field("zip_with", b.data_type())?);
        Ok(LambdaParametersProgress::Complete(vec![vec![x, y]]))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        let Some(out) = lambda_at(args.arg_fields, 0) else {
            return plan_err!("zip_with takes two arrays and a lambda");
        };
        let list = DataType::new_list(out.data_type().clone(), true);
        Ok(Arc::new(Field::new("", list, true)))
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let (Some(a), Some(b), Some(lambda)) = (
            value_at(&args.args, 0),
            value_at(&args.args, 1),
            lambda_at(&args.args, 0),
        ) else {
            return plan_err!("zip_with takes two arrays and a lambda");
        };
        let (a, b) = (a.to_array(n)?, b.to_array(n)?);
        let (a, b) = (a.as_list::<i32>(), b.as_list::<i32>());
        let valid = NullBuffer::union(a.nulls(), b.nulls()).unwrap_or(NullBuffer::new_valid(n));
        let [pa, pb, rows] = pair_positions(a, b, &valid);
        let mut lengths = vec![0usize; n];
        rows.iter()
            .flatten()
            .for_each(|r| lengths[*r as usize] += 1);
        let xs = take(a.values().as_ref(), &UInt32Array::from(pa), None)?;
        let ys = take(b.values().as_ref(), &UInt32Array::from(pb), None)?;
        let rows = UInt32Array::from(rows);
        let out = apply(lambda, &[xs, ys], &rows, rows.len())?;
        let DataType::List(field) = args.return_type() else {
            return plan_err!("zip_with returns an array");
        };
        let out = datafusion::arrow::compute::cast(&out, field.data_type())?;
        Ok(ColumnarValue::Array(Arc::new(ListArray::try_new(
            Arc::clone(field),
            OffsetBuffer::from_lengths(lengths),
            out,
            Some(valid),
        )?)))
    }
}

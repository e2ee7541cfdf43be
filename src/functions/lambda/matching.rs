//! `all_match(array, x -> …)` and `none_match(array, x -> …)` with Trino's
//! three-valued rules: `all_match` is false when a predicate is false, else NULL when one
//! is NULL, else true (an empty array is true); `none_match` is false when a predicate is
//! true, else NULL when one is NULL, else true. A NULL array gives NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature,
    HigherOrderUDF, HigherOrderUDFImpl, LambdaParametersProgress, ValueOrLambda, Volatility,
};

use super::{Elements, apply, coerce_list, element_field, lambda_at, value_at};

/// Which match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `all_match`: every predicate true.
    All,
    /// `none_match`: no predicate true.
    None,
}

/// `all_match` and `none_match`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Matching {
    mode: Mode,
    signature: HigherOrderSignature,
}

impl Matching {
    /// The function for `mode`.
    pub fn udf(mode: Mode) -> HigherOrderUDF {
        HigherOrderUDF::new_from_impl(Matching {
            mode,
            signature: HigherOrderSignature::exact(
                vec![ValueOrLambda::Value(()), ValueOrLambda::Lambda(())],
                Volatility::Immutable,
            ),
        })
    }

    /// The result for one array's predicates: `decisive` is the predicate value that
    /// settles the answer as false.
    fn fold(&self, predicates: impl Iterator<Item = Option<bool>>) -> Option<bool> {
        let decisive = self.mode == Mode::None;
        let mut unknown = false;
        for p in predicates {
            match p {
                Some(p) if p == decisive => return Some(false),
                Some(_) => {}
                None => unknown = true,
            }
        }
        if unknown { None } else { Some(true) }
    }
}

impl HigherOrderUDFImpl for Matching {
    fn name(&self) -> &str {
        match self.mode {
            Mode::All => "all_match",
            Mode::None => "none_match",
        }
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    fn coerce_value_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        match types {
            [t] => Ok(vec![coerce_list(self.name(), t)?]),
            _ => plan_err!("{} takes an array and a lambda", self.name()),
        }
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let Some(list) = value_at(fields, 0) else {
            return plan_err!("{} takes an array and a lambda", self.name());
        };
        let element = element_field(self.name(), list.data_type())?;
        Ok(LambdaParametersProgress::Complete(vec![vec![element]]))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        match lambda_at(args.arg_fields, 0).map(|f| f.data_type()) {
            Some(DataType::Boolean | DataType::Null) => {
                Ok(Arc::new(Field::new("", DataType::Boolean, true)))
            }
            other => plan_err!(
                "{}: the lambda must return boolean, got {other:?}",
                self.name()
            ),
        }
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let (Some(list), Some(lambda)) = (value_at(&args.args, 0), lambda_at(&args.args, 0)) else {
            return plan_err!("{} takes an array and a lambda", self.name());
        };
        let list = list.to_array(args.number_rows)?;
        let list = list.as_list::<i32>();
        let elements = Elements::new(list.value_offsets(), list.nulls())?;
        let values = elements.gather(list.values().as_ref())?;
        let len = values.len();
        let result = apply(lambda, &[values], &elements.rows, len)?;
        let result = datafusion::arrow::compute::cast(&result, &DataType::Boolean)?;
        let predicates = result.as_boolean();
        let out: BooleanArray = elements
            .offsets
            .windows(2)
            .enumerate()
            .map(|(row, w)| {
                if list.is_null(row) {
                    return None;
                }
                self.fold((w[0] as usize..w[1] as usize).map(|i| predicates_at(predicates, i)))
            })
            .collect();
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn predicates_at(predicates: &BooleanArray, i: usize) -> Option<bool> {
    predicates.is_valid(i).then(|| predicates.value(i))
}

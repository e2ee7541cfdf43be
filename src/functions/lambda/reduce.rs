//! `reduce(array, initialState, (s, x) -> s', s -> r)`: folds the elements in order,
//! then applies the output function to the final state. A NULL array gives NULL; NULL
//! elements and states are passed to the lambdas as they are.
//!
//! The state's type is found as Trino binds it: the input function is planned with the
//! initial state's type, and when it returns another type the state becomes the common
//! supertype of the two (`reduce(ARRAY[1.5], 0, (s, x) -> s + x, s -> s)` folds in
//! double); the initial state is cast to it. DataFusion's
//! [`LambdaParametersProgress::Partial`] expresses that two-step resolution.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt32Array};
use datafusion::arrow::compute::{cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::logical_expr::type_coercion::binary::comparison_coercion;
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature,
    HigherOrderUDFImpl, LambdaArgument, LambdaParametersProgress, ValueOrLambda, Volatility,
};

use super::{apply, coerce_list, element_field, lambda_at, value_at};

/// `reduce`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Reduce {
    signature: HigherOrderSignature,
}

impl Reduce {
    /// The function.
    pub fn new() -> Self {
        Reduce {
            signature: HigherOrderSignature::exact(
                vec![
                    ValueOrLambda::Value(()),
                    ValueOrLambda::Value(()),
                    ValueOrLambda::Lambda(()),
                    ValueOrLambda::Lambda(()),
                ],
                Volatility::Immutable,
            ),
        }
    }
}

impl Default for Reduce {
    fn default() -> Self {
        Self::new()
    }
}

/// The state type for an initial state of type `initial` and an input function
/// returning `output`.
fn state_type(initial: &DataType, output: &DataType) -> Result<DataType> {
    if initial == output || output.is_null() {
        return Ok(initial.clone());
    }
    if initial.is_null() {
        return Ok(output.clone());
    }
    match comparison_coercion(initial, output) {
        Some(t) => Ok(t),
        None => plan_err!(
            "reduce: the input function returns {output}, which does not match the initial state's type {initial}"
        ),
    }
}

fn nullable(t: DataType) -> FieldRef {
    Arc::new(Field::new("", t, true))
}

impl HigherOrderUDFImpl for Reduce {
    fn name(&self) -> &str {
        "reduce"
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    fn coerce_value_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        match types {
            [list, initial] => Ok(vec![coerce_list("reduce", list)?, initial.clone()]),
            _ => plan_err!("reduce takes an array, an initial state and two lambdas"),
        }
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let (Some(list), Some(initial), Some(input)) = (
            value_at(fields, 0),
            value_at(fields, 1),
            lambda_at(fields, 0),
        ) else {
            return plan_err!("reduce takes an array, an initial state and two lambdas");
        };
        let element = element_field("reduce", list.data_type())?;
        Ok(match input {
            None => LambdaParametersProgress::Partial(vec![
                Some(vec![nullable(initial.data_type().clone()), element]),
                None,
            ]),
            Some(output) => {
                let state = nullable(state_type(initial.data_type(), output.data_type())?);
                LambdaParametersProgress::Complete(vec![
                    vec![Arc::clone(&state), element],
                    vec![state],
                ])
            }
        })
    }

    fn coerce_values_for_lambdas(
        &self,
        fields: &[ValueOrLambda<DataType, DataType>],
    ) -> Result<Option<Vec<DataType>>> {
        let (Some(list), Some(initial), Some(output)) = (
            value_at(fields, 0),
            value_at(fields, 1),
            lambda_at(fields, 0),
        ) else {
            return plan_err!("reduce takes an array, an initial state and two lambdas");
        };
        Ok(Some(vec![list.clone(), state_type(initial, output)?]))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        match lambda_at(args.arg_fields, 1) {
            Some(output) => Ok(nullable(output.data_type().clone())),
            None => plan_err!("reduce takes an array, an initial state and two lambdas"),
        }
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let n = args.number_rows;
        let (Some(list), Some(initial), Some(input), Some(output)) = (
            value_at(&args.args, 0),
            value_at(&args.args, 1),
            lambda_at(&args.args, 0),
            lambda_at(&args.args, 1),
        ) else {
            return plan_err!("reduce takes an array, an initial state and two lambdas");
        };
        let list = list.to_array(n)?;
        let state = fold(list.as_list::<i32>(), initial.to_array(n)?, input)?;
        let valid: Vec<u32> = (0..n as u32)
            .filter(|r| list.is_valid(*r as usize))
            .collect();
        let valid = UInt32Array::from(valid);
        let states = take(&state, &valid, None)?;
        let out = apply(output, &[states], &valid, valid.len())?;
        let mut next = 0u32;
        let back: UInt32Array = (0..n)
            .map(|r| {
                list.is_valid(r).then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        Ok(ColumnarValue::Array(take(&out, &back, None)?))
    }
}

/// Folds each row's elements into its state, element position by position.
fn fold(
    list: &datafusion::arrow::array::ListArray,
    mut state: ArrayRef,
    input: &LambdaArgument,
) -> Result<ArrayRef> {
    let state_type = state.data_type().clone();
    let offsets = list.value_offsets();
    let length = |r: usize| (offsets[r + 1] - offsets[r]) as usize;
    let longest = (0..list.len())
        .filter(|r| list.is_valid(*r))
        .map(length)
        .max()
        .unwrap_or(0);
    for j in 0..longest {
        let active: Vec<u32> = (0..list.len())
            .filter(|r| list.is_valid(*r) && length(*r) > j)
            .map(|r| r as u32)
            .collect();
        let positions: UInt32Array = active
            .iter()
            .map(|r| offsets[*r as usize] as u32 + j as u32)
            .collect();
        let active = UInt32Array::from(active);
        let states = take(&state, &active, None)?;
        let elements = take(list.values().as_ref(), &positions, None)?;
        let next = apply(input, &[states, elements], &active, active.len())?;
        let next = cast(&next, &state_type)?;
        state = scatter(&state, &next, &active)?;
    }
    Ok(state)
}

/// `state` with the rows `at` replaced by `values`.
fn scatter(state: &ArrayRef, values: &ArrayRef, at: &UInt32Array) -> Result<ArrayRef> {
    let n = state.len() as u32;
    let mut indices: Vec<u32> = (0..n).collect();
    for (i, row) in at.values().iter().enumerate() {
        indices[*row as usize] = n + i as u32;
    }
    let both = concat(&[state.as_ref(), values.as_ref()])?;
    Ok(take(&both, &UInt32Array::from(indices), None)?)
}

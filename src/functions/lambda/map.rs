//! Map lambdas over `(k, v)`: `transform_values` (new values), `transform_keys` (new
//! keys; a NULL or duplicate key is an error, as in Trino) and `map_filter` (the
//! entries whose predicate is true; NULL drops the entry). A NULL map gives NULL.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, MapArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::compute::{cast, filter};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, HigherOrderFunctionArgs, HigherOrderReturnFieldArgs, HigherOrderSignature,
    HigherOrderUDF, HigherOrderUDFImpl, LambdaParametersProgress, ValueOrLambda, Volatility,
};

use super::{Elements, apply, lambda_at, value_at};

/// Which map lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// `transform_values(map, (k, v) -> v')`.
    TransformValues,
    /// `transform_keys(map, (k, v) -> k')`.
    TransformKeys,
    /// `map_filter(map, (k, v) -> boolean)`.
    Filter,
}

/// `transform_values`, `transform_keys` and `map_filter`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MapLambda {
    mode: Mode,
    signature: HigherOrderSignature,
}

impl MapLambda {
    /// The function for `mode`.
    pub fn udf(mode: Mode) -> HigherOrderUDF {
        HigherOrderUDF::new_from_impl(MapLambda {
            mode,
            signature: HigherOrderSignature::exact(
                vec![ValueOrLambda::Value(()), ValueOrLambda::Lambda(())],
                Volatility::Immutable,
            ),
        })
    }
}

/// The key and value fields of a map type.
fn key_value(name: &str, t: &DataType) -> Result<(FieldRef, FieldRef)> {
    if let DataType::Map(entries, _) = t
        && let DataType::Struct(kv) = entries.data_type()
        && kv.len() == 2
    {
        return Ok((Arc::clone(&kv[0]), Arc::clone(&kv[1])));
    }
    plan_err!("{name} expects a map, got {t}")
}

/// A map type with the given key and value types.
pub fn map_type(key: &DataType, value: &DataType) -> DataType {
    let kv = Fields::from(vec![
        Field::new("key", key.clone(), false),
        Field::new("value", value.clone(), true),
    ]);
    DataType::Map(
        Arc::new(Field::new("entries", DataType::Struct(kv), false)),
        false,
    )
}

/// Builds a map array of `return_type` from gathered keys and values.
pub fn build_map(
    return_type: &DataType,
    offsets: OffsetBuffer<i32>,
    keys: ArrayRef,
    values: ArrayRef,
    nulls: Option<datafusion::arrow::buffer::NullBuffer>,
) -> Result<ArrayRef> {
    let DataType::Map(entries, sorted) = return_type else {
        return exec_err!("expected a map type, got {return_type}");
    };
    let DataType::Struct(kv) = entries.data_type() else {
        return exec_err!("expected map entries, got {}", entries.data_type());
    };
    let keys = cast(&keys, kv[0].data_type())?;
    let values = cast(&values, kv[1].data_type())?;
    let entries_array = StructArray::try_new(kv.clone(), vec![keys, values], None)?;
    Ok(Arc::new(MapArray::try_new(
        Arc::clone(entries),
        offsets,
        entries_array,
        nulls,
        *sorted,
    )?))
}

impl HigherOrderUDFImpl for MapLambda {
    fn name(&self) -> &str {
        match self.mode {
            Mode::TransformValues => "transform_values",
            Mode::TransformKeys => "transform_keys",
            Mode::Filter => "map_filter",
        }
    }

    fn signature(&self) -> &HigherOrderSignature {
        &self.signature
    }

    fn coerce_value_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        match types {
            [t] => key_value(self.name(), t).map(|_| vec![t.clone()]),
            _ => plan_err!("{} takes a map and a lambda", self.name()),
        }
    }

    fn lambda_parameters(
        &self,
        _step: usize,
        fields: &[ValueOrLambda<FieldRef, Option<FieldRef>>],
    ) -> Result<LambdaParametersProgress> {
        let Some(map) = value_at(fields, 0) else {
            return plan_err!("{} takes a map and a lambda", self.name());
        };
        let (k, v) = key_value(self.name(), map.data_type())?;
        Ok(LambdaParametersProgress::Complete(vec![vec![k, v]]))
    }

    fn return_field_from_args(&self, args: HigherOrderReturnFieldArgs) -> Result<FieldRef> {
        let (Some(map), Some(lambda)) =
            (value_at(args.arg_fields, 0), lambda_at(args.arg_fields, 0))
        else {
            return plan_err!("{} takes a map and a lambda", self.name());
        };
        let (k, v) = key_value(self.name(), map.data_type())?;
        let out = lambda.data_type();
        let t = match self.mode {
            Mode::TransformValues => map_type(k.data_type(), out),
            Mode::TransformKeys => map_type(out, v.data_type()),
            Mode::Filter if matches!(out, DataType::Boolean | DataType::Null) => {
                map.data_type().clone()
            }
            Mode::Filter => {
                return plan_err!("map_filter: the lambda must return boolean, got {out}");
            }
        };
        Ok(Arc::new(Field::new("", t, true)))
    }

    fn invoke_with_args(&self, args: HigherOrderFunctionArgs) -> Result<ColumnarValue> {
        let (Some(map), Some(lambda)) = (value_at(&args.args, 0), lambda_at(&args.args, 0)) else {
            return plan_err!("{} takes a map and a lambda", self.name());
        };
        let map = map.to_array(args.number_rows)?;
        let map = map.as_map();
        let elements = Elements::new(map.value_offsets(), map.nulls())?;
        let keys = elements.gather(map.keys().as_ref())?;
        let values = elements.gather(map.values().as_ref())?;
        let params = [Arc::clone(&keys), Arc::clone(&values)];
        let out = apply(lambda, &params, &elements.rows, keys.len())?;
        let (offsets, nulls, t) = (elements.offsets, elements.nulls, args.return_type());
        let result = match self.mode {
            Mode::TransformValues => build_map(t, offsets, keys, out, nulls)?,
            Mode::TransformKeys => {
                check_keys(&out, &offsets)?;
                build_map(t, offsets, out, values, nulls)?
            }
            Mode::Filter => {
                let keep = cast(&out, &DataType::Boolean)?;
                let keep = keep_true(keep.as_boolean());
                let lengths = offsets.windows(2).map(|w| {
                    (w[0] as usize..w[1] as usize)
                        .filter(|i| keep.value(*i))
                        .count()
                });
                let offsets = OffsetBuffer::from_lengths(lengths);
                let (keys, values) = (filter(&keys, &keep)?, filter(&values, &keep)?);
                build_map(t, offsets, keys, values, nulls)?
            }
        };
        Ok(ColumnarValue::Array(result))
    }
}

/// The predicate with NULL read as false.
fn keep_true(predicate: &BooleanArray) -> BooleanArray {
    predicate.iter().map(|p| Some(p.unwrap_or(false))).collect()
}

/// `transform_keys`: new keys must be non-NULL and distinct within each map.
fn check_keys(keys: &ArrayRef, offsets: &OffsetBuffer<i32>) -> Result<()> {
    if keys.logical_null_count() > 0 {
        return exec_err!("transform_keys: map key cannot be null");
    }
    let converter = RowConverter::new(vec![SortField::new(keys.data_type().clone())])?;
    let rows = converter.convert_columns(std::slice::from_ref(keys))?;
    for w in offsets.windows(2) {
        let mut seen = HashSet::new();
        for i in w[0] as usize..w[1] as usize {
            if !seen.insert(rows.row(i)) {
                let key = ScalarValue::try_from_array(keys, i)?;
                return exec_err!("transform_keys: duplicate map keys ({key}) are not allowed");
            }
        }
    }
    Ok(())
}

//! Trino's array functions where DataFusion's differ: `element_at` (arrays and maps),
//! `contains` (arrays, and strings as DataFusion's), `slice`, `sequence` (a descending
//! default step), `array_sort` (NULLs last), `array_max`/`array_min` (NULL when an
//! element is NULL), `array_position` (0 when absent), `reverse` (arrays too).
//! Most are rewritten into DataFusion's own array functions.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Array, ListArray};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Int64Type, IntervalMonthDayNano};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::functions_nested::expr_fn as nested;
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{Expr, ScalarUDF, lit, when};

use super::rewrite::Rewrite;
use crate::functions::common::{RowFunction, invalid};

/// The array functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        Rewrite::udf("element_at", coerce_element_at, ret_element, element_at),
        Rewrite::udf("contains", coerce_contains, ret_bool, contains),
        Rewrite::udf("reverse", coerce_same, ret_first, reverse),
        Rewrite::udf("array_sort", coerce_list, ret_first, array_sort),
        Rewrite::udf("array_max", coerce_list, ret_element, array_max),
        Rewrite::udf("array_min", coerce_list, ret_element, array_min),
        Rewrite::udf("array_position", coerce_contains, ret_i64, array_position),
        Rewrite::udf("sequence", coerce_sequence, ret_sequence, sequence),
        RowFunction::udf("slice", &[], coerce_slice, ret_first, slice),
        datafusion::functions_nested::remove::array_remove_all_udf()
            .as_ref()
            .clone()
            .with_aliases(["array_remove"]),
        datafusion::functions_nested::arrays_zip::arrays_zip_udf()
            .as_ref()
            .clone()
            .with_aliases(["zip"]),
    ]
}

fn element_type(t: &DataType) -> Option<&DataType> {
    match t {
        DataType::List(f) | DataType::LargeList(f) | DataType::FixedSizeList(f, _) => {
            Some(f.data_type())
        }
        _ => None,
    }
}

fn map_types(t: &DataType) -> Option<(&DataType, &DataType)> {
    match t {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => Some((kv[0].data_type(), kv[1].data_type())),
            _ => None,
        },
        _ => None,
    }
}

fn list_of(t: &DataType) -> Result<DataType> {
    match t {
        DataType::FixedSizeList(f, _) | DataType::LargeList(f) => Ok(DataType::List(f.clone())),
        DataType::List(_) => Ok(t.clone()),
        DataType::Null => Ok(DataType::List(Arc::new(
            datafusion::arrow::datatypes::Field::new_list_field(DataType::Null, true),
        ))),
        other => plan_err!("expected an array, got {other}"),
    }
}

fn coerce_list(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [t] => Ok(vec![list_of(t)?]),
        _ => plan_err!("{name} takes one array"),
    }
}

fn coerce_same(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [t] if element_type(t).is_some() => Ok(vec![list_of(t)?]),
        [DataType::Utf8View | DataType::LargeUtf8 | DataType::Utf8 | DataType::Null] => {
            Ok(vec![DataType::Utf8])
        }
        _ => plan_err!("{name} takes one array or string, got {types:?}"),
    }
}

fn coerce_element_at(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [m, _] if map_types(m).is_some() => {
            let key = map_types(m)
                .map(|(k, _)| k.clone())
                .unwrap_or(DataType::Null);
            Ok(vec![m.clone(), key])
        }
        [l, i] if element_type(l).is_some() && (i.is_integer() || i.is_null()) => {
            Ok(vec![list_of(l)?, DataType::Int64])
        }
        _ => plan_err!("{name} takes an array and an index or a map and a key, got {types:?}"),
    }
}

fn coerce_contains(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [l, _] if element_type(l).is_some() => {
            let list = list_of(l)?;
            let element = element_type(&list).cloned().unwrap_or(DataType::Null);
            Ok(vec![list, element])
        }
        [a, b] if !a.is_nested() && !b.is_nested() && name == "contains" => {
            Ok(vec![DataType::Utf8, DataType::Utf8])
        }
        _ => plan_err!("{name} takes an array and an element, got {types:?}"),
    }
}

fn coerce_slice(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    match types {
        [l, s, n] if (s.is_integer() || s.is_null()) && (n.is_integer() || n.is_null()) => {
            Ok(vec![list_of(l)?, DataType::Int64, DataType::Int64])
        }
        _ => plan_err!("{name} takes an array, a start and a length, got {types:?}"),
    }
}

fn coerce_sequence(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    let interval = DataType::Interval(datafusion::arrow::datatypes::IntervalUnit::MonthDayNano);
    match types {
        [a, b] | [a, b, _] if a.is_integer() && b.is_integer() => {
            Ok(vec![DataType::Int64; types.len()])
        }
        [
            DataType::Date32 | DataType::Date64,
            DataType::Date32 | DataType::Date64,
        ] => Ok(vec![DataType::Date32, DataType::Date32]),
        [
            DataType::Date32 | DataType::Date64,
            DataType::Date32 | DataType::Date64,
            DataType::Interval(_),
        ] => Ok(vec![DataType::Date32, DataType::Date32, interval]),
        [
            DataType::Timestamp(u, tz),
            DataType::Timestamp(..),
            DataType::Interval(_),
        ] => {
            let t = DataType::Timestamp(*u, tz.clone());
            Ok(vec![t.clone(), t, interval])
        }
        _ => plan_err!("{name}: unsupported arguments {types:?}"),
    }
}

fn ret_first(types: &[DataType]) -> Result<DataType> {
    Ok(types[0].clone())
}

fn ret_bool(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Boolean)
}

fn ret_i64(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Int64)
}

fn ret_element(types: &[DataType]) -> Result<DataType> {
    match (element_type(&types[0]), map_types(&types[0])) {
        (Some(t), _) | (None, Some((_, t))) => Ok(t.clone()),
        _ => plan_err!("expected an array or a map, got {}", types[0]),
    }
}

fn ret_sequence(types: &[DataType]) -> Result<DataType> {
    Ok(DataType::List(Arc::new(
        datafusion::arrow::datatypes::Field::new_list_field(types[0].clone(), true),
    )))
}

fn call(udf: Arc<ScalarUDF>, args: Vec<Expr>) -> Expr {
    Expr::ScalarFunction(ScalarFunction::new_udf(udf, args))
}

fn two(args: Vec<Expr>) -> (Expr, Expr) {
    let mut it = args.into_iter();
    (
        it.next().unwrap_or(lit(ScalarValue::Null)),
        it.next().unwrap_or(lit(ScalarValue::Null)),
    )
}

fn element_at(args: Vec<Expr>, types: &[DataType]) -> Result<Expr> {
    let (container, key) = two(args);
    if map_types(&types[0]).is_some() {
        return Ok(nested::array_element(
            nested::map_extract(container, key),
            lit(1i64),
        ));
    }
    if matches!(&key, Expr::Literal(ScalarValue::Int64(Some(0)), _)) {
        return plan_err!("element_at: SQL array indices start at 1");
    }
    Ok(nested::array_element(container, key))
}

fn contains(args: Vec<Expr>, types: &[DataType]) -> Result<Expr> {
    if element_type(&types[0]).is_some() {
        let (list, element) = two(args);
        return Ok(nested::array_has(list, element));
    }
    Ok(call(datafusion::functions::string::contains(), args))
}

fn reverse(args: Vec<Expr>, types: &[DataType]) -> Result<Expr> {
    if element_type(&types[0]).is_some() {
        return Ok(call(
            datafusion::functions_nested::reverse::array_reverse_udf(),
            args,
        ));
    }
    Ok(call(datafusion::functions::unicode::reverse(), args))
}

fn array_sort(args: Vec<Expr>, _: &[DataType]) -> Result<Expr> {
    let (list, _) = two(args);
    Ok(nested::array_sort(list, lit("ASC"), lit("NULLS LAST")))
}

/// `array_max`/`array_min`: NULL when any element is NULL, as in Trino.
fn without_nulls(list: Expr, value: Expr) -> Result<Expr> {
    let complete =
        nested::cardinality(nested::array_compact(list.clone())).eq(nested::cardinality(list));
    when(complete, value).end()
}

fn array_max(args: Vec<Expr>, _: &[DataType]) -> Result<Expr> {
    let (list, _) = two(args);
    without_nulls(list.clone(), nested::array_max(list))
}

fn array_min(args: Vec<Expr>, _: &[DataType]) -> Result<Expr> {
    let (list, _) = two(args);
    without_nulls(list.clone(), nested::array_min(list))
}

fn array_position(args: Vec<Expr>, _: &[DataType]) -> Result<Expr> {
    let (list, element) = two(args);
    let found = datafusion::prelude::cast(
        nested::array_position(list.clone(), element.clone(), lit(1i64)),
        DataType::Int64,
    );
    let absent = list.is_null().or(element.is_null());
    when(absent, lit(ScalarValue::Int64(None))).otherwise(
        datafusion::functions::core::expr_fn::coalesce(vec![found, lit(0i64)]),
    )
}

/// `sequence(start, stop[, step])`: the default step is 1 (a day for dates), or -1
/// when `stop` is before `start`.
fn sequence(args: Vec<Expr>, types: &[DataType]) -> Result<Expr> {
    let mut it = args.into_iter();
    let (start, stop) = (
        it.next().unwrap_or(lit(0i64)),
        it.next().unwrap_or(lit(0i64)),
    );
    let step = match it.next() {
        Some(step) if types[0] != DataType::Int64 => day_time_step(step)?,
        Some(step) => step,
        None if types[0] == DataType::Int64 => {
            when(start.clone().lt_eq(stop.clone()), lit(1i64)).otherwise(lit(-1i64))?
        }
        None => {
            let day = |n: i32| {
                lit(ScalarValue::IntervalMonthDayNano(Some(
                    IntervalMonthDayNano::new(0, n, 0),
                )))
            };
            when(start.clone().lt_eq(stop.clone()), day(1)).otherwise(day(-1))?
        }
    };
    Ok(nested::gen_series(start, stop, step))
}

/// A date or timestamp step: DataFusion adds month steps cumulatively (Jan 31, Feb 29,
/// Mar 29) where Trino adds them to the start (Mar 31), so only literal day-time steps
/// are accepted.
fn day_time_step(step: Expr) -> Result<Expr> {
    match &step {
        Expr::Literal(ScalarValue::IntervalMonthDayNano(Some(v)), _) if v.months == 0 => Ok(step),
        Expr::Literal(ScalarValue::IntervalDayTime(Some(_)), _) => Ok(step),
        _ => plan_err!(
            "sequence: only literal day-to-second interval steps are supported for dates and timestamps (month and year steps are not)"
        ),
    }
}

/// `slice(array, start, length)`: 1-based `start`, negative from the end.
fn slice(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let list = args[0].as_list::<i32>();
    let starts = args[1].as_primitive::<Int64Type>();
    let lengths = args[2].as_primitive::<Int64Type>();
    let mut indices: Vec<i64> = Vec::new();
    let mut offsets = vec![0i32];
    let mut valid = Vec::with_capacity(list.len());
    for row in 0..list.len() {
        let ok = !(list.is_null(row) || starts.is_null(row) || lengths.is_null(row));
        valid.push(ok);
        if ok {
            let (start, length) = (starts.value(row), lengths.value(row));
            if start == 0 {
                return invalid("slice", "SQL array indices start at 1");
            }
            if length < 0 {
                return invalid("slice", "length must be greater than or equal to 0");
            }
            let first = i64::from(list.value_offsets()[row]);
            let len = i64::from(list.value_offsets()[row + 1]) - first;
            let from = if start > 0 { start - 1 } else { len + start };
            if from >= 0 && from < len {
                indices.extend(first + from..first + (from + length).min(len));
            }
        }
        offsets.push(indices.len() as i32);
    }
    let values = take(list.values().as_ref(), &Int64Array::from(indices), None)?;
    let field = match args[0].data_type() {
        DataType::List(f) => f.clone(),
        other => return invalid("slice", format!("expected an array, got {other}")),
    };
    let nulls = NullBuffer::from(valid);
    Ok(Arc::new(ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        values,
        Some(nulls),
    )?))
}

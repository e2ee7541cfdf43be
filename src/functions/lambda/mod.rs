//! Trino's lambda functions as DataFusion higher-order functions
//! ([`HigherOrderUDFImpl`]): `all_match`/`none_match` ([`matching`]), `reduce`
//! ([`reduce`]), `transform_values`/`transform_keys`/`map_filter` ([`map`]) and
//! `zip_with` ([`zip_with`]). `transform`, `filter` and `any_match` are DataFusion's own
//! (see [`aliases`]).
//!
//! Every function evaluates its lambda once per batch over the flattened elements: the
//! elements of the non-NULL rows are gathered ([`Elements`]) and the lambda's captured
//! columns are repeated to one value per element ([`apply`]).

pub mod map;
pub mod matching;
pub mod reduce;
pub mod try_fn;
mod zip_with;

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, UInt32Array};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::{take, take_arrays};
use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::{Result, plan_err};
use datafusion::functions_nested::{array_any_match, array_filter, array_transform};
use datafusion::logical_expr::{HigherOrderUDF, LambdaArgument, ValueOrLambda};

/// The lambda functions, for [`super::register_all`].
pub fn functions() -> Vec<HigherOrderUDF> {
    let mut all = aliases();
    all.extend([
        matching::Matching::udf(matching::Mode::All),
        matching::Matching::udf(matching::Mode::None),
        HigherOrderUDF::new_from_impl(reduce::Reduce::new()),
        map::MapLambda::udf(map::Mode::TransformValues),
        map::MapLambda::udf(map::Mode::TransformKeys),
        map::MapLambda::udf(map::Mode::Filter),
        HigherOrderUDF::new_from_impl(zip_with::ZipWith::new()),
        HigherOrderUDF::new_from_impl(try_fn::Try::new()),
    ]);
    all
}

/// Trino's names for DataFusion's lambda functions of the same semantics.
fn aliases() -> Vec<HigherOrderUDF> {
    vec![
        array_transform::array_transform_higher_order_function()
            .as_ref()
            .clone()
            .with_aliases(["transform"]),
        array_filter::array_filter_higher_order_function()
            .as_ref()
            .clone()
            .with_aliases(["filter"]),
        array_any_match::array_any_match_higher_order_function()
            .as_ref()
            .clone()
            .with_aliases(["any_match"]),
    ]
}

/// The `List` type an array argument is coerced to.
pub fn coerce_list(name: &str, t: &DataType) -> Result<DataType> {
    match t {
        DataType::List(_) => Ok(t.clone()),
        DataType::LargeList(f)
        | DataType::FixedSizeList(f, _)
        | DataType::ListView(f)
        | DataType::LargeListView(f) => Ok(DataType::List(Arc::clone(f))),
        DataType::Null => Ok(DataType::new_list(DataType::Null, true)),
        other => plan_err!("{name} expects an array, got {other}"),
    }
}

/// The element field of a `List` type.
pub fn element_field(name: &str, t: &DataType) -> Result<FieldRef> {
    match t {
        DataType::List(f) => Ok(Arc::clone(f)),
        other => plan_err!("{name} expects an array, got {other}"),
    }
}

/// The value argument at `i` (lambdas are skipped when counting).
pub fn value_at<V, L>(args: &[ValueOrLambda<V, L>], i: usize) -> Option<&V> {
    args.iter()
        .filter_map(|a| match a {
            ValueOrLambda::Value(v) => Some(v),
            ValueOrLambda::Lambda(_) => None,
        })
        .nth(i)
}

/// The lambda argument at `i` (values are skipped when counting).
pub fn lambda_at<V, L>(args: &[ValueOrLambda<V, L>], i: usize) -> Option<&L> {
    args.iter()
        .filter_map(|a| match a {
            ValueOrLambda::Lambda(l) => Some(l),
            ValueOrLambda::Value(_) => None,
        })
        .nth(i)
}

/// The elements of the non-NULL rows of a list or map: where each one is in the
/// child array, which row it belongs to, and the offsets of the rows once gathered.
pub struct Elements {
    /// Positions in the child array, in row order.
    pub positions: UInt32Array,
    /// The row of each gathered element.
    pub rows: UInt32Array,
    /// Offsets of the rows in the gathered elements (NULL rows are empty).
    pub offsets: OffsetBuffer<i32>,
    /// The rows' validity.
    pub nulls: Option<NullBuffer>,
}

impl Elements {
    /// The elements of a list or map given its offsets and validity.
    pub fn new(offsets: &[i32], nulls: Option<&NullBuffer>) -> Result<Self> {
        let mut positions = Vec::new();
        let mut rows = Vec::new();
        let mut lengths = Vec::with_capacity(offsets.len().saturating_sub(1));
        for (row, w) in offsets.windows(2).enumerate() {
            let valid = nulls.is_none_or(|n| n.is_valid(row));
            let len = if valid { (w[1] - w[0]) as usize } else { 0 };
            if valid {
                positions.extend(w[0] as u32..w[1] as u32);
                rows.extend(std::iter::repeat_n(row as u32, len));
            }
            lengths.push(len);
        }
        Ok(Elements {
            positions: UInt32Array::from(positions),
            rows: UInt32Array::from(rows),
            offsets: OffsetBuffer::from_lengths(lengths),
            nulls: nulls.cloned(),
        })
    }

    /// The gathered elements of `child`.
    pub fn gather(&self, child: &dyn Array) -> Result<ArrayRef> {
        Ok(take(child, &self.positions, None)?)
    }
}

/// Evaluates `lambda` with `params` (one array per parameter, all of length `len`);
/// the captured columns are taken at `rows` (the outer row of each of the `len` rows).
pub fn apply(
    lambda: &LambdaArgument,
    params: &[ArrayRef],
    rows: &UInt32Array,
    len: usize,
) -> Result<ArrayRef> {
    let closures: Vec<Box<dyn Fn() -> Result<ArrayRef>>> = params
        .iter()
        .map(|p| {
            let p = Arc::clone(p);
            Box::new(move || Ok(Arc::clone(&p))) as Box<dyn Fn() -> Result<ArrayRef>>
        })
        .collect();
    let refs: Vec<&dyn Fn() -> Result<ArrayRef>> = closures.iter().map(|c| c.as_ref()).collect();
    lambda
        .evaluate(&refs, |captures| Ok(take_arrays(captures, rows, None)?))?
        .into_array(len)
}

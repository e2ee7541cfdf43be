//! Trino's `cardinality`: the number of elements of an array (its outer elements, also
//! when they are arrays) or of entries of a map, as `bigint`. DataFusion's counts every
//! element of a nested array (`cardinality(ARRAY[ARRAY[1, 2], ARRAY[3]])` is 3 there, 2
//! in Trino).

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, Int64Array};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, exec_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The function.
pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(Cardinality {
        signature: Signature::any(1, Volatility::Immutable),
    })]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Cardinality {
    signature: Signature,
}

impl ScalarUDFImpl for Cardinality {
    fn name(&self) -> &str {
        "cardinality"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let value = args.args[0].to_array(args.number_rows)?;
        let lengths: Int64Array = match value.data_type() {
            DataType::List(_) => counts(value.as_list::<i32>().value_offsets(), value.nulls()),
            DataType::LargeList(_) => counts(value.as_list::<i64>().value_offsets(), value.nulls()),
            DataType::Map(..) => counts(value.as_map().value_offsets(), value.nulls()),
            DataType::FixedSizeList(_, n) => (0..value.len())
                .map(|i| value.is_valid(i).then_some(i64::from(*n)))
                .collect(),
            DataType::Null => Int64Array::new_null(value.len()),
            other => return exec_err!("cardinality takes an array or a map, not {other}"),
        };
        Ok(ColumnarValue::Array(Arc::new(lengths)))
    }
}

fn counts<O: Copy + Into<i64>>(
    offsets: &[O],
    nulls: Option<&datafusion::arrow::buffer::NullBuffer>,
) -> Int64Array {
    offsets
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let valid = nulls.is_none_or(|n| n.is_valid(i));
            valid.then(|| w[1].into() - w[0].into())
        })
        .collect()
}

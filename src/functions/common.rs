//! The shared shape of most Trino scalar functions: coerce the arguments to fixed Arrow
//! types, evaluate row by row over arrays of equal length, return one array.
//!
//! [`RowFunction`] holds plain function pointers for the three steps, so a function is a
//! name, a coercion rule, a return-type rule and a kernel; constants in, constant out.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// Maps the argument types a query passes to the types the kernel receives.
pub type Coerce = fn(&str, &[DataType]) -> Result<Vec<DataType>>;
/// The result type for the coerced argument types.
pub type ReturnType = fn(&[DataType]) -> Result<DataType>;
/// Evaluates the function over coerced arrays of equal length.
pub type Kernel = fn(&[ArrayRef], &DataType) -> Result<ArrayRef>;

/// A scalar function given by its coercion, return type and row kernel.
#[derive(Debug)]
pub struct RowFunction {
    name: &'static str,
    aliases: Vec<String>,
    signature: Signature,
    coerce: Coerce,
    return_type: ReturnType,
    kernel: Kernel,
}

impl PartialEq for RowFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RowFunction {}

impl Hash for RowFunction {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl RowFunction {
    /// A deterministic function.
    pub fn udf(
        name: &'static str,
        aliases: &[&str],
        coerce: Coerce,
        return_type: ReturnType,
        kernel: Kernel,
    ) -> ScalarUDF {
        ScalarUDF::new_from_impl(RowFunction {
            name,
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            signature: Signature::user_defined(Volatility::Immutable),
            coerce,
            return_type,
            kernel,
        })
    }
}

impl ScalarUDFImpl for RowFunction {
    fn name(&self) -> &str {
        self.name
    }

    fn aliases(&self) -> &[String] {
        &self.aliases
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        (self.coerce)(self.name, arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        (self.return_type)(arg_types)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let constant = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out = (self.kernel)(&arrays, args.return_type())?;
        if constant && out.len() == 1 {
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?))
        } else {
            Ok(ColumnarValue::Array(out))
        }
    }
}

/// What an argument is coerced to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Want {
    /// Any string type becomes `Utf8`.
    Str,
    /// Any integer becomes `Int64`.
    Int,
    /// Any number becomes `Float64`.
    Float,
    /// `Binary` (strings are accepted as their UTF-8 bytes).
    Bin,
    /// `Boolean`.
    Bool,
    /// A DATE stays `Date32`; a timestamp becomes milliseconds, keeping its zone.
    Temporal,
    /// A timestamp becomes milliseconds, keeping its zone (a DATE is not accepted).
    Timestamp,
    /// Left as it is.
    Any,
}

/// Coerces `types` to one of the accepted argument lists (by arity).
pub fn coerce_args(name: &str, types: &[DataType], forms: &[&[Want]]) -> Result<Vec<DataType>> {
    let Some(form) = forms.iter().find(|f| f.len() == types.len()) else {
        let arities: Vec<String> = forms.iter().map(|f| f.len().to_string()).collect();
        return plan_err!(
            "{name} takes {} arguments, got {}",
            arities.join(" or "),
            types.len()
        );
    };
    types
        .iter()
        .zip(form.iter())
        .map(|(t, w)| coerce_one(name, t, *w))
        .collect()
}

fn coerce_one(name: &str, t: &DataType, want: Want) -> Result<DataType> {
    use DataType::*;
    let ok = match (want, t) {
        (Want::Any, t) => Some(t.clone()),
        (_, Null) => Some(null_target(want)),
        (Want::Str, Utf8 | LargeUtf8 | Utf8View | Dictionary(..)) => Some(Utf8),
        (Want::Int, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32) => Some(Int64),
        (Want::Float, t) if t.is_numeric() => Some(Float64),
        (Want::Bin, Binary | LargeBinary | BinaryView | FixedSizeBinary(_)) => Some(Binary),
        (Want::Bin, Utf8 | LargeUtf8 | Utf8View) => Some(Binary),
        (Want::Bool, Boolean) => Some(Boolean),
        (Want::Temporal, Date32 | Date64) => Some(Date32),
        (Want::Temporal | Want::Timestamp, Timestamp(_, tz)) => {
            Some(Timestamp(TimeUnit::Millisecond, tz.clone()))
        }
        _ => None,
    };
    match ok {
        Some(t) => Ok(t),
        None => plan_err!("{name}: unexpected argument type {t} (expected {want:?})"),
    }
}

fn null_target(want: Want) -> DataType {
    match want {
        Want::Str | Want::Any => DataType::Utf8,
        Want::Int => DataType::Int64,
        Want::Float => DataType::Float64,
        Want::Bin => DataType::Binary,
        Want::Bool => DataType::Boolean,
        Want::Temporal | Want::Timestamp => DataType::Timestamp(TimeUnit::Millisecond, None),
    }
}

/// A return-type rule for functions returning `Utf8`.
pub fn ret_utf8(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Utf8)
}

/// A return-type rule for functions returning `Int64` (Trino `bigint`).
pub fn ret_i64(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Int64)
}

/// A return-type rule for functions returning `Float64` (Trino `double`).
pub fn ret_f64(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Float64)
}

/// A return-type rule for functions returning `Boolean`.
pub fn ret_bool(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Boolean)
}

/// A return-type rule for functions returning `Binary` (Trino `varbinary`).
pub fn ret_binary(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Binary)
}

/// A return-type rule for functions returning `Date32` (Trino `date`).
pub fn ret_date(_: &[DataType]) -> Result<DataType> {
    Ok(DataType::Date32)
}

/// The `i`th argument as a string array (it was coerced to `Utf8`).
pub fn strings(args: &[ArrayRef], i: usize) -> &StringArray {
    args[i].as_string::<i32>()
}

/// Casts an array when its type differs (kernels use it for optional arguments).
pub fn cast_to(array: &ArrayRef, to: &DataType) -> Result<ArrayRef> {
    if array.data_type() == to {
        Ok(Arc::clone(array))
    } else {
        Ok(cast(array, to)?)
    }
}

/// An error naming the function, for values Trino rejects.
pub fn invalid<T>(name: &str, message: impl std::fmt::Display) -> Result<T> {
    exec_err!("{name}: {message}")
}

/// Whether any argument is NULL at `row`.
pub fn any_null(args: &[ArrayRef], row: usize) -> bool {
    args.iter().any(|a| a.is_null(row))
}

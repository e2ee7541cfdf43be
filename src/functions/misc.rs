//! `typeof` (Trino type names), `if`, and `greatest`/`least` (NULL when any argument is
//! NULL, as in Trino; DataFusion's skip NULLs).

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, StringArray};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::type_coercion::other::get_coerce_type_for_case_expression;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility, lit,
    when,
};

use crate::functions::common::{RowFunction, Want, coerce_args, invalid, ret_utf8};

/// The miscellaneous functions, for [`super::register_all`].
pub fn functions() -> Vec<ScalarUDF> {
    vec![
        RowFunction::udf("typeof", &[], coerce_any, ret_utf8, type_of),
        ScalarUDF::new_from_impl(IfFunction::new()),
        ScalarUDF::new_from_impl(NullPropagating::new(
            "greatest",
            datafusion::functions::core::greatest(),
        )),
        ScalarUDF::new_from_impl(NullPropagating::new(
            "least",
            datafusion::functions::core::least(),
        )),
    ]
}

fn coerce_any(name: &str, types: &[DataType]) -> Result<Vec<DataType>> {
    coerce_args(name, types, &[&[Want::Any]])
}

/// Trino's name for an Arrow type (`varchar`, `array(bigint)`, `row(a integer)`).
pub fn trino_type_name(t: &DataType) -> String {
    use DataType::*;
    let precision = |unit: &TimeUnit| match unit {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 3,
        TimeUnit::Microsecond => 6,
        TimeUnit::Nanosecond => 9,
    };
    match t {
        Null => "unknown".into(),
        Boolean => "boolean".into(),
        Int8 => "tinyint".into(),
        Int16 | UInt8 => "smallint".into(),
        Int32 | UInt16 => "integer".into(),
        Int64 | UInt32 => "bigint".into(),
        UInt64 => "decimal(20,0)".into(),
        Float16 | Float32 => "real".into(),
        Float64 => "double".into(),
        Decimal32(p, s) | Decimal64(p, s) => format!("decimal({p},{s})"),
        Decimal128(p, s) | Decimal256(p, s) => format!("decimal({p},{s})"),
        Utf8 | LargeUtf8 | Utf8View => "varchar".into(),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => "varbinary".into(),
        Date32 | Date64 => "date".into(),
        Time32(u) | Time64(u) => format!("time({})", precision(u)),
        Timestamp(u, None) => format!("timestamp({})", precision(u)),
        Timestamp(u, Some(_)) => format!("timestamp({}) with time zone", precision(u)),
        Interval(datafusion::arrow::datatypes::IntervalUnit::YearMonth) => {
            "interval year to month".into()
        }
        Interval(_) | Duration(_) => "interval day to second".into(),
        List(f) | LargeList(f) | ListView(f) | LargeListView(f) | FixedSizeList(f, _) => {
            format!("array({})", trino_type_name(f.data_type()))
        }
        Map(entries, _) => match entries.data_type() {
            Struct(kv) if kv.len() == 2 => format!(
                "map({}, {})",
                trino_type_name(kv[0].data_type()),
                trino_type_name(kv[1].data_type())
            ),
            other => trino_type_name(other),
        },
        Struct(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| format!("{} {}", f.name(), trino_type_name(f.data_type())))
                .collect();
            format!("row({})", parts.join(", "))
        }
        Dictionary(_, v) => trino_type_name(v),
        other => other.to_string().to_lowercase(),
    }
}

fn type_of(args: &[ArrayRef], _: &DataType) -> Result<ArrayRef> {
    let name = trino_type_name(args[0].data_type());
    Ok(Arc::new(StringArray::from(vec![name; args[0].len()])))
}

/// `if(condition, then[, else])`, planned as `CASE WHEN condition THEN then ELSE else`
/// so only the chosen branch is evaluated.
#[derive(Debug, PartialEq, Eq, Hash)]
struct IfFunction {
    signature: Signature,
}

impl IfFunction {
    fn new() -> Self {
        IfFunction {
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for IfFunction {
    fn name(&self) -> &str {
        "if"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        if !(2..=3).contains(&types.len()) {
            return plan_err!("if takes 2 or 3 arguments, got {}", types.len());
        }
        let branches = &types[1..];
        let Some(common) = get_coerce_type_for_case_expression(branches, None) else {
            return plan_err!("if: the branches have incompatible types {branches:?}");
        };
        let mut out = vec![DataType::Boolean];
        out.extend(branches.iter().map(|_| common.clone()));
        Ok(out)
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        Ok(types[1].clone())
    }

    fn simplify(&self, args: Vec<Expr>, _: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let mut args = args.into_iter();
        let (Some(cond), Some(then)) = (args.next(), args.next()) else {
            return plan_err!("if takes 2 or 3 arguments");
        };
        let mut case = when(cond, then);
        let expr = match args.next() {
            Some(otherwise) => case.otherwise(otherwise)?,
            None => case.end()?,
        };
        Ok(ExprSimplifyResult::Simplified(expr))
    }

    fn invoke_with_args(&self, _: ScalarFunctionArgs) -> Result<ColumnarValue> {
        invalid("if", "is planned as CASE and is never invoked")
    }
}

/// Wraps DataFusion's `greatest`/`least` so that a NULL argument makes the result NULL.
#[derive(Debug, PartialEq, Eq, Hash)]
struct NullPropagating {
    name: &'static str,
    inner: Arc<ScalarUDF>,
}

impl NullPropagating {
    fn new(name: &'static str, inner: Arc<ScalarUDF>) -> Self {
        NullPropagating { name, inner }
    }
}

impl ScalarUDFImpl for NullPropagating {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        self.inner.signature()
    }

    fn coerce_types(&self, types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(types)
    }

    fn return_type(&self, types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(types)
    }

    fn simplify(&self, args: Vec<Expr>, _: &SimplifyContext) -> Result<ExprSimplifyResult> {
        let none_null = args
            .iter()
            .map(|a| a.clone().is_not_null())
            .reduce(Expr::and)
            .unwrap_or(lit(true));
        let call = Expr::ScalarFunction(ScalarFunction::new_udf(Arc::clone(&self.inner), args));
        let null = lit(ScalarValue::Null);
        Ok(ExprSimplifyResult::Simplified(
            when(none_null, call).otherwise(null)?,
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        invalid(
            self.name,
            format!(
                "is planned as CASE and is never invoked ({} args)",
                args.args.len()
            ),
        )
    }
}

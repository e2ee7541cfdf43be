//! Trino's JSON type, carried on Arrow's canonical `arrow.json` extension type.
//!
//! lakesql holds JSON values as strings, but Trino tells them apart from varchar:
//! `CAST(json_extract(j, '$.name') AS varchar)` is `b1`, not `"b1"`. The functions that
//! return JSON (`json_extract`, `json_parse`, `json_array_get`) mark their result field
//! with the extension name, and an analyzer rule turns a cast of such a value to a scalar
//! type into lakesql's cast, which reads the value as JSON.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, FieldRef, TimeUnit};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{DFSchema, Result};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::{
    Cast, ColumnarValue, Expr, ExprSchemable, LogicalPlan, ReturnFieldArgs, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, TryCast, lit,
};
use datafusion::optimizer::AnalyzerRule;

const EXTENSION_KEY: &str = "ARROW:extension:name";
const JSON_EXTENSION: &str = "arrow.json";

/// Whether `field` holds Trino JSON values.
pub fn is_json(field: &Field) -> bool {
    field.metadata().get(EXTENSION_KEY).map(String::as_str) == Some(JSON_EXTENSION)
}

/// A string field named `name` marked as holding JSON.
pub fn json_field(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true).with_metadata(json_metadata())
}

fn json_metadata() -> HashMap<String, String> {
    HashMap::from([(EXTENSION_KEY.to_string(), JSON_EXTENSION.to_string())])
}

/// `udf`, with its result marked as JSON.
pub fn returning_json(udf: ScalarUDF) -> ScalarUDF {
    let signature = udf.signature().clone();
    ScalarUDF::new_from_impl(ReturnsJson {
        inner: udf,
        signature,
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ReturnsJson {
    inner: ScalarUDF,
    signature: Signature,
}

impl ScalarUDFImpl for ReturnsJson {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn aliases(&self) -> &[String] {
        self.inner.aliases()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        self.inner.coerce_types(arg_types)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        self.inner.return_type(arg_types)
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let field = self.inner.return_field_from_args(args)?;
        Ok(Arc::new(
            field.as_ref().clone().with_metadata(json_metadata()),
        ))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        self.inner.invoke_with_args(args)
    }
}

/// Rewrites `CAST(json AS scalar)` into lakesql's cast from JSON.
#[derive(Debug)]
pub struct JsonCasts {
    cast: Arc<ScalarUDF>,
}

impl JsonCasts {
    /// The rule, calling `cast` (lakesql's cast function).
    pub fn new(cast: Arc<ScalarUDF>) -> Self {
        JsonCasts { cast }
    }

    fn rewrite(&self, e: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
        let (inner, target, is_try) = match &e {
            Expr::Cast(Cast { expr, field }) => (expr, field.data_type(), false),
            Expr::TryCast(TryCast { expr, field }) => (expr, field.data_type(), true),
            _ => return Ok(Transformed::no(e)),
        };
        let json = inner
            .to_field(schema)
            .is_ok_and(|(_, field)| is_json(&field));
        let Some(hive) = json.then(|| scalar_type_name(target)).flatten() else {
            return Ok(Transformed::no(e));
        };
        let args = vec![inner.as_ref().clone(), lit(hive), lit(is_try)];
        Ok(Transformed::yes(Expr::ScalarFunction(
            ScalarFunction::new_udf(self.cast.clone(), args),
        )))
    }
}

impl AnalyzerRule for JsonCasts {
    fn analyze(&self, plan: LogicalPlan, _config: &ConfigOptions) -> Result<LogicalPlan> {
        plan.transform_up_with_subqueries(|node| {
            let inputs = node.inputs();
            if inputs.len() != 1 {
                return Ok(Transformed::no(node));
            }
            let schema = inputs[0].schema().clone();
            let rewritten =
                node.map_expressions(|e| e.transform_up(|e| self.rewrite(e, &schema)))?;
            if !rewritten.transformed {
                return Ok(rewritten);
            }
            Ok(Transformed::yes(rewritten.data.recompute_schema()?))
        })
        .data()
    }

    fn name(&self) -> &str {
        "lakesql_json_casts"
    }
}

/// The Hive name of a scalar cast target lakesql's cast reads JSON into.
fn scalar_type_name(t: &DataType) -> Option<String> {
    Some(match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "string".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Int8 => "tinyint".into(),
        DataType::Int16 => "smallint".into(),
        DataType::Int32 => "int".into(),
        DataType::Int64 => "bigint".into(),
        DataType::Float32 => "float".into(),
        DataType::Float64 => "double".into(),
        DataType::Decimal128(p, s) => format!("decimal({p},{s})"),
        DataType::Date32 => "date".into(),
        DataType::Timestamp(TimeUnit::Millisecond, None) => "timestamp".into(),
        _ => return None,
    })
}

//! `lakesql_cast(value, 'hive type', try)`: Trino's casts to nested types, which the
//! statement rewrite (`crate::sql::trino`) turns `CAST(x AS array(varchar))`,
//! `map(…)` and `row(…)` into.
//!
//! - A string is read as JSON (Trino's `CAST(json AS array(varchar))`; lakesql has no
//!   separate JSON type, so `json_extract` results are strings): keys match row fields
//!   case-insensitively, and a value that is not valid JSON of that shape is an error
//!   (NULL under `TRY_CAST`).
//! - A row is cast to a row by field position, as in Trino (fields are renamed), and
//!   arrays and maps are cast element by element.
//! - A JSON value (marked by `super::json_type`) is read as JSON into scalar types too:
//!   a JSON string cast to varchar is its value, without quotes. An object or array cast
//!   to varchar gives its JSON text (Trino refuses that cast).
//! - Anything else is Arrow's cast.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, ListArray, MapArray, StructArray};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema};
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::catalog::HiveType;
use crate::catalog::storage_format::JsonOptions;
use crate::serdes::Record;
use crate::serdes::json::JsonDecoder;

use super::json_type::is_json;

/// The cast function.
pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(LakeCast {
        signature: Signature::any(3, Volatility::Immutable),
    })]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LakeCast {
    signature: Signature,
}

/// The target type named by the second argument.
fn target_type(text: Option<&ScalarValue>) -> Result<DataType> {
    let Some(ScalarValue::Utf8(Some(text))) = text else {
        return plan_err!("lakesql_cast needs the target type as a string literal");
    };
    let hive: HiveType = text
        .parse()
        .map_err(|e| datafusion::error::DataFusionError::Plan(format!("CAST to {text}: {e}")))?;
    Ok(hive.to_arrow())
}

impl ScalarUDFImpl for LakeCast {
    fn name(&self) -> &str {
        "lakesql_cast"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("lakesql_cast's type comes from its arguments")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let target = target_type(args.scalar_arguments.get(1).copied().flatten())?;
        Ok(Arc::new(Field::new(self.name(), target, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_try = matches!(
            args.args.get(2),
            Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
        );
        let target = args.return_field.data_type().clone();
        let rows = args.number_rows;
        let value = args.args[0].to_array(rows)?;
        let out = if is_json(&args.arg_fields[0]) {
            from_json(&value, &target, is_try)?
        } else {
            cast_to(&value, &target, is_try)?
        };
        Ok(ColumnarValue::Array(out))
    }
}

/// Casts `array` to `target` with Trino's rules for nested types.
fn cast_to(array: &ArrayRef, target: &DataType, is_try: bool) -> Result<ArrayRef> {
    match (array.data_type(), target) {
        (DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View, t) if t.is_nested() => {
            from_json(array, target, is_try)
        }
        (DataType::Struct(from), DataType::Struct(to)) => {
            if from.len() != to.len() {
                return exec_err!(
                    "cannot cast a row of {} fields to a row of {} fields",
                    from.len(),
                    to.len()
                );
            }
            let s = array.as_struct();
            let children = s
                .columns()
                .iter()
                .zip(to.iter())
                .map(|(c, f)| cast_to(c, f.data_type(), is_try))
                .collect::<Result<Vec<_>>>()?;
            Ok(Arc::new(StructArray::try_new(
                to.clone(),
                children,
                s.nulls().cloned(),
            )?))
        }
        (DataType::List(_), DataType::List(item)) => {
            let l = array.as_list::<i32>();
            let values = cast_to(l.values(), item.data_type(), is_try)?;
            Ok(Arc::new(ListArray::try_new(
                item.clone(),
                l.offsets().clone(),
                values,
                l.nulls().cloned(),
            )?))
        }
        (DataType::Map(..), DataType::Map(entries, sorted)) => {
            let m = array.as_map();
            let cast: ArrayRef = Arc::new(m.entries().clone());
            let cast = cast_to(&cast, entries.data_type(), is_try)?;
            Ok(Arc::new(MapArray::try_new(
                entries.clone(),
                m.offsets().clone(),
                cast.as_struct().clone(),
                m.nulls().cloned(),
                *sorted,
            )?))
        }
        _ => {
            let options = CastOptions {
                safe: is_try,
                ..Default::default()
            };
            Ok(cast_with_options(array, target, &options)?)
        }
    }
}

/// Reads each string as JSON of type `target`.
fn from_json(array: &ArrayRef, target: &DataType, is_try: bool) -> Result<ArrayRef> {
    let text = cast_with_options(array, &DataType::Utf8, &CastOptions::default())?;
    let text = text.as_string::<i32>();
    let records: Vec<Record> = (0..text.len())
        .map(|i| Record {
            text: match text.is_null(i) {
                true => r#"{"v":null}"#.to_string(),
                false => format!(r#"{{"v":{}}}"#, text.value(i)),
            },
            number: i + 1,
        })
        .collect();
    let options = JsonOptions {
        case_insensitive: true,
        mappings: vec![],
        ignore_malformed: is_try,
        dots_in_keys: false,
        lower_case_text_keys: false,
    };
    let schema = Arc::new(Schema::new(Fields::from(vec![Field::new(
        "v",
        target.clone(),
        true,
    )])));
    let mut decoder = JsonDecoder::try_new(&options, schema)?;
    let batch = decoder.decode(&records, "CAST").map_err(|e| {
        datafusion::error::DataFusionError::Execution(format!("CAST from JSON: {e}"))
    })?;
    Ok(batch.column(0).clone())
}

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

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, ListArray, MapArray, StringArray, StructArray,
};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema};
use datafusion::arrow::json::writer::{LineDelimited, WriterBuilder};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{Result, ScalarValue, exec_err, plan_err};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::catalog::HiveType;
use crate::catalog::storage_format::JsonOptions;
use crate::serdes::Record;
use crate::serdes::json::JsonDecoder;

use super::json_type::{is_json, json_field};

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

/// The target type named by the second argument: a Hive type, or `json`.
fn target_field(text: Option<&ScalarValue>) -> Result<Field> {
    let Some(ScalarValue::Utf8(Some(text))) = text else {
        return plan_err!("lakesql_cast needs the target type as a string literal");
    };
    if text == "json" {
        return Ok(json_field("lakesql_cast"));
    }
    let hive: HiveType = text
        .parse()
        .map_err(|e| datafusion::error::DataFusionError::Plan(format!("CAST to {text}: {e}")))?;
    Ok(Field::new("lakesql_cast", hive.to_arrow(), true))
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
        Ok(Arc::new(target_field(
            args.scalar_arguments.get(1).copied().flatten(),
        )?))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let is_try = matches!(
            args.args.get(2),
            Some(ColumnarValue::Scalar(ScalarValue::Boolean(Some(true))))
        );
        let target = args.return_field.data_type().clone();
        let rows = args.number_rows;
        let value = args.args[0].to_array(rows)?;
        let out = if is_json(&args.return_field) && is_json(&args.arg_fields[0]) {
            value
        } else if is_json(&args.return_field) {
            to_json(&value)?
        } else if is_json(&args.arg_fields[0]) {
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
        (from, t) if is_string(from) && t.is_nested() => from_json(array, target, is_try),
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

/// Writes each value as JSON text (Trino's `CAST(x AS JSON)`): strings quoted, maps and
/// rows as objects, arrays as arrays; NULL stays NULL.
fn to_json(array: &ArrayRef) -> Result<ArrayRef> {
    if is_string(array.data_type()) {
        let text = cast_with_options(array, &DataType::Utf8, &CastOptions::default())?;
        let text = text.as_string::<i32>();
        let quoted: StringArray = text
            .iter()
            .map(|v| v.map(|s| serde_json::Value::String(s.to_string()).to_string()))
            .collect();
        return Ok(Arc::new(quoted));
    }
    if has_anonymous_row(array.data_type()) {
        return exec_err!(
            "CAST to JSON of a row without field names is not supported (Trino writes it as \
             a JSON array); name its fields first: CAST(CAST(x AS ROW(a …, b …)) AS JSON)"
        );
    }
    let schema = Arc::new(Schema::new(vec![Field::new(
        "v",
        array.data_type().clone(),
        true,
    )]));
    let batch = RecordBatch::try_new(schema, vec![array.clone()])?;
    let mut writer = WriterBuilder::new()
        .with_explicit_nulls(true)
        .build::<_, LineDelimited>(Vec::new());
    writer.write(&batch)?;
    writer.finish()?;
    let text = String::from_utf8(writer.into_inner())
        .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
    let values: StringArray = text
        .lines()
        .map(|line| {
            line.strip_prefix(r#"{"v":"#)
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|v| *v != "null")
                .map(str::to_string)
        })
        .collect();
    Ok(Arc::new(values))
}

/// Whether `t` holds a row with DataFusion's positional field names (`c0`, `c1`, …), as
/// `ROW(1, 'a')` makes.
fn has_anonymous_row(t: &DataType) -> bool {
    match t {
        DataType::Struct(fields) => {
            fields
                .iter()
                .enumerate()
                .all(|(i, f)| *f.name() == format!("c{i}"))
                || fields.iter().any(|f| has_anonymous_row(f.data_type()))
        }
        DataType::List(item) | DataType::LargeList(item) => has_anonymous_row(item.data_type()),
        DataType::Map(entries, _) => has_anonymous_row(entries.data_type()),
        _ => false,
    }
}

fn is_string(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View)
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
    let mut decoder = JsonDecoder::try_new(&options, schema)?.for_cast();
    let batch = decoder.decode(&records, &format!("CAST to {target}"))?;
    Ok(batch.column(0).clone())
}

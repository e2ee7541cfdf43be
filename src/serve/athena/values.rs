//! Query results as Athena renders them: column types in Trino's names with the
//! precision and scale Athena reports, and every value as the text of its result CSV and
//! `GetQueryResults` (timestamps with milliseconds, varbinary as hex bytes, arrays
//! `[1, 2]`, maps `{k=v}`, rows `{a=1, b=2}`; NULL is absent).

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use serde_json::{Value, json};

use crate::error::{LakeError, Result};

/// One column of a result, as `ColumnInfo` describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ColumnInfo {
    /// Column name.
    pub name: String,
    /// Trino type name without parameters (`varchar`, `decimal`, `array`, …).
    pub type_name: String,
    /// Athena's precision for the type.
    pub precision: i64,
    /// Athena's scale for the type.
    pub scale: i64,
}

impl ColumnInfo {
    /// The column of an Arrow field.
    pub fn of(field: &Field) -> Self {
        let (type_name, precision, scale) = athena_type(field.data_type());
        ColumnInfo {
            name: field.name().clone(),
            type_name: type_name.to_string(),
            precision,
            scale,
        }
    }

    /// The `ColumnInfo` JSON object (every field the clients index is present).
    pub fn to_json(&self) -> Value {
        json!({
            "CatalogName": "hive",
            "SchemaName": "",
            "TableName": "",
            "Name": self.name,
            "Label": self.name,
            "Type": self.type_name,
            "Precision": self.precision,
            "Scale": self.scale,
            "Nullable": "UNKNOWN",
            "CaseSensitive": matches!(self.type_name.as_str(), "varchar" | "char"),
        })
    }
}

/// Trino's name, precision and scale of an Arrow type, as Athena reports them.
fn athena_type(data_type: &DataType) -> (&'static str, i64, i64) {
    use DataType::*;
    match data_type {
        Boolean => ("boolean", 0, 0),
        Int8 | UInt8 => ("tinyint", 3, 0),
        Int16 | UInt16 => ("smallint", 5, 0),
        Int32 | UInt32 => ("integer", 10, 0),
        Int64 | UInt64 => ("bigint", 19, 0),
        Float16 | Float32 => ("float", 17, 0),
        Float64 => ("double", 17, 0),
        Decimal32(p, s) | Decimal64(p, s) | Decimal128(p, s) | Decimal256(p, s) => {
            ("decimal", *p as i64, *s as i64)
        }
        Utf8 | LargeUtf8 | Utf8View | Null => ("varchar", 2_147_483_647, 0),
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => ("varbinary", 1_073_741_824, 0),
        Date32 | Date64 => ("date", 0, 0),
        Timestamp(_, None) => ("timestamp", 3, 0),
        Timestamp(_, Some(_)) => ("timestamp with time zone", 3, 0),
        Time32(_) | Time64(_) => ("time", 3, 0),
        List(_) | LargeList(_) | ListView(_) | LargeListView(_) | FixedSizeList(_, _) => {
            ("array", 0, 0)
        }
        Map(_, _) => ("map", 0, 0),
        Struct(_) => ("row", 0, 0),
        Dictionary(_, value) => athena_type(value),
        Interval(_) | Duration(_) => ("interval day to second", 0, 0),
        _ => ("varchar", 2_147_483_647, 0),
    }
}

/// Each value of `array` as Athena's text, `None` for NULL.
pub fn column_text(array: &ArrayRef) -> Result<Vec<Option<String>>> {
    (0..array.len())
        .map(|row| {
            if array.is_null(row) {
                Ok(None)
            } else {
                value_text(array.as_ref(), row).map(Some)
            }
        })
        .collect()
}

/// Options for scalar values: timestamps always with milliseconds, as Athena prints them.
fn scalar_options() -> FormatOptions<'static> {
    FormatOptions::new()
        .with_timestamp_format(Some("%Y-%m-%d %H:%M:%S%.3f"))
        .with_timestamp_tz_format(Some("%Y-%m-%d %H:%M:%S%.3f %Z"))
        .with_time_format(Some("%H:%M:%S%.3f"))
        .with_null("null")
}

/// One non-null value as text (nested values recursively; NULL inside them as `null`).
fn value_text(array: &dyn Array, row: usize) -> Result<String> {
    use DataType::*;
    if array.is_null(row) {
        return Ok("null".to_string());
    }
    Ok(match array.data_type() {
        List(_) => list_text(array.as_list::<i32>().value(row).as_ref())?,
        LargeList(_) => list_text(array.as_list::<i64>().value(row).as_ref())?,
        FixedSizeList(_, _) => list_text(array.as_fixed_size_list().value(row).as_ref())?,
        Map(_, _) => {
            let entries = array.as_map().value(row);
            let (keys, values) = (entries.column(0), entries.column(1));
            let mut parts = Vec::with_capacity(entries.len());
            for i in 0..entries.len() {
                parts.push(format!(
                    "{}={}",
                    value_text(keys.as_ref(), i)?,
                    value_text(values.as_ref(), i)?
                ));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Struct(fields) => {
            let row_values = array.as_struct();
            let mut parts = Vec::with_capacity(fields.len());
            for (field, column) in fields.iter().zip(row_values.columns()) {
                parts.push(format!(
                    "{}={}",
                    field.name(),
                    value_text(column.as_ref(), row)?
                ));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => {
            let bytes: &[u8] = match array.data_type() {
                Binary => array.as_binary::<i32>().value(row),
                LargeBinary => array.as_binary::<i64>().value(row),
                BinaryView => array.as_binary_view().value(row),
                _ => array.as_fixed_size_binary().value(row),
            };
            bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        }
        _ => ArrayFormatter::try_new(array, &scalar_options())
            .map_err(|e| LakeError::internal(format!("cannot format a result value: {e}")))?
            .value(row)
            .to_string(),
    })
}

fn list_text(items: &dyn Array) -> Result<String> {
    let parts = (0..items.len())
        .map(|i| value_text(items, i))
        .collect::<Result<Vec<_>>>()?;
    Ok(format!("[{}]", parts.join(", ")))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        BinaryArray, Int32Array, ListArray, StringArray, StructArray, TimestampMillisecondArray,
    };
    use datafusion::arrow::datatypes::Int32Type;

    use super::*;

    #[test]
    fn scalars_nested_values_and_nulls_read_as_athena_prints_them() {
        let ts: ArrayRef = Arc::new(TimestampMillisecondArray::from(vec![Some(0), None]));
        assert_eq!(
            column_text(&ts).unwrap(),
            vec![Some("1970-01-01 00:00:00.000".to_string()), None]
        );
        let list: ArrayRef = Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
            Some(vec![Some(1), None, Some(3)]),
        ]));
        assert_eq!(
            column_text(&list).unwrap(),
            vec![Some("[1, null, 3]".into())]
        );
        let bytes: ArrayRef = Arc::new(BinaryArray::from(vec![b"12".as_ref()]));
        assert_eq!(column_text(&bytes).unwrap(), vec![Some("31 32".into())]);
        let row: ArrayRef = Arc::new(StructArray::from(vec![
            (
                Arc::new(Field::new("a", DataType::Int32, true)),
                Arc::new(Int32Array::from(vec![1])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("b", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec!["x"])) as ArrayRef,
            ),
        ]));
        assert_eq!(column_text(&row).unwrap(), vec![Some("{a=1, b=x}".into())]);
    }

    #[test]
    fn column_types_carry_athena_precision() {
        let info = ColumnInfo::of(&Field::new("d", DataType::Decimal128(10, 1), true));
        assert_eq!(
            (info.type_name.as_str(), info.precision, info.scale),
            ("decimal", 10, 1)
        );
        let info = ColumnInfo::of(&Field::new("s", DataType::Utf8View, true));
        assert_eq!(
            (info.type_name.as_str(), info.precision),
            ("varchar", 2_147_483_647)
        );
    }
}

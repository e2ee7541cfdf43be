//! Partition values: from the catalog's strings to typed values, and validation of the
//! values users write in `PARTITION (k=v)`.

use datafusion::arrow::datatypes::DataType;
use datafusion::scalar::ScalarValue;

use crate::catalog::partition_path::DEFAULT_PARTITION_NAME;
use crate::catalog::{Column, HiveType};
use crate::error::{LakeError, Result};

/// Parses a partition value as its key's type. Hive's default partition and the empty
/// string are NULL.
pub fn typed_value(key: &Column, key_type: &HiveType, value: &str) -> Result<ScalarValue> {
    let data_type = key_type.to_arrow();
    if value.is_empty() || value == DEFAULT_PARTITION_NAME {
        return Ok(ScalarValue::try_from(&data_type)?);
    }
    let parsed = match data_type {
        // Casting a string to Utf8 always succeeds; char/varchar lengths are checked here.
        DataType::Utf8 => match key_type {
            HiveType::Char(n) | HiveType::Varchar(n) if value.chars().count() > *n as usize => None,
            _ => Some(ScalarValue::Utf8(Some(value.to_string()))),
        },
        ref t => ScalarValue::try_from_string(value.to_string(), t)
            .ok()
            .filter(|v| !v.is_null()),
    };
    parsed.ok_or_else(|| {
        LakeError::semantic(
            "HIVE_INVALID_PARTITION_VALUE",
            format!(
                "partition value '{value}' is not a valid {key_type} for partition key '{}'",
                key.name
            ),
        )
    })
}

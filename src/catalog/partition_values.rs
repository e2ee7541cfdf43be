//! Partition values: from the catalog's strings to typed values, validation of the values
//! users write in `PARTITION (k=v)`, and the one rule for when two spellings are the same
//! partition (they compare as their key's type: `month=05` and `month=5` of an `int`).

use datafusion::arrow::datatypes::DataType;
use datafusion::scalar::ScalarValue;

use super::partition_path::DEFAULT_PARTITION_NAME;
use super::{Column, HiveType, Table};
use crate::error::{ErrorCode, LakeError, Result};

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
            ErrorCode::HiveInvalidPartitionValue,
            format!(
                "partition value '{value}' is not a valid {key_type} for partition key '{}'",
                key.name
            ),
        )
    })
}

/// A table's partition keys with their parsed types.
pub struct TypedKeys<'t> {
    keys: &'t [Column],
    types: Vec<HiveType>,
}

impl<'t> TypedKeys<'t> {
    /// The keys of `table`; fails when a key's type does not parse.
    pub fn of(table: &'t Table) -> Result<Self> {
        let types = table
            .partition_keys
            .iter()
            .map(Column::parsed_type)
            .collect::<Result<_>>()?;
        Ok(TypedKeys {
            keys: &table.partition_keys,
            types,
        })
    }

    /// Parses the value of key `index`, failing with `HIVE_INVALID_PARTITION_VALUE`.
    pub fn typed(&self, index: usize, value: &str) -> Result<ScalarValue> {
        typed_value(&self.keys[index], &self.types[index], value)
    }

    /// What identifies the value of key `index` across spellings: the typed value printed
    /// (NULL as the empty string); a value that does not parse stands for itself.
    pub fn identity(&self, index: usize, value: &str) -> String {
        match self.typed(index, value) {
            Ok(v) if v.is_null() => String::new(),
            Ok(v) => v.to_string(),
            Err(_) => value.to_string(),
        }
    }

    /// The identity of a whole partition (values in key order).
    pub fn identities(&self, values: &[String]) -> Vec<String> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| self.identity(i, v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_value_share_an_identity() {
        let mut table = Table::external("db", "t", Default::default());
        table.partition_keys = vec![
            Column {
                name: "month".into(),
                hive_type: "int".into(),
                comment: None,
            },
            Column {
                name: "dt".into(),
                hive_type: "string".into(),
                comment: None,
            },
        ];
        let keys = TypedKeys::of(&table).unwrap();
        assert_eq!(keys.identity(0, "05"), keys.identity(0, "5"));
        assert_ne!(keys.identity(1, "05"), keys.identity(1, "5"));
        assert_eq!(keys.identity(0, DEFAULT_PARTITION_NAME), "");
        assert_eq!(keys.identity(0, "x"), "x");
        assert!(keys.typed(0, "x").is_err());
    }
}

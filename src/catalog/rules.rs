//! The errors and checks every catalog store applies the same way, so a statement fails
//! with the same code and message whichever backend holds the catalog.

use super::partition_path::partition_path;
use crate::error::{ErrorCode, LakeError, Result};

/// `ALREADY_EXISTS` for a table.
pub fn table_exists_error(db: &str, name: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::AlreadyExists,
        format!("Table '{db}.{name}' already exists"),
    )
}

/// `ALREADY_EXISTS` for a partition.
pub fn partition_exists_error(spec: &str, db: &str, table: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::AlreadyExists,
        format!("Partition {spec} already exists in table {db}.{table}"),
    )
}

/// `PARTITION_NOT_FOUND` for a partition.
pub fn partition_missing_error(spec: &str, db: &str, table: &str) -> LakeError {
    LakeError::semantic(
        ErrorCode::PartitionNotFound,
        format!("Partition {spec} does not exist in table {db}.{table}"),
    )
}

/// `SCHEMA_NOT_EMPTY` for `DROP DATABASE … RESTRICT` on a database with tables.
pub fn database_not_empty_error(name: &str, tables: usize) -> LakeError {
    LakeError::semantic(
        ErrorCode::SchemaNotEmpty,
        format!("Database '{name}' has {tables} table(s); drop them first or use CASCADE"),
    )
}

/// The spec (escaped `k1=v1/k2=v2`) of partition values; `INVALID_INPUT` when their
/// number is not the number of keys.
pub fn spec_of<S: AsRef<str>>(
    keys: &[S],
    values: &[String],
    db: &str,
    table: &str,
) -> Result<String> {
    if values.len() != keys.len() {
        return Err(LakeError::invalid(format!(
            "table {db}.{table} has {} partition keys, got {} values",
            keys.len(),
            values.len()
        )));
    }
    let keys: Vec<&str> = keys.iter().map(AsRef::as_ref).collect();
    Ok(partition_path(&keys, values))
}

//! Glue's `DatabaseInput`, `TableInput` and `PartitionInput` as catalog definitions the
//! server stores.
//!
//! The objects are read by [`crate::catalog::glue_json::parse`]; here a table is also
//! checked as `CREATE EXTERNAL TABLE` checks it (types, format and SerDe properties
//! lakesql can read, projection), so a table made through Glue is queryable exactly like
//! one made with DDL, or refused when it is defined.

use crate::catalog::glue_json::parse::{Types, optional_location};
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::storage_format::DataFormat;
use crate::catalog::{Database, Partition, StorageDescriptor, Table};
use crate::projection::ProjectionConfig;
use crate::serve::protocol::ApiError;

pub use crate::catalog::glue_json::parse::{
    DatabaseInput, PartitionInput, TableInput, default_table_location,
};

use super::errors::{invalid, lake};
use super::lookup::check_values;

/// The catalog database a `DatabaseInput` stands for, created now.
pub fn database_of(input: &DatabaseInput) -> Result<Database, ApiError> {
    input.to_database().map_err(|e| invalid(lake(e).message))
}

/// The catalog table in `db` a `TableInput` stands for, checked as DDL checks it. See
/// [`TableInput::to_table`] for `current` and `default_location`.
pub fn table_of(
    input: &TableInput,
    db: &str,
    current: Option<&StorageDescriptor>,
    default_location: Option<String>,
) -> Result<Table, ApiError> {
    let table = input
        .to_table(db, current, default_location, Types::Strict)
        .map_err(|e| invalid(lake(e).message))?;
    validate(&table)?;
    Ok(table)
}

/// What `CREATE EXTERNAL TABLE` / `CREATE VIEW` check: a view must decode; a table must
/// have a format lakesql reads, valid properties and a valid projection.
fn validate(table: &Table) -> Result<(), ApiError> {
    let checked = if table.is_view() {
        table.view_definition().map(|_| ())
    } else {
        DataFormat::of_table(table)
            .and_then(|_| crate::repair::throws_on_invalid_paths(table))
            .and_then(|_| crate::projection::clock::now())
            .and_then(|now| ProjectionConfig::of_table(table, now))
            .map(|_| ())
    };
    checked.map_err(|e| invalid(lake(e).message))
}

/// The catalog partition of `table` a `PartitionInput` stands for, created now: values
/// checked against the keys' types, the location given or `key=value/…` under the
/// table's location.
pub fn partition_of(input: &PartitionInput, table: &Table) -> Result<Partition, ApiError> {
    check_values(table, &input.values)?;
    let keys = TypedKeys::of(table).map_err(lake)?;
    for (i, value) in input.values.iter().enumerate() {
        keys.typed(i, value).map_err(|e| invalid(lake(e).message))?;
    }
    optional_location(input.given_location()).map_err(|e| invalid(lake(e).message))?;
    let mut partition = input
        .to_partition(table)
        .map_err(|e| invalid(lake(e).message))?;
    partition.create_time = crate::catalog::model::now_seconds();
    Ok(partition)
}

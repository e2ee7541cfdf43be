//! Glue's `DatabaseInput`, `TableInput` and `PartitionInput` as catalog definitions.
//!
//! Clients send any subset of the fields (dbt filters a `GetTable` answer down to
//! `TableInput`'s keys), so every field but the names is optional and unknown fields are
//! ignored. A table is checked as `CREATE EXTERNAL TABLE` checks it (types, format and
//! SerDe properties lakesql can read, projection), so a table made through Glue is
//! queryable exactly like one made with DDL, or refused when it is defined.

use std::path::Path;

use serde::Deserialize;

use crate::catalog::model::{Properties, now_seconds};
use crate::catalog::partition_path::partition_path;
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::storage_format::DataFormat;
use crate::catalog::{Column, Database, HiveType, Partition, SerDeInfo, StorageDescriptor, Table};
use crate::error::LakeError;
use crate::projection::ProjectionConfig;
use crate::serve::protocol::ApiError;
use crate::storage::location::join_location;
use crate::storage::normalize_location;

use super::errors::{invalid, lake};
use super::lookup::{check_values, name};

/// Glue's `DatabaseInput`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseInput {
    /// The database name.
    pub name: String,
    description: Option<String>,
    location_uri: Option<String>,
    parameters: Option<Properties>,
}

impl DatabaseInput {
    /// The catalog database, created now.
    pub fn to_database(&self) -> Result<Database, ApiError> {
        Ok(Database {
            name: name(&self.name),
            description: self.description.clone(),
            location_uri: optional_location(self.location_uri.as_deref())?,
            parameters: self.parameters.clone().unwrap_or_default(),
            create_time: now_seconds(),
        })
    }
}

/// Glue's `Column`.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ColumnInput {
    name: String,
    #[serde(rename = "Type")]
    type_name: Option<String>,
    comment: Option<String>,
}

impl ColumnInput {
    /// The catalog column: name lower-cased, type parsed and written canonically.
    fn to_column(&self) -> Result<Column, ApiError> {
        let column = name(&self.name);
        let text = self
            .type_name
            .as_deref()
            .ok_or_else(|| invalid(format!("column {column} has no Type")))?;
        let parsed: HiveType = text
            .parse()
            .map_err(|e: LakeError| invalid(format!("column {column}: {}", lake(e).message)))?;
        Ok(Column {
            name: column,
            hive_type: parsed.to_string(),
            comment: self.comment.clone(),
        })
    }
}

fn columns(inputs: &Option<Vec<ColumnInput>>) -> Result<Vec<Column>, ApiError> {
    inputs
        .iter()
        .flatten()
        .map(ColumnInput::to_column)
        .collect()
}

/// Glue's `SerDeInfo`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerDeInfoInput {
    serialization_library: Option<String>,
    parameters: Option<Properties>,
}

/// Glue's `StorageDescriptor` (the fields lakesql keeps; the others are ignored).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptorInput {
    columns: Option<Vec<ColumnInput>>,
    location: Option<String>,
    input_format: Option<String>,
    output_format: Option<String>,
    compressed: Option<bool>,
    serde_info: Option<SerDeInfoInput>,
}

/// Glue's `TableInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    /// The table name.
    pub name: String,
    description: Option<String>,
    owner: Option<String>,
    storage_descriptor: Option<StorageDescriptorInput>,
    partition_keys: Option<Vec<ColumnInput>>,
    view_original_text: Option<String>,
    view_expanded_text: Option<String>,
    table_type: Option<String>,
    parameters: Option<Properties>,
}

impl TableInput {
    /// The catalog table in `db`, created now. `current` is the storage the table keeps
    /// when the input has no `StorageDescriptor`, and `default_location` the location it
    /// gets when the input names none (a new table: under the database's location).
    pub fn to_table(
        &self,
        db: &str,
        current: Option<&StorageDescriptor>,
        default_location: Option<String>,
    ) -> Result<Table, ApiError> {
        let storage = match (&self.storage_descriptor, current) {
            (None, Some(sd)) => sd.clone(),
            (sd, _) => storage(&sd.clone().unwrap_or_default())?,
        };
        let mut table = Table::external(db, &name(&self.name), storage);
        if let Some(t) = self.table_type.as_deref().filter(|t| !t.is_empty()) {
            table.table_type = t.to_uppercase();
        }
        table.description = self.description.clone();
        table.owner = self.owner.clone().or(table.owner);
        table.partition_keys = columns(&self.partition_keys)?;
        table.parameters = self.parameters.clone().unwrap_or_default();
        table.view_original_text = self.view_original_text.clone();
        table.view_expanded_text = self.view_expanded_text.clone();
        if table.storage_descriptor.location.is_empty() && !table.is_view() {
            table.storage_descriptor.location = default_location.ok_or_else(|| {
                invalid(format!(
                    "table {}: StorageDescriptor.Location is required (database {db} has no \
                     LocationUri to place it under)",
                    table.name
                ))
            })?;
        }
        validate(&table)?;
        Ok(table)
    }
}

/// The location a new table gets under its database's location.
pub fn default_table_location(db: &Database, table: &str) -> Option<String> {
    db.location_uri
        .as_deref()
        .map(|l| join_location(l, &name(table)))
}

fn storage(input: &StorageDescriptorInput) -> Result<StorageDescriptor, ApiError> {
    let serde = input.serde_info.clone().unwrap_or_default();
    Ok(StorageDescriptor {
        columns: columns(&input.columns)?,
        location: optional_location(input.location.as_deref())?.unwrap_or_default(),
        input_format: input.input_format.clone().filter(|s| !s.is_empty()),
        output_format: input.output_format.clone().filter(|s| !s.is_empty()),
        compressed: input.compressed.unwrap_or(false),
        serde_info: SerDeInfo {
            serialization_library: serde.serialization_library.filter(|s| !s.is_empty()),
            parameters: serde.parameters.unwrap_or_default(),
        },
    })
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

/// An absolute location (`s3://…`, `file:///…` or an absolute path), normalised as
/// lakesql stores locations; empty means none.
pub fn optional_location(text: Option<&str>) -> Result<Option<String>, ApiError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if !text.contains("://") && !text.starts_with('/') {
        return Err(invalid(format!(
            "location {text} must be an absolute s3:// or file:// URL"
        )));
    }
    normalize_location(text, Path::new("/"))
        .map(Some)
        .map_err(|e| invalid(lake(e).message))
}

/// Glue's `PartitionInput`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionInput {
    /// The values, in partition-key order.
    #[serde(default)]
    pub values: Vec<String>,
    storage_descriptor: Option<StorageDescriptorInput>,
    parameters: Option<Properties>,
}

impl PartitionInput {
    /// Whether the input names a location.
    pub fn has_location(&self) -> bool {
        self.storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_deref())
            .is_some_and(|l| !l.trim().is_empty())
    }

    /// The catalog partition of `table`, created now: values checked against the keys'
    /// types, the location given or `key=value/…` under the table's location.
    pub fn to_partition(&self, table: &Table) -> Result<Partition, ApiError> {
        check_values(table, &self.values)?;
        let keys = TypedKeys::of(table).map_err(lake)?;
        for (i, value) in self.values.iter().enumerate() {
            keys.typed(i, value).map_err(|e| invalid(lake(e).message))?;
        }
        let given = self
            .storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_deref());
        let location = match optional_location(given)? {
            Some(l) => l,
            None => join_location(
                &table.storage_descriptor.location,
                &format!(
                    "{}/",
                    partition_path(&table.partition_key_names(), &self.values)
                ),
            ),
        };
        Ok(Partition {
            values: self.values.clone(),
            location,
            parameters: self.parameters.clone().unwrap_or_default(),
            create_time: now_seconds(),
        })
    }
}

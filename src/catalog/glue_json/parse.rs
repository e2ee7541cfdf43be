//! Glue's JSON objects read into catalog definitions: the `*Input` objects a client
//! sends (the server) and the `Database`, `Table` and `Partition` objects Glue answers
//! (the Glue catalog backend, `catalog import`).
//!
//! Clients send any subset of the fields (dbt filters a `GetTable` answer down to
//! `TableInput`'s keys), so every field but the names is optional and unknown fields are
//! ignored; an answer object is an input object with more fields, so one set of
//! structures reads both. Names are folded to lower case, as Glue does. Nothing here
//! checks that lakesql can *read* a table: the server checks that before it stores one,
//! while a table read from Glue is kept as it is and refused only when it is queried.

use std::path::Path;

use serde::Deserialize;

use crate::catalog::model::{Properties, now_seconds};
use crate::catalog::partition_path::partition_path;
use crate::catalog::{Column, Database, HiveType, Partition, SerDeInfo, StorageDescriptor, Table};
use crate::error::{LakeError, Result};
use crate::storage::location::join_location;
use crate::storage::normalize_location;

/// A database or table name as the catalog stores it (Glue lower-cases names).
pub fn name(text: &str) -> String {
    text.trim().to_lowercase()
}

/// How column types are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Types {
    /// Every type must parse as a Hive type; it is stored in canonical form.
    Strict,
    /// A type lakesql does not know is kept as written (a table from Glue stays listable;
    /// a query that reads the column names it).
    AsWritten,
}

/// Glue's `DatabaseInput` (and `Database`).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DatabaseInput {
    /// The database name.
    pub name: String,
    description: Option<String>,
    location_uri: Option<String>,
    parameters: Option<Properties>,
    create_time: Option<f64>,
}

impl DatabaseInput {
    /// The catalog database; created now unless the object carries a `CreateTime`.
    pub fn to_database(&self) -> Result<Database> {
        Ok(Database {
            name: name(&self.name),
            description: self.description.clone(),
            location_uri: optional_location(self.location_uri.as_deref())?,
            parameters: self.parameters.clone().unwrap_or_default(),
            create_time: self.create_time.map_or_else(now_seconds, |t| t as i64),
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
    /// The catalog column: name lower-cased, type read as `types` says.
    fn to_column(&self, types: Types) -> Result<Column> {
        let column = name(&self.name);
        let text = self
            .type_name
            .as_deref()
            .ok_or_else(|| LakeError::invalid(format!("column {column} has no Type")))?;
        let hive_type = match text.parse::<HiveType>() {
            Ok(parsed) => parsed.to_string(),
            Err(_) if types == Types::AsWritten => text.trim().to_lowercase(),
            Err(e) => return Err(LakeError::invalid(format!("column {column}: {e}"))),
        };
        Ok(Column {
            name: column,
            hive_type,
            comment: self.comment.clone(),
        })
    }
}

fn columns(inputs: &Option<Vec<ColumnInput>>, types: Types) -> Result<Vec<Column>> {
    inputs
        .iter()
        .flatten()
        .map(|c| c.to_column(types))
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

/// Glue's `TableInput` (and `Table`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableInput {
    /// The table name.
    pub name: String,
    /// The database (in a `Table` object; an input names it beside).
    pub database_name: Option<String>,
    description: Option<String>,
    owner: Option<String>,
    storage_descriptor: Option<StorageDescriptorInput>,
    partition_keys: Option<Vec<ColumnInput>>,
    view_original_text: Option<String>,
    view_expanded_text: Option<String>,
    table_type: Option<String>,
    parameters: Option<Properties>,
    create_time: Option<f64>,
    update_time: Option<f64>,
    /// Glue's version of the definition (in a `Table` object).
    pub version_id: Option<String>,
}

impl TableInput {
    /// The catalog table in `db`. `current` is the storage the table keeps when the
    /// input has no `StorageDescriptor`, and `default_location` the location it gets
    /// when the input names none (a new table: under the database's location). Times
    /// are the object's when it has them, else now.
    pub fn to_table(
        &self,
        db: &str,
        current: Option<&StorageDescriptor>,
        default_location: Option<String>,
        types: Types,
    ) -> Result<Table> {
        let storage = match (&self.storage_descriptor, current) {
            (None, Some(sd)) => sd.clone(),
            (sd, _) => storage(&sd.clone().unwrap_or_default(), types)?,
        };
        let mut table = Table::external(db, &name(&self.name), storage);
        if let Some(t) = self.table_type.as_deref().filter(|t| !t.is_empty()) {
            table.table_type = t.to_uppercase();
        }
        table.description = self.description.clone();
        table.owner = self.owner.clone().or(table.owner);
        table.partition_keys = columns(&self.partition_keys, types)?;
        table.parameters = self.parameters.clone().unwrap_or_default();
        table.view_original_text = self.view_original_text.clone();
        table.view_expanded_text = self.view_expanded_text.clone();
        if let Some(t) = self.create_time {
            table.create_time = t as i64;
            table.update_time = t as i64;
        }
        if let Some(t) = self.update_time {
            table.update_time = t as i64;
        }
        if table.storage_descriptor.location.is_empty() && !table.is_view() {
            table.storage_descriptor.location = default_location.ok_or_else(|| {
                LakeError::invalid(format!(
                    "table {}: StorageDescriptor.Location is required (database {db} has no \
                     LocationUri to place it under)",
                    table.name
                ))
            })?;
        }
        Ok(table)
    }

    /// A `Table` object as Glue answers it: its own database, types as written.
    pub fn to_answered_table(&self, db: &str) -> Result<Table> {
        let db = self.database_name.as_deref().map_or(db.to_string(), name);
        // A Glue table without a location (Iceberg, federated) stays listable.
        self.to_table(&db, None, Some(String::new()), Types::AsWritten)
    }
}

/// The location a new table gets under its database's location.
pub fn default_table_location(db: &Database, table: &str) -> Option<String> {
    db.location_uri
        .as_deref()
        .map(|l| join_location(l, &name(table)))
}

fn storage(input: &StorageDescriptorInput, types: Types) -> Result<StorageDescriptor> {
    let serde = input.serde_info.clone().unwrap_or_default();
    Ok(StorageDescriptor {
        columns: columns(&input.columns, types)?,
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

/// An absolute location (`s3://…`, `file:///…` or an absolute path), normalised as
/// lakesql stores locations; empty means none.
pub fn optional_location(text: Option<&str>) -> Result<Option<String>> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if !text.contains("://") && !text.starts_with('/') {
        return Err(LakeError::invalid(format!(
            "location {text} must be an absolute s3:// or file:// URL"
        )));
    }
    normalize_location(text, Path::new("/")).map(Some)
}

/// Glue's `PartitionInput` (and `Partition`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionInput {
    /// The values, in partition-key order.
    #[serde(default)]
    pub values: Vec<String>,
    storage_descriptor: Option<StorageDescriptorInput>,
    parameters: Option<Properties>,
    creation_time: Option<f64>,
}

impl PartitionInput {
    /// The location the input names, if any.
    pub fn given_location(&self) -> Option<&str> {
        self.storage_descriptor
            .as_ref()
            .and_then(|sd| sd.location.as_deref())
            .filter(|l| !l.trim().is_empty())
    }

    /// Whether the input names a location.
    pub fn has_location(&self) -> bool {
        self.given_location().is_some()
    }

    /// The catalog partition of `table` (values taken as given): the location named, or
    /// `key=value/…` under the table's location; created now unless the object says when.
    pub fn to_partition(&self, table: &Table) -> Result<Partition> {
        let location = match optional_location(self.given_location())? {
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
            create_time: self.creation_time.map_or_else(now_seconds, |t| t as i64),
        })
    }
}

//! The catalog's data model, shaped like AWS Glue's `Database`, `Table` and `Partition`.
//!
//! Serialised with Glue's field names, so `serde_json` of a [`Table`] reads like the
//! `Table` object of `aws glue get-table`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::HiveType;
use crate::error::{LakeError, Result};

/// String properties (Glue `Parameters`), ordered for stable output.
pub type Properties = BTreeMap<String, String>;

/// A database (Glue `Database`, Athena schema).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Database {
    /// Lower-case name.
    pub name: String,
    /// `COMMENT` of `CREATE DATABASE`.
    pub description: Option<String>,
    /// `LOCATION` of `CREATE DATABASE`.
    pub location_uri: Option<String>,
    /// `WITH DBPROPERTIES`.
    pub parameters: Properties,
    /// Seconds since the epoch.
    pub create_time: i64,
}

/// A column or partition key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Column {
    /// Lower-case name.
    pub name: String,
    /// Canonical Hive type string, e.g. `array<struct<a:int>>`.
    #[serde(rename = "Type")]
    pub hive_type: String,
    /// Column comment.
    pub comment: Option<String>,
}

/// A column stands for its name where names are expected (partition specs).
impl AsRef<str> for Column {
    fn as_ref(&self) -> &str {
        &self.name
    }
}

impl Column {
    /// The parsed Hive type of this column.
    pub fn parsed_type(&self) -> Result<HiveType> {
        self.hive_type
            .parse()
            .map_err(|e: LakeError| LakeError::invalid(format!("column '{}': {e}", self.name)))
    }
}

/// SerDe information of a storage descriptor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SerDeInfo {
    /// The SerDe class, e.g. `org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe`.
    pub serialization_library: Option<String>,
    /// `WITH SERDEPROPERTIES` and the properties `ROW FORMAT DELIMITED` sets.
    pub parameters: Properties,
}

/// Where and how a table's (or partition's) data is stored.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StorageDescriptor {
    /// Data columns (not partition keys).
    pub columns: Vec<Column>,
    /// Absolute URL: `file:///…` or `s3://…`.
    pub location: String,
    /// Hadoop input format class.
    pub input_format: Option<String>,
    /// Hadoop output format class.
    pub output_format: Option<String>,
    /// Whether the data is compressed (informational, as in Glue).
    pub compressed: bool,
    /// SerDe of the data.
    pub serde_info: SerDeInfo,
}

/// A table (Glue `Table`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Table {
    /// Lower-case name.
    pub name: String,
    /// Lower-case database name.
    pub database_name: String,
    /// Table `COMMENT`.
    pub description: Option<String>,
    /// Owner (the OS user who created it).
    pub owner: Option<String>,
    /// `EXTERNAL_TABLE` for tables, `VIRTUAL_VIEW` for views.
    pub table_type: String,
    /// Partition keys, in order.
    pub partition_keys: Vec<Column>,
    /// Columns, location, formats, SerDe.
    pub storage_descriptor: StorageDescriptor,
    /// `TBLPROPERTIES`.
    pub parameters: Properties,
    /// Seconds since the epoch.
    pub create_time: i64,
    /// Seconds since the epoch of the last ALTER.
    pub update_time: i64,
    /// A view's definition (Athena: `/* Presto View: <base64 JSON> */`); see
    /// [`super::view`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_original_text: Option<String>,
    /// A view's expanded text (Athena: `/* Presto View */`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub view_expanded_text: Option<String>,
}

impl Table {
    /// A new external table as lakesql and its crawler create them: owned by `$USER`,
    /// created now, with no partition keys, comment or properties yet.
    pub fn external(database: &str, name: &str, storage_descriptor: StorageDescriptor) -> Self {
        let now = now_seconds();
        Table {
            name: name.to_string(),
            database_name: database.to_string(),
            description: None,
            owner: std::env::var("USER").ok(),
            table_type: "EXTERNAL_TABLE".to_string(),
            partition_keys: Vec::new(),
            storage_descriptor,
            parameters: Properties::new(),
            create_time: now,
            update_time: now,
            view_original_text: None,
            view_expanded_text: None,
        }
    }

    /// `db.name`.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.database_name, self.name)
    }

    /// Data columns followed by partition keys, as queries see them.
    pub fn all_columns(&self) -> impl Iterator<Item = &Column> {
        self.storage_descriptor
            .columns
            .iter()
            .chain(self.partition_keys.iter())
    }

    /// Names of the partition keys, in order.
    pub fn partition_key_names(&self) -> Vec<&str> {
        self.partition_keys
            .iter()
            .map(|c| c.name.as_str())
            .collect()
    }

    /// Whether this is a view (Glue `TableType` `VIRTUAL_VIEW`).
    pub fn is_view(&self) -> bool {
        self.table_type == super::view::VIRTUAL_VIEW
    }

    /// Whether the table has partition keys.
    pub fn is_partitioned(&self) -> bool {
        !self.partition_keys.is_empty()
    }
}

/// A registered partition (Glue `Partition`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Partition {
    /// Values as strings, in partition-key order (a NULL value is Hive's
    /// `__HIVE_DEFAULT_PARTITION__`).
    pub values: Vec<String>,
    /// Absolute URL of the partition's folder.
    pub location: String,
    /// Partition parameters.
    pub parameters: Properties,
    /// Seconds since the epoch.
    pub create_time: i64,
}

/// Seconds since the epoch, now.
pub fn now_seconds() -> i64 {
    chrono::Utc::now().timestamp()
}

//! The catalog's databases, tables and partitions rendered as Glue's JSON shapes: the
//! objects `get-table` and friends answer (the server, `catalog export`) and the
//! `*Input` objects a client sends (the Glue catalog backend).
//!
//! The clients index some fields without checking (dbt: `PartitionKeys`, `TableType`,
//! `Parameters`, `StorageDescriptor.Columns`, a partition's `Parameters` and
//! `StorageDescriptor.Location`; awswrangler: `StorageDescriptor`), so those are always
//! present, empty when there is nothing to say. A table's formats and SerDe are the ones
//! its definition records: DDL, CTAS and the crawler store Athena's classes, so a table
//! made in the shell reads like one made by Athena.

use serde_json::{Map, Value, json};

use super::LOCAL_CATALOG_ID as ACCOUNT_ID;
use crate::catalog::model::Properties;
use crate::catalog::{Column, Database, Partition, Table};

/// The `VersionId` of a definition: a number derived from its content (FNV-1a over its
/// JSON), so it changes whenever the table changes and `UpdateTable` can refuse a change
/// made from a definition that is no longer current, as Glue does. lakesql keeps no
/// history: the current definition is the table's one version. Decimal, since clients
/// (dbt-athena) sort versions as integers.
pub fn version_id(table: &Table) -> String {
    let bytes = serde_json::to_vec(table).unwrap_or_default();
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    });
    (hash >> 1).to_string()
}

/// Seconds since the epoch as an AWS JSON timestamp.
fn time(seconds: i64) -> Value {
    json!(seconds as f64)
}

/// A column (or partition key): `Name`, `Type`, `Comment` when there is one.
pub fn column_json(column: &Column) -> Value {
    let mut out = json!({"Name": column.name, "Type": column.hive_type});
    if let Some(comment) = &column.comment {
        out["Comment"] = json!(comment);
    }
    out
}

fn columns_json(columns: &[Column]) -> Vec<Value> {
    columns.iter().map(column_json).collect()
}

fn properties_json(properties: &Properties) -> Value {
    json!(properties)
}

/// A Glue `Database`.
pub fn database_json(db: &Database) -> Value {
    let mut out = json!({
        "Name": db.name,
        "Parameters": properties_json(&db.parameters),
        "CreateTime": time(db.create_time),
        "CreateTableDefaultPermissions": [{
            "Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
            "Permissions": ["ALL"]
        }],
        "CatalogId": ACCOUNT_ID,
    });
    if let Some(description) = &db.description {
        out["Description"] = json!(description);
    }
    if let Some(location) = &db.location_uri {
        out["LocationUri"] = json!(location);
    }
    out
}

/// A table's storage descriptor with `location` (the table's own, or a partition's);
/// `Columns` left out when `with_columns` is false (`ExcludeColumnSchema`).
pub fn storage_descriptor_json(table: &Table, location: &str, with_columns: bool) -> Value {
    let sd = &table.storage_descriptor;
    let mut serde_info = Map::new();
    if let Some(library) = &sd.serde_info.serialization_library {
        serde_info.insert("SerializationLibrary".into(), json!(library));
    }
    serde_info.insert(
        "Parameters".into(),
        properties_json(&sd.serde_info.parameters),
    );
    let mut out = Map::new();
    if with_columns {
        out.insert("Columns".into(), json!(columns_json(&sd.columns)));
    }
    if !location.is_empty() {
        out.insert("Location".into(), json!(location));
    }
    if let Some(input) = &sd.input_format {
        out.insert("InputFormat".into(), json!(input));
    }
    if let Some(output) = &sd.output_format {
        out.insert("OutputFormat".into(), json!(output));
    }
    out.insert("Compressed".into(), json!(sd.compressed));
    out.insert("NumberOfBuckets".into(), json!(-1));
    out.insert("SerdeInfo".into(), Value::Object(serde_info));
    out.insert("BucketColumns".into(), json!([]));
    out.insert("SortColumns".into(), json!([]));
    out.insert("Parameters".into(), json!({}));
    out.insert(
        "SkewedInfo".into(),
        json!({"SkewedColumnNames": [], "SkewedColumnValues": [],
               "SkewedColumnValueLocationMaps": {}}),
    );
    out.insert("StoredAsSubDirectories".into(), json!(false));
    Value::Object(out)
}

/// A Glue `Table`.
pub fn table_json(table: &Table) -> Value {
    let mut out = json!({
        "Name": table.name,
        "DatabaseName": table.database_name,
        "CreateTime": time(table.create_time),
        "UpdateTime": time(table.update_time),
        "LastAccessTime": 0.0,
        "Retention": 0,
        "StorageDescriptor": storage_descriptor_json(
            table,
            &table.storage_descriptor.location,
            true,
        ),
        "PartitionKeys": columns_json(&table.partition_keys),
        "TableType": table.table_type,
        "Parameters": properties_json(&table.parameters),
        "CreatedBy": format!("arn:aws:iam::{ACCOUNT_ID}:user/lakesql"),
        "IsRegisteredWithLakeFormation": false,
        "CatalogId": ACCOUNT_ID,
        "VersionId": version_id(table),
    });
    let optional = [
        ("Description", &table.description),
        ("Owner", &table.owner),
        ("ViewOriginalText", &table.view_original_text),
        ("ViewExpandedText", &table.view_expanded_text),
    ];
    for (field, value) in optional {
        if let Some(value) = value {
            out[field] = json!(value);
        }
    }
    out
}

/// A Glue `Partition` of `table`. lakesql keeps a location and parameters per
/// partition; the rest of its storage descriptor is the table's, as Athena's DDL makes it.
pub fn partition_json(table: &Table, partition: &Partition, with_columns: bool) -> Value {
    json!({
        "Values": partition.values,
        "DatabaseName": table.database_name,
        "TableName": table.name,
        "CreationTime": time(partition.create_time),
        "LastAccessTime": 0.0,
        "StorageDescriptor": storage_descriptor_json(table, &partition.location, with_columns),
        "Parameters": properties_json(&partition.parameters),
        "CatalogId": ACCOUNT_ID,
    })
}

/// The fields of Glue's `TableInput` (CreateTable, UpdateTable): a `Table` object keeps
/// only these, since Glue refuses the others in an input.
const TABLE_INPUT_FIELDS: [&str; 9] = [
    "Name",
    "Description",
    "Owner",
    "StorageDescriptor",
    "PartitionKeys",
    "ViewOriginalText",
    "ViewExpandedText",
    "TableType",
    "Parameters",
];

/// Keeps only `fields` of a rendered object.
fn only(value: Value, fields: &[&str]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(k, _)| fields.contains(&k.as_str()))
                .collect(),
        ),
        other => other,
    }
}

/// A Glue `TableInput` for `table`.
pub fn table_input(table: &Table) -> Value {
    only(table_json(table), &TABLE_INPUT_FIELDS)
}

/// A Glue `DatabaseInput` for `db`.
pub fn database_input(db: &Database) -> Value {
    only(
        database_json(db),
        &["Name", "Description", "LocationUri", "Parameters"],
    )
}

/// A Glue `PartitionInput` for `partition` of `table`.
pub fn partition_input(table: &Table, partition: &Partition) -> Value {
    only(
        partition_json(table, partition, true),
        &["Values", "StorageDescriptor", "Parameters"],
    )
}

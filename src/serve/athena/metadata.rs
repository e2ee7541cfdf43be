//! Athena's catalog metadata calls (ListDatabases, GetDatabase, ListTableMetadata,
//! GetTableMetadata), which PyAthena's SQLAlchemy dialect and the AWS CLI make. They
//! read the same catalog as Glue's API, in Athena's shapes and with Athena's errors:
//! `MetadataException` for a missing database or table, `InvalidRequestException` for a
//! catalog other than `AwsDataCatalog`.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogStore, Column, Database, Table};
use crate::serve::glue::lookup::name;
use crate::serve::glue::name_pattern::filter_names;
use crate::serve::page::Page;
use crate::serve::protocol::{ApiError, ApiResult, input};
use crate::serve::state::ServerState;

/// The one data catalog (Athena's name for the Glue catalog).
const DATA_CATALOG: &str = "AwsDataCatalog";
/// Athena's error for the caller's mistakes.
const INVALID_REQUEST: &str = "InvalidRequestException";
/// Athena's error for a missing database or table.
const METADATA: &str = "MetadataException";
/// The largest page of ListDatabases and ListTableMetadata.
const MAX_RESULTS: usize = 50;

/// Runs a catalog metadata operation; `None` when `operation` is not one of them.
pub async fn call(server: &Arc<ServerState>, operation: &str, body: &Value) -> Option<ApiResult> {
    run(server.catalog.as_ref(), operation, body).await
}

/// [`call`] on `catalog`.
pub async fn run(catalog: &dyn CatalogStore, operation: &str, body: &Value) -> Option<ApiResult> {
    Some(match operation {
        "ListDatabases" => list_databases(catalog, body).await,
        "GetDatabase" => get_database(catalog, body).await,
        "ListTableMetadata" => list_table_metadata(catalog, body).await,
        "GetTableMetadata" => get_table_metadata(catalog, body).await,
        _ => return None,
    })
}

fn check_catalog(catalog_name: &str) -> Result<(), ApiError> {
    if catalog_name.eq_ignore_ascii_case(DATA_CATALOG) {
        return Ok(());
    }
    Err(ApiError::invalid_request(format!(
        "Catalog {catalog_name} is not found."
    )))
}

fn internal(e: crate::error::LakeError) -> ApiError {
    ApiError::internal("InternalServerException", e.to_string())
}

async fn database(catalog: &dyn CatalogStore, db: &str) -> Result<Database, ApiError> {
    catalog
        .get_database(db)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::client(METADATA, format!("Database {db} not found.")))
}

async fn table(catalog: &dyn CatalogStore, db: &str, table: &str) -> Result<Table, ApiError> {
    database(catalog, db).await?;
    catalog
        .get_table(db, table)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::client(METADATA, format!("Table {table} not found.")))
}

fn with_token(mut out: Value, next: Option<String>) -> Value {
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    out
}

/// Athena's `Database`: name, description, parameters.
fn database_json(db: &Database) -> Value {
    let mut out = json!({"Name": db.name, "Parameters": db.parameters});
    if let Some(description) = &db.description {
        out["Description"] = json!(description);
    }
    out
}

fn column_json(column: &Column) -> Value {
    let mut out = json!({"Name": column.name, "Type": column.hive_type});
    if let Some(comment) = &column.comment {
        out["Comment"] = json!(comment);
    }
    out
}

/// Athena's `TableMetadata`. Its `Parameters` hold the table properties plus the
/// storage as Athena flattens it (`location`, `inputformat`, `outputformat`,
/// `serde.serialization.lib`, `serde.param.*`), which PyAthena's dialect reads.
fn table_metadata_json(table: &Table) -> Value {
    let sd = &table.storage_descriptor;
    let mut parameters = table.parameters.clone();
    let storage = [
        ("location", Some(&sd.location).filter(|l| !l.is_empty())),
        ("inputformat", sd.input_format.as_ref()),
        ("outputformat", sd.output_format.as_ref()),
        (
            "serde.serialization.lib",
            sd.serde_info.serialization_library.as_ref(),
        ),
    ];
    for (key, value) in storage {
        if let Some(value) = value {
            parameters.insert(key.to_string(), value.clone());
        }
    }
    for (key, value) in &sd.serde_info.parameters {
        parameters.insert(format!("serde.param.{key}"), value.clone());
    }
    json!({
        "Name": table.name,
        "CreateTime": table.create_time as f64,
        "LastAccessTime": 0.0,
        "TableType": table.table_type,
        "Columns": sd.columns.iter().map(column_json).collect::<Vec<_>>(),
        "PartitionKeys": table.partition_keys.iter().map(column_json).collect::<Vec<_>>(),
        "Parameters": parameters,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListDatabasesInput {
    catalog_name: String,
    next_token: Option<String>,
    max_results: Option<i64>,
}

async fn list_databases(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListDatabasesInput = input(body, INVALID_REQUEST)?;
    check_catalog(&request.catalog_name)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_RESULTS,
        INVALID_REQUEST,
    )?;
    let databases = catalog.list_databases().await.map_err(internal)?;
    let (databases, next) = page.slice(&databases);
    let list: Vec<Value> = databases.iter().map(database_json).collect();
    Ok(with_token(json!({"DatabaseList": list}), next))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DatabaseInput {
    catalog_name: String,
    database_name: String,
}

async fn get_database(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: DatabaseInput = input(body, INVALID_REQUEST)?;
    check_catalog(&request.catalog_name)?;
    let db = database(catalog, &name(&request.database_name)).await?;
    Ok(json!({"Database": database_json(&db)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListTablesInput {
    catalog_name: String,
    database_name: String,
    expression: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

async fn list_table_metadata(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListTablesInput = input(body, INVALID_REQUEST)?;
    check_catalog(&request.catalog_name)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_RESULTS,
        INVALID_REQUEST,
    )?;
    let db = name(&request.database_name);
    database(catalog, &db).await?;
    let names = catalog.list_tables(&db).await.map_err(internal)?;
    let names = filter_names(names, request.expression.as_deref(), INVALID_REQUEST)?;
    let (names, next) = page.slice(&names);
    let mut list = Vec::with_capacity(names.len());
    for table_name in names {
        if let Some(t) = catalog.get_table(&db, table_name).await.map_err(internal)? {
            list.push(table_metadata_json(&t));
        }
    }
    Ok(with_token(json!({"TableMetadataList": list}), next))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableInput {
    catalog_name: String,
    database_name: String,
    table_name: String,
}

async fn get_table_metadata(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: TableInput = input(body, INVALID_REQUEST)?;
    check_catalog(&request.catalog_name)?;
    let found = table(
        catalog,
        &name(&request.database_name),
        &name(&request.table_name),
    )
    .await?;
    Ok(json!({"TableMetadata": table_metadata_json(&found)}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{SerDeInfo, SqliteStore, StorageDescriptor};

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("catalog.db")).unwrap();
        for name in ["orders", "order_items", "users"] {
            let sd = StorageDescriptor {
                columns: vec![Column {
                    name: "id".into(),
                    hive_type: "bigint".into(),
                    comment: Some("key".into()),
                }],
                location: format!("s3://lake/{name}"),
                input_format: Some("in".into()),
                output_format: Some("out".into()),
                compressed: false,
                serde_info: SerDeInfo {
                    serialization_library: Some("serde".into()),
                    parameters: [("field.delim".to_string(), ",".to_string())].into(),
                },
            };
            let mut t = Table::external("default", name, sd);
            t.parameters.insert("classification".into(), "csv".into());
            store.create_table(&t, false).await.unwrap();
        }
        (dir, store)
    }

    async fn ok(store: &SqliteStore, operation: &str, body: Value) -> Value {
        match run(store, operation, &body).await {
            Some(Ok(v)) => v,
            Some(Err(e)) => panic!("{operation}: {} {}", e.code, e.message),
            None => panic!("{operation} not handled"),
        }
    }

    async fn err(store: &SqliteStore, operation: &str, body: Value) -> ApiError {
        match run(store, operation, &body).await {
            Some(Err(e)) => e,
            _ => panic!("{operation} did not fail"),
        }
    }

    #[tokio::test]
    async fn databases_and_tables_in_athenas_shapes() {
        let (_dir, store) = store().await;
        let dbs = ok(
            &store,
            "ListDatabases",
            json!({"CatalogName": "awsdatacatalog"}),
        )
        .await;
        assert_eq!(
            dbs["DatabaseList"],
            json!([{"Name": "default", "Description": "Default database", "Parameters": {}}])
        );
        let db = ok(
            &store,
            "GetDatabase",
            json!({"CatalogName": "AwsDataCatalog", "DatabaseName": "Default"}),
        )
        .await;
        assert_eq!(db["Database"]["Name"], "default");

        let body = json!({"CatalogName": "AwsDataCatalog", "DatabaseName": "default",
                          "Expression": "order*", "MaxResults": 1});
        let page1 = ok(&store, "ListTableMetadata", body.clone()).await;
        assert_eq!(page1["TableMetadataList"][0]["Name"], "order_items");
        let mut body2 = body.clone();
        body2["NextToken"] = page1["NextToken"].clone();
        let page2 = ok(&store, "ListTableMetadata", body2).await;
        assert_eq!(page2["TableMetadataList"][0]["Name"], "orders");
        assert!(page2.get("NextToken").is_none());

        let t = ok(
            &store,
            "GetTableMetadata",
            json!({"CatalogName": "AwsDataCatalog", "DatabaseName": "default",
                   "TableName": "users"}),
        )
        .await["TableMetadata"]
            .clone();
        assert_eq!(t["Name"], "users");
        assert_eq!(t["TableType"], "EXTERNAL_TABLE");
        assert_eq!(
            t["Columns"],
            json!([{"Name": "id", "Type": "bigint", "Comment": "key"}])
        );
        assert_eq!(t["PartitionKeys"], json!([]));
        assert_eq!(t["Parameters"]["classification"], "csv");
        assert_eq!(t["Parameters"]["location"], "s3://lake/users");
        assert_eq!(t["Parameters"]["inputformat"], "in");
        assert_eq!(t["Parameters"]["serde.serialization.lib"], "serde");
        assert_eq!(t["Parameters"]["serde.param.field.delim"], ",");
    }

    #[tokio::test]
    async fn athena_errors() {
        let (_dir, store) = store().await;
        let e = err(&store, "ListDatabases", json!({"CatalogName": "other"})).await;
        assert_eq!(e.code, "InvalidRequestException");
        let e = err(
            &store,
            "GetDatabase",
            json!({"CatalogName": "AwsDataCatalog", "DatabaseName": "nope"}),
        )
        .await;
        assert_eq!(
            (e.code, e.message.as_str()),
            (METADATA, "Database nope not found.")
        );
        let e = err(
            &store,
            "GetTableMetadata",
            json!({"CatalogName": "AwsDataCatalog", "DatabaseName": "default",
                   "TableName": "nope"}),
        )
        .await;
        assert_eq!(
            (e.code, e.message.as_str()),
            (METADATA, "Table nope not found.")
        );
        let e = err(
            &store,
            "ListDatabases",
            json!({"CatalogName": "AwsDataCatalog", "MaxResults": 51}),
        )
        .await;
        assert_eq!(e.code, "InvalidRequestException");
        assert!(
            run(&store, "StartQueryExecution", &json!({}))
                .await
                .is_none()
        );
    }
}

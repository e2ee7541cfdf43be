//! Glue's table operations: GetTables, GetTable, CreateTable, UpdateTable,
//! DeleteTable and BatchDeleteTable, on the catalog's tables and views.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::model::now_seconds;
use crate::catalog::{CatalogStore, Table};
use crate::serve::protocol::{ApiError, ApiResult, input};

use super::errors::{INVALID_INPUT, already_exists, error_detail, invalid, lake, not_found};
use super::inputs::{TableInput, default_table_location, table_of};
use super::lookup::{database, name, table};
use super::name_pattern::filter_names;
use crate::catalog::glue_json::render::{table_json, version_id};
use crate::serve::page::Page;

/// GetTables' largest page.
const MAX_TABLES: usize = 100;
/// BatchDeleteTable's largest batch.
const MAX_BATCH_DELETE: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    database_name: String,
    expression: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
}

/// `GetTables`: the database's tables (and views) whose names match `Expression`, sorted
/// by name, a page at a time.
pub async fn get_tables(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListInput = input(body, INVALID_INPUT)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_TABLES,
        INVALID_INPUT,
    )?;
    let db = name(&request.database_name);
    database(catalog, &db).await?;
    let names = catalog.list_tables(&db).await.map_err(lake)?;
    let names = filter_names(names, request.expression.as_deref(), INVALID_INPUT)?;
    let (names, next) = page.slice(&names);
    let mut tables = Vec::with_capacity(names.len());
    for table_name in names {
        // A table dropped since the listing is left out.
        if let Some(t) = catalog.get_table(&db, table_name).await.map_err(lake)? {
            tables.push(table_json(&t));
        }
    }
    let mut out = json!({"TableList": tables});
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TableNameInput {
    database_name: String,
    name: String,
}

/// `GetTable`.
pub async fn get_table(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: TableNameInput = input(body, INVALID_INPUT)?;
    let found = table(catalog, &name(&request.database_name), &name(&request.name)).await?;
    Ok(json!({"Table": table_json(&found)}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    database_name: String,
    table_input: TableInput,
    open_table_format_input: Option<Value>,
}

/// `CreateTable`: the table as `CREATE EXTERNAL TABLE` would define it, placed under
/// the database's location when the input names none.
pub async fn create_table(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: CreateInput = input(body, INVALID_INPUT)?;
    if request.open_table_format_input.is_some() {
        return Err(invalid(
            "lakesql does not support Iceberg tables (OpenTableFormatInput)",
        ));
    }
    let db = database(catalog, &name(&request.database_name)).await?;
    let input = &request.table_input;
    let new = table_of(
        input,
        &db.name,
        None,
        default_table_location(&db, &input.name),
    )?;
    if new.name.is_empty() {
        return Err(invalid("the table name must not be empty"));
    }
    match catalog.create_table(&new, true).await.map_err(lake)? {
        true => Ok(json!({})),
        false => Err(already_exists(format!(
            "Table {} already exists.",
            new.name
        ))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    database_name: String,
    table_input: TableInput,
    version_id: Option<String>,
}

/// `UpdateTable`: replaces the definition with `TableInput`, atomically, keeping the
/// creation time (and the storage when the input has no `StorageDescriptor`). Partition
/// keys cannot be renamed while partitions are registered: they are stored by name.
/// With `VersionId`, the change applies only to that version of the definition;
/// another is `ConcurrentModificationException`, as in Glue.
pub async fn update_table(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: UpdateInput = input(body, INVALID_INPUT)?;
    let db = name(&request.database_name);
    let current = table(catalog, &db, &name(&request.table_input.name)).await?;
    let sd = &current.storage_descriptor;
    let new = table_of(
        &request.table_input,
        &db,
        Some(sd),
        Some(sd.location.clone()),
    )?;
    check_partition_keys(catalog, &current, &new).await?;
    let keys = new.partition_key_names().join(",");
    let expected_version = request.version_id.filter(|v| !v.is_empty());
    catalog
        .modify_table(
            &db,
            &current.name,
            Box::new(move |t: &mut Table| {
                if let Some(expected) = &expected_version
                    && *expected != version_id(t)
                {
                    return Err(crate::error::LakeError::semantic(
                        crate::error::ErrorCode::ConcurrentModification,
                        format!(
                            "table {} is no longer at version {expected}",
                            t.qualified_name()
                        ),
                    ));
                }
                if t.partition_key_names().join(",") != keys {
                    // Changed since it was checked: let the next check decide.
                    let message = format!("table {} changed concurrently", t.qualified_name());
                    return Err(crate::error::LakeError::invalid(message));
                }
                let created = t.create_time;
                *t = new.clone();
                t.create_time = created;
                t.update_time = now_seconds();
                Ok(())
            }),
        )
        .await
        .map_err(lake)?;
    Ok(json!({}))
}

/// Refuses a change of partition key names while partitions are registered.
async fn check_partition_keys(
    catalog: &dyn CatalogStore,
    current: &Table,
    new: &Table,
) -> Result<(), ApiError> {
    if current.partition_key_names() == new.partition_key_names() {
        return Ok(());
    }
    let (db, name) = (&current.database_name, &current.name);
    if catalog.count_partitions(db, name).await.map_err(lake)? == 0 {
        return Ok(());
    }
    Err(invalid(format!(
        "the partition keys of {} cannot change while it has partitions",
        current.qualified_name()
    )))
}

/// `DeleteTable` (tables and views, with their partitions).
pub async fn delete_table(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: TableNameInput = input(body, INVALID_INPUT)?;
    drop_one(catalog, &name(&request.database_name), &name(&request.name)).await?;
    Ok(json!({}))
}

async fn drop_one(catalog: &dyn CatalogStore, db: &str, table_name: &str) -> Result<(), ApiError> {
    database(catalog, db).await?;
    match catalog
        .drop_table(db, table_name, true)
        .await
        .map_err(lake)?
    {
        true => Ok(()),
        false => Err(not_found(format!("Table {table_name} not found."))),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchDeleteInput {
    database_name: String,
    tables_to_delete: Vec<String>,
}

/// `BatchDeleteTable`: each table dropped on its own; failures in `Errors`.
pub async fn batch_delete_table(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchDeleteInput = input(body, INVALID_INPUT)?;
    if request.tables_to_delete.len() > MAX_BATCH_DELETE {
        return Err(invalid(format!(
            "TablesToDelete holds {} tables; the limit is {MAX_BATCH_DELETE}",
            request.tables_to_delete.len()
        )));
    }
    let db = name(&request.database_name);
    database(catalog, &db).await?;
    let mut errors = Vec::new();
    for table_name in &request.tables_to_delete {
        if let Err(e) = drop_one(catalog, &db, &name(table_name)).await {
            errors.push(json!({"TableName": table_name, "ErrorDetail": error_detail(&e)}));
        }
    }
    Ok(json!({"Errors": errors}))
}

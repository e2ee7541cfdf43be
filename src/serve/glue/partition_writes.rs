//! Glue's partition writes: CreatePartition, BatchCreatePartition, UpdatePartition,
//! BatchUpdatePartition, DeletePartition and BatchDeletePartition.
//!
//! Values compare as their key's type, as in `ALTER TABLE … ADD PARTITION`, so
//! `month=5` is the partition registered as `month=05`. Each batch checks every item
//! first, reports the bad ones in `Errors` (per item, as Glue does) and writes the rest
//! in one atomic catalog call.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::partition_values::TypedKeys;
use crate::catalog::{CatalogStore, Partition, Table};
use crate::serve::protocol::{ApiError, ApiResult, input};

use super::errors::{INVALID_INPUT, already_exists, error_detail, invalid, lake};
use super::inputs::{PartitionInput, partition_of};
use super::lookup::{find_partition, partition_not_found};
use super::partitions::{ValuesInput, table_and_partitions};

/// BatchCreatePartition's and BatchUpdatePartition's largest batch.
const MAX_BATCH_WRITE: usize = 100;
/// BatchDeletePartition's largest batch.
const MAX_BATCH_DELETE: usize = 25;

fn check_batch(what: &str, len: usize, limit: usize) -> Result<(), ApiError> {
    if len > limit {
        return Err(invalid(format!(
            "{what} holds {len} partitions; the limit is {limit}"
        )));
    }
    Ok(())
}

fn partition_exists(table: &Table, values: &[String]) -> ApiError {
    already_exists(format!(
        "Partition ({}) of table {} already exists.",
        values.join(", "),
        table.name
    ))
}

/// A per-item error of a batch.
fn item_error(values: &[String], e: &ApiError) -> Value {
    json!({"PartitionValues": values, "ErrorDetail": error_detail(e)})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateInput {
    database_name: String,
    table_name: String,
    partition_input: PartitionInput,
}

/// `CreatePartition`.
pub async fn create_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: CreateInput = input(body, INVALID_INPUT)?;
    let (table, existing) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let new = partition_of(&request.partition_input, &table)?;
    if find_partition(&table, &existing, &new.values)?.is_some() {
        return Err(partition_exists(&table, &new.values));
    }
    add(catalog, &table, &[new]).await?;
    Ok(json!({}))
}

async fn add(catalog: &dyn CatalogStore, table: &Table, new: &[Partition]) -> Result<(), ApiError> {
    if new.is_empty() {
        return Ok(());
    }
    let (db, name) = (&table.database_name, &table.name);
    catalog
        .add_partitions(db, name, new, false)
        .await
        .map_err(lake)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchCreateInput {
    database_name: String,
    table_name: String,
    partition_input_list: Vec<PartitionInput>,
}

/// `BatchCreatePartition`: invalid and existing partitions (also duplicates within the
/// batch) in `Errors`, the others added together.
pub async fn batch_create_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchCreateInput = input(body, INVALID_INPUT)?;
    let inputs = &request.partition_input_list;
    check_batch("PartitionInputList", inputs.len(), MAX_BATCH_WRITE)?;
    let (table, existing) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let keys = TypedKeys::of(&table).map_err(lake)?;
    let mut taken: HashSet<Vec<String>> = existing
        .iter()
        .map(|p| keys.identities(&p.values))
        .collect();
    let mut new = Vec::with_capacity(inputs.len());
    let mut errors = Vec::new();
    for item in inputs {
        match partition_of(item, &table) {
            Err(e) => errors.push(item_error(&item.values, &e)),
            Ok(p) if !taken.insert(keys.identities(&p.values)) => {
                errors.push(item_error(&p.values, &partition_exists(&table, &p.values)));
            }
            Ok(p) => new.push(p),
        }
    }
    add(catalog, &table, &new).await?;
    Ok(json!({"Errors": errors}))
}

/// One change of `UpdatePartition` / `BatchUpdatePartition`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateEntry {
    partition_value_list: Vec<String>,
    partition_input: PartitionInput,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct UpdateInput {
    database_name: String,
    table_name: String,
    #[serde(flatten)]
    entry: UpdateEntry,
}

/// `UpdatePartition`.
pub async fn update_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: UpdateInput = input(body, INVALID_INPUT)?;
    update_one(
        catalog,
        &request.database_name,
        &request.table_name,
        &request.entry,
    )
    .await?;
    Ok(json!({}))
}

/// Replaces a partition's location and parameters; with new values, moves it to them
/// (one atomic add-and-drop). Without a location in the input, it keeps its own.
async fn update_one(
    catalog: &dyn CatalogStore,
    db: &str,
    table_name: &str,
    entry: &UpdateEntry,
) -> Result<(), ApiError> {
    let (table, existing) = table_and_partitions(catalog, db, table_name).await?;
    let old_values = &entry.partition_value_list;
    let old = find_partition(&table, &existing, old_values)?
        .ok_or_else(|| partition_not_found(&table, old_values))?;
    let mut new = partition_of(&entry.partition_input, &table)?;
    if !entry.partition_input.has_location() {
        new.location = old.location.clone();
    }
    let (db, name) = (&table.database_name, &table.name);
    let target = find_partition(&table, &existing, &new.values)?;
    if target.is_some_and(|t| t.values == old.values) {
        new.values = old.values.clone();
        new.create_time = old.create_time;
        return catalog.update_partition(db, name, &new).await.map_err(lake);
    }
    if target.is_some() {
        return Err(partition_exists(&table, &new.values));
    }
    catalog
        .sync_partitions(
            db,
            name,
            std::slice::from_ref(&new),
            std::slice::from_ref(&old.values),
        )
        .await
        .map_err(lake)?;
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchUpdateInput {
    database_name: String,
    table_name: String,
    entries: Vec<UpdateEntry>,
}

/// `BatchUpdatePartition`: each entry applied on its own; failures in `Errors`.
pub async fn batch_update_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchUpdateInput = input(body, INVALID_INPUT)?;
    check_batch("Entries", request.entries.len(), MAX_BATCH_WRITE)?;
    let (db, table_name) = (&request.database_name, &request.table_name);
    // A missing table fails the call, not each entry.
    table_and_partitions(catalog, db, table_name).await?;
    let mut errors = Vec::new();
    for entry in &request.entries {
        if let Err(e) = update_one(catalog, db, table_name, entry).await {
            errors.push(json!({
                "PartitionValueList": entry.partition_value_list,
                "ErrorDetail": error_detail(&e),
            }));
        }
    }
    Ok(json!({"Errors": errors}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    database_name: String,
    table_name: String,
    partition_values: Vec<String>,
}

/// `DeletePartition`.
pub async fn delete_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: DeleteInput = input(body, INVALID_INPUT)?;
    let (table, existing) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let values = &request.partition_values;
    let found = find_partition(&table, &existing, values)?
        .ok_or_else(|| partition_not_found(&table, values))?;
    let (db, name) = (&table.database_name, &table.name);
    catalog
        .drop_partitions(db, name, std::slice::from_ref(&found.values), false)
        .await
        .map_err(lake)?;
    Ok(json!({}))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchDeleteInput {
    database_name: String,
    table_name: String,
    partitions_to_delete: Vec<ValuesInput>,
}

/// `BatchDeletePartition`: missing or malformed partitions in `Errors`, the others
/// removed together.
pub async fn batch_delete_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchDeleteInput = input(body, INVALID_INPUT)?;
    let wanted = &request.partitions_to_delete;
    check_batch("PartitionsToDelete", wanted.len(), MAX_BATCH_DELETE)?;
    let (table, existing) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let mut to_drop: Vec<Vec<String>> = Vec::new();
    let mut errors = Vec::new();
    for item in wanted {
        match find_partition(&table, &existing, &item.values) {
            Ok(Some(p)) => to_drop.push(p.values.clone()),
            Ok(None) => errors.push(item_error(
                &item.values,
                &partition_not_found(&table, &item.values),
            )),
            Err(e) => errors.push(item_error(&item.values, &e)),
        }
    }
    to_drop.sort();
    to_drop.dedup();
    let (db, name) = (&table.database_name, &table.name);
    catalog
        .drop_partitions(db, name, &to_drop, true)
        .await
        .map_err(lake)?;
    Ok(json!({"Errors": errors}))
}

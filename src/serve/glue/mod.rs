//! Glue's API (`AWSGlue.*`, AWS JSON 1.1) over lakesql's catalog.
//!
//! The catalog model is Glue's already (databases, tables with a storage descriptor,
//! partitions), so the operations are thin: read the request ([`inputs`]), make the
//! catalog calls the shell's DDL makes, answer in Glue's shapes ([`crate::catalog::glue_json`]) with
//! Glue's error codes ([`errors`]). Every handler takes the catalog rather than the
//! server, so it can be tested on a store alone. What lakesql cannot store (table
//! versions, a partition's own storage descriptor, storage-descriptor parameters) is
//! documented on the operation that meets it.

mod databases;
pub(crate) mod errors;
mod expression;
mod inputs;
pub(crate) mod lookup;
pub(crate) mod name_pattern;
mod partition_writes;
mod partitions;
mod segment;
mod tables;
mod versions;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde_json::Value;

use super::protocol::{ApiError, ApiResult};
use super::state::ServerState;
use crate::catalog::CatalogStore;

/// Runs one Glue operation.
pub async fn call(server: &Arc<ServerState>, operation: &str, body: &Value) -> ApiResult {
    run(server.catalog.as_ref(), operation, body).await
}

/// Runs one Glue operation on `catalog`.
pub async fn run(catalog: &dyn CatalogStore, operation: &str, body: &Value) -> ApiResult {
    match operation {
        "GetDatabases" => databases::get_databases(catalog, body).await,
        "GetDatabase" => databases::get_database(catalog, body).await,
        "CreateDatabase" => databases::create_database(catalog, body).await,
        "UpdateDatabase" => databases::update_database(catalog, body).await,
        "DeleteDatabase" => databases::delete_database(catalog, body).await,
        "GetTables" => tables::get_tables(catalog, body).await,
        "GetTable" => tables::get_table(catalog, body).await,
        "CreateTable" => tables::create_table(catalog, body).await,
        "UpdateTable" => tables::update_table(catalog, body).await,
        "DeleteTable" => tables::delete_table(catalog, body).await,
        "BatchDeleteTable" => tables::batch_delete_table(catalog, body).await,
        "GetTableVersions" => versions::get_table_versions(catalog, body).await,
        "GetTableVersion" => versions::get_table_version(catalog, body).await,
        "DeleteTableVersion" => versions::delete_table_version(catalog, body).await,
        "BatchDeleteTableVersion" => versions::batch_delete_table_version(catalog, body).await,
        _ => partition_call(catalog, operation, body).await,
    }
}

/// The partition operations.
async fn partition_call(catalog: &dyn CatalogStore, operation: &str, body: &Value) -> ApiResult {
    match operation {
        "GetPartitions" => partitions::get_partitions(catalog, body).await,
        "GetPartition" => partitions::get_partition(catalog, body).await,
        "BatchGetPartition" => partitions::batch_get_partition(catalog, body).await,
        "CreatePartition" => partition_writes::create_partition(catalog, body).await,
        "BatchCreatePartition" => partition_writes::batch_create_partition(catalog, body).await,
        "UpdatePartition" => partition_writes::update_partition(catalog, body).await,
        "BatchUpdatePartition" => partition_writes::batch_update_partition(catalog, body).await,
        "DeletePartition" => partition_writes::delete_partition(catalog, body).await,
        "BatchDeletePartition" => partition_writes::batch_delete_partition(catalog, body).await,
        _ => Err(ApiError::client(
            "UnknownOperationException",
            format!("lakesql serve does not implement Glue's {operation}"),
        )),
    }
}

//! Glue's table versions (GetTableVersions, GetTableVersion, DeleteTableVersion,
//! BatchDeleteTableVersion). lakesql keeps no history of table definitions, so every
//! table has exactly one version, the current one (its id derived from the definition,
//! see [`version_id`]): listings show it, asking for another finds nothing, and the
//! current version cannot be deleted (as in Glue).
//! dbt-athena's version expiry keeps the newest versions, so it deletes nothing here.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogStore, Table};
use crate::serve::protocol::{ApiError, ApiResult, input};

use super::errors::{INVALID_INPUT, error_detail, invalid, not_found};
use super::lookup::{name, table};
use crate::catalog::glue_json::render::{table_json, version_id};
use crate::serve::page::Page;

/// GetTableVersions' largest page.
const MAX_VERSIONS: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    database_name: String,
    table_name: String,
    next_token: Option<String>,
    max_results: Option<i64>,
}

fn version_json(t: &Table) -> Value {
    json!({"Table": table_json(t), "VersionId": version_id(t)})
}

/// `GetTableVersions`: the current definition as the only version.
pub async fn get_table_versions(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListInput = input(body, INVALID_INPUT)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_VERSIONS,
        INVALID_INPUT,
    )?;
    let current = table(
        catalog,
        &name(&request.database_name),
        &name(&request.table_name),
    )
    .await?;
    let versions = [version_json(&current)];
    let (versions, next) = page.slice(&versions);
    let mut out = json!({"TableVersions": versions});
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct VersionInput {
    database_name: String,
    table_name: String,
    version_id: Option<String>,
}

/// `GetTableVersion`: the current definition for version `"0"` (or no version).
pub async fn get_table_version(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: VersionInput = input(body, INVALID_INPUT)?;
    let current = table(
        catalog,
        &name(&request.database_name),
        &name(&request.table_name),
    )
    .await?;
    match request.version_id.as_deref() {
        None => Ok(json!({"TableVersion": version_json(&current)})),
        Some(v) if v == version_id(&current) => Ok(json!({"TableVersion": version_json(&current)})),
        Some(other) => Err(version_not_found(&current, other)),
    }
}

fn version_not_found(t: &Table, version: &str) -> ApiError {
    not_found(format!("Version {version} of table {} not found.", t.name))
}

/// Why a version cannot be deleted: the current one never can, others do not exist.
fn deletion_error(t: &Table, version: &str) -> ApiError {
    if version == version_id(t) {
        invalid(format!(
            "Cannot delete the current version of table {}.",
            t.name
        ))
    } else {
        version_not_found(t, version)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteInput {
    database_name: String,
    table_name: String,
    version_id: String,
}

/// `DeleteTableVersion`: always an error (see the module documentation).
pub async fn delete_table_version(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: DeleteInput = input(body, INVALID_INPUT)?;
    let current = table(
        catalog,
        &name(&request.database_name),
        &name(&request.table_name),
    )
    .await?;
    Err(deletion_error(&current, &request.version_id))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchDeleteInput {
    database_name: String,
    table_name: String,
    version_ids: Vec<String>,
}

/// `BatchDeleteTableVersion`: every id reported in `Errors`.
pub async fn batch_delete_table_version(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchDeleteInput = input(body, INVALID_INPUT)?;
    let current = table(
        catalog,
        &name(&request.database_name),
        &name(&request.table_name),
    )
    .await?;
    let errors: Vec<Value> = request
        .version_ids
        .iter()
        .map(|v| {
            json!({
                "TableName": current.name,
                "VersionId": v,
                "ErrorDetail": error_detail(&deletion_error(&current, v)),
            })
        })
        .collect();
    Ok(json!({"Errors": errors}))
}

//! Glue's partition reads: GetPartitions (with `Expression`, `Segment`,
//! `ExcludeColumnSchema` and paging), GetPartition and BatchGetPartition.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::catalog::{CatalogStore, Partition, Table};
use crate::serve::protocol::{ApiError, ApiResult, input};

use super::errors::{INVALID_INPUT, invalid, lake};
use super::expression::PartitionFilter;
use super::lookup::{find_partition, name, partition_not_found, table};
use super::segment::Segment;
use crate::catalog::glue_json::render::partition_json;
use crate::serve::page::Page;

/// GetPartitions' largest page.
const MAX_PARTITIONS: usize = 1000;
/// BatchGetPartition's largest batch.
const MAX_BATCH_GET: usize = 1000;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    database_name: String,
    table_name: String,
    expression: Option<String>,
    next_token: Option<String>,
    max_results: Option<i64>,
    segment: Option<Segment>,
    #[serde(default)]
    exclude_column_schema: bool,
}

/// The table a partition request names and its registered partitions.
pub async fn table_and_partitions(
    catalog: &dyn CatalogStore,
    db: &str,
    table_name: &str,
) -> Result<(Table, Vec<Partition>), ApiError> {
    let found = table(catalog, &name(db), &name(table_name)).await?;
    let partitions = catalog
        .list_partitions(&found.database_name, &found.name)
        .await
        .map_err(lake)?;
    Ok((found, partitions))
}

/// `GetPartitions`: the partitions passing `Expression` in `Segment`, sorted by their
/// values' folder name, a page at a time.
pub async fn get_partitions(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: ListInput = input(body, INVALID_INPUT)?;
    let page = Page::of(
        request.next_token.as_deref(),
        request.max_results,
        MAX_PARTITIONS,
        INVALID_INPUT,
    )?;
    if let Some(segment) = &request.segment {
        segment.check()?;
    }
    let (table, partitions) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let selected = select(
        &table,
        partitions,
        request.expression.as_deref(),
        request.segment,
    )?;
    let (selected, next) = page.slice(&selected);
    let with_columns = !request.exclude_column_schema;
    let partitions: Vec<Value> = selected
        .iter()
        .map(|p| partition_json(&table, p, with_columns))
        .collect();
    let mut out = json!({"Partitions": partitions});
    if let Some(token) = next {
        out["NextToken"] = json!(token);
    }
    Ok(out)
}

/// The partitions passing the filter (if any) that fall in the segment (if any).
pub fn select(
    table: &Table,
    partitions: Vec<Partition>,
    expression: Option<&str>,
    segment: Option<Segment>,
) -> Result<Vec<Partition>, ApiError> {
    let filter = match expression.filter(|e| !e.trim().is_empty()) {
        Some(text) => Some(PartitionFilter::parse(text, table)?),
        None => None,
    };
    let mut selected = Vec::with_capacity(partitions.len());
    for p in partitions {
        if segment.is_some_and(|s| !s.contains(&p.values)) {
            continue;
        }
        if let Some(f) = &filter
            && !f.matches(&p.values)?
        {
            continue;
        }
        selected.push(p);
    }
    Ok(selected)
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetInput {
    database_name: String,
    table_name: String,
    partition_values: Vec<String>,
}

/// `GetPartition`.
pub async fn get_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: GetInput = input(body, INVALID_INPUT)?;
    let (table, partitions) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let values = &request.partition_values;
    let found = find_partition(&table, &partitions, values)?
        .ok_or_else(|| partition_not_found(&table, values))?;
    Ok(json!({"Partition": partition_json(&table, found, true)}))
}

/// A partition named by its values (`PartitionValueList` in batch requests).
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ValuesInput {
    /// The values, in key order.
    pub values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchGetInput {
    database_name: String,
    table_name: String,
    partitions_to_get: Vec<ValuesInput>,
}

/// `BatchGetPartition`: the partitions that exist; missing ones are simply not returned
/// (as in Glue), so `UnprocessedKeys` is always empty.
pub async fn batch_get_partition(catalog: &dyn CatalogStore, body: &Value) -> ApiResult {
    let request: BatchGetInput = input(body, INVALID_INPUT)?;
    if request.partitions_to_get.len() > MAX_BATCH_GET {
        return Err(invalid(format!(
            "PartitionsToGet holds {} partitions; the limit is {MAX_BATCH_GET}",
            request.partitions_to_get.len()
        )));
    }
    let (table, partitions) =
        table_and_partitions(catalog, &request.database_name, &request.table_name).await?;
    let mut found = Vec::new();
    for wanted in &request.partitions_to_get {
        if let Some(p) = find_partition(&table, &partitions, &wanted.values)? {
            found.push(partition_json(&table, p, true));
        }
    }
    Ok(json!({"Partitions": found, "UnprocessedKeys": []}))
}

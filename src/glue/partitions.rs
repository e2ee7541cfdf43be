//! Partitions in Glue: listing with a pushed-down `Expression` and `Segment`-parallel
//! paging, and batches made all-or-nothing.
//!
//! - **Listing**: one `GetPartitions` page first. A point query (its filter pushed down
//!   as the `Expression`) is answered there; when Glue says there is more, the listing
//!   starts again as [`SEGMENTS`] segments paged in parallel, as Athena's own planner
//!   does for large tables. Results are de-duplicated by values, so a server that
//!   ignores `Segment` gives the right answer too (only slower).
//! - **Batches**: `BatchCreatePartition` takes 100 partitions a call and
//!   `BatchDeletePartition` 25; calls run [`CONCURRENT_CALLS`] at a time. Glue reports
//!   failures per item; when one fails (other than a partition that exists, under
//!   `IF NOT EXISTS`), the items already applied are undone, so the catalog is left as
//!   it was and the error names the partition that failed.

use std::collections::HashSet;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

use super::store::{GlueStore, all_pages, partition_of};
use crate::catalog::glue_json::render::partition_input;
use crate::catalog::rules::{partition_exists_error, partition_missing_error, spec_of};
use crate::catalog::{Partition, PartitionLocation, Table};
use crate::error::{CatalogError, LakeError, Result};

/// Glue's largest `BatchCreatePartition`.
const CREATE_CHUNK: usize = 100;
/// Glue's largest `BatchDeletePartition`.
const DELETE_CHUNK: usize = 25;
/// Glue's largest `BatchGetPartition`.
const GET_CHUNK: usize = 1000;
/// Batch calls in flight at once.
const CONCURRENT_CALLS: usize = 4;
/// Segments a large listing is split into (Glue allows up to 10).
pub const SEGMENTS: usize = 4;

/// Partition calls on one store.
pub struct PartitionCalls<'a> {
    pub store: &'a GlueStore,
}

/// What went wrong in a batch.
enum Failure {
    /// Glue refused one item: its values, error code and message.
    Item(Vec<String>, String, String),
    /// A whole call failed (after retries).
    Call(LakeError),
}

/// What a batch did: the values applied, and the first failure (item errors `ignore`d
/// by the caller do not count).
struct BatchOutcome {
    applied: Vec<Vec<String>>,
    failure: Option<Failure>,
}

impl Failure {
    /// The error a statement reports: the partition named by its spec.
    fn into_error(self, table: &Table, operation: &'static str, undone: &str) -> LakeError {
        let (db, name) = (&table.database_name, &table.name);
        let (values, code, message) = match self {
            Failure::Call(LakeError::Catalog(e)) => {
                return LakeError::Catalog(CatalogError::new(format!("{e}; {undone}")));
            }
            Failure::Call(e) => return e,
            Failure::Item(values, code, message) => (values, code, message),
        };
        let spec = spec_of(&table.partition_key_names(), &values, db, name)
            .unwrap_or_else(|_| values.join("/"));
        if code == "AlreadyExistsException" {
            return partition_exists_error(&spec, db, name);
        }
        LakeError::from(super::client::GlueError {
            operation,
            code,
            message: format!("partition {spec} of {db}.{name}: {message}; {undone}"),
        })
    }
}

impl PartitionCalls<'_> {
    /// Registers `partitions` of `table`; returns how many were added. Existing ones
    /// are an error unless `if_not_exists`; either way, on an error nothing is added.
    pub async fn add(
        &self,
        table: &Table,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize> {
        Ok(self
            .add_values(table, partitions, if_not_exists)
            .await?
            .len())
    }

    /// As [`PartitionCalls::add`], returning the values of the partitions added (so a
    /// caller can undo them).
    pub async fn add_values(
        &self,
        table: &Table,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<Vec<Vec<String>>> {
        let (db, name) = (&table.database_name, &table.name);
        let keys = table.partition_key_names();
        let mut seen = HashSet::new();
        let mut batch = Vec::with_capacity(partitions.len());
        for p in partitions {
            let spec = spec_of(&keys, &p.values, db, name)?;
            if seen.insert(p.values.clone()) {
                batch.push(p);
            } else if !if_not_exists {
                return Err(partition_exists_error(&spec, db, name));
            }
        }
        // What is registered already decides IF NOT EXISTS before anything is written,
        // and is never undone. A call that fails after Glue applied it (a connection
        // lost mid-answer) is retried and then meets its own partitions: those count as
        // added, and an undo removes every partition this statement may have written.
        let values: Vec<Vec<String>> = batch.iter().map(|p| p.values.clone()).collect();
        let existing: HashSet<Vec<String>> = self
            .get_many(table, &values)
            .await?
            .into_iter()
            .map(|p| p.values)
            .collect();
        if !if_not_exists && let Some(p) = batch.iter().find(|p| existing.contains(&p.values)) {
            let spec = spec_of(&keys, &p.values, db, name)?;
            return Err(partition_exists_error(&spec, db, name));
        }
        let new: Vec<&Partition> = batch
            .into_iter()
            .filter(|p| !existing.contains(&p.values))
            .collect();
        let outcome = self.create(table, &new).await?;
        let written: Vec<Vec<String>> = new.iter().map(|p| p.values.clone()).collect();
        if let Some(failure) = outcome.failure {
            let undone = self.undo_adds(table, &written).await;
            return Err(failure.into_error(table, "BatchCreatePartition", &undone));
        }
        Ok(written)
    }

    /// Creates `batch`; partitions that exist are skipped.
    async fn create(&self, table: &Table, batch: &[&Partition]) -> Result<BatchOutcome> {
        let calls = batch
            .chunks(CREATE_CHUNK)
            .map(|chunk| {
                let inputs: Vec<Value> = chunk.iter().map(|p| partition_input(table, p)).collect();
                let input = json!({
                    "DatabaseName": table.database_name,
                    "TableName": table.name,
                    "PartitionInputList": inputs,
                });
                (chunk.iter().map(|p| p.values.clone()).collect(), input)
            })
            .collect();
        let answers = self.run("BatchCreatePartition", calls).await;
        collect_outcome(answers, Some("AlreadyExistsException"))
    }

    /// Makes batch calls of `operation`, [`CONCURRENT_CALLS`] at a time; each call's
    /// answer comes with the values it carried.
    async fn run(
        &self,
        operation: &'static str,
        calls: Vec<(Vec<Vec<String>>, Value)>,
    ) -> Vec<(Vec<Vec<String>>, Result<Value>)> {
        stream::iter(calls)
            .map(|(values, input)| self.call_carrying(operation, values, input))
            .buffer_unordered(CONCURRENT_CALLS)
            .collect()
            .await
    }

    async fn call_carrying(
        &self,
        operation: &'static str,
        values: Vec<Vec<String>>,
        input: Value,
    ) -> (Vec<Vec<String>>, Result<Value>) {
        (values, self.store.call(operation, input).await)
    }

    /// Removes partitions a statement added (or may have added) before it failed, and
    /// says how that went, for the statement's error: "nothing was added", or which
    /// partitions may remain when Glue could not be reached to remove them.
    pub async fn undo_adds(&self, table: &Table, values: &[Vec<String>]) -> String {
        let failed = match self.delete(table, values).await {
            Ok(outcome) if outcome.failure.is_none() => return "nothing was added".into(),
            Ok(outcome) => {
                let removed: HashSet<&Vec<String>> = outcome.applied.iter().collect();
                values.iter().filter(|v| !removed.contains(v)).collect()
            }
            Err(_) => values.iter().collect::<Vec<_>>(),
        };
        let keys = table.partition_key_names();
        let (db, name) = (&table.database_name, &table.name);
        let specs: Vec<String> = failed
            .iter()
            .map(|v| spec_of(&keys, v, db, name).unwrap_or_else(|_| v.join("/")))
            .collect();
        format!(
            "removing what was added failed too, so these {} partitions may remain \
             registered: {}",
            specs.len(),
            specs.join(", ")
        )
    }

    /// Removes the partitions `values` of `table`; returns them as they were. Missing
    /// ones are an error unless `if_exists`; on an error nothing is removed.
    pub async fn drop(
        &self,
        table: &Table,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<Vec<Partition>> {
        let (db, name) = (&table.database_name, &table.name);
        let keys = table.partition_key_names();
        let mut unique = Vec::with_capacity(values.len());
        let mut seen = HashSet::new();
        for v in values {
            let spec = spec_of(&keys, v, db, name)?;
            if seen.insert(v) {
                unique.push(v.clone());
            } else if !if_exists {
                // Dropped by the first mention: gone for the second.
                return Err(partition_missing_error(&spec, db, name));
            }
        }
        let values = &unique;
        let found = self.get_many(table, values).await?;
        let present: HashSet<&Vec<String>> = found.iter().map(|p| &p.values).collect();
        if !if_exists && let Some(missing) = values.iter().find(|v| !present.contains(v)) {
            return Err(partition_missing_error(
                &spec_of(&keys, missing, db, name)?,
                db,
                name,
            ));
        }
        let targets: Vec<Vec<String>> = found.iter().map(|p| p.values.clone()).collect();
        let outcome = self.delete(table, &targets).await?;
        if let Some(failure) = outcome.failure {
            // Put back everything that may have gone (a failed call may have been
            // applied); those still there are skipped.
            let restore: Vec<&Partition> = found.iter().collect();
            let undone = match self.create(table, &restore).await {
                Ok(o) if o.failure.is_none() => "nothing was removed".to_string(),
                _ => "putting the removed partitions back failed too; some of them may be \
                      gone"
                    .to_string(),
            };
            return Err(failure.into_error(table, "BatchDeletePartition", &undone));
        }
        Ok(found)
    }

    async fn delete(&self, table: &Table, values: &[Vec<String>]) -> Result<BatchOutcome> {
        let calls = value_batches(table, values, DELETE_CHUNK, "PartitionsToDelete");
        let answers = self.run("BatchDeletePartition", calls).await;
        // A partition someone else removed meanwhile is gone, as asked.
        collect_outcome(answers, Some("EntityNotFoundException"))
    }

    /// The registered partitions among `values` (`BatchGetPartition`, 1,000 a call).
    async fn get_many(&self, table: &Table, values: &[Vec<String>]) -> Result<Vec<Partition>> {
        let calls = value_batches(table, values, GET_CHUNK, "PartitionsToGet");
        let mut found = Vec::new();
        for (_, page) in self.run("BatchGetPartition", calls).await {
            for p in page?["Partitions"].as_array().into_iter().flatten() {
                found.push(partition_of(table, p.clone())?);
            }
        }
        Ok(found)
    }

    /// Replaces a partition's location and parameters; returns it as it was.
    pub async fn update(&self, table: &Table, partition: &Partition) -> Result<Partition> {
        let (db, name) = (&table.database_name, &table.name);
        let keys = table.partition_key_names();
        let spec = spec_of(&keys, &partition.values, db, name)?;
        let get =
            json!({"DatabaseName": db, "TableName": name, "PartitionValues": partition.values});
        let Some(old) = self.store.call_found("GetPartition", get).await? else {
            return Err(partition_missing_error(&spec, db, name));
        };
        let old = partition_of(table, old["Partition"].clone())?;
        let input = json!({
            "DatabaseName": db,
            "TableName": name,
            "PartitionValueList": partition.values,
            "PartitionInput": partition_input(table, partition),
        });
        match self.store.call_found("UpdatePartition", input).await? {
            Some(_) => Ok(old),
            None => Err(partition_missing_error(&spec, db, name)),
        }
    }

    /// All partitions of `table` (those `expression` may select, when given), sorted by
    /// spec.
    pub async fn list(&self, table: &Table, expression: Option<&str>) -> Result<Vec<Partition>> {
        let (db, name) = (&table.database_name, &table.name);
        let cache = &self.store.cache;
        if let Some(cached) = cache.partitions(db, name, expression) {
            return Ok(cached.as_ref().clone());
        }
        let listed = self.list_now(table, expression).await?;
        cache.put_partitions(db, name, expression, Arc::new(listed.clone()));
        Ok(listed)
    }

    async fn list_now(&self, table: &Table, expression: Option<&str>) -> Result<Vec<Partition>> {
        let keys = table.partition_key_names();
        let (db, name) = (&table.database_name, &table.name);
        let mut keyed = self
            .fetch(table, expression)
            .await?
            .into_iter()
            .map(|v| {
                let p = partition_of(table, v)?;
                Ok((spec_of(&keys, &p.values, db, name)?, p))
            })
            .collect::<Result<Vec<_>>>()?;
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        Ok(keyed.into_iter().map(|(_, p)| p).collect())
    }

    /// Spec and location of every partition `list` gives.
    pub async fn locations(
        &self,
        table: &Table,
        expression: Option<&str>,
    ) -> Result<Vec<PartitionLocation>> {
        let keys = table.partition_key_names();
        let (db, name) = (&table.database_name, &table.name);
        self.list(table, expression)
            .await?
            .into_iter()
            .map(|p| {
                Ok(PartitionLocation {
                    spec: spec_of(&keys, &p.values, db, name)?,
                    location: p.location,
                })
            })
            .collect()
    }

    /// The `Partition` objects of a listing: one page, or segments in parallel.
    async fn fetch(&self, table: &Table, expression: Option<&str>) -> Result<Vec<Value>> {
        let mut input = json!({
            "DatabaseName": table.database_name,
            "TableName": table.name,
            "ExcludeColumnSchema": true,
        });
        if let Some(expression) = expression {
            input["Expression"] = json!(expression);
        }
        let Some(first) = self
            .store
            .call_found("GetPartitions", input.clone())
            .await?
        else {
            return Ok(Vec::new());
        };
        let more = first["NextToken"].as_str().is_some_and(|t| !t.is_empty());
        if !more {
            return Ok(first["Partitions"].as_array().cloned().unwrap_or_default());
        }
        let segments: Vec<Value> = (0..SEGMENTS)
            .map(|n| {
                let mut segment = input.clone();
                segment["Segment"] = json!({"SegmentNumber": n, "TotalSegments": SEGMENTS});
                segment
            })
            .collect();
        let pages: Vec<Option<Vec<Value>>> = stream::iter(segments)
            .map(|segment| all_pages(self.store, "GetPartitions", segment, "Partitions"))
            .buffer_unordered(SEGMENTS)
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().flatten().collect())
    }
}

/// Batch calls naming partitions by value: `field` lists `chunk` of them per call.
fn value_batches(
    table: &Table,
    values: &[Vec<String>],
    chunk: usize,
    field: &str,
) -> Vec<(Vec<Vec<String>>, Value)> {
    values
        .chunks(chunk)
        .map(|chunk| {
            let list: Vec<Value> = chunk.iter().map(|v| json!({"Values": v})).collect();
            let input = json!({
                "DatabaseName": table.database_name,
                "TableName": table.name,
                field: list,
            });
            (chunk.to_vec(), input)
        })
        .collect()
}

/// Reads batch answers: the values applied and the first item error (`Errors[]`) not
/// `ignore`d. A whole call that failed fails the batch (nothing of it was applied).
fn collect_outcome(
    answers: Vec<(Vec<Vec<String>>, Result<Value>)>,
    ignore: Option<&str>,
) -> Result<BatchOutcome> {
    // Item errors of an `ignore`d code (an existing partition under IF NOT EXISTS) are
    // neither applied nor failures.
    let mut outcome = BatchOutcome {
        applied: Vec::new(),
        failure: None,
    };
    for (values, answer) in answers {
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                outcome.failure.get_or_insert(Failure::Call(e));
                continue;
            }
        };
        let mut failed = HashSet::new();
        for error in answer["Errors"].as_array().into_iter().flatten() {
            let item: Vec<String> = error["PartitionValues"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let code = error["ErrorDetail"]["ErrorCode"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let message = error["ErrorDetail"]["ErrorMessage"]
                .as_str()
                .unwrap_or("")
                .to_string();
            failed.insert(item.clone());
            if Some(code.as_str()) != ignore && outcome.failure.is_none() {
                outcome.failure = Some(Failure::Item(item, code, message));
            }
        }
        outcome
            .applied
            .extend(values.into_iter().filter(|v| !failed.contains(v)));
    }
    Ok(outcome)
}

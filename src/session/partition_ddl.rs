//! Partitions of a table: `ALTER TABLE … ADD PARTITION`, `DROP PARTITION` and
//! `PARTITION (…) SET LOCATION`.
//!
//! Specs are checked against the partition keys and their types before anything is
//! written, and the whole batch is one catalog call: one bad spec changes nothing.

use std::collections::{BTreeMap, HashMap};

use super::catalog_ddl::location_warning;
use super::{Outcome, Session};
use crate::catalog::model::now_seconds;
use crate::catalog::partition_path::partition_path;
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::{Partition, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::sql::ast::{AddPartition, PartitionChange, PartitionDdl, PartitionSpec};
use crate::storage::location::join_location;
use crate::storage::normalize_location;

impl Session {
    /// Runs a partition statement.
    pub(super) async fn partition_ddl(&mut self, ddl: PartitionDdl) -> Result<Outcome> {
        let table = self.load_data_table(&ddl.table, "ALTER TABLE").await?;
        match ddl.change {
            PartitionChange::Add {
                if_not_exists,
                partitions,
            } => self.add_partitions(&table, partitions, if_not_exists).await,
            PartitionChange::Drop { if_exists, specs } => {
                self.drop_partitions(&table, &specs, if_exists).await
            }
            PartitionChange::SetLocation { spec, location } => {
                self.set_partition_location(&table, &spec, &location).await
            }
        }
    }

    async fn add_partitions(
        &mut self,
        table: &Table,
        partitions: Vec<AddPartition>,
        if_not_exists: bool,
    ) -> Result<Outcome> {
        let keys = TypedKeys::of(table)?;
        // Registered partitions by identity: values compare as their types (`hr=05` is
        // `hr=5`), and so do the partitions earlier in this batch.
        let mut registered: HashMap<Vec<String>, Vec<String>> = self
            .partitions_of(table)
            .await?
            .into_iter()
            .map(|p| (keys.identities(&p.values), p.values))
            .collect();
        let mut new: Vec<Partition> = Vec::with_capacity(partitions.len());
        for p in partitions {
            let values = full_spec(table, &keys, &p.spec)?;
            let identity = keys.identities(&values);
            if let Some(found) = registered.get(&identity) {
                if if_not_exists {
                    continue;
                }
                return Err(LakeError::semantic(
                    ErrorCode::AlreadyExists,
                    format!(
                        "partition ({}) already exists in {} as {}",
                        describe_spec(&p.spec),
                        table.qualified_name(),
                        partition_path(&table.partition_key_names(), found)
                    ),
                ));
            }
            registered.insert(identity, values.clone());
            let location = self.partition_location(table, &values, p.location)?;
            new.push(Partition {
                values,
                location,
                parameters: BTreeMap::new(),
                create_time: now_seconds(),
            });
        }
        let (db, name) = (&table.database_name, &table.name);
        let added = self.catalog.add_partitions(db, name, &new, false).await?;
        Ok(Outcome::done(format!(
            "Added {added} partition(s) to {}",
            table.qualified_name()
        )))
    }

    /// An explicit LOCATION, or `key=value/…` under the table's location.
    fn partition_location(
        &self,
        table: &Table,
        values: &[String],
        location: Option<String>,
    ) -> Result<String> {
        match location {
            Some(l) => normalize_location(&l, &self.base_dir),
            None => Ok(join_location(
                &table.storage_descriptor.location,
                &format!("{}/", partition_path(&table.partition_key_names(), values)),
            )),
        }
    }

    async fn drop_partitions(
        &mut self,
        table: &Table,
        specs: &[PartitionSpec],
        if_exists: bool,
    ) -> Result<Outcome> {
        let existing = self.partitions_of(table).await?;
        let mut to_drop: Vec<Vec<String>> = Vec::new();
        for spec in specs {
            let matches = matching_partitions(table, spec, &existing)?;
            if matches.is_empty() && !if_exists {
                return Err(LakeError::semantic(
                    ErrorCode::PartitionNotFound,
                    format!(
                        "no partition of {} matches ({})",
                        table.qualified_name(),
                        describe_spec(spec)
                    ),
                ));
            }
            to_drop.extend(matches.into_iter().map(|p| p.values.clone()));
        }
        to_drop.sort();
        to_drop.dedup();
        let (db, name) = (&table.database_name, &table.name);
        let removed = self
            .catalog
            .drop_partitions(db, name, &to_drop, true)
            .await?;
        Ok(Outcome::done(format!(
            "Dropped {removed} partition(s) from {}",
            table.qualified_name()
        )))
    }

    async fn set_partition_location(
        &mut self,
        table: &Table,
        spec: &PartitionSpec,
        location: &str,
    ) -> Result<Outcome> {
        full_spec(table, &TypedKeys::of(table)?, spec)?;
        let location = normalize_location(location, &self.base_dir)?;
        let existing = self.partitions_of(table).await?;
        let mut partition = matching_partitions(table, spec, &existing)?
            .first()
            .map(|p| (*p).clone())
            .ok_or_else(|| {
                LakeError::semantic(
                    ErrorCode::PartitionNotFound,
                    format!(
                        "partition ({}) of {} does not exist",
                        describe_spec(spec),
                        table.qualified_name()
                    ),
                )
            })?;
        let warning = location_warning(&location);
        partition.location = location;
        let (db, name) = (&table.database_name, &table.name);
        self.catalog.update_partition(db, name, &partition).await?;
        let mut out = Outcome::done(format!("Table {} altered", table.qualified_name()));
        out.messages.extend(warning);
        Ok(out)
    }

    async fn partitions_of(&self, table: &Table) -> Result<Vec<Partition>> {
        self.catalog
            .list_partitions(&table.database_name, &table.name)
            .await
    }
}

/// Checks a spec names every partition key once with a valid value; returns the values
/// in key order.
fn full_spec(table: &Table, keys: &TypedKeys<'_>, spec: &PartitionSpec) -> Result<Vec<String>> {
    check_spec_keys(table, spec)?;
    table
        .partition_keys
        .iter()
        .enumerate()
        .map(|(i, key)| {
            let (_, value) = spec.iter().find(|(k, _)| *k == key.name).ok_or_else(|| {
                LakeError::invalid(format!(
                    "partition spec ({}) of {} is missing key '{}'",
                    describe_spec(spec),
                    table.qualified_name(),
                    key.name
                ))
            })?;
            keys.typed(i, value)?;
            Ok(value.clone())
        })
        .collect()
}

/// The partitions matching a (possibly partial) spec; values compare as their types
/// (`month=5` matches a partition registered as `month=05` for an `int` key).
pub(super) fn matching_partitions<'p>(
    table: &Table,
    spec: &PartitionSpec,
    partitions: &'p [Partition],
) -> Result<Vec<&'p Partition>> {
    check_spec_keys(table, spec)?;
    let keys = TypedKeys::of(table)?;
    let mut wanted = Vec::with_capacity(spec.len());
    for (k, v) in spec {
        let index = table
            .partition_keys
            .iter()
            .position(|key| key.name == *k)
            .expect("checked above");
        keys.typed(index, v)?;
        wanted.push((index, keys.identity(index, v)));
    }
    Ok(partitions
        .iter()
        .filter(|p| {
            wanted.iter().all(|(i, value)| {
                p.values
                    .get(*i)
                    .is_some_and(|v| keys.identity(*i, v) == *value)
            })
        })
        .collect())
}

fn check_spec_keys(table: &Table, spec: &PartitionSpec) -> Result<()> {
    if !table.is_partitioned() {
        return Err(LakeError::invalid(format!(
            "table {} is not partitioned",
            table.qualified_name()
        )));
    }
    for (k, _) in spec {
        if !table.partition_keys.iter().any(|key| key.name == *k) {
            return Err(LakeError::invalid(format!(
                "'{k}' is not a partition key of {} (keys: {})",
                table.qualified_name(),
                table.partition_key_names().join(", ")
            )));
        }
    }
    Ok(())
}

fn describe_spec(spec: &PartitionSpec) -> String {
    spec.iter()
        .map(|(k, v)| format!("{k}='{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

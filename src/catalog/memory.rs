//! A catalog held in memory: plain Rust maps behind one lock, gone with the store.
//!
//! For embedders and tests that want a throw-away catalog without SQLite, and proof that
//! the [`CatalogStore`] contract is backend-neutral: it passes the same
//! `tests/catalog_contract.rs` as the SQLite store.
//!
//! Every method takes the lock once, checks the whole request (the table, every value of
//! a batch) before changing anything, and only then applies it, so each call is atomic
//! and batches are all-or-nothing. `modify_table` runs the change on a copy and writes it
//! back under the same lock, so concurrent changes cannot be lost. Partitions are keyed by
//! their Hive spec (escaped `k1=v1/k2=v2`) exactly like the SQLite store's rows, so both
//! backends escape, order and decode values identically. The store keeps no partition
//! version: [`CatalogStore::partition_version`] returns `None` and readers reload the
//! partitions on every query.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;

use super::model::now_seconds;
use super::partition_path::parse_partition_path;
use super::rules::{partition_exists_error, partition_missing_error, spec_of, table_exists_error};
use super::statistics::{FileStatistics, StatisticsScope};
use super::{
    CatalogStore, Column, DEFAULT_DATABASE, Database, Partition, PartitionLocation, Table,
    TableChange, WriteRecord, check_droppable_database,
};
use crate::error::{ErrorCode, LakeError, Result};

/// The in-memory [`CatalogStore`].
///
/// Starts with only the `default` database. Cloning is cheap and shares the catalog, so
/// several sessions can use one throw-away catalog.
#[derive(Clone, Debug)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

/// Databases by name.
#[derive(Debug, Default)]
struct State {
    databases: BTreeMap<String, DatabaseEntry>,
}

/// A database and its tables by name.
#[derive(Debug)]
struct DatabaseEntry {
    database: Database,
    tables: BTreeMap<String, TableEntry>,
}

/// A table and its partitions by spec.
#[derive(Debug)]
struct TableEntry {
    table: Table,
    partitions: BTreeMap<String, Partition>,
    /// File statistics by path.
    statistics: BTreeMap<String, FileStatistics>,
}

impl MemoryStore {
    /// An empty catalog holding only the `default` database.
    pub fn new() -> Self {
        let default = Database {
            name: DEFAULT_DATABASE.to_string(),
            description: Some("Default database".to_string()),
            location_uri: None,
            parameters: Default::default(),
            create_time: now_seconds(),
        };
        let mut state = State::default();
        state.databases.insert(
            default.name.clone(),
            DatabaseEntry {
                database: default,
                tables: BTreeMap::new(),
            },
        );
        MemoryStore {
            state: Arc::new(Mutex::new(state)),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every method validates before it writes and `modify_table` changes a copy, so a
        // panic while holding the lock (in a caller's change) leaves the maps consistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The specs of a batch of partition values, or the first invalid one's error.
fn specs_of<'a>(
    keys: &[Column],
    values: impl IntoIterator<Item = &'a [String]>,
    db: &str,
    table: &str,
) -> Result<Vec<String>> {
    values
        .into_iter()
        .map(|v| spec_of(keys, v, db, table))
        .collect()
}

/// A partition as stored: its values decoded from the spec, as the SQLite store reads them.
fn stored_partition(spec: &str, partition: &Partition) -> Partition {
    Partition {
        values: parse_partition_path(spec)
            .into_iter()
            .map(|(_, v)| v)
            .collect(),
        location: partition.location.clone(),
        parameters: partition.parameters.clone(),
        create_time: partition.create_time,
    }
}

impl State {
    fn table(&self, db: &str, name: &str) -> Option<&TableEntry> {
        self.databases.get(db)?.tables.get(name)
    }

    /// The table, or `TABLE_NOT_FOUND` (also when its database does not exist).
    fn table_mut(&mut self, db: &str, name: &str) -> Result<&mut TableEntry> {
        self.databases
            .get_mut(db)
            .and_then(|d| d.tables.get_mut(name))
            .ok_or_else(|| LakeError::table_not_found(db, name))
    }

    fn drop_database(&mut self, name: &str, if_exists: bool, cascade: bool) -> Result<bool> {
        check_droppable_database(name)?;
        let Some(entry) = self.databases.get(name) else {
            return if if_exists {
                Ok(false)
            } else {
                Err(LakeError::database_not_found(name))
            };
        };
        let tables = entry.tables.len();
        if tables > 0 && !cascade {
            return Err(LakeError::semantic(
                ErrorCode::SchemaNotEmpty,
                format!("Database '{name}' has {tables} table(s); drop them first or use CASCADE"),
            ));
        }
        self.databases.remove(name);
        Ok(true)
    }

    fn create_table(&mut self, table: &Table, if_not_exists: bool) -> Result<bool> {
        let (db, name) = (&table.database_name, &table.name);
        let entry = self
            .databases
            .get_mut(db)
            .ok_or_else(|| LakeError::database_not_found(db))?;
        if entry.tables.contains_key(name) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(table_exists_error(db, name))
            };
        }
        entry.tables.insert(
            name.clone(),
            TableEntry {
                table: table.clone(),
                partitions: BTreeMap::new(),
                statistics: BTreeMap::new(),
            },
        );
        Ok(true)
    }

    /// Writes a crawled table (see [`CatalogStore::save_crawled_table`]) after checking
    /// every partition against the new definition.
    fn save_crawled_table(
        &mut self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        let (db, name) = (&table.database_name, &table.name);
        match (create, self.table(db, name).is_some()) {
            (true, true) => return Err(table_exists_error(db, name)),
            (true, false) if !self.databases.contains_key(db) => {
                return Err(LakeError::database_not_found(db));
            }
            (false, false) => return Err(LakeError::table_not_found(db, name)),
            _ => {}
        }
        let values = partitions.iter().map(|p| p.values.as_slice());
        let specs = specs_of(&table.partition_keys, values, db, name)?;
        if create {
            self.create_table(table, false)?;
        }
        let entry = self.table_mut(db, name)?;
        entry.table = table.clone();
        Ok(entry.insert_new(&specs, partitions))
    }
}

/// What a batch's partitions must be, besides having one value per partition key.
#[derive(Clone, Copy, PartialEq)]
enum Expect {
    /// Anything (skipped when registered or missing).
    Any,
    /// Not registered yet, and not repeated in the batch.
    New,
    /// Registered, and not repeated in the batch.
    Registered,
}

impl TableEntry {
    /// The specs of a batch of values, checked in batch order as the SQLite store meets
    /// them: the first wrong one fails the batch before anything is written.
    fn specs<'a>(
        &self,
        values: impl IntoIterator<Item = &'a [String]>,
        expect: Expect,
        db: &str,
        table: &str,
    ) -> Result<Vec<String>> {
        let mut seen = BTreeSet::new();
        let mut specs = Vec::new();
        for v in values {
            let spec = spec_of(&self.table.partition_keys, v, db, table)?;
            let repeated = !seen.insert(spec.clone());
            let registered = self.partitions.contains_key(&spec);
            if expect == Expect::New && (registered || repeated) {
                return Err(partition_exists_error(&spec, db, table));
            }
            if expect == Expect::Registered && (!registered || repeated) {
                return Err(partition_missing_error(&spec, db, table));
            }
            specs.push(spec);
        }
        Ok(specs)
    }

    /// Inserts the partitions whose spec is not registered yet (the first of a batch wins).
    /// Returns how many were added.
    fn insert_new(&mut self, specs: &[String], partitions: &[Partition]) -> usize {
        let mut added = 0;
        for (spec, partition) in specs.iter().zip(partitions) {
            if !self.partitions.contains_key(spec) {
                let stored = stored_partition(spec, partition);
                self.partitions.insert(spec.clone(), stored);
                added += 1;
            }
        }
        added
    }

    /// Removes the registered partitions among `specs`; returns how many were removed.
    fn remove_existing(&mut self, specs: &[String]) -> usize {
        let mut removed = 0;
        for spec in specs {
            if let Some(p) = self.partitions.remove(spec) {
                self.statistics.retain(|_, f| f.location != p.location);
                removed += 1;
            }
        }
        removed
    }

    /// Adds a batch after checking all of it (see [`CatalogStore::add_partitions`]).
    fn add_batch(
        &mut self,
        partitions: &[Partition],
        if_not_exists: bool,
        db: &str,
        table: &str,
    ) -> Result<usize> {
        let expect = if if_not_exists {
            Expect::Any
        } else {
            Expect::New
        };
        let values = partitions.iter().map(|p| p.values.as_slice());
        let specs = self.specs(values, expect, db, table)?;
        Ok(self.insert_new(&specs, partitions))
    }

    /// Removes a batch after checking all of it (see [`CatalogStore::drop_partitions`]).
    fn drop_batch(
        &mut self,
        values: &[Vec<String>],
        if_exists: bool,
        db: &str,
        table: &str,
    ) -> Result<usize> {
        let expect = if if_exists {
            Expect::Any
        } else {
            Expect::Registered
        };
        let specs = self.specs(values.iter().map(Vec::as_slice), expect, db, table)?;
        Ok(self.remove_existing(&specs))
    }

    /// Removes then adds, as the SQLite store does, after checking every value.
    fn sync_batch(
        &mut self,
        add: &[Partition],
        drop: &[Vec<String>],
        db: &str,
        table: &str,
    ) -> Result<(usize, usize)> {
        let drop_specs = self.specs(drop.iter().map(Vec::as_slice), Expect::Any, db, table)?;
        let add_values = add.iter().map(|p| p.values.as_slice());
        let add_specs = self.specs(add_values, Expect::Any, db, table)?;
        let removed = self.remove_existing(&drop_specs);
        let added = self.insert_new(&add_specs, add);
        Ok((added, removed))
    }

    /// Replaces the location and parameters of a registered partition.
    fn update(&mut self, partition: &Partition, db: &str, table: &str) -> Result<()> {
        let spec = spec_of(&self.table.partition_keys, &partition.values, db, table)?;
        let stored = self
            .partitions
            .get_mut(&spec)
            .ok_or_else(|| partition_missing_error(&spec, db, table))?;
        if stored.location != partition.location {
            let old = stored.location.clone();
            self.statistics.retain(|_, f| f.location != old);
        }
        stored.location = partition.location.clone();
        stored.parameters = partition.parameters.clone();
        Ok(())
    }
}

#[async_trait]
impl CatalogStore for MemoryStore {
    async fn list_databases(&self) -> Result<Vec<Database>> {
        let state = self.lock();
        Ok(state
            .databases
            .values()
            .map(|d| d.database.clone())
            .collect())
    }

    async fn get_database(&self, name: &str) -> Result<Option<Database>> {
        Ok(self.lock().databases.get(name).map(|d| d.database.clone()))
    }

    async fn create_database(&self, db: &Database, if_not_exists: bool) -> Result<bool> {
        let mut state = self.lock();
        if state.databases.contains_key(&db.name) {
            return if if_not_exists {
                Ok(false)
            } else {
                Err(LakeError::semantic(
                    ErrorCode::AlreadyExists,
                    format!("Database '{}' already exists", db.name),
                ))
            };
        }
        let entry = DatabaseEntry {
            database: db.clone(),
            tables: BTreeMap::new(),
        };
        state.databases.insert(db.name.clone(), entry);
        Ok(true)
    }

    async fn drop_database(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool> {
        self.lock().drop_database(name, if_exists, cascade)
    }

    async fn list_tables(&self, db: &str) -> Result<Vec<String>> {
        let state = self.lock();
        Ok(state
            .databases
            .get(db)
            .map(|d| d.tables.keys().cloned().collect())
            .unwrap_or_default())
    }

    async fn get_table(&self, db: &str, name: &str) -> Result<Option<Table>> {
        Ok(self.lock().table(db, name).map(|t| t.table.clone()))
    }

    async fn create_table(&self, table: &Table, if_not_exists: bool) -> Result<bool> {
        self.lock().create_table(table, if_not_exists)
    }

    async fn modify_table(&self, db: &str, name: &str, mut change: TableChange) -> Result<Table> {
        let mut state = self.lock();
        let entry = state.table_mut(db, name)?;
        let mut table = entry.table.clone();
        change(&mut table)?;
        entry.table = table.clone();
        Ok(table)
    }

    async fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool> {
        let mut state = self.lock();
        let removed = state
            .databases
            .get_mut(db)
            .and_then(|d| d.tables.remove(name))
            .is_some();
        if !removed && !if_exists {
            return Err(LakeError::table_not_found(db, name));
        }
        Ok(removed)
    }

    async fn add_partitions(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize> {
        let mut state = self.lock();
        state
            .table_mut(db, table)?
            .add_batch(partitions, if_not_exists, db, table)
    }

    async fn drop_partitions(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize> {
        let mut state = self.lock();
        state
            .table_mut(db, table)?
            .drop_batch(values, if_exists, db, table)
    }

    async fn sync_partitions(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)> {
        let mut state = self.lock();
        state.table_mut(db, table)?.sync_batch(add, drop, db, table)
    }

    async fn save_crawled_table(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        self.lock().save_crawled_table(table, create, partitions)
    }

    async fn update_partition(&self, db: &str, table: &str, partition: &Partition) -> Result<()> {
        let mut state = self.lock();
        state.table_mut(db, table)?.update(partition, db, table)
    }

    async fn list_partitions(&self, db: &str, table: &str) -> Result<Vec<Partition>> {
        let state = self.lock();
        Ok(state
            .table(db, table)
            .map(|t| t.partitions.values().cloned().collect())
            .unwrap_or_default())
    }

    async fn partition_locations(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>> {
        let state = self.lock();
        let Some(entry) = state.table(db, table) else {
            return Ok(Vec::new());
        };
        let locations = entry.partitions.iter().map(|(spec, p)| PartitionLocation {
            spec: spec.clone(),
            location: p.location.clone(),
        });
        Ok(locations.collect())
    }

    async fn replace_file_statistics(
        &self,
        db: &str,
        table: &str,
        scope: &StatisticsScope,
        files: &[FileStatistics],
    ) -> Result<()> {
        let mut state = self.lock();
        let entry = state.table_mut(db, table)?;
        entry.statistics.retain(|_, f| !scope.covers(&f.location));
        for f in files {
            entry.statistics.insert(f.path.clone(), f.clone());
        }
        Ok(())
    }

    async fn record_write(&self, record: &WriteRecord) -> Result<usize> {
        let (db, name) = (record.database.as_str(), record.table.as_str());
        let mut state = self.lock();
        let added = match &record.create {
            Some(table) => state.save_crawled_table(table, true, &record.partitions)?,
            None => state
                .table_mut(db, name)?
                .add_batch(&record.partitions, true, db, name)?,
        };
        let entry = state.table_mut(db, name)?;
        for f in &record.statistics {
            entry.statistics.insert(f.path.clone(), f.clone());
        }
        Ok(added)
    }

    async fn file_statistics(
        &self,
        db: &str,
        table: &str,
        locations: Option<&[String]>,
    ) -> Result<Vec<FileStatistics>> {
        let state = self.lock();
        let wanted = |f: &FileStatistics| locations.is_none_or(|l| l.contains(&f.location));
        Ok(state
            .table(db, table)
            .map(|t| {
                t.statistics
                    .values()
                    .filter(|f| wanted(f))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default())
    }

    async fn partition_version(&self, db: &str, table: &str) -> Result<Option<i64>> {
        match self.lock().table(db, table) {
            Some(_) => Ok(None),
            None => Err(LakeError::table_not_found(db, table)),
        }
    }

    async fn count_partitions(&self, db: &str, table: &str) -> Result<usize> {
        let state = self.lock();
        Ok(state.table(db, table).map_or(0, |t| t.partitions.len()))
    }
}

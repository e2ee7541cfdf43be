//! [`GlueStore`]: the catalog contract over Glue's API.
//!
//! What Glue cannot give is made up here, and each choice is the contract's:
//! - **Atomicity**: Glue has no multi-call transaction. A batch of partitions is sent in
//!   Glue's batch calls (create: 100 per call, delete: 25, run concurrently); when any
//!   item fails, the items already applied are undone by compensating calls and the
//!   statement reports what failed. A crawled or CTAS table whose partitions cannot be
//!   registered is removed again (or its previous definition restored).
//! - **Concurrent changes**: `modify_table` sends `UpdateTable` with the `VersionId` it
//!   read; on `ConcurrentModificationException` it reads again and re-applies.
//! - **Partition versions**: Glue has none, so readers load partitions per query (with
//!   the filter pushed down, see [`super::partitions`]).
//! - **Times** are Glue's: it sets `CreateTime` itself ([`CatalogStore::assigns_times`]).
//! - The `default` database exists in every Athena account; if this catalog lacks it,
//!   opening read-write creates it, as Athena's first query does.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Value, json};

use super::cache::{CachedTable, GlueCache};
use super::client::{Endpoint, GlueClient, GlueError};
use super::config::GlueConfig;
use super::partitions::PartitionCalls;
use crate::aws::{self, AwsSettings, CachedCredentials};
use crate::catalog::glue_json::parse::{DatabaseInput, PartitionInput, TableInput};
use crate::catalog::glue_json::render::{database_input, table_input};
use crate::catalog::rules::{database_not_empty_error, table_exists_error};
use crate::catalog::statistics::{FileStatistics, StatisticsScope};
use crate::catalog::{
    CatalogStore, DEFAULT_DATABASE, Database, Partition, PartitionLocation, SqliteStore, Table,
    TableChange, WriteRecord, check_droppable_database,
};
use crate::error::{ErrorCode, LakeError, Result};

const NOT_FOUND: &str = "EntityNotFoundException";
const ALREADY_EXISTS: &str = "AlreadyExistsException";
const CONCURRENT: &str = "ConcurrentModificationException";
/// Re-reads of a table changed by someone else before `modify_table` gives up.
const MODIFY_ATTEMPTS: usize = 8;

/// The Glue Data Catalog as a lakesql catalog.
#[derive(Debug, Clone)]
pub struct GlueStore {
    pub(super) client: Arc<GlueClient>,
    /// Recent answers about tables and partitions.
    pub(super) cache: Arc<GlueCache>,
    /// Where `ANALYZE` statistics of this catalog's tables are kept.
    statistics: SqliteStore,
    read_only: bool,
    /// Whether partition filters go to Glue as `Expression`s.
    pushdown: bool,
}

impl GlueStore {
    /// Connects to the catalog `config` names: resolves region, endpoint and credentials
    /// as the AWS SDKs do, opens the statistics file, and makes sure `default` exists.
    pub async fn connect(config: &GlueConfig, read_only: bool) -> Result<Self> {
        let settings = AwsSettings {
            profile: config.profile.clone(),
            region: config.region.clone(),
            keys: config
                .credentials
                .as_ref()
                .map(|k| (k.access_key_id.clone(), k.secret_access_key.clone())),
        };
        let sdk = aws::load(&settings).await;
        let region = sdk.region().map(|r| r.to_string()).ok_or_else(|| {
            LakeError::invalid(
                "the Glue catalog needs a region: add ?region=… to the glue:// address, set \
                 AWS_REGION, or give the profile a region",
            )
        })?;
        let url = config
            .endpoint
            .clone()
            .or_else(|| aws::configured_endpoint(&sdk, "Glue"))
            .unwrap_or_else(|| format!("https://glue.{region}.amazonaws.com"));
        // An explicit profile wins over the environment's keys, as for S3 buckets.
        let provider = match (&config.profile, &config.credentials) {
            (Some(profile), None) => aws::profile_provider(profile, None, &region),
            _ => sdk.credentials_provider().ok_or_else(|| {
                LakeError::invalid("no AWS credentials provider is configured for the Glue catalog")
            })?,
        };
        let endpoint = Endpoint {
            url,
            region: region.clone(),
            catalog_id: config.catalog_id.clone(),
        };
        let credentials = CachedCredentials::new(provider, "the Glue catalog");
        let client = GlueClient::new(endpoint, credentials)?;
        let path = config
            .statistics
            .clone()
            .unwrap_or_else(|| default_statistics_file(config, &region));
        let statistics = open_statistics(&path, read_only)?;
        let store = GlueStore {
            client: Arc::new(client),
            cache: Arc::new(GlueCache::new(config.cache_ttl)),
            statistics,
            read_only,
            pushdown: config.pushdown,
        };
        if !read_only {
            store.ensure_default_database().await?;
        }
        Ok(store)
    }

    /// The client, for Glue calls the catalog contract does not make.
    pub fn client(&self) -> &GlueClient {
        &self.client
    }

    pub(super) async fn call(&self, operation: &'static str, input: Value) -> Result<Value> {
        Ok(self.client.call(operation, input).await?)
    }

    /// The call's answer, or `None` when Glue says the entity does not exist.
    pub(super) async fn call_found(
        &self,
        operation: &'static str,
        input: Value,
    ) -> Result<Option<Value>> {
        match self.client.call(operation, input).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is(NOT_FOUND) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn check_writable(&self) -> Result<()> {
        if self.read_only {
            return Err(LakeError::semantic(
                ErrorCode::ReadOnlyViolation,
                "the catalog is open read-only (--read-only): nothing was changed",
            ));
        }
        Ok(())
    }

    async fn ensure_default_database(&self) -> Result<()> {
        let input = json!({"Name": DEFAULT_DATABASE});
        if self.call_found("GetDatabase", input).await?.is_some() {
            return Ok(());
        }
        let create = json!({"DatabaseInput": {"Name": DEFAULT_DATABASE}});
        match self.client.call("CreateDatabase", create).await {
            Err(e) if !e.is(ALREADY_EXISTS) => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The table with the `VersionId` Glue gave it, from the cache while it is fresh.
    pub(super) async fn table_with_version(&self, db: &str, name: &str) -> Result<CachedTable> {
        if let Some(cached) = self.cache.table(db, name) {
            return Ok(cached);
        }
        let read = self.read_table_with_version(db, name).await?;
        // A missing table is not remembered: one created elsewhere is seen at once.
        if read.is_some() {
            self.cache.put_table(db, name, read.clone());
        }
        Ok(read)
    }

    /// The table with its `VersionId`, read from Glue now.
    async fn read_table_with_version(&self, db: &str, name: &str) -> Result<CachedTable> {
        let input = json!({"DatabaseName": db, "Name": name});
        let Some(answer) = self.call_found("GetTable", input).await? else {
            return Ok(None);
        };
        let parsed: TableInput = serde_json::from_value(answer["Table"].clone())
            .map_err(|e| bad_answer("GetTable", e))?;
        Ok(Some((parsed.to_answered_table(db)?, parsed.version_id)))
    }

    /// The table, or `TABLE_NOT_FOUND`.
    pub(super) async fn existing_table(&self, db: &str, name: &str) -> Result<Table> {
        self.get_table(db, name)
            .await?
            .ok_or_else(|| LakeError::table_not_found(db, name))
    }

    async fn put_table(&self, operation: &'static str, table: &Table) -> Result<()> {
        let input = json!({"DatabaseName": table.database_name, "TableInput": table_input(table)});
        self.call(operation, input).await.map(|_| ())
    }

    /// Creates `table`; `false` when it exists.
    async fn create_table_call(&self, table: &Table) -> Result<bool> {
        let input = json!({"DatabaseName": table.database_name, "TableInput": table_input(table)});
        match self.client.call("CreateTable", input).await {
            Ok(_) => Ok(true),
            Err(e) if e.is(ALREADY_EXISTS) => Ok(false),
            Err(e) if e.is(NOT_FOUND) => Err(LakeError::database_not_found(&table.database_name)),
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a table, ignoring that it is already gone (compensation).
    pub(super) async fn delete_table_quietly(&self, db: &str, name: &str) -> Result<()> {
        let input = json!({"DatabaseName": db, "Name": name});
        self.call_found("DeleteTable", input).await.map(|_| ())
    }

    fn partition_calls(&self) -> PartitionCalls<'_> {
        PartitionCalls { store: self }
    }

    /// Writes `table` (create, or replace the existing definition) then registers
    /// `partitions`; on failure the table is put back as it was.
    async fn table_with_partitions(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        let (db, name) = (&table.database_name, &table.name);
        let previous = if create {
            if !self.create_table_call(table).await? {
                return Err(table_exists_error(db, name));
            }
            None
        } else {
            let old = self.existing_table(db, name).await?;
            self.put_table("UpdateTable", table).await?;
            Some(old)
        };
        match self.partition_calls().add(table, partitions, true).await {
            Ok(added) => Ok(added),
            Err(e) => {
                // Put the table back; the partition error is what the user needs.
                let _ = match previous {
                    None => self.delete_table_quietly(db, name).await,
                    Some(old) => self.put_table("UpdateTable", &old).await,
                };
                Err(e)
            }
        }
    }
}

/// `<data dir>/lakesql/glue/<catalog>-<region>.db`.
fn default_statistics_file(config: &GlueConfig, region: &str) -> PathBuf {
    let catalog = config.catalog_id.as_deref().unwrap_or("account");
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("lakesql")
        .join("glue")
        .join(format!("{catalog}-{region}.db"))
}

fn open_statistics(path: &std::path::Path, read_only: bool) -> Result<SqliteStore> {
    if read_only && !path.exists() {
        return SqliteStore::open_statistics_keeper(None, crate::catalog::OpenMode::ReadWrite);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| LakeError::io(format!("cannot create {}", parent.display()), e))?;
    }
    let mode = if read_only {
        crate::catalog::OpenMode::ReadOnly
    } else {
        crate::catalog::OpenMode::ReadWrite
    };
    SqliteStore::open_statistics_keeper(Some(path), mode)
}

/// An answer lakesql cannot read.
pub(super) fn bad_answer(operation: &'static str, e: impl std::fmt::Display) -> LakeError {
    LakeError::from(GlueError {
        operation,
        code: "UnreadableAnswer".into(),
        message: e.to_string(),
    })
}

/// Follows `NextToken` through every page of `operation`, collecting `field`.
pub(super) async fn all_pages(
    store: &GlueStore,
    operation: &'static str,
    input: Value,
    field: &str,
) -> Result<Option<Vec<Value>>> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut page_input = input.clone();
        if let Some(token) = &token {
            page_input["NextToken"] = json!(token);
        }
        let Some(page) = store.call_found(operation, page_input).await? else {
            return Ok(None);
        };
        if let Some(list) = page[field].as_array() {
            items.extend(list.iter().cloned());
        }
        token = page["NextToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            return Ok(Some(items));
        }
    }
}

#[async_trait]
impl CatalogStore for GlueStore {
    fn assigns_times(&self) -> bool {
        true
    }

    fn requests(&self) -> u64 {
        self.client.requests()
    }

    async fn list_databases(&self) -> Result<Vec<Database>> {
        // Not cached: one call per statement, and a database created elsewhere is seen
        // by the next statement.
        let list = all_pages(self, "GetDatabases", json!({}), "DatabaseList")
            .await?
            .unwrap_or_default();
        let mut databases = list
            .into_iter()
            .map(|v| {
                let input: DatabaseInput =
                    serde_json::from_value(v).map_err(|e| bad_answer("GetDatabases", e))?;
                input.to_database()
            })
            .collect::<Result<Vec<_>>>()?;
        if !databases.iter().any(|d| d.name == DEFAULT_DATABASE) {
            databases.push(synthetic_default());
        }
        databases.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(databases)
    }

    async fn get_database(&self, name: &str) -> Result<Option<Database>> {
        let Some(answer) = self
            .call_found("GetDatabase", json!({"Name": name}))
            .await?
        else {
            return Ok((name == DEFAULT_DATABASE).then(synthetic_default));
        };
        let input: DatabaseInput = serde_json::from_value(answer["Database"].clone())
            .map_err(|e| bad_answer("GetDatabase", e))?;
        input.to_database().map(Some)
    }

    async fn create_database(&self, db: &Database, if_not_exists: bool) -> Result<bool> {
        self.check_writable()?;
        let _fresh = self.cache.forget_when_done(&db.name, None);
        let input = json!({"DatabaseInput": database_input(db)});
        match self.client.call("CreateDatabase", input).await {
            Ok(_) => Ok(true),
            Err(e) if e.is(ALREADY_EXISTS) && if_not_exists => Ok(false),
            Err(e) if e.is(ALREADY_EXISTS) => Err(LakeError::semantic(
                ErrorCode::AlreadyExists,
                format!("Database '{}' already exists", db.name),
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn drop_database(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool> {
        let _fresh = self.cache.forget_when_done(name, None);
        check_droppable_database(name)?;
        self.check_writable()?;
        if self.get_database(name).await?.is_none() {
            return if if_exists {
                Ok(false)
            } else {
                Err(LakeError::database_not_found(name))
            };
        }
        let tables = self.list_tables(name).await?;
        if !tables.is_empty() && !cascade {
            return Err(database_not_empty_error(name, tables.len()));
        }
        // Glue's DeleteDatabase removes the database's tables and partitions with it.
        match self
            .client
            .call("DeleteDatabase", json!({"Name": name}))
            .await
        {
            Err(e) if e.is(NOT_FOUND) && if_exists => return Ok(false),
            Err(e) if e.is(NOT_FOUND) => return Err(LakeError::database_not_found(name)),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        self.statistics.forget_statistics(name, None, None).await?;
        Ok(true)
    }

    async fn list_tables(&self, db: &str) -> Result<Vec<String>> {
        let list = all_pages(self, "GetTables", json!({"DatabaseName": db}), "TableList")
            .await?
            .unwrap_or_default();
        let mut names: Vec<String> = list
            .iter()
            .filter_map(|t| t["Name"].as_str())
            .map(crate::catalog::glue_json::parse::name)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    async fn get_table(&self, db: &str, name: &str) -> Result<Option<Table>> {
        Ok(self.table_with_version(db, name).await?.map(|(t, _)| t))
    }

    async fn create_table(&self, table: &Table, if_not_exists: bool) -> Result<bool> {
        let _fresh = self
            .cache
            .forget_when_done(&table.database_name, Some(&table.name));
        self.check_writable()?;
        match self.create_table_call(table).await? {
            true => Ok(true),
            false if if_not_exists => Ok(false),
            false => Err(table_exists_error(&table.database_name, &table.name)),
        }
    }

    async fn modify_table(&self, db: &str, name: &str, mut change: TableChange) -> Result<Table> {
        self.check_writable()?;
        for _ in 0..MODIFY_ATTEMPTS {
            self.cache.forget(db, Some(name));
            let (mut table, version) = self
                .read_table_with_version(db, name)
                .await?
                .ok_or_else(|| LakeError::table_not_found(db, name))?;
            change(&mut table)?;
            let mut input = json!({"DatabaseName": db, "TableInput": table_input(&table), "SkipArchive": false});
            if let Some(version) = &version {
                input["VersionId"] = json!(version);
            }
            let answer = self.client.call("UpdateTable", input).await;
            self.cache.forget(db, Some(name));
            match answer {
                Ok(_) => return Ok(table),
                Err(e) if e.is(CONCURRENT) => continue,
                Err(e) if e.is(NOT_FOUND) => return Err(LakeError::table_not_found(db, name)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(LakeError::semantic(
            ErrorCode::ConcurrentModification,
            format!(
                "table {db}.{name} was changed by someone else {MODIFY_ATTEMPTS} times while \
                 this change was applied; nothing was changed, run the statement again"
            ),
        ))
    }

    async fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool> {
        let _fresh = self.cache.forget_when_done(db, Some(name));
        self.check_writable()?;
        let input = json!({"DatabaseName": db, "Name": name});
        match self.client.call("DeleteTable", input).await {
            Ok(_) => {}
            Err(e) if e.is(NOT_FOUND) && if_exists => return Ok(false),
            Err(e) if e.is(NOT_FOUND) => return Err(LakeError::table_not_found(db, name)),
            Err(e) => return Err(e.into()),
        }
        self.statistics
            .forget_statistics(db, Some(name), None)
            .await?;
        Ok(true)
    }

    async fn add_partitions(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize> {
        let _fresh = self.cache.forget_when_done(db, Some(table));
        self.check_writable()?;
        let table = self.existing_table(db, table).await?;
        self.partition_calls()
            .add(&table, partitions, if_not_exists)
            .await
    }

    async fn drop_partitions(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize> {
        let _fresh = self.cache.forget_when_done(db, Some(table));
        self.check_writable()?;
        let table = self.existing_table(db, table).await?;
        let dropped = self
            .partition_calls()
            .drop(&table, values, if_exists)
            .await?;
        let folders: Vec<String> = dropped.iter().map(|p| p.location.clone()).collect();
        self.statistics
            .forget_statistics(db, Some(&table.name), Some(&folders))
            .await?;
        Ok(dropped.len())
    }

    async fn sync_partitions(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)> {
        let _fresh = self.cache.forget_when_done(db, Some(table));
        self.check_writable()?;
        let table = self.existing_table(db, table).await?;
        let calls = self.partition_calls();
        let added = calls.add_values(&table, add, true).await?;
        match calls.drop(&table, drop, true).await {
            Ok(dropped) => {
                let folders: Vec<String> = dropped.iter().map(|p| p.location.clone()).collect();
                self.statistics
                    .forget_statistics(db, Some(&table.name), Some(&folders))
                    .await?;
                Ok((added.len(), dropped.len()))
            }
            Err(e) => {
                let undone = calls.undo_adds(&table, &added).await;
                Err(LakeError::invalid(format!(
                    "{e}; of the partitions it added, {undone}"
                )))
            }
        }
    }

    async fn save_crawled_table(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        let _fresh = self
            .cache
            .forget_when_done(&table.database_name, Some(&table.name));
        self.check_writable()?;
        if self.get_database(&table.database_name).await?.is_none() {
            return Err(LakeError::database_not_found(&table.database_name));
        }
        self.table_with_partitions(table, create, partitions).await
    }

    async fn update_partition(&self, db: &str, table: &str, partition: &Partition) -> Result<()> {
        let _fresh = self.cache.forget_when_done(db, Some(table));
        self.check_writable()?;
        let table = self.existing_table(db, table).await?;
        let old = self.partition_calls().update(&table, partition).await?;
        if old.location != partition.location {
            self.statistics
                .forget_statistics(db, Some(&table.name), Some(&[old.location]))
                .await?;
        }
        Ok(())
    }

    async fn list_partitions(&self, db: &str, table: &str) -> Result<Vec<Partition>> {
        let Some(table) = self.get_table(db, table).await? else {
            return Ok(Vec::new());
        };
        self.partition_calls().list(&table, None).await
    }

    async fn partition_locations(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>> {
        let Some(table) = self.get_table(db, table).await? else {
            return Ok(Vec::new());
        };
        self.partition_calls().locations(&table, None).await
    }

    async fn partition_locations_where(
        &self,
        table: &Table,
        expression: &str,
    ) -> Result<Option<Vec<PartitionLocation>>> {
        if !self.pushdown {
            return Ok(None);
        }
        self.partition_calls()
            .locations(table, Some(expression))
            .await
            .map(Some)
    }

    async fn partition_version(&self, _db: &str, _table: &str) -> Result<Option<i64>> {
        Ok(None)
    }

    async fn refresh_table(&self, db: &str, table: &str) -> Result<()> {
        self.cache.forget(db, Some(table));
        Ok(())
    }

    async fn count_partitions(&self, db: &str, table: &str) -> Result<usize> {
        Ok(self.partition_locations(db, table).await?.len())
    }

    async fn replace_file_statistics(
        &self,
        db: &str,
        table: &str,
        scope: &StatisticsScope,
        files: &[FileStatistics],
    ) -> Result<()> {
        self.check_writable()?;
        self.existing_table(db, table).await?;
        self.statistics
            .keep_statistics(db, table, Some(scope), files)
            .await
    }

    async fn record_write(&self, record: &WriteRecord) -> Result<usize> {
        let _fresh = self
            .cache
            .forget_when_done(&record.database, Some(&record.table));
        self.check_writable()?;
        let (db, name) = (&record.database, &record.table);
        let added = match &record.create {
            Some(table) => {
                self.table_with_partitions(table, true, &record.partitions)
                    .await?
            }
            None => {
                let table = self.existing_table(db, name).await?;
                self.partition_calls()
                    .add(&table, &record.partitions, true)
                    .await?
            }
        };
        self.statistics
            .keep_statistics(db, name, None, &record.statistics)
            .await?;
        Ok(added)
    }

    async fn file_statistics(
        &self,
        db: &str,
        table: &str,
        locations: Option<&[String]>,
    ) -> Result<Vec<FileStatistics>> {
        self.statistics.file_statistics(db, table, locations).await
    }
}

/// `default` as reported when the catalog lacks it (a read-only connection).
fn synthetic_default() -> Database {
    Database {
        name: DEFAULT_DATABASE.into(),
        description: None,
        location_uri: None,
        parameters: Default::default(),
        create_time: 0,
    }
}

/// A Glue `Partition` object as a catalog partition of `table`.
pub(super) fn partition_of(table: &Table, value: Value) -> Result<Partition> {
    let input: PartitionInput =
        serde_json::from_value(value).map_err(|e| bad_answer("GetPartitions", e))?;
    input.to_partition(table)
}

//! `MSCK REPAIR TABLE`: bring a table's registered partitions in line with the
//! `key=value` folders under its location.
//!
//! Discovery lists one folder level per partition key with delimiter listings, issued
//! concurrently with a bound; leaf folders are never listed, so the number of LIST
//! requests is the number of non-leaf folders. Folder names are unescaped as Hive escapes
//! them and values are checked against the key types. Folders that do not fit are
//! reported, never registered. The catalog changes in one transaction.

mod discover;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use datafusion::execution::runtime_env::RuntimeEnv;
use futures::{StreamExt, TryStreamExt};

pub use discover::{Discovery, FoundPartition, InvalidPath, discover_partitions};

use crate::catalog::model::now_seconds;
use crate::catalog::partition_path::partition_path;
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::{CatalogStore, Partition, RepairMode, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::storage::LocationUrl;
use crate::storage::location::normalize_dir;

/// How many listings run at once.
pub const LIST_CONCURRENCY: usize = 32;

/// The table property that decides what invalid folders do: `skip` (default: report
/// them) or `throw` (fail the statement, as Hive's `hive.msck.path.validation=throw`).
pub const PATH_VALIDATION_PROPERTY: &str = "msck.path.validation";

/// Whether the table's `msck.path.validation` asks MSCK to fail on invalid folders.
/// Checked at CREATE/ALTER time too, so a bad value is refused when it is set.
pub fn throws_on_invalid_paths(table: &Table) -> Result<bool> {
    match table
        .parameters
        .get(PATH_VALIDATION_PROPERTY)
        .map(|s| s.as_str())
    {
        None | Some("skip") => Ok(false),
        Some("throw") => Ok(true),
        Some(other) => Err(LakeError::semantic(
            ErrorCode::InvalidTableProperty,
            format!(
                "table {}: property '{PATH_VALIDATION_PROPERTY}' must be 'skip' or 'throw', \
                 got '{other}'",
                table.qualified_name()
            ),
        )),
    }
}

/// Progress of a repair, for a progress display.
#[derive(Clone, Debug)]
pub enum RepairProgress {
    /// Folder listings done so far, at which key level.
    Listing {
        /// Listings completed.
        listings: usize,
        /// Partition key level being listed (0-based).
        level: usize,
    },
    /// Checking whether registered locations outside the discovered tree exist.
    Checking {
        /// Locations to check.
        locations: usize,
    },
}

/// What a repair found and did.
#[derive(Clone, Debug, Default)]
pub struct RepairReport {
    /// Specs of partitions added (or to add, in a dry run), sorted.
    pub added: Vec<String>,
    /// Specs of partitions removed (or to remove), sorted.
    pub removed: Vec<String>,
    /// Folders and files that do not fit the partition layout.
    pub invalid: Vec<InvalidPath>,
    /// Partitions found on storage that were already registered.
    pub unchanged: usize,
    /// Delimiter listings issued.
    pub listings: usize,
    /// Whether the catalog was left untouched on purpose.
    pub dry_run: bool,
}

/// Runs MSCK on `table`.
pub async fn repair_table(
    catalog: Arc<dyn CatalogStore>,
    stores: Arc<RuntimeEnv>,
    table: &Table,
    mode: RepairMode,
    dry_run: bool,
    progress: &(dyn Fn(RepairProgress) + Send + Sync),
) -> Result<RepairReport> {
    if !table.is_partitioned() {
        return Err(LakeError::invalid(format!(
            "table {} is not partitioned; MSCK REPAIR TABLE has nothing to do",
            table.qualified_name()
        )));
    }
    let throw = throws_on_invalid_paths(table)?;
    // A partition's identity across spellings: the folder `month=05` and the registered
    // `month=5` of an `int` key are one partition.
    let keys = TypedKeys::of(table)?;
    let root = LocationUrl::parse(&table.storage_descriptor.location)?;
    let store = stores.object_store(&root.store)?;
    let found = discover_partitions(&store, &root, table, &keys, progress).await?;
    if throw && !found.invalid.is_empty() {
        return Err(invalid_paths_error(table, &found));
    }
    let (db, tbl) = (&table.database_name, &table.name);
    let registered = catalog.list_partitions(db, tbl).await?;
    let mut plan = RepairPlan::new(table, &keys, &found, dry_run);
    if mode != RepairMode::Drop {
        plan.add_unregistered(&registered);
    } else {
        plan.report.unchanged = found.partitions.len();
    }
    if mode != RepairMode::Add {
        let (gone, listings) = gone_partitions(&stores, &registered, &found, progress).await?;
        plan.report.listings += listings;
        plan.to_drop = gone;
        if mode == RepairMode::Sync && !plan.to_drop.is_empty() {
            plan.readd_moved();
        }
    }
    plan.drop_duplicate_folders();
    plan.record_specs();
    if !dry_run && (!plan.to_add.is_empty() || !plan.to_drop.is_empty()) {
        catalog
            .sync_partitions(db, tbl, &plan.to_add, &plan.to_drop)
            .await?;
    }
    Ok(plan.report)
}

/// The error of `msck.path.validation = throw` when folders do not fit the layout.
fn invalid_paths_error(table: &Table, found: &Discovery) -> LakeError {
    let sample: Vec<String> = found
        .invalid
        .iter()
        .take(5)
        .map(|p| format!("{} ({})", p.path, p.reason))
        .collect();
    LakeError::semantic(
        ErrorCode::HiveInvalidPartitionPath,
        format!(
            "table {}: {} path(s) under {} do not fit the partition layout, e.g. {}; \
             set '{PATH_VALIDATION_PROPERTY}'='skip' to skip them",
            table.qualified_name(),
            found.invalid.len(),
            table.storage_descriptor.location,
            sample.join(", ")
        ),
    )
}

/// Registered partitions whose folder is gone, and the listings it took: locations
/// outside the discovered tree are checked one listing each.
async fn gone_partitions(
    stores: &Arc<RuntimeEnv>,
    registered: &[Partition],
    found: &Discovery,
    progress: &(dyn Fn(RepairProgress) + Send + Sync),
) -> Result<(Vec<Vec<String>>, usize)> {
    let discovered_locations: HashSet<&str> = found
        .partitions
        .iter()
        .map(|p| p.location.as_str())
        .collect();
    let unknown: Vec<&Partition> = registered
        .iter()
        .filter(|p| !discovered_locations.contains(normalize_dir(&p.location).as_str()))
        .collect();
    progress(RepairProgress::Checking {
        locations: unknown.len(),
    });
    let to_check: Vec<String> = unknown.iter().map(|p| p.location.clone()).collect();
    let exists = locations_exist(stores, to_check).await?;
    let gone = unknown
        .iter()
        .filter(|p| exists.get(&p.location) == Some(&false))
        .map(|p| p.values.clone())
        .collect();
    Ok((gone, unknown.len()))
}

/// Whether each location exists, checked concurrently.
async fn locations_exist(
    stores: &Arc<RuntimeEnv>,
    locations: Vec<String>,
) -> Result<HashMap<String, bool>> {
    futures::stream::iter(locations.into_iter().map(|location| {
        let stores = stores.clone();
        async move {
            let exists = location_exists(&stores, &location).await?;
            Ok::<_, LakeError>((location, exists))
        }
    }))
    .buffer_unordered(LIST_CONCURRENCY)
    .try_collect()
    .await
}

/// The catalog changes a repair works out, and its report.
struct RepairPlan<'a> {
    table: &'a Table,
    keys: &'a TypedKeys<'a>,
    found: &'a Discovery,
    now: i64,
    to_add: Vec<Partition>,
    to_drop: Vec<Vec<String>>,
    report: RepairReport,
}

impl<'a> RepairPlan<'a> {
    fn new(table: &'a Table, keys: &'a TypedKeys<'a>, found: &'a Discovery, dry_run: bool) -> Self {
        RepairPlan {
            table,
            keys,
            found,
            now: now_seconds(),
            to_add: Vec::new(),
            to_drop: Vec::new(),
            report: RepairReport {
                invalid: found.invalid.clone(),
                listings: found.listings,
                dry_run,
                ..Default::default()
            },
        }
    }

    fn new_partition(&self, p: &FoundPartition) -> Partition {
        Partition {
            values: p.values.clone(),
            location: p.location.clone(),
            parameters: Default::default(),
            create_time: self.now,
        }
    }

    /// Partitions found on storage and not registered are added; the others counted.
    fn add_unregistered(&mut self, registered: &[Partition]) {
        let registered_keys: HashSet<Vec<String>> = registered
            .iter()
            .map(|p| self.keys.identities(&p.values))
            .collect();
        for p in &self.found.partitions {
            if registered_keys.contains(&self.keys.identities(&p.values)) {
                self.report.unchanged += 1;
            } else {
                self.to_add.push(self.new_partition(p));
            }
        }
    }

    /// SYNC: a partition dropped because its registered folder is gone, but found on
    /// storage in another folder (`month=05/` for a registered `month=5`), comes back with
    /// the folder that exists.
    fn readd_moved(&mut self) {
        let dropped: HashSet<Vec<String>> = self
            .to_drop
            .iter()
            .map(|v| self.keys.identities(v))
            .collect();
        for p in &self.found.partitions {
            if dropped.contains(&self.keys.identities(&p.values)) {
                self.report.unchanged -= 1;
                self.to_add.push(self.new_partition(p));
            }
        }
    }

    /// Two folders can name one partition (`k=` and `k=__HIVE_DEFAULT_PARTITION__`, or
    /// `month=05` and `month=5`): the first is registered, the others are reported.
    fn drop_duplicate_folders(&mut self) {
        let key_names = self.table.partition_key_names();
        let root_location = normalize_dir(&self.table.storage_descriptor.location);
        let mut seen: HashMap<Vec<String>, String> = HashMap::new();
        let (keys, invalid) = (self.keys, &mut self.report.invalid);
        self.to_add.retain(|p| {
            let key = keys.identities(&p.values);
            match seen.get(&key) {
                Some(first) => {
                    invalid.push(InvalidPath {
                        path: p
                            .location
                            .strip_prefix(&root_location)
                            .unwrap_or(&p.location)
                            .to_string(),
                        reason: format!("the same partition as {first}"),
                    });
                    false
                }
                None => {
                    seen.insert(key, partition_path(&key_names, &p.values));
                    true
                }
            }
        });
    }

    /// The specs of the partitions added and removed, sorted, into the report.
    fn record_specs(&mut self) {
        let key_names = self.table.partition_key_names();
        self.report.added = (self.to_add.iter())
            .map(|p| partition_path(&key_names, &p.values))
            .collect();
        self.report.removed = (self.to_drop.iter())
            .map(|v| partition_path(&key_names, v))
            .collect();
        self.report.added.sort();
        self.report.removed.sort();
    }
}

/// Whether anything exists under a location (object stores have no empty folders). A
/// location whose store cannot be reached counts as existing: MSCK never drops what it
/// cannot see.
async fn location_exists(stores: &RuntimeEnv, location: &str) -> Result<bool> {
    let Ok(url) = LocationUrl::parse(location) else {
        return Ok(true);
    };
    if let Some(path) = url.local_path() {
        return Ok(path.is_dir());
    }
    let Ok(store) = stores.object_store(&url.store) else {
        return Ok(true);
    };
    match store.list_with_delimiter(Some(&url.prefix)).await {
        Ok(listing) => Ok(!listing.objects.is_empty() || !listing.common_prefixes.is_empty()),
        Err(object_store::Error::NotFound { .. }) => Ok(false),
        Err(e) => Err(LakeError::semantic(
            ErrorCode::HiveFilesystemError,
            format!("cannot list {location}: {e}"),
        )),
    }
}

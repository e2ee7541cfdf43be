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
    let name = table.qualified_name();
    if !table.is_partitioned() {
        return Err(LakeError::invalid(format!(
            "table {name} is not partitioned; MSCK REPAIR TABLE has nothing to do"
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
        let sample: Vec<String> = found
            .invalid
            .iter()
            .take(5)
            .map(|p| format!("{} ({})", p.path, p.reason))
            .collect();
        return Err(LakeError::semantic(
            ErrorCode::HiveInvalidPartitionPath,
            format!(
                "table {name}: {} path(s) under {} do not fit the partition layout, e.g. {}; \
                 set '{PATH_VALIDATION_PROPERTY}'='skip' to skip them",
                found.invalid.len(),
                table.storage_descriptor.location,
                sample.join(", ")
            ),
        ));
    }

    let (db, tbl) = (table.database_name.clone(), table.name.clone());
    let registered = catalog.list_partitions(&db, &tbl).await?;
    let key_names = table.partition_key_names();
    let registered_keys: HashSet<Vec<String>> = registered
        .iter()
        .map(|p| keys.identities(&p.values))
        .collect();
    let discovered_locations: HashSet<&str> = found
        .partitions
        .iter()
        .map(|p| p.location.as_str())
        .collect();

    let mut report = RepairReport {
        invalid: found.invalid.clone(),
        listings: found.listings,
        dry_run,
        ..Default::default()
    };
    let now = now_seconds();
    let new_partition = |p: &FoundPartition| Partition {
        values: p.values.clone(),
        location: p.location.clone(),
        parameters: Default::default(),
        create_time: now,
    };
    let mut to_add: Vec<Partition> = Vec::new();
    if mode != RepairMode::Drop {
        for p in &found.partitions {
            if registered_keys.contains(&keys.identities(&p.values)) {
                report.unchanged += 1;
            } else {
                to_add.push(new_partition(p));
            }
        }
    } else {
        report.unchanged = found.partitions.len();
    }
    let mut to_drop: Vec<Vec<String>> = Vec::new();
    if mode != RepairMode::Add {
        // Locations outside the discovered tree are checked one listing each.
        let unknown: Vec<&Partition> = registered
            .iter()
            .filter(|p| !discovered_locations.contains(normalize_dir(&p.location).as_str()))
            .collect();
        progress(RepairProgress::Checking {
            locations: unknown.len(),
        });
        let to_check: Vec<String> = unknown.iter().map(|p| p.location.clone()).collect();
        let exists: HashMap<String, bool> =
            futures::stream::iter(to_check.into_iter().map(|location| {
                let stores = stores.clone();
                async move {
                    let exists = location_exists(&stores, &location).await?;
                    Ok::<_, LakeError>((location, exists))
                }
            }))
            .buffer_unordered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        report.listings += unknown.len();
        for p in unknown {
            if exists.get(&p.location) == Some(&false) {
                to_drop.push(p.values.clone());
            }
        }
        // SYNC: a partition dropped because its registered folder is gone, but found on
        // storage in another folder (`month=05/` for a registered `month=5`), comes back
        // with the folder that exists.
        if mode == RepairMode::Sync && !to_drop.is_empty() {
            let dropped: HashSet<Vec<String>> =
                to_drop.iter().map(|v| keys.identities(v)).collect();
            for p in &found.partitions {
                if dropped.contains(&keys.identities(&p.values)) {
                    report.unchanged -= 1;
                    to_add.push(new_partition(p));
                }
            }
        }
    }
    // Two folders can name one partition (`k=` and `k=__HIVE_DEFAULT_PARTITION__`, or
    // `month=05` and `month=5`): the first is registered, the others are reported.
    let mut seen: HashMap<Vec<String>, String> = HashMap::new();
    let root_location = normalize_dir(&table.storage_descriptor.location);
    to_add.retain(|p| {
        let key = keys.identities(&p.values);
        match seen.get(&key) {
            Some(first) => {
                report.invalid.push(InvalidPath {
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
    report.added = to_add
        .iter()
        .map(|p| partition_path(&key_names, &p.values))
        .collect();
    report.removed = to_drop
        .iter()
        .map(|v| partition_path(&key_names, v))
        .collect();
    report.added.sort();
    report.removed.sort();
    if !dry_run && (!to_add.is_empty() || !to_drop.is_empty()) {
        catalog
            .sync_partitions(&db, &tbl, &to_add, &to_drop)
            .await?;
    }
    Ok(report)
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

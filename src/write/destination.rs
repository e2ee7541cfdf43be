//! Where a write's files end up: the target folder, and for partitioned targets the
//! folder of each partition (an existing partition keeps its registered location, a
//! projected table follows its location template, a new partition gets Hive's
//! `key=value/` folder under the table).

use std::collections::HashMap;
use std::sync::Arc;

use object_store::ObjectStore;

use crate::catalog::partition_path::partition_path;
use crate::catalog::partition_values::TypedKeys;
use crate::catalog::store::PartitionLocation;
use crate::catalog::{Column, Table};
use crate::error::{ErrorCode, LakeError, Result};
use crate::projection::ProjectionConfig;
use crate::projection::candidates::render_location;
use crate::storage::LocationUrl;
use crate::storage::files::list_data_files;
use crate::storage::location::{join_location, normalize_dir};

/// The target of a write.
pub struct Destination {
    /// The folder (with a trailing `/`).
    pub location: String,
    /// A table holding just the partition keys, for their typed values.
    keys_table: Table,
    /// Registered partitions by their identity (typed values): their folders.
    registered: HashMap<Vec<String>, String>,
    /// For tables with partition projection: the table and its projection.
    projection: Option<(Table, ProjectionConfig)>,
    /// The table's and the registered partitions' locations as the catalog spells them,
    /// by their folder form (with one trailing `/`).
    spellings: HashMap<String, String>,
    /// Whether a partition folder that receives files must hold no data yet (UNLOAD).
    pub new_folders_must_be_empty: bool,
}

impl Destination {
    /// A new folder (CTAS, UNLOAD) partitioned by `keys`.
    pub fn new_folder(location: &str, keys: Vec<Column>) -> Self {
        Destination {
            location: normalize_dir(location),
            keys_table: keys_table(&keys),
            registered: HashMap::new(),
            projection: None,
            spellings: spellings([location]),
            new_folders_must_be_empty: false,
        }
    }

    /// An existing table: its registered partitions (or its projection) decide where
    /// rows of each partition go.
    pub fn of_table(
        table: &Table,
        registered: &[PartitionLocation],
        projection: Option<ProjectionConfig>,
    ) -> Result<Self> {
        let typed = TypedKeys::of(table)?;
        let table_location = table.storage_descriptor.location.as_str();
        let spellings = spellings(
            std::iter::once(table_location).chain(registered.iter().map(|p| p.location.as_str())),
        );
        let registered = registered
            .iter()
            .map(|p| {
                let values: Vec<String> =
                    crate::catalog::partition_path::parse_partition_path(&p.spec)
                        .into_iter()
                        .map(|(_, v)| v)
                        .collect();
                (typed.identities(&values), p.location.clone())
            })
            .collect();
        Ok(Destination {
            location: normalize_dir(&table.storage_descriptor.location),
            keys_table: keys_table(&table.partition_keys),
            registered,
            projection: projection.map(|p| (table.clone(), p)),
            spellings,
            new_folders_must_be_empty: false,
        })
    }

    /// The location a scan lists `folder` (a folder this destination gave, holding the
    /// partition `values`) under, spelt as the catalog or the projection spells it:
    /// file statistics are found by it.
    pub fn scan_location(&self, folder: &str, values: &[String]) -> String {
        if let Some((table, config)) = &self.projection {
            let names: Vec<&str> = self.keys().iter().map(|k| k.name.as_str()).collect();
            return render_location(table, config, &names, values);
        }
        self.spellings
            .get(folder)
            .cloned()
            .unwrap_or_else(|| folder.to_string())
    }

    /// Partition keys, in order (empty when unpartitioned).
    pub fn keys(&self) -> &[Column] {
        &self.keys_table.partition_keys
    }

    /// Whether partitions are registered by the write (not projected).
    pub fn registers_partitions(&self) -> bool {
        !self.keys().is_empty() && self.projection.is_none()
    }

    /// The folder for the partition with `values`, and whether that partition is new to
    /// the catalog.
    pub fn partition_folder(&self, values: &[String]) -> Result<(String, bool)> {
        let names: Vec<&str> = self.keys().iter().map(|k| k.name.as_str()).collect();
        if let Some((table, config)) = &self.projection {
            return Ok((
                normalize_dir(&render_location(table, config, &names, values)),
                false,
            ));
        }
        let identity = self.identity(values)?;
        Ok(match self.registered.get(&identity) {
            Some(location) => (normalize_dir(location), false),
            None => (
                join_location(
                    &self.location,
                    &format!("{}/", partition_path(&names, values)),
                ),
                true,
            ),
        })
    }

    fn identity(&self, values: &[String]) -> Result<Vec<String>> {
        Ok(TypedKeys::of(&self.keys_table)?.identities(values))
    }
}

fn spellings<'a>(locations: impl IntoIterator<Item = &'a str>) -> HashMap<String, String> {
    locations
        .into_iter()
        .map(|l| (normalize_dir(l), l.to_string()))
        .collect()
}

fn keys_table(keys: &[Column]) -> Table {
    Table {
        partition_keys: keys.to_vec(),
        ..Table::external("", "", Default::default())
    }
}

/// Fails with `HIVE_PATH_ALREADY_EXISTS` when `location` holds data files.
pub async fn require_empty(store: &Arc<dyn ObjectStore>, location: &str, what: &str) -> Result<()> {
    let url = LocationUrl::parse(location)?;
    let files = list_data_files(store, &url).await?;
    if let Some(file) = files.first() {
        return Err(LakeError::semantic(
            ErrorCode::HivePathAlreadyExists,
            format!(
                "{what} location {location} is not empty: it holds {} data file{} (e.g. {}); \
                 choose an empty location",
                files.len(),
                if files.len() == 1 { "" } else { "s" },
                file.location
            ),
        ));
    }
    Ok(())
}

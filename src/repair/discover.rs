//! Discovery of `key=value` partition folders, one key level at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::{StreamExt, TryStreamExt};
use object_store::ObjectStore;
use object_store::path::Path;

use super::{LIST_CONCURRENCY, RepairProgress};
use crate::catalog::Table;
use crate::catalog::partition_path::unescape_path_name;
use crate::catalog::partition_values::TypedKeys;
use crate::error::{ErrorCode, LakeError, Result};
use crate::storage::LocationUrl;
use crate::storage::location::join_location;
use crate::storage::location::normalize_dir;

/// A folder or file that does not fit the partition layout, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidPath {
    /// Path relative to the table location.
    pub path: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A partition folder found on storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundPartition {
    /// Unescaped values, in key order.
    pub values: Vec<String>,
    /// Location of the folder (with a trailing `/`).
    pub location: String,
}

/// What discovery found.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// Leaf folders that fit every key level.
    pub partitions: Vec<FoundPartition>,
    /// Paths skipped.
    pub invalid: Vec<InvalidPath>,
    /// Delimiter listings issued.
    pub listings: usize,
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.')
}

/// Lists the partition folders under `root`, one level per partition key.
pub async fn discover_partitions(
    store: &Arc<dyn ObjectStore>,
    root: &LocationUrl,
    table: &Table,
    keys: &TypedKeys<'_>,
    progress: &(dyn Fn(RepairProgress) + Send + Sync),
) -> Result<Discovery> {
    let discoverer = Discoverer {
        store,
        root,
        root_text: root.prefix.as_ref().to_string(),
        table,
        keys,
        progress,
        done: AtomicUsize::new(0),
    };
    let mut out = Discovery::default();
    let mut frontier: Vec<(Path, Vec<String>)> = vec![(root.prefix.clone(), Vec::new())];
    for level in 0..table.partition_keys.len() {
        let listed = discoverer.list_level(frontier, level).await?;
        out.listings += listed.len();
        frontier = discoverer.next_level(level, listed, &mut out.invalid);
    }
    progress(RepairProgress::Listing {
        listings: discoverer.done.load(Ordering::Relaxed),
        level: table.partition_keys.len().saturating_sub(1),
    });
    frontier.sort_by(|a, b| a.0.cmp(&b.0));
    out.invalid.sort_by(|a, b| a.path.cmp(&b.path));
    out.partitions = discoverer.found(frontier);
    Ok(out)
}

/// A listing and the partition values of the folder listed.
type Listed = (Vec<String>, object_store::ListResult);

/// What every step of discovery needs.
struct Discoverer<'a> {
    store: &'a Arc<dyn ObjectStore>,
    root: &'a LocationUrl,
    root_text: String,
    table: &'a Table,
    keys: &'a TypedKeys<'a>,
    progress: &'a (dyn Fn(RepairProgress) + Send + Sync),
    done: AtomicUsize,
}

impl Discoverer<'_> {
    /// A path relative to the table location.
    fn relative(&self, p: &Path) -> String {
        p.as_ref()
            .strip_prefix(&self.root_text)
            .unwrap_or(p.as_ref())
            .trim_start_matches('/')
            .to_string()
    }

    /// Lists every folder of one level, concurrently.
    async fn list_level(
        &self,
        frontier: Vec<(Path, Vec<String>)>,
        level: usize,
    ) -> Result<Vec<Listed>> {
        futures::stream::iter(
            (frontier.into_iter()).map(|(prefix, values)| self.list(prefix, values, level)),
        )
        .buffer_unordered(LIST_CONCURRENCY)
        .try_collect()
        .await
    }

    /// Lists one folder (a missing folder is empty), reporting progress.
    async fn list(&self, prefix: Path, values: Vec<String>, level: usize) -> Result<Listed> {
        let listing = match self.store.list_with_delimiter(Some(&prefix)).await {
            Ok(l) => l,
            Err(object_store::Error::NotFound { .. }) => object_store::ListResult {
                common_prefixes: vec![],
                objects: vec![],
            },
            Err(e) => {
                return Err(LakeError::semantic(
                    ErrorCode::HiveFilesystemError,
                    format!("cannot list {}{prefix}: {e}", self.root.store.as_str()),
                ));
            }
        };
        let listings = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        if listings.is_multiple_of(256) {
            (self.progress)(RepairProgress::Listing { listings, level });
        }
        Ok((values, listing))
    }

    /// The folders of the next level that fit key `level`; files and folders that do not
    /// fit go to `invalid`.
    fn next_level(
        &self,
        level: usize,
        listed: Vec<Listed>,
        invalid: &mut Vec<InvalidPath>,
    ) -> Vec<(Path, Vec<String>)> {
        let key = &self.table.partition_keys[level].name;
        let mut next = Vec::new();
        for (values, listing) in listed {
            for object in &listing.objects {
                let name = object.location.filename().unwrap_or_default();
                // Empty objects are folder markers (`dir/`, `dir_$folder$`), not data.
                if object.size > 0 && !is_hidden(name) && !name.ends_with("$folder$") {
                    invalid.push(InvalidPath {
                        path: self.relative(&object.location),
                        reason: format!("a file where folders named {key}=… are expected"),
                    });
                }
            }
            for dir in listing.common_prefixes {
                let name = dir.filename().unwrap_or_default().to_string();
                if is_hidden(&name) {
                    continue;
                }
                match self.folder_value(level, &name) {
                    Ok(value) => {
                        let mut values = values.clone();
                        values.push(value);
                        next.push((dir, values));
                    }
                    Err(reason) => invalid.push(InvalidPath {
                        path: self.relative(&dir),
                        reason,
                    }),
                }
            }
        }
        next
    }

    /// The unescaped value of a `key=value` folder at `level`, or why it does not fit.
    fn folder_value(&self, level: usize, name: &str) -> std::result::Result<String, String> {
        let key = &self.table.partition_keys[level].name;
        let Some((k, v)) = name.split_once('=') else {
            return Err(format!("not a {key}=value folder"));
        };
        let k = unescape_path_name(k);
        if !k.eq_ignore_ascii_case(key) {
            return Err(format!(
                "partition key '{k}' where '{key}' is expected (keys: {})",
                self.table.partition_key_names().join(", ")
            ));
        }
        let value = unescape_path_name(v);
        match self.keys.typed(level, &value) {
            Ok(_) => Ok(value),
            Err(LakeError::Semantic { message, .. }) => Err(message),
            Err(other) => Err(other.to_string()),
        }
    }

    /// The leaf folders as partitions, with their locations below the table's.
    fn found(&self, frontier: Vec<(Path, Vec<String>)>) -> Vec<FoundPartition> {
        let base = &self.table.storage_descriptor.location;
        frontier
            .into_iter()
            .map(|(dir, values)| FoundPartition {
                values,
                location: normalize_dir(&join_location(base, &self.relative(&dir))),
            })
            .collect()
    }
}

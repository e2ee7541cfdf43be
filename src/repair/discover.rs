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
    let root_text = root.prefix.as_ref().to_string();
    let relative = |p: &Path| -> String {
        p.as_ref()
            .strip_prefix(&root_text)
            .unwrap_or(p.as_ref())
            .trim_start_matches('/')
            .to_string()
    };
    let mut out = Discovery::default();
    let done = AtomicUsize::new(0);
    let mut frontier: Vec<(Path, Vec<String>)> = vec![(root.prefix.clone(), Vec::new())];
    for (level, key) in table.partition_keys.iter().enumerate() {
        let listed: Vec<(Vec<String>, object_store::ListResult)> =
            futures::stream::iter(frontier.into_iter().map(|(prefix, values)| {
                let store = store.clone();
                let done = &done;
                let store_url = root.store.as_str();
                async move {
                    let listing = match store.list_with_delimiter(Some(&prefix)).await {
                        Ok(l) => l,
                        Err(object_store::Error::NotFound { .. }) => object_store::ListResult {
                            common_prefixes: vec![],
                            objects: vec![],
                        },
                        Err(e) => {
                            return Err(LakeError::semantic(
                                ErrorCode::HiveFilesystemError,
                                format!("cannot list {store_url}{prefix}: {e}"),
                            ));
                        }
                    };
                    let listings = done.fetch_add(1, Ordering::Relaxed) + 1;
                    if listings.is_multiple_of(256) {
                        progress(RepairProgress::Listing { listings, level });
                    }
                    Ok((values, listing))
                }
            }))
            .buffer_unordered(LIST_CONCURRENCY)
            .try_collect()
            .await?;
        out.listings += listed.len();
        let mut next = Vec::new();
        for (values, listing) in listed {
            for object in &listing.objects {
                let name = object.location.filename().unwrap_or_default();
                // Empty objects are folder markers (`dir/`, `dir_$folder$`), not data.
                if object.size > 0 && !is_hidden(name) && !name.ends_with("$folder$") {
                    out.invalid.push(InvalidPath {
                        path: relative(&object.location),
                        reason: format!("a file where folders named {}=… are expected", key.name),
                    });
                }
            }
            for dir in listing.common_prefixes {
                let name = dir.filename().unwrap_or_default().to_string();
                if is_hidden(&name) {
                    continue;
                }
                let invalid = |reason: String| InvalidPath {
                    path: relative(&dir),
                    reason,
                };
                let Some((k, v)) = name.split_once('=') else {
                    out.invalid
                        .push(invalid(format!("not a {}=value folder", key.name)));
                    continue;
                };
                let k = unescape_path_name(k);
                if !k.eq_ignore_ascii_case(&key.name) {
                    out.invalid.push(invalid(format!(
                        "partition key '{k}' where '{}' is expected (keys: {})",
                        key.name,
                        table.partition_key_names().join(", ")
                    )));
                    continue;
                }
                let value = unescape_path_name(v);
                if let Err(e) = keys.typed(level, &value) {
                    let reason = match e {
                        LakeError::Semantic { message, .. } => message,
                        other => other.to_string(),
                    };
                    out.invalid.push(invalid(reason));
                    continue;
                }
                let mut values = values.clone();
                values.push(value);
                next.push((dir, values));
            }
        }
        frontier = next;
    }
    progress(RepairProgress::Listing {
        listings: done.load(Ordering::Relaxed),
        level: table.partition_keys.len().saturating_sub(1),
    });
    let base = &table.storage_descriptor.location;
    frontier.sort_by(|a, b| a.0.cmp(&b.0));
    out.invalid.sort_by(|a, b| a.path.cmp(&b.path));
    out.partitions = frontier
        .into_iter()
        .map(|(dir, values)| FoundPartition {
            values,
            location: normalize_dir(&join_location(base, &relative(&dir))),
        })
        .collect();
    Ok(out)
}

//! Atomic writes: files are written under a hidden staging folder (readers skip names
//! starting with `.`), then moved to their final names once every file is complete. A
//! write that fails, or whose future is dropped (Ctrl-C), removes what it wrote: the
//! staging folder, and any file already moved when the catalog commit then fails.
//!
//! On local disk a move is a rename; on S3 it is a copy and a delete (object_store's
//! `rename`).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};

use super::destination::{Destination, require_empty};
use crate::catalog::partition_path::unescape_path_name;
use crate::error::{ErrorCode, LakeError, Result};
use crate::storage::LocationUrl;

/// A file a write produced, at its final location.
#[derive(Clone, Debug, PartialEq)]
pub struct WrittenFile {
    /// Absolute URL.
    pub location: String,
    /// The folder it was written to: its partition's location, or the table's.
    pub folder: String,
    /// Size in bytes.
    pub size: u64,
    /// Rows, when the format's writer reports them per file (Parquet).
    pub rows: Option<u64>,
    /// How a listing of the final location shows the file, when that is known without
    /// another request: on local disk a move is a rename, which keeps the staged file's
    /// modification time and ETag; on S3 (a copy) it is learnt by listing the new names.
    pub listed: Option<Listed>,
}

/// A file's modification time and ETag as the store lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    /// Modification time, nanoseconds since the Unix epoch.
    pub modified_nanos: i64,
    /// The store's ETag, if it gives one.
    pub e_tag: Option<String>,
}

impl Listed {
    fn of(meta: &object_store::ObjectMeta) -> Option<Self> {
        Some(Listed {
            modified_nanos: meta.last_modified.timestamp_nanos_opt()?,
            e_tag: meta.e_tag.clone(),
        })
    }
}

/// A partition folder that received files.
#[derive(Clone, Debug, PartialEq)]
pub struct WrittenPartition {
    /// Values in key order (NULL is Hive's default-partition name).
    pub values: Vec<String>,
    /// Folder URL (trailing `/`).
    pub location: String,
    /// Whether the catalog does not have it yet.
    pub is_new: bool,
}

/// The hidden folder a write stages its files in.
pub struct Staging {
    store: Arc<dyn ObjectStore>,
    root: LocationUrl,
    prefix: Path,
    query_id: String,
    armed: bool,
}

impl Staging {
    /// A staging folder for query `query_id` under `destination`'s folder.
    pub fn new(
        store: Arc<dyn ObjectStore>,
        destination: &Destination,
        query_id: &str,
    ) -> Result<Self> {
        let root = LocationUrl::parse(&destination.location)?;
        let prefix = root
            .prefix
            .clone()
            .join(format!(".lakesql-staging-{query_id}"));
        Ok(Staging {
            store,
            root,
            prefix,
            query_id: query_id.to_string(),
            armed: true,
        })
    }

    /// The staging folder's URL (with a trailing `/`), for DataFusion's file sinks.
    pub fn url(&self) -> String {
        format!("{}{}/", self.root.store.as_str(), self.prefix)
    }

    /// Moves every staged file to its final name under `destination` and removes the
    /// staging folder. Files get names `<query id>_<n>.<extension>`; `rows` gives the
    /// row counts the writer reported, by staged path.
    pub async fn publish(
        mut self,
        destination: &Destination,
        extension: &str,
        rows: &HashMap<Path, u64>,
    ) -> Result<Published> {
        let by_folder = self.staged_by_folder(destination).await?;
        let mut published = Published {
            store: self.store.clone(),
            files: Vec::new(),
            partitions: Vec::new(),
            moved: Vec::new(),
            local: self.local_dir().is_some(),
            armed: true,
        };
        let mut n = 0;
        for (folder, (partition, metas)) in by_folder {
            if destination.new_folders_must_be_empty && !destination.keys().is_empty() {
                require_empty(&self.store, &folder, "partition").await?;
            }
            let target = LocationUrl::parse(&folder)?;
            if target.store != self.root.store {
                return Err(LakeError::unsupported(format!(
                    "partition {} is registered at {folder}, in another store than the table's \
                     {}: lakesql cannot move written files between stores",
                    partition.values.join("/"),
                    self.root.store.as_str()
                )));
            }
            for meta in metas {
                n += 1;
                let name = format!("{}_{n:05}.{extension}", self.query_id);
                let to = target.prefix.clone().join(name.as_str());
                self.store
                    .rename(&meta.location, &to)
                    .await
                    .map_err(|e| storage_error("move a written file to", &to, e))?;
                published.moved.push(to.clone());
                published.files.push(WrittenFile {
                    location: format!("{folder}{name}"),
                    folder: folder.clone(),
                    size: meta.size,
                    rows: rows.get(&meta.location).copied(),
                    listed: if published.local {
                        Listed::of(&meta)
                    } else {
                        None
                    },
                });
            }
            if !destination.keys().is_empty() {
                published.partitions.push(partition);
            }
        }
        if !published.local {
            self.list_copies(&mut published.files).await;
        }
        self.remove_local_folder();
        self.armed = false;
        Ok(published)
    }

    /// The staged files by the folder each goes to, with its partition.
    async fn staged_by_folder(
        &self,
        destination: &Destination,
    ) -> Result<BTreeMap<String, (WrittenPartition, Vec<object_store::ObjectMeta>)>> {
        let staged: Vec<_> = self
            .store
            .list(Some(&self.prefix))
            .try_collect()
            .await
            .map_err(|e| storage_error("list the staging folder", &self.prefix, e))?;
        let mut by_folder: BTreeMap<String, (WrittenPartition, Vec<_>)> = BTreeMap::new();
        for meta in staged {
            let values = self.partition_values(&meta.location, destination.keys().len())?;
            let (folder, is_new) = if destination.keys().is_empty() {
                (destination.location.clone(), false)
            } else {
                destination.partition_folder(&values)?
            };
            by_folder
                .entry(folder.clone())
                .or_insert_with(|| {
                    (
                        WrittenPartition {
                            values,
                            location: folder,
                            is_new,
                        },
                        Vec::new(),
                    )
                })
                .1
                .push(meta);
        }
        Ok(by_folder)
    }

    /// On S3 a move is a copy, which gives the file a new modification time (and may give
    /// it a new ETag): list each folder that received files with row counts once, from the
    /// query's first name on, to learn them. One LIST per folder (per 1,000 files) beside
    /// the write's three requests per file; a failed listing only leaves them unknown.
    async fn list_copies(&self, files: &mut [WrittenFile]) {
        let folders: BTreeSet<String> = files
            .iter()
            .filter(|f| f.rows.is_some())
            .map(|f| f.folder.clone())
            .collect();
        for folder in folders {
            let Ok(url) = LocationUrl::parse(&folder) else {
                continue;
            };
            let first = url.prefix.clone().join(self.query_id.as_str());
            let ours = format!("{first}");
            let listed: HashMap<String, Listed> = self
                .store
                .list_with_offset(Some(&url.prefix), &first)
                .try_take_while(|m| {
                    futures::future::ready(Ok(m.location.as_ref().starts_with(&ours)))
                })
                .try_filter_map(|m| async move {
                    Ok(Listed::of(&m).map(|l| (m.location.to_string(), l)))
                })
                .try_collect()
                .await
                .unwrap_or_default();
            for file in files.iter_mut().filter(|f| f.folder == folder) {
                let name = &file.location[folder.len()..];
                file.listed = listed
                    .get(&format!("{}", url.prefix.clone().join(name)))
                    .cloned();
            }
        }
    }

    /// The partition values a staged file's folders give (`key=value/…`, as the
    /// demultiplexer (`demux.rs`) names them, percent-encoded by object_store).
    fn partition_values(&self, file: &Path, keys: usize) -> Result<Vec<String>> {
        let relative = file
            .prefix_match(&self.prefix)
            .ok_or_else(|| LakeError::internal(format!("{file} is outside the staging folder")))?;
        let parts: Vec<String> = relative.map(|p| p.as_ref().to_string()).collect();
        if parts.len() != keys + 1 {
            return Err(LakeError::internal(format!(
                "staged file {file} is not {keys} folder(s) deep"
            )));
        }
        parts[..keys]
            .iter()
            .map(|segment| {
                segment
                    .split_once('=')
                    .map(|(_, v)| unescape_path_name(v))
                    .ok_or_else(|| {
                        LakeError::internal(format!("staged folder {segment} has no '='"))
                    })
            })
            .collect()
    }

    /// Local staging folders are removed synchronously (object stores leave no empty
    /// folders behind; the local file system does).
    fn remove_local_folder(&self) {
        if let Some(dir) = self.local_dir() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    fn local_dir(&self) -> Option<PathBuf> {
        (self.root.store.as_str() == "file:///").then(|| PathBuf::from(format!("/{}", self.prefix)))
    }
}

impl Drop for Staging {
    /// A write that did not publish leaves nothing behind.
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        if self.local_dir().is_some() {
            self.remove_local_folder();
            return;
        }
        let (store, prefix) = (self.store.clone(), self.prefix.clone());
        spawn_cleanup(async move {
            let files: Vec<_> = store
                .list(Some(&prefix))
                .map_ok(|m| m.location)
                .try_collect()
                .await
                .unwrap_or_default();
            for file in files {
                let _ = store.delete(&file).await;
            }
        });
    }
}

/// Files moved to their final names, not yet committed to the catalog. Dropping it
/// without [`Published::commit`] removes them.
pub struct Published {
    store: Arc<dyn ObjectStore>,
    /// The files, at their final locations.
    pub files: Vec<WrittenFile>,
    /// The partition folders that received files (empty when unpartitioned).
    pub partitions: Vec<WrittenPartition>,
    moved: Vec<Path>,
    local: bool,
    armed: bool,
}

impl Published {
    /// The files stay: the catalog has recorded them (or nothing needs recording).
    pub fn commit(mut self) {
        self.armed = false;
    }

    /// Bytes written.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.size).sum()
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let (store, moved) = (self.store.clone(), std::mem::take(&mut self.moved));
        if self.local {
            for path in &moved {
                let _ = std::fs::remove_file(format!("/{path}"));
            }
            return;
        }
        spawn_cleanup(async move {
            for path in moved {
                let _ = store.delete(&path).await;
            }
        });
    }
}

/// Runs a cleanup on the current tokio runtime, if there is one.
fn spawn_cleanup(cleanup: impl std::future::Future<Output = ()> + Send + 'static) {
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(cleanup);
    }
}

fn storage_error(what: &str, path: &Path, e: object_store::Error) -> LakeError {
    LakeError::semantic(
        ErrorCode::HiveFilesystemError,
        format!("cannot {what} {path}: {e}"),
    )
}

//! Walking a location with delimiter listings, one folder level at a time (concurrent,
//! bounded), into a tree of folders and their data files. Hidden names (`_…`, `.…`),
//! folder markers and excluded globs are left out; what was left out and why is kept
//! for the report.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::{StreamExt, TryStreamExt};
use globset::GlobSet;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};

use crate::error::{ErrorCode, LakeError, Result};

/// Folder listings in flight at once.
const LIST_CONCURRENCY: usize = 32;
/// Deepest folder level walked below the root.
pub const MAX_DEPTH: usize = 24;

/// One folder below the crawl root.
#[derive(Debug, Default)]
pub struct Folder {
    /// Data files directly in this folder.
    pub files: Vec<ObjectMeta>,
    /// Names of the sub-folders walked.
    pub children: Vec<String>,
}

/// The walked tree: folders by path relative to the root (`""` is the root, no slashes
/// at either end).
#[derive(Debug, Default)]
pub struct Tree {
    /// Folders.
    pub folders: BTreeMap<String, Folder>,
    /// Paths excluded by a glob.
    pub excluded: Vec<String>,
    /// Folders below the deepest level walked.
    pub too_deep: Vec<String>,
    /// Delimiter listings issued.
    pub listings: usize,
}

impl Tree {
    /// Number of data files.
    pub fn file_count(&self) -> usize {
        self.folders.values().map(|f| f.files.len()).sum()
    }
}

/// `parent/name`, or `name` at the root.
pub fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_string()
    } else {
        format!("{parent}/{name}")
    }
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('_') || name.starts_with('.') || name.ends_with("$folder$")
}

/// A folder to list: its path relative to the root, and its prefix in the store.
type ToList = (String, Path);

/// Walks everything below `root` in `store`.
pub async fn walk(
    store: &Arc<dyn ObjectStore>,
    store_url: &str,
    root: &Path,
    exclude: &GlobSet,
    progress: &(dyn Fn(String) + Send + Sync),
) -> Result<Tree> {
    let mut tree = Tree::default();
    let mut frontier = vec![(String::new(), root.clone())];
    for _ in 0..=MAX_DEPTH {
        if frontier.is_empty() {
            break;
        }
        let listed = list_level(store, store_url, frontier).await?;
        tree.listings += listed.len();
        progress(format!(
            "crawl: {} folder(s) listed, {} file(s) found",
            tree.listings,
            tree.file_count()
        ));
        let mut next = Vec::new();
        for (rel, listing) in listed {
            tree.add_folder(rel, listing, exclude, &mut next);
        }
        frontier = next;
    }
    tree.too_deep = frontier
        .into_iter()
        .map(|(rel, _)| format!("{rel}/"))
        .collect();
    Ok(tree)
}

/// Lists the folders of one level, concurrently; a missing folder is empty.
async fn list_level(
    store: &Arc<dyn ObjectStore>,
    store_url: &str,
    frontier: Vec<ToList>,
) -> Result<Vec<(String, object_store::ListResult)>> {
    futures::stream::iter(frontier.into_iter().map(|(rel, prefix)| async move {
        let prefix_opt = (!prefix.as_ref().is_empty()).then_some(&prefix);
        match store.list_with_delimiter(prefix_opt).await {
            Ok(l) => Ok((rel, l)),
            Err(object_store::Error::NotFound { .. }) => Ok((
                rel,
                object_store::ListResult {
                    common_prefixes: vec![],
                    objects: vec![],
                },
            )),
            Err(e) => Err(LakeError::semantic(
                ErrorCode::HiveFilesystemError,
                format!("cannot list {store_url}{prefix}: {e}"),
            )),
        }
    }))
    .buffer_unordered(LIST_CONCURRENCY)
    .try_collect()
    .await
}

impl Tree {
    /// Adds the folder `rel` from its listing: its data files, and its sub-folders (also
    /// pushed to `next`); hidden and excluded names are left out.
    fn add_folder(
        &mut self,
        rel: String,
        listing: object_store::ListResult,
        exclude: &GlobSet,
        next: &mut Vec<ToList>,
    ) {
        let mut folder = Folder::default();
        for object in listing.objects {
            let Some(name) = object.location.filename().map(str::to_string) else {
                continue;
            };
            let path = join(&rel, &name);
            if is_hidden(&name) || (object.size == 0 && name.ends_with('/')) {
                continue;
            }
            if exclude.is_match(&path) {
                self.excluded.push(path);
                continue;
            }
            folder.files.push(object);
        }
        for prefix in listing.common_prefixes {
            let Some(name) = prefix.filename().map(str::to_string) else {
                continue;
            };
            let path = join(&rel, &name);
            if is_hidden(&name) {
                continue;
            }
            if exclude.is_match(&path) || exclude.is_match(format!("{path}/")) {
                self.excluded.push(format!("{path}/"));
                continue;
            }
            folder.children.push(name);
            next.push((path, prefix));
        }
        folder.children.sort();
        folder.files.sort_by(|a, b| a.location.cmp(&b.location));
        self.folders.insert(rel, folder);
    }
}

/// Builds the exclude matcher; globs are relative to the crawl root (`**/tmp/**`, `*.bak`).
pub fn exclude_set(globs: &[String]) -> Result<GlobSet> {
    let mut builder = globset::GlobSetBuilder::new();
    for glob in globs {
        let g = globset::GlobBuilder::new(glob)
            .literal_separator(true)
            .build()
            .map_err(|e| LakeError::invalid(format!("exclude pattern '{glob}': {e}")))?;
        builder.add(g);
    }
    builder
        .build()
        .map_err(|e| LakeError::invalid(format!("exclude patterns: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;
    use object_store::{ObjectStoreExt, PutPayload};

    #[tokio::test]
    async fn walks_levels_and_reports_what_it_leaves_out() {
        let store: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let deep = (0..=MAX_DEPTH).map(|_| "d").collect::<Vec<_>>().join("/");
        for key in [
            "root/a.csv".to_string(),
            "root/_SUCCESS".to_string(),
            "root/.hidden/x.csv".to_string(),
            "root/k=1/b.csv".to_string(),
            "root/k=1/b.tmp".to_string(),
            format!("root/{deep}/far.csv"),
        ] {
            store
                .put(&Path::from(key), PutPayload::from_static(b"x,y\n1,2\n"))
                .await
                .unwrap();
        }
        let exclude = exclude_set(&["**/*.tmp".to_string()]).unwrap();
        let tree = walk(&store, "memory:///", &Path::from("root"), &exclude, &|_| {})
            .await
            .unwrap();
        let files: Vec<String> = tree
            .folders
            .iter()
            .flat_map(|(rel, f)| {
                f.files
                    .iter()
                    .map(move |m| join(rel, m.location.filename().unwrap()))
            })
            .collect();
        assert_eq!(files, ["a.csv", "k=1/b.csv"]);
        assert_eq!(tree.excluded, ["k=1/b.tmp"]);
        assert_eq!(tree.too_deep.len(), 1);
        assert!(exclude_set(&["[".to_string()]).is_err());
    }
}

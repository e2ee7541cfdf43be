//! The local-disk store: object_store's `LocalFileSystem` with a faster recursive LIST.
//!
//! Listing is most of the time of a query the catalog answers from statistics: a lake of
//! 20,000 one-file partitions is 40,000 folder entries. `LocalFileSystem` walks the tree
//! on one thread and looks every file up three or four times by its full path; this
//! store walks folders on several threads and looks each file up once, relative to the
//! folder being read. Everything else (reads, writes, delimiter listings) is
//! `LocalFileSystem`'s own.
//!
//! The entries are exactly `LocalFileSystem`'s: the same location, size, modification
//! time and ETag (`{inode:x}-{mtime_micros:x}-{size:x}`), symbolic links followed (a link
//! back to a folder above it is an error, a dangling link is skipped), files only, and
//! object_store's upload staging files (`name#123`) left out. Statistics recorded by
//! `ANALYZE` are keyed by that ETag, so both listers must agree; a test compares them.

use std::fs::Metadata;
use std::io::ErrorKind;
use std::path::{Path as FsPath, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::SystemTime;
use std::{fmt, io};

use async_trait::async_trait;
use futures::stream::{self, BoxStream, StreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// Most threads one listing uses. Folder reads from the page cache are CPU-bound, from a
/// cold disk they wait: a few more threads than cores help the second case.
const MAX_LIST_THREADS: usize = 8;

/// A local folder (the whole file system by default) as an object store.
#[derive(Debug)]
pub struct LocalStore {
    inner: LocalFileSystem,
    /// The folder that object paths are relative to.
    root: PathBuf,
}

impl LocalStore {
    /// The whole file system: object paths are absolute paths without the leading `/`.
    pub fn new() -> Self {
        LocalStore {
            inner: LocalFileSystem::new(),
            root: PathBuf::from("/"),
        }
    }

    /// The folder `root` (which must exist): object paths are relative to it.
    pub fn with_root(root: &FsPath) -> Result<Self> {
        let inner = LocalFileSystem::new_with_prefix(root)?;
        let root = std::fs::canonicalize(root).map_err(|e| generic(root, e))?;
        Ok(LocalStore { inner, root })
    }

    /// The folder of `prefix`, and the object path its entries start with.
    fn folder(&self, prefix: Option<&Path>) -> (PathBuf, String) {
        let prefix = prefix.map(|p| p.as_ref().to_string()).unwrap_or_default();
        let mut folder = self.root.clone();
        folder.extend(prefix.split('/').filter(|part| !part.is_empty()));
        (folder, prefix)
    }
}

impl Default for LocalStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for LocalStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LocalStore({})", self.root.display())
    }
}

#[async_trait]
impl ObjectStore for LocalStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let (folder, prefix) = self.folder(prefix);
        stream::once(async move {
            if tokio::runtime::Handle::try_current().is_err() {
                return walk(folder, prefix);
            }
            tokio::task::spawn_blocking(move || walk(folder, prefix))
                .await
                .map_err(|e| generic(FsPath::new("/"), io::Error::other(e)))?
        })
        .flat_map(|walked| match walked {
            Ok(files) => stream::iter(files.into_iter().map(Ok)).boxed(),
            Err(e) => stream::iter([Err(e)]).boxed(),
        })
        .boxed()
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

/// A folder waiting to be read: where it is, its object path, and the real folders
/// from which links were followed to reach it (to refuse a link loop).
struct Folder {
    path: PathBuf,
    location: String,
    links: Arc<[PathBuf]>,
}

/// What the walking threads share.
struct Walk {
    state: Mutex<WalkState>,
    changed: Condvar,
}

#[derive(Default)]
struct WalkState {
    pending: Vec<Folder>,
    /// Threads reading a folder now.
    busy: usize,
    files: Vec<ObjectMeta>,
    error: Option<object_store::Error>,
}

/// Lists every file below `folder` (whose object path is `location`) on up to
/// [`MAX_LIST_THREADS`] threads, started as folders to read pile up.
fn walk(folder: PathBuf, location: String) -> Result<Vec<ObjectMeta>> {
    let walk = Walk {
        state: Mutex::new(WalkState {
            pending: vec![Folder {
                path: folder,
                location,
                links: Arc::from([]),
            }],
            ..WalkState::default()
        }),
        changed: Condvar::new(),
    };
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .clamp(2, MAX_LIST_THREADS);
    std::thread::scope(|scope| {
        let mut helpers = 1;
        while walk.step() {
            if helpers < threads && walk.backlog() > 1 {
                helpers += 1;
                scope.spawn(|| while walk.step() {});
            }
        }
    });
    let state = walk.state.into_inner().unwrap_or_else(|e| e.into_inner());
    match state.error {
        Some(e) => Err(e),
        None => Ok(state.files),
    }
}

impl Walk {
    fn lock(&self) -> std::sync::MutexGuard<'_, WalkState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn backlog(&self) -> usize {
        self.lock().pending.len()
    }

    /// Reads one folder. Returns false when the walk is over (nothing left and nobody
    /// reading, or an error).
    fn step(&self) -> bool {
        let folder = {
            let mut state = self.lock();
            loop {
                if state.error.is_some() {
                    return false;
                }
                if let Some(folder) = state.pending.pop() {
                    state.busy += 1;
                    break folder;
                }
                if state.busy == 0 {
                    return false;
                }
                state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
            }
        };
        let read = read_folder(&folder);
        let mut state = self.lock();
        state.busy -= 1;
        match read {
            Ok((files, folders)) => {
                state.files.extend(files);
                state.pending.extend(folders);
            }
            Err(e) => {
                state.error.get_or_insert(e);
            }
        }
        self.changed.notify_all();
        true
    }
}

/// The files and sub-folders of one folder. A folder that has gone (or is a file) has
/// none, as in `LocalFileSystem`.
fn read_folder(folder: &Folder) -> Result<(Vec<ObjectMeta>, Vec<Folder>)> {
    let entries = match std::fs::read_dir(&folder.path) {
        Ok(entries) => entries,
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => {
            return Ok(Default::default());
        }
        Err(e) => return Err(generic(&folder.path, e)),
    };
    let (mut files, mut folders) = (Vec::new(), Vec::new());
    for entry in entries {
        let entry = entry.map_err(|e| generic(&folder.path, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| generic(&path, e))?;
        // A link is followed; a dangling one is skipped.
        let target = if file_type.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(meta) => Some(meta),
                Err(_) => continue,
            }
        } else {
            None
        };
        let is_dir = target.as_ref().map_or(file_type.is_dir(), Metadata::is_dir);
        let is_file = target
            .as_ref()
            .map_or(file_type.is_file(), Metadata::is_file);
        if !is_dir && !is_file {
            continue;
        }
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            return Err(generic(
                &path,
                io::Error::new(ErrorKind::InvalidData, "the name is not UTF-8"),
            ));
        };
        let location = if folder.location.is_empty() {
            name
        } else {
            format!("{}/{name}", folder.location)
        };
        if is_dir {
            let links = match target {
                Some(_) => followed_link(folder, &path)?,
                None => folder.links.clone(),
            };
            folders.push(Folder {
                path,
                location,
                links,
            });
            continue;
        }
        let meta = match target {
            Some(meta) => meta,
            None => match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == ErrorKind::NotFound => continue,
                Err(e) => return Err(generic(&path, e)),
            },
        };
        let location = Path::parse(&location)?;
        if is_staging_file(&location) {
            continue;
        }
        files.push(object_meta(&meta, location));
    }
    Ok((files, folders))
}

/// Follows the link to a folder at `link` in `folder`, refusing one that points to a
/// folder the walk is inside (following it would never end), as walkdir does. Returns
/// the links followed to reach the target.
fn followed_link(folder: &Folder, link: &FsPath) -> Result<Arc<[PathBuf]>> {
    let target = std::fs::canonicalize(link).map_err(|e| generic(link, e))?;
    let parent = std::fs::canonicalize(&folder.path).map_err(|e| generic(&folder.path, e))?;
    // Every folder of the walk is above `parent` or above the folder a link was
    // followed from.
    let inside = std::iter::once(&parent)
        .chain(folder.links.iter())
        .any(|above| above.starts_with(&target));
    if inside {
        return Err(generic(
            link,
            io::Error::new(
                ErrorKind::InvalidInput,
                format!("symbolic link loop (it points to {})", target.display()),
            ),
        ));
    }
    Ok(folder.links.iter().cloned().chain([parent]).collect())
}

/// object_store's multipart staging files end in `#` and digits.
fn is_staging_file(location: &Path) -> bool {
    location
        .filename()
        .and_then(|name| name.split_once('#'))
        .is_some_and(|(_, suffix)| !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit()))
}

/// The entry `LocalFileSystem` gives for a file.
fn object_meta(meta: &Metadata, location: Path) -> ObjectMeta {
    let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
    let micros = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    let inode = inode(meta);
    let size = meta.len();
    ObjectMeta {
        location,
        last_modified: modified.into(),
        size,
        e_tag: Some(format!("{inode:x}-{micros:x}-{size:x}")),
        version: None,
    }
}

#[cfg(unix)]
fn inode(meta: &Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &Metadata) -> u64 {
    0
}

fn generic(path: &FsPath, e: io::Error) -> object_store::Error {
    object_store::Error::Generic {
        store: "LocalFileSystem",
        source: Box::new(io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    fn write(root: &FsPath, relative: &str, body: &[u8]) {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }

    async fn listed(store: &dyn ObjectStore, prefix: Option<&Path>) -> Vec<ObjectMeta> {
        let mut files: Vec<ObjectMeta> = store.list(prefix).try_collect().await.unwrap();
        files.sort_by(|a, b| a.location.cmp(&b.location));
        files
    }

    /// A tree with partitions, hidden files, links, a staging file and odd names.
    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for day in 0..40 {
            write(
                root,
                &format!("t/year=2024/day={day}/part-0.parquet"),
                b"data",
            );
        }
        write(root, "t/year=2024/day=1/_SUCCESS", b"");
        write(root, "t/.hidden/x", b"x");
        write(root, "t/dt=10%3A00/a b.csv", b"1,2\n");
        write(root, "t/upload#12", b"staging");
        write(root, "t/upload#v2", b"kept");
        write(root, "elsewhere/linked/f.json", b"{}");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("elsewhere/linked"), root.join("t/link")).unwrap();
            std::os::unix::fs::symlink(root.join("elsewhere/linked/f.json"), root.join("t/f"))
                .unwrap();
            std::os::unix::fs::symlink(root.join("missing"), root.join("t/dangling")).unwrap();
        }
        dir
    }

    #[tokio::test]
    async fn lists_exactly_what_local_file_system_lists() {
        let dir = tree();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        let ours = LocalStore::new();
        let theirs = LocalFileSystem::new();
        let prefix = Path::from_filesystem_path(root.join("t")).unwrap();
        let expected = listed(&theirs, Some(&prefix)).await;
        assert_eq!(expected.len(), 46);
        assert_eq!(listed(&ours, Some(&prefix)).await, expected);

        // A prefix that is missing or is a file lists nothing.
        let missing = Path::from_filesystem_path(root.join("t"))
            .unwrap()
            .join("none");
        assert!(listed(&ours, Some(&missing)).await.is_empty());
        let file = Path::from_filesystem_path(root.join("t/upload#v2")).unwrap();
        assert!(listed(&ours, Some(&file)).await.is_empty());

        // Relative to a root folder, as the buckets of `lakesql serve` are.
        let ours = LocalStore::with_root(&root).unwrap();
        let theirs = LocalFileSystem::new_with_prefix(&root).unwrap();
        let t = Path::from("t");
        assert_eq!(
            listed(&ours, Some(&t)).await,
            listed(&theirs, Some(&t)).await
        );
        assert_eq!(listed(&ours, None).await, listed(&theirs, None).await);
    }

    /// The error of listing `t/` in `root` after `links` (target, link) are made.
    #[cfg(unix)]
    async fn loop_error(links: &[(&str, &str)]) -> String {
        let dir = tree();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        for (target, link) in links {
            std::os::unix::fs::symlink(root.join(target), root.join(link)).unwrap();
        }
        let prefix = Path::from_filesystem_path(root.join("t")).unwrap();
        LocalStore::new()
            .list(Some(&prefix))
            .try_collect::<Vec<_>>()
            .await
            .unwrap_err()
            .to_string()
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_link_to_a_folder_above_is_an_error() {
        let err = loop_error(&[("t", "t/year=2024/up")]).await;
        assert!(err.contains("symbolic link loop"), "{err}");
        assert!(err.contains("year=2024/up"), "{err}");
    }

    /// A loop through two links (t/a → elsewhere, elsewhere/back → t) is found too.
    #[cfg(unix)]
    #[tokio::test]
    async fn a_loop_through_two_links_is_an_error() {
        let err = loop_error(&[("elsewhere", "t/a"), ("t", "elsewhere/back")]).await;
        assert!(err.contains("symbolic link loop"), "{err}");
    }
}

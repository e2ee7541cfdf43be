//! Decoded Parquet footers, kept per process so a file's footer is fetched once.
//!
//! DataFusion's own metadata cache is keyed by object path alone (`s3://a/x` and
//! `s3://b/x` would share an entry) and is private to one runtime, while `lakesql serve`
//! runs every query in a new session. This cache is keyed by store URL and path, checked
//! against the listing (size, modification time and ETag) on every use so a rewritten
//! file is never read with a stale footer, and shared by every session that is given it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use object_store::ObjectMeta;
use object_store::path::Path;
use parquet::file::metadata::ParquetMetaData;

/// The default memory budget: the footers (with page indexes) of about 5,000 small files
/// or a few hundred large ones. It bounds what a scan of many files holds on top of the
/// scan itself (a 20,000-file scan held 60 MiB of footers with a 64 MiB budget); past it,
/// the oldest footers go, and a file read again costs its footer read again.
pub const DEFAULT_FOOTER_BUDGET: usize = 16 * 1024 * 1024;

/// Footers of Parquet files by (store URL, path), valid while the file is unchanged.
#[derive(Debug)]
pub struct FooterCache {
    budget: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    by_key: HashMap<Key, Entry>,
    /// Insertion order, oldest first: the eviction order once over budget.
    order: VecDeque<Key>,
    bytes: usize,
}

type Key = (String, Path);

#[derive(Debug)]
struct Entry {
    size: u64,
    last_modified: chrono::DateTime<chrono::Utc>,
    e_tag: Option<String>,
    metadata: Arc<ParquetMetaData>,
    memory: usize,
}

impl Entry {
    /// Whether the entry describes the file `meta` lists: same size, modification time
    /// and (when both sides know it) ETag.
    fn describes(&self, meta: &ObjectMeta) -> bool {
        self.size == meta.size
            && self.last_modified == meta.last_modified
            && match (&self.e_tag, &meta.e_tag) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl Default for FooterCache {
    fn default() -> Self {
        Self::new(DEFAULT_FOOTER_BUDGET)
    }
}

impl FooterCache {
    /// A cache holding at most `budget` bytes of decoded footers.
    pub fn new(budget: usize) -> Self {
        FooterCache {
            budget,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The footer of `meta` in the store at `store_url`, if cached for this very version
    /// of the file; a stale entry is dropped.
    pub fn get(&self, store_url: &str, meta: &ObjectMeta) -> Option<Arc<ParquetMetaData>> {
        let mut inner = self.lock();
        let key = (store_url.to_string(), meta.location.clone());
        match inner.by_key.get(&key) {
            Some(entry) if entry.describes(meta) => Some(entry.metadata.clone()),
            Some(_) => {
                inner.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Keeps the footer of `meta`; evicts the oldest entries past the budget.
    pub fn insert(&self, store_url: &str, meta: &ObjectMeta, metadata: Arc<ParquetMetaData>) {
        let memory = metadata.memory_size();
        if memory > self.budget {
            return;
        }
        let mut inner = self.lock();
        let key = (store_url.to_string(), meta.location.clone());
        inner.remove(&key);
        inner.bytes += memory;
        inner.order.push_back(key.clone());
        inner.by_key.insert(
            key,
            Entry {
                size: meta.size,
                last_modified: meta.last_modified,
                e_tag: meta.e_tag.clone(),
                metadata,
                memory,
            },
        );
        while inner.bytes > self.budget {
            let Some(oldest) = inner.order.front().cloned() else {
                break;
            };
            inner.remove(&oldest);
        }
    }

    /// How many footers are held.
    pub fn len(&self) -> usize {
        self.lock().by_key.len()
    }

    /// Whether no footer is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves consistent maps (each step is complete).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Entries {
    fn remove(&mut self, key: &Key) {
        if let Some(entry) = self.by_key.remove(key) {
            self.bytes -= entry.memory;
            if let Some(at) = self.order.iter().position(|k| k == key) {
                self.order.remove(at);
            }
        }
    }
}

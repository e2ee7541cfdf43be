//! A short-lived cache of table definitions and partition listings, so the statements
//! of a session do not ask Glue the same thing again and again (a query plans against
//! the same table several times; a script queries it many times).
//!
//! An entry is used only while it is younger than the TTL (`glue://…?cache_ttl=30s`;
//! 0 turns caching off), so a query never uses partitions older than that. Every change
//! this store makes to a table drops that table's entries at once, and `REFRESH TABLE t`
//! drops them on request (for changes made elsewhere within the TTL). What does not exist
//! is never cached (a table or database created elsewhere is seen by the next statement),
//! and the list of databases is read once per statement.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::catalog::{Partition, Table};

/// The default TTL: long enough for a script's statements, short enough that a
/// partition registered elsewhere shows up within a query or two.
pub const DEFAULT_TTL: Duration = Duration::from_secs(30);

type TableKey = (String, String);

/// A table definition with Glue's `VersionId`; `None` when the table does not exist.
pub type CachedTable = Option<(Table, Option<String>)>;

/// A table and a listing's expression (`None`: all partitions).
type ListingKey = (TableKey, Option<String>);

/// A listing and when it was read.
type Listing = (Instant, Arc<Vec<Partition>>);

/// Cached answers, keyed by table.
#[derive(Debug)]
pub struct GlueCache {
    ttl: Duration,
    tables: Mutex<HashMap<TableKey, (Instant, CachedTable)>>,
    /// Listings by table and expression (`None`: all partitions).
    partitions: Mutex<HashMap<ListingKey, Listing>>,
}

impl GlueCache {
    /// A cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        GlueCache {
            ttl,
            tables: Mutex::new(HashMap::new()),
            partitions: Mutex::new(HashMap::new()),
        }
    }

    fn fresh(&self, at: Instant) -> bool {
        at.elapsed() < self.ttl
    }

    /// The cached definition of `db.name`, if fresh.
    pub fn table(&self, db: &str, name: &str) -> Option<CachedTable> {
        let tables = self.tables.lock().ok()?;
        let (at, table) = tables.get(&(db.to_string(), name.to_string()))?;
        self.fresh(*at).then(|| table.clone())
    }

    /// Keeps a definition just read.
    pub fn put_table(&self, db: &str, name: &str, table: CachedTable) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut tables) = self.tables.lock() {
            tables.retain(|_, (at, _)| at.elapsed() < self.ttl);
            tables.insert((db.to_string(), name.to_string()), (Instant::now(), table));
        }
    }

    /// The cached listing of `db.name` for `expression`, if fresh.
    pub fn partitions(
        &self,
        db: &str,
        name: &str,
        expression: Option<&str>,
    ) -> Option<Arc<Vec<Partition>>> {
        let listings = self.partitions.lock().ok()?;
        let key = (
            (db.to_string(), name.to_string()),
            expression.map(str::to_string),
        );
        let (at, listing) = listings.get(&key)?;
        self.fresh(*at).then(|| listing.clone())
    }

    /// Keeps a listing just read.
    pub fn put_partitions(
        &self,
        db: &str,
        name: &str,
        expression: Option<&str>,
        listing: Arc<Vec<Partition>>,
    ) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut listings) = self.partitions.lock() {
            listings.retain(|_, (at, _)| at.elapsed() < self.ttl);
            let key = (
                (db.to_string(), name.to_string()),
                expression.map(str::to_string),
            );
            listings.insert(key, (Instant::now(), listing));
        }
    }

    /// Drops everything cached about `db.name` (`None`: every table of `db`).
    pub fn forget(&self, db: &str, name: Option<&str>) {
        let matches = |key: &TableKey| key.0 == db && name.is_none_or(|n| key.1 == n);
        if let Ok(mut tables) = self.tables.lock() {
            tables.retain(|key, _| !matches(key));
        }
        if let Ok(mut listings) = self.partitions.lock() {
            listings.retain(|(key, _), _| !matches(key));
        }
    }
}

/// Forgets a table's (or database's) entries when dropped: held by a method that
/// changes them, so the entries go whichever way the method returns, after its change.
#[must_use]
pub struct ForgetWhenDone<'a> {
    cache: &'a GlueCache,
    db: String,
    name: Option<String>,
}

impl GlueCache {
    /// A guard forgetting `db.name` (`None`: all of `db`) when it is dropped.
    pub fn forget_when_done(&self, db: &str, name: Option<&str>) -> ForgetWhenDone<'_> {
        ForgetWhenDone {
            cache: self,
            db: db.to_string(),
            name: name.map(str::to_string),
        }
    }
}

impl Drop for ForgetWhenDone<'_> {
    fn drop(&mut self) {
        self.cache.forget(&self.db, self.name.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::StorageDescriptor;

    fn table() -> CachedTable {
        Some((
            Table::external("db", "t", StorageDescriptor::default()),
            None,
        ))
    }

    #[test]
    fn entries_expire_and_are_forgotten() {
        let cache = GlueCache::new(Duration::from_millis(50));
        cache.put_table("db", "t", table());
        cache.put_partitions("db", "t", Some("a = 1"), Arc::new(vec![]));
        assert!(cache.table("db", "t").is_some());
        assert!(cache.partitions("db", "t", Some("a = 1")).is_some());
        assert!(cache.partitions("db", "t", None).is_none());
        cache.forget("db", Some("t"));
        assert!(cache.table("db", "t").is_none());
        assert!(cache.partitions("db", "t", Some("a = 1")).is_none());
        cache.put_table("db", "t", table());
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.table("db", "t").is_none());
    }

    #[test]
    fn a_zero_ttl_keeps_nothing() {
        let cache = GlueCache::new(Duration::ZERO);
        cache.put_table("db", "t", table());
        assert!(cache.table("db", "t").is_none());
    }
}

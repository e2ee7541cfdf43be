//! The embedded catalog store: one SQLite file.
//!
//! Safe under crashes and concurrent sessions: the file is in WAL mode with full sync,
//! every change is one `BEGIN IMMEDIATE` transaction, and readers never block writers.
//! Definitions are stored as Glue-shaped JSON. Partitions are rows keyed by
//! (database, table, spec), where the spec is Hive's escaped `k1=v1/k2=v2` path: it is
//! unambiguous, sorts the way `SHOW PARTITIONS` prints, and is what MSCK compares with the
//! folders it finds. A table with a million partitions loads with one indexed range scan,
//! and a per-table `partition_version`, bumped by every partition change, lets readers
//! cache what they loaded.

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::model::now_seconds;
use super::partition_path::parse_partition_path;
use async_trait::async_trait;

use super::rules::spec_of;
use super::statistics::{FileStatistics, StatisticsScope};
use super::{
    CatalogStore, DEFAULT_DATABASE, Database, Partition, PartitionLocation, Table, TableChange,
    WriteRecord, check_droppable_database,
};
use crate::error::{CatalogError, ErrorCode, LakeError, Result};

/// Version of the SQLite schema this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS databases (
    name        TEXT PRIMARY KEY,
    definition  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tables (
    db                TEXT NOT NULL REFERENCES databases(name),
    name              TEXT NOT NULL,
    definition        TEXT NOT NULL,
    partition_version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (db, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (key, value) VALUES ('version', 0);
CREATE TABLE IF NOT EXISTS partitions (
    db          TEXT NOT NULL,
    tbl         TEXT NOT NULL,
    spec        TEXT NOT NULL,
    location    TEXT NOT NULL,
    parameters  TEXT NOT NULL,
    create_time INTEGER NOT NULL,
    PRIMARY KEY (db, tbl, spec),
    FOREIGN KEY (db, tbl) REFERENCES tables(db, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS file_statistics (
    db          TEXT NOT NULL,
    tbl         TEXT NOT NULL,
    path        TEXT NOT NULL,
    location    TEXT NOT NULL,
    statistics  TEXT NOT NULL,
    PRIMARY KEY (db, tbl, path),
    FOREIGN KEY (db, tbl) REFERENCES tables(db, name) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS file_statistics_by_location
    ON file_statistics (db, tbl, location);
";

/// Refuses a catalog file cut short: SQLite reads such a file until it reaches a missing
/// page, and a write to it would make the damage permanent. The header (first 100 bytes)
/// gives the page size and, when valid, the page count. A file with a write-ahead log
/// beside it is left to SQLite: its newest pages may be in the log.
fn check_header(path: &Path) -> Result<()> {
    use std::io::Read;
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let mut header = [0u8; 100];
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 || wal_path(path).exists() {
        return Ok(());
    }
    if len < 100 || file.read_exact(&mut header).is_err() {
        return Err(damaged(
            path,
            format!("it is {len} bytes long, too short for SQLite"),
        ));
    }
    if !header.starts_with(b"SQLite format 3\0") {
        return Err(damaged(path, "it is not an SQLite database".to_string()));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes(
        header[28..32].try_into().unwrap_or_default(),
    ));
    // The page count is valid when "version-valid-for" matches the change counter.
    let valid = header[92..96] == header[24..28];
    if valid && pages * page_size > len {
        return Err(damaged(
            path,
            format!(
                "it is cut short: {len} bytes, where its header says {} ({pages} pages)",
                pages * page_size
            ),
        ));
    }
    Ok(())
}

/// The write-ahead log SQLite keeps beside `path`.
fn wal_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push("-wal");
    std::path::PathBuf::from(name)
}

fn damaged(path: &Path, why: String) -> LakeError {
    LakeError::semantic(
        ErrorCode::CatalogError,
        format!(
            "catalog file {} is damaged or not a catalog: {why}",
            path.display()
        ),
    )
}

/// SQLite's errors are the catalog backend's errors.
impl From<rusqlite::Error> for LakeError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DiskFull, SystemIoFailure};
        match e.sqlite_error_code() {
            // The failed transaction is rolled back: say what to look at.
            Some(DiskFull | SystemIoFailure) => LakeError::Catalog(CatalogError::new(format!(
                "{e}: the catalog file could not be written (is the disk full?); the \
                 change was rolled back"
            ))),
            _ => LakeError::Catalog(CatalogError::new(e)),
        }
    }
}

/// The SQLite-backed [`CatalogStore`].
///
/// Cloning is cheap and shares the connection. Writes and partition listings run on tokio's
/// blocking pool: a write may wait up to 30 s for another process's lock, and a
/// million-partition read takes a while, neither of which may stall the runtime. Point
/// reads run in place when the connection is free (see `read`).
#[derive(Clone, Debug)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    /// Opened with [`OpenMode::ReadOnly`]: every change is refused up front.
    read_only: bool,
}

/// How [`SqliteStore::open_with`] opens a catalog file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read and write, creating the file (and its folder) when missing.
    ReadWrite,
    /// Read only: the file must exist, and nothing is ever written to it.
    ReadOnly,
}

impl SqliteStore {
    /// Opens (creating if needed) the catalog file at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, OpenMode::ReadWrite)
    }

    /// Opens the catalog file at `path`. A file that is not a catalog, is cut short, or
    /// was written by a newer lakesql is refused with nothing written to it.
    pub fn open_with(path: &Path, mode: OpenMode) -> Result<Self> {
        let named = |err: LakeError| match err {
            LakeError::Catalog(err) => LakeError::semantic(
                ErrorCode::CatalogError,
                format!("cannot open catalog file {}: {err}", path.display()),
            ),
            other => other,
        };
        check_header(path).map_err(named)?;
        let conn = match mode {
            OpenMode::ReadWrite => {
                if let Some(dir) = path.parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        LakeError::io(format!("cannot create catalog folder {}", dir.display()), e)
                    })?;
                }
                Connection::open(path)?
            }
            OpenMode::ReadOnly => {
                if !path.is_file() {
                    return Err(LakeError::semantic(
                        ErrorCode::CatalogError,
                        format!(
                            "catalog file {} does not exist (a read-only catalog is not created)",
                            path.display()
                        ),
                    ));
                }
                Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?
            }
        };
        Self::init(conn, Some(mode)).map_err(named)
    }

    /// An in-memory catalog (tests, throw-away sessions).
    pub fn in_memory() -> Result<Self> {
        Self::init(Connection::open_in_memory()?, None)
    }

    /// Opens a file that keeps `ANALYZE` statistics for tables defined elsewhere (a
    /// remote catalog): the statistics no longer have to belong to a table of this file.
    /// Use [`SqliteStore::keep_statistics`], [`SqliteStore::forget_statistics`] and
    /// `file_statistics` on it.
    pub fn open_statistics_keeper(path: Option<&Path>, mode: OpenMode) -> Result<Self> {
        let store = match path {
            Some(path) => Self::open_with(path, mode)?,
            None => Self::in_memory()?,
        };
        store.conn().pragma_update(None, "foreign_keys", "OFF")?;
        Ok(store)
    }

    /// Checks the schema version, then (read-write) brings the schema up to this build's.
    /// `file` is `None` in memory, which has no journal file to put in WAL mode.
    fn init(mut conn: Connection, file: Option<OpenMode>) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(30))?;
        // Reading the version first: nothing is written to a file this build cannot use.
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(LakeError::semantic(
                ErrorCode::CatalogError,
                format!(
                    "catalog schema version {version} is newer than this lakesql supports \
                     ({SCHEMA_VERSION}); upgrade lakesql"
                ),
            ));
        }
        if file == Some(OpenMode::ReadOnly) {
            if version < SCHEMA_VERSION {
                return Err(LakeError::semantic(
                    ErrorCode::CatalogError,
                    format!(
                        "catalog schema version {version} is older than this lakesql's \
                         ({SCHEMA_VERSION}); open it once without --read-only to upgrade it"
                    ),
                ));
            }
            return Ok(Self::from_connection(conn, true));
        }
        if file.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        if version < SCHEMA_VERSION {
            Self::upgrade(&mut conn)?;
        }
        Ok(Self::from_connection(conn, false))
    }

    /// Creates what is missing of the schema, and the `default` database.
    fn upgrade(conn: &mut Connection) -> Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        let default = Database {
            name: DEFAULT_DATABASE.to_string(),
            description: Some("Default database".to_string()),
            location_uri: None,
            parameters: Default::default(),
            create_time: now_seconds(),
        };
        tx.execute(
            "INSERT OR IGNORE INTO databases (name, definition) VALUES (?1, ?2)",
            params![default.name, to_json(&default)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn from_connection(conn: Connection, read_only: bool) -> Self {
        SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            read_only,
        }
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the blocking pool with a handle to this store.
    async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&SqliteStore) -> Result<T> + Send + 'static,
    {
        let store = self.clone();
        tokio::task::spawn_blocking(move || f(&store)).await?
    }

    /// Runs a point read. Uncontended, it takes microseconds (WAL readers never wait for
    /// writers), so it runs right here, saving a thread hand-off per catalog call; while
    /// another task holds the connection (a long write) it waits on the blocking pool
    /// instead of stalling the runtime.
    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        match self.read_if_free(f) {
            Ok(done) => done,
            Err(f) => self.blocking(move |s| f(&s.conn())).await,
        }
    }

    /// Runs `f` on the connection if no one holds it; hands `f` back otherwise.
    fn read_if_free<T, F>(&self, f: F) -> std::result::Result<Result<T>, F>
    where
        F: FnOnce(&Connection) -> Result<T>,
    {
        match self.conn.try_lock() {
            Ok(conn) => Ok(f(&conn)),
            // A panic cannot leave SQLite inconsistent (see `conn`).
            Err(TryLockError::Poisoned(poisoned)) => Ok(f(&poisoned.into_inner())),
            Err(TryLockError::WouldBlock) => Err(f),
        }
    }

    /// Runs `f` in one immediate (write) transaction; `READ_ONLY_VIOLATION` when the
    /// file was opened read-only, whichever front end asked (shell, Glue API, Athena).
    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        if self.read_only {
            return Err(LakeError::semantic(
                ErrorCode::ReadOnlyViolation,
                "the catalog is open read-only (--read-only): nothing was changed",
            ));
        }
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value)
        .map_err(|e| LakeError::semantic(ErrorCode::CatalogError, format!("cannot encode: {e}")))
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| {
        LakeError::semantic(
            ErrorCode::CatalogError,
            format!("catalog entry for {what} is unreadable: {e}"),
        )
    })
}

/// Inserts a new table row (the caller checked that the name is free); its database must
/// exist.
fn insert_table(tx: &Connection, table: &Table) -> Result<()> {
    let db_exists = tx
        .query_row(
            "SELECT 1 FROM databases WHERE name = ?1",
            params![table.database_name],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !db_exists {
        return Err(LakeError::database_not_found(&table.database_name));
    }
    tx.execute(
        "INSERT INTO tables (db, name, definition, partition_version)
         VALUES (?1, ?2, ?3, ?4)",
        params![
            table.database_name,
            table.name,
            to_json(table)?,
            next_version(tx)?
        ],
    )?;
    Ok(())
}

/// Replaces an existing table's definition.
fn write_definition(tx: &Connection, db: &str, name: &str, table: &Table) -> Result<()> {
    tx.execute(
        "UPDATE tables SET definition = ?3 WHERE db = ?1 AND name = ?2",
        params![db, name, to_json(table)?],
    )?;
    Ok(())
}

fn already_exists(table: &Table) -> LakeError {
    LakeError::semantic(
        ErrorCode::AlreadyExists,
        format!("Table '{}' already exists", table.qualified_name()),
    )
}

fn table_exists(tx: &Connection, db: &str, name: &str) -> Result<bool> {
    Ok(tx
        .query_row(
            "SELECT 1 FROM tables WHERE db = ?1 AND name = ?2",
            params![db, name],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The partition key names of a table, or `TABLE_NOT_FOUND`.
fn partition_keys(tx: &Connection, db: &str, name: &str) -> Result<Vec<String>> {
    let def: Option<String> = tx
        .query_row(
            "SELECT definition FROM tables WHERE db = ?1 AND name = ?2",
            params![db, name],
            |r| r.get(0),
        )
        .optional()?;
    let def = def.ok_or_else(|| LakeError::table_not_found(db, name))?;
    let table: Table = from_json(&format!("{db}.{name}"), &def)?;
    Ok(table.partition_keys.into_iter().map(|k| k.name).collect())
}

/// The next value of the catalog-wide version counter: never reused, so a table that is
/// dropped and created again cannot be mistaken for its earlier self by a cache.
fn next_version(tx: &Connection) -> Result<i64> {
    Ok(tx.query_row(
        "UPDATE meta SET value = value + 1 WHERE key = 'version' RETURNING value",
        [],
        |r| r.get(0),
    )?)
}

fn bump_partition_version(tx: &Connection, db: &str, table: &str) -> Result<()> {
    let version = next_version(tx)?;
    tx.execute(
        "UPDATE tables SET partition_version = ?3 WHERE db = ?1 AND name = ?2",
        params![db, table, version],
    )?;
    Ok(())
}

fn insert_partitions(
    tx: &Connection,
    db: &str,
    table: &str,
    keys: &[String],
    partitions: &[Partition],
    if_not_exists: bool,
) -> Result<usize> {
    let mut stmt = tx.prepare_cached(
        "INSERT OR IGNORE INTO partitions (db, tbl, spec, location, parameters, create_time)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut added = 0;
    for p in partitions {
        let spec = spec_of(keys, &p.values, db, table)?;
        let n = stmt.execute(params![
            db,
            table,
            spec,
            p.location,
            to_json(&p.parameters)?,
            p.create_time
        ])?;
        if n == 0 && !if_not_exists {
            return Err(LakeError::semantic(
                ErrorCode::AlreadyExists,
                format!("Partition {spec} already exists in table {db}.{table}"),
            ));
        }
        added += n;
    }
    Ok(added)
}

fn delete_partitions(
    tx: &Connection,
    db: &str,
    table: &str,
    keys: &[String],
    values: &[Vec<String>],
    if_exists: bool,
) -> Result<usize> {
    let mut stmt =
        tx.prepare_cached("DELETE FROM partitions WHERE db = ?1 AND tbl = ?2 AND spec = ?3")?;
    let mut removed = 0;
    for v in values {
        let spec = spec_of(keys, v, db, table)?;
        drop_partition_statistics(tx, db, table, &spec, None)?;
        let n = stmt.execute(params![db, table, spec])?;
        if n == 0 && !if_exists {
            return Err(LakeError::semantic(
                ErrorCode::PartitionNotFound,
                format!("Partition {spec} does not exist in table {db}.{table}"),
            ));
        }
        removed += n;
    }
    Ok(removed)
}

/// Drops the file statistics found in partition `spec`'s folder, unless the folder is
/// `keep` (a partition moved to where it already is).
/// Adds (or replaces, by path) file statistics entries of a table.
fn insert_file_statistics(
    tx: &Connection,
    db: &str,
    table: &str,
    files: &[FileStatistics],
) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT OR REPLACE INTO file_statistics (db, tbl, path, location, statistics)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for f in files {
        insert.execute(params![db, table, f.path, f.location, to_json(f)?])?;
    }
    Ok(())
}

/// Replaces a table's statistics entries within `scope` by `files`.
fn replace_statistics_in(
    tx: &Connection,
    db: &str,
    table: &str,
    scope: &StatisticsScope,
    files: &[FileStatistics],
) -> Result<()> {
    match scope {
        StatisticsScope::Table => {
            tx.execute(
                "DELETE FROM file_statistics WHERE db = ?1 AND tbl = ?2",
                params![db, table],
            )?;
        }
        StatisticsScope::Locations(locations) => {
            let mut delete = tx.prepare_cached(
                "DELETE FROM file_statistics WHERE db = ?1 AND tbl = ?2 AND location = ?3",
            )?;
            for location in locations {
                delete.execute(params![db, table, location])?;
            }
        }
    }
    insert_file_statistics(tx, db, table, files)
}

fn drop_partition_statistics(
    tx: &Connection,
    db: &str,
    table: &str,
    spec: &str,
    keep: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM file_statistics WHERE db = ?1 AND tbl = ?2 AND location =
             (SELECT location FROM partitions WHERE db = ?1 AND tbl = ?2 AND spec = ?3)
         AND location IS NOT ?4",
    )?
    .execute(params![db, table, spec, keep])?;
    Ok(())
}

#[async_trait]
impl CatalogStore for SqliteStore {
    async fn list_databases(&self) -> Result<Vec<Database>> {
        self.read(Self::list_databases_now).await
    }

    async fn get_database(&self, name: &str) -> Result<Option<Database>> {
        let name = name.to_string();
        self.read(move |c| Self::get_database_now(c, &name)).await
    }

    async fn create_database(&self, db: &Database, if_not_exists: bool) -> Result<bool> {
        let db = db.clone();
        self.blocking(move |s| s.create_database_now(&db, if_not_exists))
            .await
    }

    async fn drop_database(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool> {
        let name = name.to_string();
        self.blocking(move |s| s.drop_database_now(&name, if_exists, cascade))
            .await
    }

    async fn list_tables(&self, db: &str) -> Result<Vec<String>> {
        let db = db.to_string();
        self.read(move |c| Self::list_tables_now(c, &db)).await
    }

    async fn get_table(&self, db: &str, name: &str) -> Result<Option<Table>> {
        let (db, name) = (db.to_string(), name.to_string());
        self.read(move |c| Self::get_table_now(c, &db, &name)).await
    }

    async fn create_table(&self, table: &Table, if_not_exists: bool) -> Result<bool> {
        let table = table.clone();
        self.blocking(move |s| s.create_table_now(&table, if_not_exists))
            .await
    }

    async fn modify_table(&self, db: &str, name: &str, change: TableChange) -> Result<Table> {
        let (db, name) = (db.to_string(), name.to_string());
        self.blocking(move |s| s.modify_table_now(&db, &name, change))
            .await
    }

    async fn drop_table(&self, db: &str, name: &str, if_exists: bool) -> Result<bool> {
        let (db, name) = (db.to_string(), name.to_string());
        self.blocking(move |s| s.drop_table_now(&db, &name, if_exists))
            .await
    }

    async fn add_partitions(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize> {
        let (db, table, partitions) = (db.to_string(), table.to_string(), partitions.to_vec());
        self.blocking(move |s| s.add_partitions_now(&db, &table, &partitions, if_not_exists))
            .await
    }

    async fn drop_partitions(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize> {
        let (db, table, values) = (db.to_string(), table.to_string(), values.to_vec());
        self.blocking(move |s| s.drop_partitions_now(&db, &table, &values, if_exists))
            .await
    }

    async fn sync_partitions(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)> {
        let (db, table) = (db.to_string(), table.to_string());
        let (add, drop) = (add.to_vec(), drop.to_vec());
        self.blocking(move |s| s.sync_partitions_now(&db, &table, &add, &drop))
            .await
    }

    async fn save_crawled_table(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        let (table, partitions) = (table.clone(), partitions.to_vec());
        self.blocking(move |s| s.save_crawled_table_now(&table, create, &partitions))
            .await
    }

    async fn update_partition(&self, db: &str, table: &str, partition: &Partition) -> Result<()> {
        let (db, table, partition) = (db.to_string(), table.to_string(), partition.clone());
        self.blocking(move |s| s.update_partition_now(&db, &table, &partition))
            .await
    }

    async fn list_partitions(&self, db: &str, table: &str) -> Result<Vec<Partition>> {
        let (db, table) = (db.to_string(), table.to_string());
        self.blocking(move |s| s.list_partitions_now(&db, &table))
            .await
    }

    async fn partition_locations(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>> {
        let (db, table) = (db.to_string(), table.to_string());
        self.blocking(move |s| s.partition_locations_now(&db, &table))
            .await
    }

    async fn partition_version(&self, db: &str, table: &str) -> Result<Option<i64>> {
        let (db, table) = (db.to_string(), table.to_string());
        self.read(move |c| Self::partition_version_now(c, &db, &table).map(Some))
            .await
    }

    async fn replace_file_statistics(
        &self,
        db: &str,
        table: &str,
        scope: &StatisticsScope,
        files: &[FileStatistics],
    ) -> Result<()> {
        let (db, table, scope, files) = (
            db.to_string(),
            table.to_string(),
            scope.clone(),
            files.to_vec(),
        );
        self.blocking(move |s| s.replace_file_statistics_now(&db, &table, &scope, &files))
            .await
    }

    async fn record_write(&self, record: &WriteRecord) -> Result<usize> {
        let record = record.clone();
        self.blocking(move |s| s.record_write_now(&record)).await
    }

    async fn file_statistics(
        &self,
        db: &str,
        table: &str,
        locations: Option<&[String]>,
    ) -> Result<Vec<FileStatistics>> {
        let (db, table) = (db.to_string(), table.to_string());
        let locations = locations.map(<[String]>::to_vec);
        self.read(move |conn| Self::file_statistics_now(conn, &db, &table, locations.as_deref()))
            .await
    }

    async fn count_partitions(&self, db: &str, table: &str) -> Result<usize> {
        let (db, table) = (db.to_string(), table.to_string());
        // A range count over up to millions of rows: not a point read.
        self.blocking(move |s| Self::count_partitions_now(&s.conn(), &db, &table))
            .await
    }
}

/// The synchronous work of each contract method, run on the blocking pool.
impl SqliteStore {
    fn list_databases_now(conn: &Connection) -> Result<Vec<Database>> {
        let mut stmt =
            conn.prepare_cached("SELECT name, definition FROM databases ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        rows.map(|r| {
            let (name, def) = r?;
            from_json(&name, &def)
        })
        .collect()
    }

    fn get_database_now(conn: &Connection, name: &str) -> Result<Option<Database>> {
        let def: Option<String> = conn
            .query_row(
                "SELECT definition FROM databases WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()?;
        def.map(|d| from_json(name, &d)).transpose()
    }

    fn create_database_now(&self, db: &Database, if_not_exists: bool) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT OR IGNORE INTO databases (name, definition) VALUES (?1, ?2)",
                params![db.name, to_json(db)?],
            )?;
            if n == 0 && !if_not_exists {
                return Err(LakeError::semantic(
                    ErrorCode::AlreadyExists,
                    format!("Database '{}' already exists", db.name),
                ));
            }
            Ok(n > 0)
        })
    }

    fn drop_database_now(&self, name: &str, if_exists: bool, cascade: bool) -> Result<bool> {
        check_droppable_database(name)?;
        self.write(|tx| {
            let exists = tx
                .query_row(
                    "SELECT 1 FROM databases WHERE name = ?1",
                    params![name],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !exists {
                return if if_exists {
                    Ok(false)
                } else {
                    Err(LakeError::database_not_found(name))
                };
            }
            let tables: i64 = tx.query_row(
                "SELECT count(*) FROM tables WHERE db = ?1",
                params![name],
                |r| r.get(0),
            )?;
            if tables > 0 && !cascade {
                return Err(LakeError::semantic(
                    ErrorCode::SchemaNotEmpty,
                    format!(
                        "Database '{name}' has {tables} table(s); drop them first or use CASCADE"
                    ),
                ));
            }
            tx.execute("DELETE FROM file_statistics WHERE db = ?1", params![name])?;
            tx.execute("DELETE FROM partitions WHERE db = ?1", params![name])?;
            tx.execute("DELETE FROM tables WHERE db = ?1", params![name])?;
            tx.execute("DELETE FROM databases WHERE name = ?1", params![name])?;
            Ok(true)
        })
    }

    fn list_tables_now(conn: &Connection, db: &str) -> Result<Vec<String>> {
        let mut stmt =
            conn.prepare_cached("SELECT name FROM tables WHERE db = ?1 ORDER BY name")?;
        let rows = stmt.query_map(params![db], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn get_table_now(conn: &Connection, db: &str, name: &str) -> Result<Option<Table>> {
        let def: Option<String> = conn
            .query_row(
                "SELECT definition FROM tables WHERE db = ?1 AND name = ?2",
                params![db, name],
                |r| r.get(0),
            )
            .optional()?;
        def.map(|d| from_json(&format!("{db}.{name}"), &d))
            .transpose()
    }

    fn create_table_now(&self, table: &Table, if_not_exists: bool) -> Result<bool> {
        self.write(|tx| {
            if table_exists(tx, &table.database_name, &table.name)? {
                return if if_not_exists {
                    Ok(false)
                } else {
                    Err(already_exists(table))
                };
            }
            insert_table(tx, table)?;
            Ok(true)
        })
    }

    fn modify_table_now(&self, db: &str, name: &str, mut change: TableChange) -> Result<Table> {
        self.write(|tx| {
            let def: Option<String> = tx
                .query_row(
                    "SELECT definition FROM tables WHERE db = ?1 AND name = ?2",
                    params![db, name],
                    |r| r.get(0),
                )
                .optional()?;
            let def = def.ok_or_else(|| LakeError::table_not_found(db, name))?;
            let mut table: Table = from_json(&format!("{db}.{name}"), &def)?;
            change(&mut table)?;
            write_definition(tx, db, name, &table)?;
            Ok(table)
        })
    }

    fn drop_table_now(&self, db: &str, name: &str, if_exists: bool) -> Result<bool> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM file_statistics WHERE db = ?1 AND tbl = ?2",
                params![db, name],
            )?;
            tx.execute(
                "DELETE FROM partitions WHERE db = ?1 AND tbl = ?2",
                params![db, name],
            )?;
            let n = tx.execute(
                "DELETE FROM tables WHERE db = ?1 AND name = ?2",
                params![db, name],
            )?;
            if n == 0 && !if_exists {
                return Err(LakeError::table_not_found(db, name));
            }
            Ok(n > 0)
        })
    }

    fn add_partitions_now(
        &self,
        db: &str,
        table: &str,
        partitions: &[Partition],
        if_not_exists: bool,
    ) -> Result<usize> {
        self.write(|tx| {
            let keys = partition_keys(tx, db, table)?;
            let added = insert_partitions(tx, db, table, &keys, partitions, if_not_exists)?;
            bump_partition_version(tx, db, table)?;
            Ok(added)
        })
    }

    fn drop_partitions_now(
        &self,
        db: &str,
        table: &str,
        values: &[Vec<String>],
        if_exists: bool,
    ) -> Result<usize> {
        self.write(|tx| {
            let keys = partition_keys(tx, db, table)?;
            let removed = delete_partitions(tx, db, table, &keys, values, if_exists)?;
            bump_partition_version(tx, db, table)?;
            Ok(removed)
        })
    }

    fn sync_partitions_now(
        &self,
        db: &str,
        table: &str,
        add: &[Partition],
        drop: &[Vec<String>],
    ) -> Result<(usize, usize)> {
        self.write(|tx| {
            let keys = partition_keys(tx, db, table)?;
            let removed = delete_partitions(tx, db, table, &keys, drop, true)?;
            let added = insert_partitions(tx, db, table, &keys, add, true)?;
            bump_partition_version(tx, db, table)?;
            Ok((added, removed))
        })
    }

    fn save_crawled_table_now(
        &self,
        table: &Table,
        create: bool,
        partitions: &[Partition],
    ) -> Result<usize> {
        let (db, name) = (&table.database_name, &table.name);
        self.write(|tx| {
            let exists = table_exists(tx, db, name)?;
            match (create, exists) {
                (true, true) => return Err(already_exists(table)),
                (true, false) => insert_table(tx, table)?,
                (false, true) => write_definition(tx, db, name, table)?,
                (false, false) => return Err(LakeError::table_not_found(db, name)),
            }
            let keys = partition_keys(tx, db, name)?;
            let added = insert_partitions(tx, db, name, &keys, partitions, true)?;
            bump_partition_version(tx, db, name)?;
            Ok(added)
        })
    }

    fn update_partition_now(&self, db: &str, table: &str, partition: &Partition) -> Result<()> {
        self.write(|tx| {
            let keys = partition_keys(tx, db, table)?;
            let spec = spec_of(&keys, &partition.values, db, table)?;
            drop_partition_statistics(tx, db, table, &spec, Some(&partition.location))?;
            let n = tx.execute(
                "UPDATE partitions SET location = ?4, parameters = ?5
                 WHERE db = ?1 AND tbl = ?2 AND spec = ?3",
                params![
                    db,
                    table,
                    spec,
                    partition.location,
                    to_json(&partition.parameters)?
                ],
            )?;
            if n == 0 {
                return Err(LakeError::semantic(
                    ErrorCode::PartitionNotFound,
                    format!("Partition {spec} does not exist in table {db}.{table}"),
                ));
            }
            bump_partition_version(tx, db, table)?;
            Ok(())
        })
    }

    fn list_partitions_now(&self, db: &str, table: &str) -> Result<Vec<Partition>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT spec, location, parameters, create_time FROM partitions
             WHERE db = ?1 AND tbl = ?2 ORDER BY spec",
        )?;
        let what = format!("{db}.{table}");
        let rows = stmt.query_map(params![db, table], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        rows.map(|row| {
            let (spec, location, parameters, create_time) = row?;
            Ok(Partition {
                values: parse_partition_path(&spec)
                    .into_iter()
                    .map(|(_, v)| v)
                    .collect(),
                location,
                parameters: from_json(&what, &parameters)?,
                create_time,
            })
        })
        .collect()
    }

    fn partition_locations_now(&self, db: &str, table: &str) -> Result<Vec<PartitionLocation>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT spec, location FROM partitions WHERE db = ?1 AND tbl = ?2 ORDER BY spec",
        )?;
        let rows = stmt.query_map(params![db, table], |r| {
            Ok(PartitionLocation {
                spec: r.get(0)?,
                location: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn partition_version_now(conn: &Connection, db: &str, table: &str) -> Result<i64> {
        let version: Option<i64> = conn
            .query_row(
                "SELECT partition_version FROM tables WHERE db = ?1 AND name = ?2",
                params![db, table],
                |r| r.get(0),
            )
            .optional()?;
        version.ok_or_else(|| LakeError::table_not_found(db, table))
    }

    fn replace_file_statistics_now(
        &self,
        db: &str,
        table: &str,
        scope: &StatisticsScope,
        files: &[FileStatistics],
    ) -> Result<()> {
        self.write(|tx| {
            if !table_exists(tx, db, table)? {
                return Err(LakeError::table_not_found(db, table));
            }
            replace_statistics_in(tx, db, table, scope, files)
        })
    }

    /// Replaces the statistics of `db.table` within `scope` (`None`: only entries of the
    /// same paths) whether or not the table is in this file: for a catalog kept
    /// elsewhere (Glue) whose statistics this file holds.
    pub async fn keep_statistics(
        &self,
        db: &str,
        table: &str,
        scope: Option<&StatisticsScope>,
        files: &[FileStatistics],
    ) -> Result<()> {
        let (db, table, scope, files) = (
            db.to_string(),
            table.to_string(),
            scope.cloned(),
            files.to_vec(),
        );
        self.blocking(move |s| {
            s.write(|tx| match &scope {
                Some(scope) => replace_statistics_in(tx, &db, &table, scope, &files),
                None => insert_file_statistics(tx, &db, &table, &files),
            })
        })
        .await
    }

    /// Removes the statistics of a database (`table` `None`), a table, or the given
    /// folders of a table, kept by [`SqliteStore::keep_statistics`].
    pub async fn forget_statistics(
        &self,
        db: &str,
        table: Option<&str>,
        locations: Option<&[String]>,
    ) -> Result<()> {
        let (db, table) = (db.to_string(), table.map(str::to_string));
        let locations = locations.map(<[String]>::to_vec);
        self.blocking(move |s| {
            s.write(|tx| {
                match (&table, &locations) {
                    (None, _) => {
                        tx.execute("DELETE FROM file_statistics WHERE db = ?1", params![db])?;
                    }
                    (Some(table), None) => {
                        tx.execute(
                            "DELETE FROM file_statistics WHERE db = ?1 AND tbl = ?2",
                            params![db, table],
                        )?;
                    }
                    (Some(table), Some(locations)) => {
                        replace_statistics_in(
                            tx,
                            &db,
                            table,
                            &StatisticsScope::Locations(locations.clone()),
                            &[],
                        )?;
                    }
                }
                Ok(())
            })
        })
        .await
    }

    fn record_write_now(&self, record: &WriteRecord) -> Result<usize> {
        let (db, name) = (&record.database, &record.table);
        self.write(|tx| {
            let exists = table_exists(tx, db, name)?;
            match &record.create {
                Some(table) if exists => return Err(already_exists(table)),
                Some(table) => insert_table(tx, table)?,
                None if !exists => return Err(LakeError::table_not_found(db, name)),
                None => {}
            }
            let mut added = 0;
            if record.create.is_some() || !record.partitions.is_empty() {
                let keys = partition_keys(tx, db, name)?;
                added = insert_partitions(tx, db, name, &keys, &record.partitions, true)?;
                bump_partition_version(tx, db, name)?;
            }
            insert_file_statistics(tx, db, name, &record.statistics)?;
            Ok(added)
        })
    }

    fn file_statistics_now(
        conn: &Connection,
        db: &str,
        table: &str,
        locations: Option<&[String]>,
    ) -> Result<Vec<FileStatistics>> {
        let what = format!("statistics of {db}.{table}");
        let decode = |(path, location, text): (String, String, String)| -> Result<FileStatistics> {
            let mut entry: FileStatistics = from_json(&what, &text)?;
            entry.path = path;
            entry.location = location;
            Ok(entry)
        };
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(String, String, String)> {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        };
        let mut entries = Vec::new();
        match locations {
            None => {
                let mut stmt = conn.prepare_cached(
                    "SELECT path, location, statistics FROM file_statistics
                     WHERE db = ?1 AND tbl = ?2 ORDER BY path",
                )?;
                for r in stmt.query_map(params![db, table], row)? {
                    entries.push(decode(r?)?);
                }
            }
            Some(locations) => {
                let mut stmt = conn.prepare_cached(
                    "SELECT path, location, statistics FROM file_statistics
                     WHERE db = ?1 AND tbl = ?2 AND location = ?3",
                )?;
                for location in locations {
                    for r in stmt.query_map(params![db, table, location], row)? {
                        entries.push(decode(r?)?);
                    }
                }
                entries.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
        Ok(entries)
    }

    fn count_partitions_now(conn: &Connection, db: &str, table: &str) -> Result<usize> {
        let n: i64 = conn.query_row(
            "SELECT count(*) FROM partitions WHERE db = ?1 AND tbl = ?2",
            params![db, table],
            |r| r.get(0),
        )?;
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    //! SQLite-specific behaviour; the contract every store meets is checked by
    //! `tests/catalog_contract.rs`.
    use super::*;
    use crate::catalog::{Column, StorageDescriptor};

    fn table(db: &str, name: &str) -> Table {
        Table {
            name: name.into(),
            database_name: db.into(),
            description: None,
            owner: None,
            table_type: "EXTERNAL_TABLE".into(),
            partition_keys: vec![Column {
                name: "year".into(),
                hive_type: "int".into(),
                comment: None,
            }],
            storage_descriptor: StorageDescriptor {
                location: "file:///tmp/x".into(),
                ..Default::default()
            },
            parameters: Default::default(),
            create_time: 0,
            update_time: 0,
            view_original_text: None,
            view_expanded_text: None,
        }
    }

    fn partition(year: &str) -> Partition {
        Partition {
            values: vec![year.into()],
            location: format!("file:///tmp/x/year={year}"),
            parameters: Default::default(),
            create_time: 0,
        }
    }

    #[tokio::test]
    async fn persists_across_connections() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/catalog.db");
        {
            let store = SqliteStore::open(&path).unwrap();
            store
                .create_table(&table("default", "t"), false)
                .await
                .unwrap();
            let batch = [partition("2023"), partition("2024")];
            store
                .add_partitions("default", "t", &batch, false)
                .await
                .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let parts = store.list_partitions("default", "t").await.unwrap();
        let years: Vec<_> = parts.iter().map(|p| p.values[0].as_str()).collect();
        assert_eq!(years, ["2023", "2024"]);
        let stored = store.get_table("default", "t").await.unwrap();
        assert_eq!(stored, Some(table("default", "t")));
    }

    #[tokio::test]
    async fn a_table_created_again_gets_a_new_partition_version() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .create_table(&table("default", "t"), false)
            .await
            .unwrap();
        let before = store.partition_version("default", "t").await.unwrap();
        assert!(before.is_some());
        store.drop_table("default", "t", false).await.unwrap();
        store
            .create_table(&table("default", "t"), false)
            .await
            .unwrap();
        let after = store.partition_version("default", "t").await.unwrap();
        assert_ne!(after, before);
    }

    #[test]
    fn rejects_a_file_that_is_not_a_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("junk.db");
        std::fs::write(&path, b"this is not sqlite at all, just some text bytes...").unwrap();
        let err = SqliteStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("junk.db"), "{err}");
        // The file is left as it was.
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"this is not sqlite"));
    }

    /// A catalog with a table, written and closed; returns its bytes.
    async fn written_catalog(path: &Path) -> Vec<u8> {
        {
            let store = SqliteStore::open(path).unwrap();
            store
                .create_table(&table("default", "t"), false)
                .await
                .unwrap();
        }
        std::fs::read(path).unwrap()
    }

    #[tokio::test]
    async fn refuses_a_truncated_file_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let bytes = written_catalog(&path).await;
        assert!(bytes.len() > 4096, "{}", bytes.len());
        let cut = &bytes[..bytes.len() - 1000];
        std::fs::write(&path, cut).unwrap();
        for mode in [OpenMode::ReadWrite, OpenMode::ReadOnly] {
            let err = SqliteStore::open_with(&path, mode).unwrap_err().to_string();
            assert!(
                err.contains("catalog.db") && err.contains("cut short"),
                "{err}"
            );
        }
        assert_eq!(std::fs::read(&path).unwrap(), cut);
    }

    #[tokio::test]
    async fn refuses_a_newer_catalog_without_writing_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        written_catalog(&path).await;
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "journal_mode", "DELETE").unwrap();
            conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        for mode in [OpenMode::ReadWrite, OpenMode::ReadOnly] {
            let err = SqliteStore::open_with(&path, mode).unwrap_err().to_string();
            assert!(err.contains("newer than this lakesql"), "{err}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(!wal_path(&path).exists());
    }

    #[tokio::test]
    async fn read_only_reads_and_never_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        let missing = SqliteStore::open_with(&dir.path().join("none.db"), OpenMode::ReadOnly);
        assert!(missing.unwrap_err().to_string().contains("does not exist"));
        assert!(!dir.path().join("none.db").exists());
        written_catalog(&path).await;
        let store = SqliteStore::open_with(&path, OpenMode::ReadOnly).unwrap();
        assert!(store.get_table("default", "t").await.unwrap().is_some());
        let err = store
            .create_table(&table("default", "u"), false)
            .await
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("READ_ONLY_VIOLATION"), "{err}");
        assert!(store.get_table("default", "u").await.unwrap().is_none());
    }
}

//! The catalog contract (`src/catalog/store.rs`), checked against every backend.
//!
//! Each check is an async function over an `Arc<dyn CatalogStore>`; `contract_checks!`
//! instantiates every check for every backend, as `<backend>::<check>` tests:
//! `sqlite_file` (a real SQLite file), `sqlite_in_memory`, `memory` ([`MemoryStore`])
//! `glue` ([`GlueStore`] against moto's Glue server, a fresh server per check, so the
//! Glue API semantics and error codes moto reproduces are what is tested) and
//! `glue_on_lakesql` (the same store against `lakesql serve`'s Glue API, which pages,
//! splits `Segment`s and checks `VersionId`s as Glue does). A new backend adds one line
//! to the macro and must pass all of them.
//!
//! Glue sets creation and change times itself (`CatalogStore::assigns_times`), so for
//! it [`assert_same`] compares definitions with the times the store reports.

mod support;

use std::fmt::Debug;
use std::sync::Arc;

use lakesql::catalog::model::Properties;
use lakesql::catalog::partition_path::partition_path;
use lakesql::catalog::{
    CatalogStore, Column, ColumnStatistics, DEFAULT_DATABASE, Database, FileStatistics,
    MemoryStore, Partition, SerDeInfo, SqliteStore, StatisticsScope, StorageDescriptor, Table,
    TableChange, WriteRecord,
};
use lakesql::error::{ErrorCode, LakeError};
use lakesql::glue::GlueStore;
use lakesql::serve::{ServeOptions, Server};
use support::s3_server::S3Server;
use tempfile::TempDir;

type Store = Arc<dyn CatalogStore>;

/// A fixed time, so definitions compare exactly.
const T0: i64 = 1_700_000_000;

/// The stores under test.
#[derive(Clone, Copy, Debug)]
enum Backend {
    SqliteFile,
    SqliteInMemory,
    Memory,
    /// moto's Glue.
    Glue,
    /// `lakesql serve`'s Glue API (with its own SQLite catalog).
    GlueOnLakesql,
}

/// A store and what must outlive it (the SQLite file's folder, the Glue server).
struct Opened {
    store: Store,
    _dir: Option<TempDir>,
    _server: Option<S3Server>,
    _lakesql: Option<Server>,
}

/// A Glue store on a fresh moto server, with explicit credentials and endpoint (never
/// the machine's AWS configuration).
async fn glue_store() -> Opened {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = support::glue::config(&server.endpoint(), dir.path());
    let store = GlueStore::connect(&config, false).await.unwrap();
    Opened {
        store: Arc::new(store),
        _dir: Some(dir),
        _server: Some(server),
        _lakesql: None,
    }
}

/// A Glue store on an in-process `lakesql serve` over a fresh SQLite catalog.
async fn glue_on_lakesql() -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let catalog: Store = Arc::new(SqliteStore::open(&dir.path().join("served.db")).unwrap());
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    let server = Server::start(options, catalog).await.unwrap();
    let config = support::glue::config(&server.endpoint(), dir.path());
    let store = GlueStore::connect(&config, false).await.unwrap();
    Opened {
        store: Arc::new(store),
        _dir: Some(dir),
        _server: None,
        _lakesql: Some(server),
    }
}

impl Backend {
    async fn open(self) -> Opened {
        match self {
            Backend::SqliteFile => {
                let dir = tempfile::tempdir().unwrap();
                let store = SqliteStore::open(&dir.path().join("catalog.db")).unwrap();
                Opened {
                    store: Arc::new(store),
                    _dir: Some(dir),
                    _server: None,
                    _lakesql: None,
                }
            }
            Backend::SqliteInMemory => Opened {
                store: Arc::new(SqliteStore::in_memory().unwrap()),
                _dir: None,
                _server: None,
                _lakesql: None,
            },
            Backend::Memory => Opened {
                store: Arc::new(MemoryStore::new()),
                _dir: None,
                _server: None,
                _lakesql: None,
            },
            Backend::Glue => glue_store().await,
            Backend::GlueOnLakesql => glue_on_lakesql().await,
        }
    }
}

/// One `#[tokio::test]` per (backend, check), named `<backend>::<check>`.
macro_rules! contract_checks {
    ($($check:ident),+ $(,)?) => {
        contract_checks!(@backend sqlite_file, SqliteFile, $($check),+);
        contract_checks!(@backend sqlite_in_memory, SqliteInMemory, $($check),+);
        contract_checks!(@backend memory, Memory, $($check),+);
        contract_checks!(@backend glue, Glue, $($check),+);
        contract_checks!(@backend glue_on_lakesql, GlueOnLakesql, $($check),+);
    };
    (@backend $module:ident, $backend:ident, $($check:ident),+) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    let opened = super::Backend::$backend.open().await;
                    super::$check(opened.store.clone()).await;
                }
            )+
        }
    };
}

/// Optimistic concurrency needs a server that checks `UpdateTable`'s `VersionId`, as
/// Glue does; moto 5 ignores it, so the Glue backend is checked against `lakesql
/// serve`'s Glue API here (and against moto for everything else).
macro_rules! concurrency_checks {
    ($($check:ident),+ $(,)?) => {
        mod concurrency {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $check() {
                    use super::Backend::*;
                    for backend in [SqliteFile, SqliteInMemory, Memory, GlueOnLakesql] {
                        let opened = backend.open().await;
                        super::$check(opened.store.clone()).await;
                    }
                }
            )+
        }
    };
}

concurrency_checks!(concurrent_modify_table_loses_no_update);

contract_checks!(
    default_database_exists_from_the_start,
    databases_round_trip_and_list_sorted,
    duplicate_database_is_already_exists,
    drop_database_restrict_refuses_a_database_with_tables,
    drop_database_cascade_removes_tables_and_partitions,
    default_database_cannot_be_dropped,
    dropping_a_missing_database,
    create_table_in_a_missing_database_is_schema_not_found,
    tables_round_trip_exactly,
    duplicate_table_is_already_exists,
    tables_list_sorted_per_database,
    drop_table_removes_its_partitions,
    modify_table_applies_the_change,
    modify_table_writes_nothing_when_the_change_fails,
    modify_a_missing_table_is_table_not_found,
    partitions_are_listed_sorted_by_spec,
    a_partition_batch_with_a_duplicate_adds_nothing,
    add_if_not_exists_keeps_existing_partitions,
    drop_partitions_is_all_or_nothing,
    sync_partitions_adds_and_drops_in_one_step,
    update_partition_replaces_location_and_parameters,
    partition_locations_agree_with_list_partitions,
    filtered_listings_hold_every_match,
    listings_longer_than_a_page_are_whole,
    hive_escaping_round_trips,
    count_partitions_follows_changes,
    save_crawled_table_creates_or_replaces,
    save_crawled_table_is_all_or_nothing,
    save_crawled_table_into_a_missing_database_is_schema_not_found,
    partition_changes_on_a_missing_table_are_table_not_found,
    partition_version_changes_with_every_partition_change,
    partition_version_differs_for_a_recreated_table,
    file_statistics_round_trip_sorted_by_path,
    file_statistics_are_replaced_within_their_scope,
    file_statistics_go_with_their_partition_and_table,
    file_statistics_of_a_missing_table_are_table_not_found,
    record_write_creates_registers_and_records_in_one_step,
    record_write_is_all_or_nothing,
);

// ---------------------------------------------------------------------------------------
// Fixtures

/// Definitions whose times a backend may set itself.
trait Timed {
    /// Takes `other`'s creation and change times.
    fn take_times(&mut self, other: &Self);
}

impl Timed for Table {
    fn take_times(&mut self, other: &Self) {
        self.create_time = other.create_time;
        self.update_time = other.update_time;
    }
}

impl Timed for Partition {
    fn take_times(&mut self, other: &Self) {
        self.create_time = other.create_time;
    }
}

impl Timed for Database {
    fn take_times(&mut self, other: &Self) {
        self.create_time = other.create_time;
    }
}

impl<T: Timed> Timed for Option<T> {
    fn take_times(&mut self, other: &Self) {
        if let (Some(mine), Some(theirs)) = (self, other) {
            mine.take_times(theirs);
        }
    }
}

impl<T: Timed> Timed for Vec<T> {
    fn take_times(&mut self, other: &Self) {
        for (mine, theirs) in self.iter_mut().zip(other) {
            mine.take_times(theirs);
        }
    }
}

/// `assert_eq!(got, want)`, where a backend that sets times itself is held to
/// everything but the times.
#[track_caller]
fn assert_same<T: Timed + PartialEq + Debug>(store: &Store, got: T, want: impl Into<T>) {
    let mut want = want.into();
    if store.assigns_times() {
        want.take_times(&got);
    }
    assert_eq!(got, want);
}

fn props(pairs: &[(&str, &str)]) -> Properties {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn column(name: &str, hive_type: &str, comment: Option<&str>) -> Column {
    Column {
        name: name.into(),
        hive_type: hive_type.into(),
        comment: comment.map(Into::into),
    }
}

fn database(name: &str) -> Database {
    Database {
        name: name.into(),
        description: Some(format!("the {name} database")),
        location_uri: Some(format!("s3://bucket/{name}/")),
        parameters: props(&[("owner", "data-team"), ("tier", "gold")]),
        create_time: T0,
    }
}

/// A table using every field of the model, partitioned by `keys` (all strings), in a
/// format every backend accepts (`lakesql serve` refuses tables lakesql cannot read).
fn table(db: &str, name: &str, keys: &[&str]) -> Table {
    Table {
        name: name.into(),
        database_name: db.into(),
        description: Some(format!("the {name} table")),
        owner: Some("alice".into()),
        table_type: "EXTERNAL_TABLE".into(),
        partition_keys: keys.iter().map(|k| column(k, "string", None)).collect(),
        storage_descriptor: StorageDescriptor {
            columns: vec![
                column("id", "bigint", Some("row id")),
                column("tags", "array<struct<k:string,v:decimal(10,2)>>", None),
            ],
            location: format!("s3://bucket/{db}/{name}/"),
            input_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat".into(),
            ),
            output_format: Some(
                "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat".into(),
            ),
            compressed: true,
            serde_info: SerDeInfo {
                serialization_library: Some(
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe".into(),
                ),
                parameters: props(&[("serialization.format", "1")]),
            },
        },
        parameters: props(&[
            ("classification", "parquet"),
            ("has_encrypted_data", "false"),
        ]),
        create_time: T0,
        update_time: T0 + 5,
        view_original_text: None,
        view_expanded_text: None,
    }
}

/// A partition of `table` in the folder Hive would give it.
fn partition(table: &Table, values: &[&str]) -> Partition {
    let values = strings(values);
    let keys = table.partition_key_names();
    Partition {
        location: format!(
            "{}{}/",
            table.storage_descriptor.location,
            partition_path(&keys, &values)
        ),
        values,
        parameters: props(&[("source", "test")]),
        create_time: T0 + 1,
    }
}

/// `p` moved to another folder with other parameters and time.
fn moved(p: &Partition) -> Partition {
    Partition {
        location: format!("s3://elsewhere/{}/", p.values.join("-")),
        parameters: props(&[("moved", "yes")]),
        create_time: T0 + 99,
        ..p.clone()
    }
}

/// Creates `table` (and its database when it is not the default one).
async fn create(store: &Store, table: &Table) {
    if store
        .get_database(&table.database_name)
        .await
        .unwrap()
        .is_none()
    {
        let db = database(&table.database_name);
        assert!(store.create_database(&db, false).await.unwrap());
    }
    assert!(store.create_table(table, false).await.unwrap());
}

/// Creates `default.<name>` partitioned by `year`, with a partition for each year.
async fn year_table(store: &Store, name: &str, years: &[&str]) -> (Table, Vec<Partition>) {
    let t = table(DEFAULT_DATABASE, name, &["year"]);
    create(store, &t).await;
    let parts: Vec<Partition> = years.iter().map(|y| partition(&t, &[*y])).collect();
    let added = store
        .add_partitions(DEFAULT_DATABASE, name, &parts, false)
        .await
        .unwrap();
    assert_eq!(added, years.len());
    (t, parts)
}

async fn database_names(store: &Store) -> Vec<String> {
    let dbs = store.list_databases().await.unwrap();
    dbs.into_iter().map(|d| d.name).collect()
}

async fn specs(store: &Store, db: &str, table: &str) -> Vec<String> {
    let locations = store.partition_locations(db, table).await.unwrap();
    locations.into_iter().map(|l| l.spec).collect()
}

async fn count(store: &Store, db: &str, table: &str) -> usize {
    store.count_partitions(db, table).await.unwrap()
}

async fn partitions(store: &Store, db: &str, table: &str) -> Vec<Partition> {
    store.list_partitions(db, table).await.unwrap()
}

/// The error of a call that must fail.
#[track_caller]
fn error<T: Debug>(result: lakesql::Result<T>) -> LakeError {
    match result {
        Ok(value) => panic!("expected an error, got Ok({value:?})"),
        Err(e) => e,
    }
}

/// Asserts `result` failed with `code` (and prints the error when not).
#[track_caller]
fn assert_code<T: Debug>(result: lakesql::Result<T>, code: ErrorCode) -> LakeError {
    let e = error(result);
    assert_eq!(e.code(), code, "unexpected error: {e}");
    e
}

// ---------------------------------------------------------------------------------------
// Databases

async fn default_database_exists_from_the_start(store: Store) {
    assert_eq!(database_names(&store).await, [DEFAULT_DATABASE]);
    let default = store.get_database(DEFAULT_DATABASE).await.unwrap();
    assert_eq!(default.map(|d| d.name).as_deref(), Some("default"));
    assert!(
        store
            .list_tables(DEFAULT_DATABASE)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn databases_round_trip_and_list_sorted(store: Store) {
    for name in ["zeta", "alpha", "mid"] {
        assert!(store.create_database(&database(name), false).await.unwrap());
    }
    assert_eq!(
        database_names(&store).await,
        ["alpha", "default", "mid", "zeta"]
    );
    let listed = store.list_databases().await.unwrap();
    assert_same(&store, listed[0].clone(), database("alpha"));
    assert_same(&store, listed[3].clone(), database("zeta"));
    assert_same(
        &store,
        store.get_database("mid").await.unwrap(),
        Some(database("mid")),
    );
    assert_same(&store, store.get_database("nope").await.unwrap(), None);
}

async fn duplicate_database_is_already_exists(store: Store) {
    assert!(
        store
            .create_database(&database("sales"), false)
            .await
            .unwrap()
    );
    let other = Database {
        description: Some("another one".into()),
        ..database("sales")
    };
    let e = assert_code(
        store.create_database(&other, false).await,
        ErrorCode::AlreadyExists,
    );
    assert_eq!(
        e.to_string(),
        "ALREADY_EXISTS: Database 'sales' already exists"
    );
    assert!(!store.create_database(&other, true).await.unwrap());
    assert_same(
        &store,
        store.get_database("sales").await.unwrap(),
        Some(database("sales")),
    );
    assert_eq!(database_names(&store).await, ["default", "sales"]);
}

async fn drop_database_restrict_refuses_a_database_with_tables(store: Store) {
    let t = table("sales", "orders", &["year"]);
    create(&store, &t).await;
    store
        .add_partitions("sales", "orders", &[partition(&t, &["2024"])], false)
        .await
        .unwrap();
    for if_exists in [false, true] {
        let e = assert_code(
            store.drop_database("sales", if_exists, false).await,
            ErrorCode::SchemaNotEmpty,
        );
        assert!(e.to_string().contains("'sales'"), "{e}");
    }
    assert_same(
        &store,
        store.get_database("sales").await.unwrap(),
        Some(database("sales")),
    );
    assert_eq!(store.list_tables("sales").await.unwrap(), ["orders"]);
    assert_eq!(count(&store, "sales", "orders").await, 1);

    assert!(store.drop_table("sales", "orders", false).await.unwrap());
    assert!(store.drop_database("sales", false, false).await.unwrap());
    assert_same(&store, store.get_database("sales").await.unwrap(), None);
    assert_eq!(database_names(&store).await, ["default"]);
}

async fn drop_database_cascade_removes_tables_and_partitions(store: Store) {
    let orders = table("sales", "orders", &["year"]);
    let items = table("sales", "items", &["year"]);
    create(&store, &orders).await;
    create(&store, &items).await;
    let batch = [partition(&orders, &["2023"]), partition(&orders, &["2024"])];
    store
        .add_partitions("sales", "orders", &batch, false)
        .await
        .unwrap();
    let batch = [partition(&items, &["2024"])];
    store
        .add_partitions("sales", "items", &batch, false)
        .await
        .unwrap();
    year_table(&store, "keep", &["2024"]).await;

    assert!(store.drop_database("sales", false, true).await.unwrap());
    assert_same(&store, store.get_database("sales").await.unwrap(), None);
    assert!(store.list_tables("sales").await.unwrap().is_empty());
    assert_same(
        &store,
        store.get_table("sales", "orders").await.unwrap(),
        None,
    );
    assert_eq!(database_names(&store).await, ["default"]);

    // Created again, the database and table come back empty.
    create(&store, &orders).await;
    assert_eq!(store.list_tables("sales").await.unwrap(), ["orders"]);
    assert!(partitions(&store, "sales", "orders").await.is_empty());
    assert!(specs(&store, "sales", "orders").await.is_empty());
    assert_eq!(count(&store, "sales", "orders").await, 0);

    // Other databases are untouched.
    assert_eq!(count(&store, DEFAULT_DATABASE, "keep").await, 1);
    assert_eq!(store.list_tables(DEFAULT_DATABASE).await.unwrap(), ["keep"]);
}

async fn default_database_cannot_be_dropped(store: Store) {
    year_table(&store, "t", &["2024"]).await;
    for (if_exists, cascade) in [(false, false), (true, false), (false, true), (true, true)] {
        let e = assert_code(
            store
                .drop_database(DEFAULT_DATABASE, if_exists, cascade)
                .await,
            ErrorCode::InvalidInput,
        );
        assert!(e.to_string().contains("'default'"), "{e}");
    }
    assert!(
        store
            .get_database(DEFAULT_DATABASE)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.list_tables(DEFAULT_DATABASE).await.unwrap(), ["t"]);
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 1);
}

async fn dropping_a_missing_database(store: Store) {
    for cascade in [false, true] {
        let e = assert_code(
            store.drop_database("nope", false, cascade).await,
            ErrorCode::SchemaNotFound,
        );
        assert_eq!(
            e.to_string(),
            "SCHEMA_NOT_FOUND: Database 'nope' does not exist"
        );
        assert!(!store.drop_database("nope", true, cascade).await.unwrap());
    }
    assert_eq!(database_names(&store).await, ["default"]);
}

async fn create_table_in_a_missing_database_is_schema_not_found(store: Store) {
    let t = table("nope", "t", &[]);
    for if_not_exists in [false, true] {
        let e = assert_code(
            store.create_table(&t, if_not_exists).await,
            ErrorCode::SchemaNotFound,
        );
        assert_eq!(
            e.to_string(),
            "SCHEMA_NOT_FOUND: Database 'nope' does not exist"
        );
    }
    assert_same(&store, store.get_table("nope", "t").await.unwrap(), None);
    assert_same(&store, store.get_database("nope").await.unwrap(), None);
    assert!(store.list_tables("nope").await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------
// Tables

async fn tables_round_trip_exactly(store: Store) {
    let events = table(DEFAULT_DATABASE, "events", &["dt", "hr"]);
    let mut flat = table("other", "flat", &[]);
    flat.description = None;
    flat.owner = None;
    flat.storage_descriptor.serde_info = SerDeInfo::default();
    create(&store, &events).await;
    create(&store, &flat).await;
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "events").await.unwrap(),
        Some(events),
    );
    assert_same(
        &store,
        store.get_table("other", "flat").await.unwrap(),
        Some(flat),
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "missing").await.unwrap(),
        None,
    );
    assert_same(
        &store,
        store.get_table("other", "events").await.unwrap(),
        None,
    );
    assert_same(
        &store,
        store.get_table("nope", "events").await.unwrap(),
        None,
    );
}

async fn duplicate_table_is_already_exists(store: Store) {
    let (t, parts) = year_table(&store, "t", &["2024"]).await;
    let other = Table {
        description: Some("another one".into()),
        partition_keys: vec![],
        ..t.clone()
    };
    let e = assert_code(
        store.create_table(&other, false).await,
        ErrorCode::AlreadyExists,
    );
    assert_eq!(
        e.to_string(),
        "ALREADY_EXISTS: Table 'default.t' already exists"
    );
    assert!(!store.create_table(&other, true).await.unwrap());
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "t").await.unwrap(),
        Some(t),
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        parts,
    );
}

async fn tables_list_sorted_per_database(store: Store) {
    for name in ["b", "a_2", "c", "a"] {
        create(&store, &table(DEFAULT_DATABASE, name, &[])).await;
    }
    create(&store, &table("other", "z", &[])).await;
    assert_eq!(
        store.list_tables(DEFAULT_DATABASE).await.unwrap(),
        ["a", "a_2", "b", "c"]
    );
    assert_eq!(store.list_tables("other").await.unwrap(), ["z"]);
}

async fn drop_table_removes_its_partitions(store: Store) {
    let (t, _) = year_table(&store, "t", &["2023", "2024"]).await;
    year_table(&store, "other", &["2024"]).await;
    assert!(
        store
            .drop_table(DEFAULT_DATABASE, "t", false)
            .await
            .unwrap()
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "t").await.unwrap(),
        None,
    );
    assert_eq!(
        store.list_tables(DEFAULT_DATABASE).await.unwrap(),
        ["other"]
    );

    // Created again, the table has no partitions.
    create(&store, &t).await;
    assert!(partitions(&store, DEFAULT_DATABASE, "t").await.is_empty());
    assert!(specs(&store, DEFAULT_DATABASE, "t").await.is_empty());
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 0);
    assert_eq!(count(&store, DEFAULT_DATABASE, "other").await, 1);

    let e = assert_code(
        store.drop_table(DEFAULT_DATABASE, "missing", false).await,
        ErrorCode::TableNotFound,
    );
    assert_eq!(
        e.to_string(),
        "TABLE_NOT_FOUND: Table 'default.missing' does not exist"
    );
    assert!(
        !store
            .drop_table(DEFAULT_DATABASE, "missing", true)
            .await
            .unwrap()
    );
}

async fn modify_table_applies_the_change(store: Store) {
    let (t, parts) = year_table(&store, "t", &["2024"]).await;
    let change: TableChange = Box::new(|table: &mut Table| {
        table.description = Some("changed".into());
        table.parameters.insert("k".into(), "v".into());
        table
            .storage_descriptor
            .columns
            .push(column("extra", "int", None));
        table.update_time = T0 + 100;
        Ok(())
    });
    let new = store
        .modify_table(DEFAULT_DATABASE, "t", change)
        .await
        .unwrap();
    let mut expected = t.clone();
    expected.description = Some("changed".into());
    expected.parameters.insert("k".into(), "v".into());
    expected
        .storage_descriptor
        .columns
        .push(column("extra", "int", None));
    expected.update_time = T0 + 100;
    assert_same(&store, new, expected.clone());
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "t").await.unwrap(),
        Some(expected),
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        parts,
    );
}

async fn modify_table_writes_nothing_when_the_change_fails(store: Store) {
    let (t, _) = year_table(&store, "t", &["2024"]).await;
    let change: TableChange = Box::new(|table: &mut Table| {
        table.description = Some("half done".into());
        table.parameters.clear();
        Err(LakeError::invalid("no such property 'x'"))
    });
    let e = assert_code(
        store.modify_table(DEFAULT_DATABASE, "t", change).await,
        ErrorCode::InvalidInput,
    );
    assert_eq!(e.to_string(), "INVALID_INPUT: no such property 'x'");
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "t").await.unwrap(),
        Some(t),
    );
}

async fn modify_a_missing_table_is_table_not_found(store: Store) {
    let change: TableChange = Box::new(|table: &mut Table| {
        table.description = Some("x".into());
        Ok(())
    });
    let e = assert_code(
        store
            .modify_table(DEFAULT_DATABASE, "missing", change)
            .await,
        ErrorCode::TableNotFound,
    );
    assert_eq!(
        e.to_string(),
        "TABLE_NOT_FOUND: Table 'default.missing' does not exist"
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "missing").await.unwrap(),
        None,
    );
}

/// Eight concurrent ALTERs, each adding its own property and incrementing a counter that
/// it reads from the definition it is given: a lost update loses a property or a count.
async fn concurrent_modify_table_loses_no_update(store: Store) {
    let mut t = table(DEFAULT_DATABASE, "t", &[]);
    t.parameters = props(&[("n", "0")]);
    create(&store, &t).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                let change: TableChange = Box::new(move |table: &mut Table| {
                    let n: u32 = table.parameters["n"].parse().unwrap();
                    table.parameters.insert("n".into(), (n + 1).to_string());
                    table.parameters.insert(format!("p{i}"), i.to_string());
                    Ok(())
                });
                let new = store.modify_table(DEFAULT_DATABASE, "t", change).await;
                (i, new.unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (i, new) = task.await.unwrap();
        assert_eq!(new.parameters.get(&format!("p{i}")), Some(&i.to_string()));
    }
    let stored = store
        .get_table(DEFAULT_DATABASE, "t")
        .await
        .unwrap()
        .unwrap();
    let mut expected = props(&[("n", "8")]);
    expected.extend((0..8).map(|i| (format!("p{i}"), i.to_string())));
    assert_eq!(stored.parameters, expected);
}

// ---------------------------------------------------------------------------------------
// Partitions

async fn partitions_are_listed_sorted_by_spec(store: Store) {
    let t = table(DEFAULT_DATABASE, "t", &["year", "month"]);
    create(&store, &t).await;
    let batch: Vec<Partition> = [["2024", "9"], ["2023", "12"], ["2024", "10"], ["2023", "1"]]
        .iter()
        .map(|v| partition(&t, v))
        .collect();
    let added = store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    assert_eq!(added, 4);
    // By spec (text), not by value: month=10 sorts before month=9.
    assert_eq!(
        specs(&store, DEFAULT_DATABASE, "t").await,
        [
            "year=2023/month=1",
            "year=2023/month=12",
            "year=2024/month=10",
            "year=2024/month=9"
        ]
    );
    let expected = vec![
        batch[3].clone(),
        batch[1].clone(),
        batch[2].clone(),
        batch[0].clone(),
    ];
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected,
    );
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 4);
}

async fn a_partition_batch_with_a_duplicate_adds_nothing(store: Store) {
    let (t, existing) = year_table(&store, "t", &["2023"]).await;
    let p = |y: &str| partition(&t, &[y]);
    let batch = [p("2024"), moved(&existing[0]), p("2025")];
    let e = assert_code(
        store
            .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
            .await,
        ErrorCode::AlreadyExists,
    );
    assert_eq!(
        e.to_string(),
        "ALREADY_EXISTS: Partition year=2023 already exists in table default.t"
    );
    // A duplicate within the batch, and a partition with the wrong number of values.
    let batch = [p("2026"), p("2026")];
    let e = assert_code(
        store
            .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
            .await,
        ErrorCode::AlreadyExists,
    );
    assert!(e.to_string().contains("year=2026"), "{e}");
    let mut wrong = p("2028");
    wrong.values.push("extra".into());
    for if_not_exists in [false, true] {
        let batch = [p("2027"), wrong.clone()];
        let result = store
            .add_partitions(DEFAULT_DATABASE, "t", &batch, if_not_exists)
            .await;
        assert_code(result, ErrorCode::InvalidInput);
    }
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        existing,
    );
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 1);
}

async fn add_if_not_exists_keeps_existing_partitions(store: Store) {
    let (t, existing) = year_table(&store, "t", &["2023"]).await;
    let new = partition(&t, &["2024"]);
    let batch = [moved(&existing[0]), new.clone()];
    let added = store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, true)
        .await
        .unwrap();
    assert_eq!(added, 1);
    let expected = vec![existing[0].clone(), new];
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected.clone(),
    );
    let added = store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, true)
        .await
        .unwrap();
    assert_eq!(added, 0);
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected,
    );
}

async fn drop_partitions_is_all_or_nothing(store: Store) {
    year_table(&store, "t", &["2023", "2024", "2025"]).await;
    let batch = [strings(&["2023"]), strings(&["1999"])];
    let e = assert_code(
        store
            .drop_partitions(DEFAULT_DATABASE, "t", &batch, false)
            .await,
        ErrorCode::PartitionNotFound,
    );
    assert_eq!(
        e.to_string(),
        "PARTITION_NOT_FOUND: Partition year=1999 does not exist in table default.t"
    );
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 3);
    let twice = [strings(&["2023"]), strings(&["2023"])];
    assert_code(
        store
            .drop_partitions(DEFAULT_DATABASE, "t", &twice, false)
            .await,
        ErrorCode::PartitionNotFound,
    );
    let wrong = [strings(&["2023"]), strings(&["2024", "extra"])];
    assert_code(
        store
            .drop_partitions(DEFAULT_DATABASE, "t", &wrong, true)
            .await,
        ErrorCode::InvalidInput,
    );
    assert_eq!(
        specs(&store, DEFAULT_DATABASE, "t").await,
        ["year=2023", "year=2024", "year=2025"]
    );

    let removed = store
        .drop_partitions(DEFAULT_DATABASE, "t", &batch, true)
        .await;
    assert_eq!(removed.unwrap(), 1);
    assert_eq!(
        specs(&store, DEFAULT_DATABASE, "t").await,
        ["year=2024", "year=2025"]
    );
    let batch = [strings(&["2025"])];
    let removed = store
        .drop_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await;
    assert_eq!(removed.unwrap(), 1);
    assert_eq!(specs(&store, DEFAULT_DATABASE, "t").await, ["year=2024"]);
}

async fn sync_partitions_adds_and_drops_in_one_step(store: Store) {
    let (t, existing) = year_table(&store, "t", &["2023", "2024"]).await;
    let new = partition(&t, &["2025"]);
    let add = [moved(&existing[1]), new.clone()];
    let drop = [strings(&["2023"]), strings(&["1999"])];
    let result = store
        .sync_partitions(DEFAULT_DATABASE, "t", &add, &drop)
        .await;
    assert_eq!(result.unwrap(), (1, 1));
    let expected = vec![existing[1].clone(), new];
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected.clone(),
    );

    // One bad value fails the whole step.
    let add = [partition(&t, &["2026"])];
    let drop = [strings(&["2024"]), strings(&[])];
    assert_code(
        store
            .sync_partitions(DEFAULT_DATABASE, "t", &add, &drop)
            .await,
        ErrorCode::InvalidInput,
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected,
    );

    let result = store.sync_partitions(DEFAULT_DATABASE, "t", &[], &[]).await;
    assert_eq!(result.unwrap(), (0, 0));
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 2);
}

async fn update_partition_replaces_location_and_parameters(store: Store) {
    let (t, existing) = year_table(&store, "t", &["2023", "2024"]).await;
    let changed = moved(&existing[0]);
    store
        .update_partition(DEFAULT_DATABASE, "t", &changed)
        .await
        .unwrap();
    let updated = Partition {
        create_time: existing[0].create_time,
        ..changed
    };
    let expected = vec![updated, existing[1].clone()];
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected.clone(),
    );
    let locations = store
        .partition_locations(DEFAULT_DATABASE, "t")
        .await
        .unwrap();
    assert_eq!(locations[0].location, "s3://elsewhere/2023/");

    let e = assert_code(
        store
            .update_partition(DEFAULT_DATABASE, "t", &partition(&t, &["1999"]))
            .await,
        ErrorCode::PartitionNotFound,
    );
    assert_eq!(
        e.to_string(),
        "PARTITION_NOT_FOUND: Partition year=1999 does not exist in table default.t"
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected,
    );
}

async fn partition_locations_agree_with_list_partitions(store: Store) {
    let t = table(DEFAULT_DATABASE, "t", &["region", "dt"]);
    create(&store, &t).await;
    let values = [
        ["us", "2024-02-01"],
        ["eu", "2024-01-01 10:00"],
        ["us", "2024-01-31"],
        ["ap/x", "2024-01-01"],
        ["eu", "2024-01-01"],
    ];
    let batch: Vec<Partition> = values.iter().map(|v| partition(&t, v)).collect();
    store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    let listed = partitions(&store, DEFAULT_DATABASE, "t").await;
    let locations = store
        .partition_locations(DEFAULT_DATABASE, "t")
        .await
        .unwrap();
    assert_eq!(listed.len(), 5);
    assert_eq!(locations.len(), 5);
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 5);
    for (location, p) in locations.iter().zip(&listed) {
        assert_eq!(location.spec, partition_path(&["region", "dt"], &p.values));
        assert_eq!(location.location, p.location);
    }
    let specs: Vec<&str> = locations.iter().map(|l| l.spec.as_str()).collect();
    assert_eq!(
        specs,
        [
            "region=ap%2Fx/dt=2024-01-01",
            "region=eu/dt=2024-01-01",
            "region=eu/dt=2024-01-01 10%3A00",
            "region=us/dt=2024-01-31",
            "region=us/dt=2024-02-01",
        ]
    );
}

/// A filter in the Hive metastore's grammar (Glue's `Expression`) may be applied by the
/// backend: what it returns holds every matching partition (more is allowed), or it says
/// it does not filter.
async fn filtered_listings_hold_every_match(store: Store) {
    let mut t = table(DEFAULT_DATABASE, "t", &["region", "year"]);
    t.partition_keys[1].hive_type = "int".into();
    create(&store, &t).await;
    let mut batch = Vec::new();
    for region in ["eu", "us", "it's"] {
        for year in [9, 10, 2024] {
            batch.push(partition(&t, &[region, &year.to_string()]));
        }
    }
    store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    let cases: [(&str, &[&str]); 6] = [
        (
            "region = 'eu'",
            &[
                "region=eu/year=9",
                "region=eu/year=10",
                "region=eu/year=2024",
            ],
        ),
        // Integers compare as numbers: 9 < 10.
        (
            "year > 9 AND region = 'us'",
            &["region=us/year=10", "region=us/year=2024"],
        ),
        (
            "year IN (9, 2024) AND region <> 'eu' AND region <> 'us'",
            &["region=it%27s/year=9", "region=it%27s/year=2024"],
        ),
        (
            "year BETWEEN 10 AND 2024 AND region LIKE 'e%'",
            &["region=eu/year=10", "region=eu/year=2024"],
        ),
        (
            "region = 'it''s' AND year NOT IN (10)",
            &["region=it%27s/year=9", "region=it%27s/year=2024"],
        ),
        (
            "(region = 'eu' OR region = 'us') AND year = 9",
            &["region=eu/year=9", "region=us/year=9"],
        ),
    ];
    for (expression, expected) in cases {
        let Some(found) = store
            .partition_locations_where(&t, expression)
            .await
            .unwrap()
        else {
            continue; // the backend does not filter; readers filter themselves
        };
        let specs: Vec<&str> = found.iter().map(|l| l.spec.as_str()).collect();
        for want in expected {
            assert!(
                specs.contains(want),
                "{expression}: {want} missing from {specs:?}"
            );
        }
        if store.assigns_times() {
            // Glue filters exactly.
            assert_eq!(specs.len(), expected.len(), "{expression}: {specs:?}");
        }
    }
}

/// Listings longer than a page (Glue: 1,000 partitions) come back whole, each
/// partition once.
async fn listings_longer_than_a_page_are_whole(store: Store) {
    let t = table(DEFAULT_DATABASE, "big", &["k"]);
    create(&store, &t).await;
    let batch: Vec<Partition> = (0..2500)
        .map(|k| partition(&t, &[&format!("{k:05}")]))
        .collect();
    store
        .add_partitions(DEFAULT_DATABASE, "big", &batch, false)
        .await
        .unwrap();
    let specs: Vec<String> = store
        .partition_locations(DEFAULT_DATABASE, "big")
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.spec)
        .collect();
    let expected: Vec<String> = (0..2500).map(|k| format!("k={k:05}")).collect();
    assert_eq!(specs, expected);
    assert_eq!(count(&store, DEFAULT_DATABASE, "big").await, 2500);
}

async fn hive_escaping_round_trips(store: Store) {
    let t = table(DEFAULT_DATABASE, "t", &["dt", "hr"]);
    create(&store, &t).await;
    let odd = partition(&t, &["x=y%", "#1"]);
    let batch = [
        odd.clone(),
        partition(&t, &["2024-01-01 10:00", "a/b"]),
        partition(&t, &["plain", "ü?"]),
        partition(&t, &["__HIVE_DEFAULT_PARTITION__", "0"]),
    ];
    store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    assert_eq!(
        specs(&store, DEFAULT_DATABASE, "t").await,
        [
            "dt=2024-01-01 10%3A00/hr=a%2Fb",
            "dt=__HIVE_DEFAULT_PARTITION__/hr=0",
            "dt=plain/hr=ü%3F",
            "dt=x%3Dy%25/hr=%231",
        ]
    );
    let expected = vec![
        batch[1].clone(),
        batch[3].clone(),
        batch[2].clone(),
        batch[0].clone(),
    ];
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected.clone(),
    );

    // The unescaped values address the partition.
    let changed = moved(&odd);
    store
        .update_partition(DEFAULT_DATABASE, "t", &changed)
        .await
        .unwrap();
    let listed = partitions(&store, DEFAULT_DATABASE, "t").await;
    assert_eq!(listed[3].location, changed.location);
    let removed = store
        .drop_partitions(
            DEFAULT_DATABASE,
            "t",
            std::slice::from_ref(&odd.values),
            false,
        )
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        expected[..3].to_vec(),
    );
}

async fn count_partitions_follows_changes(store: Store) {
    let (t, _) = year_table(&store, "t", &[]).await;
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 0);
    let years: Vec<String> = (2000..2010).map(|y| y.to_string()).collect();
    let batch: Vec<Partition> = years.iter().map(|y| partition(&t, &[y.as_str()])).collect();
    store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 10);
    let drop = [strings(&["2000"]), strings(&["2001"]), strings(&["2002"])];
    store
        .drop_partitions(DEFAULT_DATABASE, "t", &drop, false)
        .await
        .unwrap();
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 7);
    let add = [partition(&t, &["2020"])];
    let drop = [strings(&["2003"]), strings(&["2004"])];
    store
        .sync_partitions(DEFAULT_DATABASE, "t", &add, &drop)
        .await
        .unwrap();
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 6);
}

async fn save_crawled_table_creates_or_replaces(store: Store) {
    let t = table(DEFAULT_DATABASE, "crawled", &["year"]);
    let p = |y: &str| partition(&t, &[y]);
    let added = store
        .save_crawled_table(&t, true, &[p("2024"), p("2023")])
        .await;
    assert_eq!(added.unwrap(), 2);
    let got = store.get_table(DEFAULT_DATABASE, "crawled").await.unwrap();
    assert_same(&store, got, Some(t.clone()));
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "crawled").await,
        [p("2023"), p("2024")],
    );

    let e = assert_code(
        store.save_crawled_table(&t, true, &[p("2025")]).await,
        ErrorCode::AlreadyExists,
    );
    assert_eq!(
        e.to_string(),
        "ALREADY_EXISTS: Table 'default.crawled' already exists"
    );
    assert_eq!(count(&store, DEFAULT_DATABASE, "crawled").await, 2);

    // Replacing keeps the registered partitions as they are and adds the new ones.
    let mut replaced = t.clone();
    replaced
        .storage_descriptor
        .columns
        .push(column("new_col", "string", None));
    replaced.parameters.insert("recrawled".into(), "yes".into());
    let batch = [moved(&p("2024")), p("2025")];
    let added = store.save_crawled_table(&replaced, false, &batch).await;
    assert_eq!(added.unwrap(), 1);
    let got = store.get_table(DEFAULT_DATABASE, "crawled").await.unwrap();
    assert_same(&store, got, Some(replaced));
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "crawled").await,
        [p("2023"), p("2024"), p("2025")],
    );

    let missing = table(DEFAULT_DATABASE, "missing", &["year"]);
    assert_code(
        store.save_crawled_table(&missing, false, &[]).await,
        ErrorCode::TableNotFound,
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "missing").await.unwrap(),
        None,
    );
}

async fn save_crawled_table_into_a_missing_database_is_schema_not_found(store: Store) {
    let t = table("nope", "crawled", &["year"]);
    let e = assert_code(
        store
            .save_crawled_table(&t, true, &[partition(&t, &["2024"])])
            .await,
        ErrorCode::SchemaNotFound,
    );
    assert_eq!(
        e.to_string(),
        "SCHEMA_NOT_FOUND: Database 'nope' does not exist"
    );
    assert_same(&store, store.get_database("nope").await.unwrap(), None);
    assert_same(
        &store,
        store.get_table("nope", "crawled").await.unwrap(),
        None,
    );
}

async fn save_crawled_table_is_all_or_nothing(store: Store) {
    let t = table(DEFAULT_DATABASE, "crawled", &["year"]);
    let mut wrong = partition(&t, &["2025"]);
    wrong.values.push("extra".into());
    let batch = [partition(&t, &["2024"]), wrong.clone()];
    assert_code(
        store.save_crawled_table(&t, true, &batch).await,
        ErrorCode::InvalidInput,
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "crawled").await.unwrap(),
        None,
    );
    assert!(
        store
            .list_tables(DEFAULT_DATABASE)
            .await
            .unwrap()
            .is_empty()
    );

    let (t, existing) = year_table(&store, "t", &["2023"]).await;
    let replaced = Table {
        description: Some("replaced".into()),
        ..t.clone()
    };
    let batch = [partition(&t, &["2024"]), wrong];
    assert_code(
        store.save_crawled_table(&replaced, false, &batch).await,
        ErrorCode::InvalidInput,
    );
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "t").await.unwrap(),
        Some(t),
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "t").await,
        existing,
    );
}

async fn partition_changes_on_a_missing_table_are_table_not_found(store: Store) {
    let t = table(DEFAULT_DATABASE, "missing", &["year"]);
    let p = partition(&t, &["2024"]);
    let (db, name) = (DEFAULT_DATABASE, "missing");
    let values = [p.values.clone()];
    let slice = std::slice::from_ref(&p);
    let e = assert_code(
        store.add_partitions(db, name, slice, true).await,
        ErrorCode::TableNotFound,
    );
    assert_eq!(
        e.to_string(),
        "TABLE_NOT_FOUND: Table 'default.missing' does not exist"
    );
    let result = store.drop_partitions(db, name, &values, true).await;
    assert_code(result, ErrorCode::TableNotFound);
    let result = store.sync_partitions(db, name, slice, &values).await;
    assert_code(result, ErrorCode::TableNotFound);
    let result = store.update_partition(db, name, &p).await;
    assert_code(result, ErrorCode::TableNotFound);
    assert_same(&store, store.get_table(db, name).await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------
// Partition versions

/// Follows a table's partition version: once `None`, always `None`; once `Some`, a new
/// value after every change.
struct VersionTracker {
    store: Store,
    table: &'static str,
    last: Option<i64>,
}

impl VersionTracker {
    async fn new(store: &Store, table: &'static str) -> Self {
        let last = store
            .partition_version(DEFAULT_DATABASE, table)
            .await
            .unwrap();
        VersionTracker {
            store: store.clone(),
            table,
            last,
        }
    }

    async fn assert_changed(&mut self, after: &str) {
        let now = self
            .store
            .partition_version(DEFAULT_DATABASE, self.table)
            .await
            .unwrap();
        match self.last {
            None => assert_eq!(now, None, "a backend without versions got one {after}"),
            Some(before) => {
                let now = now.unwrap_or_else(|| panic!("the version went away {after}"));
                assert_ne!(now, before, "the version did not change {after}");
            }
        }
        self.last = now;
    }
}

async fn partition_version_changes_with_every_partition_change(store: Store) {
    let (t, _) = year_table(&store, "t", &["2023"]).await;
    let db = DEFAULT_DATABASE;
    let mut version = VersionTracker::new(&store, "t").await;
    let p = |y: &str| partition(&t, &[y]);

    store
        .add_partitions(db, "t", &[p("2024")], false)
        .await
        .unwrap();
    version.assert_changed("after add_partitions").await;
    store
        .add_partitions(db, "t", &[p("2025")], true)
        .await
        .unwrap();
    version
        .assert_changed("after add_partitions IF NOT EXISTS")
        .await;
    let drop = [strings(&["2024"])];
    store.drop_partitions(db, "t", &drop, false).await.unwrap();
    version.assert_changed("after drop_partitions").await;
    let drop = [strings(&["2023"])];
    store
        .sync_partitions(db, "t", &[p("2026")], &drop)
        .await
        .unwrap();
    version.assert_changed("after sync_partitions").await;
    store
        .update_partition(db, "t", &moved(&p("2026")))
        .await
        .unwrap();
    version.assert_changed("after update_partition").await;
    store
        .save_crawled_table(&t, false, &[p("2027")])
        .await
        .unwrap();
    version.assert_changed("after save_crawled_table").await;
    assert_eq!(
        specs(&store, db, "t").await,
        ["year=2025", "year=2026", "year=2027"]
    );
}

async fn partition_version_differs_for_a_recreated_table(store: Store) {
    let (t, parts) = year_table(&store, "t", &["2024"]).await;
    let mut version = VersionTracker::new(&store, "t").await;
    store
        .drop_table(DEFAULT_DATABASE, "t", false)
        .await
        .unwrap();
    create(&store, &t).await;
    version
        .assert_changed("after dropping and creating the table")
        .await;
    store
        .drop_table(DEFAULT_DATABASE, "t", false)
        .await
        .unwrap();
    store.save_crawled_table(&t, true, &parts).await.unwrap();
    version
        .assert_changed("after dropping and crawling the table")
        .await;
}

// ---------------------------------------------------------------------------------------
// What each backend declares

#[tokio::test]
async fn sqlite_stores_keep_partition_versions() {
    for backend in [Backend::SqliteFile, Backend::SqliteInMemory] {
        let opened = backend.open().await;
        year_table(&opened.store, "t", &[]).await;
        let version = opened.store.partition_version(DEFAULT_DATABASE, "t").await;
        assert!(version.unwrap().is_some(), "{backend:?}");
    }
}

#[tokio::test]
async fn the_memory_store_has_no_partition_version() {
    let store: Store = Arc::new(MemoryStore::new());
    let (t, _) = year_table(&store, "t", &["2024"]).await;
    let batch = [partition(&t, &["2025"])];
    store
        .add_partitions(DEFAULT_DATABASE, "t", &batch, false)
        .await
        .unwrap();
    let version = store.partition_version(DEFAULT_DATABASE, "t").await;
    assert_eq!(version.unwrap(), None);
}

#[tokio::test]
async fn memory_store_clones_share_one_catalog() {
    let store = MemoryStore::new();
    let clone: Store = Arc::new(store.clone());
    year_table(&clone, "t", &["2024"]).await;
    let store: Store = Arc::new(store);
    assert_eq!(store.list_tables(DEFAULT_DATABASE).await.unwrap(), ["t"]);
    assert_eq!(count(&store, DEFAULT_DATABASE, "t").await, 1);
}

// ---------------------------------------------------------------------------------------
// File statistics (ANALYZE)

/// An entry for file `name` in partition `p`'s folder.
fn file_entry(p: &Partition, name: &str, rows: u64) -> FileStatistics {
    FileStatistics {
        path: format!("{}{name}", p.location),
        location: p.location.clone(),
        size: 100 + rows,
        modified_nanos: 1_700_000_000_123_456_789,
        e_tag: Some(format!("etag-{name}")),
        rows: Some(rows),
        columns: [(
            "amount".to_string(),
            ColumnStatistics {
                hive_type: "double".into(),
                min: Some("1.5".into()),
                max: Some("9.25".into()),
                nulls: 2,
            },
        )]
        .into_iter()
        .collect(),
        analyzed_at: T0 + 5,
    }
}

/// Replaces the statistics of `default.t` within `scope`.
async fn replace(store: &Store, scope: &StatisticsScope, entries: &[FileStatistics]) {
    store
        .replace_file_statistics(DEFAULT_DATABASE, "t", scope, entries)
        .await
        .unwrap();
}

async fn stats_paths(store: &Store, table: &str) -> Vec<String> {
    let entries = store
        .file_statistics(DEFAULT_DATABASE, table, None)
        .await
        .unwrap();
    entries.into_iter().map(|e| e.path).collect()
}

async fn file_statistics_round_trip_sorted_by_path(store: Store) {
    let (_, parts) = year_table(&store, "t", &["2023", "2024"]).await;
    let entries = vec![
        file_entry(&parts[1], "b.parquet", 7),
        file_entry(&parts[0], "a.parquet", 3),
    ];
    replace(&store, &StatisticsScope::Table, &entries).await;
    let read = store
        .file_statistics(DEFAULT_DATABASE, "t", None)
        .await
        .unwrap();
    assert_eq!(read, vec![entries[1].clone(), entries[0].clone()]);
    // By location: the entries found in those folders only.
    let some = [parts[1].location.clone(), "s3://nowhere/".to_string()];
    let read = store
        .file_statistics(DEFAULT_DATABASE, "t", Some(&some))
        .await
        .unwrap();
    assert_eq!(read, vec![entries[0].clone()]);
    assert!(
        store
            .file_statistics(DEFAULT_DATABASE, "other", None)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn file_statistics_are_replaced_within_their_scope(store: Store) {
    let (_, parts) = year_table(&store, "t", &["2023", "2024"]).await;
    let first = vec![
        file_entry(&parts[0], "a.parquet", 3),
        file_entry(&parts[0], "old.parquet", 1),
        file_entry(&parts[1], "b.parquet", 7),
    ];
    replace(&store, &StatisticsScope::Table, &first).await;
    // Re-analysing 2023 replaces its entries (old.parquet is gone) and keeps 2024's.
    let again = vec![file_entry(&parts[0], "a.parquet", 4)];
    let scope = StatisticsScope::Locations(vec![parts[0].location.clone()]);
    replace(&store, &scope, &again).await;
    let read = store
        .file_statistics(DEFAULT_DATABASE, "t", None)
        .await
        .unwrap();
    assert_eq!(read, vec![again[0].clone(), first[2].clone()]);
    // The whole table's scope replaces everything.
    replace(&store, &StatisticsScope::Table, &[]).await;
    assert!(stats_paths(&store, "t").await.is_empty());
}

async fn file_statistics_go_with_their_partition_and_table(store: Store) {
    let (t, parts) = year_table(&store, "t", &["2022", "2023", "2024"]).await;
    let entries: Vec<FileStatistics> = parts
        .iter()
        .map(|p| file_entry(p, "f.parquet", 1))
        .collect();
    replace(&store, &StatisticsScope::Table, &entries).await;
    store
        .drop_partitions(DEFAULT_DATABASE, "t", &[strings(&["2022"])], false)
        .await
        .unwrap();
    store
        .update_partition(DEFAULT_DATABASE, "t", &moved(&parts[1]))
        .await
        .unwrap();
    // Updating a partition without moving it keeps its entries.
    store
        .update_partition(DEFAULT_DATABASE, "t", &parts[2])
        .await
        .unwrap();
    assert_eq!(
        stats_paths(&store, "t").await,
        vec![entries[2].path.clone()]
    );
    assert!(
        store
            .drop_table(DEFAULT_DATABASE, "t", false)
            .await
            .unwrap()
    );
    create(&store, &t).await;
    assert!(stats_paths(&store, "t").await.is_empty());
}

async fn file_statistics_of_a_missing_table_are_table_not_found(store: Store) {
    let (_, parts) = year_table(&store, "t", &["2023"]).await;
    assert_code(
        store
            .replace_file_statistics(
                DEFAULT_DATABASE,
                "missing",
                &StatisticsScope::Table,
                &[file_entry(&parts[0], "a.parquet", 1)],
            )
            .await,
        ErrorCode::TableNotFound,
    );
    assert!(stats_paths(&store, "missing").await.is_empty());
}

// ---------------------------------------------------------------------------------------
// Writes (CTAS, INSERT INTO)

async fn record_write_creates_registers_and_records_in_one_step(store: Store) {
    let t = table(DEFAULT_DATABASE, "w", &["year"]);
    let parts = vec![partition(&t, &["2023"]), partition(&t, &["2024"])];
    let ctas = WriteRecord {
        database: DEFAULT_DATABASE.into(),
        table: "w".into(),
        create: Some(t.clone()),
        partitions: parts.clone(),
        statistics: parts
            .iter()
            .map(|p| file_entry(p, "a.parquet", 5))
            .collect(),
    };
    assert_eq!(store.record_write(&ctas).await.unwrap(), 2);
    assert_same(
        &store,
        store.get_table(DEFAULT_DATABASE, "w").await.unwrap(),
        Some(t.clone()),
    );
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "w").await,
        parts.clone(),
    );
    let version = store
        .partition_version(DEFAULT_DATABASE, "w")
        .await
        .unwrap();

    // INSERT INTO: an existing partition is kept as it is, a new one added, entries of
    // the same path replaced.
    let new = partition(&t, &["2025"]);
    let mut again = file_entry(&parts[0], "a.parquet", 9);
    again.size = 1;
    let insert = WriteRecord {
        database: DEFAULT_DATABASE.into(),
        table: "w".into(),
        create: None,
        partitions: vec![moved(&parts[0]), new.clone()],
        statistics: vec![again.clone(), file_entry(&new, "b.parquet", 1)],
    };
    assert_eq!(store.record_write(&insert).await.unwrap(), 1);
    assert_same(
        &store,
        partitions(&store, DEFAULT_DATABASE, "w").await,
        vec![parts[0].clone(), parts[1].clone(), new.clone()],
    );
    let read = store
        .file_statistics(DEFAULT_DATABASE, "w", None)
        .await
        .unwrap();
    let rows: Vec<Option<u64>> = read.iter().map(|e| e.rows).collect();
    assert_eq!(rows, vec![Some(9), Some(5), Some(1)]);
    assert_eq!(read[0], again);
    if version.is_some() {
        assert_ne!(
            store
                .partition_version(DEFAULT_DATABASE, "w")
                .await
                .unwrap(),
            version
        );
    }

    // Statistics alone (an unpartitioned INSERT).
    let flat = WriteRecord {
        database: DEFAULT_DATABASE.into(),
        table: "w".into(),
        statistics: vec![file_entry(&new, "c.parquet", 2)],
        ..WriteRecord::default()
    };
    assert_eq!(store.record_write(&flat).await.unwrap(), 0);
    assert_eq!(stats_paths(&store, "w").await.len(), 4);
}

async fn record_write_is_all_or_nothing(store: Store) {
    let t = table(DEFAULT_DATABASE, "w", &["year"]);
    create(&store, &t).await;
    let p = partition(&t, &["2023"]);
    // A CTAS of a table that exists changes nothing.
    let ctas = WriteRecord {
        database: DEFAULT_DATABASE.into(),
        table: "w".into(),
        create: Some(t.clone()),
        partitions: vec![p.clone()],
        statistics: vec![file_entry(&p, "a.parquet", 1)],
    };
    assert_code(store.record_write(&ctas).await, ErrorCode::AlreadyExists);
    // Nor does an INSERT into a missing table, or a partition that does not fit the keys.
    let missing = WriteRecord {
        table: "missing".into(),
        create: None,
        ..ctas.clone()
    };
    assert_code(store.record_write(&missing).await, ErrorCode::TableNotFound);
    let mut bad = p.clone();
    bad.values = strings(&["2023", "extra"]);
    let bad = WriteRecord {
        create: None,
        partitions: vec![p.clone(), bad],
        ..ctas.clone()
    };
    error(store.record_write(&bad).await);
    assert!(partitions(&store, DEFAULT_DATABASE, "w").await.is_empty());
    assert!(stats_paths(&store, "w").await.is_empty());
    assert!(stats_paths(&store, "missing").await.is_empty());
}

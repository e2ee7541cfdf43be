//! Catalog behaviour through the library: SHOW CREATE TABLE round trips, several sessions
//! writing one catalog file at once, two sessions seeing each other's changes at once, and
//! the same answers from every catalog backend.

use std::sync::Arc;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, MemoryStore, SqliteStore, Table};
use lakesql::storage::S3Config;
use tempfile::TempDir;

#[path = "support/session.rs"]
mod session;
use session::{count, run};

/// The repository root: relative LOCATIONs resolve against it.
fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A session over `store` with no S3 settings from the environment, at the root.
fn session_over(store: Arc<dyn CatalogStore>) -> Session {
    let mut session = Session::with_s3_config(store, S3Config::empty()).unwrap();
    session.set_base_dir(root());
    session
}

fn strip_times(mut t: Table) -> Table {
    t.create_time = 0;
    t.update_time = 0;
    t
}

fn first_value(output: &lakesql::StatementOutput) -> String {
    let batch = &output.batches[0];
    let col = batch
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::StringArray>()
        .unwrap();
    col.value(0).to_string()
}

#[tokio::test]
async fn show_create_table_re_executes_to_the_same_definition() {
    let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::in_memory().unwrap());
    let mut session = session_over(store.clone());
    let setup = std::fs::read_to_string(root().join("queries/setup.sql")).unwrap();
    run(&mut session, &setup).await;
    run(
        &mut session,
        r#"CREATE EXTERNAL TABLE odd (
             `select` string COMMENT 'it''s a keyword',
             nested array<struct<a:int,b:map<string,array<decimal(5,1)>>>>,
             c char(3), v varchar(20), b binary, f float, t tinyint, s smallint
           )
           COMMENT 'quotes '' and \ backslashes'
           PARTITIONED BY (dt string COMMENT 'day', hr int)
           STORED AS PARQUET
           LOCATION 's3://bucket/some prefix/odd/'
           TBLPROPERTIES ('has_encrypted_data'='false', 'k=v'='a''b')"#,
    )
    .await;
    run(
        &mut session,
        r#"CREATE EXTERNAL TABLE odd_text (a string, b date)
           ROW FORMAT DELIMITED FIELDS TERMINATED BY '\001' ESCAPED BY '\\' NULL DEFINED AS ''
           LOCATION 'file:///tmp/odd text/'"#,
    )
    .await;
    run(
        &mut session,
        "CREATE EXTERNAL TABLE odd_json (a struct<x:int>) ROW FORMAT SERDE \
         'org.openx.data.jsonserde.JsonSerDe' WITH SERDEPROPERTIES ('case.insensitive'='true') \
         STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat' OUTPUTFORMAT \
         'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat' LOCATION '/tmp/x/'",
    )
    .await;
    for name in [
        "sales",
        "customers",
        "products",
        "events",
        "logs",
        "logs_by_day",
    ] {
        let db = "sample";
        round_trip(&mut session, &store, db, name).await;
    }
    round_trip(&mut session, &store, "sample", "odd").await;
    round_trip(&mut session, &store, "sample", "odd_json").await;
    round_trip(&mut session, &store, "sample", "odd_text").await;
}

async fn round_trip(session: &mut Session, store: &Arc<dyn CatalogStore>, db: &str, name: &str) {
    let before = store.get_table(db, name).await.unwrap().unwrap();
    let out = run(session, &format!("SHOW CREATE TABLE {db}.{name}")).await;
    let ddl = first_value(&out[0]);
    run(session, &format!("DROP TABLE {db}.{name}")).await;
    run(session, &ddl).await;
    let after = store.get_table(db, name).await.unwrap().unwrap();
    assert_eq!(strip_times(before), strip_times(after), "{ddl}");
}

#[tokio::test]
async fn a_view_persists_in_the_catalog_file_as_glue_stores_it() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("catalog.db");
    let sql = "SELECT product, count(*) FROM sales WHERE year = 2024 GROUP BY product";
    {
        let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::open(&path).unwrap());
        let mut session = session_over(store);
        run(
            &mut session,
            &std::fs::read_to_string(root().join("queries/setup.sql")).unwrap(),
        )
        .await;
        run(&mut session, "CREATE DATABASE reports").await;
        run(
            &mut session,
            &format!("CREATE VIEW reports.orders_2024 (product, orders) AS {sql}"),
        )
        .await;
    }

    let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::open(&path).unwrap());
    let view = store
        .get_table("reports", "orders_2024")
        .await
        .unwrap()
        .unwrap();
    assert!(view.is_view());
    let glue = serde_json::to_value(&view).unwrap();
    assert_eq!(glue["TableType"], "VIRTUAL_VIEW");
    assert_eq!(glue["ViewExpandedText"], "/* Presto View */");
    let original = glue["ViewOriginalText"].as_str().unwrap();
    assert!(
        original.starts_with("/* Presto View: ") && original.ends_with(" */"),
        "{original}"
    );
    assert_eq!(glue["Parameters"]["presto_view"], "true");
    assert_eq!(glue["Parameters"]["comment"], "Presto View");
    assert_eq!(glue["StorageDescriptor"]["Location"], "");
    assert_eq!(glue["StorageDescriptor"]["Columns"][0]["Name"], "product");
    assert_eq!(glue["StorageDescriptor"]["Columns"][0]["Type"], "string");
    assert_eq!(glue["StorageDescriptor"]["Columns"][1]["Name"], "orders");
    assert_eq!(glue["StorageDescriptor"]["Columns"][1]["Type"], "bigint");
    let definition = view.view_definition().unwrap();
    assert_eq!(definition.sql, sql);
    // Created while `sample` was the current database: `sales` resolves there.
    assert_eq!(definition.schema, "sample");

    // A new session over the reopened file reads the view.
    let mut session = session_over(store);
    let out = run(&mut session, "SELECT sum(orders) FROM reports.orders_2024").await;
    let sum = out[0].batches[0]
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .unwrap()
        .value(0);
    assert_eq!(sum, 580);
}

#[test]
fn concurrent_sessions_share_one_catalog_file() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("catalog.db");
    SqliteStore::open(&path).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Runtime::new().unwrap();
                let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::open(&path).unwrap());
                let mut session = session_over(store);
                rt.block_on(async {
                    for i in 0..10 {
                        session
                            .execute(&format!(
                                "CREATE EXTERNAL TABLE t_{w}_{i} (a int) PARTITIONED BY (p int) \
                                 STORED AS PARQUET LOCATION '/tmp/lake/t_{w}_{i}/';
                                 ALTER TABLE t_{w}_{i} ADD PARTITION (p=1) PARTITION (p=2)"
                            ))
                            .await
                            .unwrap();
                    }
                });
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tables = rt.block_on(store.list_tables("default")).unwrap();
    assert_eq!(tables.len(), 40);
    for t in &tables {
        let partitions = rt.block_on(store.count_partitions("default", t)).unwrap();
        assert_eq!(partitions, 2, "{t}");
    }
}

/// The sample setup and analyses through a session, as text: every statement's rows.
async fn sample_answers(catalog: Arc<dyn CatalogStore>) -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut session = Session::with_s3_config(catalog, S3Config::empty()).unwrap();
    session.set_base_dir(root.to_path_buf());
    let mut answers = Vec::new();
    for script in ["queries/setup.sql", "queries/analyses.sql"] {
        let sql = std::fs::read_to_string(root.join(script)).unwrap();
        for out in run(&mut session, &sql).await {
            let text = datafusion::arrow::util::pretty::pretty_format_batches(&out.batches);
            // Rows without ORDER BY come in any order: compare them sorted.
            let text = text.unwrap().to_string();
            let mut rows: Vec<&str> = text.lines().collect();
            rows.sort();
            answers.push(format!("{}: {}", out.kind, rows.join("\n")));
        }
    }
    // A partition change is seen by the next query: a backend without partition versions
    // is re-read, one with them is re-read because the version moved.
    let count = "SELECT count(*) FROM sample.sales";
    let before = first_count(&run(&mut session, count).await[0]);
    run(
        &mut session,
        "ALTER TABLE sample.sales DROP PARTITION (year=2024, month=1)",
    )
    .await;
    let after = first_count(&run(&mut session, count).await[0]);
    assert!(
        after < before,
        "{after} rows after dropping a partition of {before}"
    );
    answers.push(format!("count {before} -> {after}"));
    answers
}

fn first_count(output: &lakesql::StatementOutput) -> i64 {
    let batch = &output.batches[0];
    let col = batch
        .column(0)
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .unwrap();
    col.value(0)
}

#[tokio::test]
async fn every_backend_answers_the_sample_queries_alike() {
    let dir = TempDir::new().unwrap();
    let sqlite: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
    let memory: Arc<dyn CatalogStore> = Arc::new(MemoryStore::new());
    let from_sqlite = sample_answers(sqlite).await;
    let from_memory = sample_answers(memory).await;
    assert!(from_sqlite.len() > 15, "{from_sqlite:?}");
    assert!(
        from_sqlite
            .iter()
            .any(|a| a.starts_with("select: ") && a.contains("| 2024"))
    );
    assert_eq!(from_sqlite, from_memory);
}

/// Two sessions on one catalog file, each with its own connection, as two shells open
/// side by side: every statement of one is seen by the next statement of the other,
/// partitions included (the partition cache follows the catalog's partition version).
#[tokio::test]
async fn two_sessions_on_one_file_see_each_other_at_once() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join("catalog.db");
    for k in 0..3 {
        let folder = dir.path().join(format!("lake/k={k}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("part-0.csv"), "1\n").unwrap();
    }
    let open = || {
        let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::open(&path).unwrap());
        session_over(store)
    };
    let (mut a, mut b) = (open(), open());
    let location = dir.path().join("lake").display().to_string();
    run(
        &mut a,
        &format!(
            "CREATE EXTERNAL TABLE t (v int) PARTITIONED BY (k int) \
             ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION '{location}/'"
        ),
    )
    .await;
    assert_eq!(count(&mut b, "SELECT count(*) FROM t").await, 0);
    run(
        &mut a,
        "ALTER TABLE t ADD PARTITION (k = 0) PARTITION (k = 1)",
    )
    .await;
    assert_eq!(count(&mut b, "SELECT count(*) FROM t").await, 2);
    run(&mut b, "MSCK REPAIR TABLE t").await;
    assert_eq!(count(&mut a, "SELECT count(*) FROM t").await, 3);
    run(&mut a, "ALTER TABLE t DROP PARTITION (k = 2)").await;
    assert_eq!(count(&mut b, "SELECT count(*) FROM t").await, 2);
    run(&mut b, "DROP TABLE t").await;
    let err = a.execute("SELECT count(*) FROM t").await.unwrap_err();
    assert!(err.to_string().contains("TABLE_NOT_FOUND"), "{err}");
}

//! Glue as the catalog, end to end: statements in a session whose catalog is Glue
//! (moto's, or `lakesql serve`'s Glue API where moto lacks a behaviour: paging and
//! `Segment`s), with the Glue calls counted.
//!
//! - a point query on a table with thousands of partitions asks Glue for one page; a
//!   full scan pages through all of them in parallel segments, none lost or repeated;
//! - CTAS, INSERT INTO and CRAWL register their tables and partitions in Glue;
//! - a view Athena created (`/* Presto View: … */`) is queried; one lakesql cannot parse
//!   is refused naming the view;
//! - Glue failing a fifth of the calls changes no answer (retries); one batch call
//!   failing for good fails the statement and undoes the calls that succeeded.

#[path = "support/session.rs"]
mod session;
mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::glue::{GlueConfig, GlueStore};
use lakesql::serve::{ServeOptions, Server};
use serde_json::json;
use session::{count, run};
use support::fault_proxy::FaultProxy;
use support::s3_server::S3Server;
use tempfile::TempDir;

fn config(endpoint: &str, dir: &TempDir) -> GlueConfig {
    support::glue::config(endpoint, dir.path())
}

async fn glue_session(endpoint: &str, dir: &TempDir) -> (Session, Arc<GlueStore>) {
    let store = Arc::new(
        GlueStore::connect(&config(endpoint, dir), false)
            .await
            .unwrap(),
    );
    let catalog: Arc<dyn CatalogStore> = store.clone();
    (Session::new(catalog).unwrap(), store)
}

/// `ALTER TABLE t ADD PARTITION (k=0) … (k=n-1)`.
fn add_partitions(table: &str, n: usize) -> String {
    add_partitions_from(table, 0, n)
}

/// `ALTER TABLE t ADD PARTITION (k=start) … (k=start+n-1)`.
fn add_partitions_from(table: &str, start: usize, n: usize) -> String {
    let specs: Vec<String> = (start..start + n)
        .map(|k| format!("PARTITION (k={k})"))
        .collect();
    format!("ALTER TABLE {table} ADD {}", specs.join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_point_query_asks_glue_for_one_page() {
    let dir = TempDir::new().unwrap();
    let served: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("served.db")).unwrap());
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    let server = Server::start(options, served.clone()).await.unwrap();
    let (mut session, store) = glue_session(&server.endpoint(), &dir).await;
    let lake = dir.path().join("lake");
    run(
        &mut session,
        &format!(
            "CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (k int) STORED AS PARQUET \
             LOCATION '{}'",
            lake.display()
        ),
    )
    .await;
    let before = store.requests();
    run(&mut session, &add_partitions("t", 3000)).await;
    // 30 BatchCreatePartition calls of 100, 3 BatchGetPartition calls of 1,000 (which
    // exist already?), the table read.
    let calls = store.requests() - before;
    assert!((33..=36).contains(&calls), "{calls} calls");
    assert_eq!(served.count_partitions("default", "t").await.unwrap(), 3000);

    let out = run(&mut session, "SELECT count(*) FROM t WHERE k = 1234").await;
    let s = &out[0].stats;
    assert_eq!((s.partitions_matched, s.partitions_total), (1, 1));
    assert!(s.catalog_requests <= 3, "{} Glue calls", s.catalog_requests);

    // A full listing: more than one page, so four segments in parallel; all 3,000
    // partitions exactly once.
    run(&mut session, "REFRESH TABLE t").await;
    let out = run(&mut session, "SELECT count(*) FROM t").await;
    let s = &out[0].stats;
    assert_eq!((s.partitions_matched, s.partitions_total), (3000, 3000));
    assert!(s.catalog_requests >= 5, "{} Glue calls", s.catalog_requests);
    let out = run(
        &mut session,
        "SELECT count(*) FROM t WHERE k >= 100 AND k < 150",
    )
    .await;
    assert_eq!(out[0].stats.partitions_matched, 50);

    // Cached for the TTL: the same point query again asks Glue only for the list of
    // databases (read once per statement).
    let out = run(&mut session, "SELECT count(*) FROM t WHERE k = 1234").await;
    assert_eq!(
        out[0].stats.catalog_requests, 2,
        "databases, then the listing for k = 1234"
    );
    let out = run(&mut session, "SELECT count(*) FROM t WHERE k = 1234").await;
    assert_eq!(out[0].stats.catalog_requests, 1);
    // A change made elsewhere is seen after REFRESH TABLE.
    served
        .drop_partitions("default", "t", &[vec!["1234".to_string()]], false)
        .await
        .unwrap();
    run(&mut session, "REFRESH TABLE t").await;
    let out = run(&mut session, "SELECT count(*) FROM t WHERE k = 1234").await;
    assert_eq!(out[0].stats.partitions_matched, 0);
    let e = session.execute("REFRESH TABLE nope").await.unwrap_err();
    assert!(e.to_string().contains("TABLE_NOT_FOUND"), "{e}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawl_ctas_and_insert_write_to_glue() {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let dir = TempDir::new().unwrap();
    let (mut session, store) = glue_session(&server.endpoint(), &dir).await;
    let root = env!("CARGO_MANIFEST_DIR");
    session.set_base_dir(root.into());
    let setup = std::fs::read_to_string(format!("{root}/queries/setup.sql")).unwrap();
    run(&mut session, &setup).await;
    let products = count(&mut session, "SELECT count(*) FROM sample.products").await;
    assert!(products > 0);

    // CTAS: the files, the table and its partitions in Glue.
    let target = dir.path().join("by_category");
    run(
        &mut session,
        &format!(
            "CREATE DATABASE web; CREATE TABLE web.by_category WITH (format = 'PARQUET', \
             external_location = '{}/', partitioned_by = ARRAY['category']) AS \
             SELECT product, list_price, category FROM sample.products",
            target.display()
        ),
    )
    .await;
    let categories = count(
        &mut session,
        "SELECT count(DISTINCT category) FROM sample.products",
    )
    .await;
    assert_eq!(
        store.count_partitions("web", "by_category").await.unwrap() as i64,
        categories
    );
    assert_eq!(
        count(&mut session, "SELECT count(*) FROM web.by_category").await,
        products
    );
    // INSERT INTO appends, and another connection to Glue sees it all.
    run(
        &mut session,
        "INSERT INTO web.by_category SELECT product, list_price, category FROM sample.products",
    )
    .await;
    let (mut other, _) = glue_session(&server.endpoint(), &TempDir::new().unwrap()).await;
    assert_eq!(
        count(&mut other, "SELECT count(*) FROM web.by_category").await,
        2 * products
    );

    // CRAWL registers what it finds in Glue.
    run(
        &mut session,
        &format!("CRAWL '{root}/sample-data/sales/' INTO crawled"),
    )
    .await;
    let tables = store.list_tables("crawled").await.unwrap();
    assert_eq!(tables.len(), 1, "{tables:?}");
    let sales = count(&mut other, "SELECT count(*) FROM sample.sales").await;
    assert_eq!(
        count(
            &mut other,
            &format!("SELECT count(*) FROM crawled.{}", tables[0])
        )
        .await,
        sales
    );
}

/// The interactive shell registers the sample lake (local files) in a local catalog
/// only: opening it on Glue writes nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shell_on_glue_registers_no_sample_tables() {
    use std::io::Write;
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let dir = TempDir::new().unwrap();
    let (master, slave) = support::pty::open();
    let address = format!("glue://?region=us-east-1&endpoint={}", server.endpoint());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lakesql"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("TERM", "dumb")
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("AWS_ACCESS_KEY_ID", support::s3_server::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", support::s3_server::SECRET_KEY)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .args(["--format", "csv", "--catalog", &address])
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave)
        .spawn()
        .unwrap();
    let screen = support::pty::Screen::read(&master);
    screen.wait_for("lakesql:default> ", 1);
    let mut writer = master;
    writer.write_all(b"SHOW DATABASES;\r").unwrap();
    screen.wait_for("lakesql:default> ", 2);
    let _ = child.kill();
    let _ = child.wait();
    let shown = screen.text();
    assert!(shown.contains("default"), "{shown}");
    assert!(!shown.contains("sample"), "{shown}");
    let store = GlueStore::connect(&config(&server.endpoint(), &dir), true)
        .await
        .unwrap();
    assert_eq!(store.get_database("sample").await.unwrap(), None);
}

/// `/* Presto View: base64(json) */` as Athena writes it.
fn presto_view(sql: &str, columns: &[(&str, &str)]) -> String {
    let document = json!({
        "originalSql": sql,
        "catalog": "awsdatacatalog",
        "schema": "default",
        "columns": columns.iter().map(|(n, t)| json!({"name": n, "type": t})).collect::<Vec<_>>(),
        "owner": "arn:aws:iam::123456789012:user/analyst",
        "runAsInvoker": false
    });
    format!(
        "/* Presto View: {} */",
        lakesql::catalog::view::base64::encode(document.to_string().as_bytes())
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn views_athena_created_in_glue_are_queried() {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let dir = TempDir::new().unwrap();
    let (mut session, store) = glue_session(&server.endpoint(), &dir).await;
    let root = env!("CARGO_MANIFEST_DIR");
    run(
        &mut session,
        &format!(
            "CREATE EXTERNAL TABLE products (name string, category string, price double) \
             ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' \
             LOCATION '{root}/sample-data/products/'"
        ),
    )
    .await;
    // What Athena's CREATE VIEW sends to Glue.
    for (name, sql) in [
        (
            "cheap",
            "SELECT name, price FROM products WHERE price < 200",
        ),
        (
            "broken",
            "SELECT name FROM products QUALIFY MATCH_RECOGNIZE",
        ),
    ] {
        let view = json!({
            "DatabaseName": "default",
            "TableInput": {
                "Name": name,
                "TableType": "VIRTUAL_VIEW",
                "Owner": "analyst",
                "ViewOriginalText": presto_view(sql, &[("name", "varchar"), ("price", "double")]),
                "ViewExpandedText": "/* Presto View */",
                "Parameters": {"presto_view": "true", "comment": "Presto View"},
                "StorageDescriptor": {
                    "Columns": [{"Name": "name", "Type": "string"},
                                {"Name": "price", "Type": "double"}],
                    "SerdeInfo": {}
                },
                "PartitionKeys": []
            }
        });
        store.client().call("CreateTable", view).await.unwrap();
    }
    let expected = count(
        &mut session,
        "SELECT count(*) FROM products WHERE price < 200",
    )
    .await;
    assert!(expected > 0);
    assert_eq!(
        count(&mut session, "SELECT count(*) FROM cheap").await,
        expected
    );
    let e = session
        .execute("SELECT * FROM broken")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("broken"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn glue_faults_are_retried_and_a_failed_batch_is_undone() {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let proxy = FaultProxy::start(&server.addr, 20, 7).await;
    let dir = TempDir::new().unwrap();
    let (mut session, store) = glue_session(&proxy.endpoint, &dir).await;
    run(
        &mut session,
        &format!(
            "CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (k int) STORED AS PARQUET \
             LOCATION '{}'",
            dir.path().join("lake").display()
        ),
    )
    .await;
    run(&mut session, &add_partitions("t", 250)).await;
    assert!(proxy.faults.injected.load(Ordering::SeqCst) > 0);
    let out = run(&mut session, "SHOW PARTITIONS t").await;
    let rows: usize = out[0].batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 250);

    // One batch call keeps failing (every attempt answers 503) while the others
    // succeed: the statement fails naming the operation, and the partitions the other
    // calls added are removed again.
    proxy.faults.per_mille.store(0, Ordering::SeqCst);
    *proxy.faults.fail_matching.lock().unwrap() = vec![
        b"AWSGlue.BatchCreatePartition".to_vec(),
        b"\"1150\"".to_vec(),
    ];
    let e = session
        .execute(&add_partitions_from("t", 1000, 260))
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Glue BatchCreatePartition failed"), "{e}");
    assert!(e.contains("nothing was added"), "{e}");
    proxy.faults.fail_matching.lock().unwrap().clear();
    assert_eq!(store.count_partitions("default", "t").await.unwrap(), 250);
    let direct = GlueStore::connect(&config(&server.endpoint(), &dir), true)
        .await
        .unwrap();
    assert_eq!(direct.count_partitions("default", "t").await.unwrap(), 250);
}

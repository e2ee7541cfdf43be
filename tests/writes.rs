//! Writes on real files and a real SQLite catalog: what CTAS and INSERT write is readable
//! by independent readers (the `parquet` and `csv` crates), a write cancelled half-way
//! leaves catalog and table as they were, and concurrent INSERTs into one table both land.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use tempfile::TempDir;

#[path = "support/session.rs"]
mod support_session;
use support_session::{count, run};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn session(catalog: &Path) -> Session {
    let store: Arc<dyn CatalogStore> = Arc::new(SqliteStore::open(catalog).unwrap());
    let mut session = Session::with_s3_config(store, lakesql::storage::S3Config::empty()).unwrap();
    session.set_base_dir(repo_root());
    session
}

/// Every file under `dir`, recursively, hidden ones included.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(all_files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Files a reader of the folder sees (no component starting with `.` or `_`).
fn visible_files(dir: &Path) -> Vec<PathBuf> {
    all_files(dir)
        .into_iter()
        .filter(|p| {
            p.strip_prefix(dir).unwrap().components().all(|c| {
                let name = c.as_os_str().to_string_lossy();
                !name.starts_with('.') && !name.starts_with('_')
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_and_text_output_read_back_with_independent_readers() {
    let dir = TempDir::new().unwrap();
    let mut s = session(&dir.path().join("catalog.db"));
    run(
        &mut s,
        &std::fs::read_to_string(repo_root().join("queries/setup.sql")).unwrap(),
    )
    .await;
    let pq = dir.path().join("pq");
    let txt = dir.path().join("txt");
    run(
        &mut s,
        &format!(
            "CREATE TABLE sales_pq WITH (external_location = '{}', partitioned_by = ARRAY['year']) \
             AS SELECT order_id, quantity, year FROM sales;
             INSERT INTO sales_pq SELECT order_id, quantity, 1999 FROM sales WHERE year = 2024;
             CREATE TABLE products_txt WITH (format = 'TEXTFILE', field_delimiter = ',', \
             write_compression = 'NONE', external_location = '{}') AS SELECT * FROM products;
             INSERT INTO products_txt VALUES ('kite', 'toys', NULL)",
            pq.display(),
            txt.display()
        ),
    )
    .await;

    // Parquet: the `parquet` crate reads every file; rows add up; partition values are
    // folder names, not file columns.
    let mut rows = 0;
    let files = visible_files(&pq);
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("/year=1999/"))
    );
    for file in &files {
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
            std::fs::File::open(file).unwrap(),
        )
        .unwrap();
        let names: Vec<String> = reader
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(names, ["order_id", "quantity"], "{}", file.display());
        for batch in reader.build().unwrap() {
            rows += batch.unwrap().num_rows() as i64;
        }
    }
    let expected = count(&mut s, "SELECT count(*) FROM sales").await
        + count(&mut s, "SELECT count(*) FROM sales WHERE year = 2024").await;
    assert_eq!(rows, expected);
    assert_eq!(
        count(&mut s, "SELECT count(*) FROM sales_pq").await,
        expected
    );

    // Text: the `csv` crate reads the lines; NULL is Hive's \N.
    let mut lines = Vec::new();
    for file in visible_files(&txt) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&file)
            .unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            lines.push(record.iter().map(str::to_string).collect::<Vec<_>>());
        }
    }
    assert_eq!(
        lines.len() as i64,
        count(&mut s, "SELECT count(*) FROM products").await + 1
    );
    assert!(lines.iter().all(|l| l.len() == 3), "{lines:?}");
    assert!(lines.contains(&vec!["kite".into(), "toys".into(), "\\N".into()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_write_changes_nothing() {
    let dir = TempDir::new().unwrap();
    let catalog = dir.path().join("catalog.db");
    let mut s = session(&catalog);
    let target = dir.path().join("big");
    let numbers = dir.path().join("numbers");
    run(
        &mut s,
        &format!(
            "CREATE TABLE numbers WITH (external_location = '{}') AS \
             SELECT value AS n, value % 50 AS p FROM generate_series(1, 200000)",
            numbers.display()
        ),
    )
    .await;
    let before = all_files(&numbers);

    // A CTAS cancelled while it writes (its future dropped, as Ctrl-C does).
    let ctas = format!(
        "CREATE TABLE big WITH (external_location = '{}', partitioned_by = ARRAY['p']) AS \
         SELECT a.n * 1000 + b.n AS n, a.p FROM numbers a CROSS JOIN (SELECT n FROM numbers \
         WHERE n <= 1000) b",
        target.display()
    );
    let cancelled = tokio::time::timeout(Duration::from_millis(400), s.execute(&ctas)).await;
    assert!(
        cancelled.is_err(),
        "the CTAS finished before it was cancelled"
    );
    // An INSERT cancelled the same way.
    let insert = "INSERT INTO numbers SELECT a.n, b.n % 7 FROM numbers a CROSS JOIN numbers b";
    let cancelled = tokio::time::timeout(Duration::from_millis(400), s.execute(insert)).await;
    assert!(
        cancelled.is_err(),
        "the INSERT finished before it was cancelled"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The catalog, read from the file by a new session, is as it was.
    let mut fresh = session(&catalog);
    let tables = fresh.catalog().list_tables("default").await.unwrap();
    assert_eq!(tables, ["numbers"]);
    assert_eq!(
        count(&mut fresh, "SELECT count(*) FROM numbers").await,
        200_000
    );
    // No file a reader would see was left; the table's files are the ones it had.
    assert!(
        visible_files(&target).is_empty(),
        "{:?}",
        all_files(&target)
    );
    assert_eq!(visible_files(&numbers), before);
    // The location can be written again.
    run(
        &mut fresh,
        &format!(
            "CREATE TABLE big WITH (external_location = '{}') AS SELECT 1 AS x",
            target.display()
        ),
    )
    .await;
    assert_eq!(count(&mut fresh, "SELECT count(*) FROM big").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_inserts_into_one_table_both_land() {
    let dir = TempDir::new().unwrap();
    let catalog = dir.path().join("catalog.db");
    let location = dir.path().join("t");
    let mut a = session(&catalog);
    run(
        &mut a,
        &format!(
            "CREATE TABLE t WITH (external_location = '{}', partitioned_by = ARRAY['k']) AS \
             SELECT 0 AS v, 'x' AS k",
            location.display()
        ),
    )
    .await;
    let mut b = session(&catalog);
    let insert_a =
        "INSERT INTO t SELECT value, CAST(value % 3 AS varchar) FROM generate_series(1, 30000)";
    let insert_b =
        "INSERT INTO t SELECT -value, CAST(value % 4 AS varchar) FROM generate_series(1, 40000)";
    let (ra, rb) = tokio::join!(a.execute(insert_a), b.execute(insert_b));
    ra.unwrap();
    rb.unwrap();
    assert_eq!(count(&mut a, "SELECT count(*) FROM t").await, 70_001);
    assert_eq!(
        count(&mut a, "SELECT count(*) FROM t WHERE v > 0").await,
        30_000
    );
    let partitions = a.catalog().list_partitions("default", "t").await.unwrap();
    // x, 0, 1, 2 (both), 3 (b only)
    assert_eq!(partitions.len(), 5, "{partitions:?}");
}

//! `ANALYZE TABLE … COMPUTE STATISTICS` and the queries it speeds up, on a copy of the
//! sample lake in a real folder with a real SQLite catalog: answers from statistics
//! equal answers from the files, files are skipped only when their statistics exclude
//! them, and a file changed after ANALYZE is read, never trusted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::util::pretty::pretty_format_batches;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::storage::S3Config;
use lakesql::{Session, StatementOutput};
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const SALES_COLUMNS: &str = "(order_id bigint, order_ts timestamp, customer_id int, \
     product string, category string, quantity int, unit_price decimal(10,2), \
     discount double, tags array<string>, shipping struct<city:string,country:string>)";

/// A copy of the sample `sales` and `events` data, a catalog file, and a session with
/// `s.sales` (analysed in the tests) and `s.plain` (the same files, never analysed: the
/// reference answers).
struct Lake {
    dir: TempDir,
    store: Arc<dyn CatalogStore>,
    session: Session,
}

impl Lake {
    async fn new() -> Lake {
        let dir = TempDir::new().unwrap();
        copy_dir(&root().join("sample-data/sales"), &dir.path().join("sales"));
        copy_dir(
            &root().join("sample-data/events"),
            &dir.path().join("events"),
        );
        let store: Arc<dyn CatalogStore> =
            Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
        let mut session = Session::with_s3_config(store.clone(), S3Config::empty()).unwrap();
        session.set_base_dir(dir.path().to_path_buf());
        let mut lake = Lake {
            dir,
            store,
            session,
        };
        lake.run("CREATE DATABASE s").await;
        for name in ["sales", "plain"] {
            lake.run(&format!(
                "CREATE EXTERNAL TABLE s.{name} {SALES_COLUMNS} PARTITIONED BY (year int, \
                 month int) STORED AS PARQUET LOCATION 'sales/'"
            ))
            .await;
            lake.run(&format!("MSCK REPAIR TABLE s.{name}")).await;
        }
        lake.run(
            "CREATE EXTERNAL TABLE s.events (event_id string, customer_id bigint, \
             event_type string, ts timestamp, device struct<os:string,version:string>, \
             properties struct<campaign:string>, debug boolean) ROW FORMAT SERDE \
             'org.openx.data.jsonserde.JsonSerDe' LOCATION 'events/'",
        )
        .await;
        lake
    }

    async fn run(&mut self, sql: &str) -> StatementOutput {
        let mut out = self
            .session
            .execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        out.pop().unwrap()
    }

    async fn fails(&mut self, sql: &str) -> String {
        match self.session.execute(sql).await {
            Ok(_) => panic!("{sql} should fail"),
            Err(e) => e.to_string(),
        }
    }

    /// The result as a table, and what it cost.
    async fn query(&mut self, sql: &str) -> (String, StatementOutput) {
        let out = self.run(sql).await;
        let text = pretty_format_batches(&out.batches).unwrap().to_string();
        (text, out)
    }

    /// The answer of `sql` over `s.sales` and over the never-analysed `s.plain`.
    async fn both(&mut self, sql: &str) -> (String, StatementOutput, String) {
        let (text, out) = self.query(sql).await;
        let (reference, _) = self.query(&sql.replace("s.sales", "s.plain")).await;
        // Column headers name the table.
        (text, out, reference.replace("s.plain", "s.sales"))
    }

    fn sales_file(&self, year: u32, month: u32) -> PathBuf {
        self.dir
            .path()
            .join(format!("sales/year={year}/month={month}/part-0.parquet"))
    }

    async fn describe_rows(&mut self, table: &str) -> String {
        let (text, _) = self.query(&format!("DESCRIBE FORMATTED {table}")).await;
        text
    }
}

const AGGREGATES: &str = "SELECT count(*), min(order_id), max(order_id), min(year), \
     max(month) FROM s.sales";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn count_min_and_max_come_from_statistics_after_analyze() {
    let mut lake = Lake::new().await;
    let (before, out) = lake.query(AGGREGATES).await;
    assert!(!out.stats.answered_from_statistics);
    assert_eq!(out.stats.get_requests, 24);

    let analyze = lake
        .run("ANALYZE TABLE s.sales COMPUTE STATISTICS FOR COLUMNS order_id")
        .await;
    assert!(
        analyze.messages[0].starts_with("analysed s.sales: 24 file(s) in 24 partition(s)"),
        "{:?}",
        analyze.messages
    );

    let (after, out) = lake.query(AGGREGATES).await;
    assert_eq!(after, before);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
    assert_eq!(out.stats.get_requests, 0, "{:?}", out.stats);
    assert_eq!(out.stats.bytes_scanned, 0);
    assert_eq!(out.stats.files, 0);

    // A partition filter is applied exactly by the catalog: still answered.
    let (text, out, reference) = lake
        .both("SELECT count(*) FROM s.sales WHERE year = 2024 AND month > 6")
        .await;
    assert_eq!(text, reference);
    assert!(out.stats.answered_from_statistics);

    // A column that was not analysed is read.
    let (text, out, reference) = lake.both("SELECT min(quantity) FROM s.sales").await;
    assert_eq!(text, reference);
    assert!(!out.stats.answered_from_statistics);
    // (Fewer than 24 GETs: DataFusion's dynamic filter for min() skips row groups by the
    // footers read by the first query.)
    assert!(out.stats.get_requests > 0);
    assert_eq!(out.stats.files, 24);

    // So is a count under a filter on data: the statistics bound it but do not give it.
    let (text, out, reference) = lake
        .both("SELECT count(*) FROM s.sales WHERE quantity > 2")
        .await;
    assert_eq!(text, reference);
    assert!(!out.stats.answered_from_statistics);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_skip_the_files_their_statistics_exclude() {
    let mut lake = Lake::new().await;
    lake.run("ANALYZE TABLE s.sales COMPUTE STATISTICS FOR ALL COLUMNS")
        .await;
    let (max, _) = lake.query("SELECT max(order_id) - 20 FROM s.plain").await;
    let threshold: i64 = max
        .lines()
        .nth(3)
        .unwrap()
        .trim_matches(['|', ' '])
        .parse()
        .unwrap();
    let sql = format!(
        "SELECT order_id, category FROM s.sales WHERE order_id > {threshold} ORDER BY order_id"
    );
    let (text, out, reference) = lake.both(&sql).await;
    assert_eq!(text, reference);
    assert!(text.lines().count() > 5, "{text}");
    let skipped = out.stats.files_skipped_by_statistics;
    assert!(skipped >= 20, "{:?}", out.stats);
    assert_eq!(out.stats.files + skipped, 24);
    assert_eq!(out.stats.get_requests, out.stats.files);

    // Timestamps, strings and NULL checks prune too, and never change an answer.
    for filter in [
        "order_ts < TIMESTAMP '2023-02-01 00:00:00'",
        "category = 'no such category'",
        "discount IS NULL AND year = 2023",
        "shipping.country = 'DE'",
    ] {
        let sql = format!("SELECT count(*), sum(quantity) FROM s.sales WHERE {filter}");
        let (text, _, reference) = lake.both(&sql).await;
        assert_eq!(text, reference, "{filter}");
    }
    let (_, out) = lake
        .query("SELECT count(*) FROM s.sales WHERE order_ts < TIMESTAMP '2023-02-01 00:00:00'")
        .await;
    assert_eq!(out.stats.files_skipped_by_statistics, 23, "{:?}", out.stats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_changed_after_analyze_is_read_not_trusted() {
    let mut lake = Lake::new().await;
    lake.run("ANALYZE TABLE s.sales COMPUTE STATISTICS FOR ALL COLUMNS")
        .await;
    // December 2024's file now holds January 2023's rows: its statistics are stale.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(lake.sales_file(2023, 1), lake.sales_file(2024, 12)).unwrap();

    let (text, out, reference) = lake.both(AGGREGATES).await;
    assert_eq!(text, reference);
    assert!(!out.stats.answered_from_statistics, "{:?}", out.stats);

    // The stale entry said December 2024; a filter on January 2023 must still find the
    // rows now in that file.
    let sql = "SELECT count(*) FROM s.sales WHERE order_ts < TIMESTAMP '2023-02-01 00:00:00'";
    let (text, out, reference) = lake.both(sql).await;
    assert_eq!(text, reference);
    assert_eq!(out.stats.files_skipped_by_statistics, 22, "{:?}", out.stats);
    assert_eq!(out.stats.files, 2);

    // Analysing the changed partition again makes it current.
    lake.run(
        "ANALYZE TABLE s.sales PARTITION (year=2024, month=12) COMPUTE STATISTICS FOR ALL COLUMNS",
    )
    .await;
    let (text, out, reference) = lake.both(AGGREGATES).await;
    assert_eq!(text, reference);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partitions_scope_analyze_and_describe_shows_what_was_recorded() {
    let mut lake = Lake::new().await;
    assert!(lake.describe_rows("s.sales").await.contains("never"));
    lake.run("ANALYZE TABLE s.sales PARTITION (year=2024, month) COMPUTE STATISTICS")
        .await;
    let described = lake.describe_rows("s.sales").await;
    assert!(described.contains("| Files analysed:"), "{described}");
    assert!(
        described
            .lines()
            .any(|l| l.contains("Files analysed:") && l.contains("| 12 ")),
        "{described}"
    );
    assert!(
        described.contains("none (ANALYZE … FOR COLUMNS)"),
        "{described}"
    );

    let (_, out) = lake
        .query("SELECT count(*) FROM s.sales WHERE year = 2024")
        .await;
    assert!(out.stats.answered_from_statistics);
    let (_, out) = lake.query("SELECT count(*) FROM s.sales").await;
    assert!(!out.stats.answered_from_statistics);

    // Dropping a partition drops its statistics.
    lake.run("ALTER TABLE s.sales DROP PARTITION (year=2024, month=3)")
        .await;
    let described = lake.describe_rows("s.sales").await;
    assert!(
        described
            .lines()
            .any(|l| l.contains("Files analysed:") && l.contains("| 11 ")),
        "{described}"
    );

    // NOSCAN records sizes without reading (and keeps the row counts it has).
    let out = lake
        .run("ANALYZE TABLE s.sales COMPUTE STATISTICS NOSCAN")
        .await;
    assert_eq!(out.stats.get_requests, 0, "{:?}", out.stats);
    let described = lake.describe_rows("s.sales").await;
    assert!(
        described.contains("counted in 11 of 23 files"),
        "{described}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_tables_are_analysed_by_the_same_readers() {
    let mut lake = Lake::new().await;
    let sql = "SELECT count(*), min(ts), max(customer_id) FROM s.events";
    let (before, _) = lake.query(sql).await;
    lake.run("ANALYZE TABLE s.events COMPUTE STATISTICS FOR ALL COLUMNS")
        .await;
    let (after, out) = lake.query(sql).await;
    assert_eq!(after, before);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
    assert_eq!(out.stats.get_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_analyze_statements_name_the_problem_and_change_nothing() {
    let mut lake = Lake::new().await;
    lake.run("CREATE VIEW s.v AS SELECT order_id FROM s.sales")
        .await;
    let cases = [
        (
            "ANALYZE TABLE s.sales COMPUTE STATISTICS FOR COLUMNS nope",
            "COLUMN_NOT_FOUND: ANALYZE: column 'nope' does not exist in table s.sales",
        ),
        (
            "ANALYZE TABLE s.sales PARTITION (day=1) COMPUTE STATISTICS",
            "'day' is not a partition key of table s.sales (its keys: year, month)",
        ),
        (
            "ANALYZE TABLE s.sales PARTITION (year='x') COMPUTE STATISTICS",
            "HIVE_INVALID_PARTITION_VALUE",
        ),
        (
            "ANALYZE TABLE s.events PARTITION (year=1) COMPUTE STATISTICS",
            "table s.events is not partitioned",
        ),
        (
            "ANALYZE TABLE s.v COMPUTE STATISTICS",
            "s.v is a view, not a table",
        ),
        (
            "ANALYZE TABLE s.missing COMPUTE STATISTICS",
            "TABLE_NOT_FOUND",
        ),
        ("ANALYZE TABLE s.sales COMPUTE", "STATISTICS"),
    ];
    for (sql, expected) in cases {
        let error = lake.fails(sql).await;
        assert!(error.contains(expected), "{sql}: {error}");
    }
    for table in ["sales", "events"] {
        let entries = lake.store.file_statistics("s", table, None).await.unwrap();
        assert!(entries.is_empty(), "{table}: {entries:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_without_columns_come_from_parquet_footers() {
    let mut lake = Lake::new().await;
    let (plan, _) = lake
        .query("EXPLAIN SELECT year, count(*) FROM s.plain GROUP BY year")
        .await;
    assert!(plan.contains("ParquetRowCountExec: files=24"), "{plan}");
    // The same counts through DataFusion's Parquet scan: the CASE reads a column.
    let (from_footers, out) = lake
        .query(
            "SELECT year, month, count(*) AS n, min(\"$path\") AS p FROM s.plain \
             GROUP BY year, month ORDER BY year, month",
        )
        .await;
    assert_eq!(out.stats.get_requests, 24);
    let (from_data, _) = lake
        .query(
            "SELECT year, month, sum(CASE WHEN order_id IS NULL THEN 1 ELSE 1 END) AS n, \
             min(\"$path\") AS p FROM s.plain GROUP BY year, month ORDER BY year, month",
        )
        .await;
    assert_eq!(from_footers, from_data);
    let (plan, _) = lake
        .query("EXPLAIN SELECT sum(CASE WHEN order_id IS NULL THEN 1 ELSE 1 END) FROM s.plain")
        .await;
    assert!(!plan.contains("ParquetRowCountExec"), "{plan}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explain_shows_what_statistics_did() {
    let mut lake = Lake::new().await;
    lake.run("ANALYZE TABLE s.sales COMPUTE STATISTICS FOR ALL COLUMNS")
        .await;
    let (plan, _) = lake
        .query(
            "EXPLAIN SELECT count(*) FROM s.sales WHERE order_ts < TIMESTAMP '2023-02-01 00:00:00'",
        )
        .await;
    assert!(
        plan.contains("1 file(s), 23 skipped by statistics, exact statistics"),
        "{plan}"
    );
}

/// Writes a Parquet file of `order_id` and `discount` with these rows, modified an hour ago.
fn write_parquet(path: &Path, ids: Vec<i64>, discounts: Vec<Option<f64>>) {
    use datafusion::arrow::array::{Float64Array, Int64Array};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;
    use datafusion::parquet::arrow::ArrowWriter;
    let schema = Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, true),
        Field::new("discount", DataType::Float64, true),
    ]));
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file.try_clone().unwrap(), schema.clone(), None).unwrap();
    if !ids.is_empty() {
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(Float64Array::from(discounts)),
            ],
        )
        .unwrap();
        writer.write(&batch).unwrap();
    }
    writer.close().unwrap();
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    file.set_modified(hour_ago).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_files_and_all_null_columns_keep_answers_exact() {
    let mut lake = Lake::new().await;
    let folder = lake.dir.path().join("sales/year=2024/month=1");
    write_parquet(&folder.join("empty.parquet"), vec![], vec![]);
    write_parquet(&folder.join("nulls.parquet"), vec![1, 2], vec![None, None]);
    let analyze = lake
        .run("ANALYZE TABLE s.sales COMPUTE STATISTICS FOR ALL COLUMNS")
        .await;
    assert!(
        analyze.messages[0].starts_with("analysed s.sales: 26 file(s)")
            && !analyze.messages[0].contains("changed"),
        "{:?}",
        analyze.messages
    );
    // The empty file has an entry (0 rows): the count is still answered.
    let (text, out, reference) = lake.both("SELECT count(*) FROM s.sales").await;
    assert_eq!(text, reference);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
    // A column that is NULL in every row of a file has no min/max there: min() and max()
    // are not taken from a NULL.
    let sql = "SELECT min(discount), max(discount), min(order_id) FROM s.sales";
    let (text, _, reference) = lake.both(sql).await;
    assert_eq!(text, reference);
    assert!(!text.contains("| NULL") && text.contains("| 1 "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_record_the_row_counts_of_their_parquet_files() {
    let mut lake = Lake::new().await;
    let count = "SELECT count(*) FROM s.copy";
    // CTAS, partitioned: each file's rows are recorded with the table.
    let ctas = lake
        .run(
            "CREATE TABLE s.copy WITH (format = 'PARQUET', partitioned_by = ARRAY['year'], \
             external_location = 'copy/') AS SELECT order_id, product, year FROM s.plain",
        )
        .await;
    let files = ctas.written_files.len();
    assert!(files >= 2, "{:?}", ctas.written_files);
    let (text, out) = lake.query(count).await;
    let (reference, _) = lake.query("SELECT count(*) FROM s.plain").await;
    assert_eq!(text, reference.replace("s.plain", "s.copy"));
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
    assert_eq!(out.stats.get_requests, 0, "{:?}", out.stats);
    let described = lake.describe_rows("s.copy").await;
    assert!(
        described
            .lines()
            .any(|l| l.contains("Files analysed:") && l.contains(&format!("| {files} "))),
        "{described}"
    );

    // INSERT INTO adds to them: into an existing partition and a new one.
    lake.run("INSERT INTO s.copy SELECT order_id, product, year + 10 FROM s.plain WHERE month = 1")
        .await;
    lake.run("INSERT INTO s.copy SELECT order_id, product, year FROM s.plain WHERE month = 2")
        .await;
    let (text, out) = lake.query(count).await;
    let (expected, _) = lake
        .query(
            "SELECT CAST(count(*) + sum(CASE WHEN month IN (1, 2) THEN 1 ELSE 0 END) AS bigint) \
             AS \"count(*)\" FROM s.plain",
        )
        .await;
    assert_eq!(text, expected);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);

    // An unpartitioned CTAS and INSERT (the catalog changes only by the statistics).
    lake.run(
        "CREATE TABLE s.flat WITH (format = 'PARQUET', external_location = 'flat/') AS \
         SELECT order_id FROM s.plain",
    )
    .await;
    lake.run("INSERT INTO s.flat SELECT order_id FROM s.plain WHERE year = 2024")
        .await;
    let (text, out) = lake.query("SELECT count(*) AS n FROM s.flat").await;
    let (expected, _) = lake
        .query("SELECT count(*) + sum(CASE WHEN year = 2024 THEN 1 ELSE 0 END) AS n FROM s.plain")
        .await;
    assert_eq!(text, expected);
    assert!(out.stats.answered_from_statistics, "{:?}", out.stats);

    // A written file replaced afterwards is read, not trusted.
    let written = lake
        .run("INSERT INTO s.flat SELECT order_id FROM s.plain WHERE year = 2023")
        .await
        .written_files;
    let path = written[0].strip_prefix("file://").unwrap().to_string();
    let first = lake.dir.path().join("flat");
    let other = std::fs::read_dir(&first)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_str() != Some(path.as_str()))
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(other, &path).unwrap();
    let (text, out) = lake.query("SELECT count(*) AS n FROM s.flat").await;
    assert!(!out.stats.answered_from_statistics, "{:?}", out.stats);
    let (read, _) = lake
        .query("SELECT sum(CASE WHEN order_id IS NULL THEN 1 ELSE 1 END) AS n FROM s.flat")
        .await;
    assert_eq!(text, read);

    // Formats whose writers do not count per file record nothing.
    lake.run(
        "CREATE TABLE s.js WITH (format = 'JSON', external_location = 'js/') AS \
         SELECT order_id FROM s.plain",
    )
    .await;
    let (_, out) = lake.query("SELECT count(*) FROM s.js").await;
    assert!(!out.stats.answered_from_statistics, "{:?}", out.stats);
}

//! lakesql on S3: the sample lake uploaded to a real S3-compatible server (moto, on
//! 127.0.0.1) must give the same results and the same request counts as on local disk,
//! survive injected faults, and fail cleanly (catalog unchanged, no secrets shown) when
//! every request fails. With Glue as the catalog (moto's, on the same server) the sample
//! scripts give the embedded catalog's results with the same data requests.

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use datafusion::arrow::util::pretty::pretty_format_batches;
use futures::TryStreamExt;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::glue::GlueStore;
use lakesql::storage::S3Config;
use lakesql::{Session, StatementOutput};
use object_store::ObjectStoreExt;
use object_store::path::Path as StorePath;
use support::fault_proxy::FaultProxy;
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tempfile::TempDir;

const BUCKET: &str = "lake";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Settings for the test server (or a proxy in front of it), with quick retries.
fn s3_settings(endpoint: &str) -> S3Config {
    let mut config = S3Config::empty();
    for (key, value) in [
        ("endpoint", endpoint),
        ("allow_http", "true"),
        ("region", "us-east-1"),
        ("access_key_id", ACCESS_KEY),
        ("secret_access_key", SECRET_KEY),
        ("backoff_initial", "5ms"),
        ("backoff_max", "40ms"),
        ("max_retries", "10"),
    ] {
        config.set(None, key, value).unwrap();
    }
    config
}

fn session(dir: &TempDir, s3: S3Config) -> Session {
    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
    let mut session = Session::with_s3_config(store, s3).unwrap();
    session.set_base_dir(repo_root());
    session
}

/// The sample scripts (setup with MSCK and projection, analyses, logs), with every
/// location moved to the bucket when `on_s3`.
fn sample_script(on_s3: bool) -> String {
    let mut sql = String::new();
    for file in ["setup.sql", "analyses.sql", "logs.sql"] {
        sql += &std::fs::read_to_string(repo_root().join("queries").join(file)).unwrap();
        sql += "\n";
    }
    if on_s3 {
        sql = sql.replace("'sample-data/", &format!("'s3://{BUCKET}/sample-data/"));
    }
    sql
}

/// One statement's outcome, with local paths written as the S3 ones.
#[derive(Debug, PartialEq)]
struct Outcome {
    kind: &'static str,
    rows: Vec<String>,
    requests: [u64; 4],
    scan: [u64; 3],
}

fn outcomes(outputs: &[StatementOutput]) -> Vec<Outcome> {
    let local = format!("file://{}/sample-data/", repo_root().display());
    let remote = format!("s3://{BUCKET}/sample-data/");
    outputs
        .iter()
        .map(|o| {
            let text = pretty_format_batches(&o.batches).unwrap().to_string();
            // Cells without padding: column widths follow the longer local paths.
            let mut rows: Vec<String> = text
                .replace(&local, &remote)
                .lines()
                .filter(|l| !l.starts_with('+'))
                .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>().join("|"))
                .collect();
            rows.sort();
            let s = &o.stats;
            Outcome {
                kind: o.kind.name(),
                rows,
                requests: [
                    s.list_requests,
                    s.get_requests,
                    s.head_requests,
                    s.bytes_scanned,
                ],
                scan: [s.files, s.partitions_matched, s.partitions_total],
            }
        })
        .collect()
}

async fn run(session: &mut Session, sql: &str) -> Vec<StatementOutput> {
    session.execute(sql).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn lake_server() -> S3Server {
    let server = S3Server::start();
    server.create_bucket(BUCKET);
    let uploaded = server
        .upload_dir(BUCKET, &repo_root().join("sample-data"), "sample-data")
        .await;
    assert!(uploaded > 30, "uploaded {uploaded} files");
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sample_lake_reads_the_same_on_s3_as_on_local_disk() {
    let server = lake_server().await;
    let (local_dir, s3_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut local = session(&local_dir, S3Config::empty());
    let mut remote = session(&s3_dir, s3_settings(&server.endpoint()));

    let expected = outcomes(&run(&mut local, &sample_script(false)).await);
    let actual = outcomes(&run(&mut remote, &sample_script(true)).await);
    assert_eq!(expected.len(), actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        assert_eq!(
            e, a,
            "statement {} differs between local disk and S3",
            e.kind
        );
    }
    // The comparison covers MSCK, projection and pruned scans, not only empty work.
    let kinds: Vec<&str> = actual.iter().map(|o| o.kind).collect();
    assert!(kinds.contains(&"msck_repair"), "{kinds:?}");
    assert!(
        actual
            .iter()
            .any(|o| o.scan[1] > 0 && o.scan[1] < o.scan[2] && o.requests[1] > 0),
        "no pruned scan that read data"
    );
    assert!(actual.iter().map(|o| o.requests[3]).sum::<u64>() > 100_000);

    // Pruning on S3: one month of sales lists one folder and reads one file.
    let out = run(
        &mut remote,
        "SELECT count(*) FROM sales WHERE year = 2024 AND month = 3",
    )
    .await;
    let s = &out[0].stats;
    assert_eq!((s.partitions_matched, s.partitions_total), (1, 24));
    assert_eq!((s.list_requests, s.files), (1, 1));
}

/// A session whose catalog is Glue on the same moto server as the bucket.
async fn glue_session(dir: &TempDir, server: &S3Server) -> Session {
    let config = support::glue::config(&server.endpoint(), dir.path());
    let store: Arc<dyn CatalogStore> = Arc::new(GlueStore::connect(&config, false).await.unwrap());
    let mut session = Session::with_s3_config(store, s3_settings(&server.endpoint())).unwrap();
    session.set_base_dir(repo_root());
    session
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn glue_as_the_catalog_gives_the_embedded_catalogs_results_and_data_requests() {
    let server = lake_server().await;
    let (embedded_dir, glue_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut embedded = session(&embedded_dir, s3_settings(&server.endpoint()));
    let mut glue = glue_session(&glue_dir, &server).await;

    let expected = run(&mut embedded, &sample_script(true)).await;
    let actual = run(&mut glue, &sample_script(true)).await;
    assert_eq!(expected.len(), actual.len());
    let mut pushed = 0;
    for (e, a) in outcomes(&expected).iter().zip(&outcomes(&actual)) {
        // Same rows, same data requests, same files and matched partitions. The total
        // differs where the filter went to Glue: it is then what Glue returned.
        assert_eq!(
            (e.kind, &e.rows, e.requests, &e.scan[..2]),
            (a.kind, &a.rows, a.requests, &a.scan[..2]),
            "statement {} differs between the embedded catalog and Glue",
            e.kind
        );
        if a.scan[2] < e.scan[2] {
            assert_eq!(a.scan[1], a.scan[2], "{a:?}");
            pushed += 1;
        }
    }
    assert!(pushed > 0, "no partition filter went to Glue");
    // Glue was asked, and within the cache's TTL not twice for the same table: many
    // statements need only the list of databases (one call).
    let glue_calls: Vec<u64> = actual.iter().map(|o| o.stats.catalog_requests).collect();
    assert!(glue_calls.iter().all(|&c| c > 0), "{glue_calls:?}");
    assert!(
        glue_calls.iter().filter(|&&c| c == 1).count() >= 5,
        "{glue_calls:?}"
    );
    assert!(expected.iter().all(|o| o.stats.catalog_requests == 0));

    // A point query asks Glue for its one partition.
    let out = run(
        &mut glue,
        "SELECT count(*) FROM sales WHERE year = 2024 AND month = 3",
    )
    .await;
    let s = &out[0].stats;
    assert_eq!((s.partitions_matched, s.partitions_total), (1, 1));
    assert_eq!((s.list_requests, s.files), (1, 1));
    // The table lives in Glue: a second session (another process) sees it.
    let mut other = glue_session(&TempDir::new().unwrap(), &server).await;
    let out = run(&mut other, "SELECT count(*) FROM sample.sales").await;
    let again = run(&mut embedded, "SELECT count(*) FROM sample.sales").await;
    assert_eq!(outcomes(&out)[0].rows, outcomes(&again)[0].rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn msck_add_drop_and_sync_follow_the_bucket() {
    let server = lake_server().await;
    let dir = TempDir::new().unwrap();
    let mut s = session(&dir, s3_settings(&server.endpoint()));
    run(
        &mut s,
        "CREATE EXTERNAL TABLE sales (order_id bigint, quantity int)
         PARTITIONED BY (year int, month int) STORED AS PARQUET
         LOCATION 's3://lake/sample-data/sales/';
         MSCK REPAIR TABLE sales",
    )
    .await;
    let partitions = async |s: &Session| {
        let listed = s.catalog().list_partitions("default", "sales").await;
        listed.unwrap().len()
    };
    assert_eq!(partitions(&s).await, 24);

    // Move one month: the old folder disappears, a new one appears.
    let client = server.client(BUCKET);
    let old = StorePath::from("sample-data/sales/year=2023/month=1/part-0.parquet");
    let new = StorePath::from("sample-data/sales/year=2025/month=1/part-0.parquet");
    client.copy(&old, &new).await.unwrap();
    client.delete(&old).await.unwrap();

    let out = run(&mut s, "MSCK REPAIR TABLE sales ADD PARTITIONS DRY RUN").await;
    assert_eq!(out[0].batches[0].num_rows(), 1);
    assert_eq!(partitions(&s).await, 24, "DRY RUN changed the catalog");
    run(&mut s, "MSCK REPAIR TABLE sales ADD PARTITIONS").await;
    assert_eq!(partitions(&s).await, 25);
    run(&mut s, "MSCK REPAIR TABLE sales DROP PARTITIONS").await;
    assert_eq!(partitions(&s).await, 24);
    let out = run(
        &mut s,
        "SELECT count(*) AS n FROM sales WHERE year = 2025; \
         SELECT count(*) AS n FROM sales WHERE year = 2023 AND month = 1",
    )
    .await;
    let text = pretty_format_batches(&out[0].batches).unwrap().to_string();
    assert!(!text.contains("| 0 "), "{text}");
    let text = pretty_format_batches(&out[1].batches).unwrap().to_string();
    assert!(text.contains("| 0 "), "{text}");

    // SYNC after deleting a whole year's folder.
    client.delete(&new).await.unwrap();
    let out = run(&mut s, "MSCK REPAIR TABLE sales SYNC PARTITIONS").await;
    assert_eq!(out[0].batches[0].num_rows(), 1);
    assert_eq!(partitions(&s).await, 23);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_percent_faults_give_identical_results() {
    let server = lake_server().await;
    let proxy = FaultProxy::start(&server.addr, 20, 7).await;
    let (local_dir, s3_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut local = session(&local_dir, S3Config::empty());
    let mut remote = session(&s3_dir, s3_settings(&proxy.endpoint));

    let expected = outcomes(&run(&mut local, &sample_script(false)).await);
    let actual = outcomes(&run(&mut remote, &sample_script(true)).await);
    assert_eq!(expected.len(), actual.len());
    for (e, a) in expected.iter().zip(&actual) {
        // Retried requests are invisible: counts stay those of the logical requests.
        assert_eq!(e.rows, a.rows, "statement {} differs under faults", e.kind);
        assert_eq!(e.scan, a.scan, "statement {} scanned differently", e.kind);
    }
    let requests = proxy.faults.requests.load(Ordering::SeqCst);
    let injected = proxy.faults.injected.load(Ordering::SeqCst);
    assert!(
        injected * 100 >= requests * 10 && injected > 10,
        "only {injected} of {requests} requests failed"
    );
    let partitions = remote
        .catalog()
        .list_partitions("sample", "sales")
        .await
        .unwrap()
        .len();
    assert_eq!(partitions, 24, "MSCK under faults registered {partitions}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_requests_failing_is_a_clear_error_and_changes_nothing() {
    let server = lake_server().await;
    let proxy = FaultProxy::start(&server.addr, 0, 11).await;
    let dir = TempDir::new().unwrap();
    let mut s = session(&dir, s3_settings(&proxy.endpoint));
    run(
        &mut s,
        "SET s3.max_retries = 2;
         CREATE EXTERNAL TABLE sales (order_id bigint, quantity int)
         PARTITIONED BY (year int, month int) STORED AS PARQUET
         LOCATION 's3://lake/sample-data/sales/';
         MSCK REPAIR TABLE sales",
    )
    .await;
    let before = s
        .catalog()
        .list_partitions("default", "sales")
        .await
        .unwrap();
    assert_eq!(before.len(), 24);
    // A new folder that MSCK would add, then every request fails.
    let client = server.client(BUCKET);
    client
        .copy(
            &StorePath::from("sample-data/sales/year=2023/month=1/part-0.parquet"),
            &StorePath::from("sample-data/sales/year=2030/month=1/part-0.parquet"),
        )
        .await
        .unwrap();
    proxy.faults.per_mille.store(1000, Ordering::SeqCst);

    for sql in [
        "SELECT sum(quantity) FROM sales",
        "SELECT count(*) FROM sales WHERE year = 2024 AND month = 2",
        "MSCK REPAIR TABLE sales SYNC PARTITIONS",
    ] {
        let error = s.execute(sql).await.unwrap_err().to_string();
        assert!(
            error.contains("lake/sample-data/sales"),
            "{sql}: the error does not name the request's location: {error}"
        );
        assert!(
            error.contains("GET") || error.contains("LIST") || error.contains("list"),
            "{sql}: the error does not name the request: {error}"
        );
        assert!(error.contains("retries"), "{sql}: {error}");
        assert!(!error.contains(SECRET_KEY), "{sql}: secret in error");
    }
    let after = s
        .catalog()
        .list_partitions("default", "sales")
        .await
        .unwrap();
    assert_eq!(before, after, "a failed MSCK changed the catalog");

    // Faults gone: the same session recovers.
    proxy.faults.per_mille.store(0, Ordering::SeqCst);
    run(&mut s, "MSCK REPAIR TABLE sales").await;
    assert_eq!(
        s.catalog()
            .list_partitions("default", "sales")
            .await
            .unwrap()
            .len(),
        25
    );
}

/// Requests in flight at once, as the proxy saw them, for MSCK, a full scan and a scan
/// listing 12 partition folders, with 20 ms of added latency per request.
async fn peak_concurrency(max_concurrency: Option<&str>) -> u64 {
    let server = lake_server().await;
    let proxy = FaultProxy::start(&server.addr, 0, 3).await;
    proxy.faults.latency_ms.store(20, Ordering::SeqCst);
    let dir = TempDir::new().unwrap();
    let mut s = session(&dir, s3_settings(&proxy.endpoint));
    if let Some(n) = max_concurrency {
        run(&mut s, &format!("SET s3.bucket.lake.max_concurrency = {n}")).await;
    }
    let out = run(
        &mut s,
        "CREATE EXTERNAL TABLE sales (order_id bigint, quantity int)
         PARTITIONED BY (year int, month int) STORED AS PARQUET
         LOCATION 's3://lake/sample-data/sales/';
         MSCK REPAIR TABLE sales;
         SELECT count(*) AS n, sum(quantity) AS q FROM sales;
         SELECT count(*) AS n FROM sales WHERE month <= 6",
    )
    .await;
    let text = pretty_format_batches(&out[2].batches).unwrap().to_string();
    assert!(text.contains("| 1187 | 3507 |"), "{text}");
    // Half the partitions: listed one folder at a time, concurrently.
    assert_eq!(out[3].stats.list_requests, 12);
    proxy.faults.max_in_flight.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_in_flight_stay_under_the_bucket_bound() {
    let unbounded = peak_concurrency(None).await;
    let bounded = peak_concurrency(Some("2")).await;
    assert!(
        unbounded > 2,
        "the workload never ran more than {unbounded} requests at once"
    );
    assert!(
        bounded <= 2,
        "{bounded} requests in flight with max_concurrency = 2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawling_s3_finds_what_crawling_local_disk_finds() {
    let server = lake_server().await;
    let proxy = FaultProxy::start(&server.addr, 20, 5).await;
    let (local_dir, s3_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut local = session(&local_dir, S3Config::empty());
    let mut remote = session(&s3_dir, s3_settings(&proxy.endpoint));
    let crawl = "CRAWL 'sample-data/' INTO lake";
    let tables = ["customers", "events", "logs", "products", "sales"];
    let show: String = tables
        .iter()
        .map(|t| match *t {
            "logs" | "sales" => format!("SHOW CREATE TABLE lake.{t}; SHOW PARTITIONS lake.{t};"),
            _ => format!("SHOW CREATE TABLE lake.{t};"),
        })
        .collect();
    let expected = outcomes(&run(&mut local, &format!("{crawl}; {show}")).await);
    let s3_crawl = crawl.replace("'sample-data/", "'s3://lake/sample-data/");
    let actual = outcomes(&run(&mut remote, &format!("{s3_crawl}; {show}")).await);
    assert_eq!(expected[0].rows, actual[0].rows, "crawl reports differ");
    assert_eq!(
        expected[0].requests, actual[0].requests,
        "crawl requests differ"
    );
    assert!(
        actual[0]
            .rows
            .iter()
            .filter(|r| r.contains("table created"))
            .count()
            == 5
    );
    for (e, a) in expected.iter().zip(&actual).skip(1) {
        assert_eq!(e.rows, a.rows, "{} differs", e.kind);
    }
    assert!(proxy.faults.injected.load(Ordering::SeqCst) > 0);
}

fn settings_rows(out: &StatementOutput) -> String {
    pretty_format_batches(&out.batches).unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_are_shown_without_secrets() {
    let dir = TempDir::new().unwrap();
    let mut s = session(&dir, s3_settings("http://127.0.0.1:9"));
    let out = run(
        &mut s,
        "SET s3.bucket.team-lake.v2.region = 'eu-west-1'; SHOW S3 SETTINGS",
    )
    .await;
    let text = settings_rows(&out[1]);
    assert!(
        text.contains("bucket team-lake.v2") && text.contains("eu-west-1"),
        "{text}"
    );
    assert!(
        text.contains("****") && !text.contains(SECRET_KEY),
        "{text}"
    );
    let error = s
        .execute("SET s3.regoin = 'x'")
        .await
        .unwrap_err()
        .to_string();
    assert!(error.contains("unknown S3 setting 'regoin'"), "{error}");
}

/// The binary reads the standard AWS variables.
#[test]
fn cli_reads_the_aws_environment_and_hides_the_secret() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(lake_server());
    let dir = TempDir::new().unwrap();
    let run = |sql: &str| {
        let mut cmd = assert_cmd::Command::cargo_bin("lakesql").unwrap();
        for (var, _) in std::env::vars() {
            if var.starts_with("AWS_") {
                cmd.env_remove(var);
            }
        }
        cmd.current_dir(dir.path())
            .env("HOME", dir.path())
            .env("LAKESQL_S3_CONFIG", dir.path().join("none.ini"))
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT_URL", server.endpoint())
            .env("AWS_ALLOW_HTTP", "true")
            .args(["--catalog", "cat.db", "--format", "csv", "-c", sql])
            .output()
            .unwrap()
    };
    let out = run(
        "CREATE EXTERNAL TABLE sales (order_id bigint, quantity int) \
                   PARTITIONED BY (year int, month int) STORED AS PARQUET \
                   LOCATION 's3://lake/sample-data/sales/'; \
                   MSCK REPAIR TABLE sales; \
                   SELECT count(*) AS n FROM sales WHERE year = 2024; \
                   SHOW S3 SETTINGS",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("n\n580\n"), "{stdout}");
    assert!(stdout.contains("default,secret_access_key,****,env AWS_SECRET_ACCESS_KEY"));
    assert!(!stdout.contains(SECRET_KEY) && !stderr.contains(SECRET_KEY));

    let out = run("CREATE EXTERNAL TABLE gone (a int) STORED AS PARQUET \
                   LOCATION 's3://no-such-bucket/x/'; SELECT * FROM gone");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("no-such-bucket"), "{stderr}");
    assert!(!stderr.contains(SECRET_KEY), "{stderr}");
}

/// CTAS and INSERT into a partitioned table, then the table read back, with the table
/// at `location`.
fn write_script(root: &str) -> String {
    format!(
        "USE sample;
         CREATE TABLE sales_copy WITH (external_location = '{root}sales_copy/', \
         partitioned_by = ARRAY['year']) AS SELECT order_id, quantity, unit_price, year FROM sales;
         INSERT INTO sales_copy SELECT order_id + 1000000, quantity, unit_price, 2030 \
         FROM sales WHERE year = 2024;
         INSERT INTO sales_copy SELECT order_id, quantity, unit_price, year FROM sales \
         WHERE month = 1;
         UNLOAD (SELECT product, count(*) AS n FROM sales GROUP BY product) \
         TO '{root}unloaded/' WITH (format = 'JSON');
         SELECT year, count(*), sum(quantity), sum(unit_price) FROM sales_copy \
         GROUP BY year ORDER BY year;
         SHOW PARTITIONS sales_copy"
    )
}

fn write_rows(outputs: &[StatementOutput]) -> Vec<(String, String, [u64; 3])> {
    outputs
        .iter()
        .map(|o| {
            let s = &o.stats;
            (
                o.kind.name().to_string(),
                pretty_format_batches(&o.batches).unwrap().to_string(),
                [s.rows_written, s.files_written, s.partitions_added],
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_s3_under_faults_match_local_disk() {
    let server = lake_server().await;
    let proxy = FaultProxy::start(&server.addr, 20, 11).await;
    let (local_dir, s3_dir) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let mut local = session(&local_dir, S3Config::empty());
    let mut remote = session(&s3_dir, s3_settings(&proxy.endpoint));
    run(&mut local, &sample_script(false)).await;
    run(&mut remote, &sample_script(true)).await;

    let local_root = format!("{}/out/", local_dir.path().display());
    let expected = write_rows(&run(&mut local, &write_script(&local_root)).await);
    let actual = write_rows(&run(&mut remote, &write_script("s3://lake/out/")).await);
    assert_eq!(expected, actual);
    assert_eq!(actual[1].2, [1187, 2, 2], "the CTAS wrote {:?}", actual[1]);
    assert!(proxy.faults.injected.load(Ordering::SeqCst) > 10);

    // The writes recorded their files' row counts: a count is answered without a GET
    // (on S3 the moved files' ETags and times were listed once per folder).
    let count = "SELECT count(*) FROM sample.sales_copy";
    let (local_count, remote_count) = (
        run(&mut local, count).await.remove(0),
        run(&mut remote, count).await.remove(0),
    );
    for out in [&local_count, &remote_count] {
        assert!(out.stats.answered_from_statistics, "{:?}", out.stats);
        assert_eq!(out.stats.get_requests, 0, "{:?}", out.stats);
    }
    assert_eq!(
        pretty_format_batches(&local_count.batches)
            .unwrap()
            .to_string(),
        pretty_format_batches(&remote_count.batches)
            .unwrap()
            .to_string()
    );

    // What is in the bucket: data files only, under Hive folders; no staging left.
    let client = server.client(BUCKET);
    let keys: Vec<String> = client
        .list(Some(&StorePath::from("out")))
        .map_ok(|m| m.location.to_string())
        .try_collect()
        .await
        .unwrap();
    assert!(
        keys.iter().all(|k| !k.contains(".lakesql-staging")),
        "{keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.starts_with("out/sales_copy/year=2030/")),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.starts_with("out/unloaded/")),
        "{keys:?}"
    );
}

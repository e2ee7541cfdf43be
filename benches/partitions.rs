//! Partition pruning and MSCK benchmark (not a test): prints wall times, request counts
//! and ratios. Run with `cargo bench --bench partitions` (add `-- --quick` for fewer runs).
//!
//! 1. A Hive-partitioned Parquet lake, year/month/day over three years (1,096 partitions),
//!    queried side by side through DataFusion's `ListingTable` with
//!    `table_partition_cols` and through lakesql's catalog table after MSCK.
//! 2. A 100,000-partition lake of tiny files: MSCK REPAIR time beside a bare recursive
//!    listing of the same tree, and a second MSCK run.
//! 3. A catalog table with 1,000,000 registered partitions: a one-partition query, first
//!    (partition index built from SQLite) and again (cached index).
//!
//! The lakes are generated under `$LAKESQL_BENCH_DIR` (default: the system temp folder)
//! and reused across runs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow::array::{Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;
use lakesql::Session;
use lakesql::catalog::{CatalogStore, Partition, SqliteStore};
use lakesql::storage::{CountingStore, RequestCounters, RequestSnapshot};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;
use parquet::arrow::ArrowWriter;

const ROWS_PER_FILE: usize = 200;

fn bench_dir() -> PathBuf {
    std::env::var_os("LAKESQL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("lakesql-bench"))
}

fn parquet_bytes(seed: u64, rows: usize) -> Vec<u8> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("amount", DataType::Float64, false),
        Field::new("category", DataType::Utf8, false),
    ]));
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let ids: Vec<i64> = (0..rows)
        .map(|i| (seed as i64) * 10_000 + i as i64)
        .collect();
    let amounts: Vec<f64> = (0..rows)
        .map(|_| (next() % 100_000) as f64 / 100.0)
        .collect();
    let cats: Vec<&str> = (0..rows)
        .map(|_| ["a", "b", "c", "d"][(next() % 4) as usize])
        .collect();
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(ids)),
            Arc::new(Float64Array::from(amounts)),
            Arc::new(StringArray::from(cats)),
        ],
    )
    .unwrap();
    let mut out = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut out, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    out
}

/// year/month/day over 2022-01-01 ..= 2024-12-31 (1,096 days).
fn daily_lake(root: &Path) -> PathBuf {
    let dir = root.join("daily");
    if dir.join("_DONE").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let mut day = chrono::NaiveDate::from_ymd_opt(2022, 1, 1).unwrap();
    let end = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let mut n = 0u64;
    while day <= end {
        use chrono::Datelike;
        let p = dir.join(format!(
            "year={}/month={}/day={}",
            day.year(),
            day.month(),
            day.day()
        ));
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("part-0.parquet"), parquet_bytes(n, ROWS_PER_FILE)).unwrap();
        n += 1;
        day = day.succ_opt().unwrap();
    }
    std::fs::write(dir.join("_DONE"), b"").unwrap();
    dir
}

/// bucket=0..99 / day=0..999: 100,000 partitions of one tiny file each.
fn wide_lake(root: &Path) -> PathBuf {
    let dir = root.join("wide");
    if dir.join("_DONE").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = parquet_bytes(7, 3);
    for b in 0..100 {
        for d in 0..1000 {
            let p = dir.join(format!("bucket={b}/day={d}"));
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("part-0.parquet"), &bytes).unwrap();
        }
    }
    std::fs::write(dir.join("_DONE"), b"").unwrap();
    dir
}

struct Measured {
    median: Duration,
    first: Duration,
    requests: RequestSnapshot,
    rows: String,
}

/// The two engines under comparison.
enum Engine<'a> {
    ListingTable(&'a SessionContext),
    Lakesql(&'a mut Session),
}

impl Engine<'_> {
    /// Runs `sql`; returns the first result row as text.
    async fn run(&mut self, sql: &str) -> String {
        let batches = match self {
            Engine::ListingTable(ctx) => ctx.sql(sql).await.unwrap().collect().await.unwrap(),
            Engine::Lakesql(session) => session.execute(sql).await.unwrap().pop().unwrap().batches,
        };
        arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string()
            .lines()
            .nth(3)
            .unwrap_or_default()
            .to_string()
    }
}

async fn measure(
    runs: usize,
    counters: &RequestCounters,
    engine: &mut Engine<'_>,
    sql: &str,
) -> Measured {
    let mut times = Vec::new();
    let mut requests = RequestSnapshot::default();
    let mut rows = String::new();
    for i in 0..runs {
        let before = counters.snapshot();
        let start = Instant::now();
        rows = engine.run(sql).await;
        times.push(start.elapsed());
        if i == 0 {
            requests = counters.snapshot() - before;
        }
    }
    let first = times[0];
    times.sort();
    Measured {
        median: times[times.len() / 2],
        first,
        requests,
        rows,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A DataFusion context whose local store counts requests. `list_cache` keeps DataFusion's
/// default list-files cache (on since DataFusion 52; it never sees new files); without it
/// every query lists.
fn counting_context(counters: Arc<RequestCounters>, list_cache: bool) -> SessionContext {
    let mut cache = CacheManagerConfig::default();
    if !list_cache {
        cache = cache.with_list_files_cache_limit(0);
    }
    let runtime = RuntimeEnvBuilder::new()
        .with_cache_manager(cache)
        .build_arc()
        .unwrap();
    let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
    let store = CountingStore::new(Arc::new(LocalFileSystem::new()), counters);
    ctx.runtime_env()
        .register_object_store(&url::Url::parse("file://").unwrap(), Arc::new(store));
    ctx
}

#[tokio::main]
async fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 7 };
    let root = bench_dir();
    std::fs::create_dir_all(&root).unwrap();
    println!(
        "lakesql partition benchmark — {} cores, runs per query: {runs} (median; first run in parentheses)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // ---- 1. 1,096 partitions: ListingTable vs lakesql -----------------------------------
    let t = Instant::now();
    let daily = daily_lake(&root);
    println!(
        "\nlake: {} (ready in {:.1}s)",
        daily.display(),
        t.elapsed().as_secs_f64()
    );

    let mut listing_tables = Vec::new();
    for list_cache in [false, true] {
        let counters = Arc::new(RequestCounters::default());
        let ctx = counting_context(counters.clone(), list_cache);
        let url = ListingTableUrl::parse(format!("{}/", daily.display())).unwrap();
        let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(vec![
                ("year".into(), DataType::Int32),
                ("month".into(), DataType::Int32),
                ("day".into(), DataType::Int32),
            ]);
        let schema = options.infer_schema(&ctx.state(), &url).await.unwrap();
        let config = ListingTableConfig::new(url)
            .with_listing_options(options)
            .with_schema(schema);
        ctx.register_table("daily", Arc::new(ListingTable::try_new(config).unwrap()))
            .unwrap();
        listing_tables.push((list_cache, counters, ctx));
    }

    let catalog_dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&catalog_dir.path().join("catalog.db")).unwrap());
    let mut session = Session::new(store.clone()).unwrap();
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE daily (id bigint, amount double, category string)
             PARTITIONED BY (year int, month int, day int) STORED AS PARQUET
             LOCATION '{}/'",
            daily.display()
        ))
        .await
        .unwrap();
    let t = Instant::now();
    session.execute("MSCK REPAIR TABLE daily").await.unwrap();
    println!("MSCK REPAIR TABLE daily: {:.1} ms", ms(t.elapsed()));
    let lake_counters = session_counters(&session);

    let queries = [
        (
            "one day",
            "SELECT count(*), round(sum(amount), 2) FROM daily WHERE year = 2023 AND month = 6 AND day = 15",
        ),
        (
            "one month",
            "SELECT count(*), round(sum(amount), 2) FROM daily WHERE year = 2023 AND month = 6",
        ),
        (
            "day range across months",
            "SELECT count(*), round(sum(amount), 2) FROM daily WHERE year = 2023 AND month IN (3, 4) AND day BETWEEN 10 AND 20",
        ),
        (
            "full scan aggregate",
            "SELECT count(*), round(sum(amount), 2) FROM daily",
        ),
        (
            "non-partition predicate",
            "SELECT count(*), round(sum(amount), 2) FROM daily WHERE amount > 999.5",
        ),
    ];
    for (list_cache, df_counters, df_ctx) in &listing_tables {
        println!(
            "\nListingTable {} list-files cache",
            if *list_cache {
                "WITH DataFusion's default"
            } else {
                "without the"
            }
        );
        println!(
            "{:<26} {:>22} {:>22} {:>8}   {:>11} {:>11}",
            "query (1,096 partitions)",
            "ListingTable ms",
            "lakesql ms",
            "ratio",
            "LIST df/ls",
            "GET df/ls"
        );
        for (name, sql) in queries {
            let df = measure(runs, df_counters, &mut Engine::ListingTable(df_ctx), sql).await;
            let ls = measure(
                runs,
                &lake_counters,
                &mut Engine::Lakesql(&mut session),
                sql,
            )
            .await;
            assert_eq!(df.rows, ls.rows, "{name}: results differ");
            println!(
                "{:<26} {:>12.2} ({:>7.2}) {:>12.2} ({:>7.2}) {:>8.2}   {:>5}/{:<5} {:>5}/{:<5}",
                name,
                ms(df.median),
                ms(df.first),
                ms(ls.median),
                ms(ls.first),
                ms(ls.median) / ms(df.median),
                df.requests.list,
                ls.requests.list,
                df.requests.get,
                ls.requests.get
            );
        }
    }

    // ---- 2. MSCK over 100,000 partitions -------------------------------------------------
    let t = Instant::now();
    let wide = wide_lake(&root);
    println!(
        "\nlake: {} (ready in {:.1}s)",
        wide.display(),
        t.elapsed().as_secs_f64()
    );
    let local: Arc<dyn ObjectStore> = Arc::new(LocalFileSystem::new());
    let prefix = object_store::path::Path::from_filesystem_path(&wide).unwrap();
    let mut listing_times = Vec::new();
    let mut files = 0;
    for _ in 0..3 {
        let t = Instant::now();
        files = local
            .list(Some(&prefix))
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap();
        listing_times.push(t.elapsed());
    }
    listing_times.sort();
    let listing = listing_times[1];
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE wide (id bigint) PARTITIONED BY (bucket int, day int)
             STORED AS PARQUET LOCATION '{}/'",
            wide.display()
        ))
        .await
        .unwrap();
    let t = Instant::now();
    let first = session
        .execute("MSCK REPAIR TABLE wide")
        .await
        .unwrap()
        .pop()
        .unwrap();
    let msck = t.elapsed();
    let t = Instant::now();
    let second = session
        .execute("MSCK REPAIR TABLE wide")
        .await
        .unwrap()
        .pop()
        .unwrap();
    let msck_again = t.elapsed();
    println!(
        "bare recursive listing of {files} files: {:.0} ms (median of 3)",
        ms(listing)
    );
    println!(
        "MSCK REPAIR TABLE wide: {:.0} ms = {:.2}x the listing; {}",
        ms(msck),
        ms(msck) / ms(listing),
        first.messages.join(" ")
    );
    println!(
        "second MSCK REPAIR TABLE wide: {:.0} ms; {}",
        ms(msck_again),
        second.messages.join(" ")
    );

    // ---- 3. 1,000,000 catalog partitions --------------------------------------------------
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE million (id bigint) PARTITIONED BY (p int)
             STORED AS PARQUET LOCATION '{}/million/'",
            root.display()
        ))
        .await
        .unwrap();
    let parts: Vec<Partition> = (0..1_000_000)
        .map(|p| Partition {
            values: vec![p.to_string()],
            location: format!("file://{}/million/p={p}/", root.display()),
            parameters: Default::default(),
            create_time: 0,
        })
        .collect();
    let t = Instant::now();
    store
        .sync_partitions("default", "million", &parts, &[])
        .await
        .unwrap();
    println!(
        "\nregistering 1,000,000 partitions: {:.0} ms (one transaction)",
        ms(t.elapsed())
    );
    let sql = "SELECT count(*) FROM million WHERE p = 123456";
    for label in [
        "first query (index built from SQLite)",
        "next query (cached index)",
        "next query (cached index)",
    ] {
        let t = Instant::now();
        session.execute(sql).await.unwrap();
        println!("{label}: {:.1} ms", ms(t.elapsed()));
    }

    // ---- 4. Partition projection: planning does not grow with the domain ------------------
    println!(
        "\n{:<34} {:>12} {:>10} {:>8}",
        "projected domain (integer p)", "point query ms", "matched", "LIST"
    );
    for size in [1_000u64, 100_000, 1_000_000] {
        let name = format!("proj_{size}");
        session
            .execute(&format!(
                "CREATE EXTERNAL TABLE {name} (id bigint) PARTITIONED BY (p int)
                 STORED AS PARQUET LOCATION '{root}/{name}/'
                 TBLPROPERTIES ('projection.enabled'='true', 'projection.p.type'='integer',
                                'projection.p.range'='0,{max}')",
                root = root.display(),
                max = size - 1
            ))
            .await
            .unwrap();
        let sql = format!("SELECT count(*) FROM {name} WHERE p = 777");
        let mut times = Vec::new();
        let mut stats = None;
        for _ in 0..runs {
            let t = Instant::now();
            let out = session.execute(&sql).await.unwrap().pop().unwrap();
            times.push(t.elapsed());
            stats = Some(out.stats);
        }
        times.sort();
        let stats = stats.unwrap();
        println!(
            "{:<34} {:>12.2} {:>10} {:>8}",
            format!("{size} combinations"),
            ms(times[times.len() / 2]),
            format!("{}/{}", stats.partitions_matched, stats.partitions_total),
            stats.list_requests
        );
    }
}

fn session_counters(session: &Session) -> Arc<RequestCounters> {
    session.request_counters()
}

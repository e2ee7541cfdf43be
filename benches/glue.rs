//! Glue as the catalog, 100,000 partitions (not a test): prints Glue calls, bytes
//! received and wall time of a point query and a full scan, with the partition filter
//! pushed down as the `GetPartitions` `Expression` and without (`pushdown=off`), and the
//! ratios. Run with `cargo bench --bench glue` (`-- --partitions N` for another size).
//!
//! Each query is the first statement of a new connection (nothing cached). Two Glue
//! servers on 127.0.0.1: moto (real Glue semantics for `Expression`; it
//! answers `GetPartitions` in one page, however large) and `lakesql serve` (pages of
//! 1,000 and `Segment`s, as Glue does). The table's partitions have no files, so the
//! times are the catalog's.

#[path = "../tests/support/s3_server.rs"]
#[allow(dead_code)]
mod s3_server;

use std::sync::Arc;
use std::time::Instant;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, Partition, SqliteStore};
use lakesql::glue::{GlueConfig, GlueStore};
use lakesql::serve::{ServeOptions, Server};
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tempfile::TempDir;

/// One measured statement.
struct Measured {
    calls: u64,
    bytes: u64,
    seconds: f64,
    partitions: u64,
}

fn config(endpoint: &str, dir: &TempDir, pushdown: bool) -> GlueConfig {
    GlueConfig {
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint.to_string()),
        statistics: Some(dir.path().join("statistics.db")),
        credentials: Some((ACCESS_KEY.to_string(), SECRET_KEY.to_string()).into()),
        pushdown,
        ..GlueConfig::default()
    }
}

/// Creates `default.t` partitioned by `k` with `n` partitions, through the Glue API.
async fn populate(store: &GlueStore, location: &str, n: usize) -> f64 {
    let mut session = Session::new(Arc::new(store.clone()) as Arc<dyn CatalogStore>).unwrap();
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (k int) STORED AS PARQUET \
             LOCATION '{location}'"
        ))
        .await
        .unwrap();
    let table = store.get_table("default", "t").await.unwrap().unwrap();
    let partitions: Vec<Partition> = (0..n)
        .map(|k| Partition {
            values: vec![k.to_string()],
            location: format!("{location}/k={k}/"),
            parameters: Default::default(),
            create_time: 0,
        })
        .collect();
    let started = Instant::now();
    store
        .add_partitions(&table.database_name, &table.name, &partitions, false)
        .await
        .unwrap();
    started.elapsed().as_secs_f64()
}

/// Runs `sql` as the first statement of a new session (a new connection: nothing
/// cached); the Glue calls, bytes and time of the statement.
async fn measure(config: &GlueConfig, sql: &str) -> Measured {
    let store = GlueStore::connect(config, false).await.unwrap();
    let mut session = Session::new(Arc::new(store.clone()) as Arc<dyn CatalogStore>).unwrap();
    let bytes = store.client().received();
    let started = Instant::now();
    let out = session.execute(sql).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stats = &out[0].stats;
    Measured {
        calls: stats.catalog_requests,
        bytes: store.client().received() - bytes,
        seconds,
        partitions: stats.partitions_matched,
    }
}

fn row(server: &str, query: &str, mode: &str, m: &Measured) {
    println!(
        "{server:<15} {query:<12} {mode:<12} {:>8} {:>14} {:>10.3} {:>10}",
        m.calls, m.bytes, m.seconds, m.partitions
    );
}

async fn run(server: &str, endpoint: &str, n: usize) {
    let dir = TempDir::new().unwrap();
    let location = dir.path().join("lake").display().to_string();
    let pushed = GlueStore::connect(&config(endpoint, &dir, true), false)
        .await
        .unwrap();
    let seconds = populate(&pushed, &location, n).await;
    println!(
        "{server}: registered {n} partitions in {seconds:.1} s (BatchCreatePartition, 100 a call)"
    );
    let point = format!("SELECT count(*) FROM t WHERE k = {}", n / 2 + 7);
    for (query, sql) in [
        ("point", point.as_str()),
        ("full scan", "SELECT count(*) FROM t"),
    ] {
        let with = measure(&config(endpoint, &dir, true), sql).await;
        let without = measure(&config(endpoint, &dir, false), sql).await;
        row(server, query, "pushdown", &with);
        row(server, query, "local filter", &without);
        println!(
            "{server:<15} {query:<12} {:<12} {:>8.1}x {:>13.1}x {:>9.1}x",
            "ratio",
            without.calls as f64 / with.calls.max(1) as f64,
            without.bytes as f64 / with.bytes.max(1) as f64,
            without.seconds / with.seconds.max(1e-9),
        );
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n = args
        .iter()
        .position(|a| a == "--partitions")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    println!(
        "{:<15} {:<12} {:<12} {:>8} {:>14} {:>10} {:>10}",
        "glue server", "query", "partitions", "calls", "bytes received", "seconds", "matched"
    );
    let dir = TempDir::new().unwrap();
    let served: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("served.db")).unwrap());
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    let lakesql = Server::start(options, served).await.unwrap();
    run("lakesql serve", &lakesql.endpoint(), n).await;
    lakesql.stop().await;
    let moto = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    run("moto", &moto.endpoint(), n).await;
}

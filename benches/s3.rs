//! S3 on loopback: the sample lake on local disk, on a real S3-compatible server (moto on
//! 127.0.0.1), and through the fault proxy failing 20% of requests.
//!
//! Prints, per workload, the median wall time of each setting, the ratios, the request
//! counts (which must be equal: pruning works the same on S3) and how many faults were
//! injected. Run with `cargo bench --bench s3` (`-- --quick` for 3 runs instead of 7).
//! Needs `pip install 'moto[server]'`.

#[path = "../tests/support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::storage::S3Config;
use support::fault_proxy::FaultProxy;
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn settings(endpoint: &str) -> S3Config {
    let mut config = S3Config::empty();
    for (k, v) in [
        ("endpoint", endpoint),
        ("allow_http", "true"),
        ("access_key_id", ACCESS_KEY),
        ("secret_access_key", SECRET_KEY),
    ] {
        config.set(None, k, v).unwrap();
    }
    config
}

/// A session whose catalog holds `sales` at `location`, registered by MSCK.
async fn session(dir: &TempDir, s3: S3Config, location: &str) -> Session {
    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
    let mut s = Session::with_s3_config(store, s3).unwrap();
    s.execute(&format!(
        "CREATE EXTERNAL TABLE sales (order_id bigint, customer_id bigint, quantity int, \
         unit_price decimal(10,2)) PARTITIONED BY (year int, month int) STORED AS PARQUET \
         LOCATION '{location}'"
    ))
    .await
    .unwrap();
    s
}

const WORKLOADS: &[(&str, &str)] = &[
    (
        "MSCK (24 partitions)",
        "MSCK REPAIR TABLE sales SYNC PARTITIONS",
    ),
    (
        "full-lake aggregate",
        "SELECT year, count(*), sum(quantity * unit_price) FROM sales GROUP BY year",
    ),
    (
        "one partition",
        "SELECT count(*), sum(quantity) FROM sales WHERE year = 2024 AND month = 3",
    ),
];

struct Measured {
    median_ms: f64,
    requests: (u64, u64, u64),
    rows: String,
}

async fn measure(s: &mut Session, sql: &str, runs: usize) -> Measured {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = s.execute(sql).await.unwrap().pop().unwrap();
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    times.sort_by(f64::total_cmp);
    let out = last.unwrap();
    let rows = datafusion::arrow::util::pretty::pretty_format_batches(&out.batches)
        .unwrap()
        .to_string();
    Measured {
        median_ms: times[times.len() / 2],
        requests: (
            out.stats.list_requests,
            out.stats.get_requests,
            out.stats.bytes_scanned,
        ),
        rows,
    }
}

fn main() {
    let runs = if std::env::args().any(|a| a == "--quick") {
        3
    } else {
        7
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = S3Server::start();
        server.create_bucket("lake");
        server
            .upload_dir("lake", &root().join("sample-data"), "sample-data")
            .await;
        let proxy = FaultProxy::start(&server.addr, 0, 42).await;
        let dirs: Vec<TempDir> = (0..3).map(|_| TempDir::new().unwrap()).collect();
        let local_location = format!("{}/sample-data/sales/", root().display());
        let mut local = session(&dirs[0], S3Config::empty(), &local_location).await;
        let s3_location = "s3://lake/sample-data/sales/";
        let mut s3 = session(&dirs[1], settings(&server.endpoint()), s3_location).await;
        let mut faulty = session(&dirs[2], settings(&proxy.endpoint), s3_location).await;

        println!(
            "lakesql on S3 (moto on 127.0.0.1) vs local disk; medians of {runs} runs; \
             default retry settings (backoff 100ms..15s, 10 retries)"
        );
        println!(
            "{:<22} {:>9} {:>9} {:>9} {:>8} {:>8} {:>14} {:>14}",
            "workload",
            "local ms",
            "s3 ms",
            "s3+20%",
            "s3/loc",
            "flt/s3",
            "LIST/GET loc",
            "LIST/GET s3"
        );
        for (name, sql) in WORKLOADS {
            let l = measure(&mut local, sql, runs).await;
            let r = measure(&mut s3, sql, runs).await;
            proxy.faults.per_mille.store(200, Ordering::SeqCst);
            let before = (
                proxy.faults.requests.load(Ordering::SeqCst),
                proxy.faults.injected.load(Ordering::SeqCst),
            );
            let f = measure(&mut faulty, sql, runs).await;
            let after = (
                proxy.faults.requests.load(Ordering::SeqCst),
                proxy.faults.injected.load(Ordering::SeqCst),
            );
            proxy.faults.per_mille.store(0, Ordering::SeqCst);
            let local_rows = l.rows.replace(&local_location, s3_location);
            let same = local_rows == r.rows && r.rows == f.rows;
            println!(
                "{:<22} {:>9.2} {:>9.2} {:>9.2} {:>7.2}× {:>7.2}× {:>14} {:>14}   results {}; \
                 faults {}/{} requests; bytes {} / {}",
                name,
                l.median_ms,
                r.median_ms,
                f.median_ms,
                r.median_ms / l.median_ms,
                f.median_ms / r.median_ms,
                format!("{}/{}", l.requests.0, l.requests.1),
                format!("{}/{}", r.requests.0, r.requests.1),
                if same { "identical" } else { "DIFFER" },
                after.1 - before.1,
                after.0 - before.0,
                l.requests.2,
                r.requests.2,
            );
        }
    });
}

//! Crawling 1,000 CSV files across 365 daily partitions (`dt=YYYY-MM-DD/`), whose columns
//! change part-way through the year: how long the crawl takes and how much of the data it
//! reads (a sample of each file, not whole files).
//!
//! `cargo bench --bench crawl` (`-- --quick` for 1 run instead of 3). The lake is generated
//! once under `$LAKESQL_BENCH_DIR/crawl` (default: the system temp folder).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::storage::S3Config;

const FILES: usize = 1000;
const DAYS: usize = 365;
const ROWS_PER_FILE: usize = 8000;

fn lake_dir() -> PathBuf {
    std::env::var_os("LAKESQL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("lakesql-bench"))
        .join("crawl")
}

/// Writes the lake unless it is there; returns its size in bytes.
fn generate(dir: &Path) -> u64 {
    let done = dir.join("_GENERATED");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(dir);
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        for i in 0..FILES {
            let day = start + chrono::Days::new((i % DAYS) as u64);
            let folder = dir.join(format!("dt={day}"));
            std::fs::create_dir_all(&folder).unwrap();
            let mut f = std::io::BufWriter::new(
                std::fs::File::create(folder.join(format!("drop-{i:04}.csv"))).unwrap(),
            );
            // From July on, the drops carry one more column.
            let wide = day.format("%m").to_string().as_str() >= "07";
            if wide {
                writeln!(f, "order_id,amount,country,channel").unwrap();
            } else {
                writeln!(f, "order_id,amount,country").unwrap();
            }
            for r in 0..ROWS_PER_FILE {
                let id = i * ROWS_PER_FILE + r;
                let amount = (id * 37 % 10_000) as f64 / 100.0;
                let country = ["DE", "FR", "JP", "US", "BR"][id % 5];
                if wide {
                    writeln!(f, "{id},{amount},{country},{}", ["web", "app"][id % 2]).unwrap();
                } else {
                    writeln!(f, "{id},{amount},{country}").unwrap();
                }
            }
        }
        std::fs::write(&done, b"").unwrap();
    }
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            for file in std::fs::read_dir(&path).unwrap() {
                total += file.unwrap().metadata().unwrap().len();
            }
        }
    }
    total
}

fn main() {
    let runs = if std::env::args().any(|a| a == "--quick") {
        1
    } else {
        3
    };
    let dir = lake_dir();
    let started = Instant::now();
    let total_bytes = generate(&dir);
    println!(
        "lake: {FILES} CSV files × {ROWS_PER_FILE} rows in {DAYS} daily partitions, {:.1} MB \
         ({:.1} s to generate or find)",
        total_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut times = Vec::new();
    for run in 0..runs {
        let catalog_dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn CatalogStore> =
            Arc::new(SqliteStore::open(&catalog_dir.path().join("c.db")).unwrap());
        let mut session = Session::with_s3_config(store.clone(), S3Config::empty()).unwrap();
        let sql = format!("CRAWL '{}/' INTO bench", dir.display());
        let started = Instant::now();
        let out = rt.block_on(session.execute(&sql)).unwrap().pop().unwrap();
        let elapsed = started.elapsed().as_secs_f64();
        times.push(elapsed);
        let s = &out.stats;
        if run == 0 {
            let table = rt
                .block_on(store.get_table("bench", "crawl"))
                .unwrap()
                .unwrap();
            let columns: Vec<String> = table
                .storage_descriptor
                .columns
                .iter()
                .map(|c| format!("{} {}", c.name, c.hive_type))
                .collect();
            println!(
                "table: ({}) partitioned by {} — {} partitions",
                columns.join(", "),
                table
                    .partition_keys
                    .iter()
                    .map(|k| format!("{} {}", k.name, k.hive_type))
                    .collect::<Vec<_>>()
                    .join(", "),
                rt.block_on(store.count_partitions("bench", "crawl"))
                    .unwrap()
            );
            println!(
                "requests: LIST {} GET {} HEAD {}; read {:.1} MB of {:.1} MB = {:.1}% ({:.1} KB per file)",
                s.list_requests,
                s.get_requests,
                s.head_requests,
                s.bytes_scanned as f64 / 1e6,
                total_bytes as f64 / 1e6,
                100.0 * s.bytes_scanned as f64 / total_bytes as f64,
                s.bytes_scanned as f64 / 1e3 / FILES as f64
            );
        }
        println!("run {}: crawl {elapsed:.2} s", run + 1);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median crawl time: {:.2} s for {FILES} files ({:.2} ms per file)",
        times[times.len() / 2],
        times[times.len() / 2] * 1000.0 / FILES as f64
    );
}

//! Write benchmark (not a test): Athena-style CTAS into Parquet, partitioned by a
//! 365-value date column and unpartitioned, beside DuckDB's `COPY … TO` on the same input;
//! prints wall times, ratios and lakesql's peak memory. Run with
//! `cargo bench --bench writes` (add `-- --quick` for 1 run per case instead of 3).
//!
//! - Input: 10 Parquet files × 1,000,000 rows (`id bigint, ts timestamp, customer_id int,
//!   amount double, category string` (12 values)`, note string, d date` (365 days of 2024,
//!   rows in random day order)), generated once under `$LAKESQL_BENCH_DIR/writes` (default:
//!   the system temp folder) and reused across runs.
//! - Each lakesql run is a child process (this binary re-invoked with `--writes-child`):
//!   a fresh catalog, `CREATE EXTERNAL TABLE` over the input, then the timed CTAS into a
//!   fresh empty folder. The child reads its peak RSS (`VmHWM` in /proc/self/status) right
//!   after the CTAS, then checks (untimed) that the written table counts the input's rows
//!   and, partitioned, has 365 partitions in the catalog and on disk.
//! - DuckDB runs through `python3 -c` with `import duckdb`; only the COPY is timed, inside
//!   Python. Both sides write SNAPPY (lakesql's and DuckDB's default; given explicitly).
//!   Without an importable `duckdb` the comparison is skipped.
//! - The partitioned case runs once more under `SET datafusion.runtime.memory_limit`
//!   (`$LAKESQL_BENCH_MEMORY_LIMIT`, default `1G`, the target), through `Session::context()`.
//!
//! - `$LAKESQL_BENCH_WRITE_OPTIONS` (e.g. `max_row_group_size=8192,
//!   datafusion.execution.objectstore_writer_buffer_size=1048576`) sets lakesql's writer
//!   options for experiments.
//!
//! Times are the best of the runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    Date32Array, Float64Array, Int32Array, Int64Array, StringArray, TimestampMillisecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;
use datafusion::config::ConfigField;
use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

const FILES: usize = 10;
const ROWS_PER_FILE: usize = 1_000_000;
const INPUT_ROWS: u64 = (FILES * ROWS_PER_FILE) as u64;
const DAYS: i64 = 365;
const CATEGORIES: [&str; 12] = [
    "books", "garden", "toys", "music", "games", "food", "tools", "sports", "beauty", "office",
    "pets", "travel",
];
const COLUMNS: &str = "id, ts, customer_id, amount, category, note, d";

fn bench_dir() -> PathBuf {
    std::env::var_os("LAKESQL_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("lakesql-bench"))
        .join("writes")
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, true),
        Field::new("ts", DataType::Timestamp(TimeUnit::Millisecond, None), true),
        Field::new("customer_id", DataType::Int32, true),
        Field::new("amount", DataType::Float64, true),
        Field::new("category", DataType::Utf8, true),
        Field::new("note", DataType::Utf8, true),
        Field::new("d", DataType::Date32, true),
    ]))
}

/// One input file: `ROWS_PER_FILE` rows in 64 Ki-row batches, SNAPPY.
fn write_input_file(path: &Path, file: usize) {
    let mut x = (file as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let start_day = (start - epoch).num_days();
    let day_ms = 86_400_000i64;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let out = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(out, schema(), Some(props)).unwrap();
    let batch_rows = 65_536;
    let mut done = 0;
    while done < ROWS_PER_FILE {
        let n = batch_rows.min(ROWS_PER_FILE - done);
        let mut ids = Vec::with_capacity(n);
        let mut ts = Vec::with_capacity(n);
        let mut customers = Vec::with_capacity(n);
        let mut amounts = Vec::with_capacity(n);
        let mut categories = Vec::with_capacity(n);
        let mut notes = Vec::with_capacity(n);
        let mut days = Vec::with_capacity(n);
        for r in 0..n {
            let id = (file * ROWS_PER_FILE + done + r) as i64;
            let offset_ms = (next() % (DAYS as u64 * day_ms as u64)) as i64;
            ids.push(id);
            ts.push((start_day * day_ms) + offset_ms);
            days.push((start_day + offset_ms / day_ms) as i32);
            customers.push((next() % 100_000) as i32);
            amounts.push((next() % 1_000_000) as f64 / 100.0);
            categories.push(CATEGORIES[(next() % CATEGORIES.len() as u64) as usize]);
            notes.push(format!("order {id} ref {:012x}", next() & 0xffff_ffff_ffff));
        }
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(Int64Array::from(ids)),
                Arc::new(TimestampMillisecondArray::from(ts)),
                Arc::new(Int32Array::from(customers)),
                Arc::new(Float64Array::from(amounts)),
                Arc::new(StringArray::from(categories)),
                Arc::new(StringArray::from(notes)),
                Arc::new(Date32Array::from(days)),
            ],
        )
        .unwrap();
        writer.write(&batch).unwrap();
        done += n;
    }
    writer.close().unwrap();
}

/// The input folder (generated unless a finished one is there) and its size in bytes.
fn input(root: &Path) -> (PathBuf, u64) {
    let dir = root.join("input");
    let marker = root.join("input.done");
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for file in 0..FILES {
            write_input_file(&dir.join(format!("part-{file:02}.parquet")), file);
        }
        std::fs::write(&marker, b"").unwrap();
    }
    (dir.clone(), folder_size(&dir).1)
}

/// Files and bytes under `dir`, recursively.
fn folder_size(dir: &Path) -> (u64, u64) {
    let mut files = 0;
    let mut bytes = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            let (f, b) = folder_size(&entry.path());
            files += f;
            bytes += b;
        } else {
            files += 1;
            bytes += meta.len();
        }
    }
    (files, bytes)
}

/// `d=…` folders directly under `dir`.
fn partition_folders(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let e = e.as_ref().unwrap();
            e.file_type().unwrap().is_dir() && e.file_name().to_string_lossy().starts_with("d=")
        })
        .count() as u64
}

/// A line of `key=value` words: the value of `key`.
fn field<'a>(line: &'a str, key: &str) -> &'a str {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
        .unwrap_or_else(|| panic!("no {key}= in {line:?}"))
}

fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

// ---- the lakesql child process ----------------------------------------------------------

/// Runs one lakesql CTAS; prints a `RESULT key=value …` line.
async fn child(case: &str, input: &str, out: &str, memory_limit: Option<&str>) {
    match child_run(case, input, out, memory_limit).await {
        Ok(line) => println!("RESULT {line}"),
        Err(e) => {
            println!("ERROR {}", e.replace('\n', " "));
            std::process::exit(1);
        }
    }
}

async fn child_run(
    case: &str,
    input: &str,
    out: &str,
    memory_limit: Option<&str>,
) -> Result<String, String> {
    let err = |e: lakesql::LakeError| e.to_string();
    let catalog_dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&catalog_dir.path().join("catalog.db")).map_err(err)?);
    let mut session = Session::new(store).map_err(err)?;
    session.set_warehouse(catalog_dir.path().join("warehouse"));
    if let Some(limit) = memory_limit {
        session
            .context()
            .sql(&format!("SET datafusion.runtime.memory_limit = '{limit}'"))
            .await
            .map_err(|e| e.to_string())?;
    }
    // Writer settings for experiments. `datafusion.…` names are session settings (SET);
    // other names are Parquet writer options, set on the session state's table options,
    // which writes use (`SET datafusion.execution.parquet.…` does not reach them).
    for option in write_options() {
        let (key, value) = option.split_once('=').ok_or("KEY=VALUE expected")?;
        let (key, value) = (key.trim(), value.trim());
        if key.starts_with("datafusion.") {
            session
                .context()
                .sql(&format!("SET {key} = '{value}'"))
                .await
                .map_err(|e| e.to_string())?;
        } else {
            session
                .context()
                .state_ref()
                .write()
                .table_options_mut()
                .parquet
                .set(key, value)
                .map_err(|e| e.to_string())?;
        }
    }
    session
        .execute(&format!(
            "CREATE EXTERNAL TABLE bench_input (id bigint, ts timestamp, customer_id int,
               amount double, category string, note string, d date)
             STORED AS PARQUET LOCATION '{input}/'"
        ))
        .await
        .map_err(err)?;
    let partitioned = case == "partitioned";
    let partitioning = if partitioned {
        ", partitioned_by = ARRAY['d']"
    } else {
        ""
    };
    let ctas = format!(
        "CREATE TABLE bench_output WITH (format = 'PARQUET', write_compression = 'SNAPPY',
           external_location = '{out}/'{partitioning})
         AS SELECT {COLUMNS} FROM bench_input"
    );
    let base_kib = status_kib("VmHWM:");
    let started = Instant::now();
    let outputs = session.execute(&ctas).await.map_err(err)?;
    let secs = started.elapsed().as_secs_f64();
    let hwm_kib = status_kib("VmHWM:");
    let stats = &outputs.last().ok_or("CTAS returned no output")?.stats;

    // Correctness, untimed.
    let count = scalar(&mut session, "SELECT count(*) FROM bench_output").await?;
    let (shown, folders) = if partitioned {
        let shown = session
            .execute("SHOW PARTITIONS bench_output")
            .await
            .map_err(err)?
            .pop()
            .map(|o| o.batches.iter().map(|b| b.num_rows()).sum::<usize>())
            .unwrap_or(0);
        (shown as u64, partition_folders(Path::new(out)))
    } else {
        (0, 0)
    };
    let (disk_files, disk_bytes) = folder_size(Path::new(out));
    Ok(format!(
        "secs={secs:.3} rows={} files={} bytes={} partitions={} hwm_kib={hwm_kib} \
         base_kib={base_kib} count={count} shown={shown} folders={folders} \
         disk_files={disk_files} disk_bytes={disk_bytes}",
        stats.rows_written, stats.files_written, stats.bytes_written, stats.partitions_added
    ))
}

/// `$LAKESQL_BENCH_WRITE_OPTIONS`: comma-separated `key=value` settings for lakesql's
/// runs: session settings (`datafusion.execution.objectstore_writer_buffer_size=…`) or
/// Parquet writer options (`datafusion.execution.parquet.*` names without the prefix).
fn write_options() -> Vec<String> {
    std::env::var("LAKESQL_BENCH_WRITE_OPTIONS")
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string)
        .collect()
}

async fn scalar(session: &mut Session, sql: &str) -> Result<String, String> {
    let batches = session
        .execute(sql)
        .await
        .map_err(|e| e.to_string())?
        .pop()
        .ok_or("no output")?
        .batches;
    let batch = batches.first().ok_or("no rows")?;
    arrow::util::display::array_value_to_string(batch.column(0), 0).map_err(|e| e.to_string())
}

// ---- DuckDB --------------------------------------------------------------------------------

const DUCKDB_SCRIPT: &str = r#"
import os, resource, sys, time
import duckdb
inp, out, partitioned = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
con = duckdb.connect()
select = f"SELECT {sys.argv[4]} FROM read_parquet('{inp}/*.parquet')"
if partitioned:
    sql = f"COPY ({select}) TO '{out}' (FORMAT PARQUET, COMPRESSION snappy, PARTITION_BY (d))"
    files = f"{out}/*/*.parquet"
else:
    os.makedirs(out)
    sql = f"COPY ({select}) TO '{out}/out.parquet' (FORMAT PARQUET, COMPRESSION snappy)"
    files = f"{out}/out.parquet"
started = time.perf_counter()
con.execute(sql)
secs = time.perf_counter() - started
hwm_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
count = con.execute(f"SELECT count(*) FROM read_parquet('{files}')").fetchone()[0]
codecs = ",".join(r[0] for r in con.execute(
    f"SELECT DISTINCT compression FROM parquet_metadata('{files}')").fetchall())
print(f"RESULT secs={secs:.3f} hwm_kib={hwm_kib} count={count} codecs={codecs}")
"#;

/// DuckDB's version, or why it cannot be used.
fn duckdb_version() -> Result<String, String> {
    let out = Command::new("python3")
        .args(["-c", "import duckdb; print(duckdb.__version__)"])
        .output()
        .map_err(|e| format!("python3 cannot be run ({e})"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .lines()
            .last()
            .unwrap_or("import duckdb failed")
            .to_string())
    }
}

// ---- the parent ------------------------------------------------------------------------------

/// One run's outcome: the `RESULT` line, or the error.
fn run_child(mut cmd: Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) {
        return Ok(line.to_string());
    }
    let error = stdout
        .lines()
        .find_map(|l| l.strip_prefix("ERROR "))
        .map(str::to_string)
        .unwrap_or_else(|| {
            format!(
                "exit {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )
        });
    Err(error)
}

fn fresh(dir: &Path) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

struct Best {
    secs: f64,
    all: Vec<f64>,
    hwm_mib: f64,
    line: String,
}

/// The runs of one case: every time, the worst peak, and the best run's report line.
#[derive(Default)]
struct Runs {
    best: Option<Best>,
    all: Vec<f64>,
    hwm_mib: f64,
}

impl Runs {
    fn record(&mut self, secs: f64, hwm_mib: f64, line: String) {
        self.all.push(secs);
        self.hwm_mib = self.hwm_mib.max(hwm_mib);
        if self.best.as_ref().is_none_or(|b| secs < b.secs) {
            self.best = Some(Best {
                secs,
                all: Vec::new(),
                hwm_mib: 0.0,
                line,
            });
        }
    }

    fn finish(self) -> Best {
        let mut best = self.best.expect("at least one run");
        best.all = self.all;
        best.hwm_mib = self.hwm_mib;
        best
    }
}

impl Best {
    fn times(&self) -> String {
        self.all
            .iter()
            .map(|s| format!("{s:.2}"))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

/// Runs `runs` lakesql children for `case`; checks each run's output.
fn lakesql_case(
    root: &Path,
    input: &Path,
    case: &str,
    memory_limit: Option<&str>,
    runs: usize,
) -> Result<Best, String> {
    let out = root.join("out").join(format!(
        "lakesql-{case}{}",
        if memory_limit.is_some() {
            "-limited"
        } else {
            ""
        }
    ));
    let exe = std::env::current_exe().unwrap();
    let mut runs_of_case = Runs::default();
    for _ in 0..runs {
        fresh(&out);
        let mut cmd = Command::new(&exe);
        cmd.args(["--writes-child", case])
            .arg(input)
            .arg(&out)
            .args(memory_limit);
        let line = run_child(cmd)?;
        let secs: f64 = field(&line, "secs").parse().unwrap();
        let num = |k: &str| field(&line, k).parse::<u64>().unwrap();
        assert_eq!(num("rows"), INPUT_ROWS, "{case}: rows_written");
        assert_eq!(num("count"), INPUT_ROWS, "{case}: count(*) of the output");
        assert_eq!(num("files"), num("disk_files"), "{case}: files on disk");
        assert_eq!(num("bytes"), num("disk_bytes"), "{case}: bytes on disk");
        if case == "partitioned" {
            assert_eq!(num("partitions"), DAYS as u64, "{case}: partitions_added");
            assert_eq!(num("shown"), DAYS as u64, "{case}: SHOW PARTITIONS");
            assert_eq!(num("folders"), DAYS as u64, "{case}: d=… folders");
        }
        println!(
            "  lakesql {case}{}: {secs:.2} s, peak RSS {:.0} MiB (before the CTAS {:.0} MiB), \
             {} files, {:.1} MB; count(*) {} ✓{}",
            memory_limit
                .map(|l| format!(" (memory_limit {l})"))
                .unwrap_or_default(),
            num("hwm_kib") as f64 / 1024.0,
            num("base_kib") as f64 / 1024.0,
            num("files"),
            num("bytes") as f64 / 1e6,
            num("count"),
            if case == "partitioned" {
                format!(", {} partitions ✓", num("shown"))
            } else {
                String::new()
            }
        );
        runs_of_case.record(secs, num("hwm_kib") as f64 / 1024.0, line);
    }
    fresh(&out);
    Ok(runs_of_case.finish())
}

fn duckdb_case(root: &Path, input: &Path, case: &str, runs: usize) -> Result<Best, String> {
    let out = root.join("out").join(format!("duckdb-{case}"));
    let mut runs_of_case = Runs::default();
    for _ in 0..runs {
        fresh(&out);
        let mut cmd = Command::new("python3");
        cmd.args(["-c", DUCKDB_SCRIPT])
            .arg(input)
            .arg(&out)
            .arg(if case == "partitioned" { "1" } else { "0" })
            .arg(COLUMNS);
        let mut line = run_child(cmd)?;
        let secs: f64 = field(&line, "secs").parse().unwrap();
        let count: u64 = field(&line, "count").parse().unwrap();
        let hwm_kib: u64 = field(&line, "hwm_kib").parse().unwrap();
        assert_eq!(count, INPUT_ROWS, "duckdb {case}: count(*) of the output");
        let (files, bytes) = folder_size(&out);
        let partitions = if case == "partitioned" {
            partition_folders(&out)
        } else {
            0
        };
        if case == "partitioned" {
            assert_eq!(partitions, DAYS as u64, "duckdb {case}: d=… folders");
        }
        println!(
            "  duckdb  {case}: {secs:.2} s, peak RSS {:.0} MiB, {files} files, {:.1} MB, \
             codec {}; count(*) {count} ✓{}",
            hwm_kib as f64 / 1024.0,
            bytes as f64 / 1e6,
            field(&line, "codecs"),
            if case == "partitioned" {
                format!(", {partitions} partitions ✓")
            } else {
                String::new()
            }
        );
        line.push_str(&format!(" files={files} bytes={bytes}"));
        runs_of_case.record(secs, hwm_kib as f64 / 1024.0, line);
    }
    fresh(&out);
    Ok(runs_of_case.finish())
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--writes-child") {
        let rest = &args[i + 1..];
        child(
            &rest[0],
            &rest[1],
            &rest[2],
            rest.get(3).map(String::as_str),
        )
        .await;
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let runs = if quick { 1 } else { 3 };
    let memory_limit =
        std::env::var("LAKESQL_BENCH_MEMORY_LIMIT").unwrap_or_else(|_| "1G".to_string());
    let root = bench_dir();
    std::fs::create_dir_all(&root).unwrap();
    let _ = std::fs::remove_dir_all(root.join("out"));
    std::fs::create_dir_all(root.join("out")).unwrap();
    println!(
        "lakesql write benchmark — {} cores, best of {runs} run(s) per case",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    let started = Instant::now();
    let (input, input_bytes) = input(&root);
    println!(
        "input: {} — {FILES} Parquet files × {ROWS_PER_FILE} rows, {:.1} MB (ready in {:.1} s)",
        input.display(),
        input_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let duckdb = duckdb_version();
    match &duckdb {
        Ok(v) => println!("DuckDB {v} (python3), COPY … (FORMAT PARQUET, COMPRESSION snappy)"),
        Err(why) => println!("DuckDB not importable ({why}): the comparison is skipped"),
    }
    println!("both write SNAPPY (the default of lakesql's Parquet CTAS and of DuckDB's COPY)");
    let options = write_options();
    if !options.is_empty() {
        println!("lakesql writer options: {}", options.join(", "));
    }
    println!();

    let cases = [
        ("partitioned", None, "a. CTAS partitioned by d (365)"),
        ("unpartitioned", None, "b. CTAS unpartitioned"),
        (
            "partitioned",
            Some(memory_limit.as_str()),
            "a. with memory_limit",
        ),
    ];
    let mut rows = Vec::new();
    for (case, limit, label) in cases {
        let label = match limit {
            Some(l) => format!("{label} {l}"),
            None => label.to_string(),
        };
        println!("{label}");
        let ls = lakesql_case(&root, &input, case, limit, runs);
        if let Err(e) = &ls {
            println!("  lakesql {case} FAILED: {e}");
        }
        let dd = match (&duckdb, limit) {
            (Ok(_), None) => Some(duckdb_case(&root, &input, case, runs)),
            _ => None,
        };
        if let Some(Err(e)) = &dd {
            println!("  duckdb {case} FAILED: {e}");
        }
        if let Ok(ls) = &ls {
            println!("  lakesql runs: {} s", ls.times());
        }
        if let Some(Ok(dd)) = &dd {
            println!("  duckdb runs:  {} s", dd.times());
        }
        rows.push((label, ls, dd));
    }

    println!(
        "\n{:<38} {:>10} {:>10} {:>7} {:>12} {:>12} {:>11} {:>12} {:>16}",
        "case",
        "lakesql s",
        "duckdb s",
        "ratio",
        "ls RSS MiB",
        "dd RSS MiB",
        "rows",
        "files ls/dd",
        "MB ls/dd"
    );
    for (label, ls, dd) in &rows {
        let dd = dd.as_ref().and_then(|d| d.as_ref().ok());
        let Ok(ls) = ls else {
            println!("{label:<38} {:>10}", "failed");
            continue;
        };
        let num = |line: &str, k: &str| field(line, k).parse::<u64>().unwrap();
        let opt = |f: &dyn Fn(&Best) -> String| dd.map(f).unwrap_or_else(|| "-".to_string());
        println!(
            "{label:<38} {:>10.2} {:>10} {:>7} {:>12.0} {:>12} {:>11} {:>12} {:>16}",
            ls.secs,
            opt(&|d| format!("{:.2}", d.secs)),
            opt(&|d| format!("{:.2}", ls.secs / d.secs)),
            ls.hwm_mib,
            opt(&|d| format!("{:.0}", d.hwm_mib)),
            num(&ls.line, "rows"),
            format!(
                "{}/{}",
                num(&ls.line, "files"),
                opt(&|d| num(&d.line, "files").to_string())
            ),
            format!(
                "{:.1}/{}",
                num(&ls.line, "bytes") as f64 / 1e6,
                opt(&|d| format!("{:.1}", num(&d.line, "bytes") as f64 / 1e6))
            ),
        );
    }
    println!(
        "\nratio = lakesql / DuckDB (best run each); RSS = the process's peak (VmHWM for \
         lakesql, ru_maxrss for DuckDB's Python process), the worst of the runs"
    );
}

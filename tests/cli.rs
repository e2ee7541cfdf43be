//! Command-line tests: `-c`, `-f`, stdin, exit codes, formats, statistics, and a
//! catalog shared by two processes.

use assert_cmd::Command;
use predicates::prelude::*;
use tempfile::TempDir;

#[path = "support/sample.rs"]
mod sample;

/// A fresh catalog with the sample lake's tables (`queries/setup.sql`).
fn sample_catalog() -> TempDir {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["-q", "-f", "queries/setup.sql"])
        .assert()
        .success();
    dir
}

/// Runs `sql` with `--stats json`; returns stdout (CSV) and each statement's statistics.
fn with_stats(dir: &TempDir, sql: &str) -> (String, Vec<serde_json::Value>) {
    let out = lakesql(dir)
        .args(["-q", "--stats", "json", "--format", "csv", "-c", sql])
        .assert()
        .success();
    let output = out.get_output();
    let stats = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (String::from_utf8(output.stdout.clone()).unwrap(), stats)
}

/// `lakesql` with a fresh catalog in `dir`, run from the repository root.
fn lakesql(dir: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("lakesql").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("LAKESQL_CATALOG", dir.path().join("catalog.db"));
    cmd
}

const CREATE_PRODUCTS: &str = "CREATE EXTERNAL TABLE products (product string, category string, \
     list_price decimal(10,2)) ROW FORMAT DELIMITED FIELDS TERMINATED BY '\\t' \
     LOCATION 'sample-data/products/'";

#[test]
fn command_runs_statements_in_order_and_prints_csv() {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["--format", "csv", "-q", "-c"])
        .arg(format!(
            "{CREATE_PRODUCTS}; SELECT product, list_price FROM products WHERE category = 'furniture' ORDER BY product"
        ))
        .assert()
        .success()
        .stdout("product,list_price\nchair,189.00\ndesk,349.00\nlamp,45.00\n");
}

#[test]
fn catalog_persists_across_processes() {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["-q", "-c", CREATE_PRODUCTS])
        .assert()
        .success();
    lakesql(&dir)
        .args([
            "-q",
            "--format",
            "tsv",
            "-c",
            "SHOW TABLES; SELECT count(*) AS n FROM default.products",
        ])
        .assert()
        .success()
        .stdout("tab_name\nproducts\nn\n10\n");
    // --catalog beats the environment variable.
    let other = dir.path().join("other.db");
    lakesql(&dir)
        .arg("--catalog")
        .arg(&other)
        .args(["-q", "--format", "csv", "-c", "SHOW TABLES"])
        .assert()
        .success()
        .stdout("tab_name\n");
    assert!(other.exists());
}

#[test]
fn files_run_in_order_and_errors_name_file_and_line() {
    let dir = TempDir::new().unwrap();
    let a = dir.path().join("a.sql");
    let b = dir.path().join("b.sql");
    std::fs::write(&a, format!("{CREATE_PRODUCTS};\n")).unwrap();
    std::fs::write(
        &b,
        "SELECT count(*) FROM products;\n\n-- a typo on line 4\nSELECT nope FROM products;\nSELECT 1;\n",
    )
    .unwrap();
    lakesql(&dir)
        .args(["-q", "--format", "csv", "-f"])
        .arg(&a)
        .arg("-f")
        .arg(&b)
        .assert()
        .code(1)
        .stdout("count(*)\n10\n")
        .stderr(predicate::str::contains("b.sql:4:").and(predicate::str::contains("nope")));
}

#[test]
fn continue_on_error_keeps_going_but_fails() {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["-q", "--continue-on-error", "--format", "csv", "-c"])
        .arg("SELECT * FROM missing_table; SELECT 42 AS answer")
        .assert()
        .code(1)
        .stdout("answer\n42\n")
        .stderr(predicate::str::contains("TABLE_NOT_FOUND"));
}

#[test]
fn stdin_is_read_as_a_script() {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["-q", "--format", "ndjson"])
        .write_stdin("SELECT 1 AS a;\nSELECT 'x' AS b;\n")
        .assert()
        .success()
        .stdout("{\"a\":1}\n{\"b\":\"x\"}\n");
}

#[test]
fn formats() {
    let dir = TempDir::new().unwrap();
    let sql = "SELECT 1 AS a, 'x|y' AS b";
    let run = |format: &str| {
        let out = lakesql(&dir)
            .args(["-q", "--format", format, "-c", sql])
            .assert()
            .success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    assert_eq!(run("json"), "[{\"a\":1,\"b\":\"x|y\"}]\n");
    assert_eq!(run("markdown"), "| a | b |\n|---|---|\n| 1 | x\\|y |\n");
    assert_eq!(run("tsv"), "a\tb\n1\tx|y\n");
    let table = run("table");
    assert!(
        table.contains("| a | b   |") && table.contains("| 1 | x|y |"),
        "{table}"
    );
}

#[test]
fn stats_json_reports_scan_counts() {
    let dir = sample_catalog();
    let (stdout, mut stats) = with_stats(&dir, "SELECT count(*) FROM sample.sales");
    let stats = stats.pop().unwrap();
    assert_eq!(stats["statement"], "select");
    assert_eq!(stats["partitions_total"], 24);
    assert_eq!(stats["partitions_matched"], 24);
    assert_eq!(stats["files"], 24);
    // Every partition matches: one recursive listing of the table folder beats 24.
    assert_eq!(stats["list_requests"], 1);
    // Each small file is read once, whole: one GET per file, its bytes exactly.
    assert_eq!(stats["get_requests"], 24, "{stats}");
    assert_eq!(
        stats["bytes_scanned"],
        sample::parquet_bytes("sales"),
        "{stats}"
    );
    assert!(stats["elapsed_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(stats["files_skipped_by_statistics"], 0, "{stats}");
    assert_eq!(stats["answered_from_statistics"], false, "{stats}");
    let rows: u64 = stdout.lines().nth(1).unwrap().parse().unwrap();
    assert_eq!(stats["rows"], 1);
    assert!(rows > 24 * 40, "{rows}");
}

#[test]
fn after_analyze_the_statistics_line_says_what_came_from_the_catalog() {
    let dir = sample_catalog();
    let out = lakesql(&dir)
        .args([
            "-c",
            "ANALYZE TABLE sample.sales COMPUTE STATISTICS",
            "-c",
            "SELECT count(*) FROM sample.sales",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("analysed sample.sales: 24 file(s) in 24 partition(s)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("files 0 (answered from statistics); requests LIST 1 GET 0"),
        "{stderr}"
    );
    let (stdout, stats) = with_stats(&dir, "SELECT count(*) FROM sample.sales");
    assert_eq!(stats[0]["answered_from_statistics"], true, "{stats:?}");
    assert_eq!(stats[0]["get_requests"], 0, "{stats:?}");
    assert!(stdout.lines().nth(1).unwrap().parse::<u64>().unwrap() > 24 * 40);
}

#[test]
fn bad_ddl_fails_and_leaves_catalog_unchanged() {
    let dir = TempDir::new().unwrap();
    lakesql(&dir)
        .args(["-q", "-c", CREATE_PRODUCTS])
        .assert()
        .success();

    lakesql(&dir)
        .args([
            "-q",
            "-c",
            "CREATE EXTERNAL TABLE bad (a int) STORED AS ORC LOCATION '/tmp/x'",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("ORC"));
    lakesql(&dir)
        .args([
            "-q",
            "-c",
            "ALTER TABLE products SET TBLPROPERTIES ('skip.header.line.count'='x')",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("skip.header.line.count"));
    lakesql(&dir)
        .args([
            "-q",
            "--format",
            "csv",
            "-c",
            "SHOW TBLPROPERTIES products; SHOW TABLES",
        ])
        .assert()
        .success()
        .stdout("prpt_name,prpt_value\ntab_name\nproducts\n");
}

#[test]
fn corrupt_catalog_file_is_reported() {
    let dir = TempDir::new().unwrap();
    std::fs::write(dir.path().join("catalog.db"), vec![7u8; 4096]).unwrap();
    lakesql(&dir)
        .args(["-q", "-c", "SELECT 1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("catalog.db"));
}

/// `-d` names a database; it is never pasted into SQL.
#[test]
fn database_option_is_a_name_not_sql() {
    let dir = sample_catalog();
    lakesql(&dir)
        .args([
            "-q",
            "-d",
            "x\"; DROP DATABASE sample CASCADE; --",
            "-c",
            "SELECT 1",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "x\"; DROP DATABASE sample CASCADE; --",
        ));
    lakesql(&dir)
        .args(["-q", "-d", "sample", "--format", "csv", "-c", "SHOW TABLES"])
        .assert()
        .success()
        .stdout(predicate::str::contains("products"));
}

/// `--read-only`: queries run, catalog changes are refused, the file is not touched.
#[test]
fn read_only_refuses_catalog_changes_and_writes_nothing() {
    let dir = sample_catalog();
    let catalog = dir.path().join("catalog.db");
    let before = std::fs::read(&catalog).unwrap();
    lakesql(&dir)
        .args(["-q", "--read-only", "-d", "sample", "--format", "csv"])
        .args(["-c", "SELECT count(*) AS n FROM products; SHOW TABLES"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("n\n").and(predicate::str::contains("products")));
    for statement in [
        "DROP TABLE sample.products",
        "CREATE DATABASE other",
        "MSCK REPAIR TABLE sample.products",
        "ANALYZE TABLE sample.products COMPUTE STATISTICS",
        "CREATE VIEW sample.v AS SELECT 1 AS x",
    ] {
        lakesql(&dir)
            .args(["-q", "--read-only", "-c", statement])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("open read-only"));
    }
    assert_eq!(std::fs::read(&catalog).unwrap(), before);
    lakesql(&dir)
        .args(["-q", "--read-only", "-c", "SELECT 1"])
        .env("LAKESQL_CATALOG", dir.path().join("missing.db"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not exist"));
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn explain_shows_the_lake_scan() {
    let dir = TempDir::new().unwrap();
    let out = lakesql(&dir)
        .args(["-q", "--format", "csv", "-c"])
        .arg(format!(
            "{CREATE_PRODUCTS}; EXPLAIN SELECT count(*) FROM products"
        ))
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("TableScan: products"), "{text}");
    assert!(
        text.contains("DataSourceExec: file_groups={1 group: [[")
            && text.contains("sample-data/products/products.tsv]]}")
            && text.contains("file_type=csv"),
        "{text}"
    );
}

#[test]
fn empty_results_say_why() {
    let dir = TempDir::new().unwrap();
    let create = "CREATE EXTERNAL TABLE s (order_id bigint) PARTITIONED BY (year int, month int) \
                  STORED AS PARQUET LOCATION 'sample-data/sales/'";
    lakesql(&dir)
        .args(["--format", "csv", "-c"])
        .arg(format!("{create}; SELECT count(*) FROM s"))
        .assert()
        .success()
        .stdout("count(*)\n0\n")
        .stderr(predicate::str::contains(
            "table default.s has no registered partitions, but its location has partition \
             folders such as year=2023; run MSCK REPAIR TABLE default.s",
        ));
    lakesql(&dir)
        .args(["--format", "csv", "-c"])
        .arg("MSCK REPAIR TABLE s; SELECT count(*) FROM s WHERE year = 1999")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("24 partition(s) added").and(predicate::str::contains(
                "the filter matched none of the 24 partitions of default.s",
            )),
        );
    lakesql(&dir)
        .args(["--format", "csv", "-c"])
        .arg("ALTER TABLE s ADD PARTITION (year=1999, month=1); SELECT count(*) FROM s WHERE year = 1999")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "the 1 matched partition(s) of default.s have no data files",
        ));
}

#[test]
fn explain_shows_partition_pruning() {
    let dir = sample_catalog();
    lakesql(&dir)
        .args(["-q", "--format", "csv", "-c"])
        .arg(
            "EXPLAIN SELECT count(*) FROM sample.sales WHERE year = 2024 AND month BETWEEN 2 AND 4",
        )
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "lake_scan,\"sample.sales: partition filter [year = Int32(2024) AND month >= Int32(2) \
             AND month <= Int32(4)], partitions 3 of 24 matched, 3 location(s) listed, 3 file(s)\"",
        ));
}

/// A cold full scan reads each file once; the next statement of the process reuses the
/// footers and reads only column chunks, still one GET per file.
#[test]
fn a_cold_scan_reads_each_file_once_and_a_warm_one_no_footers() {
    let dir = sample_catalog();
    let query = "SELECT category, sum(quantity * unit_price) FROM sample.sales GROUP BY category";
    let (_, stats) = with_stats(&dir, &format!("{query}; {query}"));
    assert_eq!(stats.len(), 2, "{stats:?}");
    let (cold, warm) = (&stats[0], &stats[1]);
    assert_eq!(cold["files"], 24, "{cold}");
    assert_eq!(cold["get_requests"], 24, "{cold}");
    assert_eq!(
        cold["bytes_scanned"],
        sample::parquet_bytes("sales"),
        "{cold}"
    );
    assert_eq!(warm["get_requests"], 24, "{warm}");
    let (cold_bytes, warm_bytes) = (
        cold["bytes_scanned"].as_u64().unwrap(),
        warm["bytes_scanned"].as_u64().unwrap(),
    );
    assert!(warm_bytes < cold_bytes, "{cold} {warm}");
}

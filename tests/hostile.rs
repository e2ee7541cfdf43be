//! Broken and hostile input, through the real `lakesql` process: damaged Parquet, gzip and
//! Avro files, files that contradict their table, invalid UTF-8, pathological nesting
//! and sizes, hostile statements. Each must end in a clear error that names the file
//! (or the statement position), exit 1, never panic, and leave the catalog file as it
//! was.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A catalog and a lake folder for one case.
struct Case {
    dir: TempDir,
}

impl Case {
    fn new() -> Self {
        Case {
            dir: TempDir::new().unwrap(),
        }
    }

    fn catalog(&self) -> PathBuf {
        self.dir.path().join("catalog.db")
    }

    fn lakesql(&self) -> Command {
        let mut cmd = Command::cargo_bin("lakesql").unwrap();
        cmd.current_dir(self.dir.path())
            .env("LAKESQL_CATALOG", self.catalog())
            .args(["-q", "--format", "csv"]);
        cmd
    }

    /// Writes `bytes` to `relative` under the case's folder.
    fn file(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Runs `ddl` (which must succeed), then `query`, which must fail naming `names`
    /// without a panic and without changing the catalog file.
    fn fails(&self, ddl: &str, query: &str, names: &str) -> String {
        self.lakesql().args(["-c", ddl]).assert().success();
        let before = std::fs::read(self.catalog()).unwrap();
        let out = self.lakesql().args(["-c", query]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{query}: {stderr}");
        assert!(!stderr.contains("panicked"), "{query}: {stderr}");
        assert!(
            stderr.contains(names),
            "{query}: the error does not name {names}: {stderr}"
        );
        assert_eq!(
            std::fs::read(self.catalog()).unwrap(),
            before,
            "{query}: catalog changed"
        );
        stderr
    }
}

fn sales_file() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-data/sales/year=2024/month=5/part-0.parquet"),
    )
    .unwrap()
}

const PARQUET_TABLE: &str =
    "CREATE EXTERNAL TABLE t (order_id bigint, product string) STORED AS PARQUET LOCATION 'lake/'";

#[test]
fn truncated_parquet() {
    let case = Case::new();
    let good = sales_file();
    case.file("lake/cut.parquet", &good[..good.len() / 2]);
    case.fails(PARQUET_TABLE, "SELECT * FROM t", "cut.parquet");
}

#[test]
fn parquet_with_a_wrong_magic() {
    let case = Case::new();
    let mut bytes = sales_file();
    let len = bytes.len();
    bytes[len - 4..].copy_from_slice(b"XXXX");
    case.file("lake/magic.parquet", &bytes);
    case.fails(PARQUET_TABLE, "SELECT * FROM t", "magic.parquet");
}

#[test]
fn parquet_footer_length_past_the_end() {
    let case = Case::new();
    let mut bytes = sales_file();
    let len = bytes.len();
    bytes[len - 8..len - 4].copy_from_slice(&0x7fff_fff0u32.to_le_bytes());
    case.file("lake/footer.parquet", &bytes);
    case.fails(PARQUET_TABLE, "SELECT count(*) FROM t", "footer.parquet");
}

#[test]
fn parquet_schema_contradicting_the_table() {
    let case = Case::new();
    case.file("lake/part-0.parquet", &sales_file());
    case.fails(
        "CREATE EXTERNAL TABLE t (product bigint) STORED AS PARQUET LOCATION 'lake/'",
        "SELECT product FROM t",
        "part-0.parquet",
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

const CSV_TABLE: &str = "CREATE EXTERNAL TABLE t (a int, b string) ROW FORMAT DELIMITED \
                         FIELDS TERMINATED BY ',' LOCATION 'lake/'";

#[test]
fn truncated_gzip() {
    let case = Case::new();
    let rows: String = (0..20_000).map(|i| format!("{i},row {i}\n")).collect();
    let packed = gzip(rows.as_bytes());
    case.file("lake/cut.csv.gz", &packed[..packed.len() / 2]);
    case.fails(CSV_TABLE, "SELECT count(*), max(b) FROM t", "cut.csv.gz");
}

#[test]
fn gzip_name_over_plain_text() {
    let case = Case::new();
    case.file("lake/plain.csv.gz", b"1,a\n2,b\n");
    case.fails(CSV_TABLE, "SELECT * FROM t", "plain.csv.gz");
}

#[test]
fn invalid_utf8_in_csv() {
    let case = Case::new();
    case.file("lake/bad.csv", b"1,ok\n2,\xff\xfe broken\n");
    case.fails(CSV_TABLE, "SELECT * FROM t", "bad.csv");
}

/// The SerDes lakesql decodes itself read invalid UTF-8 as Hive does (Java's decoder):
/// each bad byte becomes U+FFFD, and the row is kept.
#[test]
fn invalid_utf8_in_json_reads_as_hive_does() {
    let case = Case::new();
    case.file(
        "lake/bad.json",
        b"{\"a\": 1, \"b\": \"ok\"}\n{\"a\": 2, \"b\": \"\xff\xfe\"}\n",
    );
    case.lakesql()
        .args([
            "-c",
            "CREATE EXTERNAL TABLE t (a int, b string) \
             ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 'lake/'; \
             SELECT * FROM t",
        ])
        .assert()
        .success()
        .stdout("a,b\n1,ok\n2,\u{fffd}\u{fffd}\n");
}

#[test]
fn deeply_nested_json() {
    let case = Case::new();
    let depth = 10_000;
    let line = format!("{{\"a\": {}1{}}}\n", "[".repeat(depth), "]".repeat(depth));
    case.file("lake/deep.json", line.as_bytes());
    case.fails(
        "CREATE EXTERNAL TABLE t (a array<int>) \
         ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 'lake/'",
        "SELECT * FROM t",
        "deep.json",
    );
}

/// An Avro file cut inside its data block, and one whose block's sync marker differs
/// from its header's: arrow-avro alone would read the first as no rows and the second as
/// if whole; lakesql checks the container and names the file.
#[test]
fn damaged_avro() {
    let bytes =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/avro/users.avro"))
            .unwrap();
    let ddl = "CREATE EXTERNAL TABLE t (id bigint, name string) STORED AS AVRO LOCATION 'lake/'";
    let case = Case::new();
    // The last 16 bytes are the sync marker after the one data block.
    case.file("lake/cut.avro", &bytes[..bytes.len() - 40]);
    let stderr = case.fails(ddl, "SELECT * FROM t", "cut.avro");
    assert!(
        stderr.contains("HIVE_BAD_DATA") && stderr.contains("cut short"),
        "{stderr}"
    );

    let case = Case::new();
    let mut marker = bytes.clone();
    let last = marker.len() - 1;
    marker[last] ^= 0xff;
    case.file("lake/sync.avro", &marker);
    let stderr = case.fails(ddl, "SELECT count(*) FROM t", "sync.avro");
    assert!(stderr.contains("sync marker differs"), "{stderr}");

    // The whole file still reads.
    let case = Case::new();
    case.file("lake/users.avro", &bytes);
    case.lakesql().args(["-c", ddl]).assert().success();
    case.lakesql()
        .args(["-c", "SELECT count(*) > 0 AS some FROM t"])
        .assert()
        .success()
        .stdout("some\ntrue\n");
}

/// A single 100 MB line is read as one row, without running out of memory.
#[test]
fn a_100_mb_line() {
    let case = Case::new();
    let mut line = vec![b'x'; 100 << 20];
    line.push(b'\n');
    case.file("lake/long.csv", &line);
    case.lakesql()
        .args(["-c", CSV_TABLE])
        .args(["-c", "SELECT count(*) AS n, max(length(b)) AS b FROM t"])
        .assert()
        .success()
        .stdout("n,b\n1,\n");
}

/// A type nested 10,000 deep is refused at its position, not a stack overflow.
#[test]
fn a_type_nested_10000_deep() {
    let case = Case::new();
    let deep = format!("{}int{}", "array<".repeat(10_000), ">".repeat(10_000));
    let out = case
        .lakesql()
        .args([
            "-c",
            &format!("CREATE EXTERNAL TABLE t (a {deep}) LOCATION 'lake/'"),
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("at most 100 levels"), "{stderr}");
    case.lakesql()
        .args(["-c", "SHOW TABLES"])
        .assert()
        .success()
        .stdout("tab_name\n");
}

/// A 10 MB statement runs.
#[test]
fn a_10_mb_statement() {
    let case = Case::new();
    let sql = format!("SELECT length('{}') AS n", "x".repeat(10 << 20));
    let script = case.file("big.sql", sql.as_bytes());
    case.lakesql()
        .arg("-f")
        .arg(&script)
        .assert()
        .success()
        .stdout(format!("n\n{}\n", 10 << 20));
}

/// Names with quotes, semicolons and control characters stay names.
#[test]
fn names_with_quotes_semicolons_and_control_characters() {
    let case = Case::new();
    case.lakesql()
        .args([
            "-c",
            "CREATE DATABASE \"we;ird\"; CREATE EXTERNAL TABLE \"we;ird\".\"t\"\"q\" (a int) \
             LOCATION 'lake/'; SHOW TABLES IN \"we;ird\"",
        ])
        .assert()
        .success()
        .stdout(predicates::str::contains("\"t\"\"q\""));
    let out = case
        .lakesql()
        .args(["-c", "CREATE DATABASE \"bell\u{7}\""])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Partition values with `/`, `..`, NUL and newlines are escaped into one folder name.
#[test]
fn partition_values_cannot_escape_the_table() {
    let case = Case::new();
    case.lakesql()
        .args([
            "-c",
            "CREATE EXTERNAL TABLE t (a int) PARTITIONED BY (k string) \
             ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/t/'; \
             ALTER TABLE t ADD PARTITION (k = '../../etc') PARTITION (k = 'a/b') \
             PARTITION (k = 'line\nbreak')",
        ])
        .assert()
        .success();
    let out = case
        .lakesql()
        .args(["-c", "SHOW PARTITIONS t"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("k=..%2F..%2Fetc"), "{stdout}");
    assert!(stdout.contains("k=a%2Fb"), "{stdout}");
    // NUL cannot pass through a command line: the statement comes from a script.
    let script = case.file("nul.sql", b"ALTER TABLE t ADD PARTITION (k = 'nul\0')");
    let nul = case.lakesql().arg("-f").arg(&script).output().unwrap();
    assert!(!String::from_utf8_lossy(&nul.stderr).contains("panicked"));
}

/// A link from inside a crawled or repaired location back up to it ends in an error
/// naming the link, never in an endless walk.
#[cfg(unix)]
#[test]
fn symbolic_link_loops_under_crawl_and_msck() {
    let case = Case::new();
    case.file("lake/t/k=1/part-0.csv", b"1,a\n");
    case.file("lake/t/k=2/part-0.csv", b"2,b\n");
    std::os::unix::fs::symlink(
        case.dir.path().join("lake/t"),
        case.dir.path().join("lake/t/k=1/up"),
    )
    .unwrap();
    for statement in [
        "CRAWL 'lake/t/' INTO default",
        "CREATE EXTERNAL TABLE t2 (a int, b string) PARTITIONED BY (k int) \
         ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/t/'; \
         MSCK REPAIR TABLE t2; SELECT count(*) FROM t2",
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lakesql"))
            .current_dir(case.dir.path())
            .env("LAKESQL_CATALOG", case.catalog())
            .args(["-q", "-c", statement])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("{statement}: still walking after 120 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{statement}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{statement}: {stderr}");
        assert!(
            stderr.contains("loop") && stderr.contains("k=1/up"),
            "{statement}: {stderr}"
        );
    }
}

/// A small `.gz` that expands to 200 MiB without a line break (gzip members of 1 MiB
/// each, concatenated: a valid gzip file) is refused at Trino's 100 MB line limit, not
/// read into memory whole.
#[test]
fn a_gzip_bomb_hits_the_line_limit() {
    let case = Case::new();
    let member = gzip(&vec![b'a'; 1 << 20]);
    let bomb: Vec<u8> = member
        .iter()
        .copied()
        .cycle()
        .take(member.len() * 200)
        .collect();
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    case.file("lake/bomb.json.gz", &bomb);
    let stderr = case.fails(
        "CREATE EXTERNAL TABLE t (a string) \
         ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 'lake/'",
        "SELECT count(*) FROM t",
        "bomb.json.gz",
    );
    assert!(stderr.contains("longer than 100 MiB"), "{stderr}");

    // The same bomb as delimited text, which DataFusion's CSV reader would buffer whole.
    let case = Case::new();
    case.file("lake/bomb.csv.gz", &bomb);
    let stderr = case.fails(CSV_TABLE, "SELECT count(*) FROM t", "bomb.csv.gz");
    assert!(
        stderr.contains("HIVE_BAD_DATA") && stderr.contains("longer than 100 MiB"),
        "{stderr}"
    );
    // A compressed file of ordinary lines still reads, with a long line under the limit.
    let case = Case::new();
    let mut text = b"1,one\n".repeat(1000);
    text.extend(b"2,");
    text.extend(vec![b'x'; 5 << 20]);
    text.push(b'\n');
    case.file("lake/ok.csv.gz", &gzip(&text));
    case.lakesql().args(["-c", CSV_TABLE]).assert().success();
    case.lakesql()
        .args(["-c", "SELECT count(*) AS n, max(length(b)) AS b FROM t"])
        .assert()
        .success()
        .stdout(format!("n,b\n1001,{}\n", 5 << 20));
}

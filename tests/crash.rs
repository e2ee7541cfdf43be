//! Crash safety: the real `lakesql` process is killed with SIGKILL at random moments while
//! it changes the catalog (MSCK over 50,000 partitions, ALTER TABLE ADD PARTITION
//! batches, CRAWL, CTAS and INSERT). After every kill the catalog file passes SQLite's
//! integrity check, holds exactly the state before the statement or exactly the state
//! after it, accepts the next statement, and the table reads as before or after (no
//! half-written file is visible). Kill moments come from a seeded generator: the seed is
//! printed, and `CRASH_SEED=N` replays a run.

#![cfg(unix)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use rusqlite::Connection;
use tempfile::TempDir;

#[path = "support/rng.rs"]
mod rng;
use rng::Rng;

fn seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        })
}

/// `lakesql -q -c SQL` on `catalog`, run from `dir`.
fn lakesql(catalog: &Path, dir: &Path, sql: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakesql"));
    cmd.current_dir(dir)
        .env("LAKESQL_CATALOG", catalog)
        .env("LAKESQL_WAREHOUSE", dir.join("warehouse"))
        .args(["-q", "--format", "csv", "-c", sql])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Runs `sql` to the end; returns stdout. Panics with stderr on failure.
fn run(catalog: &Path, dir: &Path, sql: &str) -> String {
    let out = lakesql(catalog, dir, sql).output().expect("start lakesql");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The catalog's content, in a stable text form: every row of every table, with the
/// times a statement stamps and what differs between two runs of one write (the query
/// id in file names, a file's size, modification time and ETag) masked.
fn dump(catalog: &Path) -> String {
    let conn = Connection::open(catalog).expect("open catalog");
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check");
    assert_eq!(ok, "ok", "integrity_check of {}", catalog.display());
    let times = regex::Regex::new(
        r#""(CreateTime|UpdateTime|AnalyzedAt|analyzed_at|create_time|transient_lastDdlTime|size|modified_nanos|e_tag)":("[^"]*"|\d+)"#,
    )
    .unwrap();
    let query_id = regex::Regex::new(r"\d{8}_\d{6}_[0-9a-f]{10}_").unwrap();
    let mut text = String::new();
    for table in ["databases", "tables", "partitions", "file_statistics"] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2, 3"))
            .or_else(|_| conn.prepare(&format!("SELECT * FROM {table} ORDER BY 1")))
            .expect("prepare dump");
        let columns: Vec<String> = stmt.column_names().map(str::to_string).collect();
        let rows = stmt
            .query_map([], |row| {
                let mut cells = Vec::new();
                for (i, name) in columns.iter().enumerate() {
                    let value: rusqlite::types::Value = row.get(i)?;
                    let cell = match (name.as_str(), value) {
                        ("create_time" | "partition_version", _) => "_".to_string(),
                        (_, rusqlite::types::Value::Text(t)) => t,
                        (_, other) => format!("{other:?}"),
                    };
                    cells.push(cell);
                }
                Ok(cells.join("|"))
            })
            .expect("dump rows");
        text.push_str(&format!("## {table}\n"));
        for row in rows {
            let row = row.expect("row");
            let row = times.replace_all(&row, "$1:_");
            text.push_str(&query_id.replace_all(&row, "QUERY_"));
            text.push('\n');
        }
    }
    text
}

/// One scenario: a catalog state to start from, a statement to kill, and a query whose
/// answer must be the one before or the one after.
struct Scenario {
    name: &'static str,
    /// Catalog file in the state before the statement.
    before: PathBuf,
    /// Folder the statement runs in (relative locations resolve against it).
    dir: PathBuf,
    statement: String,
    /// Runs after every kill; its answer is compared.
    check: &'static str,
    kills: usize,
}

struct Outcomes {
    before: usize,
    after: usize,
}

impl Scenario {
    /// Runs the statement to the end once (for the state after and its duration), then
    /// `kills` times with a SIGKILL at a random moment within that duration.
    fn run(&self, rng: &mut Rng, seed: u64) -> Outcomes {
        let copy = |to: &Path| {
            let _ = std::fs::remove_file(to);
            std::fs::copy(&self.before, to).expect("copy catalog");
        };
        let dump_before = dump(&self.before);
        let answer_before = run(&self.before, &self.dir, self.check);
        let full = self.dir.join("full.db");
        copy(&full);
        let started = Instant::now();
        run(&full, &self.dir, &self.statement);
        let took = started.elapsed();
        let dump_after = dump(&full);
        let answer_after = run(&full, &self.dir, self.check);
        assert_ne!(
            dump_before, dump_after,
            "{}: the statement changed nothing",
            self.name
        );
        self.undo_data();
        let mut outcomes = Outcomes {
            before: 0,
            after: 0,
        };
        for kill in 0..self.kills {
            let catalog = self.dir.join(format!("kill-{kill}.db"));
            copy(&catalog);
            let mut child = lakesql(&catalog, &self.dir, &self.statement)
                .spawn()
                .expect("start lakesql");
            // Up to 20% past the full run's time, so that some kills land after the commit.
            std::thread::sleep(rng.before(took.mul_f64(1.2)));
            let _ = child.kill();
            let _ = child.wait();
            let context = format!("{} kill {kill} (CRASH_SEED={seed})", self.name);
            let state = dump(&catalog);
            let answer = run(&catalog, &self.dir, self.check);
            if state == dump_before {
                assert_eq!(answer, answer_before, "{context}: catalog before, data not");
                outcomes.before += 1;
            } else {
                assert_eq!(state, dump_after, "{context}: neither before nor after");
                assert_eq!(answer, answer_after, "{context}: catalog after, data not");
                outcomes.after += 1;
            }
            // The next statement on the catalog succeeds.
            run(&catalog, &self.dir, "SHOW TABLES IN crash");
            self.undo_data();
            let _ = std::fs::remove_file(&catalog);
        }
        outcomes
    }

    /// Removes what a write statement put in the lake, so the next run starts alike:
    /// the folders CTAS writes, and the files INSERT added to `target/`.
    fn undo_data(&self) {
        let _ = std::fs::remove_dir_all(self.dir.join("warehouse"));
        let _ = std::fs::remove_dir_all(self.dir.join("written"));
        let keep = self.dir.join("target.files");
        let kept: std::collections::HashSet<PathBuf> = match std::fs::read_to_string(&keep) {
            Ok(text) => text.lines().map(PathBuf::from).collect(),
            Err(_) => {
                let files = files_under(&self.dir.join("target"));
                let text: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
                std::fs::write(&keep, text.join("\n")).unwrap();
                files.into_iter().collect()
            }
        };
        for file in files_under(&self.dir.join("target")) {
            if !kept.contains(&file) {
                std::fs::remove_file(&file).unwrap();
            }
        }
    }
}

/// Every file below `dir` (hidden ones included).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// `lake/big/k=N/` for N < `count`, each with an empty marker file (MSCK registers the
/// folders; it reads no file).
fn partition_folders(root: &Path, count: usize) {
    for n in 0..count {
        let dir = root.join(format!("lake/big/k={n}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("part-0.csv"), b"1\n").unwrap();
    }
}

/// `lake/crawl/day=D/part-N.csv` files for the crawler.
fn crawl_files(root: &Path, days: usize, per_day: usize) {
    for d in 0..days {
        let dir = root.join(format!("lake/crawl/day={d}"));
        std::fs::create_dir_all(&dir).unwrap();
        for n in 0..per_day {
            // The crawler wants two data rows after a header to call a file CSV.
            let rows: String = (0..3).map(|r| format!("{},{d}\n", n * 3 + r)).collect();
            std::fs::write(dir.join(format!("part-{n}.csv")), format!("id,v\n{rows}")).unwrap();
        }
    }
}

#[test]
fn killed_statements_leave_the_catalog_before_or_after() {
    let seed = seed();
    println!("CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().to_path_buf();
    partition_folders(&dir, 50_000);
    crawl_files(&dir, 100, 3);
    let base = dir.join("base.db");
    run(
        &base,
        &dir,
        "CREATE DATABASE crash; \
         CREATE EXTERNAL TABLE crash.big (v int) PARTITIONED BY (k int) \
           ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/big/'; \
         CREATE EXTERNAL TABLE crash.parts (v int) PARTITIONED BY (k int) \
           ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/big/'; \
         CREATE TABLE crash.src WITH (format = 'PARQUET', external_location = 'src/') AS \
           SELECT CAST(value AS bigint) AS id, CAST(value % 50 AS int) AS g \
           FROM range(200000); \
         CREATE TABLE crash.target WITH (format = 'PARQUET', partitioned_by = ARRAY['g'], \
           external_location = 'target/') AS SELECT id, g FROM crash.src WHERE id < 10",
    );
    // The files of `target/` before any INSERT: what undo_data restores.
    let listed: Vec<String> = files_under(&dir.join("target"))
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    assert!(!listed.is_empty());
    std::fs::write(dir.join("target.files"), listed.join("\n")).unwrap();
    let add_batch: String = (0..2_000)
        .map(|n| format!("PARTITION (k = {n}) LOCATION 'lake/big/k={n}/'"))
        .collect::<Vec<_>>()
        .join(" ");
    let scenarios = [
        Scenario {
            name: "MSCK REPAIR over 50,000 partitions",
            before: base.clone(),
            dir: dir.clone(),
            statement: "MSCK REPAIR TABLE crash.big".into(),
            check: "SELECT count(*) FROM crash.big WHERE k < 10",
            kills: 20,
        },
        Scenario {
            name: "ALTER TABLE ADD PARTITION (2,000 in one statement)",
            before: base.clone(),
            dir: dir.clone(),
            statement: format!("ALTER TABLE crash.parts ADD IF NOT EXISTS {add_batch}"),
            check: "SELECT count(*) FROM crash.parts WHERE k < 5",
            kills: 10,
        },
        Scenario {
            name: "CRAWL of 300 files",
            before: base.clone(),
            dir: dir.clone(),
            statement: "CRAWL 'lake/crawl/' INTO crash".into(),
            check: "SHOW TABLES IN crash",
            kills: 10,
        },
        Scenario {
            name: "CTAS of 200,000 rows in 50 partitions",
            before: base.clone(),
            dir: dir.clone(),
            statement: "CREATE TABLE crash.copy WITH (format = 'PARQUET', \
                        partitioned_by = ARRAY['g'], external_location = 'written/') AS \
                        SELECT id, g FROM crash.src"
                .into(),
            check: "SHOW TABLES IN crash",
            kills: 8,
        },
        Scenario {
            // Into new partitions: they appear at the catalog commit. (Rows added to an
            // existing partition become visible as their files are moved: README's
            // "Differences from Athena".)
            name: "INSERT INTO of 200,000 rows in 50 new partitions",
            before: base.clone(),
            dir: dir.clone(),
            statement: "INSERT INTO crash.target SELECT id, g + 100 FROM crash.src".into(),
            check: "SELECT count(*), sum(id) FROM crash.target",
            kills: 8,
        },
    ];
    let mut total = 0;
    for scenario in &scenarios {
        let outcomes = scenario.run(&mut rng, seed);
        println!(
            "{}: {} kills, {} left the state before, {} the state after",
            scenario.name, scenario.kills, outcomes.before, outcomes.after
        );
        total += scenario.kills;
    }
    assert!(total >= 50, "{total} kills");
}

/// `statement` run by a shell that caps the size of every file the process writes
/// (`ulimit -f`, with SIGXFSZ ignored so that a write past the cap fails with EFBIG, as on
/// a full disk). Returns the exit code and stderr.
fn run_with_file_size_cap(catalog: &Path, dir: &Path, kib: u64, statement: &str) -> (i32, String) {
    let out = Command::new("sh")
        .current_dir(dir)
        .env("LAKESQL_CATALOG", catalog)
        .env("LAKESQL_WAREHOUSE", dir.join("warehouse"))
        .arg("-c")
        // dash and bash count `ulimit -f` in different units; -f of the block count of
        // 512 bytes is at most twice the cap either way.
        .arg(format!(
            "trap '' XFSZ; ulimit -f {}; exec \"$0\" -q -c \"$1\"",
            kib * 2
        ))
        .arg(env!("CARGO_BIN_EXE_lakesql"))
        .arg(statement)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes that run out of space (the catalog's log, or a CTAS's files) fail with an error
/// and change nothing.
#[test]
fn a_full_disk_fails_cleanly() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    partition_folders(dir, 5_000);
    let catalog = dir.join("catalog.db");
    run(
        &catalog,
        dir,
        "CREATE DATABASE crash; \
         CREATE EXTERNAL TABLE crash.big (v int) PARTITIONED BY (k int) \
           ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/big/'",
    );
    let before = dump(&catalog);
    let size = std::fs::metadata(&catalog).unwrap().len() / 1024;
    // Room for the catalog as it is, not for 5,000 partitions in its log.
    let (code, stderr) =
        run_with_file_size_cap(&catalog, dir, size + 64, "MSCK REPAIR TABLE crash.big");
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("could not be written (is the disk full?)"),
        "{stderr}"
    );
    assert_eq!(
        dump(&catalog),
        before,
        "MSCK on a full disk changed the catalog"
    );

    // A CTAS whose files do not fit.
    let (code, stderr) = run_with_file_size_cap(
        &catalog,
        dir,
        size + 64,
        "CREATE TABLE crash.copy WITH (format = 'TEXTFILE', external_location = 'written/') \
         AS SELECT value, repeat('x', 100) AS pad FROM range(200000)",
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(dump(&catalog), before, "a failed CTAS changed the catalog");
    let visible: Vec<PathBuf> = files_under(&dir.join("written"))
        .into_iter()
        .filter(|f| {
            let relative = f
                .strip_prefix(dir.join("written"))
                .unwrap()
                .to_string_lossy();
            !relative
                .split('/')
                .any(|p| p.starts_with('.') || p.starts_with('_'))
        })
        .collect();
    assert!(visible.is_empty(), "files a reader would see: {visible:?}");
    // The catalog still works.
    run(&catalog, dir, "MSCK REPAIR TABLE crash.big");
}

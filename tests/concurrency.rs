//! Concurrency: eight `lakesql` processes at once on one catalog file, each running a
//! fixed script of catalog changes in its own database (CREATE/DROP TABLE, ALTER TABLE
//! ADD/DROP PARTITION in batches of five, MSCK) with a SELECT after each, while two more
//! processes read everyone's tables. No statement may fail (lakesql waits for SQLite's
//! lock), every SELECT of a worker sees exactly its own changes so far (no lost update,
//! no stale partition cache), the readers only ever see whole batches (no torn state),
//! and the final catalog holds exactly what each worker left.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

const WORKERS: usize = 8;
/// Rounds per worker; each round is five statements and a SELECT after each.
const ROUNDS: usize = 12;
/// Partitions per ADD or DROP statement.
const BATCH: usize = 5;

fn lakesql(catalog: &Path, dir: &Path, script: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakesql"));
    cmd.current_dir(dir)
        .env("LAKESQL_CATALOG", catalog)
        .args(["-q", "--format", "csv", "-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn check(output: &Output, who: &str) -> String {
    assert!(
        output.status.success(),
        "{who} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `PARTITION (k = a) … PARTITION (k = a + BATCH - 1)`.
fn batch(first: usize) -> String {
    (first..first + BATCH)
        .map(|k| format!("PARTITION (k = {k})"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Worker `w`'s script and the count each of its SELECTs must print.
fn worker_script(w: usize) -> (String, Vec<usize>) {
    let db = format!("w{w}");
    let mut sql = Vec::new();
    let mut expected = Vec::new();
    let mut partitions = 0;
    // Every partition folder holds one one-row file: the count is the partitions'.
    let select = format!("SELECT count(*) AS n FROM {db}.t");
    for round in 0..ROUNDS {
        let first = round * 2 * BATCH;
        // Two batches in, one out: BATCH more partitions per round.
        for statement in [
            format!("ALTER TABLE {db}.t ADD {}", batch(first)),
            format!("ALTER TABLE {db}.t ADD {}", batch(first + BATCH)),
            format!(
                "ALTER TABLE {db}.t DROP {}",
                batch(first).replace(") P", "), P")
            ),
            format!("CREATE EXTERNAL TABLE {db}.scratch_{round} (v int) LOCATION 'lake/{db}/'"),
            format!("DROP TABLE {db}.scratch_{round}"),
        ] {
            sql.push(statement);
            partitions = match sql.last().map(String::as_str) {
                Some(s) if s.contains(" ADD ") => partitions + BATCH,
                Some(s) if s.contains(" DROP PARTITION") => partitions - BATCH,
                _ => partitions,
            };
            sql.push(select.clone());
            expected.push(partitions);
        }
    }
    // MSCK adds back the dropped batches, whose folders are still there.
    sql.push(format!("MSCK REPAIR TABLE {db}.t"));
    sql.push(select);
    expected.push(ROUNDS * 2 * BATCH);
    (sql.join(";\n"), expected)
}

/// The counts a worker's SELECTs printed (the line after each `n` header; MSCK prints
/// rows of its own).
fn counts(stdout: &str) -> Vec<usize> {
    let lines: Vec<&str> = stdout.lines().collect();
    lines
        .windows(2)
        .filter(|pair| pair[0] == "n")
        .map(|pair| pair[1].parse().expect("a count"))
        .collect()
}

#[test]
fn eight_processes_on_one_catalog() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let catalog = dir.join("catalog.db");
    let mut setup = Vec::new();
    for w in 0..WORKERS {
        for k in 0..ROUNDS * 2 * BATCH {
            let folder = dir.join(format!("lake/w{w}/k={k}"));
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join("part-0.csv"), b"1\n").unwrap();
        }
        setup.push(format!(
            "CREATE DATABASE w{w}; CREATE EXTERNAL TABLE w{w}.t (v int) PARTITIONED BY (k int) \
             ROW FORMAT DELIMITED FIELDS TERMINATED BY ',' LOCATION 'lake/w{w}/'"
        ));
    }
    check(
        &lakesql(&catalog, dir, &setup.join(";\n")).output().unwrap(),
        "setup",
    );
    let scripts: Vec<(String, Vec<usize>)> = (0..WORKERS).map(worker_script).collect();
    let workers: Vec<_> = scripts
        .iter()
        .map(|(script, _)| lakesql(&catalog, dir, script).spawn().unwrap())
        .collect();
    // Two readers count every worker's rows while they change: whole batches only.
    let reader_script: String = (0..ROUNDS * 2)
        .flat_map(|_| (0..WORKERS).map(|w| format!("SELECT count(*) AS n FROM w{w}.t")))
        .collect::<Vec<_>>()
        .join(";\n");
    let readers: Vec<_> = (0..2)
        .map(|_| lakesql(&catalog, dir, &reader_script).spawn().unwrap())
        .collect();
    let mut operations = 0;
    for (w, (child, (_, expected))) in workers.into_iter().zip(&scripts).enumerate() {
        let out = check(&child.wait_with_output().unwrap(), &format!("worker {w}"));
        assert_eq!(
            &counts(&out),
            expected,
            "worker {w}'s view of its own table"
        );
        operations += expected.len() * 2;
    }
    let mut reads = 0;
    for r in readers {
        let seen = counts(&check(&r.wait_with_output().unwrap(), "reader"));
        assert!(
            seen.iter().all(|n| n % BATCH == 0),
            "a torn batch: {seen:?}"
        );
        reads += seen.len();
    }
    // Whole batches only, as each worker left them.
    for (w, (_, expected)) in scripts.iter().enumerate() {
        let out = check(
            &lakesql(&catalog, dir, &format!("SELECT count(*) AS n FROM w{w}.t"))
                .output()
                .unwrap(),
            "final count",
        );
        assert_eq!(
            counts(&out),
            [*expected.last().unwrap()],
            "worker {w}'s partitions"
        );
    }
    println!(
        "{WORKERS} workers completed {operations} statements on one catalog, \
         while readers made {reads} reads"
    );
}

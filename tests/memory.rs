//! `--memory-limit`: a query over data ten times the limit finishes, spilling to disk,
//! with the process's peak memory (its maximum resident set, as the kernel accounts it)
//! bounded by the limit rather than by the data. The same query without the limit shows
//! how much memory the data takes.

use std::process::{Command, Stdio};

/// A sort (kept by the window function) of 16 million rows of four bigints: 512 MB of
/// Arrow data, generated, so no file is read. (Integers: DataFusion 55 accounts sorted
/// string views by their whole shared buffers, so a sort of strings under a limit of tens
/// of MB fails to reserve its merge memory instead of spilling; see README, Limits.)
const QUERY: &str = "SELECT max(r) AS r, sum(b) AS b FROM (\
     SELECT row_number() OVER (ORDER BY a DESC) AS r, b, c, d FROM (\
     SELECT value * 7 % 10000019 AS a, value AS b, value + 1 AS c, value + 2 AS d \
     FROM range(16000000)))";

const LIMIT_MB: u64 = 48;

/// Runs lakesql with `args` and `sql`; returns its stdout and peak resident set (bytes).
fn run(args: &[&str], sql: &str) -> (String, u64) {
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_lakesql"))
        .current_dir(dir.path())
        .env("LAKESQL_CATALOG", dir.path().join("catalog.db"))
        .env("TMPDIR", dir.path())
        .args(["-q", "--format", "csv"])
        .args(args)
        .args(["-c", sql])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let output = std::thread::spawn(move || {
        use std::io::Read;
        let (mut out, mut err) = (String::new(), String::new());
        let mut child = child; // reaped by wait4 below
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        (out, err)
    });
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for the child we started.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet reaped; the pointers are valid for the call.
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    let (out, err) = output.join().unwrap();
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "lakesql {args:?} failed: {err}"
    );
    // Linux reports ru_maxrss in KiB.
    (out, usage.ru_maxrss as u64 * 1024)
}

#[test]
fn a_query_over_ten_times_the_memory_limit_finishes_within_it() {
    let expected = "r,b\n16000000,127999992000000\n";
    let (baseline_out, baseline) = run(&[], "SELECT 1 AS one");
    assert_eq!(baseline_out, "one\n1\n");
    let (out, unlimited) = run(&[], QUERY);
    assert_eq!(out, expected);
    let limit = format!("{LIMIT_MB}MB");
    let (out, limited) = run(&["--memory-limit", &limit], QUERY);
    assert_eq!(out, expected);
    let mb = |b: u64| b as f64 / f64::from(1 << 20);
    println!(
        "peak RSS: {:.0} MB idle, {:.0} MB without a limit, {:.0} MB under --memory-limit {limit}",
        mb(baseline),
        mb(unlimited),
        mb(limited)
    );
    // Without a limit the sort holds its data: several times the limit above idle.
    assert!(
        unlimited - baseline > 6 * (LIMIT_MB << 20),
        "the query takes only {:.0} MB above idle without a limit",
        mb(unlimited - baseline)
    );
    // Under the limit it spills: what the process takes anyway, plus the pool's limit,
    // plus what lies outside the pool (spill readers' and writers' buffers, batches in
    // flight, the allocator's slack): measured about 2.1 times the limit above idle.
    assert!(
        limited - baseline < 3 * (LIMIT_MB << 20),
        "peak {:.0} MB above idle under a {limit} limit",
        mb(limited - baseline)
    );
}

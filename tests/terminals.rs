//! Two interactive shells on one catalog, each on its own pseudo-terminal as a user has
//! them in two terminal windows: what one creates, adds or drops is seen by the other's
//! next statement, with no restart and no refresh command.

#[path = "support/pty.rs"]
mod pty;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `lakesql` running its REPL on a pseudo-terminal.
struct Shell {
    master: File,
    screen: pty::Screen,
    read_to: usize,
    child: Child,
}

impl Shell {
    fn open(dir: &Path) -> Shell {
        let (master, slave) = pty::open();
        let child = Command::new(env!("CARGO_BIN_EXE_lakesql"))
            .current_dir(dir)
            .env("HOME", dir)
            .env("TERM", "dumb")
            .args(["--no-sample", "--format", "csv", "--catalog"])
            .arg(dir.join("catalog.db"))
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .expect("lakesql starts");
        let screen = pty::Screen::read(&master);
        let mut shell = Shell {
            master,
            screen,
            read_to: 0,
            child,
        };
        shell.expect("lakesql:default> ");
        shell
    }

    /// Types `line` and Enter; returns what the shell shows until its next prompt.
    fn enter(&mut self, line: &str) -> String {
        self.master.write_all(line.as_bytes()).unwrap();
        self.master.write_all(b"\r").unwrap();
        self.expect("lakesql:default> ")
    }

    /// Waits until the screen shows `text` after what was read so far; returns it.
    fn expect(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            {
                let screen = self.screen.text();
                if let Some(at) = screen[self.read_to..].find(text) {
                    let shown = screen[self.read_to..self.read_to + at].to_string();
                    self.read_to += at + text.len();
                    return shown;
                }
                assert!(
                    Instant::now() < deadline,
                    "the shell never showed {text:?}; the screen:\n{}",
                    &screen[self.read_to..]
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The value under the `count(*)` header the shell printed (CSV).
fn single_value(shown: &str) -> String {
    let lines: Vec<&str> = shown.lines().map(str::trim).collect();
    let header = lines
        .iter()
        .position(|l| *l == "count(*)")
        .unwrap_or_else(|| panic!("no result in {shown:?}"));
    lines[header + 1].to_string()
}

#[test]
fn two_shells_on_one_catalog_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    for k in 1..=3 {
        let folder = dir.path().join(format!("lake/k={k}"));
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("rows.csv"), "1\n2\n").unwrap();
    }
    let mut a = Shell::open(dir.path());
    let mut b = Shell::open(dir.path());

    a.enter(
        "CREATE EXTERNAL TABLE t (v int) PARTITIONED BY (k int) ROW FORMAT DELIMITED \
         LOCATION 'lake/';",
    );
    let shown = b.enter("SHOW TABLES;");
    assert!(shown.lines().any(|l| l.trim() == "t"), "{shown}");
    // b reads the table (and caches its partitions) before a changes them.
    assert_eq!(single_value(&b.enter("SELECT count(*) FROM t;")), "0");
    a.enter("ALTER TABLE t ADD PARTITION (k=1) PARTITION (k=2);");
    assert_eq!(single_value(&b.enter("SELECT count(*) FROM t;")), "4");
    a.enter("MSCK REPAIR TABLE t;");
    assert_eq!(single_value(&b.enter("SELECT count(*) FROM t;")), "6");
    b.enter("ALTER TABLE t DROP PARTITION (k=2);");
    assert_eq!(single_value(&a.enter("SELECT count(*) FROM t;")), "4");
    b.enter("DROP TABLE t;");
    let shown = a.enter("SELECT count(*) FROM t;");
    assert!(shown.contains("TABLE_NOT_FOUND"), "{shown}");
}

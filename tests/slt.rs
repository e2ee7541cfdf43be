//! Runs the sqllogictest files under `tests/slt/` against the library.
//!
//! Each file gets a fresh in-memory catalog and runs with the repository root as the
//! current directory, so relative LOCATIONs such as `sample-data/sales/` resolve.
//! Absolute paths of the checkout are shown as `<root>` in results and errors.
//! Each file also gets an empty scratch folder for the data it writes: `$SCRATCH` in a
//! statement stands for it (shown as `<scratch>`), and it is the session's CTAS
//! warehouse.
//! `SLT_UPDATE=1 cargo test --test slt -- NAME` rewrites a file's expected results.
//! `setup.slt.part`, which files include to get the sample tables, is generated from
//! `queries/setup.sql` at the start of every run.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::util::display::ArrayFormatter;
use lakesql::Session;
use lakesql::catalog::SqliteStore;
use lakesql::storage::S3Config;
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType};

struct LakeDb {
    session: Session,
    root: String,
    scratch: tempfile::TempDir,
}

#[derive(Debug)]
struct SltError(String);

impl std::fmt::Display for SltError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SltError {}

fn column_type(t: &DataType) -> DefaultColumnType {
    match t {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => DefaultColumnType::Integer,
        DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            DefaultColumnType::FloatingPoint
        }
        _ => DefaultColumnType::Text,
    }
}

#[async_trait]
impl AsyncDB for LakeDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let times = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC").unwrap();
        let scratch = self.scratch.path().to_string_lossy().to_string();
        let hide_root = |s: String| {
            let s = s
                .replace(&scratch, "<scratch>")
                .replace(&self.root, "<root>");
            times.replace_all(&s, "<time>").to_string()
        };
        let sql = sql.replace("$SCRATCH", &scratch);
        let mut outputs = self
            .session
            .execute(&sql)
            .await
            .map_err(|e| SltError(hide_root(e.to_string())))?;
        let Some(output) = outputs.pop() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        if !output.returns_rows {
            return Ok(DBOutput::StatementComplete(0));
        }
        let types = output
            .schema
            .fields()
            .iter()
            .map(|f| column_type(f.data_type()))
            .collect();
        let options = lakesql::shell::output::format_options();
        let mut rows = Vec::new();
        for batch in &output.batches {
            let formatters = batch
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref() as &dyn Array, &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| SltError(e.to_string()))?;
            for row in 0..batch.num_rows() {
                rows.push(
                    formatters
                        .iter()
                        .map(|f| {
                            let v = f.value(row).to_string();
                            if v.is_empty() {
                                "(empty)".to_string()
                            } else {
                                hide_root(v)
                            }
                        })
                        .collect(),
                );
            }
        }
        Ok(DBOutput::Rows { types, rows })
    }

    async fn shutdown(&mut self) {}
}

fn slt_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/slt exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "slt"))
        .collect();
    files.sort();
    files
}

/// Writes `tests/slt/setup.slt.part` (included by the files that query the sample
/// tables) from `queries/setup.sql`, so the tests run exactly the script users run.
fn write_setup_part(root: &Path) {
    let setup = std::fs::read_to_string(root.join("queries/setup.sql")).expect("setup.sql");
    let mut part = String::from(
        "# Generated from queries/setup.sql by tests/slt.rs on every run; do not edit.\n\n",
    );
    for statement in lakesql::sql::split_script(&setup).expect("setup.sql splits") {
        let lines: Vec<&str> = statement
            .text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .collect();
        part.push_str(&format!("statement ok\n{}\n\n", lines.join("\n")));
    }
    std::fs::write(root.join("tests/slt/setup.slt.part"), part).expect("write setup.slt.part");
}

fn main() {
    // DESCRIBE FORMATTED shows the owner, taken from $USER.
    // SAFETY: no other thread runs yet.
    unsafe { std::env::set_var("USER", "tester") };
    // Date projections resolve NOW through LAKESQL_NOW: pin it.
    // SAFETY: as above.
    unsafe { std::env::set_var("LAKESQL_NOW", "2024-05-20T12:00:00Z") };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::set_current_dir(&root).expect("repository root");
    write_setup_part(&root);
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (mut passed, mut failed) = (0, 0);
    for file in slt_files(&root.join("tests/slt")) {
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let root_text = root.to_string_lossy().to_string();
        let mut runner = sqllogictest::Runner::new(move || {
            let root = root_text.clone();
            async move {
                let store =
                    Arc::new(SqliteStore::in_memory().map_err(|e| SltError(e.to_string()))?);
                let mut session = Session::with_s3_config(store, S3Config::empty())
                    .map_err(|e| SltError(e.to_string()))?;
                let scratch = tempfile::tempdir().map_err(|e| SltError(e.to_string()))?;
                session.set_warehouse(scratch.path().join("warehouse"));
                Ok(LakeDb {
                    session,
                    root,
                    scratch,
                })
            }
        });
        if std::env::var_os("SLT_UPDATE").is_some() {
            // Rewrites the expected results in place (review the diff before committing).
            runtime
                .block_on(runner.update_test_file(
                    &file,
                    " ",
                    sqllogictest::default_validator,
                    sqllogictest::default_normalizer,
                    sqllogictest::default_column_validator,
                ))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            println!("test slt::{name} ... updated");
            passed += 1;
            continue;
        }
        match runtime.block_on(runner.run_file_async(&file)) {
            Ok(()) => {
                println!("test slt::{name} ... ok");
                passed += 1;
            }
            Err(e) => {
                println!("test slt::{name} ... FAILED\n{e}");
                failed += 1;
            }
        }
    }
    println!("\nslt: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}

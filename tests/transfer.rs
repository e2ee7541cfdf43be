//! `lakesql catalog export`, `import` and `copy`: definitions as AWS Glue JSON.
//!
//! The sample lake's catalog exported and imported into an empty catalog gives the same
//! `SHOW CREATE TABLE` and `SHOW PARTITIONS` for every table; the export is accepted by
//! moto's Glue (CreateTable, BatchCreatePartition) and a Glue catalog copies to a local
//! file through the command line; a bad file or a failed import changes nothing.

#[path = "support/session.rs"]
mod session;
mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use assert_cmd::Command;
use datafusion::arrow::util::pretty::pretty_format_batches;
use lakesql::Session;
use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::glue::{GlueConfig, GlueStore};
use lakesql::transfer;
use serde_json::{Value, json};
use session::run;
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tempfile::TempDir;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sqlite(path: &Path) -> Arc<dyn CatalogStore> {
    Arc::new(SqliteStore::open(path).unwrap())
}

fn session(store: Arc<dyn CatalogStore>) -> Session {
    let mut session = Session::new(store).unwrap();
    session.set_base_dir(repo_root());
    session
}

/// A catalog with the sample lake's tables (setup.sql: MSCK, projection, views).
async fn sample_catalog(path: &Path) -> Arc<dyn CatalogStore> {
    let store = sqlite(path);
    let setup = std::fs::read_to_string(repo_root().join("queries/setup.sql")).unwrap();
    run(&mut session(store.clone()), &setup).await;
    store
}

/// `SHOW CREATE TABLE` (or `SHOW CREATE VIEW`) and `SHOW PARTITIONS` of every table of
/// `db`, as text.
async fn definitions(store: Arc<dyn CatalogStore>, db: &str) -> Vec<String> {
    let mut session = session(store.clone());
    let mut out = Vec::new();
    for name in store.list_tables(db).await.unwrap() {
        let table = store.get_table(db, &name).await.unwrap().unwrap();
        let mut statements = vec![];
        if table.is_view() {
            statements.push(format!("SHOW CREATE VIEW {db}.{name}"));
        } else {
            statements.push(format!("SHOW CREATE TABLE {db}.{name}"));
            if table.is_partitioned() {
                statements.push(format!("SHOW PARTITIONS {db}.{name}"));
            }
        }
        for sql in statements {
            let result = run(&mut session, &sql).await;
            let text = pretty_format_batches(&result[0].batches)
                .unwrap()
                .to_string();
            out.push(format!("{sql}\n{text}"));
        }
    }
    out
}

fn glue_config(server: &S3Server, dir: &TempDir) -> GlueConfig {
    support::glue::config(&server.endpoint(), dir.path())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_gives_identical_definitions() {
    let dir = TempDir::new().unwrap();
    let original = sample_catalog(&dir.path().join("sample.db")).await;
    let file = dir.path().join("export.json");
    let exported = transfer::export(original.as_ref(), &[], Some(&file))
        .await
        .unwrap();
    assert!(exported.tables.len() >= 5, "{:?}", exported.tables.len());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(json["TableList"][0]["StorageDescriptor"]["Columns"].is_array());
    assert!(json["Partitions"].as_array().unwrap().len() >= 24);

    let copy = sqlite(&dir.path().join("copy.db"));
    let snapshot = transfer::read_files(&[&file], &[]).unwrap();
    let dry = transfer::import(copy.as_ref(), &snapshot, true)
        .await
        .unwrap();
    assert!(dry.dry_run && dry.lines.iter().any(|l| l.action == "created"));
    assert!(copy.list_tables("sample").await.unwrap().is_empty());
    let report = transfer::import(copy.as_ref(), &snapshot, false)
        .await
        .unwrap();
    assert!(
        report
            .lines
            .iter()
            .any(|l| l.object == "partitions" && l.action == "added 24"),
        "{report}"
    );
    let expected = definitions(original.clone(), "sample").await;
    assert!(expected.len() >= 6);
    assert_eq!(definitions(copy.clone(), "sample").await, expected);

    // Again: everything is there already.
    let again = transfer::import(copy.as_ref(), &snapshot, false)
        .await
        .unwrap();
    assert!(
        again
            .lines
            .iter()
            .all(|l| matches!(l.action.as_str(), "kept" | "unchanged")),
        "{again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_accepted_by_glue_and_copies_back() {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    let dir = TempDir::new().unwrap();
    let original = sample_catalog(&dir.path().join("sample.db")).await;
    let file = dir.path().join("export.json");
    transfer::export(original.as_ref(), &["sample".into()], Some(&file))
        .await
        .unwrap();
    let glue: Arc<dyn CatalogStore> = Arc::new(
        GlueStore::connect(&glue_config(&server, &dir), false)
            .await
            .unwrap(),
    );
    let snapshot = transfer::read_files(&[&file], &[]).unwrap();
    transfer::import(glue.as_ref(), &snapshot, false)
        .await
        .unwrap();
    let expected = definitions(original.clone(), "sample").await;
    assert_eq!(definitions(glue.clone(), "sample").await, expected);

    // The command line copies the Glue catalog to a local file.
    let copy = dir.path().join("offline.db");
    let from = format!("glue://?region=us-east-1&endpoint={}", server.endpoint());
    let output = Command::cargo_bin("lakesql")
        .unwrap()
        .args(["catalog", "copy", "--from", &from, "--to"])
        .arg(&copy)
        .envs(aws_environment(&dir))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("sample.sales"), "{stdout}");
    assert!(!stdout.contains(SECRET_KEY));
    assert_eq!(definitions(sqlite(&copy), "sample").await, expected);
}

/// A clean AWS environment with the test keys: no profile files, no instance metadata.
fn aws_environment(dir: &TempDir) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
        ("AWS_CONFIG_FILE", "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("HOME", dir.path().display().to_string()),
        (
            "XDG_DATA_HOME",
            dir.path().join("data").display().to_string(),
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_aws_cli_output_imports_and_errors_name_the_file() {
    let dir = TempDir::new().unwrap();
    // `aws glue get-tables --database-name web` and `get-partitions` output, as is.
    let tables = json!({"TableList": [{
        "Name": "Clicks", "DatabaseName": "web", "TableType": "EXTERNAL_TABLE",
        "CreateTime": 1700000000.0, "UpdateTime": 1700000000.0,
        "PartitionKeys": [{"Name": "dt", "Type": "string"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "url", "Type": "string"}],
            "Location": "s3://lake/clicks/",
            "InputFormat": "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde"}
        },
        "Parameters": {"classification": "orc"},
        "CatalogId": "999999999999", "VersionId": "7", "IsRegisteredWithLakeFormation": false
    }]});
    let partitions = json!({"Partitions": [
        {"Values": ["2024-01-01"], "DatabaseName": "web", "TableName": "clicks",
         "StorageDescriptor": {"Location": "s3://lake/clicks/dt=2024-01-01/"}},
        {"Values": ["2024-01-02"], "DatabaseName": "web", "TableName": "clicks",
         "StorageDescriptor": {"Location": "s3://lake/clicks/dt=2024-01-02/"}}
    ]});
    let tables_file = dir.path().join("tables.json");
    let partitions_file = dir.path().join("partitions.json");
    std::fs::write(&tables_file, tables.to_string()).unwrap();
    std::fs::write(&partitions_file, partitions.to_string()).unwrap();
    let catalog = dir.path().join("catalog.db");
    let import = |files: &[&Path]| {
        Command::cargo_bin("lakesql")
            .unwrap()
            .arg("--catalog")
            .arg(&catalog)
            .args(["catalog", "import"])
            .args(files)
            .output()
            .unwrap()
    };
    let out = import(&[&tables_file, &partitions_file]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // An ORC table is kept, and the report says lakesql cannot query it.
    assert!(stdout.contains("web.clicks"), "{stdout}");
    assert!(stdout.contains("kept; lakesql cannot query it"), "{stdout}");
    assert!(stdout.contains("added 2"), "{stdout}");
    let store = sqlite(&catalog);
    assert_eq!(store.count_partitions("web", "clicks").await.unwrap(), 2);

    // A partition whose table is in none of the files: refused, naming it.
    let out = import(&[&partitions_file]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("partitions.json"), "{stderr}");
    assert!(stderr.contains("web.clicks"), "{stderr}");
    // Not Glue JSON at all.
    let other = dir.path().join("other.json");
    std::fs::write(&other, "{\"Items\": []}").unwrap();
    let out = import(&[&other]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("other.json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_import_leaves_the_catalog_as_it_was() {
    let dir = TempDir::new().unwrap();
    let store = sqlite(&dir.path().join("catalog.db"));
    // The second partition repeats the first: the table is created, then its
    // partitions fail, so the table (and its new database) must go again.
    let partition = json!({"Values": ["1"], "DatabaseName": "fresh", "TableName": "t",
                           "StorageDescriptor": {"Location": "s3://lake/t/k=1/"}});
    let document = json!({
        "TableList": [{"Name": "t", "DatabaseName": "fresh",
            "PartitionKeys": [{"Name": "k", "Type": "string"}],
            "StorageDescriptor": {"Columns": [{"Name": "a", "Type": "int"}],
                                  "Location": "s3://lake/t/"}}],
        "Partitions": [partition.clone(), partition]
    });
    let snapshot =
        transfer::Snapshot::from_glue_json(&[("doc.json".to_string(), document)]).unwrap();
    let e = transfer::import(store.as_ref(), &snapshot, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("k=1") && e.contains("put back as it was"), "{e}");
    assert!(store.get_database("fresh").await.unwrap().is_none());
}

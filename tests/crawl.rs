//! The crawler against the sample lake: crawling `sample-data/` recreates the tables of
//! `queries/setup.sql` (same columns, types, formats and partition keys, same rows), and
//! the `lakesql crawl` command does the same from the command line.

use std::path::PathBuf;
use std::sync::Arc;

use assert_cmd::Command;
use datafusion::arrow::util::pretty::pretty_format_batches;
use lakesql::Session;
use lakesql::catalog::storage_format::DataFormat;
use lakesql::catalog::{CatalogStore, SqliteStore, Table};
use lakesql::storage::S3Config;
use tempfile::TempDir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn rows(session: &mut Session, sql: &str) -> String {
    let out = session
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    pretty_format_batches(&out.last().unwrap().batches)
        .unwrap()
        .to_string()
}

fn columns(t: &Table) -> Vec<(String, String)> {
    t.storage_descriptor
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect()
}

fn keys(t: &Table) -> Vec<(String, String)> {
    t.partition_keys
        .iter()
        .map(|c| (c.name.clone(), c.hive_type.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crawling_the_sample_lake_recreates_setup_sql() {
    let dir = TempDir::new().unwrap();
    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
    let mut s = Session::with_s3_config(store.clone(), S3Config::empty()).unwrap();
    s.set_base_dir(root());
    let setup = std::fs::read_to_string(root().join("queries/setup.sql")).unwrap();
    s.execute(&setup).await.unwrap();
    s.execute("CRAWL 'sample-data/' INTO crawled")
        .await
        .unwrap();

    let mut crawled_tables = store.list_tables("crawled").await.unwrap();
    crawled_tables.sort();
    assert_eq!(
        crawled_tables,
        ["customers", "events", "logs", "products", "sales"]
    );
    for name in &crawled_tables {
        let declared = store.get_table("sample", name).await.unwrap().unwrap();
        let crawled = store.get_table("crawled", name).await.unwrap().unwrap();
        assert_eq!(
            DataFormat::of_table(&declared).unwrap(),
            DataFormat::of_table(&crawled).unwrap(),
            "{name}: format"
        );
        assert_eq!(
            declared.storage_descriptor.location, crawled.storage_descriptor.location,
            "{name}: location"
        );
        let (mut want, mut got) = (columns(&declared), columns(&crawled));
        let select_declared: Vec<String>;
        let select_crawled: Vec<String>;
        match name.as_str() {
            // Text without a header: Glue's names, the declared types by position.
            "products" => {
                let types =
                    |c: &[(String, String)]| c.iter().map(|x| x.1.clone()).collect::<Vec<_>>();
                assert_eq!(types(&want), types(&got), "{name}: column types");
                assert_eq!(
                    got.iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
                    ["col1", "col2", "col3"]
                );
                select_declared = want.iter().map(|c| c.0.clone()).collect();
                select_crawled = got.iter().map(|c| c.0.clone()).collect();
            }
            // JSON reads by name: the same columns, in key order.
            "events" | "logs" => {
                want.sort();
                got.sort();
                assert_eq!(want, got, "{name}: columns");
                select_declared = want.iter().map(|c| c.0.clone()).collect();
                select_crawled = select_declared.clone();
            }
            _ => {
                assert_eq!(want, got, "{name}: columns");
                select_declared = want.iter().map(|c| c.0.clone()).collect();
                select_crawled = select_declared.clone();
            }
        }
        if name == "logs" {
            // A non-Hive layout (logs/YYYY/MM/DD/): the declared table reads it whole, the
            // crawler names the folder levels as Glue does.
            assert!(keys(&declared).is_empty());
            assert_eq!(
                keys(&crawled),
                [
                    ("partition_0".to_string(), "string".to_string()),
                    ("partition_1".to_string(), "string".to_string()),
                    ("partition_2".to_string(), "string".to_string())
                ]
            );
        } else {
            assert_eq!(keys(&declared), keys(&crawled), "{name}: partition keys");
        }
        // Same rows, column by column.
        let order = |cols: &[String]| {
            (1..=cols.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let a = rows(
            &mut s,
            &format!(
                "SELECT {} FROM sample.{name} ORDER BY {}",
                select_declared.join(", "),
                order(&select_declared)
            ),
        )
        .await;
        let b = rows(
            &mut s,
            &format!(
                "SELECT {} FROM crawled.{name} ORDER BY {}",
                select_crawled.join(", "),
                order(&select_crawled)
            ),
        )
        .await;
        // Data rows, cells without padding (column names differ in width).
        let strip_header = |t: &str| {
            t.lines()
                .skip(3)
                .filter(|l| !l.starts_with('+'))
                .map(|l| l.split('|').map(str::trim).collect::<Vec<_>>().join("|"))
                .collect::<Vec<_>>()
        };
        assert_eq!(strip_header(&a), strip_header(&b), "{name}: rows");
        assert!(a.lines().count() > 10, "{name}: {a}");
    }
    // The sales partitions are the same as MSCK's.
    let declared: Vec<Vec<String>> = store
        .list_partitions("sample", "sales")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.values)
        .collect();
    let crawled: Vec<Vec<String>> = store
        .list_partitions("crawled", "sales")
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.values)
        .collect();
    assert_eq!(declared, crawled);
}

/// Spark and pandas write `userId`; the catalog stores `userid`, and the scan matches them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parquet_columns_match_regardless_of_case() {
    use datafusion::arrow::array::{Int64Array, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::arrow::record_batch::RecordBatch;

    let dir = TempDir::new().unwrap();
    let data = dir.path().join("users");
    std::fs::create_dir_all(&data).unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("userId", DataType::Int64, false),
        Field::new("DisplayName", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(Int64Array::from(vec![7, 8])),
            Arc::new(StringArray::from(vec!["Ann", "Bo"])),
        ],
    )
    .unwrap();
    let file = std::fs::File::create(data.join("part-0.parquet")).unwrap();
    let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();

    let store: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
    let mut s = Session::with_s3_config(store, S3Config::empty()).unwrap();
    let crawl = rows(&mut s, &format!("CRAWL '{}' INTO lake", data.display())).await;
    assert!(!crawl.contains("upper-case"), "{crawl}");
    let all = rows(&mut s, "SELECT * FROM lake.users ORDER BY userid").await;
    assert!(all.contains("| 7      | Ann         |"), "{all}");
    let out = rows(
        &mut s,
        "SELECT userid, displayname FROM lake.users WHERE userid > 7",
    )
    .await;
    assert!(out.contains("| 8      | Bo          |"), "{out}");
    // A declared table reads them too.
    let out = rows(
        &mut s,
        &format!(
            "CREATE EXTERNAL TABLE lake.declared (displayname string, userid bigint) \
             STORED AS PARQUET LOCATION '{}'; SELECT * FROM lake.declared ORDER BY userid",
            data.display()
        ),
    )
    .await;
    assert!(out.contains("| Ann         | 7      |"), "{out}");
}

fn lakesql(dir: &TempDir) -> Command {
    let mut cmd = Command::cargo_bin("lakesql").unwrap();
    cmd.current_dir(root())
        .env("LAKESQL_S3_CONFIG", dir.path().join("none.ini"))
        .args(["--catalog"])
        .arg(dir.path().join("cat.db"));
    cmd
}

#[test]
fn crawl_command_writes_the_catalog_and_reports() {
    let dir = TempDir::new().unwrap();
    let out = lakesql(&dir)
        .args([
            "crawl",
            "sample-data/sales/",
            "--database",
            "lake",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("table created,lake.sales,\"parquet, 10 column(s), 24 file(s), partitioned by (year int, month int), 24 partition(s)\""),
        "{stdout}"
    );
    assert!(stderr.contains("1 table(s) created"), "{stderr}");

    lakesql(&dir)
        .args([
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM lake.sales",
        ])
        .assert()
        .success()
        .stdout("n\n1187\n");

    // A rerun with nothing new changes nothing; a dry run of another folder writes nothing.
    let out = lakesql(&dir)
        .args([
            "crawl",
            "sample-data/sales/",
            "--database",
            "lake",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("table unchanged,lake.sales"));
    let out = lakesql(&dir)
        .args([
            "crawl",
            "sample-data/events/",
            "--database",
            "lake",
            "--dry-run",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("would create table,lake.events"));
    lakesql(&dir)
        .args(["--format", "csv", "-c", "SHOW TABLES IN lake"])
        .assert()
        .success()
        .stdout("tab_name\nsales\n");

    // Bad flags are refused before anything runs.
    lakesql(&dir)
        .args(["crawl", "sample-data/", "--schema-change", "sometimes"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("invalid value 'sometimes'"));
}

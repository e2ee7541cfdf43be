//! Operation-level tests: Glue requests run on a real SQLite catalog file, and tables
//! made through Glue queried with a lakesql session (and the other way round).

use std::sync::Arc;

use serde_json::{Value, json};

use super::run;
use crate::Session;
use crate::catalog::storage_format::{DataFormat, classes};
use crate::catalog::{CatalogStore, SqliteStore};
use crate::serve::protocol::ApiError;
use crate::storage::S3Config;

struct Fixture {
    dir: tempfile::TempDir,
    store: Arc<SqliteStore>,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).unwrap());
        Fixture { dir, store }
    }

    async fn ok(&self, operation: &str, body: Value) -> Value {
        match run(self.store.as_ref(), operation, &body).await {
            Ok(v) => v,
            Err(e) => panic!("{operation} failed: {} {}", e.code, e.message),
        }
    }

    async fn err(&self, operation: &str, body: Value) -> ApiError {
        match run(self.store.as_ref(), operation, &body).await {
            Ok(v) => panic!("{operation} succeeded: {v}"),
            Err(e) => e,
        }
    }

    fn location(&self, folder: &str) -> String {
        format!("file://{}/{folder}", self.dir.path().display())
    }

    async fn sql(&self, sql: &str) -> String {
        let catalog: Arc<dyn CatalogStore> = self.store.clone();
        let mut session = Session::with_s3_config(catalog, S3Config::empty()).unwrap();
        let out = session.execute(sql).await.unwrap();
        let batches = &out.last().unwrap().batches;
        datafusion::arrow::util::pretty::pretty_format_batches(batches)
            .unwrap()
            .to_string()
    }
}

/// awswrangler's `create_csv_table` input, partitioned by an int key.
fn csv_table_input(location: &str) -> Value {
    json!({
        "Name": "Events",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "csv", "EXTERNAL": "TRUE"},
        "PartitionKeys": [{"Name": "year", "Type": "int"}],
        "StorageDescriptor": {
            "Columns": [
                {"Name": "ID", "Type": "bigint", "Comment": "the id"},
                {"Name": "name", "Type": "string"}
            ],
            "Location": location,
            "InputFormat": classes::TEXT_INPUT,
            "OutputFormat": classes::TEXT_OUTPUT,
            "Compressed": false,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": classes::LAZY_SIMPLE_SERDE,
                "Parameters": {"field.delim": ","}
            },
            "StoredAsSubDirectories": false,
            "Parameters": {"typeOfData": "file"}
        }
    })
}

#[tokio::test]
async fn databases_round_trip_and_report_glue_errors() {
    let f = Fixture::new();
    let input = json!({"DatabaseInput": {
        "Name": "Analytics", "Description": "d", "LocationUri": "s3://lake/analytics",
        "Parameters": {"k": "v"}
    }});
    f.ok("CreateDatabase", input.clone()).await;
    let db = f.ok("GetDatabase", json!({"Name": "analytics"})).await;
    assert_eq!(db["Database"]["Name"], "analytics");
    assert_eq!(db["Database"]["Description"], "d");
    assert_eq!(db["Database"]["LocationUri"], "s3://lake/analytics");
    assert_eq!(db["Database"]["Parameters"], json!({"k": "v"}));
    assert_eq!(db["Database"]["CatalogId"], "123456789012");
    assert!(db["Database"]["CreateTime"].is_f64());
    assert_eq!(
        f.err("CreateDatabase", input).await.code,
        "AlreadyExistsException"
    );

    let first = f.ok("GetDatabases", json!({"MaxResults": 1})).await;
    assert_eq!(first["DatabaseList"][0]["Name"], "analytics");
    let token = first["NextToken"].as_str().unwrap().to_string();
    let second = f
        .ok("GetDatabases", json!({"MaxResults": 1, "NextToken": token}))
        .await;
    assert_eq!(second["DatabaseList"][0]["Name"], "default");
    assert!(second.get("NextToken").is_none());

    f.ok(
        "UpdateDatabase",
        json!({"Name": "analytics", "DatabaseInput": {"Name": "analytics", "Description": "e"}}),
    )
    .await;
    let db = f.ok("GetDatabase", json!({"Name": "analytics"})).await;
    assert_eq!(db["Database"]["Description"], "e");
    assert!(db["Database"].get("LocationUri").is_none());

    f.ok("DeleteDatabase", json!({"Name": "analytics"})).await;
    let missing = f.err("GetDatabase", json!({"Name": "analytics"})).await;
    assert_eq!(missing.code, "EntityNotFoundException");
    assert_eq!(missing.message, "Database analytics not found.");
    let missing = f.err("DeleteDatabase", json!({"Name": "analytics"})).await;
    assert_eq!(missing.code, "EntityNotFoundException");
    let default = f.err("DeleteDatabase", json!({"Name": "default"})).await;
    assert_eq!(default.code, "InvalidInputException");
}

#[tokio::test]
async fn a_glue_table_round_trips_and_is_queryable() {
    let f = Fixture::new();
    let data = f.dir.path().join("events");
    for (year, rows) in [("2023", "1,a\n2,b\n"), ("2024", "3,c\n")] {
        std::fs::create_dir_all(data.join(format!("year={year}"))).unwrap();
        std::fs::write(data.join(format!("year={year}/part.csv")), rows).unwrap();
    }
    let location = f.location("events");
    f.ok(
        "CreateTable",
        json!({"DatabaseName": "default", "TableInput": csv_table_input(&location)}),
    )
    .await;

    let table = f
        .ok(
            "GetTable",
            json!({"DatabaseName": "default", "Name": "events"}),
        )
        .await["Table"]
        .clone();
    let sd = &table["StorageDescriptor"];
    assert_eq!(table["Name"], "events");
    assert_eq!(table["DatabaseName"], "default");
    assert_eq!(table["TableType"], "EXTERNAL_TABLE");
    let version = table["VersionId"].as_str().unwrap();
    assert!(version.chars().all(|c| c.is_ascii_digit()), "{version}");
    assert_eq!(table["CatalogId"], "123456789012");
    assert_eq!(
        table["Parameters"],
        json!({"classification": "csv", "EXTERNAL": "TRUE"})
    );
    assert_eq!(
        table["PartitionKeys"],
        json!([{"Name": "year", "Type": "int"}])
    );
    assert_eq!(
        sd["Columns"],
        json!([
            {"Name": "id", "Type": "bigint", "Comment": "the id"},
            {"Name": "name", "Type": "string"}
        ])
    );
    assert_eq!(sd["Location"], location.as_str());
    assert_eq!(sd["InputFormat"], classes::TEXT_INPUT);
    assert_eq!(sd["OutputFormat"], classes::TEXT_OUTPUT);
    assert_eq!(
        sd["SerdeInfo"]["SerializationLibrary"],
        classes::LAZY_SIMPLE_SERDE
    );
    assert_eq!(sd["SerdeInfo"]["Parameters"], json!({"field.delim": ","}));
    assert_eq!(sd["NumberOfBuckets"], -1);
    assert_eq!(sd["BucketColumns"], json!([]));
    assert_eq!(sd["SortColumns"], json!([]));
    assert_eq!(sd["Parameters"], json!({}));
    assert_eq!(sd["StoredAsSubDirectories"], false);
    assert_eq!(sd["Compressed"], false);

    let stored = f
        .store
        .get_table("default", "events")
        .await
        .unwrap()
        .unwrap();
    assert!(matches!(
        DataFormat::of_table(&stored),
        Ok(DataFormat::Text(_))
    ));

    let created = f
        .ok(
            "BatchCreatePartition",
            json!({"DatabaseName": "default", "TableName": "events", "PartitionInputList": [
                {"Values": ["2023"], "StorageDescriptor": {"Location": format!("{location}/year=2023")}},
                {"Values": ["2024"]}
            ]}),
        )
        .await;
    assert_eq!(created["Errors"], json!([]));
    let out = f
        .sql("SELECT year, count(*) AS n, max(name) AS m FROM events GROUP BY year ORDER BY year")
        .await;
    assert!(out.contains("| 2023 | 2 | b |"), "{out}");
    assert!(out.contains("| 2024 | 1 | c |"), "{out}");
}

#[tokio::test]
async fn a_shell_table_reads_like_an_athena_table() {
    let f = Fixture::new();
    let location = f.location("clicks");
    f.sql(&format!(
        "CREATE EXTERNAL TABLE clicks (id bigint) PARTITIONED BY (dt string) STORED AS PARQUET \
         LOCATION '{location}' TBLPROPERTIES ('parquet.compression'='SNAPPY')"
    ))
    .await;
    let table = f
        .ok(
            "GetTable",
            json!({"DatabaseName": "default", "Name": "clicks"}),
        )
        .await["Table"]
        .clone();
    let sd = &table["StorageDescriptor"];
    assert_eq!(sd["InputFormat"], classes::PARQUET_INPUT);
    assert_eq!(sd["OutputFormat"], classes::PARQUET_OUTPUT);
    assert_eq!(
        sd["SerdeInfo"]["SerializationLibrary"],
        classes::PARQUET_SERDE
    );
    assert_eq!(sd["Columns"], json!([{"Name": "id", "Type": "bigint"}]));
    assert_eq!(
        table["PartitionKeys"],
        json!([{"Name": "dt", "Type": "string"}])
    );
    assert_eq!(table["Parameters"]["parquet.compression"], "SNAPPY");

    // Through GetTable → UpdateTable (dbt's persist_docs), the definition is kept.
    let mut input = table.clone();
    for read_only in [
        "DatabaseName",
        "CreateTime",
        "UpdateTime",
        "CatalogId",
        "VersionId",
    ] {
        input.as_object_mut().unwrap().remove(read_only);
    }
    input["Description"] = json!("documented");
    f.ok(
        "UpdateTable",
        json!({"DatabaseName": "default", "TableInput": input}),
    )
    .await;
    let updated = f
        .store
        .get_table("default", "clicks")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(updated.description.as_deref(), Some("documented"));
    assert_eq!(
        updated
            .storage_descriptor
            .serde_info
            .serialization_library
            .as_deref(),
        Some(classes::PARQUET_SERDE)
    );
    assert_eq!(
        updated.create_time,
        table["CreateTime"].as_f64().unwrap() as i64
    );
}

/// `UpdateTable` with a `VersionId` applies only to that version, as in Glue.
#[tokio::test]
async fn update_table_checks_the_version_id() {
    let f = Fixture::new();
    let create = json!({"DatabaseName": "default", "TableInput": csv_table_input("s3://lake/t")});
    f.ok("CreateTable", create).await;
    let version = |answer: &Value| answer["Table"]["VersionId"].clone();
    let get = json!({"DatabaseName": "default", "Name": "events"});
    let first = version(&f.ok("GetTable", get.clone()).await);
    let mut input = csv_table_input("s3://lake/t");
    input["Description"] = json!("first change");
    let update = |input: &Value, version: &Value| json!({"DatabaseName": "default", "TableInput": input, "VersionId": version});
    f.ok("UpdateTable", update(&input, &first)).await;
    // A change made from the version read before that update is refused.
    input["Description"] = json!("stale change");
    let stale = f.err("UpdateTable", update(&input, &first)).await;
    assert_eq!(stale.code, "ConcurrentModificationException");
    let second = version(&f.ok("GetTable", get.clone()).await);
    assert_ne!(second, first);
    f.ok("UpdateTable", update(&input, &second)).await;
    let table = f.store.get_table("default", "events").await.unwrap();
    assert_eq!(table.unwrap().description.as_deref(), Some("stale change"));
}

#[tokio::test]
async fn table_operations_report_glue_errors() {
    let f = Fixture::new();
    let create = json!({"DatabaseName": "default", "TableInput": csv_table_input("s3://lake/t")});
    f.ok("CreateTable", create.clone()).await;
    assert_eq!(
        f.err("CreateTable", create).await.code,
        "AlreadyExistsException"
    );
    let missing = f
        .err(
            "GetTable",
            json!({"DatabaseName": "default", "Name": "nope"}),
        )
        .await;
    assert_eq!(missing.code, "EntityNotFoundException");
    assert_eq!(missing.message, "Table nope not found.");
    let no_db = f
        .err(
            "GetTable",
            json!({"DatabaseName": "nodb", "Name": "events"}),
        )
        .await;
    assert_eq!(no_db.message, "Database nodb not found.");
    // Something lakesql cannot read is refused when it is defined, as with DDL.
    let mut orc = csv_table_input("s3://lake/o");
    orc["Name"] = json!("o");
    orc["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] = json!(classes::ORC_SERDE);
    orc["StorageDescriptor"]["InputFormat"] = json!(classes::ORC_INPUT);
    let refused = f
        .err(
            "CreateTable",
            json!({"DatabaseName": "default", "TableInput": orc}),
        )
        .await;
    assert_eq!(refused.code, "InvalidInputException");
    let mut bad_type = csv_table_input("s3://lake/x");
    bad_type["Name"] = json!("x");
    bad_type["StorageDescriptor"]["Columns"][0]["Type"] = json!("bigintt");
    let refused = f
        .err(
            "CreateTable",
            json!({"DatabaseName": "default", "TableInput": bad_type}),
        )
        .await;
    assert_eq!(refused.code, "InvalidInputException");

    let out = f
        .ok(
            "BatchDeleteTable",
            json!({"DatabaseName": "default", "TablesToDelete": ["events", "nope"]}),
        )
        .await;
    assert_eq!(out["Errors"].as_array().unwrap().len(), 1);
    assert_eq!(out["Errors"][0]["TableName"], "nope");
    assert_eq!(
        out["Errors"][0]["ErrorDetail"]["ErrorCode"],
        "EntityNotFoundException"
    );
    assert!(
        f.store
            .get_table("default", "events")
            .await
            .unwrap()
            .is_none()
    );
    let unknown = f.err("FrobnicateTable", json!({})).await;
    assert_eq!(unknown.code, "UnknownOperationException");
}

#[tokio::test]
async fn get_tables_filters_names_and_pages() {
    let f = Fixture::new();
    for name in ["events", "events_raw", "raw_events", "users"] {
        let mut input = csv_table_input(&format!("s3://lake/{name}"));
        input["Name"] = json!(name);
        f.ok(
            "CreateTable",
            json!({"DatabaseName": "default", "TableInput": input}),
        )
        .await;
    }
    let names = |v: &Value| -> Vec<String> {
        v["TableList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["Name"].as_str().unwrap().to_string())
            .collect()
    };
    let out = f
        .ok(
            "GetTables",
            json!({"DatabaseName": "default", "Expression": "*events*"}),
        )
        .await;
    assert_eq!(names(&out), ["events", "events_raw", "raw_events"]);
    let page1 = f
        .ok(
            "GetTables",
            json!({"DatabaseName": "default", "MaxResults": 3}),
        )
        .await;
    assert_eq!(names(&page1), ["events", "events_raw", "raw_events"]);
    let token = page1["NextToken"].clone();
    let page2 = f
        .ok(
            "GetTables",
            json!({"DatabaseName": "default", "MaxResults": 3, "NextToken": token}),
        )
        .await;
    assert_eq!(names(&page2), ["users"]);
    assert!(page2.get("NextToken").is_none());
    let too_many = f
        .err(
            "GetTables",
            json!({"DatabaseName": "default", "MaxResults": 101}),
        )
        .await;
    assert_eq!(too_many.code, "InvalidInputException");
    let versions = f
        .ok(
            "GetTableVersions",
            json!({"DatabaseName": "default", "TableName": "users"}),
        )
        .await;
    let current = f
        .ok(
            "GetTable",
            json!({"DatabaseName": "default", "Name": "users"}),
        )
        .await["Table"]["VersionId"]
        .clone();
    assert_eq!(versions["TableVersions"][0]["VersionId"], current);
    assert_eq!(versions["TableVersions"][0]["Table"]["Name"], "users");
    let delete = f
        .err(
            "DeleteTableVersion",
            json!({"DatabaseName": "default", "TableName": "users", "VersionId": current}),
        )
        .await;
    assert_eq!(delete.code, "InvalidInputException");
}

/// A table partitioned by (year int, region string) with `n` years × 2 regions.
async fn partitioned(f: &Fixture) {
    let mut input = csv_table_input("s3://lake/p");
    input["Name"] = json!("p");
    input["PartitionKeys"] = json!([
        {"Name": "year", "Type": "int"}, {"Name": "region", "Type": "string"}
    ]);
    f.ok(
        "CreateTable",
        json!({"DatabaseName": "default", "TableInput": input}),
    )
    .await;
    let mut list = Vec::new();
    for year in [9, 10, 2024] {
        for region in ["eu", "us"] {
            list.push(json!({"Values": [year.to_string(), region]}));
        }
    }
    let out = f
        .ok(
            "BatchCreatePartition",
            json!({"DatabaseName": "default", "TableName": "p", "PartitionInputList": list}),
        )
        .await;
    assert_eq!(out["Errors"], json!([]));
}

fn values(out: &Value) -> Vec<String> {
    out["Partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let v: Vec<&str> = p["Values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            v.join("/")
        })
        .collect()
}

#[tokio::test]
async fn get_partitions_filters_segments_and_pages() {
    let f = Fixture::new();
    partitioned(&f).await;
    let request = |extra: Value| {
        let mut body = json!({"DatabaseName": "default", "TableName": "p"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let out = f
        .ok(
            "GetPartitions",
            request(json!({"Expression": "year > 9 AND region = 'eu'"})),
        )
        .await;
    assert_eq!(values(&out), ["10/eu", "2024/eu"]);
    let p = &out["Partitions"][0];
    assert_eq!(p["DatabaseName"], "default");
    assert_eq!(p["TableName"], "p");
    assert_eq!(p["Parameters"], json!({}));
    assert_eq!(
        p["StorageDescriptor"]["Location"],
        "s3://lake/p/year=10/region=eu/"
    );
    assert!(p["StorageDescriptor"]["Columns"].is_array());
    let excluded = f
        .ok(
            "GetPartitions",
            request(json!({"ExcludeColumnSchema": true})),
        )
        .await;
    assert!(
        excluded["Partitions"][0]["StorageDescriptor"]
            .get("Columns")
            .is_none()
    );
    assert_eq!(
        excluded["Partitions"][0]["StorageDescriptor"]["InputFormat"],
        classes::TEXT_INPUT
    );

    // Three segments cover every partition exactly once.
    let mut all = Vec::new();
    for n in 0..3 {
        let segment = json!({"Segment": {"SegmentNumber": n, "TotalSegments": 3}});
        all.extend(values(&f.ok("GetPartitions", request(segment)).await));
    }
    all.sort();
    let mut expected = values(&f.ok("GetPartitions", request(json!({}))).await);
    assert_eq!(expected.len(), 6);
    expected.sort();
    assert_eq!(all, expected);

    // Pages of 4: then 2, then no token.
    let page1 = f
        .ok("GetPartitions", request(json!({"MaxResults": 4})))
        .await;
    assert_eq!(values(&page1).len(), 4);
    let token = page1["NextToken"].clone();
    let page2 = f
        .ok(
            "GetPartitions",
            request(json!({"MaxResults": 4, "NextToken": token})),
        )
        .await;
    assert_eq!(values(&page2).len(), 2);
    assert!(page2.get("NextToken").is_none());

    let bad = f
        .err(
            "GetPartitions",
            request(json!({"Expression": "year LIKE '2%'"})),
        )
        .await;
    assert_eq!(bad.code, "InvalidInputException");
    let bad = f
        .err("GetPartitions", request(json!({"Expression": "month = 1"})))
        .await;
    assert_eq!(bad.code, "InvalidInputException");
}

#[tokio::test]
async fn partition_writes_report_per_item_errors() {
    let f = Fixture::new();
    partitioned(&f).await;
    let table = json!({"DatabaseName": "default", "TableName": "p"});
    let with = |extra: Value| {
        let mut body = table.clone();
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    // `09` is the partition `9` (values compare as the key's type).
    let out = f
        .ok(
            "BatchCreatePartition",
            with(json!({"PartitionInputList": [
                {"Values": ["09", "eu"]}, {"Values": ["11", "eu"]},
                {"Values": ["11", "eu"]}, {"Values": ["x", "eu"]}
            ]})),
        )
        .await;
    let codes: Vec<&str> = out["Errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ErrorDetail"]["ErrorCode"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "AlreadyExistsException",
            "AlreadyExistsException",
            "InvalidInputException"
        ]
    );
    assert_eq!(f.store.count_partitions("default", "p").await.unwrap(), 7);

    let got = f
        .ok(
            "GetPartition",
            with(json!({"PartitionValues": ["11", "eu"]})),
        )
        .await;
    assert_eq!(got["Partition"]["Values"], json!(["11", "eu"]));
    let missing = f
        .err(
            "GetPartition",
            with(json!({"PartitionValues": ["12", "eu"]})),
        )
        .await;
    assert_eq!(missing.code, "EntityNotFoundException");
    let batch = f
        .ok(
            "BatchGetPartition",
            with(json!({"PartitionsToGet": [{"Values": ["11", "eu"]}, {"Values": ["12", "eu"]}]})),
        )
        .await;
    assert_eq!(values(&batch), ["11/eu"]);
    assert_eq!(batch["UnprocessedKeys"], json!([]));

    f.ok(
        "UpdatePartition",
        with(
            json!({"PartitionValueList": ["11", "eu"], "PartitionInput": {
                "Values": ["11", "eu"], "Parameters": {"k": "v"},
                "StorageDescriptor": {"Location": "s3://lake/elsewhere"}
            }}),
        ),
    )
    .await;
    let got = f
        .ok(
            "GetPartition",
            with(json!({"PartitionValues": ["11", "eu"]})),
        )
        .await;
    assert_eq!(got["Partition"]["Parameters"], json!({"k": "v"}));
    assert_eq!(
        got["Partition"]["StorageDescriptor"]["Location"],
        "s3://lake/elsewhere"
    );
    // New values move the partition, keeping its location when none is given.
    let out = f
        .ok(
            "BatchUpdatePartition",
            with(json!({"Entries": [
                {"PartitionValueList": ["11", "eu"], "PartitionInput": {"Values": ["12", "eu"]}},
                {"PartitionValueList": ["13", "eu"], "PartitionInput": {"Values": ["13", "eu"]}}
            ]})),
        )
        .await;
    assert_eq!(out["Errors"].as_array().unwrap().len(), 1);
    assert_eq!(out["Errors"][0]["PartitionValueList"], json!(["13", "eu"]));
    let moved = f
        .ok(
            "GetPartition",
            with(json!({"PartitionValues": ["12", "eu"]})),
        )
        .await;
    assert_eq!(
        moved["Partition"]["StorageDescriptor"]["Location"],
        "s3://lake/elsewhere"
    );

    f.ok(
        "DeletePartition",
        with(json!({"PartitionValues": ["12", "eu"]})),
    )
    .await;
    let out = f
        .ok(
            "BatchDeletePartition",
            with(json!({"PartitionsToDelete": [
                {"Values": ["9", "eu"]}, {"Values": ["12", "eu"]}, {"Values": ["9"]}
            ]})),
        )
        .await;
    let codes: Vec<&str> = out["Errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ErrorDetail"]["ErrorCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["EntityNotFoundException", "InvalidInputException"]);
    assert_eq!(f.store.count_partitions("default", "p").await.unwrap(), 5);
    let too_many: Vec<Value> = (0..26)
        .map(|i| json!({"Values": [i.to_string(), "eu"]}))
        .collect();
    let refused = f
        .err(
            "BatchDeletePartition",
            with(json!({"PartitionsToDelete": too_many})),
        )
        .await;
    assert_eq!(refused.code, "InvalidInputException");
}

#[tokio::test]
async fn a_view_round_trips_through_glue() {
    let f = Fixture::new();
    f.sql("CREATE VIEW v AS SELECT 1 AS x").await;
    let view = f
        .ok("GetTable", json!({"DatabaseName": "default", "Name": "v"}))
        .await["Table"]
        .clone();
    assert_eq!(view["TableType"], "VIRTUAL_VIEW");
    assert!(
        view["ViewOriginalText"]
            .as_str()
            .unwrap()
            .starts_with("/* Presto View: ")
    );
    assert_eq!(view["ViewExpandedText"], "/* Presto View */");
    assert_eq!(view["Parameters"]["presto_view"], "true");
    assert!(view["StorageDescriptor"].get("Location").is_none());
    assert_eq!(view["StorageDescriptor"]["Columns"][0]["Name"], "x");

    // Deleted and created again from its own JSON (as a client copying a view does).
    f.ok(
        "DeleteTable",
        json!({"DatabaseName": "default", "Name": "v"}),
    )
    .await;
    f.ok(
        "CreateTable",
        json!({"DatabaseName": "default", "TableInput": view.clone()}),
    )
    .await;
    let again = f
        .ok("GetTable", json!({"DatabaseName": "default", "Name": "v"}))
        .await["Table"]
        .clone();
    assert_eq!(again["ViewOriginalText"], view["ViewOriginalText"]);
    assert_eq!(again["StorageDescriptor"], view["StorageDescriptor"]);
    let out = f.sql("SELECT x FROM v").await;
    assert!(out.contains("| 1 |"), "{out}");
}

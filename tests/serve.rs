//! `lakesql serve` end to end: the server runs in this test process on a free loopback
//! port over a real SQLite catalog and a real data directory; boto3 (a real AWS client,
//! installed by `.ci/run`) drives Athena, S3 and STS (`tests/serve/boto3_athena.py`), and
//! raw HTTP checks what a restart keeps.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lakesql::catalog::{CatalogStore, SqliteStore};
use lakesql::serve::{ServeOptions, Server};
use serde_json::{Value, json};

#[path = "support/sample.rs"]
mod sample;

/// The environment a user sets to point the AWS tools at the server: every client and
/// every service (PyAthena's result reader included) goes to 127.0.0.1, never to AWS or
/// the instance-metadata address.
fn aws_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "lakesql-test".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "lakesql-test-secret".to_string()),
        ("AWS_DEFAULT_REGION", "us-east-1".to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_CONFIG_FILE", "/dev/null".to_string()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_string()),
    ]
}

async fn start(dir: &Path) -> Server {
    let catalog: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.join("catalog.db")).expect("catalog"));
    let mut options = ServeOptions::new(dir.join("data"));
    options.port = 0;
    Server::start(options, catalog)
        .await
        .expect("server starts")
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(address: &str, head: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    write!(
        stream,
        "{head}\r\nHost: {address}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write");
    stream.write_all(body).expect("write body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text[9..12].parse().expect("status");
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

fn athena(address: &str, operation: &str, input: Value) -> (u16, Value) {
    let head = format!(
        "POST / HTTP/1.1\r\nX-Amz-Target: AmazonAthena.{operation}\r\n\
         Content-Type: application/x-amz-json-1.1"
    );
    let (status, body) = http(address, &head, input.to_string().as_bytes());
    (status, serde_json::from_str(&body).expect("JSON body"))
}

fn wait_done(address: &str, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (status, out) = athena(
            address,
            "GetQueryExecution",
            json!({"QueryExecutionId": id}),
        );
        assert_eq!(status, 200, "{out}");
        let state = out["QueryExecution"]["Status"]["State"]
            .as_str()
            .unwrap()
            .to_string();
        if ["SUCCEEDED", "FAILED", "CANCELLED"].contains(&state.as_str()) {
            return out["QueryExecution"].clone();
        }
        assert!(Instant::now() < deadline, "query {id} did not finish");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queries_are_answered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let address = server.address.to_string();
    let (id, results) = tokio::task::spawn_blocking(move || {
        let (status, out) = athena(
            &address,
            "StartQueryExecution",
            json!({"QueryString": "SELECT 'a,\"b' AS s, CAST(NULL AS integer) AS n, 7 AS k"}),
        );
        assert_eq!(status, 200, "{out}");
        let id = out["QueryExecutionId"].as_str().unwrap().to_string();
        let done = wait_done(&address, &id);
        assert_eq!(done["Status"]["State"], "SUCCEEDED", "{done}");
        let (_, results) = athena(&address, "GetQueryResults", json!({"QueryExecutionId": id}));
        (id, results)
    })
    .await
    .unwrap();
    assert_eq!(
        results["ResultSet"]["Rows"],
        json!([
            {"Data": [{"VarCharValue": "s"}, {"VarCharValue": "n"}, {"VarCharValue": "k"}]},
            {"Data": [{"VarCharValue": "a,\"b"}, {}, {"VarCharValue": "7"}]}
        ])
    );
    let file = dir
        .path()
        .join("data/lakesql-query-results")
        .join(format!("{id}.csv"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "\"s\",\"n\",\"k\"\n\"a,\"\"b\",,\"7\"\n"
    );
    server.stop().await;

    let server = start(dir.path()).await;
    let address = server.address.to_string();
    let expected = results.clone();
    tokio::task::spawn_blocking(move || {
        let (status, out) = athena(
            &address,
            "GetQueryExecution",
            json!({"QueryExecutionId": id}),
        );
        assert_eq!(status, 200, "{out}");
        assert_eq!(out["QueryExecution"]["Status"]["State"], "SUCCEEDED");
        let (_, again) = athena(&address, "GetQueryResults", json!({"QueryExecutionId": id}));
        assert_eq!(again["ResultSet"], expected["ResultSet"]);
        let (status, out) = athena(
            &address,
            "GetQueryExecution",
            json!({"QueryExecutionId": "x"}),
        );
        assert_eq!(
            (status, out["__type"].as_str()),
            (400, Some("InvalidRequestException"))
        );
        let (status, body) = http(
            &address,
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
            b"Action=GetCallerIdentity&Version=2011-06-15",
        );
        assert_eq!(status, 200);
        assert!(body.contains("<Account>123456789012</Account>"), "{body}");
    })
    .await
    .unwrap();
    server.stop().await;
}

/// The shell's rows of `query` on the sample lake, as text (NULL as `None`).
async fn shell_rows(catalog: Arc<dyn CatalogStore>, query: &str) -> Vec<Vec<Option<String>>> {
    use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
    let mut session =
        lakesql::Session::with_s3_config(catalog, lakesql::storage::S3Config::empty()).unwrap();
    session.execute("USE sample").await.unwrap();
    let output = session.execute(query).await.unwrap().pop().unwrap();
    let mut rows = vec![
        output
            .schema
            .fields()
            .iter()
            .map(|f| Some(f.name().clone()))
            .collect(),
    ];
    for batch in &output.batches {
        let options = FormatOptions::new();
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).unwrap())
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&formatters)
                    .map(|(c, f)| (!c.is_null(row)).then(|| f.value(row).to_string()))
                    .collect(),
            );
        }
    }
    rows
}

/// A catalog file in `dir` with the sample lake's tables (`queries/setup.sql`).
async fn sample_catalog(dir: &Path) -> Arc<dyn CatalogStore> {
    let catalog: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.join("catalog.db")).expect("catalog"));
    let mut session =
        lakesql::Session::with_s3_config(catalog.clone(), lakesql::storage::S3Config::empty())
            .unwrap();
    session.set_base_dir(env!("CARGO_MANIFEST_DIR").into());
    let setup =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/queries/setup.sql")).unwrap();
    session.execute(&setup).await.unwrap();
    catalog
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pyathena_matches_the_shell_on_the_sample_lake() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = sample_catalog(dir.path()).await;
    let query = "SELECT category, count(*) AS orders, sum(quantity) AS units, \
                 sum(unit_price * quantity) AS revenue, min(year) AS first_year \
                 FROM sales GROUP BY category ORDER BY category";
    let expected = shell_rows(catalog.clone(), query).await;
    assert!(
        expected.len() > 2,
        "the sample has categories: {expected:?}"
    );
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    let server = Server::start(options, catalog)
        .await
        .expect("server starts");
    let endpoint = server.endpoint();
    let stdout =
        tokio::task::spawn_blocking(move || python("pyathena_sample.py", &endpoint, &[query]))
            .await
            .unwrap();
    let got: Vec<Vec<Option<String>>> =
        serde_json::from_slice(&stdout).expect("the script prints JSON rows");
    assert_eq!(got, expected);
    server.stop().await;
}

/// Every query runs in a new session, but the server's footer cache is shared: the first
/// query reads each small file once, whole; the second reads column chunks only.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn queries_share_parquet_footers_across_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = sample_catalog(dir.path()).await;
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    let server = Server::start(options, catalog)
        .await
        .expect("server starts");
    let address = server.address.to_string();
    let scanned = tokio::task::spawn_blocking(move || {
        (0..2)
            .map(|_| {
                let (status, out) = athena(
                    &address,
                    "StartQueryExecution",
                    json!({"QueryString": "SELECT sum(quantity) FROM sample.sales"}),
                );
                assert_eq!(status, 200, "{out}");
                let done = wait_done(&address, out["QueryExecutionId"].as_str().unwrap());
                assert_eq!(done["Status"]["State"], "SUCCEEDED", "{done}");
                done["Statistics"]["DataScannedInBytes"].as_u64().unwrap()
            })
            .collect::<Vec<u64>>()
    })
    .await
    .unwrap();
    assert_eq!(
        scanned[0],
        sample::parquet_bytes("sales"),
        "the first query reads each file once"
    );
    assert!(
        scanned[1] > 0 && scanned[1] < scanned[0] / 2,
        "the second query reads no footers: {scanned:?}"
    );
    server.stop().await;
}

/// Runs `tests/serve/<script> ENDPOINT ARGS…` (blocking) with the AWS environment
/// pointing at `endpoint`; returns its stdout, panics with its stderr on failure.
fn python(script: &str, endpoint: &str, args: &[&str]) -> Vec<u8> {
    let output = Command::new("python3")
        .arg(format!(
            "{}/tests/serve/{script}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .arg(endpoint)
        .args(args)
        .envs(aws_env(endpoint))
        .output()
        .unwrap_or_else(|e| panic!("cannot run python3 ({e})"));
    assert!(
        output.status.success(),
        "{script} failed (`.ci/run` pip-installs the clients it needs):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Runs a Python client script against a fresh server; returns what it printed.
async fn run_script(script: &'static str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let endpoint = server.endpoint();
    let stdout = tokio::task::spawn_blocking(move || python(script, &endpoint, &[]))
        .await
        .unwrap();
    server.stop().await;
    stdout
}

/// What a script printed as JSON.
fn summary(stdout: &[u8]) -> Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn awswrangler_writes_registers_and_reads_back_both_ways() {
    let out = summary(&run_script("awswrangler_flow.py").await);
    assert_eq!(out, json!({"csv": 4, "ctas": 4, "partitions": 8}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_aws_cli_drives_s3_glue_and_athena() {
    let out = summary(&run_script("aws_cli.py").await);
    assert_eq!(out, json!({"partitions": 3, "rows": 3, "errors": 5}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn boto3_glue_catalog_is_the_catalog_athena_queries() {
    run_script("boto3_glue.py").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn boto3_drives_athena_s3_and_sts() {
    run_script("boto3_athena.py").await;
}

/// dbt-athena (seed, table, incremental insert_overwrite, view, tests) against the server:
/// the script checks every model's rows, partitions and files; here its summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn dbt_athena_builds_seeds_tables_incrementals_and_views() {
    let out = summary(&run_script("dbt_athena.py").await);
    assert_eq!(out["seed_rows"], 36, "{out}");
    assert_eq!(out["dbt"]["run"]["nodes"], 3, "{out}");
    assert_eq!(out["dbt"]["test_after_incremental"]["nodes"], 11, "{out}");
    assert_eq!(
        out["orders_by_day"],
        json!({"rows": 36, "partitions": 6}),
        "{out}"
    );
    let revenue = &out["daily_revenue"];
    assert_eq!(revenue["partitions"], 6, "{out}");
    assert_eq!(
        revenue["replaced"],
        json!(["2024-03-05", "2024-03-06"]),
        "{out}"
    );
    assert_eq!(revenue["kept"].as_array().map(Vec::len), Some(4), "{out}");
    assert_eq!(out["customer_totals"]["rows"], 9, "{out}");
}

/// The value of one metrics line (`name{labels} value`).
fn metric(page: &str, line_start: &str) -> u64 {
    page.lines()
        .find_map(|l| {
            l.strip_prefix(line_start)
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn throttled_calls_are_retried_and_metrics_and_audit_count_every_call() {
    let dir = tempfile::tempdir().unwrap();
    let catalog: Arc<dyn CatalogStore> =
        Arc::new(SqliteStore::open(&dir.path().join("catalog.db")).expect("catalog"));
    let mut options = ServeOptions::new(dir.path().join("data"));
    options.port = 0;
    options.limits = vec![
        lakesql::serve::throttle::Limit::parse("GetQueryExecution=2:2").unwrap(),
        lakesql::serve::throttle::Limit::parse("GetCallerIdentity=1000").unwrap(),
    ];
    let server = Server::start(options, catalog)
        .await
        .expect("server starts");
    let endpoint = server.endpoint();
    let address = server.address.to_string();
    let (burst, calls, page) = tokio::task::spawn_blocking(move || {
        // A burst of 6 raw calls: the first 2 pass (the burst), the rest are throttled.
        let burst: Vec<(u16, Value)> = (0..6)
            .map(|_| {
                athena(
                    &address,
                    "GetQueryExecution",
                    json!({"QueryExecutionId": "x"}),
                )
            })
            .collect();
        let stdout = python("boto3_throttled.py", &endpoint, &[]);
        let calls: Value = serde_json::from_slice(&stdout).expect("JSON counts");
        let (status, page) = http(&address, "GET /_lakesql/metrics HTTP/1.1", b"");
        assert_eq!(status, 200);
        (burst, calls, page)
    })
    .await
    .unwrap();
    let throttled: Vec<bool> = burst
        .iter()
        .map(|(status, out)| *status == 400 && out["__type"] == "ThrottlingException")
        .collect();
    assert_eq!(
        throttled,
        [false, false, true, true, true, true],
        "{burst:?}"
    );

    let labels = "service=\"athena\",operation=\"GetQueryExecution\"";
    let ok = metric(
        &page,
        &format!("lakesql_requests_total{{{labels},status=\"200\"}}"),
    );
    let refused = metric(
        &page,
        &format!("lakesql_requests_total{{{labels},status=\"400\"}}"),
    );
    let throttled_total = metric(
        &page,
        "lakesql_throttled_total{operation=\"GetQueryExecution\"}",
    );
    let script_ok = calls["GetQueryExecution"].as_u64().unwrap();
    // The raw burst's 2 admitted calls answered 400 InvalidRequestException (unknown id).
    let unknown_id = metric(
        &page,
        &format!("lakesql_request_errors_total{{{labels},error=\"InvalidRequestException\"}}"),
    );
    assert_eq!(unknown_id, 2, "{page}");
    assert_eq!(ok, script_ok, "{page}");
    assert!(throttled_total >= 4, "the script was throttled too: {page}");
    assert_eq!(refused, throttled_total + unknown_id, "{page}");
    assert_eq!(
        metric(&page, "lakesql_queries{state=\"SUCCEEDED\"}"),
        3,
        "{page}"
    );
    server.stop().await;

    // The audit trail has exactly one line per call, and no secret.
    let log = std::fs::read_to_string(dir.path().join("data/.lakesql/audit.log")).unwrap();
    assert!(!log.contains("lakesql-test-secret"));
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let audited = |name: &str, status: u64| {
        lines
            .iter()
            .filter(|e| e["eventName"] == name && e["status"] == status)
            .count() as u64
    };
    assert_eq!(audited("GetQueryExecution", 200), ok);
    assert_eq!(audited("GetQueryExecution", 400), refused);
    assert_eq!(
        audited("StartQueryExecution", 200),
        calls["StartQueryExecution"].as_u64().unwrap()
    );
    let start = lines
        .iter()
        .find(|e| e["eventName"] == "StartQueryExecution")
        .unwrap();
    assert_eq!(start["accessKeyId"], "lakesql-test");
    assert_eq!(start["sourceIpAddress"], "127.0.0.1");
    assert!(
        start["resources"][0]
            .as_str()
            .unwrap()
            .starts_with("QueryExecutionId="),
        "{start}"
    );

    // `lakesql audit` prints them, filtered by operation.
    let out = assert_cmd::Command::cargo_bin("lakesql")
        .unwrap()
        .args(["audit", "--data-dir"])
        .arg(dir.path().join("data"))
        .args(["--operation", "StartQueryExecution", "--since", "1h"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
    assert!(
        text.lines()
            .skip(1)
            .all(|l| l.contains("StartQueryExecution")),
        "{text}"
    );
}

/// The key file of the auth test: one key pair, with a user name.
const KEYS: &str = "[[keys]]\naccess_key_id = \"lakesql-test\"\n\
                    secret_access_key = \"lakesql-test-secret\"\nuser = \"tester\"\n";

/// `lakesql serve --auth` as a user runs it: the binary, logging at debug level.
struct ServeProcess {
    child: std::process::Child,
    endpoint: String,
}

impl ServeProcess {
    fn start(dir: &Path, extra: &[&str]) -> ServeProcess {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_lakesql"))
            .arg("--catalog")
            .arg(dir.join("catalog.db"))
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(dir.join("data"))
            .args(extra)
            .env("LAKESQL_LOG", "debug")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("lakesql serve starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let endpoint = line
            .split_whitespace()
            .find_map(|w| w.strip_prefix("AWS_ENDPOINT_URL="))
            .unwrap_or_else(|| panic!("no export line: {line:?}"))
            .to_string();
        ServeProcess { child, endpoint }
    }

    /// Stops the server; returns what it logged.
    fn stop(mut self) -> String {
        self.child.kill().unwrap();
        let mut log = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut log)
            .unwrap();
        self.child.wait().unwrap();
        log
    }
}

#[test]
fn auth_refuses_wrong_secrets_and_unknown_keys_in_every_service() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    std::fs::write(&keys, KEYS).unwrap();
    let server = ServeProcess::start(dir.path(), &["--auth", keys.to_str().unwrap()]);
    let stdout = python("boto3_auth.py", &server.endpoint, &[]);
    let address = server.endpoint.trim_start_matches("http://").to_string();
    let (_, metrics) = http(&address, "GET /_lakesql/metrics HTTP/1.1", b"");
    let (status, unsigned) = athena(&address, "ListWorkGroups", json!({}));
    let log = server.stop();

    let codes: Value = serde_json::from_slice(&stdout).expect("JSON codes");
    assert_eq!(
        codes,
        json!({
            "good": {"athena": null, "glue": null, "sts": null, "s3": null},
            "wrong_secret": {
                "athena": ["InvalidSignatureException", 400],
                "glue": ["InvalidSignatureException", 400],
                "sts": ["SignatureDoesNotMatch", 403],
                "s3": ["SignatureDoesNotMatch", 403],
            },
            "unknown_key": {
                "athena": ["UnrecognizedClientException", 400],
                "glue": ["UnrecognizedClientException", 400],
                "sts": ["InvalidClientTokenId", 403],
                "s3": ["InvalidAccessKeyId", 403],
            },
            "unsigned_s3": 403,
        })
    );
    assert_eq!(
        (status, unsigned["__type"].as_str()),
        (400, Some("MissingAuthenticationTokenException"))
    );
    let audit = std::fs::read_to_string(dir.path().join("data/.lakesql/audit.log")).unwrap();
    assert!(
        audit.contains("\"errorCode\":\"InvalidSignatureException\""),
        "{audit}"
    );
    for (name, text) in [
        ("log", &log),
        ("audit trail", &audit),
        ("metrics", &metrics),
    ] {
        assert!(!text.is_empty(), "the {name} is empty");
        assert!(
            !text.contains("lakesql-test-secret") && !text.contains("not-the-secret"),
            "a secret is in the {name}:\n{text}"
        );
    }
    assert!(log.contains("InvalidSignatureException"), "{log}");
}

#[test]
fn serve_refuses_other_addresses_without_auth_and_bad_key_files() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |args: &[&str]| {
        assert_cmd::Command::cargo_bin("lakesql")
            .unwrap()
            .arg("--catalog")
            .arg(dir.path().join("catalog.db"))
            .args(["serve", "--port", "0", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = serve(&["--bind", "0.0.0.0"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0") && stderr.contains("--auth"),
        "{stderr}"
    );
    let keys = dir.path().join("keys.toml");
    std::fs::write(&keys, "[[keys]]\naccess_key_id = \"A\"\n").unwrap();
    let out = serve(&["--auth", keys.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("keys.toml") && stderr.contains("secret_access_key"),
        "{stderr}"
    );
}

/// `lakesql --read-only serve`: queries run; every change to the catalog is refused, by
/// Athena as `READ_ONLY_VIOLATION` before the statement runs and by Glue as
/// `AccessDeniedException`, and the catalog file is not written.
#[test]
fn a_read_only_server_answers_queries_and_refuses_changes() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.db");
    let setup = assert_cmd::Command::cargo_bin("lakesql")
        .unwrap()
        .arg("--catalog")
        .arg(&catalog)
        .args(["-c", "CREATE DATABASE kept"])
        .output()
        .unwrap();
    assert!(setup.status.success(), "{setup:?}");
    let before = std::fs::read(&catalog).unwrap();
    let server = ServeProcess::start(dir.path(), &["--read-only"]);
    let address = server.endpoint.trim_start_matches("http://").to_string();
    let run = |sql: &str| {
        let (status, out) = athena(
            &address,
            "StartQueryExecution",
            json!({"QueryString": sql, "ResultConfiguration": {}}),
        );
        assert_eq!(status, 200, "{out}");
        wait_done(&address, out["QueryExecutionId"].as_str().unwrap())
    };
    let ok = run("SELECT count(*) FROM information_schema.schemata WHERE schema_name = 'kept'");
    assert_eq!(ok["Status"]["State"], "SUCCEEDED", "{ok}");
    for sql in [
        "CREATE DATABASE other",
        "CREATE TABLE kept.t AS SELECT 1 AS x",
        "DROP DATABASE kept",
    ] {
        let failed = run(sql);
        assert_eq!(failed["Status"]["State"], "FAILED", "{sql}: {failed}");
        let reason = failed["Status"]["StateChangeReason"].as_str().unwrap();
        assert!(reason.contains("READ_ONLY_VIOLATION"), "{sql}: {reason}");
    }
    let glue = |operation: &str, input: Value| {
        let head = format!(
            "POST / HTTP/1.1\r\nX-Amz-Target: AWSGlue.{operation}\r\n\
             Content-Type: application/x-amz-json-1.1"
        );
        let (status, body) = http(&address, &head, input.to_string().as_bytes());
        (
            status,
            serde_json::from_str::<Value>(&body).expect("JSON body"),
        )
    };
    let (status, out) = glue(
        "CreateDatabase",
        json!({"DatabaseInput": {"Name": "other"}}),
    );
    assert_eq!(
        (status, out["__type"].as_str()),
        (400, Some("AccessDeniedException")),
        "{out}"
    );
    let (status, out) = glue("GetDatabase", json!({"Name": "kept"}));
    assert_eq!(status, 200, "{out}");
    server.stop();
    assert_eq!(std::fs::read(&catalog).unwrap(), before);
}

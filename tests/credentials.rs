//! Credentials as the AWS SDKs resolve them, end to end through the `lakesql` binary:
//! a bucket's `profile` may get its keys from `credential_process`, an assumed role
//! (moto's STS, chained, with `external_id`), web identity, or an SSO token cache (a
//! stub portal); temporary credentials are renewed during a long scan. The S3 requests
//! go through the fault proxy, which records the access key each one was signed with.
//!
//! Each run gets a clean environment (`env_clear`): its own HOME, AWS config files and
//! `s3.ini`, instance metadata disabled, and every endpoint on 127.0.0.1.

mod support;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use assert_cmd::Command;
use support::fault_proxy::FaultProxy;
use support::s3_server::S3Server;
use tempfile::TempDir;

const BUCKET: &str = "lake";
/// A secret that must never be printed.
const BASE_SECRET: &str = "base-Secret-Never-Shown-77";

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// moto with the sample lake's products uploaded, behind a fault proxy (no faults).
async fn lake() -> (S3Server, FaultProxy) {
    let server = tokio::task::spawn_blocking(S3Server::start).await.unwrap();
    server.create_bucket(BUCKET);
    server
        .upload_dir(BUCKET, &repo_root().join("sample-data/sales"), "sales")
        .await;
    let proxy = FaultProxy::start(&server.addr, 0, 3).await;
    (server, proxy)
}

/// A home for one run: AWS config files and lakesql's s3.ini.
struct Home {
    dir: TempDir,
}

impl Home {
    fn new(config: &str, proxy: &FaultProxy, bucket_profile: &str) -> Home {
        let dir = TempDir::new().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), "").unwrap();
        let ini = format!(
            "[bucket {BUCKET}]\nendpoint = {}\nallow_http = true\nregion = us-east-1\n\
             max_retries = 2\nprofile = {bucket_profile}\n",
            proxy.endpoint
        );
        std::fs::write(dir.path().join("s3.ini"), ini).unwrap();
        Home { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// An executable script in the home.
    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        let mut permissions = std::fs::metadata(&path).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&path, permissions).unwrap();
        path
    }

    /// Runs `lakesql -c SQL` in this home with `extra` environment.
    fn run(&self, sql: &str, extra: &[(&str, String)]) -> Output {
        let mut command = Command::cargo_bin("lakesql").unwrap();
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("AWS_CONFIG_FILE", self.path(".aws/config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", self.path(".aws/credentials"))
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("LAKESQL_S3_CONFIG", self.path("s3.ini"))
            .args(["--quiet", "--catalog"])
            .arg(self.path("catalog.db"))
            .args(["-c", sql]);
        for (k, v) in extra {
            command.env(k, v);
        }
        command.timeout(Duration::from_secs(120)).output().unwrap()
    }
}

const QUERY: &str = "CREATE EXTERNAL TABLE IF NOT EXISTS sales (order_id bigint) \
                     PARTITIONED BY (year int, month int) STORED AS PARQUET \
                     LOCATION 's3://lake/sales/'; \
                     MSCK REPAIR TABLE sales; SELECT count(*) FROM sales";

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// `date -u +%Y-%m-%dT%H:%M:%SZ` for now + `seconds`.
fn rfc3339_in(seconds: i64) -> String {
    let at = chrono::Utc::now() + chrono::Duration::seconds(seconds);
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// A profile `base` with static keys (`key`), the source of the role profiles.
fn base_profile(key: &str) -> String {
    format!("[profile base]\naws_access_key_id = {key}\naws_secret_access_key = {BASE_SECRET}\n")
}

/// The documented credential_process output.
fn process_output(key: &str, expiration: Option<&str>) -> String {
    let expiration = expiration.map_or(String::new(), |e| format!(", \"Expiration\": \"{e}\""));
    format!(
        "{{\"Version\": 1, \"AccessKeyId\": \"{key}\", \"SecretAccessKey\": \"process-secret\", \
         \"SessionToken\": \"process-token\"{expiration}}}"
    )
}

fn keys_seen(proxy: &FaultProxy) -> Vec<String> {
    proxy.faults.access_keys.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_process_profiles() {
    let (_server, proxy) = lake().await;
    let home = Home::new("", &proxy, "proc");
    let ok = home.script(
        "ok.sh",
        &format!(
            "echo '{}'",
            process_output("PROCESSKEY1", Some(&rfc3339_in(3600)))
        ),
    );
    let fail = home.script("fail.sh", "echo 'the vault is sealed' >&2; exit 3");
    let expired = home.script(
        "expired.sh",
        &format!(
            "echo '{}'",
            process_output("OLDKEY", Some(&rfc3339_in(-60)))
        ),
    );
    std::fs::write(
        home.path(".aws/config"),
        format!(
            "[profile proc]\ncredential_process = {}\n[profile fail]\ncredential_process = {}\n\
             [profile expired]\ncredential_process = {}\n",
            ok.display(),
            fail.display(),
            expired.display()
        ),
    )
    .unwrap();
    let out = home.run(&format!("{QUERY}; SHOW S3 SETTINGS"), &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("profile proc via credential_process, expiring"),
        "{stdout}"
    );
    assert!(!stdout.contains("process-secret") && !stderr.contains("process-secret"));
    let keys = keys_seen(&proxy);
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k == "PROCESSKEY1"),
        "{keys:?}"
    );

    for (profile, expected) in [("fail", "profile fail"), ("expired", "already expired")] {
        let ini = std::fs::read_to_string(home.path("s3.ini")).unwrap();
        let ini = ini.replace(
            &ini[ini.find("profile = ").unwrap()..],
            &format!("profile = {profile}\n"),
        );
        std::fs::write(home.path("s3.ini"), ini).unwrap();
        let out = home.run("SELECT count(*) FROM sales", &[]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(stderr.contains(expected), "{profile}: {stderr}");
        if profile == "fail" {
            // The process's own words reach the user.
            assert!(stderr.contains("the vault is sealed"), "{stderr}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assumed_roles_from_moto_sts_sign_the_requests() {
    let (server, proxy) = lake().await;
    let config = base_profile("BASEKEY0000000000001")
        + "[profile analyst]\nrole_arn = arn:aws:iam::123456789012:role/analyst\n\
         source_profile = base\nexternal_id = ext-0042\n\
         [profile chained]\nrole_arn = arn:aws:iam::123456789012:role/second\n\
         source_profile = analyst\nrole_session_name = chained-session\n";
    for profile in ["analyst", "chained"] {
        let home = Home::new(&config, &proxy, profile);
        let out = home.run(
            &format!("{QUERY}; SHOW S3 SETTINGS"),
            &[("AWS_ENDPOINT_URL_STS", server.endpoint())],
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{profile}: {stderr}");
        assert!(
            stdout.contains(&format!("profile {profile} via assume-role")),
            "{stdout}"
        );
        assert!(!stdout.contains(BASE_SECRET) && !stderr.contains(BASE_SECRET));
        let keys = keys_seen(&proxy);
        let last = keys.last().unwrap();
        assert_ne!(last, "BASEKEY0000000000001", "{keys:?}");
        assert!(last.starts_with("ASIA"), "{keys:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duration_seconds_and_mfa_serial_are_honoured() {
    let (server, proxy) = lake().await;
    let config = base_profile("BASEKEY0000000000002")
        + "[profile long]\nrole_arn = arn:aws:iam::123456789012:role/long\n\
         source_profile = base\nduration_seconds = 7200\n\
         [profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/guarded\n\
         source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/analyst\n";
    let sts = [("AWS_ENDPOINT_URL_STS", server.endpoint())];
    let home = Home::new(&config, &proxy, "long");
    let out = home.run(&format!("{QUERY}; SHOW S3 SETTINGS"), &sts);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    // Two hours, not aws-config's default one.
    let at = stdout
        .split("expiring ")
        .nth(1)
        .and_then(|rest| rest.get(..20))
        .unwrap_or_else(|| panic!("{stdout}"));
    let expiry = chrono::DateTime::parse_from_rfc3339(at).unwrap();
    let left = expiry.signed_duration_since(chrono::Utc::now());
    assert!(
        left > chrono::Duration::minutes(110),
        "{left} left: {stdout}"
    );
    assert!(keys_seen(&proxy).last().unwrap().starts_with("ASIA"));

    // An MFA role in a script: no terminal to ask on, so a clear error and no request.
    let home = Home::new(&config, &proxy, "mfa");
    let out = home.run(QUERY, &sts);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("profile mfa") && stderr.contains("no terminal"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws configure export-credentials --profile mfa"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mfa_code_is_asked_on_the_terminal() {
    use std::os::fd::AsRawFd;
    use std::os::unix::process::CommandExt;

    let (server, proxy) = lake().await;
    let config = base_profile("BASEKEY0000000000003")
        + "[profile mfa]\nrole_arn = arn:aws:iam::123456789012:role/guarded\n\
         source_profile = base\nmfa_serial = arn:aws:iam::123456789012:mfa/analyst\n";
    let home = Home::new(&config, &proxy, "mfa");
    let (master, slave) = support::pty::open();
    let slave_fd = slave.as_raw_fd();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_lakesql"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.dir.path())
        .env("TERM", "dumb")
        .env("AWS_CONFIG_FILE", home.path(".aws/config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path(".aws/credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ENDPOINT_URL_STS", server.endpoint())
        .env("LAKESQL_S3_CONFIG", home.path("s3.ini"))
        .args(["--quiet", "--catalog"])
        .arg(home.path("catalog.db"))
        .args(["-c", QUERY])
        .stdin(slave.try_clone().unwrap())
        .stdout(slave.try_clone().unwrap())
        .stderr(slave);
    // SAFETY: between fork and exec only async-signal-safe calls: a new session whose
    // controlling terminal is the pseudo-terminal, as a login shell's child has.
    unsafe {
        command.pre_exec(move || {
            libc::setsid();
            libc::ioctl(slave_fd, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = command.spawn().unwrap();
    drop(command);
    let screen = support::pty::Screen::read(&master);
    screen.wait_for("MFA code for arn:aws:iam::123456789012:mfa/analyst", 1);
    let mut writer = master;
    writer.write_all(b"123456\n").unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "{}", screen.text());
    assert!(keys_seen(&proxy).last().unwrap().starts_with("ASIA"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_identity_from_the_environment_and_from_a_profile() {
    let (server, proxy) = lake().await;
    let home = Home::new(
        "[profile pod]\nrole_arn = arn:aws:iam::123456789012:role/pod\n\
         web_identity_token_file = TOKEN\n",
        &proxy,
        "pod",
    );
    std::fs::write(home.path("token"), "eyJhbGciOiJub25lIn0.e30.").unwrap();
    let config = std::fs::read_to_string(home.path(".aws/config")).unwrap();
    std::fs::write(
        home.path(".aws/config"),
        config.replace("TOKEN", &home.path("token").display().to_string()),
    )
    .unwrap();
    let sts = [("AWS_ENDPOINT_URL_STS", server.endpoint())];
    let out = home.run(QUERY, &sts);
    assert!(out.status.success(), "{}", text(&out).1);
    assert!(keys_seen(&proxy).last().unwrap().starts_with("ASIA"));

    // A pod: no profile, the token file and role in the environment.
    let ini = std::fs::read_to_string(home.path("s3.ini")).unwrap();
    std::fs::write(home.path("s3.ini"), ini.replace("profile = pod\n", "")).unwrap();
    proxy.faults.access_keys.lock().unwrap().clear();
    let env = [
        ("AWS_ENDPOINT_URL_STS", server.endpoint()),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            home.path("token").display().to_string(),
        ),
        (
            "AWS_ROLE_ARN",
            "arn:aws:iam::123456789012:role/pod".to_string(),
        ),
        ("AWS_ROLE_SESSION_NAME", "pod-session".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ];
    let out = home.run("SELECT count(*) FROM sales", &env);
    assert!(out.status.success(), "{}", text(&out).1);
    let keys = keys_seen(&proxy);
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k.starts_with("ASIA")),
        "{keys:?}"
    );
}

/// A stand-in for the SSO portal's GetRoleCredentials
/// (`GET /federation/credentials?role_name=…&account_id=…`), answering every request
/// with `key` until the test ends.
fn sso_portal(key: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 8192];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]);
            let authorized = request.lines().any(|l| {
                l.to_ascii_lowercase()
                    .starts_with("x-amz-sso_bearer_token: cached-token")
            });
            let expiration = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 3_600_000;
            let (status, body) = if authorized && request.contains("/federation/credentials") {
                (
                    "200 OK",
                    format!(
                        "{{\"roleCredentials\": {{\"accessKeyId\": \"{key}\", \
                         \"secretAccessKey\": \"sso-secret\", \"sessionToken\": \"sso-token\", \
                         \"expiration\": {expiration}}}}}"
                    ),
                )
            } else {
                (
                    "401 Unauthorized",
                    "{\"message\": \"Session token not found or invalid\"}".to_string(),
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    address
}

/// The token cache file `aws sso login` writes for session `corp`.
fn sso_cache(home: &Home, expires_at: &str) {
    let dir = home.path(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    // The SDKs name the file after the SHA-1 of the session name.
    let name = hex::encode(<sha1::Sha1 as sha1::Digest>::digest(b"corp"));
    std::fs::write(
        dir.join(format!("{name}.json")),
        format!(
            "{{\"accessToken\": \"cached-token\", \"expiresAt\": \"{expires_at}\", \
             \"region\": \"us-east-1\", \"startUrl\": \"https://corp.awsapps.com/start\"}}"
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sso_profiles_use_the_token_cache() {
    let (_server, proxy) = lake().await;
    let portal = sso_portal("SSOKEY00000000000001");
    let config = "[profile analytics]\nsso_session = corp\nsso_account_id = 123456789012\n\
                  sso_role_name = Reader\nregion = us-east-1\n\
                  [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
                  sso_region = us-east-1\n";
    let home = Home::new(config, &proxy, "analytics");
    let env = [("AWS_ENDPOINT_URL_SSO", portal)];
    sso_cache(&home, &rfc3339_in(3600));
    let out = home.run(&format!("{QUERY}; SHOW S3 SETTINGS"), &env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("profile analytics via sso"), "{stdout}");
    assert_eq!(keys_seen(&proxy).last().unwrap(), "SSOKEY00000000000001");

    // The session has expired: the error says what to run.
    sso_cache(&home, &rfc3339_in(-600));
    let out = home.run("SELECT count(*) FROM sales", &env);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("aws sso login --profile analytics"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_expiring_during_a_scan_are_renewed() {
    let (_server, proxy) = lake().await;
    let home = Home::new("", &proxy, "rotating");
    // Each run prints the next key, valid for 5 minutes and 2 seconds: lakesql renews
    // 5 minutes before expiry, so every key serves about 2 seconds of requests.
    let counter = home.path("counter");
    std::fs::write(&counter, "0").unwrap();
    let script = home.script(
        "rotate.sh",
        &format!(
            "n=$(cat {c}); n=$((n+1)); echo $n > {c}\n\
             exp=$(date -u -d '+302 seconds' +%Y-%m-%dT%H:%M:%SZ)\n\
             echo \"{{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"ROTATING$n\\\", \
             \\\"SecretAccessKey\\\": \\\"rotating-secret\\\", \\\"Expiration\\\": \\\"$exp\\\"}}\"",
            c = counter.display()
        ),
    );
    std::fs::write(
        home.path(".aws/config"),
        format!(
            "[profile rotating]\ncredential_process = {}\n",
            script.display()
        ),
    )
    .unwrap();
    // Slow requests, one at a time: the scan outlives several keys.
    let ini = std::fs::read_to_string(home.path("s3.ini")).unwrap();
    std::fs::write(home.path("s3.ini"), format!("{ini}max_concurrency = 1\n")).unwrap();
    proxy.faults.latency_ms.store(250, Ordering::SeqCst);
    let out = home.run(QUERY, &[]);
    assert!(out.status.success(), "{}", text(&out).1);
    let keys = keys_seen(&proxy);
    let mut distinct = keys.clone();
    distinct.dedup();
    assert!(
        distinct.len() >= 2,
        "one key for {} requests: {distinct:?}",
        keys.len()
    );
    assert!(keys.iter().all(|k| k.starts_with("ROTATING")));
}

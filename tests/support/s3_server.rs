//! A real S3-compatible server for tests: moto in server mode on 127.0.0.1.
//!
//! `.ci/run` installs it; on a machine without it, the first test to start a server
//! installs it with pip (once per test process), so `cargo test` needs only python3. If
//! that fails the test fails with the install command: S3 tests are never skipped. moto answers ListObjectsV2 with
//! delimiters, common prefixes and continuation tokens, and ranged GETs, as S3 does.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// Access key the tests use (moto accepts any).
pub const ACCESS_KEY: &str = "lakesql-test-key";
/// A secret no output may contain.
pub const SECRET_KEY: &str = "s3cr3t-Must-Never-Appear-0042";

/// Installs moto with pip when python3 cannot import it (once per process).
fn ensure_moto() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let importable = |python: &str| {
            Command::new(python)
                .args(["-c", "import moto.server, flask, flask_cors"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if importable("python3") {
            return;
        }
        let status = Command::new("python3")
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "moto[server]>=5.1,<6",
            ])
            .status();
        assert!(
            status.is_ok_and(|s| s.success()) && importable("python3"),
            "moto is not installed and pip could not install it: run pip install 'moto[server]'"
        );
    });
}

/// A moto server process, killed on drop.
pub struct S3Server {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
}

impl S3Server {
    /// Starts a server on a free loopback port and waits until it answers.
    pub fn start() -> S3Server {
        ensure_moto();
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start python3 -m moto.server ({e}); install it with: \
                     pip install 'moto[server]'"
                )
            });
        let server = S3Server {
            child,
            addr: format!("127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while http(&server.addr, "GET", "/", &[]).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto did not start on {}; is it installed? pip install 'moto[server]'",
                server.addr
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Creates a bucket.
    pub fn create_bucket(&self, bucket: &str) {
        let status = http(&self.addr, "PUT", &format!("/{bucket}"), &[]).unwrap();
        assert!(
            status.starts_with("HTTP/1.1 200") || status.starts_with("HTTP/1.0 200"),
            "{status}"
        );
    }

    /// A client for `bucket`, straight to the server.
    pub fn client(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(
            AmazonS3Builder::new()
                .with_bucket_name(bucket)
                .with_region("us-east-1")
                .with_endpoint(self.endpoint())
                .with_allow_http(true)
                .with_virtual_hosted_style_request(false)
                .with_access_key_id(ACCESS_KEY)
                .with_secret_access_key(SECRET_KEY)
                .build()
                .unwrap(),
        )
    }

    /// Uploads every file under `local` to `bucket` at `prefix/<relative path>`.
    pub async fn upload_dir(&self, bucket: &str, local: &Path, prefix: &str) -> usize {
        let client = self.client(bucket);
        let mut count = 0;
        let mut stack = vec![local.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let relative = path
                    .strip_prefix(local)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                let key = StorePath::parse(format!("{prefix}/{relative}")).unwrap();
                let bytes = std::fs::read(&path).unwrap();
                client.put(&key, PutPayload::from(bytes)).await.unwrap();
                count += 1;
            }
        }
        count
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One plain HTTP/1.1 request; returns the status line.
fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<String> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\
         Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(body)?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response.lines().next().unwrap_or_default().to_string())
}

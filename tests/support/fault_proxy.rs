//! A fault-injecting HTTP proxy on 127.0.0.1, in front of the test S3 server.
//!
//! Each request is either forwarded (after an optional delay) or hit by a fault, chosen
//! at the configured rate from a seeded generator, rotating through three kinds:
//! a `503 SlowDown` answer, a connection reset before any answer, and a connection reset
//! half-way through the forwarded response body. Every request uses its own upstream
//! connection and the proxy answers with `Connection: close`, so no HTTP framing beyond the
//! request head needs parsing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy injects; changeable while it runs.
#[derive(Debug, Default)]
pub struct Faults {
    /// Requests hit by a fault, per thousand.
    pub per_mille: AtomicU32,
    /// Delay added to every forwarded request, in milliseconds.
    pub latency_ms: AtomicU64,
    /// Requests seen.
    pub requests: AtomicU64,
    /// Faults injected.
    pub injected: AtomicU64,
    /// Requests being answered right now.
    pub in_flight: AtomicU64,
    /// The most requests ever in flight at once.
    pub max_in_flight: AtomicU64,
    /// The access key id of every signed request, in order (from `Credential=KEY/…`).
    pub access_keys: std::sync::Mutex<Vec<String>>,
    /// Requests containing every one of these byte strings (head and body) are answered
    /// `503` without being forwarded, whatever the rate: a fault aimed at one call.
    pub fail_matching: std::sync::Mutex<Vec<Vec<u8>>>,
}

/// A running proxy.
pub struct FaultProxy {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    /// Its settings and counters.
    pub faults: Arc<Faults>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`127.0.0.1:PORT`) failing `percent`% of requests.
    pub async fn start(upstream: &str, percent: u32, seed: u64) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let faults = Arc::new(Faults::default());
        faults.per_mille.store(percent * 10, Ordering::SeqCst);
        let upstream = upstream.to_string();
        let shared = faults.clone();
        let rng = Arc::new(AtomicU64::new(seed | 1));
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, faults, rng) = (upstream.clone(), shared.clone(), rng.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &faults, &rng).await;
                });
            }
        });
        FaultProxy {
            endpoint,
            faults,
            task,
        }
    }
}

/// xorshift64*, shared by all connections.
fn next_random(state: &AtomicU64) -> u64 {
    let mut x = state.load(Ordering::Relaxed);
    loop {
        let mut y = x;
        y ^= y >> 12;
        y ^= y << 25;
        y ^= y >> 27;
        match state.compare_exchange(x, y, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return y.wrapping_mul(0x2545_F491_4F6C_DD1D),
            Err(current) => x = current,
        }
    }
}

async fn serve(
    mut client: TcpStream,
    upstream: &str,
    faults: &Faults,
    rng: &AtomicU64,
) -> std::io::Result<()> {
    let Some((head, body)) = read_request(&mut client).await? else {
        return Ok(());
    };
    let n = faults.requests.fetch_add(1, Ordering::SeqCst);
    if let Some(key) = access_key(&head)
        && let Ok(mut keys) = faults.access_keys.lock()
    {
        keys.push(key);
    }
    let now = faults.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    faults.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let request = InFlight {
        faults,
        done: AtomicBool::new(false),
    };
    let result = answer(client, upstream, &request, rng, n, head, body).await;
    request.finish();
    result
}

/// One request being answered. It stops counting as in flight just before the proxy
/// answers the client: from then on the client may finish, release its concurrency
/// permit and send its next request while this task still writes and closes.
struct InFlight<'a> {
    faults: &'a Faults,
    done: AtomicBool,
}

impl InFlight<'_> {
    fn finish(&self) {
        if !self.done.swap(true, Ordering::SeqCst) {
            self.faults.in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

async fn answer(
    mut client: TcpStream,
    upstream: &str,
    request: &InFlight<'_>,
    rng: &AtomicU64,
    n: u64,
    head: Vec<u8>,
    body: Vec<u8>,
) -> std::io::Result<()> {
    let faults = request.faults;
    let roll = next_random(rng) % 1000;
    let aimed = faults.fail_matching.lock().is_ok_and(|needles| {
        !needles.is_empty()
            && needles
                .iter()
                .all(|n| find(&head, n).is_some() || find(&body, n).is_some())
    });
    let fault = if aimed {
        Some(0)
    } else {
        (roll < u64::from(faults.per_mille.load(Ordering::SeqCst))).then_some(n % 3)
    };
    if let Some(kind) = fault {
        faults.injected.fetch_add(1, Ordering::SeqCst);
        request.finish();
        if kind == 0 {
            let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>\
                       <Message>Please reduce your request rate.</Message></Error>";
            let response = format!(
                "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n{xml}",
                xml.len()
            );
            client.write_all(response.as_bytes()).await?;
            return client.shutdown().await;
        }
        if kind == 1 {
            return reset(client);
        }
    }
    let latency = faults.latency_ms.load(Ordering::SeqCst);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(&with_connection_close(&head)).await?;
    server.write_all(&body).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    let split = find(&response, b"\r\n\r\n").map_or(response.len(), |i| i + 4);
    let (response_head, response_body) = response.split_at(split);
    request.finish();
    client
        .write_all(&with_connection_close(response_head))
        .await?;
    if fault == Some(2) && response_body.len() > 1 {
        // Half the body, then a reset: the client sees a broken stream mid-read.
        client
            .write_all(&response_body[..response_body.len() / 2])
            .await?;
        client.flush().await?;
        return reset(client);
    }
    client.write_all(response_body).await?;
    client.shutdown().await
}

/// The access key id in a SigV4 `Authorization` header.
fn access_key(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    let start = text.find("Credential=")? + "Credential=".len();
    let rest = &text[start..];
    Some(rest[..rest.find('/')?].to_string())
}

/// Closes with a TCP reset (linger 0) instead of an orderly shutdown.
fn reset(client: TcpStream) -> std::io::Result<()> {
    #[allow(deprecated)]
    client.set_linger(Some(Duration::ZERO))?;
    drop(client);
    Ok(())
}

/// Reads one request head and its `Content-Length` body; `None` on a closed connection.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<(Vec<u8>, Vec<u8>)>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = buf[..head_end].to_vec();
    let length = String::from_utf8_lossy(&head)
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Some((head, body)))
}

/// The head with any `Connection` header replaced by `Connection: close`.
fn with_connection_close(head: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let is_connection = line
            .split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("connection"));
        if !is_connection {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    out.into_bytes()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

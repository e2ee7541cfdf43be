//! A typed-enough client for Glue's JSON 1.1 protocol: `POST /` with
//! `X-Amz-Target: AWSGlue.<Operation>`, signed with SigV4, retried as the AWS SDKs retry
//! (throttling, faults and connection failures, with jittered exponential backoff).
//!
//! It speaks JSON values rather than generated structures: the catalog needs some
//! twenty operations, whose shapes [`crate::catalog::glue_json`] already reads and
//! writes for the server, while the generated `aws-sdk-glue` crate (all 250+ operations)
//! costs minutes of build on a two-core machine (see BENCHMARKS.md).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use crate::aws::CachedCredentials;
use crate::aws::signing::signature_headers;
use crate::error::{CatalogError, LakeError, Result};

/// Attempts per call (the SDKs' standard retry mode also makes 3; Glue throttles
/// bursts, so lakesql allows a few more).
const MAX_ATTEMPTS: u32 = 5;
/// First backoff; doubled per attempt, with full jitter, up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Where and as whom the client calls Glue.
#[derive(Clone, Debug)]
pub struct Endpoint {
    /// `https://glue.REGION.amazonaws.com` or a configured endpoint.
    pub url: String,
    /// The signing region.
    pub region: String,
    /// The `CatalogId` sent with every call (`None`: the caller's account).
    pub catalog_id: Option<String>,
}

/// An error Glue answered, or a failure to reach it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlueError {
    /// The operation called.
    pub operation: &'static str,
    /// Glue's error code (`EntityNotFoundException`), or `""` for a transport failure.
    pub code: String,
    /// Glue's message.
    pub message: String,
}

impl GlueError {
    /// Whether Glue answered `code`.
    pub fn is(&self, code: &str) -> bool {
        self.code == code
    }

    /// Whether the call may succeed when repeated.
    fn is_retryable(&self) -> bool {
        matches!(
            self.code.as_str(),
            "" | "ThrottlingException"
                | "InternalServiceException"
                | "OperationTimeoutException"
                | "ServiceUnavailableException"
                | "RequestLimitExceeded"
                | "TooManyRequestsException"
        )
    }
}

/// A catalog error naming the operation.
impl From<GlueError> for LakeError {
    fn from(e: GlueError) -> Self {
        let code = if e.code.is_empty() {
            "could not be reached".to_string()
        } else {
            e.code
        };
        LakeError::Catalog(CatalogError::new(format!(
            "Glue {} failed ({code}): {}",
            e.operation, e.message
        )))
    }
}

/// The Glue client; shared by a store's calls.
#[derive(Debug)]
pub struct GlueClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    host: String,
    credentials: CachedCredentials,
    requests: AtomicU64,
    received: AtomicU64,
}

impl GlueClient {
    /// A client for `endpoint` signing with `credentials`.
    pub fn new(endpoint: Endpoint, credentials: CachedCredentials) -> Result<Self> {
        let parsed = url::Url::parse(&endpoint.url)
            .map_err(|e| LakeError::invalid(format!("Glue endpoint {}: {e}", endpoint.url)))?;
        let host = match (parsed.host_str(), parsed.port()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_string(),
            (None, _) => {
                return Err(LakeError::invalid(format!(
                    "Glue endpoint {} has no host",
                    endpoint.url
                )));
            }
        };
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| LakeError::internal(format!("cannot build the Glue client: {e}")))?;
        Ok(GlueClient {
            http,
            endpoint,
            host,
            credentials,
            requests: AtomicU64::new(0),
            received: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent so far (every attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Bytes of the answers received so far (bodies).
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Calls `operation` with `input` (the `CatalogId` is added), retrying what may
    /// succeed when repeated.
    pub async fn call(
        &self,
        operation: &'static str,
        mut input: Value,
    ) -> std::result::Result<Value, GlueError> {
        if let (Some(id), Value::Object(map)) = (&self.endpoint.catalog_id, &mut input) {
            map.entry("CatalogId").or_insert_with(|| json!(id));
        }
        let body = serde_json::to_vec(&input).map_err(|e| transport(operation, e))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send(operation, &body).await {
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => {
                    tokio::time::sleep(backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }

    async fn send(
        &self,
        operation: &'static str,
        body: &[u8],
    ) -> std::result::Result<Value, GlueError> {
        let credentials = self.credentials.get().await.map_err(|e| GlueError {
            operation,
            code: "MissingCredentials".into(),
            message: e.to_string(),
        })?;
        let target = format!("AWSGlue.{operation}");
        let unsigned = [
            ("host", self.host.as_str()),
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let signed = signature_headers(
            &credentials,
            &self.endpoint.region,
            "glue",
            &self.endpoint.url,
            &unsigned,
            body,
        )
        .map_err(|e| transport(operation, e))?;
        let mut request = self.http.post(&self.endpoint.url).body(body.to_vec());
        for (name, value) in unsigned.iter().skip(1) {
            request = request.header(*name, *value);
        }
        for (name, value) in &signed {
            request = request.header(name, value);
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(|e| transport(operation, e))?;
        let status = response.status();
        let header_code = response
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .bytes()
            .await
            .map_err(|e| transport(operation, e))?;
        self.received
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let value: Value = if bytes.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                let text: String = String::from_utf8_lossy(&bytes)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(200)
                    .collect();
                json!({"message": format!("HTTP {} with an answer that is not JSON: {text}", status.as_u16())})
            })
        };
        if status.is_success() {
            return Ok(value);
        }
        Err(service_error(
            operation,
            status.as_u16(),
            header_code,
            &value,
        ))
    }
}

/// Glue's error as the SDKs read it: the code from `X-Amzn-Errortype` or `__type`
/// (without a `namespace#` prefix or `:suffix`), the message from `message`/`Message`.
fn service_error(
    operation: &'static str,
    status: u16,
    header_code: Option<String>,
    body: &Value,
) -> GlueError {
    let raw = header_code
        .or_else(|| body["__type"].as_str().map(str::to_string))
        .or_else(|| body["code"].as_str().map(str::to_string));
    let code = match raw {
        Some(raw) => {
            let after_hash = raw.rsplit('#').next().unwrap_or(&raw);
            after_hash
                .split(':')
                .next()
                .unwrap_or(after_hash)
                .to_string()
        }
        None if status >= 500 => "InternalServiceException".to_string(),
        None if status == 429 => "ThrottlingException".to_string(),
        None => format!("HTTP {status}"),
    };
    let message = ["message", "Message", "errorMessage"]
        .iter()
        .find_map(|k| body[*k].as_str())
        .unwrap_or("")
        .to_string();
    GlueError {
        operation,
        code,
        message,
    }
}

fn transport(operation: &'static str, e: impl std::fmt::Display) -> GlueError {
    GlueError {
        operation,
        code: String::new(),
        message: e.to_string(),
    }
}

/// Full-jitter exponential backoff before attempt `attempt + 1`.
fn backoff(attempt: u32) -> Duration {
    let cap = BASE_BACKOFF
        .saturating_mul(1 << attempt.min(10))
        .min(MAX_BACKOFF);
    let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
    let random = uuid::Uuid::new_v4().as_u128() as u64;
    Duration::from_nanos(random % nanos.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_read_as_the_sdks_read_them() {
        let body = json!({"__type": "com.amazonaws.glue#EntityNotFoundException",
                          "Message": "Table t not found."});
        let e = service_error("GetTable", 400, None, &body);
        assert_eq!(e.code, "EntityNotFoundException");
        assert_eq!(e.message, "Table t not found.");
        let e = service_error(
            "GetTable",
            400,
            Some("ThrottlingException:http://internal".into()),
            &json!({}),
        );
        assert!(e.is("ThrottlingException") && e.is_retryable());
        assert!(service_error("GetTable", 503, None, &json!({})).is_retryable());
        assert!(!service_error("GetTable", 400, None, &body).is_retryable());
    }

    #[test]
    fn backoff_stays_under_its_cap() {
        for attempt in 1..20 {
            assert!(backoff(attempt) <= MAX_BACKOFF);
        }
    }
}

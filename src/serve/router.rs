//! One port for every service: `POST /` with `X-Amz-Target: AmazonAthena.*` or
//! `AWSGlue.*` goes to the JSON handlers, any other `POST /` is an STS form post, and
//! everything else is S3 (path-style `/bucket/key`). Every call is logged once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, Method, Request, Response};
use axum::routing::get;
use s3s::service::S3Service;
use serde_json::Value;

use super::audit::AuditEvent;
use super::auth::Refusal;
use super::auth::sigv4::{self, SignedRequest};
use super::protocol::{self, ApiError, ApiResult};
use super::state::ServerState;
use super::{athena, glue, s3, sts};

/// Largest JSON or form body accepted (Athena's query limit is 256 KiB).
const MAX_BODY: usize = 16 << 20;

/// What the handlers share.
#[derive(Clone)]
struct App {
    server: Arc<ServerState>,
    s3: S3Service,
}

/// The server's routes.
pub fn router(server: Arc<ServerState>, s3: S3Service) -> Router {
    Router::new()
        .route("/_lakesql/health", get(health))
        .route("/_lakesql/metrics", get(metrics))
        .fallback(dispatch)
        .with_state(App { server, s3 })
}

async fn health() -> &'static str {
    "ok\n"
}

async fn metrics(State(app): State<App>) -> Response<Body> {
    let page = app.server.metrics.render(&app.server.queries.gauges());
    let mut response = Response::new(Body::from(page));
    response.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    response
}

/// What the log line, the metrics and the audit trail record of one call.
struct Call {
    request_id: String,
    source: SocketAddr,
    access_key: Option<String>,
    service: &'static str,
    operation: String,
    resources: Vec<String>,
    status: u16,
    error: Option<String>,
    started: Instant,
}

impl Call {
    fn finish(self, server: &ServerState) {
        let took = self.started.elapsed();
        let error = self.error.as_deref().unwrap_or("");
        tracing::info!(
            service = self.service,
            operation = %self.operation,
            status = self.status,
            error,
            ms = took.as_millis() as u64,
        );
        server
            .metrics
            .record(self.service, &self.operation, self.status, error, took);
        server.audit.append(&AuditEvent {
            event_time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            request_id: self.request_id,
            access_key_id: self.access_key,
            source_ip_address: self.source.ip().to_string(),
            event_source: format!("{}.amazonaws.com", self.service),
            event_name: self.operation,
            resources: self.resources,
            status: self.status,
            error_code: self.error,
            duration_ms: took.as_millis() as u64,
        });
    }
}

/// The names a JSON call touches (query ids, databases, tables, work groups).
fn json_resources(body: &Value, result: &ApiResult) -> Vec<String> {
    let mut names = Vec::new();
    let mut push = |key: &str, value: Option<&Value>| {
        if let Some(Value::String(v)) = value {
            names.push(format!("{key}={v}"));
        }
    };
    for key in [
        "QueryExecutionId",
        "WorkGroup",
        "DatabaseName",
        "TableName",
        "Name",
    ] {
        push(key, body.get(key));
    }
    push(
        "Database",
        body.get("QueryExecutionContext")
            .and_then(|c| c.get("Database")),
    );
    if let Ok(out) = result {
        push("QueryExecutionId", out.get("QueryExecutionId"));
    }
    names
}

/// An S3 call's operation name: the method and whether it names a bucket or an object.
fn s3_operation(method: &Method, path: &str) -> (String, Vec<String>) {
    let trimmed = path.trim_start_matches('/');
    let (kind, resource) = match trimmed.split_once('/') {
        Some((bucket, key)) if !key.is_empty() => ("Object", format!("{bucket}/{key}")),
        _ if trimmed.is_empty() => ("Service", String::new()),
        _ => ("Bucket", trimmed.trim_end_matches('/').to_string()),
    };
    let resources = if resource.is_empty() {
        Vec::new()
    } else {
        vec![resource]
    };
    (format!("{method}{kind}"), resources)
}

fn content_length(headers: &HeaderMap) -> u64 {
    headers
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The access key id of a SigV4 `Authorization` header.
fn access_key(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_string())
}

async fn dispatch(
    State(app): State<App>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response<Body> {
    let call = Call {
        request_id: uuid::Uuid::new_v4().to_string(),
        source,
        access_key: access_key(request.headers()),
        service: "s3",
        operation: String::new(),
        resources: Vec::new(),
        status: 0,
        error: None,
        started: Instant::now(),
    };
    if request.method() != Method::POST || request.uri().path() != "/" {
        return s3_call(&app, call, request).await;
    }
    let (parts, body) = request.into_parts();
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            let result: ApiResult = Err(ApiError::client(
                "SerializationException",
                format!("cannot read the request body: {e}"),
            ));
            return protocol::response(&call.request_id, &result);
        }
    };
    let refusal = app.server.keys.as_deref().and_then(|keys| {
        let signed = SignedRequest {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query().unwrap_or(""),
            headers: &parts.headers,
            body: &body,
        };
        sigv4::verify(&signed, keys, chrono::Utc::now()).err()
    });
    match target {
        Some(target) => json_request(&app.server, call, &target, &body, refusal).await,
        None => sts_request(&app.server, call, &body, refusal),
    }
}

/// An S3 request, handed to s3s.
async fn s3_call(app: &App, mut call: Call, request: Request<Body>) -> Response<Body> {
    (call.operation, call.resources) = s3_operation(request.method(), request.uri().path());
    let received = content_length(request.headers());
    let mut response = s3::call(&app.s3, app.server.keys.is_some(), request).await;
    app.server
        .metrics
        .s3_bytes(received, content_length(response.headers()));
    let status = response.status();
    call.status = status.as_u16();
    if !status.is_success() {
        let code;
        (response, code) = s3_error_code(response).await;
        call.error = Some(code);
    }
    call.finish(&app.server);
    response
}

/// The `<Code>` of an S3 error response (its status when it has none), and the response
/// to send on. Error bodies are small XML documents, so reading them whole is cheap.
async fn s3_error_code(response: Response<Body>) -> (Response<Body>, String) {
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, 1 << 20).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let code = text
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_string())
        .unwrap_or_else(|| parts.status.as_str().to_string());
    (Response::from_parts(parts, Body::from(bytes)), code)
}

/// An STS form post.
fn sts_request(
    server: &ServerState,
    mut call: Call,
    body: &[u8],
    refusal: Option<Refusal>,
) -> Response<Body> {
    call.service = "sts";
    call.operation = "GetCallerIdentity".to_string();
    let key = call.access_key.as_deref();
    let user = match (&server.keys, key) {
        (Some(keys), Some(key)) => keys.user(key).unwrap_or(key),
        _ => "lakesql",
    };
    let (response, error) = match refusal {
        Some(refusal) => {
            let (status, code, message) = refusal.sts_error();
            (
                sts::error(&call.request_id, status, code, &message),
                Some(code),
            )
        }
        None => sts::call(&call.request_id, body, key, user),
    };
    call.status = response.status().as_u16();
    call.error = error.map(str::to_string);
    call.finish(server);
    response
}

/// An AWS JSON 1.1 call (`X-Amz-Target: Service.Operation`), throttled per operation.
async fn json_request(
    server: &Arc<ServerState>,
    mut call: Call,
    target: &str,
    body: &[u8],
    refusal: Option<Refusal>,
) -> Response<Body> {
    let (service, operation) = target.split_once('.').unwrap_or((target, ""));
    let input: Result<Value, ApiError> = if body.is_empty() {
        Ok(Value::Object(Default::default()))
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::client(
                "SerializationException",
                format!("the body is not JSON: {e}"),
            )
        })
    };
    let result = match (&refusal, &input) {
        (Some(refusal), _) => {
            let (code, message) = refusal.json_error();
            Err(ApiError::client(code, message))
        }
        (None, Err(e)) => Err(e.clone()),
        (None, Ok(_)) if !server.throttle.admit(operation) => {
            server.metrics.throttled(operation);
            Err(ApiError::throttled(operation))
        }
        (None, Ok(input)) => json_call(server, service, operation, input).await,
    };
    call.service = match service {
        "AmazonAthena" => "athena",
        "AWSGlue" => "glue",
        _ => "unknown",
    };
    call.operation = operation.to_string();
    call.resources = input
        .as_ref()
        .map(|i| json_resources(i, &result))
        .unwrap_or_default();
    call.status = match &result {
        Ok(_) => 200,
        Err(e) => e.status.as_u16(),
    };
    call.error = result.as_ref().err().map(|e| e.code.to_string());
    let response = protocol::response(&call.request_id, &result);
    call.finish(server);
    response
}

async fn json_call(
    server: &Arc<ServerState>,
    service: &str,
    operation: &str,
    input: &Value,
) -> ApiResult {
    match service {
        "AmazonAthena" => athena::call(server, operation, input).await,
        "AWSGlue" => glue::call(server, operation, input).await,
        other => Err(ApiError::client(
            "UnknownOperationException",
            format!("lakesql serve does not serve {other}"),
        )),
    }
}

//! One port for every service: `POST /` with `X-Amz-Target: AmazonAthena.*` or
//! `AWSGlue.*` goes to the JSON handlers, any other `POST /` is an STS form post, and
//! everything else is S3 (path-style `/bucket/key`). Every call is logged once.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, Response};
use axum::routing::get;
use s3s::service::S3Service;
use serde_json::Value;

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
        .fallback(dispatch)
        .with_state(App { server, s3 })
}

async fn health() -> &'static str {
    "ok\n"
}

/// The access key id of a SigV4 `Authorization` header.
fn access_key(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get("authorization")?.to_str().ok()?;
    let credential = auth.split("Credential=").nth(1)?;
    Some(credential.split('/').next()?.to_string())
}

async fn dispatch(State(app): State<App>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    let request_id = uuid::Uuid::new_v4().to_string();
    if request.method() != Method::POST || request.uri().path() != "/" {
        let (method, path) = (request.method().clone(), request.uri().path().to_string());
        let response = s3::call(&app.s3, request).await;
        tracing::info!(
            service = "s3",
            %method,
            path,
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
        );
        return response;
    }
    let target = request
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let key = access_key(request.headers());
    let body = match to_bytes(request.into_body(), MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            let result: ApiResult = Err(ApiError::client(
                "SerializationException",
                format!("cannot read the request body: {e}"),
            ));
            return protocol::response(&request_id, &result);
        }
    };
    let Some(target) = target else {
        let response = sts::call(&request_id, &body, key.as_deref());
        tracing::info!(
            service = "sts",
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
        );
        return response;
    };
    let (service, operation) = target.split_once('.').unwrap_or((target.as_str(), ""));
    let result = json_call(&app.server, service, operation, &body).await;
    tracing::info!(
        service,
        operation,
        status = match &result {
            Ok(_) => 200,
            Err(e) => e.status.as_u16(),
        },
        error = result.as_ref().err().map(|e| e.code).unwrap_or(""),
        ms = started.elapsed().as_millis() as u64,
    );
    protocol::response(&request_id, &result)
}

async fn json_call(
    server: &Arc<ServerState>,
    service: &str,
    operation: &str,
    body: &[u8],
) -> ApiResult {
    let input: Value = if body.is_empty() {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::client(
                "SerializationException",
                format!("the body is not JSON: {e}"),
            )
        })?
    };
    match service {
        "AmazonAthena" => athena::call(server, operation, &input).await,
        "AWSGlue" => glue::call(server, operation, &input).await,
        other => Err(ApiError::client(
            "UnknownOperationException",
            format!("lakesql serve does not serve {other}"),
        )),
    }
}

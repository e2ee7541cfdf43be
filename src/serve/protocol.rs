//! The AWS JSON 1.1 protocol (Athena and Glue): request ids, success bodies and the
//! error shape every SDK parses (`__type` and `Message`, HTTP 400 for the caller's
//! mistakes, 500 for ours).

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A failed API call, as the service reports it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status (400 for client errors, 500 for server faults).
    pub status: StatusCode,
    /// The error code (`__type`), e.g. `InvalidRequestException`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl ApiError {
    /// A client error with `code`.
    pub fn client(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            code,
            message: message.into(),
        }
    }

    /// Athena's `InvalidRequestException`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::client("InvalidRequestException", message)
    }

    /// A fault on the server's side, with the service's code for it.
    pub fn internal(code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code,
            message: message.into(),
        }
    }

    /// The call was refused by a rate limit (every client retries this code).
    pub fn throttled(operation: &str) -> Self {
        Self::client(
            "ThrottlingException",
            format!("Rate exceeded for operation {operation}"),
        )
    }
}

/// The result of one API operation: a JSON body or an error.
pub type ApiResult = std::result::Result<Value, ApiError>;

/// Parses an operation's input; a malformed body is the caller's error, named by the
/// parser's message (field and position).
pub fn input<T: DeserializeOwned>(body: &Value, error_code: &'static str) -> Result<T, ApiError> {
    T::deserialize(body).map_err(|e| ApiError::client(error_code, format!("invalid request: {e}")))
}

/// The HTTP response of an API call.
pub fn response(request_id: &str, result: &ApiResult) -> Response<Body> {
    let (status, body) = match result {
        Ok(value) => (StatusCode::OK, value.to_string()),
        Err(e) => (
            e.status,
            serde_json::json!({"__type": e.code, "Message": e.message}).to_string(),
        ),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        "content-type",
        HeaderValue::from_static("application/x-amz-json-1.1"),
    );
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    if let Err(e) = result
        && let Ok(code) = HeaderValue::from_str(e.code)
    {
        headers.insert("x-amzn-errortype", code);
    }
    response
}

/// Seconds since the Unix epoch, as AWS JSON timestamps are written.
pub fn epoch_seconds(time: std::time::SystemTime) -> f64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map(|d| (d.as_millis() as f64) / 1000.0)
        .unwrap_or_default()
}

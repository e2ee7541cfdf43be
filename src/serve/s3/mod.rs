//! The S3 side of the server: s3s (the S3 protocol: XML, ranges, multipart, aws-chunked
//! bodies) over s3s-fs (objects as plain files under the data directory, so queries read
//! the very files clients upload), through [`objects::Objects`] where s3s-fs falls
//! short of S3.

mod objects;

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use s3s::service::{S3Service, S3ServiceBuilder};

use super::auth::{Keys, KeysAuth};
use crate::error::{LakeError, Result};

/// The S3 service over the buckets in `root`. With `keys`, s3s verifies every request's
/// signature (and refuses unsigned ones); without, any request is served.
pub fn service(root: &Path, keys: Option<Arc<Keys>>) -> Result<S3Service> {
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| {
        LakeError::internal(format!("cannot serve S3 from {}: {e:?}", root.display()))
    })?;
    let mut builder = S3ServiceBuilder::new(objects::Objects::new(fs));
    if let Some(keys) = keys {
        builder.set_auth(KeysAuth(keys));
    }
    Ok(builder.build())
}

/// Hands a request to the S3 service. Without a key file signatures are not checked:
/// the request goes on as an anonymous one (s3s refuses signed requests it cannot
/// verify).
pub async fn call(service: &S3Service, check: bool, mut request: Request<Body>) -> Response<Body> {
    if !check {
        request
            .headers_mut()
            .remove(axum::http::header::AUTHORIZATION);
    }
    let request = request.map(s3s::Body::http_body_unsync);
    match service.call(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::error!("S3 request failed: {e:?}");
            let mut response = Response::new(Body::from(
                "<Error><Code>InternalError</Code><Message>the S3 request failed</Message></Error>",
            ));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

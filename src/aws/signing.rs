//! AWS Signature Version 4 for JSON requests (`aws-sigv4`, the SDKs' own signer).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

use crate::error::{LakeError, Result};

/// The headers that sign a `POST` of `body` to `url` with `headers` (which must include
/// `host` and the content type) for `service` in `region`: `authorization`,
/// `x-amz-date` and, for temporary credentials, `x-amz-security-token`.
pub fn signature_headers(
    credentials: &Credentials,
    region: &str,
    service: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<Vec<(String, String)>> {
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| LakeError::internal(format!("cannot sign a {service} request: {e}")))?
        .into();
    let request = SignableRequest::new(
        "POST",
        url,
        headers.iter().copied(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| LakeError::invalid(format!("cannot sign a request to {url}: {e}")))?;
    let (instructions, _) = sign(request, &params)
        .map_err(|e| LakeError::internal(format!("cannot sign a {service} request: {e}")))?
        .into_parts();
    Ok(instructions
        .headers()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect())
}

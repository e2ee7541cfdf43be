//! `--auth keys.toml`: who may call the server. Without it the server accepts any
//! signature (as moto and LocalStack do), which is only safe on a loopback address; with
//! it every request must be SigV4-signed with a listed key pair, and refusals carry the
//! error codes the AWS services use, so clients report them as they would against AWS.
//!
//! - [`Keys`] reads the key file; secrets never leave it except to sign-check.
//! - [`sigv4`] checks the `Authorization` header of Athena, Glue and STS calls; S3 calls
//!   are checked by s3s (headers, presigned URLs, aws-chunked bodies) through [`KeysAuth`].

pub mod sigv4;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{LakeError, Result};

/// The key pairs the server accepts (`access key id → secret, user name`).
#[derive(Clone)]
pub struct Keys {
    by_id: HashMap<String, Key>,
}

#[derive(Clone)]
struct Key {
    secret: String,
    user: String,
}

/// The key file: a list of `[[keys]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    access_key_id: String,
    secret_access_key: String,
    user: Option<String>,
}

impl Keys {
    /// Reads a key file:
    ///
    /// ```toml
    /// [[keys]]
    /// access_key_id = "AKIALAKESQLEXAMPLE01"
    /// secret_access_key = "…"
    /// user = "alice"        # optional: the IAM user name GetCallerIdentity answers
    /// ```
    pub fn load(path: &Path) -> Result<Keys> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            LakeError::io(format!("cannot read the key file {}", path.display()), e)
        })?;
        Keys::parse(&text).map_err(|e| LakeError::invalid(format!("{}: {e}", path.display())))
    }

    /// Parses the text of a key file.
    pub fn parse(text: &str) -> std::result::Result<Keys, String> {
        let file: KeyFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        if file.keys.is_empty() {
            return Err("no [[keys]] entries: list at least one access_key_id and \
                        secret_access_key"
                .to_string());
        }
        let mut by_id = HashMap::new();
        for entry in file.keys {
            if entry.access_key_id.is_empty() || entry.secret_access_key.is_empty() {
                return Err(
                    "a [[keys]] entry has an empty access_key_id or secret_access_key".to_string(),
                );
            }
            let user = entry.user.unwrap_or_else(|| entry.access_key_id.clone());
            let key = Key {
                secret: entry.secret_access_key,
                user,
            };
            if by_id.insert(entry.access_key_id.clone(), key).is_some() {
                return Err(format!(
                    "access key {} is listed twice",
                    entry.access_key_id
                ));
            }
        }
        Ok(Keys { by_id })
    }

    /// The secret of an access key.
    pub fn secret(&self, access_key_id: &str) -> Option<&str> {
        self.by_id.get(access_key_id).map(|k| k.secret.as_str())
    }

    /// The user name of an access key.
    pub fn user(&self, access_key_id: &str) -> Option<&str> {
        self.by_id.get(access_key_id).map(|k| k.user.as_str())
    }

    /// How many key pairs there are.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// Secrets are never printed, not even in debug output.
impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&String> = self.by_id.keys().collect();
        ids.sort();
        f.debug_struct("Keys")
            .field("access_key_ids", &ids)
            .finish()
    }
}

/// Why a request was refused. Each service names these with its own error codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header.
    Missing,
    /// The header is not a well-formed SigV4 header (says what is wrong).
    Incomplete(String),
    /// The access key is not in the key file.
    UnknownKey,
    /// The signature is not the one the key's secret gives.
    BadSignature,
    /// `X-Amz-Date` is more than 15 minutes from the server's clock (says both times).
    Expired(String),
}

impl Refusal {
    /// The error code and message of an AWS JSON service (Athena, Glue), all HTTP 400.
    pub fn json_error(&self) -> (&'static str, String) {
        match self {
            Refusal::Missing => (
                "MissingAuthenticationTokenException",
                "Missing Authentication Token".to_string(),
            ),
            Refusal::Incomplete(why) => ("IncompleteSignatureException", why.clone()),
            Refusal::UnknownKey => (
                "UnrecognizedClientException",
                "The security token included in the request is invalid.".to_string(),
            ),
            Refusal::BadSignature => ("InvalidSignatureException", SIGNATURE_MISMATCH.to_string()),
            Refusal::Expired(why) => ("InvalidSignatureException", why.clone()),
        }
    }

    /// The HTTP status, error code and message STS answers with.
    pub fn sts_error(&self) -> (u16, &'static str, String) {
        match self {
            Refusal::Missing => (
                403,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token".to_string(),
            ),
            Refusal::Incomplete(why) => (400, "IncompleteSignature", why.clone()),
            Refusal::UnknownKey => (
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.".to_string(),
            ),
            Refusal::BadSignature => (403, "SignatureDoesNotMatch", SIGNATURE_MISMATCH.to_string()),
            Refusal::Expired(why) => (403, "SignatureDoesNotMatch", why.clone()),
        }
    }
}

const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the \
    signature you provided. Check your AWS Secret Access Key and signing method. Consult the \
    service documentation for details.";

/// The key file as s3s's credential source: S3 requests are verified by s3s itself.
pub struct KeysAuth(pub Arc<Keys>);

#[async_trait::async_trait]
impl s3s::auth::S3Auth for KeysAuth {
    async fn get_secret_key(&self, access_key: &str) -> s3s::S3Result<s3s::auth::SecretKey> {
        match self.0.secret(access_key) {
            Some(secret) => Ok(s3s::auth::SecretKey::from(secret)),
            None => Err(s3s::s3_error!(
                InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records."
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_file_lists_key_pairs() {
        let keys = Keys::parse(
            "[[keys]]\naccess_key_id = \"AK1\"\nsecret_access_key = \"s1\"\nuser = \"alice\"\n\
             [[keys]]\naccess_key_id = \"AK2\"\nsecret_access_key = \"s2\"\n",
        )
        .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys.secret("AK1"), Some("s1"));
        assert_eq!(keys.user("AK1"), Some("alice"));
        assert_eq!(keys.user("AK2"), Some("AK2"));
        assert_eq!(keys.secret("AK3"), None);
        let shown = format!("{keys:?}");
        assert!(shown.contains("AK1") && !shown.contains("s1"), "{shown}");
    }

    #[test]
    fn bad_key_files_say_what_is_wrong() {
        let empty = Keys::parse("").unwrap_err();
        assert!(empty.contains("no [[keys]]"), "{empty}");
        let twice = Keys::parse(
            "[[keys]]\naccess_key_id = \"A\"\nsecret_access_key = \"s\"\n\
             [[keys]]\naccess_key_id = \"A\"\nsecret_access_key = \"t\"\n",
        )
        .unwrap_err();
        assert!(twice.contains("listed twice"), "{twice}");
        let unknown =
            Keys::parse("[[keys]]\naccess_key_id = \"A\"\nsecret_key = \"s\"\n").unwrap_err();
        assert!(unknown.contains("secret_key"), "{unknown}");
    }
}

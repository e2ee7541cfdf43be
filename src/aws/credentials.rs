//! Credentials from a provider chain, kept until shortly before they expire.
//!
//! `aws-config`'s providers fetch anew on every call (an STS or SSO request, or a
//! process run); the SDK clients cache in front of them, and so does this.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use tokio::sync::Mutex;

/// Temporary credentials are renewed this long before they expire, so a request signed
/// with them never arrives after their expiry.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// A credentials provider with a cache; cheap to clone.
#[derive(Clone, Debug)]
pub struct CachedCredentials {
    provider: SharedCredentialsProvider,
    /// What the credentials are for, in errors (`the Glue catalog`, `profile p`).
    purpose: Arc<str>,
    /// The profile they come from, for the hints errors give.
    profile: Option<Arc<str>>,
    cached: Arc<Mutex<Option<Credentials>>>,
}

impl CachedCredentials {
    /// Caches `provider`'s credentials; `purpose` names their use in errors.
    pub fn new(provider: SharedCredentialsProvider, purpose: &str) -> Self {
        CachedCredentials {
            provider,
            purpose: purpose.into(),
            profile: None,
            cached: Arc::new(Mutex::new(None)),
        }
    }

    /// Names the profile the credentials come from (errors then say what to run).
    pub fn with_profile(mut self, profile: &str) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// When the credentials last fetched expire (`None`: none fetched yet, static ones,
    /// or the cache is being refreshed right now).
    pub fn expiry(&self) -> Option<SystemTime> {
        self.cached.try_lock().ok()?.as_ref()?.expiry()
    }

    /// Current credentials: the cached ones while they are fresh, else new ones.
    pub async fn get(&self) -> Result<Credentials, NoCredentials> {
        let mut cached = self.cached.lock().await;
        if let Some(credentials) = cached.as_ref().filter(|c| is_fresh(c)) {
            return Ok(credentials.clone());
        }
        let fresh = self.provider.provide_credentials().await.map_err(|e| {
            let chain = error_chain(&e);
            NoCredentials(format!(
                "no AWS credentials for {}: {chain}{}",
                self.purpose,
                hint(&chain, self.profile.as_deref())
            ))
        })?;
        if fresh.expiry().is_some_and(|e| e <= SystemTime::now()) {
            return Err(NoCredentials(format!(
                "the AWS credentials for {} have already expired (their Expiration is in the \
                 past){}",
                self.purpose,
                hint("expired", self.profile.as_deref())
            )));
        }
        *cached = Some(fresh.clone());
        Ok(fresh)
    }
}

/// No credentials could be had: for what, from where and why (never a secret). Each
/// user wraps it in its own terms (a catalog error for Glue, a storage error for S3).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NoCredentials(String);

/// What to do about a failure, when the profile is known.
fn hint(message: &str, profile: Option<&str>) -> String {
    let Some(profile) = profile else {
        return String::new();
    };
    let lower = message.to_lowercase();
    if lower.contains("sso") && (lower.contains("expired") || lower.contains("token")) {
        format!("; run `aws sso login --profile {profile}`")
    } else {
        String::new()
    }
}

/// Whether credentials stay valid past the refresh margin (static ones always do).
fn is_fresh(credentials: &Credentials) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > SystemTime::now() + REFRESH_BEFORE_EXPIRY)
}

/// An error and its sources, joined: the SDK's top-level messages alone say only
/// "an error occurred while loading credentials".
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_near_expiry_are_not_fresh() {
        let key = |expiry| Credentials::new("AKID", "secret", None, expiry, "test");
        assert!(is_fresh(&key(None)));
        let soon = SystemTime::now() + Duration::from_secs(60);
        assert!(!is_fresh(&key(Some(soon))));
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert!(is_fresh(&key(Some(later))));
    }
}

//! A profile's credentials (or the default chain's), as `aws-config` resolves them, for
//! object_store's S3 client:
//! one [`CachedCredentials`] per bucket client, renewed before expiry, so a long scan or
//! MSCK keeps going when temporary credentials run out half-way.

use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use aws_config::default_provider::credentials::DefaultCredentialsChain;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_runtime::env_config::file::EnvConfigFiles;
use object_store::CredentialProvider;
use object_store::aws::AwsCredential;
use tokio::sync::OnceCell;

use super::credentials::CachedCredentials;
use super::{profile_provider, provider_config};

/// The credentials of one AWS profile (SSO, `credential_process`, assume-role, web
/// identity, or static keys), as object_store asks for them.
#[derive(Debug)]
pub struct ProfileCredentials {
    cached: CachedCredentials,
}

impl ProfileCredentials {
    /// Credentials from the AWS SDKs' default chain (environment, the default profile,
    /// web identity, container and instance roles), for a bucket whose settings name
    /// neither keys nor a profile.
    pub fn default_chain(region: &str) -> Self {
        let provider = SharedCredentialsProvider::new(DefaultChain {
            region: region.to_string(),
            chain: OnceCell::new(),
        });
        ProfileCredentials {
            cached: CachedCredentials::new(provider, "S3 (the AWS default credential chain)"),
        }
    }

    /// Credentials of `profile`, read from `files` (`None`: the SDKs' default files);
    /// `region` is where STS and SSO are called when the profile does not say.
    pub fn new(profile: &str, files: Option<EnvConfigFiles>, region: &str) -> Self {
        let provider = profile_provider(profile, files, region);
        ProfileCredentials {
            cached: CachedCredentials::new(provider, &format!("profile {profile}"))
                .with_profile(profile),
        }
    }

    /// When the credentials in use expire (`None`: not fetched yet, or they do not).
    pub fn expiry(&self) -> Option<SystemTime> {
        self.cached.expiry()
    }
}

/// `aws-config`'s default chain, built on first use (building it is async).
#[derive(Debug)]
struct DefaultChain {
    region: String,
    chain: OnceCell<DefaultCredentialsChain>,
}

impl ProvideCredentials for DefaultChain {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let chain = self
                .chain
                .get_or_init(|| async {
                    DefaultCredentialsChain::builder()
                        .configure(provider_config(&self.region))
                        .build()
                        .await
                })
                .await;
            chain.provide_credentials().await
        })
    }
}

#[async_trait]
impl CredentialProvider for ProfileCredentials {
    type Credential = AwsCredential;

    async fn get_credential(&self) -> object_store::Result<Arc<AwsCredential>> {
        let credentials = self
            .cached
            .get()
            .await
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        Ok(Arc::new(AwsCredential {
            key_id: credentials.access_key_id().to_string(),
            secret_key: credentials.secret_access_key().to_string(),
            token: credentials.session_token().map(str::to_string),
        }))
    }
}

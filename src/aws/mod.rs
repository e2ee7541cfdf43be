//! AWS configuration as the AWS SDKs resolve it: region, endpoint and credentials from
//! the environment, `~/.aws/config` and `~/.aws/credentials` profiles (static keys, SSO,
//! `credential_process`, assume-role, web identity) and the container or instance role,
//! through the official `aws-config` crate, so lakesql reaches what the AWS CLI reaches.
//!
//! The HTTP client `aws-config` uses for STS and SSO is built on the hyper/rustls/ring
//! stack the object store already brings, so the tree keeps one HTTP and one TLS stack.

pub mod credentials;
pub mod object_store;
pub mod role;
pub mod signing;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::provider_config::ProviderConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::os_shim_internal::{Env, Fs};
use aws_types::service_config::ServiceConfigKey;

pub use credentials::CachedCredentials;

/// What to resolve the configuration from; `None` fields follow the SDKs' defaults
/// (`AWS_PROFILE`, `AWS_REGION`, the profile's `region`, …).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AwsSettings {
    /// The profile of `~/.aws/config` to use.
    pub profile: Option<String>,
    /// The region, overriding the profile's.
    pub region: Option<String>,
    /// Static keys replacing the credential chain (access key id, secret).
    pub keys: Option<(String, String)>,
}

impl std::fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSettings")
            .field("profile", &self.profile)
            .field("region", &self.region)
            .field(
                "keys",
                &self.keys.as_ref().map(|(id, _)| format!("{id}/****")),
            )
            .finish()
    }
}

/// The HTTP client `aws-config` calls STS and SSO with: hyper and rustls with ring,
/// the stack object_store's client already uses.
pub fn http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// What `aws-config`'s providers call STS and SSO with, in `region`.
pub(crate) fn provider_config(region: &str) -> ProviderConfig {
    ProviderConfig::default()
        .with_http_client(http_client())
        .with_region(Some(Region::new(region.to_string())))
}

/// The credentials of profile `name` (read from `files`, `None`: the SDKs' default
/// files), whatever kind of profile it is: `aws-config`'s profile provider, or
/// [`role::RoleProvider`] for a role with `duration_seconds` or `mfa_serial`.
pub fn profile_provider(
    name: &str,
    files: Option<EnvConfigFiles>,
    region: &str,
) -> SharedCredentialsProvider {
    let loaded = futures::executor::block_on(aws_config::profile::load(
        &Fs::real(),
        &Env::real(),
        &files.clone().unwrap_or_default(),
        None,
    ));
    if let Some(spec) = loaded
        .ok()
        .and_then(|profiles| role::RoleSpec::of_profile(&profiles, name))
    {
        return SharedCredentialsProvider::new(role::RoleProvider::new(spec, files, region));
    }
    let mut builder = ProfileFileCredentialsProvider::builder()
        .configure(&provider_config(region))
        .profile_name(name);
    if let Some(files) = files {
        builder = builder.profile_files(files);
    }
    SharedCredentialsProvider::new(builder.build())
}

/// Loads the configuration for `settings`, as `aws_config::defaults` does.
pub async fn load(settings: &AwsSettings) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some((id, secret)) = &settings.keys {
        let keys = aws_credential_types::Credentials::new(id, secret, None, None, "lakesql");
        loader = loader.credentials_provider(keys);
    }
    loader.load().await
}

/// The endpoint configured for a service (`AWS_ENDPOINT_URL_<SERVICE>`, a profile's
/// `services` section, then `AWS_ENDPOINT_URL` or the profile's `endpoint_url`), as the
/// SDKs look it up; `None` means the service's public endpoint.
pub fn configured_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|c| c.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

//! The session's object stores, by URL: DataFusion, MSCK and projection all ask here.
//!
//! `file://` is one local store. `s3://BUCKET` stores are built on first use from the
//! bucket's [`S3Options`] and kept for the session (one HTTP client and connection pool
//! per bucket); changing a setting drops the stores it affects so the next request
//! rebuilds them. An S3 store is object_store's client (which retries each request with
//! backoff) inside a [`LimitStore`] (a bound on requests in flight), a [`RetryStore`]
//! (broken listing responses) and a [`CountingStore`] (the statistics, which therefore
//! count logical requests, the same on S3 as on local disk).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::aws::object_store::ProfileCredentials;
use crate::storage::local::LocalStore;
use datafusion::common::DataFusionError;
use datafusion::execution::object_store::ObjectStoreRegistry;
use object_store::aws::AmazonS3Builder;
use object_store::limit::LimitStore;
use object_store::{BackoffConfig, ClientOptions, ObjectStore, RetryConfig};
use url::Url;

use super::retry::{RetryPolicy, RetryStore};
use super::s3_config::{S3Config, S3Options, check_bucket};
use super::{CountingStore, RequestCounters};
use crate::error::{LakeError, Result};

/// Object stores by URL, building S3 stores lazily per bucket.
#[derive(Debug)]
pub struct StoreRegistry {
    counters: Arc<RequestCounters>,
    local: Arc<dyn ObjectStore>,
    s3: RwLock<S3Config>,
    buckets: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    /// The profile credentials of buckets whose store uses them (for their expiry).
    profile_credentials: Mutex<HashMap<String, Arc<ProfileCredentials>>>,
    /// Stores registered by an embedding program, by `scheme://authority`.
    other: Mutex<HashMap<String, Arc<dyn ObjectStore>>>,
    /// Set by `lakesql serve`: every bucket is the folder of that name in this directory.
    served_buckets: RwLock<Option<std::path::PathBuf>>,
}

impl StoreRegistry {
    /// A registry counting into `counters`, with S3 settings `s3`.
    pub fn new(counters: Arc<RequestCounters>, s3: S3Config) -> Self {
        let local = CountingStore::new(Arc::new(LocalStore::new()), counters.clone());
        StoreRegistry {
            counters,
            local: Arc::new(local),
            s3: RwLock::new(s3),
            buckets: Mutex::new(HashMap::new()),
            profile_credentials: Mutex::new(HashMap::new()),
            other: Mutex::new(HashMap::new()),
            served_buckets: RwLock::new(None),
        }
    }

    /// Reads and writes every `s3://BUCKET` in the folder `root/BUCKET` (the buckets
    /// `lakesql serve` serves), instead of on S3.
    pub fn serve_buckets_from(&self, root: std::path::PathBuf) {
        if let Ok(mut served) = self.served_buckets.write() {
            *served = Some(root);
        }
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.clear();
        }
    }

    /// The store of a bucket served from a local folder.
    fn served_bucket_store(&self, bucket: &str) -> Result<Option<Arc<dyn ObjectStore>>> {
        let root = self.served_buckets.read().map_err(|_| poisoned())?.clone();
        let Some(root) = root else {
            return Ok(None);
        };
        check_bucket(bucket)?;
        let dir = root.join(bucket);
        let local = LocalStore::with_root(&dir)
            .map_err(|e| LakeError::invalid(format!("bucket {bucket} ({}): {e}", dir.display())))?;
        let store: Arc<dyn ObjectStore> =
            Arc::new(CountingStore::new(Arc::new(local), self.counters.clone()));
        let mut buckets = self.buckets.lock().map_err(|_| poisoned())?;
        Ok(Some(
            buckets.entry(bucket.to_string()).or_insert(store).clone(),
        ))
    }

    /// Runs `change` on the S3 settings, then forgets the stores built from the old ones
    /// (one bucket's, or all of them for a default).
    pub fn update_s3<T>(
        &self,
        bucket: Option<&str>,
        change: impl FnOnce(&mut S3Config) -> Result<T>,
    ) -> Result<T> {
        let mut config = self.s3.write().map_err(|_| poisoned())?;
        let out = change(&mut config)?;
        let mut buckets = self.buckets.lock().map_err(|_| poisoned())?;
        let mut credentials = self.profile_credentials.lock().map_err(|_| poisoned())?;
        match bucket {
            Some(b) => {
                buckets.remove(b);
                credentials.remove(b);
            }
            None => {
                buckets.clear();
                credentials.clear();
            }
        }
        Ok(out)
    }

    /// Reads the S3 settings.
    pub fn s3_config(&self) -> Result<S3Config> {
        Ok(self.s3.read().map_err(|_| poisoned())?.clone())
    }

    /// When the temporary credentials a bucket's store uses expire, if it uses a
    /// profile's and has fetched them.
    pub fn credentials_expiry(&self, bucket: &str) -> Option<std::time::SystemTime> {
        self.profile_credentials.lock().ok()?.get(bucket)?.expiry()
    }

    /// The store for an `s3://BUCKET` URL, built on first use.
    pub fn bucket_store(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        if let Some(store) = self.buckets.lock().map_err(|_| poisoned())?.get(bucket) {
            return Ok(store.clone());
        }
        if let Some(store) = self.served_bucket_store(bucket)? {
            return Ok(store);
        }
        check_bucket(bucket)?;
        // The settings stay read-locked until the store is cached, so a concurrent
        // `update_s3` cannot clear the cache between reading them and caching the store.
        let config = self.s3.read().map_err(|_| poisoned())?;
        let options = config.options(bucket)?;
        let (s3, credentials) = build_s3(bucket, &options)?;
        if let Some(credentials) = credentials {
            self.profile_credentials
                .lock()
                .map_err(|_| poisoned())?
                .insert(bucket.to_string(), credentials);
        }
        let limited = LimitStore::new(s3, options.max_concurrency);
        let policy = RetryPolicy {
            retries: options.max_retries,
            backoff: options.backoff_initial,
            max_backoff: options.backoff_max,
        };
        let retrying = RetryStore::new(Arc::new(limited), policy);
        let store: Arc<dyn ObjectStore> = Arc::new(CountingStore::new(
            Arc::new(retrying),
            self.counters.clone(),
        ));
        let mut buckets = self.buckets.lock().map_err(|_| poisoned())?;
        let store = buckets.entry(bucket.to_string()).or_insert(store).clone();
        drop(buckets);
        drop(config);
        Ok(store)
    }
}

fn poisoned() -> LakeError {
    LakeError::internal("the object store registry was poisoned by a panic")
}

/// An S3 client for one bucket, with the profile credentials it uses (if it does).
/// Errors never include secret values.
fn build_s3(
    bucket: &str,
    o: &S3Options,
) -> Result<(object_store::aws::AmazonS3, Option<Arc<ProfileCredentials>>)> {
    let client = ClientOptions::new()
        .with_allow_http(o.allow_http)
        .with_connect_timeout(o.connect_timeout)
        .with_timeout(o.request_timeout);
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_region(&o.region)
        .with_virtual_hosted_style_request(!o.path_style)
        .with_skip_signature(o.skip_signature)
        .with_retry(retry_config(o))
        .with_client_options(client);
    if let Some(endpoint) = &o.endpoint {
        builder = builder.with_endpoint(endpoint);
    }
    let mut profile = None;
    match &o.profile_credentials {
        Some(name) if o.access_key_id.is_none() && !o.skip_signature => {
            let credentials = Arc::new(ProfileCredentials::new(
                name,
                o.profile_files.clone(),
                &o.region,
            ));
            builder = builder.with_credentials(credentials.clone());
            profile = Some(credentials);
        }
        None if o.access_key_id.is_none() && !o.skip_signature && o.from_environment => {
            // Settings from the environment that name no keys and no profile: the AWS
            // SDKs' default chain (web identity, container and instance roles, …).
            let credentials = Arc::new(ProfileCredentials::default_chain(&o.region));
            builder = builder.with_credentials(credentials.clone());
            profile = Some(credentials);
        }
        _ => builder = with_credentials(builder, o),
    }
    let s3 = builder.build().map_err(|e| {
        LakeError::invalid(format!(
            "cannot set up S3 access to bucket '{bucket}': {}",
            without_secrets(&e.to_string(), o)
        ))
    })?;
    Ok((s3, profile))
}

/// object_store's per-request retries, with the session's backoff.
fn retry_config(o: &S3Options) -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: o.backoff_initial,
            max_backoff: o.backoff_max.max(o.backoff_initial),
            base: 2.0,
        },
        max_retries: o.max_retries,
        retry_timeout: o.retry_timeout,
    }
}

/// The credentials given in the settings.
fn with_credentials(mut builder: AmazonS3Builder, o: &S3Options) -> AmazonS3Builder {
    if let Some(key) = &o.access_key_id {
        builder = builder.with_access_key_id(key);
    }
    if let Some(secret) = &o.secret_access_key {
        builder = builder.with_secret_access_key(secret);
    }
    if let Some(token) = &o.session_token {
        builder = builder.with_token(token);
    }
    builder
}

/// Removes secret values from a message (belt and braces: object_store does not print them).
pub(crate) fn without_secrets(message: &str, o: &S3Options) -> String {
    let mut out = message.to_string();
    for secret in [&o.secret_access_key, &o.session_token]
        .into_iter()
        .flatten()
    {
        if !secret.is_empty() {
            out = out.replace(secret.as_str(), "****");
        }
    }
    out
}

impl ObjectStoreRegistry for StoreRegistry {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        let key = format!("{}://{}", url.scheme(), url.authority());
        let counted: Arc<dyn ObjectStore> =
            Arc::new(CountingStore::new(store, self.counters.clone()));
        if url.scheme() == "s3" {
            return self
                .buckets
                .lock()
                .ok()?
                .insert(url.authority().to_string(), counted);
        }
        self.other.lock().ok()?.insert(key, counted)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        let removed = if url.scheme() == "s3" {
            self.buckets
                .lock()
                .ok()
                .and_then(|mut b| b.remove(url.authority()))
        } else {
            let key = format!("{}://{}", url.scheme(), url.authority());
            self.other.lock().ok().and_then(|mut o| o.remove(&key))
        };
        removed.ok_or_else(|| {
            DataFusionError::Execution(format!("no object store registered for {url}"))
        })
    }

    fn get_store(&self, url: &Url) -> datafusion::common::Result<Arc<dyn ObjectStore>> {
        match url.scheme() {
            "file" => Ok(self.local.clone()),
            "s3" => self
                .bucket_store(url.authority())
                .map_err(|e| DataFusionError::External(Box::new(e))),
            scheme => {
                let key = format!("{scheme}://{}", url.authority());
                self.other
                    .lock()
                    .ok()
                    .and_then(|o| o.get(&key).cloned())
                    .ok_or_else(|| {
                        DataFusionError::External(Box::new(LakeError::unsupported(format!(
                            "no object store for {key} (lakesql reads file:// and s3://)"
                        ))))
                    })
            }
        }
    }
}

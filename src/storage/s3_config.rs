//! S3 settings: which credentials, region, endpoint and limits reach a bucket.
//!
//! Settings come in layers; a later layer wins, key by key:
//!
//! 1. the standard AWS environment (`AWS_ACCESS_KEY_ID`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
//!    `AWS_ALLOW_HTTP`, …), over the profile `AWS_PROFILE` names (or `default`) in
//!    `~/.aws/credentials` and `~/.aws/config`;
//! 2. the `[default]` section of lakesql's `s3.ini` (in the user's config folder, or where
//!    `LAKESQL_S3_CONFIG` points);
//! 3. `SET s3.<key> = …` in the session;
//! 4. the file's `[bucket NAME]` section;
//! 5. `SET s3.bucket.NAME.<key> = …` in the session.
//!
//! A layer that names a `profile` brings that profile's values in just below its own keys,
//! so `profile = analytics` in a bucket section switches credentials for that bucket only.
//! Secret values are never shown: [`S3Config::describe`] redacts them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::EnvConfigValue;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use ini::Ini;

use crate::error::{LakeError, Result};

/// One setting lakesql understands.
#[derive(Debug)]
pub struct S3Key {
    /// Name used in `s3.ini` and `SET s3.<name>`.
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// Whether the value is a secret (never displayed).
    pub secret: bool,
    kind: ValueKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum ValueKind {
    Text,
    Bool,
    Count,
    Duration,
    Url,
}

const fn key(name: &'static str, kind: ValueKind, secret: bool, help: &'static str) -> S3Key {
    S3Key {
        name,
        help,
        secret,
        kind,
    }
}

/// Every setting, in display order.
pub const S3_KEYS: &[S3Key] = &[
    key("access_key_id", ValueKind::Text, false, "access key id"),
    key(
        "secret_access_key",
        ValueKind::Text,
        true,
        "secret access key",
    ),
    key(
        "session_token",
        ValueKind::Text,
        true,
        "session token (temporary credentials)",
    ),
    key(
        "profile",
        ValueKind::Text,
        false,
        "profile in ~/.aws/credentials and ~/.aws/config",
    ),
    key(
        "region",
        ValueKind::Text,
        false,
        "region (default us-east-1)",
    ),
    key(
        "endpoint",
        ValueKind::Url,
        false,
        "endpoint URL of an S3-compatible server",
    ),
    key(
        "allow_http",
        ValueKind::Bool,
        false,
        "allow a plain-HTTP endpoint",
    ),
    key(
        "path_style",
        ValueKind::Bool,
        false,
        "path-style addressing (default: true with a custom endpoint)",
    ),
    key(
        "skip_signature",
        ValueKind::Bool,
        false,
        "anonymous requests (public buckets)",
    ),
    key(
        "max_concurrency",
        ValueKind::Count,
        false,
        "requests in flight per bucket (default 32)",
    ),
    key(
        "max_retries",
        ValueKind::Count,
        false,
        "retries per request (default 10)",
    ),
    key(
        "retry_timeout",
        ValueKind::Duration,
        false,
        "give up retrying a request after this long (default 3m)",
    ),
    key(
        "backoff_initial",
        ValueKind::Duration,
        false,
        "first retry delay (default 100ms)",
    ),
    key(
        "backoff_max",
        ValueKind::Duration,
        false,
        "longest retry delay (default 15s)",
    ),
    key(
        "connect_timeout",
        ValueKind::Duration,
        false,
        "TCP connect timeout (default 5s)",
    ),
    key(
        "request_timeout",
        ValueKind::Duration,
        false,
        "whole-request timeout (default 30s)",
    ),
];

/// Looks a setting up by name.
pub fn s3_key(name: &str) -> Result<&'static S3Key> {
    let lower = name.to_ascii_lowercase();
    S3_KEYS.iter().find(|k| k.name == lower).ok_or_else(|| {
        let names: Vec<&str> = S3_KEYS.iter().map(|k| k.name).collect();
        LakeError::invalid(format!(
            "unknown S3 setting '{name}'; known settings: {}",
            names.join(", ")
        ))
    })
}

/// Whether `text` names a secret setting (the shell keeps such lines out of its history).
pub fn mentions_secret(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    S3_KEYS.iter().any(|k| k.secret && lower.contains(k.name))
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// An `AWS_*` environment variable.
    Env(&'static str),
    /// A profile in the AWS shared files.
    Profile(String),
    /// lakesql's `s3.ini`.
    File(PathBuf),
    /// `SET s3.…` in this session.
    Session,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Env(var) => write!(f, "env {var}"),
            Source::Profile(p) => write!(f, "profile {p}"),
            Source::File(path) => write!(f, "file {}", path.display()),
            Source::Session => f.write_str("SET"),
        }
    }
}

/// One layer of settings.
type Layer = BTreeMap<&'static str, (String, Source)>;

/// The AWS shared credentials and config files.
#[derive(Clone, Debug)]
struct AwsFiles {
    credentials: PathBuf,
    config: PathBuf,
}

impl AwsFiles {
    fn from_env() -> Self {
        let home = dirs::home_dir().unwrap_or_default().join(".aws");
        let path = |var: &str, default: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .unwrap_or_else(|| home.join(default))
        };
        AwsFiles {
            credentials: path("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
            config: path("AWS_CONFIG_FILE", "config"),
        }
    }

    /// The profile files that exist, as `aws-config` reads them (`None`: neither does).
    pub fn profile_files(&self) -> Option<EnvConfigFiles> {
        let mut builder = EnvConfigFiles::builder();
        let mut any = false;
        for (kind, path) in [
            (EnvConfigFileKind::Config, &self.config),
            (EnvConfigFileKind::Credentials, &self.credentials),
        ] {
            if path.is_file() {
                builder = builder.with_file(kind, path);
                any = true;
            }
        }
        any.then(|| builder.build())
    }

    /// The profiles of both files, read with the AWS SDKs' own parser (the credentials
    /// file wins over the config file, as everywhere in AWS tooling), `selected` being
    /// the profile in use.
    fn load(&self, selected: &str) -> Result<ProfileSet> {
        let Some(files) = self.profile_files() else {
            return Ok(ProfileSet::default());
        };
        let (fs, env) = (Fs::real(), Env::real());
        let selected = Some(std::borrow::Cow::Owned(selected.to_string()));
        // The parser reads with std::fs behind an async signature: no runtime needed.
        futures::executor::block_on(aws_config::profile::load(&fs, &env, &files, selected)).map_err(
            |e| {
                LakeError::invalid(format!(
                    "cannot read the AWS profile files ({}, {}): {}",
                    self.config.display(),
                    self.credentials.display(),
                    crate::aws::credentials::error_chain(&e)
                ))
            },
        )
    }

    /// The S3 settings of profile `name`; `required` makes a missing profile an error.
    /// Static keys, `region` and `endpoint_url` (the profile's own, or its `services`
    /// section's for S3) become settings; a profile whose credentials come another way
    /// (SSO, `credential_process`, `role_arn`, `web_identity_token_file`) becomes the
    /// `credentials` setting, resolved by `aws-config` when the bucket is used.
    fn profile(&self, name: &str, required: bool) -> Result<Layer> {
        let mut layer = Layer::new();
        // Selected, so that its `services` section is the one endpoints come from.
        let profiles = self.load(name)?;
        let Some(profile) = profiles.get_profile(name) else {
            if required {
                return Err(LakeError::invalid(format!(
                    "AWS profile '{name}' is not in {} or {}",
                    self.credentials.display(),
                    self.config.display()
                )));
            }
            return Ok(layer);
        };
        let source = || Source::Profile(name.to_string());
        for (property, target) in [
            ("aws_access_key_id", "access_key_id"),
            ("aws_secret_access_key", "secret_access_key"),
            ("aws_session_token", "session_token"),
            ("region", "region"),
        ] {
            if let Some(value) = profile.get(property) {
                layer.insert(target, (value.to_string(), source()));
            }
        }
        // The profile's own values only: the environment is a layer of its own.
        let no_environment = Env::from_slice(&[]);
        let endpoint = EnvConfigValue::new()
            .profile("endpoint_url")
            .service_id("S3")
            .load(&no_environment, Some(&profiles));
        if let Some(endpoint) = endpoint {
            layer.insert("endpoint", (endpoint.0.to_string(), source()));
        }
        if !layer.contains_key("access_key_id")
            && let Some(how) = provider_kind(profile)
        {
            layer.insert(CREDENTIALS, (format!("{name} via {how}"), source()));
        }
        Ok(layer)
    }
}

/// The pseudo-setting naming a profile whose credentials `aws-config` resolves:
/// `NAME via KIND` (kind: sso, credential_process, assume-role, web identity).
pub const CREDENTIALS: &str = "credentials";

/// How a profile without static keys gets credentials, as `SHOW S3 SETTINGS` says it.
fn provider_kind(profile: &Profile) -> Option<&'static str> {
    let has = |k: &str| profile.get(k).is_some();
    if has("sso_session") || has("sso_start_url") {
        Some("sso")
    } else if has("credential_process") {
        Some("credential_process")
    } else if has("role_arn") {
        Some("assume-role")
    } else if has("web_identity_token_file") {
        Some("web identity")
    } else {
        None
    }
}

/// All S3 settings of a session.
#[derive(Clone)]
pub struct S3Config {
    env: Layer,
    file_default: Layer,
    file_buckets: BTreeMap<String, Layer>,
    session_default: Layer,
    session_buckets: BTreeMap<String, Layer>,
    aws_files: AwsFiles,
}

/// The `AWS_*` variables lakesql maps to its settings; later entries win.
const ENV_KEYS: &[(&str, &str)] = &[
    ("AWS_DEFAULT_REGION", "region"),
    ("AWS_REGION", "region"),
    ("AWS_ACCESS_KEY_ID", "access_key_id"),
    ("AWS_SECRET_ACCESS_KEY", "secret_access_key"),
    ("AWS_SESSION_TOKEN", "session_token"),
    ("AWS_PROFILE", "profile"),
    ("AWS_ENDPOINT_URL", "endpoint"),
    ("AWS_ENDPOINT_URL_S3", "endpoint"),
    ("AWS_ALLOW_HTTP", "allow_http"),
    ("AWS_SKIP_SIGNATURE", "skip_signature"),
];

impl S3Config {
    /// No settings at all: nothing from the environment or files (for embedding and tests).
    pub fn empty() -> Self {
        S3Config {
            env: Layer::new(),
            file_default: Layer::new(),
            file_buckets: BTreeMap::new(),
            session_default: Layer::new(),
            session_buckets: BTreeMap::new(),
            aws_files: AwsFiles {
                credentials: PathBuf::new(),
                config: PathBuf::new(),
            },
        }
    }

    /// Settings from the AWS environment and lakesql's `s3.ini` (`LAKESQL_S3_CONFIG`, or
    /// `s3.ini` in the user's lakesql config folder; a missing file is no error).
    pub fn from_env() -> Result<Self> {
        let mut config = S3Config::empty();
        config.aws_files = AwsFiles::from_env();
        for (var, name) in ENV_KEYS {
            if let Ok(value) = std::env::var(var)
                && !value.is_empty()
            {
                let key = s3_key(name)?;
                let value = check_value(key, &value)
                    .map_err(|e| LakeError::invalid(format!("environment variable {var}: {e}")))?;
                config.env.insert(key.name, (value, Source::Env(var)));
            }
        }
        if let Some(virtual_hosted) = std::env::var("AWS_VIRTUAL_HOSTED_STYLE_REQUEST")
            .ok()
            .and_then(|v| parse_bool(&v))
        {
            config.env.insert(
                "path_style",
                (
                    (!virtual_hosted).to_string(),
                    Source::Env("AWS_VIRTUAL_HOSTED_STYLE_REQUEST"),
                ),
            );
        }
        let file = match std::env::var_os("LAKESQL_S3_CONFIG") {
            Some(path) => Some(PathBuf::from(path)),
            None => dirs::config_dir().map(|d| d.join("lakesql").join("s3.ini")),
        };
        if let Some(path) = file
            && path.exists()
        {
            config.load_file(&path)?;
        }
        Ok(config)
    }

    /// Reads an `s3.ini`: a `[default]` section and `[bucket NAME]` sections.
    pub fn load_file(&mut self, path: &Path) -> Result<()> {
        let fail = |why: String| LakeError::invalid(format!("S3 config {}: {why}", path.display()));
        let ini = Ini::load_from_file(path).map_err(|e| fail(e.to_string()))?;
        let mut default = Layer::new();
        let mut buckets = BTreeMap::new();
        for (section, props) in ini.iter() {
            let layer = match section.map(str::trim) {
                None if props.is_empty() => continue,
                None | Some("default") => &mut default,
                Some(s) => match s.strip_prefix("bucket ") {
                    Some(bucket) => {
                        let bucket = bucket.trim().trim_matches('"');
                        check_bucket(bucket).map_err(|e| fail(e.to_string()))?;
                        buckets.entry(bucket.to_string()).or_insert_with(Layer::new)
                    }
                    None => {
                        return Err(fail(format!(
                            "unknown section [{s}]; use [default] or [bucket NAME]"
                        )));
                    }
                },
            };
            for (k, v) in props.iter() {
                let key = s3_key(k).map_err(|e| fail(e.to_string()))?;
                let value = check_value(key, v).map_err(|e| fail(e.to_string()))?;
                layer.insert(key.name, (value, Source::File(path.to_path_buf())));
            }
        }
        self.file_default = default;
        self.file_buckets = buckets;
        Ok(())
    }

    /// `SET s3.<key>` (no bucket) or `SET s3.bucket.NAME.<key>`. Returns the canonical key.
    pub fn set(&mut self, bucket: Option<&str>, name: &str, value: &str) -> Result<&'static str> {
        let key = s3_key(name)?;
        let value = check_value(key, value)?;
        let layer = match bucket {
            Some(b) => {
                check_bucket(b)?;
                self.session_buckets.entry(b.to_string()).or_default()
            }
            None => &mut self.session_default,
        };
        layer.insert(key.name, (value, Source::Session));
        Ok(key.name)
    }

    /// The effective settings for `bucket`, each with its source.
    pub fn resolve(&self, bucket: &str) -> Result<BTreeMap<&'static str, (String, Source)>> {
        let mut merged = BTreeMap::new();
        let env_profile = self.env.get("profile").map(|(p, _)| p.clone());
        let layers: [Option<&Layer>; 5] = [
            Some(&self.env),
            Some(&self.file_default),
            Some(&self.session_default),
            self.file_buckets.get(bucket),
            self.session_buckets.get(bucket),
        ];
        for (i, layer) in layers.into_iter().enumerate() {
            let Some(layer) = layer else { continue };
            let profile = match layer.get("profile") {
                Some((p, _)) => Some((p.clone(), true)),
                // The environment reads the `default` profile unless told otherwise.
                None if i == 0
                    && env_profile.is_none()
                    && !self.aws_files.config.as_os_str().is_empty() =>
                {
                    Some(("default".to_string(), false))
                }
                None => None,
            };
            if let Some((name, required)) = profile {
                extend_credentials(&mut merged, self.aws_files.profile(&name, required)?);
            }
            extend_credentials(&mut merged, layer.clone());
        }
        Ok(merged)
    }

    /// The effective settings for `bucket` as typed options.
    pub fn options(&self, bucket: &str) -> Result<S3Options> {
        let mut options = S3Options::from_values(bucket, &self.resolve(bucket)?)?;
        if !self.aws_files.config.as_os_str().is_empty() {
            options.from_environment = true;
            options.profile_files = self.aws_files.profile_files();
        }
        Ok(options)
    }

    /// Rows for `SHOW S3 SETTINGS`: (scope, key, value, source), secrets redacted.
    /// The defaults, then every bucket that has its own settings.
    pub fn describe(&self) -> Result<Vec<[String; 4]>> {
        let mut rows = Vec::new();
        let from_environment = !self.aws_files.config.as_os_str().is_empty();
        let mut push = |scope: &str, values: BTreeMap<&'static str, (String, Source)>| {
            let anonymous = values
                .get("skip_signature")
                .is_some_and(|(v, _)| v == "true");
            if let Some((how, source)) = values.get(CREDENTIALS) {
                rows.push([
                    scope.to_string(),
                    CREDENTIALS.to_string(),
                    format!("profile {how}"),
                    source.to_string(),
                ]);
            } else if from_environment && !anonymous && !values.contains_key("access_key_id") {
                rows.push([
                    scope.to_string(),
                    CREDENTIALS.to_string(),
                    "the AWS default chain (web identity, container or instance role)".to_string(),
                    "AWS SDK".to_string(),
                ]);
            }
            for key in S3_KEYS {
                if let Some((value, source)) = values.get(key.name) {
                    let shown = if key.secret {
                        redact(value)
                    } else {
                        value.clone()
                    };
                    rows.push([
                        scope.to_string(),
                        key.name.to_string(),
                        shown,
                        source.to_string(),
                    ]);
                }
            }
        };
        push("default", self.resolve("")?);
        let buckets: std::collections::BTreeSet<&String> = self
            .file_buckets
            .keys()
            .chain(self.session_buckets.keys())
            .collect();
        for bucket in buckets {
            push(&format!("bucket {bucket}"), self.resolve(bucket)?);
        }
        Ok(rows)
    }
}

// Debug output lists which settings exist, never their values.
impl std::fmt::Debug for S3Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let keys = |l: &Layer| l.keys().copied().collect::<Vec<_>>();
        f.debug_struct("S3Config")
            .field("env", &keys(&self.env))
            .field("file_default", &keys(&self.file_default))
            .field("session_default", &keys(&self.session_default))
            .field(
                "buckets",
                &self
                    .file_buckets
                    .keys()
                    .chain(self.session_buckets.keys())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl std::fmt::Debug for S3Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Options")
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("has_credentials", &self.access_key_id.is_some())
            .field("profile_credentials", &self.profile_credentials)
            .field("path_style", &self.path_style)
            .field("max_concurrency", &self.max_concurrency)
            .field("max_retries", &self.max_retries)
            .finish_non_exhaustive()
    }
}

/// Adds `layer` over `merged`. Credentials are one unit: a layer that sets an access key
/// without a session token drops the token of the layers below (it belongs to other keys).
/// A profile resolved by `aws-config` replaces keys below it, and keys replace such a
/// profile.
fn extend_credentials(merged: &mut BTreeMap<&'static str, (String, Source)>, layer: Layer) {
    if layer.contains_key("access_key_id") && !layer.contains_key("session_token") {
        merged.remove("session_token");
    }
    if layer.contains_key("access_key_id") {
        merged.remove(CREDENTIALS);
    }
    if layer.contains_key(CREDENTIALS) {
        for key in ["access_key_id", "secret_access_key", "session_token"] {
            merged.remove(key);
        }
    }
    merged.extend(layer);
}

/// Shows that a secret is set without showing it.
fn redact(value: &str) -> String {
    if value.is_empty() {
        String::new()
    } else {
        "****".to_string()
    }
}

/// Bucket name rules (lower-case letters, digits, `.` and `-`, 3–63 characters).
pub fn check_bucket(bucket: &str) -> Result<()> {
    let ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket.as_bytes()[0].is_ascii_alphanumeric()
        && bucket.as_bytes()[bucket.len() - 1].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        // The name is shown only when it cannot be a credential (no ':' or '@').
        let shown = if bucket.contains([':', '@']) {
            "<redacted>".to_string()
        } else {
            format!("'{bucket}'")
        };
        Err(LakeError::invalid(format!(
            "S3 bucket name {shown} is not valid: use 3 to 63 lower-case letters, digits, \
             '.' and '-' (credentials do not belong in a location)"
        )))
    }
}

fn check_value(key: &S3Key, value: &str) -> Result<String> {
    let value = value.trim();
    let bad = |why: &str| {
        let shown = if key.secret {
            String::new()
        } else {
            format!(" '{value}'")
        };
        LakeError::invalid(format!("S3 setting {}: value{shown} {why}", key.name))
    };
    match key.kind {
        ValueKind::Text => {}
        ValueKind::Bool => {
            return parse_bool(value)
                .map(|b| b.to_string())
                .ok_or_else(|| bad("is not true or false"));
        }
        ValueKind::Count => {
            let n: usize = value.parse().map_err(|_| bad("is not a whole number"))?;
            if key.name == "max_concurrency" && n == 0 {
                return Err(bad("must be at least 1"));
            }
        }
        ValueKind::Duration => {
            parse_duration(value)
                .ok_or_else(|| bad("is not a duration such as 500ms, 5s or 2m"))?;
        }
        ValueKind::Url => {
            let url = url::Url::parse(value).map_err(|_| bad("is not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(bad("must start with http:// or https://"));
            }
        }
    }
    Ok(value.to_string())
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// `500ms`, `5s`, `1.5s`, `2m`/`2min`, `1h`; a bare number is seconds.
pub fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim().to_ascii_lowercase();
    let split = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "ms" => number / 1000.0,
        "" | "s" | "sec" => number,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    (seconds.is_finite() && (0.0..1e9).contains(&seconds)).then(|| Duration::from_secs_f64(seconds))
}

/// Typed settings for one bucket.
#[derive(Clone, Default)]
pub struct S3Options {
    /// A profile whose credentials `aws-config` resolves (SSO, `credential_process`,
    /// assume-role, web identity), when no keys are set.
    pub profile_credentials: Option<String>,
    /// The AWS profile files to resolve it from (`None`: the SDKs' defaults).
    pub profile_files: Option<EnvConfigFiles>,
    /// Whether the settings came from the environment (not [`S3Config::empty`]): only
    /// then does the AWS default credential chain apply when nothing names keys.
    pub from_environment: bool,
    /// Access key id.
    pub access_key_id: Option<String>,
    /// Secret access key.
    pub secret_access_key: Option<String>,
    /// Session token.
    pub session_token: Option<String>,
    /// Region.
    pub region: String,
    /// Custom endpoint.
    pub endpoint: Option<String>,
    /// Plain HTTP allowed.
    pub allow_http: bool,
    /// Path-style addressing.
    pub path_style: bool,
    /// Anonymous requests.
    pub skip_signature: bool,
    /// Requests in flight per bucket.
    pub max_concurrency: usize,
    /// Retries per request.
    pub max_retries: usize,
    /// Retry deadline per request.
    pub retry_timeout: Duration,
    /// First backoff.
    pub backoff_initial: Duration,
    /// Longest backoff.
    pub backoff_max: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Request timeout.
    pub request_timeout: Duration,
}

impl S3Options {
    fn from_values(
        bucket: &str,
        values: &BTreeMap<&'static str, (String, Source)>,
    ) -> Result<Self> {
        let text = |k: &str| values.get(k).map(|(v, _)| v.clone());
        let flag = |k: &str| text(k).and_then(|v| parse_bool(&v));
        let count =
            |k: &str, default: usize| text(k).and_then(|v| v.parse().ok()).unwrap_or(default);
        let duration = |k: &str, default: Duration| {
            text(k).and_then(|v| parse_duration(&v)).unwrap_or(default)
        };
        let endpoint = text("endpoint");
        let allow_http = flag("allow_http").unwrap_or(false);
        if let Some(e) = &endpoint
            && e.starts_with("http://")
            && !allow_http
        {
            return Err(LakeError::invalid(format!(
                "S3 endpoint {e} for bucket '{bucket}' is plain HTTP: set allow_http = true \
                 (AWS_ALLOW_HTTP=true, or SET s3.allow_http = true)"
            )));
        }
        Ok(S3Options {
            profile_credentials: text(CREDENTIALS)
                .and_then(|v| v.split(" via ").next().map(str::to_string)),
            profile_files: None,
            from_environment: false,
            access_key_id: text("access_key_id"),
            secret_access_key: text("secret_access_key"),
            session_token: text("session_token"),
            region: text("region").unwrap_or_else(|| "us-east-1".to_string()),
            path_style: flag("path_style").unwrap_or(endpoint.is_some()),
            endpoint,
            allow_http,
            skip_signature: flag("skip_signature").unwrap_or(false),
            max_concurrency: count("max_concurrency", 32).max(1),
            max_retries: count("max_retries", 10),
            retry_timeout: duration("retry_timeout", Duration::from_secs(180)),
            backoff_initial: duration("backoff_initial", Duration::from_millis(100)),
            backoff_max: duration("backoff_max", Duration::from_secs(15)),
            connect_timeout: duration("connect_timeout", Duration::from_secs(5)),
            request_timeout: duration("request_timeout", Duration::from_secs(30)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn layers_and_profiles_resolve_per_bucket() {
        let dir = tempfile::tempdir().unwrap();
        let credentials = write(
            dir.path(),
            "credentials",
            "[default]\naws_access_key_id = DEF\naws_secret_access_key = defsecret\n\
             [analytics]\naws_access_key_id = ANA\naws_secret_access_key = anasecret\n",
        );
        let config_file = write(
            dir.path(),
            "config",
            "[default]\nregion = eu-west-1\n[profile analytics]\nregion = ap-south-1\n",
        );
        let ini = write(
            dir.path(),
            "s3.ini",
            "[default]\nendpoint = http://127.0.0.1:9000\nallow_http = true\n\
             [bucket team-lake]\nprofile = analytics\nmax_retries = 2\n",
        );
        let mut config = S3Config::empty();
        config.aws_files = AwsFiles {
            credentials,
            config: config_file,
        };
        config.load_file(&ini).unwrap();

        let plain = config.options("other-bucket").unwrap();
        assert_eq!(plain.access_key_id.as_deref(), Some("DEF"));
        assert_eq!(plain.region, "eu-west-1");
        assert!(plain.path_style && plain.allow_http);
        assert_eq!(plain.max_retries, 10);

        let team = config.options("team-lake").unwrap();
        assert_eq!(team.access_key_id.as_deref(), Some("ANA"));
        // A session token from another layer does not ride along with other keys.
        config.env.insert(
            "session_token",
            ("tok".into(), Source::Env("AWS_SESSION_TOKEN")),
        );
        assert!(config.options("team-lake").unwrap().session_token.is_none());
        config.env.remove("session_token");
        assert_eq!(team.region, "ap-south-1");
        assert_eq!(team.max_retries, 2);

        config
            .set(Some("team-lake"), "REGION", "us-west-2")
            .unwrap();
        config.set(None, "max_retries", "4").unwrap();
        assert_eq!(config.options("team-lake").unwrap().region, "us-west-2");
        assert_eq!(config.options("team-lake").unwrap().max_retries, 2);
        assert_eq!(config.options("x-bucket").unwrap().max_retries, 4);

        let rows = config.describe().unwrap();
        assert!(
            rows.iter()
                .any(|r| r[1] == "secret_access_key" && r[2] == "****")
        );
        assert!(!format!("{rows:?}").contains("secret\""));
        assert!(!format!("{rows:?}").contains("anasecret"));
    }

    #[test]
    fn profiles_bring_services_endpoints_and_credential_providers() {
        let dir = tempfile::tempdir().unwrap();
        let config_file = write(
            dir.path(),
            "config",
            "[profile lake]\nregion = eu-north-1\nservices = local\n\
             credential_process = /bin/false\n\
             [services local]\ns3 =\n  endpoint_url = http://127.0.0.1:9000\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n\
             [sso-session corp]\nsso_start_url = https://x\nsso_region = us-east-1\n",
        );
        let mut config = S3Config::empty();
        config.aws_files = AwsFiles {
            credentials: dir.path().join("missing-credentials"),
            config: config_file,
        };
        config.set(Some("lake"), "profile", "lake").unwrap();
        config.set(Some("lake"), "allow_http", "true").unwrap();
        config.set(Some("sso-lake"), "profile", "sso").unwrap();
        let lake = config.options("lake").unwrap();
        assert_eq!(lake.region, "eu-north-1");
        assert_eq!(lake.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(lake.profile_credentials.as_deref(), Some("lake"));
        assert!(lake.access_key_id.is_none() && lake.from_environment);
        assert_eq!(
            config
                .options("sso-lake")
                .unwrap()
                .profile_credentials
                .as_deref(),
            Some("sso")
        );
        // Keys set later replace the profile's way of getting credentials.
        config.set(Some("lake"), "access_key_id", "AKID").unwrap();
        assert!(
            config
                .options("lake")
                .unwrap()
                .profile_credentials
                .is_none()
        );
        let rows = config.describe().unwrap();
        let shown: Vec<String> = rows.iter().map(|r| r.join("|")).collect();
        assert!(
            shown
                .iter()
                .any(|r| r == "bucket sso-lake|credentials|profile sso via sso|profile sso"),
            "{shown:?}"
        );
        let e = {
            config.set(Some("other"), "profile", "nope").unwrap();
            config.options("other").unwrap_err().to_string()
        };
        assert!(e.contains("AWS profile 'nope'"), "{e}");
    }

    #[test]
    fn bad_settings_are_named() {
        let mut config = S3Config::empty();
        let e = config.set(None, "regoin", "x").unwrap_err().to_string();
        assert!(e.contains("unknown S3 setting 'regoin'"), "{e}");
        let e = config
            .set(None, "max_retries", "many")
            .unwrap_err()
            .to_string();
        assert!(e.contains("max_retries") && e.contains("'many'"), "{e}");
        let e = config
            .set(None, "secret_access_key", "")
            .map(|_| ())
            .and_then(|_| config.set(Some("Bad_Bucket"), "region", "x").map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("'Bad_Bucket'"), "{e}");
        config.set(None, "endpoint", "http://127.0.0.1:1").unwrap();
        let e = config.options("lake").unwrap_err().to_string();
        assert!(e.contains("allow_http"), "{e}");
        assert!(
            check_bucket("AKIA:secret@bucket")
                .unwrap_err()
                .to_string()
                .contains("<redacted>")
        );
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("soon"), None);
        assert!(mentions_secret("SET s3.Secret_Access_Key = 'x'"));
        assert!(!mentions_secret("SET s3.region = 'x'"));
    }
}

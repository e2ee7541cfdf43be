//! `glue://[CATALOG_ID][?region=…&profile=…&endpoint=…&statistics=…&cache_ttl=…&pushdown=…]`: which Glue
//! Data Catalog a session uses, and how to reach it.

use std::path::PathBuf;

use url::Url;

use crate::error::{LakeError, Result};
use crate::storage::s3_config::parse_duration;

/// The scheme that selects the Glue backend for `--catalog` / `LAKESQL_CATALOG`.
pub const SCHEME: &str = "glue://";

/// A parsed `glue://` catalog address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlueConfig {
    /// The account whose catalog to use (`None`: the caller's own).
    pub catalog_id: Option<String>,
    /// The region (`None`: as the AWS SDKs resolve it).
    pub region: Option<String>,
    /// The AWS profile (`None`: `AWS_PROFILE`, else `default`).
    pub profile: Option<String>,
    /// The endpoint (`None`: `AWS_ENDPOINT_URL_GLUE`, `AWS_ENDPOINT_URL`, the profile's,
    /// else Glue's public endpoint for the region).
    pub endpoint: Option<String>,
    /// The SQLite file holding `ANALYZE` statistics for this catalog (`None`: the
    /// per-user data directory's, named after the catalog and region).
    pub statistics: Option<PathBuf>,
    /// Whether a query's partition filter is sent to Glue as the `GetPartitions`
    /// `Expression` (`pushdown=off` lists every partition and filters them locally).
    pub pushdown: bool,
    /// How long table definitions and partition listings are reused (`cache_ttl=30s`;
    /// 0 turns the cache off).
    pub cache_ttl: std::time::Duration,
    /// Static keys to use instead of the AWS credential chain (embedders and tests; not
    /// settable in the address, so keys never appear in a command line).
    pub credentials: Option<StaticKeys>,
}

/// An access key id and its secret; `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl From<(String, String)> for StaticKeys {
    fn from((access_key_id, secret_access_key): (String, String)) -> Self {
        StaticKeys {
            access_key_id,
            secret_access_key,
        }
    }
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StaticKeys({}, ****)", self.access_key_id)
    }
}

impl Default for GlueConfig {
    fn default() -> Self {
        GlueConfig {
            catalog_id: None,
            region: None,
            profile: None,
            endpoint: None,
            statistics: None,
            pushdown: true,
            cache_ttl: super::cache::DEFAULT_TTL,
            credentials: None,
        }
    }
}

impl GlueConfig {
    /// Whether `text` names a Glue catalog.
    pub fn is_glue(text: &str) -> bool {
        text.starts_with(SCHEME)
    }

    /// Parses `glue://…`; each error names the part that is wrong.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |why: String| LakeError::invalid(format!("catalog address {text}: {why}"));
        let url = Url::parse(text).map_err(|e| bad(e.to_string()))?;
        if url.scheme() != "glue" {
            return Err(bad("the scheme must be glue://".into()));
        }
        let id = url.host_str().unwrap_or("").to_string();
        if !id.is_empty() && !id.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad(format!(
                "'{id}' is not a catalog id (an AWS account number)"
            )));
        }
        if !url.path().is_empty() && url.path() != "/" {
            return Err(bad(format!("unexpected path {}", url.path())));
        }
        let mut config = GlueConfig {
            catalog_id: Some(id).filter(|id| !id.is_empty()),
            ..GlueConfig::default()
        };
        for (key, value) in url.query_pairs() {
            let value = value.trim().to_string();
            if value.is_empty() {
                return Err(bad(format!("{key} has no value")));
            }
            match key.as_ref() {
                "region" => config.region = Some(value),
                "profile" => config.profile = Some(value),
                "endpoint" => config.endpoint = Some(value),
                "statistics" => config.statistics = Some(PathBuf::from(value)),
                "pushdown" => {
                    config.pushdown = match value.to_lowercase().as_str() {
                        "on" | "true" => true,
                        "off" | "false" => false,
                        _ => return Err(bad(format!("pushdown '{value}' must be on or off"))),
                    };
                }
                "cache_ttl" => {
                    config.cache_ttl = parse_duration(&value).ok_or_else(|| {
                        bad(format!(
                            "cache_ttl '{value}' is not a duration (30s, 2m, 0)"
                        ))
                    })?;
                }
                other => {
                    return Err(bad(format!(
                        "unknown setting '{other}' (known: region, profile, endpoint, \
                         statistics, cache_ttl, pushdown)"
                    )));
                }
            }
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_setting() {
        let c = GlueConfig::parse(
            "glue://123456789012?region=eu-west-1&profile=analytics&endpoint=http://127.0.0.1:5000",
        )
        .unwrap();
        assert_eq!(c.catalog_id.as_deref(), Some("123456789012"));
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.profile.as_deref(), Some("analytics"));
        assert_eq!(c.endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(GlueConfig::parse("glue://").unwrap(), GlueConfig::default());
    }

    #[test]
    fn errors_name_the_part() {
        let e = GlueConfig::parse("glue://?regoin=x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown setting 'regoin'"), "{e}");
        let e = GlueConfig::parse("glue://mycatalog")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'mycatalog' is not a catalog id"), "{e}");
        let e = GlueConfig::parse("glue://?region=")
            .unwrap_err()
            .to_string();
        assert!(e.contains("region has no value"), "{e}");
    }
}

//! Table and partition locations: normalising what users write, and splitting a stored
//! location into the object store it lives in and the path inside that store.

use std::path::{Component, Path as FsPath, PathBuf};

use datafusion::execution::object_store::ObjectStoreUrl;
use object_store::path::Path;

use crate::error::{LakeError, Result};

/// Turns a user-written location into the absolute URL the catalog stores:
/// relative and absolute local paths become `file:///abs/path`, `file://` URLs are
/// normalised, `s3://` (and Hadoop's `s3a://`/`s3n://`) become `s3://bucket/key`.
///
/// As in Glue, the path part is kept literally (no percent-decoding): a folder named
/// `dt=10%3A00` (Hive's escape for `10:00`) is written and stored as is.
pub fn normalize_location(location: &str, base_dir: &FsPath) -> Result<String> {
    let trimmed = location.trim();
    if trimmed.is_empty() {
        return Err(LakeError::invalid("LOCATION must not be empty"));
    }
    let directory = trimmed.ends_with('/');
    if let Some((scheme, rest)) = trimmed.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "s3" | "s3a" | "s3n" => {
                let bucket = rest.split('/').next().unwrap_or("");
                if bucket.is_empty() {
                    return Err(LakeError::invalid(format!(
                        "LOCATION '{location}' has no bucket name"
                    )));
                }
                // Also refuses `s3://KEY:SECRET@bucket/`, without echoing it.
                super::s3_config::check_bucket(bucket)?;
                let normalized = format!("s3://{rest}");
                LocationUrl::parse(&normalized)?;
                Ok(normalized)
            }
            "file" => {
                if !rest.starts_with('/') {
                    return Err(LakeError::invalid(format!(
                        "LOCATION '{location}' must be an absolute file URL (file:///path)"
                    )));
                }
                Ok(file_url(&lexically_normal(FsPath::new(rest)), directory))
            }
            other => Err(LakeError::unsupported(format!(
                "LOCATION '{location}': scheme '{other}' is not supported (use a local path, \
                 file:// or s3://)"
            ))),
        };
    }
    let path = FsPath::new(trimmed);
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base_dir.join(path)
    };
    Ok(file_url(&lexically_normal(&absolute), directory))
}

fn file_url(path: &FsPath, directory: bool) -> String {
    let text = path.to_string_lossy();
    let text = text.trim_end_matches('/');
    if directory {
        format!("file://{text}/")
    } else {
        format!("file://{text}")
    }
}

/// Removes `.` and `..` components without touching the file system.
fn lexically_normal(path: &FsPath) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// A stored location split into its store and the path inside it.
#[derive(Clone, Debug, PartialEq)]
pub struct LocationUrl {
    /// The object store (`file://`, `s3://bucket`).
    pub store: ObjectStoreUrl,
    /// The prefix inside the store (no leading or trailing `/`).
    pub prefix: Path,
}

impl LocationUrl {
    /// Parses a stored location (see [`normalize_location`]).
    pub fn parse(location: &str) -> Result<Self> {
        let invalid = |why: &str| LakeError::invalid(format!("location '{location}' {why}"));
        let (scheme, rest) = location
            .split_once("://")
            .ok_or_else(|| invalid("is not a URL"))?;
        let (store_url, key) = match scheme {
            "file" => ("file://".to_string(), rest),
            "s3" => {
                let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
                (format!("s3://{bucket}"), key)
            }
            _ => return Err(invalid("has an unsupported scheme")),
        };
        let store = ObjectStoreUrl::parse(&store_url)?;
        let prefix = Path::parse(key.trim_end_matches('/'))
            .map_err(|e| invalid(&format!("is not a valid path: {e}")))?;
        Ok(LocationUrl { store, prefix })
    }

    /// The local directory, for `file://` locations.
    pub fn local_path(&self) -> Option<PathBuf> {
        (self.store.as_str() == "file:///").then(|| PathBuf::from(format!("/{}", self.prefix)))
    }
}

/// The absolute URL of the object at `path` in the store at `store` (`s3://bucket/key`,
/// `file:///dir/file`): how a data file is named in `"$path"`, in file statistics and in
/// physical plans.
pub fn object_url(store: &ObjectStoreUrl, path: &Path) -> String {
    format!("{}{path}", store.as_str())
}

/// A child location: `<parent>/<segment>`, keeping the parent's form.
pub fn join_location(parent: &str, segment: &str) -> String {
    if parent.ends_with('/') {
        format!("{parent}{segment}")
    } else {
        format!("{parent}/{segment}")
    }
}

/// A folder location with exactly one trailing `/`.
pub fn normalize_dir(location: &str) -> String {
    format!("{}/", location.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_locations() {
        let base = FsPath::new("/work/lake");
        assert_eq!(
            normalize_location("data/../sales/", base).unwrap(),
            "file:///work/lake/sales/"
        );
        assert_eq!(
            normalize_location("/a b/c%3A", base).unwrap(),
            "file:///a b/c%3A"
        );
        assert_eq!(
            normalize_location("file:///x/./y", base).unwrap(),
            "file:///x/y"
        );
        assert_eq!(
            normalize_location("s3a://bkt/p/", base).unwrap(),
            "s3://bkt/p/"
        );
        assert!(normalize_location("s3:///p", base).is_err());
        assert!(normalize_location("s3://bkt/a//c/", base).is_err());
        assert!(normalize_location("s3://bkt/a/../c/", base).is_err());
        assert!(normalize_location("hdfs://nn/p", base).is_err());
        let e = normalize_location("s3://AKIA:hush@bkt/p/", base).unwrap_err();
        assert!(!e.to_string().contains("hush"), "{e}");
    }

    #[test]
    fn splits_store_and_prefix() {
        let l = LocationUrl::parse("file:///a b/c%3A/").unwrap();
        assert_eq!(l.store.as_str(), "file:///");
        assert_eq!(l.prefix.as_ref(), "a b/c%3A");
        assert_eq!(l.local_path().unwrap(), PathBuf::from("/a b/c%3A"));
        let l = LocationUrl::parse("s3://bkt/x/y=1/").unwrap();
        assert_eq!(l.store.as_str(), "s3://bkt/");
        assert_eq!(l.prefix.as_ref(), "x/y=1");
    }
}

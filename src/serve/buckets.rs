//! The server's buckets: folders under the data directory. `s3://BUCKET/KEY` is the
//! file `<data dir>/BUCKET/KEY`, whether it is reached over the S3 protocol (s3s-fs),
//! read by a query (the session's object stores map every bucket to its folder) or
//! written here (result files).

use std::path::{Path, PathBuf};

use crate::error::{LakeError, Result};

/// Buckets as folders of a root directory.
#[derive(Debug, Clone)]
pub struct Buckets {
    root: PathBuf,
}

impl Buckets {
    /// Buckets under `root` (which must exist).
    pub fn new(root: PathBuf) -> Self {
        Buckets { root }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Creates a bucket's folder if it is missing.
    pub fn ensure_bucket(&self, bucket: &str) -> Result<()> {
        let dir = self.root.join(bucket);
        std::fs::create_dir_all(&dir)
            .map_err(|e| LakeError::io(format!("cannot create bucket folder {}", dir.display()), e))
    }

    /// The file of an `s3://bucket/key` URI (keys with `..` or empty segments refused).
    pub fn path_of(&self, uri: &str) -> Result<PathBuf> {
        let rest = uri
            .strip_prefix("s3://")
            .ok_or_else(|| LakeError::invalid(format!("{uri} is not an s3:// location")))?;
        let (bucket, key) = rest
            .split_once('/')
            .ok_or_else(|| LakeError::invalid(format!("{uri} names no object")))?;
        if !s3s::path::check_bucket_name(bucket) {
            return Err(LakeError::invalid(format!(
                "{bucket} is not a valid bucket name"
            )));
        }
        let mut path = self.root.join(bucket);
        for segment in key.split('/') {
            if segment.is_empty() || segment == "." || segment == ".." {
                return Err(LakeError::invalid(format!(
                    "{uri} is not a valid object key"
                )));
            }
            path.push(segment);
        }
        Ok(path)
    }

    /// Writes an object whole (through a temporary file, so readers never see part).
    pub async fn write(&self, uri: &str, contents: &[u8]) -> Result<()> {
        let path = self.path_of(uri)?;
        let dir = path
            .parent()
            .ok_or_else(|| LakeError::internal("an object path without a folder"))?;
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| LakeError::io(format!("cannot create {}", dir.display()), e))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("object");
        let temp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&temp, contents)
            .await
            .map_err(|e| LakeError::io(format!("cannot write {}", temp.display()), e))?;
        tokio::fs::rename(&temp, &path)
            .await
            .map_err(|e| LakeError::io(format!("cannot write {}", path.display()), e))
    }

    /// Reads an object whole.
    pub async fn read(&self, uri: &str) -> Result<Vec<u8>> {
        let path = self.path_of(uri)?;
        tokio::fs::read(&path)
            .await
            .map_err(|e| LakeError::io(format!("cannot read {uri}"), e))
    }
}

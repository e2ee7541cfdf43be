//! Listing a location's data files, the way Hive and Athena read a folder: recursively,
//! skipping hidden files (any path component starting with `_` or `.`, such as
//! `_SUCCESS`, `_temporary/`, `.crc`) and S3 folder markers, and ignoring empty objects.

use std::sync::Arc;

use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use futures::TryStreamExt;
use object_store::{ObjectMeta, ObjectStore};

use crate::error::{ErrorCode, LakeError, Result};
use crate::storage::LocationUrl;

/// Whether a file at `relative` (below the listed location) holds table data.
pub fn is_data_file(relative: &str) -> bool {
    !relative.is_empty()
        && relative
            .split('/')
            .all(|part| !(part.starts_with('_') || part.starts_with('.')))
        && !relative.ends_with("$folder$")
}

/// Lists the data files under `location`, sorted by path. A location that does not exist
/// has no files.
pub async fn list_data_files(
    store: &Arc<dyn ObjectStore>,
    location: &LocationUrl,
) -> Result<Vec<ObjectMeta>> {
    let prefix = &location.prefix;
    let listed: Vec<ObjectMeta> = match store.list(Some(prefix)).try_collect().await {
        Ok(files) => files,
        Err(object_store::Error::NotFound { .. }) => Vec::new(),
        Err(e) => {
            return Err(LakeError::semantic(
                ErrorCode::HiveFilesystemError,
                format!("cannot list {}{prefix}: {e}", location.store.as_str()),
            ));
        }
    };
    let skip = prefix.as_ref().len() + usize::from(!prefix.as_ref().is_empty());
    let mut files: Vec<ObjectMeta> = listed
        .into_iter()
        .filter(|meta| {
            meta.size > 0 && meta.location.as_ref().get(skip..).is_some_and(is_data_file)
        })
        .collect();
    files.sort_unstable_by(|a, b| a.location.cmp(&b.location));
    Ok(files)
}

/// The compression of a text file, from its extension (`.gz`, `.bz2`, `.zst`, `.xz`).
/// `.lz4`, `.snappy` and `.deflate` files are recognised but cannot be read.
pub fn text_compression(path: &str) -> Result<FileCompressionType> {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    Ok(match ext.as_deref() {
        Some("gz") | Some("gzip") => FileCompressionType::GZIP,
        Some("bz2") => FileCompressionType::BZIP2,
        Some("zst") | Some("zstd") => FileCompressionType::ZSTD,
        Some("xz") => FileCompressionType::XZ,
        Some(e @ ("lz4" | "snappy" | "deflate")) => {
            return Err(LakeError::unsupported(format!(
                "file {path}: .{e} compressed text files cannot be read (supported: .gz, .bz2, \
                 .zst, .xz)"
            )));
        }
        _ => FileCompressionType::UNCOMPRESSED,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_files_are_skipped() {
        assert!(is_data_file("part-0.parquet"));
        assert!(is_data_file("sub/part-0.csv.gz"));
        assert!(!is_data_file("_SUCCESS"));
        assert!(!is_data_file(".part-0.crc"));
        assert!(!is_data_file("_temporary/0/part-0"));
        assert!(!is_data_file("x_$folder$"));
    }

    #[test]
    fn compression_from_extension() {
        assert_eq!(
            text_compression("a.csv.gz").unwrap(),
            FileCompressionType::GZIP
        );
        assert_eq!(
            text_compression("a.csv").unwrap(),
            FileCompressionType::UNCOMPRESSED
        );
        assert!(text_compression("a.snappy").is_err());
    }
}

//! The object store a checked scan reads through: every whole-file read is handed to
//! the scan's [`WholeFileCheck`] before the decoder sees it; ranged reads and HEADs pass
//! through.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::execution::object_store::ObjectStoreUrl;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

use crate::error::{ErrorCode, LakeError};
use crate::storage::location::object_url;

/// A check of whole files as they are read.
#[async_trait]
pub trait WholeFileCheck: Send + Sync + fmt::Debug {
    /// `result` (a whole file, `file` its URL for messages), checked or transformed;
    /// ready to be read from its start. A damaged file is [`damaged`]'s error.
    async fn check(&self, file: String, result: GetResult) -> Result<GetResult>;
}

/// The error of a file a check refuses: `HIVE_BAD_DATA` naming the file.
pub fn damaged(file: &str, why: impl fmt::Display) -> object_store::Error {
    let error = LakeError::semantic(ErrorCode::HiveBadData, format!("{file}: {why}"));
    object_store::Error::Generic {
        store: "lakesql",
        source: Box::new(error),
    }
}

/// `inner`, with whole-file reads checked.
#[derive(Debug)]
pub struct CheckedStore {
    inner: Arc<dyn ObjectStore>,
    url: ObjectStoreUrl,
    check: Arc<dyn WholeFileCheck>,
}

impl CheckedStore {
    /// Wraps the store `url` names.
    pub fn new(
        inner: Arc<dyn ObjectStore>,
        url: ObjectStoreUrl,
        check: Arc<dyn WholeFileCheck>,
    ) -> Self {
        CheckedStore { inner, url, check }
    }
}

/// An I/O failure inside a check.
pub fn generic(message: String) -> object_store::Error {
    object_store::Error::Generic {
        store: "lakesql",
        source: message.into(),
    }
}

impl fmt::Display for CheckedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checked({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CheckedStore {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let whole = options.range.is_none() && !options.head;
        let result = self.inner.get_opts(location, options).await?;
        if whole {
            let file = object_url(&self.url, location);
            self.check.check(file, result).await
        } else {
            Ok(result)
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

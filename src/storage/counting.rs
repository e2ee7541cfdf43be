//! A wrapper store that counts requests and bytes.
//!
//! Counters are plain atomics shared with the session, which snapshots them before and
//! after each statement. Ranged reads go through the default `get_ranges`, so each range
//! request the engine issues is counted as the GET it would be on S3.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use futures::stream::BoxStream;
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// Request counters shared by all the stores of a session.
#[derive(Debug, Default)]
pub struct RequestCounters {
    list: AtomicU64,
    get: AtomicU64,
    head: AtomicU64,
    bytes: AtomicU64,
}

/// A point-in-time copy of [`RequestCounters`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestSnapshot {
    /// LIST requests (recursive or delimiter listings).
    pub list: u64,
    /// GET requests, whole or ranged.
    pub get: u64,
    /// HEAD requests.
    pub head: u64,
    /// Bytes returned by GET requests.
    pub bytes: u64,
}

impl RequestCounters {
    /// The current counts.
    pub fn snapshot(&self) -> RequestSnapshot {
        RequestSnapshot {
            list: self.list.load(Ordering::Relaxed),
            get: self.get.load(Ordering::Relaxed),
            head: self.head.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }
}

impl std::ops::Sub for RequestSnapshot {
    type Output = RequestSnapshot;

    fn sub(self, before: RequestSnapshot) -> RequestSnapshot {
        RequestSnapshot {
            list: self.list - before.list,
            get: self.get - before.get,
            head: self.head - before.head,
            bytes: self.bytes - before.bytes,
        }
    }
}

/// An [`ObjectStore`] that counts what passes through it.
#[derive(Debug)]
pub struct CountingStore {
    inner: Arc<dyn ObjectStore>,
    counters: Arc<RequestCounters>,
}

impl CountingStore {
    /// Wraps `inner`, counting into `counters`.
    pub fn new(inner: Arc<dyn ObjectStore>, counters: Arc<RequestCounters>) -> Self {
        CountingStore { inner, counters }
    }
}

impl fmt::Display for CountingStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Counting({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for CountingStore {
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
        let head = options.head;
        let result = self.inner.get_opts(location, options).await?;
        if head {
            self.counters.head.fetch_add(1, Ordering::Relaxed);
        } else {
            self.counters.get.fetch_add(1, Ordering::Relaxed);
            self.counters
                .bytes
                .fetch_add(result.range.end - result.range.start, Ordering::Relaxed);
        }
        Ok(result)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        self.counters.list.fetch_add(1, Ordering::Relaxed);
        self.inner.list(prefix)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        self.counters.list.fetch_add(1, Ordering::Relaxed);
        self.inner.list_with_offset(prefix, offset)
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.counters.list.fetch_add(1, Ordering::Relaxed);
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn counts_requests_and_bytes() {
        let counters = Arc::new(RequestCounters::default());
        let store = CountingStore::new(Arc::new(InMemory::new()), counters.clone());
        let path = Path::from("a/b.txt");
        store
            .put(&path, PutPayload::from_static(b"hello world"))
            .await
            .unwrap();
        let before = counters.snapshot();
        store.get_range(&path, 0..5).await.unwrap();
        store.get(&path).await.unwrap();
        store.head(&path).await.unwrap();
        let listed: Vec<_> = store
            .list(Some(&Path::from("a")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 1);
        let d = counters.snapshot() - before;
        assert_eq!(
            d,
            RequestSnapshot {
                list: 1,
                get: 2,
                head: 1,
                bytes: 16
            }
        );
    }
}

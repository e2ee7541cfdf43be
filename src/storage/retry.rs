//! Retries for what object_store's own retry loop does not cover.
//!
//! object_store retries each HTTP request (5xx, 429, timeouts, refused or reset
//! connections) and re-requests a GET whose body breaks off. A LIST whose response body
//! breaks off, or arrives truncated and fails to decode, is returned as an error at once.
//! [`RetryStore`] retries those: listings are restarted after the last key already
//! returned (S3 lists in key order, so nothing is yielded twice), delimiter listings and
//! HEAD requests are repeated. Errors that already went through the request retry loop
//! (their text says `Error performing …`) and client errors (not found, denied, …) are
//! returned as they are, so the total number of attempts stays bounded.
//!
//! Deletes are retried whatever the error: S3 deletes objects with a POST, which
//! object_store does not repeat after a broken connection, and deleting is idempotent.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, Error, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta,
    ObjectStore, PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub retries: usize,
    /// Delay before the first retry; doubled each time up to `max_backoff`.
    pub backoff: Duration,
    /// Longest delay.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    fn delay(&self, attempt: usize) -> Duration {
        let factor = 1u32 << attempt.min(16);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Whether an error is a broken or garbled response that a new request may fix.
fn is_transient(error: &Error) -> bool {
    match error {
        Error::Generic { .. } => {
            let text = error.to_string();
            !text.contains("Error performing")
        }
        _ => false,
    }
}

/// The last error, saying that retrying did not help.
fn exhausted(error: Error, retries: usize) -> Error {
    match error {
        Error::Generic { store, source }
            if retries > 0 && !source.to_string().contains("Error performing") =>
        {
            Error::Generic {
                store,
                source: format!("{source} (still failing after {retries} retries)").into(),
            }
        }
        other => other,
    }
}

/// An [`ObjectStore`] that retries broken listing and HEAD responses.
#[derive(Debug)]
pub struct RetryStore {
    inner: Arc<dyn ObjectStore>,
    policy: RetryPolicy,
}

impl RetryStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn ObjectStore>, policy: RetryPolicy) -> Self {
        RetryStore { inner, policy }
    }
}

impl fmt::Display for RetryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Retry({})", self.inner)
    }
}

/// State of a listing that restarts after its last yielded key.
struct Listing {
    inner: Arc<dyn ObjectStore>,
    prefix: Option<Path>,
    last: Option<Path>,
    stream: BoxStream<'static, Result<ObjectMeta>>,
    attempt: usize,
    policy: RetryPolicy,
}

fn restartable_list(
    inner: Arc<dyn ObjectStore>,
    prefix: Option<Path>,
    offset: Option<Path>,
    policy: RetryPolicy,
) -> BoxStream<'static, Result<ObjectMeta>> {
    let stream = match &offset {
        Some(o) => inner.list_with_offset(prefix.as_ref(), o),
        None => inner.list(prefix.as_ref()),
    };
    let state = Listing {
        inner,
        prefix,
        last: offset,
        stream,
        attempt: 0,
        policy,
    };
    futures::stream::unfold(Some(state), |state| async move {
        let mut s = state?;
        loop {
            match s.stream.next().await {
                None => return None,
                Some(Ok(meta)) => {
                    s.last = Some(meta.location.clone());
                    return Some((Ok(meta), Some(s)));
                }
                Some(Err(e)) if is_transient(&e) && s.attempt < s.policy.retries => {
                    tokio::time::sleep(s.policy.delay(s.attempt)).await;
                    s.attempt += 1;
                    s.stream = match &s.last {
                        Some(o) => s.inner.list_with_offset(s.prefix.as_ref(), o),
                        None => s.inner.list(s.prefix.as_ref()),
                    };
                }
                Some(Err(e)) => return Some((Err(exhausted(e, s.attempt)), None)),
            }
        }
    })
    .boxed()
}

/// Deletes one object, retrying failed attempts (see the module documentation).
async fn delete_one(
    inner: Arc<dyn ObjectStore>,
    policy: RetryPolicy,
    location: Result<Path>,
) -> Result<Path> {
    let path = location?;
    let mut attempt = 0;
    loop {
        let once = futures::stream::iter([Ok(path.clone())]).boxed();
        let result = inner.delete_stream(once).next().await;
        match result.unwrap_or(Ok(path.clone())) {
            Err(e) if !matches!(e, Error::NotFound { .. }) && attempt < policy.retries => {
                tokio::time::sleep(policy.delay(attempt)).await;
                attempt += 1;
            }
            Err(Error::NotFound { .. }) => return Ok(path),
            other => return other.map_err(|e| exhausted(e, attempt)),
        }
    }
}

#[async_trait]
impl ObjectStore for RetryStore {
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
        let mut attempt = 0;
        loop {
            match self.inner.get_opts(location, options.clone()).await {
                Err(e) if is_transient(&e) && attempt < self.policy.retries => {
                    tokio::time::sleep(self.policy.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other.map_err(|e| exhausted(e, attempt)),
            }
        }
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        let (inner, policy) = (self.inner.clone(), self.policy);
        locations
            .map(move |location| delete_one(inner.clone(), policy, location))
            .buffered(8)
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        restartable_list(self.inner.clone(), prefix.cloned(), None, self.policy)
    }

    fn list_with_offset(
        &self,
        prefix: Option<&Path>,
        offset: &Path,
    ) -> BoxStream<'static, Result<ObjectMeta>> {
        restartable_list(
            self.inner.clone(),
            prefix.cloned(),
            Some(offset.clone()),
            self.policy,
        )
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let mut attempt = 0;
        loop {
            match self.inner.list_with_delimiter(prefix).await {
                Err(e) if is_transient(&e) && attempt < self.policy.retries => {
                    tokio::time::sleep(self.policy.delay(attempt)).await;
                    attempt += 1;
                }
                other => return other.map_err(|e| exhausted(e, attempt)),
            }
        }
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Breaks every listing after `after` items, `failures` times in all.
    #[derive(Debug)]
    struct Flaky {
        inner: InMemory,
        failures: AtomicUsize,
        after: usize,
    }

    impl fmt::Display for Flaky {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Flaky")
        }
    }

    fn broken() -> Error {
        Error::Generic {
            store: "S3",
            source: "Error getting list response body: connection reset".into(),
        }
    }

    #[async_trait]
    impl ObjectStore for Flaky {
        async fn put_opts(&self, l: &Path, p: PutPayload, o: PutOptions) -> Result<PutResult> {
            self.inner.put_opts(l, p, o).await
        }
        async fn put_multipart_opts(
            &self,
            l: &Path,
            o: PutMultipartOptions,
        ) -> Result<Box<dyn MultipartUpload>> {
            self.inner.put_multipart_opts(l, o).await
        }
        async fn get_opts(&self, l: &Path, o: GetOptions) -> Result<GetResult> {
            self.inner.get_opts(l, o).await
        }
        fn delete_stream(
            &self,
            l: BoxStream<'static, Result<Path>>,
        ) -> BoxStream<'static, Result<Path>> {
            self.inner.delete_stream(l)
        }
        fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
            let fail = self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            let items = self.inner.list(prefix).take(self.after);
            if fail {
                items
                    .chain(futures::stream::once(async { Err(broken()) }))
                    .boxed()
            } else {
                self.inner.list(prefix)
            }
        }
        async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
            if self
                .failures
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
            {
                return Err(broken());
            }
            self.inner.list_with_delimiter(prefix).await
        }
        async fn copy_opts(&self, f: &Path, t: &Path, o: CopyOptions) -> Result<()> {
            self.inner.copy_opts(f, t, o).await
        }
    }

    async fn flaky(failures: usize) -> Arc<Flaky> {
        let store = Flaky {
            inner: InMemory::new(),
            failures: AtomicUsize::new(0),
            after: 2,
        };
        for i in 0..5 {
            store
                .put(
                    &Path::from(format!("t/f{i}")),
                    PutPayload::from_static(b"x"),
                )
                .await
                .unwrap();
        }
        store.failures.store(failures, Ordering::SeqCst);
        Arc::new(store)
    }

    const POLICY: RetryPolicy = RetryPolicy {
        retries: 3,
        backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(4),
    };

    #[tokio::test]
    async fn broken_listings_resume_after_the_last_key() {
        let store = RetryStore::new(flaky(2).await, POLICY);
        let listed: Vec<String> = store
            .list(Some(&Path::from("t")))
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        assert_eq!(listed, ["t/f0", "t/f1", "t/f2", "t/f3", "t/f4"]);
        let listed = store.list_with_delimiter(Some(&Path::from("t"))).await;
        assert_eq!(listed.unwrap().objects.len(), 5);
    }

    #[tokio::test]
    async fn retries_are_bounded() {
        let store = RetryStore::new(flaky(10).await, POLICY);
        let listed: Result<Vec<ObjectMeta>> = store.list(None).try_collect().await;
        let error = listed.unwrap_err().to_string();
        assert!(
            error.contains("list response body") && error.contains("after 3 retries"),
            "{error}"
        );
        assert!(store.list_with_delimiter(None).await.is_err());
    }
}

//! The object store behind the S3 protocol: s3s-fs, with listings completed the way S3
//! completes them. s3s-fs leaves `ETag` out of `ListObjects`/`ListObjectsV2` entries,
//! while S3 always sends it and clients key on it (sync tools, dbt's and awswrangler's
//! copy checks, tests comparing listings before and after a write). Every other
//! operation goes to s3s-fs unchanged.

use s3s::dto::{
    AbortMultipartUploadInput, AbortMultipartUploadOutput, CompleteMultipartUploadInput,
    CompleteMultipartUploadOutput, CopyObjectInput, CopyObjectOutput, CreateBucketInput,
    CreateBucketOutput, CreateMultipartUploadInput, CreateMultipartUploadOutput, DeleteBucketInput,
    DeleteBucketOutput, DeleteObjectInput, DeleteObjectOutput, DeleteObjectsInput,
    DeleteObjectsOutput, GetBucketLocationInput, GetBucketLocationOutput, GetObjectInput,
    GetObjectOutput, HeadBucketInput, HeadBucketOutput, HeadObjectInput, HeadObjectOutput,
    ListBucketsInput, ListBucketsOutput, ListObjectsInput, ListObjectsOutput, ListObjectsV2Input,
    ListObjectsV2Output, ListPartsInput, ListPartsOutput, Object, PutObjectInput, PutObjectOutput,
    UploadPartCopyInput, UploadPartCopyOutput, UploadPartInput, UploadPartOutput,
};
use s3s::{S3, S3Request, S3Response, S3Result};

/// s3s-fs with S3's listing fields filled in.
pub struct Objects {
    fs: s3s_fs::FileSystem,
}

impl Objects {
    /// Serves the objects `fs` stores.
    pub fn new(fs: s3s_fs::FileSystem) -> Self {
        Self { fs }
    }

    /// Fills each listed object's `ETag` with the one `HeadObject` reports for it: the
    /// stored one for objects written through S3, the MD5 of the content for files
    /// written to the data directory directly (CTAS, INSERT, copied-in lakes).
    async fn with_etags<T>(&self, req: &S3Request<T>, bucket: &str, objects: &mut [Object]) {
        for object in objects.iter_mut().filter(|o| o.e_tag.is_none()) {
            let Some(key) = object.key.clone() else {
                continue;
            };
            let head = HeadObjectInput {
                bucket: bucket.to_string(),
                key,
                ..Default::default()
            };
            let request = S3Request {
                input: head,
                method: req.method.clone(),
                uri: req.uri.clone(),
                headers: Default::default(),
                extensions: Default::default(),
                credentials: req.credentials.clone(),
                region: req.region.clone(),
                service: req.service.clone(),
                trailing_headers: None,
            };
            // An object removed between the listing and this lookup keeps no ETag,
            // as it would have had no entry a moment later.
            if let Ok(response) = self.fs.head_object(request).await {
                object.e_tag = response.output.e_tag;
            }
        }
    }
}

/// Implements `S3` for `Objects`: the listed operations go to s3s-fs unchanged, the
/// items after them are written out. (One macro around the whole impl, so that
/// `async_trait` sees the forwarded methods.)
macro_rules! s3_impl {
    ({$($name:ident($input:ty) -> $output:ty;)*} $($own:item)*) => {
        #[async_trait::async_trait]
        impl S3 for Objects {
            $(
                async fn $name(&self, req: S3Request<$input>) -> S3Result<S3Response<$output>> {
                    self.fs.$name(req).await
                }
            )*
            $($own)*
        }
    };
}

s3_impl! {
    {
        abort_multipart_upload(AbortMultipartUploadInput) -> AbortMultipartUploadOutput;
        complete_multipart_upload(CompleteMultipartUploadInput) -> CompleteMultipartUploadOutput;
        copy_object(CopyObjectInput) -> CopyObjectOutput;
        create_bucket(CreateBucketInput) -> CreateBucketOutput;
        create_multipart_upload(CreateMultipartUploadInput) -> CreateMultipartUploadOutput;
        delete_bucket(DeleteBucketInput) -> DeleteBucketOutput;
        delete_object(DeleteObjectInput) -> DeleteObjectOutput;
        delete_objects(DeleteObjectsInput) -> DeleteObjectsOutput;
        get_bucket_location(GetBucketLocationInput) -> GetBucketLocationOutput;
        get_object(GetObjectInput) -> GetObjectOutput;
        head_bucket(HeadBucketInput) -> HeadBucketOutput;
        head_object(HeadObjectInput) -> HeadObjectOutput;
        list_buckets(ListBucketsInput) -> ListBucketsOutput;
        list_parts(ListPartsInput) -> ListPartsOutput;
        put_object(PutObjectInput) -> PutObjectOutput;
        upload_part(UploadPartInput) -> UploadPartOutput;
        upload_part_copy(UploadPartCopyInput) -> UploadPartCopyOutput;
    }

    async fn list_objects(
        &self,
        req: S3Request<ListObjectsInput>,
    ) -> S3Result<S3Response<ListObjectsOutput>> {
        let bucket = req.input.bucket.clone();
        let context = req.clone();
        let mut response = self.fs.list_objects(req).await?;
        if let Some(objects) = response.output.contents.as_mut() {
            self.with_etags(&context, &bucket, objects).await;
        }
        Ok(response)
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        let bucket = req.input.bucket.clone();
        let context = req.clone();
        let mut response = self.fs.list_objects_v2(req).await?;
        if let Some(objects) = response.output.contents.as_mut() {
            self.with_etags(&context, &bucket, objects).await;
        }
        Ok(response)
    }
}

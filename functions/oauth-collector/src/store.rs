//! Where tokens are kept: S3 objects encrypted with SSE-KMS.

use std::future::Future;
use std::pin::Pin;

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;

/// A boxed future, so the store and notifier traits can be used as trait objects.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a token object could not be read, written or deleted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {reason}")]
pub struct StorageError {
    /// What failed (`GetObject`, `PutObject`, …).
    pub operation: &'static str,
    /// Why (the SDK's error with its causes).
    pub reason: String,
}

impl StorageError {
    fn new(operation: &'static str, reason: impl std::fmt::Display) -> Self {
        Self {
            operation,
            reason: reason.to_string(),
        }
    }
}

/// Object storage for token documents.
pub trait TokenStore: Send + Sync {
    /// The object under `key`, `None` when there is none.
    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Vec<u8>>, StorageError>>;
    /// Writes `body` (JSON) under `key`.
    fn put(&self, key: &str, body: Vec<u8>) -> BoxFuture<'_, Result<(), StorageError>>;
    /// Deletes `key` (no error when it is absent).
    fn delete(&self, key: &str) -> BoxFuture<'_, Result<(), StorageError>>;
}

/// [`TokenStore`] over an S3 bucket, every object written with SSE-KMS under one key.
#[derive(Debug, Clone)]
pub struct S3TokenStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    kms_key_id: String,
}

impl S3TokenStore {
    /// A store in `bucket`, encrypting with the KMS key `kms_key_id` (id or ARN).
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        kms_key_id: impl Into<String>,
    ) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            kms_key_id: kms_key_id.into(),
        }
    }
}

impl TokenStore for S3TokenStore {
    fn get(&self, key: &str) -> BoxFuture<'_, Result<Option<Vec<u8>>, StorageError>> {
        let request = self.client.get_object().bucket(&self.bucket).key(key);
        Box::pin(async move {
            match request.send().await {
                Ok(out) => out
                    .body
                    .collect()
                    .await
                    .map(|b| Some(b.to_vec()))
                    .map_err(|e| StorageError::new("reading the object", e)),
                Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => Ok(None),
                Err(err) => Err(StorageError::new("GetObject", DisplayErrorContext(err))),
            }
        })
    }

    fn put(&self, key: &str, body: Vec<u8>) -> BoxFuture<'_, Result<(), StorageError>> {
        let request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .server_side_encryption(ServerSideEncryption::AwsKms)
            .ssekms_key_id(&self.kms_key_id)
            .bucket_key_enabled(true)
            .body(ByteStream::from(body));
        Box::pin(async move {
            request
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StorageError::new("PutObject", DisplayErrorContext(e)))
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, Result<(), StorageError>> {
        let request = self.client.delete_object().bucket(&self.bucket).key(key);
        Box::pin(async move {
            request
                .send()
                .await
                .map(|_| ())
                .map_err(|e| StorageError::new("DeleteObject", DisplayErrorContext(e)))
        })
    }
}

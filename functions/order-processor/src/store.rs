//! Writing results to S3.

use std::future::Future;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use thiserror::Error;

/// Server-side encryption requested for every object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// SSE-S3 (`AES256`).
    S3Managed,
    /// SSE-KMS with this key id or ARN.
    Kms(String),
}

impl Encryption {
    /// `Kms` when a key id is given, otherwise `S3Managed`.
    pub fn from_kms_key(key_id: Option<String>) -> Self {
        match key_id.filter(|k| !k.trim().is_empty()) {
            Some(key) => Encryption::Kms(key),
            None => Encryption::S3Managed,
        }
    }
}

/// Why a result could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("writing {key} failed: {reason}")]
pub struct WriteError {
    /// The object key.
    pub key: String,
    /// What went wrong (the SDK's error with its causes).
    pub reason: String,
}

/// Where results go.
pub trait ResultsStore: Send + Sync {
    /// The bucket name, for the function's answer.
    fn bucket(&self) -> &str;

    /// Writes `body` (JSON) under `key`.
    fn put_json(
        &self,
        key: &str,
        body: Vec<u8>,
    ) -> impl Future<Output = Result<(), WriteError>> + Send;
}

/// [`ResultsStore`] over an S3 bucket.
#[derive(Debug, Clone)]
pub struct S3ResultsStore {
    client: aws_sdk_s3::Client,
    bucket: String,
    encryption: Encryption,
}

impl S3ResultsStore {
    /// A store writing to `bucket` with `encryption`.
    pub fn new(
        client: aws_sdk_s3::Client,
        bucket: impl Into<String>,
        encryption: Encryption,
    ) -> Self {
        Self {
            client,
            bucket: bucket.into(),
            encryption,
        }
    }
}

impl ResultsStore for S3ResultsStore {
    fn bucket(&self) -> &str {
        &self.bucket
    }

    async fn put_json(&self, key: &str, body: Vec<u8>) -> Result<(), WriteError> {
        let mut request = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("application/json")
            .body(ByteStream::from(body));
        request = match &self.encryption {
            Encryption::S3Managed => request.server_side_encryption(ServerSideEncryption::Aes256),
            Encryption::Kms(key_id) => request
                .server_side_encryption(ServerSideEncryption::AwsKms)
                .ssekms_key_id(key_id)
                .bucket_key_enabled(true),
        };
        request.send().await.map(|_| ()).map_err(|e| WriteError {
            key: key.to_owned(),
            reason: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
        })
    }
}

//! The backend the client reads from and writes to: Secrets Manager, or a fake in tests.

use std::future::Future;

use aws_config::retry::RetryConfig;
use aws_sdk_secretsmanager::error::{ProvideErrorMetadata, SdkError};

/// A backend failure, classified for the retry and stale-value decisions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The secret does not exist (or is scheduled for deletion). Not retried, no stale value.
    NotFound(String),
    /// Throttling, a 5xx, a timeout or a connection failure: retried, then stale value.
    Transient(String),
    /// Anything else (access denied, invalid request, no credentials): not retried.
    Permanent(String),
}

impl StoreError {
    /// Whether retrying may help.
    pub fn is_transient(&self) -> bool {
        matches!(self, StoreError::Transient(_))
    }

    /// The backend's message.
    pub fn message(&self) -> &str {
        match self {
            StoreError::NotFound(m) | StoreError::Transient(m) | StoreError::Permanent(m) => m,
        }
    }
}

/// Read and write access to secret values.
///
/// Implemented by [`AwsSecretStore`]; tests implement it with fakes to count calls and
/// simulate outages.
pub trait SecretStore: Send + Sync {
    /// The current value (`AWSCURRENT`) of `secret_id` as a string.
    fn get_secret_string(
        &self,
        secret_id: &str,
    ) -> impl Future<Output = Result<String, StoreError>> + Send;

    /// Stores a new current value of an existing secret.
    fn put_secret_string(
        &self,
        secret_id: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Creates a new secret.
    fn create_secret(
        &self,
        name: &str,
        value: &str,
        description: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// [`SecretStore`] over the AWS SDK client.
#[derive(Debug, Clone)]
pub struct AwsSecretStore {
    client: aws_sdk_secretsmanager::Client,
}

impl AwsSecretStore {
    /// Wraps a client built from `config` with the SDK's own retries disabled: the secrets
    /// client retries with its own backoff, and two nested retry loops would multiply the
    /// worst-case latency.
    pub fn from_conf(config: &aws_config::SdkConfig) -> Self {
        let conf = aws_sdk_secretsmanager::config::Builder::from(config)
            .retry_config(RetryConfig::disabled())
            .build();
        Self {
            client: aws_sdk_secretsmanager::Client::from_conf(conf),
        }
    }

    /// Wraps an existing client as is.
    pub fn from_client(client: aws_sdk_secretsmanager::Client) -> Self {
        Self { client }
    }
}

fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown");
            let message = format!("{code}: {}", service.err().message().unwrap_or(""));
            match code {
                "ResourceNotFoundException" => StoreError::NotFound(message),
                "InternalServiceError"
                | "ThrottlingException"
                | "TooManyRequestsException"
                | "RequestLimitExceeded"
                | "ServiceUnavailable"
                | "ServiceUnavailableException" => StoreError::Transient(message),
                _ => StoreError::Permanent(message),
            }
        }
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Transient(aws_smithy_error_chain(&err))
        }
        SdkError::DispatchFailure(dispatch) => {
            if dispatch.is_io() || dispatch.is_timeout() {
                StoreError::Transient(aws_smithy_error_chain(&err))
            } else {
                // E.g. no credentials: retrying does not help.
                StoreError::Permanent(aws_smithy_error_chain(&err))
            }
        }
        _ => StoreError::Permanent(aws_smithy_error_chain(&err)),
    }
}

/// The error and its sources on one line (the SDK's `Display` alone says "dispatch failure").
fn aws_smithy_error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

impl SecretStore for AwsSecretStore {
    async fn get_secret_string(&self, secret_id: &str) -> Result<String, StoreError> {
        let out = self
            .client
            .get_secret_value()
            .secret_id(secret_id)
            .send()
            .await
            .map_err(classify)?;
        if let Some(s) = out.secret_string {
            return Ok(s);
        }
        match out.secret_binary {
            Some(blob) => String::from_utf8(blob.into_inner()).map_err(|_| {
                StoreError::Permanent("secret is binary and not valid UTF-8".to_owned())
            }),
            None => Err(StoreError::Permanent("secret has no value".to_owned())),
        }
    }

    async fn put_secret_string(&self, secret_id: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .put_secret_value()
            .secret_id(secret_id)
            .secret_string(value)
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn create_secret(
        &self,
        name: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<(), StoreError> {
        self.client
            .create_secret()
            .name(name)
            .secret_string(value)
            .set_description(description.map(str::to_owned))
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }
}

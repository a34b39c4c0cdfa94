//! Errors of the token client and of the collector. None carries a credential, a token or a
//! response body; the OAuth `error` code and a sanitized `error_description` are kept.

use lambda_runtime::Diagnostic;

use crate::credentials::InvalidCredentials;
use crate::provider::ProviderListError;

/// Why a token could not be provided, refreshed or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The tool/org pair or the app segment is not a valid name.
    #[error("invalid provider: {0}")]
    InvalidProvider(#[from] secrets_client::NameError),
    /// The credentials secret could not be read.
    #[error("reading the credentials failed: {0}")]
    Secret(#[from] secrets_client::SecretsError),
    /// The credentials secret's content is invalid.
    #[error("secret `{secret}` is invalid: {problem}")]
    InvalidCredentials {
        /// Secret name.
        secret: String,
        /// What is wrong (names the member).
        problem: InvalidCredentials,
    },
    /// The endpoint refused the request (a 4xx other than 429): retrying will not help.
    #[error("the endpoint refused the request with HTTP {status}{}", oauth_suffix(.error, .description))]
    Rejected {
        /// HTTP status.
        status: u16,
        /// OAuth `error` code, e.g. `invalid_client`.
        error: Option<String>,
        /// Sanitized `error_description`.
        description: Option<String>,
        /// Attempts made.
        attempts: u32,
    },
    /// Transient failures (timeouts, connection errors, 5xx, 429) until the retry bound.
    #[error("the endpoint was unavailable after {attempts} attempt(s): {last}")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// A 2xx response that is not a usable token response, or a response body over the size
    /// cap ([`MAX_BODY_BYTES`](crate::http::MAX_BODY_BYTES)).
    #[error("invalid token response: {reason}")]
    InvalidResponse {
        /// What is wrong with it (names the member, not the value).
        reason: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The provider does not support the operation (e.g. no `revocation_url`).
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// Reading or writing the token object failed.
    #[error("token storage failed: {0}")]
    Storage(String),
}

fn oauth_suffix(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(" ({e}: {d})"),
        (Some(e), None) => format!(" ({e})"),
        _ => String::new(),
    }
}

impl TokenError {
    /// A stable, machine-readable kind for notifications and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenError::InvalidProvider(_) => "invalid_provider",
            TokenError::Secret(_) => "secret_unavailable",
            TokenError::InvalidCredentials { .. } => "invalid_credentials",
            TokenError::Rejected { .. } => "rejected",
            TokenError::Unavailable { .. } => "unavailable",
            TokenError::InvalidResponse { .. } => "invalid_response",
            TokenError::Unsupported(_) => "unsupported",
            TokenError::Storage(_) => "storage",
        }
    }

    /// The error of a request sent again after `earlier` attempts of a first one: its
    /// attempts include them.
    pub(crate) fn after(mut self, earlier: u32) -> Self {
        if let TokenError::Rejected { attempts, .. }
        | TokenError::Unavailable { attempts, .. }
        | TokenError::InvalidResponse { attempts, .. } = &mut self
        {
            *attempts += earlier;
        }
        self
    }

    /// HTTP attempts made before the error (0 when it happened before any request).
    pub fn attempts(&self) -> u32 {
        match self {
            TokenError::Rejected { attempts, .. }
            | TokenError::Unavailable { attempts, .. }
            | TokenError::InvalidResponse { attempts, .. } => *attempts,
            _ => 0,
        }
    }
}

/// `errorType` of an invocation in which some provider failed.
pub const TOKEN_COLLECTION_FAILED: &str = "TokenCollectionFailed";
/// `errorType` of an invocation whose event names providers that are not configured.
pub const INVALID_COLLECTOR_EVENT: &str = "InvalidCollectorEvent";

/// Why a collector invocation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CollectError {
    /// At least one provider failed (after the others were processed and all notified).
    #[error("token collection failed for {}", .0.iter().map(|(p, kind)| format!("{p} ({kind})")).collect::<Vec<_>>().join(", "))]
    TokenCollectionFailed(Vec<(String, &'static str)>),
    /// The event's `providers` is not a subset of the configured ones.
    #[error("invalid event: {0}")]
    InvalidEvent(String),
}

impl From<ProviderListError> for CollectError {
    fn from(err: ProviderListError) -> Self {
        CollectError::InvalidEvent(err.to_string())
    }
}

impl From<CollectError> for Diagnostic {
    fn from(err: CollectError) -> Self {
        let error_type = match err {
            CollectError::TokenCollectionFailed(_) => TOKEN_COLLECTION_FAILED,
            CollectError::InvalidEvent(_) => INVALID_COLLECTOR_EVENT,
        };
        Diagnostic {
            error_type: error_type.to_owned(),
            error_message: err.to_string(),
        }
    }
}

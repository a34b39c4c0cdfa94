//! The scheduled OAuth token collector.

pub use crate::common::S3_FORCE_PATH_STYLE;

/// The `{app}` segment of the credential secrets `{app}/{tool}/{org}`.
pub const OAUTH_APP: &str = "OAUTH_APP";
/// Comma-separated `tool/org` pairs whose tokens are collected.
pub const OAUTH_PROVIDERS: &str = "OAUTH_PROVIDERS";
/// Name of the bucket of `tokens/{tool}/{org}.json`.
pub const TOKENS_BUCKET_NAME: &str = "TOKENS_BUCKET_NAME";
/// ARN of the SSE-KMS key of the token objects.
pub const TOKENS_KMS_KEY_ARN: &str = "TOKENS_KMS_KEY_ARN";
/// ARN of the SNS topic of refresh and failure notifications.
pub const NOTIFY_TOPIC_ARN: &str = "NOTIFY_TOPIC_ARN";
/// Seconds before expiry at which a token is refreshed (default 300).
pub const REFRESH_BUFFER_SECONDS: &str = "REFRESH_BUFFER_SECONDS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[
    OAUTH_APP,
    OAUTH_PROVIDERS,
    TOKENS_BUCKET_NAME,
    TOKENS_KMS_KEY_ARN,
    NOTIFY_TOPIC_ARN,
];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[REFRESH_BUFFER_SECONDS, S3_FORCE_PATH_STYLE];

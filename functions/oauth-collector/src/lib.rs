//! OAuth token collector (scheduled Lambda function) and the token client other functions
//! use to get a provider's access token.
//!
//! # The function
//!
//! An EventBridge schedule invokes it asynchronously. For every provider in
//! `OAUTH_PROVIDERS` (concurrently) it reads the stored token; if the token is valid for
//! longer than `REFRESH_BUFFER_SECONDS` it is skipped, otherwise (inside the buffer,
//! expired, missing or unreadable) a new one is fetched with the client-credentials grant
//! (RFC 6749 §4.4), stored, and an SNS notification is published. Failures are notified
//! too; skips are not (a schedule every few minutes would otherwise flood subscribers with
//! "nothing happened"). If any provider failed, the invocation fails with `errorType`
//! **`TokenCollectionFailed`**, naming the providers and error kinds, after every provider
//! was processed and notified, so Lambda's `Errors` metric and alarms see it.
//!
//! The event's other members are ignored (a scheduled event works as is). Optional members:
//! `{"providers": ["example/acme"], "force_refresh": true}` selects a subset of the
//! configured providers (others → `errorType` **`InvalidCollectorEvent`**) and refreshes even
//! fresh tokens, reading the credentials from Secrets Manager rather than the 5-minute cache
//! (e.g. after rotating a client secret). On success the function returns
//! `{"providers": [{"provider", "org", "outcome": "skipped"|"refreshed", "expires_at",
//! "attempts"}]}`.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OAUTH_APP` | required: `{app}` of the secret names `{app}/{tool}/{org}` |
//! | `OAUTH_PROVIDERS` | required: comma-separated `tool/org` pairs, e.g. `example/acme,example/globex` |
//! | `TOKENS_BUCKET_NAME` | required: bucket of the token objects |
//! | `TOKENS_KMS_KEY_ARN` | required: KMS key of their SSE-KMS encryption |
//! | `NOTIFY_TOPIC_ARN` | required: SNS topic of the notifications |
//! | `REFRESH_BUFFER_SECONDS` | optional, default 300 |
//! | `S3_FORCE_PATH_STYLE` | optional, `true` for local emulators |
//!
//! # Credentials, requests, retries
//!
//! Each provider's secret holds [`Credentials`] as JSON. The token request is a
//! form-urlencoded POST with `grant_type=client_credentials` (+ `scope`, `audience`) and
//! `client_secret_basic` (default) or `client_secret_post` authentication ([`oauth`]). A
//! response without `expires_in` is taken to live [`oauth::DEFAULT_EXPIRES_IN`] seconds.
//! Requests are bounded (connect 3 s, 10 s each, a response body of at most
//! [`http::MAX_BODY_BYTES`] whether declared or chunked) and retried per [`retry`]: timeouts,
//! connection errors, 5xx and 429 up to 4 attempts and 30 s in all, honouring `Retry-After`
//! up to 10 s; other 4xx fail at once. A 400 or 401 first makes the client read the
//! credentials again from Secrets Manager: if they changed since they were cached (a rotated
//! client secret, a new `token_url`), the request is sent once more with them.
//!
//! A deployed function takes only `https://` endpoints on hosts that are not loopback ones
//! (inside Lambda, loopback is the Runtime API); `http://` on a loopback host is for
//! [local runs](secrets_client::local) only ([`Endpoints`]).
//!
//! Nothing secret is logged, returned or published: `Debug` of [`Credentials`] and
//! [`AccessToken`] is redacted, the `Authorization` header is marked sensitive, response
//! bodies are never shown (only an OAuth error's `error` code and a sanitized
//! `error_description`).
//!
//! # Storage: why S3 + SSE-KMS rather than Secrets Manager
//!
//! Tokens are `s3://$TOKENS_BUCKET_NAME/tokens/{tool}/{org}.json` (the [`AccessToken`]
//! document), encrypted with the customer key. Secrets Manager was considered:
//!
//! * **cost**: a secret costs $0.40 a month plus API calls; a token per organization would
//!   double the secret count, while S3 objects cost next to nothing;
//! * **write rate**: `PutSecretValue` is limited to about 50 requests per second per account
//!   and every write creates a version (with a limit of ~100 versions tracked per secret and
//!   deprecated versions lingering), a poor fit for values rewritten every hour;
//! * **IAM scoping**: S3 grants per key prefix (`tokens/*`, or `tokens/{tool}/*` for a
//!   consumer that needs one tool) and KMS key policy, independent of who may read the
//!   client credentials under `{app}/{tool}/{org}`;
//! * **operations**: S3 offers conditional writes, lifecycle rules and access logging /
//!   CloudTrail data events on the prefix; tokens are derived, short-lived data, and
//!   losing one only costs a refresh.
//!
//! Secrets Manager remains the home of the long-lived client credentials.
//!
//! # For other functions
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use oauth_collector::{HttpClient, S3TokenStore, TokenClient};
//! let sdk = secrets_client::sdk::lambda_config();
//! let secrets = Arc::new(secrets_client::SecretsClient::from_conf(&sdk));
//! let store = Arc::new(S3TokenStore::new(aws_sdk_s3::Client::new(&sdk), "tokens-bucket", "arn:aws:kms:…"));
//! let tokens = TokenClient::builder("orders", secrets, store, HttpClient::with_defaults()).build();
//! let token = tokens.access_token("example", "acme").await?;
//! let header = format!("Bearer {}", token.secret());
//! # let _ = header; Ok(()) }
//! ```
//!
//! [`TokenClient::revoke`] revokes the stored token per RFC 7009 and deletes its object.

pub mod client;
pub mod collector;
pub mod config;
pub mod credentials;
pub mod error;
pub mod http;
pub mod notify;
pub mod oauth;
pub mod provider;
pub mod retry;
pub mod store;
pub mod token;

pub use client::{Outcome, Revocation, TokenClient, TokenClientBuilder, DEFAULT_REFRESH_BUFFER};
pub use collector::{CollectReport, Collector, ProviderReport};
pub use config::{Config, ConfigError};
pub use credentials::{AuthMethod, Credentials, Endpoints, InvalidCredentials};
pub use error::{CollectError, TokenError};
pub use http::HttpClient;
pub use notify::{Notification, Notifier, NotifyError, SnsNotifier};
pub use provider::ProviderId;
pub use retry::{RetrySettings, Timing};
pub use store::{S3TokenStore, StorageError, TokenStore};
pub use token::{AccessToken, SystemWallClock, WallClock};

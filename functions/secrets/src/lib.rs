//! Shared AWS Secrets Manager client of the Lambda functions.
//!
//! ```no_run
//! # async fn demo() -> Result<(), secrets_client::SecretsError> {
//! let config = secrets_client::sdk::lambda_config();
//! let secrets = secrets_client::SecretsClient::from_conf(&config);
//! let name = secrets_client::app_secret("orders", "dev", "jwt").expect("valid name");
//! let key = secrets.get_json_key(&name, "signing_key").await?;
//! # let _ = key; Ok(()) }
//! ```
//!
//! Features: an in-memory cache with a TTL (default 5 minutes), bounded retries with
//! exponential backoff and full jitter, the stale cached value served (and logged as such)
//! when Secrets Manager is unreachable, JSON key extraction, cache invalidation on
//! [`put`](SecretsClient::put)/[`create`](SecretsClient::create), a read that bypasses the
//! cache after a suspected rotation ([`get_fresh`](SecretsClient::get_fresh)), the `{app}/{env}/{name}` and
//! `{app}/{tool}/{org}` naming helpers, and an opt-in environment-variable fallback for local
//! development that refuses to be enabled outside [local runs](local).
//!
//! [`sdk`] is the SDK setup every function's `main` uses; [`local`] is the one definition of
//! a *local run* (tests, tools, `infra local`'s engine) that decides what a deployed function
//! refuses: `AWS_ENDPOINT_URL`, the environment-variable fallback, and (in the OAuth
//! collector) plain-HTTP loopback token endpoints.
//!
//! # Why not `aws_secretsmanager_caching`
//!
//! The official caching crate (2.1) was evaluated first. It is not used because:
//!
//! * it has no write path (`put`/`create`), so there is nothing to hang invalidation on,
//!   and no JSON key extraction or naming helpers;
//! * its stale-on-error behaviour is a single boolean with its own error classification, and
//!   it has no bound on how old a served value may be and no retry/backoff of its own;
//! * its clock is `Instant::now()` inside the crate, so TTL and staleness cannot be tested
//!   without real waiting;
//! * it depends on `aws-config` and `aws-sdk-secretsmanager` with default features (SSO,
//!   credential processes, the aws-lc TLS stack) and on `rustls` directly, which costs build
//!   time and binary size in the authorizer, whose zip must stay small;
//! * it logs through `log`, while the functions emit structured `tracing` JSON.
//!
//! What it does well (TTL cache keyed by id) is a few dozen lines here.

mod client;
pub mod local;
pub mod name;
pub mod retry;
pub mod sdk;
pub mod store;

pub use client::{
    SecretValue, SecretsClient, SecretsClientBuilder, SecretsError, DEFAULT_MAX_STALE, DEFAULT_TTL,
};
pub use local::is_local_run;
pub use name::{app_secret, tool_secret, NameError};
pub use retry::{Clock, RetryPolicy, Sleeper, SystemClock, TokioSleeper};
pub use store::{AwsSecretStore, SecretStore, StoreError};

#[cfg(test)]
mod tests;

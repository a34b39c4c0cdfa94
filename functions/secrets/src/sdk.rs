//! Shared AWS SDK setup for the functions.
//!
//! All functions use the same HTTPS client: rustls with the `ring` crypto provider. The SDK
//! default (`default-https-client`) uses `aws-lc-rs`, whose C build (`aws-lc-sys`) is slow on
//! small build machines and is the usual source of trouble when cross-linking to
//! `aarch64-unknown-linux-gnu` with zig; `ring` builds quickly and cross-compiles cleanly.

use std::time::Duration;

use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_secretsmanager::config::SharedAsyncSleep;
use aws_sdk_secretsmanager::config::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// Builds the shared HTTPS client (rustls + ring).
pub fn https_client() -> aws_sdk_secretsmanager::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// The SDK configuration of a function running in Lambda, from the variables Lambda sets:
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL` when set (local emulators).
///
/// Every call is bounded (connect 3 s, each attempt 10 s, 25 s in all with retries), so an
/// endpoint that stops answering fails the invocation with a timeout error well before the
/// function's own timeout, instead of leaving it to Lambda to kill.
///
/// The functions use this instead of [`load_config`]: aws-config's default chain (profiles,
/// SSO, web identity through STS, IMDS, ECS) is unreachable code in Lambda, and leaving it
/// out takes about a tenth off each zip, which keeps them under 2 MB.
pub fn lambda_config() -> SdkConfig {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .filter(|r| !r.is_empty())
        .map(Region::new);
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .timeout_config(call_timeouts())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ));
    builder.set_region(region);
    if let Some(url) = std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}

/// The bounds of [`lambda_config`]'s calls.
fn call_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(Duration::from_secs(10))
        .operation_timeout(Duration::from_secs(25))
        .build()
}

/// Loads the SDK configuration from the environment (region, credentials, and
/// `AWS_ENDPOINT_URL*` overrides) with the shared HTTPS client.
///
/// Call it once in `main` and build every client from the result.
pub async fn load_config() -> SdkConfig {
    config_loader().load().await
}

/// The configuration loader used by [`load_config`], for callers that need to adjust it
/// (tests point it at a local endpoint with static credentials).
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

//! Shared AWS SDK setup for the functions.
//!
//! All functions use the same HTTPS client: rustls with the `ring` crypto provider. The SDK
//! default (`default-https-client`) uses `aws-lc-rs`, whose C build (`aws-lc-sys`) is slow on
//! small build machines and is the usual source of trouble when cross-linking to
//! `aarch64-unknown-linux-gnu` with zig; `ring` builds quickly and cross-compiles cleanly.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

/// Builds the shared HTTPS client (rustls + ring).
pub fn https_client() -> aws_sdk_secretsmanager::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
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

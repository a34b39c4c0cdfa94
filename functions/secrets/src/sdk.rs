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
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};

use crate::local::is_local_run_in;

/// The root certificates of Amazon Trust Services (Amazon Root CA 1–4 and Starfield Services
/// Root CA G2, which cross-signs them), which issue the certificates of every AWS API endpoint.
const AMAZON_TRUST_SERVICES: &[u8] = include_bytes!("amazon-trust-services.pem");

/// Builds the shared HTTPS client (rustls + ring) for AWS API calls.
///
/// It trusts only [Amazon Trust Services](https://www.amazontrust.com/repository/), the CAs
/// of AWS's endpoints, instead of the platform's store: loading that store reads every file
/// under `/etc/ssl/certs` and took about 4 of the 5.5 ms between process start and the first
/// event of a function (`scripts/bench-init.py`), and a narrower trust store is also one a
/// mis-issued certificate from any other CA cannot satisfy.
pub fn https_client() -> aws_sdk_secretsmanager::config::SharedHttpClient {
    let trust = TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES);
    let mut builder =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    // The bundled certificates are constants, parsed in a test: this cannot fail at runtime.
    if let Ok(context) = TlsContext::builder().with_trust_store(trust).build() {
        builder = builder.tls_context(context);
    }
    builder.build_https()
}

/// The SDK configuration of a function running in Lambda, from the variables Lambda sets:
/// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`; and, in a [local run](crate::local) only, `AWS_ENDPOINT_URL` (the
/// local engine or moto). A deployed function ignores `AWS_ENDPOINT_URL` (with a warning):
/// its configuration must not be able to send its signed requests and session token
/// anywhere but AWS. The service-specific `AWS_ENDPOINT_URL_<SERVICE>` variables are never
/// read.
///
/// Every call is bounded (connect 3 s, each attempt 10 s, 25 s in all with retries), so an
/// endpoint that stops answering fails the invocation with a timeout error well before the
/// function's own timeout, instead of leaving it to Lambda to kill.
///
/// The functions use this instead of aws-config's loader ([`config_loader`]): its default
/// chain (profiles, SSO, web identity through STS, IMDS, ECS) is unreachable code in Lambda,
/// and leaving it out takes about a tenth off each zip, which keeps them under 2 MB.
pub fn lambda_config() -> SdkConfig {
    lambda_config_from(|name| std::env::var(name).ok())
}

/// [`lambda_config`] over the variables `var` returns (tests pass a map).
pub fn lambda_config_from(var: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let region = var("AWS_REGION")
        .or_else(|| var("AWS_DEFAULT_REGION"))
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
    if let Some(url) = var("AWS_ENDPOINT_URL").filter(|u| !u.is_empty()) {
        if is_local_run_in(&var) {
            builder = builder.endpoint_url(url);
        } else {
            tracing::warn!(
                endpoint_url = %url,
                "AWS_ENDPOINT_URL is ignored outside local runs; calling AWS"
            );
        }
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

/// aws-config's configuration loader with the shared HTTPS client, for tests and tools that
/// point it at a local endpoint with static credentials. Not for functions: it follows every
/// endpoint override of the environment; they use [`lambda_config`].
pub fn config_loader() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> SdkConfig {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        lambda_config_from(|name| map.get(name).map(|v| (*v).to_owned()))
    }

    const ENDPOINT: (&str, &str) = ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566");

    /// The bundled roots are parsed when the client first connects, and a PEM it cannot
    /// parse would panic there: connect to a closed HTTPS port, which needs them first.
    #[tokio::test]
    async fn the_bundled_roots_parse_and_an_https_call_fails_cleanly() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .unwrap_or(1);
        let sdk = config(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
        ]);
        let client = aws_sdk_secretsmanager::Client::from_conf(
            aws_sdk_secretsmanager::config::Builder::from(&sdk)
                .endpoint_url(format!("https://127.0.0.1:{closed}"))
                .retry_config(aws_config::retry::RetryConfig::disabled())
                .build(),
        );
        let result = client.get_secret_value().secret_id("s").send().await;
        assert!(result.is_err(), "nothing listens there");
        assert_eq!(
            AMAZON_TRUST_SERVICES
                .windows(27)
                .filter(|w| w == b"-----BEGIN CERTIFICATE-----")
                .count(),
            5
        );
    }

    #[test]
    fn a_deployed_function_ignores_aws_endpoint_url() {
        let sdk = config(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"),
            ENDPOINT,
        ]);
        assert_eq!(sdk.endpoint_url(), None);
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        // No service configuration: AWS_ENDPOINT_URL_<SERVICE> is not read either.
        assert!(sdk.service_config().is_none());
    }

    #[test]
    fn local_runs_follow_aws_endpoint_url() {
        let engine = config(&[
            ("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:41234"),
            (
                "AWS_EXECUTION_ENV",
                crate::local::LOCAL_ENGINE_EXECUTION_ENV,
            ),
            ENDPOINT,
        ]);
        assert_eq!(engine.endpoint_url(), Some("http://127.0.0.1:4566"));
        let test = config(&[ENDPOINT, ("AWS_DEFAULT_REGION", "us-east-1")]);
        assert_eq!(test.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert_eq!(test.region().map(|r| r.as_ref()), Some("us-east-1"));
    }
}

//! The HTTPS client that talks to token and revocation endpoints.
//!
//! It is the AWS SDK's own connector (`aws-smithy-http-client`: hyper 1 + hyper-rustls,
//! rustls with the `ring` provider, no aws-lc, no OpenSSL), built separately with this
//! client's timeouts. Reusing the exact connector type the SDK clients already link in keeps
//! the function's zip under 2 MB: a second hyper client instantiation (or reqwest) costs
//! about 100 KB. Root certificates are the platform's (`rustls-native-certs`: on Lambda's
//! `provided.al2023` the system bundle under `/etc/pki`), since providers use any public CA.
//! Loading them takes milliseconds, so the connector is built at the first request, not at
//! start: an invocation whose tokens are all still valid never pays for it.

use std::time::Duration;

use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::{HttpConnector, HttpConnectorSettings};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use bytes::Bytes;

use crate::oauth::FormRequest;

/// Largest response body read, declared (`Content-Length`) or not (chunked): 64 KiB. A token
/// response is a few hundred bytes (a few KB with a JWT access token), an error response
/// less; 64 KiB is ten times the largest of those while bounding what a misbehaving or
/// hostile endpoint can make the function hold (one body per provider being refreshed,
/// within the request timeout). A larger body fails the request without being retried.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Default bound of one request, from connecting to the last byte of the body.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A response: status, `Retry-After`, body.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body. May contain a token: never log it.
    pub body: Bytes,
}

/// Why no usable response was received. Timeouts and failures are transient; an oversized
/// body is not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request did not complete within its timeout.
    #[error("no complete response within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// Connecting, TLS, or the exchange failed.
    #[error("request failed: {0}")]
    Failed(String),
    /// The response body is (or was declared) larger than [`MAX_BODY_BYTES`].
    #[error("the response body is larger than {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
}

/// The pooled HTTPS client. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    connector: std::sync::Arc<std::sync::OnceLock<Connector>>,
    connect_timeout: Duration,
    request_timeout: Duration,
}

impl HttpClient {
    /// A client with the given connect timeout and per-request bound (connect, send and
    /// the whole response body).
    pub fn new(connect_timeout: Duration, request_timeout: Duration) -> Self {
        Self {
            connector: std::sync::Arc::default(),
            connect_timeout,
            request_timeout,
        }
    }

    /// The connector, built (and the root certificates loaded) on first use.
    fn connector(&self) -> &Connector {
        self.connector.get_or_init(|| {
            Connector::builder()
                .connector_settings(
                    // The request bound is the one timeout around the whole exchange below.
                    HttpConnectorSettings::builder()
                        .connect_timeout(self.connect_timeout)
                        .build(),
                )
                .tls_provider(Provider::Rustls(CryptoMode::Ring))
                .build()
        })
    }

    /// A client with [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn with_defaults() -> Self {
        Self::new(DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT)
    }

    /// The per-request bound.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// POSTs the form, bounded by `timeout` (at most the client's request timeout).
    pub async fn post_form(
        &self,
        request: &FormRequest,
        timeout: Duration,
    ) -> Result<HttpResponse, TransportError> {
        let timeout = timeout.min(self.request_timeout);
        let mut http_request = HttpRequest::new(SdkBody::from(request.body.as_str()));
        http_request
            .set_method("POST")
            .and_then(|()| http_request.set_uri(request.url.as_str()))
            .map_err(|e| TransportError::Failed(format!("invalid request: {e}")))?;
        let headers = http_request.headers_mut();
        headers.insert("content-type", "application/x-www-form-urlencoded");
        headers.insert("accept", "application/json");
        if let Some(value) = &request.authorization {
            headers
                .try_insert("authorization", value.clone())
                .map_err(|_| TransportError::Failed("invalid Authorization header".into()))?;
        }
        let exchange = async {
            let response = self
                .connector()
                .call(http_request)
                .await
                .map_err(|e| TransportError::Failed(error_chain(&e)))?;
            let status = response.status().as_u16();
            let retry_after = response.headers().get("retry-after").map(str::to_owned);
            let declared = response
                .headers()
                .get("content-length")
                .and_then(|v| v.parse::<usize>().ok());
            if declared.is_some_and(|len| len > MAX_BODY_BYTES) {
                return Err(TransportError::BodyTooLarge);
            }
            let body = read_capped(response.into_body()).await?;
            Ok(HttpResponse {
                status,
                retry_after,
                body,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| TransportError::Timeout(timeout))?
    }
}

/// Reads `body` (declared or chunked) and fails as soon as it passes [`MAX_BODY_BYTES`].
async fn read_capped(body: SdkBody) -> Result<Bytes, TransportError> {
    let mut stream = ByteStream::new(body);
    let mut out = Vec::new();
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| TransportError::Failed(format!("reading the body: {e}")))?
    {
        if out.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(TransportError::BodyTooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(out))
}

/// The error and its sources on one line (hyper-util's `Display` alone says "client error").
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

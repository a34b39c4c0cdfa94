//! The HTTPS client that talks to token and revocation endpoints.
//!
//! hyper 1 + hyper-util's pooled client + hyper-rustls: the same stack the AWS SDK's HTTP
//! client already links in, so it adds little to the zip (reqwest would add its own layers).
//! TLS is rustls with the `ring` provider (no aws-lc, no OpenSSL) and the platform's root
//! certificates (`rustls-native-certs`, as the SDK client uses: on Lambda's
//! `provided.al2023` that is the system bundle under `/etc/pki`). HTTP/1.1 only.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::oauth::FormRequest;

/// Largest response body read (token responses are a few hundred bytes).
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
    /// The body (at most [`MAX_BODY_BYTES`]). May contain a token: never log it.
    pub body: Bytes,
}

/// Why no response was received. All are transient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// The request did not complete within its timeout.
    #[error("no complete response within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// Connecting, TLS, or the exchange failed.
    #[error("request failed: {0}")]
    Failed(String),
}

/// The pooled HTTPS client. Cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request_timeout: Duration,
}

impl HttpClient {
    /// A client with the given connect and per-request timeouts.
    ///
    /// # Errors
    ///
    /// When the platform's root certificates cannot be loaded.
    pub fn new(connect_timeout: Duration, request_timeout: Duration) -> std::io::Result<Self> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(connect_timeout));
        http.enforce_http(false);
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Self {
            client: Client::builder(TokioExecutor::new()).build(https),
            request_timeout,
        })
    }

    /// A client with [`DEFAULT_CONNECT_TIMEOUT`] and [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn with_defaults() -> std::io::Result<Self> {
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
        let mut builder = hyper::Request::post(request.url.as_str())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json");
        if let Some(value) = &request.authorization {
            let mut value = http::HeaderValue::from_str(value)
                .map_err(|_| TransportError::Failed("invalid Authorization header".into()))?;
            value.set_sensitive(true);
            builder = builder.header(http::header::AUTHORIZATION, value);
        }
        let http_request = builder
            .body(Full::new(Bytes::from(request.body.clone())))
            .map_err(|e| TransportError::Failed(format!("invalid request: {e}")))?;
        let exchange = async {
            let response = self
                .client
                .request(http_request)
                .await
                .map_err(|e| TransportError::Failed(error_chain(&e)))?;
            let status = response.status().as_u16();
            let retry_after = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), MAX_BODY_BYTES)
                .collect()
                .await
                .map_err(|e| TransportError::Failed(format!("reading the body: {e}")))?
                .to_bytes();
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

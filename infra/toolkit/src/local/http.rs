//! JSON over plain HTTP on loopback: the engine's own endpoints (health, sent
//! mail and SMS) that no AWS SDK client covers.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value as Json;

use crate::{Error, Result};

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `GET url` and parse the body as JSON; an error for a non-2xx status.
pub async fn get_json(url: &str) -> Result<Json> {
    let failed =
        |what: &'static str, source: Box<dyn std::error::Error + Send + Sync>| Error::Http {
            url: url.to_owned(),
            what,
            source,
        };
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: hyper::Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| failed("is not a URL", e.into()))?;
    let response = tokio::time::timeout(TIMEOUT, client.get(uri))
        .await
        .map_err(|e| failed("timed out", e.into()))?
        .map_err(|e| failed("failed", e.into()))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| failed("broke off while its answer was read", e.into()))?
        .to_bytes();
    if !status.is_success() {
        return Err(Error::HttpStatus {
            url: url.to_owned(),
            status: status.to_string(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    serde_json::from_slice(&body).map_err(|e| failed("did not answer JSON", e.into()))
}

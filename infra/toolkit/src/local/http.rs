//! JSON over plain HTTP on loopback: the engine's own endpoints (health, sent
//! mail and SMS) that no AWS SDK client covers.

use std::time::Duration;

use anyhow::{bail, Context as _};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value as Json;

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `GET url` and parse the body as JSON; an error for a non-2xx status.
pub async fn get_json(url: &str) -> anyhow::Result<Json> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: hyper::Uri = url
        .parse()
        .with_context(|| format!("'{url}' is not a URL"))?;
    let response = tokio::time::timeout(TIMEOUT, client.get(uri))
        .await
        .with_context(|| format!("GET {url} timed out"))?
        .with_context(|| format!("GET {url} failed"))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("GET {url}: reading the body failed"))?
        .to_bytes();
    if !status.is_success() {
        bail!(
            "GET {url} answered {status}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    serde_json::from_slice(&body).with_context(|| format!("GET {url} did not answer JSON"))
}

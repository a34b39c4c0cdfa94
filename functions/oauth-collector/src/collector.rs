//! The scheduled handler: every configured provider (or the event's subset), concurrently.

use futures_util::future::join_all;
use lambda_runtime::LambdaEvent;
use secrets_client::SecretStore;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Outcome, TokenClient};
use crate::error::CollectError;
use crate::provider::{parse_provider_list, ProviderId};

/// The optional members of the invocation event. An EventBridge scheduled event has neither
/// (its other members are ignored), so a schedule collects every configured provider.
#[derive(Debug, Default, Deserialize)]
struct CollectRequest {
    /// Subset of the configured providers, as `tool/org` strings.
    #[serde(default)]
    providers: Option<Vec<String>>,
    /// Refresh even tokens that are still fresh (e.g. after rotating a client secret).
    #[serde(default)]
    force_refresh: bool,
}

/// The result of one provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderReport {
    /// The tool.
    pub provider: String,
    /// The organization.
    pub org: String,
    /// `skipped`, `refreshed` or `failed`.
    pub outcome: &'static str,
    /// Expiry of the current token, epoch seconds (not for `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// HTTP attempts made (0 for `skipped`).
    pub attempts: u32,
    /// The error kind (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_kind: Option<&'static str>,
}

/// What a successful invocation returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectReport {
    /// One entry per provider, in configuration order.
    pub providers: Vec<ProviderReport>,
}

/// The collector: a token client and the configured providers.
pub struct Collector<K: SecretStore> {
    client: TokenClient<K>,
    providers: Vec<ProviderId>,
}

impl<K: SecretStore> Collector<K> {
    /// A collector of `providers` (from `OAUTH_PROVIDERS`) through `client`.
    pub fn new(client: TokenClient<K>, providers: Vec<ProviderId>) -> Self {
        Self { client, providers }
    }

    /// The token client.
    pub fn client(&self) -> &TokenClient<K> {
        &self.client
    }

    /// Handles one invocation. Every selected provider is processed (one's failure does not
    /// stop the others) and notified by the client; if any failed, the invocation fails
    /// with [`CollectError::TokenCollectionFailed`] naming them.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Result<CollectReport, CollectError> {
        let request_id = event.context.request_id.as_str();
        let request = match event.payload {
            Value::Object(map) => serde_json::from_value::<CollectRequest>(Value::Object(map))
                .map_err(|e| CollectError::InvalidEvent(format!("`providers` must be a list of tool/org strings and `force_refresh` a boolean ({e})")))?,
            _ => CollectRequest::default(),
        };
        let selected = self.select(request.providers.as_deref())?;
        let results = join_all(
            selected
                .iter()
                .map(|provider| self.client.ensure(provider, request.force_refresh)),
        )
        .await;

        let mut reports = Vec::with_capacity(selected.len());
        let mut failed = Vec::new();
        for (provider, result) in selected.iter().zip(results) {
            let report = match result {
                Ok((token, outcome)) => {
                    let (name, attempts) = match outcome {
                        Outcome::Skipped => ("skipped", 0),
                        Outcome::Refreshed { attempts } => ("refreshed", attempts),
                    };
                    tracing::info!(
                        request_id,
                        provider = provider.tool(),
                        org = provider.org(),
                        outcome = name,
                        attempts,
                        expires_at = token.expires_at,
                        "provider done"
                    );
                    ProviderReport {
                        provider: provider.tool().to_owned(),
                        org: provider.org().to_owned(),
                        outcome: name,
                        expires_at: Some(token.expires_at),
                        attempts,
                        error_kind: None,
                    }
                }
                Err(err) => {
                    tracing::error!(request_id, provider = provider.tool(), org = provider.org(),
                        outcome = "failed", attempts = err.attempts(), error_kind = err.kind(),
                        error = %err, "provider failed");
                    failed.push((provider.to_string(), err.kind()));
                    ProviderReport {
                        provider: provider.tool().to_owned(),
                        org: provider.org().to_owned(),
                        outcome: "failed",
                        expires_at: None,
                        attempts: err.attempts(),
                        error_kind: Some(err.kind()),
                    }
                }
            };
            reports.push(report);
        }
        if failed.is_empty() {
            Ok(CollectReport { providers: reports })
        } else {
            Err(CollectError::TokenCollectionFailed(failed))
        }
    }

    /// The configured providers, or the event's subset of them.
    fn select(&self, subset: Option<&[String]>) -> Result<Vec<ProviderId>, CollectError> {
        let Some(subset) = subset else {
            return Ok(self.providers.clone());
        };
        let wanted = parse_provider_list(&subset.join(","))?;
        match wanted.iter().find(|p| !self.providers.contains(p)) {
            Some(unknown) => Err(CollectError::InvalidEvent(format!(
                "provider `{unknown}` is not in OAUTH_PROVIDERS"
            ))),
            None => Ok(wanted),
        }
    }
}

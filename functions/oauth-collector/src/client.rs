//! The token client: stored token if still fresh, otherwise a client-credentials grant,
//! stored and (optionally) notified; and RFC 7009 revocation.

use std::sync::Arc;
use std::time::Duration;

use secrets_client::{AwsSecretStore, SecretStore, SecretsClient};

use crate::credentials::{Credentials, Endpoints};
use crate::error::TokenError;
use crate::http::HttpClient;
use crate::notify::{Notification, Notifier};
use crate::oauth::{
    parse_token_response, revocation_request, token_request, FormRequest, DEFAULT_EXPIRES_IN,
};
use crate::provider::ProviderId;
use crate::retry::{send, RetrySettings, Success, Timing};
use crate::store::TokenStore;
use crate::token::AccessToken;

/// Default time before expiry from which a token is refreshed.
pub const DEFAULT_REFRESH_BUFFER: Duration = Duration::from_secs(300);

/// What [`TokenClient::ensure`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The stored token is valid beyond the refresh buffer; nothing was fetched.
    Skipped,
    /// A new token was fetched and stored, after this many HTTP attempts.
    Refreshed {
        /// Attempts made.
        attempts: u32,
    },
}

/// What [`TokenClient::revoke`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revocation {
    /// The stored token was revoked at the provider and its object deleted.
    Revoked,
    /// No token was stored; nothing was sent.
    NothingStored,
}

/// Configures a [`TokenClient`].
pub struct TokenClientBuilder<K: SecretStore> {
    client: TokenClient<K>,
}

impl<K: SecretStore> TokenClientBuilder<K> {
    /// Publishes a [`Notification`] on every refresh and every failed refresh (default: none).
    pub fn notifier(mut self, notifier: Arc<dyn Notifier>) -> Self {
        self.client.notifier = Some(notifier);
        self
    }

    /// Refresh when the token expires within this (default [`DEFAULT_REFRESH_BUFFER`]).
    pub fn refresh_buffer(mut self, buffer: Duration) -> Self {
        self.client.refresh_buffer = buffer;
        self
    }

    /// Retry bounds of the HTTP calls (default [`RetrySettings::default`]).
    pub fn retry(mut self, retry: RetrySettings) -> Self {
        self.client.retry = retry;
        self
    }

    /// Clocks and sleeper (tests).
    pub fn timing(mut self, timing: Timing) -> Self {
        self.client.timing = timing;
        self
    }

    /// Which endpoints the credentials may name (default: [`Endpoints::of_this_process`];
    /// tests of a deployed function's rule set [`Endpoints::Remote`]).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.client.endpoints = endpoints;
        self
    }

    /// The client.
    pub fn build(self) -> TokenClient<K> {
        self.client
    }
}

/// Provides access tokens of `{app}/{tool}/{org}` providers; used by the collector and by
/// any function that calls a provider's API.
///
/// Every call reads the stored object (one S3 GET with KMS decryption); callers that call
/// often keep the returned [`AccessToken`] until `expires_at` minus their own margin.
/// Concurrent refreshes of one provider (the collector and a consumer) may both fetch; the
/// last write wins and both tokens are valid, so no lock is taken.
///
/// Credentials are read through the secrets client's cache. A forced refresh reads them from
/// Secrets Manager, and so does a request the endpoint refuses with 400 or 401: if they
/// changed since they were cached (a rotated client secret, a moved endpoint), the request is
/// sent once more with the new ones before the refusal is reported.
pub struct TokenClient<K: SecretStore = AwsSecretStore> {
    app: String,
    secrets: Arc<SecretsClient<K>>,
    store: Arc<dyn TokenStore>,
    http: HttpClient,
    notifier: Option<Arc<dyn Notifier>>,
    refresh_buffer: Duration,
    retry: RetrySettings,
    timing: Timing,
    endpoints: Endpoints,
}

impl<K: SecretStore> TokenClient<K> {
    /// Starts configuring a client for the secrets of `app` (`{app}/{tool}/{org}`).
    pub fn builder(
        app: impl Into<String>,
        secrets: Arc<SecretsClient<K>>,
        store: Arc<dyn TokenStore>,
        http: HttpClient,
    ) -> TokenClientBuilder<K> {
        TokenClientBuilder {
            client: TokenClient {
                app: app.into(),
                secrets,
                store,
                http,
                notifier: None,
                refresh_buffer: DEFAULT_REFRESH_BUFFER,
                retry: RetrySettings::default(),
                timing: Timing::default(),
                endpoints: Endpoints::of_this_process(),
            },
        }
    }

    /// A token of `tool`/`org` valid beyond the refresh buffer: the stored one, or a new one
    /// (fetched, stored, notified).
    pub async fn access_token(&self, tool: &str, org: &str) -> Result<AccessToken, TokenError> {
        let provider = ProviderId::new(tool, org)?;
        self.ensure(&provider, false).await.map(|(token, _)| token)
    }

    /// Like [`access_token`](Self::access_token), saying whether it refreshed; `force`
    /// refreshes even when the stored token is fresh, with credentials read from Secrets
    /// Manager rather than the cache (a forced refresh usually follows a rotation).
    pub async fn ensure(
        &self,
        provider: &ProviderId,
        force: bool,
    ) -> Result<(AccessToken, Outcome), TokenError> {
        if !force {
            if let Some(token) = self.stored(provider).await {
                if token.is_fresh(self.timing.wall.epoch_seconds(), self.refresh_buffer) {
                    return Ok((token, Outcome::Skipped));
                }
            }
        }
        let result = self.refresh(provider, force).await;
        let notification = match &result {
            Ok((token, attempts)) => Notification {
                provider: provider.tool().to_owned(),
                org: provider.org().to_owned(),
                outcome: "refreshed",
                expires_at: Some(token.expires_at),
                error_kind: None,
                error: None,
                attempts: *attempts,
            },
            Err(err) => Notification {
                provider: provider.tool().to_owned(),
                org: provider.org().to_owned(),
                outcome: "failed",
                expires_at: None,
                error_kind: Some(err.kind()),
                error: Some(err.to_string()),
                attempts: err.attempts(),
            },
        };
        self.notify(&notification).await;
        result.map(|(token, attempts)| (token, Outcome::Refreshed { attempts }))
    }

    /// Revokes the stored token at the provider's `revocation_url` (RFC 7009) and deletes
    /// the stored object. A provider without `revocation_url` is [`TokenError::Unsupported`].
    pub async fn revoke(&self, tool: &str, org: &str) -> Result<Revocation, TokenError> {
        let provider = ProviderId::new(tool, org)?;
        let secret = provider.secret_name(&self.app)?;
        let credentials = self.credentials(&secret, false).await?;
        let unsupported = || {
            TokenError::Unsupported(format!(
                "provider {provider} has no `revocation_url` in its secret"
            ))
        };
        if credentials.revocation_url.is_none() {
            return Err(unsupported());
        }
        let key = provider.object_key();
        let Some(body) = self
            .store
            .get(&key)
            .await
            .map_err(|e| TokenError::Storage(e.to_string()))?
        else {
            return Ok(Revocation::NothingStored);
        };
        let token: AccessToken = serde_json::from_slice(&body).map_err(|_| {
            TokenError::Storage(format!("the stored object `{key}` is not a token document"))
        })?;
        let (_, done) = self
            .send_authenticated(&provider, &secret, credentials, "revocation", |c| {
                let url = c.revocation_url.as_deref().ok_or_else(unsupported)?;
                Ok(revocation_request(c, url, token.secret()))
            })
            .await?;
        self.store
            .delete(&key)
            .await
            .map_err(|e| TokenError::Storage(e.to_string()))?;
        tracing::info!(
            provider = provider.tool(),
            org = provider.org(),
            attempts = done.attempts,
            status = done.response.status,
            "token revoked and its object deleted"
        );
        Ok(Revocation::Revoked)
    }

    /// The stored token, `None` when missing or unreadable (then it is refreshed).
    async fn stored(&self, provider: &ProviderId) -> Option<AccessToken> {
        let key = provider.object_key();
        match self.store.get(&key).await {
            Ok(Some(body)) => serde_json::from_slice(&body)
                .inspect_err(|_| {
                    tracing::warn!(
                        provider = provider.tool(),
                        org = provider.org(),
                        key,
                        "the stored token is not a token document; refreshing"
                    );
                })
                .ok(),
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(
                    provider = provider.tool(),
                    org = provider.org(),
                    key,
                    error = %error,
                    "reading the stored token failed; refreshing"
                );
                None
            }
        }
    }

    /// The credentials in `secret`: through the cache, or `fresh` from Secrets Manager.
    async fn credentials(&self, secret: &str, fresh: bool) -> Result<Credentials, TokenError> {
        let value = if fresh {
            self.secrets.get_fresh(secret).await?
        } else {
            self.secrets.get(secret).await?
        };
        Credentials::parse(value.expose(), self.endpoints).map_err(|problem| {
            TokenError::InvalidCredentials {
                secret: secret.to_owned(),
                problem,
            }
        })
    }

    /// Sends the request `build` makes from `credentials` (read from `secret`). When the
    /// endpoint refuses it with 400 or 401, reads the secret again from Secrets Manager and,
    /// if the credentials changed, sends the request once more with them; the attempts of
    /// both count. Returns the credentials that succeeded. (Unreachable, Secrets Manager
    /// answers with the cached credentials: unchanged, so the refusal stands.)
    async fn send_authenticated(
        &self,
        provider: &ProviderId,
        secret: &str,
        credentials: Credentials,
        endpoint: &'static str,
        build: impl Fn(&Credentials) -> Result<FormRequest, TokenError>,
    ) -> Result<(Credentials, Success), TokenError> {
        let send_with = |credentials: &Credentials| {
            let request = build(credentials);
            async move {
                send(
                    &self.http,
                    &self.retry,
                    &self.timing,
                    provider,
                    endpoint,
                    &request?,
                )
                .await
            }
        };
        let refused = match send_with(&credentials).await {
            Err(
                err @ TokenError::Rejected {
                    status: 400 | 401, ..
                },
            ) => err,
            result => return result.map(|done| (credentials, done)),
        };
        let current = match self.credentials(secret, true).await {
            Ok(current) if current != credentials => current,
            Ok(_) => return Err(refused),
            Err(error) => {
                tracing::warn!(
                    provider = provider.tool(),
                    org = provider.org(),
                    error = %error,
                    "reading the credentials again after a refusal failed"
                );
                return Err(refused);
            }
        };
        tracing::info!(
            provider = provider.tool(),
            org = provider.org(),
            endpoint,
            "the credentials changed since they were cached; sending again with the new ones"
        );
        let earlier = refused.attempts();
        match send_with(&current).await {
            Ok(mut done) => {
                done.attempts += earlier;
                Ok((current, done))
            }
            Err(err) => Err(err.after(earlier)),
        }
    }

    /// Fetches a token with the client-credentials grant and stores it; `force` reads the
    /// credentials from Secrets Manager, not the cache.
    async fn refresh(
        &self,
        provider: &ProviderId,
        force: bool,
    ) -> Result<(AccessToken, u32), TokenError> {
        let secret = provider.secret_name(&self.app)?;
        let credentials = self.credentials(&secret, force).await?;
        let (credentials, done) = self
            .send_authenticated(provider, &secret, credentials, "token", |c| {
                Ok(token_request(c))
            })
            .await?;
        let response = parse_token_response(&done.response.body).map_err(|reason| {
            TokenError::InvalidResponse {
                reason: reason.to_string(),
                attempts: done.attempts,
            }
        })?;
        let expires_in = response.expires_in.unwrap_or_else(|| {
            tracing::warn!(
                provider = provider.tool(),
                org = provider.org(),
                default_seconds = DEFAULT_EXPIRES_IN,
                "the token response has no expires_in; assuming the default lifetime"
            );
            DEFAULT_EXPIRES_IN
        });
        let token = AccessToken::new(
            response.access_token,
            response.token_type,
            response.scope.or(credentials.scope),
            self.timing.wall.epoch_seconds(),
            expires_in,
        );
        let body = serde_json::to_vec(&token)
            .map_err(|e| TokenError::Storage(format!("encoding the token document: {e}")))?;
        self.store
            .put(&provider.object_key(), body)
            .await
            .map_err(|e| TokenError::Storage(e.to_string()))?;
        Ok((token, done.attempts))
    }

    async fn notify(&self, notification: &Notification) {
        let Some(notifier) = &self.notifier else {
            return;
        };
        if let Err(error) = notifier.notify(notification).await {
            tracing::error!(
                provider = %notification.provider,
                org = %notification.org,
                outcome = notification.outcome,
                error = %error,
                "publishing the notification failed"
            );
        }
    }
}

//! The authorizer handler.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayCustomAuthorizerResponse,
};
use aws_lambda_events::http::header::AUTHORIZATION;
use lambda_runtime::{Diagnostic, LambdaEvent};
use secrets_client::{AwsSecretStore, SecretStore, SecretValue, SecretsClient, SecretsError};
use serde_json::{Map, Value};
use thiserror::Error;

use crate::config::Config;
use crate::jwt::{Verifier, WeakKey, MAX_TOKEN_LEN};
use crate::log_id::{LogIdKeyError, LogIds};
use crate::policy;

/// The only error the authorizer returns. Its `errorMessage` is exactly `Unauthorized`, which
/// API Gateway turns into a 401 response; the reason is logged, never returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unauthorized;

impl std::fmt::Display for Unauthorized {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unauthorized")
    }
}

impl std::error::Error for Unauthorized {}

impl From<Unauthorized> for Diagnostic {
    fn from(_: Unauthorized) -> Self {
        Diagnostic {
            error_type: "Unauthorized".to_owned(),
            error_message: "Unauthorized".to_owned(),
        }
    }
}

/// The response type: an IAM policy with a flat context map.
pub type Response = ApiGatewayCustomAuthorizerResponse<Map<String, Value>>;

/// What the authorizer derives from the current signing key: the verifier and the keyed
/// hash that names principals in the log.
#[derive(Debug)]
pub struct Keyed {
    /// Verifies tokens signed with the key.
    pub verifier: Verifier,
    /// Log ids of principals ([`LogIds`]).
    pub log_ids: LogIds,
}

/// Authorizer state kept across invocations: configuration, the secrets client, and what is
/// derived from the current key (rebuilt only when the key changes).
pub struct Authorizer<S = AwsSecretStore> {
    config: Config,
    secrets: SecretsClient<S>,
    keyed: Mutex<Option<(SecretValue, Arc<Keyed>)>>,
}

impl<S: SecretStore> Authorizer<S> {
    /// Creates the authorizer.
    pub fn new(config: Config, secrets: SecretsClient<S>) -> Self {
        Self {
            config,
            secrets,
            keyed: Mutex::new(None),
        }
    }

    /// Handles one authorizer event at the current time.
    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest>,
    ) -> Result<Response, Unauthorized> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        self.handle_at(event, now).await
    }

    /// Handles one authorizer event at `now` (seconds since the Unix epoch).
    pub async fn handle_at(
        &self,
        event: LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest>,
        now: i64,
    ) -> Result<Response, Unauthorized> {
        let request_id = event.context.request_id.as_str();
        let deny = |reason: &dyn std::fmt::Display| {
            tracing::warn!(request_id, reason = %reason, "request denied");
            Unauthorized
        };
        let request = event.payload;
        let method_arn = request.method_arn.as_deref().unwrap_or_default();
        let resource = policy::stage_resource(method_arn)
            .ok_or_else(|| deny(&"methodArn is not an execute-api method ARN"))?;
        let token = bearer_token(&request).map_err(|reason| deny(&reason))?;
        let keyed = self.keyed().await.map_err(|reason| {
            tracing::error!(request_id, reason = %reason, "cannot load the signing key");
            Unauthorized
        })?;
        let mut verified = keyed.verifier.verify(token, now).map_err(|e| deny(&e))?;
        // `principalId` is API Gateway's, not a claim's: a claim of that name would compete
        // with it in the integration's `requestContext.authorizer`.
        verified.context.remove(policy::PRINCIPAL_ID);
        tracing::info!(
            request_id,
            principal = %keyed.log_ids.of(&verified.subject),
            "request allowed"
        );
        Ok(policy::allow(verified.subject, resource, verified.context))
    }

    /// The verifier and log ids for the current key; the key comes from the secrets cache,
    /// and the keyed HMAC states are rebuilt only when the cached value changes.
    pub async fn keyed(&self) -> Result<Arc<Keyed>, KeyError> {
        let secret = self.secrets.get(&self.config.secret_id).await?;
        {
            let current = self.keyed.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((value, keyed)) = current.as_ref() {
                if value.same_allocation(&secret) {
                    return Ok(keyed.clone());
                }
            }
        }
        let key = match &self.config.secret_json_key {
            None => secret.expose().to_owned(),
            Some(json_key) => {
                self.secrets
                    .get_json_key(&self.config.secret_id, json_key)
                    .await?
            }
        };
        let verifier = Verifier::new(
            key.as_bytes(),
            Some(self.config.issuer.clone()),
            Some(self.config.audience.clone()),
            self.config.leeway_seconds,
        )?
        .with_max_lifetime(self.config.max_lifetime_seconds);
        let keyed = Arc::new(Keyed {
            verifier,
            log_ids: LogIds::new(key.as_bytes())?,
        });
        *self.keyed.lock().unwrap_or_else(PoisonError::into_inner) = Some((secret, keyed.clone()));
        Ok(keyed)
    }
}

/// Why the signing key could not be loaded or used.
#[derive(Debug, Error)]
pub enum KeyError {
    /// Reading the secret failed.
    #[error(transparent)]
    Secret(#[from] SecretsError),
    /// The key is too short to verify HS256.
    #[error(transparent)]
    Weak(#[from] WeakKey),
    /// The key cannot key the log ids.
    #[error(transparent)]
    LogIds(#[from] LogIdKeyError),
}

/// Why no bearer token could be taken from the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// No `Authorization` header.
    Missing,
    /// More than one `Authorization` header.
    Repeated,
    /// Not `Bearer <token>`.
    WrongScheme,
    /// The header is longer than a token may be.
    TooLong,
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            HeaderError::Missing => "no Authorization header",
            HeaderError::Repeated => "more than one Authorization header",
            HeaderError::WrongScheme => "Authorization header is not `Bearer <token>`",
            HeaderError::TooLong => "Authorization header too long",
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header (scheme case-insensitive).
///
/// API Gateway passes a REQUEST authorizer the headers twice: `headers` keeps one value per
/// name (the last), `multiValueHeaders` every value. A repeated header is visible only in
/// the second, so both are read: more than one value in either, or different values in the
/// two, is [`HeaderError::Repeated`]. An event without `multiValueHeaders` (not one API
/// Gateway sends) is read from `headers` alone.
pub fn bearer_token(
    request: &ApiGatewayCustomAuthorizerRequestTypeRequest,
) -> Result<&str, HeaderError> {
    let all = request.multi_value_headers.get_all(AUTHORIZATION);
    let single = request.headers.get_all(AUTHORIZATION);
    if all.iter().nth(1).is_some() || single.iter().nth(1).is_some() {
        return Err(HeaderError::Repeated);
    }
    let value = match (all.iter().next(), single.iter().next()) {
        (None, None) => return Err(HeaderError::Missing),
        (Some(a), Some(b)) if a != b => return Err(HeaderError::Repeated),
        (Some(value), _) | (None, Some(value)) => value,
    };
    if value.len() > MAX_TOKEN_LEN + 16 {
        return Err(HeaderError::TooLong);
    }
    let value = value.to_str().map_err(|_| HeaderError::WrongScheme)?;
    let (scheme, token) = value.split_once(' ').ok_or(HeaderError::WrongScheme)?;
    let token = token.trim_matches(' ');
    if !scheme.eq_ignore_ascii_case("bearer")
        || token.is_empty()
        || token.contains(char::is_whitespace)
    {
        return Err(HeaderError::WrongScheme);
    }
    Ok(token)
}

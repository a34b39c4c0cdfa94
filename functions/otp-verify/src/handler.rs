//! The `POST /otp/verify` handler.

use std::convert::Infallible;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use jwt_hs256::{Signer, WeakKey};
use lambda_runtime::LambdaEvent;
use otp::response::{internal_error, invalid, json_response};
use otp::store::code_key;
use otp::{Code, HashKey, OtpStore, Redemption, StoredCode};
use secrets_client::{AwsSecretStore, SecretStore, SecretsClient, SecretsError};
use serde_json::{json, Map, Value};
use thiserror::Error;

use crate::config::Config;
use crate::validation::{validate, FIELDS};

/// The function's state across invocations: configuration, secrets cache, store.
pub struct VerifyOtp<T, S = AwsSecretStore> {
    config: Config,
    secrets: SecretsClient<S>,
    store: T,
}

/// Why the orders API's signing key could not be loaded or used.
#[derive(Debug, Error)]
enum SignerError {
    #[error(transparent)]
    Secret(#[from] SecretsError),
    #[error(transparent)]
    Weak(#[from] WeakKey),
}

/// Why a code was refused (for the log; the client sees one answer for all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    NoCode,
    Used,
    Exhausted,
    Expired,
    Wrong,
}

impl Refused {
    /// Why a redemption was refused, from the code item as the refused condition saw it.
    fn of(stored: Option<&StoredCode>, now: i64, max_attempts: u32) -> Self {
        match stored {
            None => Refused::NoCode,
            Some(c) if c.used => Refused::Used,
            Some(c) if c.attempts >= max_attempts => Refused::Exhausted,
            Some(c) if c.expires_at <= now => Refused::Expired,
            // Live, so the hash is what failed the condition.
            Some(_) => Refused::Wrong,
        }
    }
}

impl<T: OtpStore, S: SecretStore> VerifyOtp<T, S> {
    /// Creates the handler state.
    pub fn new(config: Config, secrets: SecretsClient<S>, store: T) -> Self {
        Self {
            config,
            secrets,
            store,
        }
    }

    /// Handles one API Gateway proxy event at `now` (epoch seconds). Every outcome is an
    /// HTTP response; the `Err` type is uninhabited.
    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayProxyRequest>,
        now: i64,
    ) -> Result<ApiGatewayProxyResponse, Infallible> {
        let request_id = otp::request::request_id(&event.payload, &event.context.request_id);
        let fields = match otp::request::json_fields(&event.payload, FIELDS) {
            Ok(fields) => fields,
            Err(response) => return Ok(response),
        };
        let (email, code) = match validate(fields) {
            Ok(valid) => valid,
            Err(details) => {
                let fields: Vec<_> = details.iter().filter_map(|d| d.field.clone()).collect();
                tracing::info!(request_id, ?fields, "rejected body");
                return Ok(invalid(details));
            }
        };
        Ok(match self.redeem(&request_id, &email, &code, now).await {
            Ok(Ok(token)) => json_response(
                200,
                &json!({"token": token, "token_type": "Bearer", "expires_in": self.config.token_ttl_seconds}),
            ),
            Ok(Err(())) => json_response(401, &json!({"error": "invalid or expired code"})),
            Err(()) => internal_error(&request_id),
        })
    }

    /// `Ok(Ok(token))` when the code is redeemed now, `Ok(Err(()))` when it is refused,
    /// `Err(())` on an internal failure (logged here).
    ///
    /// Every refusal does the same work, so its timing tells nothing: the HMAC of the guess,
    /// the signing key (cached), one conditional update that would redeem it (refused, the
    /// item returned for the log) and one that counts a wrong guess (which changes nothing
    /// unless a live code other than the guess is there).
    async fn redeem(
        &self,
        request_id: &str,
        email: &str,
        code: &Code,
        now: i64,
    ) -> Result<Result<String, ()>, ()> {
        let internal = |what: &str, error: &dyn std::fmt::Display| {
            tracing::error!(request_id, error = %error, "{what}");
        };
        let key = HashKey::load(&self.secrets, &self.config.hash_key_secret_id)
            .await
            .map_err(|e| internal("cannot load the hash key", &e))?;
        let address_id = key.address_id(email);
        let item = code_key(&address_id);
        let guess = key.code_hash(&address_id, code);
        let max = self.config.max_attempts;
        // The signer first: a code is not spent on a request that cannot get its token.
        let signer = self
            .signer()
            .await
            .map_err(|e| internal("cannot load the signing key", &e))?;
        let redemption = self
            .store
            .redeem(&item, &guess, now, max)
            .await
            .map_err(|e| internal("redeeming the code failed", &e))?;
        if let Redemption::Refused(stored) = redemption {
            self.store
                .record_wrong_guess(&item, &guess, now, max)
                .await
                .map_err(|e| internal("counting the wrong guess failed", &e))?;
            let reason = Refused::of(stored.as_ref(), now, max);
            tracing::info!(request_id, address_id, ?reason, "code refused");
            return Ok(Err(()));
        }
        tracing::info!(request_id, address_id, "code redeemed; token issued");
        Ok(Ok(signer.sign(&self.claims(email, now))))
    }

    /// The claims of an issued token: `sub`, `iat`, `exp`, and `iss`/`aud` when configured.
    pub fn claims(&self, email: &str, now: i64) -> Map<String, Value> {
        let ttl = i64::try_from(self.config.token_ttl_seconds).unwrap_or(i64::MAX);
        let mut claims = Map::new();
        claims.insert("sub".into(), email.into());
        claims.insert("iat".into(), now.into());
        claims.insert("exp".into(), now.saturating_add(ttl).into());
        if let Some(issuer) = &self.config.issuer {
            claims.insert("iss".into(), issuer.as_str().into());
        }
        if let Some(audience) = &self.config.audience {
            claims.insert("aud".into(), audience.as_str().into());
        }
        claims
    }

    /// The signer for the orders API's key, read exactly as the authorizer reads it.
    async fn signer(&self) -> Result<Signer, SignerError> {
        let id = &self.config.jwt_secret_id;
        let key = match &self.config.jwt_secret_json_key {
            None => self.secrets.get(id).await.map(|v| v.expose().to_owned()),
            Some(member) => self.secrets.get_json_key(id, member).await,
        }?;
        Ok(Signer::new(key.as_bytes())?)
    }
}

//! The `POST /otp` handler.

use std::convert::Infallible;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use lambda_runtime::LambdaEvent;
use otp::response::{internal_error, invalid, json_response, server_error};
use otp::store::{address_sends_key, code_key, phone_sends_key};
use otp::{Code, HashKey, OtpStore};
use secrets_client::{AwsSecretStore, SecretStore, SecretsClient};
use serde_json::json;

use crate::config::Config;
use crate::delivery::{Deliver, Destination};
use crate::validation::{validate, Channel, FIELDS};

/// The function's state across invocations: configuration, secrets cache, store, sender.
pub struct CreateOtp<T, D, S = AwsSecretStore> {
    config: Config,
    secrets: SecretsClient<S>,
    store: T,
    delivery: D,
}

impl<T: OtpStore, D: Deliver, S: SecretStore> CreateOtp<T, D, S> {
    /// Creates the handler state.
    pub fn new(config: Config, secrets: SecretsClient<S>, store: T, delivery: D) -> Self {
        Self {
            config,
            secrets,
            store,
            delivery,
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
        let request = match validate(fields, self.config.sms_enabled) {
            Ok(request) => request,
            Err(details) => {
                let fields: Vec<_> = details.iter().filter_map(|d| d.field.clone()).collect();
                tracing::info!(request_id, ?fields, "rejected body");
                return Ok(invalid(details));
            }
        };
        Ok(self
            .issue(&request_id, &request.email, request.channel, now)
            .await)
    }

    async fn issue(
        &self,
        request_id: &str,
        email: &str,
        channel: Channel,
        now: i64,
    ) -> ApiGatewayProxyResponse {
        let accepted = json_response(
            202,
            &json!({"status": "accepted", "expires_in": self.config.ttl_seconds}),
        );
        let internal = |what: &str, error: &dyn std::fmt::Display| {
            tracing::error!(request_id, error = %error, "{what}");
            internal_error(request_id)
        };
        let key = match HashKey::load(&self.secrets, &self.config.hash_key_secret_id).await {
            Ok(key) => key,
            Err(e) => return internal("cannot load the hash key", &e),
        };
        let address_id = key.address_id(email);

        // SMS goes only to the number registered for the address; without one nothing is
        // sent and nothing stored, and the answer is the same 202 as for any valid request.
        let phone_number = match channel {
            Channel::Email => None,
            Channel::Sms => match self.store.registered_phone(&address_id).await {
                Ok(Some(number)) => Some(number),
                Ok(None) => {
                    tracing::info!(
                        request_id,
                        address_id,
                        channel = "sms",
                        reason = "no registered phone",
                        "code not sent"
                    );
                    return accepted;
                }
                Err(e) => return internal("reading the registered phone failed", &e),
            },
        };

        // Send limits: the address's, and the phone number's for SMS. A limited request
        // answers like any other; only the log (with hashes) tells.
        let window = i64::try_from(self.config.send_window_seconds).unwrap_or(i64::MAX);
        let mut counters = vec![address_sends_key(&address_id)];
        if let Some(number) = &phone_number {
            counters.push(phone_sends_key(&key.phone_id(number)));
        }
        for counter in &counters {
            match self
                .store
                .take_send(counter, now, window, self.config.max_sends)
                .await
            {
                Ok(true) => {}
                Ok(false) => {
                    tracing::warn!(
                        request_id,
                        address_id,
                        counter,
                        "send limit reached; code not sent"
                    );
                    return accepted;
                }
                Err(e) => return internal("counting the send failed", &e),
            }
        }

        let code = match Code::generate() {
            Ok(code) => code,
            Err(e) => return internal("the RNG failed", &e),
        };
        let item = code_key(&address_id);
        let code_hash = key.code_hash(&address_id, &code);
        let ttl = i64::try_from(self.config.ttl_seconds).unwrap_or(i64::MAX);
        if let Err(e) = self
            .store
            .put_code(&item, &code_hash, now, now.saturating_add(ttl))
            .await
        {
            return internal("storing the code failed", &e);
        }

        let (destination, channel_name) = match &phone_number {
            None => (Destination::Email(email), "email"),
            Some(number) => (Destination::Sms(number), "sms"),
        };
        match self
            .delivery
            .deliver(destination, &code, self.config.ttl_seconds)
            .await
        {
            Ok(()) => {
                tracing::info!(request_id, address_id, channel = channel_name, "code sent");
                accepted
            }
            Err(e) => {
                // A code nobody received must not stay redeemable.
                if let Err(delete) = self.store.delete_code(&item, &code_hash).await {
                    tracing::error!(request_id, address_id, error = %delete, "removing the undelivered code failed");
                }
                tracing::error!(request_id, address_id, channel = channel_name, error = %e.0, "delivery failed; code removed");
                server_error(502, "the code could not be delivered", request_id)
            }
        }
    }
}

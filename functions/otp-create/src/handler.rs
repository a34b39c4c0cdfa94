//! The `POST /otp` handler.

use std::convert::Infallible;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use lambda_runtime::LambdaEvent;
use otp::response::{internal_error, invalid, json_response, server_error};
use otp::store::{
    address_sends_key, budget_key, code_key, domain_sends_key, phone_sends_key, StoreError,
};
use otp::{Code, HashKey, OtpStore};
use secrets_client::{AwsSecretStore, SecretStore, SecretsClient};
use serde_json::json;
use tokio::time::Instant;

use crate::config::{Config, DAY_SECONDS};
use crate::delivery::{Deliver, Destination};
use crate::metrics::Metrics;
use crate::validation::{validate, Channel, FIELDS};

/// The function's state across invocations: configuration, secrets cache, store, sender,
/// metrics.
pub struct CreateOtp<T, D, M, S = AwsSecretStore> {
    config: Config,
    secrets: SecretsClient<S>,
    store: T,
    delivery: D,
    metrics: M,
}

/// A limit that can refuse a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    /// Codes per mailbox per window (`OTP_MAX_SENDS` per `OTP_SEND_WINDOW_SECONDS`).
    Mailbox,
    /// Codes per phone number per window (SMS).
    Phone,
    /// Codes per mail domain per day (`OTP_DOMAIN_DAILY_LIMIT`).
    Domain,
    /// Codes in all per day (`OTP_DAILY_BUDGET`).
    DailyBudget,
}

impl Limit {
    fn name(self) -> &'static str {
        match self {
            Limit::Mailbox => "mailbox",
            Limit::Phone => "phone number",
            Limit::Domain => "domain",
            Limit::DailyBudget => "daily budget",
        }
    }
}

fn seconds(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl<T: OtpStore, D: Deliver, M: Metrics, S: SecretStore> CreateOtp<T, D, M, S> {
    /// Creates the handler state.
    pub fn new(
        config: Config,
        secrets: SecretsClient<S>,
        store: T,
        delivery: D,
        metrics: M,
    ) -> Self {
        Self {
            config,
            secrets,
            store,
            delivery,
            metrics,
        }
    }

    /// Handles one API Gateway proxy event at `now` (epoch seconds). Every outcome is an
    /// HTTP response; the `Err` type is uninhabited. A valid request is answered no sooner
    /// than `OTP_MIN_RESPONSE_MS` after it arrived, whatever happened to it (see the crate
    /// docs, "Timing").
    pub async fn handle(
        &self,
        event: LambdaEvent<ApiGatewayProxyRequest>,
        now: i64,
    ) -> Result<ApiGatewayProxyResponse, Infallible> {
        let started = Instant::now();
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
        let response = self
            .issue(&request_id, &request.email, request.channel, now)
            .await;
        self.pace(&request_id, started).await;
        Ok(response)
    }

    /// Waits until `OTP_MIN_RESPONSE_MS` after `started`; logs when that is already past.
    async fn pace(&self, request_id: &str, started: Instant) {
        let floor = started + self.config.min_response;
        if Instant::now() > floor {
            let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            tracing::warn!(
                request_id,
                elapsed_ms,
                "answered later than OTP_MIN_RESPONSE_MS: this response's timing may tell what happened"
            );
        }
        tokio::time::sleep_until(floor).await;
    }

    /// The response to a valid request, in phases: (SMS) the registered number; a code
    /// stored unless a live one exists; the limits ([`Self::take_limits`]); the send.
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

        // A live code stays: it was delivered, and replacing it would let anyone who knows
        // the address invalidate the code its owner is about to type. The new code is
        // stored only where none is live (one conditional put, so concurrent requests
        // cannot both store one).
        let code = match Code::generate() {
            Ok(code) => code,
            Err(e) => return internal("the RNG failed", &e),
        };
        let item = code_key(&address_id);
        let code_hash = key.code_hash(&address_id, &code);
        let expires_at = now.saturating_add(seconds(self.config.ttl_seconds));
        match self
            .store
            .put_code(&item, &code_hash, now, expires_at, self.config.max_attempts)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(
                    request_id,
                    address_id,
                    "a live code exists; kept, nothing sent"
                );
                return accepted;
            }
            Err(e) => return internal("storing the code failed", &e),
        }

        // Send limits. A limited request answers like any other; only the log (with
        // hashes) tells.
        match self
            .take_limits(&key, email, phone_number.as_deref(), now)
            .await
        {
            Ok(None) => {}
            Ok(Some((limit, counter))) => {
                self.discard(request_id, &address_id, &item, &code_hash)
                    .await;
                tracing::warn!(
                    request_id,
                    address_id,
                    limit = limit.name(),
                    counter,
                    "send limit reached; code not sent"
                );
                if limit == Limit::DailyBudget {
                    self.metrics.daily_budget_exhausted(now);
                }
                return accepted;
            }
            Err(e) => {
                self.discard(request_id, &address_id, &item, &code_hash)
                    .await;
                return internal("counting the send failed", &e);
            }
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
                self.discard(request_id, &address_id, &item, &code_hash)
                    .await;
                tracing::error!(request_id, address_id, channel = channel_name, error = %e.0, "delivery failed; code removed");
                server_error(502, "the code could not be delivered", request_id)
            }
        }
    }

    /// Counts the send against each limit it falls under, the most specific first (so that
    /// a request its own mailbox's limit refuses spends nothing of its domain's or of the
    /// budget); the first limit that refuses it, with its counter's key.
    async fn take_limits(
        &self,
        key: &HashKey,
        email: &str,
        phone_number: Option<&str>,
        now: i64,
    ) -> Result<Option<(Limit, String)>, StoreError> {
        let c = &self.config;
        let window = seconds(c.send_window_seconds);
        let day = seconds(DAY_SECONDS);
        let mailbox = otp::email::mailbox(email);
        let mut limits = vec![(
            Limit::Mailbox,
            address_sends_key(&key.address_id(&mailbox)),
            window,
            c.max_sends,
        )];
        match phone_number {
            Some(number) => limits.push((
                Limit::Phone,
                phone_sends_key(&key.phone_id(number)),
                window,
                c.max_sends,
            )),
            None => limits.push((
                Limit::Domain,
                domain_sends_key(&key.domain_id(otp::email::domain(&mailbox))),
                day,
                c.domain_daily_limit,
            )),
        }
        limits.push((Limit::DailyBudget, budget_key(), day, c.daily_budget));
        for (limit, counter, window, max) in limits {
            if !self.store.take_send(&counter, now, window, max).await? {
                return Ok(Some((limit, counter)));
            }
        }
        Ok(None)
    }

    /// Deletes the code just stored for `item`, which nobody will receive, so that it
    /// neither stays redeemable nor keeps a later request from sending one.
    async fn discard(&self, request_id: &str, address_id: &str, item: &str, code_hash: &str) {
        if let Err(e) = self.store.delete_code(item, code_hash).await {
            tracing::error!(request_id, address_id, error = %e, "removing the unsent code failed");
        }
    }
}

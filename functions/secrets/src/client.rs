//! The cached, retrying client.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use thiserror::Error;

use crate::local::is_local_run;
use crate::name::env_var_name;
use crate::retry::{Clock, RetryPolicy, Sleeper, SystemClock, TokioSleeper};
use crate::store::{AwsSecretStore, SecretStore, StoreError};

/// Default time a fetched value is served from memory without asking Secrets Manager.
pub const DEFAULT_TTL: Duration = Duration::from_secs(300);

/// Default age beyond which an expired value is no longer served during an outage.
pub const DEFAULT_MAX_STALE: Duration = Duration::from_secs(24 * 3600);

/// A secret value. Its `Debug` output is redacted so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(pub(crate) Arc<str>);

impl SecretValue {
    /// The value itself.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `self` and `other` are the same cached allocation (cheap "did it change?"
    /// check for callers that derive state, such as a keyed MAC, from the value).
    pub fn same_allocation(&self, other: &SecretValue) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(<redacted>)")
    }
}

/// Why a secret could not be provided.
#[derive(Debug, Error)]
pub enum SecretsError {
    /// Secrets Manager says the secret does not exist.
    #[error("secret `{secret_id}` not found: {message}")]
    NotFound {
        /// The requested id.
        secret_id: String,
        /// Backend message.
        message: String,
    },
    /// Secrets Manager failed, retries were exhausted, and no usable cached value exists.
    #[error("secret `{secret_id}` unavailable after {attempts} attempt(s): {message}")]
    Unavailable {
        /// The requested id.
        secret_id: String,
        /// Attempts made.
        attempts: u32,
        /// Last backend message.
        message: String,
    },
    /// The value is not a JSON object (for [`SecretsClient::get_json_key`]).
    #[error("secret `{secret_id}` is not a JSON object")]
    NotJsonObject {
        /// The requested id.
        secret_id: String,
    },
    /// The JSON object has no such key.
    #[error("secret `{secret_id}` has no key `{key}`")]
    MissingKey {
        /// The requested id.
        secret_id: String,
        /// The requested key.
        key: String,
    },
    /// The builder was misconfigured.
    #[error("{0}")]
    Config(String),
}

#[derive(Clone)]
struct Entry {
    value: SecretValue,
    fetched_at: Instant,
}

/// Configures a [`SecretsClient`].
pub struct SecretsClientBuilder<S> {
    store: S,
    ttl: Duration,
    max_stale: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    env_fallback: Option<String>,
}

impl<S: SecretStore> SecretsClientBuilder<S> {
    /// How long a value is served from memory (default [`DEFAULT_TTL`]).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How old an expired value may be and still be served when Secrets Manager is
    /// unreachable (default [`DEFAULT_MAX_STALE`]).
    pub fn max_stale(mut self, max_stale: Duration) -> Self {
        self.max_stale = max_stale;
        self
    }

    /// Retry policy for transient failures (default [`RetryPolicy::default`]).
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the clock (tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Replaces the sleeper used between retries (tests).
    pub fn sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Opts in to the local-development fallback: when Secrets Manager cannot provide a
    /// secret and nothing is cached, the value of the environment variable
    /// [`env_var_name`]`(prefix, secret_id)` is used instead, with a warning.
    ///
    /// [`build`](Self::build) refuses this outside [local runs](crate::local), so a deployed
    /// function can never silently run on a credential from its environment.
    pub fn env_fallback(mut self, prefix: impl Into<String>) -> Self {
        self.env_fallback = Some(prefix.into());
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<SecretsClient<S>, SecretsError> {
        if self.env_fallback.is_some() && !is_local_run() {
            return Err(SecretsError::Config(
                "the environment-variable fallback is for local runs and is refused in a deployed function; remove `env_fallback` or run under `infra local`"
                    .to_owned(),
            ));
        }
        if self.retry.max_attempts == 0 {
            return Err(SecretsError::Config(
                "retry policy needs at least one attempt".to_owned(),
            ));
        }
        Ok(SecretsClient {
            store: self.store,
            cache: Mutex::new(HashMap::new()),
            ttl: self.ttl,
            max_stale: self.max_stale,
            retry: self.retry,
            clock: self.clock,
            sleeper: self.sleeper,
            env_fallback: self.env_fallback,
        })
    }
}

/// Secrets Manager client with an in-memory cache, bounded retries and stale-on-error.
///
/// * A value is served from memory for `ttl` after it was fetched.
/// * A fetch that fails transiently (throttling, 5xx, timeout, connection error) is retried
///   with exponential backoff and full jitter ([`RetryPolicy`]).
/// * If it still fails and an expired value younger than `max_stale` is cached, that value
///   is served and a warning says so. "Not found" and permanent errors (access denied) are
///   never papered over.
/// * [`put`](Self::put) and [`create`](Self::create) invalidate the cached entry of the id
///   they were given. The cache is keyed by the id as passed: a value cached under an ARN is
///   not invalidated by a write through the secret's name.
///
/// Concurrent misses for the same id may fetch twice; a Lambda instance handles one event at
/// a time, so a per-key lock would buy nothing there.
pub struct SecretsClient<S = AwsSecretStore> {
    store: S,
    cache: Mutex<HashMap<String, Entry>>,
    ttl: Duration,
    max_stale: Duration,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    sleeper: Arc<dyn Sleeper>,
    env_fallback: Option<String>,
}

impl SecretsClient<AwsSecretStore> {
    /// A client over Secrets Manager configured from `config`, with default settings.
    pub fn from_conf(config: &aws_config::SdkConfig) -> Self {
        Self {
            store: AwsSecretStore::from_conf(config),
            cache: Mutex::new(HashMap::new()),
            ttl: DEFAULT_TTL,
            max_stale: DEFAULT_MAX_STALE,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            env_fallback: None,
        }
    }
}

impl<S: SecretStore> SecretsClient<S> {
    /// Starts configuring a client over `store`.
    pub fn builder(store: S) -> SecretsClientBuilder<S> {
        SecretsClientBuilder {
            store,
            ttl: DEFAULT_TTL,
            max_stale: DEFAULT_MAX_STALE,
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            sleeper: Arc::new(TokioSleeper),
            env_fallback: None,
        }
    }

    /// The backend, e.g. to inspect a fake in tests.
    pub fn store(&self) -> &S {
        &self.store
    }

    fn cached(&self, secret_id: &str) -> Option<Entry> {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(secret_id)
            .cloned()
    }

    /// The value of `secret_id` (a name or an ARN).
    pub async fn get(&self, secret_id: &str) -> Result<SecretValue, SecretsError> {
        self.read(secret_id, self.ttl).await
    }

    /// The value of `secret_id` as Secrets Manager has it now, whatever the cache holds (for a
    /// caller that suspects a rotation, such as a credential the other side just refused).
    /// Like [`get`](Self::get) it caches what it fetched, and serves the cached value, with a
    /// warning, when Secrets Manager is unreachable.
    pub async fn get_fresh(&self, secret_id: &str) -> Result<SecretValue, SecretsError> {
        self.read(secret_id, Duration::ZERO).await
    }

    /// The cached value of `secret_id` if it is younger than `max_age`, else a fetched one.
    async fn read(&self, secret_id: &str, max_age: Duration) -> Result<SecretValue, SecretsError> {
        let now = self.clock.now();
        let cached = self.cached(secret_id);
        if let Some(entry) = &cached {
            if now.saturating_duration_since(entry.fetched_at) < max_age {
                return Ok(entry.value.clone());
            }
        }
        match self.fetch(secret_id).await {
            Ok(value) => {
                let value = SecretValue(Arc::from(value));
                // Keep the old allocation when nothing changed, so callers that derive state
                // from the value (SecretValue::same_allocation) need not recompute it.
                let value = match cached {
                    Some(old) if old.value == value => old.value,
                    _ => value,
                };
                let entry = Entry {
                    value: value.clone(),
                    fetched_at: self.clock.now(),
                };
                self.cache
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(secret_id.to_owned(), entry);
                Ok(value)
            }
            Err((StoreError::Transient(message), attempts)) => {
                if let Some(entry) = cached {
                    let age = now.saturating_duration_since(entry.fetched_at);
                    if age <= self.max_stale {
                        tracing::warn!(
                            secret_id,
                            age_seconds = age.as_secs(),
                            attempts,
                            error = %message,
                            "Secrets Manager unavailable; serving the stale cached value"
                        );
                        return Ok(entry.value);
                    }
                }
                self.env_or(
                    secret_id,
                    SecretsError::Unavailable {
                        secret_id: secret_id.to_owned(),
                        attempts,
                        message,
                    },
                )
            }
            Err((StoreError::NotFound(message), _)) => self.env_or(
                secret_id,
                SecretsError::NotFound {
                    secret_id: secret_id.to_owned(),
                    message,
                },
            ),
            Err((StoreError::Permanent(message), attempts)) => self.env_or(
                secret_id,
                SecretsError::Unavailable {
                    secret_id: secret_id.to_owned(),
                    attempts,
                    message,
                },
            ),
        }
    }

    /// The value of `key` in the JSON object stored in `secret_id`. String values are
    /// returned as they are; numbers and booleans as their JSON text.
    pub async fn get_json_key(&self, secret_id: &str, key: &str) -> Result<String, SecretsError> {
        let value = self.get(secret_id).await?;
        json_key(secret_id, value.expose(), key)
    }

    /// Stores a new value for an existing secret and drops its cache entry.
    pub async fn put(&self, secret_id: &str, value: &str) -> Result<(), SecretsError> {
        let result = self.store.put_secret_string(secret_id, value).await;
        self.invalidate(secret_id);
        result.map_err(|e| write_error(secret_id, e))
    }

    /// Creates a secret and drops any cache entry under its name.
    pub async fn create(
        &self,
        name: &str,
        value: &str,
        description: Option<&str>,
    ) -> Result<(), SecretsError> {
        let result = self.store.create_secret(name, value, description).await;
        self.invalidate(name);
        result.map_err(|e| write_error(name, e))
    }

    /// Drops the cache entry of `secret_id`, so the next read goes to Secrets Manager.
    pub fn invalidate(&self, secret_id: &str) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(secret_id);
    }

    /// Calls the store, retrying transient failures. On failure returns the last error and
    /// the number of attempts made.
    async fn fetch(&self, secret_id: &str) -> Result<String, (StoreError, u32)> {
        let mut attempt = 1;
        loop {
            match self.store.get_secret_string(secret_id).await {
                Ok(value) => return Ok(value),
                Err(err) if err.is_transient() && attempt < self.retry.max_attempts => {
                    let delay = self.retry.backoff(attempt);
                    tracing::info!(
                        secret_id,
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = err.message(),
                        "Secrets Manager call failed; retrying"
                    );
                    self.sleeper.sleep(delay).await;
                    attempt += 1;
                }
                Err(err) => return Err((err, attempt)),
            }
        }
    }

    fn env_or(&self, secret_id: &str, err: SecretsError) -> Result<SecretValue, SecretsError> {
        if let Some(prefix) = &self.env_fallback {
            let var = env_var_name(prefix, secret_id);
            if let Ok(value) = std::env::var(&var) {
                tracing::warn!(
                    secret_id,
                    env_var = %var,
                    error = %err,
                    "Secrets Manager could not provide the secret; using the local-development environment variable"
                );
                return Ok(SecretValue(Arc::from(value)));
            }
        }
        Err(err)
    }
}

fn write_error(secret_id: &str, err: StoreError) -> SecretsError {
    match err {
        StoreError::NotFound(message) => SecretsError::NotFound {
            secret_id: secret_id.to_owned(),
            message,
        },
        StoreError::Transient(message) | StoreError::Permanent(message) => {
            SecretsError::Unavailable {
                secret_id: secret_id.to_owned(),
                attempts: 1,
                message,
            }
        }
    }
}

/// Extracts `key` from the JSON object text `value`.
pub(crate) fn json_key(secret_id: &str, value: &str, key: &str) -> Result<String, SecretsError> {
    let serde_json::Value::Object(mut map) =
        serde_json::from_str(value).map_err(|_| SecretsError::NotJsonObject {
            secret_id: secret_id.to_owned(),
        })?
    else {
        return Err(SecretsError::NotJsonObject {
            secret_id: secret_id.to_owned(),
        });
    };
    match map.remove(key) {
        Some(serde_json::Value::String(s)) => Ok(s),
        Some(serde_json::Value::Null) | None => Err(SecretsError::MissingKey {
            secret_id: secret_id.to_owned(),
            key: key.to_owned(),
        }),
        Some(other) => Ok(other.to_string()),
    }
}

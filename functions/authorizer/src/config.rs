//! Configuration read once from the environment at cold start.

use std::time::Duration;

use env_names::authorizer::{
    JWT_AUDIENCE, JWT_ISSUER, JWT_LEEWAY_SECONDS, JWT_MAX_LIFETIME_SECONDS, JWT_SECRET_ARN,
    JWT_SECRET_JSON_KEY, SECRETS_CACHE_TTL_SECONDS,
};
use thiserror::Error;

use crate::jwt::{DEFAULT_MAX_LIFETIME_SECONDS, MAX_LEEWAY_SECONDS};

/// Settings of the authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Secret id (ARN or name) of the signing key.
    pub secret_id: String,
    /// When set, the secret is a JSON object and the key is this member's value.
    pub secret_json_key: Option<String>,
    /// The `iss` every token must carry.
    pub issuer: String,
    /// The `aud` every token must carry (the string, or a member of the array).
    pub audience: String,
    /// Clock-skew leeway in seconds, at most [`MAX_LEEWAY_SECONDS`].
    pub leeway_seconds: u64,
    /// Longest accepted lifetime: a token whose `exp` is further ahead of now (plus the
    /// leeway) is refused. At most [`MAX_LIFETIME_LIMIT_SECONDS`].
    pub max_lifetime_seconds: u64,
    /// Secret cache TTL.
    pub cache_ttl: Duration,
}

/// A setting that is unset or out of range; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A required variable is unset or blank.
    #[error("{name} is not set: it names {what}")]
    Missing {
        /// The variable.
        name: &'static str,
        /// What its value names.
        what: &'static str,
    },
    /// Not a whole number of seconds.
    #[error("{name} must be a whole number of seconds, got {value:?}")]
    NotSeconds {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// Above the largest value accepted.
    #[error("{name} must be at most {max} seconds, got {value}")]
    TooLarge {
        /// The variable.
        name: &'static str,
        /// The largest value accepted.
        max: u64,
        /// Its value.
        value: u64,
    },
    /// Zero where at least one second is needed.
    #[error("{0} must be at least 1 second")]
    Zero(&'static str),
}

/// Default clock-skew leeway.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

/// The largest `JWT_MAX_LIFETIME_SECONDS` accepted (one day): the setting bounds how long a
/// stolen token stays useful, and a day is already generous for a bearer token.
pub const MAX_LIFETIME_LIMIT_SECONDS: u64 = 86_400;

impl Config {
    /// A configuration for `secret_id` requiring `issuer` and `audience`, with the default
    /// leeway, maximum lifetime and cache TTL.
    pub fn new(
        secret_id: impl Into<String>,
        issuer: impl Into<String>,
        audience: impl Into<String>,
    ) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_json_key: None,
            issuer: issuer.into(),
            audience: audience.into(),
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
            max_lifetime_seconds: DEFAULT_MAX_LIFETIME_SECONDS,
            cache_ttl: secrets_client::DEFAULT_TTL,
        }
    }

    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let required = |name: &'static str, what: &'static str| {
            non_empty(name).ok_or(ConfigError::Missing { name, what })
        };
        let number = |name: &'static str, default: u64, max: u64| -> Result<u64, ConfigError> {
            let value = match non_empty(name) {
                None => default,
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| ConfigError::NotSeconds { name, value: v })?,
            };
            if value > max {
                return Err(ConfigError::TooLarge { name, max, value });
            }
            Ok(value)
        };
        let max_lifetime_seconds = number(
            JWT_MAX_LIFETIME_SECONDS,
            DEFAULT_MAX_LIFETIME_SECONDS,
            MAX_LIFETIME_LIMIT_SECONDS,
        )?;
        if max_lifetime_seconds == 0 {
            return Err(ConfigError::Zero(JWT_MAX_LIFETIME_SECONDS));
        }
        Ok(Self {
            secret_id: required(JWT_SECRET_ARN, "the secret holding the signing key")?,
            secret_json_key: non_empty(JWT_SECRET_JSON_KEY),
            issuer: required(JWT_ISSUER, "the iss every token must carry")?,
            audience: required(JWT_AUDIENCE, "the aud every token must carry")?,
            leeway_seconds: number(
                JWT_LEEWAY_SECONDS,
                DEFAULT_LEEWAY_SECONDS,
                MAX_LEEWAY_SECONDS,
            )?,
            max_lifetime_seconds,
            cache_ttl: Duration::from_secs(number(
                SECRETS_CACHE_TTL_SECONDS,
                secrets_client::DEFAULT_TTL.as_secs(),
                u64::MAX,
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(k: &str) -> Option<String> {
        match k {
            JWT_SECRET_ARN => Some("arn:x".into()),
            JWT_ISSUER => Some("issuer".into()),
            JWT_AUDIENCE => Some("orders".into()),
            _ => None,
        }
    }

    fn with(name: &'static str, value: &'static str) -> Result<Config, ConfigError> {
        Config::from_lookup(move |k| {
            if k == name {
                Some(value.into())
            } else {
                base(k)
            }
        })
    }

    #[test]
    fn reads_env_with_defaults() {
        let c = with(JWT_LEEWAY_SECONDS, "5").unwrap();
        assert_eq!(c.secret_id, "arn:x");
        assert_eq!(
            (c.issuer.as_str(), c.audience.as_str()),
            ("issuer", "orders")
        );
        assert_eq!(c.leeway_seconds, 5);
        assert_eq!(c.max_lifetime_seconds, 3600);
        assert_eq!(c.cache_ttl, Duration::from_secs(300));
        assert_eq!(
            with(JWT_MAX_LIFETIME_SECONDS, "900")
                .unwrap()
                .max_lifetime_seconds,
            900
        );
        assert_eq!(with(JWT_LEEWAY_SECONDS, "60").unwrap().leeway_seconds, 60);
    }

    #[test]
    fn issuer_audience_and_secret_are_required() {
        for &missing in env_names::authorizer::REQUIRED {
            let err = with(missing, " ").unwrap_err().to_string();
            assert!(err.starts_with(&format!("{missing} is not set")), "{err}");
        }
    }

    #[test]
    fn bounds_are_enforced() {
        assert_eq!(
            with(JWT_LEEWAY_SECONDS, "61").unwrap_err().to_string(),
            "JWT_LEEWAY_SECONDS must be at most 60 seconds, got 61"
        );
        assert_eq!(
            with(JWT_MAX_LIFETIME_SECONDS, "86401")
                .unwrap_err()
                .to_string(),
            "JWT_MAX_LIFETIME_SECONDS must be at most 86400 seconds, got 86401"
        );
        assert!(with(JWT_MAX_LIFETIME_SECONDS, "0").is_err());
        assert!(with(JWT_LEEWAY_SECONDS, "x").is_err());
    }
}

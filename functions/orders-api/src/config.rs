//! Configuration read once from the environment at cold start.

use env_names::orders_api::{
    ORDERS_RATE_LIMIT_RECORDS, ORDERS_RATE_TABLE_NAME, ORDERS_RATE_WINDOW_SECONDS,
    ORDERS_TABLE_NAME,
};
use thiserror::Error;

use crate::rate::RateLimit;
use crate::validation::MAX_RECORDS;

/// Settings of the orders API function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `ORDERS_TABLE_NAME`: the orders table.
    pub table: String,
    /// `ORDERS_RATE_TABLE_NAME`: the table of per-principal counters.
    pub rate_table: String,
    /// `ORDERS_RATE_LIMIT_RECORDS` per `ORDERS_RATE_WINDOW_SECONDS`.
    pub rate_limit: RateLimit,
}

/// A setting that is unset or out of range; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// A required variable is unset or blank.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// Not a whole number.
    #[error("{name} must be a whole number, got {value:?}")]
    NotWhole {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// Below the least or above the largest value accepted.
    #[error("{name} must be between {min} and {}, got {value}", u32::MAX)]
    OutOfRange {
        /// The variable.
        name: &'static str,
        /// The least value accepted.
        min: u64,
        /// Its value.
        value: u64,
    },
}

/// Default records a principal may write per window.
pub const DEFAULT_RATE_LIMIT_RECORDS: u64 = 1000;
/// Default window of the rate limit.
pub const DEFAULT_RATE_WINDOW_SECONDS: u64 = 60;

impl Config {
    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let value = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let required = |name: &'static str| value(name).ok_or(ConfigError::Missing(name));
        let number = |name: &'static str, default: u64, min: u64| -> Result<u32, ConfigError> {
            let n = match value(name) {
                None => default,
                Some(v) => v
                    .parse()
                    .map_err(|_| ConfigError::NotWhole { name, value: v })?,
            };
            u32::try_from(n)
                .ok()
                .filter(|n| u64::from(*n) >= min)
                .ok_or(ConfigError::OutOfRange {
                    name,
                    min,
                    value: n,
                })
        };
        Ok(Self {
            table: required(ORDERS_TABLE_NAME)?,
            rate_table: required(ORDERS_RATE_TABLE_NAME)?,
            rate_limit: RateLimit {
                // At least one full request's worth, or a request of MAX_RECORDS could never pass.
                records: number(
                    ORDERS_RATE_LIMIT_RECORDS,
                    DEFAULT_RATE_LIMIT_RECORDS,
                    MAX_RECORDS as u64,
                )?,
                window_seconds: number(ORDERS_RATE_WINDOW_SECONDS, DEFAULT_RATE_WINDOW_SECONDS, 1)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(k: &str) -> Option<String> {
        match k {
            ORDERS_TABLE_NAME => Some("orders".into()),
            ORDERS_RATE_TABLE_NAME => Some("rates".into()),
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
        let c = Config::from_lookup(base).unwrap();
        assert_eq!(
            (c.table.as_str(), c.rate_table.as_str()),
            ("orders", "rates")
        );
        assert_eq!(
            c.rate_limit,
            RateLimit {
                records: 1000,
                window_seconds: 60
            }
        );
        let c = with(ORDERS_RATE_LIMIT_RECORDS, " 250 ").unwrap();
        assert_eq!(c.rate_limit.records, 250);
        assert_eq!(
            with(ORDERS_RATE_WINDOW_SECONDS, "3600")
                .unwrap()
                .rate_limit
                .window_seconds,
            3600
        );
    }

    #[test]
    fn refuses_missing_tables_and_bad_limits() {
        for &name in env_names::orders_api::REQUIRED {
            assert_eq!(with(name, " ").unwrap_err(), ConfigError::Missing(name));
        }
        assert_eq!(
            with(ORDERS_RATE_LIMIT_RECORDS, "99")
                .unwrap_err()
                .to_string(),
            "ORDERS_RATE_LIMIT_RECORDS must be between 100 and 4294967295, got 99"
        );
        assert!(with(ORDERS_RATE_WINDOW_SECONDS, "0").is_err());
        assert!(with(ORDERS_RATE_WINDOW_SECONDS, "x").is_err());
        assert!(with(ORDERS_RATE_LIMIT_RECORDS, "99999999999").is_err());
    }
}

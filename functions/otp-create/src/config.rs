//! Configuration read once from the environment at cold start.

use std::time::Duration;

use env_names::otp_create::{
    OTP_DAILY_BUDGET, OTP_DOMAIN_DAILY_LIMIT, OTP_HASH_KEY_SECRET_ARN, OTP_MAX_SENDS,
    OTP_MIN_RESPONSE_MS, OTP_SENDER, OTP_SEND_WINDOW_SECONDS, OTP_SES_CONFIGURATION_SET,
    OTP_SMS_ENABLED, OTP_TABLE_NAME, OTP_TTL_SECONDS, SECRETS_CACHE_TTL_SECONDS,
};
use otp::config::{ConfigError, Env};

/// Settings of `otp-create`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `OTP_TABLE_NAME`: the code table.
    pub table: String,
    /// `OTP_HASH_KEY_SECRET_ARN`: the secret whose whole string is the hash key.
    pub hash_key_secret_id: String,
    /// `OTP_SENDER`: the SES-verified `From` address.
    pub sender: String,
    /// `OTP_SES_CONFIGURATION_SET`: optional SES configuration set.
    pub configuration_set: Option<String>,
    /// `OTP_SMS_ENABLED`: whether `channel: "sms"` is accepted (default false).
    pub sms_enabled: bool,
    /// `OTP_TTL_SECONDS`: validity of a code (default 300).
    pub ttl_seconds: u64,
    /// `OTP_MAX_ATTEMPTS`: wrong guesses that kill a code, as `otp-verify` counts them
    /// (default 5); a code below it stays live and is not replaced.
    pub max_attempts: u32,
    /// `OTP_MAX_SENDS`: codes per mailbox (and per phone number) per window (default 3).
    pub max_sends: u32,
    /// `OTP_SEND_WINDOW_SECONDS`: length of the send window (default 900).
    pub send_window_seconds: u64,
    /// `OTP_DAILY_BUDGET`: codes sent in all per day (default 1000).
    pub daily_budget: u32,
    /// `OTP_DOMAIN_DAILY_LIMIT`: codes sent to one mail domain per day (default a quarter of
    /// the budget).
    pub domain_daily_limit: u32,
    /// `OTP_MIN_RESPONSE_MS`: the least time a valid request takes to answer (default 1000).
    pub min_response: Duration,
    /// `SECRETS_CACHE_TTL_SECONDS`: secret cache TTL (default 300).
    pub cache_ttl: Duration,
}

/// Default validity of a code.
pub const DEFAULT_TTL_SECONDS: u64 = 300;
/// Default sends per window.
pub const DEFAULT_MAX_SENDS: u64 = 3;
/// Default send window.
pub const DEFAULT_SEND_WINDOW_SECONDS: u64 = 900;
/// Default daily budget.
pub const DEFAULT_DAILY_BUDGET: u64 = 1000;
/// Default least response time of a valid request, in milliseconds.
pub const DEFAULT_MIN_RESPONSE_MS: u64 = 1000;
/// The window of the daily budget and of the domain limits: 24 hours from its first send.
pub const DAY_SECONDS: u64 = 86_400;

impl Config {
    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(var);
        let daily_budget = env.count(OTP_DAILY_BUDGET, DEFAULT_DAILY_BUDGET)?;
        Ok(Self {
            table: env.required(OTP_TABLE_NAME)?,
            hash_key_secret_id: env.required(OTP_HASH_KEY_SECRET_ARN)?,
            sender: env.required(OTP_SENDER)?,
            configuration_set: env.optional(OTP_SES_CONFIGURATION_SET),
            sms_enabled: env.flag(OTP_SMS_ENABLED, false)?,
            ttl_seconds: env.positive(OTP_TTL_SECONDS, DEFAULT_TTL_SECONDS)?,
            max_attempts: env.max_attempts()?,
            max_sends: env.count(OTP_MAX_SENDS, DEFAULT_MAX_SENDS)?,
            send_window_seconds: env
                .positive(OTP_SEND_WINDOW_SECONDS, DEFAULT_SEND_WINDOW_SECONDS)?,
            daily_budget,
            domain_daily_limit: env
                .count(OTP_DOMAIN_DAILY_LIMIT, u64::from(daily_budget / 4).max(1))?,
            min_response: Duration::from_millis(
                env.positive(OTP_MIN_RESPONSE_MS, DEFAULT_MIN_RESPONSE_MS)?,
            ),
            cache_ttl: Duration::from_secs(env.positive(
                SECRETS_CACHE_TTL_SECONDS,
                secrets_client::DEFAULT_TTL.as_secs(),
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use env_names::otp::OTP_MAX_ATTEMPTS;

    #[test]
    fn required_defaults_and_overrides() {
        let base = |k: &str| match k {
            OTP_TABLE_NAME => Some("otp".to_owned()),
            OTP_HASH_KEY_SECRET_ARN => Some("arn:hash".to_owned()),
            OTP_SENDER => Some("no-reply@example.com".to_owned()),
            _ => None,
        };
        let c = Config::from_lookup(base).unwrap();
        assert_eq!(
            (
                c.ttl_seconds,
                c.max_attempts,
                c.max_sends,
                c.send_window_seconds,
                c.sms_enabled
            ),
            (300, 5, 3, 900, false)
        );
        assert_eq!((c.daily_budget, c.domain_daily_limit), (1000, 250));
        assert_eq!(c.min_response, Duration::from_secs(1));
        assert_eq!(c.configuration_set, None);
        assert_eq!(c.cache_ttl, Duration::from_secs(300));
        let c = Config::from_lookup(|k| match k {
            OTP_SMS_ENABLED => Some("true".into()),
            OTP_TTL_SECONDS => Some("60".into()),
            OTP_SES_CONFIGURATION_SET => Some("otp".into()),
            OTP_MAX_ATTEMPTS => Some("3".into()),
            OTP_DAILY_BUDGET => Some("2".into()),
            OTP_MIN_RESPONSE_MS => Some("250".into()),
            _ => base(k),
        })
        .unwrap();
        assert!(c.sms_enabled);
        assert_eq!(c.ttl_seconds, 60);
        assert_eq!(c.max_attempts, 3);
        assert_eq!(c.configuration_set.as_deref(), Some("otp"));
        // A quarter of a tiny budget is still one send.
        assert_eq!((c.daily_budget, c.domain_daily_limit), (2, 1));
        assert_eq!(c.min_response, Duration::from_millis(250));
        let c = Config::from_lookup(|k| match k {
            OTP_DOMAIN_DAILY_LIMIT => Some("700".into()),
            _ => base(k),
        })
        .unwrap();
        assert_eq!(c.domain_daily_limit, 700);
        for &missing in env_names::otp_create::REQUIRED {
            let err = Config::from_lookup(|k| if k == missing { None } else { base(k) });
            assert_eq!(err.unwrap_err(), ConfigError::Missing(missing));
        }
        for (name, value) in [
            (OTP_MAX_SENDS, "0"),
            (OTP_DAILY_BUDGET, "0"),
            (OTP_DOMAIN_DAILY_LIMIT, "x"),
            (OTP_MIN_RESPONSE_MS, "-1"),
        ] {
            let err = Config::from_lookup(|k| {
                if k == name {
                    Some(value.into())
                } else {
                    base(k)
                }
            });
            assert!(
                err.unwrap_err().to_string().starts_with(name),
                "{name}={value}"
            );
        }
    }
}

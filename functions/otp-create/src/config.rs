//! Configuration read once from the environment at cold start.

use std::time::Duration;

use otp::config::Env;

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
    /// `OTP_MAX_SENDS`: codes per address (and per phone number) per window (default 3).
    pub max_sends: u32,
    /// `OTP_SEND_WINDOW_SECONDS`: length of the send window (default 900).
    pub send_window_seconds: u64,
    /// `SECRETS_CACHE_TTL_SECONDS`: secret cache TTL (default 300).
    pub cache_ttl: Duration,
}

/// Default validity of a code.
pub const DEFAULT_TTL_SECONDS: u64 = 300;
/// Default sends per window.
pub const DEFAULT_MAX_SENDS: u64 = 3;
/// Default send window.
pub const DEFAULT_SEND_WINDOW_SECONDS: u64 = 900;

impl Config {
    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let env = Env(var);
        Ok(Self {
            table: env.required("OTP_TABLE_NAME")?,
            hash_key_secret_id: env.required("OTP_HASH_KEY_SECRET_ARN")?,
            sender: env.required("OTP_SENDER")?,
            configuration_set: env.optional("OTP_SES_CONFIGURATION_SET"),
            sms_enabled: env.flag("OTP_SMS_ENABLED", false)?,
            ttl_seconds: env.positive("OTP_TTL_SECONDS", DEFAULT_TTL_SECONDS)?,
            max_sends: u32::try_from(env.positive("OTP_MAX_SENDS", DEFAULT_MAX_SENDS)?)
                .map_err(|_| "OTP_MAX_SENDS is too large".to_owned())?,
            send_window_seconds: env
                .positive("OTP_SEND_WINDOW_SECONDS", DEFAULT_SEND_WINDOW_SECONDS)?,
            cache_ttl: Duration::from_secs(env.positive(
                "SECRETS_CACHE_TTL_SECONDS",
                secrets_client::DEFAULT_TTL.as_secs(),
            )?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_defaults_and_overrides() {
        let base = |k: &str| match k {
            "OTP_TABLE_NAME" => Some("otp".to_owned()),
            "OTP_HASH_KEY_SECRET_ARN" => Some("arn:hash".to_owned()),
            "OTP_SENDER" => Some("no-reply@example.com".to_owned()),
            _ => None,
        };
        let c = Config::from_lookup(base).unwrap();
        assert_eq!(
            (
                c.ttl_seconds,
                c.max_sends,
                c.send_window_seconds,
                c.sms_enabled
            ),
            (300, 3, 900, false)
        );
        assert_eq!(c.configuration_set, None);
        assert_eq!(c.cache_ttl, Duration::from_secs(300));
        let c = Config::from_lookup(|k| match k {
            "OTP_SMS_ENABLED" => Some("true".into()),
            "OTP_TTL_SECONDS" => Some("60".into()),
            "OTP_SES_CONFIGURATION_SET" => Some("otp".into()),
            _ => base(k),
        })
        .unwrap();
        assert!(c.sms_enabled);
        assert_eq!(c.ttl_seconds, 60);
        assert_eq!(c.configuration_set.as_deref(), Some("otp"));
        for missing in ["OTP_TABLE_NAME", "OTP_HASH_KEY_SECRET_ARN", "OTP_SENDER"] {
            let err = Config::from_lookup(|k| if k == missing { None } else { base(k) });
            assert_eq!(err.unwrap_err(), format!("{missing} is not set"));
        }
        assert!(Config::from_lookup(|k| match k {
            "OTP_MAX_SENDS" => Some("0".into()),
            _ => base(k),
        })
        .is_err());
    }
}

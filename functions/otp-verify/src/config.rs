//! Configuration read once from the environment at cold start.

use std::time::Duration;

use env_names::otp_verify::{
    JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET_ARN, JWT_SECRET_JSON_KEY, JWT_TTL_SECONDS,
    OTP_HASH_KEY_SECRET_ARN, OTP_TABLE_NAME, SECRETS_CACHE_TTL_SECONDS,
};
use otp::config::{ConfigError, Env};

/// Settings of `otp-verify`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `OTP_TABLE_NAME`: the code table.
    pub table: String,
    /// `OTP_HASH_KEY_SECRET_ARN`: the secret whose whole string is the hash key.
    pub hash_key_secret_id: String,
    /// `OTP_MAX_ATTEMPTS`: wrong guesses that kill a code (default 5).
    pub max_attempts: u32,
    /// `JWT_SECRET_ARN`: the orders API's signing key (as the authorizer reads it).
    pub jwt_secret_id: String,
    /// `JWT_SECRET_JSON_KEY`: when set, the secret is a JSON object and the key is this member.
    pub jwt_secret_json_key: Option<String>,
    /// `JWT_ISSUER`: `iss` of issued tokens, if any.
    pub issuer: Option<String>,
    /// `JWT_AUDIENCE`: `aud` of issued tokens, if any.
    pub audience: Option<String>,
    /// `JWT_TTL_SECONDS`: token lifetime (default 900).
    pub token_ttl_seconds: u64,
    /// `SECRETS_CACHE_TTL_SECONDS`: secret cache TTL (default 300).
    pub cache_ttl: Duration,
}

/// Default wrong guesses per code (shared with `otp-create`).
pub use otp::config::DEFAULT_MAX_ATTEMPTS;
/// Default token lifetime.
pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 900;

impl Config {
    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(var);
        Ok(Self {
            table: env.required(OTP_TABLE_NAME)?,
            hash_key_secret_id: env.required(OTP_HASH_KEY_SECRET_ARN)?,
            max_attempts: env.max_attempts()?,
            jwt_secret_id: env.required(JWT_SECRET_ARN)?,
            jwt_secret_json_key: env.optional(JWT_SECRET_JSON_KEY),
            issuer: env.optional(JWT_ISSUER),
            audience: env.optional(JWT_AUDIENCE),
            token_ttl_seconds: env.positive(JWT_TTL_SECONDS, DEFAULT_TOKEN_TTL_SECONDS)?,
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
            JWT_SECRET_ARN => Some("arn:jwt".to_owned()),
            _ => None,
        };
        let c = Config::from_lookup(base).unwrap();
        assert_eq!((c.max_attempts, c.token_ttl_seconds), (5, 900));
        assert_eq!(
            (c.jwt_secret_json_key, c.issuer, c.audience),
            (None, None, None)
        );
        let c = Config::from_lookup(|k| match k {
            JWT_SECRET_JSON_KEY => Some("signing_key".into()),
            JWT_AUDIENCE => Some("orders".into()),
            OTP_MAX_ATTEMPTS => Some("3".into()),
            _ => base(k),
        })
        .unwrap();
        assert_eq!(c.jwt_secret_json_key.as_deref(), Some("signing_key"));
        assert_eq!(c.audience.as_deref(), Some("orders"));
        assert_eq!(c.max_attempts, 3);
        for &missing in env_names::otp_verify::REQUIRED {
            let err = Config::from_lookup(|k| if k == missing { None } else { base(k) });
            assert_eq!(err.unwrap_err(), ConfigError::Missing(missing));
        }
    }
}

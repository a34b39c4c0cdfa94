//! Configuration read once from the environment at cold start.

use std::time::Duration;

/// Settings of the authorizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Secret id (ARN or name) of the signing key.
    pub secret_id: String,
    /// When set, the secret is a JSON object and the key is this member's value.
    pub secret_json_key: Option<String>,
    /// Required issuer, if any.
    pub issuer: Option<String>,
    /// Required audience, if any.
    pub audience: Option<String>,
    /// Clock-skew leeway in seconds.
    pub leeway_seconds: u64,
    /// Secret cache TTL.
    pub cache_ttl: Duration,
}

/// Default clock-skew leeway.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

impl Config {
    /// A configuration for `secret_id` with all optional checks off and default leeway.
    pub fn new(secret_id: impl Into<String>) -> Self {
        Self {
            secret_id: secret_id.into(),
            secret_json_key: None,
            issuer: None,
            audience: None,
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
            cache_ttl: secrets_client::DEFAULT_TTL,
        }
    }

    /// Reads the configuration through `var` (`std::env::var` in `main`).
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let secret_id = non_empty("JWT_SECRET_ARN").ok_or("JWT_SECRET_ARN is not set")?;
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match non_empty(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse()
                    .map_err(|_| format!("{name} must be a whole number of seconds, got {v:?}")),
            }
        };
        Ok(Self {
            secret_id,
            secret_json_key: non_empty("JWT_SECRET_JSON_KEY"),
            issuer: non_empty("JWT_ISSUER"),
            audience: non_empty("JWT_AUDIENCE"),
            leeway_seconds: number("JWT_LEEWAY_SECONDS", DEFAULT_LEEWAY_SECONDS)?,
            cache_ttl: Duration::from_secs(number(
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
    fn reads_env() {
        let c = Config::from_lookup(|k| match k {
            "JWT_SECRET_ARN" => Some("arn:x".into()),
            "JWT_AUDIENCE" => Some("orders".into()),
            "JWT_ISSUER" => Some("".into()),
            "JWT_LEEWAY_SECONDS" => Some("5".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.secret_id, "arn:x");
        assert_eq!(c.audience.as_deref(), Some("orders"));
        assert_eq!(c.issuer, None);
        assert_eq!(c.leeway_seconds, 5);
        assert_eq!(c.cache_ttl, Duration::from_secs(300));
        assert!(Config::from_lookup(|_| None).is_err());
        assert!(Config::from_lookup(|k| match k {
            "JWT_SECRET_ARN" => Some("a".into()),
            "JWT_LEEWAY_SECONDS" => Some("x".into()),
            _ => None,
        })
        .is_err());
    }
}

//! The function's environment.

use std::time::Duration;

use env_names::oauth_collector::{
    NOTIFY_TOPIC_ARN, OAUTH_APP, OAUTH_PROVIDERS, REFRESH_BUFFER_SECONDS, S3_FORCE_PATH_STYLE,
    TOKENS_BUCKET_NAME, TOKENS_KMS_KEY_ARN,
};

use crate::client::DEFAULT_REFRESH_BUFFER;
use crate::provider::{parse_provider_list, ProviderId, ProviderListError};

/// The collector's configuration, read once at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `OAUTH_APP`: the `{app}` segment of the secret names.
    pub app: String,
    /// `OAUTH_PROVIDERS`: comma-separated `tool/org` pairs.
    pub providers: Vec<ProviderId>,
    /// `TOKENS_BUCKET_NAME`.
    pub bucket: String,
    /// `TOKENS_KMS_KEY_ARN`: SSE-KMS key of the token objects.
    pub kms_key: String,
    /// `NOTIFY_TOPIC_ARN`.
    pub topic_arn: String,
    /// `REFRESH_BUFFER_SECONDS` (default 300).
    pub refresh_buffer: Duration,
    /// `S3_FORCE_PATH_STYLE=true` (local emulators).
    pub force_path_style: bool,
}

/// A setting that is unset or malformed; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is unset or blank.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// `OAUTH_APP` cannot be a segment of a secret name.
    #[error("{OAUTH_APP} is not a valid secret name segment: {0}")]
    InvalidApp(secrets_client::NameError),
    /// `OAUTH_PROVIDERS` is not a list of `tool/org` pairs.
    #[error("{OAUTH_PROVIDERS}: {0}")]
    InvalidProviders(ProviderListError),
    /// `REFRESH_BUFFER_SECONDS` is not a whole number.
    #[error("{REFRESH_BUFFER_SECONDS} must be a whole number of seconds")]
    InvalidRefreshBuffer,
}

impl Config {
    /// Reads the configuration through `var` (`std::env::var` in `main`). Errors name the
    /// variable and what it must hold.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            var(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let app = required(OAUTH_APP)?;
        secrets_client::tool_secret(&app, "tool", "org").map_err(ConfigError::InvalidApp)?;
        let providers = parse_provider_list(&required(OAUTH_PROVIDERS)?)
            .map_err(ConfigError::InvalidProviders)?;
        let refresh_buffer = match var(REFRESH_BUFFER_SECONDS) {
            None => DEFAULT_REFRESH_BUFFER,
            Some(v) => Duration::from_secs(
                v.trim()
                    .parse()
                    .map_err(|_| ConfigError::InvalidRefreshBuffer)?,
            ),
        };
        Ok(Self {
            app,
            providers,
            bucket: required(TOKENS_BUCKET_NAME)?,
            kms_key: required(TOKENS_KMS_KEY_ARN)?,
            topic_arn: required(NOTIFY_TOPIC_ARN)?,
            refresh_buffer,
            force_path_style: var(S3_FORCE_PATH_STYLE)
                .is_some_and(|v| v.eq_ignore_ascii_case("true")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const ALL: [(&str, &str); 5] = [
        (OAUTH_APP, "orders"),
        (OAUTH_PROVIDERS, "example/acme,example/globex"),
        (TOKENS_BUCKET_NAME, "tokens"),
        (
            TOKENS_KMS_KEY_ARN,
            "arn:aws:kms:us-east-1:123456789012:key/k",
        ),
        (NOTIFY_TOPIC_ARN, "arn:aws:sns:us-east-1:123456789012:t"),
    ];

    #[test]
    fn reads_everything_with_defaults() {
        let c = Config::from_lookup(lookup(&ALL)).unwrap();
        assert_eq!(c.providers.len(), 2);
        assert_eq!(c.refresh_buffer, Duration::from_secs(300));
        assert!(!c.force_path_style);
    }

    #[test]
    fn errors_name_the_variable() {
        assert_eq!(ALL.map(|(k, _)| k), env_names::oauth_collector::REQUIRED);
        for (missing, _) in ALL {
            let rest: Vec<_> = ALL.iter().copied().filter(|(k, _)| *k != missing).collect();
            let err = Config::from_lookup(lookup(&rest)).unwrap_err();
            assert_eq!(err, ConfigError::Missing(missing));
        }
        let mut bad = ALL.to_vec();
        bad.push((REFRESH_BUFFER_SECONDS, "5m"));
        assert!(Config::from_lookup(lookup(&bad))
            .unwrap_err()
            .to_string()
            .starts_with(REFRESH_BUFFER_SECONDS));
        let mut bad = ALL.to_vec();
        bad[1] = (OAUTH_PROVIDERS, "example");
        assert!(Config::from_lookup(lookup(&bad))
            .unwrap_err()
            .to_string()
            .starts_with(OAUTH_PROVIDERS));
    }
}

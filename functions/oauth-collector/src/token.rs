//! The access token as stored in S3 and handed to callers, and the wall clock that dates it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// An access token with its expiry. `Debug` redacts the token itself.
///
/// Serialized (the S3 object body) as
/// `{"access_token", "token_type", "scope", "expires_at", "obtained_at"}`, times in epoch
/// seconds; `scope` is `null` when neither the provider nor the request named one.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessToken {
    #[serde(rename = "access_token")]
    value: String,
    /// Usually `Bearer`.
    pub token_type: String,
    /// The granted scope (the response's, else the requested one).
    pub scope: Option<String>,
    /// When the token expires, epoch seconds.
    pub expires_at: u64,
    /// When it was obtained, epoch seconds.
    pub obtained_at: u64,
}

impl AccessToken {
    /// A token obtained at `obtained_at` that lives `expires_in` seconds.
    pub fn new(
        value: String,
        token_type: String,
        scope: Option<String>,
        obtained_at: u64,
        expires_in: u64,
    ) -> Self {
        Self {
            value,
            token_type,
            scope,
            expires_at: obtained_at.saturating_add(expires_in),
            obtained_at,
        }
    }

    /// The token itself, for an `Authorization` header. Never log it.
    pub fn secret(&self) -> &str {
        &self.value
    }

    /// Whether the token is still valid for more than `buffer` at `now` (epoch seconds).
    pub fn is_fresh(&self, now: u64, buffer: Duration) -> bool {
        self.expires_at > now.saturating_add(buffer.as_secs())
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("access_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("expires_at", &self.expires_at)
            .field("obtained_at", &self.obtained_at)
            .finish()
    }
}

/// Source of wall-clock time (token expiry, `Retry-After` dates); injectable for tests.
///
/// Retry budgets use the monotonic [`secrets_client::Clock`] instead.
pub trait WallClock: Send + Sync {
    /// The current time.
    fn now(&self) -> SystemTime;

    /// The current time in seconds since the Unix epoch.
    fn epoch_seconds(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }
}

/// The system's wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freshness_respects_the_buffer() {
        let t = AccessToken::new("tok".into(), "Bearer".into(), None, 1_000, 600);
        assert_eq!(t.expires_at, 1_600);
        let buffer = Duration::from_secs(300);
        assert!(t.is_fresh(1_299, buffer));
        assert!(!t.is_fresh(1_300, buffer));
        assert!(!t.is_fresh(2_000, buffer));
    }

    #[test]
    fn stored_form_and_redacted_debug() {
        let t = AccessToken::new(
            "tok-123".into(),
            "Bearer".into(),
            Some("read".into()),
            10,
            5,
        );
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"access_token": "tok-123", "token_type": "Bearer",
                "scope": "read", "expires_at": 15, "obtained_at": 10})
        );
        assert_eq!(serde_json::from_value::<AccessToken>(json).unwrap(), t);
        assert!(!format!("{t:?}").contains("tok-123"));
    }
}

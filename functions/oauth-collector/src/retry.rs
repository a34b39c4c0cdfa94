//! Sending a request to an OAuth endpoint with bounded retries.
//!
//! Transient: timeouts, connection errors, 5xx and 429. Permanent: every other non-2xx
//! (400 `invalid_client` / `invalid_grant` / `unauthorized_client`, 401, 403, …) and a body
//! over [`MAX_BODY_BYTES`](crate::http::MAX_BODY_BYTES), which are returned at once. Between attempts the client sleeps for `Retry-After` when the response
//! has one (seconds or HTTP-date, capped at `max_retry_after`), otherwise for the
//! [`RetryPolicy`] backoff (exponential, full jitter). Attempts are bounded by
//! `policy.max_attempts` and all attempts plus sleeps by `max_elapsed`: no sleep starts that
//! would end past it, and each attempt's timeout is clipped to what is left of it.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_smithy_types::date_time::{DateTime, Format};
use secrets_client::{Clock, RetryPolicy, Sleeper};

use crate::error::TokenError;
use crate::http::{HttpClient, HttpResponse, TransportError};
use crate::oauth::{parse_error_response, FormRequest};
use crate::provider::ProviderId;
use crate::token::WallClock;

/// How patiently an endpoint is retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Attempts and backoff.
    pub policy: RetryPolicy,
    /// Bound of all attempts and sleeps of one call.
    pub max_elapsed: Duration,
    /// Longest `Retry-After` honoured; longer ones are shortened to it.
    pub max_retry_after: Duration,
}

impl Default for RetrySettings {
    /// 4 attempts, backoff caps 0.5 / 1 / 2 s (at most 4 s), 10 s `Retry-After` cap, 30 s in all.
    fn default() -> Self {
        Self {
            policy: RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(500),
                max_delay: Duration::from_secs(4),
            },
            max_elapsed: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(10),
        }
    }
}

/// The time sources of the client: monotonic (budgets), wall (expiry, HTTP-dates), sleep.
#[derive(Clone)]
pub struct Timing {
    /// Monotonic clock.
    pub clock: Arc<dyn Clock>,
    /// Wall clock.
    pub wall: Arc<dyn WallClock>,
    /// Sleeper between attempts.
    pub sleeper: Arc<dyn Sleeper>,
}

impl Default for Timing {
    fn default() -> Self {
        Self {
            clock: Arc::new(secrets_client::SystemClock),
            wall: Arc::new(crate::token::SystemWallClock),
            sleeper: Arc::new(secrets_client::TokioSleeper),
        }
    }
}

/// `Retry-After` as a delay from `now`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
/// A date in the past means "now"; anything unparsable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = DateTime::from_str(value, Format::HttpDate).ok()?;
    let at = SystemTime::try_from(date).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A 2xx response and the attempts it took.
pub struct Success {
    /// The response.
    pub response: HttpResponse,
    /// Attempts made, including the successful one.
    pub attempts: u32,
}

/// Sends `request` until it succeeds, fails permanently, or the bounds are reached.
pub async fn send(
    http: &HttpClient,
    settings: &RetrySettings,
    timing: &Timing,
    provider: &ProviderId,
    endpoint: &'static str,
    request: &FormRequest,
) -> Result<Success, TokenError> {
    let start = timing.clock.now();
    let mut attempt = 1;
    loop {
        let elapsed = timing.clock.now().saturating_duration_since(start);
        let remaining = settings.max_elapsed.saturating_sub(elapsed);
        let (last, retry_after) = match http.post_form(request, remaining).await {
            Ok(response) if (200..300).contains(&response.status) => {
                return Ok(Success {
                    response,
                    attempts: attempt,
                })
            }
            Ok(response) if response.status == 429 || response.status >= 500 => {
                let retry_after = response
                    .retry_after
                    .as_deref()
                    .and_then(|v| parse_retry_after(v, timing.wall.now()));
                (format!("HTTP {}", response.status), retry_after)
            }
            Ok(response) => {
                let oauth = parse_error_response(&response.body);
                tracing::warn!(
                    provider = provider.tool(),
                    org = provider.org(),
                    endpoint,
                    attempt,
                    status = response.status,
                    oauth_error = oauth.as_ref().map(|e| e.error.as_str()),
                    "the endpoint refused the request; not retrying"
                );
                let (error, description) = oauth
                    .map(|e| (Some(e.error), e.error_description))
                    .unwrap_or_default();
                return Err(TokenError::Rejected {
                    status: response.status,
                    error,
                    description,
                    attempts: attempt,
                });
            }
            Err(err @ TransportError::BodyTooLarge) => {
                return Err(TokenError::InvalidResponse {
                    reason: err.to_string(),
                    attempts: attempt,
                })
            }
            Err(err) => (err.to_string(), None),
        };
        let delay = retry_after
            .map(|d| d.min(settings.max_retry_after))
            .unwrap_or_else(|| settings.policy.backoff(attempt));
        let elapsed = timing.clock.now().saturating_duration_since(start);
        let exhausted = attempt >= settings.policy.max_attempts;
        let out_of_time = elapsed.saturating_add(delay) >= settings.max_elapsed;
        tracing::warn!(
            provider = provider.tool(),
            org = provider.org(),
            endpoint,
            attempt,
            error = %last,
            retry_after_ms = retry_after.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            delay_ms = (!exhausted && !out_of_time).then(|| u64::try_from(delay.as_millis()).unwrap_or(u64::MAX)),
            "transient failure"
        );
        if exhausted || out_of_time {
            let last = if exhausted {
                last
            } else {
                format!(
                    "{last}; the {} s retry budget is spent",
                    settings.max_elapsed.as_secs()
                )
            };
            return Err(TokenError::Unavailable {
                attempts: attempt,
                last,
            });
        }
        timing.sleeper.sleep(delay).await;
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after(" 7 ", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:49 GMT", now),
            Some(Duration::from_secs(12))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn default_bounds() {
        let s = RetrySettings::default();
        assert_eq!(s.policy.max_total_delay(), Duration::from_millis(3500));
        assert!(s.max_retry_after < s.max_elapsed);
    }
}

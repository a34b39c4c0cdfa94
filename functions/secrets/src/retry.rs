//! Exponential backoff with full jitter, and the injectable clock and sleeper.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// How often and how patiently a failed Secrets Manager call is retried.
///
/// Attempt `n` (1-based) that fails transiently is followed by a sleep drawn uniformly from
/// `[0, min(max_delay, base_delay * 2^(n-1))]` ("full jitter"), so the total time spent
/// sleeping is bounded by [`RetryPolicy::max_total_delay`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Total attempts including the first; at least 1.
    pub max_attempts: u32,
    /// Backoff cap of the first retry.
    pub base_delay: Duration,
    /// Upper bound of any single backoff.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 3 attempts, 100 ms base, 2 s cap: at most 0.3 s of sleeping before giving up.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// Upper bound of the backoff after failed attempt `attempt` (1-based).
    pub fn backoff_cap(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// A jittered backoff for failed attempt `attempt`, uniform in `[0, backoff_cap]`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self.backoff_cap(attempt);
        if cap.is_zero() {
            return cap;
        }
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rand::random_range(0..=nanos))
    }

    /// The most time all backoffs of one call can add up to.
    pub fn max_total_delay(&self) -> Duration {
        (1..self.max_attempts.max(1))
            .map(|attempt| self.backoff_cap(attempt))
            .sum()
    }
}

/// Source of "now" for cache expiry; injectable so tests need not wait.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A boxed future that completes after a backoff.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Waits between retries; injectable so tests can record the backoffs instead of sleeping.
pub trait Sleeper: Send + Sync {
    /// Returns a future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> SleepFuture;
}

/// Sleeps on the tokio timer.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        Box::pin(tokio::time::sleep(duration))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_grow_exponentially_and_saturate() {
        let p = RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(500),
        };
        let caps: Vec<_> = (1..=5).map(|a| p.backoff_cap(a).as_millis()).collect();
        assert_eq!(caps, [100, 200, 400, 500, 500]);
        assert_eq!(p.max_total_delay(), Duration::from_millis(1700));
        assert_eq!(p.backoff_cap(200), Duration::from_millis(500));
    }

    #[test]
    fn jitter_stays_within_cap() {
        let p = RetryPolicy::default();
        for attempt in 1..10 {
            for _ in 0..100 {
                assert!(p.backoff(attempt) <= p.backoff_cap(attempt));
            }
        }
    }

    #[test]
    fn default_bound_is_small() {
        assert_eq!(
            RetryPolicy::default().max_total_delay(),
            Duration::from_millis(300)
        );
    }
}

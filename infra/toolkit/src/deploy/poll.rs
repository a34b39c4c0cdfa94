//! The one polling loop of the deploy toolchain: change sets, stack
//! operations, deletions and function updates all wait through [`until`].

use std::time::{Duration, Instant};

use crate::error::Result;

/// Calls `step` with the time since the first call, every `interval`, until
/// it returns a value or fails (`step` decides when it has waited too long).
pub async fn until<T>(
    interval: Duration,
    mut step: impl AsyncFnMut(Duration) -> Result<Option<T>>,
) -> Result<T> {
    let started = Instant::now();
    loop {
        if let Some(done) = step(started.elapsed()).await? {
            return Ok(done);
        }
        tokio::time::sleep(interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn polls_until_a_value() {
        let mut calls = 0;
        let got = until(Duration::ZERO, async |_| {
            calls += 1;
            Ok((calls == 3).then_some(calls))
        })
        .await;
        assert_eq!(got.ok(), Some(3));
    }
}

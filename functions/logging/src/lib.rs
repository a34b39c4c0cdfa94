//! The log format every function uses: one JSON object per line, no ANSI colours, no
//! timestamp (CloudWatch Logs stamps each line) and no span or target noise.

/// Installs the JSON subscriber as the global default. Call it first in `main`.
///
/// # Panics
///
/// If a global subscriber is already installed.
pub fn init() {
    tracing_subscriber::fmt()
        .json()
        .with_ansi(false)
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .init();
}

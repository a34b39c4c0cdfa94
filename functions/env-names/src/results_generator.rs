//! The auction pipeline's Lambda A.

/// Chance, 0 to 1, that results are ready (default 0.5).
pub const RESULTS_PROBABILITY: &str = "RESULTS_PROBABILITY";
/// Chance, 0 to 1, that an order is accepted (default 0.5).
pub const ACCEPT_PROBABILITY: &str = "ACCEPT_PROBABILITY";
/// Most orders per result, 1 to 1000 (default 5).
pub const MAX_ORDERS: &str = "MAX_ORDERS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[RESULTS_PROBABILITY, ACCEPT_PROBABILITY, MAX_ORDERS];

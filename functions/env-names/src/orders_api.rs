//! `POST /orders`.

/// Name of the orders table.
pub const ORDERS_TABLE_NAME: &str = "ORDERS_TABLE_NAME";
/// Name of the table of per-principal rate counters.
pub const ORDERS_RATE_TABLE_NAME: &str = "ORDERS_RATE_TABLE_NAME";
/// Records a principal may write per window (default 1000).
pub const ORDERS_RATE_LIMIT_RECORDS: &str = "ORDERS_RATE_LIMIT_RECORDS";
/// Length of the rate window in seconds (default 60).
pub const ORDERS_RATE_WINDOW_SECONDS: &str = "ORDERS_RATE_WINDOW_SECONDS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[ORDERS_TABLE_NAME, ORDERS_RATE_TABLE_NAME];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[ORDERS_RATE_LIMIT_RECORDS, ORDERS_RATE_WINDOW_SECONDS];

//! The orders API's authorizer.

pub use crate::common::SECRETS_CACHE_TTL_SECONDS;
pub use crate::jwt::{JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET_ARN, JWT_SECRET_JSON_KEY};

/// Clock-skew leeway in seconds (default 30, at most 60).
pub const JWT_LEEWAY_SECONDS: &str = "JWT_LEEWAY_SECONDS";
/// Longest accepted token lifetime in seconds (default 3600, at most 86400).
pub const JWT_MAX_LIFETIME_SECONDS: &str = "JWT_MAX_LIFETIME_SECONDS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[JWT_SECRET_ARN, JWT_ISSUER, JWT_AUDIENCE];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[
    JWT_SECRET_JSON_KEY,
    JWT_LEEWAY_SECONDS,
    JWT_MAX_LIFETIME_SECONDS,
    SECRETS_CACHE_TTL_SECONDS,
];

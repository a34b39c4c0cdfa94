//! `POST /otp/verify`.

pub use crate::common::SECRETS_CACHE_TTL_SECONDS;
pub use crate::jwt::{JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET_ARN, JWT_SECRET_JSON_KEY};
pub use crate::otp::{OTP_HASH_KEY_SECRET_ARN, OTP_MAX_ATTEMPTS, OTP_TABLE_NAME};

/// Lifetime of an issued token in seconds (default 900).
pub const JWT_TTL_SECONDS: &str = "JWT_TTL_SECONDS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[OTP_TABLE_NAME, OTP_HASH_KEY_SECRET_ARN, JWT_SECRET_ARN];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[
    OTP_MAX_ATTEMPTS,
    JWT_SECRET_JSON_KEY,
    JWT_ISSUER,
    JWT_AUDIENCE,
    JWT_TTL_SECONDS,
    SECRETS_CACHE_TTL_SECONDS,
];

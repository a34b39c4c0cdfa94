//! The names of the functions' environment variables: one module per function, each
//! defined once here and used both by the stack that sets it (`infra/src/app`) and by the
//! function that reads it (`functions/*`), so the two cannot drift apart.
//!
//! Each function's module also lists its `REQUIRED` names (the function refuses to start
//! without them) and its `OPTIONAL` ones (defaulted). A name two functions share is defined
//! in [`jwt`], [`otp`] or [`common`] and re-exported by each.
//! Variables that AWS defines (`AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, …) are not here.

pub mod authorizer;
pub mod oauth_collector;
pub mod order_processor;
pub mod orders_api;
pub mod otp_create;
pub mod otp_verify;
pub mod results_generator;

/// Names several functions read.
pub mod common {
    /// Seconds a secret stays cached (default 300).
    pub const SECRETS_CACHE_TTL_SECONDS: &str = "SECRETS_CACHE_TTL_SECONDS";
    /// `true` makes the S3 client use path-style addressing; for local emulators only,
    /// never set by a stack.
    pub const S3_FORCE_PATH_STYLE: &str = "S3_FORCE_PATH_STYLE";
}

/// The signing-key settings the authorizer and `otp-verify` share (same values in both).
pub mod jwt {
    /// ARN (or name) of the secret holding the HS256 key.
    pub const JWT_SECRET_ARN: &str = "JWT_SECRET_ARN";
    /// The member of the secret's JSON object that holds the key; unset, the whole secret
    /// string is the key.
    pub const JWT_SECRET_JSON_KEY: &str = "JWT_SECRET_JSON_KEY";
    /// The `iss` of the tokens.
    pub const JWT_ISSUER: &str = "JWT_ISSUER";
    /// The `aud` of the tokens.
    pub const JWT_AUDIENCE: &str = "JWT_AUDIENCE";
}

/// The code-table settings `otp-create` and `otp-verify` share (same values in both).
pub mod otp {
    /// Name of the table of codes, send counters and phone registrations.
    pub const OTP_TABLE_NAME: &str = "OTP_TABLE_NAME";
    /// ARN of the secret whose whole string is the HMAC key of addresses and codes.
    pub const OTP_HASH_KEY_SECRET_ARN: &str = "OTP_HASH_KEY_SECRET_ARN";
    /// Wrong guesses that kill a code (default 5).
    pub const OTP_MAX_ATTEMPTS: &str = "OTP_MAX_ATTEMPTS";
}

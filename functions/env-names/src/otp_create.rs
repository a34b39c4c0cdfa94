//! `POST /otp`.

pub use crate::common::SECRETS_CACHE_TTL_SECONDS;
pub use crate::otp::{OTP_HASH_KEY_SECRET_ARN, OTP_MAX_ATTEMPTS, OTP_TABLE_NAME};

/// The `From` address, a verified SES identity.
pub const OTP_SENDER: &str = "OTP_SENDER";
/// SES configuration set of the mails (default none).
pub const OTP_SES_CONFIGURATION_SET: &str = "OTP_SES_CONFIGURATION_SET";
/// `true` accepts `channel: "sms"` (default `false`).
pub const OTP_SMS_ENABLED: &str = "OTP_SMS_ENABLED";
/// Validity of a code in seconds (default 300).
pub const OTP_TTL_SECONDS: &str = "OTP_TTL_SECONDS";
/// Codes per mailbox (and per phone number) per send window (default 3).
pub const OTP_MAX_SENDS: &str = "OTP_MAX_SENDS";
/// Length of the send window in seconds (default 900).
pub const OTP_SEND_WINDOW_SECONDS: &str = "OTP_SEND_WINDOW_SECONDS";
/// Codes sent per day in all (default 1000).
pub const OTP_DAILY_BUDGET: &str = "OTP_DAILY_BUDGET";
/// Codes sent per day to one mail domain (default a quarter of the budget).
pub const OTP_DOMAIN_DAILY_LIMIT: &str = "OTP_DOMAIN_DAILY_LIMIT";
/// The least time a valid request takes to answer, in milliseconds (default 1000).
pub const OTP_MIN_RESPONSE_MS: &str = "OTP_MIN_RESPONSE_MS";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[OTP_TABLE_NAME, OTP_HASH_KEY_SECRET_ARN, OTP_SENDER];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[
    OTP_SES_CONFIGURATION_SET,
    OTP_SMS_ENABLED,
    OTP_TTL_SECONDS,
    OTP_MAX_ATTEMPTS,
    OTP_MAX_SENDS,
    OTP_SEND_WINDOW_SECONDS,
    OTP_DAILY_BUDGET,
    OTP_DOMAIN_DAILY_LIMIT,
    OTP_MIN_RESPONSE_MS,
    SECRETS_CACHE_TTL_SECONDS,
];

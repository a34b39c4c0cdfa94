//! `POST /otp` behind an API Gateway REST proxy integration: issues a one-time code.
//!
//! Body (JSON, base64 accepted, at most [`otp::request::MAX_BODY_BYTES`] bytes):
//! `{"email": "...", "channel": "email" | "sms"}`; `channel` defaults to `email`, `sms` only
//! when `OTP_SMS_ENABLED=true`; unknown or repeated members (`phone_number` included) are
//! refused ([`validation`]; address rules and normal form in [`otp::email`]).
//!
//! For a valid request: with `sms`, read the number registered for the address
//! ([`otp::registration`]; none: stop here, nothing sent or stored); count a send against
//! the address (and the phone number) in the table ([`otp::store`]); if the limit is not
//! reached, store the keyed hash of a fresh code (replacing the address's previous code,
//! attempts reset) and send the code ([`delivery`]).
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | valid request: sent, or not sent because a send limit was reached or (`sms`) no number is registered | `202 {"status": "accepted", "expires_in": OTP_TTL_SECONDS}` |
//! | invalid body | `400 {"error", "details": [{"field", "message"}]}` (`field` null for the body as a whole) |
//! | body too large | `413`; method other than POST: `405` |
//! | SES / SNS refused or failed | `502 {"error": "the code could not be delivered", "request_id"}` |
//! | table, secret or RNG failure | `500 {"error": "internal error", "request_id"}` |
//!
//! The 202 is identical whether the address was seen before, limited, has a registered
//! number or was sent to, so the response tells nothing about an address. **A failed
//! delivery deletes the stored code** (conditionally: only if it is still the one just
//! written), so no code nobody received stays redeemable; the address's previous code was
//! already replaced and is gone too, and the send still counts against the limit (failures
//! cannot be used to send more). The code appears only in the message; logs name the
//! address by its keyed hash (`address_id`).
//!
//! **SMS goes only to a number bound to the address.** A code proves possession of the
//! channel it went to, and the token's `sub` is the address, so the channel must belong to
//! the address's owner: the request names the channel, never a number. The number is the
//! one registered for the address in the table (item `phone#<address hash>`, written only by
//! user management through [`otp::registration::register_phone`], not over this API). An
//! `sms` request for an address without one gets the same 202 and sends nothing, so it can
//! neither reach a caller's phone nor tell whether the address has a number (the log says
//! `no registered phone` with the address hash). SMS stays off by default
//! (`OTP_SMS_ENABLED`): turn it on once numbers are registered, after verifying them; the
//! per-number send limit, besides the per-address one, bounds SMS cost (SMS pumping).
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OTP_TABLE_NAME` | required: table, partition key `pk` (S), TTL attribute `expires_at` |
//! | `OTP_HASH_KEY_SECRET_ARN` | required: secret whose whole string (≥ 32 bytes) is the HMAC key |
//! | `OTP_SENDER` | required: `From` address, a verified SES identity |
//! | `OTP_SES_CONFIGURATION_SET` | optional: SES configuration set |
//! | `OTP_SMS_ENABLED` | optional, default `false`: accept `channel: "sms"` (sent to the registered number only) |
//! | `OTP_TTL_SECONDS` | optional, default 300: validity of a code |
//! | `OTP_MAX_SENDS` | optional, default 3: codes per address (and per phone number) per window |
//! | `OTP_SEND_WINDOW_SECONDS` | optional, default 900: the window, starting at its first send |
//! | `SECRETS_CACHE_TTL_SECONDS` | optional, default 300 |

pub mod config;
pub mod delivery;
pub mod handler;
pub mod validation;

pub use config::Config;
pub use delivery::{AwsDelivery, Deliver, DeliveryError, Destination};
pub use handler::CreateOtp;

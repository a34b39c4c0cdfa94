//! `POST /otp` behind an API Gateway REST proxy integration: issues a one-time code.
//!
//! Body (JSON, base64 accepted, at most [`otp::request::MAX_BODY_BYTES`] bytes):
//! `{"email": "...", "channel": "email" | "sms", "phone_number": "+E.164"}`; `channel`
//! defaults to `email`, `phone_number` is required with `sms` and refused without it, `sms`
//! only when `OTP_SMS_ENABLED=true`; unknown or repeated members are refused
//! ([`validation`]; address rules and normal form in [`otp::email`]).
//!
//! For a valid request: count a send against the address (and the phone number) in the
//! table ([`otp::store`]); if the limit is not reached, store the keyed hash of a fresh code
//! (replacing the address's previous code, attempts reset) and send the code
//! ([`delivery`]).
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | valid request: sent, or not sent because a send limit was reached | `202 {"status": "accepted", "expires_in": OTP_TTL_SECONDS}` |
//! | invalid body | `400 {"error", "details": [{"field", "message"}]}` (`field` null for the body as a whole) |
//! | body too large | `413`; method other than POST: `405` |
//! | SES / SNS refused or failed | `502 {"error": "the code could not be delivered", "request_id"}` |
//! | table, secret or RNG failure | `500 {"error": "internal error", "request_id"}` |
//!
//! The 202 is identical whether the address was seen before, limited or sent to, so the
//! response tells nothing about an address. **A failed delivery deletes the stored code**
//! (conditionally: only if it is still the one just written), so no code nobody received
//! stays redeemable; the address's previous code was already replaced and is gone too, and
//! the send still counts against the limit (failures cannot be used to send more). The code
//! appears only in the message; logs name the address by its keyed hash (`address_id`).
//!
//! **SMS is off by default, and for a reason.** An SMS code proves possession of the phone,
//! not of the mailbox: with `OTP_SMS_ENABLED=true`, anyone who names an address together with
//! their own number can redeem a token whose `sub` is that address. Enable it only once a
//! directory binds numbers to addresses (not part of this service); the per-number send limit
//! only bounds SMS cost (SMS pumping).
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OTP_TABLE_NAME` | required: table, partition key `pk` (S), TTL attribute `expires_at` |
//! | `OTP_HASH_KEY_SECRET_ARN` | required: secret whose whole string (≥ 32 bytes) is the HMAC key |
//! | `OTP_SENDER` | required: `From` address, a verified SES identity |
//! | `OTP_SES_CONFIGURATION_SET` | optional: SES configuration set |
//! | `OTP_SMS_ENABLED` | optional, default `false`: accept `channel: "sms"` |
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

//! Two-factor (one-time code) building blocks shared by the `otp-create` (`POST /otp`) and
//! `otp-verify` (`POST /otp/verify`) functions.
//!
//! * [`request`]: the API Gateway body (base64 accepted, size cap) as JSON members, unknown
//!   and repeated members refused; [`response`]: the JSON responses of both functions.
//! * [`email`]: validation and normalization of the address, the identity of a code;
//!   [`phone`]: the E.164 form of SMS destinations.
//! * [`code`]: uniform 6-digit codes from the operating system's RNG.
//! * [`hash`]: the keyed hashes (HMAC-SHA256, domain-separated) that are all the table holds
//!   of an address, a phone number or a code.
//! * [`store`]: the code, send-counter and phone-registration items in DynamoDB, every
//!   change of a code or counter conditional; a live code is never replaced.
//! * [`registration`]: [`register_phone`] / [`remove_phone`], the only way a number becomes
//!   an address's SMS destination (called by user management, not over the API).
//! * [`config`]: reading numbers and flags from the environment.
//!
//! # Table layout
//!
//! One table, partition key `pk` (S), TTL attribute `expires_at` (N, epoch seconds),
//! encrypted at rest with a KMS key:
//!
//! | Item | `pk` | Other attributes |
//! |---|---|---|
//! | current code of an address | `code#<hex HMAC of the address>` | `code_hash` (S, hex), `attempts` (N), `used` (BOOL), `created_at` (N), `expires_at` |
//! | sends to a mailbox in the window | `sends#email#<hex HMAC of the mailbox>` ([`email::mailbox`]: `+tag` dropped, Gmail's dots dropped) | `sends` (N), `expires_at` (= end of the window) |
//! | sends to a phone number in the window | `sends#phone#<hex HMAC of the number>` | `sends` (N), `expires_at` |
//! | sends to a mail domain in the day | `sends#domain#<hex HMAC of the mailbox's domain>` | `sends` (N), `expires_at` |
//! | every send in the day (the daily budget) | `sends#all` | `sends` (N), `expires_at` |
//! | registered phone of an address | `phone#<hex HMAC of the address>` | `phone_number` (S, E.164; validated on read), no `expires_at`: it stays until removed |
//!
//! The `pk` prefixes (`code#`, `sends#`, `phone#`: [`store::CODE_PREFIX`] and its siblings)
//! are what the functions' IAM policies name in `dynamodb:LeadingKeys` conditions: the API's
//! functions may write codes and counters, never a phone registration.
//!
//! No attribute holds an address or a code in plain text. The registered number is the one
//! plain-text personal datum: it is needed to send the SMS, and it is written only through
//! [`registration`], never from a request. Rotating the hash key secret makes the codes in
//! flight unusable, restarts the send windows and orphans the phone registrations (they
//! must be written again under the new key).

pub mod code;
pub mod config;
pub mod email;
pub mod hash;
#[cfg(any(test, feature = "test-util"))]
pub mod memory;
pub mod phone;
pub mod registration;
pub mod request;
pub mod response;
pub mod store;

pub use code::Code;
pub use hash::{HashKey, HashKeyError};
pub use registration::{register_phone, remove_phone, RegistrationError};
pub use store::{DynamoDbOtpStore, OtpStore, Redemption, StoreError, StoredCode};

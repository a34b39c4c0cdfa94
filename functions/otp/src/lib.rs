//! Two-factor (one-time code) building blocks shared by the `otp-create` (`POST /otp`) and
//! `otp-verify` (`POST /otp/verify`) functions.
//!
//! * [`request`]: the API Gateway body (base64 accepted, size cap) as JSON members, unknown
//!   and repeated members refused; [`response`]: the JSON responses of both functions.
//! * [`email`]: validation and normalization of the address, the identity of a code.
//! * [`code`]: uniform 6-digit codes from the operating system's RNG.
//! * [`hash`]: the keyed hashes (HMAC-SHA256, domain-separated) that are all the table holds
//!   of an address, a phone number or a code.
//! * [`store`]: the code and send-counter items in DynamoDB, every change conditional.
//! * [`config`]: reading numbers and flags from the environment.
//!
//! # Table layout
//!
//! One table, partition key `pk` (S), TTL attribute `expires_at` (N, epoch seconds):
//!
//! | Item | `pk` | Other attributes |
//! |---|---|---|
//! | current code of an address | `code#<hex HMAC of the address>` | `code_hash` (S, hex), `attempts` (N), `used` (BOOL), `created_at` (N), `expires_at` |
//! | sends of an address in the window | `sends#email#<hex HMAC of the address>` | `sends` (N), `expires_at` (= end of the window) |
//! | sends to a phone number in the window | `sends#phone#<hex HMAC of the number>` | `sends` (N), `expires_at` |
//!
//! No attribute holds an address, a phone number or a code in plain text. Rotating the hash
//! key secret makes the codes in flight unusable and restarts the send windows.

pub mod code;
pub mod config;
pub mod email;
pub mod hash;
#[cfg(feature = "test-util")]
pub mod memory;
pub mod request;
pub mod response;
pub mod store;

pub use code::Code;
pub use hash::HashKey;
pub use store::{DynamoDbOtpStore, OtpStore, StoreError, StoredCode};

//! `POST /otp/verify` behind an API Gateway REST proxy integration: redeems a one-time code
//! for a JWT that the orders API's authorizer accepts.
//!
//! Body (JSON, base64 accepted, at most [`otp::request::MAX_BODY_BYTES`] bytes):
//! `{"email": "...", "code": "123456"}` (`code`: a string of exactly 6 ASCII digits);
//! unknown or repeated members are refused. The address is normalized as by `otp-create`
//! ([`otp::email`]).
//!
//! The guess is hashed (keyed, as the stored code) and redeemed by one conditional update:
//! the stored hash equals the guess's, not used, `attempts < OTP_MAX_ATTEMPTS`,
//! `expires_at > now` (DynamoDB's TTL deletion is lazy); it succeeds for exactly one request
//! and nothing reads the code first. A refused update returns the item as it was, for the
//! log's reason. Every refusal then makes one more conditional update, which counts a wrong
//! guess only against a live code whose hash differs from the guess's; at
//! `OTP_MAX_ATTEMPTS` the code is dead.
//!
//! **Timing.** No code, a used, exhausted or expired one, and a wrong guess at a live one
//! are the same work: one HMAC, the signing key (from the cache), the two updates. So the
//! response time does not tell whether an address has a live code. (Only success, which
//! the caller learns anyway, makes one update instead of two.)
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | redeemed | `200 {"token": "<JWT>", "token_type": "Bearer", "expires_in": JWT_TTL_SECONDS}` |
//! | no code, wrong, expired, used, out of attempts | `401 {"error": "invalid or expired code"}` (one answer, no oracle) |
//! | invalid body | `400 {"error", "details": [{"field", "message"}]}` |
//! | body too large | `413`; method other than POST: `405` |
//! | table or secret failure | `500 {"error": "internal error", "request_id"}` |
//!
//! The token is HS256 (`jwt-hs256`) with the orders API's key, read as the authorizer reads
//! it: claims `sub` (the normalized address), `iat`, `exp` = now + `JWT_TTL_SECONDS`, and
//! `iss`/`aud` when configured.
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `OTP_TABLE_NAME` | required: table, partition key `pk` (S), TTL attribute `expires_at` |
//! | `OTP_HASH_KEY_SECRET_ARN` | required: secret whose whole string (≥ 32 bytes) is the HMAC key (the same as `otp-create`'s) |
//! | `OTP_MAX_ATTEMPTS` | optional, default 5: wrong guesses that kill a code |
//! | `JWT_SECRET_ARN` | required: the authorizer's signing-key secret |
//! | `JWT_SECRET_JSON_KEY` | optional: the secret is a JSON object, the key is this member |
//! | `JWT_ISSUER`, `JWT_AUDIENCE` | optional: `iss` / `aud` of the tokens (set them as the authorizer's) |
//! | `JWT_TTL_SECONDS` | optional, default 900: token lifetime |
//! | `SECRETS_CACHE_TTL_SECONDS` | optional, default 300 |

pub mod config;
pub mod handler;
pub mod validation;

pub use config::Config;
pub use handler::VerifyOtp;

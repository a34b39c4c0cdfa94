//! API Gateway REQUEST authorizer for the orders API.
//!
//! The caller sends one `Authorization: Bearer <JWT>` header (a repeated header is refused:
//! both `headers` and `multiValueHeaders` of the event are read). The token must be an HS256
//! JWS ([`jwt`], the shared `jwt-hs256` crate) signed with the key kept in Secrets Manager
//! (read through the shared [`secrets_client`] with its cache), carry `sub`, the configured
//! `iss` and `aud`, and an `exp` that is neither past nor further ahead than the maximum
//! lifetime, and pass the optional `nbf`/`iat` checks. On success the function returns an
//! `Allow` policy for the whole stage ([`policy`]) so that API Gateway's cached decision
//! also covers other routes, with `principalId` = `sub` and the other claims as context; on
//! any failure it returns the error `Unauthorized`, which API Gateway answers with 401.
//!
//! The log names the principal only by a keyed hash ([`log_id`]), never by `sub` (an email
//! address for tokens of the two-factor service), and never shows a token.
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `JWT_SECRET_ARN` | required: ARN (or name) of the secret holding the HMAC key |
//! | `JWT_SECRET_JSON_KEY` | optional: the secret is a JSON object; use this key's value |
//! | `JWT_ISSUER` | required: the `iss` every token must carry |
//! | `JWT_AUDIENCE` | required: the `aud` every token must carry (string or member of the array) |
//! | `JWT_MAX_LIFETIME_SECONDS` | optional: longest `exp` − now accepted (default 3600, at most 86400) |
//! | `JWT_LEEWAY_SECONDS` | optional: clock-skew leeway for `exp`/`nbf`/`iat` (default 30, at most 60) |
//! | `SECRETS_CACHE_TTL_SECONDS` | optional: secret cache TTL (default 300) |

pub mod config;
pub mod handler;
pub mod log_id;
pub mod policy;

/// The HS256 verifier (and test signer), re-exported from the shared `jwt-hs256` crate.
pub use jwt_hs256 as jwt;

pub use config::Config;
pub use handler::{Authorizer, Unauthorized};

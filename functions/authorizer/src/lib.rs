//! API Gateway REQUEST authorizer for the orders API.
//!
//! The caller sends `Authorization: Bearer <JWT>`. The token must be an HS256 JWS
//! ([`jwt`], the shared `jwt-hs256` crate) signed with the key kept in Secrets Manager (read
//! through the shared [`secrets_client`] with its cache), carry `exp` and `sub`, and pass the optional
//! `nbf`/`iat`/`iss`/`aud` checks. On success the function returns an `Allow` policy for the
//! whole stage ([`policy`]) so that API Gateway's cached decision also covers other routes;
//! on any failure it returns the error `Unauthorized`, which API Gateway answers with 401.
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `JWT_SECRET_ARN` | required: ARN (or name) of the secret holding the HMAC key |
//! | `JWT_SECRET_JSON_KEY` | optional: the secret is a JSON object; use this key's value |
//! | `JWT_ISSUER` | optional: required `iss` value |
//! | `JWT_AUDIENCE` | optional: required `aud` value (string or member of the array) |
//! | `JWT_LEEWAY_SECONDS` | optional: clock-skew leeway for `exp`/`nbf`/`iat` (default 30) |
//! | `SECRETS_CACHE_TTL_SECONDS` | optional: secret cache TTL (default 300) |

pub mod config;
pub mod handler;
pub mod policy;

/// The HS256 verifier (and test signer), re-exported from the shared `jwt-hs256` crate.
pub use jwt_hs256 as jwt;

pub use config::Config;
pub use handler::{Authorizer, Unauthorized};

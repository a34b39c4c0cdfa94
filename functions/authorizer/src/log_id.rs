//! The principal as the log names it: a keyed hash, never the `sub` itself (for tokens of
//! the two-factor service, `sub` is the caller's email address, and logs are kept for a year
//! in prod).
//!
//! The key is the signing key the authorizer already holds, used in its own domain: the
//! message starts with the label `orders/v1/log-principal` and a NUL, which no JWS signing
//! input (base64url text and dots) can contain, so a log id is never a token signature, and
//! the ids say nothing of the key (HMAC is a pseudorandom function). As with the address
//! ids of the OTP functions (`functions/otp/src/hash.rs`), the same principal has the same
//! id in every log line until the key is rotated, and nobody without the key can compute
//! the id of a given address.

use hmac::digest::InvalidLength;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

/// The key could not key an HMAC.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("the log-id key is unusable: {0}")]
pub struct LogIdKeyError(#[from] InvalidLength);

/// Computes log ids under one key.
#[derive(Clone)]
pub struct LogIds(Hmac<Sha256>);

impl std::fmt::Debug for LogIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogIds(<redacted>)")
    }
}

impl LogIds {
    /// Ids keyed with `key` (the signing key).
    pub fn new(key: &[u8]) -> Result<Self, LogIdKeyError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)?;
        mac.update(b"orders/v1/log-principal\0");
        Ok(Self(mac))
    }

    /// The hex id of `principal`.
    pub fn of(&self, principal: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(principal.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"log-id-key-0123456789abcdef-0123456";

    #[test]
    fn ids_are_keyed_stable_and_opaque() {
        let ids = LogIds::new(KEY).unwrap();
        let id = ids.of("a@example.com");
        assert_eq!(id, ids.of("a@example.com"));
        assert_eq!(id.len(), 64);
        assert!(!id.contains("example"));
        assert_ne!(id, ids.of("b@example.com"));
        assert_ne!(
            id,
            LogIds::new(b"another-key-0123456789abcdef-01234")
                .unwrap()
                .of("a@example.com")
        );
        assert_eq!(format!("{ids:?}"), "LogIds(<redacted>)");
    }

    #[test]
    fn ids_are_not_plain_hmacs_of_the_principal() {
        // The domain label keeps an id apart from an HMAC of the same text for any other use.
        let mut plain = <Hmac<Sha256> as Mac>::new_from_slice(KEY).unwrap();
        plain.update(b"a@example.com");
        assert_ne!(
            LogIds::new(KEY).unwrap().of("a@example.com"),
            hex::encode(plain.finalize().into_bytes())
        );
    }
}

//! Keyed hashes: HMAC-SHA256 under the secret hash key, each use in its own domain.
//!
//! Every message starts with a distinct label ending in NUL (`otp/v1/address\0`,
//! `otp/v1/phone\0`, `otp/v1/domain\0`, `otp/v1/code\0`), so a hash made for one purpose can never equal one
//! made for another; the parts after it cannot contain NUL (validated addresses and numbers,
//! hex, digits). A code's hash covers the address hash too, so a code hash copied to another
//! address's item does not match there.

use hmac::digest::InvalidLength;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

use secrets_client::{SecretStore, SecretsClient, SecretsError};

use crate::code::Code;

/// Shortest accepted key in bytes (the HMAC-SHA256 output size).
pub const MIN_KEY_LEN: usize = 32;

/// Why the hash key could not be loaded or used.
#[derive(Debug, Error)]
pub enum HashKeyError {
    /// The key is shorter than [`MIN_KEY_LEN`] bytes.
    #[error("the hash key is {0} bytes; at least {MIN_KEY_LEN} are required")]
    TooShort(usize),
    /// The key cannot key an HMAC.
    #[error("the hash key is unusable: {0}")]
    Unusable(#[from] InvalidLength),
    /// Reading the secret failed.
    #[error(transparent)]
    Secret(#[from] SecretsError),
}

/// The hash key (the whole string of the secret in `OTP_HASH_KEY_SECRET_ARN`).
#[derive(Clone)]
pub struct HashKey(Hmac<Sha256>);

impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(<redacted>)")
    }
}

impl HashKey {
    /// A key from the secret's bytes; shorter than [`MIN_KEY_LEN`] is refused.
    pub fn new(key: &[u8]) -> Result<Self, HashKeyError> {
        if key.len() < MIN_KEY_LEN {
            return Err(HashKeyError::TooShort(key.len()));
        }
        Ok(Self(Hmac::<Sha256>::new_from_slice(key)?))
    }

    /// The key in the secret `secret_id` (its whole string), through the secrets cache.
    pub async fn load<S: SecretStore>(
        secrets: &SecretsClient<S>,
        secret_id: &str,
    ) -> Result<Self, HashKeyError> {
        let value = secrets.get(secret_id).await?;
        Self::new(value.expose().as_bytes())
    }

    /// The hex hash naming a normalized address in the table and in logs.
    pub fn address_id(&self, email: &str) -> String {
        hex::encode(
            self.mac(&[b"otp/v1/address\0", email.as_bytes()])
                .finalize()
                .into_bytes(),
        )
    }

    /// The hex hash naming an E.164 phone number in the table.
    pub fn phone_id(&self, phone_number: &str) -> String {
        hex::encode(
            self.mac(&[b"otp/v1/phone\0", phone_number.as_bytes()])
                .finalize()
                .into_bytes(),
        )
    }

    /// The hex hash naming a mail domain's send counter in the table.
    pub fn domain_id(&self, domain: &str) -> String {
        hex::encode(
            self.mac(&[b"otp/v1/domain\0", domain.as_bytes()])
                .finalize()
                .into_bytes(),
        )
    }

    /// The hex hash stored for `code` sent to the address `address_id`.
    pub fn code_hash(&self, address_id: &str, code: &Code) -> String {
        hex::encode(self.code_mac(address_id, code).finalize().into_bytes())
    }

    /// Whether `stored` (hex) is the hash of `code` for `address_id`, compared in constant
    /// time (`Mac::verify_slice`).
    pub fn code_matches(&self, address_id: &str, code: &Code, stored: &str) -> bool {
        let mut expected = [0u8; 32];
        hex::decode_to_slice(stored, &mut expected).is_ok()
            && self
                .code_mac(address_id, code)
                .verify_slice(&expected)
                .is_ok()
    }

    fn code_mac(&self, address_id: &str, code: &Code) -> Hmac<Sha256> {
        self.mac(&[
            b"otp/v1/code\0",
            address_id.as_bytes(),
            b"\0",
            code.expose().as_bytes(),
        ])
    }

    fn mac(&self, parts: &[&[u8]]) -> Hmac<Sha256> {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"otp-hash-key-0123456789abcdef-0123";

    fn key() -> HashKey {
        HashKey::new(KEY).unwrap()
    }

    fn code(digits: &str) -> Code {
        Code::parse(digits).unwrap()
    }

    #[test]
    fn refuses_short_keys_and_hides_the_key() {
        assert!(HashKey::new(&KEY[..31]).is_err());
        assert_eq!(format!("{:?}", key()), "HashKey(<redacted>)");
    }

    #[test]
    fn hashes_are_keyed() {
        let other = HashKey::new(b"another-hash-key-0123456789abcdef").unwrap();
        assert_ne!(
            key().address_id("a@example.com"),
            other.address_id("a@example.com")
        );
        let id = key().address_id("a@example.com");
        assert_ne!(
            key().code_hash(&id, &code("123456")),
            other.code_hash(&id, &code("123456"))
        );
        assert_eq!(id.len(), 64);
        assert!(!id.contains("example"));
    }

    #[test]
    fn domains_are_separated() {
        // The same text hashed as an address and as a phone number differs.
        assert_ne!(
            key().address_id("+15555550100"),
            key().phone_id("+15555550100")
        );
        assert_ne!(
            key().address_id("example.com"),
            key().domain_id("example.com")
        );
        // A code's hash depends on the address it was sent to.
        let a = key().address_id("a@example.com");
        let b = key().address_id("b@example.com");
        assert_ne!(
            key().code_hash(&a, &code("123456")),
            key().code_hash(&b, &code("123456"))
        );
    }

    #[test]
    fn matching_is_exact() {
        let id = key().address_id("a@example.com");
        let stored = key().code_hash(&id, &code("012345"));
        assert!(key().code_matches(&id, &code("012345"), &stored));
        assert!(!key().code_matches(&id, &code("012346"), &stored));
        assert!(!key().code_matches(&key().address_id("b@example.com"), &code("012345"), &stored));
        assert!(!key().code_matches(&id, &code("012345"), "not hex"));
        assert!(!key().code_matches(&id, &code("012345"), &stored[..62]));
    }
}

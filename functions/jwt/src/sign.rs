//! Signing: compact HS256 tokens `base64url(header).base64url(claims).base64url(mac)`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use crate::{WeakKey, MIN_KEY_LEN};

/// The fixed header of every token a [`Signer`] issues.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Issues HS256 tokens with one key.
#[derive(Clone)]
pub struct Signer {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Signer {
    /// A signer for `key`, refusing keys shorter than [`MIN_KEY_LEN`] (as the verifier does).
    pub fn new(key: &[u8]) -> Result<Self, WeakKey> {
        if key.len() < MIN_KEY_LEN {
            return Err(WeakKey(key.len()));
        }
        let mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| WeakKey(key.len()))?;
        Ok(Self { mac })
    }

    /// The compact token for `claims` with the header `{"alg":"HS256","typ":"JWT"}`.
    /// The claims are taken as given: the caller sets `sub`, `iat`, `exp` and the rest.
    pub fn sign(&self, claims: &Map<String, Value>) -> String {
        let mut token = URL_SAFE_NO_PAD.encode(HEADER);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string()));
        append_signature(self.mac.clone(), token)
    }
}

/// Signs `claims` as an HS256 token without checking the key length (tests and benches,
/// which also sign with deliberately wrong keys). Services use [`Signer`].
pub fn sign_hs256(key: &[u8], claims: &Value) -> String {
    sign_with_header(
        key,
        &serde_json::json!({"alg": "HS256", "typ": "JWT"}),
        claims,
    )
}

/// Signs `claims` with an arbitrary header using HMAC-SHA256 (tests build hostile tokens).
pub fn sign_with_header(key: &[u8], header: &Value, claims: &Value) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header.to_string());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims.to_string()));
    // HMAC accepts keys of any length, so this never fails.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => append_signature(mac, token),
        Err(_) => token,
    }
}

/// Appends `.` and the base64url MAC of `signing_input` under `mac`.
fn append_signature(mut mac: Hmac<Sha256>, mut signing_input: String) -> String {
    mac.update(signing_input.as_bytes());
    let signature = mac.finalize().into_bytes();
    signing_input.push('.');
    signing_input.push_str(&URL_SAFE_NO_PAD.encode(signature));
    signing_input
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn refuses_short_keys() {
        assert_eq!(Signer::new(&KEY[..31]).unwrap_err(), WeakKey(31));
        assert!(Signer::new(KEY).is_ok());
    }

    #[test]
    fn header_and_claims_are_as_documented() {
        let claims = json!({"sub": "a@example.com", "exp": 10});
        let token = Signer::new(KEY).unwrap().sign(claims.as_object().unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(URL_SAFE_NO_PAD.decode(parts[0]).unwrap(), HEADER.as_bytes());
        let decoded: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        assert_eq!(decoded, claims);
        // Same bytes as the unchecked helper (one MAC construction).
        assert_eq!(token, sign_hs256(KEY, &claims));
    }

    #[test]
    fn debug_hides_the_key() {
        let s = format!("{:?}", Signer::new(KEY).unwrap());
        assert!(!s.contains("0123456789abcdef"), "{s}");
    }
}

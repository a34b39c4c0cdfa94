//! What the [`Signer`] issues, the [`Verifier`] accepts; changed, expired or foreign tokens it
//! refuses.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jwt_hs256::{JwtError, Signer, Verifier};
use serde_json::{json, Map, Value};

const KEY: &[u8] = b"round-trip-signing-key-0123456789abcdef";
const NOW: i64 = 1_700_000_000;

fn claims(exp: i64) -> Map<String, Value> {
    json!({"sub": "a@example.com", "iat": NOW, "exp": exp, "iss": "otp", "aud": "orders"})
        .as_object()
        .unwrap()
        .clone()
}

fn verifier(key: &[u8]) -> Verifier {
    Verifier::new(key, Some("otp".into()), Some("orders".into()), 0).unwrap()
}

#[test]
fn signed_tokens_verify() {
    let token = Signer::new(KEY).unwrap().sign(&claims(NOW + 900));
    let verified = verifier(KEY).verify(&token, NOW).unwrap();
    assert_eq!(verified.subject, "a@example.com");
    assert_eq!(verified.context["iss"], "otp");
    assert_eq!(verified.context["exp"], NOW + 900);
}

#[test]
fn tampered_expired_and_foreign_tokens_are_refused() {
    let token = Signer::new(KEY).unwrap().sign(&claims(NOW + 900));
    let parts: Vec<&str> = token.split('.').collect();
    let mut other = claims(NOW + 900);
    other.insert("sub".into(), json!("admin@example.com"));
    let forged_payload = URL_SAFE_NO_PAD.encode(Value::Object(other).to_string());
    assert_eq!(
        verifier(KEY).verify(&format!("{}.{forged_payload}.{}", parts[0], parts[2]), NOW),
        Err(JwtError::BadSignature)
    );

    assert_eq!(
        verifier(KEY).verify(&token, NOW + 900),
        Err(JwtError::Expired)
    );

    let foreign = Signer::new(b"some-other-signing-key-0123456789abcdef")
        .unwrap()
        .sign(&claims(NOW + 900));
    assert_eq!(
        verifier(KEY).verify(&foreign, NOW),
        Err(JwtError::BadSignature)
    );
}

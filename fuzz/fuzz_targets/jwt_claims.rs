//! Header and claims of the fuzzer's choosing (any bytes: `header\npayload`, or the payload
//! alone under `{"alg":"HS256","typ":"JWT"}`), signed with the verifier's key, so every
//! claim rule is reached. The signature is right, so a refusal is never `BadSignature`; an
//! accepted token meets every rule and re-encodes to the same claims
//! ([`fuzz_targets::check_accepted`]); and the same token with its signature altered, or
//! signed with another key, is refused where it would have been accepted.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use fuzz_targets::{check_accepted, verifiers, KEY, NOW};
use hmac::{Hmac, Mac};
use jwt_hs256::JwtError;
use libfuzzer_sys::fuzz_target;

const HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

fn signed(key: &[u8], header: &[u8], payload: &[u8]) -> String {
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(payload));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(token.as_bytes());
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
    token
}

fuzz_target!(|data: &[u8]| {
    let (header, payload) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (HEADER, data),
    };
    let token = signed(KEY, header, payload);
    let forged = signed(b"another-key-another-key-another-key", header, payload);
    // The first signature character flipped between two base64url letters.
    let mut tampered = token.clone();
    let at = tampered.rfind('.').unwrap_or(0) + 1;
    let flipped = if tampered.as_bytes().get(at) == Some(&b'A') {
        "B"
    } else {
        "A"
    };
    tampered.replace_range(at..at + 1, flipped);

    for (verifier, rules) in verifiers() {
        let result = verifier.verify(&token, NOW);
        match &result {
            Ok(verified) => check_accepted(verifier, rules, &token, verified),
            Err(e) => assert_ne!(e, &JwtError::BadSignature, "a correct signature refused"),
        }
        // Past the signature check (accepted, or refused for a claim): another key or an
        // altered signature must be refused for the signature.
        let past_signature = match &result {
            Ok(_) => true,
            // The payload is decoded only once the signature matched.
            Err(JwtError::Malformed(what)) => what.starts_with("payload"),
            Err(e) => !matches!(
                e,
                JwtError::TooLong(_) | JwtError::UnsupportedAlgorithm(_) | JwtError::CriticalHeader
            ),
        };
        if past_signature {
            assert_eq!(verifier.verify(&forged, NOW), Err(JwtError::BadSignature));
            assert_eq!(verifier.verify(&tampered, NOW), Err(JwtError::BadSignature));
        } else {
            assert!(verifier.verify(&forged, NOW).is_err());
            assert!(verifier.verify(&tampered, NOW).is_err());
        }
    }
});

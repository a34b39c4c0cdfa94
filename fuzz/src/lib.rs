//! What the fuzz targets share: the request validation of `otp-create` and `otp-verify`
//! (compiled from those crates' own files, as `otp` is in `parsers/otp`), the token rules of
//! the authorizer, and the checks on an accepted token.

use std::sync::OnceLock;

use serde_json::{Map, Value};

/// `otp-create`'s body validation (`functions/otp-create/src/validation.rs`).
#[path = "../../functions/otp-create/src/validation.rs"]
pub mod create;
/// `otp-verify`'s body validation (`functions/otp-verify/src/validation.rs`).
#[path = "../../functions/otp-verify/src/validation.rs"]
pub mod verify;

/// The HMAC key every target signs and verifies with.
pub const KEY: &[u8] = b"fuzz-key-fuzz-key-fuzz-key-fuzz-key!";
/// The clock of every verification (seconds since the epoch; November 2023).
pub const NOW: i64 = 1_700_000_000;
/// The `iss` the authorizer rules require.
pub const ISSUER: &str = "https://otp.example.com";
/// The `aud` the authorizer rules require.
pub const AUDIENCE: &str = "orders";

/// Claim rules a verifier applies, the same values it was built with.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Required `iss`, if any.
    pub issuer: Option<&'static str>,
    /// Required `aud` (the string or a member of the array), if any.
    pub audience: Option<&'static str>,
    /// Leeway in seconds, as applied (after the verifier's cap).
    pub leeway: i64,
    /// Longest accepted lifetime in seconds.
    pub max_lifetime: i64,
}

/// The leeway the authorizer applies by default (its `DEFAULT_LEEWAY_SECONDS`).
pub const AUTHORIZER_LEEWAY: u64 = 30;
/// The longest lifetime the authorizer can be configured with (its
/// `MAX_LIFETIME_LIMIT_SECONDS`, one day).
pub const LONGEST_LIFETIME: u64 = 86_400;

/// The verifiers the JWT targets try, built once: the authorizer's default configuration
/// (`iss`, `aud`, 30 s leeway, one hour at most), and its loosest (no `iss`/`aud` as
/// `otp-verify` may sign, an oversized leeway that the verifier caps, a day at most).
pub fn verifiers() -> &'static [(jwt_hs256::Verifier, Rules); 2] {
    static VERIFIERS: OnceLock<[(jwt_hs256::Verifier, Rules); 2]> = OnceLock::new();
    VERIFIERS.get_or_init(|| {
        let seconds = |s: u64| i64::try_from(s).unwrap_or(i64::MAX);
        let build = |issuer: Option<&'static str>,
                     audience: Option<&'static str>,
                     leeway: u64,
                     max_lifetime: u64| {
            let verifier = jwt_hs256::Verifier::new(
                KEY,
                issuer.map(str::to_owned),
                audience.map(str::to_owned),
                leeway,
            )
            .expect("KEY is at least jwt_hs256::MIN_KEY_LEN bytes")
            .with_max_lifetime(max_lifetime);
            let rules = Rules {
                issuer,
                audience,
                leeway: seconds(leeway.min(jwt_hs256::MAX_LEEWAY_SECONDS)),
                max_lifetime: seconds(max_lifetime),
            };
            (verifier, rules)
        };
        [
            build(
                Some(ISSUER),
                Some(AUDIENCE),
                AUTHORIZER_LEEWAY,
                jwt_hs256::DEFAULT_MAX_LIFETIME_SECONDS,
            ),
            build(None, None, u64::MAX, LONGEST_LIFETIME),
        ]
    })
}

/// A NumericDate as an exact integer (fractions floored), for comparisons that cannot
/// overflow; `None` if the claim is absent, panics if it is present and not a number (an
/// accepted token must not have one).
fn date(claims: &Map<String, Value>, name: &str) -> Option<i128> {
    let value = claims.get(name)?;
    let Value::Number(n) = value else {
        panic!("accepted token with a non-numeric {name}: {value}");
    };
    Some(if let Some(i) = n.as_i64() {
        i128::from(i)
    } else if let Some(u) = n.as_u64() {
        i128::from(u)
    } else {
        // Saturates at the i128 bounds; any such date is out of range for every rule.
        n.as_f64().map_or(i128::MAX, |f| f.floor() as i128)
    })
}

/// Asserts everything an accepted token must satisfy: its claims (the decoded payload) meet
/// every rule, the context is the claims flattened, the signature is the one canonical
/// encoding of the MAC, and the claims signed anew verify to the same result.
pub fn check_accepted(
    verifier: &jwt_hs256::Verifier,
    rules: &Rules,
    token: &str,
    verified: &jwt_hs256::Verified,
) {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    let segments: Vec<&str> = token.split('.').collect();
    assert_eq!(segments.len(), 3, "accepted token without three segments");
    let payload = URL_SAFE_NO_PAD
        .decode(segments[1])
        .expect("accepted token whose payload is not base64url");
    let claims: Map<String, Value> =
        serde_json::from_slice(&payload).expect("accepted token whose payload is not an object");

    // The signature: exactly the one encoding the signer writes for this signing input.
    let signing_input = &token[..segments[0].len() + 1 + segments[1].len()];
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(segments[0])
            .expect("accepted token whose header is not base64url"),
    )
    .expect("accepted token whose header is not JSON");
    assert_eq!(
        header["alg"], "HS256",
        "accepted a header without alg HS256"
    );
    assert!(header.get("crit").is_none(), "accepted a crit header");
    let mac = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(KEY).expect("HMAC takes any key");
        mac.update(signing_input.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    };
    assert_eq!(segments[2], mac, "accepted a non-canonical signature");

    // The rules.
    let now = i128::from(NOW);
    let (leeway, max) = (i128::from(rules.leeway), i128::from(rules.max_lifetime));
    let exp = date(&claims, "exp").expect("accepted a token without exp");
    assert!(
        now < exp.saturating_add(leeway),
        "accepted an expired token (exp {exp})"
    );
    assert!(
        exp <= now + max + leeway,
        "accepted a token living too long (exp {exp})"
    );
    if let Some(nbf) = date(&claims, "nbf") {
        assert!(nbf <= now + leeway, "accepted a token before its nbf {nbf}");
    }
    if let Some(iat) = date(&claims, "iat") {
        assert!(
            iat <= now + leeway,
            "accepted a token issued in the future ({iat})"
        );
    }
    if let Some(issuer) = rules.issuer {
        assert_eq!(
            claims.get("iss"),
            Some(&Value::from(issuer)),
            "wrong iss accepted"
        );
    }
    if let Some(audience) = rules.audience {
        let ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a == audience),
            _ => false,
        };
        assert!(ok, "wrong aud accepted: {:?}", claims.get("aud"));
    }
    match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => assert_eq!(&verified.subject, sub),
        other => panic!("accepted a token without a usable sub: {other:?}"),
    }

    // The context: every claim but nulls, arrays and objects as their JSON text.
    let flat: Map<String, Value> = claims
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            Value::Array(_) | Value::Object(_) => (k.clone(), Value::String(v.to_string())),
            v => (k.clone(), v.clone()),
        })
        .collect();
    assert_eq!(
        verified.context, flat,
        "context is not the flattened claims"
    );

    // Round trip: the claims re-encoded by the signer verify to the same result.
    let signer = jwt_hs256::Signer::new(KEY).expect("KEY is long enough");
    let again = verifier
        .verify(&signer.sign(&claims), NOW)
        .expect("re-signed claims of an accepted token are refused");
    assert_eq!(&again, verified, "re-signed claims verify differently");
}

//! Test tokens for the orders API: HS256 JWTs signed with the key the
//! authorizer reads from Secrets Manager (`functions/authorizer`), with the
//! `iss` and `aud` it requires and no longer a lifetime than it accepts.

use serde_json::{json, Map, Value as Json};

use crate::app::orders::TOKEN_MAX_LIFETIME_SECONDS;

/// Shortest key the authorizer accepts.
pub use jwt_hs256::MIN_KEY_LEN;

/// What to put in the token.
#[derive(Debug, Clone)]
pub struct Claims {
    /// `sub` (required by the authorizer).
    pub subject: String,
    /// Seconds from `now` to `exp` (see [`parse_ttl`]).
    pub ttl_seconds: u64,
    /// `iss` (the authorizer requires `app::orders::token_issuer`).
    pub issuer: String,
    /// `aud` (the authorizer requires `app::orders::token_audience`).
    pub audience: String,
}

/// Extracts the signing key from a secret value: the value itself, or the
/// member `json_key` of a JSON object.
pub fn signing_key(secret: &str, json_key: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let key = match json_key {
        None => secret.to_owned(),
        Some(k) => {
            let v: Json = serde_json::from_str(secret).map_err(|_| {
                anyhow::anyhow!("the secret is not a JSON object, so it has no key '{k}'; drop --json-key to use the whole value")
            })?;
            v.get(k)
                .and_then(Json::as_str)
                .ok_or_else(|| anyhow::anyhow!("the secret has no string member '{k}'"))?
                .to_owned()
        }
    };
    if key.len() < MIN_KEY_LEN {
        anyhow::bail!(
            "the signing key is {} bytes; the authorizer refuses keys shorter than {MIN_KEY_LEN}: store a longer random value",
            key.len()
        );
    }
    Ok(key.into_bytes())
}

/// Signs `claims` at `now` (Unix seconds) as an HS256 JWT, with the signer
/// the functions use (`jwt-hs256`); `key` comes from [`signing_key`], which
/// refuses short keys with a message that says what to do.
pub fn issue(key: &[u8], claims: &Claims, now: i64) -> String {
    let mut payload = Map::new();
    payload.insert("sub".into(), json!(claims.subject));
    payload.insert("iat".into(), json!(now));
    payload.insert(
        "exp".into(),
        json!(now.saturating_add(i64::try_from(claims.ttl_seconds).unwrap_or(i64::MAX))),
    );
    payload.insert("iss".into(), json!(claims.issuer));
    payload.insert("aud".into(), json!(claims.audience));
    jwt_hs256::sign_hs256(key, &Json::Object(payload))
}

/// Why a duration (`--ttl`) was refused; each message quotes the value.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// Not digits and a unit.
    #[error("'{0}' is not a duration (for example 900, 15m, 1h)")]
    Malformed(String),
    /// A unit other than s, m, h, d.
    #[error("'{value}' has unknown unit '{unit}'; use s, m, h or d")]
    UnknownUnit {
        /// The value given.
        value: String,
        /// Its unit.
        unit: String,
    },
    /// Zero, or too large to count in seconds.
    #[error("'{0}' must be between 1 second and a few days")]
    OutOfRange(String),
    /// Longer than the authorizer accepts.
    #[error("'{value}' is {seconds} s; the authorizer refuses tokens that live longer than {max} s ({}m): use at most {}m", .max / 60, .max / 60)]
    TooLong {
        /// The value given.
        value: String,
        /// It, in seconds.
        seconds: u64,
        /// The authorizer's maximum, in seconds.
        max: u64,
    },
}

/// `900`, `90s`, `15m`, `1h`, `1d` → seconds.
pub fn parse_duration(s: &str) -> Result<u64, DurationError> {
    let s = s.trim();
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| DurationError::Malformed(s.to_owned()))?;
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(DurationError::UnknownUnit {
                value: s.to_owned(),
                unit: unit.to_owned(),
            })
        }
    };
    match n.checked_mul(factor) {
        Some(0) | None => Err(DurationError::OutOfRange(s.to_owned())),
        Some(v) => Ok(v),
    }
}

/// A token lifetime ([`parse_duration`]) no longer than the authorizer
/// accepts ([`TOKEN_MAX_LIFETIME_SECONDS`]).
pub fn parse_ttl(s: &str) -> Result<u64, DurationError> {
    let seconds = parse_duration(s)?;
    let max = u64::from(TOKEN_MAX_LIFETIME_SECONDS);
    if seconds > max {
        return Err(DurationError::TooLong {
            value: s.trim().to_owned(),
            seconds,
            max,
        });
    }
    Ok(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::orders::{token_audience, token_issuer};
    use crate::app::Env;
    use authorizer::jwt::{JwtError, Verifier};

    const KEY: &str = "test-signing-key-0123456789abcdef0123";
    const NOW: i64 = 1_700_000_000;

    fn claims() -> Claims {
        Claims {
            subject: "infra-cli".into(),
            ttl_seconds: 900,
            issuer: token_issuer(Env::Dev),
            audience: token_audience(Env::Dev),
        }
    }

    /// The verifier the deployed dev authorizer builds: its `iss`, `aud` and
    /// maximum lifetime come from the Orders stack.
    fn dev_verifier(key: &[u8]) -> Verifier {
        Verifier::new(
            key,
            Some(token_issuer(Env::Dev)),
            Some(token_audience(Env::Dev)),
            30,
        )
        .unwrap()
        .with_max_lifetime(u64::from(TOKEN_MAX_LIFETIME_SECONDS))
    }

    #[test]
    fn the_authorizer_accepts_issued_tokens() {
        let token = issue(KEY.as_bytes(), &claims(), NOW);
        let v = dev_verifier(KEY.as_bytes());
        let verified = v.verify(&token, NOW + 10).unwrap();
        assert_eq!(verified.subject, "infra-cli");
        assert_eq!(verified.context["iss"], "urn:orders:dev:auth");
        assert_eq!(verified.context["aud"], "urn:orders:dev:api");
        assert_eq!(v.verify(&token, NOW + 900 + 31), Err(JwtError::Expired));
        let other = dev_verifier(b"another-key-0123456789abcdef-0123456");
        assert_eq!(other.verify(&token, NOW), Err(JwtError::BadSignature));
        // The longest --ttl that parse_ttl allows passes; a prod token does not.
        let longest = Claims {
            ttl_seconds: parse_ttl("1h").unwrap(),
            ..claims()
        };
        assert!(v.verify(&issue(KEY.as_bytes(), &longest, NOW), NOW).is_ok());
        let prod = Claims {
            issuer: token_issuer(Env::Prod),
            audience: token_audience(Env::Prod),
            ..claims()
        };
        assert_eq!(
            v.verify(&issue(KEY.as_bytes(), &prod, NOW), NOW),
            Err(JwtError::WrongIssuer)
        );
    }

    #[test]
    fn ttl_is_bounded_by_the_authorizers_maximum() {
        assert_eq!(parse_ttl("15m"), Ok(900));
        assert_eq!(parse_ttl("3600"), Ok(3600));
        assert_eq!(
            parse_ttl("61m").unwrap_err().to_string(),
            "'61m' is 3660 s; the authorizer refuses tokens that live longer than 3600 s (60m): use at most 60m"
        );
        assert!(parse_ttl("1d").is_err());
        assert!(parse_ttl("0").is_err());
    }

    #[test]
    fn keys_from_plain_or_json_secrets() {
        assert_eq!(signing_key(KEY, None).unwrap(), KEY.as_bytes());
        let json = serde_json::json!({"signing_key": KEY}).to_string();
        assert_eq!(
            signing_key(&json, Some("signing_key")).unwrap(),
            KEY.as_bytes()
        );
        assert!(signing_key(&json, Some("nope"))
            .unwrap_err()
            .to_string()
            .contains("no string member 'nope'"));
        assert!(signing_key("short", None)
            .unwrap_err()
            .to_string()
            .contains("5 bytes"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900"), Ok(900));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert!(parse_duration("0").is_err());
        assert!(parse_duration("5y")
            .unwrap_err()
            .to_string()
            .contains("unknown unit"));
        assert!(parse_duration("soon").is_err());
    }
}

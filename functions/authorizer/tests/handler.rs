//! Handler tests over constructed `LambdaEvent`s and a fake secret store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use authorizer::jwt::{sign_hs256, sign_with_header, Signer};
use authorizer::{Authorizer, Config, Unauthorized};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use secrets_client::{SecretStore, SecretsClient, StoreError};
use serde_json::{json, Value};

const KEY: &str = "test-signing-key-0123456789abcdef0123";
const NOW: i64 = 1_700_000_000;
const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders/dev/jwt-AbCdEf";
const ISS: &str = "urn:orders:dev:auth";
const AUD: &str = "urn:orders:dev:api";

#[derive(Clone)]
struct Store {
    value: Option<String>,
    gets: Arc<AtomicU32>,
}

impl SecretStore for Store {
    async fn get_secret_string(&self, id: &str) -> Result<String, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        assert_eq!(id, ARN);
        self.value
            .clone()
            .ok_or_else(|| StoreError::NotFound("ResourceNotFoundException".into()))
    }
    async fn put_secret_string(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn create_secret(&self, _: &str, _: &str, _: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
}

fn authorizer_with(value: Option<&str>, config: Config) -> (Authorizer<Store>, Arc<AtomicU32>) {
    let gets = Arc::new(AtomicU32::new(0));
    let store = Store {
        value: value.map(str::to_owned),
        gets: gets.clone(),
    };
    (
        Authorizer::new(config, SecretsClient::builder(store).build().unwrap()),
        gets,
    )
}

fn config() -> Config {
    Config::new(ARN, ISS, AUD)
}

fn authorizer() -> Authorizer<Store> {
    authorizer_with(Some(KEY), config()).0
}

/// An event as API Gateway sends it: each `Authorization` value in `multiValueHeaders`, the
/// last one in `headers`.
fn event_with(authorization: &[&str]) -> LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest> {
    let mut request: Value =
        serde_json::from_str(include_str!("../fixtures/authorizer-request.json")).unwrap();
    if let Some(last) = authorization.last() {
        request["headers"]["Authorization"] = json!(last);
        request["multiValueHeaders"]["Authorization"] = json!(authorization);
    }
    let mut context = Context::default();
    context.request_id = "req-1".into();
    LambdaEvent::new(serde_json::from_value(request).unwrap(), context)
}

fn event(authorization: Option<&str>) -> LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest> {
    event_with(authorization.as_slice())
}

fn token(claims: Value) -> String {
    sign_hs256(KEY.as_bytes(), &claims)
}

fn good_claims() -> Value {
    json!({"sub": "user-1", "iss": ISS, "aud": AUD, "exp": NOW + 600, "iat": NOW - 5, "scope": "orders:write", "roles": ["a"]})
}

async fn run(a: &Authorizer<Store>, authorization: Option<&str>) -> Result<Value, Unauthorized> {
    a.handle_at(event(authorization), NOW)
        .await
        .map(|r| serde_json::to_value(r).unwrap())
}

#[tokio::test]
async fn valid_token_allows_whole_stage() {
    let a = authorizer();
    let header = format!("Bearer {}", token(good_claims()));
    let r = run(&a, Some(&header)).await.unwrap();
    assert_eq!(r["principalId"], "user-1");
    let statement = &r["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(statement["Action"][0], "execute-api:Invoke");
    assert_eq!(
        statement["Resource"][0],
        "arn:aws:execute-api:us-east-1:123456789012:s4x3opwd6i/test/*/*"
    );
    assert_eq!(r["context"]["sub"], "user-1");
    assert_eq!(r["context"]["scope"], "orders:write");
    assert_eq!(r["context"]["roles"], r#"["a"]"#);
    // Lowercase scheme is accepted too (schemes are case-insensitive).
    let header = format!("bearer {}", token(good_claims()));
    assert!(run(&a, Some(&header)).await.is_ok());
}

#[tokio::test]
async fn tokens_of_the_shared_signer_are_allowed() {
    let signer = Signer::new(KEY.as_bytes()).unwrap();
    let a = authorizer();
    let header = format!("Bearer {}", signer.sign(good_claims().as_object().unwrap()));
    assert_eq!(
        run(&a, Some(&header)).await.unwrap()["principalId"],
        "user-1"
    );
    let mut expired = good_claims();
    expired["exp"] = json!(NOW - 60);
    let header = format!("Bearer {}", signer.sign(expired.as_object().unwrap()));
    assert_eq!(run(&a, Some(&header)).await, Err(Unauthorized));
}

#[tokio::test]
async fn key_is_fetched_once_while_cached() {
    let (a, gets) = authorizer_with(Some(KEY), config());
    let header = format!("Bearer {}", token(good_claims()));
    for _ in 0..5 {
        run(&a, Some(&header)).await.unwrap();
    }
    assert_eq!(gets.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn json_secret_key() {
    let mut config = config();
    config.secret_json_key = Some("signing_key".into());
    let secret = json!({"signing_key": KEY, "other": "x"}).to_string();
    let (a, _) = authorizer_with(Some(&secret), config);
    let header = format!("Bearer {}", token(good_claims()));
    assert!(run(&a, Some(&header)).await.is_ok());
}

#[tokio::test]
async fn header_errors() {
    let a = authorizer();
    let t = token(good_claims());
    for header in [
        None,
        Some(format!("Basic {t}")),
        Some(format!("Token {t}")),
        Some(t.clone()),
        Some("Bearer".to_owned()),
        Some("Bearer ".to_owned()),
        Some(format!("Bearer {t} extra")),
    ] {
        assert_eq!(
            run(&a, header.as_deref()).await,
            Err(Unauthorized),
            "{header:?}"
        );
    }
}

#[tokio::test]
async fn repeated_authorization_header() {
    let a = authorizer();
    let good = format!("Bearer {}", token(good_claims()));
    let other = format!(
        "Bearer {}",
        token(json!({"sub": "user-2", "iss": ISS, "aud": AUD, "exp": NOW + 600}))
    );
    // The single-valued `headers` holds only the last value: the repetition is visible in
    // `multiValueHeaders` alone.
    for values in [[&good, &good], [&other, &good], [&good, &other]] {
        let e = event_with(&[values[0], values[1]]);
        assert_eq!(e.payload.headers.get_all("authorization").iter().count(), 1);
        assert_eq!(
            a.handle_at(e, NOW).await.err(),
            Some(Unauthorized),
            "{values:?}"
        );
    }
    // The two maps disagree.
    let mut e = event(Some(&good));
    e.payload
        .headers
        .insert("authorization", other.parse().unwrap());
    assert_eq!(a.handle_at(e, NOW).await.err(), Some(Unauthorized));
    // Header names are case-insensitive: `authorization` and `Authorization` are one header.
    let mut request: Value =
        serde_json::from_str(include_str!("../fixtures/authorizer-request.json")).unwrap();
    request["headers"]["Authorization"] = json!(good);
    request["multiValueHeaders"]["Authorization"] = json!([good]);
    request["multiValueHeaders"]["authorization"] = json!([other]);
    let e = LambdaEvent::new(serde_json::from_value(request).unwrap(), Context::default());
    assert_eq!(a.handle_at(e, NOW).await.err(), Some(Unauthorized));
    // One value in each map, the same: allowed; only `headers` (no `multiValueHeaders`): read.
    assert!(a.handle_at(event(Some(&good)), NOW).await.is_ok());
    let mut e = event(Some(&good));
    e.payload.multi_value_headers.clear();
    assert!(a.handle_at(e, NOW).await.is_ok());
}

#[tokio::test]
async fn lifetime_is_bounded() {
    let a = authorizer();
    let with_exp = |exp: Value| {
        format!(
            "Bearer {}",
            token(json!({"sub": "u", "iss": ISS, "aud": AUD, "exp": exp}))
        )
    };
    // The default maximum is one hour ahead (plus the 30 s leeway).
    assert!(run(&a, Some(&with_exp(json!(NOW + 3600)))).await.is_ok());
    for exp in [json!(NOW + 3600 + 31), json!(NOW + 86_400), json!(1e300)] {
        assert_eq!(
            run(&a, Some(&with_exp(exp.clone()))).await,
            Err(Unauthorized),
            "{exp}"
        );
    }
    let mut config = config();
    config.max_lifetime_seconds = 600;
    let (short, _) = authorizer_with(Some(KEY), config);
    assert!(run(&short, Some(&with_exp(json!(NOW + 600)))).await.is_ok());
    assert_eq!(
        run(&short, Some(&with_exp(json!(NOW + 700)))).await,
        Err(Unauthorized)
    );
}

#[tokio::test]
async fn a_principal_id_claim_does_not_reach_the_context() {
    let a = authorizer();
    let mut claims = good_claims();
    claims["principalId"] = json!("someone-else");
    let r = run(&a, Some(&format!("Bearer {}", token(claims))))
        .await
        .unwrap();
    assert_eq!(r["principalId"], "user-1");
    assert!(r["context"].get("principalId").is_none(), "{r}");
}

/// A `Write` into a shared buffer, for capturing log output.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_names_the_principal_by_a_keyed_hash_only() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let a = authorizer();
    let mut claims = good_claims();
    claims["sub"] = json!("alice@example.com");
    let t = token(claims);
    run(&a, Some(&format!("Bearer {t}"))).await.unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request allowed"), "{log}");
    assert!(!log.contains("alice"), "{log}");
    assert!(!log.contains(&t), "{log}");
    let expected = authorizer::log_id::LogIds::new(KEY.as_bytes())
        .unwrap()
        .of("alice@example.com");
    assert!(log.contains(&expected), "{log}");
}

#[tokio::test]
async fn token_errors() {
    let a = authorizer();
    let good = token(good_claims());
    let parts: Vec<&str> = good.split('.').collect();
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    };
    let mut cases: Vec<(&str, String)> = vec![
        (
            "wrong key",
            sign_hs256(b"a-different-key-a-different-key-123", &good_claims()),
        ),
        (
            "expired",
            token(json!({"iss": ISS, "aud": AUD, "sub": "u", "exp": NOW - 3600})),
        ),
        ("missing exp", token(json!({"sub": "u"}))),
        (
            "future nbf",
            token(json!({"iss": ISS, "aud": AUD, "sub": "u", "exp": NOW + 600, "nbf": NOW + 300})),
        ),
        (
            "future iat",
            token(json!({"iss": ISS, "aud": AUD, "sub": "u", "exp": NOW + 600, "iat": NOW + 300})),
        ),
        (
            "missing sub",
            token(json!({"iss": ISS, "aud": AUD, "exp": NOW + 600})),
        ),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&json!({"iss": ISS, "aud": AUD, "sub": "admin", "exp": NOW + 600}).to_string()),
                parts[2]
            ),
        ),
        (
            "tampered header",
            format!(
                "{}.{}.{}",
                b64(r#"{"alg":"HS256","kid":"1"}"#),
                parts[1],
                parts[2]
            ),
        ),
        (
            "tampered signature",
            format!(
                "{}.{}.{}x",
                parts[0],
                parts[1],
                &parts[2][..parts[2].len() - 1]
            ),
        ),
        ("two segments", format!("{}.{}", parts[0], parts[1])),
        ("four segments", format!("{good}.{}", parts[2])),
        ("garbage", "not-a-jwt".to_owned()),
        ("oversize", format!("{good}{}", "A".repeat(5000))),
        (
            "unsigned none",
            format!("{}.{}.", b64(r#"{"alg":"none"}"#), parts[1]),
        ),
    ];
    for alg in [
        "none", "None", "NONE", "nOnE", "HS384", "HS512", "RS256", "ES256",
    ] {
        cases.push((
            alg,
            sign_with_header(
                KEY.as_bytes(),
                &json!({"alg": alg, "typ": "JWT"}),
                &good_claims(),
            ),
        ));
    }
    for (name, t) in cases {
        let header = format!("Bearer {t}");
        assert_eq!(run(&a, Some(&header)).await, Err(Unauthorized), "{name}");
    }
}

#[tokio::test]
async fn issuer_and_audience_are_required() {
    let a = authorizer();
    let ok = token(json!({"sub": "u", "exp": NOW + 60, "iss": ISS, "aud": AUD}));
    assert!(run(&a, Some(&format!("Bearer {ok}"))).await.is_ok());
    for claims in [
        json!({"sub": "u", "exp": NOW + 60}),
        json!({"sub": "u", "exp": NOW + 60, "aud": AUD}),
        json!({"sub": "u", "exp": NOW + 60, "iss": ISS}),
        json!({"sub": "u", "exp": NOW + 60, "iss": "urn:orders:prod:auth", "aud": AUD}),
        json!({"sub": "u", "exp": NOW + 60, "iss": ISS, "aud": "urn:orders:prod:api"}),
    ] {
        let t = token(claims.clone());
        assert_eq!(
            run(&a, Some(&format!("Bearer {t}"))).await,
            Err(Unauthorized),
            "{claims}"
        );
    }
}

#[tokio::test]
async fn bad_method_arn() {
    let a = authorizer();
    let header = format!("Bearer {}", token(good_claims()));
    let mut e = event(Some(&header));
    e.payload.method_arn = Some("arn:aws:lambda:us-east-1:123456789012:function:x".into());
    assert_eq!(a.handle_at(e, NOW).await.err(), Some(Unauthorized));
    let mut e = event(Some(&header));
    e.payload.method_arn = None;
    assert_eq!(a.handle_at(e, NOW).await.err(), Some(Unauthorized));
}

#[tokio::test]
async fn secret_problems_deny() {
    let header = format!("Bearer {}", token(good_claims()));
    let (missing, _) = authorizer_with(None, config());
    assert_eq!(run(&missing, Some(&header)).await, Err(Unauthorized));
    let (weak, _) = authorizer_with(Some("short"), config());
    assert_eq!(run(&weak, Some(&header)).await, Err(Unauthorized));
    let mut config = config();
    config.secret_json_key = Some("signing_key".into());
    let (not_json, _) = authorizer_with(Some(KEY), config);
    assert_eq!(run(&not_json, Some(&header)).await, Err(Unauthorized));
}

#[test]
fn error_type_is_unauthorized() {
    let d: Diagnostic = Unauthorized.into();
    assert_eq!(d.error_type, "Unauthorized");
    assert_eq!(d.error_message, "Unauthorized");
}

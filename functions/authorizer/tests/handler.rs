//! Handler tests over constructed `LambdaEvent`s and a fake secret store.

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

fn authorizer() -> Authorizer<Store> {
    authorizer_with(Some(KEY), Config::new(ARN)).0
}

fn event(authorization: Option<&str>) -> LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest> {
    let mut request: ApiGatewayCustomAuthorizerRequestTypeRequest =
        serde_json::from_str(include_str!("../fixtures/authorizer-request.json")).unwrap();
    if let Some(value) = authorization {
        request
            .headers
            .insert("authorization", value.parse().unwrap());
    }
    let mut context = Context::default();
    context.request_id = "req-1".into();
    LambdaEvent::new(request, context)
}

fn token(claims: Value) -> String {
    sign_hs256(KEY.as_bytes(), &claims)
}

fn good_claims() -> Value {
    json!({"sub": "user-1", "exp": NOW + 600, "iat": NOW - 5, "scope": "orders:write", "roles": ["a"]})
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
    let (a, gets) = authorizer_with(Some(KEY), Config::new(ARN));
    let header = format!("Bearer {}", token(good_claims()));
    for _ in 0..5 {
        run(&a, Some(&header)).await.unwrap();
    }
    assert_eq!(gets.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn json_secret_key() {
    let mut config = Config::new(ARN);
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
    let header = format!("Bearer {}", token(good_claims()));
    let mut e = event(Some(&header));
    e.payload
        .headers
        .append("authorization", header.parse().unwrap());
    assert_eq!(a.handle_at(e, NOW).await.err(), Some(Unauthorized));
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
        ("expired", token(json!({"sub": "u", "exp": NOW - 3600}))),
        ("missing exp", token(json!({"sub": "u"}))),
        (
            "future nbf",
            token(json!({"sub": "u", "exp": NOW + 600, "nbf": NOW + 300})),
        ),
        (
            "future iat",
            token(json!({"sub": "u", "exp": NOW + 600, "iat": NOW + 300})),
        ),
        ("missing sub", token(json!({"exp": NOW + 600}))),
        (
            "tampered payload",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&json!({"sub": "admin", "exp": NOW + 600}).to_string()),
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
async fn issuer_and_audience_when_configured() {
    let mut config = Config::new(ARN);
    config.issuer = Some("orders-auth".into());
    config.audience = Some("orders-api".into());
    let (a, _) = authorizer_with(Some(KEY), config);
    let ok = token(json!({"sub": "u", "exp": NOW + 60, "iss": "orders-auth", "aud": "orders-api"}));
    assert!(run(&a, Some(&format!("Bearer {ok}"))).await.is_ok());
    let bad_iss = token(json!({"sub": "u", "exp": NOW + 60, "iss": "x", "aud": "orders-api"}));
    assert!(run(&a, Some(&format!("Bearer {bad_iss}"))).await.is_err());
    let bad_aud = token(json!({"sub": "u", "exp": NOW + 60, "iss": "orders-auth", "aud": "x"}));
    assert!(run(&a, Some(&format!("Bearer {bad_aud}"))).await.is_err());
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
    let (missing, _) = authorizer_with(None, Config::new(ARN));
    assert_eq!(run(&missing, Some(&header)).await, Err(Unauthorized));
    let (weak, _) = authorizer_with(Some("short"), Config::new(ARN));
    assert_eq!(run(&weak, Some(&header)).await, Err(Unauthorized));
    let mut config = Config::new(ARN);
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

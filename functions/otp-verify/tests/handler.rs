//! Handler tests over constructed events, the in-memory store and a fake secret store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use env_names::otp_verify::{
    JWT_AUDIENCE, JWT_SECRET_ARN, JWT_SECRET_JSON_KEY, OTP_HASH_KEY_SECRET_ARN, OTP_TABLE_NAME,
};
use lambda_runtime::{Context, LambdaEvent};
use otp::memory::MemoryStore;
use otp::store::code_key;
use otp::{Code, HashKey, OtpStore};
use otp_verify::{Config, VerifyOtp};
use secrets_client::{SecretStore, SecretsClient, StoreError};
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const HASH_KEY: &str = "unit-otp-hash-key-0123456789abcdef-0123";
const JWT_KEY: &str = "unit-orders-signing-key-0123456789abcdef";
const EMAIL: &str = "a@example.com";

/// `arn:hash` → the hash key, `arn:jwt` → `{"signing_key": …}` unless `jwt` is `None`.
struct Secrets {
    jwt: Option<&'static str>,
}

impl SecretStore for Secrets {
    async fn get_secret_string(&self, id: &str) -> Result<String, StoreError> {
        match (id, self.jwt) {
            ("arn:hash", _) => Ok(HASH_KEY.to_owned()),
            ("arn:jwt", Some(key)) => Ok(json!({"signing_key": key}).to_string()),
            _ => Err(StoreError::NotFound("ResourceNotFoundException".into())),
        }
    }
    async fn put_secret_string(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn create_secret(&self, _: &str, _: &str, _: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
}

fn handler<'a>(
    store: &'a MemoryStore,
    jwt: Option<&'static str>,
) -> VerifyOtp<&'a MemoryStore, Secrets> {
    let config = Config::from_lookup(|k| match k {
        OTP_TABLE_NAME => Some("otp".into()),
        OTP_HASH_KEY_SECRET_ARN => Some("arn:hash".into()),
        JWT_SECRET_ARN => Some("arn:jwt".into()),
        JWT_SECRET_JSON_KEY => Some("signing_key".into()),
        JWT_AUDIENCE => Some("orders".into()),
        _ => None,
    })
    .unwrap();
    VerifyOtp::new(
        config,
        SecretsClient::builder(Secrets { jwt }).build().unwrap(),
        store,
    )
}

/// Stores `code` for [`EMAIL`] as otp-create does, valid until `NOW + 300`.
async fn issue(store: &MemoryStore, code: &str) -> String {
    let key = HashKey::new(HASH_KEY.as_bytes()).unwrap();
    let id = key.address_id(EMAIL);
    let hash = key.code_hash(&id, &Code::parse(code).unwrap());
    assert!(store
        .put_code(&code_key(&id), &hash, NOW, NOW + 300, 5)
        .await
        .unwrap());
    code_key(&id)
}

async fn post(h: &VerifyOtp<&MemoryStore, Secrets>, body: Value, now: i64) -> (i64, Value) {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-otp-verify.json")).unwrap();
    request.body = Some(body.to_string());
    request.request_context.request_id = Some("req-1".into());
    let r: ApiGatewayProxyResponse = h
        .handle(LambdaEvent::new(request, Context::default()), now)
        .await
        .unwrap();
    match r.body {
        Some(Body::Text(t)) => (r.status_code, serde_json::from_str(&t).unwrap()),
        other => panic!("unexpected body {other:?}"),
    }
}

fn refused() -> (i64, Value) {
    (401, json!({"error": "invalid or expired code"}))
}

#[tokio::test]
async fn the_right_code_once_gives_a_token_the_authorizer_accepts() {
    let store = MemoryStore::default();
    let key = issue(&store, "012345").await;
    let h = handler(&store, Some(JWT_KEY));
    let (status, body) = post(
        &h,
        json!({"email": "A@example.com", "code": "012345"}),
        NOW + 5,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["token_type"].clone(), body["expires_in"].clone()),
        (json!("Bearer"), json!(900))
    );
    let verifier =
        authorizer::jwt::Verifier::new(JWT_KEY.as_bytes(), None, Some("orders".into()), 0).unwrap();
    let verified = verifier
        .verify(body["token"].as_str().unwrap(), NOW + 10)
        .unwrap();
    assert_eq!(verified.subject, EMAIL);
    assert_eq!(verified.context["iat"], NOW + 5);
    assert_eq!(verified.context["exp"], NOW + 905);
    assert!(store.code(&key).unwrap().used);
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "012345"}), NOW + 6).await,
        refused()
    );
}

#[tokio::test]
async fn wrong_codes_count_until_the_code_is_dead() {
    let store = MemoryStore::default();
    let key = issue(&store, "012345").await;
    let h = handler(&store, Some(JWT_KEY));
    for attempt in 1..=5 {
        assert_eq!(
            post(&h, json!({"email": EMAIL, "code": "999999"}), NOW).await,
            refused()
        );
        assert_eq!(store.code(&key).unwrap().attempts, attempt);
    }
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "012345"}), NOW).await,
        refused()
    );
    assert!(!store.code(&key).unwrap().used);
}

#[tokio::test]
async fn expired_unknown_and_failed_lookups() {
    let store = MemoryStore::default();
    let h = handler(&store, Some(JWT_KEY));
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "012345"}), NOW).await,
        refused(),
        "no code"
    );
    issue(&store, "012345").await;
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "012345"}), NOW + 300).await,
        refused(),
        "expired"
    );
    let broken = MemoryStore {
        fail: Some("throttled".into()),
        ..MemoryStore::default()
    };
    assert_eq!(
        post(
            &handler(&broken, Some(JWT_KEY)),
            json!({"email": EMAIL, "code": "012345"}),
            NOW
        )
        .await,
        (
            500,
            json!({"error": "internal error", "request_id": "req-1"})
        )
    );
}

#[tokio::test]
async fn a_missing_signing_key_does_not_spend_the_code() {
    let store = MemoryStore::default();
    let key = issue(&store, "012345").await;
    for jwt in [None, Some("short-key")] {
        assert_eq!(
            post(
                &handler(&store, jwt),
                json!({"email": EMAIL, "code": "012345"}),
                NOW
            )
            .await,
            (
                500,
                json!({"error": "internal error", "request_id": "req-1"})
            )
        );
    }
    assert!(!store.code(&key).unwrap().used);
    assert_eq!(
        post(
            &handler(&store, Some(JWT_KEY)),
            json!({"email": EMAIL, "code": "012345"}),
            NOW
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn invalid_bodies_name_the_field() {
    let store = MemoryStore::default();
    let h = handler(&store, Some(JWT_KEY));
    for (body, field) in [
        (json!({"email": EMAIL, "code": "12345"}), "code"),
        (json!({"email": EMAIL, "code": 123456}), "code"),
        (json!({"email": EMAIL}), "code"),
        (json!({"email": "x", "code": "123456"}), "email"),
        (json!({"email": EMAIL, "code": "123456", "otp": "1"}), "otp"),
    ] {
        let (status, response) = post(&h, body.clone(), NOW).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(response["details"][0]["field"], field, "{body}");
    }
}

/// A named change to a stored code.
type Spoil = (&'static str, fn(&mut otp::StoredCode));

#[tokio::test]
async fn every_refusal_does_the_same_work() {
    // No code, a wrong guess at a live code, a used, an exhausted and an expired code: the
    // same two table calls on the same item, so the time taken does not tell them apart.
    let spoil: [Spoil; 4] = [
        ("live, wrong guess", |_| {}),
        ("used", |c| c.used = true),
        ("out of attempts", |c| c.attempts = 5),
        ("expired", |c| c.expires_at = NOW),
    ];
    let mut seen = Vec::new();
    let store = MemoryStore::default();
    let h = handler(&store, Some(JWT_KEY));
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "999999"}), NOW).await,
        refused()
    );
    seen.push(("no code", store.take_calls()));
    for (what, spoil) in spoil {
        let store = MemoryStore::default();
        let key = issue(&store, "012345").await;
        if let Some(otp::memory::Item::Code(c)) = store.items.lock().unwrap().get_mut(&key) {
            spoil(c);
        }
        store.take_calls();
        let h = handler(&store, Some(JWT_KEY));
        assert_eq!(
            post(&h, json!({"email": EMAIL, "code": "999999"}), NOW).await,
            refused(),
            "{what}"
        );
        seen.push((what, store.take_calls()));
    }
    let key = code_key(&HashKey::new(HASH_KEY.as_bytes()).unwrap().address_id(EMAIL));
    for (what, calls) in seen {
        assert_eq!(
            calls,
            [format!("redeem {key}"), format!("record_wrong_guess {key}")],
            "{what}"
        );
    }
}

#[tokio::test]
async fn only_a_wrong_guess_at_a_live_code_counts() {
    for (what, spoil, counted) in [
        ("live", (|_| {}) as fn(&mut otp::StoredCode), 1),
        ("used", |c| c.used = true, 0),
        ("expired", |c| c.expires_at = NOW, 0),
    ] {
        let store = MemoryStore::default();
        let key = issue(&store, "012345").await;
        if let Some(otp::memory::Item::Code(c)) = store.items.lock().unwrap().get_mut(&key) {
            spoil(c);
        }
        let h = handler(&store, Some(JWT_KEY));
        post(&h, json!({"email": EMAIL, "code": "999999"}), NOW).await;
        assert_eq!(store.code(&key).unwrap().attempts, counted, "{what}");
    }
    // The right code at a used one is refused and counts nothing either.
    let store = MemoryStore::default();
    let key = issue(&store, "012345").await;
    let h = handler(&store, Some(JWT_KEY));
    post(&h, json!({"email": EMAIL, "code": "012345"}), NOW).await;
    assert_eq!(
        post(&h, json!({"email": EMAIL, "code": "012345"}), NOW).await,
        refused()
    );
    assert_eq!(store.code(&key).unwrap().attempts, 0);
}

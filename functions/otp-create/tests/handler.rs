//! Handler tests over constructed events, the in-memory store, a fake secret store and a
//! recording sender.

use std::sync::Mutex;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use lambda_runtime::{Context, LambdaEvent};
use otp::memory::{Item, MemoryStore};
use otp::{Code, HashKey};
use otp_create::{Config, CreateOtp, Deliver, DeliveryError, Destination};
use secrets_client::{SecretStore, SecretsClient, StoreError};
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;
const HASH_KEY: &str = "unit-otp-hash-key-0123456789abcdef-0123";

struct Secret(Option<&'static str>);

impl SecretStore for Secret {
    async fn get_secret_string(&self, _: &str) -> Result<String, StoreError> {
        self.0
            .map(str::to_owned)
            .ok_or_else(|| StoreError::NotFound("ResourceNotFoundException".into()))
    }
    async fn put_secret_string(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn create_secret(&self, _: &str, _: &str, _: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
}

#[derive(Default)]
struct Outbox {
    sent: Mutex<Vec<(String, String)>>,
    fail: bool,
}

impl Deliver for &Outbox {
    async fn deliver(&self, to: Destination<'_>, code: &Code, _: u64) -> Result<(), DeliveryError> {
        if self.fail {
            return Err(DeliveryError("MessageRejected".into()));
        }
        let to = match to {
            Destination::Email(a) => format!("email:{a}"),
            Destination::Sms(n) => format!("sms:{n}"),
        };
        self.sent
            .lock()
            .unwrap()
            .push((to, code.expose().to_owned()));
        Ok(())
    }
}

fn config(sms: bool) -> Config {
    let mut c = Config::from_lookup(|k| match k {
        "OTP_TABLE_NAME" => Some("otp".into()),
        "OTP_HASH_KEY_SECRET_ARN" => Some("arn:hash".into()),
        "OTP_SENDER" => Some("no-reply@example.com".into()),
        _ => None,
    })
    .unwrap();
    c.sms_enabled = sms;
    c
}

fn handler<'a>(
    store: &'a MemoryStore,
    outbox: &'a Outbox,
    secret: Option<&'static str>,
    sms: bool,
) -> CreateOtp<&'a MemoryStore, &'a Outbox, Secret> {
    CreateOtp::new(
        config(sms),
        SecretsClient::builder(Secret(secret)).build().unwrap(),
        store,
        outbox,
    )
}

fn event(body: Value) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-otp.json")).unwrap();
    request.body = Some(body.to_string());
    request.request_context.request_id = Some("req-1".into());
    LambdaEvent::new(request, Context::default())
}

async fn post(h: &CreateOtp<&MemoryStore, &Outbox, Secret>, body: Value) -> (i64, Value) {
    let r: ApiGatewayProxyResponse = h.handle(event(body), NOW).await.unwrap();
    match r.body {
        Some(Body::Text(t)) => (r.status_code, serde_json::from_str(&t).unwrap()),
        other => panic!("unexpected body {other:?}"),
    }
}

fn accepted() -> (i64, Value) {
    (202, json!({"status": "accepted", "expires_in": 300}))
}

fn code_item(store: &MemoryStore, email: &str) -> Option<otp::StoredCode> {
    let key = HashKey::new(HASH_KEY.as_bytes()).unwrap();
    store.code(&otp::store::code_key(&key.address_id(email)))
}

#[tokio::test]
async fn sends_a_code_and_stores_only_its_hash() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    assert_eq!(
        post(&h, json!({"email": " A@Example.COM"})).await,
        accepted()
    );
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "email:a@example.com");
    let stored = code_item(&store, "a@example.com").unwrap();
    assert_eq!(
        (stored.attempts, stored.used, stored.expires_at),
        (0, false, NOW + 300)
    );
    let key = HashKey::new(HASH_KEY.as_bytes()).unwrap();
    let id = key.address_id("a@example.com");
    assert!(key.code_matches(&id, &Code::parse(&sent[0].1).unwrap(), &stored.code_hash));
    let items = format!("{:?}", store.items.lock().unwrap());
    assert!(
        !items.contains("example.com") && !items.contains(&sent[0].1),
        "{items}"
    );
}

#[tokio::test]
async fn a_new_code_replaces_the_previous_one() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    post(&h, json!({"email": "a@example.com"})).await;
    let first = code_item(&store, "a@example.com").unwrap();
    store.items.lock().unwrap().values_mut().for_each(|item| {
        if let Item::Code(c) = item {
            c.attempts = 4;
        }
    });
    post(&h, json!({"email": "a@example.com"})).await;
    let second = code_item(&store, "a@example.com").unwrap();
    assert_eq!(second.attempts, 0);
    // Two draws of six digits collide one time in a million; the hash must follow the code.
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent[0].1 == sent[1].1, first.code_hash == second.code_hash);
}

#[tokio::test]
async fn limited_requests_answer_the_same_and_send_nothing() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    for _ in 0..4 {
        assert_eq!(
            post(&h, json!({"email": "a@example.com"})).await,
            accepted()
        );
    }
    assert_eq!(outbox.sent.lock().unwrap().len(), 3);
    // Another address has its own limit.
    assert_eq!(
        post(&h, json!({"email": "b@example.com"})).await,
        accepted()
    );
    assert_eq!(outbox.sent.lock().unwrap().len(), 4);
}

fn hash_key() -> HashKey {
    HashKey::new(HASH_KEY.as_bytes()).unwrap()
}

async fn register(store: &MemoryStore, email: &str, phone_number: &str) {
    otp::register_phone(store, &hash_key(), email, phone_number)
        .await
        .unwrap();
}

#[tokio::test]
async fn sms_goes_to_the_registered_number() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    register(&store, "a@example.com", "+15555550100").await;
    let h = handler(&store, &outbox, Some(HASH_KEY), true);
    assert_eq!(
        post(&h, json!({"email": "A@example.com", "channel": "sms"})).await,
        accepted()
    );
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "sms:+15555550100");
    let stored = code_item(&store, "a@example.com").unwrap();
    let id = hash_key().address_id("a@example.com");
    assert!(hash_key().code_matches(&id, &Code::parse(&sent[0].1).unwrap(), &stored.code_hash));
}

#[tokio::test]
async fn sms_without_a_registered_number_answers_the_same_and_sends_nothing() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), true);
    let body = json!({"email": "a@example.com", "channel": "sms"});
    assert_eq!(post(&h, body).await, accepted());
    assert!(outbox.sent.lock().unwrap().is_empty());
    // No code, and no send counted against the address either.
    assert!(store.items.lock().unwrap().is_empty());
    // Another address's number is not this address's.
    register(&store, "b@example.com", "+15555550100").await;
    let body = json!({"email": "a@example.com", "channel": "sms"});
    assert_eq!(post(&h, body).await, accepted());
    assert!(outbox.sent.lock().unwrap().is_empty());
    assert_eq!(code_item(&store, "a@example.com"), None);
}

#[tokio::test]
async fn a_caller_cannot_choose_the_number_and_gets_no_token() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), true);
    let victim = "victim@example.com";
    // The old attack: the victim's address with the attacker's number.
    let (status, body) = post(
        &h,
        json!({"email": victim, "channel": "sms", "phone_number": "+15555550199"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["details"][0]["field"], "phone_number");
    assert_eq!(body["details"][0]["message"], "unknown member");
    // Without the member, the code would go to the victim's number only; here there is none.
    assert_eq!(
        post(&h, json!({"email": victim, "channel": "sms"})).await,
        accepted()
    );
    assert!(outbox.sent.lock().unwrap().is_empty());
    // No code exists to redeem, so no token can be issued for the victim.
    assert_eq!(code_item(&store, victim), None);
}

#[tokio::test]
async fn a_malformed_registration_is_an_internal_error() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let id = hash_key().address_id("a@example.com");
    store
        .items
        .lock()
        .unwrap()
        .insert(otp::store::phone_key(&id), Item::Phone("5555550100".into()));
    let h = handler(&store, &outbox, Some(HASH_KEY), true);
    assert_eq!(
        post(&h, json!({"email": "a@example.com", "channel": "sms"})).await,
        (
            500,
            json!({"error": "internal error", "request_id": "req-1"})
        )
    );
    assert!(outbox.sent.lock().unwrap().is_empty());
    assert_eq!(code_item(&store, "a@example.com"), None);
}

#[tokio::test]
async fn sms_is_limited_per_phone_number_too() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), true);
    for i in 0..4 {
        let email = format!("u{i}@example.com");
        register(&store, &email, "+15555550100").await;
        let body = json!({"email": email, "channel": "sms"});
        assert_eq!(post(&h, body).await, accepted());
    }
    let sent = outbox.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|(to, _)| to == "sms:+15555550100"));
}

#[tokio::test]
async fn failed_delivery_is_502_and_leaves_no_code() {
    let store = MemoryStore::default();
    let outbox = Outbox {
        fail: true,
        ..Outbox::default()
    };
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    assert_eq!(
        post(&h, json!({"email": "a@example.com"})).await,
        (
            502,
            json!({"error": "the code could not be delivered", "request_id": "req-1"})
        )
    );
    assert_eq!(code_item(&store, "a@example.com"), None);
}

#[tokio::test]
async fn internal_failures_are_500_with_the_request_id() {
    let internal = (
        500,
        json!({"error": "internal error", "request_id": "req-1"}),
    );
    let outbox = Outbox::default();
    let store = MemoryStore::default();
    for secret in [None, Some("too-short")] {
        let h = handler(&store, &outbox, secret, false);
        assert_eq!(post(&h, json!({"email": "a@example.com"})).await, internal);
    }
    let broken = MemoryStore {
        fail: Some("ProvisionedThroughputExceeded".into()),
        ..MemoryStore::default()
    };
    let h = handler(&broken, &outbox, Some(HASH_KEY), false);
    assert_eq!(post(&h, json!({"email": "a@example.com"})).await, internal);
    assert!(outbox.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn invalid_bodies_name_the_field_and_touch_nothing() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    for (body, field) in [
        (json!({"email": "not an address"}), "email"),
        (json!({}), "email"),
        (
            json!({"email": "a@example.com", "channel": "sms"}),
            "channel",
        ),
        (
            json!({"email": "a@example.com", "phone_number": "+15555550100"}),
            "phone_number",
        ),
        (json!({"email": "a@example.com", "extra": 1}), "extra"),
    ] {
        let (status, response) = post(&h, body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(response["error"], "invalid request");
        assert_eq!(response["details"][0]["field"], field, "{body}");
        assert!(response["details"][0].get("index").is_none());
    }
    assert!(store.items.lock().unwrap().is_empty());
    assert!(outbox.sent.lock().unwrap().is_empty());
}

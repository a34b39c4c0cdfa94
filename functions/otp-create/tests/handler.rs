//! Handler tests over constructed events, the in-memory store, a fake secret store, a
//! recording sender and recorded metrics.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::sync::Mutex;
use std::time::Duration;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use env_names::otp_create::{OTP_HASH_KEY_SECRET_ARN, OTP_SENDER, OTP_TABLE_NAME};
use lambda_runtime::{Context, LambdaEvent};
use otp::memory::{Item, MemoryStore};
use otp::store::{budget_key, code_key};
use otp::{Code, HashKey};
use otp_create::{Config, CreateOtp, Deliver, DeliveryError, Destination, Metrics};
use secrets_client::{SecretStore, SecretsClient, StoreError};
use serde_json::{json, Value};
use tokio::time::Instant;

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
    /// How long a delivery takes (tokio time).
    delay: Duration,
}

impl Outbox {
    fn sent_to(&self) -> Vec<String> {
        self.sent
            .lock()
            .unwrap()
            .iter()
            .map(|(to, _)| to.clone())
            .collect()
    }
}

impl Deliver for &Outbox {
    async fn deliver(&self, to: Destination<'_>, code: &Code, _: u64) -> Result<(), DeliveryError> {
        tokio::time::sleep(self.delay).await;
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

/// The times the daily budget refused a request.
#[derive(Default)]
struct Alarms(Mutex<Vec<i64>>);

impl Metrics for &Alarms {
    fn daily_budget_exhausted(&self, now: i64) {
        self.0.lock().unwrap().push(now);
    }
}

/// The default configuration, without the response floor (the timing tests set it).
fn config(sms: bool) -> Config {
    let mut c = Config::from_lookup(|k| match k {
        OTP_TABLE_NAME => Some("otp".into()),
        OTP_HASH_KEY_SECRET_ARN => Some("arn:hash".into()),
        OTP_SENDER => Some("no-reply@example.com".into()),
        _ => None,
    })
    .unwrap();
    c.sms_enabled = sms;
    c.min_response = Duration::ZERO;
    c
}

type Handler<'a> = CreateOtp<&'a MemoryStore, &'a Outbox, &'a Alarms, Secret>;

/// The metrics of the tests that do not look at them.
static UNWATCHED: Alarms = Alarms(Mutex::new(Vec::new()));

fn handler<'a>(
    store: &'a MemoryStore,
    outbox: &'a Outbox,
    secret: Option<&'static str>,
    sms: bool,
) -> Handler<'a> {
    with_config(store, outbox, secret, config(sms), &UNWATCHED)
}

fn with_config<'a>(
    store: &'a MemoryStore,
    outbox: &'a Outbox,
    secret: Option<&'static str>,
    config: Config,
    alarms: &'a Alarms,
) -> Handler<'a> {
    CreateOtp::new(
        config,
        SecretsClient::builder(Secret(secret)).build().unwrap(),
        store,
        outbox,
        alarms,
    )
}

fn event(body: Value) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-otp.json")).unwrap();
    request.body = Some(body.to_string());
    request.request_context.request_id = Some("req-1".into());
    LambdaEvent::new(request, Context::default())
}

async fn post(h: &Handler<'_>, body: Value) -> (i64, Value) {
    post_at(h, body, NOW).await
}

async fn post_at(h: &Handler<'_>, body: Value, now: i64) -> (i64, Value) {
    let r: ApiGatewayProxyResponse = h.handle(event(body), now).await.unwrap();
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
async fn a_second_request_keeps_the_live_code_and_sends_nothing() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let h = handler(&store, &outbox, Some(HASH_KEY), false);
    assert_eq!(
        post(&h, json!({"email": "a@example.com"})).await,
        accepted()
    );
    let first = code_item(&store, "a@example.com").unwrap();
    // Someone else asks for the same address, in another spelling: the same 202, no mail,
    // and the delivered code is untouched (a wrong guess already counted stays counted).
    store.items.lock().unwrap().values_mut().for_each(|item| {
        if let Item::Code(c) = item {
            c.attempts = 4;
        }
    });
    assert_eq!(
        post(&h, json!({"email": " A@EXAMPLE.com"})).await,
        accepted()
    );
    assert_eq!(outbox.sent_to(), ["email:a@example.com"]);
    let kept = code_item(&store, "a@example.com").unwrap();
    assert_eq!((kept.code_hash, kept.attempts), (first.code_hash, 4));
    // Only the owner's code is redeemable, and it still is.
    let id = hash_key().address_id("a@example.com");
    let code = Code::parse(&outbox.sent.lock().unwrap()[0].1).unwrap();
    let stored = store.code(&code_key(&id)).unwrap();
    assert!(hash_key().code_matches(&id, &code, &stored.code_hash));
}

/// A named way a stored code dies.
type Kill = (&'static str, fn(&mut otp::StoredCode));

#[tokio::test]
async fn a_dead_code_is_replaced() {
    let kill: [Kill; 3] = [
        ("used", |c| c.used = true),
        ("out of attempts", |c| c.attempts = 5),
        ("expired", |c| c.expires_at = NOW),
    ];
    for (what, kill) in kill {
        let (store, outbox) = (MemoryStore::default(), Outbox::default());
        let h = handler(&store, &outbox, Some(HASH_KEY), false);
        post(&h, json!({"email": "a@example.com"})).await;
        store.items.lock().unwrap().values_mut().for_each(|item| {
            if let Item::Code(c) = item {
                kill(c);
            }
        });
        assert_eq!(
            post(&h, json!({"email": "a@example.com"})).await,
            accepted()
        );
        let sent = outbox.sent.lock().unwrap().clone();
        assert_eq!(sent.len(), 2, "{what}");
        let fresh = code_item(&store, "a@example.com").unwrap();
        assert_eq!(
            (fresh.attempts, fresh.used, fresh.expires_at),
            (0, false, NOW + 300)
        );
        let id = hash_key().address_id("a@example.com");
        assert!(
            hash_key().code_matches(&id, &Code::parse(&sent[1].1).unwrap(), &fresh.code_hash),
            "{what}: the stored code is the one sent last"
        );
    }
}

/// Marks every stored code used, as a redemption does, so the next request may send.
fn spend_codes(store: &MemoryStore) {
    store.items.lock().unwrap().values_mut().for_each(|item| {
        if let Item::Code(c) = item {
            c.used = true;
        }
    });
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
        spend_codes(&store);
    }
    assert_eq!(outbox.sent.lock().unwrap().len(), 3);
    // The refused request left no code behind (its own was deleted, the spent one replaced).
    assert_eq!(code_item(&store, "a@example.com"), None);
    // Another address has its own limit.
    assert_eq!(
        post(&h, json!({"email": "b@example.com"})).await,
        accepted()
    );
    assert_eq!(outbox.sent.lock().unwrap().len(), 4);
    // After the window, sending resumes.
    post_at(&h, json!({"email": "a@example.com"}), NOW + 900).await;
    assert_eq!(outbox.sent.lock().unwrap().len(), 5);
}

#[tokio::test]
async fn spellings_of_one_mailbox_share_its_limit() {
    for spellings in [
        [
            "a+1@example.com",
            "a+2@example.com",
            "A+3@Example.com",
            "a@example.com",
        ],
        [
            "a.b@gmail.com",
            "ab@googlemail.com",
            "A.B+x@gmail.com",
            "a.b+y@googlemail.com",
        ],
    ] {
        let (store, outbox) = (MemoryStore::default(), Outbox::default());
        let h = handler(&store, &outbox, Some(HASH_KEY), false);
        for email in spellings {
            assert_eq!(
                post(&h, json!({"email": email})).await,
                accepted(),
                "{email}"
            );
        }
        // Each code goes to the address as typed and is its own; the fourth is limited.
        let typed: Vec<String> = spellings[..3]
            .iter()
            .map(|e| format!("email:{}", e.to_ascii_lowercase()))
            .collect();
        assert_eq!(outbox.sent_to(), typed);
        assert_eq!(code_item(&store, spellings[3]), None, "{spellings:?}");
    }
}

#[tokio::test]
async fn a_domain_gets_at_most_its_daily_limit() {
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let mut c = config(false);
    c.domain_daily_limit = 2;
    let h = with_config(&store, &outbox, Some(HASH_KEY), c, &UNWATCHED);
    for email in [
        "u1@victim.example",
        "u2@victim.example",
        "u3@victim.example",
    ] {
        assert_eq!(post(&h, json!({"email": email})).await, accepted());
    }
    assert_eq!(
        outbox.sent_to(),
        ["email:u1@victim.example", "email:u2@victim.example"]
    );
    assert_eq!(code_item(&store, "u3@victim.example"), None);
    // Other domains are not affected, and the day after the domain gets mail again.
    post(&h, json!({"email": "u1@other.example"})).await;
    post_at(&h, json!({"email": "u4@victim.example"}), NOW + 86_400).await;
    assert_eq!(outbox.sent.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn the_daily_budget_stops_all_sends_and_raises_the_metric() {
    let (store, outbox, alarms) = (MemoryStore::default(), Outbox::default(), Alarms::default());
    let mut c = config(false);
    c.daily_budget = 2;
    c.max_sends = 1;
    let h = with_config(&store, &outbox, Some(HASH_KEY), c, &alarms);
    let budget = || match store.items.lock().unwrap().get(&budget_key()) {
        Some(Item::Sends(n, _)) => *n,
        other => panic!("{other:?}"),
    };
    post_at(&h, json!({"email": "a@one.example"}), NOW).await;
    assert_eq!(budget(), 1);
    // A request its own mailbox's limit refuses spends nothing of the budget.
    post_at(&h, json!({"email": "a+x@one.example"}), NOW + 1).await;
    assert_eq!(budget(), 1);
    for (i, email) in ["b@two.example", "c@three.example", "d@four.example"]
        .into_iter()
        .enumerate()
    {
        let now = NOW + 2 + i64::try_from(i).unwrap();
        assert_eq!(post_at(&h, json!({"email": email}), now).await, accepted());
    }
    assert_eq!(
        outbox.sent_to(),
        ["email:a@one.example", "email:b@two.example"]
    );
    assert_eq!(code_item(&store, "c@three.example"), None);
    assert_eq!(*alarms.0.lock().unwrap(), [NOW + 3, NOW + 4]);
    // The next day the budget is whole again.
    post_at(&h, json!({"email": "c@three.example"}), NOW + 86_400).await;
    assert_eq!(outbox.sent.lock().unwrap().len(), 3);
}

/// Every way a valid request can end, from a fresh store.
async fn each_valid_path(floor: Duration) -> Vec<(&'static str, i64, Duration)> {
    let mut c = config(true);
    c.min_response = floor;
    let mut elapsed = Vec::new();
    let mut time = |what, status, started: Instant| elapsed.push((what, status, started.elapsed()));

    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    register(&store, "p@example.com", "+15555550100").await;
    let h = with_config(&store, &outbox, Some(HASH_KEY), c.clone(), &UNWATCHED);
    for (what, body) in [
        ("sent", json!({"email": "a@example.com"})),
        ("live code kept", json!({"email": "a@example.com"})),
        (
            "sms, no registered number",
            json!({"email": "b@example.com", "channel": "sms"}),
        ),
        (
            "sms sent",
            json!({"email": "p@example.com", "channel": "sms"}),
        ),
    ] {
        let started = Instant::now();
        time(what, post(&h, body).await.0, started);
    }
    spend_codes(&store);
    for _ in 0..2 {
        post(&h, json!({"email": "a@example.com"})).await;
        spend_codes(&store);
    }
    let started = Instant::now();
    time(
        "mailbox limited",
        post(&h, json!({"email": "a@example.com"})).await.0,
        started,
    );

    let failing = Outbox {
        fail: true,
        ..Outbox::default()
    };
    let h = with_config(&store, &failing, Some(HASH_KEY), c.clone(), &UNWATCHED);
    let started = Instant::now();
    time(
        "delivery failed",
        post(&h, json!({"email": "f@example.com"})).await.0,
        started,
    );

    let broken = MemoryStore {
        fail: Some("throttled".into()),
        ..MemoryStore::default()
    };
    let h = with_config(&broken, &outbox, Some(HASH_KEY), c.clone(), &UNWATCHED);
    let started = Instant::now();
    time(
        "store failed",
        post(&h, json!({"email": "a@example.com"})).await.0,
        started,
    );
    elapsed
}

#[tokio::test(start_paused = true)]
async fn every_valid_request_answers_at_the_floor_whatever_happened() {
    let floor = Duration::from_millis(1000);
    let elapsed = each_valid_path(floor).await;
    let statuses: Vec<i64> = elapsed.iter().map(|(_, status, _)| *status).collect();
    assert_eq!(statuses, [202, 202, 202, 202, 202, 502, 500]);
    for (what, _, took) in elapsed {
        assert_eq!(took, floor, "{what}");
    }
    // An invalid body is answered at once: its answer depends on the body only.
    let (store, outbox) = (MemoryStore::default(), Outbox::default());
    let mut c = config(false);
    c.min_response = floor;
    let h = with_config(&store, &outbox, Some(HASH_KEY), c, &UNWATCHED);
    let started = Instant::now();
    assert_eq!(post(&h, json!({"email": "nope"})).await.0, 400);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_send_slower_than_the_floor_is_answered_when_done() {
    let store = MemoryStore::default();
    let slow = Outbox {
        delay: Duration::from_secs(3),
        ..Outbox::default()
    };
    let mut c = config(false);
    c.min_response = Duration::from_secs(1);
    let h = with_config(&store, &slow, Some(HASH_KEY), c, &UNWATCHED);
    let started = Instant::now();
    assert_eq!(
        post(&h, json!({"email": "a@example.com"})).await,
        accepted()
    );
    assert_eq!(started.elapsed(), Duration::from_secs(3));
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

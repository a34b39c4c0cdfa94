//! Handler tests over constructed `LambdaEvent`s and a fake store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::collections::HashMap;
use std::sync::Mutex;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::Method;
use base64::Engine;
use lambda_runtime::{Context, LambdaEvent};
use orders_api::{handle, Admission, Order, OrderStore, RateLimiter, StoreError};
use serde_json::{json, Value};

const NOW: i64 = 1_700_000_000;

#[derive(Debug, Clone, PartialEq)]
struct Written {
    owner: String,
    records: Vec<(String, String, String)>,
    created_at: i64,
    expires_at: i64,
    token: String,
}

#[derive(Default)]
struct FakeStore {
    written: Mutex<Vec<Written>>,
    fail: Option<StoreError>,
}

impl OrderStore for FakeStore {
    async fn put_all(
        &self,
        owner: &str,
        orders: &[Order<'_>],
        created_at: i64,
        expires_at: i64,
        token: &str,
    ) -> Result<(), StoreError> {
        if let Some(err) = &self.fail {
            return Err(err.clone());
        }
        self.written.lock().unwrap().push(Written {
            owner: owner.to_owned(),
            records: orders
                .iter()
                .map(|o| {
                    (
                        o.record_id.clone(),
                        o.parameter_1.clone(),
                        o.parameter_2.to_owned(),
                    )
                })
                .collect(),
            created_at,
            expires_at,
            token: token.to_owned(),
        });
        Ok(())
    }
}

/// Counts records per owner in memory, with a fixed limit per call sequence.
struct FakeLimiter {
    limit: u32,
    counted: Mutex<HashMap<String, u32>>,
    fail: bool,
}

impl Default for FakeLimiter {
    fn default() -> Self {
        Self {
            limit: 1000,
            counted: Mutex::default(),
            fail: false,
        }
    }
}

impl RateLimiter for FakeLimiter {
    async fn admit(&self, owner: &str, records: u32, _now: i64) -> Result<Admission, StoreError> {
        if self.fail {
            return Err(StoreError::Other(
                "ProvisionedThroughputExceededException".into(),
            ));
        }
        let mut counted = self.counted.lock().unwrap();
        let count = counted.entry(owner.to_owned()).or_default();
        if *count + records > self.limit {
            return Ok(Admission::Limited { retry_after: 17 });
        }
        *count += records;
        Ok(Admission::Admitted)
    }
}

fn event(body: Option<&str>) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-orders.json")).unwrap();
    request.body = body.map(str::to_owned);
    let mut context = Context::default();
    context.request_id = "lambda-req".into();
    LambdaEvent::new(request, context)
}

/// The fixture's event with `authorizer` as its `requestContext.authorizer`.
fn event_from(authorizer: Value, body: &str) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: Value =
        serde_json::from_str(include_str!("../fixtures/post-orders.json")).unwrap();
    request["requestContext"]["authorizer"] = authorizer;
    request["body"] = json!(body);
    LambdaEvent::new(serde_json::from_value(request).unwrap(), Context::default())
}

async fn call(store: &FakeStore, e: LambdaEvent<ApiGatewayProxyRequest>) -> (i64, Value) {
    call_limited(store, &FakeLimiter::default(), e).await.1
}

async fn call_limited(
    store: &FakeStore,
    limiter: &FakeLimiter,
    e: LambdaEvent<ApiGatewayProxyRequest>,
) -> (ApiGatewayProxyResponse, (i64, Value)) {
    let r: ApiGatewayProxyResponse = handle(store, limiter, e, NOW).await.unwrap();
    assert_eq!(r.headers.get("content-type").unwrap(), "application/json");
    let body = match &r.body {
        Some(Body::Text(t)) => serde_json::from_str(t).unwrap(),
        other => panic!("unexpected body {other:?}"),
    };
    let status = r.status_code;
    (r, (status, body))
}

async fn post(store: &FakeStore, body: &str) -> (i64, Value) {
    call(store, event(Some(body))).await
}

#[tokio::test]
async fn stores_valid_orders_with_ttl_and_exact_numbers() {
    let store = FakeStore::default();
    let (status, body) = post(
        &store,
        r#"[{"record_id":"unique_id_1","parameter_1":"abc","parameter_2":4},
            {"record_id":"unique_id_2","parameter_1":"def","parameter_2":2.1},
            {"record_id":"ü-3","parameter_1":"","parameter_2":-0.000000000000000000000000000000123456789}]"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({"count": 3, "expires_at": NOW + 86400}));
    let written = store.written.lock().unwrap().clone();
    assert_eq!(written.len(), 1, "one transaction");
    assert_eq!(written[0].owner, "admin", "the fixture's principalId");
    assert_eq!(written[0].expires_at, NOW + 86_400);
    assert_eq!(written[0].created_at, NOW);
    assert_eq!(written[0].token, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    assert_eq!(
        written[0].records[1],
        ("unique_id_2".into(), "def".into(), "2.1".into())
    );
    assert_eq!(
        written[0].records[2].2,
        "-0.000000000000000000000000000000123456789"
    );
}

#[tokio::test]
async fn accepts_base64_bodies() {
    let store = FakeStore::default();
    let raw = r#"[{"record_id":"b64","parameter_1":"x","parameter_2":1.10}]"#;
    let mut e = event(Some(&base64::engine::general_purpose::STANDARD.encode(raw)));
    e.payload.is_base64_encoded = true;
    let (status, _) = call(&store, e).await;
    assert_eq!(status, 201);
    assert_eq!(store.written.lock().unwrap()[0].records[0].2, "1.10");

    let mut e = event(Some("%%%not base64"));
    e.payload.is_base64_encoded = true;
    let (status, body) = call(&store, e).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "body is not valid base64");

    let mut e = event(Some(
        &base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, b'[']),
    ));
    e.payload.is_base64_encoded = true;
    assert_eq!(call(&store, e).await.0, 400);
}

async fn rejected(body: &str) -> Value {
    let store = FakeStore::default();
    let (status, response) = post(&store, body).await;
    assert_eq!(status, 400, "{body} -> {response}");
    assert!(
        store.written.lock().unwrap().is_empty(),
        "nothing written for {body}"
    );
    response
}

#[tokio::test]
async fn body_level_errors() {
    let store = FakeStore::default();
    let (status, body) = call(&store, event(None)).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("body is not valid JSON"))
    );
    assert_eq!(rejected("   ").await["error"], "body is not valid JSON");
    assert_eq!(rejected("[{").await["error"], "body is not valid JSON");
    assert_eq!(
        rejected("not json").await["error"],
        "body is not valid JSON"
    );
    assert_eq!(
        rejected(r#"{"record_id":"a"}"#).await["error"],
        "body must be a JSON array of orders"
    );
    assert_eq!(
        rejected("42").await["error"],
        "body must be a JSON array of orders"
    );
    assert_eq!(rejected("[]").await["error"], "no orders");
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"record_id": format!("r{i}"), "parameter_1": "x", "parameter_2": i}))
        .collect();
    let r = rejected(&serde_json::to_string(&many).unwrap()).await;
    assert_eq!(r["error"], "too many orders");
    assert_eq!(r["details"][0]["index"], Value::Null);
}

#[tokio::test]
async fn exactly_one_hundred_records_are_fine() {
    let store = FakeStore::default();
    let many: Vec<Value> = (0..100)
        .map(|i| json!({"record_id": format!("r{i}"), "parameter_1": "x", "parameter_2": i}))
        .collect();
    assert_eq!(
        post(&store, &serde_json::to_string(&many).unwrap()).await.0,
        201
    );
}

#[tokio::test]
async fn too_large_body_is_413() {
    let store = FakeStore::default();
    let big = format!(
        r#"[{{"record_id":"a","parameter_1":"{}","parameter_2":1}}]"#,
        "x".repeat(1024 * 1024)
    );
    let (status, body) = post(&store, &big).await;
    assert_eq!(status, 413);
    assert_eq!(body["error"], "request body too large");
    let mut e = event(Some(&"A".repeat(2 * 1024 * 1024)));
    e.payload.is_base64_encoded = true;
    assert_eq!(call(&store, e).await.0, 413);
    assert!(store.written.lock().unwrap().is_empty());
}

fn details(v: &Value) -> Vec<(Value, Value, String)> {
    v["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["index"].clone(),
                d["field"].clone(),
                d["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn record_errors_are_all_reported_with_index_and_field() {
    let r = rejected(
        r#"[
        {"record_id":"ok","parameter_1":"a","parameter_2":1},
        {"parameter_1":"a","parameter_2":1},
        {"record_id":"","parameter_1":"a","parameter_2":1},
        {"record_id":7,"parameter_1":null,"parameter_2":"1"},
        {"record_id":"x","parameter_1":"a","parameter_2":1e200},
        {"record_id":"y","parameter_1":"a","parameter_2":1.23456789012345678901234567890123456789},
        {"record_id":"z","parameter_1":"a","parameter_2":1,"parameter2":5},
        "not an object",
        {"record_id":"ok","parameter_1":"a","parameter_2":2},
        {"record_id":"w","parameter_1":"a","parameter_1":"b","parameter_2":1e-131},
        {"record_id":"v","parameter_1":["a"],"parameter_2":true}
    ]"#,
    )
    .await;
    assert_eq!(r["error"], "invalid orders");
    let d = details(&r);
    let has = |index: usize, field: Option<&str>, needle: &str| {
        assert!(
            d.iter().any(|(i, f, m)| *i == json!(index)
                && *f == field.map_or(Value::Null, |f| json!(f))
                && m.contains(needle)),
            "missing ({index}, {field:?}, {needle}) in {d:#?}"
        )
    };
    has(1, Some("record_id"), "required");
    has(2, Some("record_id"), "must not be empty");
    has(3, Some("record_id"), "must be a string, got a number");
    has(3, Some("parameter_1"), "must be a string, got null");
    has(3, Some("parameter_2"), "must be a number, got a string");
    has(4, Some("parameter_2"), "too large");
    has(5, Some("parameter_2"), "39 significant digits");
    has(6, Some("parameter2"), "unknown field");
    has(7, None, "must be an object, got a string");
    has(
        8,
        Some("record_id"),
        "duplicates the record_id of the order at index 0",
    );
    has(9, Some("parameter_1"), "more than once");
    has(9, Some("parameter_2"), "too small");
    has(10, Some("parameter_1"), "got an array");
    has(10, Some("parameter_2"), "got a boolean");
    assert!(
        !d.iter().any(|(i, _, _)| *i == json!(0)),
        "record 0 is valid"
    );
}

#[tokio::test]
async fn record_id_length_limit_is_in_bytes() {
    let store = FakeStore::default();
    let ok = "é".repeat(512); // 1024 bytes
    let body = json!([{"record_id": ok, "parameter_1": "a", "parameter_2": 1}]).to_string();
    assert_eq!(post(&store, &body).await.0, 201);
    let too_long = format!("{ok}x");
    let body = json!([{"record_id": too_long, "parameter_1": "a", "parameter_2": 1}]).to_string();
    let r = rejected(&body).await;
    assert!(details(&r)[0].2.contains("1025 bytes"));
}

#[tokio::test]
async fn conflict_is_409_naming_the_ids() {
    let store = FakeStore {
        fail: Some(StoreError::Conflict(vec![1])),
        ..FakeStore::default()
    };
    let (status, body) = post(
        &store,
        r#"[{"record_id":"new","parameter_1":"a","parameter_2":1},{"record_id":"old","parameter_1":"a","parameter_2":1}]"#,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["details"][0]["index"], 1);
    assert_eq!(body["details"][0]["field"], "record_id");
    assert!(body["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"old\""));
}

#[tokio::test]
async fn store_failure_is_500_with_request_id_only() {
    let store = FakeStore {
        fail: Some(StoreError::Other(
            "ResourceNotFoundException: table orders-dev secret internals".into(),
        )),
        ..FakeStore::default()
    };
    let (status, body) = post(
        &store,
        r#"[{"record_id":"a","parameter_1":"a","parameter_2":1}]"#,
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        json!({"error": "internal error", "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"})
    );
}

#[tokio::test]
async fn other_methods_are_405() {
    let store = FakeStore::default();
    let mut e = event(Some("[]"));
    e.payload.http_method = Method::GET;
    let r = handle(&store, &FakeLimiter::default(), e, NOW)
        .await
        .unwrap();
    assert_eq!(r.status_code, 405);
    assert_eq!(r.headers.get("allow").unwrap(), "POST");
}

const ONE: &str = r#"[{"record_id":"a","parameter_1":"a","parameter_2":1}]"#;

#[tokio::test]
async fn orders_belong_to_the_principal_of_the_authorizer() {
    let store = FakeStore::default();
    for principal in ["alice@example.com", "bob@example.com"] {
        let e = event_from(json!({"principalId": principal, "sub": "ignored"}), ONE);
        assert_eq!(call(&store, e).await.0, 201);
    }
    let owners: Vec<String> = store
        .written
        .lock()
        .unwrap()
        .iter()
        .map(|w| w.owner.clone())
        .collect();
    assert_eq!(owners, ["alice@example.com", "bob@example.com"]);
}

#[tokio::test]
async fn no_principal_is_403_and_nothing_is_read_or_written() {
    let limiter = FakeLimiter::default();
    for authorizer in [
        Value::Null,
        json!({}),
        json!({"sub": "a@example.com"}),
        json!({"principalId": ""}),
        json!({"principalId": 42}),
    ] {
        let store = FakeStore::default();
        let (_, (status, body)) =
            call_limited(&store, &limiter, event_from(authorizer.clone(), ONE)).await;
        assert_eq!(status, 403, "{authorizer}: {body}");
        assert_eq!(body["error"], "forbidden");
        assert!(store.written.lock().unwrap().is_empty(), "{authorizer}");
    }
    assert!(
        limiter.counted.lock().unwrap().is_empty(),
        "nothing counted"
    );
}

#[tokio::test]
async fn a_principal_over_its_limit_gets_429_and_nothing_is_written() {
    let store = FakeStore::default();
    let limiter = FakeLimiter {
        limit: 150,
        ..FakeLimiter::default()
    };
    let hundred: Vec<Value> = (0..100)
        .map(|i| json!({"record_id": format!("r{i}"), "parameter_1": "x", "parameter_2": i}))
        .collect();
    let hundred = serde_json::to_string(&hundred).unwrap();
    let alice = || json!({"principalId": "alice@example.com"});
    let (_, (status, _)) = call_limited(&store, &limiter, event_from(alice(), &hundred)).await;
    assert_eq!(status, 201);
    let (r, (status, body)) = call_limited(&store, &limiter, event_from(alice(), &hundred)).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate limit exceeded");
    assert_eq!(r.headers.get("retry-after").unwrap(), "17");
    assert_eq!(
        store.written.lock().unwrap().len(),
        1,
        "the second batch was not written"
    );
    // The limit is per principal.
    let bob = json!({"principalId": "bob@example.com"});
    let (_, (status, _)) = call_limited(&store, &limiter, event_from(bob, &hundred)).await;
    assert_eq!(status, 201);
    // An invalid body is refused before it is counted.
    let (_, (status, _)) = call_limited(&store, &limiter, event_from(alice(), "[]")).await;
    assert_eq!(status, 400);
    assert_eq!(limiter.counted.lock().unwrap()["alice@example.com"], 100);
}

#[tokio::test]
async fn a_failing_counter_is_500_and_nothing_is_written() {
    let store = FakeStore::default();
    let limiter = FakeLimiter {
        fail: true,
        ..FakeLimiter::default()
    };
    let (_, (status, body)) = call_limited(&store, &limiter, event(Some(ONE))).await;
    assert_eq!(status, 500);
    assert!(!body.to_string().contains("Throughput"), "{body}");
    assert!(store.written.lock().unwrap().is_empty());
}

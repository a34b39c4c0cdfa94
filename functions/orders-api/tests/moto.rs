//! Integration tests against moto in server mode (`MOTO_ENDPOINT`); run by
//! `scripts/test.sh` with `--include-ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use lambda_runtime::{Context, LambdaEvent};
use orders_api::{handle, Admission, DynamoDbRateLimiter, DynamoDbStore, RateLimit, RateLimiter};
use serde_json::{json, Value};

async fn client() -> aws_sdk_dynamodb::Client {
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set (needs moto: run scripts/test.sh)");
    let config = secrets_client::sdk::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await;
    aws_sdk_dynamodb::Client::new(&config)
}

/// A fresh table with partition key `owner` (S), sort key `sort_key` of `sort_type`, TTL
/// on `expires_at`: the stack's orders table (`record_id`, S) or rate table (`window`, N).
async fn table_keyed(
    client: &aws_sdk_dynamodb::Client,
    prefix: &str,
    sort_key: &str,
    sort_type: ScalarAttributeType,
) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("{prefix}-{}-{nanos}", std::process::id());
    let attribute = |name: &str, kind: ScalarAttributeType| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(kind)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("owner", ScalarAttributeType::S))
        .attribute_definitions(attribute(sort_key, sort_type))
        .key_schema(key("owner", KeyType::Hash))
        .key_schema(key(sort_key, KeyType::Range))
        .send()
        .await
        .unwrap();
    client
        .update_time_to_live()
        .table_name(&name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires_at")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    name
}

async fn table(client: &aws_sdk_dynamodb::Client) -> String {
    table_keyed(client, "orders", "record_id", ScalarAttributeType::S).await
}

/// A limiter over a fresh rate table (also returned), allowing `records` per minute.
async fn limiter_and_table(
    client: &aws_sdk_dynamodb::Client,
    records: u32,
) -> (DynamoDbRateLimiter, String) {
    let table = table_keyed(client, "rates", "window", ScalarAttributeType::N).await;
    let limit = RateLimit {
        records,
        window_seconds: 60,
    };
    (
        DynamoDbRateLimiter::new(client.clone(), &table, limit),
        table,
    )
}

async fn limiter(client: &aws_sdk_dynamodb::Client, records: u32) -> DynamoDbRateLimiter {
    limiter_and_table(client, records).await.0
}

fn event(body: &str, request_id: &str, principal: &str) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: Value =
        serde_json::from_str(include_str!("../fixtures/post-orders.json")).unwrap();
    request["body"] = json!(body);
    request["requestContext"]["requestId"] = json!(request_id);
    request["requestContext"]["authorizer"] = json!({"principalId": principal});
    LambdaEvent::new(serde_json::from_value(request).unwrap(), Context::default())
}

/// Posts `body` as `principal` (a limiter that never limits).
async fn post_as(
    store: &DynamoDbStore,
    principal: &str,
    body: &str,
    request_id: &str,
    now: i64,
) -> (i64, Value) {
    let limiter = Unlimited;
    post_limited(store, &limiter, principal, body, request_id, now).await
}

async fn post_limited(
    store: &DynamoDbStore,
    limiter: &impl RateLimiter,
    principal: &str,
    body: &str,
    request_id: &str,
    now: i64,
) -> (i64, Value) {
    let r = handle(store, limiter, event(body, request_id, principal), now)
        .await
        .unwrap();
    let Some(Body::Text(text)) = r.body else {
        panic!("no body")
    };
    (r.status_code, serde_json::from_str(&text).unwrap())
}

async fn post(store: &DynamoDbStore, body: &str, request_id: &str, now: i64) -> (i64, Value) {
    post_as(store, "admin", body, request_id, now).await
}

struct Unlimited;

impl RateLimiter for Unlimited {
    async fn admit(&self, _: &str, _: u32, _: i64) -> Result<Admission, orders_api::StoreError> {
        Ok(Admission::Admitted)
    }
}

fn key(owner: &str, record_id: &str) -> std::collections::HashMap<String, AttributeValue> {
    [
        ("owner".to_owned(), AttributeValue::S(owner.into())),
        ("record_id".to_owned(), AttributeValue::S(record_id.into())),
    ]
    .into()
}

async fn count(client: &aws_sdk_dynamodb::Client, table: &str) -> i32 {
    client
        .scan()
        .table_name(table)
        .send()
        .await
        .unwrap()
        .count()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn writes_all_records_with_ttl_and_exact_decimals() {
    let client = client().await;
    let table = table(&client).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let now = now();
    let (status, body) = post(
        &store,
        r#"[{"record_id":"unique_id_1","parameter_1":"abc","parameter_2":4},
            {"record_id":"unique_id_2","parameter_1":"def","parameter_2":2.1},
            {"record_id":"unique_id_3","parameter_1":"ghi","parameter_2":0.1000000000000000000000000000000000001}]"#,
        "req-write",
        now,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["count"], 3);
    assert_eq!(count(&client, &table).await, 3);

    let item = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key("admin", "unique_id_2")))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["owner"], AttributeValue::S("admin".into()));
    assert_eq!(item["parameter_1"], AttributeValue::S("def".into()));
    assert_eq!(
        item["parameter_2"],
        AttributeValue::N("2.1".into()),
        "decimal stored exactly"
    );
    assert_eq!(
        item["expires_at"],
        AttributeValue::N((now + 86_400).to_string())
    );
    assert_eq!(item["created_at"], AttributeValue::N(now.to_string()));

    let item = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key("admin", "unique_id_3")))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        item["parameter_2"],
        AttributeValue::N("0.1000000000000000000000000000000000001".into())
    );

    let ttl = client
        .describe_time_to_live()
        .table_name(&table)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("expires_at")
    );
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn rejected_body_writes_nothing() {
    let client = client().await;
    let table = table(&client).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let (status, _) = post(
        &store,
        r#"[{"record_id":"ok","parameter_1":"a","parameter_2":1},{"record_id":"bad","parameter_1":"a","parameter_2":"x"}]"#,
        "req-bad",
        now(),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(count(&client, &table).await, 0);
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn reposting_an_existing_id_is_409_and_writes_nothing() {
    let client = client().await;
    let table = table(&client).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let now = now();
    let (status, _) = post(
        &store,
        r#"[{"record_id":"dup","parameter_1":"first","parameter_2":1}]"#,
        "req-1",
        now,
    )
    .await;
    assert_eq!(status, 201);

    let (status, body) = post(
        &store,
        r#"[{"record_id":"fresh","parameter_1":"x","parameter_2":2},{"record_id":"dup","parameter_1":"second","parameter_2":3}]"#,
        "req-2",
        now + 5,
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["details"][0]["index"], 1);
    assert!(body["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"dup\""));
    assert_eq!(
        count(&client, &table).await,
        1,
        "the transaction wrote nothing"
    );
    let item = client
        .get_item()
        .table_name(&table)
        .set_key(Some(key("admin", "dup")))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        item["parameter_1"],
        AttributeValue::S("first".into()),
        "not overwritten"
    );

    // Once the first record has expired (TTL sweeps are lazy) its id may be used again.
    let later = now + 86_400 + 10;
    let (status, body) = post(
        &store,
        r#"[{"record_id":"dup","parameter_1":"third","parameter_2":4}]"#,
        "req-3",
        later,
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn missing_table_is_500_without_internals() {
    let client = client().await;
    let store = DynamoDbStore::new(client, "no-such-table-for-orders");
    let (status, body) = post(
        &store,
        r#"[{"record_id":"a","parameter_1":"a","parameter_2":1}]"#,
        "req-500",
        now(),
    )
    .await;
    assert_eq!(status, 500);
    assert_eq!(
        body,
        serde_json::json!({"error": "internal error", "request_id": "req-500"})
    );
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn two_principals_with_the_same_record_id_have_two_records() {
    let client = client().await;
    let table = table(&client).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let now = now();
    let shared = r#"[{"record_id":"shared","parameter_1":"alice's","parameter_2":1}]"#;
    assert_eq!(post_as(&store, "alice", shared, "req-a", now).await.0, 201);
    let bobs = r#"[{"record_id":"shared","parameter_1":"bob's","parameter_2":2},
                   {"record_id":"b-only","parameter_1":"bob's","parameter_2":3}]"#;
    assert_eq!(post_as(&store, "bob", bobs, "req-b", now).await.0, 201);
    assert_eq!(count(&client, &table).await, 3);
    for (owner, text) in [("alice", "alice's"), ("bob", "bob's")] {
        let item = client
            .get_item()
            .table_name(&table)
            .set_key(Some(key(owner, "shared")))
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        assert_eq!(item["parameter_1"], AttributeValue::S(text.into()));
    }

    // Alice re-posting her own id is a 409 naming it; bob's ids (b-only) are no conflict of
    // hers and are not named.
    let again = r#"[{"record_id":"b-only","parameter_1":"x","parameter_2":1},
                    {"record_id":"shared","parameter_1":"x","parameter_2":1}]"#;
    let (status, body) = post_as(&store, "alice", again, "req-a2", now + 1).await;
    assert_eq!(status, 409, "{body}");
    let details = body["details"].as_array().unwrap();
    assert_eq!(details.len(), 1, "{body}");
    assert_eq!(details[0]["index"], 1);
    assert!(details[0]["message"]
        .as_str()
        .unwrap()
        .contains("\"shared\""));
    assert!(!body.to_string().contains("b-only"), "{body}");
    assert_eq!(count(&client, &table).await, 3, "nothing written");
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn the_rate_limit_counts_records_per_principal_and_window() {
    let client = client().await;
    let (limiter, table) = limiter_and_table(&client, 150).await;
    let now = 1_700_000_000; // 40 s before the end of its 60 s window
    assert_eq!(
        limiter.admit("alice", 100, now).await,
        Ok(Admission::Admitted)
    );
    assert_eq!(
        limiter.admit("alice", 100, now + 1).await,
        Ok(Admission::Limited { retry_after: 39 })
    );
    assert_eq!(
        limiter.admit("alice", 50, now + 2).await,
        Ok(Admission::Admitted)
    );
    assert_eq!(
        limiter.admit("alice", 1, now + 3).await,
        Ok(Admission::Limited { retry_after: 37 })
    );
    assert_eq!(
        limiter.admit("bob", 100, now + 3).await,
        Ok(Admission::Admitted)
    );
    // The next window starts from zero.
    assert_eq!(
        limiter.admit("alice", 100, now + 40).await,
        Ok(Admission::Admitted)
    );
    // One counter per principal and window, expiring when its window ends.
    let item = client
        .get_item()
        .table_name(&table)
        .key("owner", AttributeValue::S("alice".into()))
        .key("window", AttributeValue::N((now / 60).to_string()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item["records"], AttributeValue::N("150".into()));
    assert_eq!(
        item["expires_at"],
        AttributeValue::N((now + 40).to_string())
    );
    assert_eq!(count(&client, &table).await, 3);
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn a_limited_request_writes_nothing() {
    let client = client().await;
    let table = table(&client).await;
    let store = DynamoDbStore::new(client.clone(), &table);
    let limiter = limiter(&client, 100).await;
    let now = now();
    let batch = |prefix: &str| {
        let records: Vec<Value> = (0..100)
            .map(|i| json!({"record_id": format!("{prefix}-{i}"), "parameter_1": "x", "parameter_2": i}))
            .collect();
        serde_json::to_string(&records).unwrap()
    };
    let (status, _) = post_limited(&store, &limiter, "alice", &batch("a"), "req-1", now).await;
    assert_eq!(status, 201);
    let (status, body) = post_limited(&store, &limiter, "alice", &batch("b"), "req-2", now).await;
    // Same `now`, same window.
    assert_eq!(status, 429, "{body}");
    assert_eq!(count(&client, &table).await, 100);
}

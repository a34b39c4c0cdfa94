//! Integration tests against moto in server mode (`MOTO_ENDPOINT`); run by
//! `scripts/test.sh` with `--include-ignored`.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType, TimeToLiveSpecification,
};
use lambda_runtime::{Context, LambdaEvent};
use orders_api::{handle, DynamoDbStore};
use serde_json::Value;

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

/// A fresh table shaped like the stack's: partition key `record_id`, TTL on `expires_at`.
async fn table(client: &aws_sdk_dynamodb::Client) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("orders-{}-{nanos}", std::process::id());
    client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("record_id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("record_id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
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

fn event(body: &str, request_id: &str) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-orders.json")).unwrap();
    request.body = Some(body.to_owned());
    request.request_context.request_id = Some(request_id.to_owned());
    LambdaEvent::new(request, Context::default())
}

async fn post(store: &DynamoDbStore, body: &str, request_id: &str, now: i64) -> (i64, Value) {
    let r = handle(store, event(body, request_id), now).await.unwrap();
    let Some(Body::Text(text)) = r.body else {
        panic!("no body")
    };
    (r.status_code, serde_json::from_str(&text).unwrap())
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
        .key("record_id", AttributeValue::S("unique_id_2".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
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
        .key("record_id", AttributeValue::S("unique_id_3".into()))
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
        .key("record_id", AttributeValue::S("dup".into()))
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

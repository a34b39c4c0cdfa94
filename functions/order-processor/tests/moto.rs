//! Integration tests against moto in server mode (`MOTO_ENDPOINT`); run by
//! `scripts/test.sh` with `--include-ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::types::ServerSideEncryption;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use order_processor::{handle, Encryption, S3ResultsStore};
use serde_json::{json, Value};

async fn client() -> aws_sdk_s3::Client {
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set (needs moto: run scripts/test.sh)");
    let config = secrets_client::sdk::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await;
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(true)
            .build(),
    )
}

async fn bucket(client: &aws_sdk_s3::Client) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = format!("results-{}-{nanos}", std::process::id());
    client.create_bucket().bucket(&name).send().await.unwrap();
    name
}

async fn run(store: &S3ResultsStore, input: Value) -> Result<Value, Diagnostic> {
    handle(store, LambdaEvent::new(input, Context::default()))
        .await
        .map(|saved| serde_json::to_value(saved).unwrap())
        .map_err(Diagnostic::from)
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn accepted_order_lands_in_s3_encrypted() {
    let client = client().await;
    let bucket = bucket(&client).await;
    let store = S3ResultsStore::new(client.clone(), &bucket, Encryption::S3Managed);
    let order = json!({"order": "accepted", "order_id": "ord-0001", "quantity": 2, "price": 10.25});
    let out = run(&store, order.clone()).await.unwrap();
    assert_eq!(out["key"], "orders/ord-0001.json");
    assert_eq!(out["bucket"], bucket.as_str());

    let object = client
        .get_object()
        .bucket(&bucket)
        .key("orders/ord-0001.json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        object.server_side_encryption(),
        Some(&ServerSideEncryption::Aes256)
    );
    assert_eq!(object.content_type(), Some("application/json"));
    let body = object.body.collect().await.unwrap().into_bytes();
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), order);

    // Deterministic key: processing the same order again overwrites, it does not duplicate.
    run(&store, order).await.unwrap();
    let listed = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(1));
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn rejected_and_malformed_orders_write_nothing() {
    let client = client().await;
    let bucket = bucket(&client).await;
    let store = S3ResultsStore::new(client.clone(), &bucket, Encryption::S3Managed);
    let err = run(&store, json!({"order": "rejected", "order_id": "ord-0002"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "OrderRejected");
    let err = run(&store, json!({"order": "accepted"})).await.unwrap_err();
    assert_eq!(err.error_type, "MalformedOrder");
    let listed = client
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.key_count(), Some(0));
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn missing_bucket_is_results_write_failed() {
    let client = client().await;
    let store = S3ResultsStore::new(client, "no-such-results-bucket", Encryption::S3Managed);
    let err = run(&store, json!({"order": "accepted", "order_id": "ord-0003"}))
        .await
        .unwrap_err();
    assert_eq!(err.error_type, "ResultsWriteFailed");
}

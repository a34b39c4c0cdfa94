//! Handler tests over constructed `LambdaEvent`s and a fake store.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::sync::Mutex;

use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use order_processor::{handle, ProcessError, ResultsStore, WriteError};
use serde_json::{json, Value};

#[derive(Default)]
struct FakeStore {
    puts: Mutex<Vec<(String, Value)>>,
    fail: bool,
}

impl ResultsStore for FakeStore {
    fn bucket(&self) -> &str {
        "results-bucket"
    }
    async fn put_json(&self, key: &str, body: Vec<u8>) -> Result<(), WriteError> {
        if self.fail {
            return Err(WriteError {
                key: key.to_owned(),
                reason: "AccessDenied: bucket policy internals".into(),
            });
        }
        self.puts
            .lock()
            .unwrap()
            .push((key.to_owned(), serde_json::from_slice(&body).unwrap()));
        Ok(())
    }
}

async fn run(store: &FakeStore, input: Value) -> Result<Value, ProcessError> {
    handle(store, LambdaEvent::new(input, Context::default()))
        .await
        .map(|saved| serde_json::to_value(saved).unwrap())
}

#[tokio::test]
async fn accepted_order_is_saved_under_deterministic_key() {
    let store = FakeStore::default();
    let order = json!({"order": "accepted", "order_id": "ord-00ff", "quantity": 3, "price": 12.5});
    let out = run(&store, order.clone()).await.unwrap();
    assert_eq!(
        out,
        json!({"order_id": "ord-00ff", "status": "saved", "bucket": "results-bucket", "key": "orders/ord-00ff.json"})
    );
    assert_eq!(
        store.puts.lock().unwrap().clone(),
        vec![("orders/ord-00ff.json".to_owned(), order)]
    );
}

#[tokio::test]
async fn rejected_order_fails_with_order_rejected() {
    let store = FakeStore::default();
    let err = run(&store, json!({"order": "rejected", "order_id": "ord-1"}))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ProcessError::OrderRejected {
            order_id: "ord-1".into()
        }
    );
    let d: Diagnostic = err.into();
    assert_eq!(d.error_type, "OrderRejected");
    assert_eq!(d.error_message, "order ord-1 was rejected");
    assert!(store.puts.lock().unwrap().is_empty());
}

#[tokio::test]
async fn malformed_orders_fail_with_malformed_order() {
    let store = FakeStore::default();
    for input in [
        json!(null),
        json!([1]),
        json!("accepted"),
        json!({"order_id": "ord-1"}),
        json!({"order": "maybe", "order_id": "ord-1"}),
        json!({"order": true, "order_id": "ord-1"}),
        json!({"order": "accepted"}),
        json!({"order": "accepted", "order_id": 5}),
        json!({"order": "accepted", "order_id": ""}),
        json!({"order": "accepted", "order_id": "../../etc"}),
        json!({"order": "accepted", "order_id": "a/b"}),
        json!({"order": "accepted", "order_id": ".."}),
        json!({"order": "accepted", "order_id": "x".repeat(129)}),
        json!({"order": "rejected", "order_id": "a b"}),
    ] {
        let err = run(&store, input.clone()).await.unwrap_err();
        assert!(
            matches!(err, ProcessError::MalformedOrder(_)),
            "{input}: {err:?}"
        );
        assert_eq!(Diagnostic::from(err).error_type, "MalformedOrder");
    }
    assert!(store.puts.lock().unwrap().is_empty());
}

#[tokio::test]
async fn write_failure_is_named_and_hides_details() {
    let store = FakeStore {
        fail: true,
        ..FakeStore::default()
    };
    let err = run(&store, json!({"order": "accepted", "order_id": "ord-2"}))
        .await
        .unwrap_err();
    let d: Diagnostic = err.into();
    assert_eq!(d.error_type, "ResultsWriteFailed");
    assert!(!d.error_message.contains("internals"));
}

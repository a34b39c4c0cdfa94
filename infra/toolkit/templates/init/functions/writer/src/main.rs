//! The writer function: stores each event it is invoked with,
//! `{"id": "…", "message": "…"}`, as an item of the table named by
//! `TABLE_NAME`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::{Deserialize, Serialize};

/// What the function is invoked with.
#[derive(Debug, Deserialize)]
struct Request {
    id: String,
    message: String,
}

/// What it answers.
#[derive(Debug, PartialEq, Serialize)]
struct Response {
    stored: String,
}

/// Where items go: the table in Lambda, memory in tests.
trait Store {
    async fn put(&self, id: &str, message: &str) -> Result<(), Error>;
}

/// The DynamoDB table.
struct Table {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl Store for Table {
    async fn put(&self, id: &str, message: &str) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.name)
            .item("id", AttributeValue::S(id.to_owned()))
            .item("message", AttributeValue::S(message.to_owned()))
            .send()
            .await?;
        Ok(())
    }
}

async fn handle(store: &impl Store, event: LambdaEvent<Request>) -> Result<Response, Error> {
    let Request { id, message } = event.payload;
    if id.is_empty() {
        return Err("the event's id is empty; send {\"id\": \"…\", \"message\": \"…\"}".into());
    }
    store.put(&id, &message).await?;
    Ok(Response { stored: id })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let name = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await;
    let table = Table {
        client: aws_sdk_dynamodb::Client::new(&config),
        name,
    };
    let table = &table;
    lambda_runtime::run(service_fn(move |event| handle(table, event))).await
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use lambda_runtime::Context;
    use serde_json::json;

    use super::*;

    #[derive(Default)]
    struct Memory(Mutex<Vec<(String, String)>>);

    impl Store for Memory {
        async fn put(&self, id: &str, message: &str) -> Result<(), Error> {
            let mut items = self.0.lock().map_err(|_| "poisoned")?;
            items.push((id.to_owned(), message.to_owned()));
            Ok(())
        }
    }

    fn event(payload: serde_json::Value) -> LambdaEvent<Request> {
        let request = serde_json::from_value(payload).expect("a request");
        LambdaEvent::new(request, Context::default())
    }

    #[tokio::test]
    async fn stores_the_message_under_its_id() {
        let store = Memory::default();
        let answer = handle(&store, event(json!({"id": "a1", "message": "hello"})))
            .await
            .unwrap();
        assert_eq!(answer, Response { stored: "a1".into() });
        assert_eq!(*store.0.lock().unwrap(), [("a1".into(), "hello".into())]);
    }

    #[tokio::test]
    async fn refuses_an_empty_id() {
        let store = Memory::default();
        let err = handle(&store, event(json!({"id": "", "message": "hello"})))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("id is empty"), "{err}");
        assert!(store.0.lock().unwrap().is_empty());
    }
}

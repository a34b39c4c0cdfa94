//! Lambda entry point of `POST /orders`: tracing, DynamoDB client, `service_fn`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use orders_api::DynamoDbStore;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let table = std::env::var("ORDERS_TABLE_NAME").map_err(|_| "ORDERS_TABLE_NAME is not set")?;
    let sdk = secrets_client::sdk::lambda_config();
    let store = DynamoDbStore::new(aws_sdk_dynamodb::Client::new(&sdk), table);
    let store = &store;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        orders_api::handle(store, event, now).await
    }))
    .await
}

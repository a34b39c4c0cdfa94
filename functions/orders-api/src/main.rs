//! Lambda entry point of `POST /orders`: tracing, DynamoDB client, `service_fn`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use orders_api::{Config, DynamoDbRateLimiter, DynamoDbStore};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = secrets_client::sdk::lambda_config();
    let client = aws_sdk_dynamodb::Client::new(&sdk);
    let store = DynamoDbStore::new(client.clone(), config.table);
    let limiter = DynamoDbRateLimiter::new(client, config.rate_table, config.rate_limit);
    let (store, limiter) = (&store, &limiter);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        orders_api::handle(store, limiter, event, now).await
    }))
    .await
}

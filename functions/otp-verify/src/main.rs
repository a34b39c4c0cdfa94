//! Lambda entry point of `POST /otp/verify`: tracing, clients, `service_fn`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use otp::DynamoDbOtpStore;
use otp_verify::{Config, VerifyOtp};
use secrets_client::{AwsSecretStore, SecretsClient};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = secrets_client::sdk::lambda_config();
    let secrets = SecretsClient::builder(AwsSecretStore::from_conf(&sdk))
        .ttl(config.cache_ttl)
        .build()?;
    let store = DynamoDbOtpStore::new(aws_sdk_dynamodb::Client::new(&sdk), config.table.clone());
    let handler = VerifyOtp::new(config, secrets, store);
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        handler.handle(event, now).await
    }))
    .await
}

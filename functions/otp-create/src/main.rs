//! Lambda entry point of `POST /otp`: tracing, clients, `service_fn`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use std::time::{SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use otp::DynamoDbOtpStore;
use otp_create::{AwsDelivery, Config, CreateOtp, Emf};
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
    let delivery = AwsDelivery::new(
        aws_sdk_sesv2::Client::new(&sdk),
        aws_sdk_sns::Client::new(&sdk),
        config.sender.clone(),
        config.configuration_set.clone(),
    );
    // Lambda sets AWS_LAMBDA_FUNCTION_NAME; the metrics' dimension (and the alarm) use it.
    let function_name =
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "otp-create".to_owned());
    let metrics = Emf::new(function_name, std::io::stdout());
    let handler = CreateOtp::new(config, secrets, store, delivery, metrics);
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

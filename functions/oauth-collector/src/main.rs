//! Lambda entry point of the OAuth token collector.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use std::sync::Arc;

use lambda_runtime::{service_fn, Error, LambdaEvent};
use oauth_collector::{Collector, Config, HttpClient, S3TokenStore, SnsNotifier, TokenClient};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = secrets_client::sdk::lambda_config();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(config.force_path_style)
            .build(),
    );
    let client = TokenClient::builder(
        config.app,
        Arc::new(secrets_client::SecretsClient::from_conf(&sdk)),
        Arc::new(S3TokenStore::new(s3, config.bucket, config.kms_key)),
        HttpClient::with_defaults(),
    )
    .notifier(Arc::new(SnsNotifier::new(
        aws_sdk_sns::Client::new(&sdk),
        config.topic_arn,
    )))
    .refresh_buffer(config.refresh_buffer)
    .build();
    let collector = Collector::new(client, config.providers);
    let collector = &collector;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        collector.handle(event).await
    }))
    .await
}

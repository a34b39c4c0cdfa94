//! Lambda entry point of the authorizer: tracing, clients, `service_fn`.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use authorizer::{Authorizer, Config};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use secrets_client::SecretsClient;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let sdk = secrets_client::sdk::lambda_config();
    let secrets = SecretsClient::builder(secrets_client::AwsSecretStore::from_conf(&sdk))
        .ttl(config.cache_ttl)
        .build()?;
    let authorizer = Authorizer::new(config, secrets);
    let authorizer = &authorizer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        authorizer.handle(event).await
    }))
    .await
}

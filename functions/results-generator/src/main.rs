//! Lambda entry point of the results generator.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use lambda_runtime::{service_fn, Error, LambdaEvent};
use results_generator::Config;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let config = Config::from_lookup(|name| std::env::var(name).ok())?;
    let config = &config;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        results_generator::handle(config, event).await
    }))
    .await
}

//! Lambda entry point of the order processor.
// The runtime's nested service futures exceed the default query depth.
#![recursion_limit = "256"]

use env_names::order_processor::{RESULTS_BUCKET_NAME, RESULTS_KMS_KEY_ID, S3_FORCE_PATH_STYLE};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use order_processor::{Encryption, S3ResultsStore};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_logging::init();

    let bucket = std::env::var(RESULTS_BUCKET_NAME)
        .map_err(|_| format!("{RESULTS_BUCKET_NAME} is not set"))?;
    let encryption = Encryption::from_kms_key(std::env::var(RESULTS_KMS_KEY_ID).ok());
    let path_style =
        std::env::var(S3_FORCE_PATH_STYLE).is_ok_and(|v| v.eq_ignore_ascii_case("true"));
    let sdk = secrets_client::sdk::lambda_config();
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(path_style)
            .build(),
    );
    let store = S3ResultsStore::new(s3, bucket, encryption);
    let store = &store;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        order_processor::handle(store, event).await
    }))
    .await
}

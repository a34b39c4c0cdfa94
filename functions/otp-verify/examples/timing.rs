//! How long the two-factor handlers take on each path, against moto: the figures in
//! `functions/README.md` ("Timing of the two-factor paths").
//!
//! ```sh
//! source scripts/tools.sh && source scripts/moto.sh && moto_start
//! cargo run -q -p otp-verify --example timing
//! ```
//!
//! * `POST /otp/verify` refusals: a guess at an address with no code, and a wrong guess at
//!   a live code (each at a fresh address, so every sample is a first attempt).
//! * `POST /otp`: a request that sends (SES on moto), and a second request for the same
//!   address, whose live code is kept; with no response floor, then with the 1 s default.

use std::error::Error;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use env_names::otp_verify::{
    JWT_SECRET_ARN, JWT_SECRET_JSON_KEY, OTP_HASH_KEY_SECRET_ARN, OTP_TABLE_NAME,
};
use lambda_runtime::{Context, LambdaEvent};
use otp::store::code_key;
use otp::{Code, DynamoDbOtpStore, HashKey, OtpStore};
use otp_create::{AwsDelivery, CreateOtp, Emf};
use otp_verify::VerifyOtp;
use secrets_client::{AwsSecretStore, SecretsClient};
use serde_json::{json, Value};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const HASH_KEY: &str = "timing-otp-hash-key-0123456789abcdef-0123";
const SENDER: &str = "no-reply@otp.example.com";

fn event(body: Value) -> Result<LambdaEvent<ApiGatewayProxyRequest>> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-otp-verify.json"))?;
    request.body = Some(body.to_string());
    Ok(LambdaEvent::new(request, Context::default()))
}

fn epoch() -> Result<u64> {
    Ok(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs())
}

/// Median, 90th percentile and maximum, in milliseconds.
fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:7.1} ms, p90 {:7.1} ms, max {:7.1} ms",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        ms(samples[samples.len() - 1])
    )
}

/// Times `f`.
async fn timed<F: std::future::Future>(f: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let output = f.await;
    (output, started.elapsed())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .map_err(|_| "MOTO_ENDPOINT is not set: source scripts/moto.sh && moto_start")?;
    let sdk = secrets_client::sdk::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await;
    let run = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let table = format!("timing-{run}");
    aws_sdk_dynamodb::Client::new(&sdk)
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()?,
        )
        .send()
        .await?;
    let (hash_secret, jwt_secret) = (format!("timing/hash-{run}"), format!("timing/jwt-{run}"));
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    for (name, value) in [
        (&hash_secret, HASH_KEY.to_owned()),
        (
            &jwt_secret,
            json!({"signing_key": "timing-orders-signing-key-0123456789abcdef"}).to_string(),
        ),
    ] {
        secrets
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await?;
    }
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await?;
    let store = DynamoDbOtpStore::new(aws_sdk_dynamodb::Client::new(&sdk), &table);
    let secrets = || SecretsClient::builder(AwsSecretStore::from_conf(&sdk)).build();

    // POST /otp/verify: no code vs a wrong guess at a live code.
    let config = otp_verify::Config::from_lookup(|k| match k {
        OTP_TABLE_NAME => Some(table.clone()),
        OTP_HASH_KEY_SECRET_ARN => Some(hash_secret.clone()),
        JWT_SECRET_ARN => Some(jwt_secret.clone()),
        JWT_SECRET_JSON_KEY => Some("signing_key".to_owned()),
        _ => None,
    })?;
    let verify = VerifyOtp::new(config, secrets()?, store.clone());
    let key = HashKey::new(HASH_KEY.as_bytes())?;
    let now = i64::try_from(epoch()?)?;
    let guess = |email: &str| event(json!({"email": email, "code": "999999"}));
    for i in 0..10 {
        verify
            .handle(guess(&format!("warm-{i}@example.com"))?, now)
            .await?;
    }
    let (mut no_code, mut live) = (Vec::new(), Vec::new());
    for i in 0..150 {
        let (_, took) = timed(verify.handle(guess(&format!("none-{i}@example.com"))?, now)).await;
        no_code.push(took);
        let email = format!("live-{i}@example.com");
        let id = key.address_id(&email);
        let hash = key.code_hash(&id, &Code::parse("012345").ok_or("a code")?);
        store
            .put_code(&code_key(&id), &hash, now, now + 300, 5)
            .await?;
        let (_, took) = timed(verify.handle(guess(&email)?, now)).await;
        live.push(took);
    }
    println!("POST /otp/verify, 150 refusals each (moto, handler called directly):");
    println!("  no code                  {}", summary(no_code));
    println!("  live code, wrong guess   {}", summary(live));

    // POST /otp: sent vs live code kept, without and with the response floor.
    for (floor, n) in [(Duration::ZERO, 100), (Duration::from_secs(1), 15)] {
        let mut config = otp_create::Config::from_lookup(|k| match k {
            OTP_TABLE_NAME => Some(table.clone()),
            OTP_HASH_KEY_SECRET_ARN => Some(hash_secret.clone()),
            env_names::otp_create::OTP_SENDER => Some(SENDER.to_owned()),
            _ => None,
        })?;
        config.min_response = floor;
        let delivery = AwsDelivery::new(
            aws_sdk_sesv2::Client::new(&sdk),
            aws_sdk_sns::Client::new(&sdk),
            SENDER,
            None,
        );
        let metrics = Emf::new("timing", std::io::sink());
        let create = CreateOtp::new(config, secrets()?, store.clone(), delivery, metrics);
        let post = |email: &str| event(json!({ "email": email }));
        let floor_ms = floor.as_millis();
        create
            .handle(post(&format!("warm-{floor_ms}@example.com"))?, now)
            .await?;
        let (mut sent, mut kept) = (Vec::new(), Vec::new());
        for i in 0..n {
            // A domain per address: the per-domain limit stays out of the way.
            let email = format!("create-{floor_ms}-{i}@d{i}.example");
            let (_, took) = timed(create.handle(post(&email)?, now)).await;
            sent.push(took);
            let (_, took) = timed(create.handle(post(&email)?, now)).await;
            kept.push(took);
        }
        println!("POST /otp, OTP_MIN_RESPONSE_MS={floor_ms}, {n} requests each:");
        println!("  code sent                {}", summary(sent));
        println!("  live code kept, no send  {}", summary(kept));
    }
    Ok(())
}

//! The authorizer with its key in (moto's) Secrets Manager: `MOTO_ENDPOINT`, run by
//! `scripts/test.sh` with `--include-ignored`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::time::{SystemTime, UNIX_EPOCH};

use authorizer::jwt::sign_hs256;
use authorizer::{Authorizer, Config, Unauthorized};
use aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use aws_sdk_secretsmanager::config::Credentials;
use lambda_runtime::{Context, LambdaEvent};
use secrets_client::{AwsSecretStore, SecretsClient};
use serde_json::json;

const KEY: &str = "moto-signing-key-0123456789abcdef0123";

fn event(token: &str) -> LambdaEvent<ApiGatewayCustomAuthorizerRequestTypeRequest> {
    let mut request: ApiGatewayCustomAuthorizerRequestTypeRequest =
        serde_json::from_str(include_str!("../fixtures/authorizer-request.json")).unwrap();
    request
        .headers
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    LambdaEvent::new(request, Context::default())
}

#[tokio::test]
#[ignore = "needs moto: run scripts/test.sh"]
async fn key_from_secrets_manager() {
    let endpoint = std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set (needs moto: run scripts/test.sh)");
    let sdk = secrets_client::sdk::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await;
    let secrets = SecretsClient::builder(AwsSecretStore::from_conf(&sdk))
        .build()
        .unwrap();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let name = secrets_client::app_secret("orders", "test", &format!("jwt-{nanos}")).unwrap();
    secrets
        .create(&name, &json!({"signing_key": KEY}).to_string(), None)
        .await
        .unwrap();

    let mut config = Config::new(&name, "urn:orders:test:auth", "urn:orders:test:api");
    config.secret_json_key = Some("signing_key".into());
    let authorizer = Authorizer::new(config, secrets);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let token = sign_hs256(
        KEY.as_bytes(),
        &json!({"sub": "moto-user", "iss": "urn:orders:test:auth", "aud": "urn:orders:test:api", "exp": now + 300}),
    );
    let allowed = authorizer.handle(event(&token)).await.unwrap();
    assert_eq!(allowed.principal_id.as_deref(), Some("moto-user"));

    let forged = sign_hs256(
        b"not-the-key-not-the-key-not-the-key!",
        &json!({"sub": "x", "iss": "urn:orders:test:auth", "aud": "urn:orders:test:api", "exp": now + 300}),
    );
    assert_eq!(
        authorizer.handle(event(&forged)).await.err(),
        Some(Unauthorized)
    );
}

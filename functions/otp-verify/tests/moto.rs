//! The whole two-factor flow against moto (`MOTO_ENDPOINT`; run by `scripts/test.sh` with
//! `--include-ignored`): DynamoDB, Secrets Manager, SES v2 and SNS are moto's; the sent
//! email is read back from moto's `/moto-api/data.json` (`ses` → `Message`). Moto keeps an
//! SMS only in its in-process SNS backend (`sms_messages`), which neither `data.json` nor
//! any SNS API returns, so SMS codes are read from a recorder wrapped around the real
//! `AwsDelivery` (the SNS `Publish` itself goes to moto).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::io::Sink;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use authorizer::jwt::Verifier;
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::config::Credentials;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use env_names::otp_verify::{
    JWT_AUDIENCE, JWT_ISSUER, JWT_SECRET_ARN, JWT_SECRET_JSON_KEY, OTP_HASH_KEY_SECRET_ARN,
    OTP_TABLE_NAME,
};
use lambda_runtime::{Context, LambdaEvent};
use otp::store::code_key;
use otp::{Code, DynamoDbOtpStore, HashKey, OtpStore, Redemption};
use otp_create::{AwsDelivery, CreateOtp, Deliver, DeliveryError, Destination, Emf};
use otp_verify::VerifyOtp;
use secrets_client::{AwsSecretStore, SecretsClient};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SENDER: &str = "no-reply@otp.example.com";
const JWT_KEY: &str = "moto-orders-signing-key-0123456789abcdef";
const HASH_KEY: &str = "moto-otp-hash-key-0123456789abcdef-0123";

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT")
        .expect("MOTO_ENDPOINT is not set (needs moto: run scripts/test.sh)")
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `otp-create` on moto, its metrics discarded.
type Create<D = AwsDelivery> = CreateOtp<DynamoDbOtpStore, D, Emf<Sink>>;

struct Moto {
    sdk: aws_config::SdkConfig,
    table: String,
    hash_secret: String,
    jwt_secret: String,
}

async fn moto() -> Moto {
    let sdk = secrets_client::sdk::config_loader()
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await;
    let id = unique();
    let table = format!("otp-{id}");
    aws_sdk_dynamodb::Client::new(&sdk)
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let hash_secret = format!("otp/test/hash-{id}");
    let jwt_secret = format!("orders/test/jwt-{id}");
    for (name, value) in [
        (&hash_secret, HASH_KEY.to_owned()),
        (&jwt_secret, json!({"signing_key": JWT_KEY}).to_string()),
    ] {
        secrets
            .create_secret()
            .name(name)
            .secret_string(value)
            .send()
            .await
            .unwrap();
    }
    // SES sends only from verified identities.
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity(SENDER)
        .send()
        .await
        .unwrap();
    Moto {
        sdk,
        table,
        hash_secret,
        jwt_secret,
    }
}

impl Moto {
    fn store(&self) -> DynamoDbOtpStore {
        DynamoDbOtpStore::new(aws_sdk_dynamodb::Client::new(&self.sdk), &self.table)
    }

    fn secrets(&self) -> SecretsClient<AwsSecretStore> {
        SecretsClient::builder(AwsSecretStore::from_conf(&self.sdk))
            .build()
            .unwrap()
    }

    fn create(&self, sms: bool) -> Create {
        self.create_from(SENDER, sms)
    }

    fn create_from(&self, sender: &str, sms: bool) -> Create {
        self.create_with(sender, sms, |delivery| delivery)
    }

    /// `otp-create` with SMS on, its deliveries recorded (see [`Recorder`]).
    fn create_recorded(&self) -> (Create<Recorder>, Sent) {
        let sent = Sent::default();
        let create = self.create_with(SENDER, true, |aws| Recorder {
            aws,
            sent: sent.clone(),
        });
        (create, sent)
    }

    fn create_with<D: Deliver>(
        &self,
        sender: &str,
        sms: bool,
        wrap: impl FnOnce(AwsDelivery) -> D,
    ) -> Create<D> {
        let mut config = otp_create::Config::from_lookup(|k| match k {
            OTP_TABLE_NAME => Some(self.table.clone()),
            OTP_HASH_KEY_SECRET_ARN => Some(self.hash_secret.clone()),
            env_names::otp_create::OTP_SENDER => Some(sender.to_owned()),
            _ => None,
        })
        .unwrap();
        config.sms_enabled = sms;
        // The response floor is the handler tests' concern; here it would only be slow.
        config.min_response = Duration::ZERO;
        let delivery = AwsDelivery::new(
            aws_sdk_sesv2::Client::new(&self.sdk),
            aws_sdk_sns::Client::new(&self.sdk),
            sender,
            None,
        );
        let metrics = Emf::new("otp-create", std::io::sink());
        CreateOtp::new(
            config,
            self.secrets(),
            self.store(),
            wrap(delivery),
            metrics,
        )
    }

    fn verify(&self) -> VerifyOtp<DynamoDbOtpStore> {
        let config = otp_verify::Config::from_lookup(|k| match k {
            OTP_TABLE_NAME => Some(self.table.clone()),
            OTP_HASH_KEY_SECRET_ARN => Some(self.hash_secret.clone()),
            JWT_SECRET_ARN => Some(self.jwt_secret.clone()),
            JWT_SECRET_JSON_KEY => Some("signing_key".to_owned()),
            JWT_ISSUER => Some("otp".to_owned()),
            JWT_AUDIENCE => Some("orders".to_owned()),
            _ => None,
        })
        .unwrap();
        VerifyOtp::new(config, self.secrets(), self.store())
    }

    async fn scan(&self) -> String {
        let items = aws_sdk_dynamodb::Client::new(&self.sdk)
            .scan()
            .table_name(&self.table)
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default();
        format!("{items:?}")
    }
}

/// Every delivery asked of a [`Recorder`]: destination, code and whether AWS accepted it.
type Sent = Arc<Mutex<Vec<(String, String, bool)>>>;

/// The real [`AwsDelivery`], recording each call.
struct Recorder {
    aws: AwsDelivery,
    sent: Sent,
}

impl Deliver for Recorder {
    async fn deliver(
        &self,
        to: Destination<'_>,
        code: &Code,
        valid_seconds: u64,
    ) -> Result<(), DeliveryError> {
        let result = self.aws.deliver(to, code, valid_seconds).await;
        let to = match to {
            Destination::Email(address) => format!("email:{address}"),
            Destination::Sms(number) => format!("sms:{number}"),
        };
        self.sent
            .lock()
            .unwrap()
            .push((to, code.expose().to_owned(), result.is_ok()));
        result
    }
}

fn event(body: Value) -> LambdaEvent<ApiGatewayProxyRequest> {
    let mut request: ApiGatewayProxyRequest =
        serde_json::from_str(include_str!("../fixtures/post-otp-verify.json")).unwrap();
    request.body = Some(body.to_string());
    LambdaEvent::new(request, Context::default())
}

fn parsed(response: ApiGatewayProxyResponse) -> (i64, Value) {
    match response.body {
        Some(Body::Text(text)) => (response.status_code, serde_json::from_str(&text).unwrap()),
        other => panic!("unexpected body {other:?}"),
    }
}

/// The bodies of the emails moto's SES holds for `to`, oldest first.
async fn emails_to(to: &str) -> Vec<String> {
    let host = endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let request = format!("GET /moto-api/data.json HTTP/1.0\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let body = &response[response.find("\r\n\r\n").unwrap() + 4..];
    let data: Value = serde_json::from_str(body).unwrap();
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|t| t == to))
        })
        .map(|m| m["body"].as_str().unwrap().to_owned())
        .collect()
}

fn code_in(text: &str) -> String {
    let start = text.find("code is ").unwrap() + "code is ".len();
    text[start..start + 6].to_owned()
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn create_verify_once_and_the_token_passes_the_authorizer() {
    let moto = moto().await;
    let email = format!("user-{}@example.com", unique());
    let (create, verify) = (moto.create(false), moto.verify());
    let t = now();

    let (status, body) = parsed(
        create
            .handle(event(json!({"email": email.to_uppercase()})), t)
            .await
            .unwrap(),
    );
    assert_eq!(
        (status, body),
        (202, json!({"status": "accepted", "expires_in": 300}))
    );
    let sent = emails_to(&email).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("valid for 5 minutes"), "{}", sent[0]);
    let code = code_in(&sent[0]);

    // The table holds neither the address nor the code.
    let scan = moto.scan().await;
    assert!(
        !scan.contains(&email) && !scan.contains("example.com") && !scan.contains(&code),
        "{scan}"
    );

    let (status, body) = parsed(
        verify
            .handle(event(json!({"email": email, "code": code})), t + 10)
            .await
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    let verifier = Verifier::new(
        JWT_KEY.as_bytes(),
        Some("otp".into()),
        Some("orders".into()),
        30,
    )
    .unwrap();
    let verified = verifier
        .verify(body["token"].as_str().unwrap(), t + 20)
        .unwrap();
    assert_eq!(verified.subject, email);
    assert_eq!(verified.context["exp"], t + 10 + 900);

    let (status, body) = parsed(
        verify
            .handle(event(json!({"email": email, "code": code})), t + 11)
            .await
            .unwrap(),
    );
    assert_eq!(
        (status, body),
        (401, json!({"error": "invalid or expired code"})),
        "second use"
    );
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn wrong_guesses_exhaust_and_expired_codes_fail() {
    let moto = moto().await;
    let (create, verify) = (moto.create(false), moto.verify());
    let t = now();
    let refused = (401, json!({"error": "invalid or expired code"}));

    let email = format!("guess-{}@example.com", unique());
    parsed(
        create
            .handle(event(json!({"email": email})), t)
            .await
            .unwrap(),
    );
    let code = code_in(&emails_to(&email).await[0]);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    for _ in 0..5 {
        let r = parsed(
            verify
                .handle(event(json!({"email": email, "code": wrong})), t + 1)
                .await
                .unwrap(),
        );
        assert_eq!(r, refused);
    }
    let r = parsed(
        verify
            .handle(event(json!({"email": email, "code": code})), t + 2)
            .await
            .unwrap(),
    );
    assert_eq!(r, refused, "the right code after 5 wrong ones");

    let email = format!("late-{}@example.com", unique());
    parsed(
        create
            .handle(event(json!({"email": email})), t)
            .await
            .unwrap(),
    );
    let code = code_in(&emails_to(&email).await[0]);
    let r = parsed(
        verify
            .handle(event(json!({"email": email, "code": code})), t + 300)
            .await
            .unwrap(),
    );
    assert_eq!(
        r, refused,
        "expired (DynamoDB has not swept it: the condition checks expires_at)"
    );
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn a_live_code_is_kept_and_tagged_spellings_share_the_send_limit() {
    let moto = moto().await;
    let (create, verify) = (moto.create(false), moto.verify());
    let t = now();
    let accepted = (202, json!({"status": "accepted", "expires_in": 300}));
    let id = unique();
    let email = format!("limit-{id}@example.com");
    let post = |email: String, at: i64| {
        let create = &create;
        async move {
            parsed(
                create
                    .handle(event(json!({ "email": email })), at)
                    .await
                    .unwrap(),
            )
        }
    };

    // A second request while the first code is live sends nothing and keeps that code.
    assert_eq!(post(email.clone(), t).await, accepted);
    assert_eq!(post(email.to_uppercase(), t + 1).await, accepted);
    let sent = emails_to(&email).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let r = parsed(
        verify
            .handle(
                event(json!({"email": email, "code": code_in(&sent[0])})),
                t + 2,
            )
            .await
            .unwrap(),
    );
    assert_eq!(r.0, 200, "the first code still works: {r:?}");

    // `+tag` spellings are other addresses with the same mailbox: two more sends, then none.
    let tagged = |tag: &str| format!("limit-{id}+{tag}@example.com");
    for tag in ["a", "b", "c"] {
        assert_eq!(post(tagged(tag), t + 3).await, accepted);
    }
    assert_eq!(emails_to(&tagged("a")).await.len(), 1);
    assert_eq!(emails_to(&tagged("b")).await.len(), 1);
    assert!(
        emails_to(&tagged("c")).await.is_empty(),
        "the mailbox's fourth send"
    );
    let key = HashKey::new(HASH_KEY.as_bytes()).unwrap();
    let refused_code = code_key(&key.address_id(&tagged("c")));
    assert!(
        !moto.scan().await.contains(&refused_code),
        "its code was deleted"
    );
    // After the window, sending resumes.
    assert_eq!(post(tagged("c"), t + 900).await, accepted);
    assert_eq!(emails_to(&tagged("c")).await.len(), 1);
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn the_store_keeps_live_codes_and_returns_refused_items() {
    let moto = moto().await;
    let store = moto.store();
    let t = now();
    let key = format!("code#{}", unique());
    assert!(store.put_code(&key, "first", t, t + 300, 5).await.unwrap());
    assert!(
        !store
            .put_code(&key, "second", t + 1, t + 301, 5)
            .await
            .unwrap(),
        "a live code stays"
    );
    // A wrong guess counts; the right hash at a later `now` than expiry does not redeem.
    store
        .record_wrong_guess(&key, "guess", t + 2, 5)
        .await
        .unwrap();
    store
        .record_wrong_guess(&key, "first", t + 2, 5)
        .await
        .unwrap();
    let refused = store.redeem(&key, "guess", t + 3, 5).await.unwrap();
    let Redemption::Refused(Some(seen)) = refused else {
        panic!("{refused:?}")
    };
    assert_eq!(
        (
            seen.code_hash.as_str(),
            seen.attempts,
            seen.used,
            seen.expires_at
        ),
        ("first", 1, false, t + 300)
    );
    assert_eq!(
        store.redeem(&key, "first", t + 300, 5).await.unwrap(),
        Redemption::Refused(Some(seen.clone())),
        "expired"
    );
    assert_eq!(
        store.redeem(&key, "first", t + 4, 5).await.unwrap(),
        Redemption::Redeemed
    );
    // Spent, it is replaced; out of attempts, too.
    assert!(store
        .put_code(&key, "second", t + 5, t + 305, 5)
        .await
        .unwrap());
    assert!(store
        .put_code(&key, "third", t + 6, t + 306, 0)
        .await
        .unwrap());
    // No item: nothing returned, and counting a guess creates none.
    let missing = format!("code#{}", unique());
    assert_eq!(
        store.redeem(&missing, "x", t, 5).await.unwrap(),
        Redemption::Refused(None)
    );
    store.record_wrong_guess(&missing, "x", t, 5).await.unwrap();
    assert!(!moto.scan().await.contains(&missing));
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn sms_goes_through_sns_to_the_registered_number_only() {
    let moto = moto().await;
    let (create, sent) = moto.create_recorded();
    let verify = moto.verify();
    let key = HashKey::new(HASH_KEY.as_bytes()).unwrap();
    let accepted = (202, json!({"status": "accepted", "expires_in": 300}));
    let refused = (401, json!({"error": "invalid or expired code"}));
    let t = now();

    // Registered by user management, then asked for by channel only.
    let email = format!("sms-{}@example.com", unique());
    otp::register_phone(&moto.store(), &key, &email.to_uppercase(), "+15555550100")
        .await
        .unwrap();
    let registration = otp::store::phone_key(&key.address_id(&email));
    let body = json!({"email": email, "channel": "sms"});
    let r = parsed(create.handle(event(body), t).await.unwrap());
    assert_eq!(r, accepted);
    let delivered = sent.lock().unwrap().clone();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    let (to, code, published) = &delivered[0];
    assert_eq!((to.as_str(), *published), ("sms:+15555550100", true));
    assert!(emails_to(&email).await.is_empty());
    let (status, body) = parsed(
        verify
            .handle(event(json!({"email": email, "code": code})), t + 5)
            .await
            .unwrap(),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].is_string());
    // The registration is the only plain-text number; the address and code appear nowhere.
    let scan = moto.scan().await;
    assert!(
        scan.contains(&registration) && !scan.contains(&email) && !scan.contains(code.as_str()),
        "{scan}"
    );

    // An address without a registration: the same 202, no publish, no code to redeem.
    let victim = format!("victim-{}@example.com", unique());
    let r = parsed(
        create
            .handle(event(json!({"email": victim, "channel": "sms"})), t)
            .await
            .unwrap(),
    );
    assert_eq!(r, accepted);
    // A caller cannot name the number any more.
    let (status, body) = parsed(
        create
            .handle(
                event(json!({"email": victim, "channel": "sms", "phone_number": "+15555550199"})),
                t,
            )
            .await
            .unwrap(),
    );
    assert_eq!(
        (status, &body["details"][0]["field"]),
        (400, &json!("phone_number"))
    );
    assert_eq!(
        sent.lock().unwrap().len(),
        1,
        "nothing published for the victim"
    );
    assert!(emails_to(&victim).await.is_empty());
    let victim_code = otp::store::code_key(&key.address_id(&victim));
    assert!(!moto.scan().await.contains(&victim_code));
    let r = parsed(
        verify
            .handle(event(json!({"email": victim, "code": code})), t + 6)
            .await
            .unwrap(),
    );
    assert_eq!(r, refused);

    // Removed: sms sends nothing again.
    otp::remove_phone(&moto.store(), &key, &email)
        .await
        .unwrap();
    let r = parsed(
        create
            .handle(event(json!({"email": email, "channel": "sms"})), t + 7)
            .await
            .unwrap(),
    );
    assert_eq!(r, accepted);
    assert_eq!(sent.lock().unwrap().len(), 1);
    assert!(!moto.scan().await.contains(&registration));
}

#[tokio::test]
#[ignore = "needs moto (MOTO_ENDPOINT); run by scripts/test.sh"]
async fn a_refused_delivery_answers_502_and_leaves_no_code() {
    let moto = moto().await;
    let create = moto.create_from("someone@unverified.example.net", false);
    let email = format!("fail-{}@example.com", unique());
    let mut e = event(json!({"email": email}));
    e.payload.request_context.request_id = Some("req-502".into());
    let (status, body) = parsed(create.handle(e, now()).await.unwrap());
    assert_eq!(
        (status, body),
        (
            502,
            json!({"error": "the code could not be delivered", "request_id": "req-502"})
        )
    );
    let scan = moto.scan().await;
    assert!(
        !scan.contains("code#") && scan.contains("sends#email#"),
        "{scan}"
    );
}

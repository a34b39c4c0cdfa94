//! Test support: fake time, log capture, and the moto resources of one test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

pub mod oauth_server;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_s3::config::Credentials as AwsCredentials;
use oauth_collector::{
    Collector, HttpClient, ProviderId, RetrySettings, S3TokenStore, SnsNotifier, Timing,
    TokenClient, TokenClientBuilder, WallClock,
};
use secrets_client::retry::SleepFuture;
use secrets_client::{AwsSecretStore, Clock, SecretsClient, Sleeper};
use serde_json::Value;

/// Clocks that only move when the client sleeps (or the test advances them); sleeps are
/// recorded instead of waited.
pub struct FakeTime {
    start: Instant,
    epoch: SystemTime,
    offset: Mutex<Duration>,
    sleeps: Mutex<Vec<Duration>>,
}

impl FakeTime {
    /// Starts at a fixed wall-clock time (epoch 1,700,000,000).
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            epoch: UNIX_EPOCH + Duration::from_secs(1_700_000_000),
            offset: Mutex::new(Duration::ZERO),
            sleeps: Mutex::new(Vec::new()),
        })
    }

    /// Moves time forward.
    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }

    /// The sleeps requested so far.
    pub fn sleeps(&self) -> Vec<Duration> {
        self.sleeps.lock().unwrap().clone()
    }

    /// The current fake time in epoch seconds.
    pub fn epoch_now(&self) -> u64 {
        WallClock::epoch_seconds(self)
    }

    /// The [`Timing`] of a client using this fake.
    pub fn timing(self: &Arc<Self>) -> Timing {
        Timing {
            clock: self.clone(),
            wall: self.clone(),
            sleeper: self.clone(),
        }
    }
}

impl Clock for FakeTime {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap()
    }
}

impl WallClock for FakeTime {
    fn now(&self) -> SystemTime {
        self.epoch + *self.offset.lock().unwrap()
    }
}

impl Sleeper for FakeTime {
    fn sleep(&self, duration: Duration) -> SleepFuture {
        self.sleeps.lock().unwrap().push(duration);
        self.advance(duration);
        Box::pin(async {})
    }
}

/// Captures the JSON log lines written while the returned guard lives (this thread only).
pub fn capture_logs() -> (Arc<Mutex<Vec<u8>>>, tracing::subscriber::DefaultGuard) {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let sink = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || LogWriter(sink.clone()))
        .finish();
    (buffer, tracing::subscriber::set_default(subscriber))
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Retry settings that keep the defaults' shape but fail fast on real timeouts.
pub fn retry(max_attempts: u32) -> RetrySettings {
    let mut settings = RetrySettings::default();
    settings.policy.max_attempts = max_attempts;
    settings
}

/// The moto resources of one test: a bucket, a KMS key, a topic, and a unique app segment.
pub struct Moto {
    /// moto's URL.
    pub endpoint: String,
    /// S3 client (path style).
    pub s3: aws_sdk_s3::Client,
    /// Bucket of the tokens.
    pub bucket: String,
    /// The KMS key's ARN.
    pub key_arn: String,
    /// The topic's ARN.
    pub topic_arn: String,
    /// The app segment (unique per test).
    pub app: String,
    /// Secrets client (also used by the test to create the provider secrets).
    pub secrets: Arc<SecretsClient>,
    sns: aws_sdk_sns::Client,
    sdk: aws_config::SdkConfig,
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{}-{nanos}", std::process::id())
}

impl Moto {
    /// Creates the resources.
    pub async fn setup() -> Self {
        let endpoint = std::env::var("MOTO_ENDPOINT")
            .expect("MOTO_ENDPOINT is not set (needs moto: run scripts/test.sh)");
        let sdk = secrets_client::sdk::config_loader()
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(AwsCredentials::new(
                "testing", "testing", None, None, "static",
            ))
            .load()
            .await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        );
        let id = unique();
        let bucket = format!("tokens-{id}");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let kms = aws_sdk_kms::Client::new(&sdk);
        let key_arn = kms
            .create_key()
            .description("oauth-collector test")
            .send()
            .await
            .unwrap()
            .key_metadata
            .unwrap()
            .arn
            .unwrap();
        let sns = aws_sdk_sns::Client::new(&sdk);
        let topic_arn = sns
            .create_topic()
            .name(format!("tokens-{id}"))
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        Self {
            endpoint,
            s3,
            bucket,
            key_arn,
            topic_arn,
            app: format!("app{}", id.replace('-', "")),
            secrets: Arc::new(SecretsClient::from_conf(&sdk)),
            sns,
            sdk,
        }
    }

    /// Stores the credentials secret of `tool/org` (the JSON given as is).
    pub async fn secret(&self, tool: &str, org: &str, json: &str) -> ProviderId {
        let id = ProviderId::new(tool, org).unwrap();
        self.secrets
            .create(&id.secret_name(&self.app).unwrap(), json, None)
            .await
            .unwrap();
        id
    }

    /// Rotates the credentials secret of `provider` to `json` the way another process would:
    /// the clients' cached value is left as it is.
    pub async fn rotate(&self, provider: &ProviderId, json: &str) {
        SecretsClient::from_conf(&self.sdk)
            .put(&provider.secret_name(&self.app).unwrap(), json)
            .await
            .unwrap();
    }

    /// A token client over these resources with `time` and `retry`, notifying the topic.
    pub fn client(
        &self,
        time: &Arc<FakeTime>,
        retry: RetrySettings,
        http: HttpClient,
    ) -> TokenClient {
        self.builder(time, retry, http).build()
    }

    /// The builder of [`client`](Self::client), for tests that set more.
    pub fn builder(
        &self,
        time: &Arc<FakeTime>,
        retry: RetrySettings,
        http: HttpClient,
    ) -> TokenClientBuilder<AwsSecretStore> {
        TokenClient::builder(
            self.app.clone(),
            self.secrets.clone(),
            Arc::new(S3TokenStore::new(
                self.s3.clone(),
                &self.bucket,
                &self.key_arn,
            )),
            http,
        )
        .notifier(Arc::new(SnsNotifier::new(
            self.sns.clone(),
            &self.topic_arn,
        )))
        .retry(retry)
        .timing(time.timing())
    }

    /// A collector of `providers` over [`client`](Self::client) with default HTTP timeouts.
    pub fn collector(
        &self,
        time: &Arc<FakeTime>,
        retry: RetrySettings,
        providers: Vec<ProviderId>,
    ) -> Collector<AwsSecretStore> {
        Collector::new(
            self.client(time, retry, HttpClient::with_defaults()),
            providers,
        )
    }

    /// The stored token document of `provider`, with the object's SSE headers.
    pub async fn stored(
        &self,
        provider: &ProviderId,
    ) -> Option<(Value, aws_sdk_s3::operation::get_object::GetObjectOutput)> {
        let out = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(provider.object_key())
            .send()
            .await
            .ok()?;
        let mut out = out;
        let body = std::mem::take(&mut out.body)
            .collect()
            .await
            .unwrap()
            .into_bytes();
        Some((serde_json::from_slice(&body).unwrap(), out))
    }

    /// The notifications published to the topic: `(subject, message)`, read back from
    /// moto's model data (`/moto-api/data.json`, the topics' `sent_notifications`).
    pub async fn notifications(&self) -> Vec<(String, Value)> {
        let data = http_get_json(&format!("{}/moto-api/data.json", self.endpoint)).await;
        let topics = data["sns"]["Topic"].as_array().cloned().unwrap_or_default();
        let topic = topics
            .iter()
            .find(|t| t["arn"] == self.topic_arn.as_str())
            .expect("the topic is in moto's model data");
        topic["sent_notifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n[2].as_str().unwrap_or_default().to_owned(),
                    serde_json::from_str(n[1].as_str().unwrap()).unwrap(),
                )
            })
            .collect()
    }
}

/// GETs a JSON document over plain HTTP (moto's internal API).
async fn http_get_json(url: &str) -> Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    stream
        .write_all(format!("GET /{path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    let (_, body) = text.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap()
}

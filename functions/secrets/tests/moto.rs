//! Integration tests against moto in server mode (`MOTO_ENDPOINT`, e.g.
//! `http://127.0.0.1:5123`). `scripts/test.sh` starts moto and runs these with
//! `--include-ignored`.
//!
//! The outage is real and deterministic: the client talks to moto through a TCP proxy owned
//! by the test, and the test shuts the proxy down (listener and open connections) mid-test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::config::Credentials;
use secrets_client::{
    AwsSecretStore, RetryPolicy, SecretStore, SecretsClient, SecretsError, StoreError,
};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const IGNORE: &str = "needs moto: run scripts/test.sh";

fn moto_endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").unwrap_or_else(|_| panic!("MOTO_ENDPOINT is not set ({IGNORE})"))
}

async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    secrets_client::sdk::config_loader()
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(Credentials::new("testing", "testing", None, None, "static"))
        .load()
        .await
}

fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// Counts calls and delegates to Secrets Manager.
struct Counting {
    inner: AwsSecretStore,
    gets: AtomicU32,
}

impl SecretStore for Counting {
    async fn get_secret_string(&self, id: &str) -> Result<String, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get_secret_string(id).await
    }
    async fn put_secret_string(&self, id: &str, value: &str) -> Result<(), StoreError> {
        self.inner.put_secret_string(id, value).await
    }
    async fn create_secret(
        &self,
        id: &str,
        value: &str,
        d: Option<&str>,
    ) -> Result<(), StoreError> {
        self.inner.create_secret(id, value, d).await
    }
}

/// A TCP proxy in front of moto that the test can take down.
struct Proxy {
    endpoint: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let tasks: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let conns = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                conns.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Proxy {
            endpoint,
            tasks,
            accept,
        }
    }

    /// Closes the listener and every open connection: from now on connections are refused.
    async fn stop(self) {
        self.accept.abort();
        let _ = self.accept.await;
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run scripts/test.sh"]
async fn get_put_create_and_cache() {
    let config = sdk_config(&moto_endpoint()).await;
    let store = Counting {
        inner: AwsSecretStore::from_conf(&config),
        gets: AtomicU32::new(0),
    };
    let client = SecretsClient::builder(store).build().unwrap();
    let name = secrets_client::app_secret("orders", "test", &unique("jwt")).unwrap();

    assert!(matches!(
        client.get(&name).await,
        Err(SecretsError::NotFound { .. })
    ));
    client
        .create(
            &name,
            r#"{"signing_key":"k1","port":5432}"#,
            Some("integration test"),
        )
        .await
        .unwrap();
    assert_eq!(
        client.get_json_key(&name, "signing_key").await.unwrap(),
        "k1"
    );
    assert_eq!(client.get_json_key(&name, "port").await.unwrap(), "5432");
    let before = client.store().gets.load(Ordering::SeqCst);
    for _ in 0..10 {
        client.get(&name).await.unwrap();
    }
    assert_eq!(
        client.store().gets.load(Ordering::SeqCst),
        before,
        "served from cache"
    );

    client.put(&name, r#"{"signing_key":"k2"}"#).await.unwrap();
    assert_eq!(
        client.get_json_key(&name, "signing_key").await.unwrap(),
        "k2",
        "put invalidates"
    );
    assert_eq!(client.store().gets.load(Ordering::SeqCst), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run scripts/test.sh"]
async fn stale_value_during_outage_with_bounded_backoff() {
    let proxy = Proxy::start(&moto_endpoint()).await;
    let config = sdk_config(&proxy.endpoint).await;
    let policy = RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
    };
    let client = SecretsClient::builder(Counting {
        inner: AwsSecretStore::from_conf(&config),
        gets: AtomicU32::new(0),
    })
    // TTL zero: every get goes to Secrets Manager, so the outage is noticed at once.
    .ttl(Duration::ZERO)
    .retry_policy(policy)
    .build()
    .unwrap();
    let name = secrets_client::app_secret("orders", "test", &unique("outage")).unwrap();
    client.create(&name, "warm-value", None).await.unwrap();
    assert_eq!(client.get(&name).await.unwrap().expose(), "warm-value");
    let gets_before = client.store().gets.load(Ordering::SeqCst);

    proxy.stop().await;

    let started = Instant::now();
    let value = client.get(&name).await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(
        value.expose(),
        "warm-value",
        "stale value served during the outage"
    );
    assert_eq!(
        client.store().gets.load(Ordering::SeqCst) - gets_before,
        policy.max_attempts,
        "retried exactly max_attempts times"
    );
    assert!(
        elapsed <= policy.max_total_delay() + Duration::from_secs(2),
        "backoff bounded: {elapsed:?}"
    );

    // Nothing cached for another secret: the outage surfaces as an error after the retries.
    let started = Instant::now();
    let err = client.get(&format!("{name}-other")).await.unwrap_err();
    assert!(
        matches!(err, SecretsError::Unavailable { attempts: 4, .. }),
        "{err:?}"
    );
    assert!(started.elapsed() <= policy.max_total_delay() + Duration::from_secs(2));
}

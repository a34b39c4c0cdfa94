//! Unit tests of the client over a scripted fake store.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::retry::SleepFuture;
use crate::*;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Up,
    Outage,
    Denied,
}

struct FakeStore {
    values: Mutex<HashMap<String, String>>,
    mode: Mutex<Mode>,
    gets: AtomicU32,
}

impl FakeStore {
    fn new(pairs: &[(&str, &str)]) -> Self {
        Self {
            values: Mutex::new(
                pairs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            mode: Mutex::new(Mode::Up),
            gets: AtomicU32::new(0),
        }
    }
    fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }
    fn set(&self, k: &str, v: &str) {
        self.values.lock().unwrap().insert(k.into(), v.into());
    }
    fn gets(&self) -> u32 {
        self.gets.load(Ordering::SeqCst)
    }
}

impl SecretStore for FakeStore {
    async fn get_secret_string(&self, id: &str) -> Result<String, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        match *self.mode.lock().unwrap() {
            Mode::Outage => return Err(StoreError::Transient("connection refused".into())),
            Mode::Denied => return Err(StoreError::Permanent("AccessDenied".into())),
            Mode::Up => {}
        }
        self.values
            .lock()
            .unwrap()
            .get(id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound("ResourceNotFoundException".into()))
    }
    async fn put_secret_string(&self, id: &str, value: &str) -> Result<(), StoreError> {
        self.set(id, value);
        Ok(())
    }
    async fn create_secret(
        &self,
        id: &str,
        value: &str,
        _: Option<&str>,
    ) -> Result<(), StoreError> {
        self.set(id, value);
        Ok(())
    }
}

struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}
impl ManualClock {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        })
    }
    fn advance(&self, d: Duration) {
        *self.offset.lock().unwrap() += d;
    }
}
impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap()
    }
}

#[derive(Default)]
struct RecordingSleeper(Mutex<Vec<Duration>>);
impl Sleeper for RecordingSleeper {
    fn sleep(&self, d: Duration) -> SleepFuture {
        self.0.lock().unwrap().push(d);
        Box::pin(async {})
    }
}

fn client(
    store: FakeStore,
) -> (
    SecretsClient<FakeStore>,
    Arc<ManualClock>,
    Arc<RecordingSleeper>,
) {
    let clock = ManualClock::new();
    let sleeper = Arc::new(RecordingSleeper::default());
    let c = SecretsClient::builder(store)
        .clock(clock.clone())
        .sleeper(sleeper.clone())
        .build()
        .unwrap();
    (c, clock, sleeper)
}

#[tokio::test]
async fn caches_within_ttl_and_refetches_after() {
    let (c, clock, _) = client(FakeStore::new(&[("a/dev/x", "v1")]));
    assert_eq!(c.get("a/dev/x").await.unwrap().expose(), "v1");
    c.store().set("a/dev/x", "v2");
    clock.advance(Duration::from_secs(299));
    assert_eq!(c.get("a/dev/x").await.unwrap().expose(), "v1");
    assert_eq!(c.store().gets(), 1);
    clock.advance(Duration::from_secs(2));
    assert_eq!(c.get("a/dev/x").await.unwrap().expose(), "v2");
    assert_eq!(c.store().gets(), 2);
}

#[tokio::test]
async fn unchanged_refetch_keeps_allocation() {
    let (c, clock, _) = client(FakeStore::new(&[("k", "v")]));
    let first = c.get("k").await.unwrap();
    clock.advance(Duration::from_secs(600));
    let second = c.get("k").await.unwrap();
    assert!(first.same_allocation(&second));
}

#[tokio::test]
async fn serves_stale_value_during_outage_and_retries_boundedly() {
    let (c, clock, sleeper) = client(FakeStore::new(&[("k", "v1")]));
    c.get("k").await.unwrap();
    c.store().set_mode(Mode::Outage);
    clock.advance(Duration::from_secs(301));
    assert_eq!(c.get("k").await.unwrap().expose(), "v1");
    // 1 warm-up + 3 attempts, 2 backoffs within their caps.
    assert_eq!(c.store().gets(), 4);
    let sleeps = sleeper.0.lock().unwrap().clone();
    assert_eq!(sleeps.len(), 2);
    let policy = RetryPolicy::default();
    assert!(sleeps[0] <= policy.backoff_cap(1));
    assert!(sleeps[1] <= policy.backoff_cap(2));
    assert!(sleeps.iter().sum::<Duration>() <= policy.max_total_delay());
    // Back up: fresh value again.
    c.store().set_mode(Mode::Up);
    c.store().set("k", "v2");
    assert_eq!(c.get("k").await.unwrap().expose(), "v2");
}

#[tokio::test]
async fn outage_without_cache_is_an_error() {
    let (c, _, sleeper) = client(FakeStore::new(&[("k", "v1")]));
    c.store().set_mode(Mode::Outage);
    let err = c.get("k").await.unwrap_err();
    assert!(
        matches!(err, SecretsError::Unavailable { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(sleeper.0.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn stale_value_too_old_is_not_served() {
    let clock = ManualClock::new();
    let c = SecretsClient::builder(FakeStore::new(&[("k", "v1")]))
        .clock(clock.clone())
        .sleeper(Arc::new(RecordingSleeper::default()))
        .max_stale(Duration::from_secs(3600))
        .build()
        .unwrap();
    c.get("k").await.unwrap();
    c.store().set_mode(Mode::Outage);
    clock.advance(Duration::from_secs(3601));
    assert!(c.get("k").await.is_err());
}

#[tokio::test]
async fn permanent_errors_are_not_retried_nor_papered_over() {
    let (c, clock, sleeper) = client(FakeStore::new(&[("k", "v1")]));
    c.get("k").await.unwrap();
    c.store().set_mode(Mode::Denied);
    clock.advance(Duration::from_secs(301));
    let err = c.get("k").await.unwrap_err();
    assert!(
        matches!(err, SecretsError::Unavailable { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(sleeper.0.lock().unwrap().is_empty());
    let err = c.get("missing").await;
    assert!(err.is_err());
    c.store().set_mode(Mode::Up);
    assert!(matches!(
        c.get("missing").await.unwrap_err(),
        SecretsError::NotFound { .. }
    ));
}

#[tokio::test]
async fn put_and_create_invalidate() {
    let (c, _, _) = client(FakeStore::new(&[("k", "v1")]));
    assert_eq!(c.get("k").await.unwrap().expose(), "v1");
    c.put("k", "v2").await.unwrap();
    assert_eq!(c.get("k").await.unwrap().expose(), "v2");
    assert!(c.get("new").await.is_err());
    c.create("new", "n1", Some("test")).await.unwrap();
    assert_eq!(c.get("new").await.unwrap().expose(), "n1");
}

#[tokio::test]
async fn json_keys() {
    let (c, _, _) = client(FakeStore::new(&[
        ("j", r#"{"url":"postgres://x","port":5432,"none":null}"#),
        ("plain", "not json"),
    ]));
    assert_eq!(c.get_json_key("j", "url").await.unwrap(), "postgres://x");
    assert_eq!(c.get_json_key("j", "port").await.unwrap(), "5432");
    assert!(matches!(
        c.get_json_key("j", "none").await,
        Err(SecretsError::MissingKey { .. })
    ));
    assert!(matches!(
        c.get_json_key("j", "other").await,
        Err(SecretsError::MissingKey { .. })
    ));
    assert!(matches!(
        c.get_json_key("plain", "x").await,
        Err(SecretsError::NotJsonObject { .. })
    ));
}

#[tokio::test]
async fn env_fallback_is_opt_in_and_refused_in_lambda() {
    // Unique variable names: tests run in parallel threads of one process.
    std::env::set_var("SECRETS_TEST_ENVFB_APP_DEV_TOKEN", "from-env");
    let plain = SecretsClient::builder(FakeStore::new(&[]))
        .sleeper(Arc::new(RecordingSleeper::default()))
        .build()
        .unwrap();
    assert!(plain.get("app/dev/token").await.is_err());
    let local = SecretsClient::builder(FakeStore::new(&[]))
        .sleeper(Arc::new(RecordingSleeper::default()))
        .env_fallback("SECRETS_TEST_ENVFB_")
        .build()
        .unwrap();
    assert_eq!(
        local.get("app/dev/token").await.unwrap().expose(),
        "from-env"
    );
    // Secrets Manager wins when it answers.
    local.store().set("app/dev/token", "from-sm");
    assert_eq!(
        local.get("app/dev/token").await.unwrap().expose(),
        "from-sm"
    );
}

#[test]
fn env_fallback_refused_when_lambda_env_present() {
    // Run the check in a child process so the variable does not leak into other tests.
    if std::env::var_os("SECRETS_TEST_CHILD").is_some() {
        // What Lambda sets (and a function's configuration cannot remove).
        std::env::set_var("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001");
        let err = SecretsClient::builder(FakeStore::new(&[]))
            .env_fallback("X_")
            .build()
            .err()
            .unwrap();
        assert!(matches!(err, SecretsError::Config(_)));
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let status = std::process::Command::new(exe)
        .args([
            "--exact",
            "tests::env_fallback_refused_when_lambda_env_present",
            "--test-threads=1",
        ])
        .env("SECRETS_TEST_CHILD", "1")
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn get_fresh_fetches_whatever_the_cache_holds_and_falls_back_to_it_in_an_outage() {
    let (c, _, _) = client(FakeStore::new(&[("app/dev/token", "v1")]));
    assert_eq!(c.get("app/dev/token").await.unwrap().expose(), "v1");
    c.store().set("app/dev/token", "v2"); // rotated by someone else
    assert_eq!(c.get("app/dev/token").await.unwrap().expose(), "v1");
    assert_eq!(c.get_fresh("app/dev/token").await.unwrap().expose(), "v2");
    assert_eq!(c.store().gets(), 2);
    // What it fetched is cached.
    assert_eq!(c.get("app/dev/token").await.unwrap().expose(), "v2");
    assert_eq!(c.store().gets(), 2);
    // Secrets Manager unreachable: the cached value, not an error.
    c.store().set_mode(Mode::Outage);
    assert_eq!(c.get_fresh("app/dev/token").await.unwrap().expose(), "v2");
}

#[test]
fn secret_value_debug_is_redacted() {
    let v = SecretValue(Arc::from("hunter2"));
    assert!(!format!("{v:?}").contains("hunter2"));
}

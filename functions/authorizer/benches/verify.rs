//! Warm-cache verification throughput: the secret is cached and the verifier built, as on
//! every invocation after the first. Target: at least 300,000 tokens/s on one core.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use authorizer::jwt::{sign_hs256, Verifier};
use authorizer::{Authorizer, Config};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use secrets_client::{SecretStore, SecretsClient, StoreError};

const KEY: &str = "bench-signing-key-0123456789abcdef0123";

struct Fixed;

impl SecretStore for Fixed {
    async fn get_secret_string(&self, _: &str) -> Result<String, StoreError> {
        Ok(KEY.to_owned())
    }
    async fn put_secret_string(&self, _: &str, _: &str) -> Result<(), StoreError> {
        Ok(())
    }
    async fn create_secret(&self, _: &str, _: &str, _: Option<&str>) -> Result<(), StoreError> {
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let token = sign_hs256(
        KEY.as_bytes(),
        &serde_json::json!({"sub": "user-1", "iss": "orders-auth", "aud": "orders-api", "exp": now + 3600, "iat": now, "scope": "orders:write"}),
    );
    let mut group = c.benchmark_group("authorizer");
    group.throughput(Throughput::Elements(1));

    let verifier = Verifier::new(
        KEY.as_bytes(),
        Some("orders-auth".into()),
        Some("orders-api".into()),
        30,
    )
    .unwrap();
    group.bench_function("verify_token", |b| {
        b.iter(|| verifier.verify(black_box(&token), now).unwrap())
    });

    // Through the secrets cache: cache lookup + verifier reuse + verification.
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let config = Config::new("orders/dev/jwt", "orders-auth", "orders-api");
    let authorizer = Authorizer::new(config, SecretsClient::builder(Fixed).build().unwrap());
    rt.block_on(authorizer.keyed()).unwrap();
    group.bench_function("warm_cache_verify", |b| {
        b.iter(|| {
            rt.block_on(async {
                let keyed = authorizer.keyed().await.unwrap();
                keyed.verifier.verify(black_box(&token), now).unwrap()
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

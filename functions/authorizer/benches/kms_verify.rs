//! What verifying a token would cost with a KMS HMAC key (`VerifyMac`), so that no function
//! holds the signing key (an alternative a security review of the token rules raised): one warm `VerifyMac` of a token's signing
//! input, and one `GenerateMac` (what issuing a token would cost), each a signed HTTPS-less
//! request on a reused connection to `KMS_ENDPOINT` (moto, or the engine of `infra local`).
//! Compare with `verify` (`authorizer/warm_cache_verify`), the HS256 verification in process.
//!
//! ```sh
//! source scripts/moto.sh && moto_start
//! KMS_ENDPOINT=$MOTO_ENDPOINT cargo bench -p authorizer --bench kms_verify
//! ```
//!
//! Without `KMS_ENDPOINT` it measures nothing. A loopback endpoint has no network: the
//! figures are the SDK's and the emulator's own cost, a floor under what KMS in a region
//! adds (see README.md, "Figures").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::hint::black_box;

use aws_sdk_kms::config::Credentials;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MacAlgorithmSpec};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let Ok(endpoint) = std::env::var("KMS_ENDPOINT") else {
        eprintln!("kms_verify: KMS_ENDPOINT is not set; nothing measured (see the bench's docs)");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let kms = rt.block_on(async {
        let sdk = secrets_client::sdk::config_loader()
            .endpoint_url(&endpoint)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "static"))
            .load()
            .await;
        aws_sdk_kms::Client::new(&sdk)
    });
    let key = rt
        .block_on(
            kms.create_key()
                .key_spec(KeySpec::Hmac256)
                .key_usage(KeyUsageType::GenerateVerifyMac)
                .description("kms_verify bench")
                .send(),
        )
        .unwrap()
        .key_metadata
        .unwrap()
        .key_id;
    // The signing input of a typical token (header.payload), as the authorizer would send it.
    let input = Blob::new(
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhQGV4YW1wbGUuY29tIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjE3MDAwMDA5MDAsImlzcyI6InVybjpvcmRlcnM6ZGV2OmF1dGgiLCJhdWQiOiJ1cm46b3JkZXJzOmRldjphcGkifQ",
    );
    let generate = || {
        kms.generate_mac()
            .key_id(&key)
            .mac_algorithm(MacAlgorithmSpec::HmacSha256)
            .message(input.clone())
            .send()
    };
    let mac = rt.block_on(generate()).unwrap().mac.unwrap();

    let mut group = c.benchmark_group("kms");
    group.sample_size(50);
    group.bench_function("verify_mac", |b| {
        b.iter(|| {
            let out = rt
                .block_on(
                    kms.verify_mac()
                        .key_id(&key)
                        .mac_algorithm(MacAlgorithmSpec::HmacSha256)
                        .message(input.clone())
                        .mac(black_box(mac.clone()))
                        .send(),
                )
                .unwrap();
            assert!(out.mac_valid);
        })
    });
    group.bench_function("generate_mac", |b| {
        b.iter(|| rt.block_on(generate()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

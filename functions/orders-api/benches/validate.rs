//! Validation of a 100-record body (the maximum). Target: under 50 µs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test and benchmark code: a failure ends the run with its message"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};

fn body() -> String {
    let records: Vec<String> = (0..100)
        .map(|i| {
            format!(
                r#"{{"record_id": "order-{i:05}-7f3c9a", "parameter_1": "parameter text number {i}", "parameter_2": {i}.{i}5}}"#
            )
        })
        .collect();
    format!("[{}]", records.join(","))
}

fn bench(c: &mut Criterion) {
    let body = body();
    assert_eq!(orders_api::validate(&body).unwrap().len(), 100);
    c.bench_function("validate_100_records", |b| {
        b.iter(|| orders_api::validate(black_box(&body)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

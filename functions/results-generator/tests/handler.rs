//! Handler tests over constructed `LambdaEvent`s.

#![allow(clippy::unwrap_used, reason = "test helpers fail the calling test")]

use env_names::results_generator::{MAX_ORDERS, RESULTS_PROBABILITY};
use lambda_runtime::{Context, LambdaEvent};
use results_generator::{handle, Config, Input, OrderStatus, Output};

async fn run(config: &Config, input: &str) -> Output {
    let input: Input = serde_json::from_str(input).unwrap();
    handle(config, LambdaEvent::new(input, Context::default()))
        .await
        .unwrap()
}

#[tokio::test]
async fn seed_makes_output_deterministic() {
    let config = Config::default();
    let a = run(&config, r#"{"seed": 42}"#).await;
    let b = run(&config, r#"{"seed": 42, "source": "aws.events"}"#).await;
    assert_eq!(a, b);
    let outputs: Vec<Output> = run_seeds_0_to_39(&config).await;
    assert!(outputs.iter().any(|o| o.results) && outputs.iter().any(|o| !o.results));
}

async fn run_seeds_0_to_39(config: &Config) -> Vec<Output> {
    let mut out = Vec::new();
    for seed in 0..40 {
        out.push(run(config, &format!(r#"{{"seed": {seed}}}"#)).await);
    }
    out
}

#[tokio::test]
async fn output_shape() {
    let config = Config {
        results_probability: 1.0,
        accept_probability: 0.5,
        max_orders: 5,
    };
    let mut statuses = Vec::new();
    for seed in 0..30 {
        let out = run(&config, &format!(r#"{{"seed": {seed}}}"#)).await;
        let json = serde_json::to_value(&out).unwrap();
        assert_eq!(json["results"], true);
        let orders = out.orders.unwrap();
        assert!((1..=5).contains(&orders.len()));
        for (o, j) in orders.iter().zip(json["orders"].as_array().unwrap()) {
            assert!(j["order"] == "accepted" || j["order"] == "rejected");
            assert!(o.order_id.starts_with("ord-") && o.order_id.len() == 20);
            assert!((1..=100).contains(&o.quantity));
            assert!((1.0..=1000.0).contains(&o.price));
            statuses.push(o.order);
        }
    }
    assert!(statuses.contains(&OrderStatus::Accepted) && statuses.contains(&OrderStatus::Rejected));
}

#[tokio::test]
async fn no_orders_without_results() {
    let config = Config {
        results_probability: 0.0,
        ..Config::default()
    };
    let out = run(&config, "{}").await;
    assert_eq!(
        serde_json::to_value(&out).unwrap(),
        serde_json::json!({"results": false})
    );
}

#[tokio::test]
async fn unseeded_runs_differ() {
    let config = Config {
        results_probability: 1.0,
        ..Config::default()
    };
    let a = run(&config, "{}").await;
    let b = run(&config, "{}").await;
    assert_ne!(a, b);
}

#[test]
fn config_from_env() {
    assert_eq!(Config::from_lookup(|_| None).unwrap(), Config::default());
    let c = Config::from_lookup(|k| (k == RESULTS_PROBABILITY).then(|| "1".to_owned())).unwrap();
    assert_eq!(c.results_probability, 1.0);
    assert!(Config::from_lookup(|k| (k == RESULTS_PROBABILITY).then(|| "1.5".to_owned())).is_err());
    assert!(Config::from_lookup(|k| (k == MAX_ORDERS).then(|| "0".to_owned())).is_err());
}

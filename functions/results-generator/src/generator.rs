//! The generator and its handler.

use std::convert::Infallible;

use env_names::results_generator::{ACCEPT_PROBABILITY, MAX_ORDERS, RESULTS_PROBABILITY};
use lambda_runtime::LambdaEvent;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use thiserror::Error;

use crate::model::{Input, Order, OrderStatus, Output};

/// Tunables, read from the environment in `main`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Chance that results are ready, 0 to 1.
    pub results_probability: f64,
    /// Chance that an order is accepted, 0 to 1.
    pub accept_probability: f64,
    /// Most orders per result, at least 1.
    pub max_orders: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            results_probability: 0.5,
            accept_probability: 0.5,
            max_orders: 5,
        }
    }
}

/// A setting out of range; the message names the variable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConfigError {
    /// Not a number from 0 to 1.
    #[error("{name} must be a number from 0 to 1, got {value:?}")]
    NotProbability {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// Not a whole number from 1 to 1000.
    #[error("{name} must be a whole number from 1 to 1000, got {value:?}")]
    NotOrderCount {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
}

impl Config {
    /// Reads the configuration through `var`, refusing out-of-range values.
    pub fn from_lookup(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut config = Config::default();
        let probability = |name: &'static str, default: f64| -> Result<f64, ConfigError> {
            match var(name) {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or(ConfigError::NotProbability { name, value: v }),
            }
        };
        config.results_probability = probability(RESULTS_PROBABILITY, config.results_probability)?;
        config.accept_probability = probability(ACCEPT_PROBABILITY, config.accept_probability)?;
        if let Some(v) = var(MAX_ORDERS) {
            config.max_orders = v
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or(ConfigError::NotOrderCount {
                    name: MAX_ORDERS,
                    value: v,
                })?;
        }
        Ok(config)
    }
}

/// One generator run with `rng`.
pub fn generate(config: &Config, rng: &mut impl Rng) -> Output {
    if !rng.random_bool(config.results_probability) {
        return Output {
            results: false,
            orders: None,
        };
    }
    let count = rng.random_range(1..=config.max_orders.max(1));
    let orders = (0..count)
        .map(|_| Order {
            order: if rng.random_bool(config.accept_probability) {
                OrderStatus::Accepted
            } else {
                OrderStatus::Rejected
            },
            order_id: format!("ord-{:016x}", rng.random::<u64>()),
            quantity: rng.random_range(1..=100),
            price: f64::from(rng.random_range(100..=100_000u32)) / 100.0,
        })
        .collect();
    Output {
        results: true,
        orders: Some(orders),
    }
}

/// Handles one invocation: seeded when the input has a `seed`, otherwise from OS entropy.
pub async fn handle(config: &Config, event: LambdaEvent<Input>) -> Result<Output, Infallible> {
    let mut rng = match event.payload.seed {
        Some(seed) => ChaCha8Rng::seed_from_u64(seed),
        None => ChaCha8Rng::from_os_rng(),
    };
    let output = generate(config, &mut rng);
    tracing::info!(
        request_id = %event.context.request_id,
        seeded = event.payload.seed.is_some(),
        results = output.results,
        orders = output.orders.as_ref().map_or(0, Vec::len),
        "generated"
    );
    Ok(output)
}

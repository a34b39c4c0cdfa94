//! Input and output of the generator.

use serde::{Deserialize, Serialize};

/// The invocation input. Any other members (an EventBridge event, the state machine's
/// context) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Input {
    /// Makes the output deterministic.
    #[serde(default)]
    pub seed: Option<u64>,
}

/// Whether an order was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Saved to the results bucket by Lambda B.
    Accepted,
    /// Makes Lambda B fail with `OrderRejected`.
    Rejected,
}

/// One order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Outcome.
    pub order: OrderStatus,
    /// Identifier, `ord-` and 16 hex digits.
    pub order_id: String,
    /// Units, 1 to 100.
    pub quantity: u32,
    /// Price per unit with two decimals.
    pub price: f64,
}

/// The generator's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// Whether the results are ready.
    pub results: bool,
    /// The orders; present only when `results` is true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders: Option<Vec<Order>>,
}

//! The order as Lambda B receives it.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ProcessError;

/// Longest accepted `order_id`.
pub const MAX_ORDER_ID_LEN: usize = 128;

/// A well-formed order.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Identifier; safe to use in an S3 key.
    pub order_id: String,
    /// `true` for `accepted`.
    pub accepted: bool,
    /// The order as received (all members), written to S3 as is.
    pub document: Map<String, Value>,
}

/// What the function returns for an accepted order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// The order.
    pub order_id: String,
    /// Always `saved`.
    pub status: &'static str,
    /// Bucket written to.
    pub bucket: String,
    /// Key written to.
    pub key: String,
}

/// Checks the input: an object with `"order": "accepted" | "rejected"` and an `order_id` of
/// 1 to [`MAX_ORDER_ID_LEN`] characters from `[A-Za-z0-9._-]` (it becomes part of the S3
/// key, so no `/`, no `..`).
pub fn parse_order(input: Value) -> Result<Order, ProcessError> {
    let Value::Object(document) = input else {
        return Err(ProcessError::MalformedOrder(
            "the input must be a JSON object".into(),
        ));
    };
    let accepted = match document.get("order") {
        Some(Value::String(s)) if s == "accepted" => true,
        Some(Value::String(s)) if s == "rejected" => false,
        Some(_) => {
            return Err(ProcessError::MalformedOrder(
                "`order` must be \"accepted\" or \"rejected\"".into(),
            ))
        }
        None => return Err(ProcessError::MalformedOrder("`order` is missing".into())),
    };
    let order_id = match document.get("order_id") {
        Some(Value::String(id)) => id.clone(),
        Some(_) => {
            return Err(ProcessError::MalformedOrder(
                "`order_id` must be a string".into(),
            ))
        }
        None => return Err(ProcessError::MalformedOrder("`order_id` is missing".into())),
    };
    let safe = !order_id.is_empty()
        && order_id.len() <= MAX_ORDER_ID_LEN
        && order_id != "."
        && order_id != ".."
        && order_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !safe {
        return Err(ProcessError::MalformedOrder(format!(
            "`order_id` must be 1 to {MAX_ORDER_ID_LEN} characters of A-Z, a-z, 0-9, '.', '_' or '-'"
        )));
    }
    Ok(Order {
        order_id,
        accepted,
        document,
    })
}

/// The S3 key of an order's result.
pub fn result_key(order_id: &str) -> String {
    format!("orders/{order_id}.json")
}

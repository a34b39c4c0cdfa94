//! The handler.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::error::ProcessError;
use crate::model::{parse_order, result_key, Saved};
use crate::store::{ResultsStore, WriteError};

/// Processes one order: saves it when accepted, fails with a named error otherwise.
pub async fn handle<S: ResultsStore>(
    store: &S,
    event: LambdaEvent<Value>,
) -> Result<Saved, ProcessError> {
    let request_id = event.context.request_id.as_str();
    let order = parse_order(event.payload).inspect_err(|e| {
        tracing::warn!(request_id, error = %e, "malformed order");
    })?;
    if !order.accepted {
        tracing::info!(request_id, order_id = %order.order_id, "order rejected");
        return Err(ProcessError::OrderRejected {
            order_id: order.order_id,
        });
    }
    let key = result_key(&order.order_id);
    let body = serde_json::to_vec(&order.document).map_err(|e| {
        ProcessError::ResultsWriteFailed(WriteError {
            key: key.clone(),
            reason: e.to_string(),
        })
    })?;
    store.put_json(&key, body).await.map_err(|e| {
        tracing::error!(request_id, order_id = %order.order_id, error = %e, "writing the result failed");
        ProcessError::ResultsWriteFailed(e)
    })?;
    tracing::info!(request_id, order_id = %order.order_id, key, "order saved");
    Ok(Saved {
        order_id: order.order_id,
        status: "saved",
        bucket: store.bucket().to_owned(),
        key,
    })
}

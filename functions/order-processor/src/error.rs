//! The named errors of the function.
//!
//! `lambda_runtime` reports a handler error as `{"errorType": ..., "errorMessage": ...}`;
//! by default `errorType` is the Rust type name (`order_processor::error::ProcessError`),
//! which no state machine should have to spell. The `From<ProcessError> for Diagnostic`
//! implementation below sets it to the stable names a Step Functions `Catch` matches.

use lambda_runtime::Diagnostic;

use crate::store::WriteError;

/// `errorType` of a rejected order.
pub const ORDER_REJECTED: &str = "OrderRejected";
/// `errorType` of an input that is not a valid order.
pub const MALFORMED_ORDER: &str = "MalformedOrder";
/// `errorType` of a failed S3 write.
pub const RESULTS_WRITE_FAILED: &str = "ResultsWriteFailed";

/// Why processing failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessError {
    /// The order's status is `rejected`.
    OrderRejected {
        /// The rejected order.
        order_id: String,
    },
    /// The input is not a valid order.
    MalformedOrder(String),
    /// Writing the result failed; the cause is logged, not returned.
    ResultsWriteFailed(WriteError),
}

impl ProcessError {
    /// The `errorType` reported to Lambda.
    pub fn error_type(&self) -> &'static str {
        match self {
            ProcessError::OrderRejected { .. } => ORDER_REJECTED,
            ProcessError::MalformedOrder(_) => MALFORMED_ORDER,
            ProcessError::ResultsWriteFailed(_) => RESULTS_WRITE_FAILED,
        }
    }
}

impl std::fmt::Display for ProcessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProcessError::OrderRejected { order_id } => write!(f, "order {order_id} was rejected"),
            ProcessError::MalformedOrder(why) => write!(f, "malformed order: {why}"),
            ProcessError::ResultsWriteFailed(_) => f.write_str("could not write the order result"),
        }
    }
}

impl std::error::Error for ProcessError {}

impl From<ProcessError> for Diagnostic {
    fn from(err: ProcessError) -> Self {
        Diagnostic {
            error_type: err.error_type().to_owned(),
            error_message: err.to_string(),
        }
    }
}

//! The auction pipeline's Lambda B.

pub use crate::common::S3_FORCE_PATH_STYLE;

/// Name of the bucket accepted orders are written to.
pub const RESULTS_BUCKET_NAME: &str = "RESULTS_BUCKET_NAME";
/// SSE-KMS key of the written objects; unset, SSE-S3 (`AES256`).
pub const RESULTS_KMS_KEY_ID: &str = "RESULTS_KMS_KEY_ID";

/// Names without which the function does not start.
pub const REQUIRED: &[&str] = &[RESULTS_BUCKET_NAME];
/// Names with a default.
pub const OPTIONAL: &[&str] = &[RESULTS_KMS_KEY_ID, S3_FORCE_PATH_STYLE];

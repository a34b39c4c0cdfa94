//! Lambda B of the auction pipeline ("order processor").
//!
//! Takes one order as produced by the results generator (the Step Functions Map state passes
//! each element of `orders`):
//!
//! * `"order": "accepted"` — the order is written as JSON to the results bucket under
//!   `orders/<order_id>.json` (deterministic, so a retried execution overwrites rather than
//!   duplicates) with server-side encryption, and the function returns where it went;
//! * `"order": "rejected"` — the function fails with error type **`OrderRejected`**;
//! * anything else (not an object, unknown status, missing or unsafe `order_id`) — it fails
//!   with error type **`MalformedOrder`**;
//! * the S3 write fails — error type **`ResultsWriteFailed`** (retryable).
//!
//! The error types are the `errorType` Lambda reports, which is what a Step Functions
//! `Catch`/`Retry` matches in `ErrorEquals` (see [`error`]).
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `RESULTS_BUCKET_NAME` | required: bucket for accepted orders |
//! | `RESULTS_KMS_KEY_ID` | optional: KMS key (id or ARN) for `aws:kms` encryption; without it `AES256` (SSE-S3) is requested |
//! | `S3_FORCE_PATH_STYLE` | optional, `true` for local S3 emulators (moto) |

pub mod error;
pub mod handler;
pub mod model;
pub mod store;

pub use error::ProcessError;
pub use handler::handle;
pub use model::{parse_order, Order, Saved};
pub use store::{Encryption, ResultsStore, S3ResultsStore, WriteError};

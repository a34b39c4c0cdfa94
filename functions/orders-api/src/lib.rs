//! `POST /orders` behind an API Gateway REST proxy integration.
//!
//! The body is a JSON array of orders, `{"record_id": string, "parameter_1": string,
//! "parameter_2": number}`. The whole body is validated first ([`validation`]); then all
//! records are written in one DynamoDB `TransactWriteItems` call ([`store`]), so either every
//! record is stored or none is. Each item carries `expires_at` = now + 24 h (epoch seconds),
//! the table's TTL attribute. Numbers are stored exactly as sent: the JSON number text goes
//! to DynamoDB as its `N` value without passing through a float.
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | stored | `201 {"count": n, "expires_at": epoch_seconds}` |
//! | body missing, not JSON, not an array, empty, invalid records, more than [`validation::MAX_RECORDS`] | `400` |
//! | body larger than [`validation::MAX_BODY_BYTES`] after base64 decoding | `413` |
//! | a `record_id` already exists (and has not expired) | `409`, nothing written |
//! | method other than POST | `405` |
//! | DynamoDB or other internal failure | `500 {"error": "internal error", "request_id": …}` |
//!
//! Client errors have the shape `{"error": "...", "details": [{"index": n, "field": "...",
//! "message": "..."}]}`; `index` is the position in the array, `field` is `null` for errors
//! about a whole record.
//!
//! **Re-posting an existing `record_id`** is refused with 409 and the whole batch is left
//! unwritten. Orders are facts with a 24-hour lifetime: silently overwriting would lose the
//! earlier values and extend the TTL of a record the client may already consider gone, and a
//! client that wants new values can use a new id. An existing item whose `expires_at` has
//! passed (DynamoDB deletes expired items lazily) does not block its id.
//!
//! # Configuration (environment)
//!
//! | Variable | Meaning |
//! |---|---|
//! | `ORDERS_TABLE_NAME` | required: DynamoDB table, partition key `record_id` (S), TTL attribute `expires_at` |

pub mod handler;
pub mod number;
pub mod response;
pub mod store;
pub mod validation;

pub use handler::handle;
pub use store::{DynamoDbStore, OrderStore, StoreError};
pub use validation::{validate, Order};

//! `POST /orders` behind an API Gateway REST proxy integration.
//!
//! The body is a JSON array of orders, `{"record_id": string, "parameter_1": string,
//! "parameter_2": number}`. The orders belong to the principal the API's authorizer
//! established ([`principal`]): the same `record_id` from two principals is two orders, and
//! a principal sees conflicts only with its own ids. The whole body is validated first
//! ([`validation`]); the records are counted against the principal's rate limit ([`rate`]);
//! then all records are written in one DynamoDB `TransactWriteItems` call ([`store`]), so
//! either every record is stored or none is. Each item carries its `owner` and
//! `expires_at` = now + 24 h (epoch seconds), the table's TTL attribute. Numbers are stored
//! exactly as sent: the JSON number text goes to DynamoDB as its `N` value without passing
//! through a float.
//!
//! # Contract
//!
//! | Case | Status |
//! |---|---|
//! | stored | `201 {"count": n, "expires_at": epoch_seconds}` |
//! | body missing, not JSON, not an array, empty, invalid records, more than [`validation::MAX_RECORDS`] | `400` |
//! | no authorized principal in `requestContext.authorizer.principalId` | `403`, nothing read or written |
//! | body larger than [`validation::MAX_BODY_BYTES`] after base64 decoding | `413` |
//! | the principal already has one of the `record_id`s (not expired) | `409` naming those ids, nothing written |
//! | more records than the principal's limit in the current window | `429` with `Retry-After`, nothing written |
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
//! | `ORDERS_TABLE_NAME` | required: DynamoDB table, partition key `owner` (S), sort key `record_id` (S), TTL attribute `expires_at` |
//! | `ORDERS_RATE_TABLE_NAME` | required: DynamoDB table of the rate counters, partition key `owner` (S), sort key `window` (N), TTL attribute `expires_at` |
//! | `ORDERS_RATE_LIMIT_RECORDS` | optional, default 1000 (at least 100): records a principal may write per window |
//! | `ORDERS_RATE_WINDOW_SECONDS` | optional, default 60: the window |

pub mod config;
pub mod handler;
pub mod number;
pub mod principal;
pub mod rate;
pub mod response;
pub mod store;
pub mod validation;

pub use config::{Config, ConfigError};
pub use handler::handle;
pub use rate::{Admission, DynamoDbRateLimiter, RateLimit, RateLimiter};
pub use store::{DynamoDbStore, OrderStore, StoreError};
pub use validation::{validate, Order};

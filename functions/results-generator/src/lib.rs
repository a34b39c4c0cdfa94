//! Lambda A of the auction pipeline ("results generator").
//!
//! Returns `{"results": bool}` and, when `results` is true, the auction's orders:
//! `{"results": true, "orders": [{"order": "accepted"|"rejected", "order_id": "...",
//! "quantity": n, "price": x}, ...]}`. The Step Functions state machine invokes it again
//! while `results` is false.
//!
//! Outcomes are random; an input carrying `"seed": <u64>` makes them deterministic
//! (ChaCha8, so the same seed gives the same output on every platform and release), which
//! the tests and the pipeline's smoke tests use.
//!
//! # Configuration (environment, all optional)
//!
//! | Variable | Meaning | Default |
//! |---|---|---|
//! | `RESULTS_PROBABILITY` | chance that results are ready | 0.5 |
//! | `ACCEPT_PROBABILITY` | chance that an order is accepted | 0.5 |
//! | `MAX_ORDERS` | most orders per result (at least 1 is returned) | 5 |

pub mod generator;
pub mod model;

pub use generator::{generate, handle, Config, ConfigError};
pub use model::{Input, Order, OrderStatus, Output};

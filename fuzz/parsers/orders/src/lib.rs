//! The body validation of `functions/orders-api`, compiled from that crate's own files: the
//! crate itself links the DynamoDB SDK (its store), which the fuzz build would otherwise
//! have to compile with coverage instrumentation. These files must stay free of SDK imports.

#[path = "../../../../functions/orders-api/src/number.rs"]
pub mod number;
#[path = "../../../../functions/orders-api/src/validation.rs"]
pub mod validation;

//! The modules of `functions/otp` that parse requests, compiled from that crate's own files:
//! the crate itself links the DynamoDB SDK (its store), which the fuzz build would otherwise
//! have to compile with coverage instrumentation. These files must stay free of SDK imports.

#[path = "../../../../functions/otp/src/code.rs"]
pub mod code;
#[path = "../../../../functions/otp/src/email.rs"]
pub mod email;
#[path = "../../../../functions/otp/src/request.rs"]
pub mod request;
#[path = "../../../../functions/otp/src/response.rs"]
pub mod response;

pub use code::Code;

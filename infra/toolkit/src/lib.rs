//! The `infra` toolkit: the command line of an app written with the
//! construct library (`synth`, `list`, `graph`, `build`, `deploy`, `diff`,
//! `destroy`, `watch`, `bootstrap`, `local`, `init`), as a library with one
//! entry point, [`Toolkit`].
//!
//! An app's binary hands it the function that builds its `App` and the
//! location of its crate (where function asset paths are found), and may add
//! commands of its own ([`cli::Commands`]). Its errors can be of any type
//! ([`AppError`]); the toolkit's are [`Error`], whose [`Error::report`] is
//! what the command line prints:
//!
//! ```no_run
//! # extern crate constructs as rcdk_constructs;
//! use std::collections::BTreeMap;
//! use std::path::PathBuf;
//! use std::process::ExitCode;
//!
//! fn build(
//!     context: BTreeMap<String, String>,
//!     source_root: PathBuf,
//! ) -> Result<rcdk_constructs::App, rcdk_toolkit::AppError> {
//!     let app = rcdk_constructs::App::with_context(context);
//!     app.set_source_root(source_root);
//!     app.stack("Hello");
//!     Ok(app)
//! }
//!
//! fn main() -> ExitCode {
//!     rcdk_toolkit::Toolkit::new(env!("CARGO_MANIFEST_DIR"), build).run()
//! }
//! ```
//!
//! (`no_run`: `run` parses the process's arguments, so it belongs in a binary.)
//!
//! `build` and `deploy` compile functions with cargo-lambda and zig (on `PATH`,
//! or in `TOOLS_DIR`, see [`tools`]). `local` needs the local AWS engine:
//! LocalStack's core with the plugins of the rcdk repository's
//! `infra/local-engine`, which this crate does not contain; `scripts/tools.sh`
//! of that repository installs them into `.tools/localstack`, found through
//! `TOOLS_DIR` or `INFRA_LOCAL_PYTHON`.

pub mod cli;
pub mod deploy;
mod error;
pub mod graph;
pub mod init;
pub mod local;
mod toolkit;
pub mod tools;

pub use error::{AppError, Error, Result};
pub use toolkit::Toolkit;

//! The application's stacks and the `infra` command line.
//!
//! The binary (`src/main.rs`) only parses arguments and renders errors; the
//! stacks live in [`app`] and each subcommand in its own module of [`cli`].

pub mod app;
pub mod cli;
pub mod deploy;
pub mod graph;
pub mod local;
pub mod tools;

//! The application's stacks and its own commands of the `infra` binary.
//!
//! The binary (`src/main.rs`) hands [`app::build`] and [`cli::AppCommands`]
//! to the toolkit (`rcdk_toolkit`), which holds every generic command.

pub mod app;
pub mod cli;
pub mod token;

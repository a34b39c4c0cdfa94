//! The application's own commands, added to the toolkit's through
//! [`rcdk_toolkit::cli::Commands`].

mod token;

use rcdk_toolkit::cli::pipeline::Pipeline;
use rcdk_toolkit::cli::{Commands, Context};
use rcdk_toolkit::AppError;

use crate::app::pipeline::PIPELINE_NAME;

/// `token` (a test JWT for the orders API) and `pipeline` (this app's
/// delivery pipeline, by default the one named [`PIPELINE_NAME`]).
#[derive(Debug, clap::Subcommand)]
pub enum AppCommands {
    Token(token::Token),
    Pipeline(Pipeline),
}

impl Commands for AppCommands {
    fn run(&self, ctx: &Context) -> Result<(), AppError> {
        match self {
            AppCommands::Token(cmd) => Ok(cmd.run(ctx)?),
            AppCommands::Pipeline(cmd) => Ok(cmd.run(PIPELINE_NAME)?),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;
    use rcdk_toolkit::cli::Cli;

    #[test]
    fn command_line_with_the_app_commands_is_consistent() {
        Cli::<super::AppCommands>::command().debug_assert();
    }
}

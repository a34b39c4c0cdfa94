//! `infra`: the toolkit's command line for this repository's application,
//! with the app's own commands (`token`, `pipeline`). Exit codes: 0 success,
//! 1 failure (the message says what to do), 2 invalid command line.

use std::process::ExitCode;

fn main() -> ExitCode {
    rcdk_toolkit::Toolkit::new(env!("CARGO_MANIFEST_DIR"), infra::app::build)
        .commands::<infra::cli::AppCommands>()
        .run()
}

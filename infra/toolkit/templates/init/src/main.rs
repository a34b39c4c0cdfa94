//! The app's command line: the toolkit's commands (`synth`, `deploy`, `diff`,
//! `local`…) for the stacks that `app::build` makes.

use std::process::ExitCode;

fn main() -> ExitCode {
    rcdk_toolkit::Toolkit::new(env!("CARGO_MANIFEST_DIR"), app::build).run()
}

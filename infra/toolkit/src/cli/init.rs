//! `infra init`: scaffold a new app (see [`crate::init`]).

use std::path::PathBuf;

use crate::init::{scaffold, Dependencies};

/// Create a new app in DIR: a Cargo workspace with one stack (a DynamoDB
/// table and a Rust Lambda function that writes to it), the function's crate,
/// a test, a README with the next commands, a CI workflow and a .gitignore.
#[derive(Debug, clap::Args)]
pub struct Init {
    /// The new project's directory (created; must be empty if it exists).
    dir: PathBuf,
    /// Depend on the toolkit crates of this local checkout by path (and copy its
    /// Cargo.lock, so the project builds offline with the versions already
    /// built) instead of by version from crates.io.
    #[arg(long, value_name = "CHECKOUT")]
    from_source: Option<PathBuf>,
}

impl Init {
    /// Runs the command.
    pub fn run(&self) -> crate::Result<()> {
        let deps = match &self.from_source {
            Some(checkout) => Dependencies::from_checkout(checkout)?,
            None => Dependencies::published(),
        };
        let files = scaffold(&self.dir, &deps)?;
        eprintln!(
            "created {} files in '{}'; next: cd {} && cargo run -- synth (README.md lists the other commands)",
            files.len(),
            self.dir.display(),
            self.dir.display()
        );
        Ok(())
    }
}

//! [`Toolkit`]: the entry point an app's `main` calls.

use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use constructs::App;

use crate::cli::{AppSpec, Cli, Commands, NoCommands};
use crate::{AppError, Error};

/// The command line of one app: its builder, its crate's location, and the
/// commands it adds (`E`, none by default).
pub struct Toolkit<E = NoCommands> {
    app: AppSpec,
    commands: PhantomData<E>,
}

impl Toolkit {
    /// The toolkit for the app that `build` makes from the `-c` values and
    /// the workspace root. `crate_dir` is the app crate's own location
    /// (`env!("CARGO_MANIFEST_DIR")`): the workspace above it is where
    /// function sources are hashed from, whatever the current directory.
    pub fn new<E>(
        crate_dir: impl Into<PathBuf>,
        build: impl Fn(BTreeMap<String, String>, PathBuf) -> Result<App, E> + 'static,
    ) -> Toolkit
    where
        E: Into<AppError>,
    {
        Toolkit {
            app: AppSpec {
                build: Box::new(move |context, root| build(context, root).map_err(Error::app)),
                crate_dir: crate_dir.into(),
            },
            commands: PhantomData,
        }
    }
}

impl<E: Commands> Toolkit<E> {
    /// The same toolkit with the app's own commands `F` beside the toolkit's.
    pub fn commands<F: Commands>(self) -> Toolkit<F> {
        Toolkit {
            app: self.app,
            commands: PhantomData,
        }
    }

    /// Parses the process's arguments and runs the command: the whole life
    /// of the process. Errors are printed once, prefixed `infra: error:`.
    /// Exit codes: 0 success, 1 failure (the message says what to do), 2
    /// invalid command line.
    pub fn run(self) -> ExitCode {
        match Cli::<E>::parse().run(&self.app) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("infra: error: {}", e.report());
                ExitCode::FAILURE
            }
        }
    }
}

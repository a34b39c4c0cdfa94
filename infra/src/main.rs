//! `infra`: synthesize the application's CloudFormation and, with the AWS
//! commands, deploy it. Exit codes: 0 success, 1 failure (the message says
//! what to do), 2 invalid command line.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = infra::cli::Cli::parse();
    match cli.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("infra: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

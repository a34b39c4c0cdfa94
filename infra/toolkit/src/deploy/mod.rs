//! The deploy toolchain: what turns a cloud assembly into running
//! infrastructure through the AWS SDK (CloudFormation change sets, the S3
//! staging bucket, function builds, hotswaps).
//!
//! The CLI modules (`crate::cli`) only parse options and call these. Nothing
//! here knows about clap beyond the `ValueEnum` choices it defines, and
//! nothing here prints: progress goes to a [`report::Reporter`] the CLI
//! passes, and failures are [`crate::Error`]s.

pub mod assembly;
pub mod assets;
pub mod bootstrap;
pub mod build;
pub mod changeset;
pub mod diff;
pub mod events;
pub mod hotswap;
pub mod poll;
pub mod report;
pub mod session;
pub mod stack;
pub mod status;

/// A single-threaded runtime for one command.
pub fn runtime() -> crate::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(crate::Error::Runtime)
}

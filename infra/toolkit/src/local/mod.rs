//! `infra local`: the whole app deployed and running on this machine, on a
//! local AWS engine (LocalStack's core with the plugins of `infra/local-engine`),
//! without Docker or an AWS account.
//!
//! The engine is deployed to through the same code as AWS (`crate::deploy`);
//! this module only adds what is local: the engine process ([`engine`]), what a
//! real account would already have ([`account`]), and reading back what the
//! app did ([`apis`], [`messages`], [`logs`]).
//!
//! Everything local lives in one folder, [`Layout`] (`<workspace>/.infra-local`):
//! the engine's state, its log, the functions' output and the cloud assembly
//! with host-architecture zips (kept apart from `cdk.out/`, whose zips are
//! the deployable arm64 ones).

pub mod account;
pub mod apis;
pub mod engine;
pub mod http;
pub mod logs;
pub mod messages;

use std::path::{Path, PathBuf};

/// The region the app is deployed to locally unless told otherwise.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The account id the engine reports for any credentials.
pub const ACCOUNT: &str = "000000000000";

/// Where everything local lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout under `root`.
    pub fn new(root: PathBuf) -> Layout {
        Layout { root }
    }

    /// `<workspace>/.infra-local`, or `INFRA_LOCAL_DIR`.
    pub fn for_workspace(workspace: &Path) -> Layout {
        Layout::new(
            std::env::var_os("INFRA_LOCAL_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| workspace.join(".infra-local")),
        )
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The running engine's record (`engine.json`).
    pub fn state_file(&self) -> PathBuf {
        self.root.join("engine.json")
    }

    /// The engine's own log.
    pub fn log_file(&self) -> PathBuf {
        self.root.join("engine.log")
    }

    /// The engine's file system (LocalStack's `FILESYSTEM_ROOT`).
    pub fn engine_dir(&self) -> PathBuf {
        self.root.join("engine")
    }

    /// Temporary files, unzipped function code among them.
    pub fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// One `<function name>.log` per deployed function: what it printed.
    pub fn function_logs(&self) -> PathBuf {
        self.root.join("logs")
    }

    /// The cloud assembly deployed locally, with host-architecture function zips.
    pub fn assembly(&self) -> PathBuf {
        self.root.join("cdk.out")
    }
}

//! The code asset of a Rust function: the crate, built by cargo-lambda for
//! one architecture, as the framework's generic crate asset.

use constructs::{AssetLocation, CrateBuild, Scope};

/// The CPU architecture a function (or a build machine) runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Architecture {
    /// AWS Graviton (`aarch64-unknown-linux-gnu`). The default: cheaper per ms.
    #[default]
    Arm64,
    /// x86-64 (`x86_64-unknown-linux-gnu`).
    #[cfg_attr(feature = "clap", value(name = "x86-64", alias = "x86_64"))]
    X86_64,
}

impl Architecture {
    /// The name Lambda uses (`arm64`, `x86_64`).
    pub fn lambda_name(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }

    /// The architecture Lambda calls `name` (`arm64`, `x86_64`), as recorded
    /// on a function's asset ([`constructs::FileAsset::platform`]).
    pub fn from_lambda_name(name: &str) -> Option<Architecture> {
        [Architecture::Arm64, Architecture::X86_64]
            .into_iter()
            .find(|a| a.lambda_name() == name)
    }

    /// The Rust target triple of Linux on this architecture.
    pub fn rust_target(self) -> &'static str {
        match self {
            Architecture::Arm64 => "aarch64-unknown-linux-gnu",
            Architecture::X86_64 => "x86_64-unknown-linux-gnu",
        }
    }
}

/// The code asset of the Rust crate at `crate_dir` (relative to the app's
/// source root), built by cargo-lambda (profile `lambda`) for `architecture`
/// and the `provided.al2023` runtime, registered with `scope`'s stack.
/// Returns where the code will be once published.
pub fn rust_function_asset(
    scope: &Scope,
    crate_dir: &str,
    architecture: Architecture,
) -> AssetLocation {
    let settings = format!(
        "rust-function/2\0arch={}\0profile=lambda\0runtime=provided.al2023\0",
        architecture.lambda_name()
    );
    scope.crate_asset(
        crate_dir,
        CrateBuild {
            settings: &settings,
            platform: architecture.lambda_name(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_names_round_trip() {
        for arch in [Architecture::Arm64, Architecture::X86_64] {
            assert_eq!(
                Architecture::from_lambda_name(arch.lambda_name()),
                Some(arch)
            );
        }
        assert_eq!(Architecture::from_lambda_name("x86-64"), None);
    }
}

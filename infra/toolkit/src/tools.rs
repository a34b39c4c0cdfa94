//! Where `scripts/tools.sh` installs the pinned tools (`TOOLS_DIR`, default
//! `<workspace>/.tools`), so commands find them without the caller's shell
//! having sourced it.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The tools folder of the workspace at `root`.
pub fn dir(root: &Path) -> PathBuf {
    std::env::var_os("TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools"))
}

/// `PATH` with the tools venv's `bin/` first when it exists: cargo-lambda is
/// there, and it finds zig only through that venv's `python3 -m ziglang`.
pub fn path(root: &Path) -> OsString {
    let current = std::env::var_os("PATH").unwrap_or_default();
    let venv = dir(root).join("venv/bin");
    if !venv.join("cargo-lambda").is_file() {
        return current;
    }
    let mut paths = vec![venv];
    paths.extend(std::env::split_paths(&current));
    std::env::join_paths(paths).unwrap_or(current)
}

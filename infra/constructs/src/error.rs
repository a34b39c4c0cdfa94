//! The construct library's one error type: why an app did not synthesize, why
//! a function's sources could not be read, why stacks have no deployment order.
//! A message never repeats its cause; [`report`] adds the causes.

use std::fmt::Write as _;

/// What went wrong; each message names the construct path, file or stacks concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Synthesis found problems, each naming a construct path, in the order
    /// they were found: all of them, not only the first.
    #[error("{}", list_problems(.problems))]
    Synth {
        /// The problems.
        problems: Vec<String>,
    },
    /// A file or directory of a function's sources could not be read.
    #[error("cannot read {path}")]
    Read {
        /// The file or directory, as given (`fns/api/src/main.rs`).
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `Cargo.toml` is not TOML.
    #[error("{path} is not valid TOML")]
    Manifest {
        /// The manifest's path.
        path: String,
        /// The parse error.
        source: toml::de::Error,
    },
    /// A crate's `Cargo.toml` names no package.
    #[error("{crate_dir}/Cargo.toml has no [package] name")]
    NoPackage {
        /// The crate's directory.
        crate_dir: String,
    },
    /// A resource's properties could not be turned into JSON (they are being
    /// updated, or a hand-written property does not serialize).
    #[error("{path}: properties cannot be rendered")]
    Properties {
        /// The resource's construct path.
        path: String,
        /// The serializer's error.
        source: serde_json::Error,
    },
    /// A file of the cloud assembly could not be written.
    #[error("cannot write {}", .path.display())]
    Write {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Stacks depend on each other in a cycle, so no order deploys them:
    /// their ids (or paths), in dependency order, the first repeated at the end.
    #[error("stacks depend on each other in a cycle: {}; move the shared resources into one stack", .0.join(" -> "))]
    Cycle(Vec<String>),
}

/// `error`'s message and each cause after it, separated by `: `, as a person
/// reads it (`cannot read fns/a/Cargo.toml: No such file or directory`). A
/// cause whose text the message already ends with is not repeated.
pub fn report(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        let text = e.to_string();
        if !out.ends_with(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = e.source();
    }
    out
}

/// `synthesis found 2 problems:` and one `  - …` line per problem.
fn list_problems(problems: &[String]) -> String {
    let n = problems.len();
    let mut out = format!(
        "synthesis found {n} problem{}:\n",
        if n == 1 { "" } else { "s" }
    );
    for p in problems {
        let _ = writeln!(out, "  - {p}");
    }
    out
}

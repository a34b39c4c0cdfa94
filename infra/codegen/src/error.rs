//! [`Error`]: the generator's one error type; each message names the file,
//! type or override concerned.

use std::path::PathBuf;

/// Why vendoring, generating, writing or checking failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line is not one the binary takes.
    #[error("usage: rcdk-codegen [vendor <cfnlint/data/schemas dir> | check]")]
    Usage,
    /// A file or directory could not be read or written.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file is not valid JSON.
    #[error("{}: {source}", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// A listed type has no vendored schema.
    #[error("{}: {source} (run `cargo run -p rcdk-codegen -- vendor <dir>` after adding a type)", .path.display())]
    NotVendored {
        /// The schema file expected.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line of `resource-types.txt` is not a resource type name.
    #[error("{}:{line}: not a resource type name: {name}", .path.display())]
    BadTypeLine {
        /// `resource-types.txt`.
        path: PathBuf,
        /// The line number, from 1.
        line: usize,
        /// The line's text.
        name: String,
    },
    /// Not a resource type name (`AWS::Service::Resource`).
    #[error("not a resource type name: {0}")]
    BadTypeName(String),
    /// cfn-lint's `version.json` has no `schema_date`.
    #[error("version.json has no schema_date")]
    NoSchemaDate,
    /// cfn-lint's provider list does not name the type.
    #[error("{0} is not in providers/us-east-1.json")]
    NotInProviders(String),
    /// The schema file the providers list names is another type's.
    #[error("resources/{hash}.json is not the schema of {type_name}")]
    WrongSchema {
        /// The schema file's hash name.
        hash: String,
        /// The type it should describe.
        type_name: String,
    },
    /// An override's patch is not JSON.
    #[error("override {pointer}: {source}")]
    OverridePatch {
        /// Where the override applies.
        pointer: &'static str,
        /// The parser's error.
        source: serde_json::Error,
    },
    /// An override points at no object of the schema.
    #[error("override for {type_name}: no object at {pointer}")]
    OverrideTarget {
        /// The type.
        type_name: String,
        /// The JSON pointer.
        pointer: &'static str,
    },
    /// rustfmt could not be started or talked to.
    #[error("running rustfmt: {0}")]
    RustfmtRun(std::io::Error),
    /// rustfmt did not format the generated source.
    #[error("rustfmt failed: {0}")]
    RustfmtFailed(String),
    /// `infra/cfn` differs from the generator's output.
    #[error("generated code is out of date:\n  {}\nrun `cargo run -p rcdk-codegen`", .0.join("\n  "))]
    Drift(Vec<String>),
}

impl Error {
    /// A function that turns an I/O error on `path` into [`Error::Io`].
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_the_fix() {
        let missing = Error::NotVendored {
            path: PathBuf::from("schemas/aws-sqs-queue.json"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(
            missing.to_string(),
            "schemas/aws-sqs-queue.json: entity not found (run `cargo run -p rcdk-codegen -- vendor <dir>` after adding a type)"
        );
        let drift = Error::Drift(vec!["differs: infra/cfn/src/lib.rs".to_owned()]);
        assert_eq!(
            drift.to_string(),
            "generated code is out of date:\n  differs: infra/cfn/src/lib.rs\nrun `cargo run -p rcdk-codegen`"
        );
    }
}
